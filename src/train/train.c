/* The training loop: shuffle, gather, forward, loss, backward, update; metrics and checkpoints.
 *
 * Everything the loop touches is allocated before the first epoch: the model's arenas, the batch
 * buffers, the permutation and the history. The loop itself never allocates. */
#include <cblas.h>
#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "nnctl/fsutil.h"
#include "nnctl/team.h"
#include "nnctl/train.h"

void nn_blas_describe(char *buf, size_t len)
{
    snprintf(buf, len, "%s; core %s", openblas_get_config(), openblas_get_corename());
}

void nn_blas_set_threads(int threads)
{
    if (threads > 0)
        openblas_set_num_threads(threads);
}

int nn_blas_threads(void)
{
    return openblas_get_num_threads();
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Subnormal floats (Adam's moments for rows whose gradient is exactly zero) make every operation
 * on them ~100× slower; flushing them to zero costs nothing measurable in accuracy. */
static void flush_denormals(void)
{
#if defined(__SSE__) || defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8040); /* FTZ | DAZ */
#endif
}

static int last_activation(const struct nn_model *m)
{
    for (int i = m->n_layers - 1; i >= 0; i--) {
        int k = m->layers[i].spec.kind;
        if (k == NN_LAYER_DENSE || k == NN_LAYER_ACT)
            return m->layers[i].spec.act;
    }
    return NN_ACT_IDENTITY;
}

void nn_evaluate(struct nn_model *m, const struct nn_dataset *ds, uint32_t *idx, nn_real *x,
                 nn_real *y, double *loss, double *accuracy)
{
    const int D = m->out_size;
    const int classifier = m->cfg.loss == NN_LOSS_CCE || ds->target == NN_TARGET_ONEHOT;
    const int binary = !classifier && last_activation(m) == NN_ACT_SIGMOID;
    /* With a fused sigmoid head the outputs are logits: p ≥ 0.5 exactly when z ≥ 0. */
    const nn_real threshold = m->head_layer >= 0 ? 0 : (nn_real)0.5;
    double lsum = 0;
    long long correct = 0, total = 0;
    int non_binary_target = 0;
    for (int start = 0; start < ds->n; start += m->max_batch) {
        int B = ds->n - start < m->max_batch ? ds->n - start : m->max_batch;
        for (int r = 0; r < B; r++)
            idx[r] = (uint32_t)(start + r);
        const nn_real *t = nn_dataset_gather(ds, idx, B, x, y);
        const nn_real *out = nn_model_forward(m, x, B, -1);
        lsum += nn_loss(m->cfg.loss, out, t, B, D, NULL) * B;
        for (int r = 0; r < B && (classifier || binary); r++) {
            const nn_real *o = out + (size_t)r * (size_t)D, *tr = t + (size_t)r * (size_t)D;
            if (classifier) {
                int po = 0, pt = 0;
                for (int j = 1; j < D; j++) {
                    po = o[j] > o[po] ? j : po;
                    pt = tr[j] > tr[pt] ? j : pt;
                }
                correct += po == pt;
                total++;
            } else {
                for (int j = 0; j < D; j++) {
                    non_binary_target |= tr[j] != 0 && tr[j] != 1;
                    correct += (o[j] >= threshold) == (tr[j] == 1);
                    total++;
                }
            }
        }
    }
    *loss = ds->n ? lsum / ds->n : NAN;
    *accuracy = total && !non_binary_target ? (double)correct / (double)total : NAN;
}

struct history_row {
    double train_loss, test_loss, seconds, samples_per_second;
};

static int write_history(const char *path, const struct history_row *h, int n, struct nn_error *err)
{
    size_t cap = 128 + (size_t)n * 128;
    char *buf = malloc(cap);
    if (!buf)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory writing %s", path);
    size_t len =
        (size_t)snprintf(buf, cap, "epoch,train_loss,test_loss,seconds,samples_per_second\n");
    for (int i = 0; i < n; i++) {
        char test[40] = "";
        if (!isnan(h[i].test_loss))
            snprintf(test, sizeof test, "%.9g", h[i].test_loss);
        len += (size_t)snprintf(buf + len, cap - len, "%d,%.9g,%s,%.6f,%.1f\n", i + 1,
                                h[i].train_loss, test, h[i].seconds, h[i].samples_per_second);
    }
    int rc = nn_write_file_atomic(path, buf, len, err);
    free(buf);
    return rc;
}

/* Reads back the rows of a previous run's history.csv when resuming. */
static int read_history(const char *path, struct history_row *h, int want, struct nn_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, (size_t)64 << 20, &text, &len, err);
    if (rc)
        return rc;
    int got = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && got < want;
         line = strtok_r(NULL, "\n", &save)) {
        int ep;
        double tl, te = NAN, s, sps;
        char tbuf[64];
        if (sscanf(line, "%d,%lf,%63[^,],%lf,%lf", &ep, &tl, tbuf, &s, &sps) == 5) {
            te = strtod(tbuf, NULL);
        } else if (sscanf(line, "%d,%lf,,%lf,%lf", &ep, &tl, &s, &sps) != 4) {
            continue;
        }
        if (ep != got + 1)
            break;
        h[got++] = (struct history_row){tl, te, s, sps};
    }
    free(text);
    if (got != want)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'epoch': the checkpoint is at epoch %d but the history has "
                            "%d consecutive rows",
                            path, want, got);
    return NN_OK;
}

