/*
 * bench_http_parse.c: micro-benchmark of the request parser (not part of
 * `make check`; run it with `make bench-http-parse`).
 * Prints nanoseconds per parse of a typical browser request head, whole
 * and fed one byte per call (the incremental cost of a slow client), the
 * cost of normalising its path, and chunked decoding throughput.
 */
#include "sl_core.h"
#include "sl_http_parse.h"

#define BENCH_HEADERS  64

static const char  bench_head[] =
    "GET /wiki/Special:Search?search=http+parser&go=Go HTTP/1.1\r\n"
    "Host: en.wikipedia.org\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 "
    "Firefox/115.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
    "image/avif,image/webp,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://en.wikipedia.org/wiki/Main_Page\r\n"
    "Connection: keep-alive\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "\r\n";

int main(void);
static double bench_now(void);
static double bench_whole(const u_char *buf, size_t len, long n);
static double bench_bytewise(const u_char *buf, size_t len, long n);
static double bench_path(long n);
static double bench_chunked(long n, size_t *bytes);


static double
bench_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


/* ns per whole-head parse */
static double
bench_whole(const u_char *buf, size_t len, long n)
{
    sl_http_parse_t   st;
    sl_http_head_t    head;
    sl_http_header_t  headers[BENCH_HEADERS];
    double            t0;
    long              i;

    head.headers = headers;
    head.max_headers = BENCH_HEADERS;
    t0 = bench_now();
    for (i = 0; i < n; i++) {
        sl_http_parse_init(&st, 8192);
        if (sl_http_parse_request_head(&st, buf, len, &head)
            != (sl_int_t) len)
        {
            fprintf(stderr, "bench: parse failed: %s\n", head.error);
            exit(1);
        }
        __asm__ volatile("" : : "r"(&head) : "memory");
    }
    return (bench_now() - t0) / n;
}


/* ns per head when it arrives one byte per call */
static double
bench_bytewise(const u_char *buf, size_t len, long n)
{
    sl_http_parse_t   st;
    sl_http_head_t    head;
    sl_http_header_t  headers[BENCH_HEADERS];
    double            t0;
    size_t            k;
    long              i;
    sl_int_t          rc;

    head.headers = headers;
    head.max_headers = BENCH_HEADERS;
    t0 = bench_now();
    for (i = 0; i < n; i++) {
        sl_http_parse_init(&st, 8192);
        rc = SL_AGAIN;
        for (k = 1; k <= len && rc == SL_AGAIN; k++) {
            rc = sl_http_parse_request_head(&st, buf, k, &head);
        }
        if (rc != (sl_int_t) len) {
            fprintf(stderr, "bench: byte-wise parse failed\n");
            exit(1);
        }
    }
    return (bench_now() - t0) / n;
}


/* ns per normalisation of a path with dot segments and escapes */
static double
bench_path(long n)
{
    static const char  p[] = "/static/js/../css/./site%20main/app.min.css";
    sl_str_t           in, out;
    u_char             dst[sizeof(p)];
    unsigned           flags;
    const char        *err;
    double             t0;
    long               i;

    in.data = (u_char *) p;
    in.len = sizeof(p) - 1;
    t0 = bench_now();
    for (i = 0; i < n; i++) {
        if (sl_http_parse_path(&in, dst, &out, &flags, &err) != SL_OK) {
            exit(1);
        }
        __asm__ volatile("" : : "r"(dst) : "memory");
    }
    return (bench_now() - t0) / n;
}


/* ns per decode of a 64 KiB body in 4 KiB chunks; *bytes: body size */
static double
bench_chunked(long n, size_t *bytes)
{
    static u_char       body[16 * (4096 + 16) + 16];
    sl_http_chunked_t   st;
    sl_http_chunk_t     out;
    u_char             *p;
    size_t              len, off;
    double              t0;
    sl_int_t            rc;
    long                i;
    int                 c;

    p = body;
    for (c = 0; c < 16; c++) {
        p = sl_cpymem(p, "1000;x=y\r\n", 10);
        memset(p, 'b', 4096);
        p = sl_cpymem(p + 4096, "\r\n", 2);
    }
    p = sl_cpymem(p, "0\r\n\r\n", 5);
    len = p - body;
    *bytes = 16 * 4096;

    t0 = bench_now();
    for (i = 0; i < n; i++) {
        sl_http_chunked_init(&st);
        off = 0;
        do {
            rc = sl_http_chunked_parse(&st, body + off, len - off, &out);
            off += out.used;
        } while (rc == SL_OK);
        if (rc != SL_DONE) {
            exit(1);
        }
    }
    return (bench_now() - t0) / n;
}


int
main(void)
{
    const u_char  *buf;
    size_t         len, bytes;
    double         ns;

    buf = (const u_char *) bench_head;
    len = sizeof(bench_head) - 1;

    (void) bench_whole(buf, len, 100000);      /* warm up */
    ns = bench_whole(buf, len, 2000000);
    printf("request head, %zu bytes, whole:        %7.1f ns/parse "
           "(%.2f ns/byte)\n", len, ns, ns / len);
    ns = bench_bytewise(buf, len, 20000);
    printf("request head, %zu bytes, 1 byte/call:  %7.1f ns/head "
           "(%zu calls)\n", len, ns, len);
    ns = bench_path(2000000);
    printf("path normalisation, 44 bytes:         %7.1f ns\n", ns);
    ns = bench_chunked(20000, &bytes);
    printf("chunked decode, %zu bytes in 4 KiB chunks: %.1f ns "
           "(%.2f GB/s)\n", bytes, ns, bytes / ns);
    return 0;
}
