/* conv2d: a 2-D convolution over images stored channels last, [height, width, channels], as
 * one GEMM per thread's rows on unfolded patches (im2col):
 *   forward   P (n·OH·OW, K·K·C) = the K×K×C patch under each output pixel (zeros in the
 *             padding);  Z = P · W with W (K·K·C, F);  Y = f(Z + b), [OH, OW, F] per sample
 *   backward  dZ = dY ⊙ f'(·);  dW = Pᵀ · dZ;  db = Σ_pixels dZ;  dP = dZ · Wᵀ, folded back
 *             (col2im: each patch value added to the input pixel it came from) into dX.
 * The patches of the whole batch stay in l->scratch between forward and the weight gradient; dP
 * goes to the second half of it. Channels last make each pixel's C values one contiguous run in
 * the patch copy, the output rows of every pixel of every sample one GEMM, and the bias and
 * activation the dense layer's code over rows of F. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layers/window.h"
#include "nnctl/act.h"
#include "nnctl/backend.h"
#include "nnctl/layer.h"

static const char *const types[] = {"conv2d", NULL};

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_conv2d_spec). */
struct nn_conv2d_spec {
    int filters;                          /* output channels */
    int kernel_size, stride, dilation;    /* the square kernel's side, its steps and tap spacing */
    int bias;                             /* with a bias per filter */
    enum nn_act act;                      /* applied to each output value */
    enum nn_init w_init, b_init;          /* how W and b are drawn */
    char padding[NN_WINDOW_PADDING_SIZE]; /* "valid", "same" or a number */
};

#define KEY(...)     NN_LAYER_KEY(struct nn_conv2d_spec, __VA_ARGS__)
#define KEY_STR(...) NN_LAYER_KEY_STR(struct nn_conv2d_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key keys[] = {
    KEY(INT, "filters", filters, .lo = 1, .hi = 65536,
        .doc = "output channels (required)"),
    KEY(INT, "kernel_size", kernel_size, .lo = 1, .hi = 1024,
        .doc = "the square kernel's side (required)"),
    KEY(INT, "stride", stride, .lo = 1, .hi = 1024, .def = "1",
        .doc = "steps between windows, both directions"),
    KEY_STR("padding", padding, .def = "valid", .check = nn_window_check_padding,
        .doc = "valid (none), same (output ⌈input/stride⌉, the extra row below and right, as "
               "Keras) or a number of zero rows and columns on every side"),
    KEY(INT, "dilation", dilation, .lo = 1, .hi = 1024, .def = "1",
        .doc = "spacing of the kernel's taps"),
    KEY(BOOL, "bias", bias, .def = "true",
        .doc = "add a bias per filter"),
    KEY(ENUM, "activation", act, .names = nn_act_names, .what = "activation", .def = "identity",
        .doc = "the function applied to each output value"),
    KEY(ENUM, "init", w_init, .names = nn_init_names, .what = "initializer",
        .def = "glorot_uniform",
        .doc = "how W is drawn, fan_in = K·K·C and fan_out = K·K·F (Keras's)"),
    KEY(ENUM, "bias_init", b_init, .names = nn_init_names, .what = "initializer", .def = "zeros",
        .doc = "how b is drawn"),
};
/* clang-format on */

static void defaults(struct nn_layer_spec *s, int variant)
{
    (void)variant;
    *NN_LAYER_SPEC_RW(s, struct nn_conv2d_spec) =
        (struct nn_conv2d_spec){.stride = 1,
                                .dilation = 1,
                                .bias = 1,
                                .act = NN_ACT_IDENTITY,
                                .w_init = NN_INIT_GLOROT_UNIFORM,
                                .b_init = NN_INIT_ZEROS,
                                .padding = "valid"};
}

static int window(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_window *w,
                  char *why, size_t len)
{
    const struct nn_conv2d_spec *c = NN_LAYER_SPEC(s, struct nn_conv2d_spec);
    return nn_window_plan(in, c->kernel_size, c->stride, c->dilation, c->padding, "kernel", w, why,
                          len);
}

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    struct nn_window w;
    const struct nn_conv2d_spec *c = NN_LAYER_SPEC(s, struct nn_conv2d_spec);
    if (c->filters < 1 || c->kernel_size < 1) { /* a required key failed, and said so */
        why[0] = 0;
        return -1;
    }
    if (window(s, in, &w, why, len))
        return -1;
    *out = (struct nn_shape){3, {w.OH, w.OW, c->filters}};
    return 0;
}

