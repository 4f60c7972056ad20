/* nnctl — bfloat16 rounding: the top 16 bits of a float32, rounded to nearest, ties to even. */
#ifndef NNCTL_BF16_H
#define NNCTL_BF16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One value; a NaN stays a (quiet) NaN. Branch-free apart from the NaN select, so loops over it
 * vectorise. */
static inline uint16_t nn_bf16_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

/* dst[i] = nn_bf16_of(src[i]). */
void nn_bf16_round(uint16_t *restrict dst, const float *restrict src, size_t n);

#endif
