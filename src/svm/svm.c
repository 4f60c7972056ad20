/* nnctl — libsvm C-SVC (RBF kernel) on float32 feature files: data checks, gamma, training,
 * model files (checked by svm_model.c before libsvm reads them), prediction and the sidecar. */
#include "nnctl/svm.h"

#include <errno.h>
#include <inttypes.h>
#include <libsvm/svm.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnctl/fsutil.h"
#include "nnctl/number.h"
#include "svm/ovo.h"
#include "svm/predict.h"
#include "svm/svm_model.h"

/* ---------------------------------------------------------------- data */

static const char *type_name(enum nn_idx_type type)
{
    switch (type) {
    case NN_IDX_U8:
        return "u8";
    case NN_IDX_F32:
        return "f32";
    }
    return "unknown";
}

int nn_svm_check_data(const char *feat_path, const struct nn_idx *feat, const char *label_path,
                      const struct nn_idx *lbl, int n_classes, struct nn_error *err)
{
    if (!feat || !lbl)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_check_data: missing features or labels");
    if (!feat_path)
        feat_path = "(features)";
    if (!label_path)
        label_path = "(labels)";
    if (n_classes < 1 || n_classes > NN_SVM_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_USAGE, "%s: the number of classes must be 1..%d, found %d",
                            label_path, NN_SVM_MAX_CLASSES, n_classes);
    if (feat->type != NN_IDX_F32)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'type': expected f32 features (0x0D), found %s (0x%02X)",
                            feat_path, type_name(feat->type), (unsigned)feat->type);
    if (feat->ndim != 2)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'ndim': expected 2 for features (count x features), "
                            "found %d",
                            feat_path, feat->ndim);
    /* libsvm numbers features with an int, starting at 1, and ends each row with index -1. */
    if (feat->dims[1] < 1 || feat->dims[1] >= (uint32_t)INT_MAX)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims[1]': %" PRIu32 " features per vector is out of range",
                            feat_path, feat->dims[1]);
    if (feat->dims[0] < 1)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'dims[0]': the file holds no vectors",
                            feat_path);
    if (lbl->type != NN_IDX_U8)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'type': expected u8 labels (0x08), found %s (0x%02X)",
                            label_path, type_name(lbl->type), (unsigned)lbl->type);
    if (lbl->ndim != 1)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'ndim': expected 1 for labels, found %d",
                            label_path, lbl->ndim);
    if (feat->dims[0] != lbl->dims[0])
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims[0]': %" PRIu32 " feature vectors, but %s: field "
                            "'dims[0]': %" PRIu32 " labels; the counts must be equal",
                            feat_path, feat->dims[0], label_path, lbl->dims[0]);
    if (!feat->data || !lbl->data)
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: no data loaded",
                            feat->data ? label_path : feat_path);
    const uint8_t *y = lbl->data;
    for (size_t i = 0; i < lbl->count; i++)
        if (y[i] >= n_classes)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s: field 'data[%zu]': label %u is out of range 0..%d for %d "
                                "classes (see --classes)",
                                label_path, i, (unsigned)y[i], n_classes - 1, n_classes);
    const float *x = feat->data;
    size_t d = feat->dims[1];
    for (size_t i = 0; i < feat->count; i++)
        if (!isfinite(x[i]))
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s: field 'data[%zu]' (vector %zu, feature %zu): value is %s; "
                                "features must be finite",
                                feat_path, i, i / d, i % d, isnan(x[i]) ? "NaN" : "infinite");
    return NN_OK;
}