static int activation(const struct nn_layer_spec *s, enum nn_act *act)
{
    *act = NN_LAYER_SPEC(s, struct nn_conv2d_spec)->act;
    return 1;
}

/* Its output channels. */
static int filters(const struct nn_layer *l)
{
    return NN_LAYER_SPEC(&l->spec, struct nn_conv2d_spec)->filters;
}

static struct nn_window geometry(const struct nn_layer *l)
{
    struct nn_window w;
    char why[8];
    window(&l->spec, &l->in_shape, &w, why, sizeof why); /* infer accepted it */
    return w;
}

static int params(const struct nn_layer *l, struct nn_param_decl *d)
{
    const struct nn_conv2d_spec *c = NN_LAYER_SPEC(&l->spec, struct nn_conv2d_spec);
    const struct nn_window w = geometry(l);
    const int F = c->filters, KKC = w.K * w.K * w.C;
    d[0] = (struct nn_param_decl){"weight", {4, {w.K, w.K, w.C, F}}, c->w_init,
                                  KKC,      (double)w.K * w.K * F,   0};
    if (!c->bias)
        return 1;
    d[1] = (struct nn_param_decl){"bias", {1, {F}}, c->b_init, F, F, 0};
    return 2;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 1;
}

/* The patches of one sample: OH·OW rows of K·K·C values. */
static size_t patch_values(const struct nn_window *w)
{
    return (size_t)w->OH * (size_t)w->OW * (size_t)w->K * (size_t)w->K * (size_t)w->C;
}

static size_t scratch(const struct nn_layer *l)
{
    const struct nn_window w = geometry(l);
    return 2 * patch_values(&w); /* the patches, then their gradient */
}

/* im2col for n samples. With dilation 1 the K taps of a kernel row are K·C consecutive input
 * values: one run, clipped at the image's edges, the rest zeros. The runs are short (5 values
 * for a 5×5 kernel on one channel), so they are plain loops, not library calls. */
static void unfold(const struct nn_window *w, const nn_real *x, nn_real *col, int n)
{
    const size_t C = (size_t)w->C, img = (size_t)w->H * (size_t)w->W * C;
    const int K = w->K;
    nn_real *row = col;
    for (int s = 0; s < n; s++) {
        const nn_real *xs = x + (size_t)s * img;
        for (int oh = 0; oh < w->OH; oh++)
            for (int ow = 0; ow < w->OW; ow++)
                for (int kh = 0; kh < K; kh++) {
                    const int ih = oh * w->S - w->pt + kh * w->D, iw0 = ow * w->S - w->pl;
                    if (ih < 0 || ih >= w->H) {
                        for (size_t i = 0; i < (size_t)K * C; i++)
                            row[i] = 0;
                        row += (size_t)K * C;
                        continue;
                    }
                    const nn_real *src = xs + (size_t)ih * (size_t)w->W * C;
                    if (w->D == 1 && iw0 >= 0 && iw0 + K <= w->W) { /* inside: one run */
                        const nn_real *from = src + (size_t)iw0 * C;
                        for (size_t i = 0; i < (size_t)K * C; i++)
                            row[i] = from[i];
                        row += (size_t)K * C;
                        continue;
                    }
                    for (int kw = 0; kw < K; kw++, row += C) {
                        const int iw = iw0 + kw * w->D;
                        if (iw < 0 || iw >= w->W)
                            for (size_t c = 0; c < C; c++)
                                row[c] = 0;
                        else
                            for (size_t c = 0; c < C; c++)
                                row[c] = src[(size_t)iw * C + c];
                    }
                }
    }
}

