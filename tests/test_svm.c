/* Tests for the libsvm classifier, the evaluation report, the PNG writer and `nnctl svm`.
 *
 * Hand-computed numbers are worked out in the comments next to them. Fixture files go into a
 * fresh mkdtemp() directory; the malformed-input test is a table whose rows name the file, the
 * error code and the message substrings each case must produce. */
#include "testutil.h"

#include <png.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_svm.h"
#include "nnctl/heatmap.h"
#include "nnctl/idx.h"
#include "nnctl/png.h"
#include "nnctl/report.h"
#include "nnctl/rng.h"
#include "nnctl/svm.h"
#include "svm/predict.h"
#include "svm/svm_model.h"

/* `svm eval` hands the model's labels to the report, so the report must take every class. */
_Static_assert(NN_SVM_MAX_CLASSES <= NN_REPORT_MAX_CLASSES, "the report takes every SVM class");

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int which;
    which = (which + 1) % 4;
    snprintf(buf[which], sizeof buf[which], "%s/%s", test_tmpdir(), name);
    return buf[which];
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void write_f32(const char *path, int ndim, const uint32_t *dims, const float *x)
{
    struct nn_error err = {0};
    if (nn_idx_write(path, NN_IDX_F32, ndim, dims, x, &err))
        fail_msg("%s", err.msg);
}

static void write_u8(const char *path, int ndim, const uint32_t *dims, const uint8_t *x)
{
    struct nn_error err = {0};
    if (nn_idx_write(path, NN_IDX_U8, ndim, dims, x, &err))
        fail_msg("%s", err.msg);
}

/* Clusters of points around `centres` with a deterministic jitter of at most +-0.5 per
 * coordinate: far enough apart (>= 4 units) that an RBF SVM separates them perfectly. */
static void make_clusters(int n_classes, int per_class, const float (*centres)[2], float *x,
                          uint8_t *y, uint32_t seed)
{
    uint32_t s = seed;
    for (int c = 0; c < n_classes; c++) {
        for (int i = 0; i < per_class; i++) {
            int r = c * per_class + i;
            for (int j = 0; j < 2; j++) {
                s = s * 1664525u + 1013904223u;
                x[2 * r + j] = centres[c][j] + ((float)(s >> 8) / 16777216.0f - 0.5f);
            }
            y[r] = (uint8_t)c;
        }
    }
}

/* ---------------------------------------------------------------- gamma */

static void test_gamma_scale_hand(void **state)
{
    (void)state;
    /* X = [[1, 2], [3, 4], [5, 6]], d = 2. Over all six values: mean = 21 / 6 = 3.5; squared
     * deviations 6.25 2.25 0.25 0.25 2.25 6.25 sum to 17.5; population variance = 17.5 / 6
     * = 2.916666...; gamma = 1 / (2 * 17.5 / 6) = 6 / 35 = 0.171428571428... */
    const float x[] = {1, 2, 3, 4, 5, 6};
    assert_close_double(nn_svm_gamma_scale(x, 3, 2), 6.0 / 35.0, 1e-12);
    /* Shifting every value by a large constant leaves the variance alone; Welford keeps it. */
    const float xs[] = {10001, 10002, 10003, 10004, 10005, 10006};
    assert_close_double(nn_svm_gamma_scale(xs, 3, 2), 6.0 / 35.0, 1e-9);
    /* A constant matrix has variance 0: scikit-learn then uses gamma = 1. */
    const float c[] = {7, 7, 7, 7};
    assert_close_double(nn_svm_gamma_scale(c, 2, 2), 1.0, 0.0);

    struct nn_error err = {0};
    double g = 0;
    assert_int_equal(nn_svm_resolve_gamma("scale", x, 3, 2, &g, &err), NN_OK);
    assert_close_double(g, 6.0 / 35.0, 1e-12);
    assert_int_equal(nn_svm_resolve_gamma("auto", NULL, 0, 64, &g, &err), NN_OK);
    assert_close_double(g, 1.0 / 64.0, 0.0);
    assert_int_equal(nn_svm_resolve_gamma("0.25", NULL, 0, 64, &g, &err), NN_OK);
    assert_close_double(g, 0.25, 0.0);
    const char *bad[] = {"", "fast", "-1", "0", "nan", "inf", "1e999", "0.5x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(nn_svm_resolve_gamma(bad[i], x, 3, 2, &g, &err), NN_ERR_USAGE);
        assert_non_null(strstr(err.msg, "--gamma"));
    }
}

/* ---------------------------------------------------------------- training */

