# modules/static: the static file module (fragment of the top Makefile.am;
# left out by --disable-static-module). Its unit tests are in
# t/unit/static/local.mk, its integration test in t/integration/local.mk.
if SL_MODULE_STATIC
sl_modules_built += static
libsluice_a_SOURCES += \
	modules/static/sl_static.h \
	modules/static/sl_static_module.c \
	modules/static/sl_static_resolve.c \
	modules/static/sl_static_send.c \
	modules/static/sl_static_conf.c \
	modules/static/sl_static_mime.c \
	modules/static/sl_static_file.c \
	modules/static/sl_static_cache.c \
	modules/static/sl_static_cond.c \
	modules/static/sl_static_range.c \
	modules/static/sl_static_path.c \
	modules/static/sl_static_autoindex.c
endif
