/* Diagnostics: every problem of a config, kept in order and printed like a compiler's. */
#include "nnctl/config.h"

#include <stdarg.h>
#include <stdio.h>

void nn_diag_add(struct nn_diags *ds, const char *src, int line, int col, const char *fmt, ...)
{
    if (ds->n >= NN_MAX_DIAGS) {
        ds->dropped++;
        return;
    }
    struct nn_diag *d = &ds->d[ds->n++];
    snprintf(d->src, sizeof d->src, "%s", src ? src : "");
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

void nn_diags_print(const struct nn_diags *ds, FILE *f)
{
    for (int i = 0; i < ds->n; i++) {
        const struct nn_diag *d = &ds->d[i];
        if (d->line > 0)
            fprintf(f, "%s:%d:%d: error: %s\n", d->src, d->line, d->col, d->msg);
        else
            fprintf(f, "%s: error: %s\n", d->src, d->msg);
    }
    if (ds->dropped)
        fprintf(f, "(%d more errors not shown)\n", ds->dropped);
}