static void train_and_check(int k, const float (*centres)[2], int per_class)
{
    int n = k * per_class;
    float *x = malloc((size_t)n * 2 * sizeof *x);
    uint8_t *y = malloc((size_t)n);
    int *pred = malloc((size_t)n * sizeof *pred);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(pred);
    make_clusters(k, per_class, centres, x, y, 12345u);
    struct nn_svm_data data = {.n = (size_t)n, .d = 2, .x = x, .y = y};
    struct nn_svm_params p;
    nn_svm_params_default(&p);
    p.C = 10.0;
    p.gamma = nn_svm_gamma_scale(x, (size_t)n, 2);
    struct nn_error err = {0};
    struct nn_svm *m = NULL;
    if (nn_svm_train(&data, &p, &m, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(nn_svm_n_classes(m), k);
    assert_true(nn_svm_n_sv(m) >= k);
    assert_close_double(nn_svm_gamma(m), p.gamma, 0.0);
    assert_int_equal(nn_svm_max_feature(m), 2);

    /* Training accuracy 100%. */
    assert_int_equal(nn_svm_predict(m, x, (size_t)n, 2, pred, &err), NN_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(pred[i], y[i]);
    /* Fresh points from the same clusters: also 100%. */
    make_clusters(k, per_class, centres, x, y, 999u);
    assert_int_equal(nn_svm_predict(m, x, (size_t)n, 2, pred, &err), NN_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(pred[i], y[i]);

    /* Save, load, and the loaded model predicts the same. */
    const char *path = tmp_path("clusters.model");
    assert_int_equal(nn_svm_save(m, path, &err), NN_OK);
    nn_svm_free(m);
    m = NULL;
    assert_int_equal(nn_svm_load(path, &m, &err), NN_OK);
    assert_int_equal(nn_svm_n_classes(m), k);
    int labels[NN_SVM_MAX_CLASSES];
    nn_svm_labels(m, labels);
    for (int i = 0; i < k; i++)
        assert_true(labels[i] >= 0 && labels[i] < k);
    assert_int_equal(nn_svm_predict(m, x, (size_t)n, 2, pred, &err), NN_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(pred[i], y[i]);
    /* Vectors narrower than the model's support vectors are refused, not misread. */
    assert_int_equal(nn_svm_predict(m, x, 1, 1, pred, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "uses feature 2"));
    nn_svm_free(m);
    free(x);
    free(y);
    free(pred);
}

static void test_svm_two_class_separable(void **state)
{
    (void)state;
    static const float centres[2][2] = {{-2, -2}, {2, 2}};
    train_and_check(2, centres, 30);
}

static void test_svm_three_class_separable(void **state)
{
    (void)state;
    static const float centres[3][2] = {{0, 3}, {3, -2}, {-3, -2}};
    train_and_check(3, centres, 30);
}

static void test_svm_train_rejects(void **state)
{
    (void)state;
    float x[4] = {0, 1, 2, 3};
    uint8_t y_one[2] = {4, 4}, y_two[2] = {4, 1};
    struct nn_svm_data data = {.n = 2, .d = 2, .x = x, .y = y_one};
    struct nn_svm_params p;
    nn_svm_params_default(&p);
    p.gamma = 0.5;
    struct nn_error err = {0};
    struct nn_svm *m = NULL;
    assert_int_equal(nn_svm_train(&data, &p, &m, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "at least two classes"));
    assert_null(m);
    data.y = y_two;
    p.gamma = 0.0; /* never resolved */
    assert_int_equal(nn_svm_train(&data, &p, &m, &err), NN_ERR_USAGE);
    assert_non_null(strstr(err.msg, "--gamma"));
    assert_null(m);
}

static void test_svm_load_rejects(void **state)
{
    (void)state;
    struct nn_error err = {0};
    struct nn_svm *m = NULL;
    assert_int_equal(nn_svm_load(tmp_path("no-such.model"), &m, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, "no-such.model"));
    const char *junk = tmp_path("junk.model");
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    fputs("hello, I am not a model\n", f);
    fclose(f);
    assert_int_equal(nn_svm_load(junk, &m, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "not a libsvm model"));
    assert_null(m);
    /* A well-formed epsilon-SVR model is a libsvm model, but not a classifier. */
    const char *svr = tmp_path("svr.model");
    f = fopen(svr, "w");
    assert_non_null(f);
    fputs("svm_type epsilon_svr\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 1\nrho 0.1\n"
          "SV\n1 1:0.5 2:0.25 \n",
          f);
    fclose(f);
    assert_int_equal(nn_svm_load(svr, &m, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "field 'svm_type'"));
    assert_null(m);

    /* Files that libsvm's own loader mishandles (the first two read out of bounds under
     * AddressSanitizer) are refused by the pre-check before libsvm sees them. */
#define HDR "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\n"
    static const struct {
        const char *text, *want;
    } hostile[] = {
        {HDR "total_sv 1\nrho 0\nlabel 0 1\nnr_sv 1 0\nSV\n", "1 coefficients needed"},
        {"svm_type c_svc\nrho 0\nnr_class 2\n", "field 'rho': must come after nr_class"},
        {HDR "total_sv 9\nrho 0\nlabel 0 1\nnr_sv 1 1\nSV\n1 1:1\n-1 1:2\n",
         "field 'nr_sv': the per-class counts add up to 2"},
        {HDR "total_sv 2\nrho 0\nlabel 0 1\nnr_sv 1 1\nSV\n1 2:1 1:1\n-1 1:2\n",
         "indices must ascend"},
        {HDR "total_sv 2\nrho 0\nlabel 0 1\nnr_sv 1 1\nSV\n1 1:1\n\n-1 1:2\n",
         "line 11: field 'SV': 1 coefficients needed"},
        {HDR "total_sv 2\nrho 0\nlabel 0 0\nnr_sv 1 1\nSV\n1 1:1\n-1 1:2\n",
         "label 0 appears twice"},
        {HDR "total_sv 2\nrho 0\nlabel 0 1\nnr_sv 1 1\nSV\n1 1:1\n-1 1:nan\n", "finite value"},
        {HDR "total_sv 2\nlabel 0 1\nnr_sv 1 1\nSV\n1 1:1\n-1 1:2\n", "field 'rho': missing"},
        {HDR "total_sv 2\nrho 0\nlabel 0 1\nnr_sv 1 1\nbogus 3\nSV\n1 1:1\n-1 1:2\n",
         "unknown keyword 'bogus'"},
        {"svm_type c_svc\nkernel_type poly\n", "field 'kernel_type': expected rbf"},
    };
    const char *hp = tmp_path("hostile.model");
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        f = fopen(hp, "w");
        assert_non_null(f);
        fputs(hostile[i].text, f);
        fclose(f);
        int rc = nn_svm_load(hp, &m, &err);
        if (rc != NN_ERR_FORMAT || !strstr(err.msg, hostile[i].want))
            fail_msg("hostile model %zu: rc %d, message \"%s\", expected \"%s\"", i, rc, err.msg,
                     hostile[i].want);
        assert_null(m);
    }
    /* A hand-written model in the same grammar loads and predicts: f(x) = K(x, a) - K(x, b)
     * with a = (1, 0) labelled 0 (first label) and b = (0, 1) labelled 1, rho = 0. */
    f = fopen(hp, "w");
    assert_non_null(f);
    fputs(HDR "total_sv 2\nrho 0\nlabel 0 1\nnr_sv 1 1\nSV\n1 1:1 \n-1 2:1 \n", f);
    fclose(f);
#undef HDR
    assert_int_equal(nn_svm_load(hp, &m, &err), NN_OK);
    const float pts[4] = {0.9f, 0.1f, 0.2f, 1.1f};
    int pred[2];
    assert_int_equal(nn_svm_predict(m, pts, 2, 2, pred, &err), NN_OK);
    assert_int_equal(pred[0], 0);
    assert_int_equal(pred[1], 1);
    nn_svm_free(m);
}

/* ---------------------------------------------------------------- report */

static void test_class_report_hand(void **state)
{
    (void)state;
    /* rows = true, columns = predicted:
     *            pred 0  pred 1  pred 2   support
     *   true 0      5       1       0        6
     *   true 1      2       3       1        6
     *   true 2      0       0       4        4
     *   predicted   7       4       5       16
     * accuracy = (5 + 3 + 4) / 16 = 12 / 16 = 0.75
     * precision: 5/7 = 0.714285714, 3/4 = 0.75, 4/5 = 0.8
     * recall:    5/6 = 0.833333333, 3/6 = 0.5,  4/4 = 1.0
     * F1 = 2TP / (2TP + FP + FN): 10/13 = 0.769230769, 6/10 = 0.6, 8/9 = 0.888888889
     * macro:    P = (5/7 + 3/4 + 4/5) / 3 = 2.264285714 / 3 = 0.754761905
     *           R = (5/6 + 1/2 + 1) / 3   = 2.333333333 / 3 = 0.777777778
     *           F1 = (10/13 + 3/5 + 8/9) / 3 = 2.258119658 / 3 = 0.752706553
     * weighted (by support 6, 6, 4 of 16):
     *           P = (6*5/7 + 6*3/4 + 4*4/5) / 16 = 11.985714286 / 16 = 0.749107143
     *           R = (5 + 3 + 4) / 16 = 0.75 (always equals the accuracy)
     *           F1 = (6*10/13 + 6*3/5 + 4*8/9) / 16 = 11.770940171 / 16 = 0.735683761 */
    const long cm[9] = {5, 1, 0, 2, 3, 1, 0, 0, 4};
    struct nn_class_report *r = malloc(sizeof *r);
    assert_non_null(r);
    struct nn_error err = {0};
    assert_int_equal(nn_class_report_compute(cm, 3, r, &err), NN_OK);
    const double tol = 1e-9;
    assert_int_equal(r->n, 16);
    assert_int_equal(r->correct, 12);
    assert_close_double(r->accuracy, 0.75, tol);
    assert_close_double(r->cls[0].precision, 0.714285714286, tol);
    assert_close_double(r->cls[1].precision, 0.75, tol);
    assert_close_double(r->cls[2].precision, 0.8, tol);
    assert_close_double(r->cls[0].recall, 0.833333333333, tol);
    assert_close_double(r->cls[1].recall, 0.5, tol);
    assert_close_double(r->cls[2].recall, 1.0, tol);
    assert_close_double(r->cls[0].f1, 0.769230769231, tol);
    assert_close_double(r->cls[1].f1, 0.6, tol);
    assert_close_double(r->cls[2].f1, 0.888888888889, tol);
    assert_int_equal(r->cls[0].support, 6);
    assert_int_equal(r->cls[1].support, 6);
    assert_int_equal(r->cls[2].support, 4);
    assert_close_double(r->macro.precision, 0.754761904762, tol);
    assert_close_double(r->macro.recall, 0.777777777778, tol);
    assert_close_double(r->macro.f1, 0.752706552707, tol);
    assert_close_double(r->weighted.precision, 0.749107142857, tol);
    assert_close_double(r->weighted.recall, 0.75, tol);
    assert_close_double(r->weighted.f1, 0.735683760684, tol);

    char *text = NULL;
    assert_int_equal(nn_class_report_format(r, NULL, 4, &text, &err), NN_OK);
    /* scikit-learn's layout: 12-wide names, then 9-wide columns. */
    assert_non_null(strstr(text, "   precision    recall  f1-score   support\n\n"));
    assert_non_null(strstr(text, "           0     0.7143    0.8333    0.7692         6\n"));
    assert_non_null(strstr(text, "    accuracy                         0.7500        16\n"));
    assert_non_null(strstr(text, "   macro avg     0.7548    0.7778    0.7527        16\n"));
    assert_non_null(strstr(text, "weighted avg     0.7491    0.7500    0.7357        16\n"));
    free(text);

    int labels[3] = {3, 5, 7};
    assert_int_equal(nn_confusion_format_csv(cm, 3, labels, &text, &err), NN_OK);
    assert_string_equal(text, "true/predicted,3,5,7\n3,5,1,0\n5,2,3,1\n7,0,0,4\n");
    free(text);
    assert_int_equal(nn_confusion_format_text(cm, 3, labels, &text, &err), NN_OK);
    assert_non_null(strstr(text, "true\\pred  3  5  7\n        3  5  1  0\n"));
    free(text);
    assert_int_equal(nn_svm_metrics_json(r, labels, cm, NAN, 1.5, &text, &err), NN_OK);
    assert_non_null(strstr(text, "\"accuracy\": 0.75,"));
    assert_non_null(strstr(text, "\"train_seconds\": null,"));
    assert_non_null(strstr(text, "\"predict_seconds\": 1.500000,"));
    assert_non_null(strstr(text, "{\"label\": 7, \"precision\": 0.8, \"recall\": 1, \"f1\": "));
    assert_non_null(strstr(text, "\"confusion\": [[5, 1, 0], [2, 3, 1], [0, 0, 4]]"));
    free(text);
    free(r);
}

/* The exact bytes of metrics.json for a 2-class report, so that a change in the JSON writer
 * cannot pass unnoticed. Hand-computed from the matrix [[3, 1], [0, 2]]:
 *   accuracy 5/6; class 0: P = 3/3, R = 3/4, F1 = 6/7; class 1: P = 2/3, R = 2/2, F1 = 4/5;
 *   macro P = 5/6, R = 7/8, F1 = (6/7 + 4/5) / 2 = 29/35;
 *   weighted (4 and 2 of 6): P = 8/9, R = 5/6, F1 = (4·6/7 + 2·4/5) / 6 = 88/105. */
static void test_metrics_json_layout(void **state)
{
    (void)state;
    const long cm[4] = {3, 1, 0, 2};
    struct nn_class_report *r = malloc(sizeof *r);
    assert_non_null(r);
    struct nn_error err = {0};
    assert_int_equal(nn_class_report_compute(cm, 2, r, &err), NN_OK);
    char *text = NULL;
    assert_int_equal(nn_svm_metrics_json(r, NULL, cm, 2.5, 0.25, &text, &err), NN_OK);
    assert_string_equal(
        text, "{\n"
              "  \"accuracy\": 0.8333333333,\n"
              "  \"train_seconds\": 2.500000,\n"
              "  \"predict_seconds\": 0.250000,\n"
              "  \"n\": 6,\n"
              "  \"correct\": 5,\n"
              "  \"classes\": [\n"
              "    {\"label\": 0, \"precision\": 1, \"recall\": 0.75, \"f1\": 0.8571428571, "
              "\"support\": 4},\n"
              "    {\"label\": 1, \"precision\": 0.6666666667, \"recall\": 1, \"f1\": 0.8, "
              "\"support\": 2}\n"
              "  ],\n"
              "  \"macro_avg\": {\"precision\": 0.8333333333, \"recall\": 0.875, \"f1\": "
              "0.8285714286, \"support\": 6},\n"
              "  \"weighted_avg\": {\"precision\": 0.8888888889, \"recall\": 0.8333333333, "
              "\"f1\": 0.8380952381, \"support\": 6},\n"
              "  \"confusion\": [[3, 1], [0, 2]]\n"
              "}\n");
    free(text);
    /* Without the matrix the document ends after weighted_avg. */
    assert_int_equal(nn_svm_metrics_json(r, NULL, NULL, 2.5, 0.25, &text, &err), NN_OK);
    assert_non_null(strstr(text, "\"support\": 6}\n}\n"));
    assert_null(strstr(text, "confusion"));
    free(text);
    free(r);
}

/* The model-file validator on text in memory: a minimal valid model passes, and each defect is
 * refused with the line and field. */
static void test_model_check_text(void **state)
{
    (void)state;
    static const char *const good = "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\n"
                                    "total_sv 2\nrho 0.1\nlabel 0 1\nnr_sv 1 1\nSV\n"
                                    "1 1:0.5 2:1\n-1 1:-0.5\n";
    static const struct {
        const char *from, *to; /* replace `from` in the good model with `to` */
        const char *want;      /* NULL: accepted */
    } cases[] = {
        {"", "", NULL},
        {"nr_sv 1 1", "nr_sv 1 2", "field 'nr_sv': the per-class counts add up to 3"},
        {"\n-1 1:-0.5\n", "", "line 10: field 'total_sv': 2 support vectors declared, 1 found"},
        {"1 1:0.5 2:1", "1 2:1 1:0.5", "line 10: field 'SV': feature index 1 after 2"},
        {"kernel_type rbf", "kernel_type linear", "line 2: field 'kernel_type': expected rbf"},
        {"label 0 1\nnr_sv", "label 0 0\nnr_sv", "field 'label': label 0 appears twice"},
        {"-1 1:-0.5\n", "-1 1:-0.5\nextra\n", "field 'SV': text after the 2 support vectors"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        const char *at = strstr(good, cases[i].from);
        assert_non_null(at);
        size_t pre = (size_t)(at - good);
        snprintf(text, sizeof text, "%.*s%s%s", (int)pre, good, cases[i].to,
                 at + strlen(cases[i].from));
        struct nn_error err = {0};
        int rc = nn_svm_model_check_text("m.model", text, strlen(text), &err);
        if (!cases[i].want) {
            assert_int_equal(rc, NN_OK);
            continue;
        }
        assert_int_equal(rc, NN_ERR_FORMAT);
        if (!strstr(err.msg, cases[i].want) || strncmp(err.msg, "m.model: line ", 14))
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, cases[i].want);
    }
}

static void test_class_report_zero_division(void **state)
{
    (void)state;
    /* Class 1 is never predicted: precision 0 (scikit-learn's zero_division=0), recall 0/1 = 0,
     * F1 0. Class 0: precision 2/3, recall 2/2 = 1, F1 = 4/5 = 0.8. */
    const long cm[4] = {2, 0, 1, 0};
    struct nn_class_report *r = malloc(sizeof *r);
    assert_non_null(r);
    assert_int_equal(nn_class_report_compute(cm, 2, r, NULL), NN_OK);
    assert_close_double(r->cls[1].precision, 0.0, 0.0);
    assert_close_double(r->cls[1].recall, 0.0, 0.0);
    assert_close_double(r->cls[1].f1, 0.0, 0.0);
    assert_close_double(r->cls[0].precision, 2.0 / 3.0, 1e-12);
    assert_close_double(r->cls[0].f1, 0.8, 1e-12);
    assert_close_double(r->accuracy, 2.0 / 3.0, 1e-12);
    /* An all-zero matrix is legal and gives zeros, not NaN. */
    const long zero[4] = {0, 0, 0, 0};
    assert_int_equal(nn_class_report_compute(zero, 2, r, NULL), NN_OK);
    assert_close_double(r->accuracy, 0.0, 0.0);
    assert_close_double(r->weighted.f1, 0.0, 0.0);
    const long neg[4] = {1, -1, 0, 0};
    struct nn_error err = {0};
    assert_int_equal(nn_class_report_compute(neg, 2, r, &err), NN_ERR_RUNTIME);
    assert_int_equal(nn_class_report_compute(neg, 0, r, &err), NN_ERR_RUNTIME);
    free(r);
}

static void test_accuracy_line_and_confusion(void **state)
{
    (void)state;
    char line[128];
    nn_accuracy_line(9801, 10000, line, sizeof line);
    assert_string_equal(line, "Accuracy = 98.01% (9801/10000) (classification)\n");
    nn_accuracy_line(2, 3, line, sizeof line);
    assert_string_equal(line, "Accuracy = 66.6667% (2/3) (classification)\n");

    /* Four classes, of which class 2 never occurs: compacting keeps 0, 1 and 3. */
    const uint8_t yt[] = {0, 0, 1, 3, 3, 1};
    const int yp[] = {0, 1, 1, 3, 0, 1};
    long cm[16], out[16];
    struct nn_error err = {0};
    assert_int_equal(nn_confusion_matrix(yt, yp, 6, 4, cm, &err), NN_OK);
    const long want[16] = {1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1};
    for (int i = 0; i < 16; i++)
        assert_int_equal(cm[i], want[i]);
    int labels[4], k = -1;
    nn_confusion_compact(cm, 4, out, labels, &k);
    assert_int_equal(k, 3);
    assert_int_equal(labels[0], 0);
    assert_int_equal(labels[1], 1);
    assert_int_equal(labels[2], 3);
    const long want_c[9] = {1, 1, 0, 0, 2, 0, 1, 0, 1};
    for (int i = 0; i < 9; i++)
        assert_int_equal(out[i], want_c[i]);
    const int bad_pred[] = {0, 4};
    assert_int_equal(nn_confusion_matrix(yt, bad_pred, 2, 4, cm, &err), NN_ERR_RUNTIME);
}

/* ---------------------------------------------------------------- malformed data */

enum fixture {
    FX_GOOD,
    FX_FEAT_U8,      /* features stored as u8 */
    FX_FEAT_3D,      /* features with 3 dims */
    FX_LBL_F32,      /* labels stored as f32 */
    FX_LBL_2D,       /* labels with 2 dims */
    FX_LBL_SHORT,    /* 3 labels for 4 vectors */
    FX_LBL_RANGE,    /* label 10 with 10 classes */
    FX_FEAT_NAN,     /* NaN in vector 2, feature 1 */
    FX_FEAT_INF,     /* +Inf in vector 0, feature 0 */
    FX_FEAT_MISSING, /* no features file */
    FX_FEAT_NOT_IDX, /* a text file */
};

struct bad_case {
    const char *name;
    enum fixture fx;
    int code;
    int blame_labels; /* the message names the labels file (else the features file) */
    const char *substr[2];
};

static const struct bad_case k_bad[] = {
    {"features_u8",
     FX_FEAT_U8,
     NN_ERR_FORMAT,
     0,
     {"field 'type'", "expected f32 features (0x0D), found u8"}},
    {"features_3d", FX_FEAT_3D, NN_ERR_FORMAT, 0, {"field 'ndim'", "expected 2"}},
    {"labels_f32", FX_LBL_F32, NN_ERR_FORMAT, 1, {"field 'type'", "expected u8 labels"}},
    {"labels_2d", FX_LBL_2D, NN_ERR_FORMAT, 1, {"field 'ndim'", "expected 1 for labels"}},
    {"count_mismatch",
     FX_LBL_SHORT,
     NN_ERR_FORMAT,
     1,
     {"4 feature vectors", "3 labels; the counts must be equal"}},
    {"label_out_of_range",
     FX_LBL_RANGE,
     NN_ERR_FORMAT,
     1,
     {"field 'data[3]'", "label 10 is out of range 0..9"}},
    {"feature_nan",
     FX_FEAT_NAN,
     NN_ERR_FORMAT,
     0,
     {"field 'data[5]' (vector 2, feature 1)", "value is NaN"}},
    {"feature_inf",
     FX_FEAT_INF,
     NN_ERR_FORMAT,
     0,
     {"field 'data[0]' (vector 0, feature 0)", "value is infinite"}},
    {"features_missing", FX_FEAT_MISSING, NN_ERR_IO, 0, {"cannot open", NULL}},
    {"features_not_idx", FX_FEAT_NOT_IDX, NN_ERR_FORMAT, 0, {"field 'magic'", NULL}},
};

static void make_fixture(enum fixture fx, const char *fpath, const char *lpath)
{
    float x[8] = {0.5f, -1, 2, 0, 1, 1, 3, -3};
    uint8_t y[4] = {0, 1, 2, 9};
    uint32_t fd[2] = {4, 2}, ld[1] = {4};
    unlink(fpath);
    unlink(lpath);
    if (fx == FX_FEAT_NAN)
        x[5] = NAN;
    if (fx == FX_FEAT_INF)
        x[0] = INFINITY;
    if (fx == FX_LBL_RANGE)
        y[3] = 10;
    if (fx == FX_FEAT_U8) {
        const uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        write_u8(fpath, 2, fd, bytes);
    } else if (fx == FX_FEAT_3D)
        write_f32(fpath, 3, (uint32_t[3]){4, 1, 2}, x);
    else if (fx == FX_FEAT_NOT_IDX) {
        FILE *f = fopen(fpath, "w");
        assert_non_null(f);
        fputs("1,2,3\n", f);
        fclose(f);
    } else if (fx != FX_FEAT_MISSING)
        write_f32(fpath, 2, fd, x);
    if (fx == FX_LBL_F32)
        write_f32(lpath, 1, ld, x);
    else if (fx == FX_LBL_2D)
        write_u8(lpath, 2, (uint32_t[2]){2, 2}, y);
    else if (fx == FX_LBL_SHORT)
        write_u8(lpath, 1, (uint32_t[1]){3}, y);
    else
        write_u8(lpath, 1, ld, y);
}

static void test_bad_data(void **state)
{
    const struct bad_case *bc = *state;
    const char *fpath = tmp_path("bad_features.idx");
    const char *lpath = tmp_path("bad_labels.idx");
    make_fixture(bc->fx, fpath, lpath);
    struct nn_svm_data d;
    memset(&d, 0xAB, sizeof d);
    struct nn_error err = {0};
    int rc = nn_svm_load_data(fpath, lpath, 10, &d, &err);
    if (rc != bc->code)
        fail_msg("%s: expected code %d, got %d (%s)", bc->name, bc->code, rc, err.msg);
    assert_null(d.x);
    assert_null(d.y);
    assert_non_null(strstr(err.msg, bc->blame_labels ? lpath : fpath));
    for (int i = 0; i < 2; i++)
        if (bc->substr[i] && !strstr(err.msg, bc->substr[i]))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bc->name, err.msg, bc->substr[i]);
}

static void test_good_data(void **state)
{
    (void)state;
    const char *fpath = tmp_path("good_features.idx");
    const char *lpath = tmp_path("good_labels.idx");
    make_fixture(FX_GOOD, fpath, lpath);
    struct nn_svm_data d;
    struct nn_error err = {0};
    assert_int_equal(nn_svm_load_data(fpath, lpath, 10, &d, &err), NN_OK);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.d, 2);
    assert_close_double(d.x[7], -3.0, 0.0);
    assert_int_equal(d.y[3], 9);
    nn_svm_data_free(&d);
    assert_null(d.x);
    /* The same file is out of range for 9 classes. */
    assert_int_equal(nn_svm_load_data(fpath, lpath, 9, &d, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "label 9 is out of range 0..8"));
}

/* ---------------------------------------------------------------- PNG */

static uint8_t *read_png(const char *path, int want_format, png_uint_32 *w, png_uint_32 *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        fail_msg("%s: not a readable PNG: %s", path, im.message);
    im.format = (png_uint_32)want_format;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(im));
    assert_non_null(buf);
    if (!png_image_finish_read(&im, NULL, buf, 0, NULL))
        fail_msg("%s: decode failed: %s", path, im.message);
    *w = im.width;
    *h = im.height;
    return buf;
}

static void test_png_gray_round_trip(void **state)
{
    (void)state;
    uint8_t pix[6 * 4];
    for (int i = 0; i < 24; i++)
        pix[i] = (uint8_t)(i * 11);
    const char *path = tmp_path("gray.png");
    struct nn_error err = {0};
    assert_int_equal(nn_png_write_gray(path, 6, 4, pix, &err), NN_OK);
    png_uint_32 w, h;
    uint8_t *back = read_png(path, PNG_FORMAT_GRAY, &w, &h);
    assert_int_equal(w, 6);
    assert_int_equal(h, 4);
    assert_memory_equal(back, pix, sizeof pix);
    free(back);
    /* Bad sizes and unwritable places fail cleanly, leaving no temporary file behind. */
    assert_int_equal(nn_png_write_gray(path, 0, 4, pix, &err), NN_ERR_RUNTIME);
    assert_int_equal(nn_png_write_rgb(tmp_path("no/such/dir/x.png"), 2, 2, pix, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, "no/such/dir"));
}

static void test_draw_text(void **state)
{
    (void)state;
    enum { W = 40, H = 12 };
    uint8_t img[W * H * 3];
    memset(img, 255, sizeof img);
    const uint8_t black[3] = {0, 0, 0};
    nn_draw_text(img, W, H, 1, 1, "1", 1, black);
    /* '1' is 0x04,0x0C,0x04,...: row 0 has only column 2 set, row 6 (0x0E) columns 1..3. */
    assert_int_equal(img[(1 * W + 3) * 3], 0);
    assert_int_equal(img[(1 * W + 2) * 3], 255);
    assert_int_equal(img[(7 * W + 2) * 3], 0);
    assert_int_equal(img[(7 * W + 4) * 3], 0);
    assert_int_equal(img[(7 * W + 5) * 3], 255);
    /* Lower case draws the upper-case glyph. */
    uint8_t a[W * H * 3], b[W * H * 3];
    memset(a, 255, sizeof a);
    memset(b, 255, sizeof b);
    nn_draw_text(a, W, H, 0, 0, "acc", 1, black);
    nn_draw_text(b, W, H, 0, 0, "ACC", 1, black);
    assert_memory_equal(a, b, sizeof a);
    /* Clipping: positions far outside the image draw nothing and do not crash. */
    memset(a, 255, sizeof a);
    nn_draw_text(a, W, H, -1000000, -5, "Accuracy = 98.01% (9801/10000) _:,", 3, black);
    nn_draw_text(a, W, H, 2000000000, 2000000000, "x", 1000, black);
    nn_draw_text(a, W, H, 30, 8, "WWWW\nWWW", 2, black);
    assert_int_equal(nn_text_width("", 2), 0);
    assert_int_equal(nn_text_width("12", 1), 11);    /* 2 * 6 - 1 */
    assert_int_equal(nn_text_width("ab\nc", 2), 22); /* longest line: 2 * 12 - 2 */
}

static void test_confusion_png(void **state)
{
    (void)state;
    const long cm[9] = {50, 1, 0, 2, 30, 1, 0, 0, 40};
    const int labels[3] = {0, 1, 2};
    const char *title = "confusion matrix - accuracy 96.1% (120/124)";
    const char *path = tmp_path("confusion.png");
    struct nn_error err = {0};
    if (nn_confusion_write_png(path, cm, 3, labels, title, &err))
        fail_msg("%s", err.msg);
    int ew = 0, eh = 0;
    nn_confusion_png_size(3, title, &ew, &eh);
    assert_true(ew >= 3 * 64 && eh >= 3 * 64);
    png_uint_32 w, h;
    uint8_t *rgb = read_png(path, PNG_FORMAT_RGB, &w, &h);
    assert_int_equal(w, (png_uint_32)ew);
    assert_int_equal(h, (png_uint_32)eh);
    /* The corner is background white; somewhere there is the darkest blue of the largest count
     * (50) and some black text. */
    assert_int_equal(rgb[0], 255);
    int dark = 0, ink = 0;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const uint8_t *p = rgb + 3 * i;
        dark += p[0] == 8 && p[1] == 48 && p[2] == 107;
        ink += p[0] == 0 && p[1] == 0 && p[2] == 0;
    }
    assert_true(dark > 100);
    assert_true(ink > 100);
    free(rgb);
    /* 256 classes still render (small cells, no counts), within the PNG size limit. */
    long *big = calloc(256 * 256, sizeof *big);
    int *blabels = malloc(256 * sizeof *blabels);
    assert_non_null(big);
    assert_non_null(blabels);
    for (int i = 0; i < 256; i++) {
        big[i * 256 + i] = 1000000000L;
        blabels[i] = i;
    }
    assert_int_equal(nn_confusion_write_png(tmp_path("big.png"), big, 256, blabels, title, &err),
                     NN_OK);
    free(big);
    free(blabels);
}

