/* Fuzz target: the CSV reader of the csv data source (RFC 4180 quoting, gzip, ragged rows). */
#include "fuzz_common.h"
#include "data/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_file(data, size, &fd);
    if (!path)
        return 0;
    struct nn_csv t;
    struct nn_error err;
    for (int header = 0; header < 2; header++)
        if (nn_csv_read(path, size && data[0] == ';' ? ';' : ',', header, &t, &err) == NN_OK)
            nn_csv_free(&t);
    close(fd);
    return 0;
}
