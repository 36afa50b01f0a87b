/*
 * sl_static_autoindex.c: directory listings (modules layer, static
 * module). Reading a directory blocks, so it is a function of its own
 * that a thread-pool thread may run (malloc only, no pool, no log);
 * sorting and rendering are pure and run on the loop.
 *
 * The page: one table row per entry, directories first then files, each
 * group sorted by name (byte order, which is code point order for
 * UTF-8), a directory's name ending in '/'. Names are HTML-escaped for
 * display, with bytes that are not valid UTF-8 and control characters
 * shown as U+FFFD; links are percent-encoded and relative, so no name can
 * break out of its attribute or be read as a scheme ("javascript:x" links
 * to "javascript%3Ax"). Hidden entries follow the dotfiles policy, and a
 * symlink is listed only when it resolves beneath the root, so a listing
 * never shows what a request could not fetch.
 */
#include "sl_static.h"

#include <dirent.h>

static int sl_static_autoindex_stat(int root_fd, const char *path, DIR *dir,
    const struct dirent *de, unsigned open_flags, struct stat *st);
static sl_int_t sl_static_autoindex_add(sl_static_listing_t *l,
    const char *name, const struct stat *st);
static int sl_static_autoindex_cmp(const void *a, const void *b);
static size_t sl_static_utf8_len(const u_char *p, size_t left);


void
sl_static_autoindex_read(int root_fd, const char *path, unsigned open_flags,
    int show_hidden, sl_static_listing_t *l)
{
    struct dirent  *de;
    struct stat     st;
    DIR            *dir;
    int             fd;

    fd = sl_static_open_beneath(root_fd, path, open_flags);
    if (fd == -1) {
        l->err = errno;
        return;
    }
    dir = fdopendir(fd);
    if (dir == NULL) {
        l->err = errno;
        (void) close(fd);
        return;
    }
    for (;;) {
        errno = 0;
        de = readdir(dir);
        if (de == NULL) {
            l->err = errno;
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0
            || (de->d_name[0] == '.' && !show_hidden))
        {
            continue;
        }
        if (l->n == SL_STATIC_LISTING_MAX) {
            l->truncated = 1;
            break;
        }
        if (sl_static_autoindex_stat(root_fd, path, dir, de, open_flags, &st)
            && sl_static_autoindex_add(l, de->d_name, &st) != SL_OK)
        {
            l->err = ENOMEM;
            break;
        }
    }
    (void) closedir(dir);
}


/*
 * Stats one entry; 1 when it is to be listed. A symlink is followed the
 * way a request would follow it: beneath the root, or not at all.
 */
static int
sl_static_autoindex_stat(int root_fd, const char *path, DIR *dir,
    const struct dirent *de, unsigned open_flags, struct stat *st)
{
    char  full[PATH_MAX];
    int   fd, n, ok;

    if (fstatat(dirfd(dir), de->d_name, st, AT_SYMLINK_NOFOLLOW) == -1) {
        return 0;
    }
    if (S_ISLNK(st->st_mode)) {
        n = strcmp(path, ".") == 0
            ? snprintf(full, sizeof(full), "%s", de->d_name)
            : snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        if (n < 0 || (size_t) n >= sizeof(full)) {
            return 0;
        }
        fd = sl_static_open_beneath(root_fd, full, open_flags);
        if (fd == -1) {
            return 0;
        }
        ok = fstat(fd, st) == 0;
        (void) close(fd);
        if (!ok) {
            return 0;
        }
    }
    return S_ISDIR(st->st_mode) || S_ISREG(st->st_mode);
}


static sl_int_t
sl_static_autoindex_add(sl_static_listing_t *l, const char *name,
    const struct stat *st)
{
    sl_static_dirent_t  *grown, *e;
    size_t               size;

    if (l->n == l->size) {
        size = l->size ? l->size * 2 : 64;
        grown = realloc(l->entries, size * sizeof(sl_static_dirent_t));
        if (grown == NULL) {
            return SL_ERROR;
        }
        l->entries = grown;
        l->size = size;
    }
    e = &l->entries[l->n];
    e->name = strdup(name);
    if (e->name == NULL) {
        return SL_ERROR;
    }
    e->size = st->st_size;
    e->mtime = st->st_mtim.tv_sec;
    e->is_dir = S_ISDIR(st->st_mode) != 0;
    l->n++;
    return SL_OK;
}


static int
sl_static_autoindex_cmp(const void *a, const void *b)
{
    const sl_static_dirent_t  *x, *y;

    x = a;
    y = b;
    if (x->is_dir != y->is_dir) {
        return x->is_dir ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}


void
sl_static_autoindex_sort(sl_static_listing_t *l)
{
    if (l->n > 1) {
        qsort(l->entries, l->n, sizeof(sl_static_dirent_t),
              sl_static_autoindex_cmp);
    }
}


void
sl_static_autoindex_free(sl_static_listing_t *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        free(l->entries[i].name);
    }
    free(l->entries);
    l->entries = NULL;
    l->n = 0;
    l->size = 0;
}