int nn_svm_load_data(const char *feat_path, const char *label_path, int n_classes,
                     struct nn_svm_data *out, struct nn_error *err)
{
    if (!out)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_load_data: no output");
    memset(out, 0, sizeof *out);
    if (!feat_path || !label_path)
        return nn_error_set(err, NN_ERR_USAGE, "both a features and a labels file are needed");
    struct nn_idx f = {0}, l = {0};
    int rc = nn_idx_read(feat_path, 0, &f, err);
    if (rc)
        return rc;
    rc = nn_idx_read(label_path, 0, &l, err);
    if (rc) {
        nn_idx_free(&f);
        return rc;
    }
    rc = nn_svm_check_data(feat_path, &f, label_path, &l, n_classes, err);
    if (rc) {
        nn_idx_free(&f);
        nn_idx_free(&l);
        return rc;
    }
    out->n = f.dims[0];
    out->d = (int)f.dims[1];
    out->x = f.data;
    out->y = l.data;
    return NN_OK;
}

void nn_svm_data_free(struct nn_svm_data *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- gamma */

double nn_svm_gamma_scale(const float *x, size_t n, int d)
{
    if (!x || n == 0 || d < 1)
        return 1.0;
    /* Welford's update: one pass, and no catastrophic cancellation even when the values sit far
     * from zero (sum of squares minus square of sum would lose every digit there). */
    size_t total = n * (size_t)d;
    double mean = 0.0, m2 = 0.0;
    for (size_t i = 0; i < total; i++) {
        double v = x[i];
        double delta = v - mean;
        mean += delta / (double)(i + 1);
        m2 += delta * (v - mean);
    }
    double var = m2 / (double)total; /* population variance, as numpy's X.var() */
    if (!(var > 0.0) || !isfinite(var))
        return 1.0; /* scikit-learn's choice for a constant matrix */
    return 1.0 / ((double)d * var);
}

int nn_svm_resolve_gamma(const char *spec, const float *x, size_t n, int d, double *gamma,
                         struct nn_error *err)
{
    if (!spec || !gamma)
        return nn_error_set(err, NN_ERR_USAGE, "--gamma: missing value");
    if (d < 1)
        return nn_error_set(err, NN_ERR_USAGE, "--gamma: the number of features must be >= 1");
    if (!strcmp(spec, "scale")) {
        if (!x || n == 0)
            return nn_error_set(err, NN_ERR_USAGE, "--gamma scale: needs the training features");
        *gamma = nn_svm_gamma_scale(x, n, d);
        return NN_OK;
    }
    if (!strcmp(spec, "auto")) {
        *gamma = 1.0 / (double)d;
        return NN_OK;
    }
    double v;
    if (nn_number(spec, &v) || v <= 0.0)
        return nn_error_set(err, NN_ERR_USAGE,
                            "--gamma: expected 'scale', 'auto' or a positive number, found '%s'",
                            spec);
    *gamma = v;
    return NN_OK;
}

/* ---------------------------------------------------------------- training and prediction */

struct nn_svm {
    struct svm_model *model;
    /* A model from svm_train() keeps pointers into the training vectors (its SV array points at
     * rows of `pool`), so they live exactly as long as the model. NULL for a loaded model, whose
     * vectors libsvm owns. */
    struct svm_node *pool;
    struct svm_node **rows;
    double *y;
    int max_feature;
};

/* libsvm prints through one process-wide function pointer; these are the two we install. */
static void svm_print_null(const char *s)
{
    (void)s;
}

static void svm_print_stderr(const char *s)
{
    fputs(s, stderr);
    fflush(stderr);
}

void nn_svm_params_default(struct nn_svm_params *p)
{
    if (!p)
        return;
    p->C = 1.0;
    p->gamma = 0.0;
    p->cache_mb = 200.0;
    p->eps = 1e-3;
    p->shrinking = 1;
    p->verbose = 0;
    p->threads = 0;
}

static void fill_libsvm_param(const struct nn_svm_params *p, struct svm_parameter *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->svm_type = C_SVC;
    sp->kernel_type = RBF;
    sp->degree = 3;
    sp->gamma = p->gamma;
    sp->coef0 = 0.0;
    sp->cache_size = p->cache_mb;
    sp->eps = p->eps;
    sp->C = p->C;
    sp->nr_weight = 0;
    sp->weight_label = NULL;
    sp->weight = NULL;
    sp->nu = 0.5;
    sp->p = 0.1;
    sp->shrinking = p->shrinking ? 1 : 0;
    sp->probability = 0;
}

static int compute_max_feature(const struct svm_model *model)
{
    int best = 0;
    for (int i = 0; i < model->l; i++) {
        const struct svm_node *v = model->SV[i];
        if (!v)
            return -1;
        for (; v->index != -1; v++) {
            if (v->index < 1)
                return -1; /* libsvm indices start at 1; anything else is a corrupt file */
            if (v->index > best)
                best = v->index;
        }
    }
    return best;
}

void nn_svm_free(struct nn_svm *m)
{
    if (!m)
        return;
    if (m->model)
        svm_free_and_destroy_model(&m->model);
    free(m->pool);
    free(m->rows);
    free(m->y);
    free(m);
}

int nn_svm_train(const struct nn_svm_data *data, const struct nn_svm_params *p, struct nn_svm **out,
                 struct nn_error *err)
{
    if (!out)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_train: no output");
    *out = NULL;
    if (!data || !p || !data->x || !data->y || data->n == 0 || data->d < 1)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_train: no training data");
    if (data->n > (size_t)INT_MAX)
        return nn_error_set(err, NN_ERR_RUNTIME, "svm train: %zu vectors, libsvm takes at most %d",
                            data->n, INT_MAX);
    if (!(p->C > 0.0) || !isfinite(p->C))
        return nn_error_set(err, NN_ERR_USAGE, "--C: must be a positive number, found %g", p->C);
    if (!(p->gamma > 0.0) || !isfinite(p->gamma))
        return nn_error_set(err, NN_ERR_USAGE, "--gamma: must be a positive number, found %g",
                            p->gamma);
    if (!(p->cache_mb > 0.0) || !isfinite(p->cache_mb))
        return nn_error_set(err, NN_ERR_USAGE, "--cache-mb: must be a positive number, found %g",
                            p->cache_mb);
    if (!(p->eps > 0.0) || !isfinite(p->eps))
        return nn_error_set(err, NN_ERR_USAGE, "--eps: must be a positive number, found %g",
                            p->eps);

    size_t n = data->n, d = (size_t)data->d;
    /* C-SVC needs two classes; libsvm would quietly build a model that always answers the one. */
    int seen[NN_SVM_MAX_CLASSES] = {0}, distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (!seen[data->y[i]]++)
            distinct++;
    if (distinct < 2)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "labels: every one of the %zu training labels is %u; C-SVC needs at "
                            "least two classes",
                            n, (unsigned)data->y[0]);

    /* Zeros are left out (libsvm's sparse format treats a missing index as 0), which saves memory
     * and kernel time on ReLU features without changing any kernel value. */
    size_t nnz = 0;
    for (size_t i = 0; i < n * d; i++) {
        if (!isfinite(data->x[i]))
            return nn_error_set(err, NN_ERR_NUMERIC,
                                "features: vector %zu, feature %zu is not finite", i / d, i % d);
        nnz += data->x[i] != 0.0f;
    }

    struct nn_svm *m = calloc(1, sizeof *m);
    if (!m)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for the SVM model");
    m->pool = malloc((nnz + n) * sizeof *m->pool);
    m->rows = malloc(n * sizeof *m->rows);
    m->y = malloc(n * sizeof *m->y);
    if (!m->pool || !m->rows || !m->y) {
        nn_svm_free(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for %zu training vectors (%zu MiB)",
                            n, (nnz + n) * sizeof(struct svm_node) >> 20);
    }
    struct svm_node *node = m->pool;
    for (size_t i = 0; i < n; i++) {
        m->rows[i] = node;
        m->y[i] = data->y[i];
        const float *row = data->x + i * d;
        for (size_t j = 0; j < d; j++) {
            if (row[j] != 0.0f) {
                node->index = (int)j + 1;
                node->value = row[j];
                node++;
            }
        }
        node->index = -1;
        node->value = 0.0;
        node++;
    }

    struct svm_problem prob = {.l = (int)n, .y = m->y, .x = m->rows};
    struct svm_parameter sp;
    fill_libsvm_param(p, &sp);
    const char *why = svm_check_parameter(&prob, &sp);
    if (why) {
        nn_svm_free(m);
        return nn_error_set(err, NN_ERR_USAGE, "svm train: libsvm rejects the parameters: %s", why);
    }
    svm_set_print_string_function(p->verbose ? svm_print_stderr : svm_print_null);
    /* The class pairs on threads (ovo.c: the same model as svm_train's), or libsvm's own loop. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = p->threads > 0 ? p->threads : cores > 0 ? (int)cores : 1;
    if (threads > 1) {
        int rc = nn_svm_train_ovo(&prob, &sp, threads, &m->model, err);
        if (rc) {
            nn_svm_free(m);
            return rc;
        }
    } else {
        m->model = svm_train(&prob, &sp);
    }
    if (!m->model) {
        nn_svm_free(m);
        return nn_error_set(err, NN_ERR_RUNTIME, "svm train: libsvm returned no model");
    }
    m->max_feature = compute_max_feature(m->model);
    *out = m;
    return NN_OK;
}

int nn_svm_save(const struct nn_svm *m, const char *path, struct nn_error *err)
{
    if (!m || !m->model || !path)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_save: no model or path");
    /* libsvm writes by path: it rewrites our temporary file (same inode), and the commit then
     * fsyncs and renames it, so a crash can never expose an empty or partial model. */
    struct nn_atomic a;
    int rc = nn_atomic_open(&a, path, err);
    if (rc)
        return rc;
    if (svm_save_model(a.tmp, m->model) != 0) {
        int e = errno;
        nn_atomic_abort(&a);
        return nn_error_set(err, NN_ERR_IO, "%s: cannot write the model: %s", path,
                            e ? strerror(e) : "libsvm reported a write error");
    }
    return nn_atomic_commit(&a, err);
}

