/* Tests for the IDX reader/writer, SHA-256 and the MNIST integrity check.
 *
 * Fixtures are written into a fresh mkdtemp() directory. The malformed-file and pair tests are
 * tables: each row is one file (or pair) and the exact error code and message substring it must
 * produce, so that a new failure mode is one more row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"

#include "nnctl/idx.h"
#include "nnctl/mnist.h"
#include "nnctl/sha256.h"

static char g_mnist_dir_env[4096]; /* $MNIST_DIR as given at start; tests change the variable */
static int g_have_mnist_env;

/* ---------------------------------------------------------------- fixture helpers */

static const char *tmp_path(const char *name)
{
    static char buf[2][512];
    static int which;
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "%s/%s", test_tmpdir(), name);
    return buf[which];
}

static void write_file(const char *path, const uint8_t *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n > 0)
        assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_gz(const char *path, const uint8_t *bytes, size_t n)
{
    gzFile g = gzopen(path, "wb9");
    assert_non_null(g);
    if (n > 0)
        assert_int_equal(gzwrite(g, bytes, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

static uint8_t *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Deterministic bytes that deflate cannot shrink much, so a flipped byte lands in real data. */
static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        p[i] = (uint8_t)(x >> 24);
    }
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Asserts code and that the message contains `want`; prints the message when it does not. */
static void expect_error(int rc, const struct nn_error *err, int code, const char *want)
{
    if (rc != code || strstr(err->msg, want) == NULL)
        print_error("got rc=%d msg=\"%s\"\nwant rc=%d substring \"%s\"\n", rc, err->msg, code,
                    want);
    assert_int_equal(rc, code);
    assert_int_equal(err->code, code);
    assert_non_null(strstr(err->msg, want));
}

/* ---------------------------------------------------------------- malformed files (table) */

enum mangle { M_NONE, M_GZ_FLIP_MIDDLE, M_GZ_CUT_HALF };

struct bad_case {
    const char *name; /* file name in the temp dir; messages start with its path */
    uint8_t hdr[24];  /* leading bytes */
    size_t hdr_len;
    size_t data_len; /* pattern bytes appended after hdr */
    int gz;          /* gzip the whole thing */
    enum mangle mangle;
    size_t max_bytes; /* 0: default cap */
    int code;
    const char *msg; /* expected substring, without the directory */
};

#define FF4 0xFF, 0xFF, 0xFF, 0xFF

static const struct bad_case k_bad[] = {
    {"bad_magic.idx",
     {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1},
     8,
     1,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "bad_magic.idx: field 'magic': expected 0x0000080X or 0x00000D0X, found 0x12345678"},
    {"bad_magic.idx.gz",
     {0x00, 0x01, 0x08, 0x01, 0, 0, 0, 1},
     8,
     1,
     1,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "bad_magic.idx.gz: field 'magic': expected 0x0000080X or 0x00000D0X, found 0x00010801"},
    {"type_i16.idx",
     {0, 0, 0x0B, 1, 0, 0, 0, 1},
     8,
     2,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "type_i16.idx: field 'type': unsupported type byte 0x0B (i16) in magic 0x00000B01, expected "
     "0x08 (u8) or 0x0D (f32)"},
    {"type_42.idx",
     {0, 0, 0x42, 1, 0, 0, 0, 1},
     8,
     1,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "type_42.idx: field 'type': unsupported type byte 0x42 (not an IDX type)"},
    {"ndim0.idx",
     {0, 0, 8, 0},
     4,
     4,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "ndim0.idx: field 'ndim': expected 1..4, found 0 (magic 0x00000800)"},
    {"ndim5.idx",
     {0, 0, 8, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
     24,
     1,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "ndim5.idx: field 'ndim': expected 1..4, found 5"},
    {"empty.idx",
     {0},
     0,
     0,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "empty.idx: field 'magic': file is empty, expected an IDX header"},
    {"empty.idx.gz",
     {0},
     0,
     0,
     1,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "empty.idx.gz: field 'magic': file is empty after decompression"},
    {"short_magic.idx",
     {0, 0, 8},
     3,
     0,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "short_magic.idx: field 'magic': file has only 3 bytes, an IDX header needs at least 4"},
    {"short_header.idx",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0},
     10,
     0,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "short_header.idx: field 'dims': header truncated: 3 dims need 16 header bytes, file has 10"},
    {"short_data.idx",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3},
     16,
     17,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "short_data.idx: field 'dims[0]': header says 2 images x 9 bytes = 18 bytes of data, file "
     "has 17"},
    {"short_data.idx.gz",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3},
     16,
     17,
     1,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "short_data.idx.gz: field 'dims[0]': header says 2 images x 9 bytes = 18 bytes of data, "
     "file has 17 after decompression"},
    {"extra_byte.idx",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3},
     16,
     19,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "extra_byte.idx: field 'dims[0]': header says 2 images x 9 bytes = 18 bytes of data, file "
     "has 19"},
    {"extra_byte.idx.gz",
     {0, 0, 8, 1, 0, 0, 0, 10},
     8,
     11,
     1,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "extra_byte.idx.gz: field 'dims[0]': header says 10 labels x 1 bytes = 10 bytes of data, "
     "file has 11 after decompression"},
    {"short_labels.idx",
     {0, 0, 8, 1, 0, 0, 0, 10},
     8,
     9,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "short_labels.idx: field 'dims[0]': header says 10 labels x 1 bytes = 10 bytes of data, "
     "file has 9"},
    {"short_f32.idx",
     {0, 0, 0x0D, 2, 0, 0, 0, 2, 0, 0, 0, 3},
     12,
     23,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "short_f32.idx: field 'dims[0]': header says 2 items x 12 bytes = 24 bytes of data, file "
     "has 23"},
    {"zero_dim.idx",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3},
     16,
     0,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "zero_dim.idx: field 'dims[1]': is 0 (shape 2 x 0 x 3), so the file holds no data (empty)"},
    {"overflow.idx",
     {0, 0, 8, 4, FF4, FF4, FF4, FF4},
     20,
     0,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "overflow.idx: field 'dims': the product of the dims 4294967295 x 4294967295 x 4294967295 "
     "x 4294967295 overflows size_t"},
    {"overflow_f32.idx",
     {0, 0, 0x0D, 2, FF4, FF4},
     12,
     0,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "overflow_f32.idx: field 'dims': "}, /* which product overflows depends on size_t's width */
    {"over_cap.idx",
     {0, 0, 8, 1, 0x80, 0, 0, 1}, /* one byte over NN_MAX_DATA_BYTES, the default cap */
     8,
     16,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "over_cap.idx: field 'dims': header says 2147483649 elements x 1 bytes = 2147483649 bytes "
     "of data, more than the limit of 2147483648 bytes"},
    {"over_small_cap.idx",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3},
     16,
     18,
     0,
     M_NONE,
     17,
     NN_ERR_FORMAT,
     "over_small_cap.idx: field 'dims': header says 2 x 3 x 3 elements x 1 bytes = 18 bytes of "
     "data, more than the limit of 17 bytes"},
    /* A claimed 1 GiB of data with 16 bytes present: must fail on length, not allocate 1 GiB. */
    {"huge_claim.idx.gz",
     {0, 0, 8, 3, 0, 0, 0x40, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x40},
     16,
     16,
     1,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "huge_claim.idx.gz: field 'dims[0]': header says 16384 images x 65536 bytes = 1073741824 "
     "bytes of data, file has 16 after decompression"},
    {"corrupt.idx.gz",
     {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 20, 0, 0, 0, 40},
     16,
     4000,
     1,
     M_GZ_FLIP_MIDDLE,
     0,
     NN_ERR_FORMAT,
     "corrupt.idx.gz: corrupt gzip data (zlib: "},
    {"cut.idx.gz",
     {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 20, 0, 0, 0, 40},
     16,
     4000,
     1,
     M_GZ_CUT_HALF,
     0,
     NN_ERR_FORMAT,
     "cut.idx.gz: corrupt gzip data: the compressed stream is truncated (zlib: unexpected end of "
     "file)"},
    {"bad_gz_header.idx",
     {0x1f, 0x8b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42},
     12,
     64,
     0,
     M_NONE,
     0,
     NN_ERR_FORMAT,
     "bad_gz_header.idx: corrupt gzip data (zlib: "},
};

