/*
 * sl_listen_diag.c: how many clients are still in the handshake on the
 * listen sockets of a cycle (core layer); see sl_listen_handshakes in
 * sl_listen.h.
 *
 * With TCP_DEFER_ACCEPT a client that has connected but not sent its
 * request is not in any accept queue: the kernel keeps it as a request
 * socket in SYN_RECV until its first bytes come (or about a second has
 * passed). A final stop must not close the sockets under such clients,
 * and asking the kernel whether there are any lets a stop wait only when
 * there are, instead of always. The kernel answers through sock_diag
 * netlink (what ss(8) uses); no privilege is needed to list sockets.
 */
#include "sl_core.h"
#include "sl_cycle.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

#define SL_DIAG_BUF  8192

static sl_int_t sl_listen_diag_family(int nl, int family, sl_cycle_t *cycle,
    sl_uint_t *n);
static sl_int_t sl_listen_diag_count(int nl, sl_cycle_t *cycle,
    sl_uint_t *n);
static int sl_listen_diag_ours(sl_cycle_t *cycle,
    const struct inet_diag_msg *m);
static int sl_listen_diag_matches(const sl_listen_t *ls,
    const struct inet_diag_msg *m);


sl_int_t
sl_listen_handshakes(sl_cycle_t *cycle, sl_uint_t *n)
{
    sl_int_t  rc;
    int       nl;

    *n = 0;
    nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl == -1) {
        return SL_ERROR;
    }
    rc = sl_listen_diag_family(nl, AF_INET, cycle, n);
    if (rc == SL_OK) {
        rc = sl_listen_diag_family(nl, AF_INET6, cycle, n);
    }
    (void) close(nl);
    return rc;
}


/* One dump request: the TCP sockets of family in SYN_RECV (the kernel
 * adds request sockets to that state's dump). */
static sl_int_t
sl_listen_diag_family(int nl, int family, sl_cycle_t *cycle, sl_uint_t *n)
{
    struct {
        struct nlmsghdr          nlh;
        struct inet_diag_req_v2  req;
    } msg;

    memset(&msg, 0, sizeof(msg));
    msg.nlh.nlmsg_len = sizeof(msg);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.req.sdiag_family = family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    msg.req.idiag_states = 1U << TCP_SYN_RECV;
    if (send(nl, &msg, sizeof(msg), 0) != (ssize_t) sizeof(msg)) {
        return SL_ERROR;
    }
    return sl_listen_diag_count(nl, cycle, n);
}


/* Reads the dump to its end, counting the sockets on our addresses. */
static sl_int_t
sl_listen_diag_count(int nl, sl_cycle_t *cycle, sl_uint_t *n)
{
    long              buf[SL_DIAG_BUF / sizeof(long)];
    struct nlmsghdr  *h;
    ssize_t           len;

    for ( ;; ) {
        len = recv(nl, buf, sizeof(buf), 0);
        if (len <= 0) {
            return SL_ERROR;
        }
        for (h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) len);
             h = NLMSG_NEXT(h, len))
        {
            if (h->nlmsg_type == NLMSG_DONE) {
                return SL_OK;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                return SL_ERROR;
            }
            if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))
                && sl_listen_diag_ours(cycle, NLMSG_DATA(h)))
            {
                (*n)++;
            }
        }
    }
}


static int
sl_listen_diag_ours(sl_cycle_t *cycle, const struct inet_diag_msg *m)
{
    sl_listen_t  *ls;

    for (ls = cycle->listening; ls; ls = ls->next) {
        if (sl_listen_diag_matches(ls, m)) {
            return 1;
        }
    }
    return 0;
}


/* The socket's local port is ls's, and its local address is ls's or ls
 * listens on every address of the family. */
static int
sl_listen_diag_matches(const sl_listen_t *ls, const struct inet_diag_msg *m)
{
    static const struct in6_addr  any6 = IN6ADDR_ANY_INIT;
    const sl_sockaddr_t          *a;

    a = &ls->addr;
    if (a->sa.sa_family != m->idiag_family) {
        return 0;
    }
    if (a->sa.sa_family == AF_INET) {
        return a->sin.sin_port == m->id.idiag_sport
               && (a->sin.sin_addr.s_addr == htonl(INADDR_ANY)
                   || memcmp(&a->sin.sin_addr, m->id.idiag_src, 4) == 0);
    }
    return a->sin6.sin6_port == m->id.idiag_sport
           && (memcmp(&a->sin6.sin6_addr, &any6, 16) == 0
               || memcmp(&a->sin6.sin6_addr, m->id.idiag_src, 16) == 0);
}