int nn_svm_load(const char *path, struct nn_svm **out, struct nn_error *err)
{
    if (!out)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_load: no output");
    *out = NULL;
    if (!path)
        return nn_error_set(err, NN_ERR_USAGE, "missing model path");
    /* libsvm's parser reads out of bounds on malformed files; it only sees files that pass. */
    int rc = nn_svm_model_check_file(path, err);
    if (rc)
        return rc;
    svm_set_print_string_function(svm_print_null);
    struct svm_model *model = svm_load_model(path);
    if (!model)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: libsvm cannot parse the model file", path);
    const char *bad = NULL;
    char why[160] = "";
    int maxf = 0;
    if (svm_get_svm_type(model) != C_SVC) {
        bad = "svm_type";
        snprintf(why, sizeof why, "expected c_svc");
    } else if (model->nr_class < 2 || model->nr_class > NN_SVM_MAX_CLASSES || !model->label) {
        bad = "nr_class";
        snprintf(why, sizeof why, "expected 2..%d classes, found %d", NN_SVM_MAX_CLASSES,
                 model->nr_class);
    } else if (model->l < 1 || !model->SV) {
        bad = "total_sv";
        snprintf(why, sizeof why, "the model has no support vectors");
    } else {
        for (int i = 0; i < model->nr_class && !bad; i++) {
            if (model->label[i] < 0 || model->label[i] >= NN_SVM_MAX_CLASSES) {
                bad = "label";
                snprintf(why, sizeof why, "class label %d is outside 0..%d", model->label[i],
                         NN_SVM_MAX_CLASSES - 1);
            }
        }
    }
    if (!bad) {
        maxf = compute_max_feature(model);
        if (maxf < 0) {
            bad = "SV";
            snprintf(why, sizeof why, "a support vector has a feature index below 1");
        }
    }
    if (bad) {
        svm_free_and_destroy_model(&model);
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field '%s': %s", path, bad, why);
    }
    struct nn_svm *m = calloc(1, sizeof *m);
    if (!m) {
        svm_free_and_destroy_model(&model);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory loading %s", path);
    }
    m->model = model;
    m->max_feature = maxf;
    *out = m;
    return NN_OK;
}