#define N_BAD (sizeof k_bad / sizeof k_bad[0])

static void test_bad_file(void **state)
{
    const struct bad_case *c = *state;
    size_t n = c->hdr_len + c->data_len;
    uint8_t *bytes = malloc(n + 1);
    assert_non_null(bytes);
    memcpy(bytes, c->hdr, c->hdr_len);
    fill_pattern(bytes + c->hdr_len, c->data_len, 7);
    const char *path = tmp_path(c->name);
    if (c->gz)
        write_gz(path, bytes, n);
    else
        write_file(path, bytes, n);
    free(bytes);

    if (c->mangle != M_NONE) {
        size_t len = 0;
        uint8_t *gz = read_whole(path, &len);
        assert_true(len > 64);
        if (c->mangle == M_GZ_FLIP_MIDDLE) {
            for (size_t i = len / 2 - 4; i < len / 2 + 4; i++)
                gz[i] ^= 0x5A;
        } else {
            len /= 2;
        }
        write_file(path, gz, len);
        free(gz);
    }

    struct nn_idx idx;
    memset(&idx, 0xAB, sizeof idx); /* the reader must reset it on failure */
    struct nn_error err = {0};
    int rc = nn_idx_read(path, c->max_bytes, &idx, &err);
    char want[1024];
    snprintf(want, sizeof want, "%s/%s", test_tmpdir(), c->msg);
    expect_error(rc, &err, c->code, want);
    assert_null(idx.data);
    nn_idx_free(&idx);
}

