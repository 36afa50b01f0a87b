# contrib/bench: the benchmarks (fragment of the top Makefile.am). None
# of them runs in make check; each has its own target or is run by hand.

# --- benchmark suite (make bench) ---
#
# contrib/bench/bench.py measures sluice against nginx (as Debian ships it
# and tuned), h2o, lighttpd and haproxy with the method and targets of
# issue 7; contrib/bench/README.md says what each number means.
#   make bench                     full suite, about 30 minutes
#   make bench QUICK=1             short runs, 1 repetition, about 5 minutes
#   make bench SLUICE=/path/sluice BENCH_OUT=dir BENCH_ARGS='--workloads ka'
# Results (results.md, results.json, PNG plots) go to $(BENCH_OUT). The
# target fails when a server that is installed does not start or a run
# has socket errors or non-2xx responses; a sluice that is missing or
# cannot serve yet is skipped with a note. The two C load tools are built
# here with plain rules, never with the sanitizer flags of the server.

SL_BENCH_DIR = contrib/bench
SL_BENCH_TOOLS = $(SL_BENCH_DIR)/openloop$(EXEEXT) \
	$(SL_BENCH_DIR)/canned$(EXEEXT)
SL_BENCH_CC = $(CC) -std=gnu11 $(SL_WARN_CFLAGS) $(CFLAGS) $(LDFLAGS)
BENCH_OUT = $(abs_builddir)/bench-results
SLUICE = $(abs_top_builddir)/sluice$(EXEEXT)
BENCH_ARGS =
QUICK =

EXTRA_DIST += $(SL_BENCH_DIR)/bench.py $(SL_BENCH_DIR)/pipeline.lua \
	$(SL_BENCH_DIR)/openloop.c $(SL_BENCH_DIR)/canned.c \
	$(SL_BENCH_DIR)/README.md
CLEANFILES += $(SL_BENCH_TOOLS)

$(SL_BENCH_DIR)/openloop$(EXEEXT): $(srcdir)/$(SL_BENCH_DIR)/openloop.c
	$(AM_V_CC)$(MKDIR_P) $(SL_BENCH_DIR) && \
	$(SL_BENCH_CC) -o $@ $(srcdir)/$(SL_BENCH_DIR)/openloop.c

$(SL_BENCH_DIR)/canned$(EXEEXT): $(srcdir)/$(SL_BENCH_DIR)/canned.c
	$(AM_V_CC)$(MKDIR_P) $(SL_BENCH_DIR) && \
	$(SL_BENCH_CC) -o $@ $(srcdir)/$(SL_BENCH_DIR)/canned.c

# sluice is rebuilt first when it can be; a build that fails leaves the
# peers to measure (bench.py prints "sluice: not available (...)").
bench: $(SL_BENCH_TOOLS)
	@$(MAKE) $(AM_MAKEFLAGS) sluice$(EXEEXT) || \
	  echo "bench: sluice did not build: measuring the peers only"
	@quick=; label='make bench'; \
	if test -n '$(QUICK)' && test '$(QUICK)' != 0; then \
	  quick=--quick; label='make bench QUICK=1'; fi; \
	$(PYTHON) $(srcdir)/$(SL_BENCH_DIR)/bench.py $$quick \
	  --sluice '$(SLUICE)' --out '$(BENCH_OUT)' \
	  --tools '$(abs_builddir)/$(SL_BENCH_DIR)' \
	  --command-line "$$label" $(BENCH_ARGS)

.PHONY: bench

# --- event-loop benchmark (make bench-event) ---
#
# contrib/bench/bench_event.c runs the classic libevent bench.c idea (our
# own code) against sluice's loop, libevent 2.1 and libev 4, whichever of
# the last two configure found; contrib/bench/event/run.sh sweeps the
# points, prints the table and `loop=... pairs=... active=... total_us=...
# handle_us=...` lines, and plots with gnuplot.
#   make bench-event                      full sweep (about 2-4 minutes)
#   make bench-event QUICK=1              1000, 5000 and 9000 pairs only
#   make bench-event BENCH_EVENT_PAIRS='1000 9000' BENCH_EVENT_ITER=5
# Results go to $(BENCH_EVENT_OUT). The program is built only here, with
# the flags of the library it links (so a sanitizer build benchmarks a
# sanitizer library: use a plain build for numbers).

