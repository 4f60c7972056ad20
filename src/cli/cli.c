/* The command dispatcher: parse, run, and the one place that prints errors and exit codes. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void nn_cli_print_usage(const struct nn_cmd *cmd, FILE *f)
{
    fputs(cmd->usage, f);
    nn_opt_help(cmd->opts, cmd->n_opts, f);
}

static int usage_error(const struct nn_cmd *cmd, const char *msg)
{
    fprintf(stderr, "nnctl: error: %s\n", msg);
    nn_cli_print_usage(cmd, stderr);
    return 2;
}

/* A command with subcommands: argv[0] names one. */
static int dispatch_sub(const struct nn_cmd *cmd, const char *path, int argc, char **argv)
{
    char names[256] = "", msg[NN_MSG_MAX];
    size_t l = 0;
    for (int s = 0; s < cmd->n_subs && l < sizeof names; s++)
        l += (size_t)snprintf(names + l, sizeof names - l, "%s%s",
                              !s                    ? ""
                              : s + 1 < cmd->n_subs ? ", "
                                                    : " or ",
                              cmd->subs[s]->name);
    if (argc < 1 || !argv || !argv[0]) {
        snprintf(msg, sizeof msg, "missing subcommand (%s)", names);
        return usage_error(cmd, msg);
    }
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        nn_cli_print_usage(cmd, stdout);
        return 0;
    }
    for (int s = 0; s < cmd->n_subs; s++)
        if (!strcmp(argv[0], cmd->subs[s]->name)) {
            char sub[128];
            snprintf(sub, sizeof sub, "%s %s", path, argv[0]);
            return nn_cli_dispatch(cmd->subs[s], sub, argc - 1, argv + 1);
        }
    snprintf(msg, sizeof msg, "unknown %s subcommand '%.200s' (expected %s)", path, argv[0], names);
    return usage_error(cmd, msg);
}

int nn_cli_dispatch(const struct nn_cmd *cmd, const char *path, int argc, char **argv)
{
    if (cmd->n_subs)
        return dispatch_sub(cmd, path, argc, argv);
    struct nn_args a;
    struct nn_error err = {0};
    if (nn_opt_parse(cmd->opts, cmd->n_opts, cmd->pos, cmd->n_pos, cmd->n_pos_required, argc, argv,
                     &a, &err))
        return usage_error(cmd, err.msg);
    if (a.help) {
        nn_cli_print_usage(cmd, stdout);
        return 0;
    }
    int rc = cmd->run(&a, &err);
    if (rc == NN_CLI_BAD_USAGE)
        return usage_error(cmd, err.msg);
    if (rc && err.msg[0])
        fprintf(stderr, "nnctl: error: %s\n", err.msg);
    return nn_exit_code(rc);
}

int nn_cli_usage(struct nn_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = NN_CLI_BAD_USAGE;
    return NN_CLI_BAD_USAGE;
}

void nn_cli_warn(const char *msg)
{
    fprintf(stderr, "nnctl: warning: %s\n", msg);
}

int nn_cli_load_config(const char *path, const struct nn_args *a, struct nn_config *cfg,
                       struct nn_error *err)
{
    return nn_cli_load_config_extra(path, a, NULL, cfg, err);
}

int nn_cli_load_config_extra(const char *path, const struct nn_args *a, const char *extra,
                             struct nn_config *cfg, struct nn_error *err)
{
    int n_sets = 0;
    const char *const *given = nn_opt_list(a, "--set", &n_sets);
    const char *sets[NN_CLI_MAX_SETS + 1];
    for (int i = 0; i < n_sets && i < NN_CLI_MAX_SETS; i++)
        sets[i] = given[i];
    if (extra)
        sets[n_sets++] = extra; /* after the --set arguments: an option wins over them */
    err->msg[0] = 0;
    struct nn_diags *d = calloc(1, sizeof *d);
    if (!d) {
        /* nn_config_free() needs a config it can free */
        memset(cfg, 0, sizeof *cfg);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    int rc = nn_config_load(path, NULL, sets, n_sets, cfg, d);
    if (rc) {
        nn_diags_print(d, stderr);
        nn_config_free(cfg);
        err->msg[0] = 0;
    }
    free(d);
    return rc;
}
