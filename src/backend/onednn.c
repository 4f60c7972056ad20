/* The bf16 backend: GEMMs with bf16 inputs (rounded to nearest even) and fp32 accumulation and
 * output, on the CPU's matrix engine (AMX) through nnctl's own kernels (src/backend/amx.c), or
 * on AVX512-BF16 through oneDNN's matmul primitive (also on AMX with NNCTL_BF16_KERNEL=onednn).
 *
 * The layers hand it fp32 operands. Weights (the operand nn_gemm names as a parameter tensor)
 * have copies of their own, made at attach and refreshed by params_updated (AMX: packed as the
 * forward's B and row-major as the input gradient's A, src/backend/amx_ops.c) or by the
 * optimizer's pass (oneDNN: the arena in bf16); on AMX a training step's layer inputs and dZs are
 * packed by the threads that wrote them (rows_ready) for the weight gradient; other operands are
 * rounded or packed per call into a per-thread buffer. Master weights, the optimizer and its state,
 * bias gradients, the loss and every reduction stay fp32 (they never pass through here).
 *
 * oneDNN: each thread keeps its own small table of primitives and memory objects, one per GEMM
 * shape it meets (the step's shapes are fixed by the batch and thread count, so the table fills
 * in the first steps and never again), and oneDNN's global primitive cache is off (init_once), so
 * no primitive crosses threads; oneDNN's scratchpad is ours (user mode), allocated with the
 * entry. oneDNN runs on OpenMP: each calling thread sets its own OpenMP thread count, so the
 * training step's threads (one GEMM thread each) do not fight a second pool. */
#include <dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/amx_ops.h"
#include "nnctl/amx.h"
#include "nnctl/backend.h"
#include "nnctl/bf16.h"
#include "nnctl/cpu.h"
#include "nnctl/mem.h"
#include "nnctl/model.h"
#include "nnctl/onednn.h"

#define MAX_ENTRIES 96

struct entry {
    /* the key */
    int ta, tb, m, n, k, lda, ldb, ldc, a_param, b_param;
    float alpha, beta;
    /* the primitive and its memory objects, data handles set per call */
    dnnl_primitive_t prim;
    dnnl_memory_t a, b, c, pad;
    void *pad_buf;
};

struct tcache {
    int omp_threads; /* what this thread last told OpenMP */
    int n;
    struct entry e[MAX_ENTRIES];
    uint16_t *abuf, *bbuf; /* bf16 copies of non-parameter operands */
    size_t acap, bcap;
    /* what bbuf holds: a B operand converted since the last backward pass began (the
     * weight-gradient GEMMs of one layer share their dZ over every chunk), valid while the
     * generation is the same */
    const void *b_src;
    int b_rows, b_cols, b_ld;
    unsigned b_gen;
};

/* Advanced by invalidate (each backward pass): new gradients at the old addresses. */
static _Atomic unsigned step_gen;

/* The models attached: each one's weights in bf16, found by the address of its parameter arena:
 * for oneDNN a copy of the arena in bf16 (same layout), for nnctl's AMX kernels the packed copies
 * of its weight matrices (amx_ops.h). */
#define MAX_MODELS 8
struct bf16_copy {
    const float *base; /* the fp32 arena */
    size_t n;
    uint16_t *w;                /* oneDNN's (NULL on AMX) */
    struct nn_amx_weights *amx; /* AMX's (NULL otherwise) */
};
static struct bf16_copy models[MAX_MODELS];
static pthread_mutex_t models_mu = PTHREAD_MUTEX_INITIALIZER;

#ifndef NN_DOUBLE
static struct bf16_copy *model_of(const float *p)
{
    for (int i = 0; i < MAX_MODELS; i++)
        if ((models[i].w || models[i].amx) && p >= models[i].base &&
            p < models[i].base + models[i].n)
            return &models[i];
    return NULL;
}

static const uint16_t *bf16_copy_of(const float *p)
{
    const struct bf16_copy *mc = model_of(p);
    if (mc && mc->w)
        return mc->w + (p - mc->base);
    return NULL;
}
#endif

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_status = -1;
static pthread_key_t tkey;
static _Atomic int want_threads = 1;
#ifndef NN_DOUBLE
static _Thread_local struct tcache *tc;
#endif

