/* The libsvm data source: sparse "LABEL INDEX:VALUE ..." text read as dense rows. The width is
 * data.features, or the training file's largest index when that is 0; the labels are numbers
 * (target: y) or classes (target: labels), numbered in the order they first appear in the
 * training file, as libsvm itself numbers them, so the test file maps the same way. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/libsvm.h"
#include "nnctl/source.h"
#include "nnctl/number.h"

struct libsvm_spec {
    char *train_file, *test_file; /* NULL: none */
    int features;                 /* the width of a dense row; 0: the largest index */
};

#define SPEC(d) NN_SOURCE_SPEC(const struct libsvm_spec, (d)->spec)
#define TEXT(p) ((p) ? (p) : "")

struct labels {
    int n;
    double value[256];
};

static int label_class(const struct labels *k, double v)
{
    for (int i = 0; i < k->n; i++)
        if (k->value[i] == v)
            return i;
    return -1;
}

/* The classes and width the training file `t` teaches. */
static int learn(const struct nn_data_spec *d, int features, const char *path,
                 const struct nn_libsvm *t, struct labels *k, int *width, struct nn_error *err)
{
    *width = features ? features : t->max_index;
    for (int i = 0; i < d->class_names.n; i++) { /* given: the classes in this order */
        char *end;
        k->value[i] = strtod(d->class_names.name[i], &end);
        if (*end || !isfinite(k->value[i]))
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s: field 'class_names': '%s' is not a number (libsvm labels "
                                "are numbers)",
                                path, d->class_names.name[i]);
        k->n = i + 1;
    }
    for (int r = 0; d->target == NN_TARGET_ONEHOT && !d->class_names.n && r < t->rows; r++) {
        if (label_class(k, t->label[r]) >= 0)
            continue;
        if (k->n == d->classes)
            return nn_error_set(
                err, NN_ERR_FORMAT, "%s:%d: label %g is class %d, data.classes is %d",
                TEXT(SPEC(d)->train_file), t->line[r], t->label[r], k->n + 1, d->classes);
        k->value[k->n++] = t->label[r];
    }
    return NN_OK;
}

static int load(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                struct nn_dataset *ds, struct nn_error *err)
{
    const struct libsvm_spec *s = SPEC(d);
    const char *path = TEXT(test ? s->test_file : s->train_file);
    const char *train_file = TEXT(s->train_file);
    if (!path[0])
        return NN_OK; /* no test split */
    long in_size = 1;
    for (int c = 0; c < cfg->in_shape.ndim; c++)
        in_size *= cfg->in_shape.dims[c];
    /* a split of its own is as wide as the model's inputs */
    const int features = d == &cfg->data ? s->features : (int)in_size;
    struct labels k = {0};
    int width = 0;
    /* the training file, read once: for the training split it is the data itself; a test split
     * reads it only for what the config does not say (the width, the classes) */
    struct nn_libsvm t = {0};
    const int need_train =
        !test || !features || (d->target == NN_TARGET_ONEHOT && !d->class_names.n);
    int rc = need_train ? nn_libsvm_read(train_file, &t, err) : NN_OK;
    if (!rc)
        rc = learn(d, features, path, &t, &k, &width, err);
    if (test)
        nn_libsvm_free(&t);
    if (!rc && width != in_size)
        rc = nn_error_set(
            err, NN_ERR_FORMAT, "%s: %d features (%s), model.input_shape holds %ld", train_file,
            width, features ? "data.features" : "the largest index; set data.features", in_size);
    if (!rc && test)
        rc = nn_libsvm_read(path, &t, err);
    const size_t n = rc ? 0 : (size_t)t.rows, per = (size_t)width;
    nn_real *x = NULL, *y = NULL;
    uint8_t *lab = NULL;
    if (!rc) {
        x = calloc(n * per > 0 ? n * per : 1, sizeof *x);
        if (d->target == NN_TARGET_ONEHOT)
            lab = malloc(n);
        else
            y = malloc(n * sizeof *y);
        if (!x || (!lab && !y))
            rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    for (size_t r = 0; !rc && r < n; r++) {
        if (lab) {
            int c = label_class(&k, t.label[r]);
            if (c < 0) {
                if (d->class_origin == NN_CLASSES_NUMBERED)
                    rc = nn_error_set(err, NN_ERR_FORMAT,
                                      "%s:%d: label %g is not a class number from 0 to %d", path,
                                      t.line[r], t.label[r], k.n - 1);
                else
                    rc = nn_error_set(
                        err, NN_ERR_FORMAT,
                        d->class_names.n && d->class_origin == NN_CLASSES_GIVEN
                            ? "%s:%d: label %g is not in data.class_names%.0s"
                            : "%s:%d: label %g does not appear in the training data (%s)",
                        path, t.line[r], t.label[r],
                        d->classes_from ? d->classes_from : train_file);
                break;
            }
            lab[r] = (uint8_t)c;
        } else {
            y[r] = (nn_real)t.label[r];
        }
        for (size_t e = t.start[r]; e < t.start[r + 1]; e++) {
            if (t.idx[e] > width) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d: index %d is beyond the %d features (%s)", path, t.line[r],
                                  t.idx[e], width,
                                  features ? "data.features" : "the training file's largest");
                break;
            }
            x[r * per + (size_t)t.idx[e] - 1] = (nn_real)t.val[e];
        }
    }
    nn_libsvm_free(&t);
    if (rc) {
        free(x);
        free(y);
        free(lab);
        return rc;
    }
    struct nn_names *nm = NULL; /* the label values as names, for the checkpoint */
    if (lab && (nm = nn_names_new(k.n))) {
        for (int c = 0; c < k.n; c++)
            nn_format_double(k.value[c], nm->name[c], sizeof nm->name[c]);
        nm->n = k.n;
    }
    nn_source_take(ds, path, n, per, x, lab, d->classes, nm, y, 1);
    return NN_OK;
}

