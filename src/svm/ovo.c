/* libsvm's multi-class C-SVC is one-vs-one: for k classes, k(k−1)/2 binary problems, each on the
 * two classes' vectors only, solved independently, then assembled into one model. svm_train()
 * solves them one after the other on one core. Here each pair is solved by svm_train() itself,
 * called on that pair's vectors (class i first, as +1, then class j) from a pool of threads that
 * take the pairs largest first, and the model is assembled as svm_train() assembles it: classes
 * in order of first appearance, a vector is a support vector when any pair gave it a non-zero
 * coefficient, coefficients of pair (i, j) for class i's vectors in sv_coef[j−1] and for class
 * j's in sv_coef[i], rho in pair order. A binary svm_train() on the same vectors in the same
 * order runs the same solver with the same arithmetic, so the model is the same, bit for bit
 * (tests/test_svm_ovo.c compares it with svm_train's on 3, 4 and 10 classes). */
#include "svm/ovo.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/team.h"

struct pair {
    int i, j;      /* classes, i < j */
    int n;         /* vectors of the two classes */
    double *alpha; /* y·alpha for class i's vectors then class j's (zero: not an SV) */
    double rho;
    struct svm_node **x;
    double *y;
    int failed;
};

struct job {
    const struct svm_parameter *param;
    struct pair *pairs;
    int *order; /* pair indices, largest first */
    int n_pairs;
    atomic_int next;
};

static void solve(struct pair *p, const struct svm_parameter *param)
{
    struct svm_problem sub = {.l = p->n, .y = p->y, .x = p->x};
    struct svm_model *bm = svm_train(&sub, param);
    if (!bm || bm->nr_class != 2 || !bm->sv_indices || bm->label[0] != 1) {
        p->failed = 1;
        if (bm)
            svm_free_and_destroy_model(&bm);
        return;
    }
    for (int s = 0; s < bm->l; s++)
        p->alpha[bm->sv_indices[s] - 1] = bm->sv_coef[0][s];
    p->rho = bm->rho[0];
    svm_free_and_destroy_model(&bm);
}

/* Each thread of the team takes the next pair, largest first, until none is left. */
static void worker(void *arg, int t, int n)
{
    (void)t, (void)n;
    struct job *j = arg;
    for (;;) {
        int k = atomic_fetch_add(&j->next, 1);
        if (k >= j->n_pairs)
            return;
        solve(&j->pairs[j->order[k]], j->param);
    }
}

/* qsort has no context argument: the sizes are read through this (set before each sort, which
 * runs in the calling thread only). */
static const struct pair *sort_pairs;

static int larger_first(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int nx = sort_pairs[x].n, ny = sort_pairs[y].n;
    return nx != ny ? (nx > ny ? -1 : 1) : (x > y) - (x < y);
}

static void free_pairs(struct pair *pairs, int n)
{
    for (int p = 0; pairs && p < n; p++) {
        free(pairs[p].alpha);
        free(pairs[p].x);
        free(pairs[p].y);
    }
    free(pairs);
}

/* The problem grouped by class: the classes in order of first appearance, and the vectors of class
 * c at perm[start[c]] .. perm[start[c] + count[c] − 1], in their order in the problem. */
struct classes {
    int k, label[256], count[256], start[256];
    int *perm;
};

static int group_classes(const struct svm_problem *prob, struct classes *c, struct nn_error *err)
{
    const int l = prob->l;
    memset(c, 0, sizeof *c);
    int *cls = malloc((size_t)l * sizeof *cls);
    c->perm = malloc((size_t)l * sizeof *c->perm);
    if (!cls || !c->perm) {
        free(cls);
        free(c->perm);
        return nn_error_set(err, NN_ERR_NOMEM, "svm train: out of memory");
    }
    for (int i = 0; i < l; i++) {
        int y = (int)prob->y[i], k = 0;
        while (k < c->k && c->label[k] != y)
            k++;
        if (k == c->k) {
            if (c->k == 256) {
                free(cls);
                free(c->perm);
                return nn_error_set(err, NN_ERR_FORMAT, "svm train: more than 256 classes");
            }
            c->label[c->k++] = y;
        }
        cls[i] = k;
        c->count[k]++;
    }
    for (int k = 1; k < c->k; k++)
        c->start[k] = c->start[k - 1] + c->count[k - 1];
    int fill[256];
    memcpy(fill, c->start, sizeof(int) * (size_t)c->k);
    for (int i = 0; i < l; i++)
        c->perm[fill[cls[i]]++] = i;
    free(cls);
    return NN_OK;
}

