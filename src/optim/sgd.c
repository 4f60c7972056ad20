/* SGD (PyTorch's formulation; with a constant learning rate it equals Keras's):
 *   v ← μ·v + g;   w ← w − lr·v             (momentum)
 *   v ← μ·v + g;   w ← w − lr·(g + μ·v)     (nesterov)
 *   w ← w − lr·g                            (μ = 0, no state)
 * Weight decay wd as PyTorch's SGD takes it: added to the gradient (g ← g + wd·w, before the
 * momentum). */
#include <stddef.h>
#include <stdio.h>

#include "optim/rule.h"

struct sgd_spec {
    double momentum;
    int nesterov;
};

#define SPEC(o) NN_OPTIM_SPEC(const struct sgd_spec, o)

struct nn_optim_spec nn_optim_sgd(double lr, double momentum, int nesterov)
{
    struct nn_optim_spec o = {.kind = nn_optim_find("sgd"), .learning_rate = lr};
    *NN_OPTIM_SPEC(struct sgd_spec, &o) = (struct sgd_spec){momentum, nesterov};
    return o;
}

static int state_per_param(const struct nn_optim_spec *o)
{
    return SPEC(o)->momentum > 0 ? 1 : 0;
}

static int plain(const struct nn_optim_spec *o)
{
    return SPEC(o)->momentum == 0;
}

static void update(const struct nn_optim_spec *o, long long t, nn_real *restrict w,
                   const nn_real *restrict g, nn_real *const *s, size_t n, uint16_t *restrict wb)
{
    (void)t;
    const struct sgd_spec *p = SPEC(o);
    const nn_real lr = (nn_real)o->learning_rate, wd = (nn_real)o->weight_decay;
    const nn_real mu = (nn_real)p->momentum;
    nn_real *restrict v = p->momentum > 0 ? s[0] : NULL;
    if (wd > 0) {
        /* g + wd·w, computed where g is read (the gradient stays as backward left it) */
        for (size_t i = 0; i < n; i++) {
            const nn_real gi = g[i] + wd * w[i];
            if (!v) {
                w[i] -= lr * gi;
            } else {
                v[i] = mu * v[i] + gi;
                w[i] -= lr * (p->nesterov ? gi + mu * v[i] : v[i]);
            }
            NN_COPY_BF16(wb, w, i);
        }
        return;
    }
    if (v && p->nesterov) {
        for (size_t i = 0; i < n; i++) {
            v[i] = mu * v[i] + g[i];
            w[i] -= lr * (g[i] + mu * v[i]);
            NN_COPY_BF16(wb, w, i);
        }
    } else if (v) {
        for (size_t i = 0; i < n; i++) {
            v[i] = mu * v[i] + g[i];
            w[i] -= lr * v[i];
            NN_COPY_BF16(wb, w, i);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            w[i] -= lr * g[i];
            NN_COPY_BF16(wb, w, i);
        }
    }
}

static int check_nesterov(const void *base, const void *field, char *why, size_t len)
{
    (void)field;
    const struct sgd_spec *p = SPEC(&((const struct nn_config *)base)->optim);
    if (p->nesterov && p->momentum == 0) {
        snprintf(why, len, "needs a momentum > 0");
        return -1;
    }
    return 0;
}

#define AT(f) offsetof(struct nn_optim_spec, spec) + offsetof(struct sgd_spec, f)
/* clang-format off */
static const struct nn_key keys[] = {
    {.path = "learning_rate", .type = NN_KEY_REAL, .offset = offsetof(struct nn_optim_spec, learning_rate),
     .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "0.01", .late = 1,
     .doc = "the step size"},
    {.path = "momentum", .type = NN_KEY_REAL, .offset = AT(momentum),
     .lo = 0, .hi = 1, .open_hi = 1, .def = "0",
     .doc = "μ in v ← μ·v + g; 0 is plain SGD"},
    {.path = "nesterov", .type = NN_KEY_BOOL, .offset = AT(nesterov),
     .def = "false", .check = check_nesterov,
     .doc = "Nesterov momentum: w ← w − lr·(g + μ·v); needs a momentum > 0"},
};
/* clang-format on */

const struct nn_optim_ops nn_optim_sgd_ops = {
    .name = "sgd",
    .doc = "stochastic gradient descent, with momentum and Nesterov momentum (PyTorch's SGD)",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .state_per_param = state_per_param,
    .update = update,
    .plain = plain,
};
