/* Vectorisable exp, tanh and sigmoid for float32 (internal to the library).
 *
 * Why our own: glibc's expf/tanhf are scalar calls that GCC only vectorises under -ffast-math,
 * which would also delete our isnan/isfinite checks. These are branch-free (both sides of every
 * choice are computed and one is selected), so the compiler turns loops over them into AVX-512
 * code. Accuracy against double-precision libm is tested in tests/test_vmath.c (≤ 2 ulp for exp
 * over the useful range; ≤ 3e-7 absolute for tanh and sigmoid).
 *
 * exp (Cephes' expf scheme): x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by a degree-6 minimax
 * polynomial, 2^n built directly in the exponent bits.
 * tanh: for |x| < 0.625 an odd minimax polynomial (Cephes' tanhf), else 1 − 2/(e^{2|x|} + 1). */
#ifndef NNCTL_VMATH_H
#define NNCTL_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float nn_vexpf(float x)
{
    /* Below −87.3 the result would be subnormal (flushed anyway); clamp there. The upper clamp,
     * 88.376 (e^x = 2.5e38), keeps n ≤ 127 so that 2^n is a normal float: larger inputs saturate
     * at 2.5e38 instead of overflowing to infinity (tanh and sigmoid never get near it). */
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.37626f ? 88.37626f : x;
    /* n = round(x / ln2) by the 1.5·2^23 trick: adding it pushes the fraction bits out in the
     * current (round-to-nearest) mode. floorf would be a library call and stop vectorisation;
     * without -ffast-math the compiler may not fold (v + C) − C back to v. */
    float fn = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - fn * 0.693359375f; /* ln2 split in two so that fn·hi is exact */
    r = r - fn * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t n = (int32_t)fn;
    /* 2^n for n in [−126, 127]; at the clamp n can reach −126 exactly, which is still normal */
    int32_t bits = (n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float nn_vtanhf(float x)
{
    float ax = fabsf(x);
    /* small |x|: odd polynomial, exact to ~1 ulp */
    float z = x * x;
    float ps = -5.70498872745e-3f;
    ps = ps * z + 2.06390887954e-2f;
    ps = ps * z - 5.37397155531e-2f;
    ps = ps * z + 1.33314422036e-1f;
    ps = ps * z - 3.33332819422e-1f;
    float small = ps * z * x + x;
    /* large |x|: from exp, no cancellation since the result is ≥ tanh(0.625) = 0.55 */
    float e = nn_vexpf(2.0f * (ax < 44.0f ? ax : 44.0f));
    float large = 1.0f - 2.0f / (e + 1.0f);
    large = x < 0 ? -large : large;
    return ax < 0.625f ? small : large;
}

static inline float nn_vsigmoidf(float x)
{
    /* e^−|x| never overflows; for x < 0, σ(x) = e^x / (1 + e^x) = e·σ(|x|) */
    float e = nn_vexpf(-fabsf(x));
    float s = 1.0f / (1.0f + e);
    return x >= 0 ? s : e * s;
}

#endif
