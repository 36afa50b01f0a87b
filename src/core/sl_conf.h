/*
 * sl_conf.h: configuration loading on top of libconfig (core layer).
 * A part of the server describes its directives in a field table; the
 * generic setters check each value's type and range, store it at its
 * offset in the part's conf struct, and reject unknown names. Errors are
 * returned as a code plus a message in cf->err that reads
 *   file:line: "key": what is wrong (expected ...)
 * and the caller that handles the failure logs it. Nothing here has side
 * effects beyond memory in cf->pool.
 */
#ifndef SL_CONF_H
#define SL_CONF_H

#include <libconfig.h>

typedef config_setting_t  sl_conf_node_t;

typedef enum {
    SL_CONF_BOOL = 1,   /* int: 0 or 1 */
    SL_CONF_INT,        /* int64_t within [min, max] */
    SL_CONF_SIZE,       /* size_t: "512", "8k", "1m", "1g" or an integer */
    SL_CONF_TIME,       /* sl_msec_t: seconds, fractions allowed */
    SL_CONF_STR,        /* sl_str_t, copied and NUL-terminated */
    SL_CONF_PATH,       /* sl_str_t, resolved against the config's dir */
    SL_CONF_ENUM,       /* int: index into extra (NULL-terminated names) */
    SL_CONF_STRLIST,    /* sl_str_list_t: an array or list of strings */
    SL_CONF_CUSTOM      /* extra is an sl_conf_parse_pt */
} sl_conf_type_e;

/* Parses node into field (conf + offset); SL_OK or SL_ERROR with cf->err. */
typedef sl_int_t (*sl_conf_parse_pt)(sl_conf_t *cf, sl_conf_node_t *node,
    void *field);

typedef struct {
    const char      *name;
    sl_conf_type_e   type;
    size_t           offset;
    int64_t          min, max;     /* INT, SIZE, TIME (in msec) */
    const void      *extra;        /* ENUM names, CUSTOM parser */
    unsigned         required;
} sl_conf_field_t;

#define SL_CONF_END  { NULL, 0, 0, 0, 0, NULL, 0 }

typedef struct {
    size_t     n;
    sl_str_t  *items;
} sl_str_list_t;

struct sl_conf_s {
    config_t      lc;
    sl_pool_t    *pool;        /* owns every value stored */
    sl_str_t      file;        /* the main file, NUL-terminated */
    sl_str_t      dir;         /* its directory, with a trailing '/' */
    char          err[1024];   /* the first error, file:line prefixed */
    void         *ctx;         /* the block being parsed: what its custom
                                  parsers fill (set by the block's parser,
                                  so none needs a file-scope global) */
    unsigned      fill_defaults:1;  /* -T: absent fields are added to the
                                       tree with their default values */
};

/*
 * Reads and parses path (libconfig syntax, @include resolved against the
 * file's directory). pool owns the result. Returns SL_OK, or SL_ERROR with
 * the message in cf->err. sl_conf_close must be called either way.
 */
sl_int_t sl_conf_open(sl_conf_t *cf, sl_pool_t *pool, const char *path);
void sl_conf_close(sl_conf_t *cf);

/* The root group of an opened config. */
sl_conf_node_t *sl_conf_root(sl_conf_t *cf);

/*
 * Fills conf from the members of group node: every member must name a field
 * (else "unknown directive"), every value is checked, required fields must
 * be present. Fields that are absent keep what conf held (the defaults).
 */
sl_int_t sl_conf_parse_group(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_conf_field_t *fields, void *conf);

/* Like sl_conf_parse_group but members named in skip[] (NULL-terminated)
 * are left for the caller, e.g. a location's module block. */
sl_int_t sl_conf_parse_group_skip(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_conf_field_t *fields, void *conf, const char *const *skip);

/* Parses one value of the given field's type into field. */
sl_int_t sl_conf_parse_value(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_conf_field_t *f, void *field);

/*
 * Records an error about node: "file:line: \"name\": " + message. Returns
 * SL_ERROR so a caller can write `return sl_conf_error(...)`. Only the
 * first error is kept.
 */
sl_int_t sl_conf_error(sl_conf_t *cf, sl_conf_node_t *node,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Where node is, as sl_conf_error's messages begin: "file:line: \"name\""
 * (only "file" for the root group), NUL-terminated in cf->pool, for a
 * value whose failure can only show later (a log that cannot be opened).
 * NULL when out of memory.
 */
const char *sl_conf_where(sl_conf_t *cf, sl_conf_node_t *node);

/* The node's name, or its parent's for a list element ("servers[2]"). */
const char *sl_conf_node_name(sl_conf_node_t *node, char *buf, size_t size);

/*
 * Pure value parsers, also used by tests. Sizes: digits with an optional
 * k/K, m/M, g/G suffix; no sign, no spaces; overflow is an error. Times:
 * non-negative seconds, converted to milliseconds.
 */
sl_int_t sl_conf_parse_size(const char *s, size_t *out);
sl_int_t sl_conf_parse_time(double seconds, sl_msec_t *out);

/*
 * Resolves a path against cf->dir unless it is absolute; the result is a
 * NUL-terminated copy in cf->pool. NULL on OOM.
 */
u_char *sl_conf_resolve_path(sl_conf_t *cf, const char *path, size_t *len);

/* Appends an sl_conf_t-independent dump of a group in libconfig syntax
 * (for -T): writes the effective values that config_write would. */
sl_int_t sl_conf_write(sl_conf_t *cf, FILE *out);

#endif /* SL_CONF_H */
