/* Helpers shared by the cmocka suites. */
#ifndef NNCTL_TESTUTIL_H
#define NNCTL_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nnctl/config.h"
#include "nnctl/train.h"

/* cmocka 1.1.5 has no floating-point assertion; this one prints both values and the tolerance. */
#define assert_close_double(a, b, tol)                                                             \
    assert_close_double_impl((a), (b), (tol), #a, __FILE__, __LINE__)
static inline void assert_close_double_impl(double a, double b, double tol, const char *what,
                                            const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", what, a, b, tol);
        _fail(file, line);
    }
}

/* A temporary directory for a test group: the group's setup creates it, its teardown removes it. */
static inline char *test_tmpdir(void)
{
    static char d[64] = "";
    return d;
}

static inline int test_tmpdir_setup(void **state)
{
    (void)state;
    snprintf(test_tmpdir(), 64, "/tmp/nnctl-test-XXXXXX");
    return mkdtemp(test_tmpdir()) ? 0 : -1;
}

static inline int test_tmpdir_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmpdir());
    return system(cmd);
}

/* Loads a config from text; fails the test with every diagnostic if it does not validate. */
static inline void load_cfg_text(const char *text, struct nn_config *cfg)
{
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    int rc = nn_config_load("test.yaml", text, NULL, 0, cfg, d);
    if (rc)
        nn_diags_print(d, stderr);
    free(d);
    if (rc)
        fail_msg("config did not validate");
}

/* Trains a config given as text, with --set overrides, into test_tmpdir()/sub; the config must
 * validate (every diagnostic printed otherwise). Returns nn_train's status, err its message. */
static inline int test_train_text(const char *yaml, const char *const *sets, int n_sets,
                                  const char *sub, int threads, int resume,
                                  struct nn_train_result *res, struct nn_error *err)
{
    struct nn_config cfg;
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    int rc = nn_config_load("t.yaml", yaml, sets, n_sets, &cfg, d);
    if (rc)
        nn_diags_print(d, stderr);
    free(d);
    assert_int_equal(rc, NN_OK);
    char out[256];
    snprintf(out, sizeof out, "%s/%s", test_tmpdir(), sub);
    struct nn_train_opts o = {.out_dir = out, .threads = threads, .quiet = 1, .resume = resume};
    rc = nn_train(&cfg, &o, res, err);
    nn_config_free(&cfg);
    return rc;
}

/* The same, for a run that must succeed: fails the test with nn_train's message otherwise. */
static inline void test_train_ok(const char *yaml, const char *const *sets, int n_sets,
                                 const char *sub, int threads, struct nn_train_result *res)
{
    struct nn_error err = {0};
    if (test_train_text(yaml, sets, n_sets, sub, threads, 0, res, &err))
        fail_msg("%s", err.msg);
}

#endif
