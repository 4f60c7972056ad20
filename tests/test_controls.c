/* Training controls end to end: clipping and weight decay in real steps against numbers worked
 * out by hand, dropout (same bits on a rerun, absent at inference, other masks each step), the
 * validation split, early stopping's best.ckpt, and the refusal to resume a stopped run. */
#include "testutil.h"

#include "nnctl/checkpoint.h"
#include "nnctl/fsutil.h"
#include "nnctl/train.h"

static void load(const char *sub, const char *file, struct nn_model *m, struct nn_train_state *st)
{
    char path[200];
    struct nn_config cfg;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/%s/%s", test_tmpdir(), sub, file);
    if (nn_checkpoint_load(path, 8, &cfg, m, st, &err))
        fail_msg("%s", err.msg);
    nn_config_free(&cfg);
}

/* One linear unit from zero weights, one sample x = (1, 2), y = 3, SGD lr 0.1, batch 1.
 * Step 1: out = 0, dL/dout = 2·(0 − 3) = −6, so g = (dW1, dW2, db) = (−6, −12, −6) and
 * |g| = √216 = 14.6969385. */
static const char *LINEAR =
    "model: {input_shape: [2], layers: [{type: dense, units: 1, init: zeros}]}\n"
    "loss: mse\noptimizer: {type: sgd, learning_rate: 0.1}\n"
    "training: {epochs: 1, batch_size: 1, shuffle: false}\n"
    "data: {x: [[1, 2]], y: [[3]]}\n";

static void test_clipping_by_hand(void **state)
{
    (void)state;
    /* clip_norm 1: g·1/(√216 + 1e-6), so w = 0.1·(6, 12)/14.6969395 = (0.0408248263,
     * 0.0816496525), b = 0.0408248263; the history records the norm before clipping */
    const char *sets[] = {"optimizer.clip_norm=1"};
    struct nn_train_result r;
    test_train_ok(LINEAR, sets, 1, "clip", 1, &r);
    struct nn_model m;
    load("clip", "model.ckpt", &m, NULL);
    assert_close_double(m.params[0], 0.0408248263, 1e-7);
    assert_close_double(m.params[1], 0.0816496525, 1e-7);
    assert_close_double(m.params[2], 0.0408248263, 1e-7);
    nn_model_free(&m);
    char path[200], *text;
    size_t len;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/clip/history.csv", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 16, &text, &len, &err), NN_OK);
    assert_non_null(strstr(text, ",0.1,,,14.6969385,14.6969385,\n"));
    free(text);
    /* a norm below clip_norm leaves the step alone: w = 0.1·(6, 12) = (0.6, 1.2), b = 0.6 */
    const char *loose[] = {"optimizer.clip_norm=100"};
    test_train_ok(LINEAR, loose, 1, "noclip", 1, &r);
    load("noclip", "model.ckpt", &m, NULL);
    assert_close_double(m.params[0], 0.6, 1e-7);
    assert_close_double(m.params[1], 1.2, 1e-7);
    assert_close_double(m.params[2], 0.6, 1e-7);
    nn_model_free(&m);
}

static void test_weight_decay_folded_sgd(void **state)
{
    (void)state;
    /* plain SGD folds the update into the weight-gradient GEMM; with wd 0.5:
     * step 1 (w = 0): w = (0.6, 1.2), b = 0.6;
     * step 2: out = 0.6 + 2.4 + 0.6 = 3.6, dL/dout = 1.2, g = (1.2, 2.4, 1.2);
     *   w ← w − 0.1·(g + 0.5·w) = (0.6 − 0.15, 1.2 − 0.3, 0.6 − 0.15) = (0.45, 0.9, 0.45) */
    const char *sets[] = {"optimizer.weight_decay=0.5", "training.epochs=2"};
    struct nn_train_result r;
    test_train_ok(LINEAR, sets, 2, "wd", 1, &r);
    struct nn_model m;
    load("wd", "model.ckpt", &m, NULL);
    assert_close_double(m.params[0], 0.45, 1e-6);
    assert_close_double(m.params[1], 0.9, 1e-6);
    assert_close_double(m.params[2], 0.45, 1e-6);
    nn_model_free(&m);
}

