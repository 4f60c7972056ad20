/* The compute-backend seam: a backend defined only here, wrapping OpenBLAS, receives every GEMM of
 * a training step (the layers and the step call no BLAS themselves), is told which operand is a
 * parameter tensor, is attached once at build and told of every parameter update, and gives
 * bit-identical results. Registered at run time, it is chosen by name through a config's
 * training.backend and trains end to end; names, precisions and CPUs that cannot be had are
 * refused with their reason. */
#include "testutil.h"

#include "nnctl/backend.h"
#include "nnctl/checkpoint.h"
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

static int can_run(char *why, size_t len)
{
    (void)why, (void)len;
    return 0;
}

static const struct nn_backend counting = {
    .name = "counting",
    .doc = "OpenBLAS, counting its calls (tests/test_backend.c)",
    .precision = NN_PRECISION_FLOAT32,
    .check = can_run,
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
    char why[256];
    for (; all[n]; n++)
        assert_true(all[n]->check(why, sizeof why) == 0 || all[n]->check(why, sizeof why) == -1);
    assert_true(n >= 1);
    char buf[256];
    nn_backend_openblas.describe(buf, sizeof buf);
    assert_non_null(strstr(buf, "OpenBLAS"));
}

/* A backend that never runs here, to see its reason come back. */
static int cannot_run(char *why, size_t len)
{
    snprintf(why, len, "this CPU has no frobnicator");
    return -1;
}

static const struct nn_backend absent = {
    .name = "absent",
    .doc = "a backend this CPU cannot run (tests/test_backend.c)",
    .precision = NN_PRECISION_FLOAT32,
    .check = cannot_run,
    .gemm = counting_gemm,
    .set_threads = set_threads,
    .threads = threads,
    .describe = describe,
};

static const char *XOR = "model: {input_shape: [2], layers: [{type: dense, units: 4, activation: "
                         "tanh}, {type: dense, units: 1, activation: sigmoid}]}\n"
                         "loss: binary_crossentropy\noptimizer: {type: sgd, learning_rate: 0.5}\n"
                         "training: {epochs: 50, batch_size: 4, seed: 3}\n"
                         "data: {x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]]}\n";

/* Registered at run time and named in training.backend, the counting backend trains XOR end to
 * end: every GEMM passes through it, and the checkpoint is OpenBLAS's byte for byte. */
static void test_chosen_by_name(void **state)
{
    (void)state;
    assert_int_equal(nn_backend_register(&counting), 0);
    assert_int_equal(nn_backend_register(&counting), -1); /* the name is taken */
    assert_ptr_equal(nn_backend_find("counting"), &counting);
    n_gemm = 0;
    struct nn_train_result r1, r2;
    const char *by_name[] = {"training.backend=counting"};
    test_train_ok(XOR, by_name, 1, "counting", 1, &r1);
    assert_true(n_gemm > 0);
    const int gemms = n_gemm;
    test_train_ok(XOR, NULL, 0, "auto", 1, &r2); /* auto: OpenBLAS, the first float32 one */
    assert_int_equal(n_gemm, gemms);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/counting/model.ckpt", test_tmpdir());
    snprintf(b, sizeof b, "%s/auto/model.ckpt", test_tmpdir());
    /* the embedded configs differ in the line naming the backend: the parameters are equal, and
     * the checkpoint loads back onto the backend it names */
    struct nn_config ca, cb;
    struct nn_model ma, mb;
    struct nn_error err;
    assert_int_equal(nn_checkpoint_load(a, 4, &ca, &ma, NULL, &err), NN_OK);
    assert_int_equal(nn_checkpoint_load(b, 4, &cb, &mb, NULL, &err), NN_OK);
    assert_ptr_equal(ma.backend, &counting);
    assert_ptr_equal(mb.backend, &nn_backend_openblas);
    assert_int_equal(ma.n_params, mb.n_params);
    assert_memory_equal(ma.params, mb.params, ma.n_params * sizeof(nn_real));
    assert_true(r1.final_train_loss == r2.final_train_loss);
    nn_model_free(&ma);
    nn_model_free(&mb);
    nn_config_free(&ca);
    nn_config_free(&cb);
    char why[256];
    assert_ptr_equal(nn_backend_choose("counting", NN_PRECISION_FLOAT32, why, sizeof why),
                     &counting);
    assert_ptr_equal(nn_backend_choose("auto", NN_PRECISION_FLOAT32, why, sizeof why),
                     &nn_backend_openblas);
}

/* What cannot be had is refused with its reason, in the config's checks too. */
static void test_refusals(void **state)
{
    (void)state;
    assert_int_equal(nn_backend_register(&absent), 0);
    char why[512];
    assert_null(nn_backend_choose("cuda", NN_PRECISION_FLOAT32, why, sizeof why));
    assert_non_null(strstr(why, "no backend 'cuda'; this build has openblas, onednn-bf16"));
    assert_null(nn_backend_choose("openblas", NN_PRECISION_BFLOAT16, why, sizeof why));
    assert_string_equal(why, "backend 'openblas' computes in float32, and training.precision is "
                             "bfloat16");
    assert_null(nn_backend_choose("absent", NN_PRECISION_FLOAT32, why, sizeof why));
    assert_string_equal(why, "this CPU has no frobnicator");
    struct nn_config cfg;
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    const char *sets[] = {"training.backend=absent"};
    assert_int_equal(nn_config_load("t.yaml", XOR, sets, 1, &cfg, d), NN_ERR_CONFIG);
    assert_true(d->n >= 1);
    assert_non_null(strstr(d->d[0].msg, "'training.backend': this CPU has no frobnicator"));
    nn_config_free(&cfg);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_gemm_through_the_backend),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_chosen_by_name),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("backend", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
