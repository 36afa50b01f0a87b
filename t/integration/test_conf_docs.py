#!/usr/bin/env python3
"""The manual and the parser know the same directives (issue 17).

Three sources, compared by directive path ("http.servers.locations.static
.index", "error_log.level"; the elements of a list share its path):

- the code: `sluice -T` on FULL_CONF, a config that uses every block,
  prints every directive the parser filled in, defaults included, so a new
  directive with a default shows up by itself;
- the field tables: every name in a `{ "name", SL_CONF_... }` row of the
  C sources must be the last part of one of those paths, or FULL_CONF is
  missing a directive that has no default (add it there);
- the manual: each `.It Cm name` entry of man/sluice.conf.5, its path made
  of the section it stands in (SECTIONS) and the `.It Cm` entries of the
  lists it is nested in; a section documents its own path too (HTTP is
  the http block).

Every path -T shows must be documented, and every documented path must be
one -T shows."""
import os
import pwd
import re
import shutil
import tempfile
import unittest

import sltest

MAN = os.path.join(sltest.SRCDIR, "man", "sluice.conf.5")

# Where the directives of each section of the manual live.
LOC = "http.servers.locations"
SECTIONS = {
    "PROCESSES": "",
    "HTTP": "http",
    "UPSTREAMS": "http.upstreams",
    "SERVERS": "http.servers",
    "LOCATIONS": LOC,
    "STATIC FILES": LOC + ".static",
    "PROXY": LOC + ".proxy",
    "RETURN": LOC + ".return",
}

# Every block, and every directive that has no default (a default is
# filled in by -T). @USER@ is whoever runs the test: "user" must exist.
FULL_CONF = """
worker_processes = 1;
user = "@USER@";
pid_file = "sluice.pid";
error_log = { level = "notice"; };
http = {
    access_log = { path = "off"; };
    upstreams = ( {
        name = "app"; balance = "hash"; hash_key = "$uri";
        servers = ( { address = "127.0.0.1:9"; } );
        health_check = { path = "/ping"; };
    } );
    servers = ( {
        listen = [ "127.0.0.1:1" ];
        server_names = [ "a.test" ];
        root = "html";
        locations = (
            { match = "/"; add_headers = [ "X-A: 1" ];
              static = { charset = "utf-8"; mime_types = "mime.types";
                         open_file_cache = { }; }; },
            { match = "/api/"; proxy = { upstream = "app"; host = "b"; }; },
            { match = "/p/"; proxy = { pass = "127.0.0.1:9"; }; },
            { match = "= /r";
              return = { status = 301; body = "x"; location = "/"; }; },
            { match = "= /s"; status = { }; }
        );
    } );
};
"""

TOKEN = re.compile(r'\s+|#[^\n]*|//[^\n]*|/\*.*?\*/|("(?:\\.|[^"\\])*")'
                   r'|([-+]?[0-9][0-9A-Za-z.+-]*)|([A-Za-z*][-A-Za-z0-9_*]*)'
                   r'|([{}()\[\]=:;,])', re.S)


def tokens(text):
    """libconfig text as a list of tokens (comments and blanks dropped),
    ending with None."""
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise AssertionError("cannot read -T output at %r"
                                 % text[pos:pos + 40])
        pos = m.end()
        tok = next((g for g in m.groups() if g is not None), None)
        if tok is not None:
            out.append(tok)
    return out + [None]


def settings(toks, i, prefix, paths, end):
    """Reads `name = value;` settings up to end; returns the index of end.
    Each setting's dotted path goes into paths."""
    while toks[i] != end:
        name, sep = toks[i], toks[i + 1]
        if sep not in ("=", ":"):
            raise AssertionError("expected = or : after %r" % name)
        path = prefix + [name]
        paths.add(".".join(path))
        i = value(toks, i + 2, path, paths)
        if toks[i] in (";", ","):
            i += 1
    return i


def value(toks, i, path, paths):
    """Reads one value at toks[i]; returns the index after it. Groups add
    their settings under path; a list's elements all share path."""
    t = toks[i]
    if t == "{":
        return settings(toks, i + 1, path, paths, "}") + 1
    if t in ("(", "["):
        close = ")" if t == "(" else "]"
        i += 1
        while toks[i] != close:
            i = value(toks, i, path, paths)
            if toks[i] == ",":
                i += 1
        return i + 1
    return i + 1