/*
 * Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
sl_static_utf8_len(const u_char *p, size_t left)
{
    size_t  n, i;
    u_char  lo, hi;

    lo = 0x80;
    hi = 0xbf;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        lo = p[0] == 0xe0 ? 0xa0 : 0x80;
        hi = p[0] == 0xed ? 0x9f : 0xbf;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        lo = p[0] == 0xf0 ? 0x90 : 0x80;
        hi = p[0] == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (left < n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}


u_char *
sl_static_html_escape(u_char *dst, const u_char *src, size_t len)
{
    size_t  i, n;
    u_char  c;

    for (i = 0; i < len; i += n) {
        c = src[i];
        n = 1;
        if (c >= 0x80) {
            n = sl_static_utf8_len(src + i, len - i);
            if (n == 0) {
                n = 1;
                dst = sl_cpymem_lit(dst, "&#xFFFD;");
            } else {
                dst = sl_cpymem(dst, src + i, n);
            }
            continue;
        }
        switch (c) {
        case '&':  dst = sl_cpymem_lit(dst, "&amp;");  break;
        case '<':  dst = sl_cpymem_lit(dst, "&lt;");   break;
        case '>':  dst = sl_cpymem_lit(dst, "&gt;");   break;
        case '"':  dst = sl_cpymem_lit(dst, "&quot;"); break;
        case '\'': dst = sl_cpymem_lit(dst, "&#39;");  break;
        default:
            if (c < 0x20 || c == 0x7f) {
                dst = sl_cpymem_lit(dst, "&#xFFFD;");
            } else {
                *dst++ = c;
            }
        }
    }
    return dst;
}


#define SL_STATIC_AI_HEAD                                                   \
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"                \
    "<title>Index of "
#define SL_STATIC_AI_HEAD2                                                  \
    "</title>\n<style>td{padding:0 1em 0 0}td+td+td{text-align:right}"     \
    "</style></head>\n<body>\n<h1>Index of "
#define SL_STATIC_AI_TABLE                                                  \
    "</h1>\n<table>\n<tr><th>Name</th><th>Last modified</th>"              \
    "<th>Size</th></tr>\n"
#define SL_STATIC_AI_UP                                                     \
    "<tr><td><a href=\"../\">../</a></td><td></td><td>-</td></tr>\n"
#define SL_STATIC_AI_ROW_MAX   (sizeof("<tr><td><a href=\"/\">/</a></td>"  \
                                       "<td></td><td></td></tr>\n")        \
                                + SL_HTTP_TIME_LEN + 24)
#define SL_STATIC_AI_TRUNC     "<p>(listing truncated)</p>\n"
#define SL_STATIC_AI_TAIL      "</body></html>\n"


sl_buf_t *
sl_static_autoindex_render(sl_pool_t *pool, const sl_str_t *uri,
    const sl_static_listing_t *l)
{
    const sl_static_dirent_t  *e;
    sl_buf_t                  *b;
    size_t                     size, i, len;
    u_char                    *p;

    size = sizeof(SL_STATIC_AI_HEAD SL_STATIC_AI_HEAD2 SL_STATIC_AI_TABLE
                  SL_STATIC_AI_UP "</table>\n" SL_STATIC_AI_TRUNC
                  SL_STATIC_AI_TAIL)
           + 2 * 8 * uri->len;
    for (i = 0; i < l->n; i++) {
        len = strlen(l->entries[i].name);
        size += SL_STATIC_AI_ROW_MAX + 3 * len + 8 * len;
    }
    b = sl_buf_create_temp(pool, size);
    if (b == NULL) {
        return NULL;
    }
    p = sl_cpymem_lit(b->last, SL_STATIC_AI_HEAD);
    p = sl_static_html_escape(p, uri->data, uri->len);
    p = sl_cpymem_lit(p, SL_STATIC_AI_HEAD2);
    p = sl_static_html_escape(p, uri->data, uri->len);
    p = sl_cpymem_lit(p, SL_STATIC_AI_TABLE);
    if (uri->len > 1) {
        p = sl_cpymem_lit(p, SL_STATIC_AI_UP);
    }
    for (i = 0; i < l->n; i++) {
        e = &l->entries[i];
        len = strlen(e->name);
        p = sl_cpymem_lit(p, "<tr><td><a href=\"");
        p = sl_str_escape(p, (const u_char *) e->name, len,
                          sl_static_path_plain);
        p = e->is_dir ? sl_cpymem_lit(p, "/\">") : sl_cpymem_lit(p, "\">");
        p = sl_static_html_escape(p, (const u_char *) e->name, len);
        p = e->is_dir ? sl_cpymem_lit(p, "/</a></td><td>")
                      : sl_cpymem_lit(p, "</a></td><td>");
        p = sl_time_http(p, e->mtime);
        p = sl_cpymem_lit(p, "</td><td>");
        p = e->is_dir ? sl_cpymem_lit(p, "-")
                      : sl_utoa(p, (uint64_t) e->size);
        p = sl_cpymem_lit(p, "</td></tr>\n");
    }
    p = sl_cpymem_lit(p, "</table>\n");
    if (l->truncated) {
        p = sl_cpymem_lit(p, SL_STATIC_AI_TRUNC);
    }
    p = sl_cpymem_lit(p, SL_STATIC_AI_TAIL);
    b->last = p;
    return b;
}
