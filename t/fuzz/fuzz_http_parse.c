/*
 * fuzz_http_parse.c: libFuzzer target for the request head parser and the
 * path normaliser (src/http/sl_http_parse.c, sl_http_parse_path.c).
 * Built by `make check-fuzz` with clang -fsanitize=fuzzer,address,undefined
 * straight from the parser sources; see t/fuzz/local.mk.
 *
 * Beyond "no crash, no over-read" (every call gets an exact-size heap
 * copy of the bytes it may see, so ASan sees one byte too far), it checks
 * the contract:
 *   - the input parsed whole, in three pieces cut where the input says,
 *     and one byte at a time (for short inputs) gives the same answer;
 *     each call gets a new copy and the previous one is freed, so a
 *     pointer the parser failed to re-base is a use-after-free;
 *   - a prefix never fails where the whole succeeds;
 *   - success returns at most len and max_head bytes, every string points
 *     inside the head, and the rules the engine relies on hold (Host for
 *     HTTP/1.1, no Content-Length with chunked, errors carry a known
 *     status and text);
 *   - a successful origin-form path normalises to a path with no dot
 *     segment, no empty segment, no control byte, that normalises to
 *     itself again.
 */
#include "sl_core.h"
#include "sl_http_parse.h"

#define FUZZ_MAX_HEAD     4096
#define FUZZ_MAX_HEADERS  32

typedef struct {
    sl_http_parse_t    st;
    sl_http_head_t     head;
    sl_http_header_t   headers[FUZZ_MAX_HEADERS];
    sl_int_t           rc;
    const u_char      *buf;
} fuzz_run_t;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_run_start(fuzz_run_t *r);
static void fuzz_feed(fuzz_run_t *r, const uint8_t *data, size_t k);
static void fuzz_check(int cond, const char *what);
static void fuzz_check_inside(const fuzz_run_t *r, const sl_str_t *s,
    size_t len);
static void fuzz_check_head(const fuzz_run_t *r, size_t len);
static intptr_t fuzz_off(const sl_str_t *s, const u_char *buf);
static void fuzz_check_same(const fuzz_run_t *a, const fuzz_run_t *b);
static void fuzz_check_path(const sl_str_t *path);


static void
fuzz_check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_http_parse: contract broken: %s\n", what);
        abort();
    }
}


static void
fuzz_run_start(fuzz_run_t *r)
{
    memset(r, 0xA5, sizeof(*r));
    sl_http_parse_init(&r->st, FUZZ_MAX_HEAD);
    r->head.headers = r->headers;
    r->head.max_headers = FUZZ_MAX_HEADERS;
    r->buf = NULL;
}


/*
 * Parses data[0..k) from a fresh exact-size copy, then frees the copy the
 * previous call saw: the parser must have let go of it.
 */
static void
fuzz_feed(fuzz_run_t *r, const uint8_t *data, size_t k)
{
    u_char  *copy, *old;

    copy = malloc(k ? k : 1);
    fuzz_check(copy != NULL, "malloc");
    memcpy(copy, data, k);
    old = (u_char *) r->buf;
    r->buf = copy;
    r->rc = sl_http_parse_request_head(&r->st, copy, k, &r->head);
    free(old);
}


static void
fuzz_check_inside(const fuzz_run_t *r, const sl_str_t *s, size_t len)
{
    if (s->data == NULL) {
        fuzz_check(s->len == 0, "NULL string with a length");
        return;
    }
    fuzz_check(s->data >= r->buf && s->data + s->len <= r->buf + len,
               "string outside the head");
}


/* What must hold after the whole input was parsed in one call. */
static void
fuzz_check_head(const fuzz_run_t *r, size_t len)
{
    const sl_http_head_t  *h;
    size_t                 i;

    h = &r->head;
    if (r->rc == SL_ERROR) {
        fuzz_check(h->status == 400 || h->status == 414 || h->status == 431
                   || h->status == 501 || h->status == 505, "status");
        fuzz_check(h->error != NULL, "error text");
        return;
    }
    if (r->rc == SL_AGAIN) {
        fuzz_check(len < FUZZ_MAX_HEAD, "SL_AGAIN with a full buffer");
        return;
    }
    fuzz_check(r->rc > 0 && (size_t) r->rc <= len
               && r->rc <= FUZZ_MAX_HEAD, "length");
    fuzz_check(h->status == 0 && h->error == NULL, "no error on success");
    fuzz_check(h->http_major == 1, "major version");
    fuzz_check(h->http_minor == 0 || h->host_count == 1, "Host in 1.1");
    fuzz_check(h->host_count <= 1, "one Host");
    fuzz_check(!(h->chunked && h->content_length >= 0), "CL and chunked");
    fuzz_check(h->te == h->chunked, "TE means chunked");
    fuzz_check(h->nheaders <= FUZZ_MAX_HEADERS, "header count");
    fuzz_check(h->target_form != SL_HTTP_TARGET_NONE, "target form");

    len = (size_t) r->rc;
    fuzz_check_inside(r, &h->request_line, len);
    fuzz_check_inside(r, &h->method_name, len);
    fuzz_check_inside(r, &h->target, len);
    fuzz_check_inside(r, &h->scheme, len);
    fuzz_check_inside(r, &h->query, len);
    fuzz_check_inside(r, &h->host, len);
    if (!(h->path.len == 1 && h->path.data[0] == '/')) {
        fuzz_check_inside(r, &h->path, len);
    }
    for (i = 0; i < h->nheaders; i++) {
        fuzz_check_inside(r, &h->headers[i].name, len);
        fuzz_check_inside(r, &h->headers[i].value, len);
        fuzz_check(h->headers[i].name.len > 0, "empty name");
    }
    if (h->path.len) {
        fuzz_check(h->path.data[0] == '/', "path starts with /");
        fuzz_check_path(&h->path);
    }
}


