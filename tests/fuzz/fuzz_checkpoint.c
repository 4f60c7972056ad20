/* Fuzz target: the checkpoint loader. Random bytes rarely pass the CRC, so the target also fixes
 * up the CRC of inputs that start with the magic: that sends mutations into the payload parser,
 * the embedded config and the tensor checks. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "nnctl/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size >= 32 && !memcmp(buf, "NNCTLCKP", 8) && (size & 1)) {
        uint64_t payload = size - 32;
        for (int i = 0; i < 8; i++)
            buf[16 + i] = (uint8_t)(payload >> (8 * i));
        uint32_t crc = (uint32_t)crc32(0L, buf + 32, (uInt)payload);
        for (int i = 0; i < 4; i++)
            buf[24 + i] = (uint8_t)(crc >> (8 * i));
    }
    int fd;
    const char *path = fuzz_file(buf, size, &fd);
    free(buf);
    if (!path)
        return 0;
    struct nn_config cfg;
    struct nn_model m;
    struct nn_train_state st;
    struct nn_error err;
    if (nn_checkpoint_load(path, 2, &cfg, &m, &st, &err) == NN_OK) {
        nn_model_free(&m);
        nn_config_free(&cfg);
    }
    close(fd);
    return 0;
}
