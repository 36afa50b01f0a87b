/*
 * sl_static_path.c: what the static module decides from a path alone
 * (modules layer, static module; pure): the dotfiles policy and which
 * bytes stay plain in the percent-encoding (sl_str_escape) of redirects
 * and listing links.
 *
 * Dotfiles: with `dotfiles = "deny"` (the default) a path with any
 * segment that starts with '.' (".git", ".env", ".htpasswd") is answered
 * 404, as if it did not exist, except a first segment ".well-known"
 * (RFC 8615: ACME challenges, security.txt). Dot segments themselves
 * ("." and "..") never reach here: the engine removed them.
 */
#include "sl_static.h"

/* 1: the byte is written as it is; 0: as %XX. See sl_static.h. */
const uint8_t  sl_static_path_plain[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['/'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1
};


int
sl_static_path_hidden(const u_char *uri, size_t len)
{
    static const sl_str_t  wk = sl_string(".well-known");
    size_t                 i;
    int                    first;

    first = 1;
    for (i = 0; i + 1 < len; i++) {
        if (uri[i] != '/') {
            continue;
        }
        if (uri[i + 1] == '.') {
            if (!(first && len - i - 1 >= wk.len
                  && memcmp(uri + i + 1, wk.data, wk.len) == 0
                  && (len - i - 1 == wk.len || uri[i + 1 + wk.len] == '/')))
            {
                return 1;
            }
        }
        first = 0;
    }
    return 0;
}
