/*
 * sl_test_backend.c: a small HTTP/1.1 origin server for the proxy's
 * integration tests (t/integration/test_proxy.py). Not part of the
 * server: one blocking thread per connection, simple and predictable.
 *
 * Usage: sl_test_backend [--id NAME] [--port N] [--idle-close MS]
 *                        [--refuse-after N] [--reset]
 * It listens on 127.0.0.1 (port 0: a free one) and prints "PORT <n>" on
 * stdout once it accepts. What it answers is chosen by the request path:
 *
 *   /echo...           200, JSON: id, method, target, headers, body
 *   /size/N            200, Content-Length N, N bytes of a known pattern
 *   /chunked/N/K       200, chunked, N bytes in chunks of K
 *   /close/N           200, no length: N bytes, then close
 *   /slow/MS           waits MS before answering (like /echo)
 *   /slowbody/N/MS     head, then N bytes one per MS, Content-Length
 *   /die/N             Content-Length 2N, sends N bytes and closes
 *   /diechunked        chunked, one chunk, then closes
 *   /bad/KIND          garbage, cl_te, dup_cl, bare_lf, badchunk, http2,
 *                      huge (a head of 64 KiB), fold
 *   /status/N          that status, a short body (none for 204/304)
 *   /cookies/N         200 with N Set-Cookie fields
 *   /interim           100 Continue and 103, then 200
 *   /connclose         200 with Connection: close, then close
 *   /dropnext          200; the next request on this connection is read
 *                      and the connection closed without an answer
 *   /health            200, or what /sethealth/N last set
 *   /sethealth/N       sets /health's status
 *   /count             JSON: connections accepted, requests served
 *   /ws                WebSocket: 101, then echoes each frame (400
 *                      unless Upgrade is "websocket" alone)
 *   /ws/greet          the same, with a text frame "hi" sent in the same
 *                      write as the 101
 *   /upload            reads the body; JSON: its length and FNV-1a hash
 *   /early             413 before reading the body, then reads and drops
 *                      what comes for a second and closes
 *
 * Every response carries "X-Backend: NAME". --idle-close closes a
 * keep-alive connection idle for that long; --refuse-after closes the
 * listening socket after N requests (later connects are refused);
 * --reset reads each request head and closes without an answer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BE_HEAD_MAX   65536
#define BE_MAX_FIELDS 128

typedef struct {
    int          fd;
    char         head[BE_HEAD_MAX];
    size_t       len;         /* bytes in head[] (head and what follows) */
    size_t       head_len;
    char         method[16];
    char         target[4096];
    char        *names[BE_MAX_FIELDS];
    char        *values[BE_MAX_FIELDS];
    int          nfields;
    long long    clen;
    int          chunked;
    int          close;
    int          drop_next;
} be_conn_t;

static const char       *be_id = "backend";
static int               be_idle_close_ms;
static long              be_refuse_after;
static int               be_reset;
static int               be_listen_fd = -1;
static volatile long     be_connections;
static volatile long     be_requests;
static volatile int      be_health = 200;
static pthread_mutex_t   be_lock = PTHREAD_MUTEX_INITIALIZER;

static void *be_conn_main(void *arg);
static int be_printf(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


static void
be_sleep_ms(long ms)
{
    struct timespec  ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        /* again */
    }
}


static int
be_write_all(int fd, const void *buf, size_t len)
{
    const char  *p;
    ssize_t      n;

    p = buf;
    while (len) {
        n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n == -1 && errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}


static int
be_printf(int fd, const char *fmt, ...)
{
    char     buf[8192];
    va_list  ap;
    int      n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof(buf)) {
        return -1;
    }
    return be_write_all(fd, buf, (size_t) n);
}


/* Reads more bytes into the head buffer; 0 on EOF/error/idle close. */
static int
be_fill(be_conn_t *bc, int idle)
{
    struct pollfd  pfd;
    ssize_t        n;

    if (bc->len == sizeof(bc->head)) {
        return 0;
    }
    if (idle && be_idle_close_ms > 0) {
        pfd.fd = bc->fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, be_idle_close_ms) == 0) {
            return 0;
        }
    }
    n = recv(bc->fd, bc->head + bc->len, sizeof(bc->head) - bc->len, 0);
    if (n <= 0) {
        return 0;
    }
    bc->len += (size_t) n;
    return 1;
}


