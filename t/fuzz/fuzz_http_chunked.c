/*
 * fuzz_http_chunked.c: libFuzzer target for the chunked body decoder
 * (src/http/sl_http_parse_chunked.c). Built by `make check-fuzz`; see
 * t/fuzz/local.mk.
 *
 * Three oracles besides the sanitizers:
 *   - whole, split where the input says, and byte by byte: same code,
 *     same body, same bytes consumed;
 *   - every body range lies inside the bytes the call consumed;
 *   - a reference decoder below, written straight from the RFC 9112 7.1
 *     grammar as a recursive descent over the complete input (no state
 *     machine), agrees on done / need more / error, on the body and on
 *     where the message ends.
 */
#include "sl_core.h"
#include "sl_http_parse.h"

typedef struct {
    sl_int_t       rc;          /* SL_DONE, SL_AGAIN or SL_ERROR */
    size_t         used;        /* for SL_DONE */
    u_char        *body;
    size_t         body_len;
} fuzz_result_t;

/* The reference decoder's cursor. */
typedef struct {
    const u_char  *p;
    size_t         n;
    size_t         pos;
    size_t         limit_from;  /* where the limited region started */
    size_t         limit;       /* max bytes in it (CR exempt for lines) */
    int            line;        /* chunk line: CR does not count */
} fuzz_ref_t;

#define REF_AGAIN  1            /* the input ran out */
#define REF_ERROR  2            /* the input is not chunked framing */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int cond, const char *what);
static void fuzz_decode(const u_char *buf, size_t size, size_t step,
    fuzz_result_t *res);
static void fuzz_ref_decode(const u_char *buf, size_t size,
    fuzz_result_t *res);
static int fuzz_ref_peek(fuzz_ref_t *r, int *c);
static int fuzz_ref_bws(fuzz_ref_t *r);
static int fuzz_ref_token(fuzz_ref_t *r);
static int fuzz_ref_quoted(fuzz_ref_t *r);
static int fuzz_ref_crlf(fuzz_ref_t *r);
static int fuzz_ref_chunk_line(fuzz_ref_t *r, uint64_t *size);
static int fuzz_ref_exts(fuzz_ref_t *r);
static int fuzz_ref_trailers(fuzz_ref_t *r);


static void
fuzz_check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_http_chunked: contract broken: %s\n", what);
        abort();
    }
}


/*
 * Runs the decoder over buf[0..size), delivering step more bytes each
 * time (size: all at once). Each call gets an exact-size heap copy of the
 * bytes not consumed yet, so ASan sees any read past them.
 */
static void
fuzz_decode(const u_char *buf, size_t size, size_t step, fuzz_result_t *res)
{
    sl_http_chunked_t  st;
    sl_http_chunk_t    out;
    size_t             avail, n;
    u_char            *copy;

    sl_http_chunked_init(&st);
    res->rc = SL_AGAIN;
    res->used = 0;
    res->body_len = 0;
    avail = 0;
    while (res->rc == SL_AGAIN && avail < size) {
        avail = sl_min(size, avail + step);
        do {
            n = avail - res->used;
            copy = malloc(n ? n : 1);
            fuzz_check(copy != NULL, "malloc");
            memcpy(copy, buf + res->used, n);
            res->rc = sl_http_chunked_parse(&st, copy, n, &out);
            fuzz_check(out.used <= n, "used past the input");
            if (res->rc == SL_OK) {
                fuzz_check(out.len > 0 && out.data >= copy
                           && out.data + out.len <= copy + out.used,
                           "body range");
                memcpy(res->body + res->body_len, out.data, out.len);
                res->body_len += out.len;
            } else {
                fuzz_check(out.len == 0, "body with a final code");
            }
            if (res->rc == SL_AGAIN) {
                fuzz_check(out.used == n, "SL_AGAIN left bytes");
            }
            if (res->rc == SL_ERROR) {
                fuzz_check(st.status == 400 && st.error != NULL, "error");
            }
            res->used += out.used;
            free(copy);
        } while (res->rc == SL_OK);
    }
}


