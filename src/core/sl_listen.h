/*
 * sl_listen.h: listen sockets (core layer). The HTTP configuration adds
 * addresses with sl_listen_add; the master opens them before forking and
 * workers inherit them. With accept = "reuseport" an address has one
 * SO_REUSEPORT socket per worker, else one shared socket. A reload keeps
 * the sockets of addresses that did not change, so nothing queued on them
 * is lost.
 *
 * Every listen socket, opened or inherited, has TCP_NODELAY set: Linux
 * copies it to each accepted connection, which saves the workers one
 * setsockopt per connection (whole responses leave in one writev, so
 * Nagle would only delay the next one behind a delayed ACK).
 *
 * TCP_DEFER_ACCEPT is set (defer_accept) or cleared on every socket, kept,
 * inherited or opened, as the configuration says: the kernel then queues
 * a client only once its first bytes arrive, so the worker can read the
 * request at once instead of waiting for an event. A client that sends
 * nothing is queued after about SL_LISTEN_DEFER_SECS seconds anyway.
 */
#ifndef SL_LISTEN_H
#define SL_LISTEN_H

typedef union {
    struct sockaddr      sa;
    struct sockaddr_in   sin;
    struct sockaddr_in6  sin6;
} sl_sockaddr_t;

struct sl_listen_s {
    sl_sockaddr_t   addr;
    socklen_t       socklen;
    sl_str_t        text;        /* normalised "127.0.0.1:8080", "[::1]:80" */
    int            *fds;         /* nfds sockets, -1 until opened */
    unsigned        nfds;
    int             backlog;
    unsigned        shared:1;    /* one socket for all workers even with
                                    reuseport: systemd passed it */
    unsigned        defer_accept:1; /* TCP_DEFER_ACCEPT wanted, and set on
                                       every socket once opened */
    void           *data;        /* the HTTP engine's servers on it */
    sl_listen_t    *next;
};

#define SL_LISTEN_DEFER_SECS  1

#define SL_LISTEN_ADDR_LEN  (sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"))

/*
 * Parses "host:port", "[v6]:port" or ":port" (all IPv4 addresses) into
 * addr. Numeric hosts only, plus "localhost" and "*". Pure. Returns SL_OK,
 * or SL_ERROR with a reason in err.
 */
sl_int_t sl_listen_parse_addr(const char *text, sl_sockaddr_t *addr,
    socklen_t *len, char *err, size_t errsize);

/*
 * Writes the host part of addr ("192.0.2.1", "2001:db8::1") into buf, at
 * least SL_ADDR_HOST_LEN bytes, not terminated; returns its length, or 0
 * for a family without one (AF_UNIX, an empty address). IPv4 is written by
 * hand: this runs per request for the access log and the proxy's headers,
 * and inet_ntop goes through sprintf.
 */
#define SL_ADDR_HOST_LEN  INET6_ADDRSTRLEN
size_t sl_addr_host_text(const struct sockaddr *addr, u_char *buf);

/*
 * Writes the text that names a peer (a client) in logs and headers: the
 * host part of addr as above, "unix:" for a local socket, "-" when it is
 * unknown (len 0, another family). buf holds at least SL_ADDR_HOST_LEN
 * bytes and is not terminated. Returns the length, never 0: the one
 * spelling of $remote_addr, X-Forwarded-For and "client: ..." alike.
 */
size_t sl_addr_peer_text(const struct sockaddr *addr, socklen_t len,
    u_char *buf);

/* Writes the normalised text of addr into buf; returns its length. */
size_t sl_listen_addr_text(const sl_sockaddr_t *addr, char *buf,
    size_t size);

/*
 * Finds or adds the listen entry for text in cycle (the same address twice
 * gives the same entry). Returns it, or NULL with a reason in err.
 */
sl_listen_t *sl_listen_add(sl_cycle_t *cycle, const char *text, char *err,
    size_t errsize);

