/* `make bench`: the speed figures of issue 6, all measured in one run.
 *
 *   sgemm_peak_gflops        a 2048×2048 sgemm, best of 3, at the bench's thread count
 *   ae_gemm_floor_seconds    the 11 GEMMs of every step of one autoencoder epoch (469 steps of
 *                            batch 128 at the real shapes), nothing else, scheduled the best way
 *                            nnctl knows: the faster of ae_gemm_floor_blas_seconds (one after
 *                            another, OpenBLAS splitting each over the threads) and
 *                            ae_gemm_floor_team_seconds (the training step's schedule: each thread
 *                            runs single-threaded GEMMs on its rows, then on its rows of each W)
 *   ae_seconds_per_epoch     nnctl training the autoencoder with SGD (the study's run, lr 0.2):
 * median of the epochs after the first (60,000 images, batch 128) ae_adam_seconds_per_epoch the
 * same with Adam, plus its first and last epoch ae_gflops, ae_overhead_fraction =
 * ae_seconds_per_epoch / ae_gemm_floor_seconds − 1 xor_us_per_step          the study's XOR (full
 * batch of 4, 10,000 epochs) encode_images_per_second the 10,000 test images through the encoder
 *   ae_adam_update_seconds   the Adam pass alone over the autoencoder's parameters, one epoch
 *                            (ae_bf16_adam_update_seconds: with the bf16 backend's weight copies
 *                            refreshed as in training)
 *   peak_rss_mb              of a child process training the autoencoder (Adam, 2 epochs)
 *   ratio_vs_pytorch/keras   when given --peer pytorch=S --peer keras=S (seconds per epoch)
 * Usage: bench [--threads N] [--epochs N] [--peer NAME=SECONDS]... [--out FILE.json] */
#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nnctl/encode.h"
#include "nnctl/mnist.h"
#include "nnctl/team.h"
#include "nnctl/backend.h"
#include "nnctl/clock.h"
#include "nnctl/coretype.h"
#include "nnctl/cpu.h"
#include "nnctl/onednn.h"
#include "nnctl/mem.h"
#include "nnctl/fsutil.h"
#include "nnctl/json.h"
#include "nnctl/train.h"

static double sgemm_peak(void)
{
    const int n = 2048;
    float *a = malloc((size_t)n * n * 4), *b = malloc((size_t)n * n * 4),
          *c = malloc((size_t)n * n * 4);
    if (!a || !b || !c)
        return NAN;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.1f;
    }
    double best = 1e9;
    for (int r = 0; r < 4; r++) {
        double t = nn_now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        t = nn_now_seconds() - t;
        if (r > 0 && t < best) /* the first call pays thread start-up */
            best = t;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * n / best / 1e9;
}

/* The GEMMs of one autoencoder epoch at the engine's shapes, in two schedules. */
static const int dims[5] = {784, 256, 64, 256, 784};
enum { N_TRAIN = 60000, BATCH = 128 };
static float *fw[4], *fdw[4], *fact[5], *fdz[5], *warena;
static size_t wcount;
/* the backend the floor runs on, and a model holding just the four weight matrices, so that a
 * backend with its own weight copies (bf16) keeps them as in training */
static const struct nn_backend *floor_be = &nn_backend_openblas;
static struct nn_model floor_model;

/* zeroed and 64-byte aligned, as the engine's arenas are */
static float *zalloc(size_t n)
{
    float *p = nn_alloc_aligned_array(n, sizeof *p);
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    return p;
}

static void floor_alloc(void)
{
    wcount = 0;
    for (int l = 0; l < 4; l++)
        wcount += (size_t)dims[l] * (size_t)dims[l + 1];
    warena = zalloc(wcount);
    float *w = warena;
    for (int l = 0; l < 4; l++) {
        fw[l] = w;
        w += (size_t)dims[l] * (size_t)dims[l + 1];
        fdw[l] = zalloc((size_t)dims[l] * (size_t)dims[l + 1]);
        for (size_t i = 0; i < (size_t)dims[l] * (size_t)dims[l + 1]; i++)
            fw[l][i] = 0.01f * (float)((i * 2654435761u) % 200 - 100) / 100.0f;
    }
    for (int l = 0; l < 5; l++) {
        fact[l] = zalloc((size_t)BATCH * (size_t)dims[l]);
        fdz[l] = zalloc((size_t)BATCH * (size_t)dims[l]);
    }
    floor_model.params = warena;
    floor_model.n_params = wcount;
    /* tensor l is W of layer l, as nn_gemm's b_param names it: a backend that keeps packed copies
     * of the weights (bf16 on AMX) finds them as in training */
    floor_model.n_tensors = 4;
    for (int l = 0; l < 4; l++) {
        struct nn_tensor *t = &floor_model.tensors[l];
        t->shape.ndim = 2;
        t->shape.dims[0] = dims[l];
        t->shape.dims[1] = dims[l + 1];
        t->offset = (size_t)(fw[l] - warena);
        t->count = (size_t)dims[l] * (size_t)dims[l + 1];
    }
}

static void floor_free(void)
{
    free(warena);
    for (int l = 0; l < 4; l++)
        free(fdw[l]);
    for (int l = 0; l < 5; l++) {
        free(fact[l]);
        free(fdz[l]);
    }
}

