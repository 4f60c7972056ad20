/* nnctl — command-line entry point: the command table and the top-level usage. Each command is
 * one row here and one file src/cli/cmd_*.c; nn_cli_dispatch() (cli.c) parses its options, runs
 * it, prints its errors and picks the exit code: 0 success, 1 runtime failure, 2 bad usage or
 * config. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nnctl/backend.h"

/* In the order `nnctl --help` lists them. */
static const struct nn_cmd *const commands[] = {
    &nn_cmd_train,  &nn_cmd_check,       &nn_cmd_eval, &nn_cmd_predict,
    &nn_cmd_encode, &nn_cmd_reconstruct, &nn_cmd_svm,  &nn_cmd_data,
    &nn_cmd_export, &nn_cmd_runs,        &nn_cmd_info, &nn_cmd_filters,
};

static void print_usage(FILE *f)
{
    fputs("usage: nnctl <command> [options]\n\ncommands:\n", f);
    for (int i = 0; i < NN_CLI_N(commands); i++)
        fprintf(f, "  %-16s  %s\n", commands[i]->synopsis, commands[i]->summary);
    fputs("\n"
          "  nnctl <command> --help   options of one command\n"
          "  nnctl --version\n",
          f);
}

/* Once per process, on stderr: a slow path a backend could not fix (a reference BLAS, fallback
 * kernels). `info` reports it in its own output instead. */
static void warn_slow_paths(void)
{
    const struct nn_backend *const *all = nn_backend_list();
    for (int i = 0; all[i]; i++) {
        char msg[512];
        if (all[i]->warning && all[i]->warning(msg, sizeof msg))
            fprintf(stderr, "nnctl: warning: %s\n", msg);
    }
}

int main(int argc, char **argv)
{
    /* Before any computation: a backend may re-execute the program once to load better
     * kernels (OpenBLAS on a CPU it does not know; see coretype.h). */
    const struct nn_backend *const *all = nn_backend_list();
    for (int i = 0; all[i]; i++)
        if (all[i]->startup)
            all[i]->startup(argv);
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        print_usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("nnctl %s (%s)\n", NN_VERSION, NN_REAL_NAME);
        return 0;
    }
    for (int i = 0; i < NN_CLI_N(commands); i++)
        if (!strcmp(cmd, commands[i]->name)) {
            if (commands[i] != &nn_cmd_info)
                warn_slow_paths();
            return nn_cli_dispatch(commands[i], cmd, argc - 2, argv + 2);
        }
    fprintf(stderr, "nnctl: error: unknown command '%s'\n", cmd);
    print_usage(stderr);
    return 2;
}
