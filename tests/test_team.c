/* The thread team: every thread runs every job, barriers order memory, the split covers n. */
#include <stdatomic.h>
#include <time.h>

#include "testutil.h"

#include "nnctl/team.h"

struct job {
    struct nn_team *team;
    int rounds;
    long slot[NN_TEAM_MAX];
    atomic_long seen_wrong;
    atomic_int runs;
};

/* Each round every thread writes its slot, meets the others at a barrier, checks that every slot
 * holds this round's value, and meets them again before anyone writes the next round's. A barrier
 * that let a thread through early, or did not publish the writes, shows up as a wrong value. */
static void rounds(void *arg, int t, int n)
{
    struct job *j = arg;
    atomic_fetch_add(&j->runs, 1);
    long wrong = 0;
    for (int r = 1; r <= j->rounds; r++) {
        j->slot[t] = (long)r * 100 + t;
        nn_team_barrier(j->team);
        for (int q = 0; q < n; q++)
            wrong += j->slot[q] != (long)r * 100 + q;
        nn_team_barrier(j->team);
    }
    atomic_fetch_add(&j->seen_wrong, wrong);
}

static void test_barrier_orders_rounds(void **state)
{
    (void)state;
    for (int n = 1; n <= 4; n++) {
        struct nn_team *team;
        struct nn_error err;
        assert_int_equal(nn_team_create(n, &team, &err), NN_OK);
        assert_int_equal(nn_team_size(team), n);
        static struct job j;
        memset(&j, 0, sizeof j);
        atomic_init(&j.runs, 0);
        atomic_init(&j.seen_wrong, 0);
        j.team = team;
        j.rounds = 1000;
        for (int k = 0; k < 5; k++) /* the same team runs job after job */
            nn_team_run(team, rounds, &j);
        assert_int_equal(atomic_load(&j.runs), 5 * n);
        assert_int_equal(atomic_load(&j.seen_wrong), 0);
        nn_team_free(team);
    }
}

static void sum_part(void *arg, int t, int n)
{
    long *v = arg; /* v[0] = count, v[1 + t] = this thread's sum */
    int lo, hi;
    nn_team_split((int)v[0], t, n, &lo, &hi);
    long s = 0;
    for (int i = lo; i < hi; i++)
        s += i;
    v[1 + t] = s;
}

static void test_split_covers_everything(void **state)
{
    (void)state;
    struct nn_team *team;
    struct nn_error err;
    assert_int_equal(nn_team_create(3, &team, &err), NN_OK);
    for (long count = 0; count < 50; count++) {
        long v[4] = {count, -1, -1, -1};
        nn_team_run(team, sum_part, v);
        assert_int_equal(v[1] + v[2] + v[3], count * (count - 1) / 2);
    }
    for (int n = 1; n <= 5; n++)
        for (int count = 0; count < 12; count++) {
            int prev = 0;
            for (int t = 0; t < n; t++) {
                int lo, hi;
                nn_team_split(count, t, n, &lo, &hi);
                assert_int_equal(lo, prev); /* contiguous and in order */
                assert_true(hi - lo == count / n || hi - lo == count / n + 1);
                prev = hi;
            }
            assert_int_equal(prev, count);
        }
    nn_team_free(team);
}

static void test_idle_team_sleeps_and_wakes(void **state)
{
    (void)state;
    /* Workers go to sleep after a while without jobs; the next job must still wake them all. */
    struct nn_team *team;
    struct nn_error err;
    assert_int_equal(nn_team_create(2, &team, &err), NN_OK);
    for (int k = 0; k < 3; k++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        long v[3] = {1000, -1, -1};
        nn_team_run(team, sum_part, v);
        assert_int_equal(v[1] + v[2], 999L * 1000 / 2);
    }
    nn_team_free(team);
    nn_team_free(NULL);
}

/* A job whose workers take long (the SVM's class pairs run seconds each): the caller, done with its
 * own part, stops yielding and sleeps until the last worker wakes it; what the workers wrote is
 * visible when the run returns, every time. */
static void slow_part(void *arg, int t, int n)
{
    long *v = arg;
    if (t > 0) {
        struct timespec pause = {0, 150 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    v[t] = (long)(t + 1) * n;
}

static void test_long_job_caller_sleeps(void **state)
{
    (void)state;
    for (int n = 2; n <= 4; n++) {
        struct nn_team *team;
        struct nn_error err;
        assert_int_equal(nn_team_create(n, &team, &err), NN_OK);
        for (int k = 0; k < 3; k++) {
            long v[4] = {0, 0, 0, 0};
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            clock_t c0 = clock();
            nn_team_run(team, slow_part, v);
            clock_t c1 = clock();
            clock_gettime(CLOCK_MONOTONIC, &t1);
            for (int t = 0; t < n; t++)
                assert_int_equal(v[t], (long)(t + 1) * n);
            /* the caller slept: far less CPU than the 150 ms it waited (yielding would burn it all;
             * the bounded spin before the sleep costs a few ms, tens under ThreadSanitizer) */
            const double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
            assert_true(wall >= 0.149);
            assert_true((double)(c1 - c0) / CLOCKS_PER_SEC < 0.5 * wall);
        }
        nn_team_free(team);
    }
}

static void test_bad_size_refused(void **state)
{
    (void)state;
    struct nn_team *team;
    struct nn_error err = {0};
    assert_int_equal(nn_team_create(0, &team, &err), NN_ERR_USAGE);
    assert_null(team);
    assert_int_equal(nn_team_create(NN_TEAM_MAX + 1, &team, &err), NN_ERR_USAGE);
    assert_non_null(strstr(err.msg, "expected 1 to"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_barrier_orders_rounds),
        cmocka_unit_test(test_split_covers_everything),
        cmocka_unit_test(test_idle_team_sleeps_and_wakes),
        cmocka_unit_test(test_long_job_caller_sleeps),
        cmocka_unit_test(test_bad_size_refused),
    };
    return cmocka_run_group_tests_name("team", tests, NULL, NULL);
}
