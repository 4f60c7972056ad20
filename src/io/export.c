/* .npy export (format version 1.0): magic "\x93NUMPY", version 1.0, a u16 header length, an
 * ASCII dict header padded with spaces so the data starts on a 64-byte boundary, then the raw
 * little-endian values in C order. */
#include "nnctl/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"

static int write_npy(const char *path, const nn_real *v, const struct nn_tensor *t,
                     struct nn_error *err)
{
    char header[256];
    int hl;
    if (t->shape.ndim == 1)
        hl = snprintf(header, sizeof header,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }", t->shape.dims[0]);
    else
        hl = snprintf(header, sizeof header,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", t->shape.dims[0],
                      t->shape.dims[1]);
    /* 10 bytes of preamble + header + '\n' must be a multiple of 64 */
    int total = 10 + hl + 1;
    int pad = (64 - total % 64) % 64;
    memset(header + hl, ' ', (size_t)pad);
    hl += pad;
    header[hl++] = '\n';
    size_t len = 10 + (size_t)hl + t->count * 4;
    unsigned char *buf = malloc(len);
    if (!buf)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hl & 0xff);
    buf[9] = (unsigned char)(hl >> 8);
    memcpy(buf + 10, header, (size_t)hl);
    float *f = (float *)(void *)(buf + 10 + hl); /* 64-byte aligned offset within malloc'd memory */
    for (size_t i = 0; i < t->count; i++)
        f[i] = (float)v[i];
    int rc = nn_write_file_atomic(path, buf, len, err);
    free(buf);
    return rc;
}

int nn_export_npy(const struct nn_model *m, const char *dir, struct nn_error *err)
{
    int rc = nn_mkdir_p(dir, err);
    if (rc)
        return rc;
    char path[NN_PATH_MAX + 128];
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *t = &m->tensors[i];
        snprintf(path, sizeof path, "%s/%s.npy", dir, t->name);
        rc = write_npy(path, m->params + t->offset, t, err);
        if (rc)
            return rc;
    }
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    if (!f)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    fprintf(f, "{\n  \"format\": \"nnctl npy export 1\",\n  \"dtype\": \"float32\",\n");
    fprintf(f, "  \"weight_layout\": \"(in, out): y = x @ W + b\",\n  \"layers\": [\n");
    for (int i = 0; i < m->n_layers; i++) {
        const struct nn_layer *l = &m->layers[i];
        fprintf(f, "    {\"name\": \"%s\", \"type\": \"%s\"", l->spec.name,
                nn_layer_type_name(&l->spec));
        if (l->spec.kind == NN_LAYER_DENSE)
            fprintf(f, ", \"units\": %d, \"in\": %d, \"activation\": \"%s\"", l->out_size,
                    l->in_size, nn_act_name(l->spec.act));
        fprintf(f, "}%s\n", i + 1 < m->n_layers ? "," : "");
    }
    fprintf(f, "  ],\n  \"tensors\": [\n");
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *t = &m->tensors[i];
        fprintf(f, "    {\"name\": \"%s\", \"file\": \"%s.npy\", \"shape\": [%d", t->name, t->name,
                t->shape.dims[0]);
        if (t->shape.ndim == 2)
            fprintf(f, ", %d", t->shape.dims[1]);
        fprintf(f, "]}%s\n", i + 1 < m->n_tensors ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    if (fclose(f) != 0) {
        free(json);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    rc = nn_write_file_atomic(path, json, len, err);
    free(json);
    return rc;
}

int nn_npy_read(const char *path, float **data, size_t *count, int *ndim, int dims[4],
                struct nn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, (size_t)1 << 30, &buf, &len, err);
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
    if (!strstr(header, "'descr': '<f4'") || !strstr(header, "'fortran_order': False")) {
        nn_error_set(err, rc, "%s: field 'descr': expected little-endian float32 in C order", path);
        goto done;
    }
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
        n *= (size_t)d;
        sp = end;
        while (*sp == ',' || *sp == ' ')
            sp++;
    }
    if (len - 10 - hl != n * 4) {
        nn_error_set(err, rc, "%s: field 'data': %zu bytes for %zu floats", path, len - 10 - hl, n);
        goto done;
    }
    *data = malloc(n * 4 + 1);
    if (!*data) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    memcpy(*data, buf + 10 + hl, n * 4);
    *count = n;
    rc = NN_OK;
done:
    free(buf);
    return rc;
}
