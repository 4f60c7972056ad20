/* The picture of a convolution's filters (filters.h). The weight tensor is [K, K, C, F]: filter f
 * at (kh, kw, c) is w[((kh·K + kw)·C + c)·F + f]. */
#include "nnctl/filters.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/png.h"

int nn_filters_layer(const struct nn_model *m, const char *name, struct nn_error *err)
{
    char names[512] = "";
    for (int i = 0; i < m->n_layers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->wt < 0 || m->tensors[l->wt].shape.ndim != 4)
            continue; /* a convolution: its weights are [K, K, C, F] filters */
        if (!name || !strcmp(l->spec.name, name))
            return i;
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", l->spec.name);
    }
    if (!name)
        return nn_error_set(err, NN_ERR_USAGE, "the model has no conv2d layer"), -1;
    return nn_error_set(err, NN_ERR_USAGE, "no conv2d layer named '%s'%s%s", name,
                        names[0] ? "; the conv2d layers are: " : " (the model has none)", names),
           -1;
}

int nn_filters_png(const struct nn_model *m, int layer, int zoom, const char *path,
                   struct nn_error *err)
{
    const struct nn_layer *l = &m->layers[layer];
    const struct nn_tensor *t = &m->tensors[l->wt];
    const int K = t->shape.dims[0], C = t->shape.dims[2], F = t->shape.dims[3];
    const int colour = C == 3, cols = (int)ceil(sqrt((double)F)), rows = (F + cols - 1) / cols;
    const int gap = 2, tile = K * zoom, top = 2 * NN_FONT_H + 8;
    char title[160];
    snprintf(title, sizeof title, "%s: %d filters %dx%dx%d%s", l->spec.name, F, K, K, C,
             C == 1 || colour ? "" : " (mean over channels)");
    int w = gap + cols * (tile + gap), h = top + rows * (tile + gap);
    const int tw = nn_text_width(title, 1) + 2 * gap;
    w = w > tw ? w : tw;
    if (w > NN_PNG_MAX_DIM || h > NN_PNG_MAX_DIM)
        return nn_error_set(err, NN_ERR_USAGE, "%s: %d filters of %d×%d do not fit a picture", path,
                            F, K, K);
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    memset(rgb, 40, (size_t)w * (size_t)h * 3);
    static const uint8_t white[3] = {235, 235, 235};
    nn_draw_text(rgb, w, h, gap, 4, title, 1, white);
    const nn_real *wt = l->w;
    for (int f = 0; f < F; f++) {
        /* the tile's values: per pixel one (gray) or three (colour) numbers */
        double lo = INFINITY, hi = -INFINITY;
        for (int k = 0; k < K * K * C; k++) {
            double v = wt[(size_t)k * (size_t)F + (size_t)f];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        const double span = hi > lo ? hi - lo : 1;
        const int x0 = gap + (f % cols) * (tile + gap), y0 = top + (f / cols) * (tile + gap);
        for (int kh = 0; kh < K; kh++)
            for (int kw = 0; kw < K; kw++) {
                uint8_t px[3];
                for (int ch = 0; ch < 3; ch++) {
                    double v = 0;
                    if (colour) {
                        v = wt[((size_t)(kh * K + kw) * 3 + (size_t)ch) * (size_t)F + (size_t)f];
                    } else {
                        for (int c = 0; c < C; c++)
                            v += wt[((size_t)(kh * K + kw) * (size_t)C + (size_t)c) * (size_t)F +
                                    (size_t)f];
                        v /= C;
                    }
                    /* a colour filter keeps its channels' relation: one range for all three */
                    px[ch] = (uint8_t)lround(255.0 * (v - lo) / span);
                }
                for (int y = 0; y < zoom; y++)
                    for (int x = 0; x < zoom; x++)
                        memcpy(rgb + (((size_t)(y0 + kh * zoom + y)) * (size_t)w +
                                      (size_t)(x0 + kw * zoom + x)) *
                                         3,
                               px, 3);
            }
    }
    int rc = nn_png_write_rgb(path, w, h, rgb, err);
    free(rgb);
    return rc;
}
