/* Fuzz target: the libsvm sparse text reader (labels, INDEX:VALUE pairs, comments, gzip). */
#include "fuzz_common.h"
#include "data/libsvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_file(data, size, &fd);
    if (!path)
        return 0;
    struct nn_libsvm t;
    struct nn_error err;
    if (nn_libsvm_read(path, &t, &err) == NN_OK) {
        /* every entry lies inside the rows, ascending and within max_index */
        for (int r = 0; r < t.rows; r++)
            for (size_t e = t.start[r]; e < t.start[r + 1]; e++)
                if (t.idx[e] < 1 || t.idx[e] > t.max_index ||
                    (e > t.start[r] && t.idx[e] <= t.idx[e - 1]))
                    __builtin_trap();
        nn_libsvm_free(&t);
    }
    close(fd);
    return 0;
}