static void test_missing_and_dir(void **state)
{
    (void)state;
    struct nn_idx idx;
    struct nn_error err = {0};
    int rc = nn_idx_read(tmp_path("does-not-exist.idx"), 0, &idx, &err);
    expect_error(rc, &err, NN_ERR_IO, "does-not-exist.idx: cannot open: No such file or directory");
    rc = nn_idx_read(test_tmpdir(), 0, &idx, &err);
    expect_error(rc, &err, NN_ERR_IO, "is a directory");
}

/* ---------------------------------------------------------------- good files */

static void test_good_u8_raw_and_gz(void **state)
{
    (void)state;
    uint8_t bytes[16 + 2 * 3 * 4];
    const uint8_t hdr[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    memcpy(bytes, hdr, 16);
    fill_pattern(bytes + 16, 24, 3);
    write_file(tmp_path("good.idx"), bytes, sizeof bytes);
    /* A gzip file without a .gz name: detection is by content. */
    write_gz(tmp_path("good_gz_no_suffix.idx"), bytes, sizeof bytes);
    const char *names[2] = {"good.idx", "good_gz_no_suffix.idx"};
    for (int k = 0; k < 2; k++) {
        struct nn_idx idx;
        struct nn_error err = {0};
        uint8_t sha[32], want_sha[32];
        uint64_t stream = 0;
        int rc = nn_idx_read_ex(tmp_path(names[k]), 0, &idx, sha, &stream, &err);
        if (rc != NN_OK)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, NN_OK);
        assert_int_equal(idx.type, NN_IDX_U8);
        assert_int_equal(idx.ndim, 3);
        assert_int_equal(idx.dims[0], 2);
        assert_int_equal(idx.dims[1], 3);
        assert_int_equal(idx.dims[2], 4);
        assert_int_equal(idx.count, 24);
        assert_memory_equal(idx.data, bytes + 16, 24);
        /* The digest covers the whole decompressed stream, header included. */
        assert_int_equal(stream, sizeof bytes);
        nn_sha256(bytes, sizeof bytes, want_sha);
        assert_memory_equal(sha, want_sha, 32);
        nn_idx_free(&idx);
        assert_null(idx.data);
        nn_idx_free(&idx); /* twice is harmless */
    }
}

