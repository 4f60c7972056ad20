/* The thread team (see nnctl/team.h): a job counter that workers wait on, a completion counter
 * the caller waits on, and a counting barrier. All waits spin first, because the waits inside a
 * training step last microseconds and a futex round trip costs about as much; a wait that goes
 * on yields the core (barriers) or sleeps (idle workers), so a team never starves other work of
 * the CPU for long. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#include "nnctl/mem.h"
#include "nnctl/team.h"

/* Spins before yielding inside a job, and before an idle worker goes to sleep: a pause is 10–140
 * cycles depending on the CPU, so these are roughly 0.05–0.5 ms and 0.2–2 ms. */
#define SPIN_BARRIER 4096
#define SPIN_IDLE    16384
/* The caller of a job that lasts (the SVM's class pairs: seconds) sleeps after this many yields
 * instead of yielding on (a training step's waits end long before). */
#define YIELDS_CALLER 2000

struct worker {
    struct nn_team *team;
    int t;
    pthread_t th;
};

struct nn_team {
    int n;
    nn_team_fn fn;
    void *arg;
    /* each on its own cache line: the counters are written by different cores */
    _Alignas(64) atomic_uint job; /* incremented once per nn_team_run() */
    _Alignas(64) atomic_int done; /* workers finished with the current job */
    _Alignas(64) atomic_int arrived;
    _Alignas(64) atomic_uint phase; /* incremented when a barrier opens */
    _Alignas(64) atomic_int sleepers;
    atomic_int quit;
    atomic_int caller_sleeps; /* the caller waits on done_cv for the job's end */
    pthread_mutex_t mu;
    pthread_cond_t cv, done_cv;
    int n_started;
    unsigned mxcsr;
    struct worker workers[NN_TEAM_MAX];
};

static void set_fp_state(unsigned mxcsr)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(mxcsr);
#else
    (void)mxcsr;
#endif
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    struct nn_team *team = w->team;
    set_fp_state(team->mxcsr);
    unsigned seen = 0;
    for (;;) {
        unsigned job;
        int spins = 0;
        while ((job = atomic_load_explicit(&team->job, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&team->quit, memory_order_acquire) && spins < SPIN_IDLE) {
            CPU_RELAX();
            spins++;
        }
        if (job == seen && !atomic_load(&team->quit)) {
            /* Sleep. The caller bumps `job` and then reads `sleepers`; we raise `sleepers` and
             * then read `job` (both sequentially consistent), so at least one of us sees the
             * other and no wake-up is lost. */
            pthread_mutex_lock(&team->mu);
            atomic_fetch_add(&team->sleepers, 1);
            while ((job = atomic_load(&team->job)) == seen && !atomic_load(&team->quit))
                pthread_cond_wait(&team->cv, &team->mu);
            atomic_fetch_sub(&team->sleepers, 1);
            pthread_mutex_unlock(&team->mu);
        }
        if (atomic_load(&team->quit))
            return NULL;
        seen = job;
        team->fn(team->arg, w->t, team->n);
        /* sequentially consistent, as the caller's raising of caller_sleeps and its read of
         * done: at least one of us sees the other, so no wake-up is lost */
        atomic_fetch_add(&team->done, 1);
        if (atomic_load(&team->caller_sleeps)) {
            pthread_mutex_lock(&team->mu);
            pthread_cond_broadcast(&team->done_cv);
            pthread_mutex_unlock(&team->mu);
        }
    }
}

static void wake_all(struct nn_team *team)
{
    if (atomic_load(&team->sleepers) > 0) {
        pthread_mutex_lock(&team->mu);
        pthread_cond_broadcast(&team->cv);
        pthread_mutex_unlock(&team->mu);
    }
}

