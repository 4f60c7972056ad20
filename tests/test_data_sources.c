/* The npy, csv and libsvm data sources: NumPy arrays, CSV tables and sparse libsvm text as
 * training and test data (regression targets, class labels as integers or words, autoencoder
 * inputs) and tables of malformed files, each refused before training with the file and the
 * field, line or column named. */
#include "testutil.h"

#include <zlib.h>

#include "nnctl/checkpoint.h"
#include "nnctl/train.h"

/* A version 1.0 .npy: header dict padded with spaces to a multiple of 64 bytes, then the data. */
static void write_npy(const char *name, const char *descr, const char *shape, const void *data,
                      size_t bytes, int fortran)
{
    char path[256], hdr[256];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    int hl = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                      fortran ? "True" : "False", shape);
    int total = 10 + hl + 1;
    int pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned short len = (unsigned short)(hl + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(len & 0xff, f);
    fputc(len >> 8, f);
    fwrite(hdr, 1, (size_t)hl, f);
    for (int i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, 1, bytes, f);
    fclose(f);
}

static int train(const char *yaml, const char *dir, struct nn_train_result *r, struct nn_error *err)
{
    return test_train_text(yaml, NULL, 0, dir, 1, 0, r, err);
}

static char yaml[4096];

static const char *xor_npy(const char *x, const char *y, const char *target)
{
    /* class labels: two softmax outputs and the cross-entropy; otherwise one sigmoid output */
    const int labels = strstr(target, "labels") != NULL;
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2], layers: [{type: dense, units: 4, activation: tanh},"
             " {type: dense, units: %d, activation: %s}]}\nloss: %s\n"
             "optimizer: {type: sgd, learning_rate: 0.5}\n"
             "training: {epochs: 2000, batch_size: 4, shuffle: false, seed: 42}\n"
             "data: {source: npy, train_x: '%s/%s', train_y: '%s/%s'%s}\n",
             labels ? 2 : 1, labels ? "softmax" : "sigmoid",
             labels ? "categorical_crossentropy" : "mse", test_tmpdir(), x, test_tmpdir(), y,
             target);
    return yaml;
}

static const float XOR_X[] = {0, 0, 0, 1, 1, 0, 1, 1}, XOR_Y[] = {0, 1, 1, 0};