static const char *
be_field(be_conn_t *bc, const char *name)
{
    int  i;

    for (i = 0; i < bc->nfields; i++) {
        if (strcasecmp(bc->names[i], name) == 0) {
            return bc->values[i];
        }
    }
    return NULL;
}


/* Reads and splits one request head. Returns 1, or 0 to close. */
static int
be_read_head(be_conn_t *bc)
{
    char   *end, *line, *next, *colon, *v, *e;
    int     first;

    for (;;) {
        end = memmem(bc->head, bc->len, "\r\n\r\n", 4);
        if (end) {
            break;
        }
        if (!be_fill(bc, bc->len == 0)) {
            return 0;
        }
    }
    bc->head_len = (size_t) (end - bc->head) + 4;
    *end = '\0';
    bc->nfields = 0;
    bc->clen = -1;
    bc->chunked = 0;
    bc->close = 0;
    first = 1;
    for (line = bc->head; line; line = next) {
        next = strstr(line, "\r\n");
        if (next) {
            *next = '\0';
            next += 2;
        }
        if (first) {
            first = 0;
            if (sscanf(line, "%15s %4095s", bc->method, bc->target) != 2) {
                return 0;
            }
            continue;
        }
        colon = strchr(line, ':');
        if (colon == NULL || bc->nfields == BE_MAX_FIELDS) {
            return 0;
        }
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {
            /* OWS */
        }
        for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');
             e--)
        {
            e[-1] = '\0';
        }
        bc->names[bc->nfields] = line;
        bc->values[bc->nfields++] = v;
    }
    v = (char *) be_field(bc, "content-length");
    bc->clen = v ? atoll(v) : -1;
    v = (char *) be_field(bc, "transfer-encoding");
    bc->chunked = v && strcasestr(v, "chunked") != NULL;
    v = (char *) be_field(bc, "connection");
    bc->close = v && strcasestr(v, "close") != NULL;
    return 1;
}


/* Takes n bytes that follow the head (from the buffer, then the socket). */
static ssize_t
be_take(be_conn_t *bc, char *out, size_t n)
{
    size_t   have;
    ssize_t  r;

    have = bc->len - bc->head_len;
    if (have) {
        n = n < have ? n : have;
        memcpy(out, bc->head + bc->head_len, n);
        memmove(bc->head + bc->head_len, bc->head + bc->head_len + n,
                have - n);
        bc->len -= n;
        return (ssize_t) n;
    }
    r = recv(bc->fd, out, n, 0);
    return r;
}


/* Reads one CRLF-terminated line after the head into out. */
static int
be_take_line(be_conn_t *bc, char *out, size_t size)
{
    size_t  i;
    char    c;

    for (i = 0; i + 1 < size;) {
        if (be_take(bc, &c, 1) != 1) {
            return -1;
        }
        if (c == '\n') {
            out[i] = '\0';
            if (i && out[i - 1] == '\r') {
                out[i - 1] = '\0';
            }
            return 0;
        }
        out[i++] = c;
    }
    return -1;
}