/* 24 samples of a smooth function of 4 inputs, with dropout in the middle. */
static char yaml[8192];
static const char *dropout_config(void)
{
    char rows[4096], ys[2048];
    size_t a = 0, b = 0;
    for (int i = 0; i < 24; i++) {
        double x[4];
        for (int j = 0; j < 4; j++)
            x[j] = sin(0.7 * i + 1.3 * j);
        a += (size_t)snprintf(rows + a, sizeof rows - a, "%s[%.4f, %.4f, %.4f, %.4f]",
                              i ? ", " : "", x[0], x[1], x[2], x[3]);
        b += (size_t)snprintf(ys + b, sizeof ys - b, "%s[%.4f]", i ? ", " : "",
                              0.5 * x[0] - x[1] * x[2] + 0.25);
    }
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [4], layers: [{type: dense, units: 32, activation: tanh},"
             " {type: dropout, rate: 0.5, name: drop}, {type: dense, units: 1}]}\n"
             "loss: mse\noptimizer: {type: adam, learning_rate: 0.01}\n"
             "training: {epochs: 40, batch_size: 8, seed: 9}\n"
             "data: {x: [%s], y: [%s]}\n",
             rows, ys);
    return yaml;
}

static void test_dropout(void **state)
{
    (void)state;
    struct nn_train_result r1, r2, r3;
    test_train_ok(dropout_config(), NULL, 0, "drop1", 1, &r1);
    test_train_ok(dropout_config(), NULL, 0, "drop2", 1, &r2);
    struct nn_model a, b;
    load("drop1", "model.ckpt", &a, NULL);
    load("drop2", "model.ckpt", &b, NULL);
    /* the same config, seed and threads: the same masks, the same bits */
    assert_memory_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    nn_model_free(&b);
    /* rate 0 trains other weights: the masks were doing something */
    const char *none[] = {"model.layers.1.rate=0"};
    test_train_ok(dropout_config(), none, 1, "drop0", 1, &r3);
    load("drop0", "model.ckpt", &b, NULL);
    assert_memory_not_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    nn_model_free(&b);
    /* inference is the identity: the output equals the dense layers' with no dropout between */
    nn_real x[8] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f};
    const nn_real *h = nn_model_forward(&a, x, 2, 0); /* the tanh layer's output */
    for (int r = 0; r < 2; r++) {
        double want = a.params[32 * 4 + 32 + 32]; /* the output bias */
        for (int j = 0; j < 32; j++)
            want += (double)h[r * 32 + j] * a.params[32 * 4 + 32 + j];
        const nn_real *out = nn_model_forward(&a, x, 2, -1);
        assert_close_double(out[r], want, 1e-5);
    }
    /* in a training pass half the values (about) are zero and the others doubled, and another
     * step number draws another mask */
    a.train_step = 3;
    nn_real d3[64], d4[64];
    memcpy(d3, nn_model_forward(&a, x, 2, 1), sizeof d3);
    a.train_step = 4;
    memcpy(d4, nn_model_forward(&a, x, 2, 1), sizeof d4);
    a.train_step = 0;
    h = nn_model_forward(&a, x, 2, 0);
    int zeros = 0, differ = 0;
    for (int i = 0; i < 64; i++) {
        if (d3[i] == 0)
            zeros++;
        else
            assert_close_double(d3[i], 2.0 * h[i], 1e-6);
        differ += (d3[i] == 0) != (d4[i] == 0);
    }
    assert_true(zeros > 16 && zeros < 48);
    assert_true(differ > 8);
    nn_model_free(&a);
}

/* The validation split holds round(0.25·24) = 6 samples out of training; runs agree bit for bit
 * and the history reports validation every epoch. */
static void test_validation_split(void **state)
{
    (void)state;
    const char *sets[] = {"data.validation.fraction=0.25", "model.layers.1.rate=0"};
    struct nn_train_result r, r2;
    test_train_ok(dropout_config(), sets, 2, "val", 1, &r);
    assert_false(isnan(r.val_loss));
    test_train_ok(dropout_config(), sets, 2, "val2", 1, &r2);
    assert_true(r.val_loss == r2.val_loss);
    char path[200], *text;
    size_t len;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/val/metrics.json", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 16, &text, &len, &err), NN_OK);
    assert_non_null(strstr(text, "\"train_samples\": 18,"));
    assert_non_null(strstr(text, "\"val_samples\": 6,"));
    free(text);
    /* a fraction that leaves nothing is refused before training */
    const char *tiny[] = {"data.validation.fraction=0.01"};
    assert_int_equal(test_train_text(dropout_config(), tiny, 1, "valbad", 1, 0, &r, &err),
                     NN_ERR_CONFIG);
    assert_string_equal(err.msg, "t.yaml: field 'data.validation.fraction': 0.01 of 24 training "
                                 "samples leaves no validation sample");
}

/* Early stopping keeps the best epoch: best.ckpt holds the weights a run of exactly best_epoch
 * epochs ends with (a constant rate, so the shorter run trains the same steps). */