static void test_xor_from_npy(void **state)
{
    (void)state;
    write_npy("x.npy", "<f4", "(4, 2)", XOR_X, sizeof XOR_X, 0);
    write_npy("y.npy", "<f4", "(4, 1)", XOR_Y, sizeof XOR_Y, 0);
    double xd[8], yd[4];
    for (int i = 0; i < 8; i++)
        xd[i] = XOR_X[i];
    for (int i = 0; i < 4; i++)
        yd[i] = XOR_Y[i];
    write_npy("xd.npy", "<f8", "(4, 2)", xd, sizeof xd, 0);
    write_npy("yd.npy", "<f8", "(4,)", yd, sizeof yd, 0);
    struct nn_train_result r;
    struct nn_error err;
    if (train(xor_npy("x.npy", "y.npy", ""), "xor", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.train_accuracy == 1.0);
    /* float64 inputs and a 1-D target array: the same weights, bit for bit */
    if (train(xor_npy("xd.npy", "yd.npy", ""), "xord", &r, &err))
        fail_msg("%s", err.msg);
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/xor/model.ckpt", test_tmpdir());
    snprintf(b, sizeof b, "%s/xord/model.ckpt", test_tmpdir());
    struct nn_config ca, cb;
    struct nn_model ma, mb;
    assert_int_equal(nn_checkpoint_load(a, 4, &ca, &ma, NULL, &err), NN_OK);
    assert_int_equal(nn_checkpoint_load(b, 4, &cb, &mb, NULL, &err), NN_OK);
    assert_memory_equal(ma.params, mb.params, ma.n_params * sizeof(nn_real));
    nn_model_free(&ma);
    nn_model_free(&mb);
    nn_config_free(&ca);
    nn_config_free(&cb);
}

/* three separable clusters in 2-D, int64 labels, with a test split */
static void test_labels_from_npy(void **state)
{
    (void)state;
    enum { N = 150 };
    float x[N * 2];
    long long lab[N];
    for (int i = 0; i < N; i++) {
        int c = i % 3;
        x[2 * i] = (float)(c == 1 ? 2 : 0) + 0.01f * (float)(i % 7);
        x[2 * i + 1] = (float)(c == 2 ? 2 : 0) - 0.01f * (float)(i % 5);
        lab[i] = c;
    }
    write_npy("cx.npy", "<f4", "(150, 2)", x, sizeof x, 0);
    write_npy("cy.npy", "<i8", "(150,)", lab, sizeof lab, 0);
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2], layers: [{type: dense, units: 8, activation: tanh},"
             " {type: dense, units: 3, activation: softmax}]}\nloss: categorical_crossentropy\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 100, batch_size: 30, seed: 1}\n"
             "data: {source: npy, train_x: '%s/cx.npy', train_y: '%s/cy.npy', test_x: '%s/cx.npy',"
             " test_y: '%s/cy.npy', target: labels, classes: 3}\n",
             test_tmpdir(), test_tmpdir(), test_tmpdir(), test_tmpdir());
    struct nn_train_result r;
    struct nn_error err;
    if (train(yaml, "cls", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.test_accuracy == 1.0);
}

/* uint8 rows reconstructed (target: input) */
static void test_autoencoder_from_u8(void **state)
{
    (void)state;
    unsigned char px[64 * 4];
    for (int i = 0; i < 64 * 4; i++)
        px[i] = (unsigned char)((i * 37) % 256);
    write_npy("u8.npy", "|u1", "(64, 2, 2)", px, sizeof px, 0);
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2, 2], layers: [{type: flatten}, {type: dense, units: 4}]}\n"
             "loss: mse\noptimizer: {type: adam, learning_rate: 0.01}\n"
             "training: {epochs: 3, batch_size: 16}\n"
             "data: {source: npy, train_x: '%s/u8.npy', target: input}\n",
             test_tmpdir());
    struct nn_train_result r;
    struct nn_error err;
    if (train(yaml, "ae", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(isfinite(r.final_train_loss));
}

/* Trains `yaml` and expects it refused with `code` and the message `want`, in which every "%s"
 * stands for the temporary directory. */
static void expect_train_error(const char *yaml_text, int code, const char *want)
{
    struct nn_train_result r;
    struct nn_error err;
    int rc = train(yaml_text, "bad", &r, &err);
    assert_int_equal(rc, code);
    /* every "%s" in the expected message stands for the temporary directory */
    char full[512];
    size_t o = 0;
    for (const char *p = want; *p && o + 1 < sizeof full; p++) {
        if (p[0] == '%' && p[1] == 's') {
            o += (size_t)snprintf(full + o, sizeof full - o, "%s", test_tmpdir());
            p++;
        } else {
            full[o++] = *p;
        }
    }
    full[o < sizeof full ? o : sizeof full - 1] = 0;
    if (strcmp(err.msg, full))
        fail_msg("got      '%s'\nexpected '%s'", err.msg, full);
}

static void expect_refusal(const char *x, const char *y, const char *target, int code,
                           const char *want)
{
    expect_train_error(xor_npy(x, y, target), code, want);
}

static void test_malformed(void **state)
{
    (void)state;
    const float three[] = {0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0};
    write_npy("w3.npy", "<f4", "(4, 3)", three, sizeof three, 0);
    expect_refusal("w3.npy", "y.npy", "", NN_ERR_FORMAT,
                   "%s/w3.npy: field 'shape': rows of 3 values, model.input_shape holds 2");
    write_npy("y3.npy", "<f4", "(3, 1)", XOR_Y, 3 * sizeof(float), 0);
    expect_refusal("x.npy", "y3.npy", "", NN_ERR_FORMAT,
                   "%s/y3.npy: field 'shape': 3 rows for the 4 of %s/x.npy");
    float nanx[8];
    memcpy(nanx, XOR_X, sizeof nanx);
    nanx[5] = NAN;
    write_npy("nan.npy", "<f4", "(4, 2)", nanx, sizeof nanx, 0);
    expect_refusal("nan.npy", "y.npy", "", NN_ERR_NUMERIC,
                   "%s/nan.npy: field 'data': row 2, value 1 is not finite");
    write_npy("fort.npy", "<f4", "(4, 2)", XOR_X, sizeof XOR_X, 1);
    expect_refusal("fort.npy", "y.npy", "", NN_ERR_FORMAT,
                   "%s/fort.npy: field 'descr': expected little-endian float32, float64, uint8, "
                   "int32 or int64 in C order (Fortran order and object arrays are not read)");
    write_npy("f2.npy", "<f2", "(4, 2)", XOR_X, 16, 0);
    expect_refusal("f2.npy", "y.npy", "", NN_ERR_FORMAT,
                   "%s/f2.npy: field 'descr': expected little-endian float32, float64, uint8, "
                   "int32 or int64 in C order (Fortran order and object arrays are not read)");
    write_npy("short.npy", "<f4", "(4, 2)", XOR_X, sizeof XOR_X - 4, 0);
    expect_refusal("short.npy", "y.npy", "", NN_ERR_FORMAT,
                   "%s/short.npy: field 'data': 28 bytes, the header's shape needs another size");
    write_npy("huge.npy", "<f4", "(1000000000, 1000000000)", XOR_X, sizeof XOR_X, 0);
    expect_refusal("huge.npy", "y.npy", "", NN_ERR_FORMAT,
                   "%s/huge.npy: field 'data': 32 bytes, the header's shape needs more than the "
                   "file holds");
    expect_refusal("none.npy", "y.npy", "", NN_ERR_IO,
                   "%s/none.npy: cannot open: No such file or directory");
    /* class labels: not integers, out of range, or two per row */
    const float half[] = {0, 1.5f, 1, 0};
    write_npy("half.npy", "<f4", "(4,)", half, sizeof half, 0);
    expect_refusal("x.npy", "half.npy", ", target: labels, classes: 2", NN_ERR_FORMAT,
                   "%s/half.npy: field 'data': row 1: label 1.5 is not an integer from 0 to 1 "
                   "(data.classes - 1)");
    const int three_lab[] = {0, 1, 2, 0};
    write_npy("l3.npy", "<i4", "(4,)", three_lab, sizeof three_lab, 0);
    expect_refusal("x.npy", "l3.npy", ", target: labels, classes: 2", NN_ERR_FORMAT,
                   "%s/l3.npy: field 'data': row 2: label 2 is not an integer from 0 to 1 "
                   "(data.classes - 1)");
    expect_refusal("x.npy", "x.npy", ", target: labels, classes: 2", NN_ERR_FORMAT,
                   "%s/x.npy: field 'shape': class labels need one value per row, found 2");
    /* targets wider than the model's output: caught before the first step */
    expect_refusal("x.npy", "x.npy", "", NN_ERR_FORMAT,
                   "%s/x.npy: targets of 2 values, the model has 1 outputs");
}

/* ---- csv ---- */

static void write_text(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* species from two measurements: words as labels, a quoted header name with a comma, CRLF */
static const char *csv_cls(const char *train, const char *test, const char *extra)
{
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2], layers: [{type: dense, units: 8, activation: tanh},"
             " {type: dense, units: 3, activation: softmax}]}\nloss: categorical_crossentropy\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 80, batch_size: 10, seed: 1}\n"
             "data: {source: csv, train_file: '%s/%s', test_file: '%s/%s',%s"
             " target: labels, classes: 3%s}\n",
             test_tmpdir(), train, test_tmpdir(), test,
             strstr(extra, "target_column") ? "" : " target_column: kind,", extra);
    return yaml;
}

static void test_csv_classes_and_regression(void **state)
{
    (void)state;
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "\"len, cm\",kind,width\r\n");
    static const char *const kinds[] = {"oak", "\"elm, red\"", "ash"};
    for (int i = 0; i < 60; i++) {
        int c = i % 3;
        n += (size_t)snprintf(text + n, sizeof text - n, "%.2f,%s,%.2f\r\n", c + 0.01 * (i % 7),
                              kinds[c], 2.0 * c - 0.01 * (i % 5));
    }
    write_text("trees.csv", text);
    struct nn_train_result r;
    struct nn_error err;
    if (train(csv_cls("trees.csv", "trees.csv", ""), "trees", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.test_accuracy == 1.0);
    /* the checkpoint's config names the classes, in order of first appearance */
    {
        char ck[256];
        snprintf(ck, sizeof ck, "%s/trees/model.ckpt", test_tmpdir());
        struct nn_config c;
        struct nn_model m;
        if (nn_checkpoint_load(ck, 1, &c, &m, NULL, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(c.data.class_names.n, 3);
        assert_string_equal(c.data.class_names.name[0], "oak");
        assert_string_equal(c.data.class_names.name[1], "elm, red");
        assert_string_equal(c.data.class_names.name[2], "ash");
        nn_model_free(&m);
        nn_config_free(&c);
    }
    /* names given in the config fix the order: the same data, classes permuted, same accuracy */
    {
        struct nn_train_result rn;
        if (train(csv_cls("trees.csv", "trees.csv", ", class_names: [ash, oak, 'elm, red']"),
                  "trees_named", &rn, &err))
            fail_msg("%s", err.msg);
        assert_true(rn.test_accuracy == 1.0);
        char ck[256];
        snprintf(ck, sizeof ck, "%s/trees_named/model.ckpt", test_tmpdir());
        struct nn_config c;
        struct nn_model m;
        if (nn_checkpoint_load(ck, 1, &c, &m, NULL, &err))
            fail_msg("%s", err.msg);
        assert_string_equal(c.data.class_names.name[0], "ash");
        assert_string_equal(c.data.class_names.name[2], "elm, red");
        nn_model_free(&m);
        nn_config_free(&c);
    }
    /* the same table gzipped: the same bytes reach training, so the same accuracy and loss */
    char gz[256];
    snprintf(gz, sizeof gz, "%s/trees.csv.gz", test_tmpdir());
    gzFile g = gzopen(gz, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, text, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
    struct nn_train_result rz;
    if (train(csv_cls("trees.csv.gz", "trees.csv", ""), "treesgz", &rz, &err))
        fail_msg("%s", err.msg);
    assert_true(rz.test_accuracy == 1.0);
    assert_true(rz.eval_train_loss == r.eval_train_loss);
    /* regression on the last column, no header, semicolons */
    n = 0;
    for (int i = 0; i < 100; i++) {
        double a = (i % 10) / 10.0, b = (i / 10) / 10.0;
        n += (size_t)snprintf(text + n, sizeof text - n, "%.2f;%.2f;%.4f\n", a, b, 2 * a - b + 0.5);
    }
    write_text("lin.csv", text);
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2], layers: [{type: dense, units: 1}]}\nloss: mse\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 300, batch_size: 20, seed: 1}\n"
             "data: {source: csv, train_file: '%s/lin.csv', header: false, delimiter: ';'}\n",
             test_tmpdir());
    if (train(yaml, "lin", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.eval_train_loss < 1e-3); /* a linear target, learned */
}

/* data.normalize: statistics of the training data, by hand, stored in the checkpoint's config */
static void test_normalize(void **state)
{
    (void)state;
    /* features (1, 10), (3, 10), (5, 10), (7, 10); the target is the first feature */
    write_text("norm.csv", "a,b,t\n1,10,1\n3,10,3\n5,10,5\n7,10,7\n");
    static const struct {
        const char *kind;
        double off0, scale0;
    } want[] = {
        {"standard", 4.0, 1 / 2.2360679774997898}, /* mean 4, population deviation sqrt(5) */
        {"minmax", 1.0, 1 / 6.0},                  /* minimum 1, range 6 */
    };
    for (int i = 0; i < 2; i++) {
        snprintf(yaml, sizeof yaml,
                 "model: {input_shape: [2], layers: [{type: dense, units: 1}]}\nloss: mse\n"
                 "optimizer: {type: adam, learning_rate: 0.05}\n"
                 "training: {epochs: 1500, batch_size: 4, seed: 1}\n"
                 "data: {source: csv, train_file: '%s/norm.csv', test_file: '%s/norm.csv',"
                 " normalize: %s}\n",
                 test_tmpdir(), test_tmpdir(), want[i].kind);
        struct nn_train_result r;
        struct nn_error err;
        if (train(yaml, want[i].kind, &r, &err))
            fail_msg("%s", err.msg);
        if (!(r.final_test_loss < 1e-3)) /* a linear target of the scaled feature */
            fail_msg("%s: test loss %g", want[i].kind, r.final_test_loss);
        char ck[256];
        snprintf(ck, sizeof ck, "%s/%s/model.ckpt", test_tmpdir(), want[i].kind);
        struct nn_config c;
        struct nn_model m;
        if (nn_checkpoint_load(ck, 1, &c, &m, NULL, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(c.data.feature_offset.n, 2);
        assert_int_equal(c.data.feature_scale.n, 2);
        assert_true(c.data.feature_offset.v[0] == want[i].off0);
        assert_true(fabs(c.data.feature_scale.v[0] - want[i].scale0) < 1e-15);
        assert_true(c.data.feature_offset.v[1] == 10.0); /* a constant feature: scale 1 */
        assert_true(c.data.feature_scale.v[1] == 1.0);
        nn_model_free(&m);
        nn_config_free(&c);
    }
    /* config mistakes: exit 2 at check time */
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    struct nn_config cfg;
    assert_int_equal(
        nn_config_load("n.yaml",
                       "model: {input_shape: [784], layers: [{type: dense, units: 784}]}\n"
                       "loss: mse\ndata: {source: idx, normalize: standard}\n",
                       NULL, 0, &cfg, d),
        NN_ERR_CONFIG);
    assert_string_equal(d->d[0].msg, "'data.normalize': idx data is u8 pixels, scaled by "
                                     "data.scale; normalisation takes npy, csv or libsvm data");
    nn_config_free(&cfg);
    memset(d, 0, sizeof *d);
    assert_int_equal(
        nn_config_load("n.yaml",
                       "model: {input_shape: [2], layers: [{type: dense, units: 1}]}\nloss: mse\n"
                       "data: {source: csv, train_file: x.csv, feature_offset: [1, 2],"
                       " feature_scale: [1]}\n",
                       NULL, 0, &cfg, d),
        NN_ERR_CONFIG);
    assert_string_equal(d->d[0].msg, "'data.feature_offset' and 'data.feature_scale': 2 and 1 "
                                     "numbers, the model takes 2 features");
    nn_config_free(&cfg);
    free(d);
}

/* several target columns and chosen feature columns, by name and by index */
static void test_csv_columns(void **state)
{
    (void)state;
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "a,noise,b,sum,diff\n");
    for (int i = 0; i < 100; i++) {
        double a = (i % 10) / 10.0, b = (i / 10) / 10.0;
        n += (size_t)snprintf(text + n, sizeof text - n, "%.2f,%d,%.2f,%.2f,%.2f\n", a,
                              (i * 37) % 11, b, a + b, a - b);
    }
    write_text("cols.csv", text);
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2], layers: [{type: dense, units: 2}]}\nloss: mse\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 300, batch_size: 20, seed: 1}\n"
             "data: {source: csv, train_file: '%s/cols.csv', test_file: '%s/cols.csv',"
             " feature_columns: [a, 2], target_column: [sum, 4]}\n",
             test_tmpdir(), test_tmpdir());
    struct nn_train_result r;
    struct nn_error err;
    if (train(yaml, "cols", &r, &err))
        fail_msg("%s", err.msg);
    if (!(r.final_test_loss < 1e-4)) /* both linear targets learned from a and b alone */
        fail_msg("test loss %g", r.final_test_loss);
    static const struct {
        const char *keys, *want;
    } bad[] = {
        {"feature_columns: [a, b], target_column: [sum, 3]",
         "%s/cols.csv: field 'target_column': column 3 is named twice"},
        {"feature_columns: [a, sum], target_column: [sum, diff]",
         "%s/cols.csv: field 'feature_columns': column 3 is also a target"},
        {"feature_columns: [a, 9], target_column: [sum, diff]",
         "%s/cols.csv: field 'feature_columns': column 9, the file has 5 (0 to 4)"},
        {"feature_columns: [a, bee], target_column: [sum, diff]",
         "%s/cols.csv: field 'feature_columns': no column named 'bee'"},
        {"target_column: [sum, diff]",
         "%s/cols.csv: 3 feature columns (all but the target), model.input_shape holds 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(yaml, sizeof yaml,
                 "model: {input_shape: [2], layers: [{type: dense, units: 2}]}\nloss: mse\n"
                 "data: {source: csv, train_file: '%s/cols.csv', %s}\n",
                 test_tmpdir(), bad[i].keys);
        assert_int_equal(train(yaml, "badcols", &r, &err), NN_ERR_FORMAT);
        char want[512];
        snprintf(want, sizeof want, bad[i].want, test_tmpdir());
        if (strcmp(err.msg, want))
            fail_msg("got      '%s'\nexpected '%s'", err.msg, want);
    }
    /* labels take one column: a config error */
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    struct nn_config cfg;
    assert_int_equal(nn_config_load("c.yaml",
                                    csv_cls("cols.csv", "cols.csv", ", target_column: [sum, diff]"),
                                    NULL, 0, &cfg, d),
                     NN_ERR_CONFIG);
    assert_string_equal(d->d[0].msg,
                        "'data.target_column': target: labels takes one column, 2 are named");
    nn_config_free(&cfg);
    free(d);
}