static double step_flops(int b)
{
    double f = 0;
    for (int l = 0; l < 4; l++)
        f += 2.0 * 2.0 * b * dims[l] * dims[l + 1] + (l > 0 ? 2.0 * b * dims[l] * dims[l + 1] : 0);
    return f;
}

/* one after another, each GEMM split by the backend */
static void blas_step(int b)
{
    for (int l = 0; l < 4; l++)
        nn_gemm(floor_be, NN_NO_TRANS, NN_NO_TRANS, b, dims[l + 1], dims[l], 1, fact[l], dims[l],
                fw[l], dims[l + 1], 0, fact[l + 1], dims[l + 1], l);
    for (int l = 3; l >= 0; l--) {
        nn_gemm(floor_be, NN_TRANS, NN_NO_TRANS, dims[l], dims[l + 1], b, 1, fact[l], dims[l],
                fdz[l + 1], dims[l + 1], 0, fdw[l], dims[l + 1], -1);
        if (l > 0)
            nn_gemm(floor_be, NN_NO_TRANS, NN_TRANS, b, dims[l], dims[l + 1], 1, fdz[l + 1],
                    dims[l + 1], fw[l], dims[l + 1], 0, fdz[l], dims[l], l);
    }
}

/* the training step's schedule (step.c): each thread's rows, then chunks of each W (halves of
 * the small layers, quarters of the large ones on 2 threads) claimed in order, top layer first,
 * each as soon as every thread has finished that layer's rows; SGD folded in */
struct floor_job {
    struct nn_team *team;
    int round; /* which repetition: the steps' numbers differ from one to the next */
    int n_chunks, chunk_layer[32], chunk_c[32], chunk_n[32];
    _Alignas(64) atomic_int next;
    _Alignas(64) atomic_int ready[4];
};

static void team_epoch(void *arg, int t, int n)
{
    struct floor_job *j = arg;
    const int align = floor_be->chunk_align ? floor_be->chunk_align() : 0;
    for (int s = 0; s < N_TRAIN; s += BATCH) {
        int b = N_TRAIN - s < BATCH ? N_TRAIN - s : BATCH, lo, hi;
        const long long step = j->round * 1000000LL + s / BATCH + 1;
        nn_team_split(b, t, n, &lo, &hi);
        for (int l = 0; l < 4; l++) {
            /* as training does: each thread's rows of a layer's input and dZ handed to the
             * backend for the weight gradient */
            nn_rows_ready(floor_be, NN_TRANS, fact[l], dims[l], lo, hi - lo, b, dims[l], step);
            nn_gemm(floor_be, NN_NO_TRANS, NN_NO_TRANS, hi - lo, dims[l + 1], dims[l], 1,
                    fact[l] + (size_t)lo * dims[l], dims[l], fw[l], dims[l + 1], 0,
                    fact[l + 1] + (size_t)lo * dims[l + 1], dims[l + 1], l);
        }
        for (int l = 3; l >= 0; l--) {
            nn_rows_ready(floor_be, NN_NO_TRANS, fdz[l + 1], dims[l + 1], lo, hi - lo, b,
                          dims[l + 1], step);
            if (l > 0)
                nn_gemm(floor_be, NN_NO_TRANS, NN_TRANS, hi - lo, dims[l], dims[l + 1], 1,
                        fdz[l + 1] + (size_t)lo * dims[l + 1], dims[l + 1], fw[l], dims[l + 1], 0,
                        fdz[l] + (size_t)lo * dims[l], dims[l], l);
            atomic_fetch_add(&j->ready[l], 1);
        }
        for (;;) {
            int k = atomic_fetch_add(&j->next, 1);
            if (k >= j->n_chunks)
                break;
            int l = j->chunk_layer[k];
            nn_team_wait_count(&j->ready[l], n);
            nn_team_split_aligned(dims[l], j->chunk_c[k], j->chunk_n[k], align, &lo, &hi);

            nn_gemm(floor_be, NN_TRANS, NN_NO_TRANS, hi - lo, dims[l + 1], b, -1e-9f, fact[l] + lo,
                    dims[l], fdz[l + 1], dims[l + 1], 1, fw[l] + (size_t)lo * dims[l + 1],
                    dims[l + 1], -1);
            if (floor_be->params_updated) /* the weight copy follows the chunk, as in training */
                floor_be->params_updated(floor_be, &floor_model,
                                         (size_t)(fw[l] - warena) + (size_t)lo * dims[l + 1],
                                         (size_t)(hi - lo) * dims[l + 1]);
        }
        /* the step ends when every thread is done (nn_team_run's join, here a barrier) */
        nn_team_barrier(j->team);
        if (t == 0) {
            atomic_store(&j->next, 0);
            for (int l = 0; l < 4; l++)
                atomic_store(&j->ready[l], 0);
        }
        nn_team_barrier(j->team);
    }
}

