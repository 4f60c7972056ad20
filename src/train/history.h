/* nnctl — history.csv: one row per epoch, rewritten atomically with each checkpoint and read back
 * on resume so that a resumed run reports the whole run. */
#ifndef NNCTL_TRAIN_HISTORY_H
#define NNCTL_TRAIN_HISTORY_H

#include "nnctl/common.h"

struct nn_history_row {
    double train_loss, test_loss, seconds, samples_per_second;
};

/* Writes rows 1..n (test_loss NaN: empty field) to `path` atomically. */
int nn_history_write(const char *path, const struct nn_history_row *h, int n, struct nn_error *err);
/* Reads the first `want` rows; NN_ERR_FORMAT naming the file and field 'epoch' when it has fewer
 * consecutive rows. */
int nn_history_read(const char *path, struct nn_history_row *h, int want, struct nn_error *err);

#endif