def dumped_paths(conf_text):
    """The directive paths `sluice -T` shows for conf_text."""
    d = tempfile.mkdtemp(prefix="sltest-docs-")
    try:
        with open(os.path.join(d, "mime.types"), "w") as f:
            f.write("types { text/html html; }\n")
        os.mkdir(os.path.join(d, "html"))
        path = os.path.join(d, "sluice.conf")
        with open(path, "w") as f:
            f.write(conf_text.replace(
                "@USER@", pwd.getpwuid(os.getuid()).pw_name))
        r = sltest.run(["-T", "-c", path])
        if r.returncode != 0:
            raise AssertionError("sluice -T failed:\n" + r.stderr)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    paths = set()
    settings(tokens(r.stdout), 0, [], paths, None)
    return paths


def documented_paths(man_text):
    """{path: line} of the `.It Cm name` entries of an mdoc page."""
    paths, section, lists = {}, None, []
    for n, line in enumerate(man_text.splitlines(), 1):
        if line.startswith(".Sh "):
            section, lists = line[4:].strip().strip('"'), []
            if SECTIONS.get(section):
                paths.setdefault(SECTIONS[section], n)   # "http" itself
        elif line.startswith(".Bl"):
            lists.append(None)     # the list's current .It Cm name
        elif line.startswith(".El"):
            lists.pop()
        elif line.startswith(".It") and lists:
            m = re.match(r"\.It Cm (\S+)", line)
            lists[-1] = m.group(1) if m else None
            if not m:
                continue
            if section not in SECTIONS:
                raise AssertionError(
                    "%s:%d: directive %r in section %r, which "
                    "test_conf_docs.SECTIONS does not map to a path"
                    % (MAN, n, m.group(1), section))
            parts = [SECTIONS[section]] if SECTIONS[section] else []
            parts += [p for p in lists[:-1] if p] + [m.group(1)]
            paths[".".join(parts)] = n
    return paths


# Not in the server: the example module is built only into a test binary.
NOT_SERVED = {os.path.join("modules", "example")}


def table_names():
    """{name: "file"} of every named row of a field table in the C
    sources of the server."""
    names = {}
    row = re.compile(r'\{\s*"([A-Za-z0-9_]+)",\s*SL_CONF_[A-Z]+')
    for top in ("src", "modules"):
        for base, _, files in os.walk(os.path.join(sltest.SRCDIR, top)):
            if os.path.relpath(base, sltest.SRCDIR) in NOT_SERVED:
                continue
            for f in files:
                if f.endswith(".c"):
                    with open(os.path.join(base, f)) as fh:
                        for name in row.findall(fh.read()):
                            names.setdefault(name, os.path.join(base, f))
    return names


@unittest.skipUnless(all(sltest.has_module(m)
                         for m in ("static", "proxy", "status")),
                     "the manual documents every module; one is not built")
class ManualMatchesParser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.code = dumped_paths(FULL_CONF)
        with open(MAN) as f:
            cls.doc = documented_paths(f.read())

    def test_the_config_shows_every_table_directive(self):
        leaves = {p.rsplit(".", 1)[-1] for p in self.code}
        missing = {n: f for n, f in table_names().items() if n not in leaves}
        self.assertEqual(missing, {}, "directives in field tables that "
                         "FULL_CONF does not use, so -T cannot show them: "
                         "add them to FULL_CONF")

    def test_every_directive_is_documented(self):
        undocumented = sorted(self.code - set(self.doc))
        self.assertEqual(undocumented, [], "directives the parser knows "
                         "but man/sluice.conf.5 has no `.It Cm` entry for")

    def test_every_documented_directive_exists(self):
        unknown = sorted("%s (line %d)" % (p, n) for p, n in self.doc.items()
                         if p not in self.code)
        self.assertEqual(unknown, [], "directives man/sluice.conf.5 "
                         "documents that the parser does not know")

    def test_the_readers_see_what_they_should(self):
        # Guards against a reader that silently finds nothing.
        for p in ("worker_processes", "error_log.level", "http.access_log."
                  "flush", "http.upstreams.servers.address",
                  "http.upstreams.health_check.path", LOC + ".static."
                  "open_file_cache.max", LOC + ".return.location",
                  LOC + ".status", LOC + ".add_headers"):
            self.assertIn(p, self.code)
            self.assertIn(p, self.doc)
        self.assertGreater(len(table_names()), 50)


if __name__ == "__main__":
    unittest.main(verbosity=2)
