/* nnctl — locating the MNIST files and checking their integrity (`nnctl data check`). */
#ifndef NNCTL_MNIST_H
#define NNCTL_MNIST_H

#include <stddef.h>
#include <stdio.h>

#include "nnctl/common.h"
#include "nnctl/spec.h"

/* Standard base names of the four files (without .gz). */
#define NN_MNIST_TRAIN_IMAGES "train-images-idx3-ubyte"
#define NN_MNIST_TRAIN_LABELS "train-labels-idx1-ubyte"
#define NN_MNIST_TEST_IMAGES  "t10k-images-idx3-ubyte"
#define NN_MNIST_TEST_LABELS  "t10k-labels-idx1-ubyte"

/* Finds `base` or `base.gz` in `dir` (raw first, since it reads faster) and writes the path to
 * out[n]. A NULL or empty dir means getenv("MNIST_DIR"). Errors: NN_ERR_CONFIG when no directory
 * is known (the message says to set MNIST_DIR or data.dir, or to run scripts/fetch-mnist.sh);
 * NN_ERR_IO when neither file exists (the message lists both paths tried). */
int nn_mnist_path(const char *dir, const char *base, char *out, size_t n, struct nn_error *err);

/* Integrity report for the four MNIST files in `dir` (NULL: $MNIST_DIR): per file the path, the
 * decompressed size and SHA-256 against the published values, shapes, label histograms, and
 * whether any test image duplicates a training image (plus duplicates within train). Writes text
 * to report_txt (if not NULL) and JSON to json_path (if not NULL; written to a .tmp file and then
 * renamed). Returns NN_OK if every check passes; otherwise the full report is still written and
 * the code is that of the first failure (NN_ERR_FORMAT for a mismatch, NN_ERR_IO for a missing or
 * unreadable file), with a message that names the failed check. */
int nn_mnist_check(const char *dir, FILE *report_txt, const char *json_path, struct nn_error *err);

/* What the idx data source (src/data/source_idx.c) keeps of a data spec, for commands that read
 * images themselves (reconstruct, encode): the factor of its u8 pixels (1/255 for data of another
 * source), and the path of its test images (resolved as training resolves it). */
double nn_idx_scale(const struct nn_data_spec *d);
int nn_idx_test_images(const struct nn_data_spec *d, char *out, size_t len, struct nn_error *err);

#endif
