/* Checkpoints: a 32-byte header and one payload, little-endian.
 *
 *   header   0  magic "NNCTLCKP"        payload  u32 config length, config text (resolved YAML)
 *            8  u32 format version (1)           u64 epoch, u64 step, u64 shuffle PRNG state[4]
 *           12  u32 bytes per real (4/8)         u32 tensor count; per tensor: u32 name length,
 *           16  u64 payload length                   name, u32 ndim, u32 dims[ndim]
 *           24  u32 CRC-32 of the payload        u64 parameter count, reals
 *           28  u32 reserved (0)                 u32 optimizer state per parameter, u64 count,
 * reals
 *
 * Version 2 (a checkpoint inside an epoch) appends u64 batch, u64 shuffle PRNG state[4] at the
 * epoch's start, and the epoch's loss sum and seconds so far as f64 bit patterns. Checkpoints at
 * an epoch boundary stay version 1, byte for byte as before. Versions 3 and 4 are 1 and 2 with
 * the training controls' state appended (a config with a reduce_on_plateau schedule, early
 * stopping or clipping): f64 lr, f64 plateau best, u64 plateau wait, f64 stop best, u64 stop
 * wait, u64 best epoch, f64 norm sum, f64 norm max, u64 norm count.
 *
 * The config travels inside the checkpoint so that a checkpoint alone rebuilds its model; tensor
 * names and shapes are stored as well, so that a mismatch is reported by name rather than as a
 * wrong size. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nnctl/fsutil.h"
#include "nnctl/checkpoint.h"
#include "nnctl/backend.h"

#define CKPT_MAGIC       "NNCTLCKP"
#define CKPT_VERSION     1u /* at an epoch boundary */
#define CKPT_VERSION_MID 2u /* inside an epoch */
#define CKPT_CONTROLS    2u /* added to either: the training controls' state follows */
#define CKPT_HEADER      32u
#define CKPT_MAX_BYTES   NN_MAX_MODEL_BYTES

struct wbuf {
    unsigned char *p;
    size_t n, cap;
};

static void put(struct wbuf *b, const void *src, size_t len)
{
    if (len > b->cap - b->n) /* sized exactly by the caller; a mismatch is a bug, not a crash */
        return;
    memcpy(b->p + b->n, src, len);
    b->n += len;
}
static void put_u32(struct wbuf *b, uint32_t v)
{
    unsigned char t[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, t, 4);
}
static void put_u64(struct wbuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_f64(struct wbuf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    put_u64(b, bits);
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

int nn_checkpoint_save(const char *path, const struct nn_model *m, const char *config_yaml,
                       const struct nn_train_state *st, struct nn_error *err)
{
    if (!host_is_little_endian())
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: checkpoints are little-endian only", path);
    size_t clen = strlen(config_yaml);
    const int mid = st->batch > 0;
    size_t cap = CKPT_HEADER + 4 + clen + 8 * 6 + 4 + 8 + 4 + 8 +
                 (m->n_params + m->n_opt) * sizeof(nn_real) + (mid ? 8 * 7 : 0) +
                 (st->controls ? 8 * 9 : 0);
    for (int i = 0; i < m->n_tensors; i++)
        cap += 4 + strlen(m->tensors[i].name) + 4 + 4 * (size_t)m->tensors[i].shape.ndim;
    struct wbuf b = {malloc(cap), 0, cap};
    if (!b.p)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, cap);
    b.n = CKPT_HEADER;
    put_u32(&b, (uint32_t)clen);
    put(&b, config_yaml, clen);
    put_u64(&b, st->epoch);
    put_u64(&b, st->step);
    for (int i = 0; i < 4; i++)
        put_u64(&b, st->shuffle.s[i]);
    put_u32(&b, (uint32_t)m->n_tensors);
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *t = &m->tensors[i];
        put_u32(&b, (uint32_t)strlen(t->name));
        put(&b, t->name, strlen(t->name));
        put_u32(&b, (uint32_t)t->shape.ndim);
        for (int k = 0; k < t->shape.ndim; k++)
            put_u32(&b, (uint32_t)t->shape.dims[k]);
    }
    put_u64(&b, m->n_params);
    put(&b, m->params, m->n_params * sizeof(nn_real));
    put_u32(&b, (uint32_t)(m->n_params ? m->n_opt / m->n_params : 0));
    put_u64(&b, m->n_opt);
    put(&b, m->opt_state, m->n_opt * sizeof(nn_real));
    if (mid) {
        put_u64(&b, st->batch);
        for (int i = 0; i < 4; i++)
            put_u64(&b, st->epoch_shuffle.s[i]);
        uint64_t bits;
        memcpy(&bits, &st->epoch_loss_sum, 8);
        put_u64(&b, bits);
        memcpy(&bits, &st->epoch_seconds, 8);
        put_u64(&b, bits);
    }
    if (st->controls) {
        put_f64(&b, st->lr);
        put_f64(&b, st->plateau_best);
        put_u64(&b, st->plateau_wait);
        put_f64(&b, st->stop_best);
        put_u64(&b, st->stop_wait);
        put_u64(&b, st->best_epoch);
        put_f64(&b, st->norm_sum);
        put_f64(&b, st->norm_max);
        put_u64(&b, st->norm_count);
    }

    size_t payload = b.n - CKPT_HEADER;
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < payload;) { /* zlib takes uInt lengths */
        size_t chunk = payload - off > (1u << 30) ? (1u << 30) : payload - off;
        crc = crc32(crc, b.p + CKPT_HEADER + off, (uInt)chunk);
        off += chunk;
    }
    size_t end = b.n;
    b.n = 0;
    put(&b, CKPT_MAGIC, 8);
    put_u32(&b, (mid ? CKPT_VERSION_MID : CKPT_VERSION) + (st->controls ? CKPT_CONTROLS : 0));
    put_u32(&b, (uint32_t)sizeof(nn_real));
    put_u64(&b, payload);
    put_u32(&b, (uint32_t)crc);
    put_u32(&b, 0);
    int rc = nn_write_file_atomic(path, b.p, end, err);
    free(b.p);
    return rc;
}

