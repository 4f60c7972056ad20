#include "nnctl/bf16.h"

#if defined(__AVX512BF16__) && defined(__AVX512F__)
#include <immintrin.h>
#endif

/* With AVX512-BF16 (the CPUs the bf16 precision runs on, when built for them: -march=native),
 * 32 values per instruction (VCVTNE2PS2BF16: round to nearest even, NaN stays NaN; a subnormal
 * input becomes zero, as training's flush-to-zero makes every value anyway): measured 0.007 ms
 * against 0.013 ms for the portable loop on 128 × 784 values in cache. The tail, and other
 * builds, take the portable loop. */
void nn_bf16_round(uint16_t *restrict dst, const float *restrict src, size_t n)
{
    size_t i = 0;
#if defined(__AVX512BF16__) && defined(__AVX512F__)
    for (; i + 32 <= n; i += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
        _mm512_storeu_si512((void *)(dst + i), (__m512i)v);
    }
#endif
    for (; i < n; i++)
        dst[i] = nn_bf16_of(src[i]);
}
