/* bf16 GEMMs of our own on the AMX tiles, and the packing that feeds them (include/nnctl/amx.h).
 *
 * The kernel keeps a 32×32 block of C in four tiles (16×16 fp32 each); each step over K loads
 * two 16×32 tiles of A and two tiles of B (16 pairs of rows × 16 columns) and issues four
 * TDPBF16PS (fp32 accumulation, each product of two bf16 exact). Edges take 16-wide blocks;
 * operands are padded with zeros (the packing's job), so only C needs care: a tile that C does
 * not hold whole, or an alpha/beta other than 1/0, goes through a 16×16 buffer.
 *
 * Packing rounds fp32 to bf16 with VCVTNE2PS2BF16 (nearest even; a subnormal input becomes zero,
 * as training's flush-to-zero makes every value anyway) and moves values into place with
 * AVX-512 permutes, masked stores and scatters. Everything here is compiled for AMX and
 * AVX512-BF16 whatever the build's -march, and runs only after nn_amx_ready(). */
#include "nnctl/amx.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "nnctl/cpu.h"

#if defined(__x86_64__) && !defined(NN_DOUBLE)
#include <immintrin.h>
#define AMX_FN        __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,amx-tile,amx-bf16")))
#define HAVE_AMX_CODE 1
#endif

static int ready;
static pthread_once_t once = PTHREAD_ONCE_INIT;

int nn_amx_request(char *why, size_t len)
{
#if defined(__linux__)
    unsigned long long perm = 0;
    if (syscall(SYS_arch_prctl, 0x1022 /* ARCH_GET_XCOMP_PERM */, &perm) == 0 && (perm >> 18) & 1u)
        return 0;
    if (syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XTILEDATA */) == 0)
        return 0;
    snprintf(why, len, "the kernel refused AMX to this process (arch_prctl ARCH_REQ_XCOMP_PERM)");
    return -1;
#else
    snprintf(why, len, "AMX needs Linux");
    return -1;
#endif
}

static void probe(void)
{
#ifdef HAVE_AMX_CODE
    struct nn_cpu cpu;
    char why[128];
    nn_cpu_detect(&cpu);
    ready = nn_cpu_has(&cpu, NN_CPU_AMX_TILE) && nn_cpu_has(&cpu, NN_CPU_AMX_BF16) &&
            nn_cpu_has(&cpu, NN_CPU_AVX512_BF16) && nn_cpu_has(&cpu, NN_CPU_AVX512BW) &&
            nn_amx_request(why, sizeof why) == 0;
#endif
}

int nn_amx_ready(void)
{
    pthread_once(&once, probe);
    return ready;
}

#ifdef HAVE_AMX_CODE

/* ---- packing ---------------------------------------------------------------------------- */

/* the first `n` of 16 lanes */
static inline __mmask16 lanes(int n)
{
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* 16 dwords: (bf16(lo[j]), bf16(hi[j])) for j = 0..15, lo in the low half of each */
AMX_FN static inline __m512i pair16(__m512 lo, __m512 hi)
{
    static const uint16_t order[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,
                                       21, 6,  22, 7,  23, 8,  24, 9,  25, 10, 26,
                                       11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    __m512i v = (__m512i)_mm512_cvtne2ps_pbh(hi, lo); /* words 0..15 from lo, 16..31 from hi */
    return _mm512_permutexvar_epi16(_mm512_loadu_si512(order), v);
}

/* 16 dwords: the pairs (bf16(s[2j]), bf16(s[2j+1])) of 32 consecutive values, the first n valid
 * (zeros after) */
AMX_FN static inline __m512i pairs_of_row(const float *s, int n)
{
    __m512 lo = _mm512_maskz_loadu_ps(lanes(n), s);
    __m512 hi = _mm512_maskz_loadu_ps(lanes(n - 16), s + 16);
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

/* r[0..15] as a 16×16 matrix of dwords, transposed in place (three rounds of shuffles) */
AMX_FN static inline void transpose16(__m512i r[16])
{
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    /* each 128-bit lane now holds a 4×4 block; gather the lanes */
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 8] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
        t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_i32x4(t[i], t[i + 4], 0x88);
        r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 4], 0xdd);
        r[i + 4] = _mm512_shuffle_i32x4(t[i + 8], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_i32x4(t[i + 8], t[i + 12], 0xdd);
    }
}

