#include "data/libsvm.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/textfile.h"
#include "nnctl/number.h"

void nn_libsvm_free(struct nn_libsvm *t)
{
    free(t->label);
    free(t->line);
    free(t->start);
    free(t->idx);
    free(t->val);
    memset(t, 0, sizeof *t);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int nn_libsvm_read(const char *path, struct nn_libsvm *t, struct nn_error *err)
{
    memset(t, 0, sizeof *t);
    char *text = NULL;
    size_t len = 0;
    int rc = nn_text_read(path, &text, &len, err);
    if (rc)
        return rc;
    size_t rcap = 0, lcap = 0, scap = 0, ecap = 0, vcap = 0, ne = 0;
    int lineno = 0;
    const char *p = text, *end = text + len;
    while (!rc && p < end) {
        lineno++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *stop = memchr(p, '#', (size_t)(eol - p));
        if (!stop)
            stop = eol;
        const char *q = p;
        while (q < stop && is_space(*q))
            q++;
        if (q == stop) { /* blank or comment */
            p = eol + 1;
            continue;
        }
        size_t r = (size_t)t->rows;
        if (grow((void **)&t->label, &rcap, r + 1, sizeof *t->label) ||
            grow((void **)&t->line, &lcap, r + 1, sizeof *t->line) ||
            grow((void **)&t->start, &scap, r + 2, sizeof *t->start)) {
            rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        t->line[r] = lineno;
        t->start[r] = ne;
        const char *tok = q;
        while (q < stop && !is_space(*q))
            q++;
        if (nn_number_parse(tok, (size_t)(q - tok), &t->label[r])) {
            rc = nn_error_set(err, NN_ERR_FORMAT, "%s:%d:%d: label '%.*s' is not a finite number",
                              path, lineno, (int)(tok - p) + 1, (int)(q - tok > 40 ? 40 : q - tok),
                              tok);
            break;
        }
        int prev = 0;
        for (;;) {
            while (q < stop && is_space(*q))
                q++;
            if (q == stop)
                break;
            tok = q;
            while (q < stop && !is_space(*q))
                q++;
            const int col = (int)(tok - p) + 1, tl = (int)(q - tok > 40 ? 40 : q - tok);
            const char *colon = memchr(tok, ':', (size_t)(q - tok));
            if (!colon) {
                rc = nn_error_set(err, NN_ERR_FORMAT, "%s:%d:%d: '%.*s' is not INDEX:VALUE", path,
                                  lineno, col, tl, tok);
                break;
            }
            long ix = 0;
            const char *d = tok;
            while (d < colon && *d >= '0' && *d <= '9' && ix <= 100000000)
                ix = ix * 10 + (*d++ - '0');
            if (d != colon || colon == tok || ix < 1 || ix > 100000000) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d:%d: index '%.*s' is not a positive integer", path, lineno,
                                  col, (int)(colon - tok > 40 ? 40 : colon - tok), tok);
                break;
            }
            if (ix <= prev) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d:%d: index %ld after %d: indices must ascend", path, lineno,
                                  col, ix, prev);
                break;
            }
            double v;
            if (nn_number_parse(colon + 1, (size_t)(q - colon - 1), &v)) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d:%d: value '%.*s' is not a finite number", path, lineno,
                                  (int)(colon + 1 - p) + 1,
                                  (int)(q - colon - 1 > 40 ? 40 : q - colon - 1), colon + 1);
                break;
            }
            if (grow((void **)&t->idx, &ecap, ne + 1, sizeof *t->idx) ||
                grow((void **)&t->val, &vcap, ne + 1, sizeof *t->val)) {
                rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            t->idx[ne] = (int)ix;
            t->val[ne++] = v;
            prev = (int)ix;
            if (prev > t->max_index)
                t->max_index = prev;
        }
        t->rows++;
        t->start[t->rows] = ne;
        p = eol + 1;
    }
    free(text);
    if (!rc && t->rows == 0)
        rc = nn_error_set(err, NN_ERR_FORMAT, "%s: no samples", path);
    if (rc)
        nn_libsvm_free(t);
    return rc;
}
