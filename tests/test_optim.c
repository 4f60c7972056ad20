/* One and two optimizer steps against numbers computed by hand (worked out in the comments). */
#include "testutil.h"

#include "nnctl/model.h"

/* Tolerance for float32 arithmetic on values near 1. */
#define TOL 2e-6

static void run(const struct nn_optim_spec *o, const double *gs, int steps, double *w_out,
                nn_real *state)
{
    nn_real w = 1, g;
    for (int t = 1; t <= steps; t++) {
        g = (nn_real)gs[t - 1];
        nn_optim_step(o, t, &w, &g, state, 1);
        w_out[t - 1] = w;
    }
}

static void test_sgd(void **s)
{
    (void)s;
    /* w = 1, g = 0.5, lr = 0.1: w = 1 − 0.1·0.5 = 0.95; then g = 0.25: 0.95 − 0.025 = 0.925 */
    struct nn_optim_spec o = nn_optim_sgd(0.1, 0, 0);
    double g[2] = {0.5, 0.25}, w[2];
    assert_int_equal(nn_optim_state_per_param(&o), 0);
    run(&o, g, 2, w, NULL);
    assert_close_double(w[0], 0.95, TOL);
    assert_close_double(w[1], 0.925, TOL);
}

static void test_sgd_momentum(void **s)
{
    (void)s;
    /* μ = 0.9: v1 = 0.5, w1 = 1 − 0.1·0.5 = 0.95;
     *          v2 = 0.9·0.5 + 0.25 = 0.7, w2 = 0.95 − 0.1·0.7 = 0.88 */
    struct nn_optim_spec o = nn_optim_sgd(0.1, 0.9, 0);
    double g[2] = {0.5, 0.25}, w[2];
    nn_real v = 0;
    assert_int_equal(nn_optim_state_per_param(&o), 1);
    run(&o, g, 2, w, &v);
    assert_close_double(w[0], 0.95, TOL);
    assert_close_double(w[1], 0.88, TOL);
    assert_close_double(v, 0.7, TOL);
}

static void test_sgd_nesterov(void **s)
{
    (void)s;
    /* v1 = 0.5, w1 = 1 − 0.1·(0.5 + 0.9·0.5) = 1 − 0.095 = 0.905;
     * v2 = 0.7, w2 = 0.905 − 0.1·(0.25 + 0.9·0.7) = 0.905 − 0.088 = 0.817 */
    struct nn_optim_spec o = nn_optim_sgd(0.1, 0.9, 1);
    double g[2] = {0.5, 0.25}, w[2];
    nn_real v = 0;
    run(&o, g, 2, w, &v);
    assert_close_double(w[0], 0.905, TOL);
    assert_close_double(w[1], 0.817, TOL);
}

static void test_adam(void **s)
{
    (void)s;
    /* lr 0.1, β1 0.9, β2 0.999, ε 1e-8.
     * t=1, g=0.5:  m = 0.05, v = 0.00025; m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25;
     *              w = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002
     * t=2, g=0.25: m = 0.045 + 0.025 = 0.07, v = 0.00024975 + 0.0000625 = 0.00031225;
     *              m̂ = 0.07/0.19 = 0.368421053, v̂ = 0.00031225/0.001999 = 0.156203102,
     *              √v̂ = 0.395225381; w = 0.900000002 − 0.1·0.368421053/0.395225391 = 0.806782040 */
    struct nn_optim_spec o = nn_optim_adam(0.1, 0.9, 0.999, 1e-8);
    double g[2] = {0.5, 0.25}, w[2];
    nn_real st[2] = {0, 0};
    assert_int_equal(nn_optim_state_per_param(&o), 2);
    run(&o, g, 2, w, st);
    assert_close_double(w[0], 0.900000002, TOL);
    assert_close_double(w[1], 0.806782040, TOL);
    assert_close_double(st[0], 0.07, TOL);
    assert_close_double(st[1], 0.00031225, 1e-9);
}

static void test_adamw(void **s)
{
    (void)s;
    /* test_adam's numbers with weight decay 0.1, decoupled (AdamW): w ← w·(1 − lr·wd) = 0.99·w
     * first, then the same Adam step (m, v and the step size do not see the decay).
     * t=1: w = 0.99 − 0.099999998 = 0.890000002
     * t=2: w = 0.890000002·0.99 − 0.1·0.368421053/0.395225391 = 0.881100002 − 0.093217962
     *        = 0.787882040 */
    struct nn_optim_spec o = nn_optim_adam(0.1, 0.9, 0.999, 1e-8);
    o.weight_decay = 0.1;
    double g[2] = {0.5, 0.25}, w[2];
    nn_real st[2] = {0, 0};
    run(&o, g, 2, w, st);
    assert_close_double(w[0], 0.890000002, TOL);
    assert_close_double(w[1], 0.787882040, TOL);
    assert_close_double(st[0], 0.07, TOL); /* the moments are those of plain Adam */
}

static void test_sgd_weight_decay(void **s)
{
    (void)s;
    /* wd 0.1 added to the gradient (PyTorch's SGD), lr 0.1.
     * plain: g1 = 0.5 + 0.1·1 = 0.6, w1 = 0.94; g2 = 0.25 + 0.1·0.94 = 0.344, w2 = 0.9056
     * μ 0.9: v1 = 0.6, w1 = 0.94; v2 = 0.9·0.6 + 0.344 = 0.884, w2 = 0.94 − 0.0884 = 0.8516 */
    struct nn_optim_spec o = nn_optim_sgd(0.1, 0, 0);
    o.weight_decay = 0.1;
    double g[2] = {0.5, 0.25}, w[2];
    run(&o, g, 2, w, NULL);
    assert_close_double(w[0], 0.94, TOL);
    assert_close_double(w[1], 0.9056, TOL);
    const double wd = o.weight_decay;
    o = nn_optim_sgd(0.1, 0.9, 0);
    o.weight_decay = wd;
    nn_real v = 0;
    run(&o, g, 2, w, &v);
    assert_close_double(w[0], 0.94, TOL);
    assert_close_double(w[1], 0.8516, TOL);
    assert_close_double(v, 0.884, TOL);
}

static void test_flat_buffer(void **s)
{
    (void)s;
    /* The optimizer treats the arena as one flat vector: element i only sees gradient i. */
    struct nn_optim_spec o = nn_optim_sgd(0.5, 0, 0);
    nn_real w[5] = {1, 2, 3, 4, 5}, g[5] = {2, 0, -2, 4, 0};
    nn_optim_step(&o, 1, w, g, NULL, 5);
    const double expect[5] = {0, 2, 4, 2, 5};
    for (int i = 0; i < 5; i++)
        assert_close_double(w[i], expect[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_sgd_momentum),
        cmocka_unit_test(test_sgd_nesterov),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_flat_buffer),
        cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_sgd_weight_decay),
    };
    return cmocka_run_group_tests_name("optim", tests, NULL, NULL);
}
