/* nnctl — the data-source table: one row per `data.source` word, one file per source.
 *
 * A source's load fills a struct nn_dataset (data.h) for the training (`test` = 0) or test split
 * (`test` = 1; a source without one leaves n = 0), keeping samples in their stored form. */
#ifndef NNCTL_DATA_SOURCE_H
#define NNCTL_DATA_SOURCE_H

#include "nnctl/config.h"
#include "nnctl/data.h"

struct nn_source_ops {
    const char *name; /* the `data.source` word */
    int (*load)(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                struct nn_error *err); /* NULL: cannot be trained on */
};

/* Hands a table a source has read to ds, which owns it all afterwards: n rows of x_dim inputs,
 * and either class labels (lab, one of `classes`, with their names or NULL) or n rows of y_dim
 * targets (y); `names` is freed when there are no labels. */
void nn_source_take(struct nn_dataset *ds, const char *name, size_t n, size_t x_dim, nn_real *x,
                    uint8_t *lab, int classes, struct nn_names *names, nn_real *y, size_t y_dim);

int nn_source_inline_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                          struct nn_error *err);
int nn_source_idx_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                       struct nn_error *err);

int nn_source_npy_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                       struct nn_error *err);

int nn_source_csv_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                       struct nn_error *err);

int nn_source_libsvm_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                          struct nn_error *err);

#endif