static double median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    for (int i = 1; i < n; i++) /* insertion sort: n is the epoch count, done once */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void json_num(FILE *f, const char *key, double v, int last)
{
    if (isnan(v) || isinf(v))
        fprintf(f, "  \"%s\": null%s\n", key, last ? "" : ",");
    else
        fprintf(f, "  \"%s\": %.9g%s\n", key, v, last ? "" : ",");
}

static void json_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, "  \"%s\": \"", key);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            fprintf(f, "\\%c", *v);
        else if ((unsigned char)*v < 0x20)
            fprintf(f, "\\u%04x", *v);
        else
            fputc(*v, f);
    }
    fprintf(f, "\",\n");
}

static int write_metrics(const char *path, const struct nn_config *cfg, const struct nn_model *m,
                         int threads, int team, const struct nn_train_result *r,
                         double median_epoch, long n_train, struct nn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory writing %s", path);
    char blas[256];
    nn_blas_describe(blas, sizeof blas);
    fprintf(f, "{\n");
    json_str(f, "nnctl_version", NN_VERSION);
    json_str(f, "config", cfg->path);
    json_str(f, "loss", nn_loss_name(cfg->loss));
    json_str(f, "optimizer", cfg->optim.kind == NN_OPT_ADAM ? "adam" : "sgd");
    json_str(f, "real", NN_REAL_NAME);
    json_str(f, "blas", blas);
    fprintf(f, "  \"threads\": %d,\n", threads);
    /* "batch": the step's own threads split the batch (OpenBLAS single-threaded); "blas":
     * OpenBLAS splits each GEMM */
    json_str(f, "parallel", team ? "batch" : "blas");
    fprintf(f, "  \"seed\": %llu,\n", (unsigned long long)cfg->train.seed);
    fprintf(f, "  \"parameters\": %zu,\n", m->n_params);
    fprintf(f, "  \"train_samples\": %ld,\n", n_train);
    fprintf(f, "  \"batch_size\": %d,\n", cfg->train.batch_size);
    fprintf(f, "  \"epochs\": %d,\n", r->epochs);
    json_num(f, "final_train_loss", r->final_train_loss, 0);
    json_num(f, "eval_train_loss", r->eval_train_loss, 0);
    json_num(f, "final_test_loss", r->final_test_loss, 0);
    json_num(f, "accuracy", r->train_accuracy, 0);
    json_num(f, "test_accuracy", r->test_accuracy, 0);
    json_num(f, "train_seconds", r->train_seconds, 0);
    json_num(f, "seconds_per_epoch", median_epoch, 0);
    json_num(f, "samples_per_second",
             r->train_seconds > 0 ? (double)n_train * r->epochs / r->train_seconds : NAN, 1);
    fprintf(f, "}\n");
    if (fclose(f) != 0) {
        free(buf);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory writing %s", path);
    }
    int rc = nn_write_file_atomic(path, buf, len, err);
    free(buf);
    return rc;
}

static void fmt_eta(double s, char *buf, size_t len)
{
    if (s >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, len, "%.1fs", s);
}

/* The config text a resumed run must match: the resolved YAML without training.epochs, which a
 * user may raise to train a finished run further. */
static void strip_epochs(char *yaml)
{
    char *p = strstr(yaml, "\n  epochs: ");
    if (p) {
        char *e = strchr(p + 1, '\n');
        if (e)
            memmove(p, e, strlen(e) + 1);
    }
}