static void free_tcache(void *p)
{
    struct tcache *t = p;
    if (!t)
        return;
    for (int i = 0; i < t->n; i++) {
        struct entry *e = &t->e[i];
        dnnl_primitive_destroy(e->prim);
        dnnl_memory_destroy(e->a);
        dnnl_memory_destroy(e->b);
        dnnl_memory_destroy(e->c);
        if (e->pad)
            dnnl_memory_destroy(e->pad);
        free(e->pad_buf);
    }
    free(t->abuf);
    free(t->bbuf);
    free(t);
}

/* Every thread passes here (pthread_once) before its first oneDNN call that creates or runs a
 * primitive. oneDNN's global primitive cache is switched off: each thread builds its own
 * primitives in its own table (struct tcache), so the cache could only hand one thread's
 * primitive to another, through synchronisation inside the library that a thread sanitizer
 * cannot see; and its reader-writer lock, allocated on first use, would otherwise be allocated
 * by whichever team thread created a primitive first, with no happens-before to the others (the
 * ThreadSanitizer report of issue 23). Switched off here, the cache and its lock are made once,
 * before any thread can use them. */
static void init_once(void)
{
    if (dnnl_set_primitive_cache_capacity(0) != dnnl_success)
        return;
    if (pthread_key_create(&tkey, free_tcache))
        return;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success)
        return;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success)
        return;
    init_status = 0;
}

/* nnctl's own AMX kernels run the GEMMs where the CPU has AMX-BF16, the OS grants it and oneDNN
 * would use it too (so DNNL_MAX_CPU_ISA=AVX512_CORE_BF16 plays a CPU without AMX for both);
 * NNCTL_BF16_KERNEL=onednn keeps oneDNN's kernels on AMX (for comparing the two). */
static int own_amx_on;
static pthread_once_t own_amx_once = PTHREAD_ONCE_INIT;
static void own_amx_decide(void)
{
    const char *k = getenv("NNCTL_BF16_KERNEL");
    own_amx_on = nn_amx_ready() && dnnl_get_effective_cpu_isa() == dnnl_cpu_isa_avx512_core_amx &&
                 !(k && !strcmp(k, "onednn"));
}
static int own_amx(void)
{
    pthread_once(&own_amx_once, own_amx_decide);
    return own_amx_on;
}

int nn_onednn_check(char *why, size_t len)
{
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    int amx = nn_cpu_has(&cpu, NN_CPU_AMX_BF16) && nn_cpu_has(&cpu, NN_CPU_AMX_TILE);
    int avx = nn_cpu_has(&cpu, NN_CPU_AVX512_BF16);
    /* tests play a CPU without bf16 with NNCTL_TEST_NO_BF16=1 */
    const char *no = getenv("NNCTL_TEST_NO_BF16");
    if (no && no[0] == '1')
        amx = avx = 0;
    if (!amx && !avx) {
        snprintf(why, len,
                 "bfloat16 needs AMX-BF16 or AVX512-BF16, and this CPU (%s family %d model %d) "
                 "has neither%s",
                 cpu.vendor, cpu.family, cpu.model,
                 (cpu.cpuid >> NN_CPU_AMX_BF16) & 1u ? " enabled by the OS" : "");
        return -1;
    }
    if (amx && nn_amx_request(why, len) && !avx)
        return -1;
    pthread_once(&once, init_once);
    if (init_status) {
        snprintf(why, len, "oneDNN could not create its CPU engine");
        return -1;
    }
    return 0;
}

#ifndef NN_DOUBLE
static struct tcache *thread_cache(void)
{
    if (tc)
        return tc;
    pthread_once(&once, init_once);
    tc = calloc(1, sizeof *tc);
    if (tc)
        pthread_setspecific(tkey, tc);
    return tc;
}
#endif

#ifndef NN_DOUBLE
/* rows × cols of src (row stride ld) into a contiguous bf16 buffer of at least that size. */
static uint16_t *convert(uint16_t **buf, size_t *cap, const float *src, int rows, int cols, int ld)
{
    size_t need = (size_t)rows * (size_t)cols;
    if (need > *cap) {
        free(*buf);
        *buf = nn_alloc_aligned_array(need, sizeof **buf);
        *cap = *buf ? need : 0;
        if (!*buf)
            return NULL;
    }
    for (int r = 0; r < rows; r++)
        nn_bf16_round(*buf + (size_t)r * (size_t)cols, src + (size_t)r * (size_t)ld, (size_t)cols);
    return *buf;
}

