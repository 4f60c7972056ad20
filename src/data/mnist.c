/* MNIST file lookup and the integrity check behind `nnctl data check`. */
#include "nnctl/mnist.h"

#include "nnctl/fsutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnctl/idx.h"
#include "nnctl/json.h"
#include "nnctl/sha256.h"

#define MNIST_PATH_MAX     4096
#define MNIST_CLASSES      10
#define MNIST_SIDE         28
#define MNIST_MAX_FAILURES 16

/* Published digests of the decompressed files; they pin the exact dataset every result is
 * reported on. */
struct mnist_known {
    const char *base;
    const char *split; /* "train" or "test" */
    int is_images;
    uint32_t count;
    uint64_t bytes;
    const char *sha256;
};

static const struct mnist_known k_mnist_files[4] = {
    {NN_MNIST_TRAIN_IMAGES, "train", 1, 60000, 47040016u,
     "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
    {NN_MNIST_TRAIN_LABELS, "train", 0, 60000, 60008u,
     "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
    {NN_MNIST_TEST_IMAGES, "test", 1, 10000, 7840016u,
     "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
    {NN_MNIST_TEST_LABELS, "test", 0, 10000, 10008u,
     "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
};

static const uint32_t k_hist_train[MNIST_CLASSES] = {5923, 6742, 5958, 6131, 5842,
                                                     5421, 5918, 6265, 5851, 5949};
static const uint32_t k_hist_test[MNIST_CLASSES] = {980, 1135, 1032, 1010, 982,
                                                    892, 958,  1028, 974,  1009};

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int nn_mnist_path(const char *dir, const char *base, char *out, size_t n, struct nn_error *err)
{
    if (!base || !out || n == 0)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_mnist_path: base and out are required");
    out[0] = '\0';
    if (!dir || !*dir)
        dir = getenv("MNIST_DIR");
    if (!dir || !*dir)
        return nn_error_set(err, NN_ERR_CONFIG,
                            "MNIST data directory not set: set the environment variable MNIST_DIR "
                            "or data.dir in the config, or run scripts/fetch-mnist.sh to download "
                            "the files (into ./data/mnist by default)");
    char raw[MNIST_PATH_MAX], gz[MNIST_PATH_MAX];
    int w1 = snprintf(raw, sizeof raw, "%s/%s", dir, base);
    int w2 = snprintf(gz, sizeof gz, "%s/%s.gz", dir, base);
    if (w1 < 0 || w2 < 0 || (size_t)w2 >= sizeof gz)
        return nn_error_set(err, NN_ERR_CONFIG, "%s: MNIST directory path is too long", dir);
    const char *found = is_file(raw) ? raw : is_file(gz) ? gz : NULL;
    if (!found)
        return nn_error_set(err, NN_ERR_IO,
                            "MNIST file %s not found: tried %s and %s; run scripts/fetch-mnist.sh "
                            "%s, or set MNIST_DIR or data.dir to the directory that holds it",
                            base, raw, gz, dir);
    size_t len = strlen(found);
    if (len >= n)
        return nn_error_set(err, NN_ERR_CONFIG, "%s: path is too long (%zu bytes, room for %zu)",
                            found, len, n - 1);
    memcpy(out, found, len + 1);
    return NN_OK;
}

/* ---------------------------------------------------------------- the check */

struct mnist_file {
    const struct mnist_known *known;
    char path[MNIST_PATH_MAX];
    int loaded; /* read and parsed */
    char error[NN_MSG_MAX];
    uint64_t bytes;
    char sha_hex[NN_SHA256_HEX_LEN + 1];
    int bytes_ok, sha_ok, shape_ok;
    struct nn_idx idx;
};

struct mnist_report {
    const char *dir;
    struct mnist_file files[4];
    uint32_t hist[2][MNIST_CLASSES];
    int hist_done[2], hist_ok[2];
    int disjoint_done;
    size_t test_in_train, train_dups;
    int n_failures;
    int first_code;
    char failures[MNIST_MAX_FAILURES][NN_MSG_MAX];
};

/* Records a failed check; the first one's code becomes the result. Long paths may truncate the
 * message, which is acceptable for a report line. */
static void fail(struct mnist_report *rep, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail(struct mnist_report *rep, int code, const char *fmt, ...)
{
    if (rep->n_failures == 0)
        rep->first_code = code;
    if (rep->n_failures < MNIST_MAX_FAILURES) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rep->failures[rep->n_failures], NN_MSG_MAX, fmt, ap);
        va_end(ap);
    }
    rep->n_failures++;
}

static void check_file(struct mnist_report *rep, struct mnist_file *f)
{
    struct nn_error e = {0};
    int rc = nn_mnist_path(rep->dir, f->known->base, f->path, sizeof f->path, &e);
    if (rc == NN_OK) {
        uint8_t digest[NN_SHA256_DIGEST_LEN];
        rc = nn_idx_read_ex(f->path, 0, &f->idx, digest, &f->bytes, &e);
        if (rc == NN_OK)
            nn_sha256_hex(digest, f->sha_hex);
    }
    if (rc != NN_OK) {
        snprintf(f->error, sizeof f->error, "%s", e.msg);
        fail(rep, rc, "%s", e.msg);
        return;
    }
    f->loaded = 1;
    f->bytes_ok = f->bytes == f->known->bytes;
    f->sha_ok = strcmp(f->sha_hex, f->known->sha256) == 0;
    if (!f->bytes_ok)
        fail(rep, NN_ERR_FORMAT,
             "%s: size check: %" PRIu64 " decompressed bytes, expected %" PRIu64, f->path, f->bytes,
             f->known->bytes);
    if (!f->sha_ok)
        fail(rep, NN_ERR_FORMAT, "%s: sha256 check: found %s, expected %s", f->path, f->sha_hex,
             f->known->sha256);
    const struct nn_idx *x = &f->idx;
    if (f->known->is_images)
        f->shape_ok = x->type == NN_IDX_U8 && x->ndim == 3 && x->dims[0] == f->known->count &&
                      x->dims[1] == MNIST_SIDE && x->dims[2] == MNIST_SIDE;
    else
        f->shape_ok = x->type == NN_IDX_U8 && x->ndim == 1 && x->dims[0] == f->known->count;
    if (!f->shape_ok)
        fail(rep, NN_ERR_FORMAT, "%s: shape check: expected u8 %" PRIu32 "%s", f->path,
             f->known->count, f->known->is_images ? " x 28 x 28" : "");
}

static void check_split(struct mnist_report *rep, int s)
{
    struct mnist_file *img = &rep->files[2 * s], *lbl = &rep->files[2 * s + 1];
    const uint32_t *known = s == 0 ? k_hist_train : k_hist_test;
    if (!img->loaded || !lbl->loaded)
        return;
    struct nn_error e = {0};
    if (nn_idx_check_pair(img->path, &img->idx, lbl->path, &lbl->idx, MNIST_CLASSES, &e) != NN_OK)
        fail(rep, e.code, "%s", e.msg);
    if (lbl->idx.type != NN_IDX_U8)
        return;
    const uint8_t *labels = lbl->idx.data;
    for (size_t i = 0; i < lbl->idx.count; i++)
        if (labels[i] < MNIST_CLASSES)
            rep->hist[s][labels[i]]++;
    rep->hist_done[s] = 1;
    rep->hist_ok[s] = memcmp(rep->hist[s], known, sizeof rep->hist[s]) == 0;
    if (!rep->hist_ok[s]) {
        fail(rep, NN_ERR_FORMAT,
             "%s: label histogram check: counts differ from the published %s counts", lbl->path,
             lbl->known->split);
    }
}

/* FNV-1a, 64 bits: collisions only cost a memcmp, since every hit is confirmed byte for byte. */
static uint64_t hash64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* Open-addressing table of image indices (slot value = index + 1; 0 = empty), linear probing. */
struct image_table {
    uint32_t *slot;
    uint64_t *hash;
    size_t mask;
};

/* Returns the index of an image equal to p, or -1; inserts p as `index` when absent and
 * index >= 0. */
static long table_find_or_insert(struct image_table *t, const uint8_t *base, size_t stride,
                                 const uint8_t *p, long index)
{
    uint64_t h = hash64(p, stride);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        if (t->slot[i] == 0) {
            if (index >= 0) {
                t->slot[i] = (uint32_t)index + 1;
                t->hash[i] = h;
            }
            return -1;
        }
        size_t j = t->slot[i] - 1;
        if (t->hash[i] == h && memcmp(base + j * stride, p, stride) == 0)
            return (long)j;
    }
}

static void check_disjoint(struct mnist_report *rep)
{
    const struct nn_idx *tr = &rep->files[0].idx, *te = &rep->files[2].idx;
    if (!rep->files[0].loaded || !rep->files[2].loaded || tr->type != NN_IDX_U8 ||
        te->type != NN_IDX_U8 || tr->ndim < 2 || te->ndim < 2)
        return;
    size_t n_tr = tr->dims[0], n_te = te->dims[0];
    size_t stride = tr->count / n_tr;
    if (stride != te->count / n_te || n_tr > UINT32_MAX / 4) {
        fail(rep, NN_ERR_FORMAT, "disjointness check: train and test images differ in size");
        return;
    }
    size_t cap = 1;
    while (cap < 2 * n_tr)
        cap *= 2; /* load factor <= 1/2 keeps probe chains short */
    struct image_table t = {calloc(cap, sizeof *t.slot), calloc(cap, sizeof *t.hash), cap - 1};
    if (!t.slot || !t.hash) {
        free(t.slot);
        free(t.hash);
        fail(rep, NN_ERR_NOMEM, "disjointness check: out of memory for the hash table");
        return;
    }
    const uint8_t *a = tr->data, *b = te->data;
    for (size_t i = 0; i < n_tr; i++)
        if (table_find_or_insert(&t, a, stride, a + i * stride, (long)i) >= 0)
            rep->train_dups++;
    for (size_t i = 0; i < n_te; i++)
        if (table_find_or_insert(&t, a, stride, b + i * stride, -1) >= 0)
            rep->test_in_train++;
    free(t.slot);
    free(t.hash);
    rep->disjoint_done = 1;
    if (rep->test_in_train > 0) {
        fail(rep, NN_ERR_FORMAT, "disjointness check: %zu test images duplicate a training image",
             rep->test_in_train);
    }
}

/* ---------------------------------------------------------------- output */

static const char *ok_word(int ok)
{
    return ok ? "ok" : "MISMATCH";
}

static void write_text(const struct mnist_report *rep, FILE *out)
{
    fprintf(out, "MNIST data check: %s\n", rep->dir);
    for (int i = 0; i < 4; i++) {
        const struct mnist_file *f = &rep->files[i];
        fprintf(out, "  %s\n", f->known->base);
        if (!f->loaded) {
            fprintf(out, "    error:  %s\n", f->error);
            continue;
        }
        char shape[64];
        int w = snprintf(shape, sizeof shape, "%s", f->idx.type == NN_IDX_U8 ? "u8" : "f32");
        for (int d = 0; d < f->idx.ndim && w > 0 && (size_t)w < sizeof shape; d++)
            w += snprintf(shape + w, sizeof shape - (size_t)w, "%s%" PRIu32, d ? " x " : " ",
                          f->idx.dims[d]);
        fprintf(out, "    path:   %s\n", f->path);
        fprintf(out, "    bytes:  %" PRIu64 " decompressed (expected %" PRIu64 ")  %s\n", f->bytes,
                f->known->bytes, ok_word(f->bytes_ok));
        fprintf(out, "    sha256: %s  %s\n", f->sha_hex, ok_word(f->sha_ok));
        if (!f->sha_ok)
            fprintf(out, "  expected: %s\n", f->known->sha256);
        fprintf(out, "    shape:  %s  %s\n", shape, ok_word(f->shape_ok));
    }
    for (int s = 0; s < 2; s++) {
        if (!rep->hist_done[s])
            continue;
        fprintf(out, "  labels %-5s:", s == 0 ? "train" : "test");
        for (int c = 0; c < MNIST_CLASSES; c++)
            fprintf(out, " %" PRIu32, rep->hist[s][c]);
        fprintf(out, "  %s\n", ok_word(rep->hist_ok[s]));
    }
    if (rep->disjoint_done) {
        fprintf(out, "  disjointness: %zu test images duplicate a training image  %s\n",
                rep->test_in_train, ok_word(rep->test_in_train == 0));
        fprintf(out, "  duplicates within train: %zu\n", rep->train_dups);
    } else {
        fprintf(out, "  disjointness: not checked (images missing)\n");
    }
    if (rep->n_failures == 0) {
        fprintf(out, "result: OK, all checks passed\n");
        return;
    }
    fprintf(out, "result: FAILED, %d check%s failed:\n", rep->n_failures,
            rep->n_failures == 1 ? "" : "s");
    for (int i = 0; i < rep->n_failures && i < MNIST_MAX_FAILURES; i++)
        fprintf(out, "  - %s\n", rep->failures[i]);
}

/* The JSON report, through the one JSON writer: blocks for the document and its lists, one
 * inline object per file. */
static void json_body(const struct mnist_report *rep, struct nn_json *j)
{
    nn_json_object(j, NULL, 0);
    nn_json_str(j, "dir", rep->dir);
    nn_json_bool(j, "ok", rep->n_failures == 0);
    nn_json_array(j, "files", 0);
    for (int i = 0; i < 4; i++) {
        const struct mnist_file *f = &rep->files[i];
        nn_json_object(j, NULL, 1);
        nn_json_str(j, "name", f->known->base);
        nn_json_str(j, "path", f->path);
        nn_json_bool(j, "loaded", f->loaded);
        if (f->loaded) {
            nn_json_uint(j, "bytes", f->bytes);
            nn_json_uint(j, "expected_bytes", f->known->bytes);
            nn_json_bool(j, "bytes_ok", f->bytes_ok);
            nn_json_str(j, "sha256", f->sha_hex);
            nn_json_str(j, "expected_sha256", f->known->sha256);
            nn_json_bool(j, "sha256_ok", f->sha_ok);
            nn_json_str(j, "type", f->idx.type == NN_IDX_U8 ? "u8" : "f32");
            nn_json_array(j, "dims", 1);
            for (int d = 0; d < f->idx.ndim; d++)
                nn_json_uint(j, NULL, f->idx.dims[d]);
            nn_json_end(j);
            nn_json_bool(j, "shape_ok", f->shape_ok);
        } else {
            nn_json_str(j, "error", f->error);
        }
        nn_json_end(j);
    }
    nn_json_end(j);
    nn_json_object(j, "label_histogram", 0);
    for (int s = 0; s < 2; s++) {
        if (!rep->hist_done[s])
            continue;
        nn_json_object(j, s == 0 ? "train" : "test", 1);
        nn_json_array(j, "counts", 1);
        for (int c = 0; c < MNIST_CLASSES; c++)
            nn_json_uint(j, NULL, rep->hist[s][c]);
        nn_json_end(j);
        nn_json_bool(j, "ok", rep->hist_ok[s]);
        nn_json_end(j);
    }
    nn_json_end(j);
    if (rep->disjoint_done) {
        nn_json_object(j, "disjointness", 1);
        nn_json_uint(j, "test_in_train", rep->test_in_train);
        nn_json_uint(j, "train_internal_duplicates", rep->train_dups);
        nn_json_bool(j, "ok", rep->test_in_train == 0);
        nn_json_end(j);
    } else {
        nn_json_null(j, "disjointness");
    }
    nn_json_array(j, "failures", 0);
    for (int i = 0; i < rep->n_failures && i < MNIST_MAX_FAILURES; i++)
        nn_json_str(j, NULL, rep->failures[i]);
    nn_json_end(j);
    nn_json_end(j);
}

/* The JSON report is built in memory and written atomically: a reader never sees half a report. */
static int write_json(const struct mnist_report *rep, const char *path, struct nn_error *err)
{
    struct nn_sb b = {0};
    struct nn_json j;
    nn_json_init(&j, &b);
    json_body(rep, &j);
    return nn_sb_write_file(&b, path, err);
}

int nn_mnist_check(const char *dir, FILE *report_txt, const char *json_path, struct nn_error *err)
{
    if (!dir || !*dir)
        dir = getenv("MNIST_DIR");
    if (!dir || !*dir)
        return nn_mnist_path(NULL, NN_MNIST_TRAIN_IMAGES, (char[1]){0}, 1, err);

    /* ~16 KiB of failure text plus four path buffers: too big for the stack of a library call. */
    struct mnist_report *rep = calloc(1, sizeof *rep);
    if (!rep)
        return nn_error_set(err, NN_ERR_NOMEM, "MNIST check: out of memory");
    rep->dir = dir;
    for (int i = 0; i < 4; i++) {
        rep->files[i].known = &k_mnist_files[i];
        check_file(rep, &rep->files[i]);
    }
    check_split(rep, 0);
    check_split(rep, 1);
    check_disjoint(rep);

    if (report_txt)
        write_text(rep, report_txt);
    int rc = NN_OK;
    if (json_path)
        rc = write_json(rep, json_path, err);
    if (rc == NN_OK && rep->n_failures > 0)
        rc = nn_error_set(err, rep->first_code, "MNIST data check failed (%d problem%s); first: %s",
                          rep->n_failures, rep->n_failures == 1 ? "" : "s", rep->failures[0]);
    for (int i = 0; i < 4; i++)
        nn_idx_free(&rep->files[i].idx);
    free(rep);
    return rc;
}
