/* nnctl — libsvm C-SVC (RBF kernel) on float32 feature files, and the evaluation report:
 * confusion matrix, scikit-learn's classification_report numbers, text/CSV/JSON/PNG output. */
#include "nnctl/svm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libsvm/svm.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnctl/fsutil.h"
#include "nnctl/png.h"

/* ---------------------------------------------------------------- growable string */

struct sbuf {
    char *p;
    size_t len, cap;
    int failed; /* an allocation failed; later appends are ignored and finish reports NOMEM */
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->failed = 1;
            return;
        }
        if (b->p && (size_t)w < room) {
            b->len += (size_t)w;
            return;
        }
        size_t need = b->len + (size_t)w + 1;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

static int sb_finish(struct sbuf *b, char **out, const char *what, struct nn_error *err)
{
    if (b->failed || !b->p) {
        free(b->p);
        *out = NULL;
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory formatting the %s", what);
    }
    *out = b->p;
    return NN_OK;
}

/* ---------------------------------------------------------------- data */

static const char *type_name(int type)
{
    switch (type) {
    case NN_IDX_U8:
        return "u8";
    case NN_IDX_F32:
        return "f32";
    default:
        return "unknown";
    }
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
    char *end;
    errno = 0;
    double v = strtod(spec, &end);
    if (!*spec || *end || errno || !isfinite(v) || v <= 0.0)
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
    m->model = svm_train(&prob, &sp);
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

/* ---------------------------------------------------------------- model file validation */

/* libsvm's svm_load_model() trusts its input: a missing support-vector line, a header keyword in
 * the wrong order or a short coefficient list makes it read freed or unallocated memory (found
 * with AddressSanitizer). So the file is first checked here against the exact grammar that
 * svm_save_model() writes and svm_load_model() reads, and libsvm only ever sees files it parses
 * safely:
 *   header: whitespace-separated "key value..." pairs (read with fscanf("%80s") by libsvm), each
 *           key once, nr_class before the per-class lists, ending with the token "SV" whose line
 *           is skipped;
 *   then exactly total_sv lines "c_1 .. c_{k-1} i:v i:v ...", split on spaces and tabs, with
 *   finite numbers and strictly ascending feature indices >= 1; only blank lines may follow. */

#define MODEL_MAX_BYTES ((size_t)1 << 30)

struct model_check {
    const char *path;
    struct nn_error *err;
    int line;
};

static int model_bad(struct model_check *mc, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int model_bad(struct model_check *mc, const char *field, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return nn_error_set(mc->err, NN_ERR_FORMAT, "%s: line %d: field '%s': %s", mc->path, mc->line,
                        field, what);
}

/* Next whitespace-separated header token (as fscanf("%s") reads it); NULL at the end. */
static const char *model_token(struct model_check *mc, char **pos, size_t *len)
{
    char *p = *pos;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f') {
        if (*p == '\n')
            mc->line++;
        p++;
    }
    if (!*p) {
        *pos = p;
        return NULL;
    }
    char *start = p;
    while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f'))
        p++;
    *len = (size_t)(p - start);
    *pos = p;
    return start;
}

static int token_is(const char *t, size_t len, const char *word)
{
    return t && len == strlen(word) && !memcmp(t, word, len);
}

/* Parses a whole token as a finite double / an int in [lo, hi]. */
static int parse_full_double(const char *t, size_t len, double *v)
{
    char buf[96];
    if (!t || len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, t, len);
    buf[len] = 0;
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (*end || errno == EINVAL || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

static int parse_full_int(const char *t, size_t len, long lo, long hi, long *v)
{
    char buf[32];
    if (!t || len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, t, len);
    buf[len] = 0;
    char *end;
    errno = 0;
    long x = strtol(buf, &end, 10);
    if (*end || errno || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

static int check_sv_line(struct model_check *mc, char *line, int n_coef)
{
    /* Split on spaces and tabs only, as libsvm's strtok(" \t") does; trailing '\r' is harmless to
     * libsvm and is ignored. */
    int tok = 0;
    long last_index = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || ((*p == '\r') && !p[1]))
            break;
        char *start = p;
        while (*p && *p != ' ' && *p != '\t' && !(*p == '\r' && !p[1]))
            p++;
        size_t len = (size_t)(p - start);
        const char *colon = memchr(start, ':', len);
        double v;
        if (tok < n_coef) {
            if (colon || parse_full_double(start, len, &v))
                return model_bad(mc, "SV", "coefficient %d of %d is not a finite number", tok + 1,
                                 n_coef);
        } else {
            long idx;
            if (!colon || parse_full_int(start, (size_t)(colon - start), 1, INT_MAX - 1, &idx) ||
                parse_full_double(colon + 1, len - (size_t)(colon - start) - 1, &v))
                return model_bad(mc, "SV",
                                 "expected index:value with index >= 1 and a finite "
                                 "value, found '%.*s'",
                                 (int)(len > 40 ? 40 : len), start);
            if (idx <= last_index)
                return model_bad(mc, "SV", "feature index %ld after %ld: indices must ascend", idx,
                                 last_index);
            last_index = idx;
        }
        tok++;
    }
    if (tok < n_coef)
        return model_bad(mc, "SV", "%d coefficients needed (nr_class - 1), found %d", n_coef, tok);
    return NN_OK;
}

static int check_model_text(const char *path, char *text, size_t len, struct nn_error *err)
{
    struct model_check mc = {path, err, 1};
    if (memchr(text, 0, len))
        return model_bad(&mc, "svm_type", "the file contains NUL bytes; not a libsvm model");
    char *pos = text;
    size_t tl = 0;
    const char *t = model_token(&mc, &pos, &tl);
    if (!token_is(t, tl, "svm_type"))
        return model_bad(&mc, "svm_type", "not a libsvm model (it must start with 'svm_type')");
    enum {
        K_SVM,
        K_KERNEL,
        K_DEGREE,
        K_GAMMA,
        K_COEF0,
        K_NRCLASS,
        K_TOTAL,
        K_RHO,
        K_LABEL,
        K_PROBA,
        K_PROBB,
        K_NRSV,
        K_N
    };
    static const char *const keys[K_N] = {"svm_type", "kernel_type", "degree",   "gamma",
                                          "coef0",    "nr_class",    "total_sv", "rho",
                                          "label",    "probA",       "probB",    "nr_sv"};
    int seen[K_N] = {0};
    long k = 0, total = 0, nr_sv_sum = 0;
    int label_seen[NN_SVM_MAX_CLASSES] = {0};
    for (;;) {
        if (!t)
            return model_bad(&mc, "SV", "the file ends before the 'SV' section");
        if (tl > 80) /* libsvm reads keys with %80s: a longer token would be split */
            return model_bad(&mc, "header", "token of %zu characters", tl);
        if (token_is(t, tl, "SV"))
            break;
        int key = -1;
        for (int i = 0; i < K_N; i++)
            if (token_is(t, tl, keys[i]))
                key = i;
        if (key < 0)
            return model_bad(&mc, "header", "unknown keyword '%.*s'", (int)tl, t);
        if (seen[key]++)
            return model_bad(&mc, keys[key], "appears twice");
        const char *f = keys[key];
        int n_list = key == K_RHO || key == K_PROBA || key == K_PROBB ? (int)(k * (k - 1) / 2)
                     : key == K_LABEL || key == K_NRSV                ? (int)k
                                                                      : 1;
        if ((key == K_RHO || key == K_PROBA || key == K_PROBB || key == K_LABEL || key == K_NRSV) &&
            !seen[K_NRCLASS])
            return model_bad(&mc, f, "must come after nr_class");
        for (int i = 0; i < n_list; i++) {
            t = model_token(&mc, &pos, &tl);
            double dv;
            long lv;
            if (!t)
                return model_bad(&mc, f, "missing value");
            switch (key) {
            case K_SVM:
                if (!token_is(t, tl, "c_svc"))
                    return model_bad(&mc, f, "expected c_svc (a classifier), found '%.*s'",
                                     (int)(tl > 40 ? 40 : tl), t);
                break;
            case K_KERNEL:
                if (!token_is(t, tl, "rbf"))
                    return model_bad(&mc, f, "expected rbf, found '%.*s'", (int)(tl > 40 ? 40 : tl),
                                     t);
                break;
            case K_DEGREE:
                if (parse_full_int(t, tl, INT_MIN, INT_MAX, &lv))
                    return model_bad(&mc, f, "expected an integer");
                break;
            case K_GAMMA:
                if (parse_full_double(t, tl, &dv) || !(dv > 0.0))
                    return model_bad(&mc, f, "expected a positive finite number");
                break;
            case K_NRCLASS:
                if (parse_full_int(t, tl, 2, NN_SVM_MAX_CLASSES, &k))
                    return model_bad(&mc, f, "expected 2..%d classes", NN_SVM_MAX_CLASSES);
                break;
            case K_TOTAL:
                if (parse_full_int(t, tl, 1, INT_MAX, &total))
                    return model_bad(&mc, f, "expected a positive count");
                break;
            case K_LABEL:
                if (parse_full_int(t, tl, 0, NN_SVM_MAX_CLASSES - 1, &lv))
                    return model_bad(&mc, f, "labels must be integers 0..%d",
                                     NN_SVM_MAX_CLASSES - 1);
                if (label_seen[lv]++)
                    return model_bad(&mc, f, "label %ld appears twice", lv);
                break;
            case K_NRSV:
                if (parse_full_int(t, tl, 0, INT_MAX, &lv))
                    return model_bad(&mc, f, "expected non-negative counts");
                nr_sv_sum += lv;
                break;
            default: /* coef0, rho, probA, probB */
                if (parse_full_double(t, tl, &dv))
                    return model_bad(&mc, f, "expected finite numbers");
                break;
            }
        }
        t = model_token(&mc, &pos, &tl);
    }
    static const int required[] = {K_KERNEL, K_GAMMA, K_NRCLASS, K_TOTAL, K_RHO, K_LABEL, K_NRSV};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!seen[required[i]])
            return model_bad(&mc, keys[required[i]], "missing from the header");
    if (nr_sv_sum != total)
        return model_bad(&mc, "nr_sv", "the per-class counts add up to %ld, total_sv is %ld",
                         nr_sv_sum, total);
    /* libsvm skips the rest of the "SV" line. */
    while (*pos && *pos != '\n')
        pos++;
    long n_lines = 0;
    while (*pos) {
        pos++; /* past '\n' */
        mc.line++;
        char *line = pos;
        while (*pos && *pos != '\n')
            pos++;
        char saved = *pos;
        *pos = 0;
        int rc = NN_OK;
        if (n_lines < total) {
            rc = check_sv_line(&mc, line, (int)k - 1);
        } else {
            for (char *c = line; *c && rc == NN_OK; c++)
                if (*c != ' ' && *c != '\t' && *c != '\r')
                    rc = model_bad(&mc, "SV", "text after the %ld support vectors", total);
        }
        *pos = saved;
        if (rc)
            return rc;
        if (n_lines < total && !(saved == 0 && *line == 0))
            n_lines++;
    }
    if (n_lines < total)
        return model_bad(&mc, "total_sv", "%ld support vectors declared, %ld found", total,
                         n_lines);
    return NN_OK;
}

int nn_svm_load(const char *path, struct nn_svm **out, struct nn_error *err)
{
    if (!out)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_load: no output");
    *out = NULL;
    if (!path)
        return nn_error_set(err, NN_ERR_USAGE, "missing model path");
    char *text = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, MODEL_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = check_model_text(path, text, len, err);
    free(text);
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
    struct svm_node *row = malloc(((size_t)d + 1) * sizeof *row);
    if (!row)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a %d-feature vector", d);
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * (size_t)d;
        int k = 0;
        for (int j = 0; j < d; j++) {
            if (!isfinite(xi[j])) {
                free(row);
                return nn_error_set(err, NN_ERR_NUMERIC,
                                    "features: vector %zu, feature %d is not finite", i, j);
            }
            if (xi[j] != 0.0f) {
                row[k].index = j + 1;
                row[k].value = xi[j];
                k++;
            }
        }
        row[k].index = -1;
        row[k].value = 0.0;
        double label = svm_predict(m->model, row);
        pred[i] = (int)lround(label);
    }
    free(row);
    return NN_OK;
}

/* ---------------------------------------------------------------- evaluation report */

int nn_confusion_matrix(const uint8_t *y_true, const int *y_pred, size_t n, int k, long *cm,
                        struct nn_error *err)
{
    if (k < 1 || k > NN_SVM_MAX_CLASSES || !cm || (n && (!y_true || !y_pred)))
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
    int keep[NN_SVM_MAX_CLASSES];
    int kk = 0;
    if (!cm || !out || !labels || !k_out || k < 1 || k > NN_SVM_MAX_CLASSES) {
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
    if (!cm || !r || k < 1 || k > NN_SVM_MAX_CLASSES)
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
    if (!r || !out || r->k < 1 || r->k > NN_SVM_MAX_CLASSES)
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
    struct sbuf b = {0};
    sb_printf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score",
              "support");
    for (int c = 0; c < r->k; c++) {
        const struct nn_class_stats *s = &r->cls[c];
        snprintf(name, sizeof name, "%d", label_of(labels, c));
        sb_printf(&b, "%*s  %9.*f %9.*f %9.*f %9ld\n", width, name, digits, s->precision, digits,
                  s->recall, digits, s->f1, s->support);
    }
    sb_printf(&b, "\n%*s  %9s %9s %9.*f %9ld\n", width, "accuracy", "", "", digits, r->accuracy,
              r->n);
    sb_printf(&b, "%*s  %9.*f %9.*f %9.*f %9ld\n", width, "macro avg", digits, r->macro.precision,
              digits, r->macro.recall, digits, r->macro.f1, r->n);
    sb_printf(&b, "%*s  %9.*f %9.*f %9.*f %9ld\n", width, "weighted avg", digits,
              r->weighted.precision, digits, r->weighted.recall, digits, r->weighted.f1, r->n);
    return sb_finish(&b, out, "classification report", err);
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
    if (!cm || !out || k < 1 || k > NN_SVM_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_format_text: bad arguments");
    int w = count_width(cm, k, labels) + 2;
    struct sbuf b = {0};
    sb_printf(&b, "confusion matrix (rows = true, columns = predicted):\n%9s", "true\\pred");
    for (int c = 0; c < k; c++)
        sb_printf(&b, "%*d", w, label_of(labels, c));
    sb_printf(&b, "\n");
    for (int r = 0; r < k; r++) {
        sb_printf(&b, "%9d", label_of(labels, r));
        for (int c = 0; c < k; c++)
            sb_printf(&b, "%*ld", w, cm[(size_t)r * k + c]);
        sb_printf(&b, "\n");
    }
    return sb_finish(&b, out, "confusion matrix", err);
}

int nn_confusion_format_csv(const long *cm, int k, const int *labels, char **out,
                            struct nn_error *err)
{
    if (!cm || !out || k < 1 || k > NN_SVM_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_format_csv: bad arguments");
    struct sbuf b = {0};
    sb_printf(&b, "true/predicted");
    for (int c = 0; c < k; c++)
        sb_printf(&b, ",%d", label_of(labels, c));
    sb_printf(&b, "\n");
    for (int r = 0; r < k; r++) {
        sb_printf(&b, "%d", label_of(labels, r));
        for (int c = 0; c < k; c++)
            sb_printf(&b, ",%ld", cm[(size_t)r * k + c]);
        sb_printf(&b, "\n");
    }
    return sb_finish(&b, out, "confusion matrix CSV", err);
}

static void json_stats(struct sbuf *b, const struct nn_class_stats *s)
{
    sb_printf(b, "\"precision\": %.10g, \"recall\": %.10g, \"f1\": %.10g, \"support\": %ld",
              s->precision, s->recall, s->f1, s->support);
}

static void json_seconds(struct sbuf *b, const char *key, double v)
{
    if (isfinite(v))
        sb_printf(b, "  \"%s\": %.6f,\n", key, v);
    else
        sb_printf(b, "  \"%s\": null,\n", key);
}

int nn_svm_metrics_json(const struct nn_class_report *r, const int *labels, const long *cm,
                        double train_seconds, double predict_seconds, char **out,
                        struct nn_error *err)
{
    if (!r || !out || r->k < 1 || r->k > NN_SVM_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_svm_metrics_json: bad arguments");
    struct sbuf b = {0};
    sb_printf(&b, "{\n  \"accuracy\": %.10g,\n", r->accuracy);
    json_seconds(&b, "train_seconds", train_seconds);
    json_seconds(&b, "predict_seconds", predict_seconds);
    sb_printf(&b, "  \"n\": %ld,\n  \"correct\": %ld,\n  \"classes\": [\n", r->n, r->correct);
    for (int c = 0; c < r->k; c++) {
        sb_printf(&b, "    {\"label\": %d, ", label_of(labels, c));
        json_stats(&b, &r->cls[c]);
        sb_printf(&b, "}%s\n", c + 1 < r->k ? "," : "");
    }
    sb_printf(&b, "  ],\n  \"macro_avg\": {");
    json_stats(&b, &r->macro);
    sb_printf(&b, "},\n  \"weighted_avg\": {");
    json_stats(&b, &r->weighted);
    sb_printf(&b, "}");
    if (cm) {
        sb_printf(&b, ",\n  \"confusion\": [");
        for (int i = 0; i < r->k; i++) {
            sb_printf(&b, "%s[", i ? ", " : "");
            for (int j = 0; j < r->k; j++)
                sb_printf(&b, "%s%ld", j ? ", " : "", cm[(size_t)i * r->k + j]);
            sb_printf(&b, "]");
        }
        sb_printf(&b, "]");
    }
    sb_printf(&b, "\n}\n");
    return sb_finish(&b, out, "metrics JSON", err);
}

/* ---------------------------------------------------------------- confusion heatmap */

struct cm_layout {
    int k, cell, tick_scale, title_scale;
    int left, top, w, h;
};

static void cm_layout(int k, const char *title, struct cm_layout *L)
{
    if (k < 1)
        k = 1;
    if (k > NN_SVM_MAX_CLASSES)
        k = NN_SVM_MAX_CLASSES;
    L->k = k;
    /* About 480 pixels of grid whatever k is: 48-pixel cells for the ten digits. */
    L->cell = 480 / k;
    if (L->cell > 64)
        L->cell = 64;
    if (L->cell < 4)
        L->cell = 4;
    L->tick_scale = L->cell >= 20 ? 2 : 1;
    L->title_scale = 2;
    int ts = L->tick_scale;
    L->left = 8 + nn_text_width("true", ts) + 8 + nn_text_width("255", ts) + 6;
    L->top = 8 + NN_FONT_H * L->title_scale + 12;
    int grid = k * L->cell;
    L->w = L->left + grid + 16;
    int tw = 16 + nn_text_width(title ? title : "", L->title_scale);
    if (tw > L->w)
        L->w = tw;
    if (L->w > NN_PNG_MAX_DIM)
        L->w = NN_PNG_MAX_DIM; /* an absurdly long title is clipped rather than refused */
    L->h = L->top + grid + 6 + NN_FONT_H * ts + 8 + NN_FONT_H * ts + 10;
}

void nn_confusion_png_size(int k, const char *title, int *w, int *h)
{
    struct cm_layout L;
    cm_layout(k, title, &L);
    if (w)
        *w = L.w;
    if (h)
        *h = L.h;
}

static void fill_rect(uint8_t *rgb, int w, int h, int x0, int y0, int rw, int rh,
                      const uint8_t c[3])
{
    for (int y = y0 < 0 ? 0 : y0; y < y0 + rh && y < h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x0 + rw && x < w; x++) {
            uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            p[0] = c[0];
            p[1] = c[1];
            p[2] = c[2];
        }
}

int nn_confusion_write_png(const char *path, const long *cm, int k, const int *labels,
                           const char *title, struct nn_error *err)
{
    if (!path || !cm || k < 1 || k > NN_SVM_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_write_png: bad arguments (k = %d)",
                            k);
    struct cm_layout L;
    cm_layout(k, title, &L);
    uint8_t *img = malloc((size_t)L.w * (size_t)L.h * 3);
    if (!img)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory for a %dx%d image", path, L.w,
                            L.h);
    memset(img, 255, (size_t)L.w * (size_t)L.h * 3);
    static const uint8_t black[3] = {0, 0, 0}, white[3] = {255, 255, 255};
    static const uint8_t grid_gray[3] = {200, 200, 200}, frame[3] = {90, 90, 90};
    /* matplotlib's "Blues" end points, the colour map scikit-learn's ConfusionMatrixDisplay uses.
     */
    static const double lo[3] = {247, 251, 255}, hi[3] = {8, 48, 107};

    if (title) {
        int tw = nn_text_width(title, L.title_scale);
        nn_draw_text(img, L.w, L.h, (L.w - tw) / 2 > 0 ? (L.w - tw) / 2 : 0, 8, title,
                     L.title_scale, black);
    }
    long maxc = 0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
        if (cm[i] > maxc)
            maxc = cm[i];
    /* One text scale for every count, chosen so that the longest one fits in a cell. */
    char s[32];
    int widest = 0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++) {
        snprintf(s, sizeof s, "%ld", cm[i]);
        int tw = nn_text_width(s, 1);
        if (tw > widest)
            widest = tw;
    }
    int cs = 0;
    for (int sc = 2; sc >= 1 && !cs; sc--)
        if (widest * sc <= L.cell - 2 && NN_FONT_H * sc <= L.cell - 4)
            cs = sc;

    int ts = L.tick_scale, grid = k * L.cell;
    for (int r = 0; r < k; r++) {
        for (int c = 0; c < k; c++) {
            long v = cm[(size_t)r * k + c];
            double t = maxc > 0 && v > 0 ? (double)v / (double)maxc : 0.0;
            uint8_t col[3];
            for (int ch = 0; ch < 3; ch++)
                col[ch] = (uint8_t)lround(lo[ch] + (hi[ch] - lo[ch]) * t);
            int x0 = L.left + c * L.cell, y0 = L.top + r * L.cell;
            fill_rect(img, L.w, L.h, x0, y0, L.cell, L.cell, col);
            if (L.cell >= 8) { /* hairlines between cells, so that equal neighbours stay apart */
                fill_rect(img, L.w, L.h, x0, y0, L.cell, 1, grid_gray);
                fill_rect(img, L.w, L.h, x0, y0, 1, L.cell, grid_gray);
            }
            if (cs) {
                snprintf(s, sizeof s, "%ld", v);
                int tw = nn_text_width(s, cs);
                nn_draw_text(img, L.w, L.h, x0 + (L.cell - tw) / 2,
                             y0 + (L.cell - NN_FONT_H * cs) / 2, s, cs, t > 0.5 ? white : black);
            }
        }
    }
    /* Frame around the grid. */
    fill_rect(img, L.w, L.h, L.left - 1, L.top - 1, grid + 2, 1, frame);
    fill_rect(img, L.w, L.h, L.left - 1, L.top + grid, grid + 2, 1, frame);
    fill_rect(img, L.w, L.h, L.left - 1, L.top - 1, 1, grid + 2, frame);
    fill_rect(img, L.w, L.h, L.left + grid, L.top - 1, 1, grid + 2, frame);

    /* Tick labels; with many small cells only every step-th label fits. */
    int lab_w = nn_text_width("255", ts);
    int step_x = (lab_w + 4 + L.cell - 1) / L.cell;
    int step_y = (NN_FONT_H * ts + 2 + L.cell - 1) / L.cell;
    for (int i = 0; i < k; i++) {
        snprintf(s, sizeof s, "%d", label_of(labels, i));
        int tw = nn_text_width(s, ts);
        if (i % step_y == 0)
            nn_draw_text(img, L.w, L.h, L.left - 6 - tw,
                         L.top + i * L.cell + (L.cell - NN_FONT_H * ts) / 2, s, ts, black);
        if (i % step_x == 0)
            nn_draw_text(img, L.w, L.h, L.left + i * L.cell + (L.cell - tw) / 2, L.top + grid + 6,
                         s, ts, black);
    }
    /* Axis captions. */
    nn_draw_text(img, L.w, L.h, 8, L.top + (grid - NN_FONT_H * ts) / 2, "true", ts, black);
    int pw = nn_text_width("predicted", ts);
    nn_draw_text(img, L.w, L.h, L.left + (grid - pw) / 2, L.top + grid + 6 + NN_FONT_H * ts + 8,
                 "predicted", ts, black);

    int rc = nn_png_write_rgb(path, L.w, L.h, img, err);
    free(img);
    return rc;
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
    int rc = nn_read_file(sidecar_path, 1 << 20, &text, &len, err);
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
