/*
 * sl_static.h: the static file module's insides, shared by its files
 * (modules layer). Nothing outside modules/static includes this but the
 * module's unit tests; the engine knows the module only as
 * sl_static_module (sl_static_module.c) through sl_http_module_t.
 *
 * The files, one job each:
 *   sl_static_module.c     the module: handler, worker hooks, thread hand-off
 *   sl_static_resolve.c    which file answers a path (index, .gz, directory)
 *   sl_static_send.c       the response: status, headers, body buffers
 *   sl_static_conf.c       the `static` group: fields, defaults, checks
 *   sl_static_mime.c       mime.types: parsing and extension lookup (pure)
 *   sl_static_file.c       opening beneath the root; file records
 *   sl_static_cache.c      the per-worker open-file cache
 *   sl_static_cond.c       preconditions, If-Range, ETag, Accept-Encoding
 *   sl_static_range.c      the Range header (pure)
 *   sl_static_path.c       dotfiles policy, percent-escaping (pure)
 *   sl_static_autoindex.c  directory listings: read (blocking), render
 */
#ifndef SL_STATIC_H
#define SL_STATIC_H

#include "sl_http_module.h"
#include "sl_thread_pool.h"

/* Files up to this size have their contents cached in memory. */
#define SL_STATIC_SMALL_MAX     (32 * 1024)
/* More satisfiable ranges than this in one request get a 200. */
#define SL_STATIC_MAX_RANGES    16
/* "\"" 16 hex "-" 16 hex "\"" and room to spare. */
#define SL_STATIC_ETAG_LEN      40
/* Listings stop after this many entries (and say so). */
#define SL_STATIC_LISTING_MAX   10000

enum {
    SL_STATIC_DOTFILES_DENY = 0,
    SL_STATIC_DOTFILES_ALLOW
};

enum {
    SL_STATIC_SYMLINKS_INSIDE = 0,
    SL_STATIC_SYMLINKS_OFF
};

typedef struct sl_static_file_s   sl_static_file_t;
typedef struct sl_static_cache_s  sl_static_cache_t;
typedef struct sl_static_loc_s    sl_static_loc_t;
typedef struct sl_static_ctx_s    sl_static_ctx_t;


/* mime.types (sl_static_mime.c) -------------------------------------- */

typedef struct {
    sl_str_t             ext;       /* lower case, no dot */
    sl_str_t             type;      /* "text/html" */
} sl_static_mime_entry_t;

typedef struct {
    sl_static_mime_entry_t  *entries;   /* sorted by ext */
    size_t                   n;
} sl_static_mime_t;

/*
 * Parses the text of a mime.types file (`types { type ext ...; ... }`,
 * '#' comments) named file (for messages) into a table in pool. Pure.
 * Returns the table, or NULL with "file:line: \"mime_types\": reason" in
 * err (OOM included).
 */
sl_static_mime_t *sl_static_mime_parse(sl_pool_t *pool, const char *file,
    const u_char *text, size_t len, char *err, size_t errsize);

/*
 * Reads and parses the file at path (NUL-terminated). Returns the table
 * (in pool) or NULL with the reason in err: a read error reads
 * "cannot read \"path\": strerror", a syntax error as above.
 */
sl_static_mime_t *sl_static_mime_load(sl_pool_t *pool, const char *path,
    char *err, size_t errsize);

/*
 * The built-in table, used when mime_types is not set and no mime.types
 * lies next to the configuration file: the common web types only.
 * Returns it (in pool), or NULL (out of memory) with the reason in err.
 */
sl_static_mime_t *sl_static_mime_builtin(sl_pool_t *pool, char *err,
    size_t errsize);

/*
 * The index of the entry for the extension of the last segment of
 * name[0..len) (case-insensitive), or -1 when it has none or it is not
 * listed. Pure; O(log n).
 */
sl_int_t sl_static_mime_find(const sl_static_mime_t *m, const u_char *name,
    size_t len);


