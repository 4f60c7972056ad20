/* The training loop: determinism, partial batches, no allocation per epoch, XOR end to end. */
#include <unistd.h>

#include "testutil.h"

#include "nnctl/fsutil.h"
#include "nnctl/train.h"

/* Counting allocations: this file's malloc family replaces libc's for the whole test binary
 * (the library and OpenBLAS included) and forwards to glibc's internal entry points. Sanitizer
 * builds intercept malloc themselves, so there the counting test is skipped. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#define COUNTING 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static long n_allocs;
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void *malloc(size_t n)
{
    n_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    n_allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    n_allocs++;
    return __libc_realloc(p, n);
}
#endif

static const char *XOR =
    "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 4, activation: tanh}\n"
    "    - {type: dense, units: 1, activation: sigmoid}\n"
    "loss: mse\noptimizer: {type: sgd, learning_rate: 0.5}\n"
    "training: {epochs: 10000, batch_size: 4, shuffle: false, seed: 42}\n"
    "data:\n  x: [[0, 0], [0, 1], [1, 0], [1, 1]]\n  y: [[0], [1], [1], [0]]\n";

static void train_text(const char *yaml, const char *const *sets, int n_sets, const char *sub,
                       struct nn_train_result *res)
{
    struct nn_config cfg;
    struct nn_diags d = {0};
    assert_int_equal(nn_config_load("t.yaml", yaml, sets, n_sets, &cfg, &d), NN_OK);
    char out[128];
    snprintf(out, sizeof out, "%s/%s", test_tmpdir(), sub);
    struct nn_train_opts o = {.out_dir = out, .threads = 1, .quiet = 1};
    struct nn_error err = {0};
    int rc = nn_train(&cfg, &o, res, &err);
    if (rc)
        fail_msg("%s", err.msg);
    nn_config_free(&cfg);
}

static void load_ckpt(const char *sub, struct nn_model *m, struct nn_train_state *st)
{
    char path[160];
    struct nn_config cfg;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/%s/model.ckpt", test_tmpdir(), sub);
    assert_int_equal(nn_checkpoint_load(path, 8, &cfg, m, st, &err), NN_OK);
    nn_config_free(&cfg);
}

static void test_xor_learns(void **state)
{
    (void)state;
    struct nn_train_result r;
    train_text(XOR, NULL, 0, "xor", &r);
    assert_true(r.final_train_loss <= 0.01);
    assert_true(r.eval_train_loss <= 0.01);
    assert_close_double(r.train_accuracy, 1.0, 0);
    /* the four predictions, through the checkpoint */
    struct nn_model m;
    load_ckpt("xor", &m, NULL);
    nn_real x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    const nn_real *p = nn_model_forward(&m, x, 4, -1);
    assert_true(p[0] < 0.5 && p[1] > 0.5 && p[2] > 0.5 && p[3] < 0.5);
    nn_model_free(&m);
}

static void test_same_seed_same_bits(void **state)
{
    (void)state;
    const char *sets[] = {"training.epochs=50", "training.shuffle=true", "training.batch_size=3"};
    struct nn_train_result r;
    train_text(XOR, sets, 3, "s1", &r);
    train_text(XOR, sets, 3, "s2", &r);
    struct nn_model a, b;
    load_ckpt("s1", &a, NULL);
    load_ckpt("s2", &b, NULL);
    assert_memory_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    nn_model_free(&b);
    /* another seed gives other weights */
    const char *sets2[] = {"training.epochs=50", "training.seed=43"};
    train_text(XOR, sets2, 2, "s3", &r);
    load_ckpt("s3", &b, NULL);
    assert_memory_not_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    nn_model_free(&a);
    nn_model_free(&b);
}

static void test_partial_batch_trained(void **state)
{
    (void)state;
    /* 4 samples in batches of 3: two steps per epoch (3 + 1), so 5 epochs take 10 steps. */
    const char *sets[] = {"training.epochs=5", "training.batch_size=3"};
    struct nn_train_result r;
    train_text(XOR, sets, 2, "partial", &r);
    struct nn_model m;
    struct nn_train_state st;
    load_ckpt("partial", &m, &st);
    assert_int_equal(st.epoch, 5);
    assert_int_equal(st.step, 10);
    nn_model_free(&m);
    /* a batch larger than the data trains one partial batch per epoch */
    const char *sets2[] = {"training.epochs=5", "training.batch_size=100"};
    train_text(XOR, sets2, 2, "big", &r);
    load_ckpt("big", &m, &st);
    assert_int_equal(st.step, 5);
    nn_model_free(&m);
}

static void test_no_allocation_per_epoch(void **state)
{
    (void)state;
    if (!COUNTING)
        skip();
#if COUNTING
    /* The allocation count of a whole run must not depend on the number of epochs: everything is
     * allocated before the first step. */
    const char *s3[] = {"training.epochs=3", "training.batch_size=3", "training.shuffle=true"};
    const char *s300[] = {"training.epochs=300", "training.batch_size=3", "training.shuffle=true"};
    struct nn_train_result r;
    train_text(XOR, s3, 3, "warm", &r); /* first run pays one-time library set-up */
    long before = n_allocs;
    train_text(XOR, s3, 3, "a3", &r);
    long few = n_allocs - before;
    before = n_allocs;
    train_text(XOR, s300, 3, "a300", &r);
    long many = n_allocs - before;
    print_message("    allocations: %ld for 3 epochs, %ld for 300 epochs\n", few, many);
    assert_int_equal(few, many);
    const char *adam[] = {"training.epochs=3", "optimizer.type=adam"};
    const char *adam300[] = {"training.epochs=300", "optimizer.type=adam"};
    before = n_allocs;
    train_text(XOR, adam, 2, "b3", &r);
    few = n_allocs - before;
    before = n_allocs;
    train_text(XOR, adam300, 2, "b300", &r);
    assert_int_equal(few, n_allocs - before);
#endif
}

static void test_history_and_metrics_written(void **state)
{
    (void)state;
    const char *sets[] = {"training.epochs=7"};
    struct nn_train_result r;
    train_text(XOR, sets, 1, "files", &r);
    char path[160], *text;
    size_t len;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/files/history.csv", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 20, &text, &len, &err), NN_OK);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 8); /* header + 7 epochs */
    assert_memory_equal(text, "epoch,train_loss,test_loss,seconds,samples_per_second\n1,", 56);
    free(text);
    snprintf(path, sizeof path, "%s/files/metrics.json", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 20, &text, &len, &err), NN_OK);
    assert_non_null(strstr(text, "\"epochs\": 7,"));
    assert_non_null(strstr(text, "\"threads\": 1,"));
    assert_non_null(strstr(text, "\"final_train_loss\": "));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_learns),
        cmocka_unit_test(test_same_seed_same_bits),
        cmocka_unit_test(test_partial_batch_trained),
        cmocka_unit_test(test_no_allocation_per_epoch),
        cmocka_unit_test(test_history_and_metrics_written),
    };
    return cmocka_run_group_tests_name("train", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
