/* nnctl — a team of threads that run the training step together.
 *
 * On two cores the autoencoder's GEMMs are small (batch 128): OpenBLAS splitting each one over
 * both cores ran an epoch's GEMMs in 0.71–0.78 s, while each core running single-threaded GEMMs
 * on its own half of the batch (then splitting the weight-gradient GEMMs by rows of W) took
 * 0.60–0.63 s, and the element-wise passes (bias, activation, loss, optimizer) run on both cores
 * instead of one. The team is that schedule's machinery: T threads (the caller and T − 1
 * workers) run the same job function, each with its index t, and meet at barriers.
 *
 * Workers spin briefly between jobs (a training step follows the previous one within
 * microseconds), then sleep on a condition variable, so an idle team costs no CPU. */
#ifndef NNCTL_TEAM_H
#define NNCTL_TEAM_H

#include <stdatomic.h>

#include "nnctl/common.h"

#define NN_TEAM_MAX 64

struct nn_team;

/* The job: thread t of n runs fn(arg, t, n). t = 0 is the calling thread. */
typedef void (*nn_team_fn)(void *arg, int t, int n);

/* Starts n − 1 worker threads (n = 1 starts none). Workers inherit the caller's floating-point
 * control state (flush-to-zero). On error returns a negative code with `err` filled. */
int nn_team_create(int n, struct nn_team **out, struct nn_error *err);
/* Stops and joins the workers; NULL is allowed. */
void nn_team_free(struct nn_team *team);
int nn_team_size(const struct nn_team *team);

/* Runs the job on every thread of the team and returns when all of them have finished it. Memory
 * written by any thread during the job is visible to the caller afterwards. Allocates nothing. */
void nn_team_run(struct nn_team *team, nn_team_fn fn, void *arg);

/* Inside a job: waits until every thread of the team has reached the barrier. Memory written
 * before it by any thread is visible to every thread after it. */
void nn_team_barrier(struct nn_team *team);

/* Inside a job: waits until *count ≥ target, for finer-grained dependencies than a barrier (a
 * thread raises the count with a release store; this wait acquires). */
void nn_team_wait_count(atomic_int *count, int target);

/* The part [*lo, *hi) of n items that thread t of `parts` owns: contiguous, in order, sizes
 * differing by at most one. */
static inline void nn_team_split(int n, int t, int parts, int *lo, int *hi)
{
    *lo = (int)((long long)n * t / parts);
    *hi = (int)((long long)n * (t + 1) / parts);
}

/* The same in whole blocks of `align` items (the last block may be short), so that every part
 * starts on a multiple of align; align ≤ 1: nn_team_split. */
static inline void nn_team_split_aligned(int n, int t, int parts, int align, int *lo, int *hi)
{
    if (align <= 1) {
        nn_team_split(n, t, parts, lo, hi);
        return;
    }
    nn_team_split((n + align - 1) / align, t, parts, lo, hi);
    *lo = *lo * align < n ? *lo * align : n;
    *hi = *hi * align < n ? *hi * align : n;
}

#endif
