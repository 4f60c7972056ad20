/* The OpenBLAS backend: nn_real GEMMs through cblas_sgemm (cblas_dgemm in the float64 build), and
 * the choice of OpenBLAS's kernels for this CPU (coretype.h). */
#define _GNU_SOURCE /* dladdr */
#include <cblas.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnctl/backend.h"
#include "nnctl/coretype.h"
#include "nnctl/cpu.h"

#ifdef NN_DOUBLE
#define GEMM cblas_dgemm
#else
#define GEMM cblas_sgemm
#endif

/* Variables that carry the choice across the one re-execution: the core OpenBLAS detected at
 * first (their presence also means "re-executed already: never again") and why nnctl changed it.
 * NNCTL_TEST_CORE=FIRST[,AFTER] makes nnctl take FIRST for the core OpenBLAS reports before the
 * re-execution, and AFTER (default: what OpenBLAS reports) after it: the tests use it to play a
 * CPU that OpenBLAS does not know, and one where the variable does not help. */
#define ENV_DETECTED "NNCTL_CORETYPE_DETECTED"
#define ENV_REASON   "NNCTL_CORETYPE_REASON"
#define ENV_TEST     "NNCTL_TEST_CORE"

static int exec_errno; /* the re-execution failed with this errno */

static const char *corename(void)
{
    const char *fake = getenv(ENV_TEST);
    if (!fake || !fake[0])
        return openblas_get_corename();
    const char *comma = strchr(fake, ',');
    if (!getenv(ENV_DETECTED)) {
        static char name[64];
        snprintf(name, sizeof name, "%.*s", comma ? (int)(comma - fake) : 63, fake);
        return name;
    }
    return comma && comma[1] ? comma + 1 : openblas_get_corename();
}

static int check(char *why, size_t len)
{
    (void)why, (void)len;
    return 0;
}

static void gemm(const struct nn_backend *be, enum nn_trans ta, enum nn_trans tb, int m, int n,
                 int k, nn_real alpha, const nn_real *a, int lda, const nn_real *b, int ldb,
                 nn_real beta, nn_real *c, int ldc, int b_param)
{
    (void)be, (void)b_param;
    GEMM(CblasRowMajor, ta == NN_TRANS ? CblasTrans : CblasNoTrans,
         tb == NN_TRANS ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void set_threads(int threads)
{
    if (threads > 0)
        openblas_set_num_threads(threads);
}

static int threads(void)
{
    return openblas_get_num_threads();
}

static void describe(char *buf, size_t len)
{
    snprintf(buf, len, "%s; core %s", openblas_get_config(), corename());
}

/* OpenBLAS reads OPENBLAS_CORETYPE when it loads, before main(): the only way to change its
 * kernels is to run the program again with the variable set, once. */
static void startup(char **argv)
{
    if (getenv(ENV_DETECTED))
        return; /* this process is the re-execution (or a child of one): never again */
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    struct nn_core_choice c;
    nn_coretype_choose(&cpu, corename(), getenv("OPENBLAS_CORETYPE"), &c);
    if (c.action != NN_CORE_SWITCH)
        return;
    if (setenv(ENV_DETECTED, corename(), 1) || setenv(ENV_REASON, c.why, 1) ||
        setenv("OPENBLAS_CORETYPE", c.core, 1)) {
        exec_errno = errno;
    } else {
        fflush(NULL);
        execv("/proc/self/exe", argv);
        exec_errno = errno; /* still here: run on, with the fallback kernels and a warning */
    }
    unsetenv(ENV_DETECTED);
    unsetenv(ENV_REASON);
    unsetenv("OPENBLAS_CORETYPE");
}

/* The shared library that provides cblas_sgemm, or "" when it cannot be told. */
static const char *blas_library(void)
{
    Dl_info info;
    if (dladdr((void *)(size_t)&cblas_sgemm, &info) && info.dli_fname)
        return info.dli_fname;
    return "";
}

static void reason(char *buf, size_t len)
{
    const char *why = getenv(ENV_REASON);
    if (getenv(ENV_DETECTED) && why) {
        snprintf(buf, len, "%s", why);
        return;
    }
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    struct nn_core_choice c;
    nn_coretype_choose(&cpu, corename(), getenv("OPENBLAS_CORETYPE"), &c);
    snprintf(buf, len, "%s", c.why);
}

static int facts(struct nn_backend_fact *f, int max)
{
    int n = 0;
    if (max < 4)
        return 0;
    const char *detected = getenv(ENV_DETECTED), *user = getenv("OPENBLAS_CORETYPE");
    f[n].key = "blas_core";
    snprintf(f[n++].value, sizeof f->value, "%s", corename());
    f[n].key = "blas_core_detected";
    if (detected)
        snprintf(f[n++].value, sizeof f->value, "%s", detected);
    else if (user && user[0])
        snprintf(f[n++].value, sizeof f->value, "unknown (OPENBLAS_CORETYPE=%s was set)", user);
    else
        snprintf(f[n++].value, sizeof f->value, "%s", corename());
    f[n].key = "blas_core_reason";
    reason(f[n++].value, sizeof f->value);
    f[n].key = "blas_library";
    snprintf(f[n++].value, sizeof f->value, "%s", blas_library());
    return n;
}

static int warning(char *buf, size_t len)
{
    const char *lib = blas_library();
    if (lib[0] && !strstr(lib, "openblas")) {
        snprintf(buf, len,
                 "GEMMs run in %s, not OpenBLAS (nnctl links libopenblas; check LD_PRELOAD and "
                 "LD_LIBRARY_PATH): a reference BLAS is 25-50x slower",
                 lib);
        return 1;
    }
    if (exec_errno) {
        snprintf(buf, len,
                 "OpenBLAS runs its %s kernels on this CPU, and nnctl could not re-execute itself "
                 "with better ones (%s); set OPENBLAS_CORETYPE by hand",
                 corename(), strerror(exec_errno));
        return 1;
    }
    const char *detected = getenv(ENV_DETECTED), *set = getenv("OPENBLAS_CORETYPE");
    if (detected && set && nn_coretype_level(corename()) < nn_coretype_level(set)) {
        snprintf(buf, len,
                 "OpenBLAS detected %s kernels and still runs %s ones with OPENBLAS_CORETYPE=%s; "
                 "GEMMs run slower than this CPU allows",
                 detected, corename(), set);
        return 1;
    }
    if (!detected) {
        struct nn_cpu cpu;
        nn_cpu_detect(&cpu);
        struct nn_core_choice c;
        nn_coretype_choose(&cpu, corename(), set, &c);
        if (c.action == NN_CORE_UNFIXABLE) {
            snprintf(buf, len, "%s: GEMMs run slower than this CPU allows", c.why);
            return 1;
        }
    }
    return 0;
}

/* The user's OPENBLAS_CORETYPE (not the one nnctl set for its re-execution) below this CPU. */
static int hint(char *buf, size_t len)
{
    if (getenv(ENV_DETECTED))
        return 0;
    struct nn_cpu cpu;
    nn_cpu_detect(&cpu);
    return nn_coretype_hint(&cpu, getenv("OPENBLAS_CORETYPE"), buf, len);
}

const struct nn_backend nn_backend_openblas = {
    .name = "openblas",
    .doc = "OpenBLAS sgemm in float32 (dgemm in the float64 build), on the CPU's vector units",
    .precision = NN_PRECISION_FLOAT32,
    .check = check,
    .gemm = gemm,
    .set_threads = set_threads,
    .threads = threads,
    .describe = describe,
    .startup = startup,
    .facts = facts,
    .warning = warning,
    .hint = hint,
};
