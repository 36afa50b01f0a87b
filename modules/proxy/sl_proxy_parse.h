/*
 * sl_proxy_parse.h: the backend response head parser of the proxy module
 * (modules layer). Pure code: no I/O, no allocation; every result points
 * into the caller's buffer. It is as strict as the request parser
 * (src/http/sl_http_parse.h), because a proxy that reads a response
 * differently from its client is a desync waiting to happen:
 *
 *   Line ends     CRLF only: a bare LF or a bare CR anywhere is invalid,
 *                 and is reported as soon as it is seen.
 *   Status line   "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason] CRLF. The
 *                 major version must be 1; the status 100 to 599. The
 *                 reason is HTAB, SP, VCHAR and obs-text. The SP before
 *                 an empty reason may be missing (a leniency that cannot
 *                 change where the message ends).
 *   Fields        name ":" OWS value OWS CRLF; the name a token with the
 *                 colon right after it, the value HTAB SP VCHAR obs-text.
 *                 A line starting with SP or HTAB (obs-fold) is invalid.
 *   Framing       One Content-Length field of 1*DIGIT (a second one, even
 *                 identical, or a list is invalid). Transfer-Encoding may
 *                 only be "chunked", once, in an HTTP/1.1 response: any
 *                 other coding is invalid (we would have to relay bytes
 *                 the client could not decode). Content-Length together
 *                 with Transfer-Encoding is invalid.
 *   Limits        max_headers fields; the caller bounds the head's size by
 *                 its buffer.
 *
 * Incremental: call again with the same bytes plus new ones after SL_AGAIN
 * (they may have moved: the state keeps offsets only). A prefix of a
 * valid head gives SL_AGAIN; an error is final.
 */
#ifndef SL_PROXY_PARSE_H
#define SL_PROXY_PARSE_H

#include "sl_core.h"
#include "sl_http_parse.h"

typedef struct {
    sl_http_header_t    *headers;          /* caller's array */
    size_t               max_headers;      /* its capacity */
    size_t               nheaders;

    unsigned             http_major;
    unsigned             http_minor;
    int                  status;
    sl_str_t             status_text;      /* "200 OK": code and reason */
    int64_t              content_length;   /* -1 when absent */
    sl_str_t             upgrade;          /* the Upgrade value, or empty */

    unsigned             chunked:1;
    unsigned             conn_close:1;
    unsigned             conn_keep_alive:1;
    unsigned             conn_upgrade:1;

    const char          *error;            /* static text on SL_ERROR */
} sl_proxy_resp_t;

typedef struct {
    size_t               pos;              /* bytes scanned */
    size_t               line;             /* start of the current line */
    unsigned             state;
} sl_proxy_parse_t;

/* Prepares st for a new response head. */
void sl_proxy_parse_init(sl_proxy_parse_t *st);

/*
 * Parses the response head at buf[0..len). Returns the head's length
 * (> 0, the final CRLF included) when it is complete and valid, SL_AGAIN
 * when more bytes are needed, or SL_ERROR with resp->error set. On
 * success every field of resp except headers and max_headers (the
 * caller's) is written; the strings point into buf.
 */
sl_int_t sl_proxy_parse_response(sl_proxy_parse_t *st, const u_char *buf,
    size_t len, sl_proxy_resp_t *resp);

/* True when a and b are equal ignoring ASCII case. */
int sl_proxy_str_eq_nocase(const sl_str_t *a, const sl_str_t *b);

#endif /* SL_PROXY_PARSE_H */