/* A (rows, cols) operand stored row-major with row stride `ld`, seen transposed or not. */
static dnnl_status_t md_of(dnnl_memory_desc_t *md, int rows, int cols, int ld, int trans,
                           dnnl_data_type_t dt)
{
    dnnl_dims_t dims = {rows, cols};
    dnnl_dims_t strides = {trans ? 1 : ld, trans ? ld : 1};
    return dnnl_memory_desc_init_by_strides(md, 2, dims, dt, strides);
}

static struct entry *make_entry(struct tcache *t, const struct entry *key)
{
    if (t->n >= MAX_ENTRIES)
        return NULL;
    struct entry *e = &t->e[t->n];
    *e = *key;
    dnnl_memory_desc_t a_md, b_md, c_md;
    /* converted operands are contiguous: their ld is their stored row length */
    int a_ld = key->a_param ? key->lda : (key->ta ? key->m : key->k);
    int b_ld = key->b_param >= 0 ? key->ldb : (key->tb ? key->k : key->n);
    if (md_of(&a_md, key->m, key->k, a_ld, key->ta, dnnl_bf16) ||
        md_of(&b_md, key->k, key->n, b_ld, key->tb, dnnl_bf16) ||
        md_of(&c_md, key->m, key->n, key->ldc, 0, dnnl_f32))
        return NULL;
    dnnl_primitive_attr_t attr;
    if (dnnl_primitive_attr_create(&attr))
        return NULL;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (key->alpha != 1.0f)
        dnnl_primitive_attr_set_output_scales(attr, 1, 0, &key->alpha);
    dnnl_post_ops_t po = NULL;
    if (key->beta != 0.0f) {
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_sum(po, key->beta);
        dnnl_primitive_attr_set_post_ops(attr, po);
    }
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    int ok = dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md) == dnnl_success &&
             dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success &&
             dnnl_primitive_create(&e->prim, pd) == dnnl_success;
    dnnl_primitive_attr_destroy(attr);
    if (po)
        dnnl_post_ops_destroy(po);
    if (!ok) {
        if (pd)
            dnnl_primitive_desc_destroy(pd);
        return NULL;
    }
    const dnnl_memory_desc_t *pad_md =
        dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t pad_bytes = pad_md ? dnnl_memory_desc_get_size(pad_md) : 0;
    e->pad_buf = pad_bytes ? nn_alloc_aligned(pad_bytes) : NULL;
    ok = dnnl_memory_create(&e->a, &a_md, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->b, &b_md, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         dnnl_memory_create(&e->c, &c_md, engine, DNNL_MEMORY_NONE) == dnnl_success &&
         (!pad_bytes ||
          (e->pad_buf && dnnl_memory_create(&e->pad, pad_md, engine, e->pad_buf) == dnnl_success));
    dnnl_primitive_desc_destroy(pd);
    if (!ok)
        return NULL; /* a failed table entry is dropped: the caller falls back */
    t->n++;
    return e;
}
#endif

static void rows_ready(const struct nn_backend *be, enum nn_trans as, const nn_real *whole, int ld,
                       int r0, int n, int B, int cols, long long step)
{
    (void)be;
#ifdef NN_DOUBLE
    (void)as, (void)whole, (void)ld, (void)r0, (void)n, (void)B, (void)cols, (void)step;
#else
    if (own_amx())
        nn_amx_rows_ready(as == NN_TRANS, whole, ld, r0, n, B, cols, step);
#endif
}

static int chunk_align(void)
{
    return own_amx() ? 16 : 0;
}