int nn_svm_n_sv(const struct nn_svm *m)
{
    return m && m->model ? svm_get_nr_sv(m->model) : 0;
}

int nn_svm_n_classes(const struct nn_svm *m)
{
    return m && m->model ? svm_get_nr_class(m->model) : 0;
}

void nn_svm_labels(const struct nn_svm *m, int *labels)
{
    if (m && m->model && labels)
        svm_get_labels(m->model, labels);
}

double nn_svm_gamma(const struct nn_svm *m)
{
    return m && m->model ? m->model->param.gamma : 0.0;
}

int nn_svm_max_feature(const struct nn_svm *m)
{
    return m ? m->max_feature : 0;
}

int nn_svm_predict(const struct nn_svm *m, const float *x, size_t n, int d, int *pred,
                   struct nn_error *err)
{
    if (!m || !m->model || (!x && n) || (!pred && n) || d < 1)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_predict: bad arguments");
    if (m->max_feature > d)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "features: the model uses feature %d, but the vectors have only %d "
                            "features; were they made by the same encoder?",
                            m->max_feature, d);
    for (size_t i = 0; i < n * (size_t)d; i++)
        if (!isfinite(x[i]))
            return nn_error_set(err, NN_ERR_NUMERIC,
                                "features: vector %zu, feature %zu is not finite", i / (size_t)d,
                                i % (size_t)d);
    /* The batched BLAS path (svm/predict.c) gives svm_predict's labels exactly; it declines
     * models it does not handle, and then each vector goes to libsvm as before. */
    if (nn_svm_predict_blas(m->model, x, n, d, pred, NULL) == NN_OK)
        return NN_OK;
    struct svm_node *row = malloc(((size_t)d + 1) * sizeof *row);
    if (!row)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a %d-feature vector", d);
    for (size_t i = 0; i < n; i++)
        pred[i] = nn_svm_predict_exact(m->model, x + i * (size_t)d, d, row);
    free(row);
    return NN_OK;
}

