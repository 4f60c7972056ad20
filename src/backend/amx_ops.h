/* nnctl — the bf16 backend's side on AMX (src/backend/amx_ops.c): a model's weights kept packed
 * for nnctl's kernels (src/backend/amx.c), the operands a training step's threads stage for its
 * weight gradients, and the GEMM call that finds both. Only the bf16 backend (onednn.c) calls
 * these, and only once nn_amx_ready(). */
#ifndef NNCTL_BACKEND_AMX_OPS_H
#define NNCTL_BACKEND_AMX_OPS_H

#include <stddef.h>

#include "nnctl/model.h"

/* A model's weight matrices W (k×n), each packed twice: in the tiles' pair layout as B = W for the
 * forward GEMM, and row-major as A = W for the input gradient, computed transposed (dXᵀ = W · dZᵀ:
 * a thread's rows of dZ are cheaper to transpose than W). */
struct nn_amx_weights;

/* Packs every tensor of two or more dimensions of m; NULL when out of memory. */
struct nn_amx_weights *nn_amx_weights_make(const struct nn_model *m);
void nn_amx_weights_free(struct nn_amx_weights *w);
/* The optimizer changed [off, off + n) of the parameter arena: the copies of those values follow
 * (only those: threads may refresh neighbouring ranges at once). */
void nn_amx_weights_updated(const struct nn_amx_weights *w, size_t off, size_t n);

/* C = alpha · op(A) · op(B) + beta · C on nnctl's kernels, as nn_gemm() (row-major, fp32
 * operands): B is taken from w's copies when it is the weight b_param names, from a training
 * step's staged operands when this is its weight gradient (op(A) = Xᵀ, B = dZ), else packed here;
 * `gen` is the backend's backward-pass generation (a B packed for one is kept until the next).
 * 0, or -1 when out of memory (nothing computed). */
int nn_amx_call(const struct nn_amx_weights *w, int ta, int tb, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc,
                int b_param, unsigned gen);

/* The backend's rows_ready (backend.h): rows [r0, r0 + n) of the B×cols matrix `whole` packed
 * for this step's weight gradient as Aᵀ (as_a) or B; step 0 voids what was staged of it. */
void nn_amx_rows_ready(int as_a, const float *whole, int ld, int r0, int n, int B, int cols,
                       long long step);
/* Drops every staged operand (a model is going: later ones may reuse its addresses). */
void nn_amx_stages_drop(void);

#endif
