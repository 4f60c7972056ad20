#include "nnctl/strbuf.h"

#include "nnctl/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for `more` bytes and the NUL; returns 0, or -1 (and marks the builder) on failure. */
static int reserve(struct nn_sb *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->s && b->cap - b->len > more)
        return 0;
    size_t need = b->len + more + 1, cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *ns = realloc(b->s, cap);
    if (!ns) {
        b->failed = 1;
        return -1;
    }
    if (!b->s)
        ns[0] = 0;
    b->s = ns;
    b->cap = cap;
    return 0;
}

int nn_sb_reserve(struct nn_sb *b, size_t n)
{
    return reserve(b, n > b->len ? n - b->len : 0) ? NN_ERR_NOMEM : NN_OK;
}

void nn_sb_vprintf(struct nn_sb *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int k = b->failed ? -1 : vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (k < 0) {
        b->failed = 1;
        return;
    }
    if (reserve(b, (size_t)k))
        return;
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)k;
}

void nn_sb_printf(struct nn_sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nn_sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void nn_sb_append(struct nn_sb *b, const char *s, size_t n)
{
    if (reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void nn_sb_puts(struct nn_sb *b, const char *s)
{
    nn_sb_append(b, s, strlen(s));
}

void nn_sb_putc(struct nn_sb *b, char c)
{
    nn_sb_append(b, &c, 1);
}

int nn_sb_finish(struct nn_sb *b, char **out, const char *what, struct nn_error *err)
{
    if (!b->failed && !b->s)
        reserve(b, 0);
    if (b->failed) {
        nn_sb_free(b);
        *out = NULL;
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory formatting the %s", what);
    }
    *out = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return NN_OK;
}

int nn_sb_write_file(struct nn_sb *b, const char *path, struct nn_error *err)
{
    char *text;
    int rc = nn_sb_finish(b, &text, path, err);
    if (rc)
        return rc;
    rc = nn_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

void nn_sb_free(struct nn_sb *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
