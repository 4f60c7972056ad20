#include "nnctl/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *nn_alloc_aligned(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    if (bytes > SIZE_MAX - (NN_ALIGN - 1))
        return NULL;
    size_t rounded = (bytes + NN_ALIGN - 1) / NN_ALIGN * NN_ALIGN;
    void *p = aligned_alloc(NN_ALIGN, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

void *nn_alloc_aligned_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return nn_alloc_aligned(n * size);
}
