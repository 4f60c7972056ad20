/* nnctl's own AMX kernels (src/backend/amx.c) against oneDNN's matmul primitive on the eleven
 * GEMMs of one autoencoder training step as one thread of two runs them (64 of the batch's 128
 * rows; the weight gradients in the chunks a thread takes), on one core: the measurement the
 * bfloat16 issue asks for in choosing between the two.
 *
 * Each side does what the bf16 backend does per call with it, packing included:
 *  - own: the forward multiplies by the weight's packed copy (kept by the optimizer's pass, not
 *    counted) after packing X; the input gradient runs as dXᵀ = W · dZᵀ on the weight's row-major
 *    copy after packing dZᵀ; the weight gradient packs its chunk of Xᵀ, and dZ once per layer
 *    (in training each thread packs only its own rows of both: this counts more);
 *  - oneDNN: rounds X, dZ (once per layer for the weight gradient) and Xᵀ's chunk to bf16 and
 *    runs the matmul primitive made for that shape and layout (weights from a bf16 copy of the
 *    same layout as the fp32 ones), as src/backend/onednn.c does on a CPU without AMX.
 * Both give the same products (compared); the best of three alternating rounds.
 *
 * Build and run: make amx-gemm (not part of nnctl). Exit status 0 when AMX is missing. */
#include <dnnl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nnctl/amx.h"
#include "nnctl/bf16.h"
#include "nnctl/mem.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *randf(size_t n, unsigned seed)
{
    float *p = nn_alloc_aligned_array(n, sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((((i + seed) * 2654435761u) >> 8) % 2001) / 1000.0f - 1.0f;
    return p;
}

enum kind { FWD, DX, DW };
static const char *const kind_name[] = {"forward", "input gradient", "weight gradient"};

/* one GEMM of the step: C (m×n) = op(A) · op(B); `calls` of it per thread and step */
struct shape {
    enum kind kind;
    int m, n, k, calls;
};

/* the autoencoder 784-256-64-256-784, 64 rows per thread, batch 128; chunks of W on 16-row
 * tiles: 784 rows in four (192, 192, 192, 208: a thread takes two), 256 in four of 64, 64 and 256
 * in halves */
static const struct shape shapes[] = {
    {FWD, 64, 256, 784, 1}, {FWD, 64, 64, 256, 1}, {FWD, 64, 256, 64, 1},  {FWD, 64, 784, 256, 1},
    {DX, 64, 256, 784, 1},  {DX, 64, 64, 256, 1},  {DX, 64, 256, 64, 1},   {DW, 64, 784, 128, 2},
    {DW, 32, 256, 128, 1},  {DW, 128, 64, 128, 1}, {DW, 192, 256, 128, 2},
};

struct dnn {
    dnnl_primitive_t prim;
    dnnl_memory_t a, b, c;
};

static dnnl_engine_t engine;
static dnnl_stream_t stream;

/* A (m×k) row-major or stored transposed (k×m), B (k×n) row-major or stored transposed (n×k) */
static int dnn_make(struct dnn *d, int m, int n, int k, int ta, int tb)
{
    dnnl_memory_desc_t a_md, b_md, c_md;
    dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
    dnnl_dims_t as = {ta ? 1 : k, ta ? m : 1}, bs = {tb ? 1 : n, tb ? k : 1};
    if (dnnl_memory_desc_init_by_strides(&a_md, 2, ad, dnnl_bf16, as) ||
        dnnl_memory_desc_init_by_strides(&b_md, 2, bd, dnnl_bf16, bs) ||
        dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dnnl_f32, dnnl_ab))
        return -1;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    if (dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md) ||
        dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL) ||
        dnnl_primitive_create(&d->prim, pd))
        return -1;
    dnnl_primitive_desc_destroy(pd);
    return dnnl_memory_create(&d->a, &a_md, engine, DNNL_MEMORY_NONE) ||
           dnnl_memory_create(&d->b, &b_md, engine, DNNL_MEMORY_NONE) ||
           dnnl_memory_create(&d->c, &c_md, engine, DNNL_MEMORY_NONE);
}