static void expect_csv(const char *train_name, const char *test_name, const char *extra, int code,
                       const char *want)
{
    expect_train_error(csv_cls(train_name, test_name, extra), code, want);
}

static void test_csv_malformed(void **state)
{
    (void)state;
    write_text("ok.csv", "len,kind,width\n1,a,2\n2,b,3\n3,c,4\n");
    write_text("ragged.csv", "len,kind,width\n1,a,2\n2,b\n");
    expect_csv("ragged.csv", "ok.csv", "", NN_ERR_FORMAT,
               "%s/ragged.csv:3: 2 fields, the first row has 3");
    write_text("word.csv", "len,kind,width\n1,a,2\n2,b,wide\n");
    expect_csv("word.csv", "ok.csv", "", NN_ERR_FORMAT,
               "%s/word.csv:3: column 2 ('width'): 'wide' is not a finite number");
    write_text("nan.csv", "len,kind,width\n1,a,nan\n");
    expect_csv("nan.csv", "ok.csv", "", NN_ERR_FORMAT,
               "%s/nan.csv:2: column 2 ('width'): 'nan' is not a finite number");
    write_text("quote.csv", "len,kind,width\n1,\"a,2\n");
    expect_csv("quote.csv", "ok.csv", "", NN_ERR_FORMAT,
               "%s/quote.csv:2:3: a quoted field is not closed before the end of the file");
    write_text("empty.csv", "len,kind,width\n");
    expect_csv("empty.csv", "ok.csv", "", NN_ERR_FORMAT, "%s/empty.csv: no data rows");
    write_text("unseen.csv", "len,kind,width\n1,z,2\n");
    expect_csv("ok.csv", "unseen.csv", "", NN_ERR_FORMAT,
               "%s/unseen.csv:2: label 'z' does not appear in the training data (%s/ok.csv)");
    write_text("four.csv", "len,kind,width\n1,a,2\n2,b,3\n3,c,4\n4,d,5\n");
    expect_csv("four.csv", "ok.csv", "", NN_ERR_FORMAT,
               "%s/four.csv:5: label 'd' is class 4, data.classes is 3");
    expect_csv("ok.csv", "ok.csv", ", target_column: kinds", NN_ERR_FORMAT,
               "%s/ok.csv: field 'target_column': no column named 'kinds'");
    write_text("wide.csv", "len,kind,width,extra\n1,a,2,3\n");
    expect_csv("wide.csv", "ok.csv", "", NN_ERR_FORMAT,
               "%s/wide.csv: 3 feature columns (all but the target), model.input_shape holds 2");
    expect_csv("none.csv", "ok.csv", "", NN_ERR_IO, "%s/none.csv: cannot open");
    expect_csv("ok.csv", "ok.csv", ", class_names: [a, b, d]", NN_ERR_FORMAT,
               "%s/ok.csv:4: label 'c' is not in data.class_names");
    /* config mistakes: exit 2 at check time */
    struct nn_config cfg;
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(nn_config_load("c.yaml", csv_cls("ok.csv", "ok.csv", ", delimiter: '::'"),
                                    NULL, 0, &cfg, d),
                     NN_ERR_CONFIG);
    assert_string_equal(d->d[0].msg, "'data.delimiter': expected one character (not a quote or "
                                     "a line break), found '::'");
    nn_config_free(&cfg);
    free(d);
}