/* Describes the first line where two resolved configs differ, e.g.
 * "optimizer: checkpoint has 'learning_rate: 0.005', config has 'learning_rate: 0.1'". */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    char section[64] = "";
    while (*a || *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la)) {
            const char *ta = a, *tb = b;
            while (*ta == ' ' || *ta == '-')
                ta++, la--;
            while (*tb == ' ' || *tb == '-')
                tb++, lb--;
            snprintf(out, len, "%s%scheckpoint has '%.*s', config has '%.*s'", section,
                     section[0] ? ": " : "", (int)(la > 120 ? 120 : la), ta,
                     (int)(lb > 120 ? 120 : lb), tb);
            return;
        }
        if (a[0] != ' ' && a[0] != '-') {
            const char *colon = memchr(a, ':', la);
            snprintf(section, sizeof section, "%.*s", colon ? (int)(colon - a) : 0, a);
        }
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    snprintf(out, len, "no difference found");
}

static int all_finite(const nn_real *v, size_t n)
{
    nn_real acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += v[i] * 0; /* NaN·0 and Inf·0 are NaN; finite·0 is 0 */
    return acc == 0;
}

/* Names the first place where non-finite numbers appear after a forward pass whose loss was not
 * finite: the batch's input, a layer's parameters (a gradient step made them NaN or Inf), or a
 * layer's output (overflow in the forward pass). Runs only after a failure. */
static void locate_non_finite(const struct nn_model *m, const nn_real *x, int B, char *buf,
                              size_t len)
{
    if (!all_finite(x, (size_t)B * (size_t)m->in_size)) {
        snprintf(buf, len, "the input batch holds NaN or Inf");
        return;
    }
    for (int i = 0; i < m->n_layers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->spec.kind == NN_LAYER_DENSE &&
            (!all_finite(l->w, (size_t)l->in_size * (size_t)l->out_size) ||
             !all_finite(l->b, (size_t)l->out_size))) {
            snprintf(buf, len, "layer '%s': its weights hold NaN or Inf after the last update",
                     l->spec.name);
            return;
        }
        if (l->out && !all_finite(l->out, (size_t)B * (size_t)l->out_size)) {
            snprintf(buf, len, "layer '%s': its output holds NaN or Inf", l->spec.name);
            return;
        }
    }
    snprintf(buf, len, "in the loss");
}

/* Keeps the previous checkpoint as model.prev.ckpt until the new one is complete: a crash at any
 * moment leaves at least one valid checkpoint (model.ckpt, or model.prev.ckpt between the two
 * renames), and a damaged model.ckpt still has its predecessor to fall back on. */
static int save_checkpoint(const char *path, const char *prev, const struct nn_model *m,
                           const char *yaml, const struct nn_train_state *st, struct nn_error *err)
{
    if (access(path, F_OK) == 0 && rename(path, prev) != 0)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot keep the previous checkpoint as %s: %s",
                            path, prev, strerror(errno));
    return nn_checkpoint_save(path, m, yaml, st, err);
}

/* A batch buffer, 64-byte aligned like the model's arenas (see graph.c). */
static nn_real *batch_alloc(size_t n)
{
    return aligned_alloc(64, ((n ? n : 1) * sizeof(nn_real) + 63) / 64 * 64);
}

/* Threads for the training step. Below about a million multiply-adds per step (XOR: a few
 * hundred) two barriers cost more than the work they split, so small models run on one thread
 * and leave any parallelism to OpenBLAS. */
static int step_threads(int threads, int batch, size_t n_params)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int T = threads > 0 ? threads : cores > 0 ? (int)cores : 1;
    if (T > NN_TEAM_MAX)
        T = NN_TEAM_MAX;
    if (T > 1 && (batch < 2 * T || (double)batch * (double)n_params < 1e6))
        return 1;
    return T;
}

/* One training step, run by every thread of the team (or by the caller alone). Thread t gathers,
 * forwards, scores and back-propagates its own rows of the batch. The parameter update is cut
 * into chunks (rows of one layer's W and entries of its b) that the threads claim in order, top
 * layer first, each starting as soon as every thread has finished that layer's backward rows: a
 * thread that finishes its rows early starts on the top layer's weight gradients instead of
 * waiting at a barrier. A chunk's result does not depend on which thread computes it, and the
 * rows and chunks are fixed by the thread count, so a given thread count gives bit-identical
 * results run after run. */
