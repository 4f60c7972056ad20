/* A bf16 GEMM kernel of our own on the AMX tiles, measured against oneDNN's matmul primitive on
 * the autoencoder's GEMM shapes at 64 rows (one thread's share of a batch of 128), on one core:
 * the measurement the bfloat16 issue asks for before choosing between the two.
 *
 * The kernel: C (M×N, fp32) = A (M×K, bf16, row-major) · B, with B pre-packed once into AMX's
 * pair layout (for each pair of rows 2p, 2p+1 of B and each column n: B[2p][n], B[2p+1][n]), the
 * way a weight copy would be kept. Blocks of 32×32 of C live in four tiles (16×16 fp32 each);
 * each step over K loads two 16×32 tiles of A and two 16-pair×16 tiles of B and issues four
 * TDPBF16PS. M, N and K are padded to multiples of 32 with zeros (the flops counted are the
 * shape's own).
 *
 * Build and run: make amx-gemm
 * Not part of nnctl: a measurement. Exit status 0 when AMX is missing (it says so). */
#include <dnnl.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nnctl/bf16.h"

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA  18

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* LDTILECFG's 64-byte operand (start_row and the reserved bytes stay 0). */
struct tilecfg {
    uint8_t palette, start; /* cppcheck-suppress unusedStructMember */
    uint8_t reserved[14];   /* cppcheck-suppress unusedStructMember */
    uint16_t colsb[16];
    uint8_t rows[16];
};

static void configure(void)
{
    struct tilecfg c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) {
        c.rows[t] = 16;
        c.colsb[t] = 64; /* C: 16 fp32; A: 32 bf16; B: 16 columns × 2 bf16 */
    }
    _tile_loadconfig(&c);
}

static int round_up(int v, int m)
{
    return (v + m - 1) / m * m;
}

/* B (K×N fp32) → pairs layout, padded to Kp × Np: row p holds Np pairs (B[2p][n], B[2p+1][n]). */
static uint16_t *pack_pairs(const float *b, int K, int N, int Kp, int Np)
{
    uint16_t *out = calloc((size_t)Kp * (size_t)Np, sizeof *out);
    for (int k = 0; k < K; k++)
        for (int n = 0; n < N; n++)
            out[((size_t)(k / 2) * (size_t)Np + (size_t)n) * 2 + (size_t)(k % 2)] =
                nn_bf16_of(b[(size_t)k * (size_t)N + (size_t)n]);
    return out;
}

/* C (Mp×Np) = A (Mp×Kp bf16) · B (pairs, Kp/2 × Np × 2). The tile configuration is loaded on
 * every call: other code (oneDNN's kernels) releases the tiles between calls. */
static void amx_gemm(const uint16_t *a, const uint16_t *bp, float *c, int Mp, int Np, int Kp)
{
    configure();
    for (int m0 = 0; m0 < Mp; m0 += 32)
        for (int n0 = 0; n0 < Np; n0 += 32) {
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (int k0 = 0; k0 < Kp; k0 += 32) {
                _tile_loadd(4, a + (size_t)m0 * (size_t)Kp + (size_t)k0, (size_t)Kp * 2);
                _tile_loadd(5, a + (size_t)(m0 + 16) * (size_t)Kp + (size_t)k0, (size_t)Kp * 2);
                const uint16_t *b0 = bp + ((size_t)(k0 / 2) * (size_t)Np + (size_t)n0) * 2;
                _tile_loadd(6, b0, (size_t)Np * 4);
                _tile_loadd(7, b0 + 32, (size_t)Np * 4);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            float *c0 = c + (size_t)m0 * (size_t)Np + (size_t)n0;
            _tile_stored(0, c0, (size_t)Np * 4);
            _tile_stored(1, c0 + 16, (size_t)Np * 4);
            _tile_stored(2, c0 + (size_t)16 * (size_t)Np, (size_t)Np * 4);
            _tile_stored(3, c0 + (size_t)16 * (size_t)Np + 16, (size_t)Np * 4);
        }
}

/* oneDNN's matmul on the same bf16 operands (plain row-major A and B), fp32 C. */
struct dnn {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t prim;
    dnnl_memory_t a, b, c;
};

static int dnn_make(struct dnn *d, int M, int N, int K, void *a, void *b, float *c)
{
    dnnl_memory_desc_t a_md, b_md, c_md;
    dnnl_dims_t ad = {M, K}, bd = {K, N}, cd = {M, N};
    if (dnnl_engine_create(&d->engine, dnnl_cpu, 0) ||
        dnnl_stream_create(&d->stream, d->engine, dnnl_stream_default_flags) ||
        dnnl_memory_desc_init_by_tag(&a_md, 2, ad, dnnl_bf16, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&b_md, 2, bd, dnnl_bf16, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dnnl_f32, dnnl_ab))
        return -1;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    if (dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md) ||
        dnnl_primitive_desc_create(&pd, &desc, NULL, d->engine, NULL) ||
        dnnl_primitive_create(&d->prim, pd))
        return -1;
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    printf("    oneDNN chose %s\n", impl ? impl : "?");
    dnnl_primitive_desc_destroy(pd);
    return dnnl_memory_create(&d->a, &a_md, d->engine, a) ||
           dnnl_memory_create(&d->b, &b_md, d->engine, b) ||
           dnnl_memory_create(&d->c, &c_md, d->engine, c);
}

