/* nnctl — RBF support-vector classification through libsvm, and the evaluation report.
 *
 * Features are float32 IDX files with two dimensions (N x d) as `nnctl encode` writes them; labels
 * are u8 IDX files with one dimension. The model type is opaque so that only src/svm.c includes
 * libsvm's header; link with -lsvm (and -lpng for the confusion-matrix picture). */
#ifndef NNCTL_SVM_H
#define NNCTL_SVM_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/idx.h"

/* Labels are u8, so there are at most 256 classes. */
#define NN_SVM_MAX_CLASSES 256

/* ---------------------------------------------------------------- data */

struct nn_svm_data {
    size_t n;   /* number of vectors */
    int d;      /* features per vector */
    float *x;   /* n*d features, row-major; owned */
    uint8_t *y; /* n labels, each < the n_classes given when loading; owned */
};

/* Reads and validates a features/labels pair. Errors (NN_ERR_FORMAT unless reading fails) name
 * the file and field: features must be f32 with 2 dims and at least one row and column, labels u8
 * with 1 dim, the counts equal, every label < n_classes (1..256) and every feature finite.
 * On failure `out` is left empty. */
int nn_svm_load_data(const char *feat_path, const char *label_path, int n_classes,
                     struct nn_svm_data *out, struct nn_error *err);

/* The checks of nn_svm_load_data() on files already in memory. */
int nn_svm_check_data(const char *feat_path, const struct nn_idx *feat, const char *label_path,
                      const struct nn_idx *lbl, int n_classes, struct nn_error *err);

/* Frees the arrays and empties *d; safe on an empty struct. */
void nn_svm_data_free(struct nn_svm_data *d);

/* ---------------------------------------------------------------- gamma */

/* scikit-learn's gamma='scale': 1 / (d * Var(x)), the population variance over all n*d values,
 * accumulated in double (Welford). A constant matrix (variance 0) gives 1.0, as scikit-learn does.
 */
double nn_svm_gamma_scale(const float *x, size_t n, int d);

/* Resolves a gamma specification: "scale", "auto" (1 / d) or a positive finite number.
 * `x` may be NULL unless spec is "scale". NN_ERR_USAGE for anything else. */
int nn_svm_resolve_gamma(const char *spec, const float *x, size_t n, int d, double *gamma,
                         struct nn_error *err);

/* ---------------------------------------------------------------- training and prediction */

struct nn_svm_params {
    double C;        /* > 0 */
    double gamma;    /* > 0, already resolved */
    double cache_mb; /* kernel cache, > 0 */
    double eps;      /* stopping tolerance, > 0 */
    int shrinking;   /* libsvm's shrinking heuristics on/off */
    int verbose;     /* libsvm's progress output to stderr; otherwise it is silenced */
};

/* C = 1, gamma = 0 (must be set), cache 200 MB, eps 1e-3, shrinking on, quiet. */
void nn_svm_params_default(struct nn_svm_params *p);

struct nn_svm; /* a trained or loaded C-SVC model */

/* Trains C-SVC with the RBF kernel on all rows of `data`. Needs at least two distinct labels.
 * The model points into training vectors that it owns, so `data` may be freed afterwards. */
int nn_svm_train(const struct nn_svm_data *data, const struct nn_svm_params *p, struct nn_svm **out,
                 struct nn_error *err);

/* Writes the model in libsvm's text format to "<path>.tmp.<pid>", fsyncs and renames it. */
int nn_svm_save(const struct nn_svm *m, const char *path, struct nn_error *err);

/* Loads a libsvm model file; it must be a C-SVC RBF model with 2..256 classes whose labels are
 * integers in 0..255. libsvm's own parser reads out of bounds on malformed files, so the whole
 * file is first checked against the grammar svm_save_model() writes; any deviation is
 * NN_ERR_FORMAT with the line and field, and libsvm never sees it. */
int nn_svm_load(const char *path, struct nn_svm **out, struct nn_error *err);

void nn_svm_free(struct nn_svm *m);

int nn_svm_n_sv(const struct nn_svm *m); /* total number of support vectors */
int nn_svm_n_classes(const struct nn_svm *m);
void nn_svm_labels(const struct nn_svm *m, int *labels); /* nn_svm_n_classes() entries */
double nn_svm_gamma(const struct nn_svm *m);
/* Highest feature index (1-based) any support vector uses: the model needs rows at least this
 * long. */
int nn_svm_max_feature(const struct nn_svm *m);

/* Predicts n rows of d features; pred[i] is the predicted label. NN_ERR_FORMAT if the model uses
 * more features than d, NN_ERR_NUMERIC on a non-finite feature. */
int nn_svm_predict(const struct nn_svm *m, const float *x, size_t n, int d, int *pred,
                   struct nn_error *err);

/* ---------------------------------------------------------------- evaluation report */

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
    struct nn_class_stats cls[NN_SVM_MAX_CLASSES];
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
 * numbers, the averages and the matrix. *out is malloc'd. */
int nn_svm_metrics_json(const struct nn_class_report *r, const int *labels, const long *cm,
                        double train_seconds, double predict_seconds, char **out,
                        struct nn_error *err);

/* Size of the heatmap nn_confusion_write_png() draws for k classes and this title. */
void nn_confusion_png_size(int k, const char *title, int *w, int *h);

/* Writes the confusion matrix as a heatmap PNG (atomically): counts in the cells, class labels on
 * both axes ("true" down the left, "predicted" along the bottom) and `title` on top. Counts are
 * left out of cells too small to hold them. */
int nn_confusion_write_png(const char *path, const long *cm, int k, const int *labels,
                           const char *title, struct nn_error *err);

/* Reads the sidecar JSON that `nnctl svm train` writes next to the model ("<model>.json"):
 * train_seconds (NaN when absent or null) and n_features (0 when absent). A missing file is not an
 * error — both come back unknown; a malformed value is NN_ERR_FORMAT. */
int nn_svm_read_sidecar(const char *sidecar_path, double *train_seconds, int *n_features,
                        struct nn_error *err);

#endif
