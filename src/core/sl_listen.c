/*
 * sl_listen.c: parsing listen addresses and opening listen sockets (core
 * layer); see sl_listen.h.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_notify.h"

#include <systemd/sd-daemon.h>
#include <linux/filter.h>

#define SL_LISTEN_BACKLOG  4096
#define SL_LISTEN_INHERIT_MAX  256

/* Sockets this process was given at start; fd -1 once taken. */
typedef struct {
    int             fd;
    int             orig;       /* fd as inherited, -1 once closed unused */
    sl_sockaddr_t   addr;
    char            name[SL_LISTEN_STORE_NAME_LEN];   /* if stored */
    unsigned        systemd:1;  /* a socket unit's: shared, left as is */
    unsigned        stored:1;   /* ours, back from systemd's fd store */
} sl_listen_inherited_t;

static sl_listen_inherited_t  sl_listen_inherited[SL_LISTEN_INHERIT_MAX];
static unsigned               sl_listen_ninherited;

static int sl_listen_take_inherited(sl_listen_t *ls, unsigned *systemd);
static void sl_listen_inherit_systemd(int fd, const char *name,
    sl_log_t *log);
static sl_listen_inherited_t *sl_listen_inherit_fd(int fd, unsigned systemd,
    sl_log_t *log);

static int sl_listen_open_one(sl_listen_t *ls, sl_int_t reuseport,
    char *err, size_t errsize);
static int sl_listen_find_old(sl_cycle_t *old, sl_listen_t *ls,
    unsigned index);
static int sl_listen_owns_fd(sl_cycle_t *cycle, int fd);
static void sl_listen_set_defer(sl_listen_t *ls, int fd, sl_log_t *log);
static unsigned sl_listen_keep_n(sl_cycle_t *old, sl_listen_t *ls);
static int sl_listen_is_inherited(int fd);
static sl_int_t sl_listen_parse_port(const char *p, in_port_t *port);


static sl_int_t
sl_listen_parse_port(const char *p, in_port_t *port)
{
    int64_t  v;

    v = sl_atoi64((const u_char *) p, strlen(p));
    if (v < 1 || v > 65535) {
        return SL_ERROR;
    }
    *port = htons((in_port_t) v);
    return SL_OK;
}


sl_int_t
sl_listen_parse_addr(const char *text, sl_sockaddr_t *addr, socklen_t *len,
    char *err, size_t errsize)
{
    char         host[64];
    const char  *colon, *end;
    size_t       hlen;
    in_port_t    port;
    int          v6;

    memset(addr, 0, sizeof(*addr));

    v6 = text[0] == '[';
    if (v6) {
        end = strchr(text, ']');
        if (end == NULL || end[1] != ':') {
            (void) snprintf(err, errsize, "expected \"[v6 address]:port\"");
            return SL_ERROR;
        }
        hlen = (size_t) (end - text - 1);
        colon = end + 1;
        text++;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL) {
            (void) snprintf(err, errsize, "expected \"host:port\"");
            return SL_ERROR;
        }
        hlen = (size_t) (colon - text);
    }
    if (hlen >= sizeof(host)) {
        (void) snprintf(err, errsize, "address too long");
        return SL_ERROR;
    }
    memcpy(host, text, hlen);
    host[hlen] = '\0';

    if (sl_listen_parse_port(colon + 1, &port) != SL_OK) {
        (void) snprintf(err, errsize, "invalid port \"%s\" (expected 1 to 65535)",
                        colon + 1);
        return SL_ERROR;
    }

    if (v6) {
        if (inet_pton(AF_INET6, host, &addr->sin6.sin6_addr) != 1) {
            (void) snprintf(err, errsize, "invalid IPv6 address \"%s\"", host);
            return SL_ERROR;
        }
        addr->sin6.sin6_family = AF_INET6;
        addr->sin6.sin6_port = port;
        *len = sizeof(struct sockaddr_in6);
        return SL_OK;
    }

    addr->sin.sin_family = AF_INET;
    addr->sin.sin_port = port;
    *len = sizeof(struct sockaddr_in);
    if (hlen == 0 || strcmp(host, "*") == 0) {
        addr->sin.sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (strcmp(host, "localhost") == 0) {
        addr->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, host, &addr->sin.sin_addr) != 1) {
        (void) snprintf(err, errsize,
                        "invalid IPv4 address \"%s\" (numeric addresses only)",
                        host);
        return SL_ERROR;
    }
    return SL_OK;
}


