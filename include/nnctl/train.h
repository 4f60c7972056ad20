/* nnctl — the training loop: epochs, evaluation, history, metrics and checkpoints. */
#ifndef NNCTL_TRAIN_H
#define NNCTL_TRAIN_H

#include <signal.h>
#include <stdio.h>

#include "nnctl/common.h"
#include "nnctl/config.h"
#include "nnctl/model.h"
#include "nnctl/rng.h"
#include "nnctl/data.h"
#include "nnctl/checkpoint.h"

/* ---- training (train.c) ---- */
struct nn_train_opts {
    const char *out_dir; /* where metrics.json, history.csv and model.ckpt go */
    int threads;         /* threads per training step; 0 = all cores (see step_threads) */
    int log_every;       /* print every N epochs (0: every epoch) */
    int resume;          /* continue from out_dir/model.ckpt when it exists */
    int overwrite;       /* replace a run out_dir holds (its files go once the new run's
                          * first checkpoint is written) */
    /* Set asynchronously to SIGINT or SIGTERM (a signal handler's flag): the run finishes the
     * step it is in, writes a checkpoint with its position inside the epoch and returns
     * NN_ERR_INTERRUPTED or NN_ERR_TERMINATED. NULL: never stops. */
    const volatile sig_atomic_t *stop;
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
    /* validation (NAN without data.validation) and early stopping (best_epoch 0 when off) */
    double val_loss, val_accuracy; /* after the last epoch trained */
    int epochs_planned;            /* training.epochs; `epochs` is fewer when stopped early */
    int stopped_early;
    int best_epoch;                            /* 1-based */
    double best_value;                         /* the monitored value at best_epoch */
    double best_test_loss, best_test_accuracy; /* best.ckpt on the test split */
};

int nn_train(const struct nn_config *cfg, const struct nn_train_opts *opts,
             struct nn_train_result *res, struct nn_error *err);

/* Mean loss and accuracy of the model over a dataset, in batches of m->max_batch. Accuracy is
 * NAN unless the model is a classifier (CCE / one-hot labels) or has binary targets (BCE, or a
 * sigmoid output with 0/1 targets). */
void nn_evaluate(struct nn_model *m, const struct nn_dataset *ds, uint32_t *idx_scratch, nn_real *x,
                 nn_real *y, double *loss, double *accuracy);

#endif
