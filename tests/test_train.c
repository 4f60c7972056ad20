/* The training loop: determinism, partial batches, no allocation per epoch, XOR end to end. */
#include <unistd.h>

#include "testutil.h"

#include "nnctl/fsutil.h"
#include "nnctl/train.h"

/* Counting allocations: this file's malloc family replaces libc's for the whole test binary
 * (the library and OpenBLAS included) and forwards to glibc's internal entry points. Sanitizer
 * builds intercept malloc themselves, so there the counting test is skipped. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
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
    test_train_ok(yaml, sets, n_sets, sub, 1, res);
}

/* A model big enough for the training step to run on a team of threads (a batch of 64 times
 * 21,840 parameters is over the million multiply-adds where nnctl starts one): a 16-256-64-16
 * autoencoder on 67 inline samples, so an epoch ends with a batch of 3 rows, fewer than some
 * teams have threads. */
static char *wide_config(void)
{
    size_t cap = 1 << 16, len = 0;
    char *rows = malloc(cap), *t = malloc(2 * cap + 1024);
    assert_non_null(rows);
    assert_non_null(t);
    len += (size_t)snprintf(rows + len, cap - len, "[");
    for (int i = 0; i < 67; i++) {
        len += (size_t)snprintf(rows + len, cap - len, "%s[", i ? ", " : "");
        for (int j = 0; j < 16; j++)
            len += (size_t)snprintf(rows + len, cap - len, "%s%.3f", j ? ", " : "",
                                    0.5 + 0.45 * sin(0.37 * i * (j + 1) + j));
        len += (size_t)snprintf(rows + len, cap - len, "]");
    }
    snprintf(rows + len, cap - len, "]");
    snprintf(t, 2 * cap + 1024,
             "model:\n  input_shape: [16]\n  layers:\n"
             "    - {type: dense, units: 256, activation: relu}\n"
             "    - {type: dense, units: 64, activation: tanh}\n"
             "    - {type: dense, units: 16, activation: sigmoid}\n"
             "loss: mse\noptimizer: {type: sgd, learning_rate: 0.5}\n"
             "training: {epochs: 12, batch_size: 64, shuffle: true, seed: 5}\n"
             "data:\n  x: %s\n  y: %s\n",
             rows, rows);
    free(rows);
    return t;
}

