/* Fuzz target: the libsvm model path nnctl accepts (our line-by-line check, then libsvm). */
#include "fuzz_common.h"
#include "nnctl/svm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_file(data, size, &fd);
    if (!path)
        return 0;
    struct nn_svm *m = NULL;
    struct nn_error err;
    if (nn_svm_load(path, &m, &err) == NN_OK)
        nn_svm_free(m);
    close(fd);
    return 0;
}
