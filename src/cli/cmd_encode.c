/* `nnctl encode` and `nnctl reconstruct`: a checkpoint's network applied to IDX images. */
#include <stdio.h>

#include "cli/cli.h"
#include "nnctl/encode.h"
#include "nnctl/backend.h"
#include "nnctl/checkpoint.h"

static const char *const formats[] = {"idx", "libsvm", NULL}; /* order of enum nn_encode_format */

static int run_encode(const struct nn_args *a, struct nn_error *err)
{
    const char *ckpt = a->pos[0];
    struct nn_encode_opts o = {0};
    o.layer = nn_opt_str(a, "--layer", NULL);
    o.input = nn_opt_str(a, "--input", NULL);
    o.output = nn_opt_str(a, "--output", NULL);
    o.labels = nn_opt_str(a, "--labels", NULL);
    o.format = (int)nn_opt_int(a, "--format", NN_ENCODE_IDX);
    o.batch = (int)nn_opt_int(a, "--batch", 0);
    nn_backend_default()->set_threads((int)nn_opt_int(a, "--threads", 0));
    struct nn_encode_result r;
    int rc = nn_encode(ckpt, &o, &r, err);
    if (rc)
        return rc;
    printf("encoded %d images to %d values each in %.3f s (%.0f images/s): %s\n", r.n, r.width,
           r.seconds, r.seconds > 0 ? r.n / r.seconds : 0, o.output);
    return NN_OK;
}

static int run_reconstruct(const struct nn_args *a, struct nn_error *err)
{
    const char *ckpt = a->pos[0], *out = nn_opt_str(a, "--out", NULL);
    int count = (int)nn_opt_int(a, "--count", 10);
    int rc = nn_reconstruct(ckpt, nn_opt_str(a, "--images", NULL), count,
                            nn_opt_u64(a, "--seed", 0), out, err);
    if (rc)
        return rc;
    printf("wrote %s (%d originals above their reconstructions)\n", out, count);
    return NN_OK;
}

static const struct nn_opt encode_opts[] = {
    NN_CLI_OPT_STR("--input", "IMAGES", NULL, 1),
    NN_CLI_OPT_STR("--output", "OUT", NULL, 1),
    NN_CLI_OPT_STR("--layer", "NAME",
                   "run up to and including this layer (default: the whole network)", 0),
    {.name = "--format",
     .kind = NN_OPT_CHOICE,
     .arg = "idx|libsvm",
     .help = "float32 IDX (N × width, default) or libsvm text (needs --labels)",
     .choices = formats},
    NN_CLI_OPT_STR("--labels", "L.idx", "labels for --format libsvm", 0),
    NN_CLI_OPT_POS_INT("--batch", "rows per forward pass (default 256)"),
    NN_CLI_OPT_THREADS("OpenBLAS threads (default: all cores)"),
};
static const char *const ckpt_pos[] = {"CKPT"};

const struct nn_cmd nn_cmd_encode = {
    .name = "encode",
    .synopsis = "encode CKPT",
    .summary = "write a named layer's activations for every image of an IDX file",
    .usage = "usage: nnctl encode CKPT --input IMAGES.idx[.gz] --output OUT [options]\n",
    .opts = encode_opts,
    .n_opts = NN_CLI_N(encode_opts),
    .pos = ckpt_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run_encode,
};

static const struct nn_opt reconstruct_opts[] = {
    NN_CLI_OPT_OUT("FILE.png", NULL, 1),
    /* nn_reconstruct draws at most 100 images side by side */
    {.name = "--count", .kind = NN_OPT_INT, .arg = "N", .lo = 1, .hi = 100},
    NN_CLI_OPT_SEED(NULL),
    NN_CLI_OPT_STR("--images", "IMAGES.idx", NULL, 0),
};

const struct nn_cmd nn_cmd_reconstruct = {
    .name = "reconstruct",
    .synopsis = "reconstruct CKPT",
    .summary = "PNG of test images (top) and an autoencoder's reconstructions (bottom)",
    .usage =
        "usage: nnctl reconstruct CKPT --out FILE.png [--count 10] [--seed 0] [--images "
        "IMAGES.idx]\n"
        "  Draws --count test images at random without replacement (seeded); the PNG shows the\n"
        "  originals on the top row and the reconstructions below. Images default to the\n"
        "  checkpoint's test set (data section, MNIST_DIR).\n",
    .opts = reconstruct_opts,
    .n_opts = NN_CLI_N(reconstruct_opts),
    .pos = ckpt_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run_reconstruct,
};
