/* `nnctl train CONFIG`: train, write the run directory, print the summary. */
#include <libgen.h>
#include <signal.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nnctl/train.h"

/* SIGINT and SIGTERM: the first asks the run to stop after its current step (it writes a
 * checkpoint); a second one ends the process at once, writing nothing. The handler only sets a
 * flag (and _exit is async-signal-safe). */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    if (stop_requested)
        _exit(128 + sig);
    stop_requested = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* runs/<config name>, or the first runs/<config name>-N that holds no run: a new run never lands
 * in an old run's directory unless --out names it. */
static void default_out(const char *path, char *out, size_t len)
{
    char base[NN_PATH_MAX];
    snprintf(base, sizeof base, "%s", path);
    char *b = basename(base), *dot = strrchr(b, '.');
    if (dot && dot != b)
        *dot = 0;
    snprintf(out, len, "runs/%s", b);
    for (int n = 2; n < 10000; n++) {
        char probe[NN_PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/model.ckpt", out);
        int taken = access(probe, F_OK) == 0;
        snprintf(probe, sizeof probe, "%s/metrics.json", out);
        taken |= access(probe, F_OK) == 0;
        if (!taken)
            return;
        snprintf(out, len, "runs/%s-%d", b, n);
    }
}

static int run_train(const struct nn_args *a, struct nn_error *err)
{
    const char *path = a->pos[0], *out = nn_opt_str(a, "--out", NULL);
    struct nn_train_opts opts = {0};
    opts.threads = (int)nn_opt_int(a, "--threads", 0);
    opts.log_every = (int)nn_opt_int(a, "--log-every", 0);
    opts.batch_losses = nn_opt_str(a, "--batch-losses", NULL);
    opts.resume = nn_opt_given(a, "--resume") > 0;
    opts.overwrite = nn_opt_given(a, "--overwrite") > 0;
    if (opts.resume && opts.overwrite)
        return nn_cli_usage(err, "--resume and --overwrite exclude each other");
    opts.quiet = nn_opt_given(a, "--quiet") > 0;
    struct nn_config cfg;
    char precision[64] = "";
    if (nn_opt_given(a, "--precision"))
        snprintf(precision, sizeof precision, "training.precision=%s",
                 nn_opt_str(a, "--precision", ""));
    int rc = nn_cli_load_config_extra(path, a, precision[0] ? precision : NULL, &cfg, err);
    if (rc)
        return rc;
    char def_out[NN_PATH_MAX + 16];
    if (!out) {
        if (opts.resume || opts.overwrite) {
            nn_config_free(&cfg);
            return nn_cli_usage(err, "--resume and --overwrite need --out DIR (the run to "
                                     "continue or replace)");
        }
        default_out(path, def_out, sizeof def_out);
        out = def_out;
    }
    opts.out_dir = out;
    opts.log = stdout;
    opts.stop = &stop_requested;
    catch_stop_signals();
    struct nn_train_result res;
    rc = nn_train(&cfg, &opts, &res, err);
    nn_config_free(&cfg);
    if (rc == NN_ERR_INTERRUPTED || rc == NN_ERR_TERMINATED) {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l,
                 "; continue with: nnctl train %s --out %s --resume", path, out);
    }
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
    NN_CLI_OPT_OUT("DIR",
                   "write model.ckpt, metrics.json, history.csv here (default runs/<config name>,\n"
                   "or runs/<config name>-N when that holds a run already)",
                   0),
    NN_CLI_OPT_SET("override a config value, e.g. --set optimizer.learning_rate=0.1\n"
                   "(repeatable; validated exactly like the file)"),
    NN_CLI_OPT_THREADS("threads for each training step (default: all cores); each\n"
                       "thread takes rows of the batch and a share of the update"),
    NN_CLI_OPT_FLAG("--resume", "continue the run in DIR (from DIR/model.ckpt, inside an epoch\n"
                                "if it stopped there)"),
    NN_CLI_OPT_FLAG("--overwrite", "replace the run DIR holds (its files go once this run's\n"
                                   "first checkpoint is written)"),
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
