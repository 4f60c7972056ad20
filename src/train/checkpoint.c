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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nnctl/fsutil.h"
#include "nnctl/checkpoint.h"
#include "nnctl/backend.h"

#define CKPT_MAGIC     "NNCTLCKP"
#define CKPT_VERSION   1u /* at an epoch boundary, no controls; + IN_MID, + IN_CONTROLS (below) */
#define CKPT_HEADER    32u
#define CKPT_MAX_BYTES NN_MAX_MODEL_BYTES

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

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* What a checkpoint's sections read and write: the model, its config, the training state. */
struct ckpt {
    const char *path;
    struct nn_model *m;
    struct nn_config *cfg; /* load: filled from the embedded config */
    const char *yaml;      /* save: the resolved config */
    struct nn_train_state *s;
    int max_batch; /* load: the model's largest batch */
    struct nn_error *err;
};

/* The training state's numbers, section by section, in file order: one table each, walked by the
 * writer and the reader alike (fields_put, fields_get), so no field is written in two places. */
enum field_kind { F_U64, F_F64, F_RNG /* 4 × u64 */ };
struct field {
    enum field_kind kind;
    size_t offset; /* in struct nn_train_state */
};
#define FIELD(k, member)                                                                           \
    {                                                                                              \
        k, offsetof(struct nn_train_state, member)                                                 \
    }
static const struct field state_fields[] = {FIELD(F_U64, epoch), FIELD(F_U64, step),
                                            FIELD(F_RNG, shuffle)};
/* version 2 and 4: inside an epoch */
static const struct field mid_fields[] = {FIELD(F_U64, batch), FIELD(F_RNG, epoch_shuffle),
                                          FIELD(F_F64, epoch_loss_sum),
                                          FIELD(F_F64, epoch_seconds)};
/* versions 3 and 4: the training controls */
static const struct field control_fields[] = {
    FIELD(F_F64, lr),        FIELD(F_F64, plateau_best), FIELD(F_U64, plateau_wait),
    FIELD(F_F64, stop_best), FIELD(F_U64, stop_wait),    FIELD(F_U64, best_epoch),
    FIELD(F_F64, norm_sum),  FIELD(F_F64, norm_max),     FIELD(F_U64, norm_count)};
#define N_OF(t) ((int)(sizeof t / sizeof t[0]))

static size_t fields_size(const struct field *f, int n)
{
    size_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += f[i].kind == F_RNG ? 32 : 8;
    return bytes;
}

static void fields_put(struct wbuf *b, const struct nn_train_state *s, const struct field *f, int n)
{
    for (int i = 0; i < n; i++) {
        const char *at = (const char *)s + f[i].offset;
        uint64_t u[4];
        memcpy(u, at, f[i].kind == F_RNG ? 32 : 8); /* an f64 travels as its bit pattern */
        for (int k = 0; k < (f[i].kind == F_RNG ? 4 : 1); k++)
            put_u64(b, u[k]);
    }
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

static void fields_get(struct rbuf *r, struct nn_train_state *s, const struct field *f, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t u[4] = {0, 0, 0, 0};
        const int words = f[i].kind == F_RNG ? 4 : 1;
        for (int k = 0; k < words; k++)
            u[k] = get_u64(r);
        memcpy((char *)s + f[i].offset, u, 8 * (size_t)words);
    }
}

/* ---- the payload's sections, in file order: each one's size, writer and reader ---- */

static size_t config_size(const struct ckpt *c)
{
    return 4 + strlen(c->yaml);
}

static void config_put(struct wbuf *b, const struct ckpt *c)
{
    put_u32(b, (uint32_t)strlen(c->yaml));
    put(b, c->yaml, strlen(c->yaml));
}

/* The embedded config, loaded as it can run here (runnable_here); the model is built from it. */
static int config_get(struct rbuf *r, struct ckpt *c)
{
    uint32_t clen = get_u32(r);
    const unsigned char *ctext = take(r, clen);
    if (!ctext)
        return ckpt_bad(c->err, c->path, "config", "length runs past the end of the payload");
    char *text = malloc((size_t)clen + 1);
    struct nn_diags *diags = calloc(1, sizeof *diags);
    if (!text || !diags) {
        free(text);
        free(diags);
        return nn_error_set(c->err, NN_ERR_NOMEM, "%s: out of memory", c->path);
    }
    memcpy(text, ctext, clen);
    text[clen] = 0;
    char label[NN_PATH_MAX + 16];
    snprintf(label, sizeof label, "%s (embedded config)", c->path);
    const char *sets[2];
    int n_sets = runnable_here(text, sets);
    int rc = nn_config_load(label, text, sets, n_sets, c->cfg, diags);
    free(text);
    if (rc) {
        char msg[256];
        if (diags->n)
            snprintf(msg, sizeof msg, "invalid: line %d: %.180s", diags->d[0].line,
                     diags->d[0].msg);
        else
            snprintf(msg, sizeof msg, "invalid");
        free(diags);
        return ckpt_bad(c->err, c->path, "config", msg);
    }
    free(diags);
    return NN_OK;
}

