/* nnctl — losses.
 *
 * Returns the loss averaged as the loss defines it (MSE: over every element; the cross-entropies:
 * per sample, then over the batch) and, when grad is not NULL, writes dL/d(out). This is the one
 * place where the mean over the batch is taken: layers' backward passes only sum. For the fused
 * losses `out` holds logits. */
#ifndef NNCTL_LOSS_H
#define NNCTL_LOSS_H

#include "nnctl/common.h"
#include "nnctl/config.h"

/* Whether a network trained with this loss on targets of this kind classifies (categorical
 * cross-entropy, or one-hot targets): accuracy is the argmax's, eval writes a confusion matrix,
 * predict writes class probabilities. The one rule train, eval and predict share. */
int nn_is_classifier(enum nn_loss_kind loss, enum nn_target target);

double nn_loss(enum nn_loss_kind loss, const nn_real *out, const nn_real *target, int B, int D,
               nn_real *grad);
/* The same for n rows of a batch of B: the rows' share of the batch's mean (the shares of all
 * rows add up to nn_loss()), and their gradient rows scaled for the whole batch. */
double nn_loss_rows(enum nn_loss_kind loss, const nn_real *out, const nn_real *target, int n, int D,
                    nn_real *grad, int B);

#endif
