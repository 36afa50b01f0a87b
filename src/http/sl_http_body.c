/*
 * sl_http_body.c: the request body (http layer): a pull-style reader of
 * the decoded body for modules (sl_http_body_read), the read event handler
 * that wakes a module when more arrives, and the discarding of a body the
 * module left unread, so the next request on a keep-alive connection
 * starts where it should.
 *
 * Where the bytes are. The engine parses the head in the connection's
 * read buffer (r->c->buffer) and sets r->body_pos..r->body_last to the
 * bytes that came after it. The head stays where it is until the request
 * ends: r->head points into it (and the proxy forwards those headers), so
 * only [buffer->pos + head_len, buffer->end) is ever reused here.
 *
 *   Content-Length  The bytes in the buffer are consumed first, then the
 *                   socket is read straight into the caller's memory, at
 *                   most r->body_left bytes at a time: the socket is never
 *                   read past the end of the body.
 *   chunked         Where the body ends is only known once it is decoded,
 *                   so raw bytes are read into the connection buffer after
 *                   the head (rewound there each time every byte was
 *                   decoded) and decoded in place with
 *                   sl_http_chunked_parse. A read can take in bytes of the
 *                   next pipelined request; they stay in the buffer.
 *
 * When the body ends, r->body_pos is the first byte after it, and
 * [r->body_pos, r->c->buffer->last) is the beginning of the next pipelined
 * request (possibly empty): the engine takes it from there. r->body_last
 * always equals r->c->buffer->last for a chunked body.
 *
 * Waiting. On EAGAIN the read event's handler becomes
 * sl_http_body_read_handler and a timer of client_body_timeout is armed on
 * it: the timeout is the longest silence between two reads (as nginx's),
 * not a deadline for the whole body. While waiting, responses corked for
 * earlier pipelined requests are written out (the client may wait for
 * them before it sends more).
 *
 * Errors are final: r->body_status keeps the status (400 bad framing or a
 * client that closed or reset the connection before the end, 408 timeout,
 * 413 a chunked body over client_max_body_size, or no room left for one),
 * r->keepalive is cleared (nobody knows where the next request would
 * start), and every later call returns SL_ERROR again. Each is logged once,
 * at info: a client caused it.
 *
 * Expect: 100-continue. "HTTP/1.1 100 Continue" is sent right before the
 * first read from the socket, only to an HTTP/1.1 client, only when no
 * body byte came with the head and no response byte was sent yet, and only
 * after the responses corked for earlier pipelined requests are out (a 100
 * ahead of them would answer the wrong request); when they cannot be
 * written at once, no 100 is sent and the client goes on after its own
 * timeout (RFC 9110 10.1.1 allows both). It is 25 bytes on a socket with an
 * empty send buffer, sent with one send(); a short send is treated as an
 * error (400) rather than tracked: a kernel that takes less is one whose
 * client has gone. The 100 is not counted in r->bytes_sent.
 *
 * Discarding (sl_http_body_discard), the policy. After the response, a
 * body the module did not read to the end is read and dropped so the
 * connection stays usable:
 *   - through sl_http_body_read, so the same framing rules, limits
 *     (client_max_body_size for chunked bodies) and client_body_timeout
 *     between reads apply; asynchronously when the client is slow;
 *   - never sending 100 Continue: the final response is out, a 1xx now
 *     would be read as the answer to the next request. So when the client
 *     asked for 100-continue and never got it, it may never send the body:
 *     what already came with the head is discarded, and if the body does
 *     not end there the connection is closed rather than waited on;
 *   - in slices of SL_HTTP_DISCARD_SLICE bytes per turn of the loop, so a
 *     client streaming a large body cannot starve the other connections;
 *   - on any error (timeout, bad chunk, over the limit, the client gone)
 *     r->keepalive is cleared and the engine closes.
 * Either way it ends in sl_http_conn_request_done(r).
 */
#include "sl_http.h"

#define SL_HTTP_DISCARD_BUF    16384
#define SL_HTTP_DISCARD_SLICE  (256 * 1024)

static const u_char  sl_http_body_continue_line[] =
    "HTTP/1.1 100 Continue\r\n\r\n";