/* Reads the request body (all of it) into a malloc'ed buffer. */
static char *
be_read_body(be_conn_t *bc, size_t *out_len)
{
    char    *body, *grown, line[256];
    size_t   len, cap, want;
    ssize_t  n;

    cap = 65536;
    len = 0;
    body = malloc(cap);
    if (body == NULL) {
        return NULL;
    }
    if (bc->chunked) {
        for (;;) {
            if (be_take_line(bc, line, sizeof(line)) != 0) {
                free(body);
                return NULL;
            }
            want = strtoul(line, NULL, 16);
            if (want == 0) {
                do {
                    if (be_take_line(bc, line, sizeof(line)) != 0) {
                        free(body);
                        return NULL;
                    }
                } while (line[0] != '\0');
                break;
            }
            while (len + want + 2 > cap) {
                cap *= 2;
                grown = realloc(body, cap);
                if (grown == NULL) {
                    free(body);
                    return NULL;
                }
                body = grown;
            }
            while (want) {
                n = be_take(bc, body + len, want);
                if (n <= 0) {
                    free(body);
                    return NULL;
                }
                len += (size_t) n;
                want -= (size_t) n;
            }
            if (be_take_line(bc, line, sizeof(line)) != 0) {
                free(body);
                return NULL;
            }
        }
    } else if (bc->clen > 0) {
        want = (size_t) bc->clen;
        if (want + 1 > cap) {
            cap = want + 1;
            grown = realloc(body, cap);
            if (grown == NULL) {
                free(body);
                return NULL;
            }
            body = grown;
        }
        while (len < want) {
            n = be_take(bc, body + len, want - len);
            if (n <= 0) {
                free(body);
                return NULL;
            }
            len += (size_t) n;
        }
    }
    *out_len = len;
    return body;
}


/* Drops what is left of the head buffer up to the next request. */
static void
be_next(be_conn_t *bc)
{
    size_t  rest;

    rest = bc->len - bc->head_len;
    memmove(bc->head, bc->head + bc->head_len, rest);
    bc->len = rest;
    bc->head_len = 0;
}


static int
be_head(be_conn_t *bc, int status, const char *extra)
{
    return be_printf(bc->fd, "HTTP/1.1 %d X\r\nX-Backend: %s\r\n%s%s\r\n",
                     status, be_id, extra ? extra : "",
                     bc->close ? "Connection: close\r\n" : "");
}


/* Appends s to the JSON text at *p as a string. */
static void
be_json_str(char **p, char *end, const char *s, size_t len)
{
    size_t  i;
    unsigned char c;

    if (*p < end) {
        *(*p)++ = '"';
    }
    for (i = 0; i < len && *p + 8 < end; i++) {
        c = (unsigned char) s[i];
        if (c == '"' || c == '\\') {
            *(*p)++ = '\\';
            *(*p)++ = (char) c;
        } else if (c < 0x20 || c >= 0x7f) {
            *p += snprintf(*p, (size_t) (end - *p), "\\u%04x", c);
        } else {
            *(*p)++ = (char) c;
        }
    }
    if (*p < end) {
        *(*p)++ = '"';
    }
}


static int
be_echo(be_conn_t *bc, const char *body, size_t blen)
{
    char    *out, *p, *end, hdr[64];
    size_t   size;
    int      i, rc;

    size = 4096 + bc->head_len * 6 + blen * 6;
    out = malloc(size);
    if (out == NULL) {
        return -1;
    }
    p = out;
    end = out + size - 16;
    p += snprintf(p, (size_t) (end - p), "{\"id\": \"%s\", \"method\": ",
                  be_id);
    be_json_str(&p, end, bc->method, strlen(bc->method));
    p += snprintf(p, (size_t) (end - p), ", \"target\": ");
    be_json_str(&p, end, bc->target, strlen(bc->target));
    p += snprintf(p, (size_t) (end - p), ", \"headers\": [");
    for (i = 0; i < bc->nfields; i++) {
        p += snprintf(p, (size_t) (end - p), "%s[", i ? ", " : "");
        be_json_str(&p, end, bc->names[i], strlen(bc->names[i]));
        p += snprintf(p, (size_t) (end - p), ", ");
        be_json_str(&p, end, bc->values[i], strlen(bc->values[i]));
        p += snprintf(p, (size_t) (end - p), "]");
    }
    p += snprintf(p, (size_t) (end - p), "], \"body_len\": %zu, \"body\": ",
                  blen);
    be_json_str(&p, end, body ? body : "", blen);
    p += snprintf(p, (size_t) (end - p), "}\n");
    snprintf(hdr, sizeof(hdr), "Content-Length: %zu\r\n", (size_t) (p - out));
    rc = be_head(bc, 200, hdr);
    if (rc == 0 && strcmp(bc->method, "HEAD") != 0) {
        rc = be_write_all(bc->fd, out, (size_t) (p - out));
    }
    free(out);
    return rc;
}


