/* nnctl — feature normalisation: statistics of the training data, applied to every sample the
 * model sees (training, test, eval, predict), x' = (x - offset) * scale per feature. */
#ifndef NNCTL_NORMALIZE_H
#define NNCTL_NORMALIZE_H

#include <stddef.h>

#include "nnctl/common.h"
#include "nnctl/spec.h"
#include "nnctl/data.h"

/* The statistics of ds's features for `kind` (standard: mean and 1/deviation, population;
 * minmax: minimum and 1/range; a constant feature gets scale 1), computed in double. Fills
 * offset and scale with x_dim numbers each (the caller frees their v). NN_ERR_FORMAT when the
 * data is not float features (u8 pixels). */
int nn_normalize_fit(const struct nn_dataset *ds, enum nn_normalize kind, struct nn_numbers *offset,
                     struct nn_numbers *scale, struct nn_error *err);

/* Applies the statistics to every sample of ds in place; NN_ERR_FORMAT (naming the data) when
 * it holds u8 pixels or rows of another width. A dataset of no samples is left alone. */
int nn_normalize_dataset(struct nn_dataset *ds, const struct nn_numbers *offset,
                         const struct nn_numbers *scale, struct nn_error *err);

/* Applies them to `rows` rows of w = offset->n values. */
void nn_normalize_rows(nn_real *x, size_t rows, const struct nn_numbers *offset,
                       const struct nn_numbers *scale);

#endif
