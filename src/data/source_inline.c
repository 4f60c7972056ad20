/* The inline data source: `data.x` and `data.y` written in the config itself. */
#include <stdio.h>
#include <stdlib.h>

#include "nnctl/source.h"

struct inline_spec {
    double *x, *y; /* row-major n × x_dim inputs and n_y × y_dim targets */
    int n, x_dim, n_y, y_dim;
};

#define SPEC(d) NN_SOURCE_SPEC(const struct inline_spec, (d)->spec)

static int load(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                struct nn_dataset *ds, struct nn_error *err)
{
    if (test)
        return NN_OK; /* inline data has no test split */
    const struct inline_spec *s = SPEC(d);
    size_t nx = (size_t)s->n * (size_t)s->x_dim, ny = (size_t)s->n * (size_t)s->y_dim;
    nn_real *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for inline data");
    }
    for (size_t i = 0; i < nx; i++)
        x[i] = (nn_real)s->x[i];
    for (size_t i = 0; i < ny; i++)
        y[i] = (nn_real)s->y[i];
    snprintf(ds->name, sizeof ds->name, "%.1000s: data.x", cfg->path);
    ds->n = s->n;
    ds->x_dim = s->x_dim;
    ds->y_dim = s->y_dim;
    ds->xf = x;
    ds->yf = y;
    ds->owned[0] = x;
    ds->owned[1] = y;
    ds->target = NN_TARGET_Y;
    return NN_OK;
}

/* A broken matrix is reported once, where it was read, not again as a size. */
static void check(const struct nn_data_spec *d, long in_size, long out_size,
                  const struct nn_source_report *r)
{
    const struct inline_spec *s = SPEC(d);
    if (!s->x || !s->y)
        return;
    if (s->n_y != s->n) {
        nn_source_report(r, "y", "'data.y': %d target rows for %d input rows", s->n_y, s->n);
        return;
    }
    if (s->x_dim != in_size)
        nn_source_report(r, "x", "'data.x': rows have %d values but model.input_shape holds %ld",
                         s->x_dim, in_size);
    if (s->y_dim != out_size)
        nn_source_report(r, "y", "'data.y': rows have %d values but the model outputs %ld",
                         s->y_dim, out_size);
}

#define S     struct inline_spec
#define AT(f) offsetof(struct nn_data_spec, spec) + offsetof(S, f)
static const struct nn_key keys[] = {
    NN_SOURCE_KEY(MATRIX, "x", S, x, .rows_at = AT(n), .cols_at = AT(x_dim),
                  .hint = "inline data needs both x (inputs) and y (targets)",
                  .doc = "the inputs, one row per sample, as many values as model.input_shape "
                         "holds"),
    NN_SOURCE_KEY(MATRIX, "y", S, y, .rows_at = AT(n_y), .cols_at = AT(y_dim),
                  .hint = "inline data needs both x (inputs) and y (targets)",
                  .doc = "the targets, one row per sample, as many values as the model outputs"),
};

const struct nn_source_ops nn_source_inline = {
    .name = "inline",
    .doc = "samples written in the config itself (data.x, data.y)",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .check = check,
    .load = load,
};