static void
be_pattern(char *buf, size_t off, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        buf[i] = (char) ('a' + (off + i) % 26);
    }
}


static int
be_send_pattern(int fd, size_t n)
{
    char    buf[16384];
    size_t  off, k;

    for (off = 0; off < n; off += k) {
        k = n - off < sizeof(buf) ? n - off : sizeof(buf);
        be_pattern(buf, off, k);
        if (be_write_all(fd, buf, k) != 0) {
            return -1;
        }
    }
    return 0;
}


static int
be_size(be_conn_t *bc, size_t n)
{
    char  hdr[64];

    snprintf(hdr, sizeof(hdr), "Content-Length: %zu\r\n", n);
    if (be_head(bc, 200, hdr) != 0) {
        return -1;
    }
    return strcmp(bc->method, "HEAD") == 0 ? 0 : be_send_pattern(bc->fd, n);
}


static int
be_chunked(be_conn_t *bc, size_t n, size_t k)
{
    char    buf[65536];
    size_t  off, c;

    if (be_head(bc, 200, "Transfer-Encoding: chunked\r\n") != 0) {
        return -1;
    }
    k = k ? (k < sizeof(buf) ? k : sizeof(buf)) : 1000;
    for (off = 0; off < n; off += c) {
        c = n - off < k ? n - off : k;
        be_pattern(buf, off, c);
        if (be_printf(bc->fd, "%zx\r\n", c) != 0
            || be_write_all(bc->fd, buf, c) != 0
            || be_write_all(bc->fd, "\r\n", 2) != 0)
        {
            return -1;
        }
    }
    return be_write_all(bc->fd, "0\r\nX-Trailer: t\r\n\r\n", 19);
}


