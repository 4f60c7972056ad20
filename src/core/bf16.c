#include "nnctl/bf16.h"

void nn_bf16_round(uint16_t *restrict dst, const float *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = nn_bf16_of(src[i]);
}