static void test_early_stopping_best(void **state)
{
    (void)state;
    const char *sets[] = {"data.validation.fraction=0.25", "training.epochs=400",
                          "training.early_stopping.patience=3", "optimizer.learning_rate=0.05"};
    struct nn_train_result r;
    test_train_ok(dropout_config(), sets, 4, "es", 1, &r);
    assert_true(r.stopped_early);
    assert_true(r.best_epoch >= 1 && r.best_epoch == r.epochs - 3);
    char e[64];
    snprintf(e, sizeof e, "training.epochs=%d", r.best_epoch);
    const char *short_sets[] = {"data.validation.fraction=0.25", e, "optimizer.learning_rate=0.05"};
    struct nn_train_result rs;
    test_train_ok(dropout_config(), short_sets, 3, "es_short", 1, &rs);
    struct nn_model best, shorter;
    struct nn_train_state st;
    load("es", "best.ckpt", &best, &st);
    load("es_short", "model.ckpt", &shorter, NULL);
    assert_int_equal(st.epoch, r.best_epoch);
    assert_memory_equal(best.params, shorter.params, best.n_params * sizeof(nn_real));
    assert_true(rs.val_loss == r.best_value);
    nn_model_free(&best);
    nn_model_free(&shorter);
    /* the stopped run is not resumed */
    struct nn_error err;
    assert_int_equal(test_train_text(dropout_config(), sets, 4, "es", 1, 1, &r, &err),
                     NN_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "stopped early after epoch"));
}

/* Clipping on a team of two threads: the norm is the same whichever thread sums which slice
 * (up to rounding), and reruns give the same bits. */
static void test_clipping_on_a_team(void **state)
{
    (void)state;
    char rows[1 << 15];
    size_t n = 0;
    n += (size_t)snprintf(rows + n, sizeof rows - n, "[");
    for (int i = 0; i < 64; i++) {
        n += (size_t)snprintf(rows + n, sizeof rows - n, "%s[", i ? ", " : "");
        for (int j = 0; j < 32; j++)
            n += (size_t)snprintf(rows + n, sizeof rows - n, "%s%.3f", j ? ", " : "",
                                  0.5 + 0.45 * sin(0.37 * i * (j + 1) + j));
        n += (size_t)snprintf(rows + n, sizeof rows - n, "]");
    }
    snprintf(rows + n, sizeof rows - n, "]");
    static char big[1 << 17];
    snprintf(big, sizeof big,
             "model: {input_shape: [32], layers: [{type: dense, units: 512, activation: relu},"
             " {type: dropout, rate: 0.1}, {type: dense, units: 32, activation: sigmoid}]}\n"
             "loss: mse\noptimizer: {type: adam, learning_rate: 0.01, clip_norm: 0.01,"
             " weight_decay: 0.01}\ntraining: {epochs: 3, batch_size: 64, seed: 2}\n"
             "data: {x: %s, y: %s}\n",
             rows, rows);
    struct nn_train_result r1, r2, r3;
    test_train_ok(big, NULL, 0, "team1", 1, &r1);
    test_train_ok(big, NULL, 0, "team2", 2, &r2);
    test_train_ok(big, NULL, 0, "team2b", 2, &r3);
    struct nn_model a, b, c;
    load("team1", "model.ckpt", &a, NULL);
    load("team2", "model.ckpt", &b, NULL);
    load("team2b", "model.ckpt", &c, NULL);
    assert_memory_equal(b.params, c.params, b.n_params * sizeof(nn_real));
    double d = 0, big_w = 0;
    for (size_t i = 0; i < a.n_params; i++) {
        d = fmax(d, fabs((double)a.params[i] - (double)b.params[i]));
        big_w = fmax(big_w, fabs((double)a.params[i]));
    }
    assert_true(d / big_w < 1e-4);
    /* the team ran the step, and the norms were over clip_norm: the clipping path ran */
    char path[200], *text;
    size_t len;
    struct nn_error err;
    snprintf(path, sizeof path, "%s/team2/metrics.json", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 16, &text, &len, &err), NN_OK);
    assert_non_null(strstr(text, "\"parallel\": \"batch\""));
    free(text);
    snprintf(path, sizeof path, "%s/team2/history.csv", test_tmpdir());
    assert_int_equal(nn_read_file(path, 1 << 16, &text, &len, &err), NN_OK);
    const char *row = strstr(text, "\n3,");
    assert_non_null(row);
    const char *mean = row;
    for (int k = 0; k < 8; k++) /* epoch,train,test,seconds,sps,lr,val_loss,val_acc, */
        mean = strchr(mean + 1, ',');
    if (!(atof(mean + 1) > 0.01))
        fail_msg("history: %s", text);
    free(text);
    nn_model_free(&a);
    nn_model_free(&b);
    nn_model_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clipping_by_hand),
        cmocka_unit_test(test_weight_decay_folded_sgd),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_validation_split),
        cmocka_unit_test(test_early_stopping_best),
        cmocka_unit_test(test_clipping_on_a_team),
    };
    return cmocka_run_group_tests_name("controls", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
