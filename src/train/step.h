/* nnctl — one training step, on one thread or on a team of threads.
 *
 * Thread t gathers, forwards, scores and back-propagates its own rows of the batch. The parameter
 * update is cut into chunks (rows of a layer's tensor 0 and entries of its tensor 1) that the
 * threads claim in order, top layer first, each starting as soon as every thread has finished
 * that layer's backward rows: a thread that finishes its rows early starts on the top layer's
 * weight gradients instead of waiting at a barrier. A chunk's result does not depend on which
 * thread computes it, and the rows and chunks are fixed by the thread count, so a given thread
 * count gives bit-identical results run after run.
 *
 * With clipping (optimizer.clip_norm) every gradient must exist before any update: the chunks
 * then only compute gradients, a barrier follows, each thread sums the squares of its slice of
 * the gradient arena (in double), and after a second barrier every thread adds the T sums in the
 * same order, scales its slice when the norm exceeds clip_norm and updates it. */
#ifndef NNCTL_TRAIN_STEP_H
#define NNCTL_TRAIN_STEP_H

#include <stdatomic.h>
#include <stdint.h>

#include "nnctl/data.h"
#include "nnctl/model.h"
#include "nnctl/team.h"

#define NN_CHUNKS_PER_THREAD 2 /* for the large layers; small ones get one chunk per thread */

struct nn_step {
    struct nn_model *m;
    struct nn_team *team; /* NULL: one thread */
    int T;                /* threads */
    const struct nn_dataset *ds;
    const uint32_t *idx;
    int B;
    const uint32_t *next_idx; /* the next batch's samples (NULL after the last batch) */
    int next_B;
    nn_real *x, *y;
    const struct nn_optim_spec *o;
    long long t;
    nn_real *db_parts[NN_TEAM_MAX];
    nn_real *db_arena; /* (T − 1) partial bias sums */
    struct {
        _Alignas(64) double v; /* a cache line each: threads write them at the same time */
    } loss[NN_TEAM_MAX];
    double total; /* the batch's loss, after nn_step_run() */
    /* clipping (o->clip_norm > 0): the gradients' global L2 norm before clipping, after
     * nn_step_run(), from the threads' sums of squares over their slices of the arena */
    double norm;
    struct {
        _Alignas(64) double v;
    } sq[NN_TEAM_MAX];
    int n_chunks;
    struct {
        int layer, c, n;
    } chunks[NN_MAX_LAYERS * NN_TEAM_MAX * NN_CHUNKS_PER_THREAD];
    _Alignas(64) atomic_int next_chunk;
    _Alignas(64) atomic_int ready[NN_MAX_LAYERS]; /* threads done with each layer's rows */
};

/* Threads for the training step: `threads` (0: every core), capped at NN_TEAM_MAX; below about a
 * million multiply-adds per step (XOR: a few hundred) two barriers cost more than the work they
 * split, so small models run on one thread and leave any parallelism to the backend. */
int nn_step_threads(int threads, int batch, size_t n_params);

/* Prepares a step on `T` threads for model m (batch buffers x, y of m->max_batch rows): the
 * team, its partial bias sums and the chunk plan. The backend is set to one thread per GEMM when
 * T > 1. Returns 0, or a negative code with err filled (nothing is left allocated then). */
int nn_step_init(struct nn_step *s, struct nn_model *m, int T, const struct nn_dataset *ds,
                 nn_real *x, nn_real *y, const struct nn_optim_spec *o, struct nn_error *err);
/* Trains on samples idx[0..B) (next: the batch after it, for prefetching) with step number t;
 * the batch's loss goes to s->total. When the loss is not finite nothing is updated. Never
 * allocates. */
void nn_step_run(struct nn_step *s, const uint32_t *idx, int B, const uint32_t *next, int next_B,
                 long long t);
/* Stops the team and frees what nn_step_init allocated; restores the backend's threads. */
void nn_step_free(struct nn_step *s);

#endif
