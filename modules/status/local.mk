# modules/status: counters in the Prometheus text format.
if SL_MODULE_STATUS
sl_modules_built += status
libsluice_a_SOURCES += modules/status/sl_status_module.c
endif
