/* `nnctl runs [DIR]`: the runs under DIR (default runs/), or DIR itself when it holds one, with
 * their config, epochs done, losses and state, so that a user sees what is where before resuming
 * or overwriting. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "train/rundir.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_run(const char *dir)
{
    struct nn_rundir_info in;
    nn_rundir_info(dir, &in);
    char holder[128], state[192], done[32], best[24] = "-", last[24] = "-";
    if (nn_rundir_locked(dir, holder, sizeof holder))
        snprintf(state, sizeof state, "running (%s)", holder);
    else if (!strcmp(in.state, "running"))
        snprintf(state, sizeof state, "stopped (killed? resume with --resume)");
    else if (!strcmp(in.state, "interrupted") && in.batch > 0)
        snprintf(state, sizeof state, "interrupted inside epoch %d", in.epochs_done + 1);
    else
        snprintf(state, sizeof state, "%s", in.state[0] ? in.state : "-");
    snprintf(done, sizeof done, "%d/%d%s", in.epochs_done, in.epochs_total,
             in.batch > 0 ? "+" : "");
    if (!isnan(in.best_loss))
        snprintf(best, sizeof best, "%.6g", in.best_loss);
    if (!isnan(in.last_loss))
        snprintf(last, sizeof last, "%.6g", in.last_loss);
    printf("%-28s %-34s %10s %12s %12s  %s\n", dir, in.config[0] ? in.config : "-", done, best,
           last, state);
}

static int run_runs(const struct nn_args *a, struct nn_error *err)
{
    const char *root = a->n_pos > 0 ? a->pos[0] : "runs";
    struct nn_rundir_info in;
    nn_rundir_info(root, &in);
    char holder[128];
    int self = in.has_run || nn_rundir_locked(root, holder, sizeof holder);
    DIR *d = self ? NULL : opendir(root);
    if (!self && !d)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot list: no such directory", root);
    printf("%-28s %-34s %10s %12s %12s  %s\n", "run", "config", "epochs", "best loss", "last loss",
           "state");
    if (self) {
        print_run(root);
        return NN_OK;
    }
    static char *names[4096]; /* at most that many runs listed (static: 32 KiB off the stack) */
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 4096;) {
        if (e->d_name[0] == '.')
            continue;
        char path[NN_PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", root, e->d_name);
        struct stat sb;
        if (stat(path, &sb) || !S_ISDIR(sb.st_mode))
            continue;
        nn_rundir_info(path, &in);
        if (!in.has_run && !nn_rundir_locked(path, holder, sizeof holder))
            continue;
        names[n] = strdup(path);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (int i = 0; i < n; i++) {
        print_run(names[i]);
        free(names[i]);
    }
    if (n == 0)
        printf("(no runs under %s)\n", root);
    return NN_OK;
}

static const char *const runs_pos[] = {"DIR"};

const struct nn_cmd nn_cmd_runs = {
    .name = "runs",
    .synopsis = "runs [DIR]",
    .summary = "the runs under DIR (default runs/): config, epochs, losses, state",
    .usage = "usage: nnctl runs [DIR]\n"
             "  Lists the run directories under DIR (default runs/), or DIR itself when it holds "
             "a run:\n"
             "  config, epochs done of the total (+: stopped inside the next epoch), best and last "
             "training\n"
             "  loss, and state: running (with its pid), finished, interrupted, diverged, or "
             "stopped\n"
             "  (the process ended without saying why, e.g. killed).\n",
    .pos = runs_pos,
    .n_pos = 1,
    .n_pos_required = 0,
    .run = run_runs,
};
