/* The csv data source: a table (RFC 4180, optionally gzipped) whose targets are columns named
 * or numbered (the last by default) and whose features are columns named or numbered (every
 * other column by default). Targets are numbers (target: y, regression, one or several columns)
 * or class labels (target: labels, one column): integers or strings, mapped to classes in the
 * order they first appear in the training file (or as data.class_names lists them), so the test
 * file maps the same way. Every field is checked before training: numbers strictly parsed and
 * finite, labels seen in training, the width against the model. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/source.h"
#include "nnctl/number.h"

/* One column by 0-based index ("3") or header name, for messages `field`. */
static int find_column(const char *path, const struct nn_csv *t, const char *want,
                       const char *field, int *col, struct nn_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(want, &end, 10);
    if (!*end && !errno && want[0] != '-' && want[0] != '+') {
        if (v >= t->cols)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s: field '%s': column %ld, the file has %d (0 to %d)", path,
                                field, v, t->cols, t->cols - 1);
        *col = (int)v;
        return NN_OK;
    }
    for (int c = 0; t->header && c < t->cols; c++)
        if (!strcmp(t->header[c], want)) {
            *col = c;
            return NN_OK;
        }
    return nn_error_set(err, NN_ERR_FORMAT, "%s: field '%s': no column named '%s'%s", path, field,
                        want, t->header ? "" : " (the file has no header row)");
}

/* The target columns (default: the last) and the feature columns (default: every other one, in
 * file order); a column may not be both. tcol and fcol hold t->cols entries. */
static int columns(const struct nn_config *cfg, const char *path, const struct nn_csv *t, int *tcol,
                   int *nt, int *fcol, int *nf, struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    int rc = NN_OK;
    *nt = *nf = 0;
    if (!d->target_column.n)
        tcol[(*nt)++] = t->cols - 1;
    for (int i = 0; !rc && i < d->target_column.n; i++) {
        rc = find_column(path, t, d->target_column.name[i], "target_column", &tcol[*nt], err);
        for (int j = 0; !rc && j < *nt; j++)
            if (tcol[j] == tcol[*nt])
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s: field 'target_column': column %d is named twice", path,
                                  tcol[j]);
        if (!rc)
            (*nt)++;
    }
    for (int c = 0; !rc && !d->feature_columns.n && c < t->cols; c++) {
        int is_target = 0;
        for (int j = 0; j < *nt; j++)
            is_target |= tcol[j] == c;
        if (!is_target)
            fcol[(*nf)++] = c;
    }
    for (int i = 0; !rc && i < d->feature_columns.n; i++) {
        if (*nf == t->cols)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s: field 'feature_columns': more names than columns", path);
        rc = find_column(path, t, d->feature_columns.name[i], "feature_columns", &fcol[*nf], err);
        for (int j = 0; !rc && j < *nt; j++)
            if (tcol[j] == fcol[*nf])
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s: field 'feature_columns': column %d is also a target", path,
                                  tcol[j]);
        for (int j = 0; !rc && j < *nf; j++)
            if (fcol[j] == fcol[*nf])
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s: field 'feature_columns': column %d is named twice", path,
                                  fcol[j]);
        if (!rc)
            (*nf)++;
    }
    return rc;
}

static int class_of(const struct nn_names *k, const char *s)
{
    for (int i = 0; i < k->n; i++)
        if (!strcmp(k->name[i], s))
            return i;
    return -1;
}

/* The classes a training table teaches: its labels in column `col`, in order of first
 * appearance. */
static int learn_classes(const struct nn_config *cfg, const struct nn_csv *t, int col,
                         struct nn_names *k, struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    k->n = 0;
    for (int r = 0; r < t->rows; r++) {
        const char *s = t->field[(size_t)r * (size_t)t->cols + (size_t)col];
        if (class_of(k, s) >= 0)
            continue;
        if (k->n == d->classes)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s:%d: label '%.40s' is class %d, data.classes is %d",
                                d->train_file, t->line[r], s, k->n + 1, d->classes);
        if (!s[0] || strlen(s) >= NN_CLASS_NAME_MAX)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s:%d: label '%.40s': a label has 1 to %d characters",
                                d->train_file, t->line[r], s, NN_CLASS_NAME_MAX - 1);
        snprintf(k->name[k->n++], NN_CLASS_NAME_MAX, "%s", s);
    }
    return NN_OK;
}

