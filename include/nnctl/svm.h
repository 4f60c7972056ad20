/* nnctl — RBF support-vector classification through libsvm.
 *
 * Features are float32 IDX files with two dimensions (N x d) as `nnctl encode` writes them; labels
 * are u8 IDX files with one dimension. The model type is opaque so that only src/svm/ includes
 * libsvm's header; link with -lsvm. The evaluation report lives in report.h and the confusion
 * heatmap in heatmap.h. */
#ifndef NNCTL_SVM_H
#define NNCTL_SVM_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/idx.h"

/* Labels are u8, so there are at most 256 classes (the report takes as many). */
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
    int threads;     /* threads for the one-vs-one pairs; 0 = all cores, 1 = libsvm's own loop */
};

/* C = 1, gamma = 0 (must be set), cache 200 MB, eps 1e-3, shrinking on, quiet, all cores. */
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

/* ---------------------------------------------------------------- sidecar */

/* Reads the sidecar JSON that `nnctl svm train` writes next to the model ("<model>.json"):
 * train_seconds (NaN when absent or null) and n_features (0 when absent). A missing file is not an
 * error — both come back unknown; a malformed value is NN_ERR_FORMAT. */
int nn_svm_read_sidecar(const char *sidecar_path, double *train_seconds, int *n_features,
                        struct nn_error *err);

#endif