/* Where a tile's 16 rows of 64 bytes start (bf16 units): A and B are stored tile by tile, each
 * tile's 1 KB contiguous, the tiles of one block row (A) or block column (B) in the order of K,
 * so the kernel reads each operand as a few sequential streams. ks: the step of 32 along K. */
static inline size_t tile_at(int t16, int ks, int kp)
{
    return ((size_t)t16 * (size_t)(kp / 32) + (size_t)ks) * 512;
}

/* Rows [j, j + nr) of src (nr ≤ 16, j a multiple of 16, n values each) as columns j.. of B =
 * srcᵀ (pairs of its n rows): 16 rows × 16 pairs at a time through a dword transpose, one tile
 * row each (zeros in the columns past nr). */
AMX_FN static void rows_to_pair_columns(uint16_t *b, int j, const float *src, int ld, int nr, int n,
                                        int kp)
{
    __m512i v[16];
    for (int c = 0; c < kp; c += 32) {
        for (int i = 0; i < 16; i++)
            v[i] = i < nr ? pairs_of_row(src + (size_t)i * (size_t)ld + c, n - c > 0 ? n - c : 0)
                          : _mm512_setzero_si512();
        transpose16(v);
        uint16_t *t = b + tile_at(j / 16, c / 32, kp);
        for (int q = 0; q < 16; q++)
            _mm512_storeu_si512(t + 32 * q, v[q]);
    }
}

/* row i of A (k values of s, zeros after) */
AMX_FN static void a_row(uint16_t *a, int i, const float *s, int k, int kp)
{
    for (int c = 0; c < kp; c += 32)
        _mm512_storeu_si512(a + tile_at(i / 16, c / 32, kp) + (size_t)(i % 16) * 32,
                            pairs_of_row(s + c, k - c > 0 ? k - c : 0));
}

AMX_FN void nn_amx_pack_a(uint16_t *dst, const float *src, int m, int k, int ld, int trans)
{
    const int kp = nn_amx_depth(k), mp = nn_amx_rows(m);
    if (!trans) {
        for (int i = 0; i < m; i++)
            a_row(dst, i, src + (size_t)i * (size_t)ld, k, kp);
    } else {
        /* A[i][kk] = src[kk][i]: two rows of src give one pair for each i; 16 such pairs of rows
         * × 16 values of i are transposed into one tile: 16 rows of A, 32 values of K */
        __m512i v[16];
        for (int i = 0; i < m; i += 16) {
            const __mmask16 mk = lanes(m - i);
            for (int kk = 0; kk < kp; kk += 32) {
                for (int q = 0; q < 16; q++) {
                    const int k0 = kk + 2 * q;
                    const float *r0 = src + (size_t)k0 * (size_t)ld + i;
                    __m512 lo = k0 < k ? _mm512_maskz_loadu_ps(mk, r0) : _mm512_setzero_ps();
                    __m512 hi =
                        k0 + 1 < k ? _mm512_maskz_loadu_ps(mk, r0 + ld) : _mm512_setzero_ps();
                    v[q] = pair16(lo, hi);
                }
                transpose16(v);
                uint16_t *t = dst + tile_at(i / 16, kk / 32, kp);
                for (int r = 0; r < 16; r++) /* rows beyond m: zeros (masked loads) */
                    _mm512_storeu_si512(t + 32 * r, v[r]);
            }
        }
        return; /* every tile written whole */
    }
    for (int i = m; i < mp; i++)
        for (int c = 0; c < kp; c += 32)
            memset(dst + tile_at(i / 16, c / 32, kp) + (size_t)(i % 16) * 32, 0, 64);
}

