/* nnctl — the evaluation report: confusion matrix, scikit-learn's classification_report numbers
 * and their text, CSV and JSON forms. */
#include "nnctl/report.h"

#include <stdio.h>
#include <string.h>

#include "nnctl/fsutil.h"
#include "nnctl/heatmap.h"
#include "nnctl/json.h"
#include "nnctl/strbuf.h"

int nn_confusion_matrix(const uint8_t *y_true, const int *y_pred, size_t n, int k, long *cm,
                        struct nn_error *err)
{
    if (k < 1 || k > NN_REPORT_MAX_CLASSES || !cm || (n && (!y_true || !y_pred)))
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_matrix: bad arguments (k = %d)", k);
    memset(cm, 0, (size_t)k * (size_t)k * sizeof *cm);
    for (size_t i = 0; i < n; i++) {
        if (y_true[i] >= k || y_pred[i] < 0 || y_pred[i] >= k)
            return nn_error_set(err, NN_ERR_RUNTIME,
                                "vector %zu: true label %u or predicted label %d is outside 0..%d",
                                i, (unsigned)y_true[i], y_pred[i], k - 1);
        cm[(size_t)y_true[i] * (size_t)k + (size_t)y_pred[i]]++;
    }
    return NN_OK;
}

void nn_confusion_compact(const long *cm, int k, long *out, int *labels, int *k_out)
{
    int keep[NN_REPORT_MAX_CLASSES];
    int kk = 0;
    if (!cm || !out || !labels || !k_out || k < 1 || k > NN_REPORT_MAX_CLASSES) {
        if (k_out)
            *k_out = 0;
        return;
    }
    for (int c = 0; c < k; c++) {
        long row = 0, col = 0;
        for (int j = 0; j < k; j++) {
            row += cm[(size_t)c * k + j];
            col += cm[(size_t)j * k + c];
        }
        if (row || col)
            keep[kk++] = c;
    }
    for (int a = 0; a < kk; a++) {
        labels[a] = keep[a];
        for (int b = 0; b < kk; b++)
            out[(size_t)a * kk + b] = cm[(size_t)keep[a] * k + keep[b]];
    }
    *k_out = kk;
}

static double safe_div(double a, double b)
{
    return b != 0.0 ? a / b : 0.0; /* scikit-learn's zero_division default: 0 */
}

int nn_class_report_compute(const long *cm, int k, struct nn_class_report *r, struct nn_error *err)
{
    if (!cm || !r || k < 1 || k > NN_REPORT_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_class_report_compute: bad arguments (k = %d)",
                            k);
    memset(r, 0, sizeof *r);
    r->k = k;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
        if (cm[i] < 0)
            return nn_error_set(err, NN_ERR_RUNTIME, "confusion matrix: negative count %ld", cm[i]);
    for (int c = 0; c < k; c++) {
        struct nn_class_stats *s = &r->cls[c];
        for (int j = 0; j < k; j++) {
            s->support += cm[(size_t)c * k + j];
            s->predicted += cm[(size_t)j * k + c];
        }
        long tp = cm[(size_t)c * k + c];
        r->correct += tp;
        r->n += s->support;
        s->precision = safe_div((double)tp, (double)s->predicted);
        s->recall = safe_div((double)tp, (double)s->support);
        s->f1 = safe_div(2.0 * s->precision * s->recall, s->precision + s->recall);
    }
    r->accuracy = safe_div((double)r->correct, (double)r->n);
    for (int c = 0; c < k; c++) {
        const struct nn_class_stats *s = &r->cls[c];
        r->macro.precision += s->precision / k;
        r->macro.recall += s->recall / k;
        r->macro.f1 += s->f1 / k;
        double wgt = safe_div((double)s->support, (double)r->n);
        r->weighted.precision += wgt * s->precision;
        r->weighted.recall += wgt * s->recall;
        r->weighted.f1 += wgt * s->f1;
    }
    r->macro.support = r->weighted.support = r->n;
    r->macro.predicted = r->weighted.predicted = r->n;
    return NN_OK;
}