/* Configuration (sl_static_conf.c) ----------------------------------- */

typedef struct {
    int64_t              max;        /* entries; 0 turns the cache off */
    size_t               max_bytes;  /* of cached contents */
    sl_msec_t            valid;      /* between two checks of a file */
} sl_static_cache_conf_t;

typedef struct {
    sl_str_list_t        index;
    int                  autoindex;
    int                  gzip_static;
    int                  dotfiles;       /* SL_STATIC_DOTFILES_* */
    int                  symlinks;       /* SL_STATIC_SYMLINKS_* */
    sl_str_t             charset;        /* len 0: none */
    sl_str_t             default_type;
    sl_str_t             mime_types;     /* resolved path */
    int                  etag;
    sl_static_cache_conf_t  open_file_cache;

    /* Derived by the check. */
    const sl_static_mime_t  *mime;
    sl_str_t            *types;          /* per mime entry, with charset */
    sl_str_t             default_ct;     /* default_type with charset */
    size_t               index_max;      /* longest index name */
    sl_http_location_t  *loc;

    sl_uint_t            slot;           /* of its worker state in
                                            sl_static_worker_t.locs */
} sl_static_conf_t;

/* The module's configuration-wide state (main_parse). */
typedef struct {
    sl_uint_t            nlocs;          /* static locations, all servers */
} sl_static_main_t;

/* A worker's state (sl_http_module_worker): each static location's root
 * and cache, by the location's slot. */
typedef struct {
    sl_static_loc_t    **locs;
    sl_uint_t            nlocs;
} sl_static_worker_t;

extern sl_http_module_t  sl_static_module;

/* The main_parse hook: makes the sl_static_main_t. */
sl_int_t sl_static_main_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf, void **main_conf);

extern const sl_conf_field_t  sl_static_conf_fields[];

/* Sets the defaults into a zeroed conf. */
void sl_static_conf_init(void *conf);

/*
 * The rules across fields: index names, charset and default_type syntax,
 * mime_types loaded (default "mime.types" beside the config file).
 * SL_OK, or SL_ERROR with "file:line: \"key\": reason" in cf->err (for a
 * mime.types error, that file's own file:line).
 */
sl_int_t sl_static_conf_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_location_t *loc, void *conf);

/* Content-Type for the file name key[0..len) under conf: never empty. */
const sl_str_t *sl_static_conf_type(const sl_static_conf_t *conf,
    const u_char *key, size_t len);


/* File records and opening (sl_static_file.c) ------------------------ */

#define SL_STATIC_OPEN_NO_SYMLINKS  0x01   /* symlinks = "off" */
#define SL_STATIC_OPEN_READ_SMALL   0x02   /* cache small contents */

/*
 * What one lookup of a path beneath the root found: a regular file (with
 * its descriptor, or its contents when small), a directory (no
 * descriptor), or an error (err = errno; never a descriptor). Records are
 * malloc'ed: they may outlive any request while the cache holds them.
 * refs counts the requests using it; the record is freed when refs is 0
 * and no cache holds it.
 */
struct sl_static_file_s {
    sl_queue_t           lru;          /* in the cache, most recent first */
    sl_static_file_t    *next;         /* hash chain, or a lookup list */
    uint32_t             hash;
    unsigned             refs;
    unsigned             cached:1;
    unsigned             is_dir:1;
    unsigned             is_reg:1;
    int                  err;          /* 0, or errno of the lookup */
    int                  fd;           /* -1: none */
    dev_t                dev;
    ino_t                ino;
    off_t                size;
    time_t               mtime;
    long                 mtime_nsec;
    sl_msec_t            validated;    /* sl_current_msec of the check */
    u_char              *data;         /* the contents, or NULL */
    const sl_str_t      *type;         /* Content-Type: NULL until the
                                          first response needs it */
    size_t               etag_len;
    u_char               etag[SL_STATIC_ETAG_LEN];
    size_t               key_len;
    u_char               key[];        /* path below the root, NUL-ended */
};

