/* `nnctl filters`: a picture of a convolution layer's filters. */
#include <stdio.h>

#include "cli/cli.h"
#include "nnctl/checkpoint.h"
#include "nnctl/filters.h"
#include "nnctl/model.h"

static int run_filters(const struct nn_args *a, struct nn_error *err)
{
    const char *ckpt = a->pos[0], *out = nn_opt_str(a, "--out", NULL);
    const char *name = nn_opt_str(a, "--layer", NULL);
    const int zoom = (int)nn_opt_int(a, "--zoom", 8);
    struct nn_config cfg;
    struct nn_model m;
    int rc = nn_checkpoint_load(ckpt, 1, &cfg, &m, NULL, err);
    if (rc)
        return rc;
    int layer = nn_filters_layer(&m, name, err);
    if (layer < 0)
        rc = NN_ERR_USAGE;
    if (!rc)
        rc = nn_filters_png(&m, layer, zoom, out, err);
    if (!rc)
        printf("wrote the %d filters of %s to %s\n", m.tensors[m.layers[layer].wt].shape.dims[3],
               m.layers[layer].spec.name, out);
    nn_model_free(&m);
    nn_config_free(&cfg);
    return rc;
}

static const struct nn_opt filters_opts[] = {
    NN_CLI_OPT_OUT("FILE.png", NULL, 1),
    NN_CLI_OPT_STR("--layer", "NAME", "the conv2d layer (default: the first one)", 0),
    {.name = "--zoom",
     .kind = NN_OPT_INT,
     .arg = "N",
     .help = "pixels per weight (default 8)",
     .lo = 1,
     .hi = 64},
};
static const char *const filters_pos[] = {"CKPT"};

const struct nn_cmd nn_cmd_filters = {
    .name = "filters",
    .synopsis = "filters CKPT --out FILE.png",
    .summary = "a picture of a conv2d layer's filters",
    .usage = "usage: nnctl filters CKPT --out FILE.png [--layer NAME] [--zoom N]\n"
             "  Draws each filter of the first conv2d layer (or --layer) as a tile, scaled from "
             "its\n"
             "  own minimum (black) to maximum (white): gray for one input channel, colour for "
             "three.\n",
    .opts = filters_opts,
    .n_opts = NN_CLI_N(filters_opts),
    .pos = filters_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run_filters,
};
