/* batchnorm: normalisation over the last dimension (the channels of a [H, W, C] image, the
 * features of a flat input), C values γ and β trained, running mean and variance kept.
 *   training  μ, σ² = the mean and (biased) variance of each channel over the batch's rows and
 *             pixels, N values; x̂ = (x − μ)/√(σ² + ε); y = γ·x̂ + β;
 *             running ← momentum·running + (1 − momentum)·batch (the variance unbiased, N/(N−1),
 *             as PyTorch; momentum 0.9 here is PyTorch's 0.1)
 *   backward  dβ = Σ dy;  dγ = Σ dy·x̂;  dx = γ/(N·√(σ² + ε))·(N·dy − dβ − x̂·dγ)
 *   inference y = γ·(x − running mean)/√(running var + ε) + β
 * The batch's sums cross the threads of a step: each thread adds its rows in double into its own
 * slot of the workspace, all wait (nn_pass_sync), thread 0 adds the slots in thread order, all
 * wait again and read the result. The sums of the rows do not depend on how they are split but
 * for the order of additions (float rounding). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "nnctl/layer.h"
#include "nnctl/team.h"

static const char *const types[] = {"batchnorm", NULL};

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_batchnorm_spec). */
struct nn_batchnorm_spec {
    double momentum; /* of the running statistics */
    double epsilon;  /* added to the variance */
};

#define KEY(...) NN_LAYER_KEY(struct nn_batchnorm_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key keys[] = {
    KEY(REAL, "momentum", momentum, .lo = 0, .hi = 1, .open_hi = 1, .def = "0.9",
        .doc = "running ← momentum·running + (1 − momentum)·batch (PyTorch's momentum 0.1)"),
    KEY(REAL, "epsilon", epsilon, .lo = 0, .open_lo = 1, .hi = 1, .def = "1e-05",
        .doc = "added to the variance"),
};
/* clang-format on */

static void defaults(struct nn_layer_spec *s, int variant)
{
    (void)variant;
    *NN_LAYER_SPEC_RW(s, struct nn_batchnorm_spec) =
        (struct nn_batchnorm_spec){.momentum = 0.9, .epsilon = 1e-5};
}

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    (void)s, (void)why, (void)len;
    *out = *in;
    return 0;
}

static int channels(const struct nn_layer *l)
{
    return l->in_shape.dims[l->in_shape.ndim - 1];
}

static int params(const struct nn_layer *l, struct nn_param_decl *d)
{
    const int C = channels(l);
    d[0] = (struct nn_param_decl){"gamma", {1, {C}}, NN_INIT_ONES, C, C, 0};
    d[1] = (struct nn_param_decl){"beta", {1, {C}}, NN_INIT_ZEROS, C, C, 0};
    d[2] = (struct nn_param_decl){"running_mean", {1, {C}}, NN_INIT_ZEROS, C, C, 1};
    d[3] = (struct nn_param_decl){"running_var", {1, {C}}, NN_INIT_ONES, C, C, 1};
    return 4;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 1;
}

/* The workspace: μ and 1/√(σ² + ε) of the batch (2C), the two combined backward sums (2C), then
 * per thread its two partial sums (NN_TEAM_MAX × 2C). */
static size_t workspace(const struct nn_layer *l)
{
    return (size_t)channels(l) * (4 + 2 * (size_t)NN_TEAM_MAX);
}

/* The running statistics: tensors 2 (mean) and 3 (variance), frozen. */
static nn_real *running(const struct nn_layer *l, int k)
{
    return l->frozen[k];
}

/* The channels of the block of 64 that starts at c0. */
static size_t block(size_t C, size_t c0)
{
    size_t n = 64;
    if (C - c0 < n)
        n = C - c0;
    return n;
}

/* Adds the thread's partial sums (2C doubles each, in its slot) in thread order into out. */
static void combine(const struct nn_layer *l, const struct nn_pass *p, double *out)
{
    const size_t C = (size_t)channels(l);
    const double *slots = l->work + 4 * C;
    memset(out, 0, 2 * C * sizeof *out);
    for (int q = 0; q < p->T; q++)
        for (size_t c = 0; c < 2 * C; c++)
            out[c] += slots[(size_t)q * 2 * C + c];
}

