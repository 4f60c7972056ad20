/* nnctl — weights in NumPy's .npy format, so other frameworks can start from nnctl's weights
 * (npy.h reads .npy files). */
#ifndef NNCTL_EXPORT_H
#define NNCTL_EXPORT_H

#include "nnctl/common.h"
#include "nnctl/model.h"

/* Writes DIR/<tensor>.npy for every parameter tensor (float32 '<f4', dense weights in (in, out)
 * layout as Keras stores kernels; PyTorch's Linear wants the transpose) and DIR/manifest.json
 * describing the layers and files. Each file is written atomically. */
int nn_export_npy(const struct nn_model *m, const char *dir, struct nn_error *err);

#endif
