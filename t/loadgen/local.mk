# t/loadgen: the load client the reload tests drive (fragment of the top
# Makefile.am): it tells a refused connect from a client the server
# dropped, which wrk cannot.
check_PROGRAMS += t/loadgen/sl_loadgen
t_loadgen_sl_loadgen_SOURCES = t/loadgen/sl_loadgen.c
