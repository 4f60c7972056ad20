/* The npy data source: NumPy arrays (.npy, version 1.0, C order), one row per sample. Inputs of
 * any of the element types nn_npy_read takes; targets as rows (target: y), integer class labels
 * (target: labels), or the inputs themselves (target: input). Everything is checked before
 * training: the shapes against the model, the row counts against each other, every value
 * finite, every label an integer in range. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/source.h"
#include "nnctl/npy.h"

struct npy_spec {
    char *train_x, *train_y, *test_x, *test_y; /* NULL: none */
};

#define SPEC(d) NN_SOURCE_SPEC(const struct npy_spec, (d)->spec)
#define TEXT(p) ((p) ? (p) : "")

/* An array as rows: its row count and the values per row (a 1-D array is one value per row). */
static int read_rows(const char *path, float **v, size_t *rows, size_t *per, struct nn_error *err)
{
    size_t count;
    int ndim, dims[4];
    int rc = nn_npy_read(path, v, &count, &ndim, dims, err);
    if (rc)
        return rc;
    if (ndim < 1 || dims[0] < 1) {
        free(*v);
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'shape': no rows", path);
    }
    *rows = (size_t)dims[0];
    *per = count / *rows;
    for (size_t i = 0; i < count; i++)
        if (!isfinite((*v)[i])) {
            free(*v);
            return nn_error_set(err, NN_ERR_NUMERIC,
                                "%s: field 'data': row %zu, value %zu is not finite", path,
                                i / *per, i % *per);
        }
    return NN_OK;
}

static nn_real *to_real(const float *v, size_t n)
{
    nn_real *r = malloc((n ? n : 1) * sizeof *r);
    for (size_t i = 0; r && i < n; i++)
        r[i] = (nn_real)v[i];
    return r;
}

static int load(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                struct nn_dataset *ds, struct nn_error *err)
{
    const struct npy_spec *s = SPEC(d);
    const char *xp = TEXT(test ? s->test_x : s->train_x), *yp = TEXT(test ? s->test_y : s->train_y);
    if (!xp[0])
        return NN_OK; /* no test split */
    if (d->target != NN_TARGET_INPUT && !yp[0])
        return nn_error_set(err, NN_ERR_CONFIG, "%s: 'data.%s': target %s needs its %s", cfg->path,
                            test ? "test_y" : "train_y",
                            d->target == NN_TARGET_ONEHOT ? "labels" : "y",
                            test ? "test targets" : "training targets");
    float *x = NULL, *y = NULL;
    size_t n, per, yn = 0, yper = 0;
    int rc = read_rows(xp, &x, &n, &per, err);
    if (rc)
        return rc;
    long in_size = 1;
    for (int k = 0; k < cfg->in_shape.ndim; k++)
        in_size *= cfg->in_shape.dims[k];
    if ((long)per != in_size || n > (size_t)1 << 30) {
        free(x);
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'shape': rows of %zu values, model.input_shape holds %ld",
                            xp, per, in_size);
    }
    if (d->target != NN_TARGET_INPUT) {
        rc = read_rows(yp, &y, &yn, &yper, err);
        if (rc) {
            free(x);
            return rc;
        }
        if (yn != n) {
            rc = nn_error_set(err, NN_ERR_FORMAT, "%s: field 'shape': %zu rows for the %zu of %s",
                              yp, yn, n, xp);
        } else if (d->target == NN_TARGET_ONEHOT && yper != 1) {
            rc = nn_error_set(err, NN_ERR_FORMAT,
                              "%s: field 'shape': class labels need one value per row, found %zu",
                              yp, yper);
        }
        for (size_t i = 0; !rc && d->target == NN_TARGET_ONEHOT && i < n; i++)
            if (y[i] != floorf(y[i]) || y[i] < 0 || y[i] >= (float)d->classes)
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s: field 'data': row %zu: label %g is not an integer from 0 "
                                  "to %d (data.classes - 1)",
                                  yp, i, (double)y[i], d->classes - 1);
        if (rc) {
            free(x);
            free(y);
            return rc;
        }
    }
    snprintf(ds->name, sizeof ds->name, "%s", xp);
    ds->n = (int)n;
    ds->x_dim = (int)per;
    nn_real *xr = to_real(x, n * per);
    free(x);
    if (!xr) {
        free(y);
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", xp);
    }
    ds->xf = xr;
    ds->owned[0] = xr;
    ds->target = d->target;
    switch (d->target) {
    case NN_TARGET_INPUT:
        ds->y_dim = ds->x_dim;
        break;
    case NN_TARGET_ONEHOT: {
        uint8_t *lab = malloc(n);
        if (!lab) {
            free(y);
            return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", yp);
        }
        for (size_t i = 0; i < n; i++)
            lab[i] = (uint8_t)y[i];
        ds->labels = lab;
        ds->owned[1] = lab;
        ds->y_dim = d->classes;
        break;
    }
    case NN_TARGET_Y: {
        nn_real *yr = to_real(y, n * yper);
        if (!yr) {
            free(y);
            return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", yp);
        }
        ds->yf = yr;
        ds->owned[1] = yr;
        ds->y_dim = (int)yper;
        break;
    }
    }
    free(y);
    return NN_OK;
}

#define S struct npy_spec
/* clang-format off */
static const struct nn_key keys[] = {
    NN_SOURCE_KEY(PATH, "train_x", S, train_x, .size = NN_PATH_MAX,
        .doc = "a .npy of the training inputs, one row per sample (float32/64, uint8, int32/64; C "
               "order)"),
    NN_SOURCE_KEY(PATH, "train_y", S, train_y, .size = NN_PATH_MAX, .def = "",
        .doc = "a .npy of the targets (target: y) or integer class labels (target: labels)"),
    NN_SOURCE_KEY(PATH, "test_x", S, test_x, .size = NN_PATH_MAX, .def = "",
        .doc = "the test inputs; empty: no test split"),
    NN_SOURCE_KEY(PATH, "test_y", S, test_y, .size = NN_PATH_MAX, .def = "",
        .doc = "the test targets or labels"),
    NN_SOURCE_DATA_KEY(ENUM, "target", target,
        .names = nn_target_names, .what = "target", .def = "y",
        .doc = "y: train_y's rows are the targets; labels: one-hot classes from integer labels; "
               "input: reconstruct the input"),
    NN_SOURCE_DATA_KEY(INT, "classes", classes, .lo = 2, .hi = 256, .def = "10",
        .doc = "classes for target: labels (labels 0 to classes - 1)"),
};

/* As a split of its own (data.test, data.validation): the arrays of its test split. */
static const struct nn_key split_keys[] = {
    NN_SPLIT_KEY(PATH, "x", S, test_x, .size = NN_PATH_MAX,
        .doc = "a .npy of the inputs"),
    NN_SPLIT_KEY(PATH, "y", S, test_y, .size = NN_PATH_MAX, .def = "",
        .doc = "a .npy of the targets, or integer class labels (class indices)"),
};
/* clang-format on */

static const char *const test_keys[] = {"test_x", "test_y", NULL};

const struct nn_source_ops nn_source_npy = {
    .name = "npy",
    .doc = "NumPy arrays (.npy), one row per sample",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .split_keys = split_keys,
    .n_split_keys = sizeof split_keys / sizeof split_keys[0],
    .test_keys = test_keys,
    .load = load,
};
