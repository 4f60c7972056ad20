/* nnctl — the one aligned allocator, for arenas, batch buffers and the thread team.
 *
 * 64-byte alignment puts rows whose size is a multiple of 64 bytes (all of the autoencoder's) on a
 * cache line, so AVX-512 loads and stores never straddle two. */
#ifndef NNCTL_MEM_H
#define NNCTL_MEM_H

#include <stddef.h>

#define NN_ALIGN 64

/* `bytes` (0 is treated as 1) rounded up to a multiple of NN_ALIGN, NN_ALIGN-aligned and zeroed;
 * NULL when out of memory or when the size overflows. Release with free(). */
void *nn_alloc_aligned(size_t bytes);
/* The same for `n` elements of `size` bytes each. */
void *nn_alloc_aligned_array(size_t n, size_t size);

#endif
