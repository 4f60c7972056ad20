/* The bf16 backend's side on AMX (amx_ops.h): packed weight copies, staged operands, the call. */
#include "backend/amx_ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/amx.h"
#include "nnctl/mem.h"

#ifndef NN_DOUBLE /* the float64 build (gradient checks) has no bf16 path */

/* ---- the weights ------------------------------------------------------------------------ */

struct packed {
    size_t offset; /* the tensor's, in the arena */
    int k, n;      /* W is k×n, row-major */
    uint16_t *fwd, *flat;
};

struct nn_amx_weights {
    const float *base; /* the fp32 arena */
    int n_tensors;
    struct packed p[]; /* one per tensor of the model; fwd NULL for vectors */
};

struct nn_amx_weights *nn_amx_weights_make(const struct nn_model *m)
{
    struct nn_amx_weights *w =
        calloc(1, sizeof *w + (size_t)(m->n_tensors > 0 ? m->n_tensors : 1) * sizeof w->p[0]);
    if (!w)
        return NULL;
    w->base = m->params;
    w->n_tensors = m->n_tensors;
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *tn = &m->tensors[i];
        struct packed *q = &w->p[i];
        if (tn->shape.ndim < 2)
            continue;
        q->offset = tn->offset;
        q->n = tn->shape.dims[tn->shape.ndim - 1];
        q->k = (int)(tn->count / (size_t)q->n);
        q->fwd = nn_alloc_aligned_array(nn_amx_b_size(q->k, q->n), sizeof *q->fwd);
        q->flat = nn_alloc_aligned_array(nn_amx_a_size(q->k, q->n), sizeof *q->flat);
        if (!q->fwd || !q->flat) {
            nn_amx_weights_free(w);
            return NULL;
        }
        const float *src = m->params + tn->offset;
        nn_amx_pack_b(q->fwd, src, q->k, q->n, q->n, 0);
        nn_amx_pack_a(q->flat, src, q->k, q->n, q->n, 0);
    }
    return w;
}

void nn_amx_weights_free(struct nn_amx_weights *w)
{
    for (int i = 0; w && i < w->n_tensors; i++) {
        free(w->p[i].fwd);
        free(w->p[i].flat);
    }
    free(w);
}

void nn_amx_weights_updated(const struct nn_amx_weights *w, size_t off, size_t n)
{
    for (int i = 0; i < w->n_tensors; i++) {
        const struct packed *q = &w->p[i];
        const size_t count = (size_t)q->k * (size_t)q->n;
        if (!q->fwd || off >= q->offset + count || off + n <= q->offset)
            continue;
        const size_t lo = off > q->offset ? off - q->offset : 0;
        const size_t hi = off + n < q->offset + count ? off + n - q->offset : count;
        nn_amx_refresh(q->fwd, q->flat, w->base + q->offset, q->k, q->n, q->n, lo, hi);
    }
}

/* ---- the staged operands ---------------------------------------------------------------- */

/* A training step's layer inputs (as Aᵀ) and dZs (as B) packed for its weight-gradient GEMMs,
 * each thread packing the rows it wrote, found by address at the GEMM. An entry counts for step
 * `round` once all B rows of that step are in. */
#define MAX_STAGES 64
struct stage {
    const float *whole;
    int as_a, ld, B, cols;
    long long round;
    _Atomic int rows;
    uint16_t *buf;
    size_t cap;
};
static struct stage stages[MAX_STAGES];
static int n_stages;
static pthread_mutex_t stages_mu = PTHREAD_MUTEX_INITIALIZER;

void nn_amx_rows_ready(int as_a, const float *whole, int ld, int r0, int n, int B, int cols,
                       long long step)
{
    if (step <= 0 || n <= 0) { /* rows changed outside a training step: drop what was staged */
        pthread_mutex_lock(&stages_mu);
        for (int i = 0; i < n_stages; i++)
            if (stages[i].whole == whole && stages[i].as_a == as_a) {
                stages[i].round = -1;
                atomic_store_explicit(&stages[i].rows, -1, memory_order_relaxed);
            }
        pthread_mutex_unlock(&stages_mu);
        return;
    }
    const size_t need = as_a ? nn_amx_a_size(cols, B) : nn_amx_b_size(B, cols);
    pthread_mutex_lock(&stages_mu);
    struct stage *e = NULL;
    for (int i = 0; i < n_stages && !e; i++)
        if (stages[i].whole == whole && stages[i].as_a == as_a)
            e = &stages[i];
    if (!e && n_stages < MAX_STAGES) {
        e = &stages[n_stages++];
        *e = (struct stage){.whole = whole, .as_a = as_a, .round = -1};
    }
    if (e && e->round != step) {
        /* the first of this step's threads: a new round (the last one ended with the step) */
        if (need > e->cap) {
            free(e->buf);
            e->buf = nn_alloc_aligned_array(need, sizeof *e->buf);
            e->cap = e->buf ? need : 0;
        }
        if (e->buf && (e->B != B || e->ld != ld || e->cols != cols))
            memset(e->buf, 0, need * sizeof *e->buf); /* the padding: zeros from here on */
        e->round = step;
        e->B = B;
        e->ld = ld;
        e->cols = cols;
        atomic_store_explicit(&e->rows, 0, memory_order_relaxed);
    }
    pthread_mutex_unlock(&stages_mu);
    if (!e || !e->buf)
        return;
    nn_amx_stage_rows(e->buf, as_a, whole, ld, r0, n, B, cols);
    atomic_fetch_add_explicit(&e->rows, n, memory_order_release);
}

