/* nnctl — IDX files (the MNIST container format): reading, writing, checking pairs.
 *
 * An IDX file is a big-endian header — magic 0x0000TTNN (TT = element type, NN = number of
 * dimensions), then NN 32-bit dimension sizes — followed by the elements in row-major order.
 * Files may be gzip-compressed; compression is recognised by content, not by the file name. */
#ifndef NNCTL_IDX_H
#define NNCTL_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/sha256.h"

enum nn_idx_type { NN_IDX_U8 = 0x08, NN_IDX_F32 = 0x0D };

#define NN_IDX_MAX_DIMS 4

/* Data cap used when nn_idx_read() is given max_bytes == 0: 1 GiB, twenty times MNIST's largest. */
#define NN_IDX_DEFAULT_MAX_BYTES NN_MAX_DATA_BYTES

struct nn_idx {
    enum nn_idx_type type;
    int ndim; /* 1..4 */
    uint32_t dims[4];
    size_t count; /* product of dims */
    void *data;   /* uint8_t[count] or float[count] in host byte order; owned, malloc'd */
};

/* Reads a raw or gzip-compressed IDX file. The data size (count * element size) must not exceed
 * max_bytes (0 means NN_IDX_DEFAULT_MAX_BYTES), and the (decompressed) length must match the
 * header exactly. On failure `out` is left empty (data NULL) and the code is NN_ERR_IO (cannot
 * open or read), NN_ERR_FORMAT (malformed content or corrupt gzip) or NN_ERR_NOMEM. */
int nn_idx_read(const char *path, size_t max_bytes, struct nn_idx *out, struct nn_error *err);

/* As nn_idx_read(), and also reports the size and SHA-256 of the whole decompressed stream
 * (header + data, as stored) so that callers can verify files against published digests without
 * reading them twice. `sha256` and `stream_bytes` may be NULL. */
int nn_idx_read_ex(const char *path, size_t max_bytes, struct nn_idx *out,
                   uint8_t sha256[NN_SHA256_DIGEST_LEN], uint64_t *stream_bytes,
                   struct nn_error *err);

/* Frees the data and resets *idx to empty; safe on an already freed or zeroed struct. */
void nn_idx_free(struct nn_idx *idx);

/* Writes a big-endian IDX file; `data` holds the product of dims elements in host byte order.
 * If path ends in ".gz" the file is gzip-compressed. Writes to "<path>.tmp", fsyncs, then renames,
 * so a failure never leaves a half-written file at `path`. */
int nn_idx_write(const char *path, enum nn_idx_type type, int ndim, const uint32_t *dims,
                 const void *data, struct nn_error *err);

/* Checks that an images file (u8, 3 dims) and a labels file (u8, 1 dim) agree: equal counts, and
 * every label < n_classes (1..256). Errors name both files and the field. NN_ERR_FORMAT. */
int nn_idx_check_pair(const char *img_path, const struct nn_idx *img, const char *lbl_path,
                      const struct nn_idx *lbl, int n_classes, struct nn_error *err);

#endif
