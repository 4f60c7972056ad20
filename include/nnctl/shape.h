/* nnctl — tensor shapes of up to NN_MAX_DIMS dimensions, as stored, exported and printed. */
#ifndef NNCTL_SHAPE_H
#define NNCTL_SHAPE_H

#include <stddef.h>

#define NN_MAX_DIMS 4

struct nn_shape {
    int ndim; /* 0 (not set) to NN_MAX_DIMS */
    int dims[NN_MAX_DIMS];
};

/* The product of the dimensions (1 for ndim 0). This function can't fail. */
long nn_shape_size(const struct nn_shape *s);
/* "[28, 28]" into buf (truncated to len). Returns buf. */
char *nn_shape_format(const struct nn_shape *s, char *buf, size_t len);
/* A shape from n dimensions. */
struct nn_shape nn_shape_make(int ndim, const int *dims);
int nn_shape_equal(const struct nn_shape *a, const struct nn_shape *b);

#endif
