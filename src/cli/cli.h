/* nnctl — the command table and what the commands share: the dispatcher (the only code that
 * prints errors and picks exit codes), the options several commands take, loading a config. */
#ifndef NNCTL_CLI_H
#define NNCTL_CLI_H

#include "cli/opt.h"
#include "nnctl/config.h"

/* A command-line mistake found after parsing (e.g. two options that exclude each other): the
 * dispatcher prints the message and the command's usage, and exits with 2. */
#define NN_CLI_BAD_USAGE (-100)

/* One command (or subcommand): a row of a command table. */
struct nn_cmd {
    const char *name;     /* "train" */
    const char *synopsis; /* its left column in `nnctl --help` ("train CONFIG") */
    const char *summary;  /* its line in `nnctl --help` */
    const char *usage;    /* `nnctl NAME --help`: usage lines and prose; the help lines of `opts`
                           * follow */
    const struct nn_opt *opts;
    int n_opts;
    const char *const *pos; /* names of the positional arguments ("CONFIG") */
    int n_pos, n_pos_required;
    /* Runs the command on parsed arguments. Prints results to stdout; returns NN_OK, or a status
     * with the message in err (an empty message: already reported, as config diagnostics are),
     * or NN_CLI_BAD_USAGE (see nn_cli_usage). */
    int (*run)(const struct nn_args *a, struct nn_error *err);
    /* A command with subcommands (svm train|eval) has no run function: argv[0] picks a row. */
    const struct nn_cmd *const *subs;
    int n_subs;
};

#define NN_CLI_N(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Parses argv for `cmd` (after its name; `path` is how the user spelled it, "svm train"), runs it
 * and prints its errors as "nnctl: error: MESSAGE", followed by the usage for command-line
 * mistakes. Returns the process exit code: 0 success, 1 runtime failure, 2 bad usage or config. */
int nn_cli_dispatch(const struct nn_cmd *cmd, const char *path, int argc, char **argv);
/* Prints a command's full usage: its text, then its options' help lines. */
void nn_cli_print_usage(const struct nn_cmd *cmd, FILE *f);

/* Sets a command-line mistake's message; returns NN_CLI_BAD_USAGE. */
int nn_cli_usage(struct nn_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prints "nnctl: warning: MESSAGE" (the run goes on). */
void nn_cli_warn(const char *msg);

/* Loads a config with its --set overrides, printing every diagnostic (err's message is left
 * empty: nothing more to print). On failure the config is freed. */
int nn_cli_load_config(const char *path, const struct nn_args *a, struct nn_config *cfg,
                       struct nn_error *err);
/* The same with one more "key=value" override after the --set ones (NULL: none), for options
 * that stand for a config key (train --precision). */
int nn_cli_load_config_extra(const char *path, const struct nn_args *a, const char *extra,
                             struct nn_config *cfg, struct nn_error *err);

/* ---- options several commands take: one definition each, the help line per command ---- */
#define NN_CLI_MAX_SETS 64
#define NN_CLI_OPT_SET(help_)                                                                      \
    {                                                                                              \
        .name = "--set", .kind = NN_OPT_LIST, .arg = "KEY=VALUE", .help = help_,                   \
        .hi = NN_CLI_MAX_SETS                                                                      \
    }
#define NN_CLI_OPT_THREADS(help_)                                                                  \
    {                                                                                              \
        .name = "--threads", .kind = NN_OPT_INT, .arg = "N", .help = help_, .lo = 1,               \
        .hi = NN_OPT_INT_MAX                                                                       \
    }
#define NN_CLI_OPT_OUT(arg_, help_, required_)                                                     \
    {                                                                                              \
        .name = "--out", .kind = NN_OPT_STR, .arg = arg_, .help = help_, .required = required_     \
    }
#define NN_CLI_OPT_STR(name_, arg_, help_, required_)                                              \
    {                                                                                              \
        .name = name_, .kind = NN_OPT_STR, .arg = arg_, .help = help_, .required = required_       \
    }
#define NN_CLI_OPT_FLAG(name_, help_)                                                              \
    {                                                                                              \
        .name = name_, .kind = NN_OPT_FLAG, .help = help_                                          \
    }
#define NN_CLI_OPT_POS_INT(name_, help_)                                                           \
    {                                                                                              \
        .name = name_, .kind = NN_OPT_INT, .arg = "N", .help = help_, .lo = 1,                     \
        .hi = NN_OPT_INT_MAX                                                                       \
    }
#define NN_CLI_OPT_SEED(help_)                                                                     \
    {                                                                                              \
        .name = "--seed", .kind = NN_OPT_U64, .arg = "S", .help = help_                            \
    }

/* The commands, one file each (src/cli/cmd_*.c). */
extern const struct nn_cmd nn_cmd_train, nn_cmd_check, nn_cmd_predict, nn_cmd_encode,
    nn_cmd_reconstruct, nn_cmd_eval, nn_cmd_svm, nn_cmd_data, nn_cmd_export, nn_cmd_info,
    nn_cmd_filters, nn_cmd_runs;

#endif
