# src/http: the HTTP/1.1 engine (fragment of the top Makefile.am): the
# pure parsers, then connection, request, response, routing, body, access
# log, config and worker. Its unit tests are in t/unit/http/local.mk.
libsluice_a_SOURCES += \
	src/http/sl_http.h \
	src/http/sl_http_module.h \
	src/http/sl_http_parse.h \
	src/http/sl_http_parse.c \
	src/http/sl_http_parse_field.c \
	src/http/sl_http_parse_path.c \
	src/http/sl_http_parse_chunked.c \
	src/http/sl_http_conf.c \
	src/http/sl_http_route.c \
	src/http/sl_http_conn.c \
	src/http/sl_http_request.c \
	src/http/sl_http_response.c \
	src/http/sl_http_cork.c \
	src/http/sl_http_body.c \
	src/http/sl_http_access_log.c \
	src/http/sl_http_worker.c \
	src/http/sl_http_variable.c \
	src/http/sl_http_client.c \
	src/http/sl_http_proto.c