static void gemm(const struct nn_backend *be, enum nn_trans ta, enum nn_trans tb, int m, int n,
                 int k, nn_real alpha, const nn_real *a, int lda, const nn_real *b, int ldb,
                 nn_real beta, nn_real *c, int ldc, int b_param)
{
    (void)be;
#ifdef NN_DOUBLE
    /* the float64 build (gradient checks) has no bf16 path */
    nn_gemm(&nn_backend_openblas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, b_param);
}
#else
    if (m <= 0 || n <= 0 || k <= 0) { /* empty (a zero-row share of a batch): nothing for AMX */
        nn_gemm(&nn_backend_openblas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                b_param);
        return;
    }
    if (own_amx()) {
        const struct bf16_copy *mc = b_param >= 0 ? model_of(b) : NULL;
        if (nn_amx_call(mc ? mc->amx : NULL, ta == NN_TRANS, tb == NN_TRANS, m, n, k, (float)alpha,
                        a, lda, b, ldb, (float)beta, c, ldc, b_param,
                        atomic_load_explicit(&step_gen, memory_order_acquire)) == 0)
            return;
    }
    struct tcache *t = thread_cache();
    const uint16_t *wcopy = b_param >= 0 ? bf16_copy_of(b) : NULL;
    int want = atomic_load_explicit(&want_threads, memory_order_relaxed);
    struct entry key = {.ta = ta == NN_TRANS,
                        .tb = tb == NN_TRANS,
                        .m = m,
                        .n = n,
                        .k = k,
                        .lda = lda,
                        .ldb = ldb,
                        .ldc = ldc,
                        .a_param = 0,
                        .b_param = wcopy ? 0 : -1,
                        .alpha = (float)alpha,
                        .beta = (float)beta};
    struct entry *e = NULL;
    for (int i = 0; t && i < t->n && !e; i++) {
        const struct entry *x = &t->e[i];
        if (x->ta == key.ta && x->tb == key.tb && x->m == m && x->n == n && x->k == k &&
            x->lda == lda && x->ldb == ldb && x->ldc == ldc && x->b_param == key.b_param &&
            x->alpha == key.alpha && x->beta == key.beta)
            e = &t->e[i];
    }
    if (t && !e)
        e = make_entry(t, &key);
    const uint16_t *abf = NULL, *bbf = NULL;
    if (e) {
        abf = key.ta ? convert(&t->abuf, &t->acap, a, k, m, lda)
                     : convert(&t->abuf, &t->acap, a, m, k, lda);
        if (wcopy)
            bbf = wcopy;
        else {
            const int rows = key.tb ? n : k, cols = key.tb ? k : n;
            unsigned gen = atomic_load_explicit(&step_gen, memory_order_acquire);
            if (t->b_src == b && t->b_rows == rows && t->b_cols == cols && t->b_ld == ldb &&
                t->b_gen == gen && t->bbuf) {
                bbf = t->bbuf; /* the same dZ as this thread's last chunk of the layer */
            } else {
                bbf = convert(&t->bbuf, &t->bcap, b, rows, cols, ldb);
                t->b_src = bbf ? b : NULL;
                t->b_rows = rows;
                t->b_cols = cols;
                t->b_ld = ldb;
                t->b_gen = gen;
            }
        }
    }
    if (!e || !abf || !bbf) { /* out of memory or an unsupported shape: fp32 through OpenBLAS */
        nn_gemm(&nn_backend_openblas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                b_param);
        return;
    }
    if (t->omp_threads != want) {
        omp_set_num_threads(want);
        t->omp_threads = want;
    }
    dnnl_memory_set_data_handle(e->a, (void *)abf);
    dnnl_memory_set_data_handle(e->b, (void *)bbf);
    dnnl_memory_set_data_handle(e->c, c);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, e->a},
                               {DNNL_ARG_WEIGHTS, e->b},
                               {DNNL_ARG_DST, e->c},
                               {DNNL_ARG_SCRATCHPAD, e->pad}};
    dnnl_primitive_execute(e->prim, stream, e->pad ? 4 : 3, args);
}
#endif

static void free_copy(struct bf16_copy *mc)
{
#ifndef NN_DOUBLE
    nn_amx_weights_free(mc->amx);
#endif
    free(mc->w);
    *mc = (struct bf16_copy){0};
}

static int attach(const struct nn_backend *be, const struct nn_model *m)
{
    (void)be;
    char why[256];
#ifdef NN_DOUBLE
    (void)m, (void)why;
    return NN_ERR_RUNTIME; /* bfloat16 is for the float32 build */
#else
    if (nn_onednn_check(why, sizeof why))
        return NN_ERR_RUNTIME;
    struct bf16_copy mc = {.base = m->params, .n = m->n_params};
    if (own_amx()) {
        mc.amx = nn_amx_weights_make(m);
        if (!mc.amx)
            return NN_ERR_NOMEM;
    } else {
        mc.w = nn_alloc_aligned_array(m->n_params, sizeof *mc.w);
        if (!mc.w)
            return NN_ERR_NOMEM;
        nn_bf16_round(mc.w, m->params, m->n_params);
    }
    pthread_mutex_lock(&models_mu);
    int slot = -1;
    for (int i = 0; i < MAX_MODELS && slot < 0; i++)
        if (!models[i].w && !models[i].amx)
            slot = i;
    if (slot >= 0)
        models[slot] = mc;
    pthread_mutex_unlock(&models_mu);
    if (slot < 0) {
        free_copy(&mc);
        return NN_ERR_RUNTIME;
    }
    return NN_OK;
#endif
}