void nn_amx_stages_drop(void)
{
    pthread_mutex_lock(&stages_mu);
    for (int i = 0; i < n_stages; i++)
        free(stages[i].buf);
    n_stages = 0;
    pthread_mutex_unlock(&stages_mu);
}

/* The staged operand holding this one, complete for its step: B = whole itself (as_a 0, `p` its
 * start, `rows` × `cols`), or A = a block of wholeᵀ starting on a tile (as_a 1, `p` inside the
 * first row of whole, `cols` of its columns from there). NULL when there is none. (Entries are
 * written under the lock only by a step's first stager, before any thread of the step can get
 * here: each thread stages all its rows before its weight gradients.) */
static const struct stage *find_stage(const float *p, int as_a, int ld, int rows, int cols)
{
    for (int i = 0; i < n_stages; i++) {
        const struct stage *e = &stages[i];
        if (e->as_a != as_a || e->ld != ld || e->B != rows || p < e->whole)
            continue;
        const long off = (long)(p - e->whole);
        const int ok = as_a ? off % 16 == 0 && off + cols <= e->cols : off == 0 && cols == e->cols;
        if (ok && atomic_load_explicit(&e->rows, memory_order_acquire) == e->B)
            return e;
    }
    return NULL;
}

/* ---- the call --------------------------------------------------------------------------- */

/* Each thread's packed operands, and what pb holds: a B packed since the last backward pass
 * began (a layer's dZ, shared by its weight-gradient chunks), valid while the generation is the
 * same. Made on a thread's first call, freed when it exits. */
struct tbufs {
    uint16_t *pa, *pb, *pt; /* pt: a transposed dZ */
    size_t pacap, pbcap, ptcap;
    const void *pb_src;
    int pb_k, pb_n, pb_ld, pb_trans;
    unsigned pb_gen;
};
static _Thread_local struct tbufs *tb_of_thread;
static pthread_key_t tkey;
static pthread_once_t tkey_once = PTHREAD_ONCE_INIT;

static void free_tbufs(void *p)
{
    struct tbufs *t = p;
    if (t) {
        free(t->pa);
        free(t->pb);
        free(t->pt);
        free(t);
    }
}

static void make_key(void)
{
    if (pthread_key_create(&tkey, free_tbufs))
        tkey = 0;
}

static struct tbufs *thread_bufs(void)
{
    if (tb_of_thread)
        return tb_of_thread;
    pthread_once(&tkey_once, make_key);
    tb_of_thread = calloc(1, sizeof *tb_of_thread);
    if (tb_of_thread)
        pthread_setspecific(tkey, tb_of_thread);
    return tb_of_thread;
}

static uint16_t *grow(uint16_t **buf, size_t *cap, size_t need)
{
    if (need > *cap) {
        free(*buf);
        *buf = nn_alloc_aligned_array(need, sizeof **buf);
        *cap = *buf ? need : 0;
    }
    return *buf;
}

int nn_amx_call(const struct nn_amx_weights *w, int ta, int tb, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc,
                int b_param, unsigned gen)
{
    struct tbufs *t = thread_bufs();
    if (!t)
        return -1;
    const uint16_t *bp = NULL;
    if (w && b_param >= 0 && b_param < w->n_tensors) {
        const struct packed *q = &w->p[b_param];
        if (q->fwd && b == w->base + q->offset && ldb == q->n) {
            if (!tb && k == q->k && n == q->n) {
                bp = q->fwd;
            } else if (tb && k == q->n && n == q->k) {
                /* op(A) · Wᵀ as (W · op(A)ᵀ)ᵀ: W row-major is the A operand as it is */
                if (!grow(&t->pt, &t->ptcap, nn_amx_b_size(k, m)))
                    return -1;
                nn_amx_pack_b(t->pt, a, k, m, lda, !ta);
                nn_amx_gemm(n, m, k, alpha, q->flat, t->pt, beta, c, ldc, 1);
                return 0;
            }
        }
    }
    /* a weight gradient's operands as the step's threads staged them */
    const uint16_t *ap = NULL;
    if (!bp && ta && !tb) {
        const struct stage *sb = find_stage(b, 0, ldb, k, n);
        const struct stage *sa = sb ? find_stage(a, 1, lda, k, m) : NULL;
        if (sb)
            bp = sb->buf;
        if (sa && sa->round == sb->round) {
            const int at = (int)(a - sa->whole);
            ap = sa->buf + (size_t)(at / 16) * (size_t)(nn_amx_depth(k) / 32) * 512;
        }
    }
    if (!bp) {
        if (t->pb && t->pb_src == b && t->pb_k == k && t->pb_n == n && t->pb_ld == ldb &&
            t->pb_trans == tb && t->pb_gen == gen) {
            bp = t->pb;
        } else {
            if (!grow(&t->pb, &t->pbcap, nn_amx_b_size(k, n)))
                return -1;
            nn_amx_pack_b(t->pb, b, k, n, ldb, tb);
            t->pb_src = b;
            t->pb_k = k;
            t->pb_n = n;
            t->pb_ld = ldb;
            t->pb_trans = tb;
            t->pb_gen = gen;
            bp = t->pb;
        }
    }
    if (!ap) {
        if (!grow(&t->pa, &t->pacap, nn_amx_a_size(m, k)))
            return -1;
        nn_amx_pack_a(t->pa, a, m, k, lda, ta);
        ap = t->pa;
    }
    nn_amx_gemm(m, n, k, alpha, ap, bp, beta, c, ldc, 0);
    return 0;
}

#else
typedef int nn_amx_ops_none; /* (ISO C wants something in a translation unit) */
#endif
