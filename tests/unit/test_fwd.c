/* mcast/fwd.c: a retired table is freed only once every online worker has
 * passed a quiescent point after the swap; offline workers do not hold
 * tables back. */
#include "tests/unit/unit.h"
#include "mcast/fwd.h"

#include <check.h>
#include <stdlib.h>

static int released;
static struct fwd_table *last_released;

static void release(struct fwd_table *t)
{
    released++;
    last_released = t;
}

START_TEST(test_grace_period)
{
    released = 0;
    fwd_worker_online(0, true);
    struct fwd_table *t1 = fwd_table_new(), *t2 = fwd_table_new(), *t3 = fwd_table_new();
    fwd_publish(t1);
    fwd_quiescent(0);
    ck_assert_ptr_eq(fwd_current(), t1);
    fwd_publish(t2); /* t1 retired; the worker may still be using it */
    fwd_reclaim(release);
    ck_assert_int_eq(released, 0);
    fwd_quiescent(0); /* the worker is past its loop's top: it sees t2 */
    ck_assert_ptr_eq(fwd_current(), t2);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 1);
    ck_assert_ptr_eq(last_released, t1);
    /* Two swaps before the worker looks: both old tables wait for it. */
    fwd_publish(t3);
    struct fwd_table *t4 = fwd_table_new();
    fwd_publish(t4);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 1);
    fwd_quiescent(0);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 3);
    /* Going offline releases everything retired. */
    fwd_worker_online(0, false);
    fwd_publish(NULL);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 4);
    ck_assert_ptr_null(fwd_current());
}
END_TEST

START_TEST(test_two_workers)
{
    released = 0;
    fwd_worker_online(0, true);
    fwd_worker_online(1, true);
    fwd_publish(fwd_table_new());
    fwd_publish(fwd_table_new());
    fwd_quiescent(0);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 0); /* worker 1 has not looked yet */
    fwd_quiescent(1);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 1);
    fwd_worker_online(0, false);
    fwd_worker_online(1, false);
    fwd_publish(NULL);
    fwd_reclaim(release);
    ck_assert_int_eq(released, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fwd");
    TCase *tc = tcase_create("fwd");
    tcase_add_test(tc, test_grace_period);
    tcase_add_test(tc, test_two_workers);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
