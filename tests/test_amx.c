/* nnctl's own AMX kernels (src/backend/amx.c): the GEMM in every layout the backend uses against
 * a float64 reference on the same bf16-rounded operands, edges and strides included, C outside
 * its m×n untouched; the packed weight copies refreshed row range by row range equal to a whole
 * packing. Skipped on a CPU without AMX-BF16 (or where the OS does not grant it). */
#include "testutil.h"

#include <math.h>

#include "nnctl/amx.h"
#include "nnctl/bf16.h"
#include "nnctl/mem.h"
#include "nnctl/rng.h"

static int have_amx(void)
{
    if (nn_amx_ready())
        return 1;
    print_message("    skipped: no AMX-BF16 granted to this process\n");
    return 0;
}

static float bf(float x)
{
    uint32_t u = (uint32_t)nn_bf16_of(x) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void fill(float *x, size_t n, uint64_t seed)
{
    struct nn_rng r;
    nn_rng_seed(&r, seed, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(2.0 * nn_rng_uniform(&r) - 1.0);
}

/* One case: op(A) (m×k) and op(B) (k×n) stored with row strides lda/ldb (transposed when ta/tb),
 * C (ldc > n, sentinels around) = alpha·op(A)·op(B) + beta·C, or stored transposed (trans_c:
 * C is then n×m). The reference adds the exact products of the bf16 operands in float64; fp32
 * accumulation over k terms is within k·2^-24 of their absolute sum (plus one rounding each for
 * alpha and beta). */
static void one_case(int m, int n, int k, int ta, int tb, float alpha, float beta, int trans_c)
{
    const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5;
    const int crow = trans_c ? n : m, ccol = trans_c ? m : n, ldc = ccol + 7;
    const size_t na = (size_t)(ta ? k : m) * (size_t)lda, nb = (size_t)(tb ? n : k) * (size_t)ldb;
    float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
    float *c = malloc((size_t)crow * (size_t)ldc * sizeof *c);
    float *c0 = malloc((size_t)crow * (size_t)ldc * sizeof *c0);
    uint16_t *pa = nn_alloc_aligned_array(nn_amx_a_size(m, k), sizeof *pa);
    uint16_t *pb = nn_alloc_aligned_array(nn_amx_b_size(k, n), sizeof *pb);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(c0);
    assert_non_null(pa);
    assert_non_null(pb);
    fill(a, na, 1000u + (uint64_t)m);
    fill(b, nb, 2000u + (uint64_t)n);
    fill(c0, (size_t)crow * (size_t)ldc, 3000u + (uint64_t)k);
    memcpy(c, c0, (size_t)crow * (size_t)ldc * sizeof *c);
    nn_amx_pack_a(pa, a, m, k, lda, ta);
    nn_amx_pack_b(pb, b, k, n, ldb, tb);
    nn_amx_gemm(m, n, k, alpha, pa, pb, beta, c, ldc, trans_c);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0, mag = 0;
            for (int q = 0; q < k; q++) {
                double x = bf(ta ? a[(size_t)q * lda + i] : a[(size_t)i * lda + q]);
                double y = bf(tb ? b[(size_t)j * ldb + q] : b[(size_t)q * ldb + j]);
                sum += x * y;
                mag += fabs(x * y);
            }
            const size_t at = trans_c ? (size_t)j * ldc + i : (size_t)i * ldc + j;
            const double want = alpha * sum + beta * (double)c0[at];
            const double tol = fabs(alpha) * mag * (k + 2) * 0x1p-24 +
                               fabs(beta * c0[at]) * 0x1p-23 + fabs(want) * 0x1p-23 + 1e-30;
            const double err = fabs((double)c[at] - want);
            if (err > tol)
                fail_msg("%d×%d×%d ta %d tb %d alpha %g beta %g trans_c %d: C[%d][%d] = %.9g, "
                         "expected %.9g (tolerance %.3g)",
                         m, n, k, ta, tb, (double)alpha, (double)beta, trans_c, i, j, (double)c[at],
                         want, tol);
            if (err / tol > worst)
                worst = err / tol;
        }
    /* outside C's rows × columns: untouched */
    for (int i = 0; i < crow; i++)
        for (int j = ccol; j < ldc; j++)
            if (memcmp(&c[(size_t)i * ldc + j], &c0[(size_t)i * ldc + j], sizeof *c))
                fail_msg("%d×%d×%d: C[%d][%d], beyond the matrix, was written", m, n, k, i, j);
    free(a);
    free(b);
    free(c);
    free(c0);
    free(pa);
    free(pb);
}

static void test_gemm_layouts(void **state)
{
    (void)state;
    if (!have_amx())
        return;
    /* edges of every kind: 1, below and above one tile (16) and one block (32) in m and n, k
     * odd, below and above the 32 of one step, and the autoencoder's shapes */
    static const int shapes[][3] = {{1, 1, 1},     {3, 5, 7},      {16, 16, 32},   {17, 33, 65},
                                    {40, 20, 100}, {33, 17, 2},    {64, 256, 784}, {64, 784, 256},
                                    {128, 64, 64}, {196, 256, 128}};
    static const float ab[][2] = {{1, 0}, {-0.5f, 1}, {2, 0.25f}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (size_t v = 0; v < 3; v++)
                    for (int tc = 0; tc < 2; tc++)
                        one_case(shapes[s][0], shapes[s][1], shapes[s][2], ta, tb, ab[v][0],
                                 ab[v][1], tc);
}

/* The weight copies after an update: refreshed by ranges of elements whose bounds fall between
 * rows of a pair (one thread's chunk ends inside a pair of rows) and inside rows (the clipping
 * path splits the arena in 64-byte slices), they equal a packing of the whole new matrix, bit
 * for bit, padding included; a refresh of one range alone leaves every other value as it was. */
static void test_refresh(void **state)
{
    (void)state;
    if (!have_amx())
        return;
    static const int shapes[][2] = {{784, 256}, {64, 256}, {17, 33}, {5, 784}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int k = shapes[s][0], n = shapes[s][1];
        const size_t cnt = (size_t)k * (size_t)n;
        float *w = malloc(cnt * sizeof *w), *mixed = malloc(cnt * sizeof *mixed);
        assert_true(w && mixed);
        const size_t nf = nn_amx_b_size(k, n), nl = nn_amx_a_size(k, n);
        uint16_t *fwd = nn_alloc_aligned_array(nf, 2), *flat = nn_alloc_aligned_array(nl, 2);
        uint16_t *fwd2 = nn_alloc_aligned_array(nf, 2), *flat2 = nn_alloc_aligned_array(nl, 2);
        assert_true(fwd && flat && fwd2 && flat2);
        /* bounds: inside a row (odd), at the start of an odd row, inside the last row */
        const size_t cuts[][2] = {
            {(size_t)(k / 3) * n + (size_t)(n / 2 | 1), (size_t)((2 * k) / 3 | 1) * n},
            {0, (size_t)(k / 3) * n + (size_t)(n / 2 | 1)},
            {(size_t)((2 * k) / 3 | 1) * n, cnt - 3},
            {cnt - 3, cnt}};
        for (int part = 0; part < 2; part++) {
            fill(w, cnt, 7);
            nn_amx_pack_b(fwd, w, k, n, n, 0);
            nn_amx_pack_a(flat, w, k, n, n, 0);
            memcpy(mixed, w, cnt * sizeof *w);
            fill(w, cnt, 8); /* the update */
            for (size_t c = 0; c < (part ? 1u : 4u); c++) {
                const size_t e0 = cuts[c][0] < cnt ? cuts[c][0] : cnt;
                const size_t e1 = cuts[c][1] < cnt ? cuts[c][1] : cnt;
                nn_amx_refresh(fwd, flat, w, k, n, n, e0 < e1 ? e0 : e1, e1);
                if (e0 < e1)
                    memcpy(mixed + e0, w + e0, (e1 - e0) * sizeof *w);
            }
            /* all four ranges: the new matrix; the first alone: new values in it, old outside */
            nn_amx_pack_b(fwd2, mixed, k, n, n, 0);
            nn_amx_pack_a(flat2, mixed, k, n, n, 0);
            assert_memory_equal(fwd, fwd2, nf * 2);
            assert_memory_equal(flat, flat2, nl * 2);
        }
        free(w);
        free(mixed);
        free(fwd);
        free(flat);
        free(fwd2);
        free(flat2);
    }
}

/* A layer's input and its dZ staged by two threads' row ranges (nn_amx_stage_rows; odd and even
 * bounds, in either order) equal the whole matrix packed at once, as op(A) = Xᵀ and as B = dZ. */
static void test_stage(void **state)
{
    (void)state;
    if (!have_amx())
        return;
    static const int shapes[][3] = {{128, 784, 64}, {128, 64, 37}, {100, 20, 51}, {7, 33, 3}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int B = shapes[s][0], cols = shapes[s][1], cut = shapes[s][2];
        const int ld = cols + 2;
        float *x = malloc((size_t)B * (size_t)ld * sizeof *x);
        assert_non_null(x);
        fill(x, (size_t)B * (size_t)ld, 11 + s);
        for (int as_a = 0; as_a < 2; as_a++) {
            const size_t n = as_a ? nn_amx_a_size(cols, B) : nn_amx_b_size(B, cols);
            uint16_t *st = nn_alloc_aligned_array(n, 2), *whole = nn_alloc_aligned_array(n, 2);
            assert_true(st && whole);
            memset(st, 0, n * 2);
            nn_amx_stage_rows(st, as_a, x, ld, cut, B - cut, B, cols);
            nn_amx_stage_rows(st, as_a, x, ld, 0, cut, B, cols);
            if (as_a)
                nn_amx_pack_a(whole, x, cols, B, ld, 1);
            else
                nn_amx_pack_b(whole, x, B, cols, ld, 0);
            assert_memory_equal(st, whole, n * 2);
            free(st);
            free(whole);
        }
        free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_layouts),
        cmocka_unit_test(test_refresh),
        cmocka_unit_test(test_stage),
    };
    return cmocka_run_group_tests_name("amx", tests, NULL, NULL);
}