static int
be_bad(be_conn_t *bc, const char *kind)
{
    static const struct {
        const char  *kind;
        const char  *text;
    } bad[] = {
        { "garbage", "this is not http\r\n\r\n" },
        { "cl_te", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n0\r\n\r\n" },
        { "dup_cl", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                    "Content-Length: 6\r\n\r\nhello!" },
        { "bare_lf", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi" },
        { "badchunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\nzz\r\nxx\r\n0\r\n\r\n" },
        { "http2", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nhi" },
        { "fold", "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n"
                  "\r\nhi" },
    };
    char    *big;
    size_t   i;
    int      rc;

    if (strcmp(kind, "huge") == 0) {
        big = malloc(70000);
        if (big == NULL) {
            return -1;
        }
        memset(big, 'a', 70000);
        rc = be_printf(bc->fd, "HTTP/1.1 200 OK\r\nX-Big: ");
        rc = rc ? rc : be_write_all(bc->fd, big, 70000);
        rc = rc ? rc : be_printf(bc->fd, "\r\nContent-Length: 0\r\n\r\n");
        free(big);
        return -1;   /* close */
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (strcmp(kind, bad[i].kind) == 0) {
            (void) be_write_all(bc->fd, bad[i].text, strlen(bad[i].text));
            return -1;   /* close after */
        }
    }
    return -1;
}


/* SHA-1 (FIPS 180-4), for the WebSocket accept key only. */
static void
be_sha1(const unsigned char *msg, size_t len, unsigned char out[20])
{
    uint32_t       h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
                            0xC3D2E1F0 };
    unsigned char  blk[64];
    uint32_t       w[80], a, b, c, d, e, f, k, t;
    uint64_t       bits;
    size_t         i, off, total;
    int            j;

    total = ((len + 8) / 64 + 1) * 64;
    bits = (uint64_t) len * 8;
    for (off = 0; off < total; off += 64) {
        for (i = 0; i < 64; i++) {
            size_t pos = off + i;
            if (pos < len) {
                blk[i] = msg[pos];
            } else if (pos == len) {
                blk[i] = 0x80;
            } else if (pos >= total - 8) {
                blk[i] = (unsigned char) (bits >> (8 * (total - 1 - pos)));
            } else {
                blk[i] = 0;
            }
        }
        for (j = 0; j < 16; j++) {
            w[j] = (uint32_t) blk[j * 4] << 24 | (uint32_t) blk[j * 4 + 1] << 16
                   | (uint32_t) blk[j * 4 + 2] << 8 | blk[j * 4 + 3];
        }
        for (j = 16; j < 80; j++) {
            t = w[j - 3] ^ w[j - 8] ^ w[j - 14] ^ w[j - 16];
            w[j] = t << 1 | t >> 31;
        }
        a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
        for (j = 0; j < 80; j++) {
            if (j < 20) {
                f = (b & c) | (~b & d); k = 0x5A827999;
            } else if (j < 40) {
                f = b ^ c ^ d; k = 0x6ED9EBA1;
            } else if (j < 60) {
                f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d; k = 0xCA62C1D6;
            }
            t = (a << 5 | a >> 27) + f + e + k + w[j];
            e = d; d = c; c = b << 30 | b >> 2; b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
    }
    for (j = 0; j < 5; j++) {
        out[j * 4] = (unsigned char) (h[j] >> 24);
        out[j * 4 + 1] = (unsigned char) (h[j] >> 16);
        out[j * 4 + 2] = (unsigned char) (h[j] >> 8);
        out[j * 4 + 3] = (unsigned char) h[j];
    }
}


static void
be_base64(const unsigned char *in, size_t len, char *out)
{
    static const char  tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t             i;
    uint32_t           v;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        *out++ = tbl[v >> 18]; *out++ = tbl[(v >> 12) & 63];
        *out++ = tbl[(v >> 6) & 63]; *out++ = tbl[v & 63];
    }
    if (len - i == 1) {
        v = (uint32_t) in[i] << 16;
        *out++ = tbl[v >> 18]; *out++ = tbl[(v >> 12) & 63];
        *out++ = '='; *out++ = '=';
    } else if (len - i == 2) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
        *out++ = tbl[v >> 18]; *out++ = tbl[(v >> 12) & 63];
        *out++ = tbl[(v >> 6) & 63]; *out++ = '=';
    }
    *out = '\0';
}


/* Reads exactly n bytes after the head (buffer, then socket). */
static int
be_take_all(be_conn_t *bc, unsigned char *out, size_t n)
{
    ssize_t  r;

    while (n) {
        r = be_take(bc, (char *) out, n);
        if (r <= 0) {
            return -1;
        }
        out += r;
        n -= (size_t) r;
    }
    return 0;
}


/* The WebSocket handshake, then echo frames until a close frame or EOF;
 * greet: a first frame leaves with the 101, in the same segment. */
static int
be_ws(be_conn_t *bc, int greet)
{
    static const char  guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char      digest[20], hdr[14], mask[4], *payload;
    char               key[128], accept[64], extra[256];
    const char        *k, *u;
    uint64_t           plen;
    size_t             i, hl;
    int                op;

    /* Strict on purpose: the proxy must forward "websocket" alone, even
     * when its client listed other protocols too. */
    u = be_field(bc, "upgrade");
    k = be_field(bc, "sec-websocket-key");
    if (u == NULL || strcasecmp(u, "websocket") != 0 || k == NULL
        || strlen(k) > 60)
    {
        return be_head(bc, 400, "Content-Length: 0\r\n");
    }
    snprintf(key, sizeof(key), "%s%s", k, guid);
    be_sha1((unsigned char *) key, strlen(key), digest);
    be_base64(digest, 20, accept);
    snprintf(extra, sizeof(extra), "Upgrade: websocket\r\nConnection: Upgrade"
             "\r\nSec-WebSocket-Accept: %s\r\n", accept);
    if (be_printf(bc->fd, "HTTP/1.1 101 Switching Protocols\r\nX-Backend: "
                  "%s\r\n%s\r\n%s", be_id, extra,
                  greet ? "\x81\x02hi" : "") != 0)
    {
        return -1;
    }
    for (;;) {
        if (be_take_all(bc, hdr, 2) != 0) {
            return -1;
        }
        op = hdr[0] & 0x0f;
        plen = hdr[1] & 0x7f;
        if (plen == 126) {
            if (be_take_all(bc, hdr + 2, 2) != 0) {
                return -1;
            }
            plen = (uint64_t) hdr[2] << 8 | hdr[3];
        } else if (plen == 127) {
            if (be_take_all(bc, hdr + 2, 8) != 0) {
                return -1;
            }
            plen = 0;
            for (i = 0; i < 8; i++) {
                plen = plen << 8 | hdr[2 + i];
            }
        }
        if (plen > (64u << 20)) {
            return -1;
        }
        if ((hdr[1] & 0x80) && be_take_all(bc, mask, 4) != 0) {
            return -1;
        }
        payload = malloc(plen + 1);
        if (payload == NULL || be_take_all(bc, payload, plen) != 0) {
            free(payload);
            return -1;
        }
        for (i = 0; (hdr[1] & 0x80) && i < plen; i++) {
            payload[i] ^= mask[i & 3];
        }
        hdr[0] = (unsigned char) (0x80 | op);
        if (plen < 126) {
            hdr[1] = (unsigned char) plen;
            hl = 2;
        } else if (plen < 65536) {
            hdr[1] = 126;
            hdr[2] = (unsigned char) (plen >> 8);
            hdr[3] = (unsigned char) plen;
            hl = 4;
        } else {
            hdr[1] = 127;
            for (i = 0; i < 8; i++) {
                hdr[2 + i] = (unsigned char) (plen >> (56 - 8 * i));
            }
            hl = 10;
        }
        if (be_write_all(bc->fd, hdr, hl) != 0
            || be_write_all(bc->fd, payload, plen) != 0)
        {
            free(payload);
            return -1;
        }
        free(payload);
        if (op == 8) {
            return -1;   /* close frame echoed: close */
        }
    }
}


static int
be_upload(be_conn_t *bc, const char *body, size_t len)
{
    char      out[256], hdr[64];
    uint32_t  h;
    size_t    i;
    int       n;

    h = 2166136261u;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char) body[i];
        h *= 16777619u;
    }
    n = snprintf(out, sizeof(out), "{\"id\": \"%s\", \"body_len\": %zu, "
                 "\"fnv\": %u, \"chunked\": %d}\n", be_id, len, h,
                 bc->chunked);
    snprintf(hdr, sizeof(hdr), "Content-Length: %d\r\n", n);
    if (be_head(bc, 200, hdr) != 0) {
        return -1;
    }
    return be_write_all(bc->fd, out, (size_t) n);
}