int nn_team_create(int n, struct nn_team **out, struct nn_error *err)
{
    *out = NULL;
    if (n < 1 || n > NN_TEAM_MAX)
        return nn_error_set(err, NN_ERR_USAGE, "thread count %d: expected 1 to %d", n, NN_TEAM_MAX);
    struct nn_team *team = nn_alloc_aligned(sizeof *team);
    if (!team)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for a team of %d threads", n);
    memset(team, 0, sizeof *team);
    team->n = n;
    atomic_init(&team->job, 0);
    atomic_init(&team->done, 0);
    atomic_init(&team->arrived, 0);
    atomic_init(&team->phase, 0);
    atomic_init(&team->sleepers, 0);
    atomic_init(&team->quit, 0);
    atomic_init(&team->caller_sleeps, 0);
#if defined(__x86_64__) || defined(__i386__)
    team->mxcsr = _mm_getcsr();
#endif
    if (pthread_mutex_init(&team->mu, NULL) || pthread_cond_init(&team->cv, NULL) ||
        pthread_cond_init(&team->done_cv, NULL)) {
        free(team);
        return nn_error_set(err, NN_ERR_RUNTIME, "cannot initialise the thread team");
    }
    for (int t = 1; t < n; t++) {
        struct worker *w = &team->workers[t];
        w->team = team;
        w->t = t;
        int e = pthread_create(&w->th, NULL, worker_main, w);
        if (e) {
            nn_team_free(team);
            return nn_error_set(err, NN_ERR_RUNTIME, "cannot start thread %d of %d: %s", t + 1, n,
                                strerror(e));
        }
        team->n_started = t;
    }
    *out = team;
    return NN_OK;
}

void nn_team_free(struct nn_team *team)
{
    if (!team)
        return;
    atomic_store(&team->quit, 1);
    pthread_mutex_lock(&team->mu);
    pthread_cond_broadcast(&team->cv);
    pthread_mutex_unlock(&team->mu);
    for (int t = 1; t <= team->n_started; t++)
        pthread_join(team->workers[t].th, NULL);
    pthread_mutex_destroy(&team->mu);
    pthread_cond_destroy(&team->cv);
    pthread_cond_destroy(&team->done_cv);
    free(team);
}

int nn_team_size(const struct nn_team *team)
{
    return team ? team->n : 1;
}

void nn_team_run(struct nn_team *team, nn_team_fn fn, void *arg)
{
    if (team->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    team->fn = fn;
    team->arg = arg;
    atomic_store_explicit(&team->done, 0, memory_order_relaxed);
    atomic_fetch_add(&team->job, 1); /* publishes fn, arg and done = 0 */
    wake_all(team);
    fn(arg, 0, team->n);
    for (int spins = 0; atomic_load_explicit(&team->done, memory_order_acquire) < team->n - 1;
         spins++) {
        if (spins < SPIN_BARRIER) {
            CPU_RELAX();
        } else if (spins < SPIN_BARRIER + YIELDS_CALLER) {
            sched_yield();
        } else {
            pthread_mutex_lock(&team->mu);
            atomic_store(&team->caller_sleeps, 1);
            while (atomic_load(&team->done) < team->n - 1)
                pthread_cond_wait(&team->done_cv, &team->mu);
            atomic_store(&team->caller_sleeps, 0);
            pthread_mutex_unlock(&team->mu);
        }
    }
}

void nn_team_barrier(struct nn_team *team)
{
    if (!team || team->n == 1)
        return;
    unsigned phase = atomic_load_explicit(&team->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&team->arrived, 1, memory_order_acq_rel) == team->n - 1) {
        atomic_store_explicit(&team->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&team->phase, 1, memory_order_release);
        return;
    }
    for (int spins = 0; atomic_load_explicit(&team->phase, memory_order_acquire) == phase;
         spins++) {
        if (spins < SPIN_BARRIER)
            CPU_RELAX();
        else
            sched_yield();
    }
}

void nn_team_wait_count(atomic_int *count, int target)
{
    for (int spins = 0; atomic_load_explicit(count, memory_order_acquire) < target; spins++) {
        if (spins < SPIN_BARRIER)
            CPU_RELAX();
        else
            sched_yield();
    }
}
