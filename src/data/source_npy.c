/* The npy data source: NumPy arrays (.npy, version 1.0, C order), one row per sample. Inputs of
 * any of the element types nn_npy_read takes; targets as rows (target: y), integer class labels
 * (target: labels), or the inputs themselves (target: input). Everything is checked before
 * training: the shapes against the model, the row counts against each other, every value
 * finite, every label an integer in range. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/source.h"
#include "nnctl/npy.h"

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

int nn_source_npy_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                       struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    const char *xp = test ? d->test_x : d->train_x, *yp = test ? d->test_y : d->train_y;
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
