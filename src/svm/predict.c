/* nnctl — batched RBF C-SVC prediction with the answers of libsvm's svm_predict().
 *
 * libsvm predicts one vector at a time: one sparse kernel loop per support vector, then the
 * k(k-1)/2 one-vs-one decision values. Here a block of test vectors meets every support vector
 * in one dgemm: ||x - s||^2 = ||x||^2 + ||s||^2 - 2 x.s, K = exp(-gamma ||x - s||^2), in double
 * as libsvm. The per-class sums of the decision values are dgemms too: K restricted to the SVs
 * of class c times those SVs' coefficient columns.
 *
 * The kernel and the sums round differently from libsvm's loops, so every decision value comes
 * with a bound on that difference (worked out at tolerance() below); a vector with any decision
 * value inside its bound goes to svm_predict() itself. The labels are therefore libsvm's exactly,
 * and the bound is ~1e-9 on MNIST-size problems, so hardly any vector takes the slow path. */
#include "svm/predict.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnctl/svm.h"

/* Memory for one block's kernel, products and votes, and for the dense copies of the SVs. */
#define BLOCK_BYTES ((size_t)32 << 20)
#define FIXED_BYTES ((size_t)512 << 20)
#define MAX_BLOCK   256
#define MAX_THREADS 2

static int g_threads; /* 0: automatic */

void nn_svm_predict_set_threads(int threads)
{
    g_threads = threads < 0 ? 0 : threads;
}

int nn_svm_predict_exact(const struct svm_model *model, const float *x, int d, struct svm_node *row)
{
    int k = 0;
    for (int j = 0; j < d; j++) {
        if (x[j] != 0.0f) {
            row[k].index = j + 1;
            row[k].value = x[j];
            k++;
        }
    }
    row[k].index = -1;
    row[k].value = 0.0;
    return (int)lround(svm_predict(model, row));
}

/* Everything one prediction run shares; the block arrays are reused from block to block. */
struct plan {
    const struct svm_model *model;
    int k;  /* classes */
    int l;  /* support vectors */
    int w;  /* dense width: the largest feature index of any SV (at least 1) */
    int d;  /* features per test vector */
    int nb; /* test vectors per block */
    double gamma;
    double *sv;      /* l x w, the SVs dense */
    double *sv_norm; /* l: ||s||^2 */
    double sv_norm_max;
    double coef_abs_total; /* Σ over SVs of max_c |sv_coef[c]| */
    double *coef;          /* l x k: column c < k-1 is sv_coef[c], column k-1 max_c |sv_coef[c]| */
    int *start;            /* k: first SV of each class */
    double *xb;            /* nb x w: the block's vectors */
    double *x_norm;        /* nb: ||x||^2 over all d features */
    double *kern;          /* nb x l: x.s, then the kernel */
    double *part; /* nb x k x k: part[r][c][col] = sum over SVs of class c of coef[col] K */
};

static void plan_free(struct plan *p)
{
    free(p->sv);
    free(p->sv_norm);
    free(p->coef);
    free(p->start);
    free(p->xb);
    free(p->x_norm);
    free(p->kern);
    free(p->part);
}