static int check_target(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    return nn_source_check_table_target("libsvm", *(const int *)field, why, len);
}

#define S struct libsvm_spec
/* clang-format off */
static const struct nn_key keys[] = {
    NN_SOURCE_KEY(PATH, "train_file", S, train_file, .size = NN_PATH_MAX,
        .doc = "the training file: libsvm's sparse text, optionally .gz; one row per sample"),
    NN_SOURCE_KEY(PATH, "test_file", S, test_file, .size = NN_PATH_MAX, .def = "",
        .doc = "the test file, in the same format; empty: no test split"),
    NN_SOURCE_KEY(INT, "features", S, features, .lo = 0, .hi = 100000000, .def = "0",
        .doc = "the width of a dense row; 0: the largest index in the training file"),
    NN_SOURCE_DATA_KEY(ENUM, "target", target,
        .names = nn_target_names, .what = "target", .def = "y", .check = check_target,
        .doc = "y: the targets are numbers (regression); labels: class labels, numbered as they "
               "first appear in the training file"),
    NN_SOURCE_DATA_KEY(INT, "classes", classes, .lo = 2, .hi = 256, .def = "10",
        .doc = "classes for target: labels (at most this many distinct labels)"),
    NN_SOURCE_DATA_KEY(NAMES, "class_names", class_names, .def = "[]",
        .doc = "the label values in class order, such as '-1' (class i is the i-th); empty: as "
               "they first appear in the training file. The checkpoint stores them"),
};

/* As a split of its own (data.test, data.validation): its file, as wide as the model's inputs. */
static const struct nn_key split_keys[] = {
    NN_SPLIT_KEY(PATH, "file", S, test_file, .size = NN_PATH_MAX,
        .doc = "the file: libsvm's sparse text, optionally .gz"),
};
/* clang-format on */

static const char *const test_keys[] = {"test_file", NULL};

const struct nn_source_ops nn_source_libsvm = {
    .name = "libsvm",
    .doc = "libsvm's sparse text (\"LABEL INDEX:VALUE ...\", optionally .gz) as dense rows",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .split_keys = split_keys,
    .n_split_keys = sizeof split_keys / sizeof split_keys[0],
    .learns_classes = 1,
    .test_keys = test_keys,
    .load = load,
    .test_file_key = "test_file",
};