int nn_accuracy_line(long correct, long n, char *buf, size_t cap)
{
    /* svm-predict.c: printf("Accuracy = %g%% (%d/%d) (classification)\n", ...). */
    double pct = n > 0 ? (double)correct / (double)n * 100.0 : 0.0;
    return snprintf(buf, cap, "Accuracy = %g%% (%ld/%ld) (classification)\n", pct, correct, n);
}

static int label_of(const int *labels, int i)
{
    return labels ? labels[i] : i;
}

int nn_class_report_format(const struct nn_class_report *r, const int *labels, int digits,
                           char **out, struct nn_error *err)
{
    if (!r || !out || r->k < 1 || r->k > NN_REPORT_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_class_report_format: bad arguments");
    if (digits < 1 || digits > 10)
        digits = 2;
    /* The layout of sklearn.metrics.classification_report: names right-aligned to the widest of
     * the row names, then 9-wide columns. */
    int width = (int)strlen("weighted avg");
    char name[32];
    for (int c = 0; c < r->k; c++) {
        int l = snprintf(name, sizeof name, "%d", label_of(labels, c));
        if (l > width)
            width = l;
    }
    if (digits > width)
        width = digits;
    struct nn_sb b = {0};
    nn_sb_printf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score",
                 "support");
    for (int c = 0; c < r->k; c++) {
        const struct nn_class_stats *s = &r->cls[c];
        snprintf(name, sizeof name, "%d", label_of(labels, c));
        nn_sb_printf(&b, "%*s  %9.*f %9.*f %9.*f %9ld\n", width, name, digits, s->precision, digits,
                     s->recall, digits, s->f1, s->support);
    }
    nn_sb_printf(&b, "\n%*s  %9s %9s %9.*f %9ld\n", width, "accuracy", "", "", digits, r->accuracy,
                 r->n);
    nn_sb_printf(&b, "%*s  %9.*f %9.*f %9.*f %9ld\n", width, "macro avg", digits,
                 r->macro.precision, digits, r->macro.recall, digits, r->macro.f1, r->n);
    nn_sb_printf(&b, "%*s  %9.*f %9.*f %9.*f %9ld\n", width, "weighted avg", digits,
                 r->weighted.precision, digits, r->weighted.recall, digits, r->weighted.f1, r->n);
    return nn_sb_finish(&b, out, "classification report", err);
}

static int count_width(const long *cm, int k, const int *labels)
{
    int w = 1;
    char s[32];
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++) {
        int l = snprintf(s, sizeof s, "%ld", cm[i]);
        if (l > w)
            w = l;
    }
    for (int c = 0; c < k; c++) {
        int l = snprintf(s, sizeof s, "%d", label_of(labels, c));
        if (l > w)
            w = l;
    }
    return w;
}

