/* nnctl — metrics.json: what a training run did, how well and how fast, on which backend. */
#ifndef NNCTL_TRAIN_METRICS_H
#define NNCTL_TRAIN_METRICS_H

#include "nnctl/common.h"
#include "nnctl/model.h"
#include "nnctl/train.h"

struct nn_run_facts {
    int threads;         /* threads per step */
    int team;            /* 1: the step's own threads split the batch; 0: the backend does */
    double median_epoch; /* seconds, the median of the epochs after the first */
    long n_train;        /* training samples */
    long n_val;          /* validation samples */
};

/* Writes metrics.json atomically. */
int nn_metrics_write(const char *path, const struct nn_config *cfg, const struct nn_model *m,
                     const struct nn_train_result *r, const struct nn_run_facts *f,
                     struct nn_error *err);

#endif