size_t
sl_addr_host_text(const struct sockaddr *addr, u_char *buf)
{
    const sl_sockaddr_t  *a;
    const u_char         *ip;
    u_char               *p;
    int                   i;

    a = (const sl_sockaddr_t *) addr;
    if (a->sa.sa_family == AF_INET6) {
        if (inet_ntop(AF_INET6, &a->sin6.sin6_addr, (char *) buf,
                      SL_ADDR_HOST_LEN) == NULL)
        {
            return 0;
        }
        return strlen((const char *) buf);
    }
    if (a->sa.sa_family != AF_INET) {
        return 0;
    }
    ip = (const u_char *) &a->sin.sin_addr;
    p = buf;
    for (i = 0; i < 4; i++) {
        if (i) {
            *p++ = '.';
        }
        p = sl_utoa(p, ip[i]);
    }
    return (size_t) (p - buf);
}


size_t
sl_addr_peer_text(const struct sockaddr *addr, socklen_t len, u_char *buf)
{
    size_t  n;

    n = 0;
    if (len != 0 && addr->sa_family == AF_UNIX) {
        return (size_t) (sl_cpymem_lit(buf, "unix:") - buf);
    }
    if (len != 0) {
        n = sl_addr_host_text(addr, buf);
    }
    if (n == 0) {
        buf[0] = '-';
        n = 1;
    }
    return n;
}


size_t
sl_listen_addr_text(const sl_sockaddr_t *addr, char *buf, size_t size)
{
    u_char     host[SL_ADDR_HOST_LEN];
    size_t     len;
    int        v6, n;
    in_port_t  port;

    v6 = addr->sa.sa_family == AF_INET6;
    port = v6 ? addr->sin6.sin6_port : addr->sin.sin_port;
    len = sl_addr_host_text(&addr->sa, host);
    n = snprintf(buf, size, v6 ? "[%.*s]:%u" : "%.*s:%u", (int) len,
                 (const char *) host, (unsigned) ntohs(port));
    return n < 0 ? 0 : sl_min((size_t) n, size - 1);
}


int
sl_listen_addr_equal(const sl_sockaddr_t *a, const sl_sockaddr_t *b)
{
    if (a->sa.sa_family != b->sa.sa_family) {
        return 0;
    }
    if (a->sa.sa_family == AF_INET6) {
        return a->sin6.sin6_port == b->sin6.sin6_port
               && memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
                         sizeof(struct in6_addr)) == 0;
    }
    return a->sin.sin_port == b->sin.sin_port
           && a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}


sl_listen_t *
sl_listen_add(sl_cycle_t *cycle, const char *text, char *err, size_t errsize)
{
    sl_listen_t    *ls, **last;
    sl_sockaddr_t   addr;
    socklen_t       len;
    char            buf[SL_LISTEN_ADDR_LEN];
    size_t          n;

    if (sl_listen_parse_addr(text, &addr, &len, err, errsize) != SL_OK) {
        return NULL;
    }
    for (last = &cycle->listening; *last; last = &(*last)->next) {
        if (sl_listen_addr_equal(&(*last)->addr, &addr)) {
            return *last;
        }
    }

    ls = sl_pcalloc(cycle->pool, sizeof(sl_listen_t));
    if (ls == NULL) {
        (void) snprintf(err, errsize, "out of memory");
        return NULL;
    }
    ls->addr = addr;
    ls->socklen = len;
    ls->backlog = SL_LISTEN_BACKLOG;
    n = sl_listen_addr_text(&addr, buf, sizeof(buf));
    ls->text.len = n;
    ls->text.data = sl_pstrdup(cycle->pool, (const u_char *) buf, n);
    if (ls->text.data == NULL) {
        (void) snprintf(err, errsize, "out of memory");
        return NULL;
    }
    *last = ls;
    return ls;
}


