/* `nnctl eval CKPT`: a checkpoint on its own test data: the loss, and for classifiers the accuracy,
 * the per-class report and the confusion matrix (the report `nnctl svm eval` prints). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nnctl/backend.h"
#include "nnctl/checkpoint.h"
#include "nnctl/clock.h"
#include "nnctl/data.h"
#include "nnctl/fsutil.h"
#include "nnctl/heatmap.h"
#include "nnctl/json.h"
#include "nnctl/normalize.h"
#include "nnctl/report.h"
#include "nnctl/source.h"
#include "nnctl/train.h"

#define EVAL_BATCH 256 /* rows per forward pass */

struct eval {
    struct nn_config cfg;
    struct nn_model m;
    struct nn_dataset ds;
    int have_model, have_ds;
    uint32_t *idx;
    nn_real *x, *y;
    uint8_t *truth;
    int *pred;
    long *cm, *cmc;
    struct nn_class_report *rep;
    char *report, *cm_text, *csv, *json, *text, *legend;
};

static void eval_free(struct eval *e)
{
    if (e->have_ds)
        nn_dataset_free(&e->ds);
    if (e->have_model) {
        nn_model_free(&e->m);
        nn_config_free(&e->cfg);
    }
    free(e->idx);
    free(e->x);
    free(e->y);
    free(e->truth);
    free(e->pred);
    free(e->cm);
    free(e->cmc);
    free(e->rep);
    free(e->report);
    free(e->cm_text);
    free(e->csv);
    free(e->json);
    free(e->legend);
    free(e->text);
}

static int argmax(const nn_real *v, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        best = v[j] > v[best] ? j : best;
    return best;
}

/* Predicted and true class of every sample (argmax of the outputs, which a fused softmax head
 * leaves as logits, and of the targets, or the stored labels). */
static void classify(struct eval *e)
{
    struct nn_model *m = &e->m;
    const int D = m->out_size;
    for (int start = 0; start < e->ds.n; start += m->max_batch) {
        int B = e->ds.n - start < m->max_batch ? e->ds.n - start : m->max_batch;
        for (int r = 0; r < B; r++)
            e->idx[r] = (uint32_t)(start + r);
        const nn_real *t = nn_dataset_gather(&e->ds, e->idx, B, e->x, e->y);
        const nn_real *out = nn_model_forward(m, e->x, B, -1);
        for (int r = 0; r < B; r++) {
            e->pred[start + r] = argmax(out + (size_t)r * (size_t)D, D);
            e->truth[start + r] = e->ds.labels ? e->ds.labels[start + r]
                                               : (uint8_t)argmax(t + (size_t)r * (size_t)D, D);
        }
    }
}

/* --data CONFIG: that config's data section takes the place of the checkpoint's, keeping the
 * checkpoint's class names so that labels map to the classes the model was trained on. */
