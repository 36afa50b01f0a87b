/*
 * sl_http_parse.h: the HTTP/1.1 request parser (http layer). Pure code: no
 * I/O, no system calls, no allocation; every result points into the
 * caller's buffer or into memory the caller hands in. Three parts:
 *
 *   - the request head (request line and header section), incremental:
 *     sl_http_parse_request_head (sl_http_parse.c, and
 *     sl_http_parse_field.c for the fields the engine needs);
 *   - the request path: percent-decoding and normalisation into a caller
 *     buffer, the raw target untouched: sl_http_parse_path
 *     (sl_http_parse_path.c);
 *   - the chunked body decoder, incremental, reporting body ranges in
 *     place: sl_http_chunked_parse (sl_http_parse_chunked.c).
 *
 * The parser aims to be the strictest on the wire: where RFC 9110/9112
 * leave a choice, it takes the one that leaves no room for two parsers in
 * a proxy chain to disagree about where a request ends or what it means.
 * The decisions:
 *
 *   Line ends     CRLF only. A bare LF or a bare CR anywhere in the head,
 *                 in a chunk line or in a trailer is a 400 (RFC 9112 2.2
 *                 allows a recipient to accept a bare LF; we do not, so a
 *                 request can end in exactly one place).
 *   Empty lines   Up to SL_HTTP_MAX_EMPTY_LINES CRLFs before the request
 *                 line are skipped (RFC 9112 2.2: at least one); one more
 *                 is a 400. They count towards the head size and the
 *                 bytes consumed.
 *   Request line  method SP target SP HTTP-version CRLF, exactly one SP
 *                 between the parts. The method is a token; methods we do
 *                 not know parse (SL_HTTP_UNKNOWN) and the engine answers
 *                 501. Target bytes are VCHAR except '#': CTL, SP, DEL and
 *                 bytes >= 0x80 (obs-text) are a 400. The version is
 *                 "HTTP/" DIGIT "." DIGIT, case-sensitive: anything else
 *                 is a 400 (HTTP/1.10, http/1.1, HTTP/1), and a major
 *                 version other than 1 is a 505 (HTTP/2.0, HTTP/0.9). No
 *                 HTTP/0.9 request lines.
 *   Targets       origin-form; asterisk-form only with OPTIONS;
 *                 authority-form only with CONNECT (host ":" port);
 *                 absolute-form only with the schemes http and https, a
 *                 non-empty host and no userinfo. For absolute- and
 *                 authority-form the host comes from the target and the
 *                 Host header, still required for HTTP/1.1 (RFC 9112 3.2),
 *                 is checked but ignored.
 *   Header fields name ":" OWS value OWS CRLF. The name is a token and the
 *                 colon follows it directly (whitespace before the colon:
 *                 400). Value bytes are HTAB, SP, VCHAR and obs-text
 *                 (0x80-0xFF, RFC 9110 5.5); NUL, other CTLs and DEL are a
 *                 400. A line that starts with SP or HTAB (obs-fold, or
 *                 whitespace after the request line) is a 400.
 *   Host          Exactly one in HTTP/1.1, at most one in HTTP/1.0. The
 *                 value is host [":" port]: host is a name of labels of
 *                 ALPHA, DIGIT, "-" and "_" separated by single dots (one
 *                 trailing dot allowed), or an IPv6 literal in brackets;
 *                 port is 1 to 5 digits up to 65535. Empty: 400.
 *                 Percent-escapes, sub-delims and zone ids are refused.
 *   Content-Length  1*DIGIT up to INT64_MAX. A second Content-Length
 *                 field is a 400 even when its value is identical, and so
 *                 is a list ("5, 5"): RFC 9110 8.6 allows a recipient to
 *                 fold identical values, the strictest choice is to refuse.
 *   Transfer-Encoding  A list of codings over all its fields; empty list
 *                 elements are ignored (RFC 9110 5.6.1: a recipient must),
 *                 but a field that names no coding is a 400. chunked must
 *                 be present exactly once and be the last coding, else 400
 *                 (RFC 9112 6.3). Transfer parameters (";") are a 400. Any
 *                 other coding before chunked is a 501: we implement none.
 *                 Together with Content-Length: 400. In an HTTP/1.0
 *                 request: 400 (RFC 9112 6.1 calls its framing faulty).
 *   Limits        The head (empty lines included) must fit in max_head
 *                 bytes (client_header_buffer): when that many bytes are
 *                 in and the head is not complete, the answer is 414 if the
 *                 request line is not complete yet, else 431. More header
 *                 fields than the caller's array holds: 431.
 *
 * Incremental contract: the parser is a resumable state machine that looks
 * at each byte once, however the input is split, so feeding a head one
 * byte at a time costs the same as feeding it whole. A prefix of a valid
 * head always gives SL_AGAIN. An error is reported as soon as the bytes
 * seen cannot begin any valid head (a TLS hello is refused at its first
 * byte), and once reported it is final; where it is reported never
 * depends on how the input was split.
 */
