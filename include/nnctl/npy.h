/* nnctl — NumPy's .npy arrays, read (export.h writes them). */
#ifndef NNCTL_NPY_H
#define NNCTL_NPY_H

#include <stddef.h>

#include "nnctl/common.h"

/* Reads a .npy file (version 1.0) of at most 4 dimensions in C order: float32, or float64, uint8,
 * int32 or int64 converted to float32. On success *data is a malloc'd array of *count floats and
 * dims[0..*ndim) holds the shape. */
int nn_npy_read(const char *path, float **data, size_t *count, int *ndim, int dims[4],
                struct nn_error *err);

#endif