static int
be_slowbody(be_conn_t *bc, size_t n, long ms)
{
    char    hdr[64], c;
    size_t  i;

    snprintf(hdr, sizeof(hdr), "Content-Length: %zu\r\n", n);
    if (be_head(bc, 200, hdr) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        be_sleep_ms(ms);
        be_pattern(&c, i, 1);
        if (be_write_all(bc->fd, &c, 1) != 0) {
            return -1;
        }
    }
    return 0;
}


/* Answers one request; returns 0 to keep the connection, -1 to close. */
static int
be_answer(be_conn_t *bc, const char *body, size_t blen)
{
    const char  *t;
    char         hdr[64];
    long         a, b;
    int          i;

    t = bc->target;
    if (strncmp(t, "/size/", 6) == 0) {
        return be_size(bc, (size_t) atol(t + 6));
    }
    if (strncmp(t, "/chunked/", 9) == 0) {
        a = atol(t + 9);
        b = strchr(t + 9, '/') ? atol(strchr(t + 9, '/') + 1) : 1000;
        return be_chunked(bc, (size_t) a, (size_t) b);
    }
    if (strncmp(t, "/close/", 7) == 0) {
        if (be_printf(bc->fd, "HTTP/1.1 200 OK\r\nX-Backend: %s\r\n\r\n",
                      be_id) == 0)
        {
            (void) be_send_pattern(bc->fd, (size_t) atol(t + 7));
        }
        return -1;
    }
    if (strncmp(t, "/slow/", 6) == 0) {
        be_sleep_ms(atol(t + 6));
        return be_echo(bc, body, blen);
    }
    if (strncmp(t, "/slowbody/", 10) == 0) {
        a = atol(t + 10);
        b = strchr(t + 10, '/') ? atol(strchr(t + 10, '/') + 1) : 100;
        return be_slowbody(bc, (size_t) a, b);
    }
    if (strncmp(t, "/die/", 5) == 0) {
        a = atol(t + 5);
        snprintf(hdr, sizeof(hdr), "Content-Length: %ld\r\n", a * 2);
        if (be_head(bc, 200, hdr) == 0) {
            (void) be_send_pattern(bc->fd, (size_t) a);
        }
        be_sleep_ms(50);
        return -1;
    }
    if (strcmp(t, "/diechunked") == 0) {
        (void) be_head(bc, 200, "Transfer-Encoding: chunked\r\n");
        (void) be_write_all(bc->fd, "5\r\nhello\r\n", 10);
        be_sleep_ms(50);
        return -1;
    }
    if (strncmp(t, "/bad/", 5) == 0) {
        return be_bad(bc, t + 5);
    }
    if (strncmp(t, "/status/", 8) == 0) {
        a = atol(t + 8);
        if (a == 204 || a == 304) {
            return be_head(bc, (int) a, a == 304 ? "ETag: \"x\"\r\n" : NULL);
        }
        if (be_head(bc, (int) a, "Content-Length: 7\r\n") != 0) {
            return -1;
        }
        return strcmp(bc->method, "HEAD") == 0
               ? 0 : be_write_all(bc->fd, "status\n", 7);
    }
    if (strncmp(t, "/cookies/", 9) == 0) {
        a = atol(t + 9);
        if (be_printf(bc->fd, "HTTP/1.1 200 OK\r\nX-Backend: %s\r\n", be_id)
            != 0)
        {
            return -1;
        }
        for (i = 0; i < a; i++) {
            if (be_printf(bc->fd, "Set-Cookie: c%d=v%d\r\n", i, i) != 0) {
                return -1;
            }
        }
        return be_printf(bc->fd, "Content-Length: 2\r\n\r\nok");
    }
    if (strcmp(t, "/interim") == 0) {
        if (be_printf(bc->fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 "
                      "Early Hints\r\nLink: </a.css>\r\n\r\n") != 0)
        {
            return -1;
        }
        return be_echo(bc, body, blen);
    }
    if (strcmp(t, "/connclose") == 0) {
        bc->close = 1;
        (void) be_echo(bc, body, blen);
        return -1;
    }
    if (strcmp(t, "/dropnext") == 0) {
        bc->drop_next = 1;
        return be_echo(bc, body, blen);
    }
    if (strcmp(t, "/health") == 0) {
        return be_head(bc, be_health, "Content-Length: 0\r\n");
    }
    if (strncmp(t, "/sethealth/", 11) == 0) {
        be_health = atoi(t + 11);
        return be_head(bc, 200, "Content-Length: 0\r\n");
    }
    if (strcmp(t, "/count") == 0) {
        char  out[128];
        int   n;

        n = snprintf(out, sizeof(out), "{\"connections\": %ld, "
                     "\"requests\": %ld}\n", be_connections, be_requests);
        snprintf(hdr, sizeof(hdr), "Content-Length: %d\r\n", n);
        if (be_head(bc, 200, hdr) != 0) {
            return -1;
        }
        return be_write_all(bc->fd, out, (size_t) n);
    }
    if (strcmp(t, "/ws") == 0 || strcmp(t, "/ws/greet") == 0) {
        return be_ws(bc, t[3] == '/');
    }
    if (strcmp(t, "/upload") == 0) {
        return be_upload(bc, body, blen);
    }
    return be_echo(bc, body, blen);
}


