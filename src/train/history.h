/* nnctl — history.csv: one row per epoch, rewritten atomically with each checkpoint and read back
 * on resume so that a resumed run reports the whole run. */
#ifndef NNCTL_TRAIN_HISTORY_H
#define NNCTL_TRAIN_HISTORY_H

#include "nnctl/common.h"

struct nn_history_row {
    double train_loss, test_loss, seconds, samples_per_second;
    double lr;                     /* the epoch's learning rate */
    double val_loss, val_accuracy; /* NaN without validation data (accuracy: or a regressor) */
    double grad_norm_mean, grad_norm_max; /* before clipping; NaN without clipping */
    double test_accuracy;                 /* NaN without a test split or for a regressor */
};

/* Writes rows 1..n to `path` atomically: epoch,train_loss,test_loss,seconds,samples_per_second,
 * lr,val_loss,val_accuracy,grad_norm_mean,grad_norm_max,test_accuracy (a NaN is an empty field).
 */
int nn_history_write(const char *path, const struct nn_history_row *h, int n, struct nn_error *err);
/* Reads the first `want` rows; NN_ERR_FORMAT naming the file and field 'epoch' when it has fewer
 * consecutive rows. */
int nn_history_read(const char *path, struct nn_history_row *h, int want, struct nn_error *err);

#endif
