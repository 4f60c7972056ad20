/* nnctl — `nnctl svm train` and `nnctl svm eval`. */
#include "nnctl/cli_svm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nnctl/common.h"
#include "nnctl/fsutil.h"
#include "nnctl/svm.h"

#define DEFAULT_CLASSES 10 /* the MNIST digits */

static const char *const SVM_USAGE =
    "usage: nnctl svm <train|eval> [options]\n"
    "  train   fit an RBF-kernel C-SVC (libsvm) to a features/labels pair and save it\n"
    "  eval    accuracy, classification report and confusion matrix of a saved model\n"
    "\n"
    "  nnctl svm <train|eval> --help   options of one subcommand\n";

static const char *const SVM_TRAIN_USAGE =
    "usage: nnctl svm train --features F.idx --labels L.idx --model OUT.model [options]\n"
    "  Trains C-SVC with the RBF kernel and saves the model (libsvm's text format, readable by\n"
    "  svm-predict) plus OUT.model.json with the settings and train_seconds.\n"
    "  --features F.idx   float32 IDX, N x d (as `nnctl encode` writes)\n"
    "  --labels L.idx     u8 IDX, N labels\n"
    "  --model PATH       where to write the model\n"
    "  --C X              penalty parameter (default 1)\n"
    "  --gamma G          'scale' = 1 / (d x variance of all feature values), 'auto' = 1 / d,\n"
    "                     or a positive number (default scale)\n"
    "  --classes N        labels must lie in 0..N-1 (default 10)\n"
    "  --cache-mb MB      libsvm kernel cache size (default 200)\n"
    "  --eps X            stopping tolerance (default 0.001)\n"
    "  --no-shrinking     turn off libsvm's shrinking heuristics\n"
    "  --verbose          show libsvm's progress on stderr\n";

static const char *const SVM_EVAL_USAGE =
    "usage: nnctl svm eval --model M --features F.idx --labels L.idx --out DIR [--classes N]\n"
    "  Prints the accuracy (as libsvm's svm-predict does), the per-class report (scikit-learn's\n"
    "  classification_report) and the confusion matrix (rows = true, columns = predicted), and\n"
    "  writes DIR/report.txt, DIR/confusion.csv, DIR/confusion.png and DIR/metrics.json.\n"
    "  --classes N        labels must lie in 0..N-1 (default 10)\n";

/* ---------------------------------------------------------------- helpers */

static int cli_fail(int status, const struct nn_error *err)
{
    fprintf(stderr, "nnctl: error: %s\n", err->msg);
    return nn_exit_code(status);
}

static int cli_usage(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "nnctl: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_pos_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v <= 0.0)
        return -1;
    *out = v;
    return 0;
}

static int parse_classes(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 2 || v > NN_SVM_MAX_CLASSES)
        return -1;
    *out = (int)v;
    return 0;
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. Returns 1 on a match
 * with *val set, 0 when argv[*i] is another option, -1 when the value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != 0)
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *val = argv[++*i];
    return 1;
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* Writes a JSON string literal (with quotes) of `s` into buf. */
static void json_string(char *buf, size_t cap, const char *s)
{
    size_t o = 0;
    if (cap < 3) {
        if (cap)
            buf[0] = 0;
        return;
    }
    buf[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 8 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*p;
        } else if (*p < 0x20) {
            o += (size_t)snprintf(buf + o, cap - o, "\\u%04x", *p);
        } else {
            buf[o++] = (char)*p;
        }
    }
    buf[o++] = '"';
    buf[o] = 0;
}

static int join_path(char *buf, size_t cap, const char *dir, const char *name, struct nn_error *err)
{
    if ((size_t)snprintf(buf, cap, "%s/%s", dir, name) >= cap)
        return nn_error_set(err, NN_ERR_IO, "%s: path too long", dir);
    return NN_OK;
}

/* ---------------------------------------------------------------- svm train */

