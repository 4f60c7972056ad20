/* nnctl — a confusion matrix drawn as a heatmap PNG, in the colours of scikit-learn's
 * ConfusionMatrixDisplay, with the built-in font of png.h (so it renders the same everywhere). */
#ifndef NNCTL_HEATMAP_H
#define NNCTL_HEATMAP_H

#include "nnctl/common.h"

/* Size of the heatmap nn_confusion_write_png() draws for k classes and this title. */
void nn_confusion_png_size(int k, const char *title, int *w, int *h);

/* Writes the k*k confusion matrix (rows = true, k in 1..256) as a heatmap PNG (atomically):
 * counts in the cells, class labels on both axes ("true" down the left, "predicted" along the
 * bottom; `labels` names them, NULL means 0..k-1) and `title` on top. Counts are left out of cells
 * too small to hold them. */
int nn_confusion_write_png(const char *path, const long *cm, int k, const int *labels,
                           const char *title, struct nn_error *err);

#endif
