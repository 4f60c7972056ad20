#include "nnctl/normalize.h"

#include <math.h>
#include <stdlib.h>

int nn_normalize_fit(const struct nn_dataset *ds, enum nn_normalize kind, struct nn_numbers *offset,
                     struct nn_numbers *scale, struct nn_error *err)
{
    *offset = *scale = (struct nn_numbers){0};
    if (!ds->xf)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: data.normalize takes float features; this data is u8 pixels",
                            ds->name);
    const size_t n = (size_t)ds->n, w = (size_t)ds->x_dim;
    double *a = calloc(w ? w : 1, sizeof *a), *b = calloc(w ? w : 1, sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for %zu feature statistics", w);
    }
    for (size_t j = 0; j < w; j++) {
        const nn_real *x = ds->xf + j;
        if (kind == NN_NORMALIZE_STANDARD) {
            double mean = 0, var = 0;
            for (size_t i = 0; i < n; i++)
                mean += (double)x[i * w];
            mean = n ? mean / (double)n : 0;
            for (size_t i = 0; i < n; i++) {
                const double dlt = (double)x[i * w] - mean;
                var += dlt * dlt;
            }
            const double sd = n ? sqrt(var / (double)n) : 0;
            a[j] = mean;
            b[j] = sd > 0 ? 1 / sd : 1;
        } else {
            double lo = n ? (double)x[0] : 0, hi = lo;
            for (size_t i = 1; i < n; i++) {
                const double v = (double)x[i * w];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            a[j] = lo;
            b[j] = hi > lo ? 1 / (hi - lo) : 1;
        }
    }
    *offset = (struct nn_numbers){(int)w, a};
    *scale = (struct nn_numbers){(int)w, b};
    return NN_OK;
}

void nn_normalize_rows(nn_real *x, size_t rows, const struct nn_numbers *offset,
                       const struct nn_numbers *scale)
{
    const size_t w = (size_t)offset->n;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < w; j++)
            x[i * w + j] = (nn_real)(((double)x[i * w + j] - offset->v[j]) * scale->v[j]);
}

int nn_normalize_dataset(struct nn_dataset *ds, const struct nn_numbers *offset,
                         const struct nn_numbers *scale, struct nn_error *err)
{
    if (ds->n == 0 || offset->n == 0)
        return NN_OK;
    if (!ds->xf || ds->owned[0] != (const void *)ds->xf)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: data.normalize takes float features; this data is u8 pixels",
                            ds->name);
    if (ds->x_dim != offset->n || scale->n != offset->n)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: rows of %d values, the normalisation has %d features", ds->name,
                            ds->x_dim, offset->n);
    nn_normalize_rows(ds->owned[0], (size_t)ds->n, offset, scale);
    return NN_OK;
}
