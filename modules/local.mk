# modules: the registry, then one fragment per module (each guarded by its
# configure switch inside the fragment).
libsluice_a_SOURCES += modules/sl_modules.c
include modules/static/local.mk
include modules/proxy/local.mk
include modules/status/local.mk
include modules/example/local.mk