#define CHUNKS_PER_THREAD 2 /* for the large layers; small ones get one chunk per thread */

struct step_job {
    struct nn_model *m;
    struct nn_team *team;
    const struct nn_dataset *ds;
    const uint32_t *idx;
    int B;
    const uint32_t *next_idx; /* the next batch's samples (NULL after the last batch) */
    int next_B;
    nn_real *x, *y;
    const struct nn_optim_spec *o;
    long long t;
    nn_real *db_parts[NN_TEAM_MAX];
    struct {
        _Alignas(64) double v; /* a cache line each: threads write them at the same time */
    } loss[NN_TEAM_MAX];
    double total;
    int n_chunks;
    struct {
        int layer, c, n;
    } chunks[NN_MAX_LAYERS * NN_TEAM_MAX * CHUNKS_PER_THREAD];
    _Alignas(64) atomic_int next_chunk;
    _Alignas(64) atomic_int ready[NN_MAX_LAYERS]; /* threads done with each layer's rows */
};

/* The chunks of a team of T: top layer first, so that they become ready in the order claimed. */
static void plan_chunks(struct step_job *j, int T)
{
    const struct nn_model *m = j->m;
    size_t largest = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].spec.kind == NN_LAYER_DENSE) {
            size_t w = (size_t)m->layers[i].in_size * (size_t)m->layers[i].out_size;
            largest = w > largest ? w : largest;
        }
    j->n_chunks = 0;
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const struct nn_layer *l = &m->layers[i];
        if (l->spec.kind != NN_LAYER_DENSE)
            continue;
        size_t w = (size_t)l->in_size * (size_t)l->out_size;
        int n = 4 * w >= largest ? T * CHUNKS_PER_THREAD : T;
        for (int c = 0; c < n; c++) {
            j->chunks[j->n_chunks].layer = i;
            j->chunks[j->n_chunks].c = c;
            j->chunks[j->n_chunks].n = n;
            j->n_chunks++;
        }
    }
}

static void layer_done(void *ctx, int layer)
{
    struct step_job *j = ctx;
    atomic_fetch_add_explicit(&j->ready[layer], 1, memory_order_release);
}

static void step_part(void *arg, int t, int T)
{
    struct step_job *j = arg;
    struct nn_model *m = j->m;
    const size_t D = (size_t)m->out_size;
    int lo, hi;
    nn_team_split(j->B, t, T, &lo, &hi);
    const int n = hi - lo;
    const nn_real *target = nn_dataset_gather(
        j->ds, j->idx + lo, n, j->x + (size_t)lo * (size_t)m->in_size, j->y + (size_t)lo * D);
    const nn_real *out = nn_model_forward_rows(m, j->x, lo, n, -1);
    j->loss[t].v =
        nn_loss_rows(m->cfg.loss, out, target, n, (int)D, m->dout + (size_t)lo * D, j->B);
    if (T == 1) {
        nn_model_backward_rows(m, j->x, lo, n, NULL, NULL, NULL);
        j->total = j->loss[0].v;
        if (isfinite(j->total))
            nn_model_update_part(m, j->x, j->B, 0, 1, NULL, j->o, j->t);
        return;
    }
    nn_model_backward_rows(m, j->x, lo, n, t ? j->db_parts[t] : NULL, layer_done, j);
    /* Every thread scored its rows before it finished any layer: once the top layer is ready,
     * all the loss shares are in. Every thread adds them in the same order and so takes the same
     * branch. */
    nn_team_wait_count(&j->ready[j->chunks[0].layer], T);
    double l = 0;
    for (int q = 0; q < T; q++)
        l += j->loss[q].v;
    if (t == 0)
        j->total = l;
    if (!isfinite(l))
        return; /* no update: the caller reports where the NaN or Inf is */
    if (j->next_idx) {
        /* the shuffled rows of this thread's next share start loading while the GEMMs below
         * keep the core busy */
        nn_team_split(j->next_B, t, T, &lo, &hi);
        nn_dataset_prefetch(j->ds, j->next_idx + lo, hi - lo);
    }
    for (;;) {
        int k = atomic_fetch_add_explicit(&j->next_chunk, 1, memory_order_relaxed);
        if (k >= j->n_chunks)
            break;
        int layer = j->chunks[k].layer;
        nn_team_wait_count(&j->ready[layer], T);
        nn_model_update_chunk(m, j->x, j->B, layer, j->chunks[k].c, j->chunks[k].n, j->db_parts, T,
                              j->o, j->t);
    }
}

