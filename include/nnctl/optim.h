/* nnctl — optimizers: the table of update rules, and one loop over the flat parameter arena.
 *
 * An optimizer is one file under src/optim/ that defines a const struct nn_optim_ops: its word
 * (optimizer.type), its keys (schema rows whose offsets are into struct nn_optim_spec, its own
 * fields inside the spec bytes as a struct of its own type), the optimizer state it keeps per
 * parameter and its update. The table (optim.c) lists the built-in ones; tests or later code add
 * more at run time with nn_optim_register(). Nothing else switches on an optimizer. */
#ifndef NNCTL_OPTIM_H
#define NNCTL_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/spec.h"

#define NN_OPTIM_MAX 16

struct nn_optim_ops {
    const char *name; /* the optimizer.type word */
    const char *doc;  /* one line for `nnctl check --schema` and docs/config.md */
    /* optimizer.<key>: its keys (learning_rate with its default among them), offsets into
     * struct nn_optim_spec, without `when` (the table adds "type=<name>") */
    const struct nn_key *keys;
    int n_keys;
    /* Elements of optimizer state per parameter (0 to NN_OPTIM_MAX_STATE). */
    int (*state_per_param)(const struct nn_optim_spec *o);
    /* One update of w[0..n) from g[0..n) at step t (1-based), with the state slots s[k][0..n)
     * (k < state_per_param); each updated weight also goes rounded to bf16 into wb[i] when wb is
     * not NULL. Weight decay as the optimizer takes it. Cannot fail. */
    void (*update)(const struct nn_optim_spec *o, long long t, nn_real *restrict w,
                   const nn_real *restrict g, nn_real *const *s, size_t n, uint16_t *restrict wb);
    /* 1 when the update is w ← w − lr·(g + wd·w) with no state (the model may then fold it into
     * the weight-gradient GEMM); NULL: never. */
    int (*plain)(const struct nn_optim_spec *o);
};

#define NN_OPTIM_MAX_STATE 4

/* The optimizers, by index; NULL past the last. */
const struct nn_optim_ops *nn_optim_at(int index);
int nn_optim_count(void);
/* The index of the optimizer named `name`, or -1. */
int nn_optim_find(const char *name);
/* The words of the optimizers by index, NULL-terminated (the schema's choices for optimizer.type).
 */
extern const char *nn_optim_names[NN_OPTIM_MAX + 1];
/* Adds an optimizer at the next index. Returns its index, or -1 when the table is full or the
 * name is taken. Register before configs are loaded. */
int nn_optim_register(const struct nn_optim_ops *ops);
/* The optimizer of a spec. */
const struct nn_optim_ops *nn_optim_of(const struct nn_optim_spec *o);

/* The built-in optimizers (src/optim/sgd.c, adam.c), and specs of them for code that builds
 * one by hand (tests, benchmarks, the reference model). */
extern const struct nn_optim_ops nn_optim_sgd_ops, nn_optim_adam_ops;
struct nn_optim_spec nn_optim_sgd(double lr, double momentum, int nesterov);
struct nn_optim_spec nn_optim_adam(double lr, double beta1, double beta2, double epsilon);

/* Elements of optimizer state per parameter: 0 (plain SGD), 1 (momentum), 2 (Adam). */
int nn_optim_state_per_param(const struct nn_optim_spec *o);
/* One update of n parameters from their gradients. `t` is the 1-based step number (Adam's bias
 * correction). This function can't fail. */
void nn_optim_step(const struct nn_optim_spec *o, long long t, nn_real *params,
                   const nn_real *grads, nn_real *state, size_t n);
/* The same update on the elements [off, off + count) of arenas of n parameters (state laid out as
 * nn_optim_step() has it: slot k of every parameter at state + k·n). Disjoint ranges may be
 * updated at the same time by different threads. */
void nn_optim_step_range(const struct nn_optim_spec *o, long long t, nn_real *params,
                         const nn_real *grads, nn_real *state, size_t n, size_t off, size_t count);

/* The same, also writing each updated parameter rounded to bf16 into copy[off..off + count) (copy:
 * a bf16 arena laid out as the parameters, or NULL), in the same pass over the memory. */
void nn_optim_step_range_copy(const struct nn_optim_spec *o, long long t, nn_real *w,
                              const nn_real *g, nn_real *state, size_t n, size_t off, size_t count,
                              uint16_t *copy);

#endif