/*
 * Opens every socket of cycle, sharing the sockets of old (may be NULL)
 * whose address and index match. On failure closes what it opened itself
 * (old stays intact) and returns SL_ERROR with the reason in err, e.g.
 * "bind() to 127.0.0.1:80 failed (98: Address already in use)", for the
 * caller to log or report. Returns SL_OK otherwise.
 */
sl_int_t sl_listen_open_all(sl_cycle_t *cycle, sl_cycle_t *old, char *err,
    size_t errsize);

/*
 * Closes the sockets of cycle that other (may be NULL) does not share:
 * used when a generation retires or a new one fails to start.
 */
void sl_listen_close_unshared(sl_cycle_t *cycle, sl_cycle_t *other);

/* True when two socket addresses are the same (family, address, port). */
int sl_listen_addr_equal(const sl_sockaddr_t *a, const sl_sockaddr_t *b);

/*
 * Collects the listen sockets this process inherited: from systemd socket
 * activation (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES) and from the master
 * that started us on USR2 (SL_LISTEN_ENV). sl_listen_open_all then uses
 * them for matching addresses instead of binding. Call once at start.
 * Returns the number found.
 */
unsigned sl_listen_inherit(sl_log_t *log);

/* True when old had ls's address on one shared (systemd) socket. */
int sl_listen_was_shared(sl_cycle_t *old, sl_listen_t *ls);

/* Closes inherited sockets no address took (after the first start). */
void sl_listen_inherit_close_unused(sl_log_t *log);

/*
 * Prepares an environment value naming every socket of cycle, and clears
 * close-on-exec on them, for a new binary (USR2). Returns the value in
 * buf, or NULL when it does not fit.
 */
char *sl_listen_export(sl_cycle_t *cycle, char *buf, size_t size);

/*
 * Before a final stop: makes the kernel ignore new connection attempts on
 * the sockets of cycle that this process opened itself (not inherited
 * ones: they outlive us in systemd or in the other master of an upgrade),
 * so the queue the workers empty before closing stops growing; a client
 * refused meanwhile retries and is refused cleanly once the socket is
 * closed. Failures are logged at warn.
 */
void sl_listen_refuse_new(sl_cycle_t *cycle, sl_log_t *log);

/*
 * Counts into *n the clients still in the handshake on cycle's listen
 * addresses: with TCP_DEFER_ACCEPT, those that connected but have not
 * sent their first bytes, which no accept queue holds yet (see
 * sl_listen_diag.c). Returns SL_OK, or SL_ERROR when the kernel cannot
 * tell (no sock_diag netlink); nothing is logged.
 */
sl_int_t sl_listen_handshakes(sl_cycle_t *cycle, sl_uint_t *n);

/*
 * Hands the sockets of cycle to systemd's descriptor store (FDSTORE=1,
 * when NOTIFY_SOCKET is set), each address under its own name (see
 * sl_listen_store_name), so that after "systemctl restart" the next master
 * gets them back (sl_listen_inherit) and nothing queued on them is lost;
 * addresses that old (may be NULL) had and cycle has not are removed from
 * the store. systemd ignores a descriptor it already has. Sockets a socket
 * unit passed are left to it.
 */
void sl_listen_store(sl_cycle_t *cycle, sl_cycle_t *old);

/* The store name of ls: SL_LISTEN_STORE_PREFIX and its address, ':'
 * (LISTEN_FDNAMES' separator) written as '_'. */
void sl_listen_store_name(const sl_listen_t *ls, char *buf, size_t size);

#define SL_LISTEN_STORE_PREFIX    "sluice-listen-"
#define SL_LISTEN_STORE_NAME_LEN  (sizeof(SL_LISTEN_STORE_PREFIX) \
                                   + SL_LISTEN_ADDR_LEN)

#define SL_LISTEN_ENV  "SLUICE_LISTEN_FDS"

#endif /* SL_LISTEN_H */
