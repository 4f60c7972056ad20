/* nnctl — a CSV reader (RFC 4180): fields separated by one delimiter, quoted fields with ""
 * escapes and embedded delimiters or line breaks, CRLF or LF line ends, optionally gzipped. */
#ifndef NNCTL_DATA_CSV_H
#define NNCTL_DATA_CSV_H

#include <stddef.h>

#include "nnctl/common.h"

struct nn_csv {
    int rows, cols;     /* data rows (the header excluded) and fields per row */
    char **field;       /* rows × cols NUL-terminated fields, row-major */
    int *line;          /* the file line each data row starts on (1-based), for messages */
    char **header;      /* cols names, or NULL without a header row */
    char *store;        /* what the fields point into */
    char **base_fields; /* the allocations behind field/header and line */
    int *base_lines;
};

/* Reads `path` (gzip detected by its magic). Every row must have as many fields as the first
 * (header or data); an empty file, a ragged row or an unterminated quote is NN_ERR_FORMAT naming
 * the file, line and column. */
int nn_csv_read(const char *path, char delim, int header, struct nn_csv *t, struct nn_error *err);
void nn_csv_free(struct nn_csv *t);

/* A field as a finite number: the whole field parsed by strtod, no overflow. 0, or -1. */

#endif
