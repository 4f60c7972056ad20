/* `nnctl info`: everything a bug report needs about this build, this CPU and its libraries. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <zlib.h>
#include <libsvm/svm.h>
#include <nettle/version.h>

#include "cli/cli.h"
#include "nnctl/backend.h"
#include "nnctl/cpu.h"
#include "nnctl/json.h"

#ifndef NN_BUILD_FLAGS
#define NN_BUILD_FLAGS "unknown"
#endif

/* The OpenBLAS version is the second word of its configuration string ("OpenBLAS 0.3.21 ..."). */
static void openblas_version(const char *describe, char *buf, size_t len)
{
    const char *p = strncmp(describe, "OpenBLAS ", 9) ? NULL : describe + 9;
    snprintf(buf, len, "%.*s", p ? (int)strcspn(p, " ;") : 7, p ? p : "unknown");
}

static void print_json(const struct nn_cpu *cpu)
{
    struct nn_sb b = {0};
    struct nn_json j;
    nn_json_init(&j, &b);
    nn_json_object(&j, NULL, 0);
    nn_json_str(&j, "nnctl_version", NN_VERSION);
    nn_json_str(&j, "real", NN_REAL_NAME);
    nn_json_str(&j, "compiler", "gcc " __VERSION__);
    nn_json_str(&j, "build_flags", NN_BUILD_FLAGS);
    nn_json_object(&j, "cpu", 0);
    nn_json_str(&j, "model_name", cpu->brand);
    nn_json_str(&j, "vendor", cpu->vendor);
    nn_json_int(&j, "family", cpu->family);
    nn_json_int(&j, "model", cpu->model);
    nn_json_int(&j, "stepping", cpu->stepping);
    nn_json_int(&j, "cores", cpu->cores);
    nn_json_object(&j, "features", 1); /* usable: reported by CPUID and enabled by the OS */
    for (int f = 0; f < NN_CPU_FEATURE_COUNT; f++)
        nn_json_bool(&j, nn_cpu_feature_name((enum nn_cpu_feature)f),
                     nn_cpu_has(cpu, (enum nn_cpu_feature)f));
    nn_json_end(&j);
    nn_json_object(&j, "os", 1);
    nn_json_bool(&j, "avx_state", cpu->os_avx);
    nn_json_bool(&j, "avx512_state", cpu->os_avx512);
    nn_json_bool(&j, "amx_tile_state", cpu->os_amx);
    nn_json_bool(&j, "amx_permitted", cpu->amx_permitted);
    nn_json_end(&j);
    nn_json_end(&j);
    char why[256];
    int bf16 = nn_backend_choose("auto", NN_PRECISION_BFLOAT16, why, sizeof why) != NULL;
    nn_json_object(&j, "precisions", 1);
    nn_json_bool(&j, "float32", 1);
    nn_json_bool(&j, "bfloat16", bf16);
    if (!bf16)
        nn_json_str(&j, "bfloat16_why_not", why);
    nn_json_end(&j);
    nn_json_array(&j, "backends", 0);
    const struct nn_backend *const *all = nn_backend_list();
    for (int i = 0; all[i]; i++) {
        const struct nn_backend *be = all[i];
        char desc[256], warn[512];
        be->describe(desc, sizeof desc);
        nn_json_object(&j, NULL, 0);
        nn_json_str(&j, "name", be->name);
        char why_not[256];
        const int runs = be->check(why_not, sizeof why_not) == 0;
        nn_json_str(&j, "precision", nn_precision_name(be->precision));
        nn_json_bool(&j, "available", runs);
        if (!runs)
            nn_json_str(&j, "why_not", why_not);
        nn_json_str(&j, "doc", be->doc);
        nn_json_str(&j, "describe", desc);
        if (!strcmp(be->name, "openblas")) {
            char ver[32];
            openblas_version(desc, ver, sizeof ver);
            nn_json_str(&j, "version", ver);
        }
        nn_json_int(&j, "threads", be->threads());
        struct nn_backend_fact facts[NN_BACKEND_MAX_FACTS];
        int n = be->facts ? be->facts(facts, NN_BACKEND_MAX_FACTS) : 0;
        for (int k = 0; k < n; k++)
            nn_json_str(&j, facts[k].key, facts[k].value);
        if (be->warning && be->warning(warn, sizeof warn))
            nn_json_str(&j, "warning", warn);
        else
            nn_json_null(&j, "warning");
        if (be->hint && be->hint(warn, sizeof warn))
            nn_json_str(&j, "hint", warn);
        else
            nn_json_null(&j, "hint");
        nn_json_end(&j);
    }
    nn_json_end(&j);
    nn_json_object(&j, "libraries", 1);
    nn_json_str(&j, "libyaml", yaml_get_version_string());
    nn_json_int(&j, "libsvm", libsvm_version);
    nn_json_str(&j, "zlib", zlibVersion());
    nn_json_str(&j, "libpng", png_get_libpng_ver(NULL));
    char nettle[16];
    snprintf(nettle, sizeof nettle, "%d.%d", nettle_version_major(), nettle_version_minor());
    nn_json_str(&j, "nettle", nettle);
    nn_json_end(&j);
    nn_json_end(&j);
    char *text;
    if (nn_sb_finish(&b, &text, "info", NULL) == NN_OK) {
        fputs(text, stdout);
        free(text);
    }
}