/* The socket of old with the same address and index, or -1. */
static int
sl_listen_find_old(sl_cycle_t *old, sl_listen_t *ls, unsigned index)
{
    sl_listen_t  *o;

    if (old == NULL) {
        return -1;
    }
    for (o = old->listening; o; o = o->next) {
        if (sl_listen_addr_equal(&o->addr, &ls->addr) && index < o->nfds) {
            return o->fds[index];
        }
    }
    return -1;
}


/*
 * How many sockets ls's address must keep: as many as old had for it, or
 * as many as were inherited for it (USR2) when there is no old cycle.
 */
static unsigned
sl_listen_keep_n(sl_cycle_t *old, sl_listen_t *ls)
{
    sl_listen_t  *o;
    unsigned      i, n;

    if (old) {
        for (o = old->listening; o; o = o->next) {
            if (sl_listen_addr_equal(&o->addr, &ls->addr)) {
                return o->shared ? 0 : o->nfds;
            }
        }
        return 0;
    }
    for (n = 0, i = 0; i < sl_listen_ninherited; i++) {
        n += sl_listen_inherited[i].fd != -1
             && !sl_listen_inherited[i].systemd
             && sl_listen_addr_equal(&sl_listen_inherited[i].addr, &ls->addr);
    }
    return n;
}


/* True when fd is one of cycle's sockets. */
static int
sl_listen_owns_fd(sl_cycle_t *cycle, int fd)
{
    sl_listen_t  *ls;
    unsigned      i;

    if (cycle == NULL) {
        return 0;
    }
    for (ls = cycle->listening; ls; ls = ls->next) {
        for (i = 0; ls->fds && i < ls->nfds; i++) {
            if (ls->fds[i] == fd) {
                return 1;
            }
        }
    }
    return 0;
}


/* A new socket for ls, or -1 with the reason in err. */
static int
sl_listen_open_one(sl_listen_t *ls, sl_int_t reuseport, char *err,
    size_t errsize)
{
    const char  *what;
    sl_err_t     e;
    int          fd, on;

    fd = socket(ls->addr.sa.sa_family,
                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        (void) sl_log_errtext(err, errsize, errno, "socket() for %s failed",
                              ls->text.data);
        return -1;
    }
    on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1
        || (reuseport
            && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
        || (ls->addr.sa.sa_family == AF_INET6
            && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
        || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
    {
        what = "setsockopt() on";
    } else if (bind(fd, &ls->addr.sa, ls->socklen) == -1) {
        what = "bind() to";
    } else if (listen(fd, ls->backlog) == -1) {
        what = "listen() on";
    } else {
        return fd;
    }
    e = errno;
    (void) close(fd);
    (void) sl_log_errtext(err, errsize, e, "%s %s failed", what,
                          ls->text.data);
    return -1;
}


/*
 * Sets TCP_DEFER_ACCEPT on fd as ls wants, or clears it: a kept or
 * inherited socket may carry another configuration's choice. Not fatal
 * when the kernel refuses: clients are then read on their first event,
 * which is what ls->defer_accept cleared tells the workers.
 */
static void
sl_listen_set_defer(sl_listen_t *ls, int fd, sl_log_t *log)
{
    int  secs;

    secs = ls->defer_accept ? SL_LISTEN_DEFER_SECS : 0;
    if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs))
        == -1)
    {
        sl_log_error(SL_LOG_WARN, log, errno, "setsockopt(TCP_DEFER_ACCEPT) "
                     "on %s failed: clients are accepted without waiting "
                     "for their request", ls->text.data);
        ls->defer_accept = 0;
    }
}


