/* nnctl — the libsvm model-file validator: the exact grammar that svm_save_model() writes and
 * svm_load_model() reads, checked before libsvm sees a file (see svm_model.h for why):
 *   header: whitespace-separated "key value..." pairs (read with fscanf("%80s") by libsvm), each
 *           key once, nr_class before the per-class lists, ending with the token "SV" whose line
 *           is skipped;
 *   then exactly total_sv lines "c_1 .. c_{k-1} i:v i:v ...", split on spaces and tabs, with
 *   finite numbers and strictly ascending feature indices >= 1; only blank lines may follow. */
#include "svm/svm_model.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"
#include "nnctl/number.h"
#include "nnctl/svm.h"

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

/* Parses a whole token as an int in [lo, hi] (numbers: nn_number_parse). */
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
            if (colon || nn_number_parse(start, len, &v))
                return model_bad(mc, "SV", "coefficient %d of %d is not a finite number", tok + 1,
                                 n_coef);
        } else {
            long idx;
            if (!colon || parse_full_int(start, (size_t)(colon - start), 1, INT_MAX - 1, &idx) ||
                nn_number_parse(colon + 1, len - (size_t)(colon - start) - 1, &v))
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

/* After the header: the rest of the "SV" line (libsvm skips it), then exactly `total` support
 * vector lines of k − 1 coefficients and their features, and nothing but blank space after them. */
static int check_sv_section(struct model_check *mc, char *pos, long total, int k)
{
    /* libsvm skips the rest of the "SV" line. */
    while (*pos && *pos != '\n')
        pos++;
    long n_lines = 0;
    while (*pos) {
        pos++; /* past '\n' */
        mc->line++;
        char *line = pos;
        while (*pos && *pos != '\n')
            pos++;
        char saved = *pos;
        *pos = 0;
        int rc = NN_OK;
        if (n_lines < total) {
            rc = check_sv_line(mc, line, k - 1);
        } else {
            for (char *c = line; *c && rc == NN_OK; c++)
                if (*c != ' ' && *c != '\t' && *c != '\r')
                    rc = model_bad(mc, "SV", "text after the %ld support vectors", total);
        }
        *pos = saved;
        if (rc)
            return rc;
        if (n_lines < total && !(saved == 0 && *line == 0))
            n_lines++;
    }
    if (n_lines < total)
        return model_bad(mc, "total_sv", "%ld support vectors declared, %ld found", total, n_lines);
    return NN_OK;
}

int nn_svm_model_check_text(const char *path, char *text, size_t len, struct nn_error *err)
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
                if (nn_number_parse(t, tl, &dv) || !(dv > 0.0))
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
                if (nn_number_parse(t, tl, &dv))
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
    return check_sv_section(&mc, pos, total, (int)k);
}

int nn_svm_model_check_file(const char *path, struct nn_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, NN_SVM_MODEL_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = nn_svm_model_check_text(path, text, len, err);
    free(text);
    return rc;
}
