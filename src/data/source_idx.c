/* The IDX data source: MNIST's file format (raw or gzip), images with labels or as their own
 * targets. File names without '/' are looked up in data.dir (default $MNIST_DIR). */
#include <stdio.h>
#include <string.h>

#include "data/source.h"
#include "nnctl/idx.h"
#include "nnctl/mnist.h"

/* An IDX file larger than this is refused before allocation (MNIST's largest is 47 MB). */
#define NN_IDX_MAX_BYTES NN_MAX_DATA_BYTES

static int resolve(const struct nn_data_spec *d, const char *name, char *out, size_t len,
                   struct nn_error *err)
{
    if (strchr(name, '/')) {
        snprintf(out, len, "%s", name);
        return NN_OK;
    }
    return nn_mnist_path(d->dir[0] ? d->dir : NULL, name, out, len, err);
}

int nn_source_idx_load(const struct nn_config *cfg, int test, struct nn_dataset *ds,
                       struct nn_error *err)
{
    const struct nn_data_spec *d = &cfg->data;
    const char *img_name = test ? d->test_images : d->train_images;
    const char *lbl_name = test ? d->test_labels : d->train_labels;
    char img_path[NN_PATH_MAX];
    if (test && !img_name[0])
        return NN_OK; /* no test split */
    int rc = resolve(d, img_name, img_path, sizeof img_path, err);
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
        rc = resolve(d, lbl_name, lbl_path, sizeof lbl_path, err);
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
    int limit = test ? d->test_limit : d->train_limit;
    ds->n = (int)img.dims[0];
    if (limit > 0 && limit < ds->n)
        ds->n = limit;
    snprintf(ds->name, sizeof ds->name, "%s", img_path);
    ds->x_dim = (int)per;
    ds->xu8 = img.data;
    ds->owned[0] = img.data;
    ds->scale = (nn_real)d->scale;
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