sl_int_t
sl_listen_open_all(sl_cycle_t *cycle, sl_cycle_t *old, char *err,
    size_t errsize)
{
    sl_listen_t  *ls;
    unsigned      i, systemd;
    sl_int_t      reuseport;

    reuseport = cycle->accept == SL_ACCEPT_CONF_REUSEPORT;
    for (ls = cycle->listening; ls; ls = ls->next) {
        ls->nfds = reuseport ? (unsigned) cycle->worker_processes : 1;
        if (old) {
            /* Keep sharing what was shared: the socket is still systemd's. */
            ls->shared = sl_listen_was_shared(old, ls);
            ls->nfds = ls->shared ? 1 : ls->nfds;
        }
        /* Closing a listen socket resets the clients in its queue, and
         * with SO_REUSEPORT the kernel keeps queuing new clients on a
         * socket of the group until the moment it closes (unless
         * net.ipv4.tcp_migrate_req is set). So an address keeps every
         * socket it had, across reloads (old) and upgrades (inherited),
         * even when there are now fewer workers: the surplus ones are
         * polled by all workers (sl_http_worker_listen). */
        if (!ls->shared) {
            ls->nfds = sl_max(ls->nfds, sl_listen_keep_n(old, ls));
        }
        ls->fds = sl_palloc(cycle->pool, sizeof(int) * ls->nfds);
        if (ls->fds == NULL) {
            (void) sl_log_errtext(err, errsize, 0, "out of memory");
            goto failed;
        }
        for (i = 0; i < ls->nfds; i++) {
            ls->fds[i] = -1;
        }
        for (i = 0; i < ls->nfds; i++) {
            ls->fds[i] = sl_listen_find_old(old, ls, i);
            if (ls->fds[i] == -1) {
                ls->fds[i] = sl_listen_take_inherited(ls, &systemd);
                if (systemd) {
                    /* A socket systemd made has no SO_REUSEPORT: the
                     * workers share it instead of each binding its own. */
                    ls->shared = 1;
                    ls->nfds = 1;
                }
            }
            if (ls->fds[i] == -1) {
                ls->fds[i] = sl_listen_open_one(ls, reuseport, err,
                                                errsize);
            }
            if (ls->fds[i] == -1) {
                goto failed;
            }
            sl_listen_set_defer(ls, ls->fds[i], &cycle->log);
        }
    }
    return SL_OK;

failed:
    sl_listen_close_unshared(cycle, old);
    return SL_ERROR;
}


void
sl_listen_close_unshared(sl_cycle_t *cycle, sl_cycle_t *other)
{
    sl_listen_t  *ls;
    unsigned      i;

    for (ls = cycle->listening; ls; ls = ls->next) {
        for (i = 0; ls->fds && i < ls->nfds; i++) {
            if (ls->fds[i] != -1 && !sl_listen_owns_fd(other, ls->fds[i])) {
                (void) close(ls->fds[i]);
            }
            ls->fds[i] = -1;
        }
    }
}


/* True when old had ls's address on a single shared socket. */
int
sl_listen_was_shared(sl_cycle_t *old, sl_listen_t *ls)
{
    sl_listen_t  *o;

    for (o = old->listening; o; o = o->next) {
        if (sl_listen_addr_equal(&o->addr, &ls->addr)) {
            return o->shared;
        }
    }
    return 0;
}


/*
 * A descriptor systemd passed. name is its LISTEN_FDNAMES name, or NULL:
 * one of ours (SL_LISTEN_STORE_PREFIX) came back from the descriptor
 * store and is used like a socket a previous master opened (USR2); any
 * other is a socket unit's, which the workers share and we leave as is.
 */
