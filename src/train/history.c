#include "train/history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"
#include "nnctl/strbuf.h"

int nn_history_write(const char *path, const struct nn_history_row *h, int n, struct nn_error *err)
{
    struct nn_sb b = {0};
    nn_sb_reserve(&b, 128 + (size_t)n * 128); /* one allocation, whatever the epoch count */
    nn_sb_puts(&b, "epoch,train_loss,test_loss,seconds,samples_per_second\n");
    for (int i = 0; i < n; i++) {
        char test[40] = "";
        if (!isnan(h[i].test_loss))
            snprintf(test, sizeof test, "%.9g", h[i].test_loss);
        nn_sb_printf(&b, "%d,%.9g,%s,%.6f,%.1f\n", i + 1, h[i].train_loss, test, h[i].seconds,
                     h[i].samples_per_second);
    }
    return nn_sb_write_file(&b, path, err);
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
        int ep;
        double tl, te = NAN, s, sps;
        char tbuf[64];
        if (sscanf(line, "%d,%lf,%63[^,],%lf,%lf", &ep, &tl, tbuf, &s, &sps) == 5) {
            te = strtod(tbuf, NULL);
        } else if (sscanf(line, "%d,%lf,,%lf,%lf", &ep, &tl, &s, &sps) != 4) {
            continue;
        }
        if (ep != got + 1)
            break;
        h[got++] = (struct nn_history_row){tl, te, s, sps};
    }
    free(text);
    if (got != want)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'epoch': the checkpoint is at epoch %d but the history has "
                            "%d consecutive rows",
                            path, want, got);
    return NN_OK;
}
