/* dropout: inverted dropout. In a training pass each value is kept with probability 1 − rate and
 * then divided by 1 − rate, or set to 0; in inference (predict, encode, eval, the per-epoch
 * scores) it is the identity. The mask of value j of batch row r in step t is a pure function of
 * (training.seed, stream 6, t, the layer's index, r, j) (nn_rng_at), so it does not depend on the
 * thread count or the order of the rows, and a resumed run draws the masks an uninterrupted one
 * would; backward recomputes it rather than storing it. */
#include <string.h>

#include "nnctl/layer.h"
#include "nnctl/rng.h"

#define DROPOUT_STREAM 6

static const char *const types[] = {"dropout", NULL};

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_dropout_spec). */
struct nn_dropout_spec {
    double rate; /* the probability that a value is dropped in training */
};

#define KEY(...) NN_LAYER_KEY(struct nn_dropout_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key keys[] = {
    KEY(REAL, "rate", rate, .lo = 0, .hi = 1, .open_hi = 1, .def = "0.5",
        .doc = "the probability that a value is dropped in training"),
};
/* clang-format on */

static void defaults(struct nn_layer_spec *s, int variant)
{
    (void)variant;
    NN_LAYER_SPEC_RW(s, struct nn_dropout_spec)->rate = 0.5;
}

/* Its rate. */
static double rate(const struct nn_layer *l)
{
    return NN_LAYER_SPEC(&l->spec, struct nn_dropout_spec)->rate;
}

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    (void)s, (void)why, (void)len;
    *out = *in;
    return 0;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 1;
}

/* y = x ⊙ mask / (1 − rate) (also dL/dX = dL/dY ⊙ mask / (1 − rate), in place) over n rows. */
static void apply(const struct nn_layer *l, const nn_real *x, nn_real *y, int n,
                  const struct nn_pass *p)
{
    const size_t w = (size_t)l->out_size;
    const double drop = rate(l);
    /* keep when the top 32 bits are at or above rate · 2^32 */
    const uint64_t cut = (uint64_t)(drop * 4294967296.0);
    const nn_real keep = (nn_real)(1.0 / (1.0 - drop));
    const uint64_t key = nn_rng_key(p->seed, DROPOUT_STREAM, (uint64_t)p->step, (uint64_t)p->layer);
    for (int r = 0; r < n; r++) {
        const uint64_t row = (uint64_t)(p->r0 + r) * w;
        for (size_t j = 0; j < w; j++) {
            const size_t i = (size_t)r * w + j;
            y[i] = (nn_rng_at(key, row + j) >> 32) >= cut ? x[i] * keep : 0;
        }
    }
}

static void forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p)
{
    (void)be;
    if (!p->training || rate(l) == 0)
        memcpy(y, x, (size_t)n * (size_t)l->out_size * sizeof *y);
    else
        apply(l, x, y, n, p);
}

static void backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p)
{
    (void)be, (void)x, (void)y, (void)bias_grad, (void)dx;
    if (p->training && rate(l) > 0)
        apply(l, dy, dy, n, p); /* dx is dy: backward_in_place */
}

const struct nn_layer_ops nn_layer_dropout = {
    .types = types,
    .doc = "inverted dropout: in training each value is zeroed with probability rate and the "
           "others divided by 1 − rate; the identity in predict, encode and eval",
    .keys = keys,
    .n_keys = (int)(sizeof keys / sizeof keys[0]),
    .defaults = defaults,
    .infer = infer,
    .has_output = has_output,
    .forward = forward,
    .backward = backward,
    .backward_in_place = 1,
};
