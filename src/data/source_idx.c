/* The IDX data source: MNIST's file format (raw or gzip), images with labels or as their own
 * targets. File names without '/' are looked up in data.dir (default $MNIST_DIR). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nnctl/idx.h"
#include "nnctl/mnist.h"
#include "nnctl/source.h"

/* An IDX file larger than this is refused before allocation (MNIST's largest is 47 MB). */
#define NN_IDX_MAX_BYTES NN_MAX_DATA_BYTES

struct idx_spec {
    char *dir; /* NULL: $MNIST_DIR */
    char *train_images, *train_labels, *test_images, *test_labels;
    int train_limit, test_limit; /* only the first N samples; 0 = all */
    double scale;                /* u8 pixels are multiplied by this (1/255) */
};

#define SPEC(d) NN_SOURCE_SPEC(const struct idx_spec, (d)->spec)
#define TEXT(p) ((p) ? (p) : "")

static int resolve(const struct idx_spec *s, const char *name, char *out, size_t len,
                   struct nn_error *err)
{
    if (strchr(name, '/')) {
        snprintf(out, len, "%s", name);
        return NN_OK;
    }
    return nn_mnist_path(s->dir, name, out, len, err);
}

double nn_idx_scale(const struct nn_data_spec *d)
{
    return nn_data_source(d) == &nn_source_idx ? SPEC(d)->scale : 1.0 / 255;
}

int nn_idx_test_images(const struct nn_data_spec *d, char *out, size_t len, struct nn_error *err)
{
    if (nn_data_source(d) != &nn_source_idx)
        return resolve(&(struct idx_spec){0}, NN_MNIST_TEST_IMAGES, out, len, err);
    return resolve(SPEC(d), TEXT(SPEC(d)->test_images), out, len, err);
}

static int load(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                struct nn_dataset *ds, struct nn_error *err)
{
    const struct idx_spec *s = SPEC(d);
    const char *img_name = TEXT(test ? s->test_images : s->train_images);
    const char *lbl_name = TEXT(test ? s->test_labels : s->train_labels);
    char img_path[NN_PATH_MAX];
    if (test && !img_name[0])
        return NN_OK; /* no test split */
    int rc = resolve(s, img_name, img_path, sizeof img_path, err);
    if (rc)
        return rc;
    struct nn_idx img = {0}, lbl = {0};
    rc = nn_idx_read(img_path, NN_IDX_MAX_BYTES, &img, err);
    if (rc)
        return rc;
    if (img.type != NN_IDX_U8 || img.ndim < 2) {
        nn_idx_free(&img);
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'type': expected unsigned-byte images with at least 2 "
                            "dimensions",
                            img_path);
    }
    size_t per = img.count / img.dims[0];
    long in_size = 1;
    for (int k = 0; k < cfg->in_shape.ndim; k++)
        in_size *= cfg->in_shape.dims[k];
    if ((long)per != in_size) {
        nn_idx_free(&img);
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims': images hold %zu values each, model.input_shape "
                            "holds %ld",
                            img_path, per, in_size);
    }
    if (d->target == NN_TARGET_ONEHOT) {
        char lbl_path[NN_PATH_MAX];
        rc = resolve(s, lbl_name, lbl_path, sizeof lbl_path, err);
        if (!rc)
            rc = nn_idx_read(lbl_path, NN_IDX_MAX_BYTES, &lbl, err);
        if (!rc)
            rc = nn_idx_check_pair(img_path, &img, lbl_path, &lbl, d->classes, err);
        if (rc) {
            nn_idx_free(&img);
            nn_idx_free(&lbl);
            return rc;
        }
    }
    int limit = test ? s->test_limit : s->train_limit;
    ds->n = (int)img.dims[0];
    if (limit > 0 && limit < ds->n)
        ds->n = limit;
    snprintf(ds->name, sizeof ds->name, "%s", img_path);
    ds->x_dim = (int)per;
    ds->xu8 = img.data;
    ds->owned[0] = img.data;
    ds->scale = (nn_real)s->scale;
    ds->target = d->target;
    if (d->target == NN_TARGET_ONEHOT) {
        ds->labels = lbl.data;
        ds->owned[1] = lbl.data;
        ds->y_dim = d->classes;
    } else {
        ds->y_dim = ds->x_dim;
    }
    return NN_OK;
}

static void check(const struct nn_data_spec *d, long in_size, long out_size,
                  const struct nn_source_report *r)
{
    (void)in_size, (void)out_size;
    if (d->normalize != NN_NORMALIZE_NONE)
        nn_source_report(r, "normalize",
                         "'data.normalize': idx data is u8 pixels, scaled by data.scale; "
                         "normalisation takes npy, csv or libsvm data");
}

static int check_target(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    if (*(const int *)field == NN_TARGET_Y) {
        snprintf(why, len,
                 "'y' is for inline data; idx data takes 'input' (autoencoder) or 'labels' "
                 "(classifier)");
        return -1;
    }
    return 0;
}

#define S struct idx_spec
/* clang-format off */
static const struct nn_key keys[] = {
    NN_SOURCE_KEY(PATH, "dir", S, dir, .size = NN_PATH_MAX, .def = "",
        .doc = "where the files are; empty: $MNIST_DIR"),
    NN_SOURCE_KEY(PATH, "train_images", S, train_images, .size = NN_PATH_MAX,
        .def = NN_MNIST_TRAIN_IMAGES,
        .doc = "a name without '/' is looked up in dir as NAME or NAME.gz"),
    NN_SOURCE_KEY(PATH, "train_labels", S, train_labels, .size = NN_PATH_MAX,
        .def = NN_MNIST_TRAIN_LABELS,
        .doc = "read for target: labels"),
    NN_SOURCE_KEY(PATH, "test_images", S, test_images, .size = NN_PATH_MAX,
        .def = NN_MNIST_TEST_IMAGES,
        .doc = "the test split; empty: none"),
    NN_SOURCE_KEY(PATH, "test_labels", S, test_labels, .size = NN_PATH_MAX,
        .def = NN_MNIST_TEST_LABELS,
        .doc = "read for target: labels"),
    NN_SOURCE_DATA_KEY(ENUM, "target", target,
        .names = nn_target_names, .what = "target", .def = "input", .check = check_target,
        .doc = "input: reconstruct the input (autoencoder); labels: one-hot classes (y is for "
               "inline data)"),
    NN_SOURCE_DATA_KEY(INT, "classes", classes, .lo = 2, .hi = 65536, .def = "10",
        .doc = "width of the one-hot targets for target: labels"),
    NN_SOURCE_KEY(INT, "train_limit", S, train_limit, .lo = 0, .hi = INT32_MAX, .def = "0",
        .doc = "use only the first N training samples; 0 = all"),
    NN_SOURCE_KEY(INT, "test_limit", S, test_limit, .lo = 0, .hi = INT32_MAX, .def = "0",
        .doc = "use only the first N test samples; 0 = all"),
    NN_SOURCE_KEY(REAL, "scale", S, scale,
        .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "0.00392156862745098",
        .doc = "u8 pixels are multiplied by this (1/255)"),
};
/* clang-format on */

static const char *const test_keys[] = {"test_images", "test_labels", NULL};

const struct nn_source_ops nn_source_idx = {
    .name = "idx",
    .doc = "MNIST's IDX files (raw or .gz): u8 images, with labels or as their own targets",
    .keys = keys,
    .n_keys = sizeof keys / sizeof keys[0],
    .test_keys = test_keys,
    .check = check,
    .load = load,
};
