/* The bf16 backend (oneDNN matmul on AMX or AVX512-BF16): rounding, gradients against fp32 within
 * what bf16 rounding explains, training that learns, and bit-reproducible runs. Every test is
 * skipped on a CPU with neither AMX-BF16 nor AVX512-BF16. */
#include "testutil.h"

#include <dnnl.h>
#include <unistd.h>

#include "nnctl/model.h"
#include "nnctl/onednn.h"
#include "nnctl/reference.h"
#include "nnctl/train.h"

static int have_bf16(void)
{
    char why[256];
    if (nn_backend_onednn_bf16.check(why, sizeof why) == 0)
        return 1;
    print_message("    skipped: %s\n", why);
    return 0;
}

static void test_rounding(void **state)
{
    (void)state;
    /* bf16 keeps the top 16 bits of a float: 1 + 2^-8 is halfway between 1 and 1 + 2^-7, and ties
     * go to the even mantissa (1); 1 + 3·2^-8 goes up to 1 + 2^-6 (even) */
    const float in[] = {1.0f,           1.0f + 0x1p-8f, 1.0f + 0x1p-7f, 1.0f + 3 * 0x1p-8f,
                        1.0f + 0x1p-9f, -2.5f,          0.0f,           65504.0f,
                        1e-40f};
    /* 65504 = 0x477fe000: the dropped half 0xe000 is above the tie, so it rounds up */
    const uint16_t want[] = {0x3f80, 0x3f80, 0x3f81, 0x3f82, 0x3f80,
                             0xc020, 0x0000, 0x4780, 0x0001};
    uint16_t out[9];
    nn_bf16_round(out, in, 9);
    for (int i = 0; i < 9; i++)
        if (out[i] != want[i])
            fail_msg("bf16(%g) = 0x%04x, expected 0x%04x", (double)in[i], out[i], want[i]);
    float nan = __builtin_nanf("");
    nn_bf16_round(out, &nan, 1);
    assert_true((out[0] & 0x7f80) == 0x7f80 && (out[0] & 0x7f) != 0); /* still a NaN */
}

static const char *NET =
    "model: {input_shape: [20], layers: [{type: dense, units: 32, activation: tanh},"
    " {type: dense, units: 16, activation: relu}, {type: dense, units: 8, activation: sigmoid}]}\n"
    "loss: mse\ndata: {x: [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],"
    " y: [[0, 0, 0, 0, 0, 0, 0, 0]]}\ntraining: {seed: 5}\n";

/* bf16 keeps 8 significant bits: each input of a GEMM is rounded with relative error at most
 * u = 2^-8, so each product carries at most 2u + u² and a dot product at most 2u times Σ|a·b|
 * (the fp32 accumulation adds ~2^-24 per term). A weight gradient is one such GEMM of operands
 * that are themselves perturbed by the bf16 forward and input-gradient GEMMs above it (2u each
 * in the worst case). Taken as a norm over a whole tensor the independent roundings mostly
 * cancel (measured: 0.5u to 1.5u on this net); the bound allows the worst case of the gradient's
 * own GEMM plus one perturbed operand, 4u ≈ 0.016, per tensor. */
#define U 0x1p-8

static void test_gradients_against_fp32(void **state)
{
    (void)state;
    if (!have_bf16())
        skip();
    struct nn_config c32, c16;
    load_cfg_text(NET, &c32);
    const char *sets[] = {"training.precision=bfloat16"};
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(nn_config_load("net.yaml", NET, sets, 1, &c16, d), NN_OK);
    free(d);
    enum { B = 64 };
    struct nn_model a, b;
    struct nn_error err;
    assert_int_equal(nn_model_create(&c32, B, &a, &err), NN_OK);
    assert_int_equal(nn_model_create(&c16, B, &b, &err), NN_OK);
    assert_string_equal(b.backend->name, "onednn-bf16");
    assert_memory_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    nn_real *x = malloc(B * 20 * sizeof *x), *t = malloc(B * 8 * sizeof *t);
    assert_non_null(x);
    assert_non_null(t);
    struct nn_rng rng;
    nn_rng_seed(&rng, 9, 3);
    for (int i = 0; i < B * 20; i++)
        x[i] = (nn_real)(2 * nn_rng_uniform(&rng) - 1);
    for (int i = 0; i < B * 8; i++)
        t[i] = (nn_real)nn_rng_uniform(&rng);
    struct nn_model *ms[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        const nn_real *out = nn_model_forward(ms[k], x, B, -1);
        nn_loss(c32.loss, out, t, B, 8, ms[k]->dout);
        nn_model_backward(ms[k], x, ms[k]->dout, B);
    }
    double worst = 0;
    for (int k = 0; k < a.n_tensors; k++) {
        const struct nn_tensor *tn = &a.tensors[k];
        double num = 0, den = 0;
        for (size_t i = 0; i < tn->count; i++) {
            double g32 = a.grads[tn->offset + i], g16 = b.grads[tn->offset + i];
            num += (g16 - g32) * (g16 - g32);
            den += g32 * g32;
        }
        double rel = sqrt(num / den);
        print_message("    %-16s relative difference %.2e (bound %.2e)\n", tn->name, rel, 4 * U);
        assert_true(rel <= 4 * U);
        worst = rel > worst ? rel : worst;
    }
    assert_true(worst > 0); /* the bf16 path really ran */
    free(x);
    free(t);
    nn_model_free(&a);
    nn_model_free(&b);
    nn_config_free(&c32);
    nn_config_free(&c16);
}