/* ---------------------------------------------------------------- sidecar and CLI */

static void test_sidecar(void **state)
{
    (void)state;
    double ts = 0;
    int nf = -1;
    struct nn_error err = {0};
    assert_int_equal(nn_svm_read_sidecar(tmp_path("absent.model.json"), &ts, &nf, &err), NN_OK);
    assert_true(isnan(ts));
    assert_int_equal(nf, 0);
    const char *p = tmp_path("s.json");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\n  \"train_seconds\": 12.5,\n  \"n_features\": 64\n}\n", f);
    fclose(f);
    assert_int_equal(nn_svm_read_sidecar(p, &ts, &nf, &err), NN_OK);
    assert_close_double(ts, 12.5, 0.0);
    assert_int_equal(nf, 64);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"train_seconds\": \"soon\"}", f);
    fclose(f);
    assert_int_equal(nn_svm_read_sidecar(p, &ts, &nf, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "field 'train_seconds'"));
}

static int run_cli(int argc, const char **argv)
{
    /* nn_cli_svm() takes char ** as main() does; the strings are only read. */
    char *args[32];
    for (int i = 0; i < argc; i++)
        args[i] = (char *)(uintptr_t)argv[i];
    return nn_cli_svm(argc, args);
}

static void test_cli_train_eval(void **state)
{
    (void)state;
    static const float centres[3][2] = {{0, 3}, {3, -2}, {-3, -2}};
    enum { PER = 20, N = 3 * PER };
    float x[N * 2];
    uint8_t y[N];
    make_clusters(3, PER, centres, x, y, 7u);
    char feat[512], lbl[512], model[512], out[512], tfeat[512], tlbl[512];
    snprintf(feat, sizeof feat, "%s", tmp_path("cli_train_f.idx"));
    snprintf(lbl, sizeof lbl, "%s", tmp_path("cli_train_l.idx"));
    snprintf(model, sizeof model, "%s", tmp_path("cli.model"));
    snprintf(out, sizeof out, "%s", tmp_path("eval/out"));
    snprintf(tfeat, sizeof tfeat, "%s", tmp_path("cli_test_f.idx"));
    snprintf(tlbl, sizeof tlbl, "%s", tmp_path("cli_test_l.idx"));
    write_f32(feat, 2, (uint32_t[2]){N, 2}, x);
    write_u8(lbl, 1, (uint32_t[1]){N}, y);
    make_clusters(3, PER, centres, x, y, 8u);
    write_f32(tfeat, 2, (uint32_t[2]){N, 2}, x);
    write_u8(tlbl, 1, (uint32_t[1]){N}, y);

    const char *train[] = {"train",
                           "--features",
                           feat,
                           "--labels",
                           lbl,
                           "--C",
                           "10",
                           "--gamma",
                           "scale",
                           "--model",
                           model,
                           "--cache-mb=50",
                           "--no-shrinking"};
    assert_int_equal(run_cli(13, train), 0);
    assert_true(file_exists(model));
    char side[600];
    snprintf(side, sizeof side, "%s.json", model);
    double ts;
    int nf;
    assert_int_equal(nn_svm_read_sidecar(side, &ts, &nf, NULL), NN_OK);
    assert_true(ts >= 0.0);
    assert_int_equal(nf, 2);

    const char *eval[] = {"eval",     "--model", model,   "--features", tfeat,
                          "--labels", tlbl,      "--out", out};
    assert_int_equal(run_cli(9, eval), 0);
    const char *names[] = {"report.txt", "confusion.csv", "confusion.png", "metrics.json"};
    char p[700];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", out, names[i]);
        if (!file_exists(p))
            fail_msg("%s was not written", p);
    }
    snprintf(p, sizeof p, "%s/report.txt", out);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char line[256] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "Accuracy = 100% (60/60) (classification)\n");
    snprintf(p, sizeof p, "%s/metrics.json", out);
    f = fopen(p, "r");
    assert_non_null(f);
    char json[8192];
    size_t got = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[got] = 0;
    assert_non_null(strstr(json, "\"accuracy\": 1,"));
    assert_null(strstr(json, "\"train_seconds\": null"));

    /* Usage errors exit 2; data errors exit 1. */
    const char *bad_gamma[] = {"train",   "--features", feat,      "--labels", lbl,
                               "--gamma", "fast",       "--model", model};
    assert_int_equal(run_cli(9, bad_gamma), 2);
    const char *no_model[] = {"train", "--features", feat, "--labels", lbl};
    assert_int_equal(run_cli(5, no_model), 2);
    const char *unknown[] = {"frobnicate"};
    assert_int_equal(run_cli(1, unknown), 2);
    assert_int_equal(run_cli(0, unknown), 2);
    const char *help[] = {"eval", "--help"};
    assert_int_equal(run_cli(2, help), 0);
    const char *few_classes[] = {"eval", "--model", model, "--features", tfeat, "--labels",
                                 tlbl,   "--out",   out,   "--classes",  "2"};
    assert_int_equal(run_cli(11, few_classes), 1);
    const char *swapped[] = {"eval",     "--model", model,   "--features", tlbl,
                             "--labels", tfeat,     "--out", out};
    assert_int_equal(run_cli(9, swapped), 1);
    const char *not_model[] = {"eval",     "--model", feat,    "--features", tfeat,
                               "--labels", tlbl,      "--out", out};
    assert_int_equal(run_cli(9, not_model), 1);
}

