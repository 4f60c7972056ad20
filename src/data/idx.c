/* IDX reader and writer. See include/nnctl/idx.h for the format.
 *
 * Reading goes through zlib's gz* API for both raw and gzip files: gzdopen() recognises gzip by its
 * 1f 8b magic and passes other files through unchanged, so the file name never matters. Every size
 * taken from a header is checked for overflow and against a cap before anything is allocated, and
 * the data buffer grows only as bytes actually arrive, so a hostile header (or a gzip "bomb" that
 * claims a huge size) cannot make us allocate more than about twice what the file really holds. */
#include "nnctl/idx.h"

#include "nnctl/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* First buffer size while reading data; doubled as data arrives, up to the header's size. */
#define IDX_INITIAL_CHUNK ((size_t)1 << 20)
/* zlib takes unsigned int lengths; stay well below UINT_MAX per call. */
#define IDX_MAX_IO ((size_t)1 << 30)
/* After the data, we count trailing bytes only this far, so that a file with an endless tail
 * (or a gzip bomb) cannot keep us reading; the error then says "more than". */
#define IDX_MAX_TRAILING_COUNT ((size_t)64 << 20)

static size_t idx_elem_size(int type)
{
    return type == NN_IDX_F32 ? 4 : 1;
}

/* Names of all IDX element types, so that an unsupported but valid one is named in the error. */
static const char *idx_type_name(unsigned type)
{
    switch (type) {
    case 0x08:
        return "u8";
    case 0x09:
        return "i8";
    case 0x0B:
        return "i16";
    case 0x0C:
        return "i32";
    case 0x0D:
        return "f32";
    case 0x0E:
        return "f64";
    default:
        return "not an IDX type";
    }
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* "60000 x 28 x 28" into buf (always NUL-terminated; 4 dims of 10 digits fit in 64 bytes). */
static void format_dims(char *buf, size_t n, int ndim, const uint32_t *dims)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && used < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%" PRIu32, i ? " x " : "", dims[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Product of dims times element size, or an error if it overflows size_t or exceeds the cap. */
static int idx_data_bytes(const char *path, int type, int ndim, const uint32_t *dims,
                          size_t max_bytes, size_t *count_out, size_t *bytes_out, int err_code,
                          struct nn_error *err)
{
    char shape[64];
    size_t count = 1;
    format_dims(shape, sizeof shape, ndim, dims);
    for (int i = 0; i < ndim; i++) {
        if (dims[i] == 0)
            return nn_error_set(err, err_code,
                                "%s: field 'dims[%d]': is 0 (shape %s), so the file holds no data "
                                "(empty)",
                                path, i, shape);
        if (count > SIZE_MAX / dims[i])
            return nn_error_set(err, err_code,
                                "%s: field 'dims': the product of the dims %s overflows size_t",
                                path, shape);
        count *= dims[i];
    }
    size_t es = idx_elem_size(type);
    if (count > SIZE_MAX / es)
        return nn_error_set(err, err_code,
                            "%s: field 'dims': %s elements x %zu bytes overflows size_t", path,
                            shape, es);
    size_t bytes = count * es;
    if (max_bytes != 0 && bytes > max_bytes)
        return nn_error_set(err, err_code,
                            "%s: field 'dims': header says %s elements x %zu bytes = %zu bytes of "
                            "data, more than the limit of %zu bytes",
                            path, shape, es, bytes, max_bytes);
    *count_out = count;
    *bytes_out = bytes;
    return NN_OK;
}

/* ---------------------------------------------------------------- reading */

struct idx_reader {
    const char *path;
    gzFile gz;
    struct nn_sha256_ctx sha;
    int hash;       /* hash the stream only when the caller asked for the digest */
    uint64_t total; /* decompressed bytes read so far */
};

/* Turns zlib's error state into our error; called whenever a read failed or came up short. */
static int idx_gz_error(struct idx_reader *r, int saved_errno, struct nn_error *err)
{
    int zerr = Z_OK;
    const char *zmsg = gzerror(r->gz, &zerr);
    /* zlib prefixes its message with the stream's name, "<fd:3>" for gzdopen(); ours is better. */
    if (strncmp(zmsg, "<fd:", 4) == 0 && strstr(zmsg, ": "))
        zmsg = strstr(zmsg, ": ") + 2;
    switch (zerr) {
    case Z_OK:
    case Z_STREAM_END:
        return NN_OK;
    case Z_ERRNO:
        return nn_error_set(err, NN_ERR_IO, "%s: read error: %s", r->path, strerror(saved_errno));
    case Z_MEM_ERROR:
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory while decompressing", r->path);
    case Z_BUF_ERROR:
        /* zlib reports a gzip stream that stops before its end (a cut-off download) this way. */
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: corrupt gzip data: the compressed stream is truncated (zlib: %s)",
                            r->path, zmsg);
    default:
        /* No byte offset: zlib inflates ahead of us, so ours would not say where the damage is. */
        return nn_error_set(err, NN_ERR_FORMAT, "%s: corrupt gzip data (zlib: %s)", r->path, zmsg);
    }
}

