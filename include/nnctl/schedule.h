/* nnctl — training controls across epochs: the learning-rate schedules, the reduce-on-plateau
 * rule and early stopping. Pure functions of the config and the state a checkpoint carries, so
 * a resumed run takes the same decisions as an uninterrupted one. */
#ifndef NNCTL_SCHEDULE_H
#define NNCTL_SCHEDULE_H

#include <stdint.h>

#include "nnctl/config.h"

/* The learning rate of epoch e (0-based) of E: constant lr; step lr·factor^⌊e/step_epochs⌋;
 * exponential lr·factor^e; cosine lr·(e+1)/W for e < W = warmup_epochs, then
 * min_lr + (lr − min_lr)·(1 + cos(π·(e − W)/(E − W)))/2; reduce_on_plateau: plateau_lr, the rate
 * its state holds. */
double nn_schedule_lr(const struct nn_optim_spec *o, int e, int E, double plateau_lr);

/* Whether `value` improves on `best` by more than min_delta: lower for losses, higher for
 * accuracy. NaN never improves. */
int nn_monitor_improved(enum nn_monitor m, double value, double best, double min_delta);
/* The starting `best` of a monitor: +∞ for losses, −∞ for accuracy. */
double nn_monitor_initial(enum nn_monitor m);

/* reduce_on_plateau after an epoch that scored `value` (PyTorch's rule, absolute threshold): an
 * improvement resets the count; after more than `patience` epochs without one the rate becomes
 * max(lr·factor, min_lr) and the count restarts. */
void nn_plateau_update(const struct nn_schedule_spec *s, double value, double *lr, double *best,
                       uint64_t *wait);

/* Early stopping after epoch `epoch` (1-based) scored `value`: an improvement records the epoch
 * as the best (*improved = 1); returns 1 when `patience` epochs in a row have not improved. */
int nn_early_stop_update(const struct nn_early_stop_spec *s, double value, uint64_t epoch,
                         double *best, uint64_t *wait, uint64_t *best_epoch, int *improved);

#endif