/* After the state's numbers: the model of the config (a truncation shows in the tensors that
 * follow). */
static int state_get(struct rbuf *r, struct ckpt *c)
{
    (void)r;
    return nn_model_build(c->cfg, c->max_batch, c->m, c->err);
}

static size_t tensors_size(const struct ckpt *c)
{
    size_t bytes = 4;
    for (int i = 0; i < c->m->n_tensors; i++)
        bytes += 4 + strlen(c->m->tensors[i].name) + 4 + 4 * (size_t)c->m->tensors[i].shape.ndim;
    return bytes;
}

static void tensors_put(struct wbuf *b, const struct ckpt *c)
{
    put_u32(b, (uint32_t)c->m->n_tensors);
    for (int i = 0; i < c->m->n_tensors; i++) {
        const struct nn_tensor *t = &c->m->tensors[i];
        put_u32(b, (uint32_t)strlen(t->name));
        put(b, t->name, strlen(t->name));
        put_u32(b, (uint32_t)t->shape.ndim);
        for (int k = 0; k < t->shape.ndim; k++)
            put_u32(b, (uint32_t)t->shape.dims[k]);
    }
}

static int tensors_get(struct rbuf *r, struct ckpt *c)
{
    char msg[256];
    const struct nn_model *m = c->m;
    uint32_t nt = get_u32(r);
    if (r->bad || nt != (uint32_t)m->n_tensors) {
        snprintf(msg, sizeof msg, "%u tensors, the embedded config's model has %d", nt,
                 m->n_tensors);
        return ckpt_bad(c->err, c->path, "tensors", msg);
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const struct nn_tensor *t = &m->tensors[i];
        uint32_t nl = get_u32(r);
        const unsigned char *name = take(r, nl);
        uint32_t nd = get_u32(r);
        int ok = name && nl == strlen(t->name) && !memcmp(name, t->name, nl) &&
                 nd == (uint32_t)t->shape.ndim;
        for (uint32_t k = 0; ok && k < nd; k++)
            ok = get_u32(r) == (uint32_t)t->shape.dims[k] && !r->bad;
        if (!ok) {
            snprintf(msg, sizeof msg, "tensor %d does not match '%s' of the embedded config", i,
                     t->name);
            return ckpt_bad(c->err, c->path, "tensors", msg);
        }
    }
    return NN_OK;
}

static size_t params_size(const struct ckpt *c)
{
    return 8 + c->m->n_params * sizeof(nn_real);
}

static void params_put(struct wbuf *b, const struct ckpt *c)
{
    put_u64(b, c->m->n_params);
    put(b, c->m->params, c->m->n_params * sizeof(nn_real));
}

static int params_get(struct rbuf *r, struct ckpt *c)
{
    struct nn_model *m = c->m;
    uint64_t np = get_u64(r);
    const unsigned char *pp = np == m->n_params ? take(r, m->n_params * sizeof(nn_real)) : NULL;
    if (!pp)
        return ckpt_bad(c->err, c->path, "params", "parameter count does not match the model");
    memcpy(m->params, pp, m->n_params * sizeof(nn_real));
    if (m->backend->params_updated) /* a backend's own copies of the weights follow them */
        m->backend->params_updated(m->backend, m, 0, m->n_params);
    return NN_OK;
}

static size_t optimizer_size(const struct ckpt *c)
{
    return 4 + 8 + c->m->n_opt * sizeof(nn_real);
}

static void optimizer_put(struct wbuf *b, const struct ckpt *c)
{
    const struct nn_model *m = c->m;
    put_u32(b, (uint32_t)(m->n_params ? m->n_opt / m->n_params : 0));
    put_u64(b, m->n_opt);
    put(b, m->opt_state, m->n_opt * sizeof(nn_real));
}