int nn_confusion_format_text(const long *cm, int k, const int *labels, char **out,
                             struct nn_error *err)
{
    if (!cm || !out || k < 1 || k > NN_REPORT_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_format_text: bad arguments");
    int w = count_width(cm, k, labels) + 2;
    struct nn_sb b = {0};
    nn_sb_printf(&b, "confusion matrix (rows = true, columns = predicted):\n%9s", "true\\pred");
    for (int c = 0; c < k; c++)
        nn_sb_printf(&b, "%*d", w, label_of(labels, c));
    nn_sb_printf(&b, "\n");
    for (int r = 0; r < k; r++) {
        nn_sb_printf(&b, "%9d", label_of(labels, r));
        for (int c = 0; c < k; c++)
            nn_sb_printf(&b, "%*ld", w, cm[(size_t)r * k + c]);
        nn_sb_printf(&b, "\n");
    }
    return nn_sb_finish(&b, out, "confusion matrix", err);
}

int nn_confusion_format_csv(const long *cm, int k, const int *labels, char **out,
                            struct nn_error *err)
{
    if (!cm || !out || k < 1 || k > NN_REPORT_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_format_csv: bad arguments");
    struct nn_sb b = {0};
    nn_sb_printf(&b, "true/predicted");
    for (int c = 0; c < k; c++)
        nn_sb_printf(&b, ",%d", label_of(labels, c));
    nn_sb_printf(&b, "\n");
    for (int r = 0; r < k; r++) {
        nn_sb_printf(&b, "%d", label_of(labels, r));
        for (int c = 0; c < k; c++)
            nn_sb_printf(&b, ",%ld", cm[(size_t)r * k + c]);
        nn_sb_printf(&b, "\n");
    }
    return nn_sb_finish(&b, out, "confusion matrix CSV", err);
}

/* Members of one class_stats object, in the order scikit-learn's output_dict uses. */
static void json_stats(struct nn_json *j, const char *key, const struct nn_class_stats *s,
                       const int *label)
{
    nn_json_object(j, key, 1);
    if (label)
        nn_json_int(j, "label", *label);
    nn_json_numf(j, "precision", "%.10g", s->precision);
    nn_json_numf(j, "recall", "%.10g", s->recall);
    nn_json_numf(j, "f1", "%.10g", s->f1);
    nn_json_int(j, "support", s->support);
    nn_json_end(j);
}

void nn_class_report_json(struct nn_json *j, const struct nn_class_report *r, const int *labels,
                          const long *cm, double train_seconds, double predict_seconds)
{
    nn_json_numf(j, "accuracy", "%.10g", r->accuracy);
    /* Seconds to the microsecond; an unknown training time (no sidecar) is null. */
    nn_json_numf(j, "train_seconds", "%.6f", train_seconds);
    nn_json_numf(j, "predict_seconds", "%.6f", predict_seconds);
    nn_json_int(j, "n", r->n);
    nn_json_int(j, "correct", r->correct);
    nn_json_array(j, "classes", 0);
    for (int c = 0; c < r->k; c++) {
        int label = label_of(labels, c);
        json_stats(j, NULL, &r->cls[c], &label);
    }
    nn_json_end(j);
    json_stats(j, "macro_avg", &r->macro, NULL);
    json_stats(j, "weighted_avg", &r->weighted, NULL);
    if (cm) {
        nn_json_array(j, "confusion", 1);
        for (int i = 0; i < r->k; i++) {
            nn_json_array(j, NULL, 1);
            for (int c = 0; c < r->k; c++)
                nn_json_int(j, NULL, cm[(size_t)i * r->k + c]);
            nn_json_end(j);
        }
        nn_json_end(j);
    }
}

int nn_svm_metrics_json(const struct nn_class_report *r, const int *labels, const long *cm,
                        double train_seconds, double predict_seconds, char **out,
                        struct nn_error *err)
{
    if (!r || !out || r->k < 1 || r->k > NN_REPORT_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_metrics_json: bad arguments");
    struct nn_sb b = {0};
    struct nn_json j;
    nn_json_init(&j, &b);
    nn_json_object(&j, NULL, 0);
    nn_class_report_json(&j, r, labels, cm, train_seconds, predict_seconds);
    nn_json_end(&j);
    return nn_sb_finish(&b, out, "metrics JSON", err);
}

static int join_path(char *buf, size_t cap, const char *dir, const char *name, struct nn_error *err)
{
    if ((size_t)snprintf(buf, cap, "%s/%s", dir, name) >= cap)
        return nn_error_set(err, NN_ERR_IO, "%s: path too long", dir);
    return NN_OK;
}

int nn_report_write_dir(const char *dir, const char *text, const char *json, const char *csv,
                        const long *cm, int k, const int *labels, const struct nn_class_report *r,
                        struct nn_error *err)
{
    char path[4096], title[160];
    int rc = nn_mkdir_p(dir, err);
    if (rc || (rc = join_path(path, sizeof path, dir, "report.txt", err)) ||
        (rc = nn_write_file_atomic(path, text, strlen(text), err)) ||
        (rc = join_path(path, sizeof path, dir, "metrics.json", err)) ||
        (rc = nn_write_file_atomic(path, json, strlen(json), err)) || !csv)
        return rc;
    snprintf(title, sizeof title, "confusion matrix - accuracy %g%% (%ld/%ld)",
             r->n ? (double)r->correct / (double)r->n * 100.0 : 0.0, r->correct, r->n);
    if ((rc = join_path(path, sizeof path, dir, "confusion.csv", err)) ||
        (rc = nn_write_file_atomic(path, csv, strlen(csv), err)) ||
        (rc = join_path(path, sizeof path, dir, "confusion.png", err)))
        return rc;
    return nn_confusion_write_png(path, cm, k, labels, title, err);
}
