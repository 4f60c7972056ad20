/* nnctl — which OpenBLAS kernels run, and which should.
 *
 * Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels from the CPU model when the library loads;
 * on a model it does not know it falls back to generic ones without a word (Prescott, SSE3, on
 * the AVX-512 Xeons of family 6 model 207: 2.8× slower here). OpenBLAS reads OPENBLAS_CORETYPE
 * once, at load, so nnctl re-executes itself once with the variable set when the detected core
 * is below what the CPU can run (src/backend/openblas.c). The choice is a pure function of the
 * CPU's features, the detected core and the user's variable, so it is tested on a table of cases.
 *
 * Measured on this project's machines (make bench; docs/performance.md, "Tested CPUs"): on an Intel
 * Xeon of model 167 (2026-12-01) SkylakeX and Cooperlake take the same time for the autoencoder's
 * shapes on 2 threads (0.55–0.59 s per SGD epoch, either one ahead by up to 3.5% from run to run),
 * Haswell's AVX2 kernels 0.73–0.75 s, Zen's 0.75, Sandybridge's 1.01–1.03, Prescott's 1.64–1.68;
 * on an AMD EPYC of family 26 model 2 (Zen 5, issue 23, 2026-12-07) Cooperlake 0.351 s, SkylakeX
 * 0.437, Haswell 0.606, Zen 0.622, Sandybridge 0.644, Prescott 1.548. Hence: AVX-512 → SkylakeX on
 * Intel (Cooperlake adds only bf16 kernels nnctl does not call, and SkylakeX's give the same bits
 * as on the machines where OpenBLAS picks SkylakeX by itself; Cooperlake's sgemm rounds
 * differently), Cooperlake on AMD with AVX512-BF16 (OpenBLAS's own pick there, 1.24× faster than
 * SkylakeX); AVX2 + FMA → Zen on AMD and Hygon (what OpenBLAS picks on Zen 3; Haswell's kernels
 * were within the noise of it there, 0.76–1.21× in five pairs), Haswell elsewhere; AVX →
 * Sandybridge. A user's OPENBLAS_CORETYPE always wins; one below the CPU's level gets a hint with
 * the speed-up measured for that step (nn_coretype_hint). */
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
/* 1 and one sentence in buf when the user's OPENBLAS_CORETYPE (NULL or "" when unset) selects
 * kernels of a lower level than this CPU runs, with the speed-up measured for that step; 0 when
 * it does not (or names a core nnctl does not know). The user's value still wins. */
int nn_coretype_hint(const struct nn_cpu *cpu, const char *user, char *buf, size_t len);

#endif
