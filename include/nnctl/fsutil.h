/* nnctl — files that are never half-written. */
#ifndef NNCTL_FSUTIL_H
#define NNCTL_FSUTIL_H

#include <stddef.h>

#include "nnctl/common.h"

/* A file being written atomically: nn_atomic_open() creates "path.tmp.<pid>" and gives its
 * descriptor; the caller writes through it (or through a dup of it, for stdio or zlib);
 * nn_atomic_commit() fsyncs, closes, renames over `path` and fsyncs the directory;
 * nn_atomic_abort() closes and removes the temporary file. Every writer of nnctl goes through
 * these, so none of them can leave a half-written file under the final name. */
struct nn_atomic {
    char path[4096];
    char tmp[4096 + 32];
    int fd;
};
int nn_atomic_open(struct nn_atomic *a, const char *path, struct nn_error *err);
int nn_atomic_commit(struct nn_atomic *a, struct nn_error *err);
void nn_atomic_abort(struct nn_atomic *a);

/* Writes `len` bytes to `path` through "path.tmp.<pid>": write, fsync, rename over `path`, fsync
 * the directory. A crash at any moment leaves either the old file or the new one, never a mix;
 * on error the temporary file is removed and `path` is untouched. */
int nn_write_file_atomic(const char *path, const void *data, size_t len, struct nn_error *err);

/* Creates a directory and its parents (like mkdir -p); an existing directory is fine. */
int nn_mkdir_p(const char *path, struct nn_error *err);

/* Whether the file name `path` ends with `suffix` (".gz", ".yaml"). */
int nn_path_ends_with(const char *path, const char *suffix);

/* Reads a whole file of at most `max` bytes into a malloc'd buffer (NUL-terminated for text). */
int nn_read_file(const char *path, size_t max, char **data, size_t *len, struct nn_error *err);

#endif