/* How a read may use the socket. */
typedef enum {
    SL_HTTP_BODY_MODULE = 0,     /* a module: may send 100 Continue */
    SL_HTTP_BODY_DISCARD,        /* after the response: never a 1xx */
    SL_HTTP_BODY_BUFFERED        /* only what is in the buffer */
} sl_http_body_mode_e;

static ssize_t sl_http_body_read_mode(sl_http_request_t *r, u_char *buf,
    size_t size, sl_http_body_mode_e mode);
static ssize_t sl_http_body_read_length(sl_http_request_t *r, u_char *buf,
    size_t size, sl_http_body_mode_e mode);
static ssize_t sl_http_body_read_chunked(sl_http_request_t *r, u_char *buf,
    size_t size, sl_http_body_mode_e mode);
static ssize_t sl_http_body_decode(sl_http_request_t *r, u_char *buf,
    size_t size);
static ssize_t sl_http_body_recv(sl_http_request_t *r, u_char *p,
    size_t size);
static ssize_t sl_http_body_wait(sl_http_request_t *r);
static sl_int_t sl_http_body_prepare_recv(sl_http_request_t *r,
    sl_http_body_mode_e mode);
static sl_int_t sl_http_body_continue(sl_http_request_t *r);
static void sl_http_body_end(sl_http_request_t *r);
static ssize_t sl_http_body_fail(sl_http_request_t *r, int status,
    sl_err_t err, const char *msg);
static sl_int_t sl_http_body_discard_buffered(sl_http_request_t *r);
static sl_int_t sl_http_body_discard_run(sl_http_request_t *r);
static void sl_http_body_discard_handler(sl_http_request_t *r);
static void sl_http_body_discard_end(sl_http_request_t *r, sl_int_t rc);


int
sl_http_has_body(sl_http_request_t *r)
{
    return r->head.content_length > 0 || r->head.chunked;
}


/*
 * Reads up to size (> 0) decoded body bytes into buf: see sl_http.h for
 * the contract and the top of this file for where the bytes come from.
 */
ssize_t
sl_http_v1_body_read(sl_http_request_t *r, u_char *buf, size_t size)
{
    return sl_http_body_read_mode(r, buf, size, SL_HTTP_BODY_MODULE);
}


static ssize_t
sl_http_body_read_mode(sl_http_request_t *r, u_char *buf, size_t size,
    sl_http_body_mode_e mode)
{
    ssize_t  n;

    sl_assert(size > 0);
    if (r->body_done) {
        return 0;
    }
    if (r->body_status) {
        return SL_ERROR;
    }
    if (r->c->read.timedout) {
        return sl_http_body_fail(r, 408, 0, "client timed out");
    }
    if (r->head.chunked) {
        n = sl_http_body_read_chunked(r, buf, size, mode);
    } else {
        n = sl_http_body_read_length(r, buf, size, mode);
    }
    if (n != SL_AGAIN && n != SL_DECLINED && r->c->read.timer_set) {
        /* Not waiting any more: a timer left behind would wake the
         * module with a timeout it is not waiting for. */
        sl_timer_del(sl_http_worker->loop, &r->c->read);
    }
    return n;
}


static ssize_t
sl_http_body_read_length(sl_http_request_t *r, u_char *buf, size_t size,
    sl_http_body_mode_e mode)
{
    size_t   n;
    ssize_t  rc;

    if (r->body_left <= 0) {
        sl_http_body_end(r);
        return 0;
    }
    n = (uint64_t) r->body_left < size ? (size_t) r->body_left : size;
    if (r->body_pos < r->body_last) {
        n = sl_min(n, (size_t) (r->body_last - r->body_pos));
        memcpy(buf, r->body_pos, n);
        r->body_pos += n;
    } else {
        rc = sl_http_body_prepare_recv(r, mode);
        if (rc != SL_OK) {
            return rc;
        }
        rc = sl_http_body_recv(r, buf, n);
        if (rc <= 0) {
            return rc;
        }
        n = (size_t) rc;
    }
    r->body_left -= (int64_t) n;
    r->body_received += (off_t) n;
    if (r->body_left == 0) {
        sl_http_body_end(r);
    }
    return (ssize_t) n;
}


