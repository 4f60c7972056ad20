/* .npy export (format version 1.0): magic "\x93NUMPY", version 1.0, a u16 header length, an
 * ASCII dict header padded with spaces so the data starts on a 64-byte boundary, then the raw
 * little-endian values in C order; tensors of 1 to 4 dimensions. manifest.json describes the
 * layers (through the layer registry) and the files, written with the one JSON writer. */
#include "nnctl/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"
#include "nnctl/json.h"
#include "nnctl/schema.h"
#include "nnctl/layer.h"
#include "nnctl/strbuf.h"

/* The .npy shape tuple of a tensor: "(a,)" for one dimension, "(a, b, ...)" for more. */
static int npy_shape(const struct nn_tensor *t, char *buf, size_t cap)
{
    size_t l = (size_t)snprintf(buf, cap, "(");
    for (int k = 0; k < t->shape.ndim && l < cap; k++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%d", k ? ", " : "", t->shape.dims[k]);
    if (l < cap)
        l += (size_t)snprintf(buf + l, cap - l, t->shape.ndim == 1 ? ",)" : ")");
    return l < cap ? 0 : -1;
}

static int write_npy(const char *path, const nn_real *v, const struct nn_tensor *t,
                     struct nn_error *err)
{
    char shape[128], header[256];
    if (t->shape.ndim < 1 || t->shape.ndim > NN_MAX_DIMS || npy_shape(t, shape, sizeof shape))
        return nn_error_set(err, NN_ERR_RUNTIME,
                            "%s: tensor '%s' has %d dimensions, expected 1..%d", path, t->name,
                            t->shape.ndim, NN_MAX_DIMS);
    int hl = snprintf(header, sizeof header,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
    /* 10 bytes of preamble + header + '\n' must be a multiple of 64; the header and its padding
     * stay well below sizeof header (at most ~110 + 63 bytes). */
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

static void json_shape(struct nn_json *j, const char *key, const struct nn_shape *sh)
{
    nn_json_array(j, key, 1);
    for (int d = 0; d < sh->ndim; d++)
        nn_json_int(j, NULL, sh->dims[d]);
    nn_json_end(j);
}

/* One layer of the manifest: its name, type word, input and output shapes per sample, and every
 * key of its kind with its value (dense: units, activation, initializers; conv2d: filters,
 * kernel_size, stride, padding, dilation, bias, ...), read from the layer table. */
static void manifest_layer(struct nn_json *j, const struct nn_layer *l)
{
    const char *type = nn_layer_type_name(&l->spec);
    nn_json_object(j, NULL, 1);
    nn_json_str(j, "name", l->spec.name);
    nn_json_str(j, "type", type);
    json_shape(j, "in_shape", &l->in_shape);
    json_shape(j, "out_shape", &l->out_shape);
    const struct nn_layer_ops *ops = l->ops;
    for (int i = 0; ops && i < ops->n_keys; i++) {
        const struct nn_key *k = &ops->keys[i];
        if (!nn_key_active(ops->keys, ops->n_keys, k, &l->spec, type))
            continue;
        char buf[64];
        const char *v = nn_key_format(k, &l->spec, buf, sizeof buf);
        switch (k->type) {
        case NN_KEY_INT:
        case NN_KEY_U64:
            nn_json_int(j, k->path, strtoll(v, NULL, 10));
            break;
        case NN_KEY_REAL:
            nn_json_num(j, k->path, strtod(v, NULL));
            break;
        case NN_KEY_BOOL:
            nn_json_bool(j, k->path, !strcmp(v, "true"));
            break;
        case NN_KEY_STRING:
        case NN_KEY_PATH:
        case NN_KEY_ENUM:
        case NN_KEY_SHAPE:
        case NN_KEY_NAMES:
        case NN_KEY_NUMBERS:
        case NN_KEY_MATRIX:
        case NN_KEY_LAYERS:
            nn_json_str(j, k->path, v);
            break;
        }
    }
    nn_json_end(j);
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
    struct nn_sb b = {0};
    struct nn_json j;
    nn_json_init(&j, &b);
    nn_json_object(&j, NULL, 0);
    nn_json_str(&j, "format", "nnctl npy export 1");
    nn_json_str(&j, "dtype", "float32");
    nn_json_str(&j, "weight_layout",
                "dense (in, out): y = x @ W + b; conv2d (kernel_h, kernel_w, in_channels, "
                "filters) over images [height, width, channels] (channels last)");
    nn_json_array(&j, "layers", 0);
    for (int i = 0; i < m->n_layers; i++)
        manifest_layer(&j, &m->layers[i]);
    nn_json_end(&j);
    nn_json_array(&j, "tensors", 0);
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *t = &m->tensors[i];
        char file[sizeof t->name + 8];
        snprintf(file, sizeof file, "%s.npy", t->name);
        nn_json_object(&j, NULL, 1);
        nn_json_str(&j, "name", t->name);
        nn_json_str(&j, "file", file);
        nn_json_array(&j, "shape", 1);
        for (int k = 0; k < t->shape.ndim; k++)
            nn_json_int(&j, NULL, t->shape.dims[k]);
        nn_json_end(&j);
        nn_json_end(&j);
    }
    nn_json_end(&j);
    nn_json_end(&j);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    return nn_sb_write_file(&b, path, err);
}
