/* The inline data source: `data.x` and `data.y` written in the config itself. */
#include <stdio.h>
#include <stdlib.h>

#include "data/source.h"

int nn_source_inline_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                          struct nn_error *err)
{
    if (test)
        return NN_OK; /* inline data has no test split */
    const struct nn_data_spec *d = &cfg->data;
    size_t nx = (size_t)d->n * (size_t)d->x_dim, ny = (size_t)d->n * (size_t)d->y_dim;
    nn_real *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for inline data");
    }
    for (size_t i = 0; i < nx; i++)
        x[i] = (nn_real)d->x[i];
    for (size_t i = 0; i < ny; i++)
        y[i] = (nn_real)d->y[i];
    snprintf(ds->name, sizeof ds->name, "%.1000s: data.x", cfg->path);
    ds->n = d->n;
    ds->x_dim = d->x_dim;
    ds->y_dim = d->y_dim;
    ds->xf = x;
    ds->yf = y;
    ds->owned[0] = x;
    ds->owned[1] = y;
    ds->target = NN_TARGET_Y;
    return NN_OK;
}
