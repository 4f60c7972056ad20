/* The OpenBLAS core-type choice as a pure function: a table of CPUs (feature bits, vendor), the
 * core OpenBLAS detected and the user's OPENBLAS_CORETYPE, with the expected action and core. */
#include "testutil.h"

#include "nnctl/coretype.h"

#define F(x) (1u << NN_CPU_##x)
#define SSE  F(SSE3)
#define AVX  (SSE | F(AVX))
#define AVX2 (AVX | F(FMA) | F(AVX2))
#define A512 (AVX2 | F(AVX512F) | F(AVX512BW))
#define BF16 (A512 | F(AVX512_BF16))

static struct nn_cpu cpu_of(const char *vendor, unsigned usable)
{
    struct nn_cpu c = {0};
    snprintf(c.vendor, sizeof c.vendor, "%s", vendor);
    c.family = 6;
    c.model = 207;
    c.usable = c.cpuid = usable;
    return c;
}

static void test_choice_table(void **state)
{
    (void)state;
    static const struct {
        const char *what, *vendor;
        unsigned usable;
        const char *detected, *user;
        enum nn_core_action action;
        const char *core;
    } t[] = {
        {"fallback on AVX-512 with BF16 (model 207)", "GenuineIntel", BF16, "Prescott", NULL,
         NN_CORE_SWITCH, "SkylakeX"},
        {"fallback on AVX-512", "GenuineIntel", A512, "Prescott", NULL, NN_CORE_SWITCH, "SkylakeX"},
        {"fallback on AMD with AVX-512 and BF16 (Zen 4, 5)", "AuthenticAMD", BF16, "Prescott", NULL,
         NN_CORE_SWITCH, "Cooperlake"},
        {"AVX2 kernels detected on AMD with AVX-512", "AuthenticAMD", BF16, "Zen", NULL,
         NN_CORE_SWITCH, "Cooperlake"},
        {"fallback on AMD with AVX-512, no BF16", "AuthenticAMD", A512, "Prescott", NULL,
         NN_CORE_SWITCH, "SkylakeX"},
        {"already good: Cooperlake on AMD (OpenBLAS's pick on Zen 5)", "AuthenticAMD", BF16,
         "Cooperlake", NULL, NN_CORE_KEEP, NULL},
        {"AVX2 kernels on AVX-512", "GenuineIntel", A512, "Haswell", NULL, NN_CORE_SWITCH,
         "SkylakeX"},
        {"fallback on AVX2, Intel", "GenuineIntel", AVX2, "Nehalem", NULL, NN_CORE_SWITCH,
         "Haswell"},
        {"fallback on AVX2, AMD", "AuthenticAMD", AVX2, "Prescott", NULL, NN_CORE_SWITCH, "Zen"},
        {"fallback on AVX2, Hygon", "HygonGenuine", AVX2, "Prescott", NULL, NN_CORE_SWITCH, "Zen"},
        {"fallback on AVX only", "GenuineIntel", AVX, "Core2", NULL, NN_CORE_SWITCH, "Sandybridge"},
        {"unknown vendor with AVX2: the instruction sets decide", "CentaurHauls", AVX2, "Prescott",
         NULL, NN_CORE_SWITCH, "Haswell"},
        {"unknown vendor, SSE only", "CentaurHauls", SSE, "Prescott", NULL, NN_CORE_KEEP, NULL},
        {"AVX-512 the OS does not enable: AVX2 at most", "GenuineIntel", AVX2, "Prescott", NULL,
         NN_CORE_SWITCH, "Haswell"},
        {"the user's value wins", "GenuineIntel", BF16, "Prescott", "Haswell", NN_CORE_USER, NULL},
        {"the user's value wins, even a worse one", "GenuineIntel", BF16, "SkylakeX", "Prescott",
         NN_CORE_USER, NULL},
        {"an empty variable is no value", "GenuineIntel", BF16, "Prescott", "", NN_CORE_SWITCH,
         "SkylakeX"},
        {"already good: SkylakeX on AVX-512", "GenuineIntel", BF16, "SkylakeX", NULL, NN_CORE_KEEP,
         NULL},
        {"already good: Cooperlake on AVX-512 without BF16", "GenuineIntel", A512, "Cooperlake",
         NULL, NN_CORE_KEEP, NULL},
        {"already good: Zen on AVX2", "AuthenticAMD", AVX2, "Zen", NULL, NN_CORE_KEEP, NULL},
        {"a core name nnctl does not know is left alone", "GenuineIntel", BF16, "GraniteRapids",
         NULL, NN_CORE_KEEP, NULL},
        {"no name at all", "GenuineIntel", BF16, NULL, NULL, NN_CORE_KEEP, NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct nn_cpu c = cpu_of(t[i].vendor, t[i].usable);
        struct nn_core_choice ch;
        nn_coretype_choose(&c, t[i].detected, t[i].user, &ch);
        if (ch.action != t[i].action)
            fail_msg("%s: action %d, expected %d (%s)", t[i].what, ch.action, t[i].action, ch.why);
        if (t[i].core)
            assert_string_equal(ch.core, t[i].core);
        else
            assert_null(ch.core);
        assert_true(ch.why[0] != 0);
    }
}

static void test_messages(void **state)
{
    (void)state;
    struct nn_cpu c = cpu_of("GenuineIntel", BF16);
    struct nn_core_choice ch;
    nn_coretype_choose(&c, "Prescott", NULL, &ch);
    assert_string_equal(ch.why, "OpenBLAS detected Prescott (SSE kernels) on a CPU with AVX-512 "
                                "(GenuineIntel family 6 model 207); nnctl set "
                                "OPENBLAS_CORETYPE=SkylakeX");
    nn_coretype_choose(&c, "Prescott", "Haswell", &ch);
    assert_string_equal(ch.why, "OPENBLAS_CORETYPE=Haswell was set by the user");
    nn_coretype_choose(&c, "SkylakeX", NULL, &ch);
    assert_string_equal(ch.why, "OpenBLAS detected SkylakeX, the best kernels for this CPU "
                                "(AVX-512)");
}

/* The user's OPENBLAS_CORETYPE below this CPU: one sentence with the measured speed-up; none
 * for a value at or above the CPU's level, an unknown name or no value. */
static void test_hints(void **state)
{
    (void)state;
    char buf[512];
    struct nn_cpu zen5 = cpu_of("AuthenticAMD", BF16);
    zen5.family = 26;
    zen5.model = 2;
    assert_int_equal(nn_coretype_hint(&zen5, "Haswell", buf, sizeof buf), 1);
    assert_string_equal(buf, "OPENBLAS_CORETYPE=Haswell selects OpenBLAS's AVX2 kernels on a CPU "
                             "with AVX-512: this CPU's AVX-512 kernels (Cooperlake, what nnctl "
                             "runs with the variable unset) are expected to train 1.3-1.7x "
                             "faster (measured on the autoencoder; docs/performance.md); your "
                             "setting is kept");
    struct nn_cpu intel = cpu_of("GenuineIntel", BF16);
    assert_int_equal(nn_coretype_hint(&intel, "Prescott", buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "OpenBLAS's SSE kernels on a CPU with AVX-512: this CPU's "
                                "AVX-512 kernels (SkylakeX,"));
    assert_non_null(strstr(buf, " 2.9-4.4x faster"));
    struct nn_cpu zen3 = cpu_of("AuthenticAMD", AVX2);
    assert_int_equal(nn_coretype_hint(&zen3, "Sandybridge", buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "OpenBLAS's AVX kernels on a CPU with AVX2: this CPU's AVX2 "
                                "kernels (Zen,"));
    /* nothing to say */
    assert_int_equal(nn_coretype_hint(&zen5, "SkylakeX", buf, sizeof buf), 0);
    assert_int_equal(nn_coretype_hint(&zen5, "Cooperlake", buf, sizeof buf), 0);
    assert_int_equal(nn_coretype_hint(&zen3, "Haswell", buf, sizeof buf), 0);
    assert_int_equal(nn_coretype_hint(&zen3, "SkylakeX", buf, sizeof buf), 0);
    assert_int_equal(nn_coretype_hint(&zen5, "GraniteRapids", buf, sizeof buf), 0);
    assert_int_equal(nn_coretype_hint(&zen5, "", buf, sizeof buf), 0);
    assert_int_equal(nn_coretype_hint(&zen5, NULL, buf, sizeof buf), 0);
}

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(nn_coretype_level("Cooperlake"), 4);
    assert_int_equal(nn_coretype_level("SkylakeX"), 4);
    assert_int_equal(nn_coretype_level("Haswell"), 3);
    assert_int_equal(nn_coretype_level("Zen"), 3);
    assert_int_equal(nn_coretype_level("Sandybridge"), 2);
    assert_int_equal(nn_coretype_level("Prescott"), 1);
    assert_int_equal(nn_coretype_level("Nehalem"), 1);
    assert_int_equal(nn_coretype_level("Unknown"), -1);
    assert_int_equal(nn_coretype_level(NULL), -1);
    struct nn_cpu c = cpu_of("GenuineIntel", BF16);
    assert_int_equal(nn_cpu_level(&c), 4);
    c.usable = AVX2 | F(AVX512F); /* AVX-512F without BW: SkylakeX kernels need both */
    assert_int_equal(nn_cpu_level(&c), 3);
    c.usable = SSE;
    assert_int_equal(nn_cpu_level(&c), 1);
}

static void test_this_cpu(void **state)
{
    (void)state;
    /* whatever this machine is, detection fills the vendor and never reports a feature the OS
     * leaves disabled */
    struct nn_cpu c;
    nn_cpu_detect(&c);
    assert_true(c.vendor[0] != 0);
    assert_true(c.cores >= 1);
    assert_int_equal(c.usable & ~c.cpuid, 0);
    if (!c.os_avx512)
        assert_false(nn_cpu_has(&c, NN_CPU_AVX512F));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice_table), cmocka_unit_test(test_messages),
        cmocka_unit_test(test_hints),        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_this_cpu),
    };
    return cmocka_run_group_tests_name("coretype", tests, NULL, NULL);
}