static void
sl_listen_inherit_systemd(int fd, const char *name, sl_log_t *log)
{
    sl_listen_inherited_t  *in;
    unsigned                stored;
    char                    text[SL_LISTEN_ADDR_LEN];

    stored = name && sl_strprefix_lit(name, SL_LISTEN_STORE_PREFIX)
             && strlen(name) < SL_LISTEN_STORE_NAME_LEN;
    in = sl_listen_inherit_fd(fd, !stored, log);
    if (in == NULL) {
        return;
    }
    (void) sl_listen_addr_text(&in->addr, text, sizeof(text));
    if (stored) {
        in->stored = 1;
        memcpy(in->name, name, strlen(name) + 1);
        sl_log_error(SL_LOG_NOTICE, log, 0, "socket %d from systemd's "
                     "descriptor store: %s", fd, text);
        return;
    }
    sl_log_error(SL_LOG_NOTICE, log, 0, "socket %d from systemd%s%s%s: %s",
                 fd, name ? " (\"" : "", name ? name : "",
                 name ? "\")" : "", text);
}


static sl_listen_inherited_t *
sl_listen_inherit_fd(int fd, unsigned systemd, sl_log_t *log)
{
    sl_listen_inherited_t  *in;
    socklen_t               len;
    int                     type, accepting, none;

    len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1
        || type != SOCK_STREAM
        || (len = sizeof(accepting),
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len)) == -1
        || !accepting || sl_listen_ninherited == SL_LISTEN_INHERIT_MAX)
    {
        sl_log_error(SL_LOG_WARN, log, 0, "inherited descriptor %d is not a "
                     "listening TCP socket: ignored", fd);
        return NULL;
    }
    in = &sl_listen_inherited[sl_listen_ninherited];
    memset(in, 0, sizeof(*in));
    len = sizeof(in->addr);
    if (getsockname(fd, &in->addr.sa, &len) == -1) {
        sl_log_error(SL_LOG_WARN, log, errno, "getsockname() on inherited "
                     "descriptor %d failed: ignored", fd);
        return NULL;
    }
    (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
    (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* The master that had it may have stopped with a drop-SYN filter on it
     * (sl_listen_refuse_new); ENOENT when there is none. */
    none = 0;
    (void) setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &none, sizeof(none));
    /* Accepted connections inherit it (see sl_listen.h). */
    none = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &none, sizeof(none));
    in->fd = fd;
    in->orig = fd;
    in->systemd = systemd;
    sl_listen_ninherited++;
    return in;
}


unsigned
sl_listen_inherit(sl_log_t *log)
{
    const char   *env;
    char         *end, **names;
    long          fd;
    int           i, n;

    /* unset_environment = 1: workers and a new binary must not see them.
     * An address in the configuration is what picks a socket; a name only
     * labels it in the log, or marks it as one of ours from the store. */
    names = NULL;
    n = sd_listen_fds_with_names(1, &names);
    for (i = 0; i < n; i++) {
        sl_listen_inherit_systemd(SD_LISTEN_FDS_START + i,
                                  names && strcmp(names[i], "unknown") != 0
                                  ? names[i] : NULL, log);
    }
    for (i = 0; names && names[i]; i++) {
        free(names[i]);
    }
    free(names);
    env = getenv(SL_LISTEN_ENV);
    while (env && *env) {
        fd = strtol(env, &end, 10);
        if (end == env || fd < 3 || fd > INT_MAX) {
            sl_log_error(SL_LOG_WARN, log, 0, "invalid %s: ignored",
                         SL_LISTEN_ENV);
            break;
        }
        (void) sl_listen_inherit_fd((int) fd, 0, log);
        env = *end == ';' ? end + 1 : end;
    }
    (void) unsetenv(SL_LISTEN_ENV);
    return sl_listen_ninherited;
}


/* The first unused inherited socket with ls's address, or -1. */
static int
sl_listen_take_inherited(sl_listen_t *ls, unsigned *systemd)
{
    unsigned  i;
    int       fd;

    *systemd = 0;
    for (i = 0; i < sl_listen_ninherited; i++) {
        if (sl_listen_inherited[i].fd != -1
            && sl_listen_addr_equal(&sl_listen_inherited[i].addr, &ls->addr))
        {
            fd = sl_listen_inherited[i].fd;
            *systemd = sl_listen_inherited[i].systemd;
            sl_listen_inherited[i].fd = -1;
            return fd;
        }
    }
    return -1;
}