SL_BENCH_EVENT = contrib/bench/bench_event$(EXEEXT)
BENCH_EVENT_OUT = $(abs_builddir)/bench-results/event
BENCH_EVENT_PAIRS = 1000 2000 3000 4000 5000 6000 7000 8000 9000
BENCH_EVENT_ACTIVE = 100 1000
BENCH_EVENT_ITER = 2
BENCH_EVENT_MODES = rearm persist
SL_BENCH_EVENT_SRC = $(srcdir)/contrib/bench/bench_event.c
SL_BENCH_EVENT_FLAGS =
SL_BENCH_EVENT_LIBS =
if HAVE_LIBEVENT
SL_BENCH_EVENT_SRC += $(srcdir)/contrib/bench/event/bench_libevent.c
SL_BENCH_EVENT_FLAGS += -DSL_BENCH_LIBEVENT $(LIBEVENT_CFLAGS)
SL_BENCH_EVENT_LIBS += $(LIBEVENT_LIBS)
endif
if HAVE_LIBEV
SL_BENCH_EVENT_SRC += $(srcdir)/contrib/bench/event/bench_libev.c
SL_BENCH_EVENT_FLAGS += -DSL_BENCH_LIBEV
SL_BENCH_EVENT_LIBS += -lev
endif

EXTRA_DIST += contrib/bench/bench_event.c contrib/bench/event/bench_event.h \
	contrib/bench/event/bench_libevent.c contrib/bench/event/bench_libev.c \
	contrib/bench/event/run.sh
CLEANFILES += $(SL_BENCH_EVENT)

$(SL_BENCH_EVENT): $(SL_BENCH_EVENT_SRC) \
		$(srcdir)/contrib/bench/event/bench_event.h libsluice.a
	$(AM_V_CCLD)$(MKDIR_P) contrib/bench && \
	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) \
	  $(SL_BENCH_EVENT_FLAGS) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) \
	  $(LDFLAGS) -o $@ $(SL_BENCH_EVENT_SRC) libsluice.a $(SL_LIBS) \
	  $(SL_BENCH_EVENT_LIBS)

bench-event: $(SL_BENCH_EVENT)
	@if test -z '$(SL_BENCH_EVENT_LIBS)'; then \
	  echo "bench-event: neither libevent nor libev was found by" \
	       "configure (Debian packages libevent-dev, libev-dev):" \
	       "measuring sluice alone"; \
	fi; \
	pairs='$(BENCH_EVENT_PAIRS)'; \
	if test -n '$(QUICK)' && test '$(QUICK)' != 0; then \
	  pairs='1000 5000 9000'; fi; \
	PAIRS="$$pairs" ACTIVE='$(BENCH_EVENT_ACTIVE)' \
	  ITER='$(BENCH_EVENT_ITER)' MODES='$(BENCH_EVENT_MODES)' \
	  $(SHELL) $(srcdir)/contrib/bench/event/run.sh ./$(SL_BENCH_EVENT) \
	  '$(BENCH_EVENT_OUT)'

.PHONY: bench-event

# --- the request parser (make bench-http-parse) ---
#
# contrib/bench/bench_http_parse.c times the request parser: a typical
# browser request head parsed whole and fed one byte per call, its path
# normalised, and chunked decoding. It compiles the parser sources itself,
# with the configured CC and CFLAGS.
BENCH_HTTP_PARSE_SRC = $(top_srcdir)/contrib/bench/bench_http_parse.c \
	$(top_srcdir)/src/http/sl_http_parse.c \
	$(top_srcdir)/src/http/sl_http_parse_field.c \
	$(top_srcdir)/src/http/sl_http_parse_path.c \
	$(top_srcdir)/src/http/sl_http_parse_chunked.c

contrib/bench/bench_http_parse: $(BENCH_HTTP_PARSE_SRC) \
		$(top_srcdir)/src/http/sl_http_parse.h
	@$(MKDIR_P) contrib/bench
	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) \
		$(AM_CFLAGS) $(CFLAGS) -o $@ $(BENCH_HTTP_PARSE_SRC)

bench-http-parse: contrib/bench/bench_http_parse
	./contrib/bench/bench_http_parse

.PHONY: bench-http-parse
CLEANFILES += contrib/bench/bench_http_parse
EXTRA_DIST += contrib/bench/bench_http_parse.c

# --- reloads under load, sluice against nginx (by hand) ---
#
# contrib/bench/reload_compare.py runs the reload test of issue 8 against
# sluice and against nginx side by side (nginx is expected to fail some
# clients, so it is no test); README.md quotes its numbers. Run it from
# the build tree after make check built t/loadgen/sl_loadgen:
#     SL_BUILDDIR=. SL_SRCDIR=$srcdir python3 \
#         $srcdir/contrib/bench/reload_compare.py [RELOADS] [RUNS]
EXTRA_DIST += contrib/bench/reload_compare.py