/* col2im: dX (n samples) = the patch gradients added back to the pixels they came from. */
static void fold(const struct nn_window *w, const nn_real *dcol, nn_real *dx, int n)
{
    const size_t C = (size_t)w->C, img = (size_t)w->H * (size_t)w->W * C;
    const int K = w->K;
    memset(dx, 0, (size_t)n * img * sizeof *dx);
    const nn_real *row = dcol;
    for (int s = 0; s < n; s++) {
        nn_real *xs = dx + (size_t)s * img;
        for (int oh = 0; oh < w->OH; oh++)
            for (int ow = 0; ow < w->OW; ow++)
                for (int kh = 0; kh < K; kh++) {
                    const int ih = oh * w->S - w->pt + kh * w->D, iw0 = ow * w->S - w->pl;
                    if (ih < 0 || ih >= w->H) {
                        row += (size_t)K * C;
                        continue;
                    }
                    nn_real *dst = xs + (size_t)ih * (size_t)w->W * C;
                    if (w->D == 1 && iw0 >= 0 && iw0 + K <= w->W) {
                        nn_real *to = dst + (size_t)iw0 * C;
                        for (size_t i = 0; i < (size_t)K * C; i++)
                            to[i] += row[i];
                        row += (size_t)K * C;
                        continue;
                    }
                    for (int kw = 0; kw < K; kw++, row += C) {
                        const int iw = iw0 + kw * w->D;
                        if (iw >= 0 && iw < w->W)
                            for (size_t c = 0; c < C; c++)
                                dst[(size_t)iw * C + c] += row[c];
                    }
                }
    }
}

static void forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p)
{
    const struct nn_window w = geometry(l);
    const int F = filters(l), KKC = w.K * w.K * w.C, rows = n * w.OH * w.OW;
    nn_real *col = l->scratch + (size_t)p->r0 * patch_values(&w);
    unfold(&w, x, col, n);
    nn_gemm(be, NN_NO_TRANS, NN_NO_TRANS, rows, F, KKC, 1, col, KKC, l->w, F, 0, y, F, l->wt);
    if (l->b)
        nn_bias_act_forward(l->act, y, l->b, rows, F);
    else
        nn_act_forward(l->act, y, rows, F);
}

static void backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p)
{
    (void)x;
    const struct nn_window w = geometry(l);
    const int F = filters(l), KKC = w.K * w.K * w.C, rows = n * w.OH * w.OW;
    if (bias_grad)
        nn_act_backward_bias(l->act, y, dy, bias_grad, rows, F);
    else
        nn_act_backward(l->act, y, dy, rows, F);
    if (!dx)
        return;
    nn_real *dcol = l->scratch + ((size_t)l->max_rows + (size_t)p->r0) * patch_values(&w);
    nn_gemm(be, NN_NO_TRANS, NN_TRANS, rows, KKC, F, 1, dy, F, l->w, F, 0, dcol, KKC, l->wt);
    fold(&w, dcol, dx, n);
}

/* Rows [lo, hi) of W's first dimension (kernel rows kh) of Pᵀ · dZ over all B samples' pixels. */
static void param_grad(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                       int B, int lo, int hi, nn_real alpha, nn_real beta, nn_real *dst)
{
    (void)x;
    const struct nn_window w = geometry(l);
    const int F = filters(l), KKC = w.K * w.K * w.C, per = w.K * w.C;
    nn_gemm(be, NN_TRANS, NN_NO_TRANS, (hi - lo) * per, F, B * w.OH * w.OW, alpha,
            l->scratch + (size_t)lo * (size_t)per, KKC, l->dz, F, beta,
            dst + (size_t)lo * (size_t)per * (size_t)F, F, -1);
}

const struct nn_layer_ops nn_layer_conv2d = {
    .types = types,
    .doc = "2-D convolution over [height, width, channels] images (channels last): "
           "[OH, OW, filters] = f(patches · W + b), im2col and one GEMM",
    .keys = keys,
    .n_keys = (int)(sizeof keys / sizeof keys[0]),
    .defaults = defaults,
    .infer = infer,
    .activation = activation,
    .params = params,
    .has_output = has_output,
    .scratch = scratch,
    .forward = forward,
    .backward = backward,
    .param_grad = param_grad,
};
