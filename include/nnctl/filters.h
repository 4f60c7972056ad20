/* nnctl — a picture of a convolution's filters: one tile per filter, each scaled to its own
 * range, so that people can look at what the first layer learned. */
#ifndef NNCTL_FILTERS_H
#define NNCTL_FILTERS_H

#include "nnctl/common.h"
#include "nnctl/model.h"

/* The index of layer `name` (NULL: the first conv2d layer) if it is a conv2d layer; otherwise -1
 * with a message in err naming the checkpoint's conv2d layers. */
int nn_filters_layer(const struct nn_model *m, const char *name, struct nn_error *err);

/* Writes the filters of conv2d layer `layer` as an RGB PNG: a grid of K×K tiles (each weight a
 * block of `zoom` pixels), gray for one input channel, colour for three, the mean over channels
 * otherwise; every tile mapped from its own minimum (black) to maximum (white), with a title. */
int nn_filters_png(const struct nn_model *m, int layer, int zoom, const char *path,
                   struct nn_error *err);

#endif