static void print_text(const struct nn_cpu *cpu)
{
    printf("nnctl %s (%s), gcc %s\n", NN_VERSION, NN_REAL_NAME, __VERSION__);
    printf("build flags: %s\n", NN_BUILD_FLAGS);
    printf("cpu:         %s\n", cpu->brand[0] ? cpu->brand : "unknown");
    printf("             %s family %d model %d stepping %d, %d logical cores\n", cpu->vendor,
           cpu->family, cpu->model, cpu->stepping, cpu->cores);
    printf("features:   ");
    for (int f = 0; f < NN_CPU_FEATURE_COUNT; f++)
        printf(" %s %s%s", nn_cpu_feature_name((enum nn_cpu_feature)f),
               nn_cpu_has(cpu, (enum nn_cpu_feature)f) ? "yes" : "no",
               f + 1 < NN_CPU_FEATURE_COUNT ? "," : "\n");
    printf("os:          AVX state %s, AVX-512 state %s, AMX tile state %s; AMX granted to this "
           "process: %s\n",
           cpu->os_avx ? "on" : "off", cpu->os_avx512 ? "on" : "off", cpu->os_amx ? "on" : "off",
           cpu->amx_permitted ? "yes" : "no (nnctl asks only when a run needs it)");
    char why[256];
    if (nn_backend_choose("auto", NN_PRECISION_BFLOAT16, why, sizeof why))
        printf("precisions:  float32, bfloat16 (training.precision)\n");
    else
        printf("precisions:  float32 (not bfloat16: %s)\n", why);
    const struct nn_backend *const *all = nn_backend_list();
    for (int i = 0; all[i]; i++) {
        const struct nn_backend *be = all[i];
        char desc[256], warn[512];
        be->describe(desc, sizeof desc);
        char why_not[256];
        const int runs = be->check(why_not, sizeof why_not) == 0;
        printf("backend:     %s (%s; %s): %s\n", be->name, nn_precision_name(be->precision),
               runs ? "runs on this CPU" : "cannot run on this CPU", be->doc);
        if (!runs)
            printf("             why not: %s\n", why_not);
        printf("             %s; %d threads\n", desc, be->threads());
        struct nn_backend_fact facts[NN_BACKEND_MAX_FACTS];
        int n = be->facts ? be->facts(facts, NN_BACKEND_MAX_FACTS) : 0;
        for (int k = 0; k < n; k++)
            printf("             %s: %s\n", facts[k].key, facts[k].value);
        if (be->warning && be->warning(warn, sizeof warn))
            printf("             warning: %s\n", warn);
        if (be->hint && be->hint(warn, sizeof warn))
            printf("             hint: %s\n", warn);
    }
    printf("libraries:   libyaml %s, libsvm %d, zlib %s, libpng %s, nettle %d.%d\n",
           yaml_get_version_string(), libsvm_version, zlibVersion(), png_get_libpng_ver(NULL),
           nettle_version_major(), nettle_version_minor());
}

static int run_info(const struct nn_args *a, struct nn_error *err)
{
    (void)err;
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    if (nn_opt_given(a, "--json"))
        print_json(&cpu);
    else
        print_text(&cpu);
    return NN_OK;
}

static const struct nn_opt info_opts[] = {
    NN_CLI_OPT_FLAG("--json", "the same as one JSON object"),
};

const struct nn_cmd nn_cmd_info = {
    .name = "info",
    .synopsis = "info",
    .summary = "this build, CPU, instruction sets, BLAS kernels and libraries (for bug reports)",
    .usage = "usage: nnctl info [--json]\n"
             "  Prints nnctl's version and build flags, the CPU (model, family/model numbers, "
             "cores),\n"
             "  the instruction sets that matter (usable: reported and enabled by the OS), the "
             "OpenBLAS\n"
             "  kernels it runs, the ones it detected and why they differ, every compute backend "
             "and\n"
             "  whether it can run here, and the versions of libyaml, libsvm, zlib, libpng and "
             "nettle.\n",
    .opts = info_opts,
    .n_opts = NN_CLI_N(info_opts),
    .run = run_info,
};