/* ---------------------------------------------------------------- main */

/* ---------------------------------------------------------------- batched prediction */

/* nn_svm_predict_blas() against svm_predict() on every row; returns the rows sent to the exact
 * path. */
static size_t check_blas_equals_libsvm(const struct svm_model *model, const float *x, size_t n,
                                       int d)
{
    int *fast = malloc(n * sizeof *fast);
    struct svm_node *row = malloc(((size_t)d + 1) * sizeof *row);
    assert_non_null(fast);
    assert_non_null(row);
    struct nn_svm_predict_stats st;
    for (int threads = 1; threads <= 2; threads++) {
        nn_svm_predict_set_threads(threads);
        assert_int_equal(nn_svm_predict_blas(model, x, n, d, fast, &st), NN_OK);
        for (size_t i = 0; i < n; i++) {
            int want = nn_svm_predict_exact(model, x + i * (size_t)d, d, row);
            if (fast[i] != want)
                fail_msg("vector %zu: batched %d, svm_predict %d", i, fast[i], want);
        }
    }
    nn_svm_predict_set_threads(0);
    free(fast);
    free(row);
    return st.n_exact;
}

/* A C-SVC RBF model straight from libsvm; the problem's vectors must outlive it. */
static struct svm_model *libsvm_train(const float *x, const uint8_t *y, int n, int d, double C,
                                      double gamma, int kernel, struct svm_node *pool,
                                      struct svm_node **rows, double *yd)
{
    struct svm_node *node = pool;
    for (int i = 0; i < n; i++) {
        rows[i] = node;
        yd[i] = y[i];
        for (int j = 0; j < d; j++)
            if (x[i * d + j] != 0.0f)
                *node++ = (struct svm_node){.index = j + 1, .value = x[i * d + j]};
        *node++ = (struct svm_node){.index = -1};
    }
    struct svm_problem prob = {.l = n, .y = yd, .x = rows};
    struct svm_parameter sp = {.svm_type = C_SVC,
                               .kernel_type = kernel,
                               .degree = 3,
                               .gamma = gamma,
                               .cache_size = 20,
                               .eps = 1e-3,
                               .C = C,
                               .nu = 0.5,
                               .p = 0.1,
                               .shrinking = 1};
    assert_null(svm_check_parameter(&prob, &sp));
    struct svm_model *m = svm_train(&prob, &sp);
    assert_non_null(m);
    return m;
}

