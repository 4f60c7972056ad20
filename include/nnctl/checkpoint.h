/* nnctl — checkpoints: the model, its optimizer state and the training state in one file. */
#ifndef NNCTL_CHECKPOINT_H
#define NNCTL_CHECKPOINT_H

#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/config.h"
#include "nnctl/model.h"
#include "nnctl/rng.h"

struct nn_train_state {
    uint64_t epoch;        /* epochs completed */
    uint64_t step;         /* optimizer steps taken (Adam's t) */
    struct nn_rng shuffle; /* the shuffling stream, as it stands after `epoch` epochs */
    /* Inside an epoch (a run stopped by a signal or a time-based checkpoint): batches of epoch
     * `epoch` + 1 already trained (0: at an epoch boundary), the shuffling stream as it stood
     * before that epoch's shuffle (so the same order is drawn again), and the epoch's loss sum
     * and seconds so far. A checkpoint at an epoch boundary is format version 1, one inside an
     * epoch version 2 (these fields appended). */
    uint64_t batch;
    struct nn_rng epoch_shuffle;
    double epoch_loss_sum, epoch_seconds;
    /* The training controls' state, for configs that have any (a reduce_on_plateau schedule,
     * early stopping, clipping): format versions 3 (epoch boundary) and 4 (inside an epoch)
     * append it. The plateau schedule's rate, best value and epochs without improvement; early
     * stopping's best value, epochs without improvement and best epoch (1-based; 0: none yet);
     * the gradient norms of the epoch so far (clipping). */
    int controls;
    double lr, plateau_best;
    uint64_t plateau_wait;
    double stop_best;
    uint64_t stop_wait, best_epoch;
    double norm_sum, norm_max;
    uint64_t norm_count;
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

#endif
