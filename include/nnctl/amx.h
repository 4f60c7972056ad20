/* nnctl — bf16 GEMMs of our own on the AMX tiles (src/backend/amx.c), used by the bf16 backend
 * where the CPU has AMX-BF16 and Linux grants it.
 *
 * C (m×n, fp32, row stride ldc) = alpha · A · B + beta · C, with A and B in bf16, both stored
 * tile by tile (1 KB each, 16 rows of 64 bytes), the tiles of a block row of A or a block column
 * of B one after another along K:
 *  - A (m×k): nn_amx_rows(m) rows of nn_amx_depth(k) values, zero beyond m and k; tiles of 16
 *    rows × 32 values;
 *  - B (k×n) in AMX's pair layout: for each pair of rows (2p, 2p+1) of B and each column j, the
 *    two values B[2p][j], B[2p+1][j] side by side; tiles of 16 pairs of rows × 16 columns, zero
 *    beyond k and n (nn_amx_cols(n) columns).
 * The packing functions round fp32 to bf16 (nearest even) on the way. Every function here needs
 * nn_amx_ready() first. */
#ifndef NNCTL_AMX_H
#define NNCTL_AMX_H

#include <stddef.h>
#include <stdint.h>

/* 1 when this CPU has AMX-BF16 (with AVX512-BF16) and the OS granted the tiles to the process;
 * asks Linux once. */
int nn_amx_ready(void);
/* Asks Linux to grant AMX tiles to this process; 0, or -1 with the reason. */
int nn_amx_request(char *why, size_t len);

static inline int nn_amx_rows(int m)
{
    return (m + 15) / 16 * 16;
}
static inline int nn_amx_cols(int n)
{
    return (n + 15) / 16 * 16;
}
static inline int nn_amx_depth(int k)
{
    return (k + 31) / 32 * 32;
}
/* bf16 values in a packed A (m×k) and a packed B (k×n) */
static inline size_t nn_amx_a_size(int m, int k)
{
    return (size_t)nn_amx_rows(m) * (size_t)nn_amx_depth(k);
}
static inline size_t nn_amx_b_size(int k, int n)
{
    return (size_t)nn_amx_depth(k) * (size_t)nn_amx_cols(n);
}

/* A = op(src), m×k: src is m×k (trans 0) or k×m (trans 1), row stride ld. */
void nn_amx_pack_a(uint16_t *dst, const float *src, int m, int k, int ld, int trans);
/* B = op(src), k×n: src is k×n (trans 0) or n×k (trans 1), row stride ld. */
void nn_amx_pack_b(uint16_t *dst, const float *src, int k, int n, int ld, int trans);
/* Elements [e0, e1) of a k×n matrix src (row-major, counted n to a row; row stride ld) into its
 * packed copies: `fwd` as B = src (pairs of rows), `flat` as A = src (row-major, each row padded
 * to nn_amx_depth(n)); either may be NULL. Each copy must have been made whole once
 * (nn_amx_pack_b / nn_amx_pack_a). Nothing outside the range is read or written, so threads may
 * refresh disjoint ranges of one matrix at once, rows shared between them included. */
void nn_amx_refresh(uint16_t *fwd, uint16_t *flat, const float *src, int k, int n, int ld,
                    size_t e0, size_t e1);

/* Rows [r0, r0 + n) of the B×cols matrix `whole` (row stride ld) into the packed A = wholeᵀ
 * (as_a: cols × B) or B = whole (B × cols), the other rows left as they are: threads staging
 * disjoint ranges of one matrix at once each write only their rows' values. The padding must
 * already be zero. */
void nn_amx_stage_rows(uint16_t *dst, int as_a, const float *whole, int ld, int r0, int n, int B,
                       int cols);

/* trans_c: C is stored transposed (c[j·ldc + i] holds C[i][j]), an n×m matrix. */
void nn_amx_gemm(int m, int n, int k, float alpha, const uint16_t *a, const uint16_t *b, float beta,
                 float *c, int ldc, int trans_c);

#endif
