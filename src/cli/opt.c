/* The command-line option parser: one table per command, one wording per mistake. */
#include "cli/opt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/number.h"

#define HELP_COLUMN 21

static int is_help(const char *s)
{
    return !strcmp(s, "--help") || !strcmp(s, "-h");
}

/* The option `arg` names: "--name", "--name=VALUE" (*eq set to the value) or "-x". */
static int find_opt(const struct nn_opt *opts, int n, const char *arg, const char **eq)
{
    *eq = NULL;
    if (arg[0] == '-' && arg[1] != '-' && arg[1] && !arg[2]) {
        for (int k = 0; k < n; k++)
            if (opts[k].alias && opts[k].alias == arg[1])
                return k;
        return -1;
    }
    if (strncmp(arg, "--", 2) != 0)
        return -1;
    const char *e = strchr(arg, '=');
    size_t len = e ? (size_t)(e - arg) : strlen(arg);
    for (int k = 0; k < n; k++)
        if (strlen(opts[k].name) == len && !strncmp(opts[k].name, arg, len)) {
            *eq = e ? e + 1 : NULL;
            return k;
        }
    return -1;
}

/* What an option's values must be, for "--name expects WHAT, found 'VALUE'". */
static void describe(const struct nn_opt *o, char *buf, size_t len)
{
    if (o->kind == NN_OPT_CHOICE) {
        size_t l = 0;
        buf[0] = 0;
        for (int c = 0; o->choices[c] && l < len; c++)
            l += (size_t)snprintf(buf + l, len - l, "%s%s",
                                  !c                  ? ""
                                  : o->choices[c + 1] ? ", "
                                                      : " or ",
                                  o->choices[c]);
    } else if (o->kind == NN_OPT_POS_NUM) {
        snprintf(buf, len, "a positive number");
    } else if (o->kind == NN_OPT_U64 || (o->lo == 0 && o->hi == NN_OPT_INT_MAX)) {
        snprintf(buf, len, "a non-negative integer");
    } else if (o->lo == 1 && o->hi == NN_OPT_INT_MAX) {
        snprintf(buf, len, "a positive integer");
    } else {
        snprintf(buf, len, "an integer %lld..%lld", o->lo, o->hi);
    }
}

/* Converts and stores one value; NN_ERR_USAGE when it is not of the option's kind. */
static int store(const struct nn_opt *o, struct nn_opt_val *v, const char *s, struct nn_error *err)
{
    char *end = NULL;
    int bad = 0;
    errno = 0;
    switch (o->kind) {
    case NN_OPT_FLAG:
    case NN_OPT_STR:
        break;
    case NN_OPT_INT: {
        long long x = strtoll(s, &end, 10);
        bad = !*s || *end || errno || x < o->lo || x > o->hi;
        v->i = x;
        break;
    }
    case NN_OPT_U64:
        /* strtoull accepts "-1" as a huge number: a seed is written without a sign */
        v->u = strtoull(s, &end, 10);
        bad = !*s || *end || errno || s[0] == '-';
        break;
    case NN_OPT_POS_NUM:
        bad = nn_number(s, &v->d) || v->d <= 0.0;
        break;
    case NN_OPT_CHOICE:
        bad = 1;
        for (int c = 0; o->choices[c]; c++)
            if (!strcmp(o->choices[c], s)) {
                v->i = c;
                bad = 0;
            }
        break;
    case NN_OPT_LIST:
        if (v->n == (int)o->hi)
            return nn_error_set(err, NN_ERR_USAGE, "more than %lld %s arguments", o->hi, o->name);
        v->items[v->n] = s;
        break;
    }
    if (bad) {
        char what[128];
        describe(o, what, sizeof what);
        return nn_error_set(err, NN_ERR_USAGE, "%s expects %s, found '%s'", o->name, what, s);
    }
    v->s = s;
    v->n++;
    return NN_OK;
}