static void dnn_run(const struct dnn *d)
{
    dnnl_exec_arg_t args[3] = {
        {DNNL_ARG_SRC, d->a}, {DNNL_ARG_WEIGHTS, d->b}, {DNNL_ARG_DST, d->c}};
    dnnl_primitive_execute(d->prim, d->stream, 3, args);
    dnnl_stream_wait(d->stream);
}

int main(void)
{
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)) {
        printf("amx_gemm: the OS does not grant AMX to this process (or the CPU has none)\n");
        return 0;
    }
    /* the autoencoder's forward GEMMs at 64 rows: 784→256, 256→64, 64→256, 256→784 */
    static const int shapes[][3] = {{64, 256, 784}, {64, 64, 256}, {64, 256, 64}, {64, 784, 256}};
    double total_own = 0, total_dnn = 0, flops_all = 0;
    for (int s = 0; s < 4; s++) {
        const int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        const int Mp = round_up(M, 32), Np = round_up(N, 32), Kp = round_up(K, 32);
        float *af = malloc((size_t)M * K * sizeof *af), *bf = malloc((size_t)K * N * sizeof *bf);
        for (int i = 0; i < M * K; i++)
            af[i] = (float)((i * 7919 % 1000) / 1000.0 - 0.5);
        for (int i = 0; i < K * N; i++)
            bf[i] = (float)((i * 104729 % 1000) / 1000.0 - 0.5);
        uint16_t *a = calloc((size_t)Mp * Kp, 2), *ad = malloc((size_t)M * K * 2),
                 *bd = malloc((size_t)K * N * 2);
        for (int m = 0; m < M; m++)
            for (int k = 0; k < K; k++)
                a[(size_t)m * Kp + k] = ad[(size_t)m * K + k] = nn_bf16_of(af[(size_t)m * K + k]);
        nn_bf16_round(bd, bf, (size_t)K * N);
        uint16_t *bp = pack_pairs(bf, K, N, Kp, Np);
        float *c = calloc((size_t)Mp * Np, sizeof *c), *cd = calloc((size_t)M * N, sizeof *cd);
        struct dnn d;
        printf("%d×%d×%d (M×N×K):\n", M, N, K);
        if (dnn_make(&d, M, N, K, ad, bd, cd)) {
            printf("amx_gemm: oneDNN refused the matmul\n");
            return 1;
        }
        const int reps = 20000;
        amx_gemm(a, bp, c, Mp, Np, Kp);
        dnn_run(&d);
        double worst = 0;
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++)
                worst = fmax(worst, fabs(c[(size_t)m * Np + n] - cd[(size_t)m * N + n]) /
                                        (fabs(cd[(size_t)m * N + n]) + 1e-3));
        double best_own = 1e30, best_dnn = 1e30;
        for (int round = 0; round < 3; round++) { /* alternating, the best of three each */
            double t0 = now();
            for (int r = 0; r < reps; r++)
                amx_gemm(a, bp, c, Mp, Np, Kp);
            double t1 = now();
            for (int r = 0; r < reps; r++)
                dnn_run(&d);
            double t2 = now();
            best_own = fmin(best_own, (t1 - t0) / reps);
            best_dnn = fmin(best_dnn, (t2 - t1) / reps);
        }
        const double flops = 2.0 * M * N * K;
        printf("    own AMX kernel %7.2f µs  %6.1f GFLOP/s | oneDNN %7.2f µs  %6.1f GFLOP/s | "
               "largest difference %.1e relative\n",
               best_own * 1e6, flops / best_own * 1e-9, best_dnn * 1e6, flops / best_dnn * 1e-9,
               worst);
        total_own += best_own;
        total_dnn += best_dnn;
        flops_all += flops;
        free(af);
        free(bf);
        free(a);
        free(ad);
        free(bd);
        free(bp);
        free(c);
        free(cd);
    }
    printf("the four shapes together: own %.1f GFLOP/s, oneDNN %.1f GFLOP/s (own/oneDNN time "
           "%.2f)\n",
           flops_all / total_own * 1e-9, flops_all / total_dnn * 1e-9, total_own / total_dnn);
    _tile_release();
    return 0;
}