static void test_f32_round_trip(void **state)
{
    (void)state;
    /* Bit patterns a lossy path would change: -0, denormals, infinities, NaN payloads. */
    const uint32_t bits[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x807FFFFFu,
                             0x7F800000u, 0xFF800000u, 0x7FC00001u, 0xFFBADBADu,
                             0x3F800000u, 0x40490FDBu, 0x12345678u, 0xC2F6E979u};
    enum { N = sizeof bits / sizeof bits[0] };
    float vals[N];
    memcpy(vals, bits, sizeof vals);
    const uint32_t dims[2] = {3, 4};
    const char *names[2] = {"rt.idx", "rt.idx.gz"};
    for (int k = 0; k < 2; k++) {
        struct nn_error err = {0};
        const char *path = tmp_path(names[k]);
        int rc = nn_idx_write(path, NN_IDX_F32, 2, dims, vals, &err);
        if (rc != NN_OK)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, NN_OK);
        char tmp[600];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        assert_false(file_exists(tmp));

        size_t len = 0;
        uint8_t *raw = read_whole(path, &len);
        if (k == 0) {
            /* Big-endian on disk: magic 0x00000D02, dims, then the first value's top byte. */
            assert_int_equal(len, 12 + 4 * N);
            const uint8_t head[12] = {0, 0, 0x0D, 2, 0, 0, 0, 3, 0, 0, 0, 4};
            assert_memory_equal(raw, head, 12);
            assert_int_equal(raw[12 + 4 * 9], 0x40);
            assert_int_equal(raw[12 + 4 * 9 + 3], 0xDB);
        } else {
            assert_int_equal(raw[0], 0x1f);
            assert_int_equal(raw[1], 0x8b);
        }
        free(raw);

        struct nn_idx idx;
        rc = nn_idx_read(path, 0, &idx, &err);
        assert_int_equal(rc, NN_OK);
        assert_int_equal(idx.type, NN_IDX_F32);
        assert_int_equal(idx.ndim, 2);
        assert_int_equal(idx.count, N);
        assert_memory_equal(idx.data, bits, sizeof bits);
        nn_idx_free(&idx);
    }
}

static void test_u8_write_4d_round_trip(void **state)
{
    (void)state;
    uint8_t data[2 * 3 * 1 * 5];
    fill_pattern(data, sizeof data, 11);
    const uint32_t dims[4] = {2, 3, 1, 5};
    struct nn_error err = {0};
    assert_int_equal(nn_idx_write(tmp_path("u8_4d.idx"), NN_IDX_U8, 4, dims, data, &err), NN_OK);
    struct nn_idx idx;
    assert_int_equal(nn_idx_read(tmp_path("u8_4d.idx"), 0, &idx, &err), NN_OK);
    assert_int_equal(idx.ndim, 4);
    assert_int_equal(idx.dims[3], 5);
    assert_memory_equal(idx.data, data, sizeof data);
    nn_idx_free(&idx);
}

/* Larger than the reader's first 1 MiB buffer, so the grow-as-data-arrives path runs, complete and
 * truncated, raw and gzip. */
static void test_large_growth(void **state)
{
    (void)state;
    const uint32_t dims[3] = {5, 1024, 700};
    size_t n = 5u * 1024u * 700u;
    uint8_t *data = malloc(n);
    assert_non_null(data);
    fill_pattern(data, n, 13);
    struct nn_error err = {0};
    const char *names[2] = {"large.idx", "large.idx.gz"};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(nn_idx_write(tmp_path(names[k]), NN_IDX_U8, 3, dims, data, &err), NN_OK);
        struct nn_idx idx;
        assert_int_equal(nn_idx_read(tmp_path(names[k]), 0, &idx, &err), NN_OK);
        assert_int_equal(idx.count, n);
        assert_memory_equal(idx.data, data, n);
        nn_idx_free(&idx);
    }
    size_t len = 0;
    uint8_t *raw = read_whole(tmp_path("large.idx"), &len);
    write_file(tmp_path("large_cut.idx"), raw, len - 1000);
    free(raw);
    struct nn_idx idx;
    int rc = nn_idx_read(tmp_path("large_cut.idx"), 0, &idx, &err);
    expect_error(rc, &err, NN_ERR_FORMAT,
                 "large_cut.idx: field 'dims[0]': header says 5 images x 716800 bytes = 3584000 "
                 "bytes of data, file has 3583000");
    free(data);
}