/* The next byte, or REF_AGAIN at the end, or REF_ERROR past a limit. */
static int
fuzz_ref_peek(fuzz_ref_t *r, int *c)
{
    if (r->pos >= r->n) {
        return REF_AGAIN;
    }
    *c = r->p[r->pos];
    if (r->limit && r->pos - r->limit_from >= r->limit
        && !(r->line && *c == '\r'))
    {
        return REF_ERROR;
    }
    return 0;
}


static int
fuzz_ref_bws(fuzz_ref_t *r)
{
    int  c, rc;

    for ( ;; ) {
        if ((rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        if (c != ' ' && c != '\t') {
            return 0;
        }
        r->pos++;
    }
}


static int
fuzz_ref_token(fuzz_ref_t *r)
{
    size_t  start;
    int     c, rc;

    start = r->pos;
    for ( ;; ) {
        if ((rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        if (!strchr("!#$%&'*+-.^_`|~", c) || c == 0) {
            if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a'
                                             && (c | 0x20) <= 'z')))
            {
                return r->pos > start ? 0 : REF_ERROR;
            }
        }
        r->pos++;
    }
}


/* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE */
static int
fuzz_ref_quoted(fuzz_ref_t *r)
{
    int  c, rc;

    r->pos++;                                    /* the opening quote */
    for ( ;; ) {
        if ((rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        r->pos++;
        if (c == '"') {
            return 0;
        }
        if (c == '\\') {
            if ((rc = fuzz_ref_peek(r, &c)) != 0) {
                return rc;
            }
            if (!(c == '\t' || (c >= 0x20 && c != 0x7f))) {
                return REF_ERROR;
            }
            r->pos++;
            continue;
        }
        if (!(c == '\t' || (c >= 0x20 && c != 0x7f))) {
            return REF_ERROR;
        }
    }
}


static int
fuzz_ref_crlf(fuzz_ref_t *r)
{
    int  c, rc;

    if ((rc = fuzz_ref_peek(r, &c)) != 0) {
        return rc;
    }
    if (c != '\r') {
        return REF_ERROR;
    }
    r->pos++;
    if ((rc = fuzz_ref_peek(r, &c)) != 0) {
        return rc;
    }
    if (c != '\n') {
        return REF_ERROR;
    }
    r->pos++;
    return 0;
}


/* *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ) */
static int
fuzz_ref_exts(fuzz_ref_t *r)
{
    size_t  back;
    int     c, rc;

    for ( ;; ) {
        back = r->pos;
        if ((rc = fuzz_ref_bws(r)) != 0) {
            return rc;
        }
        if (r->p[r->pos] != ';') {
            r->pos = back;                       /* no BWS before CRLF */
            return 0;
        }
        r->pos++;
        if ((rc = fuzz_ref_bws(r)) != 0 || (rc = fuzz_ref_token(r)) != 0) {
            return rc;
        }
        back = r->pos;
        if ((rc = fuzz_ref_bws(r)) != 0) {
            return rc;
        }
        if (r->p[r->pos] != '=') {
            r->pos = back;
            continue;
        }
        r->pos++;
        if ((rc = fuzz_ref_bws(r)) != 0 || (rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        rc = c == '"' ? fuzz_ref_quoted(r) : fuzz_ref_token(r);
        if (rc != 0) {
            return rc;
        }
    }
}


/* chunk-size [ chunk-ext ] CRLF, the line at most SL_HTTP_CHUNK_LINE_MAX */
static int
fuzz_ref_chunk_line(fuzz_ref_t *r, uint64_t *size)
{
    size_t  digits;
    int     c, rc, d;

    r->limit_from = r->pos;
    r->limit = SL_HTTP_CHUNK_LINE_MAX;
    r->line = 1;
    *size = 0;
    for (digits = 0; ; digits++) {
        if ((rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        d = (c >= '0' && c <= '9') ? c - '0'
            : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') ? (c | 0x20) - 'a' + 10
            : -1;
        if (d < 0) {
            break;
        }
        if (*size >= SL_HTTP_CHUNK_SIZE_MAX / 16) {
            return REF_ERROR;
        }
        *size = *size * 16 + (uint64_t) d;
        r->pos++;
    }
    if (digits == 0) {
        return REF_ERROR;
    }
    if ((rc = fuzz_ref_exts(r)) != 0) {
        return rc;
    }
    /* the CRLF does not count towards the line */
    r->limit = 0;
    r->line = 0;
    return fuzz_ref_crlf(r);
}


/* *( field-name ":" field-value CRLF ) CRLF, at most SL_HTTP_TRAILER_MAX */
static int
fuzz_ref_trailers(fuzz_ref_t *r)
{
    int  c, rc;

    r->limit_from = r->pos;
    r->limit = SL_HTTP_TRAILER_MAX;
    for ( ;; ) {
        if ((rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        if (c == '\r') {
            return fuzz_ref_crlf(r);
        }
        if ((rc = fuzz_ref_token(r)) != 0 || (rc = fuzz_ref_peek(r, &c)) != 0) {
            return rc;
        }
        if (c != ':') {
            return REF_ERROR;
        }
        r->pos++;
        for ( ;; ) {
            if ((rc = fuzz_ref_peek(r, &c)) != 0) {
                return rc;
            }
            if (!(c == '\t' || (c >= 0x20 && c != 0x7f))) {
                break;
            }
            r->pos++;
        }
        if ((rc = fuzz_ref_crlf(r)) != 0) {
            return rc;
        }
    }
}


static void
fuzz_ref_decode(const u_char *buf, size_t size, fuzz_result_t *res)
{
    fuzz_ref_t  r;
    uint64_t    chunk;
    size_t      n;
    int         rc;

    memset(&r, 0, sizeof(r));
    r.p = buf;
    r.n = size;
    res->body_len = 0;
    for ( ;; ) {
        if ((rc = fuzz_ref_chunk_line(&r, &chunk)) != 0) {
            break;
        }
        if (chunk == 0) {
            rc = fuzz_ref_trailers(&r);
            break;
        }
        n = (uint64_t) (size - r.pos) < chunk ? size - r.pos : chunk;
        memcpy(res->body + res->body_len, buf + r.pos, n);
        res->body_len += n;
        r.pos += n;
        if (n < chunk) {
            rc = REF_AGAIN;
            break;
        }
        if ((rc = fuzz_ref_crlf(&r)) != 0) {
            break;
        }
    }
    res->rc = rc == 0 ? SL_DONE : rc == REF_AGAIN ? SL_AGAIN : SL_ERROR;
    res->used = r.pos;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static u_char   b1[65536], b2[65536], b3[65536];
    fuzz_result_t   whole, split, ref;
    size_t          step;

    if (size > sizeof(b1)) {
        return 0;
    }
    whole.body = b1;
    split.body = b2;
    ref.body = b3;

    fuzz_decode(data, size, size ? size : 1, &whole);

    step = size ? (size_t) data[0] % 7 + 1 : 1;
    fuzz_decode(data, size, step, &split);
    fuzz_check(split.rc == whole.rc, "split changes the code");
    fuzz_check(split.body_len == whole.body_len
               && memcmp(split.body, whole.body, whole.body_len) == 0,
               "split changes the body");
    fuzz_check(whole.rc != SL_DONE || split.used == whole.used,
               "split changes the end");

    fuzz_ref_decode(data, size, &ref);
    fuzz_check(ref.rc == whole.rc, "reference disagrees on the code");
    if (whole.rc != SL_ERROR) {
        fuzz_check(ref.body_len == whole.body_len
                   && memcmp(ref.body, whole.body, whole.body_len) == 0,
                   "reference disagrees on the body");
    }
    fuzz_check(whole.rc != SL_DONE || ref.used == whole.used,
               "reference disagrees on the end");
    return 0;
}
