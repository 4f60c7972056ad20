/* The OpenBLAS backend: nn_real GEMMs through cblas_sgemm (cblas_dgemm in the float64 build). */
#include <cblas.h>
#include <stdio.h>

#include "nnctl/backend.h"

#ifdef NN_DOUBLE
#define GEMM cblas_dgemm
#else
#define GEMM cblas_sgemm
#endif

static int available(void)
{
    return 1;
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
    snprintf(buf, len, "%s; core %s", openblas_get_config(), openblas_get_corename());
}

const struct nn_backend nn_backend_openblas = {
    .name = "openblas",
    .doc = "OpenBLAS sgemm in float32 (dgemm in the float64 build), on the CPU's vector units",
    .available = available,
    .gemm = gemm,
    .set_threads = set_threads,
    .threads = threads,
    .describe = describe,
};