static void test_write_errors(void **state)
{
    (void)state;
    uint8_t data[4] = {1, 2, 3, 4};
    const uint32_t dims[5] = {4, 1, 1, 1, 1};
    const uint32_t zero[1] = {0};
    struct nn_error err = {0};
    int rc = nn_idx_write(tmp_path("w.idx"), NN_IDX_U8, 0, dims, data, &err);
    expect_error(rc, &err, NN_ERR_RUNTIME, "field 'ndim': expected 1..4, found 0");
    rc = nn_idx_write(tmp_path("w.idx"), NN_IDX_U8, 5, dims, data, &err);
    expect_error(rc, &err, NN_ERR_RUNTIME, "field 'ndim': expected 1..4, found 5");
    rc = nn_idx_write(tmp_path("w.idx"), 0x0B, 1, dims, data, &err);
    expect_error(rc, &err, NN_ERR_RUNTIME, "field 'type': cannot write type 0x0B");
    rc = nn_idx_write(tmp_path("w.idx"), NN_IDX_U8, 1, zero, data, &err);
    expect_error(rc, &err, NN_ERR_RUNTIME, "field 'dims[0]': is 0");
    assert_false(file_exists(tmp_path("w.idx")));
    /* The directory does not exist: an I/O error, and nothing is left behind. */
    rc = nn_idx_write(tmp_path("no/such/dir/w.idx"), NN_IDX_U8, 1, dims, data, &err);
    expect_error(rc, &err, NN_ERR_IO, ": cannot create: No such file or directory");
    assert_non_null(strstr(err.msg, "no/such/dir/w.idx.tmp."));
}

/* ---------------------------------------------------------------- image/label pairs (table) */

struct pair_case {
    const char *name;
    uint8_t img_hdr[16];
    size_t img_hdr_len;
    size_t img_data;
    uint8_t lbl[16]; /* whole labels file */
    size_t lbl_len;
    int n_classes;
    int code;
    const char *msg; /* "%1$s" is not portable: IMG and LBL below stand for the two paths */
};

static const struct pair_case k_pairs[] = {
    {"ok",
     {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2},
     16,
     12,
     {0, 0, 8, 1, 0, 0, 0, 3, 0, 9, 5},
     11,
     10,
     NN_OK,
     ""},
    {"count_mismatch",
     {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2},
     16,
     12,
     {0, 0, 8, 1, 0, 0, 0, 2, 0, 1},
     10,
     10,
     NN_ERR_FORMAT,
     "IMG: field 'dims[0]': 3 images, but LBL: field 'dims[0]': 2 labels; the counts must be "
     "equal"},
    {"label_range",
     {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2},
     16,
     12,
     {0, 0, 8, 1, 0, 0, 0, 3, 0, 10, 1},
     11,
     10,
     NN_ERR_FORMAT,
     "LBL: field 'data[1]': label 10 is out of range 0..9 for 10 classes (images: IMG)"},
    {"label_255",
     {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2},
     16,
     4,
     {0, 0, 8, 1, 0, 0, 0, 1, 255},
     9,
     2,
     NN_ERR_FORMAT,
     "LBL: field 'data[0]': label 255 is out of range 0..1 for 2 classes (images: IMG)"},
    {"images_2d",
     {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 4},
     12,
     12,
     {0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2},
     11,
     10,
     NN_ERR_FORMAT,
     "IMG: field 'ndim': expected 3 for images (count x rows x cols), found 2"},
    {"images_f32",
     {0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
     16,
     4,
     {0, 0, 8, 1, 0, 0, 0, 1, 0},
     9,
     10,
     NN_ERR_FORMAT,
     "IMG: field 'type': expected u8 images (0x08), found f32 (0x0D)"},
    {"labels_2d",
     {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1},
     16,
     2,
     {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1},
     14,
     10,
     NN_ERR_FORMAT,
     "LBL: field 'ndim': expected 1 for labels, found 2"},
};

#define N_PAIRS (sizeof k_pairs / sizeof k_pairs[0])

/* Replaces IMG and LBL in `tmpl` by the two paths. */
static void expand_pair_msg(char *out, size_t n, const char *tmpl, const char *img, const char *lbl)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = tmpl; *p && used + 1 < n;) {
        const char *rep = NULL;
        if (strncmp(p, "IMG", 3) == 0)
            rep = img;
        else if (strncmp(p, "LBL", 3) == 0)
            rep = lbl;
        if (rep) {
            used += (size_t)snprintf(out + used, n - used, "%s", rep);
            p += 3;
        } else {
            out[used++] = *p++;
            out[used] = '\0';
        }
    }
}

