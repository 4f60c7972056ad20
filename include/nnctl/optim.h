/* nnctl — optimizers: one loop over the flat parameter arena. */
#ifndef NNCTL_OPTIM_H
#define NNCTL_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/config.h"

/* Elements of optimizer state per parameter: 0 (plain SGD), 1 (momentum), 2 (Adam). */
int nn_optim_state_per_param(const struct nn_optim_spec *o);
/* One update of n parameters from their gradients. `t` is the 1-based step number (Adam's bias
 * correction). This function can't fail. */
void nn_optim_step(const struct nn_optim_spec *o, long long t, nn_real *params,
                   const nn_real *grads, nn_real *state, size_t n);
/* The same update on the elements [off, off + count) of arenas of n parameters (state laid out as
 * nn_optim_step() has it: velocity, or m then v, n elements each). Disjoint ranges may be updated
 * at the same time by different threads. */
void nn_optim_step_range(const struct nn_optim_spec *o, long long t, nn_real *params,
                         const nn_real *grads, nn_real *state, size_t n, size_t off, size_t count);

/* The same, also writing each updated parameter rounded to bf16 into copy[off..off + count) (copy:
 * a bf16 arena laid out as the parameters, or NULL), in the same pass over the memory. */
void nn_optim_step_range_copy(const struct nn_optim_spec *o, long long t, nn_real *w,
                              const nn_real *g, nn_real *state, size_t n, size_t off, size_t count,
                              uint16_t *copy);

#endif