/* Reads up to len bytes; *got < len only at the end of the (decompressed) stream. */
static int idx_read_bytes(struct idx_reader *r, void *buf, size_t len, size_t *got,
                          struct nn_error *err)
{
    size_t done = 0;
    *got = 0;
    while (done < len) {
        size_t want = len - done;
        if (want > IDX_MAX_IO)
            want = IDX_MAX_IO;
        errno = 0;
        int n = gzread(r->gz, (char *)buf + done, (unsigned)want);
        int saved_errno = errno;
        if (n < 0) {
            int rc = idx_gz_error(r, saved_errno, err);
            return rc != NN_OK ? rc : nn_error_set(err, NN_ERR_IO, "%s: read error", r->path);
        }
        if (n == 0)
            break;
        if (r->hash)
            nn_sha256_update(&r->sha, (char *)buf + done, (size_t)n);
        r->total += (uint64_t)n;
        done += (size_t)n;
    }
    *got = done;
    if (done < len) {
        /* A short read is either a clean end of stream or zlib hit an error after handing back
         * what it had; only gzerror() tells them apart. */
        return idx_gz_error(r, errno, err);
    }
    return NN_OK;
}

static const char *idx_item_noun(int type, int ndim)
{
    if (ndim == 3)
        return "images";
    if (ndim == 1 && type == NN_IDX_U8)
        return "labels";
    return "items";
}

/* Reads exactly `bytes` of data into a buffer grown as bytes arrive; then checks EOF follows. */
static int idx_read_data(struct idx_reader *r, const struct nn_idx *hdr, size_t bytes,
                         void **data_out, struct nn_error *err)
{
    size_t cap = bytes < IDX_INITIAL_CHUNK ? bytes : IDX_INITIAL_CHUNK;
    size_t have = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: cannot allocate %zu bytes for the data",
                            r->path, cap);
    for (;;) {
        size_t got = 0;
        int rc = idx_read_bytes(r, buf + have, cap - have, &got, err);
        if (rc != NN_OK) {
            free(buf);
            return rc;
        }
        have += got;
        if (have < cap || have == bytes)
            break; /* end of stream, or all the data is in */
        size_t next = cap > bytes / 2 ? bytes : cap * 2;
        uint8_t *grown = realloc(buf, next);
        if (!grown) {
            free(buf);
            return nn_error_set(err, NN_ERR_NOMEM, "%s: cannot allocate %zu bytes for the data",
                                r->path, next);
        }
        buf = grown;
        cap = next;
    }

    /* Anything after the data is an error too: count how much, up to a limit. */
    size_t extra = 0;
    int more_than = 0;
    if (have == bytes) {
        uint8_t scratch[4096];
        for (;;) {
            size_t got = 0;
            int rc = idx_read_bytes(r, scratch, sizeof scratch, &got, err);
            if (rc != NN_OK) {
                free(buf);
                return rc;
            }
            extra += got;
            if (got < sizeof scratch)
                break;
            if (extra >= IDX_MAX_TRAILING_COUNT) {
                more_than = 1;
                break;
            }
        }
    }
    if (have != bytes || extra != 0) {
        size_t found = have + extra;
        int direct = gzdirect(r->gz);
        free(buf);
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims[0]': header says %" PRIu32
                            " %s x %zu bytes = %zu bytes of data, file has %s%zu%s",
                            r->path, hdr->dims[0], idx_item_noun(hdr->type, hdr->ndim),
                            bytes / hdr->dims[0], bytes, more_than ? "more than " : "", found,
                            direct ? "" : " after decompression");
    }
    *data_out = buf;
    return NN_OK;
}