static int optimizer_get(struct rbuf *r, struct ckpt *c)
{
    struct nn_model *m = c->m;
    uint32_t per = get_u32(r);
    uint64_t no = get_u64(r);
    const unsigned char *op = no == m->n_opt ? take(r, m->n_opt * sizeof(nn_real)) : NULL;
    if (!op || (m->n_params && per != m->n_opt / m->n_params))
        return ckpt_bad(c->err, c->path, "optimizer_state", "size does not match the optimizer");
    memcpy(m->opt_state, op, m->n_opt * sizeof(nn_real));
    return NN_OK;
}

static int mid_get(struct rbuf *r, struct ckpt *c)
{
    if (r->bad || c->s->batch == 0)
        return ckpt_bad(c->err, c->path, "batch",
                        r->bad ? "the position inside the epoch runs past the end of the payload"
                               : "a version-2 checkpoint must be inside an epoch (batch > 0)");
    return NN_OK;
}

static int controls_get(struct rbuf *r, struct ckpt *c)
{
    c->s->controls = 1;
    if (r->bad)
        return ckpt_bad(c->err, c->path, "controls",
                        "the training controls' state runs past the end of the payload");
    return NN_OK;
}

/* Which sections a version has: every one has the first five; inside an epoch (2, 4) the
 * position follows, with the training controls (3, 4) their state last. */
enum { IN_ALL = 0, IN_MID = 1, IN_CONTROLS = 2 };
static const struct section {
    int in; /* IN_ALL, or the version bit that brings it */
    /* a section of the training state's numbers: these fields, in order (size, put: NULL) */
    const struct field *fields;
    int n_fields;
    size_t (*size)(const struct ckpt *c);
    void (*put)(struct wbuf *b, const struct ckpt *c);
    /* reads the section; for a section of numbers, checks them once they are read (or NULL) */
    int (*get)(struct rbuf *r, struct ckpt *c);
} sections[] = {
    {IN_ALL, NULL, 0, config_size, config_put, config_get},
    {IN_ALL, state_fields, N_OF(state_fields), NULL, NULL, state_get},
    {IN_ALL, NULL, 0, tensors_size, tensors_put, tensors_get},
    {IN_ALL, NULL, 0, params_size, params_put, params_get},
    {IN_ALL, NULL, 0, optimizer_size, optimizer_put, optimizer_get},
    {IN_MID, mid_fields, N_OF(mid_fields), NULL, NULL, mid_get},
    {IN_CONTROLS, control_fields, N_OF(control_fields), NULL, NULL, controls_get},
};

static size_t section_size(const struct section *sec, const struct ckpt *c)
{
    return sec->fields ? fields_size(sec->fields, sec->n_fields) : sec->size(c);
}

static void section_put(const struct section *sec, struct wbuf *b, const struct ckpt *c)
{
    if (sec->fields)
        fields_put(b, c->s, sec->fields, sec->n_fields);
    else
        sec->put(b, c);
}

static int section_get(const struct section *sec, struct rbuf *r, struct ckpt *c)
{
    if (sec->fields)
        fields_get(r, c->s, sec->fields, sec->n_fields);
    return sec->get ? sec->get(r, c) : NN_OK;
}

/* CRC-32 of the payload (zlib takes uInt lengths: in pieces of 1 GiB). */
static uint32_t payload_crc(const unsigned char *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < n;) {
        size_t chunk = n - off > (1u << 30) ? (1u << 30) : n - off;
        crc = crc32(crc, p + off, (uInt)chunk);
        off += chunk;
    }
    return (uint32_t)crc;
}

/* The version's bits: 1 + (inside an epoch) + 2·(controls). */
static int has(unsigned version_bits, const struct section *sec)
{
    return sec->in == IN_ALL || (version_bits & (unsigned)sec->in);
}