int nn_model_create(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                    struct nn_error *err)
{
    int rc = nn_model_build(cfg, max_batch, m, err);
    if (rc)
        return rc;
    struct nn_rng init;
    nn_rng_seed(&init, cfg->train.seed, 1);
    nn_model_init(m, &init);
    return NN_OK;
}

int nn_train(const struct nn_config *cfg, const struct nn_train_opts *opts,
             struct nn_train_result *res, struct nn_error *err)
{
    flush_denormals();
    nn_blas_set_threads(opts->threads);
    memset(res, 0, sizeof *res);
    struct nn_team *team = NULL;
    nn_real *db_parts = NULL;
    int T = 1;
    res->final_test_loss = res->train_accuracy = res->test_accuracy = NAN;

    struct nn_dataset train = {0}, test = {0};
    struct nn_model m = {0};
    struct nn_config ck_cfg = {0};
    struct history_row *hist = NULL;
    uint32_t *perm = NULL, *eidx = NULL;
    nn_real *xb = NULL, *yb = NULL;
    double *epoch_secs = NULL, *blosses = NULL;
    int n_blosses = 0;
    char *yaml = NULL;
    char ckpt_path[NN_PATH_MAX + 32], hist_path[NN_PATH_MAX + 32], metrics_path[NN_PATH_MAX + 32];
    char prev_path[NN_PATH_MAX + 32];
    snprintf(ckpt_path, sizeof ckpt_path, "%s/model.ckpt", opts->out_dir);
    snprintf(prev_path, sizeof prev_path, "%s/model.prev.ckpt", opts->out_dir);
    snprintf(hist_path, sizeof hist_path, "%s/history.csv", opts->out_dir);
    snprintf(metrics_path, sizeof metrics_path, "%s/metrics.json", opts->out_dir);

