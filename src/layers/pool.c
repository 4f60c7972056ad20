/* maxpool2d and avgpool2d over [height, width, channels] images (channels last), and
 * global_avgpool: [H, W, C] → [C].
 *   max   y = the largest value of each channel in the window (padding never wins); backward
 *         sends dY to the first position holding it, found again from x and y (nothing stored)
 *   avg   y = the mean over the window's positions inside the image (padding is not counted,
 *         as Keras does; PyTorch's default counts it); backward spreads dY evenly over them */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layers/pool.h"
#include "layers/window.h"
#include "nnctl/layer.h"

enum { POOL_MAX, POOL_AVG };

static const char *const types[] = {"maxpool2d", "avgpool2d", NULL};

#define KEY(...)     NN_LAYER_KEY(struct nn_pool_spec, __VA_ARGS__)
#define KEY_STR(...) NN_LAYER_KEY_STR(struct nn_pool_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key keys[] = {
    KEY(INT, "pool_size", pool_size, .lo = 1, .hi = 1024, .def = "2",
        .doc = "the square window's side"),
    KEY(INT, "stride", stride, .lo = 0, .hi = 1024, .def = "0",
        .doc = "steps between windows; 0: pool_size (windows side by side)"),
    KEY_STR("padding", padding, .def = "valid", .check = nn_window_check_padding,
        .doc = "valid, same or a number of rows and columns on every side (never counted)"),
};
/* clang-format on */

static void defaults(struct nn_layer_spec *s, int variant)
{
    (void)variant;
    *NN_LAYER_SPEC_RW(s, struct nn_pool_spec) =
        (struct nn_pool_spec){.pool_size = 2, .stride = 0, .padding = "valid"};
}

static int window(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_window *w,
                  char *why, size_t len)
{
    const struct nn_pool_spec *p = NN_LAYER_SPEC(s, struct nn_pool_spec);
    const int K = p->pool_size, S = p->stride ? p->stride : p->pool_size;
    return nn_window_plan(in, K, S, 1, p->padding, "pool", w, why, len);
}

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    struct nn_window w;
    if (window(s, in, &w, why, len))
        return -1;
    if (2 * w.pt > w.K || 2 * w.pl > w.K) {
        snprintf(why, len,
                 "padding %d leaves windows of a pool of %d without a pixel; at most half the "
                 "pool size",
                 w.pt > w.pl ? w.pt : w.pl, w.K);
        return -1;
    }
    *out = (struct nn_shape){3, {w.OH, w.OW, w.C}};
    return 0;
}

static struct nn_window geometry(const struct nn_layer *l)
{
    struct nn_window w;
    char why[8];
    window(&l->spec, &l->in_shape, &w, why, sizeof why); /* infer accepted it */
    return w;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 1;
}

/* The window of output pixel (oh, ow), clipped to the image: rows [h0, h1), columns [w0, w1). */
static void span(const struct nn_window *w, int oh, int ow, int *h0, int *h1, int *w0, int *w1)
{
    *h0 = oh * w->S - w->pt;
    *w0 = ow * w->S - w->pl;
    *h1 = *h0 + w->K < w->H ? *h0 + w->K : w->H;
    *w1 = *w0 + w->K < w->W ? *w0 + w->K : w->W;
    *h0 = *h0 > 0 ? *h0 : 0;
    *w0 = *w0 > 0 ? *w0 : 0;
}

static void forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p)
{
    (void)be, (void)p;
    const struct nn_window w = geometry(l);
    const size_t C = (size_t)w.C, in = (size_t)l->in_size, out = (size_t)l->out_size;
    for (int s = 0; s < n; s++) {
        const nn_real *xs = x + (size_t)s * in;
        nn_real *ys = y + (size_t)s * out;
        for (int oh = 0; oh < w.OH; oh++)
            for (int ow = 0; ow < w.OW; ow++) {
                int h0, h1, w0, w1;
                span(&w, oh, ow, &h0, &h1, &w0, &w1);
                nn_real *yp = ys + ((size_t)oh * (size_t)w.OW + (size_t)ow) * C;
                const int count = (h1 - h0) * (w1 - w0);
                for (size_t c = 0; c < C; c++)
                    yp[c] = l->spec.variant == POOL_MAX ? -INFINITY : 0;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++) {
                        const nn_real *xp = xs + ((size_t)ih * (size_t)w.W + (size_t)iw) * C;
                        if (l->spec.variant == POOL_MAX)
                            for (size_t c = 0; c < C; c++)
                                yp[c] = xp[c] > yp[c] ? xp[c] : yp[c];
                        else
                            for (size_t c = 0; c < C; c++)
                                yp[c] += xp[c];
                    }
                if (l->spec.variant == POOL_AVG)
                    for (size_t c = 0; c < C; c++)
                        yp[c] /= (nn_real)count;
            }
    }
}

