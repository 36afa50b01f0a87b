# conf: fragment of the top Makefile.am
#
# Installs the shipped configuration under $(sysconfdir)/sluice/:
#   sluice.conf  mime.types  html/index.html
# The installed sluice.conf is the demo config with two lines changed for a
# system service (see the rule below); the one in the source tree stays
# usable from a checkout (`./sluice -c conf/sluice.conf`).

sluiceconfdir = $(sysconfdir)/sluice
sluicehtmldir = $(sluiceconfdir)/html

dist_sluiceconf_DATA = conf/mime.types
nodist_sluiceconf_DATA = conf/installed/sluice.conf
dist_sluicehtml_DATA = conf/html/index.html

EXTRA_DIST += conf/sluice.conf
CLEANFILES += conf/installed/sluice.conf

# The copy to install, made in the build tree (a directory of its own, so
# that it keeps the name sluice.conf without shadowing the source file in
# a VPATH build). Two changes for a system-wide install:
#   - pid_file goes to /run/sluice/, the RuntimeDirectory of sluice.service
#     (systemd creates /run/sluice/ whatever the prefix, hence no $(prefix));
#   - the "user" line is uncommented: the service starts as root and the
#     workers drop to www-data.
# Logs stay on stderr: under systemd they go to the journal.
# The greps make the build fail if the demo config changes and a sed
# expression stops matching, instead of installing an unchanged file.
conf/installed/sluice.conf: $(srcdir)/conf/sluice.conf
	$(AM_V_GEN)$(MKDIR_P) conf/installed && \
	sed -e 's|^pid_file = "sluice\.pid";|pid_file = "/run/sluice/sluice.pid";|' \
	    -e 's|^#user = "www-data";|user = "www-data";|' \
	    $(srcdir)/conf/sluice.conf > $@.tmp && \
	grep -q '^pid_file = "/run/sluice/sluice\.pid";' $@.tmp && \
	grep -q '^user = "www-data";' $@.tmp && \
	mv -f $@.tmp $@ || { rm -f $@.tmp; \
	  echo "conf/local.mk: conf/sluice.conf no longer matches the sed" \
	       "expressions for the installed copy" >&2; exit 1; }
