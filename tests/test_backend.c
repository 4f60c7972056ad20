/* The compute-backend seam: a backend defined only here, wrapping OpenBLAS, receives every GEMM of
 * a training step (the layers and the step call no BLAS themselves), is told which operand is a
 * parameter tensor, is attached once at build and told of every parameter update, and gives
 * bit-identical results. */
#include "testutil.h"

#include "nnctl/backend.h"
#include "nnctl/model.h"
#include "nnctl/reference.h"

static int n_gemm, n_param_operand, n_attach;
static size_t updated; /* parameter elements reported changed */

static void counting_gemm(const struct nn_backend *be, enum nn_trans ta, enum nn_trans tb, int m,
                          int n, int k, nn_real alpha, const nn_real *a, int lda, const nn_real *b,
                          int ldb, nn_real beta, nn_real *c, int ldc, int b_param)
{
    (void)be;
    n_gemm++;
    n_param_operand += b_param >= 0;
    nn_gemm(&nn_backend_openblas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, b_param);
}

static int counting_attach(const struct nn_backend *be, const struct nn_model *m)
{
    (void)be, (void)m;
    n_attach++;
    return 0;
}

static void counting_updated(const struct nn_backend *be, const struct nn_model *m, size_t off,
                             size_t n)
{
    (void)be;
    assert_true(off + n <= m->n_params);
    updated += n;
}

static void set_threads(int t)
{
    nn_backend_openblas.set_threads(t);
}

static int threads(void)
{
    return nn_backend_openblas.threads();
}

static void describe(char *buf, size_t len)
{
    snprintf(buf, len, "counting");
}

static int available(void)
{
    return 1;
}

static const struct nn_backend counting = {
    .name = "counting",
    .available = available,
    .gemm = counting_gemm,
    .set_threads = set_threads,
    .threads = threads,
    .describe = describe,
    .attach = counting_attach,
    .params_updated = counting_updated,
};

static const char *MLP = "model: {input_shape: [6], layers: [{type: dense, units: 5, activation: "
                         "tanh}, {type: dense, units: 4, activation: relu}, {type: dense, units: "
                         "3}]}\nloss: mse\ndata: {x: [[0, 0, 0, 0, 0, 0]], y: [[0, 0, 0]]}\n";

static void test_every_gemm_through_the_backend(void **state)
{
    (void)state;
    struct nn_config cfg;
    load_cfg_text(MLP, &cfg);
    struct nn_model a, b;
    struct nn_error err;
    assert_int_equal(nn_model_create(&cfg, 8, &a, &err), NN_OK);
    assert_ptr_equal(a.backend, nn_backend_default());
    assert_int_equal(nn_model_create(&cfg, 8, &b, &err), NN_OK);
    b.backend = &counting;
    assert_int_equal(counting.attach(&counting, &b), 0);
    nn_real x[8 * 6], t[8 * 3];
    for (int i = 0; i < 8 * 6; i++)
        x[i] = (nn_real)((i % 7) - 3) / 4;
    for (int i = 0; i < 8 * 3; i++)
        t[i] = (nn_real)(i % 2);
    for (int step = 0; step < 3; step++) {
        struct nn_model *ms[2] = {&a, &b};
        for (int k = 0; k < 2; k++) {
            const nn_real *out = nn_model_forward(ms[k], x, 8, -1);
            nn_loss(cfg.loss, out, t, 8, 3, ms[k]->dout);
            nn_model_backward_sgd(ms[k], x, ms[k]->dout, 8, (nn_real)0.1);
        }
    }
    /* per step: 3 forward GEMMs (W a parameter), 2 dX GEMMs (Wᵀ a parameter; the first layer's
     * input gradient is never computed), 3 weight-gradient GEMMs (no parameter operand) */
    assert_int_equal(n_gemm, 3 * 8);
    assert_int_equal(n_param_operand, 3 * 5);
    assert_int_equal(n_attach, 1);
    assert_int_equal(updated, 3 * b.n_params); /* every parameter, every step */
    assert_memory_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    nn_model_free(&a);
    nn_model_free(&b);
    nn_config_free(&cfg);
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(nn_backend_find("openblas"), &nn_backend_openblas);
    assert_null(nn_backend_find("cuda"));
    const struct nn_backend *const *all = nn_backend_list();
    int n = 0;
    for (; all[n]; n++)
        assert_true(all[n]->available() == 0 || all[n]->available() == 1);
    assert_true(n >= 1);
    char buf[256];
    nn_backend_openblas.describe(buf, sizeof buf);
    assert_non_null(strstr(buf, "OpenBLAS"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_gemm_through_the_backend),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests_name("backend", tests, NULL, NULL);
}
