/* The csv data source: a table (RFC 4180, optionally gzipped) whose targets are columns named
 * or numbered (the last by default) and whose features are columns named or numbered (every
 * other column by default). Targets are numbers (target: y, regression, one or several columns)
 * or class labels (target: labels, one column): integers or strings, mapped to classes in the
 * order they first appear in the training file (or as data.class_names lists them), so the test
 * file maps the same way. Every field is checked before training: numbers strictly parsed and
 * finite, labels seen in training, the width against the model. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "nnctl/source.h"
#include "nnctl/number.h"

struct csv_spec {
    char *train_file, *test_file; /* NULL: none */
    int header;
    char delimiter[4];
    struct nn_names target_column;   /* names or 0-based indices; empty: the last column */
    struct nn_names feature_columns; /* empty: every column that is not a target */
};

#define SPEC(d) NN_SOURCE_SPEC(const struct csv_spec, (d)->spec)
#define TEXT(p) ((p) ? (p) : "")

/* The column lists a table is read with: its own, or for a split of its own that names none, the
 * training table's (when that is csv too). */
static const struct csv_spec *columns_of(const struct nn_config *cfg, const struct nn_data_spec *d,
                                         struct csv_spec *tmp)
{
    const struct csv_spec *s = SPEC(d);
    if (d == &cfg->data || nn_data_source(&cfg->data) != &nn_source_csv)
        return s;
    *tmp = *s;
    if (!s->target_column.n)
        tmp->target_column = SPEC(&cfg->data)->target_column;
    if (!s->feature_columns.n)
        tmp->feature_columns = SPEC(&cfg->data)->feature_columns;
    return tmp;
}

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
static int columns(const struct csv_spec *d, const char *path, const struct nn_csv *t, int *tcol,
                   int *nt, int *fcol, int *nf, struct nn_error *err)
{
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

/* The classes a training table teaches: its labels in column `col`, in order of first
 * appearance. */
static int learn_classes(const struct nn_data_spec *d, const struct nn_csv *t, int col,
                         struct nn_names *k, struct nn_error *err)
{
    const char *train_file = TEXT(SPEC(d)->train_file);
    k->n = 0;
    for (int r = 0; r < t->rows; r++) {
        const char *s = t->field[(size_t)r * (size_t)t->cols + (size_t)col];
        if (nn_names_find(k, s) >= 0)
            continue;
        if (k->n == d->classes)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s:%d: label '%.40s' is class %d, data.classes is %d", train_file,
                                t->line[r], s, k->n + 1, d->classes);
        if (!s[0] || strlen(s) >= NN_CLASS_NAME_MAX)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s:%d: label '%.40s': a label has 1 to %d characters", train_file,
                                t->line[r], s, NN_CLASS_NAME_MAX - 1);
        snprintf(k->name[k->n++], NN_CLASS_NAME_MAX, "%s", s);
    }
    return NN_OK;
}

/* The same, for a test split: the training file read for its labels alone. */
static int learn_classes_from_training_file(const struct nn_data_spec *d, struct nn_names *k,
                                            struct nn_error *err)
{
    const struct csv_spec *s = SPEC(d);
    struct nn_csv t;
    int rc = nn_csv_read(TEXT(s->train_file), s->delimiter[0], s->header, &t, err);
    if (rc)
        return rc;
    int *tc = malloc((size_t)t.cols * sizeof *tc), *fc = malloc((size_t)t.cols * sizeof *fc);
    int nt = 0, nf = 0;
    rc = tc && fc ? columns(s, TEXT(s->train_file), &t, tc, &nt, fc, &nf, err)
                  : nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = learn_classes(d, &t, tc[0], k, err);
    free(tc);
    free(fc);
    nn_csv_free(&t);
    return rc;
}

