#include "data/textfile.h"

#include <stdlib.h>
#include <zlib.h>

/* The whole file, decompressed when it is gzip (zlib reads plain files through too). */
int nn_text_read(const char *path, char **out, size_t *len, struct nn_error *err)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            gzclose(g);
            return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
        }
        if (n == cap) {
            if (cap >= NN_MAX_DATA_BYTES) {
                free(buf);
                gzclose(g);
                return nn_error_set(err, NN_ERR_FORMAT, "%s: larger than %zu MiB", path,
                                    NN_MAX_DATA_BYTES >> 20);
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                free(buf);
            buf = nb;
            continue;
        }
        int r = gzread(g, buf + n, (unsigned)(cap - n > (1u << 30) ? (1u << 30) : cap - n));
        if (r < 0) {
            int e;
            const char *m = gzerror(g, &e);
            free(buf);
            gzclose(g);
            return nn_error_set(err, NN_ERR_FORMAT, "%s: corrupt gzip data (zlib: %s)", path, m);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    buf[n] = 0;
    *out = buf;
    *len = n;
    return NN_OK;
}
