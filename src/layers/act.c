/* Activation functions, forward and backward, over (rows, cols) batches, and the activation
 * layer kind (identity, relu, tanh, sigmoid, softmax as layers of their own).
 *
 * Each backward pass is written through the forward output y, which the graph keeps anyway:
 *   relu:    y = max(x, 0)         dy/dx = [y > 0]
 *   tanh:    y = tanh(x)           dy/dx = 1 − y²
 *   sigmoid: y = 1 / (1 + e^−x)    dy/dx = y (1 − y)
 *   softmax: y_j = e^x_j / Σ e^x_k dL/dx_j = y_j (dL/dy_j − Σ_k dL/dy_k y_k)
 *
 * The fused forms do a dense layer's bias and activation in one pass over its output, and its
 * activation derivative and bias gradient in one pass over the output gradient: each pass over a
 * (128, 784) float block costs about as much as the arithmetic in it. Element-wise loops call the
 * branch-free functions of vmath.h so that the compiler vectorises them (float32 builds); the
 * double build uses libm. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <stdio.h>

#include "nnctl/act.h"
#include "nnctl/layer.h"
#include "core/vmath.h"

#ifdef NN_DOUBLE
#define EXP(x)  exp(x)
#define TANH(x) tanh(x)
static inline double sigmoid(double x)
{
    double e = exp(-fabs(x)), s = 1 / (1 + e);
    return x >= 0 ? s : e * s;
}
#define SIGMOID(x) sigmoid(x)
#else
#define EXP(x)     nn_vexpf(x)
#define TANH(x)    nn_vtanhf(x)
#define SIGMOID(x) nn_vsigmoidf(x)
#endif

#define RELU(x) ((x) > 0 ? (x) : 0)

static void softmax_rows(nn_real *y, int rows, int cols)
{
    /* Subtracting the row maximum keeps every exponent ≤ 0. */
    for (int r = 0; r < rows; r++) {
        nn_real *row = y + (size_t)r * (size_t)cols;
        nn_real mx = row[0], sum = 0;
        for (int j = 1; j < cols; j++)
            mx = row[j] > mx ? row[j] : mx;
        for (int j = 0; j < cols; j++) {
            row[j] = EXP(row[j] - mx);
            sum += row[j];
        }
        nn_real inv = 1 / sum;
        for (int j = 0; j < cols; j++)
            row[j] *= inv;
    }
}

/* One loop per function, so that each inner loop is a straight vectorisable body. */
#define MAP_ROWS(F)                                                                                \
    for (int r = 0; r < rows; r++) {                                                               \
        nn_real *restrict row = y + (size_t)r * (size_t)cols;                                      \
        for (int j = 0; j < cols; j++)                                                             \
            row[j] = F(row[j] + b[j]);                                                             \
    }

void nn_bias_act_forward(enum nn_act act, nn_real *y, const nn_real *b, int rows, int cols)
{
    switch (act) {
    case NN_ACT_RELU:
        MAP_ROWS(RELU);
        break;
    case NN_ACT_TANH:
        MAP_ROWS(TANH);
        break;
    case NN_ACT_SIGMOID:
        MAP_ROWS(SIGMOID);
        break;
    case NN_ACT_SOFTMAX:
        MAP_ROWS(+);
        softmax_rows(y, rows, cols);
        break;
    case NN_ACT_IDENTITY:
        MAP_ROWS(+);
        break;
    }
}

#define MAP_ALL(F)                                                                                 \
    for (size_t i = 0; i < n; i++)                                                                 \
        y[i] = F(y[i]);

void nn_act_forward(enum nn_act act, nn_real *y, int rows, int cols)
{
    size_t n = (size_t)rows * (size_t)cols;
    switch (act) {
    case NN_ACT_RELU:
        MAP_ALL(RELU);
        break;
    case NN_ACT_TANH:
        MAP_ALL(TANH);
        break;
    case NN_ACT_SIGMOID:
        MAP_ALL(SIGMOID);
        break;
    case NN_ACT_SOFTMAX:
        softmax_rows(y, rows, cols);
        break;
    case NN_ACT_IDENTITY:
        break;
    }
}

static void softmax_backward(const nn_real *y, nn_real *dy, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        const nn_real *yr = y + (size_t)r * (size_t)cols;
        nn_real *dr = dy + (size_t)r * (size_t)cols;
        nn_real dot = 0;
        for (int j = 0; j < cols; j++)
            dot += dr[j] * yr[j];
        for (int j = 0; j < cols; j++)
            dr[j] = yr[j] * (dr[j] - dot);
    }
}