static double gemm_floor(int team_threads, double *flops_out, const struct nn_backend *be)
{
    struct nn_team *team = NULL;
    struct nn_error err;
    floor_be = be;
    if (be->attach && be->attach(be, &floor_model))
        return NAN;
    if (team_threads > 1) {
        if (nn_team_create(team_threads, &team, &err))
            return NAN;
        be->set_threads(1);
    }
    double flops = 0;
    for (int s = 0; s < N_TRAIN; s += BATCH)
        flops += step_flops(N_TRAIN - s < BATCH ? N_TRAIN - s : BATCH);
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t = nn_now_seconds();
        if (team) {
            static struct floor_job j;
            j.team = team;
            j.round = rep;
            j.n_chunks = 0;
            for (int l = 3; l >= 0; l--) {
                int n = dims[l] * dims[l + 1] * 4 >= 784 * 256 ? 2 * team_threads : team_threads;
                for (int c = 0; c < n && j.n_chunks < 32; c++) {
                    j.chunk_layer[j.n_chunks] = l;
                    j.chunk_c[j.n_chunks] = c;
                    j.chunk_n[j.n_chunks++] = n;
                }
            }
            atomic_store(&j.next, 0);
            for (int l = 0; l < 4; l++)
                atomic_store(&j.ready[l], 0);
            nn_team_run(team, team_epoch, &j);
        } else {
            for (int s = 0; s < N_TRAIN; s += BATCH)
                blas_step(N_TRAIN - s < BATCH ? N_TRAIN - s : BATCH);
        }
        t = nn_now_seconds() - t;
        if (t < best)
            best = t;
    }
    if (team) {
        nn_team_free(team);
        be->set_threads(team_threads);
    }
    if (be->detach)
        be->detach(be, &floor_model);
    floor_be = &nn_backend_openblas;
    *flops_out = flops;
    return best;
}

/* The Adam update alone, as the training step runs it (nn_model_optimize): the autoencoder's
 * 435,536 fp32 parameters (its eight tensors), their gradients and both moments, each thread half
 * the rows of each tensor, 469 steps with a barrier after each; with the bf16 backend, its
 * weight copies refreshed as training refreshes them. What no GEMM speed can remove from an Adam
 * epoch: the pass streams 28 bytes per parameter per step (16 read, 12 written), more than a core's
 * L2 holds. */
struct adam_job {
    struct nn_team *team;
    struct nn_optim_spec o;
    struct nn_model model; /* the arenas, the tensors' layout and the backend */
};

static void adam_epoch(void *arg, int t, int T)
{
    struct adam_job *j = arg;
    struct nn_model *m = &j->model;
    for (int s = 0, step = 1; s < N_TRAIN; s += BATCH, step++) {
        for (int k = 0; k < m->n_tensors; k++) {
            const struct nn_tensor *tn = &m->tensors[k];
            const int rows = tn->shape.ndim > 1 ? tn->shape.dims[0] : (int)tn->count;
            const size_t per = tn->count / (size_t)rows;
            int lo, hi;
            nn_team_split(rows, t, T, &lo, &hi);
            if (hi > lo)
                nn_model_optimize(m, &j->o, step, tn->offset + (size_t)lo * per,
                                  (size_t)(hi - lo) * per, per);
        }
        nn_team_barrier(j->team);
    }
}

static double adam_floor(int team_threads, const struct nn_backend *be)
{
    static struct adam_job j; /* the model struct is large */
    memset(&j, 0, sizeof j);
    j.o = nn_optim_adam(0.005, 0.9, 0.999, 1e-8);
    j.model.backend = be;
    size_t n = 0;
    for (int l = 0; l < 4; l++) { /* W (in × out) and b (out), as the model lays them out */
        struct nn_tensor *w = &j.model.tensors[2 * l], *b = &j.model.tensors[2 * l + 1];
        w->shape.ndim = 2;
        w->shape.dims[0] = dims[l];
        w->shape.dims[1] = dims[l + 1];
        w->offset = n;
        w->count = (size_t)dims[l] * (size_t)dims[l + 1];
        n += w->count;
        b->shape.ndim = 1;
        b->shape.dims[0] = dims[l + 1];
        b->offset = n;
        b->count = (size_t)dims[l + 1];
        n += b->count;
    }
    j.model.n_tensors = 8;
    j.model.n_params = n;
    struct nn_error err;
    float *w = zalloc(n), *g = zalloc(n), *state = zalloc(2 * n);
    j.model.params = w;
    j.model.grads = g;
    j.model.opt_state = state;
    memset(state, 0, 2 * n * sizeof *state);
    for (size_t i = 0; i < n; i++) { /* gradients of a plausible size, none zero */
        w[i] = 0.01f * (float)((i * 7919) % 200 - 100);
        g[i] = 1e-4f * (float)((i * 104729) % 200 - 99.5);
    }
    double best = NAN;
    if ((!be->attach || be->attach(be, &j.model) == 0) &&
        !nn_team_create(team_threads, &j.team, &err)) {
        for (int rep = 0; rep < 3; rep++) {
            double t = nn_now_seconds();
            nn_team_run(j.team, adam_epoch, &j);
            t = nn_now_seconds() - t;
            if (!(t >= best))
                best = t;
        }
        nn_team_free(j.team);
        if (be->detach)
            be->detach(be, &j.model);
    }
    free(w);
    free(g);
    free(state);
    return best;
}

