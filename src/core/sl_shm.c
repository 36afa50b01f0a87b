/*
 * sl_shm.c: the master-wide shared area (core layer); see sl_shm.h.
 */
#include "sl_core.h"
#include "sl_shm.h"

#include <sys/mman.h>


sl_shm_t *
sl_shm_create(void)
{
    void  *p;

    /* Anonymous shared memory is zero-filled and survives fork. */
    p = mmap(NULL, sizeof(sl_shm_t), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}


void
sl_shm_destroy(sl_shm_t *shm)
{
    if (shm) {
        (void) munmap(shm, sizeof(sl_shm_t));
    }
}