/* Answers at once, then drains for a while (a lingering close). */
static void
be_early(be_conn_t *bc)
{
    struct pollfd  pfd;
    char           buf[65536];

    pthread_mutex_lock(&be_lock);
    be_requests++;
    pthread_mutex_unlock(&be_lock);
    bc->close = 1;
    if (be_head(bc, 413, "Content-Length: 6\r\n") != 0
        || be_write_all(bc->fd, "early\n", 6) != 0)
    {
        return;
    }
    (void) shutdown(bc->fd, SHUT_WR);
    pfd.fd = bc->fd;
    pfd.events = POLLIN;
    while (poll(&pfd, 1, 1000) == 1 && recv(bc->fd, buf, sizeof(buf), 0) > 0)
    {
        /* drop */
    }
}


static void *
be_conn_main(void *arg)
{
    be_conn_t  *bc;
    char       *body;
    size_t      blen;
    long        n;
    int         rc;

    bc = arg;
    for (;;) {
        if (!be_read_head(bc)) {
            break;
        }
        if (bc->drop_next || be_reset) {
            pthread_mutex_lock(&be_lock);
            be_requests++;
            pthread_mutex_unlock(&be_lock);
            break;
        }
        blen = 0;
        body = NULL;
        if (strcmp(bc->target, "/early") == 0) {
            be_early(bc);
            break;
        }
        if (strcmp(bc->target, "/ws") != 0
            && strcmp(bc->target, "/ws/greet") != 0)
        {
            body = be_read_body(bc, &blen);
            if (body == NULL) {
                break;
            }
        }
        pthread_mutex_lock(&be_lock);
        n = ++be_requests;
        if (be_refuse_after && n >= be_refuse_after && be_listen_fd != -1) {
            (void) shutdown(be_listen_fd, SHUT_RDWR);
        }
        pthread_mutex_unlock(&be_lock);
        rc = be_answer(bc, body, blen);
        free(body);
        if (rc != 0 || bc->close) {
            break;
        }
        be_next(bc);
    }
    close(bc->fd);
    free(bc);
    return NULL;
}


