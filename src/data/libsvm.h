/* nnctl — a reader for the sparse text format of libsvm and scikit-learn: one sample per line,
 * "LABEL INDEX:VALUE INDEX:VALUE ...", indices 1-based and ascending, absent entries zero;
 * blank lines and '#' comments are skipped; optionally gzipped. */
#ifndef NNCTL_DATA_LIBSVM_H
#define NNCTL_DATA_LIBSVM_H

#include <stddef.h>

#include "nnctl/common.h"

struct nn_libsvm {
    int rows;
    int max_index; /* the largest feature index seen (1-based) */
    double *label; /* rows labels */
    int *line;     /* the file line of each row, for messages */
    size_t *start; /* rows + 1 offsets into idx/val */
    int *idx;      /* 1-based feature indices */
    double *val;
};

/* Reads `path`. A label or value that is not a finite number, an index that is not a positive
 * integer or not above the one before it, an entry without ':', or a file without samples is
 * NN_ERR_FORMAT naming the file, line and column. */
int nn_libsvm_read(const char *path, struct nn_libsvm *t, struct nn_error *err);
void nn_libsvm_free(struct nn_libsvm *t);

#endif