static void svm_quiet(const char *s)
{
    (void)s;
}

/* Random vectors (a few exact zeros, as ReLU features have) with random labels over k classes,
 * class k-1 given a single example: many SVs and many decision values near zero. The model is
 * checked as trained and after a save and load (libsvm rounds the SVs to 8 digits there). */
static void random_set_case(int k, int n, int d, double C, uint64_t seed)
{
    struct nn_rng rng;
    nn_rng_seed(&rng, seed, 7);
    float *x = malloc((size_t)n * (size_t)d * sizeof *x);
    uint8_t *y = malloc((size_t)n);
    struct svm_node *pool = malloc((size_t)n * ((size_t)d + 1) * sizeof *pool);
    struct svm_node **rows = malloc((size_t)n * sizeof *rows);
    double *yd = malloc((size_t)n * sizeof *yd);
    assert_true(x && y && pool && rows && yd);
    for (int i = 0; i < n; i++) {
        y[i] = (uint8_t)(i == 0 ? k - 1 : (int)nn_rng_below(&rng, (uint64_t)(k - 1)));
        for (int j = 0; j < d; j++) {
            double v = nn_rng_normal(&rng) + 0.5 * y[i] * (j % k == y[i]);
            x[i * d + j] = v < -1.0 ? 0.0f : (float)v;
        }
    }
    double gamma = nn_svm_gamma_scale(x, (size_t)n, d);
    svm_set_print_string_function(svm_quiet);
    for (int g = 0; g < 3; g++) {
        /* gamma 'scale', then a wide and a narrow kernel (most kernel values underflow) */
        double gm = g == 0 ? gamma : g == 1 ? gamma / 30.0 : gamma * 200.0;
        struct svm_model *m = libsvm_train(x, y, n, d, C, gm, RBF, pool, rows, yd);
        assert_int_equal(m->nr_class, k);
        check_blas_equals_libsvm(m, x, (size_t)n, d);
        const char *path = tmp_path("random.model");
        assert_int_equal(svm_save_model(path, m), 0);
        struct svm_model *loaded = svm_load_model(path);
        assert_non_null(loaded);
        check_blas_equals_libsvm(loaded, x, (size_t)n, d);
        svm_free_and_destroy_model(&loaded);
        svm_free_and_destroy_model(&m);
    }
    free(x);
    free(y);
    free(pool);
    free(rows);
    free(yd);
}

