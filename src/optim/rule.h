/* What the update rules (sgd.c, adam.c) share: the bf16 copy written in the same pass, and sqrt in
 * the build's precision (private to src/optim/). */
#ifndef NNCTL_OPTIM_RULE_H
#define NNCTL_OPTIM_RULE_H

#include <math.h>

#include "nnctl/bf16.h"
#include "nnctl/optim.h"

#ifdef NN_DOUBLE
#define NN_SQRT sqrt
#else
#define NN_SQRT sqrtf
#endif

/* wb: when not NULL, each updated weight is also written rounded to bf16 there, in the same pass
 * (the bf16 backend's weight copy; loop unswitching keeps the NULL case as it was). */
#ifdef NN_DOUBLE
#define NN_COPY_BF16(wb, w, i) ((void)(wb))
#else
#define NN_COPY_BF16(wb, w, i)                                                                     \
    if (wb)                                                                                        \
    (wb)[i] = nn_bf16_of((w)[i])
#endif

#endif