static int load(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                struct nn_dataset *ds, struct nn_error *err)
{
    struct csv_spec tmp;
    const struct csv_spec *s = columns_of(cfg, d, &tmp);
    const char *path = TEXT(test ? s->test_file : s->train_file);
    if (!path[0])
        return NN_OK; /* no test split */
    struct nn_names *k =
        nn_names_new(d->classes > d->class_names.n ? d->classes : d->class_names.n);
    struct nn_csv t = {0};
    if (!k)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    nn_real *x = NULL, *y = NULL;
    uint8_t *lab = NULL;
    /* a test split learns the classes from the training file first, as before its own rows */
    int rc = d->target == NN_TARGET_ONEHOT && !d->class_names.n && test
                 ? learn_classes_from_training_file(d, k, err)
                 : NN_OK;
    if (d->class_names.n)
        nn_names_copy(k, &d->class_names);
    if (!rc)
        rc = nn_csv_read(path, s->delimiter[0], s->header, &t, err);
    int *tcol = NULL, *fcol = NULL, nt = 0, nf = 0;
    if (!rc) {
        tcol = malloc((size_t)t.cols * sizeof *tcol);
        fcol = malloc((size_t)t.cols * sizeof *fcol);
        rc = tcol && fcol ? columns(s, path, &t, tcol, &nt, fcol, &nf, err)
                          : nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    /* the training split teaches the classes from the table just read, not a second reading */
    if (!rc && d->target == NN_TARGET_ONEHOT && !d->class_names.n && !test)
        rc = learn_classes(d, &t, tcol[0], k, err);
    long in_size = 1;
    for (int c = 0; c < cfg->in_shape.ndim; c++)
        in_size *= cfg->in_shape.dims[c];
    if (!rc && nf != in_size)
        rc = nn_error_set(
            err, NN_ERR_FORMAT, "%s: %d feature columns (%s), model.input_shape holds %ld", path,
            nf, s->feature_columns.n ? "data.feature_columns" : "all but the target", in_size);
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
            const char *label = row[tcol[0]];
            int cls = nn_names_find(k, row[tcol[0]]);
            if (cls < 0) {
                if (d->class_origin == NN_CLASSES_NUMBERED)
                    rc = nn_error_set(err, NN_ERR_FORMAT,
                                      "%s:%d: label '%.40s' is not a class number from 0 to %d",
                                      path, t.line[r], label, k->n - 1);
                else
                    rc = nn_error_set(
                        err, NN_ERR_FORMAT,
                        d->class_names.n && d->class_origin == NN_CLASSES_GIVEN
                            ? "%s:%d: label '%.40s' is not in data.class_names%.0s"
                            : "%s:%d: label '%.40s' does not appear in the training data (%s)",
                        path, t.line[r], label,
                        d->classes_from ? d->classes_from : TEXT(s->train_file));
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

static void check(const struct nn_data_spec *d, long in_size, long out_size,
                  const struct nn_source_report *r)
{
    (void)in_size, (void)out_size;
    const struct csv_spec *s = SPEC(d);
    if (d->target == NN_TARGET_ONEHOT && s->target_column.n > 1)
        nn_source_report(r, "",
                         "'data.target_column': target: labels takes one column, %d are named",
                         s->target_column.n);
}

static int check_target(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    return nn_source_check_table_target("csv", *(const int *)field, why, len);
}

static int check_delimiter(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    const char *dl = field;
    if (strlen(dl) != 1 || dl[0] == '"' || dl[0] == '\n' || dl[0] == '\r') {
        snprintf(why, len, "expected one character (not a quote or a line break), found '%s'", dl);
        return -1;
    }
    return 0;
}

#define S struct csv_spec
/* clang-format off */
static const struct nn_key keys[] = {
    NN_SOURCE_KEY(PATH, "train_file", S, train_file, .size = NN_PATH_MAX,
        .doc = "the training file: a CSV table (RFC 4180), optionally .gz; one row per sample"),
    NN_SOURCE_KEY(PATH, "test_file", S, test_file, .size = NN_PATH_MAX, .def = "",
        .doc = "the test file, in the same format and columns; empty: no test split"),
    NN_SOURCE_KEY(BOOL, "header", S, header, .def = "true",
        .doc = "the first row names the columns"),
    NN_SOURCE_KEY(STRING, "delimiter", S, delimiter, .size = sizeof(((S *)0)->delimiter),
        .def = ",", .check = check_delimiter,
        .doc = "the field separator, one character"),
    NN_SOURCE_KEY(NAMES, "target_column", S, target_column, .def = "[]",
        .doc = "the target: a column name or 0-based index, or a list of them (several numbers to "
               "regress); empty: the last column"),
    NN_SOURCE_KEY(NAMES, "feature_columns", S, feature_columns, .def = "[]",
        .doc = "the inputs, names or 0-based indices, in this order; empty: every column that is "
               "not a target"),
    NN_SOURCE_DATA_KEY(ENUM, "target", target,
        .names = nn_target_names, .what = "target", .def = "y", .check = check_target,
        .doc = "y: the targets are numbers (regression); labels: class labels (integers or "
               "words), numbered as they first appear in the training file"),
    NN_SOURCE_DATA_KEY(INT, "classes", classes, .lo = 2, .hi = 256, .def = "10",
        .doc = "classes for target: labels (at most this many distinct labels)"),
    NN_SOURCE_DATA_KEY(NAMES, "class_names", class_names, .def = "[]",
        .doc = "the labels in class order (class i is the i-th name); empty: as they first appear "
               "in the training file. The checkpoint stores the names, eval and predict print "
               "them"),
};

/* As a split of its own (data.test, data.validation): its file and layout. */
static const struct nn_key split_keys[] = {
    NN_SPLIT_KEY(PATH, "file", S, test_file, .size = NN_PATH_MAX,
        .doc = "the file: a CSV table, optionally .gz"),
    NN_SPLIT_KEY(BOOL, "header", S, header, .def = "true",
        .doc = "the first row names the columns"),
    NN_SPLIT_KEY(STRING, "delimiter", S, delimiter, .size = sizeof(((S *)0)->delimiter),
        .def = ",", .check = check_delimiter,
        .doc = "the field separator, one character"),
    NN_SPLIT_KEY(NAMES, "target_column", S, target_column, .def = "[]",
        .doc = "the target columns; empty: the training data's (csv), else the last column"),
    NN_SPLIT_KEY(NAMES, "feature_columns", S, feature_columns, .def = "[]",
        .doc = "the input columns; empty: the training data's (csv), else all but the targets"),
};
/* clang-format on */

static const char *const test_keys[] = {"test_file", NULL};

const struct nn_source_ops nn_source_csv = {
    .name = "csv",
    .doc = "a CSV table (RFC 4180, optionally .gz): named or numbered target and feature columns",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .split_keys = split_keys,
    .n_split_keys = sizeof split_keys / sizeof split_keys[0],
    .learns_classes = 1,
    .test_keys = test_keys,
    .check = check,
    .load = load,
    .test_file_key = "test_file",
};
