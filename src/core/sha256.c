/* SHA-256 through Debian's nettle (FIPS 180-4): nnctl keeps only its names for it and the hex. */
#include "nnctl/sha256.h"

void nn_sha256_init(struct nn_sha256_ctx *ctx)
{
    sha256_init(&ctx->n);
}

void nn_sha256_update(struct nn_sha256_ctx *ctx, const void *data, size_t len)
{
    sha256_update(&ctx->n, len, data);
}

void nn_sha256_final(struct nn_sha256_ctx *ctx, uint8_t out[NN_SHA256_DIGEST_LEN])
{
    sha256_digest(&ctx->n, NN_SHA256_DIGEST_LEN, out);
}

void nn_sha256(const void *data, size_t len, uint8_t out[NN_SHA256_DIGEST_LEN])
{
    struct nn_sha256_ctx ctx;
    nn_sha256_init(&ctx);
    nn_sha256_update(&ctx, data, len);
    nn_sha256_final(&ctx, out);
}

void nn_sha256_hex(const uint8_t d[NN_SHA256_DIGEST_LEN], char out[NN_SHA256_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < NN_SHA256_DIGEST_LEN; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[NN_SHA256_HEX_LEN] = 0;
}
