/* The OpenBLAS core-type choice (see coretype.h for the measurements behind it). */
#include "nnctl/coretype.h"

#include <stdio.h>
#include <string.h>

/* OpenBLAS 0.3.21's x86-64 DYNAMIC_ARCH core names and the instruction sets their kernels use. */
static const struct {
    const char *name;
    int level;
} cores[] = {
    {"SapphireRapids", 4}, {"Cooperlake", 4},  {"SkylakeX", 4},
    {"Haswell", 3},        {"Zen", 3},         {"Excavator", 3},
    {"Sandybridge", 2},    {"Steamroller", 2}, {"Piledriver", 2},
    {"Bulldozer", 2},      {"Nehalem", 1},     {"Penryn", 1},
    {"Dunnington", 1},     {"Core2", 1},       {"Atom", 1},
    {"Prescott", 1},       {"Northwood", 1},   {"Coppermine", 1},
    {"Katmai", 1},         {"Banias", 1},      {"Barcelona", 1},
    {"Opteron_SSE3", 1},   {"Opteron", 1},     {"Athlon", 1},
    {"Nano", 1},           {"Bobcat", 1},
};

int nn_coretype_level(const char *core)
{
    for (size_t i = 0; core && i < sizeof cores / sizeof cores[0]; i++)
        if (!strcmp(cores[i].name, core))
            return cores[i].level;
    return -1;
}

int nn_cpu_level(const struct nn_cpu *cpu)
{
    if (nn_cpu_has(cpu, NN_CPU_AVX512F) && nn_cpu_has(cpu, NN_CPU_AVX512BW))
        return 4;
    if (nn_cpu_has(cpu, NN_CPU_AVX2) && nn_cpu_has(cpu, NN_CPU_FMA))
        return 3;
    if (nn_cpu_has(cpu, NN_CPU_AVX))
        return 2;
    return 1;
}

static int is_amd(const struct nn_cpu *cpu)
{
    return !strcmp(cpu->vendor, "AuthenticAMD") || !strcmp(cpu->vendor, "HygonGenuine");
}

static const char *best_core(const struct nn_cpu *cpu, int level)
{
    switch (level) {
    case 4:
        /* AMD with AVX512-BF16 (Zen 4 and 5): Cooperlake, OpenBLAS's own pick there, 1.24x
         * faster than SkylakeX on Zen 5; Intel: SkylakeX, as fast as Cooperlake and the same
         * bits as where OpenBLAS detects SkylakeX itself (coretype.h) */
        return is_amd(cpu) && nn_cpu_has(cpu, NN_CPU_AVX512_BF16) ? "Cooperlake" : "SkylakeX";
    case 3:
        return is_amd(cpu) ? "Zen" : "Haswell";
    case 2:
        return "Sandybridge";
    default:
        return NULL; /* SSE only: the generic kernels are the right ones */
    }
}

static const char *const level_names[] = {"", "SSE", "AVX", "AVX2", "AVX-512"};

void nn_coretype_choose(const struct nn_cpu *cpu, const char *detected, const char *user,
                        struct nn_core_choice *out)
{
    memset(out, 0, sizeof *out);
    if (user && user[0]) {
        out->action = NN_CORE_USER;
        snprintf(out->why, sizeof out->why, "OPENBLAS_CORETYPE=%s was set by the user", user);
        return;
    }
    const int have = nn_cpu_level(cpu), got = nn_coretype_level(detected);
    if (got < 0) {
        out->action = NN_CORE_KEEP;
        snprintf(out->why, sizeof out->why,
                 "OpenBLAS chose its %s kernels, a core nnctl does not know; left as it is",
                 detected ? detected : "(unnamed)");
        return;
    }
    if (got >= have) {
        out->action = NN_CORE_KEEP;
        snprintf(out->why, sizeof out->why,
                 "OpenBLAS detected %s, the best kernels for this CPU (%s)", detected,
                 level_names[have]);
        return;
    }
    const char *want = best_core(cpu, have);
    if (!want || nn_coretype_level(want) <= got) {
        out->action = NN_CORE_UNFIXABLE;
        snprintf(out->why, sizeof out->why,
                 "OpenBLAS runs its %s kernels and has none better for this CPU (%s)", detected,
                 level_names[have]);
        return;
    }
    out->action = NN_CORE_SWITCH;
    out->core = want;
    snprintf(out->why, sizeof out->why,
             "OpenBLAS detected %s (%s kernels) on a CPU with %s (%s family %d model %d); nnctl "
             "set OPENBLAS_CORETYPE=%s",
             detected, level_names[got], level_names[have], cpu->vendor, cpu->family, cpu->model,
             want);
}

/* How much faster this CPU's best kernels ran than a lower level's, the lowest and the highest
 * ratio seen (docs/performance.md, "Tested CPUs"). AVX-512 CPUs: the autoencoder's SGD epoch on 2
 * threads (make bench's core sweep) on an Intel Xeon of model 167 (2026-12-01: SkylakeX 0.551-0.585
 * s, Haswell 0.730-0.748, Sandybridge 1.015-1.035, Prescott 1.644-1.676) and on an AMD EPYC of
 * family 26 model 2 (Zen 5, issue 23's figures of 2026-12-07: Cooperlake 0.351, Haswell 0.606,
 * Sandybridge 0.644, Prescott 1.548). AVX2: an AMD EPYC of family 25 model 1 (Zen 3, 2026-12-07),
 * the same epoch against Zen's kernels in three alternating rounds (Sandybridge 1.09-1.33x,
 * Prescott 3.01-3.63x) and as whole processes, five pairs each (1.17-1.48x, 3.51-4.31x). */
static const struct {
    int have, got;
    double lo, hi;
} gains[] = {
    {4, 3, 1.27, 1.73}, {4, 2, 1.77, 1.83}, {4, 1, 2.86, 4.41},
    {3, 2, 1.09, 1.48}, {3, 1, 3.01, 4.31},
};

int nn_coretype_hint(const struct nn_cpu *cpu, const char *user, char *buf, size_t len)
{
    const int have = nn_cpu_level(cpu), got = nn_coretype_level(user);
    if (got < 1 || got >= have) /* unset, "", a name nnctl does not know, or not below */
        return 0;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < sizeof gains / sizeof gains[0]; i++)
        if (gains[i].have == have && gains[i].got == got)
            lo = gains[i].lo, hi = gains[i].hi;
    char expect[96] = "";
    if (lo > 0)
        snprintf(expect, sizeof expect, " are expected to train %.1f-%.1fx faster", lo, hi);
    else
        snprintf(expect, sizeof expect, " would train faster");
    snprintf(buf, len,
             "OPENBLAS_CORETYPE=%s selects OpenBLAS's %s kernels on a CPU with %s: this CPU's %s "
             "kernels (%s, what nnctl runs with the variable unset)%s (measured on the "
             "autoencoder; docs/performance.md); your setting is kept",
             user, level_names[got], level_names[have], level_names[have], best_core(cpu, have),
             expect);
    return 1;
}
