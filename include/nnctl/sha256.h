/* nnctl — SHA-256 (FIPS 180-4), used to verify data files against their published digests.
 *
 * The digest is nettle's (Debian's nettle-dev, linked with -lnettle); these names keep the call
 * sites (the IDX reader's streaming hash, fetch verification) independent of it. */
#ifndef NNCTL_SHA256_H
#define NNCTL_SHA256_H

#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#define NN_SHA256_DIGEST_LEN 32
#define NN_SHA256_HEX_LEN    64 /* without the terminating NUL */

/* Incremental state; treat as opaque. */
struct nn_sha256_ctx {
    struct sha256_ctx n;
};

void nn_sha256_init(struct nn_sha256_ctx *ctx);
void nn_sha256_update(struct nn_sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest and leaves ctx unusable until the next nn_sha256_init(). */
void nn_sha256_final(struct nn_sha256_ctx *ctx, uint8_t out[NN_SHA256_DIGEST_LEN]);

/* One-shot digest of `len` bytes. */
void nn_sha256(const void *data, size_t len, uint8_t out[NN_SHA256_DIGEST_LEN]);

/* Lower-case hex of a digest, NUL-terminated (out needs 65 bytes). */
void nn_sha256_hex(const uint8_t d[NN_SHA256_DIGEST_LEN], char out[NN_SHA256_HEX_LEN + 1]);

#endif
