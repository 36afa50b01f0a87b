# t/fuzz: fragment of the top Makefile.am. libFuzzer targets for the pure
# parsers, built with clang straight from the sources they test (not from
# libsluice.a). Not part of `make check`:
#     make check-fuzz [FUZZ_SECONDS=60] [FUZZ_CC=clang]
# builds each target and runs it for FUZZ_SECONDS on its seed corpus and
# the HTTP dictionary; new inputs go to t/fuzz/work/ in the build tree, and
# a crash leaves its input there as crash-* and fails the target.

FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_CFLAGS = -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir)/src/core \
	-I$(top_srcdir)/src/http
FUZZ_TARGETS = t/fuzz/fuzz_http_parse t/fuzz/fuzz_http_chunked

# What each target compiles: its own file and the parser files it tests.
FUZZ_HTTP_SRC = $(top_srcdir)/src/http/sl_http_parse.c \
	$(top_srcdir)/src/http/sl_http_parse_field.c \
	$(top_srcdir)/src/http/sl_http_parse_path.c \
	$(top_srcdir)/src/http/sl_http_parse_chunked.c
FUZZ_HTTP_DEPS = $(FUZZ_HTTP_SRC) $(top_srcdir)/src/http/sl_http_parse.h

t/fuzz/fuzz_http_parse: $(top_srcdir)/t/fuzz/fuzz_http_parse.c \
		$(FUZZ_HTTP_DEPS)
	@$(MKDIR_P) t/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -o $@ \
		$(top_srcdir)/t/fuzz/fuzz_http_parse.c $(FUZZ_HTTP_SRC)

t/fuzz/fuzz_http_chunked: $(top_srcdir)/t/fuzz/fuzz_http_chunked.c \
		$(FUZZ_HTTP_DEPS)
	@$(MKDIR_P) t/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -o $@ \
		$(top_srcdir)/t/fuzz/fuzz_http_chunked.c $(FUZZ_HTTP_SRC)

# Each target runs from t/fuzz/work so crash-* files land there.
check-fuzz: $(FUZZ_TARGETS)
	@for t in http_parse http_chunked; do \
	    echo "check-fuzz: fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    $(MKDIR_P) t/fuzz/work/$$t || exit 1; \
	    (cd t/fuzz/work && ../fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -dict=$(abs_top_srcdir)/t/fuzz/http.dict \
	        $$t $(abs_top_srcdir)/t/fuzz/corpus/$$t) || exit 1; \
	done

clean-fuzz:
	-rm -rf t/fuzz/work $(FUZZ_TARGETS)

clean-local: clean-fuzz

.PHONY: check-fuzz clean-fuzz

EXTRA_DIST += t/fuzz/fuzz_http_parse.c t/fuzz/fuzz_http_chunked.c \
	t/fuzz/http.dict t/fuzz/corpus