static const char *XOR = "model: {input_shape: [2], layers: [{type: dense, units: 4, activation: "
                         "tanh}, {type: dense, units: 1, activation: sigmoid}]}\nloss: mse\n"
                         "optimizer: {type: sgd, learning_rate: 0.5}\ntraining: {epochs: 3000, "
                         "batch_size: 4, shuffle: false, seed: 42, precision: bfloat16}\n"
                         "data: {x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]]}\n";

static void test_xor_learns(void **state)
{
    (void)state;
    if (!have_bf16())
        skip();
    struct nn_train_result r;
    test_train_ok(XOR, NULL, 0, "xor", 2, &r);
    assert_true(r.train_accuracy == 1.0);
    assert_true(r.eval_train_loss < 0.01);
}

static int file_equal(const char *a, const char *b)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cmp -s '%s/%s' '%s/%s'", test_tmpdir(), a, test_tmpdir(), b);
    return system(cmd) == 0;
}

/* A wider net so that the team of 2 threads runs the step (each thread its own GEMM shapes). */
static const char *MLP =
    "model: {input_shape: [64], layers: [{type: dense, units: 256, activation: relu},"
    " {type: dense, units: 64, activation: tanh}, {type: dense, units: 64}]}\nloss: mse\n"
    "optimizer: {type: adam, learning_rate: 0.001}\ntraining: {epochs: 4, batch_size: 32, seed: 7,"
    " checkpoint_every: 1, precision: bfloat16}\ndata:\n  x: [";

/* Appends a 96 × 64 matrix of uniform numbers as a YAML list of rows. */
static size_t put_matrix(char *buf, size_t cap, size_t n, struct nn_rng *rng)
{
    for (int r = 0; r < 96; r++) {
        n += (size_t)snprintf(buf + n, cap - n, "%s[", r ? ", " : "");
        for (int j = 0; j < 64; j++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%.3f", j ? ", " : "", nn_rng_uniform(rng));
        n += (size_t)snprintf(buf + n, cap - n, "]");
    }
    return n;
}

static char *mlp_yaml(void)
{
    static char buf[1 << 17];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s", MLP);
    struct nn_rng rng;
    nn_rng_seed(&rng, 11, 4);
    n = put_matrix(buf, sizeof buf, n, &rng);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "]\n  y: [");
    n = put_matrix(buf, sizeof buf, n, &rng);
    snprintf(buf + n, sizeof buf - n, "]\n");
    return buf;
}

static void test_reproducible_and_resumable(void **state)
{
    (void)state;
    if (!have_bf16())
        skip();
    const char *yaml = mlp_yaml();
    struct nn_train_result r1, r2, r3;
    test_train_ok(yaml, NULL, 0, "m1", 2, &r1);
    test_train_ok(yaml, NULL, 0, "m2", 2, &r2);
    assert_true(file_equal("m1/model.ckpt", "m2/model.ckpt"));
    /* with clipping the update runs over 64-byte slices of the arena, not rows of W: the weight
     * copies of a row two threads share come out the same every time */
    const char *clip[] = {"optimizer.clip_norm=0.5"};
    test_train_ok(yaml, clip, 1, "c1", 2, &r1);
    test_train_ok(yaml, clip, 1, "c2", 2, &r2);
    assert_true(file_equal("c1/model.ckpt", "c2/model.ckpt"));
    /* 2 epochs, then resumed to 4: the same bytes as 4 straight */
    const char *two[] = {"training.epochs=2"};
    test_train_ok(yaml, two, 1, "m3", 2, &r3);
    struct nn_config cfg;
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(nn_config_load("t.yaml", yaml, NULL, 0, &cfg, d), NN_OK);
    free(d);
    char out[128];
    snprintf(out, sizeof out, "%s/m3", test_tmpdir());
    struct nn_train_opts o = {.out_dir = out, .threads = 2, .quiet = 1, .resume = 1};
    struct nn_error err;
    assert_int_equal(nn_train(&cfg, &o, &r3, &err), NN_OK);
    nn_config_free(&cfg);
    assert_true(file_equal("m1/model.ckpt", "m3/model.ckpt"));
    /* and it learned something */
    assert_true(r1.final_train_loss < 0.2);
}

/* oneDNN's global primitive cache is off once the backend is ready: each thread builds its own
 * primitives, and no primitive (nor the cache's lazily made lock) is shared between the training
 * step's threads through synchronisation ThreadSanitizer cannot see (issue 23). */
static void test_primitive_cache_off(void **state)
{
    (void)state;
    if (!have_bf16())
        skip();
    int capacity = -1;
    assert_int_equal(dnnl_get_primitive_cache_capacity(&capacity), dnnl_success);
    assert_int_equal(capacity, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_gradients_against_fp32),
        cmocka_unit_test(test_xor_learns),
        cmocka_unit_test(test_reproducible_and_resumable),
        cmocka_unit_test(test_primitive_cache_off),
    };
    return cmocka_run_group_tests_name("bf16", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
