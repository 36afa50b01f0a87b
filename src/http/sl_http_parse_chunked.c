/*
 * sl_http_parse_chunked.c: the chunked body decoder (http layer, pure);
 * see sl_http_parse.h for the contract.
 *
 * Body bytes are never looked at: a call hands back the range of the
 * current chunk that is in the buffer. Framing (chunk lines, the CRLF
 * after data, trailers) goes through a byte-at-a-time state machine that
 * saves its state after every byte, so any split of the input decodes the
 * same. Framing is a few bytes per chunk, so the per-byte cost there does
 * not matter; the data ranges are where the bytes are.
 */
#include "sl_core.h"
#include "sl_http_parse.h"


enum {
    SL_HTTP_CS_SIZE_START = 0,     /* the first hex digit of a chunk size */
    SL_HTTP_CS_SIZE,
    SL_HTTP_CS_EXT_SEMI,           /* BWS seen: only more BWS or ';' */
    SL_HTTP_CS_EXT_NAME_START,     /* after ';': BWS, then a token */
    SL_HTTP_CS_EXT_NAME,
    SL_HTTP_CS_EXT_NAME_BWS,       /* BWS after a name: '=' or ';' */
    SL_HTTP_CS_EXT_VALUE_START,    /* after '=': BWS, then token or '"' */
    SL_HTTP_CS_EXT_TOKEN,
    SL_HTTP_CS_EXT_QUOTED,
    SL_HTTP_CS_EXT_QUOTED_PAIR,    /* after a backslash */
    SL_HTTP_CS_EXT_QUOTED_END,     /* after the closing quote */
    SL_HTTP_CS_SIZE_LF,            /* CR seen at the end of a chunk line */
    SL_HTTP_CS_DATA,
    SL_HTTP_CS_DATA_CR,
    SL_HTTP_CS_DATA_LF,
    SL_HTTP_CS_TRAILER,            /* start of a trailer line, or the end */
    SL_HTTP_CS_TR_NAME,
    SL_HTTP_CS_TR_VALUE,
    SL_HTTP_CS_TR_LF,
    SL_HTTP_CS_END_LF,
    SL_HTTP_CS_DONE,
    SL_HTTP_CS_ERROR
};


static sl_int_t sl_http_chunked_byte(sl_http_chunked_t *st, u_char c);
static sl_int_t sl_http_chunked_size(sl_http_chunked_t *st, u_char c);
static sl_int_t sl_http_chunked_ext(sl_http_chunked_t *st, u_char c);
static sl_int_t sl_http_chunked_ext_value(sl_http_chunked_t *st, u_char c);
static sl_int_t sl_http_chunked_line_end(sl_http_chunked_t *st, u_char c);
static sl_int_t sl_http_chunked_trailer(sl_http_chunked_t *st, u_char c);
static sl_int_t sl_http_chunked_fail(sl_http_chunked_t *st, u_char c,
    const char *error);


void
sl_http_chunked_init(sl_http_chunked_t *st)
{
    memset(st, 0, sizeof(*st));
    st->state = SL_HTTP_CS_SIZE_START;
}


sl_int_t
sl_http_chunked_parse(sl_http_chunked_t *st, const u_char *buf, size_t len,
    sl_http_chunk_t *out)
{
    const u_char  *p, *end;
    sl_int_t       rc;
    size_t         n;

    out->data = NULL;
    out->len = 0;
    out->used = 0;
    if (st->state == SL_HTTP_CS_DONE) {
        return SL_DONE;
    }
    if (st->state == SL_HTTP_CS_ERROR) {
        return SL_ERROR;
    }

    p = buf;
    end = buf + len;
    while (p < end) {
        if (st->state == SL_HTTP_CS_DATA) {
            n = (uint64_t) (end - p) < st->size ? (size_t) (end - p)
                                                : (size_t) st->size;
            st->size -= n;
            if (st->size == 0) {
                st->state = SL_HTTP_CS_DATA_CR;
            }
            out->data = p;
            out->len = n;
            out->used = p + n - buf;
            return SL_OK;
        }
        rc = sl_http_chunked_byte(st, *p++);
        if (rc != SL_OK) {
            out->used = p - buf;
            return rc;
        }
    }
    out->used = len;
    return SL_AGAIN;
}