/*
 * Opens path (relative to root_fd, no leading '/', NUL-terminated) so it
 * cannot escape the root: openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS (and RESOLVE_NO_SYMLINKS with
 * SL_STATIC_OPEN_NO_SYMLINKS), or sl_static_open_walk where the kernel has
 * no openat2. Never blocks on a FIFO (O_NONBLOCK). Returns the descriptor
 * or -1 with errno (EXDEV or ELOOP for an escape). Any thread.
 */
int sl_static_open_beneath(int root_fd, const char *path, unsigned flags);

/*
 * The fallback: one openat(O_NOFOLLOW) per component, so a symlink is
 * never followed (ELOOP or ENOTDIR) and ".." is refused (EXDEV). Exported
 * for the tests. Any thread.
 */
int sl_static_open_walk(int root_fd, const char *path);

/*
 * Looks up key[0..len) below root_fd: open, fstat, and with
 * SL_STATIC_OPEN_READ_SMALL the contents of a file of at most small_max
 * bytes (its descriptor is then closed). Blocking; any thread; touches
 * no loop, pool, log or cache. Returns a new record (refs 0, not cached,
 * err set on failure), or NULL when out of memory.
 */
sl_static_file_t *sl_static_file_open(int root_fd, const u_char *key,
    size_t len, unsigned flags, size_t small_max);

/* Writes the ETag of size and mtime ("\"<mtime hex>-<size hex>\"") at p;
 * returns its length (< SL_STATIC_ETAG_LEN). */
size_t sl_static_file_etag(u_char *p, time_t mtime, off_t size);

/* True when a and b describe the same file in the same state. */
int sl_static_file_same(const sl_static_file_t *a, const sl_static_file_t *b);

/* Frees f if no request and no cache holds it. NULL is ok. */
void sl_static_file_drop(sl_static_file_t *f);

/*
 * Makes the request pool hold f until it dies (refs + 1, a cleanup).
 * SL_OK or SL_ERROR (out of memory; f unchanged).
 */
sl_int_t sl_static_file_hold(sl_pool_t *pool, sl_static_file_t *f);


/* The open-file cache (sl_static_cache.c) ----------------------------- */

struct sl_static_cache_s {
    sl_static_file_t   **buckets;      /* NULL: the cache is off */
    size_t               mask;
    sl_queue_t           lru;
    size_t               n;
    size_t               bytes;        /* of cached contents */
    size_t               max;
    size_t               max_bytes;
    sl_msec_t            valid;
};

/* Sets up c for conf (no memory when max is 0). SL_OK or SL_ERROR (OOM). */
sl_int_t sl_static_cache_init(sl_static_cache_t *c,
    const sl_static_cache_conf_t *conf);

/*
 * The record for key if it was checked less than `valid` ago (now is
 * sl_current_msec), made most recent; else NULL. No system call.
 */
sl_static_file_t *sl_static_cache_get(sl_static_cache_t *c,
    const u_char *key, size_t len, sl_msec_t now);

/*
 * Offers a fresh record f (validated at now). When the cache holds the
 * same file in the same state, that record is kept, marked valid and
 * returned (the caller drops f); otherwise f replaces it (the old one is
 * freed once unused) and is returned. Errors that may pass (EMFILE,
 * ENOMEM, ...) are not cached. Evicts the least recently used records to
 * stay within max and max_bytes. With the cache off, returns f.
 */
sl_static_file_t *sl_static_cache_insert(sl_static_cache_t *c,
    sl_static_file_t *f, sl_msec_t now);

/* Empties the cache; records still used by requests die with them. */
void sl_static_cache_destroy(sl_static_cache_t *c);


/* Preconditions, ranges, encodings (sl_static_cond.c, _range.c) ------- */

