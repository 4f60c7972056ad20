/* nnctl — weights in NumPy's .npy format, so other frameworks can start from nnctl's weights. */
#ifndef NNCTL_EXPORT_H
#define NNCTL_EXPORT_H

#include "nnctl/common.h"
#include "nnctl/model.h"

/* Writes DIR/<tensor>.npy for every parameter tensor (float32 '<f4', dense weights in (in, out)
 * layout as Keras stores kernels; PyTorch's Linear wants the transpose) and DIR/manifest.json
 * describing the layers and files. Each file is written atomically. */
int nn_export_npy(const struct nn_model *m, const char *dir, struct nn_error *err);

/* Reads a .npy file (version 1.0) of at most 4 dimensions in C order: float32, or float64, uint8,
 * int32 or int64 converted to float32. On success *data is a malloc'd array of *count floats and
 * dims[0..*ndim) holds the shape. */
int nn_npy_read(const char *path, float **data, size_t *count, int *ndim, int dims[4],
                struct nn_error *err);

#endif
