/* nnctl — the compute-backend interface: everything the engine asks of a BLAS.
 *
 * The layers and the training step call nn_gemm() and the thread functions below, never a BLAS
 * library; one file per implementation sits under src/backend/ (openblas.c today). A backend may
 * compute in another precision than nn_real: nn_gemm() names the parameter tensor an operand is
 * (`b_param`), so a backend with packed copies of the weights (bf16 for a CPU's matrix engine,
 * say) made once in `attach` and refreshed in `params_updated` can use them without the layers
 * knowing; `attach` and `params_updated` may be NULL for a backend that reads nn_real directly. */
#ifndef NNCTL_BACKEND_H
#define NNCTL_BACKEND_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "nnctl/common.h"

enum nn_trans { NN_NO_TRANS, NN_TRANS };

struct nn_model;

/* A fact about a backend for metrics.json, `nnctl info` and bench results: "blas_core" →
 * "SkylakeX". */
struct nn_backend_fact {
    const char *key;
    char value[256];
};
#define NN_BACKEND_MAX_FACTS 8

struct nn_backend {
    const char *name; /* "openblas": the word training.backend and metrics.json use */
    const char *doc;  /* one line for `nnctl info` */
    /* What its GEMMs compute in: a config's training.precision picks among the backends of
     * that precision. */
    enum nn_precision precision;
    /* 0 when it can run on this CPU and build; -1 and one sentence in `why` when it cannot. The
     * one availability check: the config's checks, `nnctl info` and checkpoint loads ask it. */
    int (*check)(char *why, size_t len);
    /* C (m,n) = alpha · op(A) (m,k) · op(B) (k,n) + beta · C, row-major with leading
     * dimensions; op transposes when NN_TRANS. b_param: the parameter tensor B is (an index
     * into the model's tensors), or -1 for activations and gradients. */
    void (*gemm)(const struct nn_backend *be, enum nn_trans ta, enum nn_trans tb, int m, int n,
                 int k, nn_real alpha, const nn_real *a, int lda, const nn_real *b, int ldb,
                 nn_real beta, nn_real *c, int ldc, int b_param);
    /* Threads each GEMM may use (the training step's own team sets 1). */
    void (*set_threads)(int threads);
    int (*threads)(void);
    /* "OpenBLAS 0.3.21 ... ; core SkylakeX": library, build and kernel, for metrics and bugs. */
    void (*describe)(char *buf, size_t len);
    /* Optional: called first thing in main(), before any computation, with the program's argv;
     * may re-execute the process (once) to change how a library loads. Never returns an error:
     * what it could not fix, `warning` reports. */
    void (*startup)(char **argv);
    /* Optional: key/value facts (at most NN_BACKEND_MAX_FACTS); returns their count. */
    int (*facts)(struct nn_backend_fact *f, int max);
    /* Optional: 1 and a message when the backend runs a slow path it could not fix. */
    int (*warning)(char *buf, size_t len);
    /* Optional: 1 and a message when a setting of the user's makes the backend slower than this
     * CPU allows (the setting still applies): `nnctl train` prints it once, info shows it. */
    int (*hint)(char *buf, size_t len);
    /* Optional: called once a model's parameter arena is allocated, and after the optimizer
     * changed elements [off, off + n) of it. Return 0, or a negative NN_ERR_* code. */
    int (*attach)(const struct nn_backend *be, const struct nn_model *m);
    void (*params_updated)(const struct nn_backend *be, const struct nn_model *m, size_t off,
                           size_t n);
    /* Optional: the backend's copy of the parameter arena in bf16 (same layout), which the
     * optimizer then refreshes in its own pass instead of a call to params_updated; NULL: none. */
    uint16_t *(*param_copy)(const struct nn_backend *be, const struct nn_model *m);
    /* Optional: called at the start of every backward pass (each thread's rows): the gradients
     * at their old addresses are about to hold new data, so conversions of them cached since are
     * void. A backend may keep a converted non-parameter operand only until the next call. */
    void (*invalidate)(const struct nn_backend *be);
    /* Optional: the model's arenas are about to be freed; drop what attach made. */
    void (*detach)(const struct nn_backend *be, const struct nn_model *m);
    /* Optional: rows [r0, r0 + n) of the B×cols matrix `whole` (row stride ld), written by the
     * calling thread in training step `step`, are final and will be an operand of that step's
     * weight-gradient GEMMs over all B rows: op(A) = wholeᵀ (as NN_TRANS: a layer's input) or
     * B = whole (NN_NO_TRANS: its dZ). A backend with packed operands packs them now, once, on
     * the thread that wrote them, instead of every thread packing every row at the GEMM. step
     * 0: not a training step's rows; whatever was made of the matrix is void. */
    void (*rows_ready)(const struct nn_backend *be, enum nn_trans as, const nn_real *whole, int ld,
                       int r0, int n, int B, int cols, long long step);
    /* Optional: the weight-gradient chunks of a layer start at a multiple of this many rows of W
     * (0: anywhere), so that a chunk's share of a packed operand starts on a tile */
    int (*chunk_align)(void);
};

/* The default backend (OpenBLAS). */
const struct nn_backend *nn_backend_default(void);
/* The backend called `name`, or NULL. */
const struct nn_backend *nn_backend_find(const char *name);
/* Every backend: this build's, then those registered at run time, NULL-terminated. The order is
 * the preference: "auto" takes the first of a precision that can run here. */
const struct nn_backend *const *nn_backend_list(void);
/* Adds a backend after this build's (a test's, say). Returns 0, or -1 when the table is full or
 * the name is taken. Not thread-safe: register before use. */
int nn_backend_register(const struct nn_backend *be);
/* The backend a config asks for: `name` "auto" (or NULL, or "") takes the first backend of the
 * list that computes in `precision` and can run here; another name, that backend, which must
 * compute in `precision` and run here. NULL with one sentence in `why` when there is none. */
const struct nn_backend *nn_backend_choose(const char *name, enum nn_precision precision, char *why,
                                           size_t len);
/* The precisions' words ("float32", "bfloat16"), indexed by enum nn_precision, NULL-terminated:
 * training.precision's choices and the names backends are listed with. */
extern const char *const nn_precision_names[NN_PRECISION_BFLOAT16 + 2];
const char *nn_precision_name(enum nn_precision p);
/* Each backend's hint (a setting of the user's that slows it down), one line each on f: a training
 * run prints them once it is set up, before its first epoch. */
void nn_backend_print_hints(FILE *f);

/* be->gemm(...), spelled shorter at the call sites. */
static inline void nn_gemm(const struct nn_backend *be, enum nn_trans ta, enum nn_trans tb, int m,
                           int n, int k, nn_real alpha, const nn_real *a, int lda, const nn_real *b,
                           int ldb, nn_real beta, nn_real *c, int ldc, int b_param)
{
    be->gemm(be, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, b_param);
}

/* be->rows_ready(...) where the backend has it. */
static inline void nn_rows_ready(const struct nn_backend *be, enum nn_trans as,
                                 const nn_real *whole, int ld, int r0, int n, int B, int cols,
                                 long long step)
{
    if (be->rows_ready)
        be->rows_ready(be, as, whole, ld, r0, n, B, cols, step);
}

extern const struct nn_backend nn_backend_openblas;

#endif
