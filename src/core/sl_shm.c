/*
 * sl_shm.c: the master-wide shared area and the named zones of the layers
 * above (core layer); see sl_shm.h.
 *
 * The zones live in one list per process: the master's is the truth, and a
 * worker's is the copy it forked with. A zone outlives the cycle that asked
 * for it first while another cycle holds it, so it belongs to no pool: the
 * list and the zones are malloc'ed, and each cycle's pool releases its
 * reference.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_shm.h"

#include <sys/mman.h>

static sl_shm_zone_t  *sl_shm_zones;

static sl_shm_zone_t *sl_shm_zone_find(const char *name, size_t size);
static sl_shm_zone_t *sl_shm_zone_map(const char *name, size_t size,
    unsigned flags, char *err, size_t errsize);
static void sl_shm_zone_release(void *data);


sl_shm_t *
sl_shm_create(void)
{
    void  *p;

    /* Anonymous shared memory is zero-filled and survives fork. */
    p = mmap(NULL, sizeof(sl_shm_t), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}


sl_shm_zone_t *
sl_shm_zone_add(sl_cycle_t *cycle, const char *name, size_t size,
    unsigned flags, char *err, size_t errsize)
{
    sl_pool_cleanup_t  *cln;
    sl_shm_zone_t      *z;

    cln = sl_pool_cleanup_add(cycle->pool, NULL, NULL);
    if (cln == NULL) {
        (void) snprintf(err, errsize, "out of memory for shared zone "
                        "\"%s\"", name);
        return NULL;
    }
    z = (flags & SL_SHM_ZONE_OWN) ? NULL : sl_shm_zone_find(name, size);
    if (z == NULL) {
        z = sl_shm_zone_map(name, size, flags, err, errsize);
        if (z == NULL) {
            return NULL;
        }
    }
    z->refs++;
    cln->handler = sl_shm_zone_release;
    cln->data = z;
    return z;
}


static sl_shm_zone_t *
sl_shm_zone_find(const char *name, size_t size)
{
    sl_shm_zone_t  *z;

    for (z = sl_shm_zones; z; z = z->next) {
        if (!z->own && z->size == size && strcmp(z->name, name) == 0) {
            return z;
        }
    }
    return NULL;
}


static sl_shm_zone_t *
sl_shm_zone_map(const char *name, size_t size, unsigned flags, char *err,
    size_t errsize)
{
    sl_shm_zone_t  *z;
    sl_err_t        e;

    z = calloc(1, sizeof(sl_shm_zone_t));
    if (z) {
        z->name = strdup(name);
    }
    if (z == NULL || z->name == NULL) {
        free(z);
        (void) snprintf(err, errsize, "out of memory for shared zone "
                        "\"%s\"", name);
        return NULL;
    }
    z->addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (z->addr == MAP_FAILED) {
        e = errno;
        (void) snprintf(err, errsize, "mmap() of %zu bytes for shared zone "
                        "\"%s\" failed (%d: %s)", size, name, e, strerror(e));
        free(z->name);
        free(z);
        return NULL;
    }
    z->size = size;
    z->own = (flags & SL_SHM_ZONE_OWN) ? 1 : 0;
    z->next = sl_shm_zones;
    sl_shm_zones = z;
    return z;
}


/* A cycle's pool lets its zone go; the last one unmaps it. */
static void
sl_shm_zone_release(void *data)
{
    sl_shm_zone_t  *z, **pz;

    z = data;
    if (--z->refs > 0) {
        return;
    }
    for (pz = &sl_shm_zones; *pz; pz = &(*pz)->next) {
        if (*pz == z) {
            *pz = z->next;
            break;
        }
    }
    (void) munmap(z->addr, z->size);
    free(z->name);
    free(z);
}


void
sl_shm_zones_spawn(sl_uint_t slot)
{
    sl_shm_zone_t  *z;

    for (z = sl_shm_zones; z; z = z->next) {
        if (z->spawn) {
            z->spawn(z, slot, 0);
        }
    }
}


void
sl_shm_zones_gone(sl_uint_t slot, pid_t pid)
{
    sl_shm_zone_t  *z;

    for (z = sl_shm_zones; z; z = z->next) {
        if (z->gone) {
            z->gone(z, slot, pid);
        }
    }
}