AMX_FN void nn_amx_pack_b(uint16_t *dst, const float *src, int k, int n, int ld, int trans)
{
    const int kp = nn_amx_depth(k);
    if (!trans) {
        /* rows 2p and 2p+1 of src interleaved into pair row p */
        const int np = nn_amx_cols(n);
        for (int p = 0; p < kp / 2; p++) {
            const float *r0 = 2 * p < k ? src + (size_t)(2 * p) * (size_t)ld : NULL;
            const float *r1 = 2 * p + 1 < k ? src + (size_t)(2 * p + 1) * (size_t)ld : NULL;
            for (int j = 0; j < np; j += 16) {
                const __mmask16 mk = lanes(n - j);
                __m512 lo = r0 ? _mm512_maskz_loadu_ps(mk, r0 + j) : _mm512_setzero_ps();
                __m512 hi = r1 ? _mm512_maskz_loadu_ps(mk, r1 + j) : _mm512_setzero_ps();
                _mm512_storeu_si512(dst + tile_at(j / 16, p / 16, kp) + (size_t)(p % 16) * 32,
                                    pair16(lo, hi));
            }
        }
    } else {
        /* B = srcᵀ: row j of src (k values) is column j of B, its pairs down pair rows; every
         * tile written whole */
        for (int j = 0; j < n; j += 16)
            rows_to_pair_columns(dst, j, src + (size_t)j * (size_t)ld, ld, n - j < 16 ? n - j : 16,
                                 k, kp);
    }
}

/* lanes [lo, hi) of 16 (clamped to 0..16) */
static inline __mmask16 span16(int lo, int hi)
{
    return (__mmask16)(lanes(hi) & (__mmask16)~lanes(lo));
}

/* bits [lo, hi) of 32 (clamped to 0..32) */
static inline __mmask32 span32(int lo, int hi)
{
    lo = lo < 0 ? 0 : lo > 32 ? 32 : lo;
    hi = hi < 0 ? 0 : hi > 32 ? 32 : hi;
    return hi > lo ? (__mmask32)(((1ull << hi) - 1ull) & ~((1ull << lo) - 1ull)) : 0;
}

/* Values [c0, c1) of row r of src (s) into the copies, nothing else read or written: into its
 * half of pair row r/2 of B = src (fwd), and into row r of A = src (flat). */
