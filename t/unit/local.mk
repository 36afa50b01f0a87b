# t/unit: what the cmocka unit tests share (fragment of the top
# Makefile.am). The tests themselves are listed by t/unit/<layer>/local.mk
# and added to sl_unit_tests, which Makefile.am builds and runs only when
# configure found cmocka. They link the server library and cmocka (only
# they need it); guard.h and conferr.h are listed by the tests using them.
SL_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/t/unit
SL_TEST_LIBS = libsluice.a $(SL_LIBS) $(CMOCKA_LIBS)