static void backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p)
{
    (void)be, (void)bias_grad, (void)p;
    if (!dx)
        return;
    const struct nn_window w = geometry(l);
    const size_t C = (size_t)w.C, in = (size_t)l->in_size, out = (size_t)l->out_size;
    memset(dx, 0, (size_t)n * in * sizeof *dx);
    for (int s = 0; s < n; s++) {
        const nn_real *xs = x + (size_t)s * in;
        nn_real *dxs = dx + (size_t)s * in;
        for (int oh = 0; oh < w.OH; oh++)
            for (int ow = 0; ow < w.OW; ow++) {
                int h0, h1, w0, w1;
                span(&w, oh, ow, &h0, &h1, &w0, &w1);
                const size_t o = (size_t)s * out + ((size_t)oh * (size_t)w.OW + (size_t)ow) * C;
                if (l->spec.variant == POOL_AVG) {
                    const nn_real k = (nn_real)1 / (nn_real)((h1 - h0) * (w1 - w0));
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) {
                            nn_real *d = dxs + ((size_t)ih * (size_t)w.W + (size_t)iw) * C;
                            for (size_t c = 0; c < C; c++)
                                d[c] += dy[o + c] * k;
                        }
                    continue;
                }
                for (size_t c = 0; c < C; c++) { /* the first position that holds the max */
                    int found = 0;
                    for (int ih = h0; ih < h1 && !found; ih++)
                        for (int iw = w0; iw < w1 && !found; iw++) {
                            const size_t i = ((size_t)ih * (size_t)w.W + (size_t)iw) * C + c;
                            if (xs[i] == y[o + c]) {
                                dxs[i] += dy[o + c];
                                found = 1;
                            }
                        }
                }
            }
    }
}

const struct nn_layer_ops nn_layer_pool2d = {
    .types = types,
    .doc = "maxpool2d / avgpool2d: the largest value or the mean of each channel in a window "
           "(padding never counted)",
    .keys = keys,
    .n_keys = (int)(sizeof keys / sizeof keys[0]),
    .defaults = defaults,
    .infer = infer,
    .has_output = has_output,
    .forward = forward,
    .backward = backward,
};

/* ---- global_avgpool ---- */

static const char *const gap_types[] = {"global_avgpool", NULL};

static int gap_infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                     char *why, size_t len)
{
    (void)s;
    if (nn_window_image(in, why, len))
        return -1;
    *out = (struct nn_shape){1, {in->ndim == 3 ? in->dims[2] : 1}};
    return 0;
}

static void gap_forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                        nn_real *y, int n, const struct nn_pass *p)
{
    (void)be, (void)p;
    const size_t C = (size_t)l->out_size, pix = (size_t)l->in_size / C;
    for (int s = 0; s < n; s++) {
        nn_real *ys = y + (size_t)s * C;
        memset(ys, 0, C * sizeof *ys);
        for (size_t q = 0; q < pix; q++)
            for (size_t c = 0; c < C; c++)
                ys[c] += x[((size_t)s * pix + q) * C + c];
        for (size_t c = 0; c < C; c++)
            ys[c] /= (nn_real)pix;
    }
}

static void gap_backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                         const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                         const struct nn_pass *p)
{
    (void)be, (void)x, (void)y, (void)bias_grad, (void)p;
    if (!dx)
        return;
    const size_t C = (size_t)l->out_size, pix = (size_t)l->in_size / C;
    const nn_real k = (nn_real)1 / (nn_real)pix;
    for (int s = 0; s < n; s++)
        for (size_t q = 0; q < pix; q++)
            for (size_t c = 0; c < C; c++)
                dx[((size_t)s * pix + q) * C + c] = dy[(size_t)s * C + c] * k;
}

const struct nn_layer_ops nn_layer_global_avgpool = {
    .types = gap_types,
    .doc = "the mean of each channel over the whole image: [H, W, C] → [C]",
    .infer = gap_infer,
    .has_output = has_output,
    .forward = gap_forward,
    .backward = gap_backward,
};