/* Where s starts in buf, as a number; NULL strings give -1. */
static intptr_t
fuzz_off(const sl_str_t *s, const u_char *buf)
{
    return s->data ? (intptr_t) ((uintptr_t) s->data - (uintptr_t) buf) : -1;
}


static void
fuzz_check_same(const fuzz_run_t *a, const fuzz_run_t *b)
{
    const sl_http_head_t  *x, *y;
    size_t                 i;

    x = &a->head;
    y = &b->head;
    fuzz_check(a->rc == b->rc, "split changes the result");
    fuzz_check(x->status == y->status && x->error == y->error,
               "split changes the error");
    if (a->rc <= 0) {
        return;
    }
#define FUZZ_SAME(f)  fuzz_check(x->f.len == y->f.len                       \
                                 && fuzz_off(&x->f, a->buf)                 \
                                    == fuzz_off(&y->f, b->buf), #f)
    FUZZ_SAME(target);
    FUZZ_SAME(request_line);
    FUZZ_SAME(query);
    FUZZ_SAME(host);
    fuzz_check(x->nheaders == y->nheaders && x->method == y->method
               && x->content_length == y->content_length
               && x->chunked == y->chunked && x->port == y->port
               && x->conn_close == y->conn_close
               && x->conn_keep_alive == y->conn_keep_alive
               && x->expect_continue == y->expect_continue
               && x->target_form == y->target_form, "split changes fields");
    for (i = 0; i < x->nheaders; i++) {
        FUZZ_SAME(headers[i].name);
        FUZZ_SAME(headers[i].value);
    }
#undef FUZZ_SAME
}


/*
 * Normalises path and checks the result; then normalises the result
 * again, which must change nothing when it holds no '%'.
 */
static void
fuzz_check_path(const sl_str_t *path)
{
    u_char       *dst, *again;
    sl_str_t      out, out2;
    unsigned      flags;
    const char   *err;
    size_t        i, seg;

    dst = malloc(path->len);
    fuzz_check(dst != NULL, "malloc");
    if (sl_http_parse_path(path, dst, &out, &flags, &err) != SL_OK) {
        fuzz_check(err != NULL, "path error text");
        free(dst);
        return;
    }
    fuzz_check(out.len >= 1 && out.len <= path->len && out.data[0] == '/',
               "path shape");
    seg = 1;
    for (i = 1; i <= out.len; i++) {
        if (i < out.len && out.data[i] != '/') {
            fuzz_check(out.data[i] >= 0x20 && out.data[i] != 0x7f,
                       "control byte in path");
            continue;
        }
        /* the segment [seg, i) */
        fuzz_check(i > seg || i == out.len, "empty segment");
        fuzz_check(!(i - seg == 1 && out.data[seg] == '.'), "dot segment");
        fuzz_check(!(i - seg == 2 && out.data[seg] == '.'
                     && out.data[seg + 1] == '.'), "dot-dot segment");
        seg = i + 1;
    }
    if (memchr(out.data, '%', out.len) == NULL) {
        again = malloc(out.len);
        fuzz_check(again != NULL, "malloc");
        fuzz_check(sl_http_parse_path(&out, again, &out2, &flags, &err)
                   == SL_OK, "normalised path fails");
        fuzz_check(out2.len == out.len
                   && memcmp(out2.data, out.data, out.len) == 0 && flags == 0,
                   "normalising is not idempotent");
        free(again);
    }
    free(dst);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_run_t  whole, split;
    size_t             cut1, cut2, k;
    sl_str_t           raw;

    fuzz_run_start(&whole);
    fuzz_feed(&whole, data, size);
    fuzz_check_head(&whole, size);

    /* three pieces, cut where the first bytes say */
    cut1 = size ? data[0] % (size + 1) : 0;
    cut2 = size > 1 ? cut1 + data[1] % (size - cut1 + 1) : size;
    fuzz_run_start(&split);
    fuzz_feed(&split, data, cut1);
    fuzz_check(split.rc != SL_ERROR || whole.rc == SL_ERROR,
               "a prefix fails where the whole does not");
    fuzz_feed(&split, data, cut2);
    fuzz_feed(&split, data, size);
    fuzz_check_same(&whole, &split);

    if (size <= 512) {
        free((u_char *) split.buf);
        fuzz_run_start(&split);
        for (k = 0; k <= size; k++) {
            fuzz_feed(&split, data, k);
            if (split.rc != SL_AGAIN) {
                break;
            }
        }
        fuzz_feed(&split, data, size);     /* a final result repeats */
        fuzz_check_same(&whole, &split);
    }
    free((u_char *) split.buf);

    /* the normaliser on its own, on any input that looks like a path */
    if (size && data[0] == '/') {
        raw.data = (u_char *) whole.buf;
        raw.len = size;
        fuzz_check_path(&raw);
    }
    free((u_char *) whole.buf);
    return 0;
}