static ssize_t
sl_http_body_read_chunked(sl_http_request_t *r, u_char *buf, size_t size,
    sl_http_body_mode_e mode)
{
    sl_buf_t  *b;
    u_char    *base;
    ssize_t    n;

    b = r->c->buffer;
    base = b->pos + r->head_len;
    for (;;) {
        n = sl_http_body_decode(r, buf, size);
        if (n != SL_AGAIN) {
            return n;
        }
        /* Every byte in the buffer is decoded: reuse the room after the
         * head (the parser keeps no pointer into what it consumed). */
        r->body_pos = base;
        r->body_last = base;
        b->last = base;
        if (b->last == b->end) {
            return sl_http_body_fail(r, 413, 0, "the request head left no "
                                     "room in client_header_buffer for a "
                                     "chunked body");
        }
        n = sl_http_body_prepare_recv(r, mode);
        if (n != SL_OK) {
            return n;
        }
        n = sl_http_body_recv(r, b->last, (size_t) (b->end - b->last));
        if (n <= 0) {
            return n;
        }
        b->last += n;
        r->body_last = b->last;
    }
}


/*
 * Decodes from r->body_pos. Never hands the parser more than size bytes,
 * so the data it reports fits buf. Returns data bytes (> 0), 0 at the end,
 * SL_AGAIN when every byte in the buffer is decoded, or SL_ERROR.
 */
static ssize_t
sl_http_body_decode(sl_http_request_t *r, u_char *buf, size_t size)
{
    sl_http_chunk_t  out;
    size_t           len, max;
    sl_int_t         rc;

    max = r->main->client_max_body_size;
    while (r->body_pos < r->body_last) {
        len = sl_min((size_t) (r->body_last - r->body_pos), size);
        rc = sl_http_chunked_parse(&r->chunked, r->body_pos, len, &out);
        r->body_pos += out.used;
        switch (rc) {
        case SL_AGAIN:
            continue;
        case SL_OK:
            if (max && (uint64_t) r->body_received + out.len > max) {
                return sl_http_body_fail(r, 413, 0, "chunked body larger "
                                         "than client_max_body_size");
            }
            memcpy(buf, out.data, out.len);
            r->body_received += (off_t) out.len;
            return (ssize_t) out.len;
        case SL_DONE:
            sl_http_body_end(r);
            return 0;
        default:
            return sl_http_body_fail(r, 400, 0, r->chunked.error
                                     ? r->chunked.error : "bad chunk");
        }
    }
    return SL_AGAIN;
}


/*
 * Everything before a read from the socket: nothing to read while the
 * socket is known drained, and 100 Continue when it is owed. Returns
 * SL_OK (go on and read), SL_AGAIN (waiting, armed), SL_DECLINED (the
 * body needs the socket and mode forbids it) or SL_ERROR.
 */
static sl_int_t
sl_http_body_prepare_recv(sl_http_request_t *r, sl_http_body_mode_e mode)
{
    if (mode == SL_HTTP_BODY_BUFFERED) {
        return SL_DECLINED;
    }
    if (mode == SL_HTTP_BODY_MODULE && r->head.expect_continue
        && !r->continue_sent && r->head.http_minor >= 1
        && r->body_received == 0 && !r->header_sent)
    {
        if (sl_http_body_continue(r) != SL_OK) {
            return SL_ERROR;
        }
    }
    if (!r->c->read.ready && !r->c->read.eof) {
        /* Edge-triggered: an edge comes when new bytes arrive. After the
         * peer's FIN no edge comes: recv() tells what is left. */
        return sl_http_body_wait(r);
    }
    return SL_OK;
}