static void test_pair(void **state)
{
    const struct pair_case *c = *state;
    char img_path[600], lbl_path[600];
    snprintf(img_path, sizeof img_path, "%s/pair_%s_images.idx", test_tmpdir(), c->name);
    snprintf(lbl_path, sizeof lbl_path, "%s/pair_%s_labels.idx.gz", test_tmpdir(), c->name);
    uint8_t img_bytes[64];
    memcpy(img_bytes, c->img_hdr, c->img_hdr_len);
    fill_pattern(img_bytes + c->img_hdr_len, c->img_data, 5);
    write_file(img_path, img_bytes, c->img_hdr_len + c->img_data);
    write_gz(lbl_path, c->lbl, c->lbl_len);

    struct nn_idx img, lbl;
    struct nn_error err = {0};
    assert_int_equal(nn_idx_read(img_path, 0, &img, &err), NN_OK);
    assert_int_equal(nn_idx_read(lbl_path, 0, &lbl, &err), NN_OK);
    int rc = nn_idx_check_pair(img_path, &img, lbl_path, &lbl, c->n_classes, &err);
    if (c->code == NN_OK) {
        assert_int_equal(rc, NN_OK);
    } else {
        char want[2048];
        expand_pair_msg(want, sizeof want, c->msg, img_path, lbl_path);
        expect_error(rc, &err, c->code, want);
    }
    nn_idx_free(&img);
    nn_idx_free(&lbl);
}

/* ---------------------------------------------------------------- sha256 */

static void hex_of(const void *data, size_t n, char out[65])
{
    uint8_t d[32];
    nn_sha256(data, n, d);
    nn_sha256_hex(d, out);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    hex_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m448, strlen(m448), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* One million 'a', fed in uneven pieces so every buffering path runs. */
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct nn_sha256_ctx ctx;
    nn_sha256_init(&ctx);
    size_t left = 1000000, step = 1;
    while (left > 0) {
        size_t n = step < left ? step : left;
        nn_sha256_update(&ctx, chunk, n);
        left -= n;
        step = step % 987 + 13; /* stays below sizeof chunk */
    }
    uint8_t d[32];
    nn_sha256_final(&ctx, d);
    nn_sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_incremental_matches_oneshot(void **state)
{
    (void)state;
    uint8_t buf[200];
    fill_pattern(buf, sizeof buf, 9);
    /* Lengths around the 55/56/64-byte padding boundaries, split at every point. */
    const size_t lens[] = {55, 56, 57, 63, 64, 65, 119, 120, 128, 200};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t want[32], got[32];
        nn_sha256(buf, lens[k], want);
        for (size_t cut = 0; cut <= lens[k]; cut++) {
            struct nn_sha256_ctx ctx;
            nn_sha256_init(&ctx);
            nn_sha256_update(&ctx, buf, cut);
            nn_sha256_update(&ctx, buf + cut, lens[k] - cut);
            nn_sha256_final(&ctx, got);
            assert_memory_equal(got, want, 32);
        }
    }
}

/* ---------------------------------------------------------------- MNIST */

static void restore_mnist_env(void)
{
    if (g_have_mnist_env)
        setenv("MNIST_DIR", g_mnist_dir_env, 1);
    else
        unsetenv("MNIST_DIR");
}

