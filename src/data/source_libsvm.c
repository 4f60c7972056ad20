/* The libsvm data source: sparse "LABEL INDEX:VALUE ..." text read as dense rows. The width is
 * data.features, or the training file's largest index when that is 0; the labels are numbers
 * (target: y) or classes (target: labels), numbered in the order they first appear in the
 * training file, as libsvm itself numbers them, so the test file maps the same way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/libsvm.h"
#include "data/source.h"
#include "nnctl/schema.h"

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
static int learn(const struct nn_config *cfg, const char *path, const struct nn_libsvm *t,
                 struct labels *k, int *width, struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    *width = d->features ? d->features : t->max_index;
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
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s:%d: label %g is class %d, data.classes is %d", d->train_file,
                                t->line[r], t->label[r], k->n + 1, d->classes);
        k->value[k->n++] = t->label[r];
    }
    return NN_OK;
}

int nn_source_libsvm_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                          struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    const char *path = test ? d->test_file : d->train_file;
    if (!path[0])
        return NN_OK; /* no test split */
    struct labels k = {0};
    int width = 0;
    /* the training file, read once: for the training split it is the data itself; a test split
     * reads it only for what the config does not say (the width, the classes) */
    struct nn_libsvm t = {0};
    const int need_train =
        !test || !d->features || (d->target == NN_TARGET_ONEHOT && !d->class_names.n);
    int rc = need_train ? nn_libsvm_read(d->train_file, &t, err) : NN_OK;
    if (!rc)
        rc = learn(cfg, path, &t, &k, &width, err);
    if (test)
        nn_libsvm_free(&t);
    long in_size = 1;
    for (int c = 0; c < cfg->in_shape.ndim; c++)
        in_size *= cfg->in_shape.dims[c];
    if (!rc && width != in_size)
        rc = nn_error_set(
            err, NN_ERR_FORMAT, "%s: %d features (%s), model.input_shape holds %ld", d->train_file,
            width, d->features ? "data.features" : "the largest index; set data.features", in_size);
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
                        path, t.line[r], t.label[r], d->train_file);
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
                                  d->features ? "data.features" : "the training file's largest");
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
    if (lab && (nm = calloc(1, sizeof *nm))) {
        for (int c = 0; c < k.n; c++)
            nn_format_double(k.value[c], nm->name[c], sizeof nm->name[c]);
        nm->n = k.n;
    }
    nn_source_take(ds, path, n, per, x, lab, d->classes, nm, y, 1);
    return NN_OK;
}
