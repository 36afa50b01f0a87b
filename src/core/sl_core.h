/*
 * sl_core.h: the umbrella header of the core layer. It pulls in the system
 * headers every file needs, defines the return codes and basic types, and
 * forward-declares the core typedefs so headers can name each other's types
 * without include cycles. Core includes nothing from event, http or modules.
 */
#ifndef SL_CORE_H
#define SL_CORE_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <time.h>

/* Unsafe string functions are poisoned: use the length-carrying helpers. */
#pragma GCC poison strcpy strcat sprintf vsprintf gets

typedef intptr_t         sl_int_t;
typedef uintptr_t        sl_uint_t;
typedef int              sl_err_t;
typedef uint64_t         sl_msec_t;     /* monotonic milliseconds */
typedef unsigned char    u_char;

#define SL_OK        0
#define SL_ERROR    -1
#define SL_AGAIN    -2
#define SL_DONE     -3
#define SL_DECLINED -4

typedef struct sl_pool_s     sl_pool_t;
typedef struct sl_buf_s      sl_buf_t;
typedef struct sl_chain_s    sl_chain_t;
typedef struct sl_log_s      sl_log_t;
typedef struct sl_conf_s     sl_conf_t;
typedef struct sl_cycle_s    sl_cycle_t;
typedef struct sl_listen_s   sl_listen_t;
typedef struct sl_shm_s      sl_shm_t;

#define sl_min(a, b)   ((a) < (b) ? (a) : (b))
#define sl_max(a, b)   ((a) > (b) ? (a) : (b))
#define sl_nelem(a)    (sizeof(a) / sizeof((a)[0]))
#define sl_align(n, a) (((n) + ((a) - 1)) & ~((a) - 1))
#define sl_container_of(p, type, member) \
    ((type *) ((u_char *) (p) - offsetof(type, member)))

#define sl_likely(x)   __builtin_expect(!!(x), 1)
#define sl_unlikely(x) __builtin_expect(!!(x), 0)

#ifdef SL_DEBUG
#define sl_assert(x)                                                        \
    do {                                                                    \
        if (sl_unlikely(!(x))) {                                            \
            sl_assert_fail(#x, __FILE__, __LINE__);                         \
        }                                                                   \
    } while (0)
#else
#define sl_assert(x) ((void) 0)
#endif

void sl_assert_fail(const char *expr, const char *file, int line)
    __attribute__((noreturn));

#include "sl_str.h"
#include "sl_pool.h"
#include "sl_buf.h"
#include "sl_time.h"
#include "sl_log.h"
#include "sl_queue.h"
#include "sl_freelist.h"

#endif /* SL_CORE_H */