static void forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p)
{
    (void)be;
    const size_t C = (size_t)channels(l), rows = (size_t)n * ((size_t)l->in_size / C);
    const nn_real *gamma = l->w, *beta = l->b;
    const struct nn_batchnorm_spec *bn = NN_LAYER_SPEC(&l->spec, struct nn_batchnorm_spec);
    const double eps = bn->epsilon;
    /* y = (x − μ)·scale + β per channel, scale = γ/√(σ² + ε) in double, the pass in nn_real
     * (x − μ first: a channel whose values all equal μ gives exactly β); scale goes to the first
     * backward-sum slot of the workspace, unused in forward */
    double *scale = l->work + 2 * C;
    if (!p->training) {
        const nn_real *rm = running(l, 0), *rv = running(l, 1);
        nn_real sc[64]; /* on the stack: inference may run on several threads at once */
        for (size_t c0 = 0; c0 < C; c0 += 64) {
            const size_t cn = block(C, c0);
            for (size_t c = 0; c < cn; c++)
                sc[c] = (nn_real)(gamma[c0 + c] / sqrt((double)rv[c0 + c] + eps));
            for (size_t i = 0; i < rows; i++)
                for (size_t c = 0; c < cn; c++)
                    y[i * C + c0 + c] = (x[i * C + c0 + c] - rm[c0 + c]) * sc[c] + beta[c0 + c];
        }
        return;
    }
    double *mean = l->work, *istd = l->work + C, *slot = l->work + 4 * C + (size_t)p->t * 2 * C;
    memset(slot, 0, 2 * C * sizeof *slot);
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c < C; c++) {
            const double v = x[i * C + c];
            slot[c] += v;
            slot[C + c] += v * v;
        }
    nn_pass_sync(p);
    if (p->t == 0) {
        double *sum = scale; /* 2C: the combined sums, then scale and shift in their place */
        combine(l, p, sum);
        const double N = (double)p->B * (double)((size_t)l->in_size / C), mo = bn->momentum;
        nn_real *rm = running(l, 0), *rv = running(l, 1);
        for (size_t c = 0; c < C; c++) {
            const double mu = sum[c] / N, var = fmax(sum[C + c] / N - mu * mu, 0);
            mean[c] = mu;
            istd[c] = 1 / sqrt(var + eps);
            rm[c] = (nn_real)(mo * rm[c] + (1 - mo) * mu);
            rv[c] = (nn_real)(mo * rv[c] + (1 - mo) * (N > 1 ? var * N / (N - 1) : var));
        }
        for (size_t c = 0; c < C; c++)
            scale[c] = gamma[c] * istd[c];
    }
    nn_pass_sync(p);
    nn_real mu[64], sc[64];
    for (size_t c0 = 0; c0 < C; c0 += 64) {
        const size_t cn = block(C, c0);
        for (size_t c = 0; c < cn; c++) {
            mu[c] = (nn_real)mean[c0 + c];
            sc[c] = (nn_real)scale[c0 + c];
        }
        for (size_t i = 0; i < rows; i++)
            for (size_t c = 0; c < cn; c++)
                y[i * C + c0 + c] = (x[i * C + c0 + c] - mu[c]) * sc[c] + beta[c0 + c];
    }
}

static void backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p)
{
    (void)be, (void)y;
    const size_t C = (size_t)channels(l), rows = (size_t)n * ((size_t)l->in_size / C);
    const double *mean = l->work, *istd = l->work + C;
    double *slot = l->work + 4 * C + (size_t)p->t * 2 * C, *g = l->work + 2 * C;
    memset(slot, 0, 2 * C * sizeof *slot);
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c < C; c++) {
            const double d = dy[i * C + c];
            slot[c] += d;
            slot[C + c] += d * (x[i * C + c] - mean[c]) * istd[c];
        }
    for (size_t c = 0; c < C; c++) /* this thread's rows of dβ */
        bias_grad[c] = (nn_real)slot[c];
    /* the batch's dβ and dγ: dx needs them, param_grad takes dγ from here */
    nn_pass_sync(p);
    if (p->t == 0)
        combine(l, p, g);
    nn_pass_sync(p);
    if (!dx)
        return;
    /* dx = γ·istd·dy − γ·istd/N·(dβ + x̂·dγ) = k1·dy + k2·(x − μ) + k3 per channel, with x̂ =
     * (x − μ)·istd: k1 = γ·istd, k2 = −γ·istd²·dγ/N, k3 = −γ·istd·dβ/N. The constants are each
     * thread's own (on the stack, 64 channels at a time). */
    const double N = (double)p->B * (double)((size_t)l->in_size / C);
    const nn_real *gamma = l->w;
    nn_real k1[64], k2[64], k3[64], mu[64];
    for (size_t c0 = 0; c0 < C; c0 += 64) {
        const size_t cn = block(C, c0);
        for (size_t c = 0; c < cn; c++) {
            const size_t k = c0 + c;
            const double a = gamma[k] * istd[k];
            k1[c] = (nn_real)a;
            k2[c] = (nn_real)(-a * istd[k] * g[C + k] / N);
            k3[c] = (nn_real)(-a * g[k] / N);
            mu[c] = (nn_real)mean[k];
        }
        for (size_t i = 0; i < rows; i++)
            for (size_t c = 0; c < cn; c++) {
                const size_t e = i * C + c0 + c;
                dx[e] = k1[c] * dy[e] + k2[c] * (x[e] - mu[c]) + k3[c];
            }
    }
}

/* dγ for channels [lo, hi): Σ dy·x̂ over the batch, which backward has already added up (every
 * thread's rows of this layer are done before any chunk of its parameters starts). */
static void param_grad(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                       int B, int lo, int hi, nn_real alpha, nn_real beta, nn_real *dst)
{
    (void)be, (void)x, (void)B;
    const size_t C = (size_t)channels(l);
    const double *dgamma = l->work + 3 * C;
    for (int c = lo; c < hi; c++)
        dst[c] = alpha * (nn_real)dgamma[c] + beta * dst[c];
}

const struct nn_layer_ops nn_layer_batchnorm = {
    .types = types,
    .doc = "batch normalisation over the last dimension (channels, or features): batch "
           "statistics in training, running ones in predict, encode and eval",
    .keys = keys,
    .n_keys = (int)(sizeof keys / sizeof keys[0]),
    .defaults = defaults,
    .infer = infer,
    .params = params,
    .has_output = has_output,
    .workspace = workspace,
    .forward = forward,
    .backward = backward,
    .param_grad = param_grad,
    .batch_statistics = 1,
};