static int cmd_svm_train(int argc, char **argv)
{
    const char *feat = NULL, *lbl = NULL, *model_path = NULL, *gamma_spec = "scale";
    int n_classes = DEFAULT_CLASSES;
    struct nn_svm_params p;
    nn_svm_params_default(&p);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (is_help(argv[i])) {
            fputs(SVM_TRAIN_USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--no-shrinking")) {
            p.shrinking = 0;
        } else if (!strcmp(argv[i], "--verbose")) {
            p.verbose = 1;
        } else if ((r = opt_value(argc, argv, &i, "--features", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_TRAIN_USAGE, "%s needs a value", "--features");
            feat = v;
        } else if ((r = opt_value(argc, argv, &i, "--labels", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_TRAIN_USAGE, "%s needs a value", "--labels");
            lbl = v;
        } else if ((r = opt_value(argc, argv, &i, "--model", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_TRAIN_USAGE, "%s needs a value", "--model");
            model_path = v;
        } else if ((r = opt_value(argc, argv, &i, "--gamma", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_TRAIN_USAGE, "%s needs a value", "--gamma");
            gamma_spec = v;
        } else if ((r = opt_value(argc, argv, &i, "--C", &v)) != 0) {
            if (r < 0 || parse_pos_double(v, &p.C))
                return cli_usage(SVM_TRAIN_USAGE, "--C expects a positive number, found '%s'",
                                 r < 0 ? "" : v);
        } else if ((r = opt_value(argc, argv, &i, "--cache-mb", &v)) != 0) {
            if (r < 0 || parse_pos_double(v, &p.cache_mb))
                return cli_usage(SVM_TRAIN_USAGE,
                                 "--cache-mb expects a positive number, found '%s'",
                                 r < 0 ? "" : v);
        } else if ((r = opt_value(argc, argv, &i, "--eps", &v)) != 0) {
            if (r < 0 || parse_pos_double(v, &p.eps))
                return cli_usage(SVM_TRAIN_USAGE, "--eps expects a positive number, found '%s'",
                                 r < 0 ? "" : v);
        } else if ((r = opt_value(argc, argv, &i, "--classes", &v)) != 0) {
            if (r < 0 || parse_classes(v, &n_classes))
                return cli_usage(SVM_TRAIN_USAGE, "--classes expects an integer 2..256, found '%s'",
                                 r < 0 ? "" : v);
        } else {
            return cli_usage(SVM_TRAIN_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!feat)
        return cli_usage(SVM_TRAIN_USAGE, "%s is required", "--features");
    if (!lbl)
        return cli_usage(SVM_TRAIN_USAGE, "%s is required", "--labels");
    if (!model_path)
        return cli_usage(SVM_TRAIN_USAGE, "%s is required", "--model");
    /* Reject a bad --gamma before reading possibly large files. */
    struct nn_error err = {0};
    double g;
    if (strcmp(gamma_spec, "scale") != 0 && nn_svm_resolve_gamma(gamma_spec, NULL, 0, 1, &g, &err))
        return cli_usage(SVM_TRAIN_USAGE, "%s", err.msg);

    struct nn_svm_data data;
    int rc = nn_svm_load_data(feat, lbl, n_classes, &data, &err);
    if (rc)
        return cli_fail(rc, &err);
    rc = nn_svm_resolve_gamma(gamma_spec, data.x, data.n, data.d, &p.gamma, &err);
    if (rc) {
        nn_svm_data_free(&data);
        return cli_fail(rc, &err);
    }
    int present = 0, seen[NN_SVM_MAX_CLASSES] = {0};
    for (size_t i = 0; i < data.n; i++)
        if (!seen[data.y[i]]++)
            present++;
    printf("svm train: %zu vectors x %d features, %d classes present\n", data.n, data.d, present);
    printf("svm train: C = %g, gamma = %.6g (%s), cache %g MB, shrinking %s\n", p.C, p.gamma,
           gamma_spec, p.cache_mb, p.shrinking ? "on" : "off");
    fflush(stdout);

    struct nn_svm *m = NULL;
    double t0 = now_seconds();
    rc = nn_svm_train(&data, &p, &m, &err);
    double train_s = now_seconds() - t0;
    size_t n_train = data.n;
    int d = data.d;
    nn_svm_data_free(&data);
    if (rc)
        return cli_fail(rc, &err);
    int n_sv = nn_svm_n_sv(m);
    printf("svm train: %d support vectors, trained in %.2f s\n", n_sv, train_s);

    rc = nn_svm_save(m, model_path, &err);
    nn_svm_free(m);
    if (rc)
        return cli_fail(rc, &err);

    /* The sidecar carries what libsvm's model format has no room for: timing (for eval's
     * metrics.json) and the feature count (so that eval can refuse vectors of another width). */
    char side[4096], jfeat[2048], jlbl[2048], jspec[256];
    if ((size_t)snprintf(side, sizeof side, "%s.json", model_path) >= sizeof side) {
        nn_error_set(&err, NN_ERR_IO, "%s: path too long", model_path);
        return cli_fail(NN_ERR_IO, &err);
    }
    json_string(jfeat, sizeof jfeat, feat);
    json_string(jlbl, sizeof jlbl, lbl);
    json_string(jspec, sizeof jspec, gamma_spec);
    char text[8192];
    int len = snprintf(text, sizeof text,
                       "{\n  \"train_seconds\": %.6f,\n  \"n_train\": %zu,\n  \"n_features\": %d,\n"
                       "  \"classes_present\": %d,\n  \"n_sv\": %d,\n  \"C\": %.17g,\n"
                       "  \"gamma\": %.17g,\n  \"gamma_spec\": %s,\n  \"cache_mb\": %g,\n"
                       "  \"eps\": %g,\n  \"shrinking\": %s,\n  \"features\": %s,\n"
                       "  \"labels\": %s\n}\n",
                       train_s, n_train, d, present, n_sv, p.C, p.gamma, jspec, p.cache_mb, p.eps,
                       p.shrinking ? "true" : "false", jfeat, jlbl);
    if (len < 0 || (size_t)len >= sizeof text) {
        nn_error_set(&err, NN_ERR_RUNTIME, "%s: sidecar text too long", side);
        return cli_fail(NN_ERR_RUNTIME, &err);
    }
    rc = nn_write_file_atomic(side, text, (size_t)len, &err);
    if (rc)
        return cli_fail(rc, &err);
    printf("svm train: model written to %s (settings and timing in %s)\n", model_path, side);
    return 0;
}

/* ---------------------------------------------------------------- svm eval */

struct eval_buffers {
    int *pred;
    long *cm, *cmc;
    struct nn_class_report *rep;
    char *report, *cm_text, *csv, *json, *report_file;
};

static void eval_buffers_free(struct eval_buffers *b)
{
    free(b->pred);
    free(b->cm);
    free(b->cmc);
    free(b->rep);
    free(b->report);
    free(b->cm_text);
    free(b->csv);
    free(b->json);
    free(b->report_file);
}

static int run_eval(const char *model_path, const char *feat, const char *lbl, const char *out_dir,
                    int n_classes, struct eval_buffers *b, struct nn_error *err)
{
    struct nn_svm_data data;
    int rc = nn_svm_load_data(feat, lbl, n_classes, &data, err);
    if (rc)
        return rc;
    struct nn_svm *m = NULL;
    rc = nn_svm_load(model_path, &m, err);
    if (rc) {
        nn_svm_data_free(&data);
        return rc;
    }
    int labels[NN_SVM_MAX_CLASSES];
    int mk = nn_svm_n_classes(m);
    nn_svm_labels(m, labels);
    for (int i = 0; i < mk; i++)
        if (labels[i] >= n_classes) {
            rc = nn_error_set(err, NN_ERR_FORMAT,
                              "%s: field 'label': the model predicts class %d, outside 0..%d "
                              "(see --classes)",
                              model_path, labels[i], n_classes - 1);
            goto done;
        }

    char side[4096];
    double train_s = NAN;
    int side_d = 0;
    if ((size_t)snprintf(side, sizeof side, "%s.json", model_path) < sizeof side) {
        struct nn_error serr = {0};
        if (nn_svm_read_sidecar(side, &train_s, &side_d, &serr) != NN_OK) {
            fprintf(stderr, "nnctl: warning: %s; train_seconds will be null\n", serr.msg);
            train_s = NAN;
            side_d = 0;
        }
    }
    if (side_d && side_d != data.d) {
        rc = nn_error_set(err, NN_ERR_FORMAT,
                          "%s: field 'dims[1]': %d features per vector, but the model was trained "
                          "on %d (%s)",
                          feat, data.d, side_d, side);
        goto done;
    }

    size_t k2 = (size_t)n_classes * (size_t)n_classes;
    b->pred = malloc(data.n * sizeof *b->pred);
    b->cm = malloc(k2 * sizeof *b->cm);
    b->cmc = malloc(k2 * sizeof *b->cmc);
    b->rep = malloc(sizeof *b->rep);
    if (!b->pred || !b->cm || !b->cmc || !b->rep) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory for %zu predictions", data.n);
        goto done;
    }
    double t0 = now_seconds();
    rc = nn_svm_predict(m, data.x, data.n, data.d, b->pred, err);
    double predict_s = now_seconds() - t0;
    if (rc)
        goto done;
    rc = nn_confusion_matrix(data.y, b->pred, data.n, n_classes, b->cm, err);
    if (rc)
        goto done;
    /* Report only the classes that occur, true or predicted, as scikit-learn does. */
    int k = 0;
    nn_confusion_compact(b->cm, n_classes, b->cmc, labels, &k);
    if ((rc = nn_class_report_compute(b->cmc, k, b->rep, err)) ||
        (rc = nn_class_report_format(b->rep, labels, 4, &b->report, err)) ||
        (rc = nn_confusion_format_text(b->cmc, k, labels, &b->cm_text, err)) ||
        (rc = nn_confusion_format_csv(b->cmc, k, labels, &b->csv, err)) ||
        (rc = nn_svm_metrics_json(b->rep, labels, b->cmc, train_s, predict_s, &b->json, err)))
        goto done;

    char acc[160];
    nn_accuracy_line(b->rep->correct, b->rep->n, acc, sizeof acc);
    size_t rlen = strlen(acc) + strlen(b->report) + strlen(b->cm_text) + 8;
    b->report_file = malloc(rlen);
    if (!b->report_file) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory for the report");
        goto done;
    }
    snprintf(b->report_file, rlen, "%s\n%s\n%s", acc, b->report, b->cm_text);
    fputs(b->report_file, stdout);
    printf("\npredict: %zu vectors in %.2f s", data.n, predict_s);
    if (isfinite(train_s))
        printf(" (training took %.2f s)", train_s);
    printf("\n");
    fflush(stdout);

    char path[4096], title[160];
    if ((rc = nn_mkdir_p(out_dir, err)))
        goto done;
    if ((rc = join_path(path, sizeof path, out_dir, "report.txt", err)) ||
        (rc = nn_write_file_atomic(path, b->report_file, strlen(b->report_file), err)))
        goto done;
    if ((rc = join_path(path, sizeof path, out_dir, "confusion.csv", err)) ||
        (rc = nn_write_file_atomic(path, b->csv, strlen(b->csv), err)))
        goto done;
    if ((rc = join_path(path, sizeof path, out_dir, "metrics.json", err)) ||
        (rc = nn_write_file_atomic(path, b->json, strlen(b->json), err)))
        goto done;
    snprintf(title, sizeof title, "confusion matrix - accuracy %g%% (%ld/%ld)",
             b->rep->n ? (double)b->rep->correct / (double)b->rep->n * 100.0 : 0.0, b->rep->correct,
             b->rep->n);
    if ((rc = join_path(path, sizeof path, out_dir, "confusion.png", err)) ||
        (rc = nn_confusion_write_png(path, b->cmc, k, labels, title, err)))
        goto done;
    printf("wrote %s/{report.txt, confusion.csv, confusion.png, metrics.json}\n", out_dir);

done:
    nn_svm_free(m);
    nn_svm_data_free(&data);
    return rc;
}

static int cmd_svm_eval(int argc, char **argv)
{
    const char *feat = NULL, *lbl = NULL, *model_path = NULL, *out_dir = NULL;
    int n_classes = DEFAULT_CLASSES;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (is_help(argv[i])) {
            fputs(SVM_EVAL_USAGE, stdout);
            return 0;
        } else if ((r = opt_value(argc, argv, &i, "--features", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_EVAL_USAGE, "%s needs a value", "--features");
            feat = v;
        } else if ((r = opt_value(argc, argv, &i, "--labels", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_EVAL_USAGE, "%s needs a value", "--labels");
            lbl = v;
        } else if ((r = opt_value(argc, argv, &i, "--model", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_EVAL_USAGE, "%s needs a value", "--model");
            model_path = v;
        } else if ((r = opt_value(argc, argv, &i, "--out", &v)) != 0) {
            if (r < 0)
                return cli_usage(SVM_EVAL_USAGE, "%s needs a value", "--out");
            out_dir = v;
        } else if ((r = opt_value(argc, argv, &i, "--classes", &v)) != 0) {
            if (r < 0 || parse_classes(v, &n_classes))
                return cli_usage(SVM_EVAL_USAGE, "--classes expects an integer 2..256, found '%s'",
                                 r < 0 ? "" : v);
        } else {
            return cli_usage(SVM_EVAL_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!model_path)
        return cli_usage(SVM_EVAL_USAGE, "%s is required", "--model");
    if (!feat)
        return cli_usage(SVM_EVAL_USAGE, "%s is required", "--features");
    if (!lbl)
        return cli_usage(SVM_EVAL_USAGE, "%s is required", "--labels");
    if (!out_dir)
        return cli_usage(SVM_EVAL_USAGE, "%s is required", "--out");
    struct eval_buffers b = {0};
    struct nn_error err = {0};
    int rc = run_eval(model_path, feat, lbl, out_dir, n_classes, &b, &err);
    eval_buffers_free(&b);
    return rc ? cli_fail(rc, &err) : 0;
}

int nn_cli_svm(int argc, char **argv)
{
    if (argc < 1 || !argv || !argv[0])
        return cli_usage(SVM_USAGE, "%s", "missing subcommand (train or eval)");
    if (is_help(argv[0])) {
        fputs(SVM_USAGE, stdout);
        return 0;
    }
    if (!strcmp(argv[0], "train"))
        return cmd_svm_train(argc, argv);
    if (!strcmp(argv[0], "eval"))
        return cmd_svm_eval(argc, argv);
    return cli_usage(SVM_USAGE, "unknown svm subcommand '%s' (expected train or eval)", argv[0]);
}