/* 1: the model is outside the fast path; -1: out of memory; 0: ready. */
static int plan_init(struct plan *p, const struct svm_model *model, size_t n, int d)
{
    memset(p, 0, sizeof *p);
    p->model = model;
    if (!model || (model->param.svm_type != C_SVC && model->param.svm_type != NU_SVC) ||
        model->param.kernel_type != RBF || model->nr_class < 2 || model->l < 1 || !model->SV ||
        !model->sv_coef || !model->nSV || !model->rho || !model->label || d < 1 ||
        !(model->param.gamma >= 0.0) || !isfinite(model->param.gamma))
        return 1;
    p->k = model->nr_class;
    p->l = model->l;
    p->d = d;
    p->gamma = model->param.gamma;
    size_t k = (size_t)p->k, l = (size_t)p->l;
    long total = 0;
    int w = 1;
    for (int c = 0; c < p->k; c++) {
        if (model->nSV[c] < 0)
            return 1;
        total += model->nSV[c];
    }
    if (total != p->l)
        return 1;
    for (size_t s = 0; s < l; s++) {
        const struct svm_node *v = model->SV[s];
        if (!v)
            return 1;
        for (int prev = 0; v->index != -1; v++) {
            /* Increasing indices within 1..d, as libsvm's merge loop needs them too. */
            if (v->index <= prev || v->index > d || !isfinite(v->value))
                return 1;
            prev = v->index;
            if (v->index > w)
                w = v->index;
        }
    }
    for (size_t c = 0; c + 1 < k; c++)
        if (!model->sv_coef[c])
            return 1;
    p->w = w;
    size_t fixed = l * ((size_t)w + k + 2) * sizeof(double);
    if (fixed / sizeof(double) / l != (size_t)w + k + 2 || fixed > FIXED_BYTES)
        return 1;
    size_t per_row = ((size_t)w + l + k * k + 1) * sizeof(double);
    size_t nb = BLOCK_BYTES / per_row;
    if (nb > MAX_BLOCK)
        nb = MAX_BLOCK;
    if (nb < 1)
        nb = 1;
    if (nb > n)
        nb = n;
    p->nb = (int)nb;

    p->sv = calloc(l * (size_t)w, sizeof *p->sv);
    p->sv_norm = malloc(l * sizeof *p->sv_norm);
    p->coef = malloc(l * k * sizeof *p->coef);
    p->start = malloc(k * sizeof *p->start);
    p->xb = malloc(nb * (size_t)w * sizeof *p->xb);
    p->x_norm = malloc(nb * sizeof *p->x_norm);
    p->kern = malloc(nb * l * sizeof *p->kern);
    p->part = malloc(nb * k * k * sizeof *p->part);
    if (!p->sv || !p->sv_norm || !p->coef || !p->start || !p->xb || !p->x_norm || !p->kern ||
        !p->part) {
        plan_free(p);
        return -1;
    }
    for (size_t s = 0; s < l; s++) {
        double *row = p->sv + s * (size_t)w, norm = 0.0;
        for (const struct svm_node *v = model->SV[s]; v->index != -1; v++) {
            row[v->index - 1] = v->value;
            norm += v->value * v->value;
        }
        p->sv_norm[s] = norm;
        if (norm > p->sv_norm_max)
            p->sv_norm_max = norm;
        double *cf = p->coef + s * k, amax = 0.0;
        for (size_t c = 0; c + 1 < k; c++) {
            cf[c] = model->sv_coef[c][s];
            if (fabs(cf[c]) > amax)
                amax = fabs(cf[c]);
        }
        cf[k - 1] = amax;
        p->coef_abs_total += amax;
    }
    for (int c = 0, s = 0; c < p->k; c++) {
        p->start[c] = s;
        s += model->nSV[c];
    }
    return 0;
}

/* e^a for a <= 0, vectorisable (glibc's exp is a scalar call, 5 ns each, and would take half of
 * the time): a = n ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2, fdlibm's constants, so
 * n ln2_hi is exact), e^r by its Taylor polynomial to degree 13 (the remainder, below
 * 0.347^14 / 14! = 4e-18, is under u/20) in Horner's form, 2^n built in the exponent bits.
 * Within 4 ulp of e^a for a >= -708 (tests/test_svm.c checks against glibc); 0 below, where
 * e^a < 3.4e-308 (tolerance() allows for that absolute error). */
