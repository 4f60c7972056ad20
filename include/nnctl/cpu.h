/* nnctl — what this CPU is and which of the instruction sets that matter here it can run.
 *
 * A feature counts as present only when CPUID reports it and the operating system saves its
 * registers (XCR0): an AVX-512 CPU under an OS that does not enable the ZMM state cannot run
 * AVX-512 code. AMX additionally needs the process's permission (Linux grants it on request,
 * arch_prctl ARCH_REQ_XCOMP_PERM); nn_cpu_detect() only reads whether it was granted. */
#ifndef NNCTL_CPU_H
#define NNCTL_CPU_H

#include <stddef.h>

enum nn_cpu_feature {
    NN_CPU_SSE3,
    NN_CPU_AVX,
    NN_CPU_FMA,
    NN_CPU_AVX2,
    NN_CPU_AVX512F,
    NN_CPU_AVX512BW,
    NN_CPU_AVX512_BF16,
    NN_CPU_AVX512_FP16,
    NN_CPU_AMX_TILE,
    NN_CPU_AMX_BF16,
    NN_CPU_FEATURE_COUNT
};

struct nn_cpu {
    char vendor[13]; /* "GenuineIntel", "AuthenticAMD", ... */
    char brand[49];  /* "Intel(R) Xeon(R) ..." */
    int family, model, stepping;
    unsigned cpuid;                /* bit f: CPUID reports feature f */
    unsigned usable;               /* bit f: it is reported and the OS saves its state */
    int os_avx, os_avx512, os_amx; /* XCR0 enables the YMM, ZMM and tile state */
    int amx_permitted;             /* the process may use AMX tiles (Linux) */
    int cores;                     /* online logical CPUs */
};

/* Fills `c` from CPUID, XGETBV and the OS. This function can't fail (a non-x86 build reports
 * no features). */
void nn_cpu_detect(struct nn_cpu *c);
/* The feature's name as `nnctl info` prints it ("avx512_bf16"). */
const char *nn_cpu_feature_name(enum nn_cpu_feature f);
static inline int nn_cpu_has(const struct nn_cpu *c, enum nn_cpu_feature f)
{
    return (c->usable >> f) & 1u;
}

#endif
