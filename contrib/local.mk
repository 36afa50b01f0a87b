# contrib: fragment of the top Makefile.am

# --- systemd and logrotate files ---
#
# contrib/sluice.service is made from contrib/sluice.service.in by make,
# not configure, so that @sbindir@ and @sysconfdir@ become fully expanded
# paths (configure would leave "${prefix}" in them). It is installed in
# $(systemdsystemunitdir), which configure sets from systemd's pkg-config
# file or --with-systemdsystemunitdir. sluice.socket and sluice.logrotate
# are examples to copy by hand: they are distributed, not installed.

systemdsystemunit_DATA += contrib/sluice.service
CLEANFILES += contrib/sluice.service
EXTRA_DIST += contrib/sluice.service.in contrib/sluice.socket \
	contrib/sluice.logrotate

# The [@] keeps automake and configure from substituting the patterns
# themselves in this rule.
SL_UNIT_SED = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'

contrib/sluice.service: $(srcdir)/contrib/sluice.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(SL_UNIT_SED) $(srcdir)/contrib/sluice.service.in > $@.tmp && \
	mv -f $@.tmp $@

# `make check-unit`: systemd-analyze verify on the units. verify fails when
# ExecStart's program does not exist, so the unit is checked as a copy
# whose @sbindir@ is a temporary directory holding a stand-in "sluice";
# every other line is the real one. Any message from verify fails the
# target: systemd prints warnings but still exits 0 for many of them.
check-unit: $(srcdir)/contrib/sluice.service.in $(srcdir)/contrib/sluice.socket
	@if ! command -v systemd-analyze >/dev/null 2>&1; then \
	  echo "check-unit: systemd-analyze not found (Debian package" \
	       "systemd): skipped"; exit 0; \
	fi; \
	tmp=`mktemp -d "$${TMPDIR:-/tmp}/sluice-unit.XXXXXX"` || exit 1; \
	trap 'rm -rf "$$tmp"' 0; \
	mkdir "$$tmp/sbin" "$$tmp/etc" && \
	printf '#!/bin/sh\nexit 0\n' > "$$tmp/sbin/sluice" && \
	chmod 755 "$$tmp/sbin/sluice" && \
	sed -e "s|@sbindir[@]|$$tmp/sbin|g" -e "s|@sysconfdir[@]|$$tmp/etc|g" \
	  $(srcdir)/contrib/sluice.service.in > "$$tmp/sluice.service" && \
	cp $(srcdir)/contrib/sluice.socket "$$tmp/sluice.socket" && \
	if grep -n '@[a-z_]*@' "$$tmp/sluice.service"; then \
	  echo "check-unit: unsubstituted pattern in sluice.service.in"; \
	  exit 1; \
	fi; \
	SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no \
	  "$$tmp/sluice.service" "$$tmp/sluice.socket" > "$$tmp/out" 2>&1; \
	rc=$$?; cat "$$tmp/out"; \
	if test $$rc -ne 0 || test -s "$$tmp/out"; then \
	  echo "check-unit: FAILED"; exit 1; \
	fi; \
	echo "check-unit: sluice.service and sluice.socket verified"

.PHONY: check-unit