int
main(int argc, char **argv)
{
    struct sockaddr_in  sin;
    socklen_t           len;
    pthread_t           t;
    be_conn_t          *bc;
    int                 fd, c, i, on, port;

    port = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--id") == 0 && i + 1 < argc) {
            be_id = argv[++i];
        } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            port = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--idle-close") == 0 && i + 1 < argc) {
            be_idle_close_ms = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--refuse-after") == 0 && i + 1 < argc) {
            be_refuse_after = atol(argv[++i]);
        } else if (strcmp(argv[i], "--reset") == 0) {
            be_reset = 1;
        } else {
            fprintf(stderr, "usage: %s [--id NAME] [--port N] "
                    "[--idle-close MS] [--refuse-after N] [--reset]\n",
                    argv[0]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    on = 1;
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons((uint16_t) port);
    if (fd == -1 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        || listen(fd, 1024) == -1)
    {
        perror("sl_test_backend: listen");
        return 1;
    }
    len = sizeof(sin);
    (void) getsockname(fd, (struct sockaddr *) &sin, &len);
    be_listen_fd = fd;
    printf("PORT %d\n", ntohs(sin.sin_port));
    fflush(stdout);
    for (;;) {
        c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c == -1) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (be_refuse_after) {
                (void) close(fd);
                for (;;) {
                    pause();   /* refusing now; the test stops us */
                }
            }
            perror("sl_test_backend: accept");
            return 1;
        }
        on = 1;
        (void) setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        bc = calloc(1, sizeof(*bc));
        if (bc == NULL) {
            close(c);
            continue;
        }
        bc->fd = c;
        pthread_mutex_lock(&be_lock);
        be_connections++;
        pthread_mutex_unlock(&be_lock);
        if (pthread_create(&t, NULL, be_conn_main, bc) != 0) {
            close(c);
            free(bc);
            continue;
        }
        pthread_detach(t);
    }
}
