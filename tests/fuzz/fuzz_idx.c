/* Fuzz target: the IDX reader, raw and gzip (the reader detects gzip by its magic). */
#include "fuzz_common.h"
#include "nnctl/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_file(data, size, &fd);
    if (!path)
        return 0;
    struct nn_idx idx = {0};
    struct nn_error err;
    uint8_t sha[NN_SHA256_DIGEST_LEN];
    uint64_t n;
    /* a small cap: hostile headers must be refused before any large allocation */
    if (nn_idx_read_ex(path, (size_t)1 << 24, &idx, sha, &n, &err) == NN_OK) {
        struct nn_idx lbl = idx;
        (void)nn_idx_check_pair(path, &idx, path, &lbl, 10, &err);
        nn_idx_free(&idx);
    }
    close(fd);
    return 0;
}
