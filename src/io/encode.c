/* encode and reconstruct: a checkpoint's network applied to an IDX file of images. */
#include "nnctl/encode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/clock.h"
#include "nnctl/fsutil.h"
#include "nnctl/idx.h"
#include "nnctl/mnist.h"
#include "nnctl/normalize.h"
#include "nnctl/png.h"
#include "nnctl/train.h"

#define ENCODE_MAX_BYTES NN_MAX_DATA_BYTES

/* Copies rows [start, start+B) of an IDX image array into x as reals. */
static void rows_to_real(const struct nn_idx *img, size_t per, double scale, size_t start, int B,
                         nn_real *x)
{
    size_t n = (size_t)B * per;
    if (img->type == NN_IDX_U8) {
        const uint8_t *s = (const uint8_t *)img->data + start * per;
        for (size_t i = 0; i < n; i++)
            x[i] = (nn_real)(s[i] * scale);
    } else {
        const float *s = (const float *)img->data + start * per;
        for (size_t i = 0; i < n; i++)
            x[i] = (nn_real)s[i];
    }
}

static int load_images(const char *path, const struct nn_model *m, struct nn_idx *img, size_t *per,
                       struct nn_error *err)
{
    int rc = nn_idx_read(path, ENCODE_MAX_BYTES, img, err);
    if (rc)
        return rc;
    *per = img->count / img->dims[0];
    if (img->ndim < 2 || *per != (size_t)m->in_size) {
        size_t got = img->ndim < 2 ? 1 : *per;
        nn_idx_free(img);
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims': %zu values per sample, the checkpoint's model takes "
                            "%d",
                            path, got, m->in_size);
    }
    if (img->type == NN_IDX_F32) {
        const float *f = img->data;
        for (size_t i = 0; i < img->count; i++)
            if (!isfinite(f[i])) {
                double bad = (double)f[i];
                nn_idx_free(img);
                return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'data': value %zu is %g", path,
                                    i, bad);
            }
    }
    return NN_OK;
}

static int find_layer(const struct nn_model *m, const char *name, int *idx, struct nn_error *err)
{
    if (!name) {
        *idx = m->n_layers - 1;
        return NN_OK;
    }
    *idx = nn_model_find_layer(m, name);
    if (*idx >= 0)
        return NN_OK;
    char names[512] = "";
    for (int i = 0; i < m->n_layers; i++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", m->layers[i].spec.name);
    }
    return nn_error_set(err, NN_ERR_USAGE, "no layer named '%s'; the layers are: %s", name, names);
}

int nn_encode(const char *ckpt, const struct nn_encode_opts *o, struct nn_encode_result *res,
              struct nn_error *err)
{
    memset(res, 0, sizeof *res);
    int batch = o->batch > 0 ? o->batch : 256;
    struct nn_config cfg;
    struct nn_model m;
    int rc = nn_checkpoint_load(ckpt, batch, &cfg, &m, NULL, err);
    if (rc)
        return rc;
    struct nn_idx img = {0}, lbl = {0};
    float *feat = NULL;
    nn_real *x = NULL;
    char *text = NULL;
    int upto;
    size_t per = 0;
    rc = find_layer(&m, o->layer, &upto, err);
    if (!rc)
        rc = load_images(o->input, &m, &img, &per, err);
    if (!rc && o->format == NN_ENCODE_LIBSVM) {
        if (!o->labels)
            rc = nn_error_set(err, NN_ERR_USAGE, "--format libsvm needs --labels");
        else if (!(rc = nn_idx_read(o->labels, ENCODE_MAX_BYTES, &lbl, err)) &&
                 (lbl.type != NN_IDX_U8 || lbl.ndim != 1 || lbl.dims[0] != img.dims[0]))
            rc = nn_error_set(err, NN_ERR_FORMAT,
                              "%s: field 'dims': expected %u u8 labels to match %s", o->labels,
                              img.dims[0], o->input);
    }
    if (rc)
        goto done;
    const size_t n = img.dims[0];
    const int w = m.layers[upto].out_size;
    feat = malloc(n * (size_t)w * sizeof *feat);
    x = malloc((size_t)batch * per * sizeof *x);
    if (!feat || !x) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory for %zu × %d features", n, w);
        goto done;
    }
    double t0 = nn_now_seconds();
    for (size_t s = 0; s < n; s += (size_t)batch) {
        int B = n - s < (size_t)batch ? (int)(n - s) : batch;
        rows_to_real(&img, per, nn_idx_scale(&cfg.data), s, B, x);
        if (cfg.data.feature_offset.n == m.in_size) /* the training data's normalisation */
            nn_normalize_rows(x, (size_t)B, &cfg.data.feature_offset, &cfg.data.feature_scale);
        const nn_real *out = nn_model_infer(&m, x, B, upto);
        for (size_t i = 0; i < (size_t)B * (size_t)w; i++)
            feat[s * (size_t)w + i] = (float)out[i];
    }
    res->seconds = nn_now_seconds() - t0;
    res->n = (int)n;
    res->width = w;
    if (o->format == NN_ENCODE_LIBSVM) {
        /* libsvm's text format: "label 1:v1 2:v2 ..." with 1-based feature indices */
        size_t cap = n * ((size_t)w * 24 + 8) + 1, len = 0;
        text = malloc(cap);
        if (!text) {
            rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            len += (size_t)snprintf(text + len, cap - len, "%u", ((const uint8_t *)lbl.data)[i]);
            for (int j = 0; j < w; j++)
                len += (size_t)snprintf(text + len, cap - len, " %d:%.9g", j + 1,
                                        (double)feat[i * (size_t)w + (size_t)j]);
            len += (size_t)snprintf(text + len, cap - len, "\n");
        }
        rc = nn_write_file_atomic(o->output, text, len, err);
    } else {
        uint32_t dims[2] = {(uint32_t)n, (uint32_t)w};
        rc = nn_idx_write(o->output, NN_IDX_F32, 2, dims, feat, err);
    }