int nn_checkpoint_save(const char *path, const struct nn_model *m, const char *config_yaml,
                       const struct nn_train_state *st, struct nn_error *err)
{
    if (!host_is_little_endian())
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: checkpoints are little-endian only", path);
    const unsigned bits = (st->batch > 0 ? IN_MID : 0) | (st->controls ? IN_CONTROLS : 0);
    struct ckpt c = {.path = path,
                     .m = (struct nn_model *)m,
                     .yaml = config_yaml,
                     .s = (struct nn_train_state *)st,
                     .err = err};
    size_t cap = CKPT_HEADER;
    for (int i = 0; i < N_OF(sections); i++)
        if (has(bits, &sections[i]))
            cap += section_size(&sections[i], &c);
    struct wbuf b = {malloc(cap), 0, cap};
    if (!b.p)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, cap);
    b.n = CKPT_HEADER;
    for (int i = 0; i < N_OF(sections); i++)
        if (has(bits, &sections[i]))
            section_put(&sections[i], &b, &c);

    size_t payload = b.n - CKPT_HEADER;
    const uint32_t crc = payload_crc(b.p + CKPT_HEADER, payload);
    size_t end = b.n;
    b.n = 0;
    put(&b, CKPT_MAGIC, 8);
    put_u32(&b, CKPT_VERSION + bits);
    put_u32(&b, (uint32_t)sizeof(nn_real));
    put_u64(&b, payload);
    put_u32(&b, crc);
    put_u32(&b, 0);
    int rc = nn_write_file_atomic(path, b.p, end, err);
    free(b.p);
    return rc;
}

/* The 32-byte header against the file: magic, version (its section bits in *bits), width of a
 * value, payload length and CRC-32. */
static int check_header(const char *data, size_t len, const char *path, unsigned *bits,
                        struct nn_error *err)
{
    char msg[256];
    struct rbuf h = {(const unsigned char *)data, len, 0, 0};
    if (len < CKPT_HEADER) {
        snprintf(msg, sizeof msg, "file is %zu bytes, shorter than the %u-byte header (truncated)",
                 len, CKPT_HEADER);
        return ckpt_bad(err, path, "header", msg);
    }
    if (memcmp(data, CKPT_MAGIC, 8))
        return ckpt_bad(err, path, "magic", "not an nnctl checkpoint (expected \"NNCTLCKP\")");
    take(&h, 8);
    uint32_t version = get_u32(&h), real = get_u32(&h);
    uint64_t payload = get_u64(&h);
    uint32_t crc_stored = get_u32(&h), reserved = get_u32(&h);
    if (version < CKPT_VERSION || version > CKPT_VERSION + (IN_MID | IN_CONTROLS)) {
        snprintf(msg, sizeof msg, "format version %u, this nnctl reads versions %u to %u", version,
                 CKPT_VERSION, CKPT_VERSION + (IN_MID | IN_CONTROLS));
        return ckpt_bad(err, path, "version", msg);
    }
    *bits = version - CKPT_VERSION;
    if (real != sizeof(nn_real)) {
        snprintf(msg, sizeof msg, "values are %u bytes wide, this build uses %s", real,
                 NN_REAL_NAME);
        return ckpt_bad(err, path, "real_bytes", msg);
    }
    if (payload != len - CKPT_HEADER) {
        snprintf(msg, sizeof msg, "header says %llu payload bytes, file has %zu (%s)",
                 (unsigned long long)payload, len - CKPT_HEADER,
                 payload > len - CKPT_HEADER ? "truncated" : "trailing bytes");
        return ckpt_bad(err, path, "payload_length", msg);
    }
    const uint32_t crc = payload_crc((const unsigned char *)data + CKPT_HEADER, (size_t)payload);
    if (crc != crc_stored || reserved != 0) {
        snprintf(msg, sizeof msg,
                 "CRC-32 of the payload is 0x%08x, the header says 0x%08x: the "
                 "file is damaged",
                 (unsigned)crc, crc_stored);
        return ckpt_bad(err, path, "crc32", msg);
    }
    return NN_OK;
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
    unsigned bits = 0;
    int rc = nn_read_file(path, CKPT_MAX_BYTES, &data, &len, err);
    if (rc)
        return rc;
    if ((rc = check_header(data, len, path, &bits, err))) {
        free(data);
        return rc;
    }
    struct nn_train_state s = {0};
    struct ckpt c = {.path = path, .m = m, .cfg = cfg, .s = &s, .max_batch = max_batch, .err = err};
    struct rbuf r = {(const unsigned char *)data + CKPT_HEADER, len - CKPT_HEADER, 0, 0};
    for (int i = 0; i < N_OF(sections) && !rc; i++)
        if (has(bits, &sections[i]))
            rc = section_get(&sections[i], &r, &c);
    if (!rc && r.off != r.n)
        rc = ckpt_bad(err, path, "payload", "unexpected bytes after the optimizer state");
    free(data);
    if (rc) {
        nn_model_free(m);
        nn_config_free(cfg);
        return rc;
    }
    if (st)
        *st = s;
    return NN_OK;
}