AMX_FN static void row_part(uint16_t *fwd, uint16_t *flat, int r, const float *s, int k, int n,
                            int c0, int c1)
{
    if (fwd) {
        const int odd = r & 1, p = r / 2, kp = nn_amx_depth(k);
        const __mmask32 half = odd ? 0xaaaaaaaau : 0x55555555u;
        for (int j = c0 / 16 * 16; j < c1; j += 16) {
            __m512 v = _mm512_maskz_loadu_ps(span16(c0 - j, c1 - j), s + j);
            __m512i w = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(v));
            if (odd)
                w = _mm512_slli_epi32(w, 16);
            _mm512_mask_storeu_epi16(fwd + tile_at(j / 16, p / 16, kp) + (size_t)(p % 16) * 32,
                                     half & span32(2 * (c0 - j), 2 * (c1 - j)), w);
        }
    }
    if (flat) {
        const int kp = nn_amx_depth(n);
        for (int c = c0 / 32 * 32; c < c1; c += 32) {
            __m512 lo = _mm512_maskz_loadu_ps(span16(c0 - c, c1 - c), s + c);
            __m512 hi = _mm512_maskz_loadu_ps(span16(c0 - c - 16, c1 - c - 16), s + c + 16);
            _mm512_mask_storeu_epi16(flat + tile_at(r / 16, c / 32, kp) + (size_t)(r % 16) * 32,
                                     span32(c0 - c, c1 - c), (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        }
    }
}

/* Whole rows [r0, r1): pairs of rows in one store where both are in the range */
AMX_FN static void whole_rows(uint16_t *fwd, uint16_t *flat, const float *src, int k, int n, int ld,
                              int r0, int r1)
{
    if (fwd) {
        const int kp = nn_amx_depth(k), np = nn_amx_cols(n);
        int r = r0;
        if (r < r1 && (r & 1)) {
            row_part(fwd, NULL, r, src + (size_t)r * (size_t)ld, k, n, 0, n);
            r++;
        }
        for (; r + 1 < r1; r += 2) {
            const float *s0 = src + (size_t)r * (size_t)ld, *s1 = s0 + ld;
            const int p = r / 2;
            for (int j = 0; j < np; j += 16) {
                const __mmask16 mk = lanes(n - j);
                _mm512_storeu_si512(
                    fwd + tile_at(j / 16, p / 16, kp) + (size_t)(p % 16) * 32,
                    pair16(_mm512_maskz_loadu_ps(mk, s0 + j), _mm512_maskz_loadu_ps(mk, s1 + j)));
            }
        }
        if (r < r1)
            row_part(fwd, NULL, r, src + (size_t)r * (size_t)ld, k, n, 0, n);
    }
    if (flat) /* row r of src as row r of A = src */
        for (int r = r0; r < r1; r++)
            a_row(flat, r, src + (size_t)r * (size_t)ld, n, nn_amx_depth(n));
}

AMX_FN void nn_amx_refresh(uint16_t *fwd, uint16_t *flat, const float *src, int k, int n, int ld,
                           size_t e0, size_t e1)
{
    while (e0 < e1) {
        const int r = (int)(e0 / (size_t)n), c0 = (int)(e0 % (size_t)n);
        if (c0 == 0 && e1 - e0 >= (size_t)n) { /* whole rows */
            const int r1 = (int)(e1 / (size_t)n);
            whole_rows(fwd, flat, src, k, n, ld, r, r1);
            e0 = (size_t)r1 * (size_t)n;
        } else { /* a row's part: another range (thread) may hold the rest */
            const int c1 = e1 - e0 < (size_t)(n - c0) ? c0 + (int)(e1 - e0) : n;
            row_part(fwd, flat, r, src + (size_t)r * (size_t)ld, k, n, c0, c1);
            e0 += (size_t)(c1 - c0);
        }
    }
}

AMX_FN void nn_amx_stage_rows(uint16_t *dst, int as_a, const float *whole, int ld, int r0, int n,
                              int B, int cols)
{
    if (!as_a) { /* B = whole: its rows are rows of B, written as halves of pairs where needed */
        nn_amx_refresh(dst, NULL, whole, B, cols, ld, (size_t)r0 * (size_t)cols,
                       (size_t)(r0 + n) * (size_t)cols);
        return;
    }
    /* A = wholeᵀ (cols × B): row r of whole is column r of A. By blocks of 32 rows (one step
     * along A's K): 16 pairs of rows × 16 values of i transposed into one tile, stored masked to
     * the halves of this range's rows. */
    const int kp = nn_amx_depth(B), r1 = r0 + n;
    __m512i v[16];
    for (int kk = r0 / 32 * 32; kk < r1; kk += 32) {
        const int h0 = r0 > kk ? r0 - kk : 0, h1 = r1 - kk < 32 ? r1 - kk : 32;
        /* halves h0..h1−1 of each pair row: 0 ≤ h0 < h1 ≤ 32 */
        const __mmask32 own = (__mmask32)(((1ull << h1) - 1ull) & ~((1ull << h0) - 1ull));
        for (int i = 0; i < cols; i += 16) {
            const __mmask16 mk = lanes(cols - i);
            for (int q = 0; q < 16; q++) {
                const int ra = kk + 2 * q, rb = ra + 1;
                const float *pa = whole + (size_t)ra * (size_t)ld + i;
                __m512 lo =
                    ra >= r0 && ra < r1 ? _mm512_maskz_loadu_ps(mk, pa) : _mm512_setzero_ps();
                __m512 hi =
                    rb >= r0 && rb < r1 ? _mm512_maskz_loadu_ps(mk, pa + ld) : _mm512_setzero_ps();
                v[q] = pair16(lo, hi);
            }
            transpose16(v);
            uint16_t *t = dst + tile_at(i / 16, kk / 32, kp);
            for (int r = 0; r < 16; r++)
                _mm512_mask_storeu_epi16(t + 32 * r, own, v[r]);
        }
    }
}

/* ---- the kernel ------------------------------------------------------------------------- */

/* LDTILECFG's 64-byte operand (start_row and the reserved bytes stay 0) */
struct tilecfg {
    uint8_t palette, start; /* cppcheck-suppress unusedStructMember */
    uint8_t reserved[14];   /* cppcheck-suppress unusedStructMember */
    uint16_t colsb[16];
    uint8_t rows[16];
};

AMX_FN static void configure(void)
{
    struct tilecfg c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) {
        c.rows[t] = 16;
        c.colsb[t] = 64; /* C: 16 fp32; A: 32 bf16; B: 16 pairs of bf16 */
    }
    _tile_loadconfig(&c);
}

