/* nnctl — a run directory: its lock, its state, and what it holds.
 *
 * One training run at a time per directory: `train` holds an exclusive advisory lock (flock) on
 * DIR/.lock for the whole run, through an open descriptor, so a killed process releases it. The
 * file records the holder's pid and start time for the message the next one gets. DIR/state.json
 * says how the last run ended (running, finished, interrupted, diverged, failed), for `nnctl
 * runs` and for the refusal to overwrite. Readers (predict, encode, ...) take no lock: every file
 * is replaced atomically. */
#ifndef NNCTL_TRAIN_RUNDIR_H
#define NNCTL_TRAIN_RUNDIR_H

#include <stddef.h>

#include "nnctl/common.h"
#include "nnctl/config.h"

struct nn_rundir_lock {
    int fd; /* -1: not held */
    char path[NN_PATH_MAX + 16];
};

/* Takes DIR's lock. NN_ERR_RUNTIME "DIR is in use by another nnctl train (pid N, started T)"
 * when another process holds it. */
int nn_rundir_lock(const char *dir, struct nn_rundir_lock *l, struct nn_error *err);
/* Releases it (and removes the lock file). This function can't fail. */
void nn_rundir_unlock(struct nn_rundir_lock *l);
/* 1 and the holder ("pid N, started T") when another process holds DIR's lock, else 0. */
int nn_rundir_locked(const char *dir, char *holder, size_t len);

struct nn_rundir_info {
    int has_run;    /* a checkpoint or metrics is there */
    char state[16]; /* from state.json: running, finished, interrupted, diverged, failed */
    char config[NN_PATH_MAX];
    int epochs_done, epochs_total, batch; /* batch: inside epoch epochs_done + 1, 0 at a boundary */
    double last_loss, best_loss;          /* training loss per epoch, from history.csv */
    char written[32];                     /* the checkpoint's time, "2026-12-01 20:30 UTC" */
};
/* What DIR holds; has_run = 0 when nothing of a run is there. This function can't fail. */
void nn_rundir_info(const char *dir, struct nn_rundir_info *info);
/* "a finished run: 10000 of 10000 epochs, final loss 0.000133, written 2026-12-01 20:30 UTC" */
void nn_rundir_describe(const struct nn_rundir_info *info, char *buf, size_t len);

/* Writes DIR/state.json atomically: {"state", "config", "epoch", "batch", "epochs", "pid"}. */
int nn_rundir_write_state(const char *dir, const char *state, const char *config, int epoch,
                          int batch, int epochs, struct nn_error *err);

#endif
