# modules: the registry, the one file that names every module (fragment of
# the top Makefile.am). Each module has its own fragment, guarded by its
# configure switch inside it.
libsluice_a_SOURCES += modules/sl_modules.c
