/* Training controls across epochs: each learning-rate schedule's rate per epoch, the
 * reduce-on-plateau rule and early stopping on crafted sequences, all against numbers worked out
 * by hand in the comments. */
#include "testutil.h"

#include "nnctl/optim.h"

#include "nnctl/schedule.h"

#define TOL 1e-12

static struct nn_optim_spec sched(enum nn_schedule_kind kind)
{
    struct nn_optim_spec o = nn_optim_sgd(0.1, 0, 0);
    o.schedule.kind = kind;
    return o;
}

static void expect_rates(const struct nn_optim_spec *o, const double *want, int E)
{
    for (int e = 0; e < E; e++)
        if (fabs(nn_schedule_lr(o, e, E, 0) - want[e]) > TOL)
            fail_msg("epoch %d: lr %.12g, expected %.12g", e, nn_schedule_lr(o, e, E, 0), want[e]);
}

static void test_schedules(void **state)
{
    (void)state;
    struct nn_optim_spec o = sched(NN_SCHEDULE_CONSTANT);
    expect_rates(&o, (const double[]){0.1, 0.1, 0.1}, 3);
    /* step: × 0.5 every 2 epochs */
    o = sched(NN_SCHEDULE_STEP);
    o.schedule.step_epochs = 2;
    o.schedule.factor = 0.5;
    expect_rates(&o, (const double[]){0.1, 0.1, 0.05, 0.05, 0.025, 0.025}, 6);
    /* exponential: × 0.5 each epoch */
    o = sched(NN_SCHEDULE_EXPONENTIAL);
    o.schedule.factor = 0.5;
    expect_rates(&o, (const double[]){0.1, 0.05, 0.025, 0.0125}, 4);
    /* cosine, 2 warmup epochs, min_lr 0.01, 6 epochs: 0.1·1/2, 0.1·2/2, then over T = 4 epochs
     * 0.01 + 0.09·(1 + cos(π·t/4))/2 for t = 0..3: 0.1, 0.0868198052, 0.055, 0.0231801948 */
    o = sched(NN_SCHEDULE_COSINE);
    o.schedule.warmup_epochs = 2;
    o.schedule.min_lr = 0.01;
    expect_rates(&o,
                 (const double[]){0.05, 0.1, 0.1, 0.01 + 0.09 * (1 + sqrt(0.5)) / 2, 0.055,
                                  0.01 + 0.09 * (1 - sqrt(0.5)) / 2},
                 6);
    /* without warmup the first epoch has the full rate */
    o.schedule.warmup_epochs = 0;
    assert_true(fabs(nn_schedule_lr(&o, 0, 6, 0) - 0.1) < TOL);
    /* reduce_on_plateau: the rate is the one its state holds */
    o = sched(NN_SCHEDULE_PLATEAU);
    assert_true(nn_schedule_lr(&o, 5, 6, 0.0125) == 0.0125);
}

static void test_plateau(void **state)
{
    (void)state;
    /* factor 0.5, patience 2, min_lr 0.02: a reduction after the 3rd epoch in a row without an
     * improvement, the count restarting after it.
     * values 1.0 0.9 | 0.95 0.92 0.91 → lr 0.05 | 0.95 0.96 0.97 → 0.025 | 0.99 1.0 1.01 → 0.0125,
     * floored at 0.02 */
    struct nn_schedule_spec s = {.kind = NN_SCHEDULE_PLATEAU,
                                 .factor = 0.5,
                                 .patience = 2,
                                 .min_lr = 0.02,
                                 .monitor = NN_MONITOR_VAL_LOSS};
    const double v[] = {1.0, 0.9, 0.95, 0.92, 0.91, 0.95, 0.96, 0.97, 0.99, 1.0, 1.01};
    const double lr_after[] = {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.02};
    const uint64_t wait_after[] = {0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
    double lr = 0.1, best = nn_monitor_initial(s.monitor);
    uint64_t wait = 0;
    for (int i = 0; i < 11; i++) {
        nn_plateau_update(&s, v[i], &lr, &best, &wait);
        if (fabs(lr - lr_after[i]) > TOL || wait != wait_after[i])
            fail_msg("after value %d: lr %g wait %llu, expected %g and %llu", i, lr,
                     (unsigned long long)wait, lr_after[i], (unsigned long long)wait_after[i]);
    }
    assert_true(best == 0.9);
    /* accuracy: higher is better */
    s.monitor = NN_MONITOR_VAL_ACCURACY;
    best = nn_monitor_initial(s.monitor);
    wait = 0;
    lr = 0.1;
    nn_plateau_update(&s, 0.5, &lr, &best, &wait);
    nn_plateau_update(&s, 0.6, &lr, &best, &wait);
    assert_true(best == 0.6 && wait == 0);
}

static void test_early_stopping(void **state)
{
    (void)state;
    /* patience 3, min_delta 0.01 on val_loss:
     * 0.5 (best, epoch 1) 0.4 (best, 2) 0.395 (not below 0.39: wait 1) 0.38 (best, 4)
     * 0.39 (1) 0.385 (2) 0.37 (not below 0.37: 3) → stop after epoch 7, best epoch 4 */
    struct nn_early_stop_spec s = {NN_MONITOR_VAL_LOSS, 3, 0.01};
    const double v[] = {0.5, 0.4, 0.395, 0.38, 0.39, 0.385, 0.37};
    const int improved_want[] = {1, 1, 0, 1, 0, 0, 0};
    double best = nn_monitor_initial(s.monitor);
    uint64_t wait = 0, best_epoch = 0;
    for (int i = 0; i < 7; i++) {
        int improved;
        int stop =
            nn_early_stop_update(&s, v[i], (uint64_t)i + 1, &best, &wait, &best_epoch, &improved);
        assert_int_equal(improved, improved_want[i]);
        assert_int_equal(stop, i == 6);
    }
    assert_int_equal(best_epoch, 4);
    assert_true(best == 0.38);
    /* val_accuracy, min_delta 0: NaN never improves */
    struct nn_early_stop_spec a = {NN_MONITOR_VAL_ACCURACY, 2, 0};
    best = nn_monitor_initial(a.monitor);
    wait = best_epoch = 0;
    int improved;
    assert_int_equal(nn_early_stop_update(&a, 0.9, 1, &best, &wait, &best_epoch, &improved), 0);
    assert_int_equal(nn_early_stop_update(&a, NAN, 2, &best, &wait, &best_epoch, &improved), 0);
    assert_int_equal(improved, 0);
    assert_int_equal(nn_early_stop_update(&a, 0.9, 3, &best, &wait, &best_epoch, &improved), 1);
    assert_int_equal(best_epoch, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedules),
        cmocka_unit_test(test_plateau),
        cmocka_unit_test(test_early_stopping),
    };
    return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
