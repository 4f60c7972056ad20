/* dense: Y = f(X·W + b), W stored (in, out) row-major, so no GEMM needs a copy:
 *   forward   Z (B,O) = X (B,I) · W (I,O);  Y = f(Z + b)
 *   backward  dZ = dY ⊙ f'(·);  dW (I,O) = Xᵀ · dZ;  db = Σ_rows dZ;  dX (B,I) = dZ · Wᵀ */
#include <stddef.h>
#include <stdio.h>

#include "layers/dense.h"
#include "nnctl/act.h"
#include "nnctl/backend.h"
#include "nnctl/layer.h"

static const char *const types[] = {"dense", NULL};

#define KEY(...) NN_LAYER_KEY(struct nn_dense_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key keys[] = {
    KEY(INT, "units", units, .lo = 1, .hi = 1 << 20,
        .doc = "outputs per sample (required)"),
    KEY(ENUM, "activation", act, .names = nn_act_names, .what = "activation", .def = "identity",
        .doc = "the function applied to X·W + b"),
    KEY(ENUM, "init", w_init, .names = nn_init_names, .what = "initializer",
        .def = "glorot_uniform",
        .doc = "how W is drawn (Keras's names; the normal ones are truncated at 2 std)"),
    KEY(ENUM, "bias_init", b_init, .names = nn_init_names, .what = "initializer", .def = "zeros",
        .doc = "how b is drawn"),
};
/* clang-format on */

static void defaults(struct nn_layer_spec *s, int variant)
{
    (void)variant;
    *NN_LAYER_SPEC_RW(s, struct nn_dense_spec) = (struct nn_dense_spec){
        .act = NN_ACT_IDENTITY, .w_init = NN_INIT_GLOROT_UNIFORM, .b_init = NN_INIT_ZEROS};
}

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    if (in->ndim != 1) {
        char sh[64];
        snprintf(why, len,
                 "dense layer '%s' needs a flat input but receives shape %s; add a flatten "
                 "layer before it",
                 s->name, nn_shape_format(in, sh, sizeof sh));
        return -1;
    }
    const int units = NN_LAYER_SPEC(s, struct nn_dense_spec)->units;
    if (units < 1) { /* units failed to parse, and said so */
        why[0] = 0;
        return -1;
    }
    out->ndim = 1;
    out->dims[0] = units;
    return 0;
}

static int activation(const struct nn_layer_spec *s, enum nn_act *act)
{
    *act = NN_LAYER_SPEC(s, struct nn_dense_spec)->act;
    return 1;
}

static int params(const struct nn_layer *l, struct nn_param_decl *d)
{
    const struct nn_dense_spec *s = NN_LAYER_SPEC(&l->spec, struct nn_dense_spec);
    d[0] = (struct nn_param_decl){
        "weight", {2, {l->in_size, l->out_size}}, s->w_init, l->in_size, l->out_size, 0};
    /* A bias vector has no fans of its own; like Keras, use its length for both. */
    d[1] =
        (struct nn_param_decl){"bias", {1, {l->out_size}}, s->b_init, l->out_size, l->out_size, 0};
    return 2;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 1;
}

static void forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p)
{
    /* these input rows are Xᵀ's columns in this step's weight gradient (outside training: they
     * changed, and what a backend made of them is void) */
    nn_rows_ready(be, NN_TRANS, x - (size_t)p->r0 * (size_t)l->in_size, l->in_size, p->r0, n, p->B,
                  l->in_size, p->training ? p->step : 0);
    nn_gemm(be, NN_NO_TRANS, NN_NO_TRANS, n, l->out_size, l->in_size, 1, x, l->in_size, l->w,
            l->out_size, 0, y, l->out_size, l->wt);
    nn_bias_act_forward(l->act, y, l->b, n, l->out_size);
}

static void backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p)
{
    (void)x;
    const int ni = l->in_size, no = l->out_size;
    /* dZ = dY ⊙ f'(·) in place, and the rows' Σ dZ, in one pass */
    nn_act_backward_bias(l->act, y, dy, bias_grad, n, no);
    /* these dZ rows are B's in this step's weight gradient */
    nn_rows_ready(be, NN_NO_TRANS, dy - (size_t)p->r0 * (size_t)no, no, p->r0, n, p->B, no,
                  p->training ? p->step : 0);
    /* dX (n,I) = dZ (n,O) · Wᵀ (O,I) */
    if (dx)
        nn_gemm(be, NN_NO_TRANS, NN_TRANS, n, ni, no, 1, dy, no, l->w, no, 0, dx, ni, l->wt);
}

static void param_grad(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                       int B, int lo, int hi, nn_real alpha, nn_real beta, nn_real *dst)
{
    /* rows [lo, hi) of W (I,O): X[:, lo:hi]ᵀ · dZ, a contiguous block of W */
    const int ni = l->in_size, no = l->out_size;
    nn_gemm(be, NN_TRANS, NN_NO_TRANS, hi - lo, no, B, alpha, x + lo, ni, l->dz, no, beta,
            dst + (size_t)lo * (size_t)no, no, -1);
}

const struct nn_layer_ops nn_layer_dense = {
    .types = types,
    .doc = "fully connected: Y = f(X·W + b) on a flat input",
    .keys = keys,
    .n_keys = (int)(sizeof keys / sizeof keys[0]),
    .defaults = defaults,
    .infer = infer,
    .activation = activation,
    .params = params,
    .has_output = has_output,
    .forward = forward,
    .backward = backward,
    .param_grad = param_grad,
};