static int idx_parse(struct idx_reader *r, size_t max_bytes, struct nn_idx *out,
                     struct nn_error *err)
{
    uint8_t hdr[4 + 4 * NN_IDX_MAX_DIMS];
    size_t got = 0;
    int rc = idx_read_bytes(r, hdr, 4, &got, err);
    if (rc != NN_OK)
        return rc;
    if (got == 0)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'magic': file is empty%s, expected an IDX header", r->path,
                            gzdirect(r->gz) ? "" : " after decompression");
    if (got < 4)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'magic': file has only %zu bytes, an IDX header needs at "
                            "least 4",
                            r->path, got);
    uint32_t magic = load_be32(hdr);
    if (hdr[0] != 0 || hdr[1] != 0)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'magic': expected 0x0000080X or 0x00000D0X, found "
                            "0x%08" PRIX32 " (not an IDX file)",
                            r->path, magic);
    unsigned type = hdr[2];
    if (type != NN_IDX_U8 && type != NN_IDX_F32)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'type': unsupported type byte 0x%02X (%s) in magic "
                            "0x%08" PRIX32 ", expected 0x08 (u8) or 0x0D (f32)",
                            r->path, type, idx_type_name(type), magic);
    int ndim = hdr[3];
    if (ndim < 1 || ndim > NN_IDX_MAX_DIMS)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'ndim': expected 1..%d, found %d (magic 0x%08" PRIX32 ")",
                            r->path, NN_IDX_MAX_DIMS, ndim, magic);
    size_t dim_bytes = 4 * (size_t)ndim;
    rc = idx_read_bytes(r, hdr + 4, dim_bytes, &got, err);
    if (rc != NN_OK)
        return rc;
    if (got < dim_bytes)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims': header truncated: %d dims need %zu header bytes, "
                            "file has %zu",
                            r->path, ndim, 4 + dim_bytes, 4 + got);

    struct nn_idx h = {0};
    h.type = (enum nn_idx_type)type; /* validated above */
    h.ndim = ndim;
    for (int i = 0; i < ndim; i++)
        h.dims[i] = load_be32(hdr + 4 + 4 * i);
    size_t bytes = 0;
    rc = idx_data_bytes(r->path, h.type, ndim, h.dims, max_bytes, &h.count, &bytes, NN_ERR_FORMAT,
                        err);
    if (rc != NN_OK)
        return rc;
    rc = idx_read_data(r, &h, bytes, &h.data, err);
    if (rc != NN_OK)
        return rc;

    if (h.type == NN_IDX_F32) {
        /* Big-endian on disk to host order, via memcpy so that alignment never matters. */
        uint8_t *p = h.data;
        for (size_t i = 0; i < h.count; i++) {
            uint32_t u = load_be32(p + 4 * i);
            memcpy(p + 4 * i, &u, 4);
        }
    }
    *out = h;
    return NN_OK;
}

