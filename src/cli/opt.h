/* nnctl — the command-line option parser: one table of options per command.
 *
 * Every command accepts `--name VALUE` and `--name=VALUE`, `-h` / `--help`, and positional
 * arguments, and reports the same mistake with the same words (see nn_opt_parse). */
#ifndef NNCTL_CLI_OPT_H
#define NNCTL_CLI_OPT_H

#include <stdio.h>

#include "nnctl/common.h"

#define NN_OPT_MAX       16        /* options per command */
#define NN_OPT_POS_MAX   4         /* positional arguments per command */
#define NN_OPT_ITEMS_MAX 128       /* values of all repeatable options of one command together */
#define NN_OPT_INT_MAX   (1 << 20) /* upper bound of a "positive integer" (threads, batch rows) */

enum nn_opt_kind {
    NN_OPT_FLAG,    /* no value: given or not */
    NN_OPT_STR,     /* any string */
    NN_OPT_INT,     /* an integer in [lo, hi] */
    NN_OPT_U64,     /* a non-negative 64-bit integer (seeds) */
    NN_OPT_POS_NUM, /* a finite number > 0 */
    NN_OPT_CHOICE,  /* one word of `choices`; its value is the word's index */
    NN_OPT_LIST     /* a string, repeatable up to hi times (--set) */
};

/* One option of a command. */
struct nn_opt {
    const char *name; /* "--threads" */
    char alias;       /* 'o' for "-o", or 0 */
    enum nn_opt_kind kind;
    const char *arg;            /* the value's placeholder in the help ("N"); NULL for flags */
    const char *help;           /* its help; lines after the first are indented under it. NULL:
                                 * not listed (the usage text describes it) */
    long long lo, hi;           /* NN_OPT_INT bounds; NN_OPT_LIST: hi is the most values */
    const char *const *choices; /* NN_OPT_CHOICE: the words, NULL-terminated */
    int required;               /* "missing --name" when absent */
};

struct nn_opt_val {
    int n;                /* times given */
    const char *s;        /* the last value as written */
    long long i;          /* NN_OPT_INT, NN_OPT_CHOICE */
    unsigned long long u; /* NN_OPT_U64 */
    double d;             /* NN_OPT_POS_NUM */
    const char **items;   /* NN_OPT_LIST: the n values, in order */
};

/* A parsed command line. Strings point into argv. */
struct nn_args {
    const struct nn_opt *opts;
    int n_opts;
    struct nn_opt_val v[NN_OPT_MAX];
    const char *items[NN_OPT_ITEMS_MAX];
    const char *pos[NN_OPT_POS_MAX];
    int n_pos;
    int help; /* -h or --help was given: nothing else was checked */
};

/* Parses argv[0..argc) against the table `opts` and the positional arguments `pos_names` (n_pos of
 * them, the first n_pos_required of which must be given). Returns NN_OK, with a->help set when -h
 * or --help came before any mistake, or NN_ERR_USAGE with one of these messages in err:
 *   unexpected argument 'ARG'            an unknown option, or one positional argument too many
 *   --name needs a value                 the last argument is an option that takes a value
 *   --name takes no value                "--flag=VALUE"
 *   --name expects WHAT, found 'VALUE'   not a number of the kind, or out of its range
 *   more than N --name arguments         a repeatable option given too often
 *   missing NAME / missing --name        a required positional argument or option is absent
 * Positional arguments come first in that check, then required options in table order. */
int nn_opt_parse(const struct nn_opt *opts, int n_opts, const char *const *pos_names, int n_pos,
                 int n_pos_required, int argc, char **argv, struct nn_args *a,
                 struct nn_error *err);

/* Writes the help lines of the options that have one: "  --name ARG" padded to 21 columns (at
 * least two spaces), then the help; its later lines are indented to the same column. */
void nn_opt_help(const struct nn_opt *opts, int n_opts, FILE *f);

/* Accessors by option name; asking for a name that is not in the table aborts (a programming
 * error). Each returns `def` when the option was not given. */
int nn_opt_given(const struct nn_args *a, const char *name);
const char *nn_opt_str(const struct nn_args *a, const char *name, const char *def);
long long nn_opt_int(const struct nn_args *a, const char *name, long long def);
unsigned long long nn_opt_u64(const struct nn_args *a, const char *name, unsigned long long def);
double nn_opt_num(const struct nn_args *a, const char *name, double def);
/* The values of a repeatable option, in order; *n is their count. */
const char *const *nn_opt_list(const struct nn_args *a, const char *name, int *n);

#endif