static void test_mnist_path(void **state)
{
    (void)state;
    char out[1024];
    struct nn_error err = {0};
    unsetenv("MNIST_DIR");
    int rc = nn_mnist_path(NULL, NN_MNIST_TRAIN_IMAGES, out, sizeof out, &err);
    expect_error(rc, &err, NN_ERR_CONFIG, "set the environment variable MNIST_DIR or data.dir");
    assert_non_null(strstr(err.msg, "scripts/fetch-mnist.sh"));

    char dir[600];
    snprintf(dir, sizeof dir, "%s/mnist_path", test_tmpdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    rc = nn_mnist_path(dir, NN_MNIST_TEST_LABELS, out, sizeof out, &err);
    char want[2048];
    snprintf(want, sizeof want, "tried %s/t10k-labels-idx1-ubyte and %s/t10k-labels-idx1-ubyte.gz",
             dir, dir);
    expect_error(rc, &err, NN_ERR_IO, want);

    /* Only the .gz exists: found, via $MNIST_DIR. */
    char p[1024];
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", dir);
    write_file(p, (const uint8_t *)"x", 1);
    setenv("MNIST_DIR", dir, 1);
    assert_int_equal(nn_mnist_path(NULL, NN_MNIST_TEST_LABELS, out, sizeof out, &err), NN_OK);
    assert_string_equal(out, p);
    /* Both exist: the raw file wins. */
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", dir);
    write_file(p, (const uint8_t *)"x", 1);
    assert_int_equal(nn_mnist_path(dir, NN_MNIST_TEST_LABELS, out, sizeof out, &err), NN_OK);
    assert_string_equal(out, p);
    /* Output buffer too small: an error, never a truncated path. */
    rc = nn_mnist_path(dir, NN_MNIST_TEST_LABELS, out, 8, &err);
    expect_error(rc, &err, NN_ERR_CONFIG, "path is too long");
    restore_mnist_env();
}

/* Tiny stand-ins for the four files: they parse, but their digests and shapes are wrong and one
 * test image repeats a training image, so every kind of failure shows in the report. */
static void test_mnist_check_fake(void **state)
{
    (void)state;
    char dir[600], p[1024];
    snprintf(dir, sizeof dir, "%s/mnist_fake", test_tmpdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    uint8_t train[16 + 3 * 4], test[16 + 2 * 4];
    const uint8_t hdr_tr[16] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};
    const uint8_t hdr_te[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2};
    memcpy(train, hdr_tr, 16);
    memcpy(test, hdr_te, 16);
    fill_pattern(train + 16, 12, 1);
    fill_pattern(test + 16, 8, 2);
    memcpy(test + 16 + 4, train + 16 + 8, 4); /* test[1] == train[2] */
    memcpy(train + 16 + 4, train + 16, 4);    /* train[1] == train[0] */
    const uint8_t lbl_tr[11] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3};
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
    write_gz(p, train, sizeof train);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", dir);
    write_file(p, lbl_tr, sizeof lbl_tr);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
    write_file(p, test, sizeof test);
    /* t10k-labels is missing. */

    char txt_path[700], json_path[700], json_tmp[710];
    snprintf(txt_path, sizeof txt_path, "%s/report.txt", test_tmpdir());
    snprintf(json_path, sizeof json_path, "%s/report.json", test_tmpdir());
    snprintf(json_tmp, sizeof json_tmp, "%s.tmp", json_path);
    FILE *txt = fopen(txt_path, "w+");
    assert_non_null(txt);
    struct nn_error err = {0};
    int rc = nn_mnist_check(dir, txt, json_path, &err);
    fclose(txt);
    /* The first failure is train-images' size, a format error. */
    expect_error(rc, &err, NN_ERR_FORMAT, "MNIST data check failed (");
    assert_non_null(strstr(err.msg, "first: "));
    assert_non_null(strstr(err.msg, "train-images-idx3-ubyte.gz: size check: 28 decompressed "
                                    "bytes, expected 47040016"));

    size_t n = 0;
    char *report = (char *)read_whole(txt_path, &n);
    report[n] = '\0';
    assert_non_null(strstr(report, "sha256 check: found"));
    assert_non_null(strstr(report, "shape check: expected u8 60000 x 28 x 28"));
    assert_non_null(strstr(report, "t10k-labels-idx1-ubyte not found: tried"));
    assert_non_null(strstr(report, "label histogram check"));
    assert_non_null(strstr(report, "disjointness: 1 test images duplicate a training image"));
    assert_non_null(strstr(report, "duplicates within train: 1"));
    assert_non_null(strstr(report, "result: FAILED"));
    free(report);

    char *json = (char *)read_whole(json_path, &n);
    json[n] = '\0';
    assert_non_null(strstr(json, "\"ok\": false"));
    assert_non_null(strstr(json, "\"test_in_train\": 1, \"train_internal_duplicates\": 1"));
    assert_non_null(strstr(json, "\"counts\": [0, 1, 1, 1, 0, 0, 0, 0, 0, 0]"));
    free(json);
    assert_false(file_exists(json_tmp));
}