static void test_svm_predict_blas_random(void **state)
{
    (void)state;
    random_set_case(4, 300, 12, 1.0, 11);
    random_set_case(10, 400, 20, 10.0, 12);
    random_set_case(2, 200, 5, 100.0, 13);
}

/* The cluster sets of the training tests, through nnctl's own nn_svm_predict too. */
static void test_svm_predict_blas_clusters(void **state)
{
    (void)state;
    static const float c2[2][2] = {{-2, -2}, {2, 2}};
    static const float c3[3][2] = {{0, 3}, {3, -2}, {-3, -2}};
    static const float c4[4][2] = {{0, 0}, {0.5f, 0.5f}, {-0.5f, 0.5f}, {0, -0.5f}};
    const float(*const centres[3])[2] = {c2, c3, c4};
    for (int t = 0; t < 3; t++) {
        int k = t + 2, per = 40, n = k * per;
        float *x = malloc((size_t)n * 2 * sizeof *x);
        uint8_t *y = malloc((size_t)n);
        struct svm_node *pool = malloc((size_t)n * 3 * sizeof *pool);
        struct svm_node **rows = malloc((size_t)n * sizeof *rows);
        double *yd = malloc((size_t)n * sizeof *yd);
        assert_true(x && y && pool && rows && yd);
        make_clusters(k, per, centres[t], x, y, 4242u);
        svm_set_print_string_function(svm_quiet);
        struct svm_model *m = libsvm_train(x, y, n, 2, 10.0, 0.5, RBF, pool, rows, yd);
        make_clusters(k, per, centres[t], x, y, 77u);
        check_blas_equals_libsvm(m, x, (size_t)n, 2);
        svm_free_and_destroy_model(&m);
        free(x);
        free(y);
        free(pool);
        free(rows);
        free(yd);
    }
}

