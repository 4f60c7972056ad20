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

static const char *best_core(const struct nn_cpu *cpu, int level)
{
    switch (level) {
    case 4:
        return "SkylakeX";
    case 3:
        return !strcmp(cpu->vendor, "AuthenticAMD") || !strcmp(cpu->vendor, "HygonGenuine")
                   ? "Zen"
                   : "Haswell";
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