int nn_idx_read_ex(const char *path, size_t max_bytes, struct nn_idx *out,
                   uint8_t sha256[NN_SHA256_DIGEST_LEN], uint64_t *stream_bytes,
                   struct nn_error *err)
{
    if (!out)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_idx_read: no output struct given");
    memset(out, 0, sizeof *out);
    if (!path)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_idx_read: no path given");
    if (max_bytes == 0)
        max_bytes = NN_IDX_DEFAULT_MAX_BYTES;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nn_error_set(err, NN_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return nn_error_set(err, NN_ERR_IO, "%s: is a directory, expected an IDX file", path);
    }
    struct idx_reader r = {0};
    r.path = path;
    r.gz = gzdopen(fd, "rb");
    if (!r.gz) {
        close(fd);
        return nn_error_set(err, NN_ERR_NOMEM, "%s: cannot set up the gzip reader", path);
    }
    /* A larger buffer than zlib's 8 KiB default: fewer syscalls on 47 MB files. */
    gzbuffer(r.gz, 128u * 1024u);
    nn_sha256_init(&r.sha);
    r.hash = sha256 != NULL;

    int rc = idx_parse(&r, max_bytes, out, err);
    gzclose_r(r.gz); /* read errors were already caught by gzerror() */
    if (rc != NN_OK)
        return rc;
    if (sha256)
        nn_sha256_final(&r.sha, sha256);
    if (stream_bytes)
        *stream_bytes = r.total;
    return NN_OK;
}

int nn_idx_read(const char *path, size_t max_bytes, struct nn_idx *out, struct nn_error *err)
{
    return nn_idx_read_ex(path, max_bytes, out, NULL, NULL, err);
}

void nn_idx_free(struct nn_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

/* ---------------------------------------------------------------- writing */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len > IDX_MAX_IO ? IDX_MAX_IO : len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One sink for raw and gzip output, so the conversion loop is written once. */
struct idx_sink {
    int fd;
    gzFile gz; /* NULL for raw output */
};

static int sink_write(struct idx_sink *s, const void *buf, size_t len)
{
    if (!s->gz)
        return write_all(s->fd, buf, len);
    const char *p = buf;
    while (len > 0) {
        unsigned n = (unsigned)(len > IDX_MAX_IO ? IDX_MAX_IO : len);
        if (gzwrite(s->gz, p, n) != (int)n)
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

static int idx_write_body(const char *path, struct idx_sink *s, int type, int ndim,
                          const uint32_t *dims, const void *data, size_t count,
                          struct nn_error *err)
{
    uint8_t hdr[4 + 4 * NN_IDX_MAX_DIMS];
    /* The caller checked ndim already; repeating it lets the compiler see hdr cannot overflow. */
    if (ndim < 1 || ndim > NN_IDX_MAX_DIMS)
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: field 'ndim': expected 1..%d, found %d", path,
                            NN_IDX_MAX_DIMS, ndim);
    store_be32(hdr, (uint32_t)type << 8 | (uint32_t)ndim);
    for (int i = 0; i < ndim; i++)
        store_be32(hdr + 4 + 4 * i, dims[i]);
    if (sink_write(s, hdr, 4 + 4 * (size_t)ndim) != 0)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot write the header: %s", path,
                            strerror(errno));
    if (type == NN_IDX_U8) {
        if (sink_write(s, data, count) != 0)
            return nn_error_set(err, NN_ERR_IO, "%s: cannot write the data: %s", path,
                                strerror(errno));
        return NN_OK;
    }
    /* f32: host order to big-endian through a small staging buffer. */
    const uint8_t *src = data;
    uint8_t stage[16384];
    size_t per = sizeof stage / 4;
    for (size_t i = 0; i < count; i += per) {
        size_t n = count - i < per ? count - i : per;
        for (size_t j = 0; j < n; j++) {
            uint32_t u;
            memcpy(&u, src + 4 * (i + j), 4);
            store_be32(stage + 4 * j, u);
        }
        if (sink_write(s, stage, 4 * n) != 0)
            return nn_error_set(err, NN_ERR_IO, "%s: cannot write the data: %s", path,
                                strerror(errno));
    }
    return NN_OK;
}

int nn_idx_write(const char *path, enum nn_idx_type type, int ndim, const uint32_t *dims,
                 const void *data, struct nn_error *err)
{
    if (!path || !dims || !data)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_idx_write: path, dims and data are required");
    if (type != NN_IDX_U8 && type != NN_IDX_F32)
        return nn_error_set(err, NN_ERR_RUNTIME,
                            "%s: field 'type': cannot write type 0x%02X, expected 0x08 (u8) or "
                            "0x0D (f32)",
                            path, (unsigned)type & 0xFFu);
    if (ndim < 1 || ndim > NN_IDX_MAX_DIMS)
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: field 'ndim': expected 1..%d, found %d", path,
                            NN_IDX_MAX_DIMS, ndim);
    size_t count = 0, bytes = 0;
    int rc = idx_data_bytes(path, type, ndim, dims, 0, &count, &bytes, NN_ERR_RUNTIME, err);
    if (rc != NN_OK)
        return rc;

    struct nn_atomic a;
    rc = nn_atomic_open(&a, path, err);
    if (rc != NN_OK)
        return rc;
    struct idx_sink sink = {a.fd, NULL};
    if (nn_path_ends_with(path, ".gz")) {
        /* gzclose closes the descriptor it was given; a dup keeps ours open for the commit. */
        int gfd = dup(a.fd);
        sink.gz = gfd >= 0 ? gzdopen(gfd, "wb6") : NULL;
        if (!sink.gz) {
            if (gfd >= 0)
                close(gfd);
            nn_atomic_abort(&a);
            return nn_error_set(err, NN_ERR_IO, "%s: cannot set up the gzip writer", path);
        }
    }
    rc = idx_write_body(path, &sink, type, ndim, dims, data, count, err);
    if (sink.gz) {
        int zrc = gzclose_w(sink.gz);
        if (rc == NN_OK && zrc != Z_OK)
            rc = nn_error_set(err, NN_ERR_IO, "%s: cannot finish the gzip stream (zlib error %d)",
                              path, zrc);
    }
    if (rc != NN_OK) {
        nn_atomic_abort(&a);
        return rc;
    }
    return nn_atomic_commit(&a, err);
}