done:
    free(text);
    free(feat);
    free(x);
    nn_idx_free(&img);
    nn_idx_free(&lbl);
    nn_model_free(&m);
    nn_config_free(&cfg);
    return rc;
}

static uint8_t to_pixel(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (uint8_t)lrint(v * 255.0);
}

int nn_reconstruct(const char *ckpt, const char *images, int count, uint64_t seed,
                   const char *out_png, struct nn_error *err)
{
    if (count < 1 || count > 100)
        return nn_error_set(err, NN_ERR_USAGE, "--count must be from 1 to 100, found %d", count);
    struct nn_config cfg;
    struct nn_model m;
    int rc = nn_checkpoint_load(ckpt, count, &cfg, &m, NULL, err);
    if (rc)
        return rc;
    struct nn_idx img = {0};
    nn_real *x = NULL;
    uint8_t *pix = NULL;
    uint32_t *pick = NULL;
    char path[NN_PATH_MAX];
    size_t per = 0;
    if (m.out_size != m.in_size || m.in_shape.ndim != 2) {
        rc = nn_error_set(err, NN_ERR_USAGE,
                          "%s: reconstruct needs an autoencoder of 2-d images (input and output of "
                          "the same size)",
                          ckpt);
        goto done;
    }
    if (!images) {
        if ((rc = nn_idx_test_images(&cfg.data, path, sizeof path, err)))
            goto done;
        images = path;
    }
    if ((rc = load_images(images, &m, &img, &per, err)))
        goto done;
    const size_t n = img.dims[0];
    if ((size_t)count > n) {
        rc = nn_error_set(err, NN_ERR_USAGE, "%s holds %zu images, fewer than --count %d", images,
                          n, count);
        goto done;
    }
    /* Choose `count` distinct images: a partial Fisher–Yates shuffle of all indices. */
    pick = malloc(n * sizeof *pick);
    x = malloc((size_t)count * per * sizeof *x);
    const int H = m.in_shape.dims[0], W = m.in_shape.dims[1], S = 3, GAP = 4;
    const int pw = count * (W * S + GAP) + GAP, ph = 2 * (H * S + GAP) + GAP;
    pix = malloc((size_t)pw * (size_t)ph);
    if (!pick || !x || !pix) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct nn_rng rng;
    nn_rng_seed(&rng, seed, 3);
    for (size_t i = 0; i < n; i++)
        pick[i] = (uint32_t)i;
    for (int i = 0; i < count; i++) {
        size_t j = (size_t)i + (size_t)nn_rng_below(&rng, n - (size_t)i);
        uint32_t t = pick[i];
        pick[i] = pick[j];
        pick[j] = t;
    }
    for (int i = 0; i < count; i++)
        rows_to_real(&img, per, nn_idx_scale(&cfg.data), pick[i], 1, x + (size_t)i * per);
    if (cfg.data.feature_offset.n == m.in_size)
        nn_normalize_rows(x, (size_t)count, &cfg.data.feature_offset, &cfg.data.feature_scale);
    const nn_real *out = nn_model_infer(&m, x, count, -1);
    memset(pix, 40, (size_t)pw * (size_t)ph); /* dark grey frame between the digits */
    for (int i = 0; i < count; i++) {
        for (int row = 0; row < 2; row++) {
            const nn_real *src = (row == 0 ? x : out) + (size_t)i * per;
            int ox = GAP + i * (W * S + GAP), oy = GAP + row * (H * S + GAP);
            for (int yy = 0; yy < H * S; yy++)
                for (int xx = 0; xx < W * S; xx++)
                    pix[(size_t)(oy + yy) * (size_t)pw + (size_t)(ox + xx)] =
                        to_pixel((double)src[(yy / S) * W + xx / S]);
        }
    }
    rc = nn_png_write_gray(out_png, pw, ph, pix, err);
done:
    free(pick);
    free(x);
    free(pix);
    nn_idx_free(&img);
    nn_model_free(&m);
    nn_config_free(&cfg);
    return rc;
}
