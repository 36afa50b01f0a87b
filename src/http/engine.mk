# src/http: the engine (connection, request, response, routing, config,
# worker). The parser has its own fragment, src/http/local.mk.
libsluice_a_SOURCES += \
	src/http/sl_http.h \
	src/http/sl_http_conf.c src/http/sl_http_route.c \
	src/http/sl_http_conn.c src/http/sl_http_request.c \
	src/http/sl_http_response.c src/http/sl_http_cork.c \
	src/http/sl_http_worker.c src/http/sl_http_variable.c \
	src/http/sl_http_client.c src/http/sl_http_proto.c