/* The k(k−1)/2 pairs, each with its two classes' vectors (+1 then −1), and their order of
 * solving: largest first. */
static int make_pairs(const struct svm_problem *prob, const struct classes *c, struct pair **out,
                      int **out_order, struct nn_error *err)
{
    const int k = c->k, P = k * (k - 1) / 2;
    struct pair *pairs = calloc((size_t)P, sizeof *pairs);
    int *order = malloc((size_t)P * sizeof *order);
    int rc = pairs && order ? NN_OK : NN_ERR_NOMEM;
    for (int i = 0, p = 0; !rc && i < k; i++)
        for (int j = i + 1; j < k; j++, p++) {
            struct pair *q = &pairs[p];
            q->i = i;
            q->j = j;
            q->n = c->count[i] + c->count[j];
            q->alpha = calloc((size_t)q->n, sizeof *q->alpha);
            q->x = malloc((size_t)q->n * sizeof *q->x);
            q->y = malloc((size_t)q->n * sizeof *q->y);
            if (!q->alpha || !q->x || !q->y) {
                rc = NN_ERR_NOMEM;
                break;
            }
            for (int s = 0; s < c->count[i]; s++) {
                q->x[s] = prob->x[c->perm[c->start[i] + s]];
                q->y[s] = +1;
            }
            for (int s = 0; s < c->count[j]; s++) {
                q->x[c->count[i] + s] = prob->x[c->perm[c->start[j] + s]];
                q->y[c->count[i] + s] = -1;
                /* libsvm's coefficient is y·alpha: a zero alpha of class j is −0, and a model
                 * file prints it so ("-0") */
                q->alpha[c->count[i] + s] = -0.0;
            }
            order[p] = p;
        }
    if (rc) {
        free_pairs(pairs, P);
        free(order);
        return nn_error_set(err, rc, "svm train: out of memory for %d class pairs", P);
    }
    sort_pairs = pairs;
    qsort(order, (size_t)P, sizeof *order, larger_first);
    *out = pairs;
    *out_order = order;
    return NN_OK;
}

/* Every pair solved, on the thread team (nnctl/team.h) as the training step runs; a team that
 * cannot start runs them all on this thread (the same model: a pair's result depends on no
 * thread). Each thread's kernel cache is a share of the budget (it changes speed, not results). */
static void solve_pairs(struct pair *pairs, int *order, int P, const struct svm_parameter *param,
                        int threads)
{
    struct svm_parameter pp = *param;
    if (threads < 1)
        threads = 1;
    if (threads > P)
        threads = P;
    if (threads > NN_TEAM_MAX)
        threads = NN_TEAM_MAX;
    pp.cache_size = param->cache_size / threads;
    struct job job = {.param = &pp, .pairs = pairs, .order = order, .n_pairs = P};
    atomic_init(&job.next, 0);
    struct nn_team *team = NULL;
    struct nn_error terr;
    if (threads > 1 && nn_team_create(threads, &team, &terr) == NN_OK) {
        nn_team_run(team, worker, &job);
        nn_team_free(team);
    } else {
        worker(&job, 0, 1);
    }
}

