/* nnctl — the dense layer's settings (its kind is in dense.c), for code that reads them. */
#ifndef NNCTL_LAYERS_DENSE_H
#define NNCTL_LAYERS_DENSE_H

#include "nnctl/layer.h"

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_dense_spec). */
struct nn_dense_spec {
    int units;                   /* outputs per sample */
    enum nn_act act;             /* applied to X·W + b */
    enum nn_init w_init, b_init; /* how W and b are drawn */
};

#endif
