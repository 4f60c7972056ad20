/* The sliding window of conv2d and pooling (window.h). */
#include "layers/window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD_SAME (-1)

int nn_window_padding(const char *word, int *n, char *why, size_t len)
{
    if (!strcmp(word, "valid")) {
        *n = 0;
        return 0;
    }
    if (!strcmp(word, "same")) {
        *n = PAD_SAME;
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(word, &end, 10);
    if (word[0] && !*end && !errno && v >= 0 && v <= 4096 && word[0] != '+' && word[0] != '-') {
        *n = (int)v;
        return 0;
    }
    snprintf(why, len, "expected valid, same or a number of rows from 0 to 4096, found '%s'", word);
    return -1;
}

int nn_window_check_padding(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    int n;
    return nn_window_padding(field, &n, why, len);
}

int nn_window_image(const struct nn_shape *in, char *why, size_t len)
{
    if (in->ndim == 2 || in->ndim == 3)
        return 0;
    char sh[64];
    snprintf(why, len,
             "needs an image, [height, width] or [height, width, channels], but receives shape %s",
             nn_shape_format(in, sh, sizeof sh));
    return -1;
}

int nn_window_plan(const struct nn_shape *in, int K, int S, int D, const char *padding,
                   const char *what, struct nn_window *w, char *why, size_t len)
{
    if (nn_window_image(in, why, len))
        return -1;
    if (K < 1 || S < 1 || D < 1) {
        why[0] = 0; /* a key that failed to parse, and said so */
        return -1;
    }
    int pad = 0;
    if (nn_window_padding(padding, &pad, why, len))
        return -1;
    *w = (struct nn_window){.H = in->dims[0],
                            .W = in->dims[1],
                            .C = in->ndim == 3 ? in->dims[2] : 1,
                            .K = K,
                            .S = S,
                            .D = D};
    const long span = (long)(K - 1) * D + 1; /* the dilated kernel's extent */
    if (pad == PAD_SAME) {
        w->OH = (w->H + S - 1) / S;
        w->OW = (w->W + S - 1) / S;
        long th = (long)(w->OH - 1) * S + span - w->H, tw = (long)(w->OW - 1) * S + span - w->W;
        w->pt = th > 0 ? (int)(th / 2) : 0;
        w->pl = tw > 0 ? (int)(tw / 2) : 0;
        return 0;
    }
    w->pt = w->pl = pad;
    const long ph = (long)w->H + 2L * pad, pw = (long)w->W + 2L * pad;
    if (span > ph || span > pw) {
        char sh[64];
        snprintf(why, len,
                 "a %s of %d%s spans %ld, more than its padded input of %ld × %ld (input %s, "
                 "padding %d; shapes are [height, width, channels])",
                 what, K, D > 1 ? " dilated" : "", span, ph, pw, nn_shape_format(in, sh, sizeof sh),
                 pad);
        return -1;
    }
    w->OH = (int)((ph - span) / S + 1);
    w->OW = (int)((pw - span) / S + 1);
    return 0;
}
