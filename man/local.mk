# man: fragment of the top Makefile.am
#
# The manual pages are mdoc(7) sources, distributed and installed as they
# are. `make check-man` lints them with mandoc; any warning fails it.

dist_man_MANS += man/sluice.8 man/sluice.conf.5

check-man:
	@if ! command -v mandoc >/dev/null 2>&1; then \
	  echo "check-man: mandoc not found (Debian package mandoc):" \
	       "skipped"; exit 0; \
	fi; \
	if mandoc -Tlint -W warning $(srcdir)/man/sluice.8 \
	     $(srcdir)/man/sluice.conf.5; then \
	  echo "check-man: sluice.8 and sluice.conf.5 are clean"; \
	else \
	  echo "check-man: FAILED"; exit 1; \
	fi

.PHONY: check-man
