#include "nnctl/shape.h"

#include <stdio.h>
#include <string.h>

long nn_shape_size(const struct nn_shape *s)
{
    long n = 1;
    for (int k = 0; k < s->ndim; k++)
        n *= s->dims[k];
    return n;
}

char *nn_shape_format(const struct nn_shape *s, char *buf, size_t len)
{
    size_t l = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < s->ndim && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%d", i ? ", " : "", s->dims[i]);
    if (l < len)
        snprintf(buf + l, len - l, "]");
    return buf;
}

struct nn_shape nn_shape_make(int ndim, const int *dims)
{
    struct nn_shape s = {0};
    s.ndim = ndim < 0 ? 0 : ndim > NN_MAX_DIMS ? NN_MAX_DIMS : ndim;
    for (int k = 0; k < s.ndim; k++)
        s.dims[k] = dims[k];
    return s;
}

int nn_shape_equal(const struct nn_shape *a, const struct nn_shape *b)
{
    return a->ndim == b->ndim && !memcmp(a->dims, b->dims, sizeof(int) * (size_t)a->ndim);
}