static void params_updated(const struct nn_backend *be, const struct nn_model *m, size_t off,
                           size_t n)
{
    (void)be;
#ifdef NN_DOUBLE
    (void)m, (void)off, (void)n;
#else
    const struct bf16_copy *mc = model_of(m->params);
    if (!mc || off + n > m->n_params)
        return;
    if (mc->w)
        nn_bf16_round(mc->w + off, m->params + off, n);
    if (mc->amx)
        nn_amx_weights_updated(mc->amx, off, n);
#endif
}

static uint16_t *param_copy(const struct nn_backend *be, const struct nn_model *m)
{
    (void)be;
#ifdef NN_DOUBLE
    (void)m;
    return NULL;
#else
    return (uint16_t *)bf16_copy_of(m->params);
#endif
}

static void detach(const struct nn_backend *be, const struct nn_model *m)
{
    (void)be;
    pthread_mutex_lock(&models_mu);
    for (int i = 0; i < MAX_MODELS; i++)
        if ((models[i].w || models[i].amx) &&
            (const void *)models[i].base == (const void *)m->params)
            free_copy(&models[i]);
    pthread_mutex_unlock(&models_mu);
#ifndef NN_DOUBLE
    /* the staged operands live in a model's buffers: all dropped (a model built later may get
     * the same addresses) */
    nn_amx_stages_drop();
#endif
}

static void invalidate(const struct nn_backend *be)
{
    (void)be;
    atomic_fetch_add_explicit(&step_gen, 1, memory_order_release);
}

static void set_threads(int threads)
{
    if (threads > 0)
        atomic_store(&want_threads, threads);
    nn_backend_openblas.set_threads(threads);
}

static int threads(void)
{
    return atomic_load(&want_threads);
}

static void describe(char *buf, size_t len)
{
    const dnnl_version_t *v = dnnl_version();
    if (own_amx())
        snprintf(buf, len,
                 "nnctl's AMX kernels (bf16 tiles, fp32 accumulation; oneDNN %d.%d.%d loaded "
                 "for CPUs without AMX); isa AMX",
                 v->major, v->minor, v->patch);
    else
        snprintf(buf, len, "oneDNN %d.%d.%d (%s), bf16 matmul with fp32 accumulation; isa %s",
                 v->major, v->minor, v->patch,
                 v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other",
                 dnnl_get_effective_cpu_isa() == dnnl_cpu_isa_avx512_core_amx ? "AMX" : "AVX-512");
}

static int facts(struct nn_backend_fact *f, int max)
{
    if (max < 1)
        return 0;
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    /* oneDNN's effective ISA follows its own limit (DNNL_MAX_CPU_ISA), which plays a CPU
     * without AMX */
    const int amx = nn_cpu_has(&cpu, NN_CPU_AMX_BF16) &&
                    dnnl_get_effective_cpu_isa() == dnnl_cpu_isa_avx512_core_amx;
    f[0].key = "bf16_engine";
    snprintf(f[0].value, sizeof f[0].value, "%s",
             amx ? "AMX-BF16 tiles"
             : nn_cpu_has(&cpu, NN_CPU_AVX512_BF16)
                 ? "AVX512-BF16 without AMX, oneDNN's matmul (AMD EPYC family 26 model 2, "
                   "2026-12-07: autoencoder Adam epoch 0.54x float32's; LeNet 1.05x, slower: "
                   "its small GEMMs round their unfolded inputs to bf16 at every call)"
                 : "none on this CPU");
    return 1;
}

const struct nn_backend nn_backend_onednn_bf16 = {
    .name = "onednn-bf16",
    .doc = "bf16 inputs, fp32 accumulation: nnctl's AMX kernels, or oneDNN's matmul on "
           "AVX512-BF16",
    .precision = NN_PRECISION_BFLOAT16,
    .check = nn_onednn_check,
    .gemm = gemm,
    .set_threads = set_threads,
    .threads = threads,
    .describe = describe,
    .facts = facts,
    .attach = attach,
    .params_updated = params_updated,
    .param_copy = param_copy,
    .invalidate = invalidate,
    .detach = detach,
    .rows_ready = rows_ready,
    .chunk_align = chunk_align,
};
