#include "data/csv.h"
#include "data/textfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The quoted field that starts at text[*i] (its opening quote), unescaped into store[*o..] ("" is
 * one quote; newlines inside count as lines): *i ends after the closing quote. -1 when the file
 * ends first. */
static int quoted_field(const char *text, size_t len, size_t *i, char *store, size_t *o, int *line,
                        size_t *line_start)
{
    size_t k = *i + 1;
    for (;;) {
        if (k >= len)
            return -1;
        if (text[k] == '"') {
            if (k + 1 < len && text[k + 1] == '"') {
                store[(*o)++] = '"';
                k += 2;
                continue;
            }
            *i = k + 1;
            return 0;
        }
        if (text[k] == '\n') {
            (*line)++;
            *line_start = k + 1;
        }
        store[(*o)++] = text[k++];
    }
}

int nn_csv_read(const char *path, char delim, int header, struct nn_csv *t, struct nn_error *err)
{
    memset(t, 0, sizeof *t);
    char *text = NULL;
    size_t len = 0;
    int rc = nn_text_read(path, &text, &len, err);
    if (rc)
        return rc;
    /* fields are unescaped in place into `store` (never longer than the text) */
    t->store = malloc(len + 1);
    size_t cap_f = 1024, nf = 0, cap_r = 256, nr = 0;
    char **fields = malloc(cap_f * sizeof *fields);
    int *lines = malloc(cap_r * sizeof *lines);
    if (!t->store || !fields || !lines) {
        free(text), free(fields), free(lines), free(t->store);
        t->store = NULL;
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t i = 0, o = 0, line_start = 0;
    int line = 1, cols = -1, in_row = 0, row_fields = 0, row_line = 1;
    while (i < len || in_row) {
        if (!in_row) {
            /* skip blank lines between rows */
            if (text[i] == '\n' || (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) {
                i += text[i] == '\r' ? 2 : 1;
                line++;
                line_start = i;
                continue;
            }
            in_row = 1;
            row_fields = 0;
            row_line = line;
            if (nr == cap_r) {
                cap_r *= 2;
                int *nl = realloc(lines, cap_r * sizeof *lines);
                if (!nl)
                    goto nomem;
                lines = nl;
            }
            lines[nr] = line;
        }
        /* one field */
        const size_t col = i - line_start + 1;
        char *f = t->store + o;
        if (i < len && text[i] == '"') {
            if (quoted_field(text, len, &i, t->store, &o, &line, &line_start)) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d:%zu: a quoted field is not closed before the end of "
                                  "the file",
                                  path, row_line, col);
                goto fail;
            }
            if (i < len && text[i] != delim && text[i] != '\n' && text[i] != '\r') {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d: text after the closing quote of field %d", path, line,
                                  row_fields + 1);
                goto fail;
            }
        } else {
            while (i < len && text[i] != delim && text[i] != '\n' && text[i] != '\r')
                t->store[o++] = text[i++];
        }
        t->store[o++] = 0;
        if (nf == cap_f) {
            cap_f *= 2;
            char **nfp = realloc(fields, cap_f * sizeof *fields);
            if (!nfp)
                goto nomem;
            fields = nfp;
        }
        fields[nf++] = f;
        row_fields++;
        if (i < len && text[i] == delim) {
            i++;
            continue;
        }
        /* the row ends */
        if (i < len && text[i] == '\r')
            i++;
        if (i < len && text[i] == '\n')
            i++;
        line++;
        line_start = i;
        in_row = 0;
        if (cols < 0)
            cols = row_fields;
        else if (row_fields != cols) {
            rc = nn_error_set(err, NN_ERR_FORMAT, "%s:%d: %d fields, the first row has %d", path,
                              row_line, row_fields, cols);
            goto fail;
        }
        nr++;
    }
    free(text);
    text = NULL;
    if (cols < 0 || (int)nr - (header ? 1 : 0) <= 0) {
        rc = nn_error_set(err, NN_ERR_FORMAT, "%s: no data rows", path);
        goto fail;
    }
    t->cols = cols;
    t->rows = (int)nr - (header ? 1 : 0);
    t->header = header ? fields : NULL;
    t->field = fields + (header ? cols : 0);
    t->line = lines + (header ? 1 : 0);
    t->base_fields = fields;
    t->base_lines = lines;
    return NN_OK;
nomem:
    rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
fail:
    free(text);
    free(fields);
    free(lines);
    free(t->store);
    memset(t, 0, sizeof *t);
    return rc;
}

void nn_csv_free(struct nn_csv *t)
{
    free(t->base_fields);
    free(t->base_lines);
    free(t->store);
    memset(t, 0, sizeof *t);
}