/* A bounds-checked reader over the payload: every get fails cleanly past the end. */
struct rbuf {
    const unsigned char *p;
    size_t n, off;
    int bad;
};

static const unsigned char *take(struct rbuf *r, size_t len)
{
    if (r->bad || len > r->n - r->off) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p + r->off;
    r->off += len;
    return p;
}
static uint32_t get_u32(struct rbuf *r)
{
    const unsigned char *p = take(r, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}
static uint64_t get_u64(struct rbuf *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static double get_f64(struct rbuf *r)
{
    uint64_t bits = get_u64(r);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

static int ckpt_bad(struct nn_error *err, const char *path, const char *field, const char *what)
{
    return nn_error_set(err, NN_ERR_FORMAT, "%s: field '%s': %s", path, field, what);
}

/* A checkpoint still loads where its backend cannot run: its master weights are fp32, so a run
 * trained in bfloat16 on a CPU with bf16 runs in float32 on one without, and one trained on a
 * backend this machine lacks (or this build: one registered by a test) runs on the best backend
 * here. A resume is refused all the same, when the user's config is checked. The overrides go in
 * sets[] (at most 2); returns their count. */
static int runnable_here(const char *text, const char **sets)
{
    enum nn_precision p =
        strstr(text, "\n  precision: bfloat16\n") ? NN_PRECISION_BFLOAT16 : NN_PRECISION_FLOAT32;
    char name[NN_NAME_MAX] = "auto", why[256];
    const char *b = strstr(text, "\n  backend: \"");
    if (b) {
        b += strlen("\n  backend: \"");
        snprintf(name, sizeof name, "%.*s", (int)strcspn(b, "\"\n"), b);
    }
    int n = 0;
    if (!nn_backend_choose(name, p, why, sizeof why))
        sets[n++] = "training.backend=auto";
    if (!nn_backend_choose("auto", p, why, sizeof why))
        sets[n++] = "training.precision=float32";
    return n;
}

int nn_checkpoint_load(const char *path, int max_batch, struct nn_config *cfg, struct nn_model *m,
                       struct nn_train_state *st, struct nn_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    memset(m, 0, sizeof *m);
    if (!host_is_little_endian())
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: checkpoints are little-endian only", path);
    char *data = NULL;
    size_t len = 0;
    int rc = nn_read_file(path, CKPT_MAX_BYTES, &data, &len, err);
    if (rc)
        return rc;
    char msg[256];
    struct rbuf h = {(const unsigned char *)data, len, 0, 0};
    if (len < CKPT_HEADER) {
        snprintf(msg, sizeof msg, "file is %zu bytes, shorter than the %u-byte header (truncated)",
                 len, CKPT_HEADER);
        rc = ckpt_bad(err, path, "header", msg);
        goto fail;
    }
    if (memcmp(data, CKPT_MAGIC, 8)) {
        rc = ckpt_bad(err, path, "magic", "not an nnctl checkpoint (expected \"NNCTLCKP\")");
        goto fail;
    }
    take(&h, 8);
    uint32_t version = get_u32(&h), real = get_u32(&h);
    uint64_t payload = get_u64(&h);
    uint32_t crc_stored = get_u32(&h), reserved = get_u32(&h);
    const int controls =
        version == CKPT_VERSION + CKPT_CONTROLS || version == CKPT_VERSION_MID + CKPT_CONTROLS;
    if (controls)
        version -= CKPT_CONTROLS;
    if (version != CKPT_VERSION && version != CKPT_VERSION_MID) {
        snprintf(msg, sizeof msg, "format version %u, this nnctl reads versions %u to %u", version,
                 CKPT_VERSION, CKPT_VERSION_MID + CKPT_CONTROLS);
        rc = ckpt_bad(err, path, "version", msg);
        goto fail;
    }
    if (real != sizeof(nn_real)) {
        snprintf(msg, sizeof msg, "values are %u bytes wide, this build uses %s", real,
                 NN_REAL_NAME);
        rc = ckpt_bad(err, path, "real_bytes", msg);
        goto fail;
    }
    if (payload != len - CKPT_HEADER) {
        snprintf(msg, sizeof msg, "header says %llu payload bytes, file has %zu (%s)",
                 (unsigned long long)payload, len - CKPT_HEADER,
                 payload > len - CKPT_HEADER ? "truncated" : "trailing bytes");
        rc = ckpt_bad(err, path, "payload_length", msg);
        goto fail;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < payload;) {
        size_t chunk = payload - off > (1u << 30) ? (1u << 30) : (size_t)(payload - off);
        crc = crc32(crc, (const unsigned char *)data + CKPT_HEADER + off, (uInt)chunk);
        off += chunk;
    }
    if ((uint32_t)crc != crc_stored || reserved != 0) {
        snprintf(msg, sizeof msg,
                 "CRC-32 of the payload is 0x%08x, the header says 0x%08x: the "
                 "file is damaged",
                 (unsigned)crc, crc_stored);
        rc = ckpt_bad(err, path, "crc32", msg);
        goto fail;
    }

    struct rbuf r = {(const unsigned char *)data + CKPT_HEADER, (size_t)payload, 0, 0};
    uint32_t clen = get_u32(&r);
    const unsigned char *ctext = take(&r, clen);
    if (!ctext) {
        rc = ckpt_bad(err, path, "config", "length runs past the end of the payload");
        goto fail;
    }
    char *text = malloc((size_t)clen + 1);
    if (!text) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    memcpy(text, ctext, clen);
    text[clen] = 0;
    struct nn_diags *diags = calloc(1, sizeof *diags);
    char label[NN_PATH_MAX + 16];
    snprintf(label, sizeof label, "%s (embedded config)", path);
    const char *sets[2];
    int n_sets = runnable_here(text, sets);
    rc = diags ? nn_config_load(label, text, sets, n_sets, cfg, diags) : NN_ERR_NOMEM;
    free(text);
    if (rc) {
        if (diags && diags->n)
            snprintf(msg, sizeof msg, "invalid: line %d: %.180s", diags->d[0].line,
                     diags->d[0].msg);
        else
            snprintf(msg, sizeof msg, "invalid");
        free(diags);
        rc = ckpt_bad(err, path, "config", msg);
        goto fail;
    }
    free(diags);
    struct nn_train_state s = {0};
    s.epoch = get_u64(&r);
    s.step = get_u64(&r);
    for (int i = 0; i < 4; i++)
        s.shuffle.s[i] = get_u64(&r);
    rc = nn_model_build(cfg, max_batch, m, err);
    if (rc)
        goto fail;
    uint32_t nt = get_u32(&r);
    if (r.bad || nt != (uint32_t)m->n_tensors) {
        snprintf(msg, sizeof msg, "%u tensors, the embedded config's model has %d", nt,
                 m->n_tensors);
        rc = ckpt_bad(err, path, "tensors", msg);
        goto fail;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *t = &m->tensors[i];
        uint32_t nl = get_u32(&r);
        const unsigned char *name = take(&r, nl);
        uint32_t nd = get_u32(&r);
        int ok = name && nl == strlen(t->name) && !memcmp(name, t->name, nl) &&
                 nd == (uint32_t)t->shape.ndim;
        for (uint32_t k = 0; ok && k < nd; k++)
            ok = get_u32(&r) == (uint32_t)t->shape.dims[k] && !r.bad;
        if (!ok) {
            snprintf(msg, sizeof msg, "tensor %d does not match '%s' of the embedded config", i,
                     t->name);
            rc = ckpt_bad(err, path, "tensors", msg);
            goto fail;
        }
    }
    uint64_t np = get_u64(&r);
    const unsigned char *pp = np == m->n_params ? take(&r, m->n_params * sizeof(nn_real)) : NULL;
    if (!pp) {
        rc = ckpt_bad(err, path, "params", "parameter count does not match the model");
        goto fail;
    }
    memcpy(m->params, pp, m->n_params * sizeof(nn_real));
    if (m->backend->params_updated) /* a backend's own copies of the weights follow them */
        m->backend->params_updated(m->backend, m, 0, m->n_params);
    uint32_t per = get_u32(&r);
    uint64_t no = get_u64(&r);
    const unsigned char *op = no == m->n_opt ? take(&r, m->n_opt * sizeof(nn_real)) : NULL;
    if (!op || (m->n_params && per != m->n_opt / m->n_params)) {
        rc = ckpt_bad(err, path, "optimizer_state", "size does not match the optimizer");
        goto fail;
    }
    memcpy(m->opt_state, op, m->n_opt * sizeof(nn_real));
    if (version == CKPT_VERSION_MID) {
        s.batch = get_u64(&r);
        for (int i = 0; i < 4; i++)
            s.epoch_shuffle.s[i] = get_u64(&r);
        uint64_t bits = get_u64(&r);
        memcpy(&s.epoch_loss_sum, &bits, 8);
        bits = get_u64(&r);
        memcpy(&s.epoch_seconds, &bits, 8);
        if (r.bad || s.batch == 0) {
            rc = ckpt_bad(err, path, "batch",
                          r.bad ? "the position inside the epoch runs past the end of the payload"
                                : "a version-2 checkpoint must be inside an epoch (batch > 0)");
            goto fail;
        }
    }
    if (controls) {
        s.controls = 1;
        s.lr = get_f64(&r);
        s.plateau_best = get_f64(&r);
        s.plateau_wait = get_u64(&r);
        s.stop_best = get_f64(&r);
        s.stop_wait = get_u64(&r);
        s.best_epoch = get_u64(&r);
        s.norm_sum = get_f64(&r);
        s.norm_max = get_f64(&r);
        s.norm_count = get_u64(&r);
        if (r.bad) {
            rc = ckpt_bad(err, path, "controls",
                          "the training controls' state runs past the end of the payload");
            goto fail;
        }
    }
    if (r.off != r.n) {
        rc = ckpt_bad(err, path, "payload", "unexpected bytes after the optimizer state");
        goto fail;
    }
    if (st)
        *st = s;
    free(data);
    return NN_OK;
fail:
    free(data);
    nn_model_free(m);
    nn_config_free(cfg);
    return rc;
}