/* Symmetric two-class data: the test point halfway has a decision value of exactly 0 (libsvm
 * votes for the second class), which the batched path must hand to svm_predict. */
static void test_svm_predict_blas_tie(void **state)
{
    (void)state;
    const float x[4] = {-1, 0, 1, 0};
    const uint8_t y[2] = {0, 1};
    struct svm_node pool[6], *rows[2];
    double yd[2];
    svm_set_print_string_function(svm_quiet);
    struct svm_model *m = libsvm_train(x, y, 2, 2, 1.0, 0.5, RBF, pool, rows, yd);
    const float q[6] = {0, 0, 0, 3, -0.5f, 0};
    size_t exact = check_blas_equals_libsvm(m, q, 3, 2);
    assert_true(exact >= 1);
    svm_free_and_destroy_model(&m);
}

/* A linear kernel is declined (the caller then uses svm_predict per vector). */
static void test_svm_predict_blas_unsupported(void **state)
{
    (void)state;
    const float x[4] = {-1, 0.5f, 1, -0.5f};
    const uint8_t y[2] = {0, 1};
    struct svm_node pool[6], *rows[2];
    double yd[2];
    int pred[2];
    svm_set_print_string_function(svm_quiet);
    struct svm_model *m = libsvm_train(x, y, 2, 2, 1.0, 0.5, LINEAR, pool, rows, yd);
    assert_int_equal(nn_svm_predict_blas(m, x, 2, 2, pred, NULL), NN_SVM_PREDICT_UNSUPPORTED);
    /* features narrower than the SVs: declined too, never read past the row */
    svm_free_and_destroy_model(&m);
    m = libsvm_train(x, y, 2, 2, 1.0, 0.5, RBF, pool, rows, yd);
    assert_int_equal(nn_svm_predict_blas(m, x, 2, 1, pred, NULL), NN_SVM_PREDICT_UNSUPPORTED);
    svm_free_and_destroy_model(&m);
}

