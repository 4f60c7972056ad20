/* `nnctl svm train` and `nnctl svm eval`: libsvm on encoded features, with a full report. */
#include "cli/cmd_svm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nnctl/clock.h"
#include "nnctl/common.h"
#include "nnctl/fsutil.h"
#include "nnctl/json.h"
#include "nnctl/heatmap.h"
#include "nnctl/report.h"
#include "nnctl/svm.h"

#define DEFAULT_CLASSES 10 /* the MNIST digits */

static const char *const SVM_USAGE =
    "usage: nnctl svm <train|eval> [options]\n"
    "  train   fit an RBF-kernel C-SVC (libsvm) to a features/labels pair and save it\n"
    "  eval    accuracy, classification report and confusion matrix of a saved model\n"
    "\n"
    "  nnctl svm <train|eval> --help   options of one subcommand\n";

/* ---------------------------------------------------------------- svm train */

static int run_svm_train(const struct nn_args *a, struct nn_error *err)
{
    const char *feat = nn_opt_str(a, "--features", NULL), *lbl = nn_opt_str(a, "--labels", NULL);
    const char *model_path = nn_opt_str(a, "--model", NULL);
    const char *gamma_spec = nn_opt_str(a, "--gamma", "scale");
    int n_classes = (int)nn_opt_int(a, "--classes", DEFAULT_CLASSES);
    struct nn_svm_params p;
    nn_svm_params_default(&p);
    p.C = nn_opt_num(a, "--C", p.C);
    p.cache_mb = nn_opt_num(a, "--cache-mb", p.cache_mb);
    p.eps = nn_opt_num(a, "--eps", p.eps);
    if (nn_opt_given(a, "--no-shrinking"))
        p.shrinking = 0;
    p.threads = (int)nn_opt_int(a, "--threads", 0);
    if (nn_opt_given(a, "--verbose"))
        p.verbose = 1;
    /* Reject a bad --gamma before reading possibly large files. */
    double g;
    if (strcmp(gamma_spec, "scale") != 0 && nn_svm_resolve_gamma(gamma_spec, NULL, 0, 1, &g, err)) {
        char msg[NN_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return nn_cli_usage(err, "%s", msg);
    }

    struct nn_svm_data data;
    int rc = nn_svm_load_data(feat, lbl, n_classes, &data, err);
    if (rc)
        return rc;
    rc = nn_svm_resolve_gamma(gamma_spec, data.x, data.n, data.d, &p.gamma, err);
    if (rc) {
        nn_svm_data_free(&data);
        return rc;
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
    double t0 = nn_now_seconds();
    rc = nn_svm_train(&data, &p, &m, err);
    double train_s = nn_now_seconds() - t0;
    size_t n_train = data.n;
    int d = data.d;
    nn_svm_data_free(&data);
    if (rc)
        return rc;
    int n_sv = nn_svm_n_sv(m);
    printf("svm train: %d support vectors, trained in %.2f s\n", n_sv, train_s);

    rc = nn_svm_save(m, model_path, err);
    nn_svm_free(m);
    if (rc)
        return rc;

    /* The sidecar carries what libsvm's model format has no room for: timing (for eval's
     * metrics.json) and the feature count (so that eval can refuse vectors of another width). */
    char side[4096];
    if ((size_t)snprintf(side, sizeof side, "%s.json", model_path) >= sizeof side)
        return nn_error_set(err, NN_ERR_IO, "%s: path too long", model_path);
    struct nn_sb sb = {0};
    struct nn_json j;
    nn_json_init(&j, &sb);
    nn_json_object(&j, NULL, 0);
    nn_json_numf(&j, "train_seconds", "%.6f", train_s);
    nn_json_uint(&j, "n_train", n_train);
    nn_json_int(&j, "n_features", d);
    nn_json_int(&j, "classes_present", present);
    nn_json_int(&j, "n_sv", n_sv);
    nn_json_numf(&j, "C", "%.17g", p.C);
    nn_json_numf(&j, "gamma", "%.17g", p.gamma);
    nn_json_str(&j, "gamma_spec", gamma_spec);
    nn_json_numf(&j, "cache_mb", "%g", p.cache_mb);
    nn_json_numf(&j, "eps", "%g", p.eps);
    nn_json_bool(&j, "shrinking", p.shrinking);
    nn_json_str(&j, "features", feat);
    nn_json_str(&j, "labels", lbl);
    nn_json_end(&j);
    rc = nn_sb_write_file(&sb, side, err);
    if (rc)
        return rc;
    printf("svm train: model written to %s (settings and timing in %s)\n", model_path, side);
    return NN_OK;
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
            char w[NN_MSG_MAX + 40];
            snprintf(w, sizeof w, "%s; train_seconds will be null", serr.msg);
            nn_cli_warn(w);
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
    double t0 = nn_now_seconds();
    rc = nn_svm_predict(m, data.x, data.n, data.d, b->pred, err);
    double predict_s = nn_now_seconds() - t0;
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

    if ((rc = nn_report_write_dir(out_dir, b->report_file, b->json, b->csv, b->cmc, k, labels,
                                  b->rep, err)))
        goto done;
    printf("wrote %s/{report.txt, confusion.csv, confusion.png, metrics.json}\n", out_dir);

done:
    nn_svm_free(m);
    nn_svm_data_free(&data);
    return rc;
}

static int run_svm_eval(const struct nn_args *a, struct nn_error *err)
{
    struct eval_buffers b = {0};
    int rc = run_eval(nn_opt_str(a, "--model", NULL), nn_opt_str(a, "--features", NULL),
                      nn_opt_str(a, "--labels", NULL), nn_opt_str(a, "--out", NULL),
                      (int)nn_opt_int(a, "--classes", DEFAULT_CLASSES), &b, err);
    eval_buffers_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- the command rows */

#define OPT_CLASSES                                                                                \
    {                                                                                              \
        .name = "--classes", .kind = NN_OPT_INT, .arg = "N",                                       \
        .help = "labels must lie in 0..N-1 (default 10)", .lo = 2, .hi = NN_SVM_MAX_CLASSES        \
    }
#define OPT_POS_NUM(name_, arg_, help_)                                                            \
    {                                                                                              \
        .name = name_, .kind = NN_OPT_POS_NUM, .arg = arg_, .help = help_                          \
    }

static const struct nn_opt train_opts[] = {
    NN_CLI_OPT_STR("--features", "F.idx", "float32 IDX, N x d (as `nnctl encode` writes)", 1),
    NN_CLI_OPT_STR("--labels", "L.idx", "u8 IDX, N labels", 1),
    NN_CLI_OPT_STR("--model", "PATH", "where to write the model", 1),
    OPT_POS_NUM("--C", "X", "penalty parameter (default 1)"),
    NN_CLI_OPT_STR("--gamma", "G",
                   "'scale' = 1 / (d x variance of all feature values), 'auto' = 1 / d,\n"
                   "or a positive number (default scale)",
                   0),
    OPT_CLASSES,
    OPT_POS_NUM("--cache-mb", "MB", "libsvm kernel cache size (default 200)"),
    OPT_POS_NUM("--eps", "X", "stopping tolerance (default 0.001)"),
    NN_CLI_OPT_FLAG("--no-shrinking", "turn off libsvm's shrinking heuristics"),
    NN_CLI_OPT_FLAG("--verbose", "show libsvm's progress on stderr"),
    NN_CLI_OPT_THREADS("threads solving the one-vs-one class pairs (default: all cores;\n"
                       "the model is the one libsvm's svm-train writes, whatever N)"),
};

static const struct nn_cmd svm_train = {
    .name = "train",
    .usage =
        "usage: nnctl svm train --features F.idx --labels L.idx --model OUT.model [options]\n"
        "  Trains C-SVC with the RBF kernel and saves the model (libsvm's text format, readable "
        "by\n"
        "  svm-predict) plus OUT.model.json with the settings and train_seconds.\n",
    .opts = train_opts,
    .n_opts = NN_CLI_N(train_opts),
    .run = run_svm_train,
};

static const struct nn_opt eval_opts[] = {
    NN_CLI_OPT_STR("--model", "M", NULL, 1),
    NN_CLI_OPT_STR("--features", "F.idx", NULL, 1),
    NN_CLI_OPT_STR("--labels", "L.idx", NULL, 1),
    NN_CLI_OPT_OUT("DIR", NULL, 1),
    OPT_CLASSES,
};

static const struct nn_cmd svm_eval = {
    .name = "eval",
    .usage =
        "usage: nnctl svm eval --model M --features F.idx --labels L.idx --out DIR [--classes "
        "N]\n"
        "  Prints the accuracy (as libsvm's svm-predict does), the per-class report "
        "(scikit-learn's\n"
        "  classification_report) and the confusion matrix (rows = true, columns = predicted), "
        "and\n"
        "  writes DIR/report.txt, DIR/confusion.csv, DIR/confusion.png and DIR/metrics.json.\n",
    .opts = eval_opts,
    .n_opts = NN_CLI_N(eval_opts),
    .run = run_svm_eval,
};

static const struct nn_cmd *const svm_subs[] = {&svm_train, &svm_eval};

const struct nn_cmd nn_cmd_svm = {
    .name = "svm",
    .synopsis = "svm train|eval",
    .summary = "libsvm RBF classifier on encoded features, with a full report",
    .usage = SVM_USAGE,
    .subs = svm_subs,
    .n_subs = NN_CLI_N(svm_subs),
};

int nn_cli_svm(int argc, char **argv)
{
    return nn_cli_dispatch(&nn_cmd_svm, "svm", argc, argv);
}
