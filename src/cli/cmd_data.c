/* `nnctl data check`: the MNIST integrity report. */
#include <stdio.h>

#include "cli/cli.h"
#include "nnctl/mnist.h"

static const char *const DATA_USAGE =
    "usage: nnctl data check [--dir DIR] [--json FILE]\n"
    "  Checks the four MNIST files in DIR (default $MNIST_DIR): sizes, SHA-256 of the\n"
    "  decompressed bytes, shapes, label histograms, and test images duplicated in train.\n";

static int run_data_check(const struct nn_args *a, struct nn_error *err)
{
    return nn_mnist_check(nn_opt_str(a, "--dir", NULL), stdout, nn_opt_str(a, "--json", NULL), err);
}

static const struct nn_opt data_check_opts[] = {
    NN_CLI_OPT_STR("--dir", "DIR", NULL, 0),
    NN_CLI_OPT_STR("--json", "FILE", NULL, 0),
};

static const struct nn_cmd data_check = {
    .name = "check",
    .usage = DATA_USAGE,
    .opts = data_check_opts,
    .n_opts = NN_CLI_N(data_check_opts),
    .run = run_data_check,
};

static const struct nn_cmd *const data_subs[] = {&data_check};

const struct nn_cmd nn_cmd_data = {
    .name = "data",
    .synopsis = "data check",
    .summary = "MNIST integrity report: sizes, SHA-256, labels, train/test overlap",
    .usage = DATA_USAGE,
    .subs = data_subs,
    .n_subs = NN_CLI_N(data_subs),
};
