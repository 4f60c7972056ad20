/* Fuzz target: the .npy reader (the npy data source, predict --input-file, export read-back). */
#include <stdlib.h>

#include "fuzz_common.h"
#include "nnctl/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_file(data, size, &fd);
    if (!path)
        return 0;
    float *v = NULL;
    size_t count;
    int ndim, dims[4];
    struct nn_error err;
    if (nn_npy_read(path, &v, &count, &ndim, dims, &err) == NN_OK)
        free(v);
    close(fd);
    return 0;
}