static void test_mnist_check_real(void **state)
{
    (void)state;
    if (!g_have_mnist_env) {
        print_message("MNIST_DIR not set: skipping the check on the real data\n");
        skip();
    }
    char p[1024];
    struct nn_error err = {0};
    for (int i = 0; i < 4; i++) {
        static const char *const names[4] = {NN_MNIST_TRAIN_IMAGES, NN_MNIST_TRAIN_LABELS,
                                             NN_MNIST_TEST_IMAGES, NN_MNIST_TEST_LABELS};
        if (nn_mnist_path(g_mnist_dir_env, names[i], p, sizeof p, &err) != NN_OK) {
            print_message("%s: skipping the check on the real data\n", err.msg);
            skip();
        }
    }
    char json_path[700];
    snprintf(json_path, sizeof json_path, "%s/real.json", test_tmpdir());
    FILE *txt = tmpfile();
    assert_non_null(txt);
    int rc = nn_mnist_check(g_mnist_dir_env, txt, json_path, &err);
    if (rc != NN_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, NN_OK);
    rewind(txt);
    char line[512];
    int saw_ok = 0, saw_hist = 0;
    while (fgets(line, sizeof line, txt)) {
        saw_ok |= strstr(line, "result: OK") != NULL;
        saw_hist |= strstr(line, "5923 6742 5958 6131 5842 5421 5918 6265 5851 5949  ok") != NULL;
    }
    fclose(txt);
    assert_true(saw_ok);
    assert_true(saw_hist);
    assert_true(file_exists(json_path));
}

/* ---------------------------------------------------------------- main */

int main(void)
{
    const char *env = getenv("MNIST_DIR");
    if (env && *env && strlen(env) < sizeof g_mnist_dir_env) {
        snprintf(g_mnist_dir_env, sizeof g_mnist_dir_env, "%s", env);
        g_have_mnist_env = 1;
    }

    static struct CMUnitTest tests[N_BAD + N_PAIRS + 16];
    size_t n = 0;
    for (size_t i = 0; i < N_BAD; i++)
        tests[n++] =
            (struct CMUnitTest){k_bad[i].name, test_bad_file, NULL, NULL, (void *)&k_bad[i]};
    for (size_t i = 0; i < N_PAIRS; i++)
        tests[n++] =
            (struct CMUnitTest){k_pairs[i].name, test_pair, NULL, NULL, (void *)&k_pairs[i]};
    const struct CMUnitTest rest[] = {
        cmocka_unit_test(test_missing_and_dir),
        cmocka_unit_test(test_good_u8_raw_and_gz),
        cmocka_unit_test(test_f32_round_trip),
        cmocka_unit_test(test_u8_write_4d_round_trip),
        cmocka_unit_test(test_large_growth),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_incremental_matches_oneshot),
        cmocka_unit_test(test_mnist_path),
        cmocka_unit_test(test_mnist_check_fake),
        cmocka_unit_test(test_mnist_check_real),
    };
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        tests[n++] = rest[i];
    return _cmocka_run_group_tests("idx", tests, n, test_tmpdir_setup, test_tmpdir_teardown);
}