/* C tile (i, j) of the block at c (row stride ldc), `rows` × `cols` of it inside C */
AMX_FN static void put(const float *t, float *c, int ldc, int rows, int cols, float alpha,
                       float beta)
{
    const __mmask16 mk = lanes(cols);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < rows; r++) {
        float *cr = c + (size_t)r * (size_t)ldc;
        __m512 v = _mm512_mul_ps(va, _mm512_loadu_ps(t + 16 * r));
        if (beta != 0.0f)
            v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mk, cr), v);
        _mm512_mask_storeu_ps(cr, mk, v);
    }
}

/* the same for a C stored transposed: tile row i is column i of the block at c */
AMX_FN static void put_t(const float *t, float *c, int ldc, int rows, int cols, float alpha,
                         float beta)
{
    const __mmask16 mk = lanes(rows);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    __m512i v[16];
    for (int i = 0; i < 16; i++)
        v[i] = _mm512_castps_si512(_mm512_loadu_ps(t + 16 * i));
    transpose16(v);
    for (int j = 0; j < cols; j++) {
        float *cr = c + (size_t)j * (size_t)ldc;
        __m512 x = _mm512_mul_ps(va, _mm512_castsi512_ps(v[j]));
        if (beta != 0.0f)
            x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mk, cr), x);
        _mm512_mask_storeu_ps(cr, mk, x);
    }
}

#define STORE(T, I, J)                                                                             \
    do {                                                                                           \
        const int rows_ = m - m0 - 16 * (I), cols_ = n - n0 - 16 * (J);                            \
        const int r_ = rows_ < 16 ? rows_ : 16, c_n = cols_ < 16 ? cols_ : 16;                     \
        if (trans_c) {                                                                             \
            _tile_stored(T, tmp, 64);                                                              \
            put_t(tmp, c + (size_t)(n0 + 16 * (J)) * (size_t)ldc + (size_t)(m0 + 16 * (I)), ldc,   \
                  r_, c_n, alpha, beta);                                                           \
        } else if (direct && rows_ >= 16 && cols_ >= 16) {                                         \
            _tile_stored(T, c + (size_t)(m0 + 16 * (I)) * (size_t)ldc + (size_t)(n0 + 16 * (J)),   \
                         (size_t)ldc * sizeof(float));                                             \
        } else {                                                                                   \
            _tile_stored(T, tmp, 64);                                                              \
            put(tmp, c + (size_t)(m0 + 16 * (I)) * (size_t)ldc + (size_t)(n0 + 16 * (J)), ldc, r_, \
                c_n, alpha, beta);                                                                 \
        }                                                                                          \
    } while (0)

