/*
 * test_shm.c: unit tests of the shared memory zones (core layer,
 * sl_shm.h): a zone of the same name and size is shared by the cycles
 * that ask for it, keeping what it holds; another size or SL_SHM_ZONE_OWN
 * maps a new one; the last cycle to let go unmaps it; the slot hooks run
 * for every zone; and what a zone holds is seen across fork.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_shm.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <cmocka.h>

static sl_uint_t  test_shm_spawned[2];
static pid_t      test_shm_gone_pid;


static sl_cycle_t *
test_shm_cycle(void)
{
    sl_cycle_t  *cycle;

    cycle = calloc(1, sizeof(sl_cycle_t));
    assert_non_null(cycle);
    cycle->pool = sl_pool_create(4096);
    assert_non_null(cycle->pool);
    return cycle;
}


static void
test_shm_cycle_free(sl_cycle_t *cycle)
{
    sl_pool_destroy(cycle->pool);
    free(cycle);
}


static sl_shm_zone_t *
test_shm_zone(sl_cycle_t *cycle, const char *name, size_t size,
    unsigned flags)
{
    sl_shm_zone_t  *z;
    char            err[256];

    err[0] = '\0';
    z = sl_shm_zone_add(cycle, name, size, flags, err, sizeof(err));
    assert_non_null(z);
    assert_string_equal(err, "");
    return z;
}


/* Whether addr is still mapped (mincore fails with ENOMEM when not). */
static int
test_shm_mapped(void *addr)
{
    unsigned char  vec;

    return mincore(addr, 1, &vec) == 0;
}


static void
test_same_name_and_size_is_shared_across_cycles(void **state)
{
    sl_cycle_t     *old, *new;
    sl_shm_zone_t  *a, *b;

    (void) state;
    old = test_shm_cycle();
    new = test_shm_cycle();
    a = test_shm_zone(old, "counters", 4096, 0);
    assert_int_equal(((uint64_t *) a->addr)[0], 0);   /* zeroed */
    ((uint64_t *) a->addr)[0] = 42;
    b = test_shm_zone(new, "counters", 4096, 0);
    assert_ptr_equal(a, b);
    assert_int_equal(((uint64_t *) b->addr)[0], 42);   /* kept */
    assert_int_equal(b->refs, 2);
    test_shm_cycle_free(old);                          /* reload done */
    assert_true(test_shm_mapped(b->addr));
    assert_int_equal(((uint64_t *) b->addr)[0], 42);
    test_shm_cycle_free(new);
}


static void
test_other_size_or_own_maps_a_new_zone(void **state)
{
    sl_cycle_t     *old, *new;
    sl_shm_zone_t  *a, *b, *c, *d;

    (void) state;
    old = test_shm_cycle();
    new = test_shm_cycle();
    a = test_shm_zone(old, "z", 4096, 0);
    b = test_shm_zone(new, "z", 8192, 0);
    c = test_shm_zone(new, "own", 4096, SL_SHM_ZONE_OWN);
    d = test_shm_zone(new, "own", 4096, SL_SHM_ZONE_OWN);
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(a->addr, b->addr);
    assert_ptr_not_equal(c, d);
    ((uint64_t *) c->addr)[0] = 7;
    assert_int_equal(((uint64_t *) d->addr)[0], 0);
    test_shm_cycle_free(old);
    test_shm_cycle_free(new);
}


static void
test_last_cycle_unmaps(void **state)
{
    sl_cycle_t     *cycle;
    sl_shm_zone_t  *z;
    void           *addr;

    (void) state;
    cycle = test_shm_cycle();
    z = test_shm_zone(cycle, "gone", 4096, 0);
    addr = z->addr;
    assert_true(test_shm_mapped(addr));
    test_shm_cycle_free(cycle);
    assert_false(test_shm_mapped(addr));
    /* Asked for again: a fresh, zeroed zone. */
    cycle = test_shm_cycle();
    z = test_shm_zone(cycle, "gone", 4096, 0);
    assert_int_equal(((uint64_t *) z->addr)[0], 0);
    test_shm_cycle_free(cycle);
}


static void
test_shm_spawn_hook(sl_shm_zone_t *zone, sl_uint_t slot, pid_t pid)
{
    assert_int_equal(pid, 0);
    test_shm_spawned[(uintptr_t) zone->data] = slot;
}


static void
test_shm_gone_hook(sl_shm_zone_t *zone, sl_uint_t slot, pid_t pid)
{
    (void) zone;
    assert_int_equal(slot, 5);
    test_shm_gone_pid = pid;
}


static void
test_slot_hooks_run_for_every_zone(void **state)
{
    sl_cycle_t     *cycle;
    sl_shm_zone_t  *a, *b;

    (void) state;
    cycle = test_shm_cycle();
    a = test_shm_zone(cycle, "a", 4096, 0);
    b = test_shm_zone(cycle, "b", 4096, 0);
    a->spawn = test_shm_spawn_hook;
    a->data = (void *) (uintptr_t) 0;
    b->spawn = test_shm_spawn_hook;
    b->data = (void *) (uintptr_t) 1;
    b->gone = test_shm_gone_hook;
    sl_shm_zones_spawn(3);
    assert_int_equal(test_shm_spawned[0], 3);
    assert_int_equal(test_shm_spawned[1], 3);
    sl_shm_zones_gone(5, 1234);
    assert_int_equal(test_shm_gone_pid, 1234);
    test_shm_cycle_free(cycle);
}


static void
test_zone_is_shared_with_children(void **state)
{
    sl_cycle_t     *cycle;
    sl_shm_zone_t  *z;
    pid_t           pid;
    int             status;

    (void) state;
    cycle = test_shm_cycle();
    z = test_shm_zone(cycle, "fork", 4096, 0);
    pid = fork();
    assert_int_not_equal(pid, -1);
    if (pid == 0) {
        ((volatile uint64_t *) z->addr)[1] = 99;
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(((volatile uint64_t *) z->addr)[1], 99);
    test_shm_cycle_free(cycle);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_same_name_and_size_is_shared_across_cycles),
        cmocka_unit_test(test_other_size_or_own_maps_a_new_zone),
        cmocka_unit_test(test_last_cycle_unmaps),
        cmocka_unit_test(test_slot_hooks_run_for_every_zone),
        cmocka_unit_test(test_zone_is_shared_with_children),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
