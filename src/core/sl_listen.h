/*
 * sl_listen.h: listen sockets (core layer). The HTTP configuration adds
 * addresses with sl_listen_add; the master opens them before forking and
 * workers inherit them. With accept = "reuseport" an address has one
 * SO_REUSEPORT socket per worker, else one shared socket. A reload keeps
 * the sockets of addresses that did not change, so nothing queued on them
 * is lost.
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
    void           *data;        /* the HTTP engine's servers on it */
    sl_listen_t    *next;
};

#define SL_LISTEN_ADDR_LEN  (sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"))

/*
 * Parses "host:port", "[v6]:port" or ":port" (all IPv4 addresses) into
 * addr. Numeric hosts only, plus "localhost" and "*". Pure. Returns SL_OK,
 * or SL_ERROR with a reason in err.
 */
sl_int_t sl_listen_parse_addr(const char *text, sl_sockaddr_t *addr,
    socklen_t *len, char *err, size_t errsize);

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
 * whose address and index match. On failure logs at emerg and closes what
 * it opened itself; old stays intact. Returns SL_OK or SL_ERROR.
 */
sl_int_t sl_listen_open_all(sl_cycle_t *cycle, sl_cycle_t *old);

/*
 * Closes the sockets of cycle that other (may be NULL) does not share:
 * used when a generation retires or a new one fails to start.
 */
void sl_listen_close_unshared(sl_cycle_t *cycle, sl_cycle_t *other);

/* True when two socket addresses are the same (family, address, port). */
int sl_listen_addr_equal(const sl_sockaddr_t *a, const sl_sockaddr_t *b);

#endif /* SL_LISTEN_H */