static inline double vexp(double a)
{
    double lim = a < -708.0 ? -708.0 : a;
    double fn = (lim * 1.4426950408889634 + 6755399441055744.0) - 6755399441055744.0;
    double r = lim - fn * 6.93147180369123816490e-01;
    r = r - fn * 1.90821492927058770002e-10;
    double q = 1.0 / 6227020800.0;
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    q = q * r + 1.0;
    q = q * r + 1.0;
    int64_t bits = ((int64_t)fn + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return a < -708.0 ? 0.0 : q * scale;
}

double nn_svm_predict_exp(double a)
{
    return vexp(a);
}

/* The kernel of rows [r0, r1) of the block, from the dot products already in kern. */
struct kern_job {
    const struct plan *p;
    int r0, r1;
};

static void *kernel_rows(void *arg)
{
    const struct kern_job *job = arg;
    const struct plan *p = job->p;
    size_t l = (size_t)p->l;
    double ng = -p->gamma;
    for (int r = job->r0; r < job->r1; r++) {
        double *kr = p->kern + (size_t)r * l, xn = p->x_norm[r];
        const double *sn = p->sv_norm;
        for (size_t s = 0; s < l; s++) {
            double dist = xn + sn[s] - 2.0 * kr[s];
            kr[s] = vexp(ng * (dist > 0.0 ? dist : 0.0));
        }
    }
    return NULL;
}

/* γ_m of the standard rounding analysis: any sum of m terms in any order, FMA or not, is within
 * γ_m Σ|terms| of the exact sum. */
static double gamma_n(double m)
{
    const double u = DBL_EPSILON / 2.0;
    return m * u / (1.0 - m * u);
}

/* How far apart this code's decision value and libsvm's can be, for a vector with ||x||^2 = xn,
 * given abs_sum >= Σ |coef| K over the pair's SVs and the pair's rho. With A = ||x||^2 and
 * B = ||s||^2 (B <= Bmax):
 * - the squared distance: this code's A + B - 2 x.s and libsvm's Σ (x_i - s_i)^2 (or, in older
 *   versions, x.x + s.s - 2 x.s) are each within (2d + 4) u (A + B) of the exact value, since
 *   |x.s| <= (A + B) / 2 and the distance <= 2 (A + B); times gamma, with its own rounding:
 *   the exponents differ by at most da = gamma (A + Bmax) (4d + 12) u;
 * - exp, within an ulp in glibc and 4 ulp in vexp(): the kernels differ by at most R K, with
 *   R = e^da - 1 plus 64 u, 12 times the two errors (vexp's 0 below e^-708 and glibc's
 *   subnormals add an absolute error under 1e-300 |coef| per term, so 1e-300 Σ max |coef|);
 * - the sums: each side's decision value is within γ_(nSV+2) (Σ |coef| K + |rho|) of its exact
 *   value.
 * The result doubles that bound to cover the rounding of this bound itself. */
static double tolerance(const struct plan *p, double xn, double abs_sum, double rho)
{
    const double u = DBL_EPSILON / 2.0;
    double da = p->gamma * (xn + p->sv_norm_max) * (4.0 * p->d + 12.0) * u;
    double R = 1.01 * expm1(da) + 64.0 * u;
    double g = gamma_n((double)p->l + 2.0);
    double tol = R * abs_sum + g * ((2.0 + R) * abs_sum + 2.0 * fabs(rho));
    return 2.0 * tol + 1e-300 * p->coef_abs_total;
}

/* The class index that wins row r's votes as svm_predict_values() casts them; -1 when a decision
 * value is too close to zero to be sure of its sign. */
static int vote_row(const struct plan *p, int r, int *vote)
{
    int k = p->k;
    const double *pr = p->part + (size_t)r * (size_t)k * (size_t)k;
    double abs_sum = 0.0;
    for (int c = 0; c < k; c++)
        abs_sum += pr[c * k + k - 1];
    memset(vote, 0, (size_t)k * sizeof *vote);
    int pair = 0;
    for (int i = 0; i < k; i++) {
        for (int j = i + 1; j < k; j++, pair++) {
            /* libsvm: Σ_{class i} sv_coef[j-1] K + Σ_{class j} sv_coef[i] K - rho[pair]. */
            double rho = p->model->rho[pair];
            double dec = pr[i * k + j - 1] + pr[j * k + i] - rho;
            if (!(fabs(dec) > tolerance(p, p->x_norm[r], abs_sum, rho)))
                return -1;
            if (dec > 0)
                vote[i]++;
            else
                vote[j]++;
        }
    }
    int best = 0;
    for (int i = 1; i < k; i++)
        if (vote[i] > vote[best])
            best = i;
    return best;
}

static int auto_threads(void)
{
    if (g_threads > 0)
        return g_threads > MAX_THREADS ? MAX_THREADS : g_threads;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus >= MAX_THREADS ? MAX_THREADS : 1;
}

int nn_svm_predict_blas(const struct svm_model *model, const float *x, size_t n, int d, int *pred,
                        struct nn_svm_predict_stats *stats)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (n == 0)
        return NN_OK;
    if (!x || !pred)
        return NN_SVM_PREDICT_UNSUPPORTED;
    struct plan p;
    int rc = plan_init(&p, model, n, d);
    if (rc)
        return rc > 0 ? NN_SVM_PREDICT_UNSUPPORTED : NN_ERR_NOMEM;
    int *vote = malloc((size_t)p.k * sizeof *vote);
    struct svm_node *row = malloc(((size_t)d + 1) * sizeof *row);
    if (!vote || !row) {
        free(vote);
        free(row);
        plan_free(&p);
        return NN_ERR_NOMEM;
    }
    int threads = auto_threads();
    size_t k = (size_t)p.k, w = (size_t)p.w, n_exact = 0;
    for (size_t b0 = 0; b0 < n; b0 += (size_t)p.nb) {
        int nb = n - b0 < (size_t)p.nb ? (int)(n - b0) : p.nb;
        for (int r = 0; r < nb; r++) {
            const float *xr = x + (b0 + (size_t)r) * (size_t)d;
            double *dst = p.xb + (size_t)r * w, norm = 0.0;
            for (size_t j = 0; j < w; j++)
                dst[j] = xr[j];
            for (int j = 0; j < d; j++)
                norm += (double)xr[j] * (double)xr[j];
            p.x_norm[r] = norm;
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, p.l, p.w, 1.0, p.xb, p.w, p.sv,
                    p.w, 0.0, p.kern, p.l);
        struct kern_job jobs[MAX_THREADS] = {{&p, 0, nb}};
        pthread_t tid[MAX_THREADS];
        int started = 0, t_use = nb >= 2 * threads ? threads : 1;
        for (int t = 0; t < t_use; t++) {
            jobs[t] = (struct kern_job){&p, nb * t / t_use, nb * (t + 1) / t_use};
            if (t > 0 && pthread_create(&tid[t], NULL, kernel_rows, &jobs[t]) == 0)
                started |= 1 << t;
            else if (t > 0)
                kernel_rows(&jobs[t]);
        }
        kernel_rows(&jobs[0]);
        for (int t = 1; t < t_use; t++)
            if (started & (1 << t))
                pthread_join(tid[t], NULL);
        for (int c = 0; c < p.k; c++) {
            int nc = model->nSV[c];
            if (nc == 0) {
                for (int r = 0; r < nb; r++)
                    memset(p.part + ((size_t)r * k + (size_t)c) * k, 0, k * sizeof *p.part);
                continue;
            }
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, p.k, nc, 1.0,
                        p.kern + p.start[c], p.l, p.coef + (size_t)p.start[c] * k, p.k, 0.0,
                        p.part + (size_t)c * k, p.k * p.k);
        }
        for (int r = 0; r < nb; r++) {
            int best = vote_row(&p, r, vote);
            if (best >= 0) {
                pred[b0 + (size_t)r] = model->label[best];
            } else {
                pred[b0 + (size_t)r] =
                    nn_svm_predict_exact(model, x + (b0 + (size_t)r) * (size_t)d, d, row);
                n_exact++;
            }
        }
    }
    if (stats) {
        stats->n_exact = n_exact;
        stats->block = p.nb;
        stats->threads = threads;
    }
    free(vote);
    free(row);
    plan_free(&p);
    return NN_OK;
}
