/* nnctl — datasets: the training and test samples a config describes.
 *
 * Samples stay in their stored form (u8 pixels for IDX: 4× less memory than float) and are
 * converted per batch by nn_dataset_gather(). */
#ifndef NNCTL_DATA_H
#define NNCTL_DATA_H

#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/spec.h"

struct nn_dataset {
    char name[NN_PATH_MAX];             /* for messages: the images file, or "inline data" */
    int n;                              /* samples */
    int x_dim, y_dim;                   /* values per input and per target */
    const nn_real *xf;                  /* inline inputs (n, x_dim), or NULL */
    const uint8_t *xu8;                 /* u8 inputs (n, x_dim), or NULL */
    nn_real scale;                      /* multiplies u8 inputs */
    const nn_real *yf;                  /* inline targets (n, y_dim) */
    const uint8_t *labels;              /* class labels (n) for one-hot targets */
    int target;                         /* enum nn_target */
    const struct nn_names *class_names; /* the classes' names (csv labels), or NULL */
    void *owned[3];
};

/* Loads the training (`test` = 0) or test (`test` = 1) split that `cfg->data` describes. A config
 * without a test split yields n = 0 for test. */
int nn_dataset_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                    struct nn_error *err);
void nn_dataset_free(struct nn_dataset *ds);
/* The validation split data.validation describes: a dataset of its own (its source's files), or
 * a fraction of `train` held out: round(fraction·n) samples drawn by a shuffle from
 * training.seed (stream 5), moved out of `train` (both keep file order). A config without one
 * yields n = 0. Free val before train (it borrows train's class names). */
int nn_dataset_load_validation(const struct nn_config *cfg, struct nn_dataset *train,
                               struct nn_dataset *val, struct nn_error *err);
/* NN_OK when the samples fit a model of in_size inputs and out_size outputs (an empty dataset
 * fits); otherwise NN_ERR_FORMAT naming the data and the sizes. */
int nn_dataset_fits(const struct nn_dataset *ds, int in_size, int out_size, struct nn_error *err);
/* Copies samples idx[0..B) into x (B, x_dim), scaling u8 pixels on the way, and returns the
 * targets (B, y_dim): written into y, or x itself for autoencoders (target: input). */
const nn_real *nn_dataset_gather(const struct nn_dataset *ds, const uint32_t *idx, int B,
                                 nn_real *x, nn_real *y);
/* Asks the CPU to start loading the stored inputs of samples idx[0..B) into its caches, so that
 * a later nn_dataset_gather() of them does not wait on memory. Changes nothing else. */
void nn_dataset_prefetch(const struct nn_dataset *ds, const uint32_t *idx, int B);

#endif