int nn_opt_parse(const struct nn_opt *opts, int n_opts, const char *const *pos_names, int n_pos,
                 int n_pos_required, int argc, char **argv, struct nn_args *a, struct nn_error *err)
{
    memset(a, 0, sizeof *a);
    if (n_opts > NN_OPT_MAX || n_pos > NN_OPT_POS_MAX)
        abort(); /* a table larger than the parser was built for */
    a->opts = opts;
    a->n_opts = n_opts;
    int used = 0;
    for (int k = 0; k < n_opts; k++)
        if (opts[k].kind == NN_OPT_LIST) {
            if (used + opts[k].hi > NN_OPT_ITEMS_MAX)
                abort();
            a->v[k].items = a->items + used;
            used += (int)opts[k].hi;
        }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *val;
        if (is_help(arg)) {
            a->help = 1;
            return NN_OK;
        }
        int k = find_opt(opts, n_opts, arg, &val);
        if (k < 0) {
            if (arg[0] == '-' || a->n_pos == n_pos)
                return nn_error_set(err, NN_ERR_USAGE, "unexpected argument '%s'", arg);
            a->pos[a->n_pos++] = arg;
            continue;
        }
        const struct nn_opt *o = &opts[k];
        if (o->kind == NN_OPT_FLAG) {
            if (val)
                return nn_error_set(err, NN_ERR_USAGE, "%s takes no value", o->name);
            a->v[k].n++;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc)
                return nn_error_set(err, NN_ERR_USAGE, "%s needs a value", o->name);
            val = argv[++i];
        }
        int rc = store(o, &a->v[k], val, err);
        if (rc)
            return rc;
    }
    if (a->n_pos < n_pos_required)
        return nn_error_set(err, NN_ERR_USAGE, "missing %s", pos_names[a->n_pos]);
    for (int k = 0; k < n_opts; k++)
        if (opts[k].required && !a->v[k].n)
            return nn_error_set(err, NN_ERR_USAGE, "missing %s", opts[k].name);
    return NN_OK;
}

void nn_opt_help(const struct nn_opt *opts, int n_opts, FILE *f)
{
    for (int k = 0; k < n_opts; k++) {
        const struct nn_opt *o = &opts[k];
        if (!o->help)
            continue;
        int w = fprintf(f, "  %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        int pad = w + 2 > HELP_COLUMN ? 2 : HELP_COLUMN - w;
        fprintf(f, "%*s", pad, "");
        for (const char *p = o->help; *p;) {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(f, "%.*s\n", n, p);
            p += n + (nl ? 1 : 0);
            if (*p)
                fprintf(f, "%*s", HELP_COLUMN, "");
        }
    }
}

static int index_of(const struct nn_args *a, const char *name)
{
    for (int k = 0; k < a->n_opts; k++)
        if (!strcmp(a->opts[k].name, name))
            return k;
    abort(); /* asking for an option the command's table does not have */
}

int nn_opt_given(const struct nn_args *a, const char *name)
{
    return a->v[index_of(a, name)].n;
}

const char *nn_opt_str(const struct nn_args *a, const char *name, const char *def)
{
    const struct nn_opt_val *v = &a->v[index_of(a, name)];
    return v->n ? v->s : def;
}

long long nn_opt_int(const struct nn_args *a, const char *name, long long def)
{
    const struct nn_opt_val *v = &a->v[index_of(a, name)];
    return v->n ? v->i : def;
}

unsigned long long nn_opt_u64(const struct nn_args *a, const char *name, unsigned long long def)
{
    const struct nn_opt_val *v = &a->v[index_of(a, name)];
    return v->n ? v->u : def;
}

double nn_opt_num(const struct nn_args *a, const char *name, double def)
{
    const struct nn_opt_val *v = &a->v[index_of(a, name)];
    return v->n ? v->d : def;
}

const char *const *nn_opt_list(const struct nn_args *a, const char *name, int *n)
{
    const struct nn_opt_val *v = &a->v[index_of(a, name)];
    *n = v->n;
    return v->items;
}