/* MNIST-size shape: a 10-class model built by hand with 4000 SVs of 64 features (random SVs,
 * coefficients and rho, so decision values often come near zero) against 2000 vectors. */
static void test_svm_predict_blas_large(void **state)
{
    (void)state;
    enum { K = 10, L = 4000, D = 64, N = 2000 };
    struct nn_rng rng;
    nn_rng_seed(&rng, 2024, 3);
    struct svm_node *nodes = malloc((size_t)L * (D + 1) * sizeof *nodes);
    struct svm_node **sv = malloc(L * sizeof *sv);
    double *coef = malloc((size_t)(K - 1) * L * sizeof *coef), *coefs[K - 1];
    double rho[K * (K - 1) / 2];
    int label[K], nsv[K];
    float *x = malloc((size_t)N * D * sizeof *x);
    assert_true(nodes && sv && coef && x);
    struct svm_node *node = nodes;
    for (int s = 0; s < L; s++) {
        sv[s] = node;
        for (int j = 0; j < D; j++) {
            double v = nn_rng_normal(&rng);
            if (v > -0.5)
                *node++ = (struct svm_node){.index = j + 1, .value = v};
        }
        *node++ = (struct svm_node){.index = -1};
    }
    for (int c = 0; c < K - 1; c++) {
        coefs[c] = coef + (size_t)c * L;
        for (int s = 0; s < L; s++)
            coefs[c][s] = 2.0 * nn_rng_uniform(&rng) - 1.0;
    }
    for (int p = 0; p < K * (K - 1) / 2; p++)
        rho[p] = 0.01 * (nn_rng_uniform(&rng) - 0.5);
    int left = L;
    for (int c = 0; c < K; c++) {
        label[c] = (c * 7) % K; /* labels in file order, not sorted */
        nsv[c] = c == K - 1 ? left : c == 0 ? 1 : L / K;
        left -= nsv[c];
    }
    for (size_t i = 0; i < (size_t)N * D; i++) {
        double v = nn_rng_normal(&rng);
        x[i] = v < -0.5 ? 0.0f : (float)v;
    }
    struct svm_model m = {.param = {.svm_type = C_SVC, .kernel_type = RBF, .gamma = 1.0 / 64.0},
                          .nr_class = K,
                          .l = L,
                          .SV = sv,
                          .sv_coef = coefs,
                          .rho = rho,
                          .label = label,
                          .nSV = nsv};
    size_t exact = check_blas_equals_libsvm(&m, x, N, D);
    assert_true(exact < N / 10);
    free(nodes);
    free(sv);
    free(coef);
    free(x);
}

/* The vectorised exp of the kernel loop: within 4 ulp of glibc's over [-708, 0], 0 below. */
static void test_svm_predict_exp(void **state)
{
    (void)state;
    struct nn_rng rng;
    nn_rng_seed(&rng, 99, 1);
    double worst = 0.0;
    for (int i = 0; i < 2000000; i++) {
        double a = i < 1000000 ? -708.0 * nn_rng_uniform(&rng) : -2.0 * nn_rng_uniform(&rng);
        if (i < 8)
            a = (const double[]){
                0.0,    -0.0,  -708.0, -1e-300, -0.34657359027997264, -0.34657359027997270,
                -1e-17, -700.5}[i];
        double want = exp(a), got = nn_svm_predict_exp(a);
        double ulps = fabs(got - want) / (nextafter(want, INFINITY) - want);
        if (ulps > worst)
            worst = ulps;
    }
    if (worst > 4.0)
        fail_msg("vexp: %.2f ulp from glibc's exp", worst);
    assert_true(nn_svm_predict_exp(-708.0001) == 0.0);
    assert_true(nn_svm_predict_exp(-1e6) == 0.0);
    assert_true(nn_svm_predict_exp(0.0) == 1.0);
}

int main(void)
{
    enum { N_BAD = sizeof k_bad / sizeof k_bad[0] };
    static struct CMUnitTest tests[N_BAD + 32];
    size_t n = 0;
    for (size_t i = 0; i < N_BAD; i++)
        tests[n++] = (struct CMUnitTest){k_bad[i].name, test_bad_data, NULL, NULL,
                                         (void *)(uintptr_t)&k_bad[i]};
    const struct CMUnitTest rest[] = {
        cmocka_unit_test(test_gamma_scale_hand),
        cmocka_unit_test(test_svm_two_class_separable),
        cmocka_unit_test(test_svm_three_class_separable),
        cmocka_unit_test(test_svm_predict_exp),
        cmocka_unit_test(test_svm_predict_blas_clusters),
        cmocka_unit_test(test_svm_predict_blas_tie),
        cmocka_unit_test(test_svm_predict_blas_unsupported),
        cmocka_unit_test(test_svm_predict_blas_random),
        cmocka_unit_test(test_svm_predict_blas_large),
        cmocka_unit_test(test_svm_train_rejects),
        cmocka_unit_test(test_svm_load_rejects),
        cmocka_unit_test(test_class_report_hand),
        cmocka_unit_test(test_class_report_zero_division),
        cmocka_unit_test(test_metrics_json_layout),
        cmocka_unit_test(test_model_check_text),
        cmocka_unit_test(test_accuracy_line_and_confusion),
        cmocka_unit_test(test_good_data),
        cmocka_unit_test(test_png_gray_round_trip),
        cmocka_unit_test(test_draw_text),
        cmocka_unit_test(test_confusion_png),
        cmocka_unit_test(test_sidecar),
        cmocka_unit_test(test_cli_train_eval),
    };
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        tests[n++] = rest[i];
    return _cmocka_run_group_tests("svm", tests, n, test_tmpdir_setup, test_tmpdir_teardown);
}