/* One framing byte: SL_OK, SL_DONE after the final CRLF, or SL_ERROR. */
static sl_int_t
sl_http_chunked_byte(sl_http_chunked_t *st, u_char c)
{
    /* the states before SIZE_LF are the chunk line; its CRLF is not
       counted, so a line of exactly the limit passes */
    if (st->state < SL_HTTP_CS_SIZE_LF && c != '\r'
        && ++st->line > SL_HTTP_CHUNK_LINE_MAX)
    {
        return sl_http_chunked_fail(st, 0, "chunk line too long");
    }

    switch (st->state) {
    case SL_HTTP_CS_SIZE_START:
    case SL_HTTP_CS_SIZE:
        return sl_http_chunked_size(st, c);
    case SL_HTTP_CS_EXT_SEMI:
    case SL_HTTP_CS_EXT_NAME_START:
    case SL_HTTP_CS_EXT_NAME:
    case SL_HTTP_CS_EXT_NAME_BWS:
        return sl_http_chunked_ext(st, c);
    case SL_HTTP_CS_EXT_VALUE_START:
    case SL_HTTP_CS_EXT_TOKEN:
    case SL_HTTP_CS_EXT_QUOTED:
    case SL_HTTP_CS_EXT_QUOTED_PAIR:
    case SL_HTTP_CS_EXT_QUOTED_END:
        return sl_http_chunked_ext_value(st, c);
    case SL_HTTP_CS_SIZE_LF:
    case SL_HTTP_CS_DATA_CR:
    case SL_HTTP_CS_DATA_LF:
        return sl_http_chunked_line_end(st, c);
    default:
        return sl_http_chunked_trailer(st, c);
    }
}


/*
 * chunk-size = 1*HEXDIG, below 2^62; then CR, ';' or the BWS that may
 * come before a ';' (RFC 9112 7.1.1). Leading zeros are fine; the line
 * length limit bounds them.
 */
static sl_int_t
sl_http_chunked_size(sl_http_chunked_t *st, u_char c)
{
    int  d;

    if (sl_http_is(c, SL_HTTP_C_HEX)) {
        d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        if (st->size >= (SL_HTTP_CHUNK_SIZE_MAX >> 4)) {
            return sl_http_chunked_fail(st, 0, "chunk size too large");
        }
        st->size = st->size << 4 | (uint64_t) d;
        st->state = SL_HTTP_CS_SIZE;
        return SL_OK;
    }
    if (st->state == SL_HTTP_CS_SIZE_START) {
        return sl_http_chunked_fail(st, c, "invalid chunk size");
    }
    if (c == '\r') {
        st->state = SL_HTTP_CS_SIZE_LF;
    } else if (c == ';') {
        st->state = SL_HTTP_CS_EXT_NAME_START;
    } else if (c == ' ' || c == '\t') {
        st->state = SL_HTTP_CS_EXT_SEMI;
    } else {
        return sl_http_chunked_fail(st, c, "invalid chunk size");
    }
    return SL_OK;
}


/*
 * chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): the
 * separators and the name. BWS may only come before a ';' or a '=', never
 * before the CR.
 */
static sl_int_t
sl_http_chunked_ext(sl_http_chunked_t *st, u_char c)
{
    int  ows, tchar;

    ows = (c == ' ' || c == '\t');
    tchar = sl_http_is(c, SL_HTTP_C_TCHAR);

    switch (st->state) {
    case SL_HTTP_CS_EXT_SEMI:
        if (ows || c == ';') {
            st->state = ows ? st->state : SL_HTTP_CS_EXT_NAME_START;
            return SL_OK;
        }
        break;
    case SL_HTTP_CS_EXT_NAME_START:
        if (ows || tchar) {
            st->state = ows ? st->state : SL_HTTP_CS_EXT_NAME;
            return SL_OK;
        }
        break;
    case SL_HTTP_CS_EXT_NAME:
        if (tchar) {
            return SL_OK;
        }
        if (c == '\r') {
            st->state = SL_HTTP_CS_SIZE_LF;
            return SL_OK;
        }
        /* the name has ended: what may follow is what may follow BWS */
        /* fall through */
    default:
        if (ows) {
            st->state = SL_HTTP_CS_EXT_NAME_BWS;
            return SL_OK;
        }
        if (c == ';' || c == '=') {
            st->state = c == ';' ? SL_HTTP_CS_EXT_NAME_START
                                 : SL_HTTP_CS_EXT_VALUE_START;
            return SL_OK;
        }
        break;
    }
    return sl_http_chunked_fail(st, c, "invalid chunk extension");
}