static void dnn_run(const struct dnn *d, void *a, void *b, float *c)
{
    dnnl_memory_set_data_handle(d->a, a);
    dnnl_memory_set_data_handle(d->b, b);
    dnnl_memory_set_data_handle(d->c, c);
    dnnl_exec_arg_t args[3] = {
        {DNNL_ARG_SRC, d->a}, {DNNL_ARG_WEIGHTS, d->b}, {DNNL_ARG_DST, d->c}};
    dnnl_primitive_execute(d->prim, stream, 3, args);
    dnnl_stream_wait(stream);
}

/* the operands of one shape, both sides' forms */
struct ops {
    const struct shape *s;
    float *x, *w, *c_own, *c_dnn; /* x: the activation or dZ operand; w: W or dZ (DW) */
    uint16_t *pa, *pb, *wpk, *xb, *wb;
    struct dnn d;
};

static int ops_make(struct ops *o, const struct shape *s)
{
    memset(o, 0, sizeof *o);
    o->s = s;
    const int m = s->m, n = s->n, k = s->k;
    o->c_own = nn_alloc_aligned_array((size_t)m * n, sizeof(float));
    o->c_dnn = nn_alloc_aligned_array((size_t)m * n, sizeof(float));
    switch (s->kind) {
    case FWD: /* Y (m×n) = X (m×k) · W (k×n) */
        o->x = randf((size_t)m * k, 1);
        o->w = randf((size_t)k * n, 2);
        o->pa = nn_alloc_aligned_array(nn_amx_a_size(m, k), 2);
        o->wpk = nn_alloc_aligned_array(nn_amx_b_size(k, n), 2);
        nn_amx_pack_b(o->wpk, o->w, k, n, n, 0);
        o->xb = nn_alloc_aligned_array((size_t)m * k, 2);
        o->wb = nn_alloc_aligned_array((size_t)k * n, 2);
        nn_bf16_round(o->wb, o->w, (size_t)k * n);
        return dnn_make(&o->d, m, n, k, 0, 0);
    case DX: /* dX (m×n) = dZ (m×k) · Wᵀ, W n×k; own: dXᵀ = W · dZᵀ */
        o->x = randf((size_t)m * k, 3);
        o->w = randf((size_t)n * k, 4);
        o->pb = nn_alloc_aligned_array(nn_amx_b_size(k, m), 2);
        o->wpk = nn_alloc_aligned_array(nn_amx_a_size(n, k), 2);
        nn_amx_pack_a(o->wpk, o->w, n, k, k, 0);
        o->xb = nn_alloc_aligned_array((size_t)m * k, 2);
        o->wb = nn_alloc_aligned_array((size_t)n * k, 2);
        nn_bf16_round(o->wb, o->w, (size_t)n * k);
        return dnn_make(&o->d, m, n, k, 0, 1);
    case DW: /* dW chunk (m×n) = X[:, chunk]ᵀ (m×k) · dZ (k×n); X k×m here */
        o->x = randf((size_t)k * m, 5);
        o->w = randf((size_t)k * n, 6);
        o->pa = nn_alloc_aligned_array(nn_amx_a_size(m, k), 2);
        o->pb = nn_alloc_aligned_array(nn_amx_b_size(k, n), 2);
        o->xb = nn_alloc_aligned_array((size_t)k * m, 2);
        o->wb = nn_alloc_aligned_array((size_t)k * n, 2);
        return dnn_make(&o->d, m, n, k, 1, 0);
    }
    return -1;
}