    int rc = nn_mkdir_p(opts->out_dir, err);
    if (!rc)
        rc = nn_dataset_load(cfg, 0, &train, err);
    if (!rc)
        rc = nn_dataset_load(cfg, 1, &test, err);
    if (rc)
        goto done;
    if (train.n == 0) {
        rc = nn_error_set(err, NN_ERR_CONFIG, "%s: the training set is empty", cfg->path);
        goto done;
    }
    /* A batch larger than the data trains one partial batch per epoch. */
    int bs = cfg->train.batch_size < train.n ? cfg->train.batch_size : train.n;
    yaml = nn_config_to_yaml(cfg);
    if (!yaml) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory");
        goto done;
    }

    struct nn_train_state st = {0};
    const char *resume_from = NULL;
    if (opts->resume && (access(ckpt_path, F_OK) == 0 || access(prev_path, F_OK) == 0)) {
        /* The newest valid checkpoint: model.ckpt, else the one kept before it was written. */
        rc = access(ckpt_path, F_OK) == 0 ? nn_checkpoint_load(ckpt_path, bs, &ck_cfg, &m, &st, err)
                                          : NN_ERR_IO;
        resume_from = ckpt_path;
        if (rc) {
            char why[NN_MSG_MAX];
            snprintf(why, sizeof why, "%s",
                     rc == NN_ERR_IO && access(ckpt_path, F_OK) != 0 ? "model.ckpt is missing"
                                                                     : err->msg);
            if (access(prev_path, F_OK) != 0 ||
                nn_checkpoint_load(prev_path, bs, &ck_cfg, &m, &st, err) != NN_OK) {
                if (access(prev_path, F_OK) == 0)
                    rc = nn_error_set(err, NN_ERR_FORMAT, "cannot resume: %s; and %s", why,
                                      err->msg);
                goto done;
            }
            fprintf(stderr, "nnctl: warning: %s; resuming from %s\n", why, prev_path);
            resume_from = prev_path;
        }
        char *old = nn_config_to_yaml(&ck_cfg);
        if (!old) {
            rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory");
            goto done;
        }
        char *cur = strdup(yaml);
        if (cur) {
            strip_epochs(old);
            strip_epochs(cur);
        }
        int same = cur && !strcmp(old, cur);
        char diff[320] = "";
        if (cur && !same)
            first_difference(old, cur, diff, sizeof diff);
        free(old);
        free(cur);
        if (!same) {
            rc = nn_error_set(err, NN_ERR_CONFIG,
                              "%s: cannot resume from a different config (only training.epochs "
                              "may change): %s",
                              resume_from, diff);
            goto done;
        }
        if (st.epoch >= (uint64_t)cfg->train.epochs) {
            rc = nn_error_set(err, NN_ERR_CONFIG,
                              "%s: already trained for %llu epochs; raise "
                              "training.epochs to continue",
                              resume_from, (unsigned long long)st.epoch);
            goto done;
        }
    } else {
        rc = nn_model_create(cfg, bs, &m, err);
        if (rc)
            goto done;
        nn_rng_seed(&st.shuffle, cfg->train.seed, 2);
    }

    const int E = cfg->train.epochs, N = train.n, D = m.out_size;
    hist = calloc((size_t)E, sizeof *hist);
    epoch_secs = calloc((size_t)E, sizeof *epoch_secs);
    perm = malloc((size_t)N * sizeof *perm);
    eidx = malloc((size_t)bs * sizeof *eidx);
    xb = batch_alloc((size_t)bs * (size_t)m.in_size);
    yb = batch_alloc((size_t)bs * (size_t)D);
    const int steps = (N + bs - 1) / bs;
    if (opts->batch_losses)
        blosses = calloc((size_t)steps, sizeof *blosses);
    if (!hist || !epoch_secs || !perm || !eidx || !xb || !yb || (opts->batch_losses && !blosses)) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory for training buffers");
        goto done;
    }
    struct step_job job = {.m = &m, .ds = &train, .x = xb, .y = yb, .o = &cfg->optim};
    T = step_threads(opts->threads, bs, m.n_params);
    if (T > 1) {
        /* The team's threads each run single-threaded GEMMs on their share (see team.h). */
        db_parts = malloc((size_t)(T - 1) * (m.n_bias ? m.n_bias : 1) * sizeof *db_parts);
        if (!db_parts) {
            rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory for training buffers");
            goto done;
        }
        for (int q = 1; q < T; q++)
            job.db_parts[q] = db_parts + (size_t)(q - 1) * m.n_bias;
        rc = nn_team_create(T, &team, err);
        if (rc)
            goto done;
        nn_blas_set_threads(1);
        nn_model_set_team(&m, team);
        job.team = team;
        plan_chunks(&job, T);
    }
    double train_time = 0, last_loss = NAN;
    if (st.epoch > 0) {
        /* A resumed run reports the whole run: earlier epochs' rows and seconds come back too. */
        rc = read_history(hist_path, hist, (int)st.epoch, err);
        if (rc)
            goto done;
        for (uint64_t e = 0; e < st.epoch; e++) {
            epoch_secs[e] = hist[e].seconds;
            train_time += hist[e].seconds;
        }
        last_loss = hist[st.epoch - 1].train_loss;
        if (!opts->quiet)
            fprintf(opts->log ? opts->log : stdout, "resuming %s at epoch %llu of %d\n",
                    resume_from, (unsigned long long)st.epoch, cfg->train.epochs);
    }

    FILE *log = opts->log ? opts->log : stdout;
    const int tty = isatty(fileno(log));
    const uint64_t first_epoch = st.epoch;
    const double run_start = now_seconds();
    double last_draw = 0;
    const int every = opts->log_every > 0 ? opts->log_every : 1;
    for (int e = (int)st.epoch; e < E; e++) {
        double t0 = now_seconds();
        for (int i = 0; i < N; i++)
            perm[i] = (uint32_t)i;
        if (cfg->train.shuffle)
            nn_rng_shuffle(&st.shuffle, perm, (size_t)N);
        double lsum = 0;
        for (int start = 0; start < N; start += bs) {
            int B = N - start < bs ? N - start : bs; /* the last partial batch is trained */
            job.idx = perm + start;
            job.B = B;
            job.next_idx = start + B < N ? perm + start + B : NULL;
            job.next_B = N - (start + B) < bs ? N - (start + B) : bs;
            job.t = (long long)st.step + 1;
            if (team) {
                atomic_store_explicit(&job.next_chunk, 0, memory_order_relaxed);
                for (int i = 0; i < m.n_layers; i++)
                    atomic_store_explicit(&job.ready[i], 0, memory_order_relaxed);
                nn_team_run(team, step_part, &job); /* publishes the resets */
            } else {
                step_part(&job, 0, 1);
            }
            double l = job.total;
            if (!isfinite(l)) {
                char where[160];
                locate_non_finite(&m, xb, B, where, sizeof where);
                rc = nn_error_set(err, NN_ERR_NUMERIC,
                                  "epoch %d, batch %d: the loss became %g (%s); training stopped, "
                                  "the last checkpoint is left as it was",
                                  e + 1, start / bs + 1, l, where);
                goto done;
            }
            lsum += l * B;
            if (blosses && e == 0 && n_blosses < steps)
                blosses[n_blosses++] = l;
            st.step++;
        }
        double secs = now_seconds() - t0;
        train_time += secs;
        epoch_secs[e] = secs;
        last_loss = lsum / N;
        st.epoch = (uint64_t)e + 1;
        double test_loss = NAN, test_acc = NAN;
        if (test.n > 0)
            nn_evaluate(&m, &test, eidx, xb, yb, &test_loss, &test_acc);
        hist[e] = (struct history_row){last_loss, test_loss, secs, secs > 0 ? N / secs : 0};

        int print = (e + 1) % every == 0 || e + 1 == E || e == (int)first_epoch;
        /* a terminal's live line is redrawn at most ten times a second: tiny epochs (XOR) would
         * otherwise spend their time printing */
        double now = now_seconds();
        int redraw = tty && (print || now - last_draw >= 0.1);
        if (!opts->quiet && (print || redraw)) {
            char line[256];
            int l = snprintf(line, sizeof line, "epoch %*d/%d  loss %.6f", (int)log10(E) + 1, e + 1,
                             E, last_loss);
            if (test.n > 0)
                l += snprintf(line + l, sizeof line - (size_t)l, "  test %.6f", test_loss);
            snprintf(line + l, sizeof line - (size_t)l, "  %.3fs  %.0f samples/s", secs,
                     secs > 0 ? N / secs : 0);
            if (tty) {
                /* ETA from wall-clock time, which includes evaluation and printing */
                char eta[32];
                double per = (now - run_start) / (double)(e + 1 - (int)first_epoch);
                fmt_eta(per * (E - e - 1), eta, sizeof eta);
                fprintf(log, "\r\033[K%s  ETA %s%s", line, eta, print ? "\n" : "");
                last_draw = now;
            } else {
                fprintf(log, "%s\n", line);
            }
            fflush(log);
        }
        int due = cfg->train.checkpoint_every > 0 && (e + 1) % cfg->train.checkpoint_every == 0;
        if (due && e + 1 < E) {
            rc = write_history(hist_path, hist, e + 1, err);
            if (!rc)
                rc = save_checkpoint(ckpt_path, prev_path, &m, yaml, &st, err);
            if (rc)
                goto done;
        }
    }

    res->epochs = E;
    res->final_train_loss = last_loss;
    res->train_seconds = train_time;
    nn_evaluate(&m, &train, eidx, xb, yb, &res->eval_train_loss, &res->train_accuracy);
    if (test.n > 0)
        nn_evaluate(&m, &test, eidx, xb, yb, &res->final_test_loss, &res->test_accuracy);
    /* Seconds per epoch: the median of the epochs after the first, which also pays for warm-up. */
    int ne = E - (int)(E > 1);
    double med = median(epoch_secs + (E > 1), ne);
    rc = write_history(hist_path, hist, E, err);
    if (!rc)
        rc = save_checkpoint(ckpt_path, prev_path, &m, yaml, &st, err);
    if (!rc)
        rc = write_metrics(metrics_path, cfg, &m, team ? T : nn_blas_threads(), team != NULL, res,
                           med, N, err);
    if (!rc && opts->batch_losses) {
        /* The loss of each batch of the first epoch, computed before that batch's update: the
         * report compares these with other frameworks started from the same weights. */
        char *text = malloc((size_t)n_blosses * 32 + 1);
        if (!text) {
            rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory");
        } else {
            size_t len = 0;
            for (int i = 0; i < n_blosses; i++)
                len += (size_t)snprintf(text + len, 32, "%.9g\n", blosses[i]);
            rc = nn_write_file_atomic(opts->batch_losses, text, len, err);
            free(text);
        }
    }

done:
    nn_model_set_team(&m, NULL);
    nn_team_free(team);
    if (team)
        nn_blas_set_threads(T);
    free(db_parts);
    free(hist);
    free(epoch_secs);
    free(blosses);
    free(perm);
    free(eidx);
    free(xb);
    free(yb);
    free(yaml);
    nn_model_free(&m);
    nn_config_free(&ck_cfg);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}