/* The steps along K of one block of C into tiles 0 (its rows 0–15, columns 0–15), 1 (columns
 * 16–31), 2 (rows 16–31) and 3: 16 or 32 rows (two_m), 16 or 32 columns (two_n), constants where
 * it is called, so that each call compiles to a loop of its own without tests. */
AMX_FN static inline __attribute__((always_inline)) void
block(const int two_m, const int two_n, const uint16_t *a0, const uint16_t *a1, const uint16_t *b0,
      const uint16_t *b1, int kp)
{
    for (size_t o = 0; o < (size_t)kp * 16; o += 512) {
        _tile_loadd(4, a0 + o, 64);
        if (two_m)
            _tile_loadd(5, a1 + o, 64);
        _tile_loadd(6, b0 + o, 64);
        if (two_n)
            _tile_loadd(7, b1 + o, 64);
        _tile_dpbf16ps(0, 4, 6);
        if (two_n)
            _tile_dpbf16ps(1, 4, 7);
        if (two_m)
            _tile_dpbf16ps(2, 5, 6);
        if (two_m && two_n)
            _tile_dpbf16ps(3, 5, 7);
    }
}

AMX_FN void nn_amx_gemm(int m, int n, int k, float alpha, const uint16_t *a, const uint16_t *b,
                        float beta, float *c, int ldc, int trans_c)
{
    const int kp = nn_amx_depth(k);
    const int direct = alpha == 1.0f && beta == 0.0f;
    _Alignas(64) float tmp[256];
    configure();
    /* block columns outer: the B tiles of a block column (two sequential streams) serve every
     * block row; each step over K reads the next 1 KB of each stream */
    for (int n0 = 0; n0 < n; n0 += 32) {
        const int two_n = n - n0 > 16;
        const uint16_t *b0 = b + tile_at(n0 / 16, 0, kp), *b1 = b0 + (size_t)(kp / 32) * 512;
        for (int m0 = 0; m0 < m; m0 += 32) {
            const int two_m = m - m0 > 16;
            const uint16_t *a0 = a + tile_at(m0 / 16, 0, kp), *a1 = a0 + (size_t)(kp / 32) * 512;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            if (two_m && two_n)
                block(1, 1, a0, a1, b0, b1, kp);
            else if (two_m)
                block(1, 0, a0, a1, b0, b1, kp);
            else if (two_n)
                block(0, 1, a0, a1, b0, b1, kp);
            else
                block(0, 0, a0, a1, b0, b1, kp);
            STORE(0, 0, 0);
            if (two_n)
                STORE(1, 0, 1);
            if (two_m)
                STORE(2, 1, 0);
            if (two_m && two_n)
                STORE(3, 1, 1);
        }
    }
}

#else /* no AMX code in this build (not x86-64, or the float64 build): never ready */

void nn_amx_pack_a(uint16_t *dst, const float *src, int m, int k, int ld, int trans)
{
    (void)dst, (void)src, (void)m, (void)k, (void)ld, (void)trans;
}
void nn_amx_pack_b(uint16_t *dst, const float *src, int k, int n, int ld, int trans)
{
    (void)dst, (void)src, (void)k, (void)n, (void)ld, (void)trans;
}
void nn_amx_refresh(uint16_t *fwd, uint16_t *flat, const float *src, int k, int n, int ld,
                    size_t e0, size_t e1)
{
    (void)fwd, (void)flat, (void)src, (void)k, (void)n, (void)ld, (void)e0, (void)e1;
}
void nn_amx_gemm(int m, int n, int k, float alpha, const uint16_t *a, const uint16_t *b, float beta,
                 float *c, int ldc, int trans_c)
{
    (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)b, (void)beta, (void)c, (void)ldc;
    (void)trans_c;
}

#endif
