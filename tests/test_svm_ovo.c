/* The one-vs-one pairs on threads (src/svm/ovo.c) build the model libsvm's svm_train builds:
 * the same classes, support vectors (the same rows, in the same order), coefficients and rho,
 * bit for bit, on 3, 4 and 10 classes of unequal sizes, a class with one example, 1 to 4
 * threads. */
#include "testutil.h"

#include <libsvm/svm.h>

#include "nnctl/rng.h"
#include "svm/ovo.h"

static void quiet(const char *s)
{
    (void)s;
}

struct set {
    int n, d;
    struct svm_node *pool;
    struct svm_node **x;
    double *y;
};

/* n vectors of d features around a centre per class (some features zero, as ReLU codes are);
 * labels in first-appearance order that is not sorted, class sizes unequal, the last class one
 * vector. */
static void make_set(struct set *s, int k, int n, int d, uint64_t seed)
{
    struct nn_rng r;
    nn_rng_seed(&r, seed, 7);
    s->n = n;
    s->d = d;
    s->pool = calloc((size_t)n * (size_t)(d + 1), sizeof *s->pool);
    s->x = calloc((size_t)n, sizeof *s->x);
    s->y = calloc((size_t)n, sizeof *s->y);
    assert_non_null(s->pool);
    assert_non_null(s->x);
    assert_non_null(s->y);
    for (int i = 0; i < n; i++) {
        int c = i == n - 1 ? k - 1 : (int)nn_rng_below(&r, (uint64_t)(k - 1) * 3) % (k - 1);
        c = (c * 7 + 3) % (k - 1); /* first appearance not in label order */
        if (i == n - 1)
            c = k - 1;
        s->y[i] = (double)((c * 5) % 11 + 20 * (c >= 11)); /* labels not 0..k-1 */
        struct svm_node *v = s->pool + (size_t)i * (size_t)(d + 1);
        s->x[i] = v;
        int m = 0;
        for (int j = 0; j < d; j++) {
            double centre = ((c * 31 + j * 17) % 13) / 6.0 - 1.0;
            double val = centre + 0.9 * (nn_rng_uniform(&r) - 0.5);
            if (val < -0.8)
                continue; /* a zero feature: left out, as nnctl's rows leave zeros out */
            v[m].index = j + 1;
            v[m].value = val;
            m++;
        }
        v[m].index = -1;
    }
}

static void free_set(struct set *s)
{
    free(s->pool);
    free(s->x);
    free(s->y);
}

static void same_model(const struct svm_model *a, const struct svm_model *b)
{
    assert_int_equal(a->nr_class, b->nr_class);
    assert_int_equal(a->l, b->l);
    int k = a->nr_class;
    for (int c = 0; c < k; c++) {
        assert_int_equal(a->label[c], b->label[c]);
        assert_int_equal(a->nSV[c], b->nSV[c]);
    }
    for (int p = 0; p < k * (k - 1) / 2; p++)
        assert_true(a->rho[p] == b->rho[p]);
    for (int s = 0; s < a->l; s++) {
        assert_ptr_equal(a->SV[s], b->SV[s]);
        assert_int_equal(a->sv_indices[s], b->sv_indices[s]);
        for (int c = 0; c < k - 1; c++)
            if (memcmp(&a->sv_coef[c][s], &b->sv_coef[c][s], sizeof(double))) /* −0 too */
                fail_msg("sv_coef[%d][%d]: %.17g against svm_train's %.17g", c, s, a->sv_coef[c][s],
                         b->sv_coef[c][s]);
    }
}

static void check(int k, int n, int d, double C, double gamma)
{
    struct set s;
    make_set(&s, k, n, d, (uint64_t)(k * 1000 + n));
    struct svm_problem prob = {.l = s.n, .y = s.y, .x = s.x};
    struct svm_parameter p = {.svm_type = C_SVC,
                              .kernel_type = RBF,
                              .gamma = gamma,
                              .cache_size = 20,
                              .eps = 1e-3,
                              .C = C,
                              .shrinking = 1};
    assert_null(svm_check_parameter(&prob, &p));
    svm_set_print_string_function(quiet);
    struct svm_model *ref = svm_train(&prob, &p);
    assert_non_null(ref);
    for (int t = 1; t <= 4; t++) {
        struct svm_model *m = NULL;
        struct nn_error err;
        assert_int_equal(nn_svm_train_ovo(&prob, &p, t, &m, &err), NN_OK);
        same_model(m, ref);
        /* and the same answer for every training vector */
        for (int i = 0; i < s.n; i++)
            assert_true(svm_predict(m, s.x[i]) == svm_predict(ref, s.x[i]));
        svm_free_and_destroy_model(&m);
    }
    print_message("    %d classes, %d vectors: %d support vectors, same model on 1-4 threads\n", k,
                  n, ref->l);
    svm_free_and_destroy_model(&ref);
    free_set(&s);
}

static void test_three_classes(void **state)
{
    (void)state;
    check(3, 120, 6, 10, 0.5);
}

static void test_four_classes(void **state)
{
    (void)state;
    check(4, 301, 8, 1, 0.2);
}

static void test_ten_classes(void **state)
{
    (void)state;
    check(10, 700, 16, 10, 0.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_classes),
        cmocka_unit_test(test_four_classes),
        cmocka_unit_test(test_ten_classes),
    };
    return cmocka_run_group_tests_name("svm_ovo", tests, NULL, NULL);
}