/* Returns bytes (> 0), SL_AGAIN (waiting, armed) or SL_ERROR. */
static ssize_t
sl_http_body_recv(sl_http_request_t *r, u_char *p, size_t size)
{
    sl_conn_t  *c;
    ssize_t     n;
    sl_err_t    err;

    c = r->c;
    do {
        n = recv(c->fd, p, size, 0);
        err = errno;
    } while (n == -1 && err == EINTR);
    if (n > 0) {
        if ((size_t) n < size) {
            c->read.ready = 0;   /* drained: the next bytes bring an edge */
        }
        return n;
    }
    if (n == 0) {
        c->read.ready = 0;
        return sl_http_body_fail(r, 400, 0, "client closed the connection "
                                 "before the end of the body");
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
        c->read.ready = 0;
        if (c->read.eof) {
            return sl_http_body_fail(r, 400, 0, "client shut down its side "
                                     "before the end of the body");
        }
        return sl_http_body_wait(r);
    }
    c->read.ready = 0;
    c->read.error = 1;
    return sl_http_body_fail(r, 400, err, "recv() failed");
}


/*
 * No bytes now: have the read event come to us, bound the silence by
 * client_body_timeout and let corked responses go. Returns SL_AGAIN, or
 * SL_ERROR when the corked responses cannot be written.
 */
static ssize_t
sl_http_body_wait(sl_http_request_t *r)
{
    sl_conn_t  *c;

    c = r->c;
    c->read.handler = sl_http_body_read_handler;
    if (sl_timer_add(sl_http_worker->loop, &c->read,
                     r->main->client_body_timeout) != SL_OK)
    {
        return sl_http_body_fail(r, 500, 0, "no timer for the body");
    }
    if (r->hc->cork && sl_http_cork_flush(c) == SL_ERROR) {
        return sl_http_body_fail(r, 400, 0, "client gone while corked "
                                 "responses were written");
    }
    return SL_AGAIN;
}


/* Sends 100 Continue once corked responses are out; SL_OK or SL_ERROR. */
static sl_int_t
sl_http_body_continue(sl_http_request_t *r)
{
    sl_conn_t  *c;
    ssize_t     n;
    size_t      len;
    sl_err_t    err;

    c = r->c;
    if (c->send_queued) {
        return SL_OK;   /* a batched response is not all out: no 100 */
    }
    if (r->hc->cork) {
        if (sl_http_cork_flush(c) == SL_ERROR) {
            (void) sl_http_body_fail(r, 400, 0, "client gone while corked "
                                     "responses were written");
            return SL_ERROR;
        }
        if (r->hc->cork) {
            return SL_OK;   /* not all out: no 100 this time (see top) */
        }
    }
    len = sizeof(sl_http_body_continue_line) - 1;
    do {
        n = send(c->fd, sl_http_body_continue_line, len, MSG_NOSIGNAL);
        err = errno;
    } while (n == -1 && err == EINTR);
    if (n != (ssize_t) len) {
        (void) sl_http_body_fail(r, 400, n == -1 ? err : 0,
                                 "sending 100 Continue failed");
        return SL_ERROR;
    }
    r->continue_sent = 1;
    return SL_OK;
}


/* The whole body is in: stop waiting for it. */
static void
sl_http_body_end(sl_http_request_t *r)
{
    r->body_done = 1;
    if (r->c->read.handler == sl_http_body_read_handler) {
        r->c->read.handler = NULL;   /* readiness is recorded only */
    }
}


/* Makes the error final and logs it once; returns SL_ERROR. */
static ssize_t
sl_http_body_fail(sl_http_request_t *r, int status, sl_err_t err,
    const char *msg)
{
    sl_conn_t  *c;

    c = r->c;
    r->body_status = status;
    r->keepalive = 0;
    if (c->read.handler == sl_http_body_read_handler) {
        c->read.handler = NULL;
    }
    r->action = "reading the request body";
    sl_http_request_error(status == 500 ? SL_LOG_ERR : SL_LOG_INFO, r, err,
                          "%s (%d)", msg, status);
    return SL_ERROR;
}


/*
 * The read event's handler while a body is awaited: ev->data is the
 * connection, its data the sl_http_conn_t of the request. Deletes the
 * body timer and lets the module (r->read_handler) read again; after a
 * timeout its next sl_http_body_read returns SL_ERROR with 408. Does
 * nothing once the body ended or failed, nor for a finalized request
 * (unless it is being discarded).
 */
