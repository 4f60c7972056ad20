/* Adam (Kingma & Ba, Algorithm 1, as PyTorch implements it; ε is added to √v̂):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   w ← w − lr · (m / (1−β1^t)) / (√v / √(1−β2^t) + ε)
 * Keras adds ε to √v before the bias correction ("epsilon hat"); the report script sets every
 * hyperparameter explicitly on both sides because of differences like this one.
 * Weight decay wd decoupled, as PyTorch's AdamW: w ← w·(1 − lr·wd), then the step. */
#include <stddef.h>

#include "optim/rule.h"

struct adam_spec {
    double beta1, beta2, epsilon;
};

#define SPEC(o) NN_OPTIM_SPEC(const struct adam_spec, o)

struct nn_optim_spec nn_optim_adam(double lr, double beta1, double beta2, double epsilon)
{
    struct nn_optim_spec o = {.kind = nn_optim_find("adam"), .learning_rate = lr};
    *NN_OPTIM_SPEC(struct adam_spec, &o) = (struct adam_spec){beta1, beta2, epsilon};
    return o;
}

static int state_per_param(const struct nn_optim_spec *o)
{
    (void)o;
    return 2;
}

/* Adam's step size with its bias corrections, lr / (1 − β1^t) and 1 / √(1 − β2^t): the same
 * for every range of one step, so each thread computes them once per step (a chunk's update runs
 * in blocks of rows, hundreds of calls per step). */
/* (cppcheck does not follow the members of a _Thread_local struct) */
struct adam_memo {
    long long t;       /* cppcheck-suppress unusedStructMember */
    double lr, b1, b2; /* cppcheck-suppress unusedStructMember */
    nn_real c1, c2;    /* cppcheck-suppress unusedStructMember */
};

static void bias_corrections(const struct nn_optim_spec *o, long long t, nn_real *c1, nn_real *c2)
{
    static _Thread_local struct adam_memo memo = {.t = -1};
    const struct adam_spec *p = SPEC(o);
    if (memo.t != t || memo.lr != o->learning_rate || memo.b1 != p->beta1 || memo.b2 != p->beta2) {
        memo.t = t;
        memo.lr = o->learning_rate;
        memo.b1 = p->beta1;
        memo.b2 = p->beta2;
        memo.c1 = (nn_real)(o->learning_rate / (1.0 - pow(p->beta1, (double)t)));
        memo.c2 = (nn_real)(1.0 / sqrt(1.0 - pow(p->beta2, (double)t)));
    }
    *c1 = memo.c1;
    *c2 = memo.c2;
}

static void update(const struct nn_optim_spec *o, long long t, nn_real *restrict w,
                   const nn_real *restrict g, nn_real *const *s, size_t n, uint16_t *restrict wb)
{
    const struct adam_spec *p = SPEC(o);
    if (o->weight_decay > 0) {
        const nn_real decay = (nn_real)(1.0 - o->learning_rate * o->weight_decay);
        for (size_t i = 0; i < n; i++)
            w[i] *= decay;
    }
    const nn_real b1 = (nn_real)p->beta1, b2 = (nn_real)p->beta2;
    /* 1 − β in double, then rounded: in float32, 1 − 0.999f is off by 5e-5 relative. */
    const nn_real omb1 = (nn_real)(1.0 - p->beta1), omb2 = (nn_real)(1.0 - p->beta2);
    nn_real c1, c2;
    bias_corrections(o, t, &c1, &c2);
    const nn_real eps = (nn_real)p->epsilon;
    nn_real *restrict m = s[0], *restrict v = s[1];
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + omb1 * g[i];
        v[i] = b2 * v[i] + omb2 * g[i] * g[i];
        w[i] -= c1 * m[i] / (NN_SQRT(v[i]) * c2 + eps);
        NN_COPY_BF16(wb, w, i);
    }
}

#define AT(f) offsetof(struct nn_optim_spec, spec) + offsetof(struct adam_spec, f)
/* clang-format off */
static const struct nn_key keys[] = {
    {.path = "learning_rate", .type = NN_KEY_REAL, .offset = offsetof(struct nn_optim_spec, learning_rate),
     .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "0.001", .late = 1,
     .doc = "the step size"},
    {.path = "beta1", .type = NN_KEY_REAL, .offset = AT(beta1),
     .lo = 0, .hi = 1, .open_hi = 1, .def = "0.9",
     .doc = "decay of the first moment"},
    {.path = "beta2", .type = NN_KEY_REAL, .offset = AT(beta2),
     .lo = 0, .hi = 1, .open_hi = 1, .def = "0.999",
     .doc = "decay of the second moment"},
    {.path = "epsilon", .type = NN_KEY_REAL, .offset = AT(epsilon),
     .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "1e-08",
     .doc = "added to √v̂ after the bias correction, as PyTorch does (Keras adds it to √v)"},
};
/* clang-format on */

const struct nn_optim_ops nn_optim_adam_ops = {
    .name = "adam",
    .doc = "Adam (Kingma & Ba), with decoupled weight decay (PyTorch's Adam and AdamW)",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .state_per_param = state_per_param,
    .update = update,
};
