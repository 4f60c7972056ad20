/* Optimizers: one loop over the flat parameter arena.
 *
 * SGD (PyTorch's formulation; with a constant learning rate it equals Keras's):
 *   v ← μ·v + g;   w ← w − lr·v             (momentum)
 *   v ← μ·v + g;   w ← w − lr·(g + μ·v)     (nesterov)
 *   w ← w − lr·g                            (μ = 0, no state)
 * Adam (Kingma & Ba, Algorithm 1, as PyTorch implements it; ε is added to √v̂):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   w ← w − lr · (m / (1−β1^t)) / (√v / √(1−β2^t) + ε)
 * Keras adds ε to √v before the bias correction ("epsilon hat"); the report script sets every
 * hyperparameter explicitly on both sides because of differences like this one.
 * Weight decay wd, as PyTorch's optimizers take it: SGD adds it to the gradient (g ← g + wd·w,
 * before the momentum); Adam decouples it (AdamW: w ← w·(1 − lr·wd), then the step). */
#include <math.h>

#include "nnctl/optim.h"

#include "nnctl/bf16.h"

#ifdef NN_DOUBLE
#define SQRT sqrt
#else
#define SQRT sqrtf
#endif

int nn_optim_state_per_param(const struct nn_optim_spec *o)
{
    if (o->kind == NN_OPT_ADAM)
        return 2;
    return o->momentum > 0 ? 1 : 0;
}

/* m/s1: momentum velocity or Adam's first moment; s2: Adam's second moment. */
/* wb: when not NULL, each updated weight is also written rounded to bf16 there, in the same pass
 * (the bf16 backend's weight copy; loop unswitching keeps the NULL case as it was). */
#ifdef NN_DOUBLE
#define COPY(i) ((void)wb)
#else
#define COPY(i)                                                                                    \
    if (wb)                                                                                        \
    wb[i] = nn_bf16_of(w[i])
#endif
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
    if (memo.t != t || memo.lr != o->learning_rate || memo.b1 != o->beta1 || memo.b2 != o->beta2) {
        memo.t = t;
        memo.lr = o->learning_rate;
        memo.b1 = o->beta1;
        memo.b2 = o->beta2;
        memo.c1 = (nn_real)(o->learning_rate / (1.0 - pow(o->beta1, (double)t)));
        memo.c2 = (nn_real)(1.0 / sqrt(1.0 - pow(o->beta2, (double)t)));
    }
    *c1 = memo.c1;
    *c2 = memo.c2;
}

static void update(const struct nn_optim_spec *o, long long t, nn_real *restrict w,
                   const nn_real *restrict g, nn_real *restrict s1, nn_real *restrict s2, size_t n,
                   uint16_t *restrict wb)
{
    const nn_real lr = (nn_real)o->learning_rate, wd = (nn_real)o->weight_decay;
    if (o->kind == NN_OPT_ADAM && wd > 0) {
        const nn_real decay = (nn_real)(1.0 - o->learning_rate * o->weight_decay);
        for (size_t i = 0; i < n; i++)
            w[i] *= decay;
    }
    if (o->kind == NN_OPT_SGD && wd > 0) {
        /* g + wd·w, computed where g is read (the gradient stays as backward left it) */
        const nn_real mu = (nn_real)o->momentum;
        nn_real *restrict v = s1;
        for (size_t i = 0; i < n; i++) {
            const nn_real gi = g[i] + wd * w[i];
            if (!v) {
                w[i] -= lr * gi;
            } else {
                v[i] = mu * v[i] + gi;
                w[i] -= lr * (o->nesterov ? gi + mu * v[i] : v[i]);
            }
            COPY(i);
        }
        return;
    }
    if (o->kind == NN_OPT_ADAM) {
        const nn_real b1 = (nn_real)o->beta1, b2 = (nn_real)o->beta2;
        /* 1 − β in double, then rounded: in float32, 1 − 0.999f is off by 5e-5 relative. */
        const nn_real omb1 = (nn_real)(1.0 - o->beta1), omb2 = (nn_real)(1.0 - o->beta2);
        nn_real c1, c2;
        bias_corrections(o, t, &c1, &c2);
        const nn_real eps = (nn_real)o->epsilon;
        nn_real *restrict m = s1, *restrict v = s2;
        for (size_t i = 0; i < n; i++) {
            m[i] = b1 * m[i] + omb1 * g[i];
            v[i] = b2 * v[i] + omb2 * g[i] * g[i];
            w[i] -= c1 * m[i] / (SQRT(v[i]) * c2 + eps);
            COPY(i);
        }
        return;
    }
    if (o->momentum > 0) {
        const nn_real mu = (nn_real)o->momentum;
        nn_real *restrict v = s1;
        if (o->nesterov) {
            for (size_t i = 0; i < n; i++) {
                v[i] = mu * v[i] + g[i];
                w[i] -= lr * (g[i] + mu * v[i]);
                COPY(i);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                v[i] = mu * v[i] + g[i];
                w[i] -= lr * v[i];
                COPY(i);
            }
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        w[i] -= lr * g[i];
        COPY(i);
    }
}

void nn_optim_step(const struct nn_optim_spec *o, long long t, nn_real *w, const nn_real *g,
                   nn_real *state, size_t n)
{
    nn_optim_step_range(o, t, w, g, state, n, 0, n);
}

void nn_optim_step_range(const struct nn_optim_spec *o, long long t, nn_real *w, const nn_real *g,
                         nn_real *state, size_t n, size_t off, size_t count)
{
    nn_optim_step_range_copy(o, t, w, g, state, n, off, count, NULL);
}

void nn_optim_step_range_copy(const struct nn_optim_spec *o, long long t, nn_real *w,
                              const nn_real *g, nn_real *state, size_t n, size_t off, size_t count,
                              uint16_t *copy)
{
    int per = nn_optim_state_per_param(o);
    update(o, t, w + off, g + off, per > 0 ? state + off : NULL, per > 1 ? state + n + off : NULL,
           count, copy ? copy + off : NULL);
}
