# modules/example: the example module that modules/README.md walks
# through. It is not part of the server: make check links it into
# t/example/sluice-example, a server binary whose module list (the same
# modules/sl_modules.c, compiled again with SL_HAVE_EXAMPLE_MODULE) names
# it too, and t/integration/test_example_module.py runs that binary.
check_PROGRAMS += t/example/sluice-example
t_example_sluice_example_SOURCES = src/sluice.c modules/sl_modules.c \
	modules/example/sl_example_module.c
t_example_sluice_example_CPPFLAGS = $(AM_CPPFLAGS) -DSL_HAVE_EXAMPLE_MODULE
t_example_sluice_example_LDADD = libsluice.a $(SL_LIBS)
EXTRA_DIST += modules/README.md