static int train_config(const char *path, const char *const *sets, int n, int threads,
                        struct nn_train_result *r, double *median_out, const char *out_dir)
{
    struct nn_config cfg;
    struct nn_diags d = {0};
    if (nn_config_load(path, NULL, sets, n, &cfg, &d)) {
        nn_diags_print(&d, stderr);
        return -1;
    }
    /* bench/out/ is rewritten by every run: replace what the last one left */
    struct nn_train_opts o = {.out_dir = out_dir, .threads = threads, .quiet = 1, .overwrite = 1};
    struct nn_error err = {0};
    int rc = nn_train(&cfg, &o, r, &err);
    nn_config_free(&cfg);
    if (rc) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    if (median_out) {
        /* read the per-epoch seconds back from history.csv: the median after the first */
        char hp[512];
        snprintf(hp, sizeof hp, "%s/history.csv", out_dir);
        FILE *f = fopen(hp, "r");
        double secs[1024] = {0};
        int k = 0;
        char line[256];
        while (f && fgets(line, sizeof line, f) && k < 1024) {
            int ep;
            double tl, s, sps;
            char tb[64];
            if (sscanf(line, "%d,%lf,%63[^,],%lf,%lf", &ep, &tl, tb, &s, &sps) == 5 ||
                sscanf(line, "%d,%lf,,%lf,%lf", &ep, &tl, &s, &sps) == 4)
                secs[k++] = s;
        }
        if (f)
            fclose(f);
        median_out[1] = k ? secs[0] : NAN;
        median_out[2] = k ? secs[k - 1] : NAN;
        int m = k - 1;
        for (int i = 1; i < k; i++)
            for (int j = i; j > 1 && secs[j - 1] > secs[j]; j--) {
                double t = secs[j];
                secs[j] = secs[j - 1];
                secs[j - 1] = t;
            }
        median_out[0] = m <= 0  ? NAN
                        : m % 2 ? secs[1 + m / 2]
                                : 0.5 * (secs[m / 2] + secs[m / 2 + 1]);
    }
    return 0;
}

/* ---- conv nets: the share of the step outside the GEMMs (issue 25) ---- */

/* OpenBLAS with a clock around every GEMM: registered as "timed-openblas", it trains LeNet while
 * the threads' GEMM seconds add up (a thread's own clock, so the team's threads sum apart). */
static _Atomic long long gemm_ns;
static struct nn_backend timed_be;

