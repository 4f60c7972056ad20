/* nnctl — which OpenBLAS kernels run, and which should.
 *
 * Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels from the CPU model when the library loads;
 * on a model it does not know it falls back to generic ones without a word (Prescott, SSE3, on
 * the AVX-512 Xeons of family 6 model 207: 2.8× slower here). OpenBLAS reads OPENBLAS_CORETYPE
 * once, at load, so nnctl re-executes itself once with the variable set when the detected core
 * is below what the CPU can run (src/cli/kernels.c). The choice is a pure function of the CPU's
 * features, the detected core and the user's variable, so it is tested on a table of cases.
 *
 * Measured on this project's machines (README, Speed): for the autoencoder's shapes SkylakeX and
 * Cooperlake run the same sgemm kernels (0.58–0.60 s per epoch on 2 threads), Haswell's AVX2
 * kernels take 27% longer, Zen's 28%, Prescott's 2.8×. Hence: AVX-512 → Cooperlake when the CPU
 * has AVX512-BF16 (its extra kernels are bf16 ones) else SkylakeX; AVX2 + FMA → Zen on AMD and
 * Hygon, Haswell elsewhere; AVX → Sandybridge. */
#ifndef NNCTL_CORETYPE_H
#define NNCTL_CORETYPE_H

#include <stddef.h>

#include "nnctl/cpu.h"

enum nn_core_action {
    NN_CORE_KEEP,     /* the detected core is as good as this CPU allows (or nnctl cannot judge) */
    NN_CORE_USER,     /* the user set OPENBLAS_CORETYPE: it wins */
    NN_CORE_SWITCH,   /* the detected core is a fallback: set OPENBLAS_CORETYPE to `core` */
    NN_CORE_UNFIXABLE /* a fallback nnctl cannot improve on: warn */
};

struct nn_core_choice {
    enum nn_core_action action;
    const char *core; /* NN_CORE_SWITCH: the core type to set */
    char why[256];    /* one sentence for metrics.json, `nnctl info` and warnings */
};

/* The instruction-set level an OpenBLAS core name stands for: 4 AVX-512, 3 AVX2, 2 AVX, 1 SSE
 * only, -1 a name nnctl does not know. */
int nn_coretype_level(const char *core);
/* The level this CPU can run (same scale). */
int nn_cpu_level(const struct nn_cpu *cpu);
/* What to do, given the CPU, the core OpenBLAS detected and the user's OPENBLAS_CORETYPE (NULL or
 * "" when unset). This function can't fail. */
void nn_coretype_choose(const struct nn_cpu *cpu, const char *detected, const char *user,
                        struct nn_core_choice *out);

#endif