void
sl_listen_inherit_close_unused(sl_log_t *log)
{
    unsigned  i;

    for (i = 0; i < sl_listen_ninherited; i++) {
        if (sl_listen_inherited[i].fd != -1) {
            sl_log_error(SL_LOG_NOTICE, log, 0, "inherited socket %d matches "
                         "no listen address: closed",
                         sl_listen_inherited[i].fd);
            (void) close(sl_listen_inherited[i].fd);
            sl_listen_inherited[i].fd = -1;
            sl_listen_inherited[i].orig = -1;
            /* systemd's copy too, or it would come back at every start. */
            if (sl_listen_inherited[i].stored) {
                sl_notify_fdstore_remove(sl_listen_inherited[i].name);
            }
        }
    }
}


char *
sl_listen_export(sl_cycle_t *cycle, char *buf, size_t size)
{
    sl_listen_t  *ls;
    unsigned      i;
    u_char       *p, *end;

    p = (u_char *) buf;
    end = (u_char *) buf + size - 1;
    for (ls = cycle->listening; ls; ls = ls->next) {
        for (i = 0; i < ls->nfds; i++) {
            if (ls->fds[i] == -1) {
                continue;
            }
            /* The new binary must inherit it: no close-on-exec. */
            (void) fcntl(ls->fds[i], F_SETFD, 0);
            p = sl_slprintf(p, end, "%s%d", p == (u_char *) buf ? "" : ";",
                            ls->fds[i]);
            if (p == end) {
                return NULL;
            }
        }
    }
    *p = '\0';
    return buf;
}


/*
 * True when fd came from a socket unit or from an older master (USR2):
 * others serve on it after us. Not for our own sockets back from the
 * descriptor store: only systemd keeps them, and the next master removes
 * the filter.
 */
static int
sl_listen_is_inherited(int fd)
{
    unsigned  i;

    for (i = 0; i < sl_listen_ninherited; i++) {
        if (sl_listen_inherited[i].orig == fd) {
            return !sl_listen_inherited[i].stored;
        }
    }
    return 0;
}


/*
 * A classic BPF socket filter that drops segments with SYN set (offset 13
 * of the TCP header, where a socket filter's data starts). On a listening
 * TCP socket the kernel runs it before it handles a SYN: the client hears
 * nothing and sends its SYN again a second later, when the socket is
 * closed and the kernel refuses it cleanly. Meanwhile no new client joins
 * the accept queue, which the workers empty before they close the socket.
 * The rest passes: the ACK or the first bytes of a client whose handshake
 * is under way must still reach the socket, or it stays half-accepted and
 * is reset at close (with TCP_DEFER_ACCEPT, until its request arrives).
 */
void
sl_listen_refuse_new(sl_cycle_t *cycle, sl_log_t *log)
{
    static struct sock_filter  drop_syn[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff)
    };
    struct sock_fprog          prog;
    sl_listen_t               *ls;
    unsigned                   i;

    prog.len = sl_nelem(drop_syn);
    prog.filter = drop_syn;
    for (ls = cycle->listening; ls; ls = ls->next) {
        for (i = 0; ls->fds && i < ls->nfds; i++) {
            /* An inherited socket lives on elsewhere (systemd, the other
             * master of an upgrade): a filter would outlive us there. */
            if (ls->fds[i] == -1 || ls->shared
                || sl_listen_is_inherited(ls->fds[i]))
            {
                continue;
            }
            if (setsockopt(ls->fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &prog,
                           sizeof(prog)) == -1)
            {
                sl_log_error(SL_LOG_WARN, log, errno, "setsockopt("
                             "SO_ATTACH_FILTER) on %s failed", ls->text.data);
            }
        }
    }
}
