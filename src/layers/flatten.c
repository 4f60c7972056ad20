/* flatten: (d1, ..., dk) → (d1·…·dk). The data does not move: its output is its input. */
#include "nnctl/layer.h"

static const char *const types[] = {"flatten", NULL};

static int infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len)
{
    (void)s, (void)why, (void)len;
    out->ndim = 1;
    out->dims[0] = (int)nn_shape_size(in);
    return 0;
}

static int has_output(const struct nn_layer *l)
{
    (void)l;
    return 0;
}

const struct nn_layer_ops nn_layer_flatten = {
    .types = types,
    .doc = "flattens its input into one dimension (no copy)",
    .infer = infer,
    .has_output = has_output,
    .backward_in_place = 1,
};