/* The largest difference between two models' parameters, relative to the largest parameter. */
static double max_rel_diff(const struct nn_model *a, const struct nn_model *b)
{
    double d = 0, big = 0;
    for (size_t i = 0; i < a->n_params; i++) {
        d = fmax(d, fabs((double)a->params[i] - (double)b->params[i]));
        big = fmax(big, fabs((double)a->params[i]));
    }
    return d / big;
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

/* A small image net on a team of threads: 67 images of 8×8, conv 3×3 (16) → batchnorm → relu →
 * max pool → dense 128 → dense 16; 64 × 35,000 parameters is over the team's threshold. The last
 * layer has 16 outputs: OpenBLAS 0.3.21's small-matrix kernel for SkylakeX (sgemm_small_kernel_
 * b0_nn) mallocs 2 KB on every call whose N is not a multiple of 16 (32×4×128 and 100³ measured;
 * see docs/performance.md), which this count would see. */
static char *conv_config(void)
{
    size_t cap = 1 << 16, len = 0, ylen = 0;
    char *rows = malloc(cap), *ys = malloc(cap), *t = malloc(3 * cap);
    assert_non_null(rows);
    assert_non_null(ys);
    assert_non_null(t);
    len += (size_t)snprintf(rows + len, cap - len, "[");
    ylen += (size_t)snprintf(ys + ylen, cap - ylen, "[");
    for (int i = 0; i < 67; i++) {
        len += (size_t)snprintf(rows + len, cap - len, "%s[", i ? ", " : "");
        for (int j = 0; j < 64; j++)
            len += (size_t)snprintf(rows + len, cap - len, "%s%.3f", j ? ", " : "",
                                    0.5 + 0.45 * sin(0.31 * i * (j % 8 + 1) + 0.7 * (j / 8)));
        len += (size_t)snprintf(rows + len, cap - len, "]");
        ylen += (size_t)snprintf(ys + ylen, cap - ylen, "%s[", i ? ", " : "");
        for (int j = 0; j < 16; j++)
            ylen += (size_t)snprintf(ys + ylen, cap - ylen, "%s%.3f", j ? ", " : "",
                                     sin(0.1 * i * (j + 1)));
        ylen += (size_t)snprintf(ys + ylen, cap - ylen, "]");
    }
    snprintf(rows + len, cap - len, "]");
    snprintf(ys + ylen, cap - ylen, "]");
    snprintf(t, 3 * cap,
             "model:\n  input_shape: [8, 8, 1]\n  layers:\n"
             "    - {type: conv2d, filters: 16, kernel_size: 3, padding: same, bias: false}\n"
             "    - {type: batchnorm}\n    - {type: relu}\n    - {type: maxpool2d}\n"
             "    - {type: flatten}\n    - {type: dense, units: 128, activation: tanh}\n"
             "    - {type: dense, units: 16}\n"
             "loss: mse\noptimizer: {type: sgd, learning_rate: 0.05, momentum: 0.9}\n"
             "training: {epochs: 12, batch_size: 64, shuffle: true, seed: 5}\n"
             "data:\n  x: %s\n  y: %s\n",
             rows, ys);
    free(rows);
    free(ys);
    return t;
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
    /* the same with a team of two threads running each step */
    char *yaml = wide_config();
    const char *t3[] = {"training.epochs=3"}, *t30[] = {"training.epochs=30"};
    /* the first run with worker threads pays one-time set-up in the libraries it calls */
    test_train_ok(yaml, t3, 1, "c0", 2, &r);
    before = n_allocs;
    test_train_ok(yaml, t3, 1, "c3", 2, &r);
    few = n_allocs - before;
    before = n_allocs;
    test_train_ok(yaml, t30, 1, "c30", 2, &r);
    print_message("    with 2 threads: %ld allocations for 3 epochs, %ld for 30\n", few,
                  n_allocs - before);
    assert_int_equal(few, n_allocs - before);
    /* and with the training controls that act inside the step or between epochs (clipping,
     * weight decay, a schedule, a validation split scored every epoch) */
    const char *k3[] = {"training.epochs=3", "optimizer.clip_norm=0.5",
                        "optimizer.weight_decay=0.01", "optimizer.schedule.type=cosine",
                        "data.validation.fraction=0.2"};
    const char *k30[] = {"training.epochs=30", "optimizer.clip_norm=0.5",
                         "optimizer.weight_decay=0.01", "optimizer.schedule.type=cosine",
                         "data.validation.fraction=0.2"};
    test_train_ok(yaml, k3, 5, "k0", 2, &r);
    before = n_allocs;
    test_train_ok(yaml, k3, 5, "k3", 2, &r);
    few = n_allocs - before;
    before = n_allocs;
    test_train_ok(yaml, k30, 5, "k30", 2, &r);
    print_message("    with controls: %ld allocations for 3 epochs, %ld for 30\n", few,
                  n_allocs - before);
    assert_int_equal(few, n_allocs - before);
    free(yaml);
    /* and a convolutional net with batchnorm (its threads meet at barriers inside the step) */
    char *cy = conv_config();
    test_train_ok(cy, t3, 1, "v0", 2, &r);
    before = n_allocs;
    test_train_ok(cy, t3, 1, "v3", 2, &r);
    few = n_allocs - before;
    before = n_allocs;
    test_train_ok(cy, t30, 1, "v30", 2, &r);
    print_message("    conv + batchnorm: %ld allocations for 3 epochs, %ld for 30\n", few,
                  n_allocs - before);
    assert_int_equal(few, n_allocs - before);
    free(cy);
#endif
}

static void test_threads_reproducible_and_agree(void **state)
{
    (void)state;
    char *yaml = wide_config();
    const char *opts[][2] = {{"optimizer.type=sgd", "optimizer.momentum=0"},
                             {"optimizer.type=sgd", "optimizer.momentum=0.9"},
                             {"optimizer.type=adam", "optimizer.learning_rate=0.01"}};
    for (int k = 0; k < 3; k++) {
        struct nn_train_result r1, r;
        char sub[5][16];
        for (int v = 0; v < 5; v++)
            snprintf(sub[v], sizeof sub[v], "w%d_%d", k % 10, v);
        const int threads[5] = {1, 2, 2, 3, 4};
        for (int v = 0; v < 5; v++)
            test_train_ok(yaml, opts[k], 2, sub[v], threads[v], v ? &r : &r1);
        struct nn_model m[5];
        for (int v = 0; v < 5; v++)
            load_ckpt(sub[v], &m[v], NULL);
        /* the same thread count gives the same bits, run after run */
        assert_memory_equal(m[1].params, m[2].params, m[1].n_params * sizeof(nn_real));
        if (k == 2)
            assert_memory_equal(m[1].opt_state, m[2].opt_state, m[1].n_opt * sizeof(nn_real));
        /* other thread counts add the bias gradients' partial sums in another order, nothing
         * else: after 24 steps the weights agree to float32 rounding */
        for (int v = 1; v < 5; v++) {
            double d = max_rel_diff(&m[0], &m[v]);
            print_message("    optimizer %d, %d threads: largest relative difference %.2e\n", k,
                          threads[v], d);
            assert_true(d < 1e-4);
        }
        assert_true(r1.final_train_loss < 0.1);
        for (int v = 0; v < 5; v++)
            nn_model_free(&m[v]);
    }
    /* metrics.json says which schedule ran */
    char path[160], *text;
    size_t len;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/w0_1/metrics.json", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 20, &text, &len, &err), NN_OK);
    assert_non_null(strstr(text, "\"threads\": 2,"));
    assert_non_null(strstr(text, "\"parallel\": \"batch\""));
    free(text);
    free(yaml);
}

static void test_divergence_on_threads(void **state)
{
    (void)state;
    /* a learning rate that blows up: every thread must see the non-finite loss and skip the
     * update, and the run must stop with the usual message, on 2 threads as on 1 */
    char *yaml = wide_config();
    for (int threads = 1; threads <= 2; threads++) {
        struct nn_config cfg;
        struct nn_diags d = {0};
        const char *sets[] = {"optimizer.learning_rate=1e6", "training.epochs=50",
                              "model.layers.2.activation=identity"};
        assert_int_equal(nn_config_load("t.yaml", yaml, sets, 3, &cfg, &d), NN_OK);
        char out[128];
        snprintf(out, sizeof out, "%s/div%d", test_tmpdir(), threads);
        struct nn_train_opts o = {.out_dir = out, .threads = threads, .quiet = 1};
        struct nn_error err = {0};
        struct nn_train_result r;
        assert_int_equal(nn_train(&cfg, &o, &r, &err), NN_ERR_NUMERIC);
        assert_non_null(strstr(err.msg, "the loss became"));
        assert_non_null(strstr(err.msg, "training stopped"));
        nn_config_free(&cfg);
    }
    free(yaml);
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
    const char *head = "epoch,train_loss,test_loss,seconds,samples_per_second,lr,val_loss,"
                       "val_accuracy,grad_norm_mean,grad_norm_max,test_accuracy\n1,";
    assert_memory_equal(text, head, strlen(head));
    /* XOR's SGD at its constant rate, no validation, no clipping: lr 0.5 and empty fields */
    assert_non_null(strstr(text, ",0.5,,,,,\n7,"));
    free(text);
    snprintf(path, sizeof path, "%s/files/metrics.json", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 20, &text, &len, &err), NN_OK);
    assert_non_null(strstr(text, "\"epochs\": 7,"));
    assert_non_null(strstr(text, "\"threads\": 1,"));
    assert_non_null(strstr(text, "\"final_train_loss\": "));
    free(text);
}

