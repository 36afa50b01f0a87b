/*
 * sl_listen_store.c: listen sockets in systemd's file descriptor store
 * (core layer); see sl_listen_store in sl_listen.h.
 *
 * A restart (stop, then start) closes every copy of a socket this master
 * opened, and the kernel resets the clients queued on it; the next master
 * binds a new one, and clients connecting in between are refused. With a
 * copy in systemd's store the socket outlives the restart: clients queue
 * on it meanwhile, and the next master serves them. The store keeps a
 * service's descriptors across a restart job, not across a plain stop.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_notify.h"

static int sl_listen_store_has(sl_cycle_t *cycle, sl_listen_t *ls);


void
sl_listen_store(sl_cycle_t *cycle, sl_cycle_t *old)
{
    sl_listen_t  *ls;
    char          name[SL_LISTEN_STORE_NAME_LEN];

    if (getenv("NOTIFY_SOCKET") == NULL) {
        return;
    }
    for (ls = old ? old->listening : NULL; ls; ls = ls->next) {
        if (!ls->shared && !sl_listen_store_has(cycle, ls)) {
            sl_listen_store_name(ls, name, sizeof(name));
            sl_notify_fdstore_remove(name);
        }
    }
    for (ls = cycle->listening; ls; ls = ls->next) {
        if (!ls->shared && ls->fds) {
            sl_listen_store_name(ls, name, sizeof(name));
            sl_notify_fdstore(name, ls->fds, ls->nfds);
        }
    }
}


/* True when cycle has ls's address on sockets of its own. */
static int
sl_listen_store_has(sl_cycle_t *cycle, sl_listen_t *ls)
{
    sl_listen_t  *o;

    for (o = cycle->listening; o; o = o->next) {
        if (sl_listen_addr_equal(&o->addr, &ls->addr)) {
            return !o->shared;
        }
    }
    return 0;
}


void
sl_listen_store_name(const sl_listen_t *ls, char *buf, size_t size)
{
    size_t  n, i;

    n = (size_t) snprintf(buf, size, "%s%.*s", SL_LISTEN_STORE_PREFIX,
                          (int) ls->text.len, (const char *) ls->text.data);
    for (i = sl_lit_len(SL_LISTEN_STORE_PREFIX); i < n && i < size; i++) {
        if (buf[i] == ':') {
            buf[i] = '_';
        }
    }
}