#ifndef SL_HTTP_PARSE_H
#define SL_HTTP_PARSE_H

#include "sl_core.h"

#define SL_HTTP_MAX_EMPTY_LINES   4
#define SL_HTTP_CHUNK_LINE_MAX    4096     /* chunk size and extensions */
#define SL_HTTP_TRAILER_MAX       8192     /* the whole trailer section */
#define SL_HTTP_CHUNK_SIZE_MAX    ((uint64_t) 1 << 62)   /* exclusive */

typedef enum {
    SL_HTTP_UNKNOWN = 0,                   /* a valid token we don't know */
    SL_HTTP_GET,
    SL_HTTP_HEAD,
    SL_HTTP_POST,
    SL_HTTP_PUT,
    SL_HTTP_DELETE,
    SL_HTTP_OPTIONS,
    SL_HTTP_TRACE,
    SL_HTTP_CONNECT,
    SL_HTTP_PATCH
} sl_http_method_e;

typedef enum {
    SL_HTTP_TARGET_NONE = 0,               /* request line not parsed yet */
    SL_HTTP_TARGET_ORIGIN,                 /* /path?query */
    SL_HTTP_TARGET_ABSOLUTE,               /* http://host/path?query */
    SL_HTTP_TARGET_AUTHORITY,              /* host:port (CONNECT) */
    SL_HTTP_TARGET_ASTERISK                /* * (OPTIONS) */
} sl_http_target_e;

typedef struct {
    sl_str_t             name;             /* as sent, case preserved */
    sl_str_t             value;            /* without surrounding OWS */
} sl_http_header_t;

/*
 * One request head. The caller sets headers and max_headers; the parser
 * resets every other field on its first call and fills them in. All
 * sl_str_t point into the caller's buffer (path may point to a static
 * "/"), so they stay valid as long as those bytes do. A field not present
 * in the request has {0, NULL}.
 */
typedef struct {
    sl_http_header_t    *headers;          /* caller's array */
    size_t               max_headers;      /* its capacity: more is 431 */
    size_t               nheaders;         /* fields stored, in order */

    sl_str_t             request_line;     /* without CRLF: for the log */
    sl_http_method_e     method;
    sl_str_t             method_name;
    sl_str_t             target;           /* raw, untouched: for proxying */
    sl_http_target_e     target_form;
    sl_str_t             scheme;           /* absolute-form only */
    sl_str_t             path;             /* raw, before decoding; origin
                                              and absolute form only */
    sl_str_t             query;            /* after '?'; data is NULL when
                                              there is no '?' */
    unsigned             http_major;
    unsigned             http_minor;

    sl_str_t             host;             /* without port; from the target
                                              in absolute/authority form */
    unsigned             port;             /* 0 when absent */
    unsigned             host_count;       /* Host fields seen */
    int64_t              content_length;   /* -1 when absent */

    unsigned             te:1;             /* Transfer-Encoding present */
    unsigned             chunked:1;        /* the body is chunked */
    unsigned             conn_close:1;     /* Connection: close */
    unsigned             conn_keep_alive:1;/* Connection: keep-alive */
    unsigned             conn_upgrade:1;   /* Connection: upgrade */
    unsigned             upgrade:1;        /* an Upgrade field is present */
    unsigned             expect_continue:1;/* Expect: 100-continue */
    unsigned             expect_other:1;   /* another expectation: 417 */

    int                  status;           /* on error: 400 414 431 501 505 */
    const char          *error;            /* on error: static text for the
                                              log, e.g. "duplicate Host" */
} sl_http_head_t;

/* Parser state for one head; set up by sl_http_parse_init. */
typedef struct {
    const u_char        *base;             /* buf of the previous call */
    size_t               pos;              /* bytes of the head parsed */
    size_t               mark;             /* start of the current token */
    size_t               name_end;         /* a header name's end (colon) */
    size_t               value;            /* a header value's start */
    size_t               line;             /* start of the request line */
    size_t               max_head;
    unsigned             state;
    unsigned             empty_lines;
    unsigned             te_other:1;       /* a coding other than chunked */
} sl_http_parse_t;

/*
 * Prepares st for a new request head of at most max_head bytes (the
 * client_header_buffer size, at least 1). Needed before the first call
 * for every head, including the next one on a keep-alive connection.
 */