/* ---- libsvm ---- */

static const char *svm_cfg(const char *train, const char *test, const char *extra)
{
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [3], layers: [{type: dense, units: 8, activation: tanh},"
             " {type: dense, units: 3, activation: softmax}]}\nloss: categorical_crossentropy\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 80, batch_size: 10, seed: 1}\n"
             "data: {source: libsvm, train_file: '%s/%s', test_file: '%s/%s',"
             " target: labels, classes: 3%s}\n",
             test_tmpdir(), train, test_tmpdir(), test, extra);
    return yaml;
}

static void test_libsvm_classes_and_regression(void **state)
{
    (void)state;
    /* three classes labelled -1, 1, 3; feature 2 never appears, zeros left out, comments */
    char text[8192], dense[8192];
    size_t n = 0, m = 0;
    for (int i = 0; i < 60; i++) {
        int c = i % 3;
        double a = c + 0.01 * (i % 7), b = 2.0 * c - 0.01 * (i % 5);
        if (a != 0)
            n += (size_t)snprintf(text + n, sizeof text - n, "%d 1:%g 3:%g%s\n", 2 * c - 1, a, b,
                                  i == 4 ? " # a comment" : "");
        else
            n += (size_t)snprintf(text + n, sizeof text - n, "%d 3:%g\n", 2 * c - 1, b);
        m += (size_t)snprintf(dense + m, sizeof dense - m, "%g,0,%g,%d\n", a, b, 2 * c - 1);
    }
    write_text("tri.svm", text);
    write_text("tri.csv", dense);
    struct nn_train_result r, rc;
    struct nn_error err;
    if (train(svm_cfg("tri.svm", "tri.svm", ""), "tri", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.test_accuracy == 1.0);
    /* the label values become the class names in the checkpoint; given, they fix the order */
    for (int given = 0; given < 2; given++) {
        if (given && train(svm_cfg("tri.svm", "tri.svm", ", class_names: ['3', '1', '-1']"),
                           "tri_named", &rc, &err))
            fail_msg("%s", err.msg);
        char ck[256];
        snprintf(ck, sizeof ck, "%s/%s/model.ckpt", test_tmpdir(), given ? "tri_named" : "tri");
        struct nn_config c;
        struct nn_model mod;
        if (nn_checkpoint_load(ck, 1, &c, &mod, NULL, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(c.data.class_names.n, 3);
        assert_string_equal(c.data.class_names.name[0], given ? "3" : "-1");
        assert_string_equal(c.data.class_names.name[2], given ? "-1" : "3");
        nn_model_free(&mod);
        nn_config_free(&c);
    }
    assert_true(rc.test_accuracy == 1.0);
    /* the same samples as a dense CSV train to the same loss, bit for bit */
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [3], layers: [{type: dense, units: 8, activation: tanh},"
             " {type: dense, units: 3, activation: softmax}]}\nloss: categorical_crossentropy\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 80, batch_size: 10, seed: 1}\n"
             "data: {source: csv, header: false, train_file: '%s/tri.csv', test_file: "
             "'%s/tri.csv', target: labels, classes: 3}\n",
             test_tmpdir(), test_tmpdir());
    if (train(yaml, "tricsv", &rc, &err))
        fail_msg("%s", err.msg);
    assert_true(rc.eval_train_loss == r.eval_train_loss);
    /* regression; data.features wider than the largest index */
    n = 0;
    for (int i = 0; i < 100; i++) {
        double a = (i % 10) / 10.0 + 0.05, b = (i / 10) / 10.0 + 0.05;
        n += (size_t)snprintf(text + n, sizeof text - n, "%.4f 1:%.2f 2:%.2f\n", 2 * a - b + 0.5, a,
                              b);
    }
    write_text("lin.svm", text);
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [4], layers: [{type: dense, units: 1}]}\nloss: mse\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 300, batch_size: 20, seed: 1}\n"
             "data: {source: libsvm, train_file: '%s/lin.svm', features: 4}\n",
             test_tmpdir());
    if (train(yaml, "linsvm", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.eval_train_loss < 1e-3);
}

static void expect_svm(const char *train_name, const char *test_name, const char *extra, int code,
                       const char *want)
{
    expect_train_error(svm_cfg(train_name, test_name, extra), code, want);
}

static void test_libsvm_malformed(void **state)
{
    (void)state;
    write_text("ok.svm", "1 1:1 3:2\n2 2:1\n3 1:0.5 2:0.5 3:0.5\n");
    static const struct {
        const char *name, *text, *want;
    } bad[] = {
        {"label.svm", "1 1:1 3:2\nx 1:1\n", "%s/label.svm:2:1: label 'x' is not a finite number"},
        {"nolabel.svm", "1:1 3:2\n", "%s/nolabel.svm:1:1: label '1:1' is not a finite number"},
        {"pair.svm", "1 1:1 3\n", "%s/pair.svm:1:7: '3' is not INDEX:VALUE"},
        {"index0.svm", "1 0:1\n", "%s/index0.svm:1:3: index '0' is not a positive integer"},
        {"indexneg.svm", "1 -2:1\n", "%s/indexneg.svm:1:3: index '-2' is not a positive integer"},
        {"indexword.svm", "1 a:1\n", "%s/indexword.svm:1:3: index 'a' is not a positive integer"},
        {"order.svm", "1 3:1 2:1\n", "%s/order.svm:1:7: index 2 after 3: indices must ascend"},
        {"dup.svm", "1 2:1 2:1\n", "%s/dup.svm:1:7: index 2 after 2: indices must ascend"},
        {"value.svm", "1 1:1 2:x\n", "%s/value.svm:1:9: value 'x' is not a finite number"},
        {"inf.svm", "1 1:inf\n", "%s/inf.svm:1:5: value 'inf' is not a finite number"},
        {"nanlabel.svm", "nan 1:1\n", "%s/nanlabel.svm:1:1: label 'nan' is not a finite number"},
        {"empty.svm", "", "%s/empty.svm: no samples"},
        {"comments.svm", "# only\n\n   \n", "%s/comments.svm: no samples"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(bad[i].name, bad[i].text);
        expect_svm(bad[i].name, "ok.svm", "", NN_ERR_FORMAT, bad[i].want);
    }
    write_text("unseen.svm", "1 1:1\n7 1:1\n");
    expect_svm("ok.svm", "unseen.svm", "", NN_ERR_FORMAT,
               "%s/unseen.svm:2: label 7 does not appear in the training data (%s/ok.svm)");
    write_text("four.svm", "1 1:1\n2 1:1\n3 3:1\n4 1:1\n");
    expect_svm("four.svm", "ok.svm", "", NN_ERR_FORMAT,
               "%s/four.svm:4: label 4 is class 4, data.classes is 3");
    write_text("wide.svm", "1 1:1\n2 3:1\n3 4:1\n");
    expect_svm("ok.svm", "wide.svm", "", NN_ERR_FORMAT,
               "%s/wide.svm:3: index 4 is beyond the 3 features (the training file's largest)");
    expect_svm("ok.svm", "wide.svm", ", features: 3", NN_ERR_FORMAT,
               "%s/wide.svm:3: index 4 is beyond the 3 features (data.features)");
    write_text("narrow.svm", "1 1:1\n2 2:1\n3 1:1\n");
    expect_svm("narrow.svm", "ok.svm", "", NN_ERR_FORMAT,
               "%s/narrow.svm: 2 features (the largest index; set data.features), "
               "model.input_shape holds 3");
    expect_svm("ok.svm", "ok.svm", ", features: 5", NN_ERR_FORMAT,
               "%s/ok.svm: 5 features (data.features), model.input_shape holds 3");
    expect_svm("none.svm", "ok.svm", "", NN_ERR_IO, "%s/none.svm: cannot open");
    expect_svm("ok.svm", "unseen.svm", ", class_names: ['1', '2', '3']", NN_ERR_FORMAT,
               "%s/unseen.svm:2: label 7 is not in data.class_names");
    expect_svm("ok.svm", "ok.svm", ", class_names: ['1', two, '3']", NN_ERR_FORMAT,
               "%s/ok.svm: field 'class_names': 'two' is not a number (libsvm labels are "
               "numbers)");
}

/* data.test: the same test samples in a format of their own give the same test numbers as the
 * source's own test file; labels map to the training data's classes (learned words, or the
 * integers of npy labels); refusals name the test file. */
static void test_test_block(void **state)
{
    (void)state;
    /* three classes from two measurements, words as labels; the test set: every third row */
    char tr[8192], te[4096], te2[4096], sv[4096];
    size_t n = (size_t)snprintf(tr, sizeof tr, "len,kind,width\n"), m = 0, m2 = 0, ms = 0;
    static const char *const kinds[] = {"oak", "elm", "ash"};
    float tx[20][2], ty[20];
    int nt = 0;
    for (int i = 0; i < 60; i++) {
        int c = i % 3;
        double a = c + 0.013 * (i % 7), b = 1.5 * c - 0.02 * (i % 5);
        n += (size_t)snprintf(tr + n, sizeof tr - n, "%.3f,%s,%.3f\n", a, kinds[c], b);
        if (nt < 20) { /* the first 20 rows again, moved a little */
            double ta = a + 0.05, tb = b - 0.07;
            m += (size_t)snprintf(te + m, sizeof te - m, "%.3f,%s,%.3f\n", ta, kinds[c], tb);
            m2 += (size_t)snprintf(te2 + m2, sizeof te2 - m2, "%s;%.3f;%.3f\n", kinds[c], ta, tb);
            ms += (size_t)snprintf(sv + ms, sizeof sv - ms, "%d 1:%.3f 2:%.3f\n", c, ta, tb);
            tx[nt][0] = (float)ta;
            tx[nt][1] = (float)tb;
            ty[nt] = (float)c; /* oak, elm, ash are classes 0, 1, 2 (first seen) */
            nt++;
        }
    }
    char hdr[4200];
    snprintf(hdr, sizeof hdr, "len,kind,width\n%s", te);
    write_text("tb_train.csv", tr);
    write_text("tb_test.csv", hdr);
    write_text("tb_test_semi.csv", te2);
    write_npy("tb_tx.npy", "<f4", "(20, 2)", tx, sizeof tx, 0);
    write_npy("tb_ty.npy", "<f4", "(20,)", ty, sizeof ty, 0);
    struct nn_train_result ref, r;
    struct nn_error err;
    if (train(csv_cls("tb_train.csv", "tb_test.csv", ""), "tb_ref", &ref, &err))
        fail_msg("%s", err.msg);
    assert_true(ref.test_accuracy > 0.5);
    /* a csv of another layout: no header, semicolons, the label first */
    char extra[1024];
    snprintf(extra, sizeof extra,
             ", test: {source: csv, file: '%s/tb_test_semi.csv', header: false, delimiter: ';', "
             "target_column: '0'}",
             test_tmpdir());
    snprintf(yaml, sizeof yaml,
             "model: {input_shape: [2], layers: [{type: dense, units: 8, activation: tanh},"
             " {type: dense, units: 3, activation: softmax}]}\nloss: categorical_crossentropy\n"
             "optimizer: {type: adam, learning_rate: 0.05}\n"
             "training: {epochs: 80, batch_size: 10, seed: 1}\n"
             "data: {source: csv, train_file: '%s/tb_train.csv', target_column: kind,"
             " target: labels, classes: 3%s}\n",
             test_tmpdir(), extra);
    char base[4096];
    snprintf(base, sizeof base, "%s", yaml);
    if (train(base, "tb_semi", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.test_accuracy == ref.test_accuracy);
    assert_true(r.final_test_loss == ref.final_test_loss);
    /* the same samples as .npy arrays, labels as class numbers in the learned order */
    snprintf(extra, sizeof extra, ", test: {source: npy, x: '%s/tb_tx.npy', y: '%s/tb_ty.npy'}",
             test_tmpdir(), test_tmpdir());
    char *at = strstr(base, ", test:");
    snprintf(at, sizeof base - (size_t)(at - base), "%s}\n", extra);
    if (train(base, "tb_npy", &r, &err))
        fail_msg("%s", err.msg);
    assert_true(r.test_accuracy == ref.test_accuracy);
    assert_close_double(r.final_test_loss, ref.final_test_loss, 1e-6); /* %.3f text vs float */
    /* libsvm needs numbers as labels: the training data's words are refused, naming the file */
    write_text("tb_test.svm", sv);
    snprintf(at, sizeof base - (size_t)(at - base),
             ", test: {source: libsvm, file: '%s/tb_test.svm'}}\n", test_tmpdir());
    expect_train_error(base, NN_ERR_FORMAT,
                       "%s/tb_test.svm: field 'class_names': 'oak' is not a number (libsvm labels "
                       "are numbers)");
    /* a label the training data never had */
    write_text("tb_unseen.csv", "len,kind,width\n0.5,pine,0.2\n");
    snprintf(at, sizeof base - (size_t)(at - base),
             ", test: {source: csv, file: '%s/tb_unseen.csv'}}\n", test_tmpdir());
    expect_train_error(base, NN_ERR_FORMAT,
                       "%s/tb_unseen.csv:2: label 'pine' does not appear in the training data "
                       "(%s/tb_train.csv)");
    /* npy training data with integer labels, tested on a csv and a libsvm file: labels are the
     * class numbers, and a number beyond them is refused */
    float x4[] = {0, 0, 0, 1, 1, 0, 1, 1}, y4[] = {0, 1, 1, 0};
    write_npy("tb_x4.npy", "<f4", "(4, 2)", x4, sizeof x4, 0);
    write_npy("tb_y4.npy", "<f4", "(4,)", y4, sizeof y4, 0);
    write_text("tb_xor.csv", "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    write_text("tb_xor.svm", "0 \n1 2:1\n1 1:1\n0 1:1 2:1\n");
    struct nn_train_result rx, rc, rs;
    xor_npy("tb_x4.npy", "tb_y4.npy", ", target: labels, classes: 2");
    char xb[4096];
    snprintf(xb, sizeof xb, "%s", yaml);
    if (train(xb, "tb_xor", &rx, &err)) /* no test split */
        fail_msg("%s", err.msg);
    char *xat = strrchr(xb, '}'); /* the end of the data mapping */
    assert_non_null(xat);
    snprintf(xat, sizeof xb - (size_t)(xat - xb), ", test: {source: csv, file: '%s/tb_xor.csv'}}\n",
             test_tmpdir());
    if (train(xb, "tb_xor_csv", &rc, &err))
        fail_msg("%s", err.msg);
    assert_true(rc.test_accuracy == 1.0);
    assert_true(rc.final_test_loss == rx.eval_train_loss); /* the same four samples */
    snprintf(xat, sizeof xb - (size_t)(xat - xb),
             ", test: {source: libsvm, file: '%s/tb_xor.svm'}}\n", test_tmpdir());
    if (train(xb, "tb_xor_svm", &rs, &err))
        fail_msg("%s", err.msg);
    assert_true(rs.final_test_loss == rx.eval_train_loss);
    write_text("tb_xor_bad.csv", "a,b,y\n0,0,0\n0,1,2\n");
    snprintf(xat, sizeof xb - (size_t)(xat - xb),
             ", test: {source: csv, file: '%s/tb_xor_bad.csv'}}\n", test_tmpdir());
    expect_train_error(xb, NN_ERR_FORMAT,
                       "%s/tb_xor_bad.csv:3: label '2' is not a class number from 0 to 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_from_npy),
        cmocka_unit_test(test_labels_from_npy),
        cmocka_unit_test(test_autoencoder_from_u8),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_csv_classes_and_regression),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_csv_columns),
        cmocka_unit_test(test_libsvm_classes_and_regression),
        cmocka_unit_test(test_libsvm_malformed),
        cmocka_unit_test(test_test_block),
    };
    return cmocka_run_group_tests_name("data_sources", tests, test_tmpdir_setup,
                                       test_tmpdir_teardown);
}