typedef struct {
    off_t                start;        /* first byte */
    off_t                last;         /* last byte, inclusive */
} sl_static_range_t;

/*
 * Parses a Range field value against a representation of size bytes.
 * Returns 206 with *n (1..max) satisfiable ranges, in the order sent,
 * clamped to the size; 416 when none is satisfiable; 200 when the field
 * must be ignored: another unit, bad syntax, a last-pos before its
 * first-pos, more than max ranges, or ranges that overlap or go
 * backwards (RFC 9110 14.2 allows ignoring those). Pure.
 */
int sl_static_range_parse(const u_char *p, size_t len, off_t size,
    sl_static_range_t *ranges, size_t max, size_t *n);

typedef struct {
    const sl_http_header_t  *headers;
    size_t                   nheaders;
    int                      get;          /* GET: ranges apply */
    int                      safe;         /* GET or HEAD: 304 possible */
    time_t                   mtime;
    const u_char            *etag;         /* NULL: no ETag sent */
    size_t                   etag_len;
    off_t                    size;
} sl_static_cond_t;

/*
 * Evaluates the preconditions of RFC 9110 13.2.2 in order (If-Match,
 * If-Unmodified-Since, If-None-Match, If-Modified-Since), then If-Range
 * and Range. Returns 412, 304, 416, 206 (ranges filled, *n set) or 200.
 * Pure.
 */
int sl_static_cond_evaluate(const sl_static_cond_t *in,
    sl_static_range_t *ranges, size_t *n);

/*
 * True when the comma-separated entity-tag list v[0..len) holds "*" or a
 * tag matching etag: strong comparison (weak tags never match) when
 * strong is set, else weak comparison. Pure.
 */
int sl_static_etag_match(const u_char *v, size_t len, const u_char *etag,
    size_t etag_len, int strong);

/*
 * True when the Accept-Encoding fields among headers accept gzip with a
 * q-value above 0 ("gzip", "x-gzip", or "*" when gzip is not named).
 * No field: false. Pure.
 */
int sl_static_accepts_gzip(const sl_http_header_t *headers, size_t n);

/* The value of the only field named name; NULL when absent. *count gets
 * how many fields have that name. Pure. */
const sl_str_t *sl_static_header_find(const sl_http_header_t *headers,
    size_t n, const char *name, size_t *count);


/* Paths (sl_static_path.c) -------------------------------------------- */

/*
 * True when a segment of the decoded path uri[0..len) starts with '.',
 * other than a first segment ".well-known". Pure.
 */
int sl_static_path_hidden(const u_char *uri, size_t len);

/*
 * The bytes of a path that sl_str_escape leaves as they are in the links
 * and redirects we write: ALPHA, DIGIT, "-", ".", "_", "~" and "/". Every
 * other byte is percent-encoded, so the result is safe in a Location
 * field and in a quoted HTML attribute.
 */
extern const uint8_t  sl_static_path_plain[256];


/* Directory listings (sl_static_autoindex.c) ------------------------- */

typedef struct {
    char                *name;         /* malloc'ed, NUL-terminated */
    off_t                size;
    time_t               mtime;
    unsigned             is_dir:1;
} sl_static_dirent_t;

typedef struct {
    sl_static_dirent_t  *entries;      /* malloc'ed */
    size_t               n;
    size_t               size;
    unsigned             truncated:1;  /* SL_STATIC_LISTING_MAX reached */
    int                  err;          /* errno when reading failed */
} sl_static_listing_t;

/*
 * Reads the directory path (below root_fd; "." for the root): names,
 * sizes, dates; entries starting with '.' only with show_hidden; a
 * symlink only when it resolves beneath the root. Blocking; any thread.
 * Fills l (zeroed by the caller); on failure l->err is set.
 */
void sl_static_autoindex_read(int root_fd, const char *path,
    unsigned open_flags, int show_hidden, sl_static_listing_t *l);

