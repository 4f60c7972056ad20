/* nnctl — the sliding window of conv2d and the pooling layers: padding words, output sizes and
 * the refusals of windows that do not fit. Images are [height, width, channels] (channels last);
 * a [height, width] input is one channel. */
#ifndef NNCTL_LAYERS_WINDOW_H
#define NNCTL_LAYERS_WINDOW_H

#include <stddef.h>

#include "nnctl/shape.h"

struct nn_window {
    int H, W, C; /* input */
    int K, S, D; /* kernel (square), stride, dilation */
    int pt, pl;  /* padding above and to the left (below and right: what the output needs) */
    int OH, OW;  /* output */
};

#define NN_WINDOW_PADDING_SIZE 16 /* a padding word's field, NUL included */

/* The padding word: "valid" (none), "same" (the output is ⌈input / stride⌉, the extra row or
 * column of padding below and right, as Keras and TensorFlow do) or a number of rows and columns
 * on every side. Returns 0, or -1 with the reason in `why`. */
int nn_window_padding(const char *word, int *n, char *why, size_t len);

/* The check of a layer's `padding` key (a struct nn_layer_spec at base), for its schema row. */
int nn_window_check_padding(const void *base, const void *field, char *why, size_t len);

/* 0 when `in` is an image ([H, W] or [H, W, C]); otherwise -1 with the message in `why`. */
int nn_window_image(const struct nn_shape *in, char *why, size_t len);

/* The window over `in` ([H, W] or [H, W, C]) for a square kernel K, stride S, dilation D and a
 * padding word already checked; -1 with a message naming `what` ("kernel", "pool") when the input
 * is not an image or the window does not fit. */
int nn_window_plan(const struct nn_shape *in, int K, int S, int D, const char *padding,
                   const char *what, struct nn_window *w, char *why, size_t len);

#endif
