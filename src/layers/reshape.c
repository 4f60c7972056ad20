/* reshape: any shape to `shape` with the same number of values. The data does not move. */
#include <stddef.h>
#include <stdio.h>

#include "nnctl/layer.h"

static const char *const types[] = {"reshape", NULL};

/* In struct nn_layer_spec's spec bytes: NN_LAYER_SPEC(s, struct nn_reshape_spec). */
struct nn_reshape_spec {
    struct nn_shape shape; /* the output shape */
};

#define KEY(...) NN_LAYER_KEY(struct nn_reshape_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key keys[] = {
    KEY(SHAPE, "shape", shape,
        .doc = "the output shape, a list like [28, 28]; it holds as many values as the input"),
};
/* clang-format on */

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    const struct nn_shape *shape = &NN_LAYER_SPEC(s, struct nn_reshape_spec)->shape;
    if (shape->ndim == 0) { /* the shape key failed to parse, and said so */
        why[0] = 0;
        return -1;
    }
    long rs = nn_shape_size(shape), size = nn_shape_size(in);
    if (rs != size) {
        char a[64], b[64];
        snprintf(why, len,
                 "reshape to %s (%ld values) does not fit its input shape %s (%ld values)",
                 nn_shape_format(shape, a, sizeof a), rs, nn_shape_format(in, b, sizeof b), size);
        return -1;
    }
    *out = *shape;
    return 0;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 0;
}

const struct nn_layer_ops nn_layer_reshape = {
    .types = types,
    .doc = "gives its input another shape with as many values (no copy)",
    .keys = keys,
    .n_keys = (int)(sizeof keys / sizeof keys[0]),
    .infer = infer,
    .has_output = has_output,
    .backward_in_place = 1,
};