static int use_data_of(const char *path, struct nn_config *cfg, struct nn_error *err)
{
    struct nn_diags *d = calloc(1, sizeof *d);
    struct nn_config *other = calloc(1, sizeof *other);
    if (!d || !other) {
        free(d);
        free(other);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    int rc = nn_config_load(path, NULL, NULL, 0, other, d);
    if (rc) {
        nn_diags_print(d, stderr);
        err->msg[0] = 0; /* the diagnostics are the message */
    } else {
        if (!other->data.class_names.n) { /* the checkpoint's, moved over */
            other->data.class_names = cfg->data.class_names;
            cfg->data.class_names = (struct nn_names){0};
        }
        /* the model's normalisation is the checkpoint's, whatever the other file says */
        struct nn_numbers off = cfg->data.feature_offset, sc = cfg->data.feature_scale;
        enum nn_normalize kind = cfg->data.normalize;
        cfg->data.feature_offset = cfg->data.feature_scale = (struct nn_numbers){0};
        nn_config_free_data(cfg);
        free(other->data.feature_offset.v);
        free(other->data.feature_scale.v);
        cfg->data = other->data;
        cfg->data.feature_offset = off;
        cfg->data.feature_scale = sc;
        cfg->data.normalize = kind;
        other->data = (struct nn_data_spec){0};
    }
    nn_config_free(other);
    free(other);
    free(d);
    return rc;
}

/* The data to evaluate on: --data (a model file's data section, or a table in the checkpoint's
 * own format), else the checkpoint's; its test split, else (with a warning) its training data;
 * normalised as in training and checked against the model's widths. */
static int eval_data(const struct nn_args *a, struct eval *e, const char *ckpt, const char **split,
                     struct nn_error *err)
{
    int rc;
    const char *data_cfg = nn_opt_str(a, "--data", NULL);
    const int is_yaml =
        data_cfg && (nn_path_ends_with(data_cfg, ".yaml") || nn_path_ends_with(data_cfg, ".yml"));
    if (data_cfg && is_yaml && (rc = use_data_of(data_cfg, &e->cfg, err)))
        return rc;
    if (data_cfg && !is_yaml) { /* a table in the checkpoint's own format, as its test split */
        const struct nn_source_ops *src = nn_data_source(&e->cfg.data);
        char key[64];
        snprintf(key, sizeof key, "data.%s", src->test_file_key ? src->test_file_key : "");
        if (!src->test_file_key)
            return nn_error_set(err, NN_ERR_USAGE,
                                "--data %s: a data file takes a checkpoint trained on csv or "
                                "libsvm data; give a model file (.yaml) for this one",
                                data_cfg);
        if (nn_config_set_path(&e->cfg, key, data_cfg))
            return nn_error_set(err, NN_ERR_USAGE, "--data: the path is too long");
        /* the file replaces a data.test block */
        nn_config_free_section(&e->cfg, "data.test.");
        e->cfg.data.test.source = NN_SOURCE_NONE;
    }
    *split = "test";
    if ((rc = nn_dataset_load(&e->cfg, 1, &e->ds, err)))
        return rc;
    e->have_ds = 1;
    if (e->ds.n == 0) {
        nn_dataset_free(&e->ds);
        e->have_ds = 0;
        if ((rc = nn_dataset_load(&e->cfg, 0, &e->ds, err)))
            return rc;
        e->have_ds = 1;
        *split = "train";
        char w[NN_PATH_MAX + 80];
        snprintf(w, sizeof w, "%s: the config has no test split: evaluating on the training data",
                 data_cfg ? data_cfg : ckpt);
        nn_cli_warn(w);
    }
    if (e->ds.n == 0)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'data': no samples to evaluate", ckpt);
    if ((rc = nn_normalize_dataset(&e->ds, &e->cfg.data.feature_offset, &e->cfg.data.feature_scale,
                                   err)))
        return rc;
    if (e->ds.x_dim != e->m.in_size)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims': %d values per sample, but the model in %s takes %d",
                            e->ds.name, e->ds.x_dim, ckpt, e->m.in_size);
    if (e->ds.y_dim != e->m.out_size)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'target': %d values per target, but the model in %s has %d "
                            "outputs",
                            e->ds.name, e->ds.y_dim, ckpt, e->m.out_size);
    return NN_OK;
}

/* A classifier's report: the confusion matrix of the classes that occur, the per-class report,
 * the accuracy line, the class names the checkpoint stores, and their JSON. */
