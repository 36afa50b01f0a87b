# modules/proxy: the reverse proxy module (fragment of the top
# Makefile.am; left out by --disable-proxy-module). Its unit tests are in
# t/unit/proxy/local.mk, its integration test and the backend it starts
# in t/integration/local.mk and t/backend/local.mk.
if SL_MODULE_PROXY
sl_modules_built += proxy
libsluice_a_SOURCES += \
	modules/proxy/sl_proxy.h \
	modules/proxy/sl_proxy_parse.h \
	modules/proxy/sl_proxy_parse.c \
	modules/proxy/sl_proxy_conf.c \
	modules/proxy/sl_proxy_upstream.c \
	modules/proxy/sl_proxy_health.c \
	modules/proxy/sl_proxy_pool.c \
	modules/proxy/sl_proxy_head.c \
	modules/proxy/sl_proxy_module.c \
	modules/proxy/sl_proxy_send.c \
	modules/proxy/sl_proxy_relay.c \
	modules/proxy/sl_proxy_tunnel.c \
	modules/proxy/sl_proxy_vars.c
endif
