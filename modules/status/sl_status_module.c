/*
 * sl_status_module.c: the status module (modules layer). A location with
 * `status = { };` answers GET and HEAD with the server's counters in the
 * Prometheus text format, one series per live worker, read from the
 * shared memory every worker writes its counters to. The counters are
 * approximate snapshots (each worker updates its own without locks).
 */
#include "sl_http_module.h"
#include "sl_shm.h"

#define SL_STATUS_STALE  5000   /* ms: a slot whose heartbeat is older is
                                   a worker that is gone or stuck */

static sl_int_t sl_status_handler(sl_http_request_t *r);
static u_char *sl_status_series(u_char *p, u_char *end);
static u_char *sl_status_metric(u_char *p, u_char *end, const char *name,
    const char *help, const char *type);

static const sl_conf_field_t  sl_status_no_fields[] = { SL_CONF_END };

sl_http_module_t  sl_status_module = {
    .name = "status",               /* location key; no directives */
    .fields = sl_status_no_fields,
    .handler = sl_status_handler
};


static u_char *
sl_status_metric(u_char *p, u_char *end, const char *name, const char *help,
    const char *type)
{
    return sl_slprintf(p, end, "# HELP %s %s\n# TYPE %s %s\n", name, help,
                       name, type);
}


static u_char *
sl_status_series(u_char *p, u_char *end)
{
    static const struct {
        const char  *name;
        const char  *help;
        const char  *type;
        size_t       offset;
    } metrics[] = {
        { "sluice_connections_accepted_total",
          "Connections accepted by the worker.", "counter",
          offsetof(sl_http_counters_t, accepted) },
        { "sluice_connections_active", "Connections open now.", "gauge",
          offsetof(sl_http_counters_t, active) },
        { "sluice_requests_total", "Requests finished.", "counter",
          offsetof(sl_http_counters_t, requests) },
    };
    sl_shm_t            *shm;
    sl_shm_slot_t       *s;
    sl_http_counters_t  *counters;
    size_t               m, i;
    uint64_t             v;

    shm = sl_http_worker->cycle->shm;
    counters = sl_http_worker->main->counters;
    for (m = 0; m < sl_nelem(metrics); m++) {
        p = sl_status_metric(p, end, metrics[m].name, metrics[m].help,
                             metrics[m].type);
        for (i = 0; i < SL_SHM_SLOTS; i++) {
            s = &shm->slots[i];
            if (s->pid == 0 || sl_current_msec > s->heartbeat
                                                 + SL_STATUS_STALE)
            {
                continue;
            }
            v = *(volatile uint64_t *) ((u_char *) &counters[i]
                                        + metrics[m].offset);
            p = sl_slprintf(p, end, "%s{pid=\"%llu\",generation=\"%llu\"} "
                            "%llu\n", metrics[m].name,
                            (unsigned long long) s->pid,
                            (unsigned long long) s->generation,
                            (unsigned long long) v);
        }
    }
    return sl_slprintf(p, end, "# HELP sluice_generation The configuration "
                       "generation of the worker that answered.\n"
                       "# TYPE sluice_generation gauge\nsluice_generation %lu\n",
                       (unsigned long) sl_http_worker->cycle->generation);
}


static sl_int_t
sl_status_handler(sl_http_request_t *r)
{
    sl_buf_t    *b;
    sl_chain_t  *cl;
    size_t       size;

    if (r->head.method != SL_HTTP_GET && r->head.method != SL_HTTP_HEAD) {
        if (sl_http_header_add(r, "Allow", (sl_str_t) sl_string("GET, HEAD"))
            != SL_OK)
        {
            return 500;
        }
        return 405;
    }
    /* Each live slot prints three lines of at most ~110 bytes. */
    size = 1024 + SL_SHM_SLOTS * 3 * 112;
    b = sl_buf_create_temp(r->pool, size);
    cl = b ? sl_chain_alloc(r->pool, b) : NULL;
    if (cl == NULL) {
        return 500;
    }
    b->last = sl_status_series(b->last, b->end);
    b->last_buf = 1;
    r->status = 200;
    r->content_length = b->last - b->pos;
    sl_str_set(&r->content_type, "text/plain; version=0.0.4");
    if (sl_http_header_add(r, "Cache-Control", (sl_str_t) sl_string("no-store"))
        != SL_OK
        || sl_http_send_header(r) != SL_OK)
    {
        return 500;
    }
    return sl_http_output(r, cl) == SL_ERROR ? SL_ERROR : SL_OK;
}
