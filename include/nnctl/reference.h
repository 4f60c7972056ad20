/* nnctl — one-thread reference passes, kept apart from the engine: tests and gradient checks call
 * them; nnctl itself trains through the partitioned passes of model.h. */
#ifndef NNCTL_REFERENCE_H
#define NNCTL_REFERENCE_H

#include "nnctl/model.h"

/* Backward pass after nn_model_forward() on the same x and B. `dout` (B, out_size) is dL/d(out)
 * (copied into m->dout unless it is m->dout). Writes every parameter gradient into m->grads
 * (overwriting, not accumulating). This function can't fail. */
void nn_model_backward(struct nn_model *m, const nn_real *x, nn_real *dout, int B);

/* The backward pass with plain SGD (w ← w − lr·g) applied, folded into the weight-gradient GEMMs;
 * the weight gradients are not stored. Same contract otherwise. */
void nn_model_backward_sgd(struct nn_model *m, const nn_real *x, nn_real *dout, int B, nn_real lr);

#endif
