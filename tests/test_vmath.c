/* The vectorisable float32 exp, tanh and sigmoid of src/core/vmath.h against double-precision libm.
 */
#include "testutil.h"

#include "core/vmath.h"

/* Relative error in units of float32's epsilon (2^-23). */
static double ulps(double got, double want)
{
    return fabs(got - want) / fabs(want) / 0x1p-23;
}

static void test_exp(void **state)
{
    (void)state;
    double worst = 0;
    /* every 1e-3 over [-87, 88.3]: the range where expf is a normal number, less the top 0.4 */
    for (double x = -87.0; x <= 88.3; x += 1e-3) {
        double u = ulps(nn_vexpf((float)x), exp((double)(float)x));
        worst = u > worst ? u : worst;
    }
    print_message("    exp: worst %.2f ulp over [-87, 88.3]\n", worst);
    assert_true(worst <= 2.0);
    assert_true(nn_vexpf(-1000.0f) >= 0 && nn_vexpf(-1000.0f) < 1e-37f);
    assert_true(isfinite(nn_vexpf(1000.0f)));
    assert_close_double(nn_vexpf(0.0f), 1.0, 0);
}

static void test_tanh_sigmoid(void **state)
{
    (void)state;
    double wt = 0, ws = 0, wtr = 0;
    for (double x = -20.0; x <= 20.0; x += 1e-4) {
        float xf = (float)x;
        double t = tanh((double)xf), s = 1 / (1 + exp(-(double)xf));
        double et = fabs(nn_vtanhf(xf) - t), es = fabs(nn_vsigmoidf(xf) - s);
        wt = et > wt ? et : wt;
        ws = es > ws ? es : ws;
        if (t != 0) {
            double r = ulps(nn_vtanhf(xf), t);
            wtr = r > wtr ? r : wtr;
        }
    }
    print_message("    tanh: worst abs %.2e (%.2f ulp relative); sigmoid: worst abs %.2e\n", wt,
                  wtr, ws);
    assert_true(wt <= 3e-7);
    assert_true(wtr <= 4.0); /* relative accuracy holds near 0 too: no cancellation */
    assert_true(ws <= 3e-7);
    /* limits and symmetry */
    assert_close_double(nn_vtanhf(50.0f), 1.0, 0);
    assert_close_double(nn_vtanhf(-50.0f), -1.0, 0);
    assert_close_double(nn_vsigmoidf(-200.0f), 0.0, 2e-38); /* e^-87.3 at the clamp */
    assert_close_double(nn_vsigmoidf(200.0f), 1.0, 0);
    assert_close_double(nn_vtanhf(1e-6f), 1e-6, 1e-13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp),
        cmocka_unit_test(test_tanh_sigmoid),
    };
    return cmocka_run_group_tests_name("vmath", tests, NULL, NULL);
}
