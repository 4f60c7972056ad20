/* nnctl — the evaluation report of a classifier: confusion matrix, scikit-learn's
 * classification_report numbers, and their text, CSV and JSON forms.
 *
 * Nothing here knows how the predictions were made; `nnctl svm eval` is the first user. Labels are
 * class indices 0..k-1; `labels` arrays, where given, name them (e.g. the classes a confusion
 * matrix was compacted to). */
#ifndef NNCTL_REPORT_H
#define NNCTL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"

/* True labels are u8, so there are at most 256 classes. */
#define NN_REPORT_MAX_CLASSES 256

/* Fills the k*k confusion matrix cm (row = true label, column = predicted, row-major) from n
 * pairs. NN_ERR_RUNTIME if a label is outside 0..k-1. */
int nn_confusion_matrix(const uint8_t *y_true, const int *y_pred, size_t n, int k, long *cm,
                        struct nn_error *err);

/* Keeps only the classes that occur as a true or a predicted label (scikit-learn reports the
 * union of both): writes the kept k_out*k_out matrix to `out` (room for k*k) and the original
 * class index of each kept row to labels[k_out]. */
void nn_confusion_compact(const long *cm, int k, long *out, int *labels, int *k_out);

struct nn_class_stats {
    double precision; /* tp / predicted, 0 when nothing was predicted as this class */
    double recall;    /* tp / support, 0 when the class has no true samples */
    double f1;        /* 2PR / (P + R), 0 when P + R = 0 */
    long support;     /* true samples of the class (row sum) */
    long predicted;   /* samples predicted as the class (column sum) */
};

struct nn_class_report {
    int k;
    long n, correct;
    double accuracy; /* correct / n, 0 when n = 0 */
    struct nn_class_stats cls[NN_REPORT_MAX_CLASSES];
    struct nn_class_stats macro;    /* unweighted means over the k classes; support = n */
    struct nn_class_stats weighted; /* means weighted by support; support = n */
};

/* scikit-learn's classification_report numbers for a k*k confusion matrix (rows = true).
 * NN_ERR_RUNTIME if k is outside 1..256 or a count is negative. */
int nn_class_report_compute(const long *cm, int k, struct nn_class_report *r, struct nn_error *err);

/* libsvm svm-predict's line, e.g. "Accuracy = 98.01% (9801/10000) (classification)\n". */
int nn_accuracy_line(long correct, long n, char *buf, size_t cap);

/* The report laid out as scikit-learn prints it, with `digits` decimals (1..10). `labels` names
 * the rows (NULL means 0..k-1). *out is malloc'd. */
int nn_class_report_format(const struct nn_class_report *r, const int *labels, int digits,
                           char **out, struct nn_error *err);

/* The confusion matrix as aligned text (with a header line) and as CSV. *out is malloc'd. */
int nn_confusion_format_text(const long *cm, int k, const int *labels, char **out,
                             struct nn_error *err);
int nn_confusion_format_csv(const long *cm, int k, const int *labels, char **out,
                            struct nn_error *err);

/* metrics.json: accuracy, train_seconds (null when NaN), predict_seconds, n, correct, per-class
 * numbers, the averages and the matrix (left out when cm is NULL). *out is malloc'd. The name is
 * the one `nnctl svm eval` has always called; nothing in it is SVM-specific. */
int nn_svm_metrics_json(const struct nn_class_report *r, const int *labels, const long *cm,
                        double train_seconds, double predict_seconds, char **out,
                        struct nn_error *err);

/* The same members written into the JSON object `j` has open (for a document with more in it,
 * as `nnctl eval` writes). r->k must be 1..256. */
struct nn_json;
void nn_class_report_json(struct nn_json *j, const struct nn_class_report *r, const int *labels,
                          const long *cm, double train_seconds, double predict_seconds);

/* The report's files in `dir` (made if missing), each written atomically: report.txt (`text`) and
 * metrics.json (`json`), and for a classifier (csv not NULL) confusion.csv (`csv`) and
 * confusion.png (the k × k matrix cm with its labels, titled with the accuracy of r). The one
 * writer behind `nnctl eval` and `nnctl svm eval`. */
int nn_report_write_dir(const char *dir, const char *text, const char *json, const char *csv,
                        const long *cm, int k, const int *labels, const struct nn_class_report *r,
                        struct nn_error *err);

#endif
