/* The state of one training run (train.c), shared with the files that take a part of it:
 * resume.c (its checkpoints: saving, resuming) and evaluate.c (evaluation, and where a
 * non-finite loss came from). Private to src/train/. */
#ifndef NNCTL_TRAIN_RUN_H
#define NNCTL_TRAIN_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "nnctl/checkpoint.h"
#include "nnctl/data.h"
#include "nnctl/model.h"
#include "nnctl/train.h"
#include "train/history.h"
#include "train/rundir.h"
#include "train/step.h"

struct run {
    const struct nn_config *cfg;
    const struct nn_train_opts *opts;
    struct nn_train_result *res;
    char ckpt_path[NN_PATH_MAX + 32], prev_path[NN_PATH_MAX + 32];
    char hist_path[NN_PATH_MAX + 32], metrics_path[NN_PATH_MAX + 32];
    struct nn_dataset train, test, val;
    struct nn_model m;
    struct nn_optim_spec opt; /* the config's optimizer with the epoch's learning rate */
    char best_path[NN_PATH_MAX + 32];
    struct nn_config ck_cfg; /* the config a resumed checkpoint embeds */
    /* the caller's config with the class names the training file taught (a shallow copy: its
     * pointers stay the caller's) */
    struct nn_config named_cfg;
    struct nn_numbers norm_offset, norm_scale; /* statistics this run computed (owned) */
    struct nn_train_state st;
    const char *resume_from;
    char *yaml; /* the resolved config, embedded in every checkpoint */
    int bs;     /* rows per batch */
    int steps;  /* batches per epoch */
    struct nn_history_row *hist;
    double *epoch_secs;
    double *blosses; /* the first epoch's batch losses (--batch-losses) */
    int n_blosses;
    uint32_t *perm, *eidx;
    nn_real *xb, *yb;
    struct nn_step step;
    double train_time, last_loss;
    /* the run directory: its lock; a run being replaced (--overwrite) until our first
     * checkpoint; the epoch's shuffling state before its shuffle (mid-epoch checkpoints) */
    struct nn_rundir_lock lock;
    int replacing;
    struct nn_rng epoch_rng;
    double last_save; /* clock of the last checkpoint (training.checkpoint_minutes) */
    /* progress */
    FILE *log;
    int tty;
    uint64_t first_epoch;
    double run_start, last_draw;
};

/* Loads the newest valid checkpoint of the run directory: model.ckpt, else the one kept before
 * it was written (with a warning). */
int nn_run_load_latest(struct run *r, struct nn_error *err);
/* A resumed run must have the checkpoint's config, but for training.epochs, and epochs left. */
int nn_run_check_resume(struct run *r, struct nn_error *err);
/* A checkpoint of the run (at an epoch boundary: r->st.batch is 0). */
int nn_run_save(struct run *r, struct nn_error *err);
/* A checkpoint inside epoch e after `done` batches, with the epoch's loss sum and seconds. */
int nn_run_save_mid(struct run *r, int e, int done, double lsum, double secs, struct nn_error *err);
/* After a forward pass whose loss was not finite: names where NaN or Inf first appear. */
void nn_locate_non_finite(const struct nn_model *m, const nn_real *x, int B, char *buf, size_t len);

#endif
