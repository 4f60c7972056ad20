/* The one strict number parser (nnctl/number.h): what every reader of numbers accepts and refuses,
 * with and without a terminating NUL. */
#include "testutil.h"

#include <float.h>

#include "nnctl/number.h"

static void test_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } ok[] = {{"0", 0},
              {"-0", 0},
              {"1", 1},
              {"1e3", 1000},
              {"-2.5", -2.5},
              {".5", 0.5},
              {"5.", 5},
              {"+7", 7},
              {"0x1p-3", 0.125},
              {"1e-400", 0}, /* too small: rounds to 0, as strtod gives it */
              {"1.7976931348623157e308", DBL_MAX}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = -99;
        if (nn_number(ok[i].s, &v))
            fail_msg("'%s' refused", ok[i].s);
        assert_true(v == ok[i].v);
    }
    /* a token inside a longer line: exactly its bytes */
    double v = 0;
    assert_int_equal(nn_number_parse("12.5:rest", 4, &v), 0);
    assert_true(v == 12.5);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    " 1",   "1 ",    "1.5x", "x",  "nan", "NaN",
                                      "inf", "-inf", "1e999", "--1",  "1e", "0x",  "1,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 42;
        if (!nn_number(bad[i], &v))
            fail_msg("'%s' accepted as %g", bad[i], v);
        assert_true(v == 42); /* untouched */
    }
    double v = 42;
    assert_int_equal(nn_number(NULL, &v), -1);
    assert_int_equal(nn_number_parse("1\0002", 3, &v), -1); /* a NUL inside the token */
    assert_int_equal(nn_number_parse("1", 0, &v), -1);
    char longest[600];
    memset(longest, '1', sizeof longest);
    assert_int_equal(nn_number_parse(longest, sizeof longest, &v), -1); /* over 511 bytes */
    assert_true(v == 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("number", tests, NULL, NULL);
}
