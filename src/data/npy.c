/* Reading NumPy's .npy arrays (see nnctl/npy.h): the npy data source, predict --input-file and the
 * tests' round trips of exported weights. */
#include "nnctl/npy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"

int nn_npy_read(const char *path, float **data, size_t *count, int *ndim, int dims[4],
                struct nn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, NN_MAX_MODEL_BYTES, &buf, &len, err);
    if (rc)
        return rc;
    rc = NN_ERR_FORMAT;
    if (len < 10 || memcmp(buf, "\x93NUMPY\x01\x00", 8)) {
        nn_error_set(err, rc, "%s: field 'magic': not a version 1.0 .npy file", path);
        goto done;
    }
    size_t hl = (unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8;
    if (10 + hl > len) {
        nn_error_set(err, rc, "%s: field 'header_len': %zu runs past the end", path, hl);
        goto done;
    }
    char header[65536];
    memcpy(header, buf + 10, hl);
    header[hl] = 0;
    /* the element types nnctl reads, each converted to float32 (exact for the integer ones
     * below 2^24: labels, u8 pixels) */
    static const struct {
        const char *descr;
        size_t size;
    } types[] = {{"'descr': '<f4'", 4},
                 {"'descr': '<f8'", 8},
                 {"'descr': '|u1'", 1},
                 {"'descr': '<i4'", 4},
                 {"'descr': '<i8'", 8}};
    int type = -1;
    for (int t = 0; t < 5 && type < 0; t++)
        if (strstr(header, types[t].descr))
            type = t;
    if (type < 0 || !strstr(header, "'fortran_order': False")) {
        nn_error_set(err, rc,
                     "%s: field 'descr': expected little-endian float32, float64, uint8, int32 "
                     "or int64 in C order (Fortran order and object arrays are not read)",
                     path);
        goto done;
    }
    const size_t es = types[type].size;
    const char *sp = strstr(header, "'shape': (");
    if (!sp) {
        nn_error_set(err, rc, "%s: field 'shape': missing", path);
        goto done;
    }
    sp += 10;
    *ndim = 0;
    size_t n = 1;
    while (*sp && *sp != ')') {
        char *end;
        long d = strtol(sp, &end, 10);
        if (end == sp || d < 0 || d > (1L << 30) || *ndim == 4) {
            nn_error_set(err, rc, "%s: field 'shape': not a list of up to 4 sizes", path);
            goto done;
        }
        dims[(*ndim)++] = (int)d;
        n = d && n > len / (size_t)d ? len + 1 : n * (size_t)d; /* more than the file: refused */
        sp = end;
        while (*sp == ',' || *sp == ' ')
            sp++;
    }
    if (n > len || len - 10 - hl != n * es) {
        nn_error_set(err, rc, "%s: field 'data': %zu bytes, the header's shape needs %s", path,
                     len - 10 - hl, n > len ? "more than the file holds" : "another size");
        goto done;
    }
    *data = malloc(n * 4 + 1);
    if (!*data) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    const unsigned char *raw = (const unsigned char *)buf + 10 + hl;
    for (size_t i = 0; i < n; i++) {
        switch (type) {
        case 0:
            memcpy(&(*data)[i], raw + i * 4, 4);
            break;
        case 1: {
            double d;
            memcpy(&d, raw + i * 8, 8);
            (*data)[i] = (float)d;
            break;
        }
        case 2:
            (*data)[i] = (float)raw[i];
            break;
        case 3: {
            int32_t v;
            memcpy(&v, raw + i * 4, 4);
            (*data)[i] = (float)v;
            break;
        }
        default: {
            int64_t v;
            memcpy(&v, raw + i * 8, 8);
            (*data)[i] = (float)v;
            break;
        }
        }
    }
    *count = n;
    rc = NN_OK;
done:
    free(buf);
    return rc;
}
