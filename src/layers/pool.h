/* nnctl — the settings of maxpool2d and avgpool2d (their kind is in pool.c), for code that
 * reads them. */
#ifndef NNCTL_LAYERS_POOL_H
#define NNCTL_LAYERS_POOL_H

#include "layers/window.h"
#include "nnctl/layer.h"

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_pool_spec). */
struct nn_pool_spec {
    int pool_size;                        /* the square window's side */
    int stride;                           /* steps between windows; 0: pool_size */
    char padding[NN_WINDOW_PADDING_SIZE]; /* "valid", "same" or a number */
};

#endif
