/* `nnctl train CONFIG`: train, write the run directory, print the summary. */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nnctl/train.h"

static int run_train(const struct nn_args *a, struct nn_error *err)
{
    const char *path = a->pos[0], *out = nn_opt_str(a, "--out", NULL);
    struct nn_train_opts opts = {0};
    opts.threads = (int)nn_opt_int(a, "--threads", 0);
    opts.log_every = (int)nn_opt_int(a, "--log-every", 0);
    opts.batch_losses = nn_opt_str(a, "--batch-losses", NULL);
    opts.resume = nn_opt_given(a, "--resume") > 0;
    opts.quiet = nn_opt_given(a, "--quiet") > 0;
    struct nn_config cfg;
    char precision[64] = "";
    if (nn_opt_given(a, "--precision"))
        snprintf(precision, sizeof precision, "training.precision=%s",
                 nn_opt_str(a, "--precision", ""));
    int rc = nn_cli_load_config_extra(path, a, precision[0] ? precision : NULL, &cfg, err);
    if (rc)
        return rc;
    char def_out[NN_PATH_MAX + 8];
    if (!out) {
        /* runs/<config file name without its extension> */
        char base[NN_PATH_MAX];
        snprintf(base, sizeof base, "%s", path);
        char *b = basename(base), *dot = strrchr(b, '.');
        if (dot && dot != b)
            *dot = 0;
        snprintf(def_out, sizeof def_out, "runs/%s", b);
        out = def_out;
    }
    opts.out_dir = out;
    opts.log = stdout;
    struct nn_train_result res;
    rc = nn_train(&cfg, &opts, &res, err);
    nn_config_free(&cfg);
    if (rc)
        return rc;
    if (!opts.quiet) {
        printf("trained %d epochs in %.3f s; final loss %.6f", res.epochs, res.train_seconds,
               res.final_train_loss);
        if (!isnan(res.train_accuracy))
            printf(", accuracy %.4f", res.train_accuracy);
        if (!isnan(res.final_test_loss))
            printf("; test loss %.6f", res.final_test_loss);
        if (!isnan(res.test_accuracy))
            printf(", test accuracy %.4f", res.test_accuracy);
        printf("\nwrote %s/model.ckpt, %s/metrics.json, %s/history.csv\n", out, out, out);
    }
    return NN_OK;
}

static const struct nn_opt train_opts[] = {
    NN_CLI_OPT_OUT(
        "DIR", "write model.ckpt, metrics.json, history.csv here (default runs/<config name>)", 0),
    NN_CLI_OPT_SET("override a config value, e.g. --set optimizer.learning_rate=0.1\n"
                   "(repeatable; validated exactly like the file)"),
    NN_CLI_OPT_THREADS("threads for each training step (default: all cores); each\n"
                       "thread takes rows of the batch and a share of the update"),
    NN_CLI_OPT_FLAG("--resume", "continue from DIR/model.ckpt if it exists"),
    NN_CLI_OPT_STR("--precision", "P",
                   "float32 or bfloat16 (bf16 GEMMs on AMX or AVX512-BF16), the same as\n"
                   "--set training.precision=P",
                   0),
    NN_CLI_OPT_POS_INT("--log-every", "print a progress line every N epochs (default 1)"),
    NN_CLI_OPT_FLAG("--quiet", "no progress lines"),
    NN_CLI_OPT_STR("--batch-losses", "F",
                   "write the loss of every batch of the first epoch to F, one per line", 0),
};
static const char *const train_pos[] = {"CONFIG"};

const struct nn_cmd nn_cmd_train = {
    .name = "train",
    .synopsis = "train CONFIG",
    .summary = "train the network a YAML file declares",
    .usage = "usage: nnctl train CONFIG [options]\n",
    .opts = train_opts,
    .n_opts = NN_CLI_N(train_opts),
    .pos = train_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run_train,
};