/* The same, for a test split: the training file read for its labels alone. */
static int learn_classes_from_training_file(const struct nn_config *cfg, struct nn_names *k,
                                            struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    struct nn_csv t;
    int rc = nn_csv_read(d->train_file, d->delimiter[0], d->header, &t, err);
    if (rc)
        return rc;
    int *tc = malloc((size_t)t.cols * sizeof *tc), *fc = malloc((size_t)t.cols * sizeof *fc);
    int nt = 0, nf = 0;
    rc = tc && fc ? columns(cfg, d->train_file, &t, tc, &nt, fc, &nf, err)
                  : nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = learn_classes(cfg, &t, tc[0], k, err);
    free(tc);
    free(fc);
    nn_csv_free(&t);
    return rc;
}

int nn_source_csv_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                       struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    const char *path = test ? d->test_file : d->train_file;
    if (!path[0])
        return NN_OK; /* no test split */
    struct nn_names *k = calloc(1, sizeof *k);
    struct nn_csv t = {0};
    if (!k)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    nn_real *x = NULL, *y = NULL;
    uint8_t *lab = NULL;
    /* a test split learns the classes from the training file first, as before its own rows */
    int rc = d->target == NN_TARGET_ONEHOT && !d->class_names.n && test
                 ? learn_classes_from_training_file(cfg, k, err)
                 : NN_OK;
    if (d->class_names.n)
        *k = d->class_names;
    if (!rc)
        rc = nn_csv_read(path, d->delimiter[0], d->header, &t, err);
    int *tcol = NULL, *fcol = NULL, nt = 0, nf = 0;
    if (!rc) {
        tcol = malloc((size_t)t.cols * sizeof *tcol);
        fcol = malloc((size_t)t.cols * sizeof *fcol);
        rc = tcol && fcol ? columns(cfg, path, &t, tcol, &nt, fcol, &nf, err)
                          : nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    /* the training split teaches the classes from the table just read, not a second reading */
    if (!rc && d->target == NN_TARGET_ONEHOT && !d->class_names.n && !test)
        rc = learn_classes(cfg, &t, tcol[0], k, err);
    long in_size = 1;
    for (int c = 0; c < cfg->in_shape.ndim; c++)
        in_size *= cfg->in_shape.dims[c];
    if (!rc && nf != in_size)
        rc = nn_error_set(
            err, NN_ERR_FORMAT, "%s: %d feature columns (%s), model.input_shape holds %ld", path,
            nf, d->feature_columns.n ? "data.feature_columns" : "all but the target", in_size);
    const size_t n = rc ? 0 : (size_t)t.rows, per = (size_t)nf, ny = (size_t)nt;
    if (!rc) {
        x = malloc((n * per > 0 ? n * per : 1) * sizeof *x);
        if (d->target == NN_TARGET_ONEHOT)
            lab = malloc(n ? n : 1);
        else
            y = malloc((n * ny > 0 ? n * ny : 1) * sizeof *y);
        if (!x || (!lab && !y))
            rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    for (size_t r = 0; !rc && r < n; r++) {
        const char *const *row = (const char *const *)t.field + r * (size_t)t.cols;
        if (lab) {
            const char *s = row[tcol[0]];
            int cls = class_of(k, s);
            if (cls < 0) {
                if (d->class_origin == NN_CLASSES_NUMBERED)
                    rc = nn_error_set(err, NN_ERR_FORMAT,
                                      "%s:%d: label '%.40s' is not a class number from 0 to %d",
                                      path, t.line[r], s, k->n - 1);
                else
                    rc = nn_error_set(
                        err, NN_ERR_FORMAT,
                        d->class_names.n && d->class_origin == NN_CLASSES_GIVEN
                            ? "%s:%d: label '%.40s' is not in data.class_names%.0s"
                            : "%s:%d: label '%.40s' does not appear in the training data (%s)",
                        path, t.line[r], s, d->train_file);
                break;
            }
            lab[r] = (uint8_t)cls;
        }
        for (size_t j = 0; !rc && j < per + (lab ? 0 : ny); j++) {
            const int c = j < per ? fcol[j] : tcol[j - per];
            double v;
            if (nn_number(row[c], &v)) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d: column %d%s%s%s: '%.40s' is not a finite number", path,
                                  t.line[r], c, t.header ? " ('" : "", t.header ? t.header[c] : "",
                                  t.header ? "')" : "", row[c]);
                break;
            }
            if (j < per)
                x[r * per + j] = (nn_real)v;
            else
                y[r * ny + j - per] = (nn_real)v;
        }
    }
    free(tcol);
    free(fcol);
    if (rc) {
        free(k);
        free(x);
        free(y);
        free(lab);
        nn_csv_free(&t);
        return rc;
    }
    nn_source_take(ds, path, n, per, x, lab, d->classes, k, y, ny);
    nn_csv_free(&t);
    return NN_OK;
}
