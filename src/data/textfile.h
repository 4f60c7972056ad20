/* nnctl — a whole text file in memory, gunzipped when it is gzip; shared by the text readers
 * (csv, libsvm). */
#ifndef NNCTL_DATA_TEXTFILE_H
#define NNCTL_DATA_TEXTFILE_H

#include <stddef.h>

#include "nnctl/common.h"

/* Reads `path` whole (at most NN_MAX_DATA_BYTES) into a NUL-terminated buffer the caller frees. */
int nn_text_read(const char *path, char **out, size_t *len, struct nn_error *err);

#endif
