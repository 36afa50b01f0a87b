/*
 * sl_static_file.c: opening files beneath the root, and the records that
 * describe what a lookup found (modules layer, static module).
 *
 * Safety: every path is opened relative to the root's descriptor with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): the kernel resolves
 * each component, symlinks included, and refuses with EXDEV any step that
 * would leave the root, at the moment of the open, so no check-then-open
 * race exists. Symlinks inside the root are followed (`symlinks =
 * "inside"`) or refused (`"off"`: RESOLVE_NO_SYMLINKS, ELOOP). On kernels
 * without openat2 (before Linux 5.6) the path is walked one component at
 * a time with O_NOFOLLOW: no symlink is ever followed there.
 *
 * Files are opened O_NONBLOCK so a FIFO placed in the tree cannot block a
 * thread, and anything but a regular file or a directory is "not found".
 *
 * Everything here but sl_static_file_hold and its cleanup may run in a
 * thread-pool thread: no loop, log, pool or cache is touched.
 */
#include "sl_static.h"

#include <sys/syscall.h>
#include <linux/openat2.h>

#define SL_STATIC_OPEN_FLAGS  (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* Set once openat2 said ENOSYS; read and written by several threads. */
static int  sl_static_no_openat2;

static void sl_static_file_cleanup(void *data);
static void sl_static_file_read_small(sl_static_file_t *f);


int
sl_static_open_beneath(int root_fd, const char *path, unsigned flags)
{
#ifdef SYS_openat2
    struct open_how  how;
    int              fd;

    if (!__atomic_load_n(&sl_static_no_openat2, __ATOMIC_RELAXED)) {
        memset(&how, 0, sizeof(how));
        how.flags = SL_STATIC_OPEN_FLAGS;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        if (flags & SL_STATIC_OPEN_NO_SYMLINKS) {
            how.resolve |= RESOLVE_NO_SYMLINKS;
        }
        do {
            fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        } while (fd == -1 && errno == EAGAIN);
        if (fd != -1 || errno != ENOSYS) {
            return fd;
        }
        __atomic_store_n(&sl_static_no_openat2, 1, __ATOMIC_RELAXED);
    }
#endif
    (void) flags;
    return sl_static_open_walk(root_fd, path);
}


int
sl_static_open_walk(int root_fd, const char *path)
{
    char        comp[NAME_MAX + 1];
    const char *p, *slash;
    size_t      len;
    int         dir, fd;
    sl_err_t    err;

    dir = root_fd;
    p = path;
    for (;;) {
        slash = strchr(p, '/');
        len = slash ? (size_t) (slash - p) : strlen(p);
        if (len > NAME_MAX) {
            err = ENAMETOOLONG;
            goto failed;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        if (len == 0 || strcmp(comp, "..") == 0) {
            err = EXDEV;
            goto failed;
        }
        fd = openat(dir, comp, slash ? O_PATH | O_DIRECTORY | O_NOFOLLOW
                                       | O_CLOEXEC
                                     : SL_STATIC_OPEN_FLAGS | O_NOFOLLOW);
        err = errno;
        if (dir != root_fd) {
            (void) close(dir);
        }
        if (fd == -1 || slash == NULL) {
            errno = err;
            return fd;
        }
        dir = fd;
        p = slash + 1;
    }

failed:
    if (dir != root_fd) {
        (void) close(dir);
    }
    errno = err;
    return -1;
}


size_t
sl_static_file_etag(u_char *p, time_t mtime, off_t size)
{
    return (size_t) (sl_slprintf(p, p + SL_STATIC_ETAG_LEN, "\"%lx-%lx\"",
                                 (unsigned long) mtime, (unsigned long) size)
                     - p);
}


sl_static_file_t *
sl_static_file_open(int root_fd, const u_char *key, size_t len,
    unsigned flags, size_t small_max)
{
    sl_static_file_t  *f;
    struct stat        st;

    f = malloc(sizeof(sl_static_file_t) + len + 1);
    if (f == NULL) {
        return NULL;
    }
    memset(f, 0, sizeof(sl_static_file_t));
    sl_queue_init(&f->lru);
    memcpy(f->key, key, len);
    f->key[len] = '\0';
    f->key_len = len;
    f->fd = sl_static_open_beneath(root_fd, (const char *) f->key, flags);
    if (f->fd == -1) {
        f->err = errno;
        return f;
    }
    if (fstat(f->fd, &st) == -1) {
        f->err = errno;
        (void) close(f->fd);
        f->fd = -1;
        return f;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtime = st.st_mtim.tv_sec;
    f->mtime_nsec = st.st_mtim.tv_nsec;
    f->is_dir = S_ISDIR(st.st_mode) != 0;
    f->is_reg = S_ISREG(st.st_mode) != 0;
    if (!f->is_reg) {
        /* Directories are looked at by name again; a FIFO, socket or
         * device is not something we serve. */
        (void) close(f->fd);
        f->fd = -1;
        f->err = f->is_dir ? 0 : ENOENT;
        return f;
    }
    f->etag_len = sl_static_file_etag(f->etag, f->mtime, f->size);
    if ((flags & SL_STATIC_OPEN_READ_SMALL) && f->size <= (off_t) small_max) {
        sl_static_file_read_small(f);
    }
    return f;
}


/*
 * Keeps the contents in memory and closes the descriptor, unless the
 * file changed while it was read: then it is sent from the descriptor.
 */
static void
sl_static_file_read_small(sl_static_file_t *f)
{
    struct stat  st;
    size_t       got;
    ssize_t      n;

    f->data = malloc(f->size > 0 ? (size_t) f->size : 1);
    if (f->data == NULL) {
        return;
    }
    for (got = 0; got < (size_t) f->size; got += (size_t) n) {
        n = pread(f->fd, f->data + got, (size_t) f->size - got, (off_t) got);
        if (n <= 0) {
            break;
        }
    }
    if (got != (size_t) f->size || fstat(f->fd, &st) == -1
        || st.st_size != f->size || st.st_mtim.tv_sec != f->mtime
        || st.st_mtim.tv_nsec != f->mtime_nsec)
    {
        free(f->data);
        f->data = NULL;
        return;
    }
    (void) close(f->fd);
    f->fd = -1;
}


int
sl_static_file_same(const sl_static_file_t *a, const sl_static_file_t *b)
{
    return a->err == b->err && a->is_dir == b->is_dir
           && a->is_reg == b->is_reg && a->dev == b->dev && a->ino == b->ino
           && a->size == b->size && a->mtime == b->mtime
           && a->mtime_nsec == b->mtime_nsec;
}


void
sl_static_file_drop(sl_static_file_t *f)
{
    if (f == NULL || f->refs > 0 || f->cached) {
        return;
    }
    if (f->fd != -1) {
        (void) close(f->fd);
    }
    free(f->data);
    free(f);
}


static void
sl_static_file_cleanup(void *data)
{
    sl_static_file_t  *f;

    f = data;
    f->refs--;
    sl_static_file_drop(f);
}


sl_int_t
sl_static_file_hold(sl_pool_t *pool, sl_static_file_t *f)
{
    if (sl_pool_cleanup_add(pool, sl_static_file_cleanup, f) == NULL) {
        return SL_ERROR;
    }
    f->refs++;
    return SL_OK;
}