/* ---------------------------------------------------------------- pairs */

int nn_idx_check_pair(const char *img_path, const struct nn_idx *img, const char *lbl_path,
                      const struct nn_idx *lbl, int n_classes, struct nn_error *err)
{
    if (!img || !lbl)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_idx_check_pair: missing images or labels");
    if (!img_path)
        img_path = "(images)";
    if (!lbl_path)
        lbl_path = "(labels)";
    if (n_classes < 1 || n_classes > 256)
        return nn_error_set(err, NN_ERR_RUNTIME,
                            "%s: n_classes must be 1..256 for u8 labels, found %d", lbl_path,
                            n_classes);
    if (img->type != NN_IDX_U8)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'type': expected u8 images (0x08), found %s (0x%02X)",
                            img_path, idx_type_name((unsigned)img->type), (unsigned)img->type);
    if (img->ndim != 3)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'ndim': expected 3 for images (count x rows x cols), "
                            "found %d",
                            img_path, img->ndim);
    if (lbl->type != NN_IDX_U8)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'type': expected u8 labels (0x08), found %s (0x%02X)",
                            lbl_path, idx_type_name((unsigned)lbl->type), (unsigned)lbl->type);
    if (lbl->ndim != 1)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'ndim': expected 1 for labels, found %d",
                            lbl_path, lbl->ndim);
    if (img->dims[0] != lbl->dims[0])
        return nn_error_set(err, NN_ERR_FORMAT,
                            "%s: field 'dims[0]': %" PRIu32 " images, but %s: field 'dims[0]': "
                            "%" PRIu32 " labels; the counts must be equal",
                            img_path, img->dims[0], lbl_path, lbl->dims[0]);
    const uint8_t *labels = lbl->data;
    if (!labels)
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: labels hold no data", lbl_path);
    for (size_t i = 0; i < lbl->count; i++) {
        if (labels[i] >= n_classes)
            return nn_error_set(err, NN_ERR_FORMAT,
                                "%s: field 'data[%zu]': label %u is out of range 0..%d for %d "
                                "classes (images: %s)",
                                lbl_path, i, (unsigned)labels[i], n_classes - 1, n_classes,
                                img_path);
    }
    return NN_OK;
}