static void timed_gemm(const struct nn_backend *be, enum nn_trans ta, enum nn_trans tb, int m,
                       int n, int k, nn_real alpha, const nn_real *a, int lda, const nn_real *b,
                       int ldb, nn_real beta, nn_real *c, int ldc, int b_param)
{
    (void)be;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    nn_backend_openblas.gemm(&nn_backend_openblas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                             ldc, b_param);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    gemm_ns += (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
}

/* One epoch of configs/mnist_lenet.yaml on the first 10,000 training images: the GEMMs' share
 * of the threads' time (GEMM seconds over threads × the run's wall seconds, the test pass
 * included); the rest is im2col and col2im, pooling, activations, the optimizer and waits. */
static double lenet_gemm_share(int threads, double *seconds)
{
    timed_be = nn_backend_openblas;
    timed_be.name = "timed-openblas";
    timed_be.doc = "OpenBLAS, each GEMM timed (bench)";
    timed_be.gemm = timed_gemm;
    *seconds = NAN;
    if (!nn_backend_find(timed_be.name) && nn_backend_register(&timed_be))
        return NAN;
    const char *sets[] = {"training.backend=timed-openblas", "training.epochs=1",
                          "data.train_limit=10000", "data.test_limit=2000"};
    struct nn_train_result r;
    gemm_ns = 0;
    const double t0 = nn_now_seconds();
    if (train_config("configs/mnist_lenet.yaml", sets, 4, threads, &r, NULL,
                     "bench/out/lenet_gemm"))
        return NAN;
    *seconds = nn_now_seconds() - t0;
    return (double)gemm_ns * 1e-9 / ((double)threads * *seconds);
}

/* The OpenBLAS core types worth timing on this CPU: those it can run, best first, and Prescott
 * (the fallback) for scale. */
static void list_coretypes(void)
{
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    int level = nn_cpu_level(&cpu);
    if (level >= 4)
        printf("SkylakeX Cooperlake ");
    if (level >= 3)
        printf("Haswell Zen ");
    if (level >= 2)
        printf("Sandybridge ");
    printf("Prescott\n");
}

/* Seconds of training until history.csv's test loss first reaches `target` (NAN: never), and the
 * epoch where it did. */
static double time_to_quality(const char *dir, double target, int *epoch)
{
    char hp[512], line[256];
    snprintf(hp, sizeof hp, "%s/history.csv", dir);
    FILE *f = fopen(hp, "r");
    double total = 0;
    *epoch = 0;
    while (f && fgets(line, sizeof line, f)) {
        int ep;
        double tl, te, s, sps;
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf", &ep, &tl, &te, &s, &sps) != 5)
            continue;
        total += s;
        if (te <= target) {
            *epoch = ep;
            fclose(f);
            return total;
        }
    }
    if (f)
        fclose(f);
    return NAN;
}

int main(int argc, char **argv)
{
    nn_backend_default()->startup(argv); /* as nnctl does: better kernels if OpenBLAS fell back */
    int threads = 2, epochs = 10, sgd_only = 0, floor_only = 0;
    const char *out = "bench/results.json", *best_core = NULL, *core_times = NULL;
    double peer_torch = NAN, peer_keras = NAN, best_secs = NAN;
    /* the peers' Adam epochs, fp32 and bf16 (PyTorch with the fused Adam and autocast, Keras with
     * the mixed_bfloat16 policy), for the bf16 comparison */
    double torch_adam = NAN, torch_bf16_adam = NAN, keras_adam = NAN, keras_bf16_adam = NAN;
    /* figures measured by scripts/bench.sh around this binary (the SVM step), for results.json */
    const char *extra[32];
    int n_extra = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list-coretypes")) {
            list_coretypes();
            return 0;
        } else if (!strcmp(argv[i], "--sgd-only")) {
            sgd_only = 1;
        } else if (!strcmp(argv[i], "--bf16-floor-only")) {
            floor_only = 1; /* the bf16 GEMM floor and the Adam pass, for profiling */
        } else if (!strcmp(argv[i], "--best-coretype") && i + 1 < argc) {
            /* NAME=SECONDS: the SGD epoch with OPENBLAS_CORETYPE=NAME set by hand */
            best_core = argv[++i];
            const char *eq = strchr(best_core, '=');
            best_secs = eq ? atof(eq + 1) : NAN;
        } else if (!strcmp(argv[i], "--extra") && i + 1 < argc) {
            if (n_extra < 32)
                extra[n_extra++] = argv[++i]; /* KEY=NUMBER */
            else
                i++;
        } else if (!strcmp(argv[i], "--coretype-times") && i + 1 < argc) {
            core_times = argv[++i]; /* "SkylakeX=0.58 Haswell=0.75 ...", for the record */
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc)
            epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--peer") && i + 1 < argc) {
            const char *p = argv[++i];
            if (!strncmp(p, "pytorch=", 8))
                peer_torch = atof(p + 8);
            else if (!strncmp(p, "pytorch_adam=", 13))
                torch_adam = atof(p + 13);
            else if (!strncmp(p, "pytorch_bf16_adam=", 18))
                torch_bf16_adam = atof(p + 18);
            else if (!strncmp(p, "keras_adam=", 11))
                keras_adam = atof(p + 11);
            else if (!strncmp(p, "keras_bf16_adam=", 16))
                keras_bf16_adam = atof(p + 16);
            else if (!strncmp(p, "keras=", 6))
                peer_keras = atof(p + 6);
        } else {
            fprintf(stderr, "usage: bench [--threads N] [--epochs N] [--peer pytorch=S] [--peer "
                            "keras=S] [--best-coretype NAME=S] [--coretype-times LIST] [--out "
                            "FILE] | --sgd-only | --bf16-floor-only | --list-coretypes\n");
            return 2;
        }
    }
    if (threads < 1 || epochs < 2) {
        fprintf(stderr, "bench: --threads >= 1 and --epochs >= 2\n");
        return 2;
    }
    nn_backend_default()->set_threads(threads);
    char blas[256], cpu[600];
    nn_backend_default()->describe(blas, sizeof blas);
    /* every figure carries the CPU it ran on: brand, vendor, family and model (lscpu's) */
    struct nn_cpu hw;
    nn_cpu_detect(&hw);
    const int amx = nn_cpu_has(&hw, NN_CPU_AMX_BF16);
    snprintf(cpu, sizeof cpu, "%s (%s family %d model %d%s)", hw.brand[0] ? hw.brand : "unknown",
             hw.vendor, hw.family, hw.model,
             amx                                   ? "; AMX-BF16"
             : nn_cpu_has(&hw, NN_CPU_AVX512_BF16) ? "; AVX512-BF16, no AMX"
             : nn_cpu_has(&hw, NN_CPU_AVX512F)     ? "; AVX-512, no bf16"
                                                   : "; no AVX-512");
    /* issue 13's bf16 targets are about the matrix engine: judged only where it exists */
    const char *amx_only = amx ? "" : " (AMX target: not judged, this CPU has no AMX)";
    if (floor_only) {
        char why[256];
        double flops = 0;
        if (nn_backend_onednn_bf16.check(why, sizeof why)) {
            printf("bf16: %s\n", why);
            return 1;
        }
        floor_alloc();
        const double f = gemm_floor(threads, &flops, &nn_backend_onednn_bf16);
        floor_free();
        printf("ae_bf16_gemm_floor_seconds  %8.3f   (%.1f GFLOP/s)\n", f, flops / f * 1e-9);
        printf("ae_bf16_adam_update_seconds %8.3f\n", adam_floor(threads, &nn_backend_onednn_bf16));
        return 0;
    }
    if (sgd_only) {
        /* one number, measured as the full run measures it: for timing core types side by side */
        char ep1[32];
        snprintf(ep1, sizeof ep1, "training.epochs=%d", epochs);
        const char *sets[] = {ep1, "data.test_limit=1", "training.checkpoint_every=0"};
        struct nn_train_result r1;
        double med[3];
        if (train_config("configs/mnist_autoencoder_seed.yaml", sets, 3, threads, &r1, med,
                         "bench/out/sgd_core"))
            return 1;
        printf("%.6f\n", med[0]);
        return 0;
    }
    printf("bench: %d threads, %s, %s\n", threads, cpu, blas);
    /* peak RSS of an autoencoder training run, measured on a child process forked first, before
     * this process holds the benchmarks' own buffers (a child counts its parent's pages) */
    double rss = NAN;
    pid_t pid = fork();
    if (pid == 0) {
        const char *s2[] = {"training.epochs=2", "training.checkpoint_every=0"};
        struct nn_train_result rr;
        _exit(train_config("configs/mnist_autoencoder.yaml", s2, 2, threads, &rr, NULL,
                           "bench/out/rss")
                  ? 1
                  : 0);
    } else if (pid > 0) {
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            rss = ru.ru_maxrss / 1024.0;
    }
    printf("peak_rss_mb                 %8.1f   (autoencoder training process; target <= 200)\n",
           rss);

    double peak = sgemm_peak();
    printf("sgemm_peak_gflops           %8.1f   (2048^3 sgemm)\n", peak);
    double flops;
    floor_alloc();
    double floor_blas = gemm_floor(1, &flops, &nn_backend_openblas);
    double floor_team = threads > 1 ? gemm_floor(threads, &flops, &nn_backend_openblas) : NAN;
    char why[256];
    const int bf16 = nn_backend_onednn_bf16.check(why, sizeof why) == 0;
    double floor_bf16 = NAN;
    if (bf16) {
        double f1 = gemm_floor(1, &flops, &nn_backend_onednn_bf16);
        double f2 = threads > 1 ? gemm_floor(threads, &flops, &nn_backend_onednn_bf16) : NAN;
        floor_bf16 = f2 < f1 ? f2 : f1;
        nn_backend_openblas.set_threads(threads);
    }
    floor_free();
    /* the Adam pass alone (fp32, and with the bf16 backend's weight copies as the bf16 run) */
    const double adam_upd = adam_floor(threads, &nn_backend_openblas),
                 adam_upd16 = bf16 ? adam_floor(threads, &nn_backend_onednn_bf16) : NAN;
    printf("ae_adam_update_seconds      %8.3f   (the Adam pass alone over 435,536 parameters, "
           "469 steps; with the bf16 backend's weight copies %.3f)\n",
           adam_upd, adam_upd16);
    double floor_s = floor_team < floor_blas ? floor_team : floor_blas;
    printf("ae_gemm_floor_blas_seconds  %8.3f   (one GEMM after another, OpenBLAS on %d threads)\n",
           floor_blas, threads);
    printf("ae_gemm_floor_team_seconds  %8.3f   (the training step's schedule on %d threads)\n",
           floor_team, threads);
    printf("ae_gemm_floor_seconds       %8.3f   (%.1f GFLOP/s over the epoch's 11 GEMMs/step)\n",
           floor_s, flops / floor_s / 1e9);

    char ep[32], sgd_dir[] = "bench/out/sgd", adam_dir[] = "bench/out/adam",
                 xor_dir[] = "bench/out/xor";
    snprintf(ep, sizeof ep, "training.epochs=%d", epochs);
    const char *sgd[] = {ep, "data.test_limit=1", "training.checkpoint_every=0"};
    const char *adam[] = {ep, "data.test_limit=1", "training.checkpoint_every=0"};
    struct nn_train_result r;
    double med_sgd[3], med_adam[3];
    if (train_config("configs/mnist_autoencoder_seed.yaml", sgd, 3, threads, &r, med_sgd,
                     sgd_dir) ||
        train_config("configs/mnist_autoencoder.yaml", adam, 3, threads, &r, med_adam, adam_dir))
        return 1;
    printf("ae_seconds_per_epoch        %8.3f   (SGD, median of epochs 2..%d)\n", med_sgd[0],
           epochs);
    printf("ae_adam_seconds_per_epoch   %8.3f   (Adam; first epoch %.3f, last %.3f)\n", med_adam[0],
           med_adam[1], med_adam[2]);
    double gflops = flops / med_sgd[0] / 1e9, overhead = med_sgd[0] / floor_s - 1;
    printf("ae_gflops                   %8.1f\n", gflops);
    printf("ae_overhead_fraction        %8.3f   (target <= 0.10)\n", overhead);
    printf("adam_over_sgd               %8.3f   (target <= 1.15)\n", med_adam[0] / med_sgd[0]);

    /* bfloat16 on the matrix engine (the onednn-bf16 backend), when this CPU has it */
    double bf16_sgd[3] = {NAN, NAN, NAN}, bf16_adam[3] = {NAN, NAN, NAN};
    double ttq16 = NAN, ttq32 = NAN, mse16 = NAN, mse32 = NAN;
    int ttq16_ep = 0, ttq32_ep = 0;
    if (bf16) {
        const char *sgd16[] = {ep, "data.test_limit=1", "training.checkpoint_every=0",
                               "training.precision=bfloat16"};
        const char *adam16[] = {ep, "data.test_limit=1", "training.checkpoint_every=0",
                                "training.precision=bfloat16"};
        if (train_config("configs/mnist_autoencoder_seed.yaml", sgd16, 4, threads, &r, bf16_sgd,
                         "bench/out/sgd16") ||
            train_config("configs/mnist_autoencoder.yaml", adam16, 4, threads, &r, bf16_adam,
                         "bench/out/adam16"))
            return 1;
        /* time to the study's quality, on the whole test set: the default config, 5 epochs */
        const char *q16[] = {"training.epochs=5", "training.checkpoint_every=0",
                             "training.precision=bfloat16"};
        const char *q32[] = {"training.epochs=5", "training.checkpoint_every=0"};
        if (train_config("configs/mnist_autoencoder.yaml", q16, 3, threads, &r, NULL,
                         "bench/out/q16"))
            return 1;
        mse16 = r.final_test_loss;
        if (train_config("configs/mnist_autoencoder.yaml", q32, 2, threads, &r, NULL,
                         "bench/out/q32"))
            return 1;
        mse32 = r.final_test_loss;
        ttq16 = time_to_quality("bench/out/q16", 0.0099, &ttq16_ep);
        ttq32 = time_to_quality("bench/out/q32", 0.0099, &ttq32_ep);
        printf(
            "ae_bf16_gemm_floor_seconds  %8.3f   (the same GEMMs in bf16 on the matrix engine)\n",
            floor_bf16);
        printf("ae_bf16_seconds_per_epoch   %8.3f   (SGD; fp32 %.3f: %.2fx faster; non-GEMM share "
               "%.0f%%)\n",
               bf16_sgd[0], med_sgd[0], med_sgd[0] / bf16_sgd[0],
               100 * (1 - floor_bf16 / bf16_sgd[0]));
        printf("ae_bf16_adam_seconds_per_epoch %5.3f   (Adam; fp32 %.3f, %.2fx; target <= 0.25; "
               "non-GEMM share %.0f%%, target <= 35%%%s)\n",
               bf16_adam[0], med_adam[0], bf16_adam[0] / med_adam[0],
               100 * (1 - floor_bf16 / bf16_adam[0]), amx_only);
        printf("ae_bf16_seconds_to_mse_0.0099 %6.3f   (epoch %d; fp32 %.3f s, epoch %d; target <= "
               "1%s)\n",
               ttq16, ttq16_ep, ttq32, ttq32_ep, amx_only);
        printf("ae_bf16_test_mse_5_epochs   %8.6f   (fp32 %.6f: %+.1f%%)\n", mse16, mse32,
               100 * (mse16 / mse32 - 1));
        double best_torch =
            torch_bf16_adam < torch_adam || isnan(torch_adam) ? torch_bf16_adam : torch_adam;
        if (!isnan(best_torch))
            printf("ratio_bf16_vs_pytorch       %8.3f   (nnctl bf16 Adam / PyTorch's faster Adam: "
                   "fp32 %.3f, bf16 %.3f s/epoch; target <= 0.12%s)\n",
                   bf16_adam[0] / best_torch, torch_adam, torch_bf16_adam, amx_only);
        if (!isnan(keras_adam) || !isnan(keras_bf16_adam))
            printf("keras_adam                  %8.3f   (s/epoch; mixed_bfloat16 %.3f)\n",
                   keras_adam, keras_bf16_adam);
    } else {
        printf("bf16: skipped: %s\n", why);
    }

    const char *xs[] = {"training.checkpoint_every=0"};
    if (train_config("configs/xor.yaml", xs, 1, threads, &r, NULL, xor_dir))
        return 1;
    double xor_us = r.train_seconds / r.epochs * 1e6;
    printf("xor_us_per_step             %8.3f   (target <= 2)\n", xor_us);

    /* encode: the 10,000 test images through the latent layer of the Adam run's checkpoint */
    char img[1024];
    struct nn_error err = {0};
    double enc = NAN;
    if (nn_mnist_path(NULL, "t10k-images-idx3-ubyte", img, sizeof img, &err) == NN_OK) {
        struct nn_encode_opts eo = {.layer = "latent", .input = img, .output = "bench/out/z.idx"};
        struct nn_encode_result er;
        if (nn_encode("bench/out/adam/model.ckpt", &eo, &er, &err) == NN_OK)
            enc = er.n / er.seconds;
    }
    printf("encode_images_per_second    %8.0f\n", enc);

    double lenet_s;
    const double lenet_gemm = lenet_gemm_share(threads, &lenet_s);
    printf(
        "lenet_gemm_share            %8.3f   (1 epoch on 10,000 images and 2,000 tested: %.2f s; "
        "the rest, %.0f%%, is im2col, pooling, activations, the optimizer, waits and loading)\n",
        lenet_gemm, lenet_s, 100 * (1 - lenet_gemm));

    if (best_core) {
        printf("ae_seconds_per_epoch_best_coretype %6.3f   (OPENBLAS_CORETYPE=%.*s by hand; "
               "this run %.3f: %+.1f%%, target within 10%%)\n",
               best_secs, (int)strcspn(best_core, "="), best_core, med_sgd[0],
               100 * (med_sgd[0] / best_secs - 1));
    }
    double rt = med_sgd[0] / peer_torch, rk = med_sgd[0] / peer_keras;
    if (!isnan(peer_torch))
        printf("ratio_vs_pytorch            %8.3f   (PyTorch %.3f s/epoch; target <= 0.6)\n", rt,
               peer_torch);
    if (!isnan(peer_keras))
        printf("ratio_vs_keras              %8.3f   (Keras %.3f s/epoch; target <= 0.5)\n", rk,
               peer_keras);

    time_t tnow = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&tnow));
    struct nn_sb sb = {0};
    struct nn_json j;
    nn_json_init(&j, &sb);
    nn_json_object(&j, NULL, 0);
    nn_json_str(&j, "date", date);
    nn_json_str(&j, "nnctl_version", NN_VERSION);
    nn_json_str(&j, "cpu", cpu);
    nn_json_str(&j, "cpu_vendor", hw.vendor);
    nn_json_int(&j, "cpu_family", hw.family);
    nn_json_int(&j, "cpu_model", hw.model);
    nn_json_bool(&j, "cpu_amx_bf16", amx);
    nn_json_bool(&j, "cpu_avx512_bf16", nn_cpu_has(&hw, NN_CPU_AVX512_BF16));
    nn_json_str(&j, "blas", blas);
    nn_json_int(&j, "threads", threads);
    nn_json_int(&j, "epochs", epochs);
    struct nn_backend_fact facts[NN_BACKEND_MAX_FACTS];
    const struct nn_backend *be = nn_backend_default();
    int n_facts = be->facts ? be->facts(facts, NN_BACKEND_MAX_FACTS) : 0;
    for (int k = 0; k < n_facts; k++)
        nn_json_str(&j, facts[k].key, facts[k].value);
    if (best_core) {
        char best_name[64];
        snprintf(best_name, sizeof best_name, "%.*s", (int)strcspn(best_core, "="), best_core);
        nn_json_str(&j, "best_coretype", best_name);
    } else {
        nn_json_null(&j, "best_coretype");
    }
    if (core_times)
        nn_json_str(&j, "coretype_seconds_per_epoch", core_times);
    const struct {
        const char *key;
        double v;
    } nums[] = {
        {"sgemm_peak_gflops", peak},
        {"ae_gemm_floor_seconds", floor_s},
        {"ae_gemm_floor_blas_seconds", floor_blas},
        {"ae_gemm_floor_team_seconds", floor_team},
        {"ae_seconds_per_epoch_over_blas_floor", med_sgd[0] / floor_blas},
        {"ae_seconds_per_epoch", med_sgd[0]},
        {"ae_seconds_per_epoch_best_coretype", best_secs},
        {"ae_seconds_per_epoch_over_best_coretype", med_sgd[0] / best_secs},
        {"ae_adam_seconds_per_epoch", med_adam[0]},
        {"ae_adam_first_epoch_seconds", med_adam[1]},
        {"ae_adam_last_epoch_seconds", med_adam[2]},
        {"ae_bf16_gemm_floor_seconds", floor_bf16},
        {"ae_bf16_seconds_per_epoch", bf16_sgd[0]},
        {"ae_bf16_adam_seconds_per_epoch", bf16_adam[0]},
        {"ae_bf16_adam_non_gemm_fraction", 1 - floor_bf16 / bf16_adam[0]},
        {"ae_adam_update_seconds", adam_upd},
        {"ae_bf16_adam_update_seconds", adam_upd16},
        {"ae_bf16_seconds_to_test_mse_0.0099", ttq16},
        {"pytorch_adam_seconds_per_epoch", torch_adam},
        {"pytorch_bf16_adam_seconds_per_epoch", torch_bf16_adam},
        {"keras_adam_seconds_per_epoch", keras_adam},
        {"keras_bf16_adam_seconds_per_epoch", keras_bf16_adam},
        {"ratio_bf16_vs_pytorch",
         bf16_adam[0] /
             (torch_bf16_adam < torch_adam || isnan(torch_adam) ? torch_bf16_adam : torch_adam)},
        {"ae_seconds_to_test_mse_0.0099", ttq32},
        {"ae_bf16_test_mse_5_epochs", mse16},
        {"ae_test_mse_5_epochs", mse32},
        {"ae_gflops", gflops},
        {"ae_overhead_fraction", overhead},
        {"xor_us_per_step", xor_us},
        {"encode_images_per_second", enc},
        {"lenet_gemm_share", lenet_gemm},
        {"lenet_non_gemm_share", 1 - lenet_gemm},
        {"peak_rss_mb", rss},
        {"pytorch_seconds_per_epoch", peer_torch},
        {"ratio_vs_pytorch", rt},
        {"keras_seconds_per_epoch", peer_keras},
        {"ratio_vs_keras", rk},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        nn_json_numf(&j, nums[i].key, "%.6g", nums[i].v); /* NaN (not measured): null */
    for (int i = 0; i < n_extra; i++) {
        char key[64];
        const char *eq = strchr(extra[i], '=');
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - extra[i]) : 63, extra[i]);
        nn_json_numf(&j, key, "%.6g", eq ? atof(eq + 1) : NAN);
    }
    nn_json_end(&j);
    struct nn_error jerr;
    if (nn_sb_write_file(&sb, out, &jerr)) {
        fprintf(stderr, "bench: %s\n", jerr.msg);
        return 1;
    }
    printf("wrote %s\n", out);
    return 0;
}