void sl_http_parse_init(sl_http_parse_t *st, size_t max_head);

/*
 * Parses the request head at buf[0..len). buf holds the head from its
 * first byte; on each call after SL_AGAIN the caller passes all the bytes
 * again plus the new ones. The bytes may have moved (a bigger buffer, a
 * copy): the parser re-bases what it stored, but the bytes already passed
 * must not change. Bytes after the head (a pipelined request, a body) are
 * left alone.
 * Returns the number of bytes of the head (> 0, the final CRLF included)
 * when it is complete and valid; SL_AGAIN when more bytes are needed; or
 * SL_ERROR with head->status (400, 414, 431, 501 or 505) and head->error
 * set. After SL_ERROR or success, further calls return the same result.
 * head->headers and head->max_headers must be set by the caller; every
 * other field of head is written by the parser.
 */
sl_int_t sl_http_parse_request_head(sl_http_parse_t *st, const u_char *buf,
    size_t len, sl_http_head_t *head);


/* Flags that sl_http_parse_path returns. */
#define SL_HTTP_PATH_ENCODED        0x01   /* had percent-escapes */
#define SL_HTTP_PATH_ENCODED_SLASH  0x02   /* had %2F: a static file path
                                              should be refused */
#define SL_HTTP_PATH_NORMALIZED     0x04   /* dot segments or duplicate
                                              slashes were removed */

/*
 * Percent-decodes and normalises the raw origin-form path in (which must
 * start with '/'; the query must not be included) into dst, which must
 * hold in->len bytes: the result is never longer than the input. On
 * success out points into dst (it is not NUL-terminated), *flags holds
 * SL_HTTP_PATH_* bits, and SL_OK is returned.
 *
 * Escapes are decoded once: "%252e" becomes the three bytes "%2e". A
 * decoded %2F is a segment separator like '/', so the result can never
 * hold a dot segment, and it sets SL_HTTP_PATH_ENCODED_SLASH so the static
 * module can refuse it. Duplicate slashes are merged; "." and ".."
 * segments (also as %2e) are removed as RFC 3986 5.2.4 does; a path that
 * ends in a dot segment keeps its trailing slash.
 * Returns SL_ERROR (the request deserves a 400) with *err set to a static
 * text when the path does not start with '/', has an invalid escape, a
 * decoded NUL or other control byte (0x01-0x1F, 0x7F), or climbs above the
 * root ("/a/../..").
 */
sl_int_t sl_http_parse_path(const sl_str_t *in, u_char *dst, sl_str_t *out,
    unsigned *flags, const char **err);


/* Chunked decoder state; set up by sl_http_chunked_init. */
typedef struct {
    uint64_t             size;             /* data bytes left in the chunk */
    size_t               line;             /* bytes in this chunk line, or
                                              in the trailer section */
    unsigned             state;
    unsigned             trailers;         /* trailer fields seen */
    int                  status;           /* on error: 400 */
    const char          *error;            /* on error: static text */
} sl_http_chunked_t;

/* One call's result: bytes consumed, and body bytes among them. */
typedef struct {
    size_t               used;             /* bytes of buf consumed */
    const u_char        *data;             /* body bytes, inside buf */
    size_t               len;              /* how many; 0 with data NULL */
} sl_http_chunk_t;

/* Prepares st to decode one chunked body. */
void sl_http_chunked_init(sl_http_chunked_t *st);

/*
 * Decodes chunked framing (RFC 9112 7.1) from buf[0..len), the bytes that
 * follow those consumed by the previous call. Chunk extensions are checked
 * (token or quoted-string values) and skipped; trailer fields are checked
 * with the header field rules and dropped. Returns:
 *   SL_OK     out->len (> 0) body bytes at out->data, within the out->used
 *             bytes consumed; call again with buf + out->used.
 *   SL_AGAIN  all len bytes consumed (out->used == len), no body bytes:
 *             more input is needed.
 *   SL_DONE   the last chunk and the trailer section are complete after
 *             out->used bytes; what follows is the next request.
 *   SL_ERROR  st->status (400) and st->error set: a chunk size that is not
 *             hex or is 2^62 or more, a bad extension, a chunk line over
 *             SL_HTTP_CHUNK_LINE_MAX bytes, a missing or bare CR or LF, a
 *             bad trailer field, trailers over SL_HTTP_TRAILER_MAX bytes.
 * SL_DONE and SL_ERROR are final.
 */
sl_int_t sl_http_chunked_parse(sl_http_chunked_t *st, const u_char *buf,
    size_t len, sl_http_chunk_t *out);