#define DRELU(yv, d)    ((yv) > 0 ? (d) : 0)
#define DTANH(yv, d)    ((d) * (1 - (yv) * (yv)))
#define DSIGMOID(yv, d) ((d) * (yv) * (1 - (yv)))
#define DIDENT(yv, d)   ((void)(yv), (d))

#define BACK_ALL(D)                                                                                \
    for (size_t i = 0; i < n; i++)                                                                 \
        dy[i] = D(y[i], dy[i]);

void nn_act_backward(enum nn_act act, const nn_real *y, nn_real *dy, int rows, int cols)
{
    size_t n = (size_t)rows * (size_t)cols;
    switch (act) {
    case NN_ACT_RELU:
        BACK_ALL(DRELU);
        break;
    case NN_ACT_TANH:
        BACK_ALL(DTANH);
        break;
    case NN_ACT_SIGMOID:
        BACK_ALL(DSIGMOID);
        break;
    case NN_ACT_SOFTMAX:
        softmax_backward(y, dy, rows, cols);
        break;
    case NN_ACT_IDENTITY:
        break;
    }
}

#define BACK_ROWS(D)                                                                               \
    for (int r = 0; r < rows; r++) {                                                               \
        const nn_real *restrict yr = y + (size_t)r * (size_t)cols;                                 \
        nn_real *restrict dr = dy + (size_t)r * (size_t)cols;                                      \
        for (int j = 0; j < cols; j++) {                                                           \
            dr[j] = D(yr[j], dr[j]);                                                               \
            db[j] += dr[j];                                                                        \
        }                                                                                          \
    }

void nn_act_backward_bias(enum nn_act act, const nn_real *y, nn_real *dy, nn_real *restrict db,
                          int rows, int cols)
{
    for (int j = 0; j < cols; j++)
        db[j] = 0;
    switch (act) {
    case NN_ACT_RELU:
        BACK_ROWS(DRELU);
        break;
    case NN_ACT_TANH:
        BACK_ROWS(DTANH);
        break;
    case NN_ACT_SIGMOID:
        BACK_ROWS(DSIGMOID);
        break;
    case NN_ACT_SOFTMAX:
        softmax_backward(y, dy, rows, cols);
        BACK_ROWS(DIDENT);
        break;
    case NN_ACT_IDENTITY:
        BACK_ROWS(DIDENT);
        break;
    }
}

/* ---- the activation layer kind: one kind, one type word per function ---- */

const char *const nn_act_names[] = {"identity", "relu", "tanh", "sigmoid", "softmax", NULL};
_Static_assert(sizeof nn_act_names / sizeof nn_act_names[0] == NN_ACT_COUNT + 1,
               "every activation has a name");

const char *nn_act_name(enum nn_act act)
{
    return (int)act >= 0 && act < NN_ACT_COUNT ? nn_act_names[act] : "?";
}

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_act_spec). */
struct nn_act_spec {
    enum nn_act fn; /* the function, from the type word */
};

static void defaults(struct nn_layer_spec *s, int variant)
{
    /* the type words are nn_act_names, in enum order */
    NN_LAYER_SPEC_RW(s, struct nn_act_spec)->fn = (enum nn_act)variant;
}

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    if (NN_LAYER_SPEC(s, struct nn_act_spec)->fn == NN_ACT_SOFTMAX && in->ndim != 1) {
        char sh[64];
        snprintf(why, len, "softmax needs a flat input but receives shape %s",
                 nn_shape_format(in, sh, sizeof sh));
        return -1;
    }
    *out = *in;
    return 0;
}

static int activation(const struct nn_layer_spec *s, enum nn_act *act)
{
    *act = NN_LAYER_SPEC(s, struct nn_act_spec)->fn;
    return 1;
}

/* The identity, and a function folded into the loss, pass their input through. */
static int has_output(const struct nn_layer *l)
{
    return l->act != NN_ACT_IDENTITY;
}

static void forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p)
{
    (void)p;
    (void)be;
    memcpy(y, x, (size_t)n * (size_t)l->out_size * sizeof(nn_real));
    nn_act_forward(l->act, y, n, l->out_size);
}

/* dL/dX = dL/dY ⊙ f'(·), written over dL/dY: the element count does not change. */
static void backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p)
{
    (void)p;
    (void)be, (void)x, (void)dx, (void)bias_grad;
    nn_act_backward(l->act, y, dy, n, l->out_size);
}

const struct nn_layer_ops nn_layer_act = {
    .types = nn_act_names,
    .doc = "an activation function on its own: y = f(x), element-wise (softmax: per row)",
    .defaults = defaults,
    .infer = infer,
    .activation = activation,
    .has_output = has_output,
    .forward = forward,
    .backward = backward,
    .backward_in_place = 1,
};