/* Sorts: directories first, then by name (bytes). */
void sl_static_autoindex_sort(sl_static_listing_t *l);

/* Frees what sl_static_autoindex_read allocated. */
void sl_static_autoindex_free(sl_static_listing_t *l);

/*
 * Renders the listing of the directory at uri (decoded, ending in '/') as
 * an HTML page in pool: names HTML-escaped (invalid UTF-8 and control
 * bytes shown as U+FFFD), hrefs percent-encoded. Returns a memory buffer
 * or NULL on OOM. Pure.
 */
sl_buf_t *sl_static_autoindex_render(sl_pool_t *pool, const sl_str_t *uri,
    const sl_static_listing_t *l);

/* HTML-escapes src[0..len) at dst (which needs 8 * len bytes). */
u_char *sl_static_html_escape(u_char *dst, const u_char *src, size_t len);


/* The request (sl_static_module.c, _resolve.c, _send.c) ---------------- */

/* Per worker and per location: the root and the cache. */
struct sl_static_loc_s {
    int                  root_fd;      /* -1: could not be opened */
    sl_static_cache_t    cache;
};

enum {
    SL_STATIC_FOUND = 0,               /* file (and maybe gz) to send */
    SL_STATIC_LISTING = 1              /* a directory listing */
    /* otherwise an HTTP status: 301, 403, 404, 500 */
};

typedef sl_static_file_t *(*sl_static_lookup_pt)(sl_static_ctx_t *ctx,
    const u_char *key, size_t len);

struct sl_static_ctx_s {
    sl_http_request_t   *r;
    sl_static_conf_t    *conf;
    sl_static_loc_t     *sl;
    u_char              *path;         /* below the root, no slash at
                                          either end; "." for the root */
    size_t               path_len;
    u_char              *key;          /* scratch for index and .gz keys */
    unsigned             dir_request:1;   /* the URI ends in '/' */
    unsigned             oom:1;

    int                  result;       /* SL_STATIC_FOUND, _LISTING or a
                                          status */
    int                  err;          /* errno behind a 403/404/500 */
    sl_static_file_t    *err_file;     /* the record that gave err */
    sl_static_file_t    *file;         /* the file found */
    sl_static_file_t    *gz;           /* its fresh .gz, or NULL */
    sl_static_file_t    *dir;          /* the directory, for a listing */
    sl_static_listing_t  listing;

    sl_static_file_t   **looked;       /* fresh records of this lookup */
    size_t               nlooked;
    size_t               max_looked;
    sl_thread_task_t     task;
};

/*
 * Decides what answers ctx's path, looking records up with lookup, which
 * returns NULL for "not known now" (the cache) or when out of memory
 * (ctx->oom). Returns SL_OK (ctx->result set) or SL_AGAIN (a lookup said
 * NULL; nothing is held). Pure apart from what lookup does.
 */
sl_int_t sl_static_resolve(sl_static_ctx_t *ctx, sl_static_lookup_pt lookup);

/* The status for a lookup's errno: 403 for EACCES and EPERM; 404 for
 * ENOENT, ENOTDIR, ELOOP, EXDEV and ENAMETOOLONG; else 500. Pure. */
int sl_static_errno_status(int err);

/* The lookups: the cache only (loop thread), or the disk (any thread). */
sl_static_file_t *sl_static_lookup_cached(sl_static_ctx_t *ctx,
    const u_char *key, size_t len);
sl_static_file_t *sl_static_lookup_disk(sl_static_ctx_t *ctx,
    const u_char *key, size_t len);

/*
 * Answers the request from ctx (loop thread): takes the records it sends
 * into the request pool, queues the header and the body. Returns what
 * the handler gives the engine: SL_OK, SL_ERROR or a status >= 300.
 */
sl_int_t sl_static_send(sl_static_ctx_t *ctx);

#endif /* SL_STATIC_H */