static int class_report(struct eval *e, struct nn_json *j, int K, int labels[], int *kp, char *line,
                        size_t line_len, double predict_s, struct nn_error *err)
{
    const size_t n = (size_t)e->ds.n;
    int rc, k = 0;
    if ((rc = nn_confusion_matrix(e->truth, e->pred, n, K, e->cm, err)))
        return rc;
    /* Only the classes that occur, true or predicted, as `svm eval` and scikit-learn do. */
    nn_confusion_compact(e->cm, K, e->cmc, labels, &k);
    *kp = k;
    if ((rc = nn_class_report_compute(e->cmc, k, e->rep, err)) ||
        (rc = nn_class_report_format(e->rep, labels, 4, &e->report, err)) ||
        (rc = nn_confusion_format_text(e->cmc, k, labels, &e->cm_text, err)) ||
        (rc = nn_confusion_format_csv(e->cmc, k, labels, &e->csv, err)))
        return rc;
    nn_accuracy_line(e->rep->correct, e->rep->n, line, line_len);
    nn_class_report_json(j, e->rep, labels, e->cmc, NAN, predict_s);
    const struct nn_names *nm = &e->cfg.data.class_names;
    if (nm->n) { /* the names the checkpoint stores, class i first */
        struct nn_sb lb = {0};
        nn_sb_puts(&lb, "classes:");
        nn_json_array(j, "class_names", 1);
        for (int c = 0; c < nm->n; c++) {
            const int q = strchr(nm->name[c], ',') != NULL; /* "virginica, tall" */
            nn_sb_printf(&lb, "%s %d = %s%s%s", c ? "," : "", c, q ? "\"" : "", nm->name[c],
                         q ? "\"" : "");
            nn_json_str(j, NULL, nm->name[c]);
        }
        nn_json_end(j);
        nn_sb_putc(&lb, '\n');
        if ((rc = nn_sb_finish(&lb, &e->legend, "class names", err)))
            return rc;
    }
    return NN_OK;
}

static int run_eval(const struct nn_args *a, struct eval *e, struct nn_error *err)
{
    const char *ckpt = a->pos[0], *out_dir = nn_opt_str(a, "--out", NULL);
    const int as_json = nn_opt_given(a, "--json");
    nn_backend_default()->set_threads((int)nn_opt_int(a, "--threads", 0));
    int rc = nn_checkpoint_load(ckpt, EVAL_BATCH, &e->cfg, &e->m, NULL, err);
    if (rc)
        return rc;
    e->have_model = 1;
    const char *split = "test";
    if ((rc = eval_data(a, e, ckpt, &split, err)))
        return rc;
    const int K = e->m.out_size;
    const int classifier = nn_is_classifier(e->cfg.loss, e->ds.target);
    if (classifier && (K < 2 || K > NN_REPORT_MAX_CLASSES))
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'layers': a classifier with %d outputs (2..%d supported)",
                            ckpt, K, NN_REPORT_MAX_CLASSES);
    const size_t n = (size_t)e->ds.n, k2 = (size_t)K * (size_t)K;
    e->idx = malloc(EVAL_BATCH * sizeof *e->idx);
    e->x = malloc((size_t)EVAL_BATCH * (size_t)e->ds.x_dim * sizeof *e->x);
    e->y = malloc((size_t)EVAL_BATCH * (size_t)e->ds.y_dim * sizeof *e->y);
    if (!e->idx || !e->x || !e->y)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a batch of %d rows", EVAL_BATCH);

    double t0 = nn_now_seconds(), loss, acc;
    nn_evaluate(&e->m, &e->ds, e->idx, e->x, e->y, &loss, &acc);
    int labels[NN_REPORT_MAX_CLASSES], k = 0;
    if (classifier) {
        e->truth = malloc(n);
        e->pred = malloc(n * sizeof *e->pred);
        e->cm = malloc(k2 * sizeof *e->cm);
        e->cmc = malloc(k2 * sizeof *e->cmc);
        e->rep = malloc(sizeof *e->rep);
        if (!e->truth || !e->pred || !e->cm || !e->cmc || !e->rep)
            return nn_error_set(err, NN_ERR_NOMEM, "out of memory for %zu predictions", n);
        classify(e);
    }
    double predict_s = nn_now_seconds() - t0;

    char head[NN_PATH_MAX * 2 + 200], line[200];
    snprintf(head, sizeof head, "eval: %s on %d %s samples (%s)\nloss (%s) = %.6g\n", ckpt, e->ds.n,
             split, e->ds.name, nn_loss_name(e->cfg.loss), loss);
    line[0] = 0;
    struct nn_sb jb = {0};
    struct nn_json j;
    nn_json_init(&j, &jb);
    nn_json_object(&j, NULL, 0);
    nn_json_str(&j, "checkpoint", ckpt);
    nn_json_str(&j, "split", split);
    nn_json_str(&j, "data", e->ds.name);
    nn_json_str(&j, "loss_name", nn_loss_name(e->cfg.loss));
    nn_json_numf(&j, "loss", "%.10g", loss);
    if (classifier) {
        if ((rc = class_report(e, &j, K, labels, &k, line, sizeof line, predict_s, err))) {
            nn_sb_free(&jb);
            return rc;
        }
    } else {
        if (isfinite(acc)) /* binary outputs (BCE, or a sigmoid output with 0/1 targets) */
            snprintf(line, sizeof line, "accuracy (binary outputs) = %.4f%%\n", acc * 100);
        nn_json_numf(&j, "accuracy", "%.10g", acc);
        nn_json_numf(&j, "predict_seconds", "%.6f", predict_s);
        nn_json_int(&j, "n", e->ds.n);
    }
    nn_json_end(&j);
    if ((rc = nn_sb_finish(&jb, &e->json, "metrics JSON", err)))
        return rc;
    size_t tlen = strlen(head) + strlen(line) + (e->legend ? strlen(e->legend) : 0) +
                  (e->report ? strlen(e->report) : 0) + (e->cm_text ? strlen(e->cm_text) : 0) + 8;
    if (!(e->text = malloc(tlen)))
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for the report");
    snprintf(e->text, tlen, "%s%s%s%s%s%s%s", head, line, e->legend ? e->legend : "",
             e->report ? "\n" : "", e->report ? e->report : "", e->cm_text ? "\n" : "",
             e->cm_text ? e->cm_text : "");
    fputs(as_json ? e->json : e->text, stdout);
    fflush(stdout);
    if (out_dir) {
        if ((rc = nn_report_write_dir(out_dir, e->text, e->json, classifier ? e->csv : NULL, e->cmc,
                                      k, labels, e->rep, err)))
            return rc;
        if (!as_json)
            printf("wrote %s/{%s}\n", out_dir,
                   classifier ? "report.txt, confusion.csv, confusion.png, metrics.json"
                              : "report.txt, metrics.json");
    }
    return NN_OK;
}

