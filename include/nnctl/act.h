/* nnctl — activation functions over (rows, cols) batches, and the activation layer kind. */
#ifndef NNCTL_ACT_H
#define NNCTL_ACT_H

#include "nnctl/common.h"
#include "nnctl/config.h"

void nn_act_forward(enum nn_act act, nn_real *y, int rows, int cols);
/* y ← f(y + b), b broadcast over the rows: a dense layer's bias and activation in one pass. */
void nn_bias_act_forward(enum nn_act act, nn_real *y, const nn_real *b, int rows, int cols);
/* dy ← dy ⊙ f'(x) expressed through the output y; for softmax dy ← y ⊙ (dy − Σ dy·y) per row. */
void nn_act_backward(enum nn_act act, const nn_real *y, nn_real *dy, int rows, int cols);
/* nn_act_backward() and db ← Σ_rows dy in the same pass (db is overwritten). */
void nn_act_backward_bias(enum nn_act act, const nn_real *y, nn_real *dy, nn_real *db, int rows,
                          int cols);

#endif
