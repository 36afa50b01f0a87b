/*
 * test_rlimit.c: the decision of the limit on open files (core layer,
 * sl_rlimit_plan): raised as needed between the master's own soft limit
 * and the hard one, or worker_rlimit_nofile, which only root may put
 * above the hard limit; and when the result is still below the need.
 */
#include "sl_core.h"
#include "sl_rlimit.h"

#include <setjmp.h>
#include <cmocka.h>

#define INF  UINT64_MAX   /* RLIM_INFINITY */

typedef struct {
    const char  *name;
    int          line;
    uint64_t     needed, wanted, base, soft, hard;
    unsigned     root;
    uint64_t     want_soft, want_hard;
    unsigned     refuse, tight;
} sl_test_row_t;

#define ROW(name, needed, wanted, base, soft, hard, root, wsoft, whard,      \
            refuse, tight)                                                  \
    { name, __LINE__, needed, wanted, base, soft, hard, root, wsoft, whard, \
      refuse, tight }


static void
test_rlimit_plan(void **state)
{
    static const sl_test_row_t  rows[] = {
        /*  name                        needed wanted base soft hard root
         *                              -> soft hard refuse tight */
        ROW("fits already", 100, 0, 1024, 1024, 4096, 0,
            1024, 4096, 0, 0),
        ROW("raised as far as needed", 2000, 0, 1024, 1024, 4096, 0,
            2000, 4096, 0, 0),
        ROW("raised to the hard limit", 5000, 0, 1024, 1024, 4096, 0,
            4096, 4096, 0, 1),
        ROW("never below the master's", 100, 0, 1024, 300, 4096, 0,
            1024, 4096, 0, 0),
        ROW("back from a set value", 133, 0, 256, 300, 512, 0,
            256, 512, 0, 0),
        ROW("set, below the need", 1033, 300, 256, 256, 512, 0,
            300, 512, 0, 1),
        ROW("set lower than now", 100, 300, 1024, 1024, 4096, 0,
            300, 4096, 0, 0),
        ROW("set at the hard limit", 100, 512, 256, 256, 512, 0,
            512, 512, 0, 0),
        ROW("set above the hard limit", 100, 600, 256, 256, 512, 0,
            600, 600, 1, 0),
        ROW("set above it as root", 100, 600, 256, 256, 512, 1,
            600, 600, 0, 0),
        ROW("unlimited hard", 5000, 0, 1024, 1024, INF, 0,
            5000, INF, 0, 0),
        ROW("unlimited", 5000, 0, INF, INF, INF, 0,
            INF, INF, 0, 0),
        ROW("base above a lowered hard", 100, 0, 4096, 1024, 2048, 0,
            2048, 2048, 0, 0),
    };
    sl_rlimit_plan_t  out;
    sl_rlimit_in_t    in;
    size_t            i;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        in.needed = rows[i].needed;
        in.wanted = rows[i].wanted;
        in.base = rows[i].base;
        in.soft = rows[i].soft;
        in.hard = rows[i].hard;
        in.root = rows[i].root;
        memset(&out, 0xa5, sizeof(out));
        sl_rlimit_plan(&in, &out);
        if (out.soft != rows[i].want_soft || out.hard != rows[i].want_hard
            || out.refuse != rows[i].refuse || out.tight != rows[i].tight)
        {
            fail_msg("row \"%s\" (line %d): soft %llu hard %llu refuse %u "
                     "tight %u", rows[i].name, rows[i].line,
                     (unsigned long long) out.soft,
                     (unsigned long long) out.hard, out.refuse, out.tight);
        }
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_rlimit_plan),
    };

    return cmocka_run_group_tests_name("rlimit", tests, NULL, NULL);
}
