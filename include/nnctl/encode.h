/* nnctl — running a trained network on images: latent features (encode) and reconstructions. */
#ifndef NNCTL_ENCODE_H
#define NNCTL_ENCODE_H

#include "nnctl/common.h"
#include "nnctl/model.h"

enum nn_encode_format { NN_ENCODE_IDX, NN_ENCODE_LIBSVM };

struct nn_encode_opts {
    const char *layer;  /* name of the last layer to run (e.g. "latent"); NULL: the output */
    const char *input;  /* IDX images (u8, scaled as the checkpoint's data.scale) or f32 */
    const char *output; /* f32 IDX (N × width), or libsvm text */
    int format;         /* enum nn_encode_format */
    const char *labels; /* u8 IDX labels; required for libsvm text */
    int batch;          /* rows per forward pass (default 256) */
};

struct nn_encode_result {
    int n, width;
    double seconds; /* forward passes only, not reading or writing files */
};

/* Loads `ckpt`, runs every image of opts->input through the network up to opts->layer, and writes
 * the activations. A layer name that does not exist is an NN_ERR_USAGE error listing the names
 * that do. The output file is written atomically. */
int nn_encode(const char *ckpt, const struct nn_encode_opts *opts, struct nn_encode_result *res,
              struct nn_error *err);

/* Writes a PNG of `count` images drawn at random without replacement (seeded) from `images`
 * (default: the checkpoint's test set): originals on the top row, reconstructions below. */
int nn_reconstruct(const char *ckpt, const char *images, int count, uint64_t seed,
                   const char *out_png, struct nn_error *err);

#endif
