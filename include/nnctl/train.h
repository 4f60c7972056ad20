/* nnctl — datasets, the training loop, checkpoints and metrics. */
#ifndef NNCTL_TRAIN_H
#define NNCTL_TRAIN_H

#include <stdio.h>

#include "nnctl/common.h"
#include "nnctl/config.h"
#include "nnctl/model.h"
#include "nnctl/rng.h"

/* ---- datasets (data.c) ----
 * Samples stay in their stored form (u8 pixels for IDX: 4× less memory than float) and are
 * converted per batch by nn_dataset_gather(). */
struct nn_dataset {
    char name[NN_PATH_MAX]; /* for messages: the images file, or "inline data" */
    int n;                  /* samples */
    int x_dim, y_dim;       /* values per input and per target */
    const nn_real *xf;      /* inline inputs (n, x_dim), or NULL */
    const uint8_t *xu8;     /* u8 inputs (n, x_dim), or NULL */
    nn_real scale;          /* multiplies u8 inputs */
    const nn_real *yf;      /* inline targets (n, y_dim) */
    const uint8_t *labels;  /* class labels (n) for one-hot targets */
    int target;             /* enum nn_target */
    void *owned[3];
};

/* Loads the training (`test` = 0) or test (`test` = 1) split that `cfg->data` describes. A config
 * without a test split yields n = 0 for test. */
int nn_dataset_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                    struct nn_error *err);
void nn_dataset_free(struct nn_dataset *ds);
/* Copies samples idx[0..B) into x (B, x_dim), scaling u8 pixels on the way, and returns the
 * targets (B, y_dim): written into y, or x itself for autoencoders (target: input). */
const nn_real *nn_dataset_gather(const struct nn_dataset *ds, const uint32_t *idx, int B,
                                 nn_real *x, nn_real *y);
/* Asks the CPU to start loading the stored inputs of samples idx[0..B) into its caches, so that
 * a later nn_dataset_gather() of them does not wait on memory. Changes nothing else. */
void nn_dataset_prefetch(const struct nn_dataset *ds, const uint32_t *idx, int B);

/* ---- checkpoints (checkpoint.c) ---- */
struct nn_train_state {
    uint64_t epoch;        /* epochs completed */
    uint64_t step;         /* optimizer steps taken (Adam's t) */
    struct nn_rng shuffle; /* the shuffling stream, as it stands after `epoch` epochs */
};

/* Writes a checkpoint atomically (temporary file, fsync, rename): magic, version, the resolved
 * config, tensor names and shapes, parameters, optimizer state, training state, and a CRC-32 of
 * the payload. On error the previous file at `path` is untouched. */
int nn_checkpoint_save(const char *path, const struct nn_model *m, const char *config_yaml,
                       const struct nn_train_state *st, struct nn_error *err);

/* Reads and verifies a checkpoint, rebuilds its model for batches of up to max_batch rows, and
 * restores parameters and optimizer state. Fills *cfg (free with nn_config_free), *m (free with
 * nn_model_free) and, if not NULL, *st. Anything malformed is refused with NN_ERR_FORMAT and a
 * message that names the file and the field; nothing is left allocated then. */
int nn_checkpoint_load(const char *path, int max_batch, struct nn_config *cfg, struct nn_model *m,
                       struct nn_train_state *st, struct nn_error *err);

/* ---- training (train.c) ---- */
struct nn_train_opts {
    const char *out_dir;      /* where metrics.json, history.csv and model.ckpt go */
    int threads;              /* threads per training step; 0 = all cores (see step_threads) */
    int log_every;            /* print every N epochs (0: every epoch) */
    int resume;               /* continue from out_dir/model.ckpt when it exists */
    const char *batch_losses; /* if set: write the first epoch's loss of every batch here */
    int quiet;
    FILE *log; /* progress stream (stdout) */
};

struct nn_train_result {
    int epochs;
    double final_train_loss; /* mean loss over the last epoch's batches, as they were trained */
    double eval_train_loss;  /* loss of the final weights over the whole training set */
    double final_test_loss;  /* NAN without a test set */
    double train_accuracy;   /* NAN unless classifier or binary output */
    double test_accuracy;
    double train_seconds;
};

/* Builds the model of `cfg` and draws its initial weights from training.seed (PRNG stream 1), as
 * `nnctl train` does before the first epoch. */
int nn_model_create(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                    struct nn_error *err);

int nn_train(const struct nn_config *cfg, const struct nn_train_opts *opts,
             struct nn_train_result *res, struct nn_error *err);

/* Mean loss and accuracy of the model over a dataset, in batches of m->max_batch. Accuracy is
 * NAN unless the model is a classifier (CCE / one-hot labels) or has binary targets (BCE, or a
 * sigmoid output with 0/1 targets). */
void nn_evaluate(struct nn_model *m, const struct nn_dataset *ds, uint32_t *idx_scratch, nn_real *x,
                 nn_real *y, double *loss, double *accuracy);

/* OpenBLAS identity for metrics and benchmarks: "OpenBLAS 0.3.21 ... SkylakeX". */
void nn_blas_describe(char *buf, size_t len);
void nn_blas_set_threads(int threads);
int nn_blas_threads(void);

#endif
