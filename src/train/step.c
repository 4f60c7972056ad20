#include "train/step.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

int nn_step_threads(int threads, int batch, size_t n_params)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int T = threads > 0 ? threads : cores > 0 ? (int)cores : 1;
    if (T > NN_TEAM_MAX)
        T = NN_TEAM_MAX;
    if (T > 1 && (batch < 2 * T || (double)batch * (double)n_params < 1e6))
        return 1;
    return T;
}

/* The chunks of a team of T: top layer first, so that they become ready in the order claimed. */
static void plan_chunks(struct nn_step *s, int T)
{
    const struct nn_model *m = s->m;
    size_t largest = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].n_tensors > 0) {
            size_t w = m->tensors[m->layers[i].wt].count;
            largest = w > largest ? w : largest;
        }
    s->n_chunks = 0;
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const struct nn_layer *l = &m->layers[i];
        if (l->n_tensors == 0)
            continue;
        size_t w = m->tensors[l->wt].count;
        int n = 4 * w >= largest ? T * NN_CHUNKS_PER_THREAD : T;
        for (int c = 0; c < n; c++) {
            s->chunks[s->n_chunks].layer = i;
            s->chunks[s->n_chunks].c = c;
            s->chunks[s->n_chunks].n = n;
            s->n_chunks++;
        }
    }
}

int nn_step_init(struct nn_step *s, struct nn_model *m, int T, const struct nn_dataset *ds,
                 nn_real *x, nn_real *y, const struct nn_optim_spec *o, struct nn_error *err)
{
    *s = (struct nn_step){.m = m, .T = T, .ds = ds, .x = x, .y = y, .o = o};
    if (T <= 1) {
        s->T = 1;
        return NN_OK;
    }
    /* The team's threads each run single-threaded GEMMs on their share (see team.h). */
    s->db_arena = malloc((size_t)(T - 1) * (m->n_bias ? m->n_bias : 1) * sizeof *s->db_arena);
    if (!s->db_arena)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for training buffers");
    for (int q = 1; q < T; q++)
        s->db_parts[q] = s->db_arena + (size_t)(q - 1) * m->n_bias;
    int rc = nn_team_create(T, &s->team, err);
    if (rc) {
        free(s->db_arena);
        s->db_arena = NULL;
        return rc;
    }
    m->backend->set_threads(1);
    nn_model_set_team(m, s->team);
    plan_chunks(s, T);
    return NN_OK;
}

static void layer_done(void *ctx, int layer)
{
    struct nn_step *s = ctx;
    atomic_fetch_add_explicit(&s->ready[layer], 1, memory_order_release);
}

/* Clipping, after every gradient of the step exists: thread t's slice of the arena is scaled
 * by clip_norm / (norm + 1e-6) when the norm exceeds clip_norm (PyTorch's clip_grad_norm_), then
 * updated. The sums of squares are added in thread order, so every thread sees the same norm. */
static void clip_and_update(struct nn_step *j, int t, int T)
{
    struct nn_model *m = j->m;
    int lo, hi;
    /* 64-byte slices of the trained parameters (the frozen statistics after them stay) */
    nn_team_split_aligned((int)m->n_train, t, T, 16, &lo, &hi);
    const size_t a = (size_t)lo, b = (size_t)hi;
    double sq = 0;
    for (size_t i = a; i < b; i++)
        sq += (double)m->grads[i] * (double)m->grads[i];
    j->sq[t].v = sq;
    if (T > 1)
        nn_team_barrier(j->team);
    double total = 0;
    for (int q = 0; q < T; q++)
        total += j->sq[q].v;
    const double norm = sqrt(total);
    if (t == 0)
        j->norm = norm;
    const double coef = j->o->clip_norm / (norm + 1e-6);
    if (coef < 1)
        for (size_t i = a; i < b; i++)
            m->grads[i] *= (nn_real)coef;
    if (b <= a)
        return;
    nn_model_optimize(m, j->o, j->t, a, b - a, 1);
}

/* The step, run by every thread of the team (or by the caller alone). */
static void step_part(void *arg, int t, int T)
{
    struct nn_step *j = arg;
    struct nn_model *m = j->m;
    const size_t D = (size_t)m->out_size;
    int lo, hi;
    nn_team_split(j->B, t, T, &lo, &hi);
    const int n = hi - lo;
    const nn_real *target = nn_dataset_gather(
        j->ds, j->idx + lo, n, j->x + (size_t)lo * (size_t)m->in_size, j->y + (size_t)lo * D);
    const struct nn_part part = {t, T, j->B, j->team};
    const nn_real *out = nn_model_forward_part(m, j->x, lo, n, -1, &part);
    j->loss[t].v = nn_loss_rows(m->loss, out, target, n, (int)D, m->dout + (size_t)lo * D, j->B);
    const int clip = j->o->clip_norm > 0;
    if (T == 1) {
        nn_model_backward_rows(m, j->x, lo, n, NULL, NULL, NULL, &part);
        j->total = j->loss[0].v;
        if (isfinite(j->total)) {
            nn_model_update_part(m, j->x, j->B, 0, 1, NULL, clip ? NULL : j->o, j->t);
            if (clip)
                clip_and_update(j, 0, 1);
        }
        return;
    }
    nn_model_backward_rows(m, j->x, lo, n, t ? j->db_parts[t] : NULL, layer_done, j, &part);
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
                              clip ? NULL : j->o, j->t);
    }
    if (clip) {
        nn_team_barrier(j->team); /* every gradient is in */
        clip_and_update(j, t, T);
    }
}

void nn_step_run(struct nn_step *s, const uint32_t *idx, int B, const uint32_t *next, int next_B,
                 long long t)
{
    s->idx = idx;
    s->B = B;
    s->next_idx = next;
    s->next_B = next_B;
    s->t = t;
    s->m->train_step = t; /* the passes below are a training step's (dropout draws masks) */
    if (!s->team) {
        step_part(s, 0, 1);
        s->m->train_step = 0;
        return;
    }
    atomic_store_explicit(&s->next_chunk, 0, memory_order_relaxed);
    for (int i = 0; i < s->m->n_layers; i++)
        atomic_store_explicit(&s->ready[i], 0, memory_order_relaxed);
    nn_team_run(s->team, step_part, s); /* publishes the resets */
    s->m->train_step = 0;
}

void nn_step_free(struct nn_step *s)
{
    if (s->m)
        nn_model_set_team(s->m, NULL);
    if (s->team) {
        nn_team_free(s->team);
        s->m->backend->set_threads(s->T);
    }
    free(s->db_arena);
    s->team = NULL;
    s->db_arena = NULL;
}