/* ext-val = token / quoted-string, and what may follow it. */
static sl_int_t
sl_http_chunked_ext_value(sl_http_chunked_t *st, u_char c)
{
    switch (st->state) {
    case SL_HTTP_CS_EXT_VALUE_START:
        if (c == ' ' || c == '\t') {
            return SL_OK;
        }
        if (c == '"') {
            st->state = SL_HTTP_CS_EXT_QUOTED;
            return SL_OK;
        }
        if (sl_http_is(c, SL_HTTP_C_TCHAR)) {
            st->state = SL_HTTP_CS_EXT_TOKEN;
            return SL_OK;
        }
        break;
    case SL_HTTP_CS_EXT_QUOTED:
        if (c == '"' || c == '\\') {
            st->state = c == '"' ? SL_HTTP_CS_EXT_QUOTED_END
                                 : SL_HTTP_CS_EXT_QUOTED_PAIR;
            return SL_OK;
        }
        if (sl_http_is(c, SL_HTTP_C_QDTEXT)) {
            return SL_OK;
        }
        break;
    case SL_HTTP_CS_EXT_QUOTED_PAIR:
        /* HTAB / SP / VCHAR / obs-text: exactly the field value bytes */
        if (sl_http_is(c, SL_HTTP_C_VALUE)) {
            st->state = SL_HTTP_CS_EXT_QUOTED;
            return SL_OK;
        }
        break;
    default:   /* SL_HTTP_CS_EXT_TOKEN, SL_HTTP_CS_EXT_QUOTED_END */
        if (st->state == SL_HTTP_CS_EXT_TOKEN
            && sl_http_is(c, SL_HTTP_C_TCHAR))
        {
            return SL_OK;
        }
        if (c == '\r' || c == ';') {
            st->state = c == '\r' ? SL_HTTP_CS_SIZE_LF
                                  : SL_HTTP_CS_EXT_NAME_START;
            return SL_OK;
        }
        if (c == ' ' || c == '\t') {
            st->state = SL_HTTP_CS_EXT_SEMI;
            return SL_OK;
        }
        break;
    }
    return sl_http_chunked_fail(st, c, "invalid chunk extension");
}


/* The LF of a chunk line, and the CRLF that must follow chunk data. */
static sl_int_t
sl_http_chunked_line_end(sl_http_chunked_t *st, u_char c)
{
    switch (st->state) {
    case SL_HTTP_CS_SIZE_LF:
        if (c != '\n') {
            return sl_http_chunked_fail(st, 0, "bare CR in chunk line");
        }
        st->line = 0;
        st->state = st->size ? SL_HTTP_CS_DATA : SL_HTTP_CS_TRAILER;
        return SL_OK;
    case SL_HTTP_CS_DATA_CR:
        if (c != '\r') {
            return sl_http_chunked_fail(st, c, "no CRLF after chunk data");
        }
        st->state = SL_HTTP_CS_DATA_LF;
        return SL_OK;
    default:
        if (c != '\n') {
            return sl_http_chunked_fail(st, 0, "no CRLF after chunk data");
        }
        st->state = SL_HTTP_CS_SIZE_START;
        return SL_OK;
    }
}


/*
 * The trailer section: field lines under the header rules (token name,
 * colon right after it, value bytes, CRLF, no obs-fold), then CRLF. The
 * fields are checked and dropped. st->line counts the whole section.
 */
static sl_int_t
sl_http_chunked_trailer(sl_http_chunked_t *st, u_char c)
{
    if (++st->line > SL_HTTP_TRAILER_MAX) {
        return sl_http_chunked_fail(st, 0, "trailer section too large");
    }

    switch (st->state) {
    case SL_HTTP_CS_TRAILER:
        if (c == '\r' || sl_http_is(c, SL_HTTP_C_TCHAR)) {
            st->state = c == '\r' ? SL_HTTP_CS_END_LF : SL_HTTP_CS_TR_NAME;
            return SL_OK;
        }
        return sl_http_chunked_fail(st, c, c == ' ' || c == '\t'
                                           ? "obsolete line folding in trailer"
                                           : "invalid trailer field");
    case SL_HTTP_CS_TR_NAME:
        if (sl_http_is(c, SL_HTTP_C_TCHAR) || c == ':') {
            st->state = c == ':' ? SL_HTTP_CS_TR_VALUE : st->state;
            return SL_OK;
        }
        return sl_http_chunked_fail(st, c, "invalid trailer field");
    case SL_HTTP_CS_TR_VALUE:
        if (sl_http_is(c, SL_HTTP_C_VALUE) || c == '\r') {
            st->state = c == '\r' ? SL_HTTP_CS_TR_LF : st->state;
            return SL_OK;
        }
        return sl_http_chunked_fail(st, c, "invalid trailer field");
    case SL_HTTP_CS_TR_LF:
        if (c != '\n') {
            return sl_http_chunked_fail(st, 0, "bare CR in trailer");
        }
        st->trailers++;
        st->state = SL_HTTP_CS_TRAILER;
        return SL_OK;
    default:   /* SL_HTTP_CS_END_LF */
        if (c != '\n') {
            return sl_http_chunked_fail(st, 0, "bare CR in trailer");
        }
        st->state = SL_HTTP_CS_DONE;
        return SL_DONE;
    }
}


/* A bare LF gets its own message: it is the disagreement we refuse. */
static sl_int_t
sl_http_chunked_fail(sl_http_chunked_t *st, u_char c, const char *error)
{
    st->state = SL_HTTP_CS_ERROR;
    st->status = 400;
    st->error = c == '\n' ? "bare LF in chunked framing" : error;
    return SL_ERROR;
}