void
sl_http_body_read_handler(sl_event_t *ev)
{
    sl_conn_t          *c;
    sl_http_conn_t     *hc;
    sl_http_request_t  *r;

    c = ev->data;
    hc = c->data;
    if (ev->timer_set) {
        sl_timer_del(sl_http_worker->loop, ev);
    }
    r = hc ? hc->request : NULL;
    if (r == NULL || r->body_done || r->body_status || r->read_handler == NULL
        || (r->finalized && r->read_handler != sl_http_body_discard_handler))
    {
        /* A module that gave up on the body and finalized while its
         * response is still being written must not be called again. */
        return;
    }
    r->read_handler(r);
}


/*
 * Called by the engine once the response is complete and the body was not
 * read to the end: reads and drops the rest (the policy is at the top of
 * this file), then calls sl_http_conn_request_done(r), at once or later
 * from the read event. r->keepalive is cleared when the connection cannot
 * stay in sync. r->read_handler is taken over.
 */
void
sl_http_body_discard(sl_http_request_t *r)
{
    sl_conn_t  *c;

    c = r->c;
    if (c->read.timer_set) {
        sl_timer_del(sl_http_worker->loop, &c->read);
    }
    c->read.timedout = 0;
    r->read_handler = sl_http_body_discard_handler;
    if (r->head.expect_continue && !r->continue_sent
        && r->head.http_minor >= 1)
    {
        /* The client may be waiting for a 100 it will never get. */
        sl_http_body_discard_end(r, sl_http_body_discard_buffered(r));
        return;
    }
    sl_http_body_discard_handler(r);
}


/* Drops what is in the buffer: SL_OK when the body ends there. */
static sl_int_t
sl_http_body_discard_buffered(sl_http_request_t *r)
{
    u_char   scratch[SL_HTTP_DISCARD_BUF];
    ssize_t  n;

    do {
        n = sl_http_body_read_mode(r, scratch, sizeof(scratch),
                                   SL_HTTP_BODY_BUFFERED);
    } while (n > 0);
    return n == 0 ? SL_OK : SL_ERROR;
}


/* Runs a slice of discarding: r->read_handler while discarding. */
static void
sl_http_body_discard_handler(sl_http_request_t *r)
{
    sl_int_t  rc;

    rc = sl_http_body_discard_run(r);
    if (rc == SL_AGAIN) {
        return;
    }
    sl_http_body_discard_end(r, rc);
}


/*
 * Reads and drops up to SL_HTTP_DISCARD_SLICE bytes. Returns SL_OK at the
 * end of the body, SL_AGAIN when waiting (the read event resumes us) or
 * when the slice is used up (the read event is posted to resume us after
 * the others had their turn), or SL_ERROR.
 */
static sl_int_t
sl_http_body_discard_run(sl_http_request_t *r)
{
    u_char   scratch[SL_HTTP_DISCARD_BUF];
    size_t   total;
    ssize_t  n;

    for (total = 0; total < SL_HTTP_DISCARD_SLICE; total += (size_t) n) {
        n = sl_http_body_read_mode(r, scratch, sizeof(scratch),
                                   SL_HTTP_BODY_DISCARD);
        if (n == 0) {
            return SL_OK;
        }
        if (n < 0) {
            return n == SL_AGAIN ? SL_AGAIN : SL_ERROR;
        }
    }
    if (r->body_done) {
        /* The slice ended with the body: nothing is left to resume, and
         * the read handler ignores a request whose body is done. */
        return SL_OK;
    }
    r->c->read.handler = sl_http_body_read_handler;
    sl_event_post(sl_http_worker->loop, &r->c->read, SL_POSTED_NORMAL);
    return SL_AGAIN;
}


static void
sl_http_body_discard_end(sl_http_request_t *r, sl_int_t rc)
{
    sl_conn_t  *c;

    c = r->c;
    r->read_handler = NULL;
    if (rc != SL_OK) {
        r->keepalive = 0;
    }
    if (c->read.timer_set) {
        sl_timer_del(sl_http_worker->loop, &c->read);
    }
    if (c->read.handler == sl_http_body_read_handler) {
        c->read.handler = NULL;
    }
    sl_event_unpost(&c->read);
    sl_http_conn_request_done(r);
}