/* `calls` of the shape as the step makes them; the dZ of a weight gradient packed once */
static void run_own(struct ops *o)
{
    const struct shape *s = o->s;
    const int m = s->m, n = s->n, k = s->k;
    if (s->kind == DW)
        nn_amx_pack_b(o->pb, o->w, k, n, n, 0);
    for (int c = 0; c < s->calls; c++)
        switch (s->kind) {
        case FWD:
            nn_amx_pack_a(o->pa, o->x, m, k, k, 0);
            nn_amx_gemm(m, n, k, 1, o->pa, o->wpk, 0, o->c_own, n, 0);
            break;
        case DX:
            nn_amx_pack_b(o->pb, o->x, k, m, k, 1);
            nn_amx_gemm(n, m, k, 1, o->wpk, o->pb, 0, o->c_own, n, 1);
            break;
        case DW:
            nn_amx_pack_a(o->pa, o->x, m, k, m, 1);
            nn_amx_gemm(m, n, k, 1, o->pa, o->pb, 0, o->c_own, n, 0);
            break;
        }
}

static void run_dnn(struct ops *o)
{
    const struct shape *s = o->s;
    const int m = s->m, n = s->n, k = s->k;
    if (s->kind == DW)
        nn_bf16_round(o->wb, o->w, (size_t)k * n);
    for (int c = 0; c < s->calls; c++) {
        nn_bf16_round(o->xb, o->x, (size_t)m * k);
        dnn_run(&o->d, o->xb, o->wb, o->c_dnn);
    }
}

int main(void)
{
    if (!nn_amx_ready()) {
        printf("amx_gemm: no AMX-BF16 granted to this process (or none on this CPU)\n");
        return 0;
    }
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) ||
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags)) {
        printf("amx_gemm: oneDNN has no CPU engine\n");
        return 1;
    }
    printf("one thread's GEMMs of one autoencoder step (64 rows of 128), packing or rounding "
           "included, one core:\n");
    printf("%-16s %-14s %5s %10s %10s %8s\n", "GEMM", "M×N×K", "calls", "own µs", "oneDNN µs",
           "own/dnn");
    double tot_own = 0, tot_dnn = 0, kind_own[3] = {0}, kind_dnn[3] = {0};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct ops o;
        if (ops_make(&o, &shapes[i])) {
            printf("amx_gemm: oneDNN refused a matmul\n");
            return 1;
        }
        run_own(&o);
        run_dnn(&o);
        double worst = 0;
        for (size_t q = 0; q < (size_t)o.s->m * (size_t)o.s->n; q++)
            worst = fmax(worst, fabs(o.c_own[q] - o.c_dnn[q]) / (fabs(o.c_dnn[q]) + 1e-2));
        if (worst > 1e-4) {
            printf("amx_gemm: the two differ by %.1e on %s %d×%d×%d\n", worst, kind_name[o.s->kind],
                   o.s->m, o.s->n, o.s->k);
            return 1;
        }
        const int reps = 4000;
        double best_own = 1e30, best_dnn = 1e30;
        for (int round = 0; round < 3; round++) {
            double t0 = now();
            for (int r = 0; r < reps; r++)
                run_own(&o);
            double t1 = now();
            for (int r = 0; r < reps; r++)
                run_dnn(&o);
            double t2 = now();
            best_own = fmin(best_own, (t1 - t0) / reps);
            best_dnn = fmin(best_dnn, (t2 - t1) / reps);
        }
        char dims[32];
        snprintf(dims, sizeof dims, "%d×%d×%d", o.s->m, o.s->n, o.s->k);
        printf("%-16s %-14s %5d %10.2f %10.2f %8.2f\n", kind_name[o.s->kind], dims, o.s->calls,
               best_own * 1e6, best_dnn * 1e6, best_own / best_dnn);
        tot_own += best_own;
        tot_dnn += best_dnn;
        kind_own[o.s->kind] += best_own;
        kind_dnn[o.s->kind] += best_dnn;
    }
    for (int k = 0; k < 3; k++)
        printf("%-31s %10.2f %10.2f %8.2f\n", kind_name[k], kind_own[k] * 1e6, kind_dnn[k] * 1e6,
               kind_own[k] / kind_dnn[k]);
    printf("%-31s %10.2f %10.2f %8.2f   (µs per step and thread; × 469 steps: %.3f against %.3f "
           "s per epoch)\n",
           "the step", tot_own * 1e6, tot_dnn * 1e6, tot_own / tot_dnn, tot_own * 469,
           tot_dnn * 469);
    return 0;
}