static int run(const struct nn_args *a, struct nn_error *err)
{
    struct eval e;
    memset(&e, 0, sizeof e);
    int rc = run_eval(a, &e, err);
    eval_free(&e);
    return rc;
}

static const struct nn_opt eval_opts[] = {
    NN_CLI_OPT_FLAG("--json", "print metrics.json's content instead of the text report"),
    NN_CLI_OPT_STR("--data", "CONFIG|FILE",
                   "evaluate on the data section of another model file (.yaml: its test split,\n"
                   "else its training data), or on a file in the checkpoint's csv or libsvm\n"
                   "format, instead of the checkpoint's own test data",
                   0),
    NN_CLI_OPT_OUT("DIR",
                   "also write report.txt, metrics.json and, for classifiers, confusion.csv\n"
                   "and confusion.png there",
                   0),
    NN_CLI_OPT_THREADS("OpenBLAS threads (default: all cores)"),
};
static const char *const eval_pos[] = {"CKPT"};

const struct nn_cmd nn_cmd_eval = {
    .name = "eval",
    .synopsis = "eval CKPT",
    .summary = "loss, accuracy and per-class report of a checkpoint on its test data",
    .usage =
        "usage: nnctl eval CKPT [--data CONFIG|FILE] [--json] [--out DIR] [--threads N]\n"
        "  Runs the checkpoint over the test data its config names (the training data, with a\n"
        "  warning, when there is no test split) and prints the mean loss. A classifier\n"
        "  (categorical_crossentropy or target: labels) also gets the accuracy, the per-class\n"
        "  report and the confusion matrix (rows = true, columns = predicted), as `nnctl svm\n"
        "  eval` prints them.\n",
    .opts = eval_opts,
    .n_opts = NN_CLI_N(eval_opts),
    .pos = eval_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run,
};
