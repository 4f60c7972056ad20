/* nnctl — the one growable string of the code base.
 *
 * Appends never fail visibly: after a failed allocation the builder ignores further appends and
 * nn_sb_finish() reports NN_ERR_NOMEM, so a writer formats a whole document and checks once. */
#ifndef NNCTL_STRBUF_H
#define NNCTL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "nnctl/common.h"

struct nn_sb {
    char *s;    /* NUL-terminated once anything was appended; NULL before */
    size_t len; /* bytes appended, without the NUL */
    size_t cap;
    int failed; /* an allocation failed: later appends are ignored */
};

/* Makes room for `n` bytes in all, so that a writer that knows its size allocates once. Returns
 * NN_OK, or NN_ERR_NOMEM (and the builder is marked failed). */
int nn_sb_reserve(struct nn_sb *b, size_t n);

void nn_sb_printf(struct nn_sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void nn_sb_vprintf(struct nn_sb *b, const char *fmt, va_list ap);
void nn_sb_puts(struct nn_sb *b, const char *s);
void nn_sb_putc(struct nn_sb *b, char c);
/* Appends `n` bytes of `s` (which need not be NUL-terminated). */
void nn_sb_append(struct nn_sb *b, const char *s, size_t n);

/* Hands the text over: on success *out is the malloc'd string (an empty one when nothing was
 * appended) and the builder is empty again. After a failed allocation it frees what it had,
 * sets *out to NULL and returns NN_ERR_NOMEM with "out of memory formatting the <what>". */
int nn_sb_finish(struct nn_sb *b, char **out, const char *what, struct nn_error *err);
/* Finishes the text and writes it to `path` atomically (nn_write_file_atomic: the old file stays
 * until the new one is complete); the builder is empty afterwards, whatever happened. */
int nn_sb_write_file(struct nn_sb *b, const char *path, struct nn_error *err);

/* Drops the text. This function can't fail. */
void nn_sb_free(struct nn_sb *b);

#endif