/* The multi-class model from the solved pairs, as svm_train() assembles it. */
static int assemble(const struct svm_problem *prob, const struct svm_parameter *param,
                    const struct classes *c, const struct pair *pairs, struct svm_model **out,
                    struct nn_error *err)
{
    const int l = prob->l, k = c->k, P = k * (k - 1) / 2;
    char *nonzero = calloc((size_t)l, 1);
    struct svm_model *m = calloc(1, sizeof *m);
    if (!nonzero || !m) {
        free(nonzero);
        free(m);
        return nn_error_set(err, NN_ERR_NOMEM, "svm train: out of memory");
    }
    for (int p = 0; p < P; p++) {
        const struct pair *q = &pairs[p];
        for (int s = 0; s < c->count[q->i]; s++)
            if (fabs(q->alpha[s]) > 0)
                nonzero[c->start[q->i] + s] = 1;
        for (int s = 0; s < c->count[q->j]; s++)
            if (fabs(q->alpha[c->count[q->i] + s]) > 0)
                nonzero[c->start[q->j] + s] = 1;
    }
    int total = 0, nz_count[256], nz_start[256];
    for (int h = 0; h < k; h++) {
        nz_count[h] = 0;
        for (int s = 0; s < c->count[h]; s++)
            nz_count[h] += nonzero[c->start[h] + s];
        total += nz_count[h];
    }
    nz_start[0] = 0;
    for (int h = 1; h < k; h++)
        nz_start[h] = nz_start[h - 1] + nz_count[h - 1];
    m->param = *param;
    m->nr_class = k;
    m->l = total;
    m->free_sv = 0;
    m->label = malloc((size_t)k * sizeof *m->label);
    m->nSV = malloc((size_t)k * sizeof *m->nSV);
    m->rho = malloc((size_t)(P ? P : 1) * sizeof *m->rho);
    m->SV = malloc((size_t)(total ? total : 1) * sizeof *m->SV);
    m->sv_indices = malloc((size_t)(total ? total : 1) * sizeof *m->sv_indices);
    m->sv_coef = calloc((size_t)(k - 1), sizeof *m->sv_coef);
    int ok = m->label && m->nSV && m->rho && m->SV && m->sv_indices && m->sv_coef;
    for (int h = 0; ok && h < k - 1; h++)
        ok = (m->sv_coef[h] = malloc((size_t)(total ? total : 1) * sizeof(double))) != NULL;
    if (!ok) {
        free(nonzero);
        svm_free_and_destroy_model(&m);
        return nn_error_set(err, NN_ERR_NOMEM, "svm train: out of memory for the model");
    }
    for (int h = 0; h < k; h++) {
        m->label[h] = c->label[h];
        m->nSV[h] = nz_count[h];
    }
    for (int i = 0, s = 0; i < l; i++)
        if (nonzero[i]) {
            m->SV[s] = prob->x[c->perm[i]];
            m->sv_indices[s++] = c->perm[i] + 1;
        }
    for (int p = 0; p < P; p++) {
        const struct pair *q = &pairs[p];
        m->rho[p] = q->rho;
        int at = nz_start[q->i];
        for (int s = 0; s < c->count[q->i]; s++)
            if (nonzero[c->start[q->i] + s])
                m->sv_coef[q->j - 1][at++] = q->alpha[s];
        at = nz_start[q->j];
        for (int s = 0; s < c->count[q->j]; s++)
            if (nonzero[c->start[q->j] + s])
                m->sv_coef[q->i][at++] = q->alpha[c->count[q->i] + s];
    }
    free(nonzero);
    *out = m;
    return NN_OK;
}

int nn_svm_train_ovo(const struct svm_problem *prob, const struct svm_parameter *param, int threads,
                     struct svm_model **out, struct nn_error *err)
{
    *out = NULL;
    struct classes c;
    int rc = group_classes(prob, &c, err);
    if (rc)
        return rc;
    const int P = c.k * (c.k - 1) / 2;
    struct pair *pairs = NULL;
    int *order = NULL;
    if ((rc = make_pairs(prob, &c, &pairs, &order, err))) {
        free(c.perm);
        return rc;
    }
    solve_pairs(pairs, order, P, param, threads);
    free(order);
    for (int p = 0; p < P && !rc; p++)
        if (pairs[p].failed)
            rc = nn_error_set(err, NN_ERR_RUNTIME,
                              "svm train: libsvm failed on the class pair %d/%d",
                              c.label[pairs[p].i], c.label[pairs[p].j]);
    if (!rc)
        rc = assemble(prob, param, &c, pairs, out, err);
    free_pairs(pairs, P);
    free(c.perm);
    return rc;
}
