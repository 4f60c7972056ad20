#include "train/history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"
#include "nnctl/strbuf.h"

/* ",value", or "," alone for NaN */
static void field(struct nn_sb *b, const char *fmt, double v)
{
    nn_sb_putc(b, ',');
    if (!isnan(v))
        nn_sb_printf(b, fmt, v);
}

int nn_history_write(const char *path, const struct nn_history_row *h, int n, struct nn_error *err)
{
    struct nn_sb b = {0};
    nn_sb_reserve(&b, 160 + (size_t)n * 192); /* one allocation, whatever the epoch count */
    nn_sb_puts(&b, "epoch,train_loss,test_loss,seconds,samples_per_second,lr,val_loss,"
                   "val_accuracy,grad_norm_mean,grad_norm_max,test_accuracy\n");
    for (int i = 0; i < n; i++) {
        nn_sb_printf(&b, "%d,%.9g", i + 1, h[i].train_loss);
        field(&b, "%.9g", h[i].test_loss);
        nn_sb_printf(&b, ",%.6f,%.1f", h[i].seconds, h[i].samples_per_second);
        field(&b, "%.9g", h[i].lr);
        field(&b, "%.9g", h[i].val_loss);
        field(&b, "%.9g", h[i].val_accuracy);
        field(&b, "%.9g", h[i].grad_norm_mean);
        field(&b, "%.9g", h[i].grad_norm_max);
        field(&b, "%.9g", h[i].test_accuracy);
        nn_sb_putc(&b, '\n');
    }
    return nn_sb_write_file(&b, path, err);
}

/* The fields of one line, split at commas; empty fields are NaN. Returns their count. */
static int split(char *line, double *v, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        char *end;
        v[n] = *p ? strtod(p, &end) : NAN;
        if (*p && *end)
            return -1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

int nn_history_read(const char *path, struct nn_history_row *h, int want, struct nn_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, NN_MAX_TEXT_BYTES, &text, &len, err);
    if (rc)
        return rc;
    int got = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && got < want;
         line = strtok_r(NULL, "\n", &save)) {
        double v[11];
        int n = split(line, v, 11);
        /* the five or ten columns of earlier versions, or all eleven */
        if ((n != 5 && n != 10 && n != 11) || isnan(v[0]))
            continue;
        if (v[0] != got + 1)
            break;
        struct nn_history_row *r = &h[got++];
        *r = (struct nn_history_row){v[1], v[2], v[3], v[4], NAN, NAN, NAN, NAN, NAN, NAN};
        if (n == 11)
            r->test_accuracy = v[10];
        if (n >= 10) {
            r->lr = v[5];
            r->val_loss = v[6];
            r->val_accuracy = v[7];
            r->grad_norm_mean = v[8];
            r->grad_norm_max = v[9];
        }
    }
    free(text);
    if (got != want)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'epoch': the checkpoint is at epoch %d but the history has "
                            "%d consecutive rows",
                            path, want, got);
    return NN_OK;
}