/* Batch normalisation on a team of threads: the batch statistics are sums across the threads,
 * so 2 threads train what 1 thread trains up to rounding, the running statistics included, and
 * the 2-thread run is bit-identical run after run. */
static void test_batchnorm_threads(void **state)
{
    (void)state;
    char *yaml = wide_config();
    char *at = strstr(yaml, "    - {type: dense, units: 64");
    assert_non_null(at);
    static char bn[1 << 17];
    snprintf(bn, sizeof bn, "%.*s    - {type: batchnorm, momentum: 0.8}\n%s", (int)(at - yaml),
             yaml, at);
    free(yaml);
    /* SGD: under batchnorm the bias gradient of the layer below is zero but for rounding, and
     * Adam's first steps would turn that noise into ±lr (sign of the noise), whichever thread
     * count; SGD keeps it as small as it is */
    const char *sets[] = {"optimizer.momentum=0.9", "optimizer.learning_rate=0.1"};
    struct nn_train_result r;
    test_train_ok(bn, sets, 2, "bn1", 1, &r);
    test_train_ok(bn, sets, 2, "bn2", 2, &r);
    test_train_ok(bn, sets, 2, "bn2b", 2, &r);
    struct nn_model a, b, c;
    load_ckpt("bn1", &a, NULL);
    load_ckpt("bn2", &b, NULL);
    load_ckpt("bn2b", &c, NULL);
    assert_memory_equal(b.params, c.params, b.n_params * sizeof(nn_real));
    assert_true(b.n_train < b.n_params); /* the running statistics, after the trained ones */
    double rel = max_rel_diff(&a, &b);
    print_message("    batchnorm, 1 against 2 threads: largest relative difference %.2e\n", rel);
    assert_true(rel < 1e-4);
    /* 4 threads: the epoch's last batch of 3 rows leaves one thread without rows, which still
     * meets the others at every barrier with empty sums */
    struct nn_model d;
    test_train_ok(bn, sets, 2, "bn4", 4, &r);
    load_ckpt("bn4", &d, NULL);
    rel = max_rel_diff(&a, &d);
    print_message("    batchnorm, 1 against 4 threads: largest relative difference %.2e\n", rel);
    assert_true(rel < 1e-4);
    nn_model_free(&d);
    /* the running mean moved away from its initial 0 */
    const struct nn_layer *l = &a.layers[1];
    assert_int_equal(l->spec.kind, NN_LAYER_BATCHNORM);
    double moved = 0;
    for (int k = 0; k < 256; k++)
        moved = fmax(moved, fabs((double)l->frozen[0][k]));
    assert_true(moved > 1e-3);
    nn_model_free(&a);
    nn_model_free(&b);
    nn_model_free(&c);
    /* the same for a convolutional net with a batchnorm over its channels */
    char *cy = conv_config();
    test_train_ok(cy, NULL, 0, "cv1", 1, &r);
    test_train_ok(cy, NULL, 0, "cv2", 2, &r);
    load_ckpt("cv1", &a, NULL);
    load_ckpt("cv2", &b, NULL);
    rel = max_rel_diff(&a, &b);
    print_message("    conv + batchnorm, 1 against 2 threads: %.2e\n", rel);
    assert_true(rel < 1e-4);
    nn_model_free(&a);
    nn_model_free(&b);
    free(cy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_learns),
        cmocka_unit_test(test_same_seed_same_bits),
        cmocka_unit_test(test_partial_batch_trained),
        cmocka_unit_test(test_no_allocation_per_epoch),
        cmocka_unit_test(test_batchnorm_threads),
        cmocka_unit_test(test_threads_reproducible_and_agree),
        cmocka_unit_test(test_divergence_on_threads),
        cmocka_unit_test(test_history_and_metrics_written),
    };
    return cmocka_run_group_tests_name("train", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
