/*
 * sl_proxy_vars.c: the proxy's variables (modules layer), read from the
 * request's proxy context for the access log:
 *
 *   $upstream_addr           every backend address tried, "a, b"
 *   $upstream_status         each try's status, "502, 200" ("-" for a try
 *                            that got no answer)
 *   $upstream_response_time  each try's time with the backend, seconds
 *                            with milliseconds, "0.012, 0.003"
 *
 * All three are "-" for a request no backend was tried for, like nginx's.
 */
#include "sl_proxy.h"

/* Room for one try: ", ", up to 20 digits of seconds, ".mmm". */
#define SL_PROXY_VAR_TRY_LEN  32

static sl_int_t sl_proxy_var_addr(sl_http_request_t *r, sl_str_t *value,
    u_char *buf, size_t size);
static sl_int_t sl_proxy_var_status(sl_http_request_t *r, sl_str_t *value,
    u_char *buf, size_t size);
static sl_int_t sl_proxy_var_time(sl_http_request_t *r, sl_str_t *value,
    u_char *buf, size_t size);
static sl_int_t sl_proxy_var_tries(sl_http_request_t *r, sl_str_t *value,
    u_char *buf, size_t size, int statuses);

const sl_http_variable_t  sl_proxy_variables[] = {
    { "upstream_addr", sl_proxy_var_addr },
    { "upstream_status", sl_proxy_var_status },
    { "upstream_response_time", sl_proxy_var_time },
    { NULL, NULL }
};


static sl_int_t
sl_proxy_var_addr(sl_http_request_t *r, sl_str_t *value, u_char *buf,
    size_t size)
{
    sl_proxy_ctx_t  *ctx;

    (void) buf;
    (void) size;
    ctx = sl_http_request_ctx(r, &sl_proxy_module);
    if (ctx == NULL || ctx->addrs == NULL) {
        return SL_DECLINED;
    }
    value->data = ctx->addrs;
    value->len = ctx->addrs_len;
    return SL_OK;
}


static sl_int_t
sl_proxy_var_status(sl_http_request_t *r, sl_str_t *value, u_char *buf,
    size_t size)
{
    return sl_proxy_var_tries(r, value, buf, size, 1);
}


static sl_int_t
sl_proxy_var_time(sl_http_request_t *r, sl_str_t *value, u_char *buf,
    size_t size)
{
    return sl_proxy_var_tries(r, value, buf, size, 0);
}


/* Each try's status (statuses) or time, separated by ", " like the
 * addresses; in buf, or in the request pool past its size (up to 100
 * tries). */
static sl_int_t
sl_proxy_var_tries(sl_http_request_t *r, sl_str_t *value, u_char *buf,
    size_t size, int statuses)
{
    sl_proxy_ctx_t  *ctx;
    sl_proxy_try_t  *t;
    u_char          *p, *end;
    sl_uint_t        i;

    ctx = sl_http_request_ctx(r, &sl_proxy_module);
    if (ctx == NULL || ctx->tries == 0) {
        return SL_DECLINED;
    }
    if (ctx->tries * SL_PROXY_VAR_TRY_LEN > size) {
        size = ctx->tries * SL_PROXY_VAR_TRY_LEN;
        buf = sl_pnalloc(r->pool, size);
        if (buf == NULL) {
            return SL_DECLINED;
        }
    }
    p = buf;
    end = buf + size;
    for (i = 0; i < ctx->tries; i++) {
        t = &ctx->try_log[i];
        p = sl_slprintf(p, end, i ? ", " : "");
        if (!statuses) {
            p = sl_slprintf(p, end, "%lu.%03lu",
                            (unsigned long) (t->time / 1000),
                            (unsigned long) (t->time % 1000));
        } else {
            p = t->status > 0 ? sl_slprintf(p, end, "%d", t->status)
                              : sl_slprintf(p, end, "-");
        }
    }
    value->data = buf;
    value->len = (size_t) (p - buf);
    return SL_OK;
}