/*
 * Checks p[0..len) as one header field line written by hand, as in a
 * configuration: "Name: value" without the CRLF. The name is a token
 * (RFC 9110 5.6.2) and the colon follows it at once (RFC 9112 5.1); the
 * value, which may be empty, holds HTAB, SP, VCHAR and obs-text only: no
 * CR, LF, NUL or other control byte, so the line can be copied onto the
 * wire as it is. Pure; p need not be NUL-terminated. Returns SL_OK, or
 * SL_ERROR with *error set to a static text and *bad to the offset of the
 * byte at fault (len when something is missing).
 */
sl_int_t sl_http_parse_field_line(const u_char *p, size_t len, size_t *bad,
    const char **error);

/*
 * Field values that are lists (RFC 9110 5.6.1), for the request parser
 * and for whoever reads a head (the proxy, a backend's response). Pure;
 * every result points into the value's bytes.
 *
 * sl_http_parse_list_next takes the next element of the comma-separated
 * list *rest into *elem, with the OWS around it trimmed. Empty elements
 * are skipped, as a recipient must: "a, ,b," is "a" then "b". Quotes are
 * not special: the lists split here (Connection, Transfer-Encoding,
 * Upgrade) hold tokens only, in which a quote is invalid anyway. Returns
 * 1 when an element was taken, 0 at the end of the list.
 *
 * sl_http_parse_connection reads a Connection value v (RFC 9110 7.6.1):
 * ORs SL_HTTP_CONN_CLOSE, SL_HTTP_CONN_KEEP_ALIVE and SL_HTTP_CONN_UPGRADE
 * into *opts for "close", "keep-alive" and "upgrade" in any case; other
 * options are the caller's (a proxy drops the fields they name). Returns
 * SL_OK, or SL_ERROR when an element is not a token, after looking at
 * every element all the same.
 */
#define SL_HTTP_CONN_CLOSE       0x01
#define SL_HTTP_CONN_KEEP_ALIVE  0x02
#define SL_HTTP_CONN_UPGRADE     0x04

int sl_http_parse_list_next(sl_str_t *rest, sl_str_t *elem);
sl_int_t sl_http_parse_connection(const sl_str_t *v, unsigned *opts);


/*
 * Character classes shared by the parser files (internal; exported for
 * sl_http_parse*.c and the tests). One table lookup per byte.
 */
#define SL_HTTP_C_TCHAR   0x01    /* token characters (RFC 9110 5.6.2) */
#define SL_HTTP_C_VALUE   0x02    /* field value: HTAB SP VCHAR obs-text */
#define SL_HTTP_C_TARGET  0x04    /* request-target: VCHAR except '#' */
#define SL_HTTP_C_HEX     0x08    /* HEXDIG */
#define SL_HTTP_C_HOST    0x10    /* host label: ALPHA DIGIT "-" "_" */
#define SL_HTTP_C_QDTEXT  0x20    /* quoted-string text */
#define SL_HTTP_C_OWS     0x40    /* SP HTAB */
#define SL_HTTP_C_SCHEME  0x80    /* ALPHA DIGIT "+" "-" "." */

extern const uint8_t  sl_http_char_class[256];

#define sl_http_is(c, cls)  (sl_http_char_class[(u_char) (c)] & (cls))

/*
 * Internal to the head parser, shared between sl_http_parse.c and
 * sl_http_parse_field.c; not for other callers.
 *
 * sl_http_parse_field digests one complete field line h of head (Host,
 * Content-Length, Transfer-Encoding, Connection, Expect, Upgrade; others
 * are left alone). Returns 0, or an error status (400) with *error set
 * to a static text.
 *
 * sl_http_parse_host checks p[0..n) as host [":" port] and on success
 * sets *host (into p, without the port) and *port (0 when absent).
 * Returns SL_OK or SL_ERROR.
 *
 * sl_http_parse_eq is true when s is the n bytes of the lower-case
 * literal lc, ignoring case; s must hold no CTL but HTAB.
 * sl_http_parse_eq_lit(s, "host") is the same with n counted.
 */
int sl_http_parse_field(sl_http_parse_t *st, sl_http_head_t *head,
    const sl_http_header_t *h, const char **error);
sl_int_t sl_http_parse_host(const u_char *p, size_t n, sl_str_t *host,
    unsigned *port);
int sl_http_parse_eq(const sl_str_t *s, const char *lc, size_t n);
#define sl_http_parse_eq_lit(s, lc)  sl_http_parse_eq(s, lc, sl_lit_len(lc))

#endif /* SL_HTTP_PARSE_H */