/* ---------------------------------------------------------------- sidecar */

/* Finds `"key": value` in JSON text we wrote ourselves. An absent key or a null value reads as
 * NaN. Returns -1 when the value is neither a number nor null. */
static int json_find_number(const char *text, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    *v = NAN;
    const char *p = strstr(text, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p != ':')
        return -1;
    p++;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (!strncmp(p, "null", 4))
        return 0;
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    if (end == p || errno || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

int nn_svm_read_sidecar(const char *sidecar_path, double *train_seconds, int *n_features,
                        struct nn_error *err)
{
    if (!sidecar_path || !train_seconds || !n_features)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_read_sidecar: bad arguments");
    *train_seconds = NAN;
    *n_features = 0;
    if (access(sidecar_path, F_OK) != 0 && errno == ENOENT)
        return NN_OK;
    char *text = NULL;
    size_t len = 0;
    int rc = nn_read_file(sidecar_path, NN_MAX_TEXT_BYTES, &text, &len, err);
    if (rc)
        return rc;
    /* The file is ours (written by `svm train`), so a key search is enough; the values are still
     * checked, because the file may have been edited by hand. */
    double ts, nf;
    int bad_ts = json_find_number(text, "train_seconds", &ts);
    int bad_nf = json_find_number(text, "n_features", &nf);
    free(text);
    if (bad_ts || (!isnan(ts) && ts < 0.0))
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'train_seconds': expected a non-negative number or null",
                            sidecar_path);
    if (bad_nf || (!isnan(nf) && (nf < 1.0 || nf >= (double)INT_MAX || nf != floor(nf))))
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'n_features': expected a positive integer or null",
                            sidecar_path);
    *train_seconds = ts;
    *n_features = isnan(nf) ? 0 : (int)nf;
    return NN_OK;
}
