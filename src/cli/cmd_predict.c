/* `nnctl predict CKPT --input "0 0; 0 1"`: a trained network on inline rows; `--input-file F
 * --output OUT`: on every row of an IDX, .npy, CSV or libsvm file, in batches. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/csv.h"
#include "data/libsvm.h"
#include "nnctl/encode.h"
#include "nnctl/backend.h"
#include "nnctl/checkpoint.h"
#include "nnctl/mnist.h"
#include "nnctl/npy.h"
#include "nnctl/fsutil.h"
#include "nnctl/idx.h"
#include "nnctl/normalize.h"
#include "nnctl/number.h"
#include "nnctl/strbuf.h"

#define PREDICT_BATCH 256 /* default rows per forward pass */

/* Parses "0 0; 0 1" into rows of `cols` values. Returns the row count, or -1. */
static int parse_rows(const char *s, int cols, nn_real **out, struct nn_error *err)
{
    int rows = 1;
    for (const char *p = s; *p; p++)
        rows += *p == ';';
    nn_real *v = calloc((size_t)rows * (size_t)cols, sizeof *v);
    if (!v) {
        nn_error_set(err, NN_ERR_NOMEM, "out of memory");
        return -1;
    }
    const char *p = s;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            while (*p == ' ' || *p == ',' || *p == '\t')
                p++;
            char *end;
            double x = strtod(p, &end);
            if (end == p || !isfinite(x)) {
                nn_error_set(err, NN_ERR_USAGE, "--input row %d: expected %d numbers per row",
                             r + 1, cols);
                free(v);
                return -1;
            }
            v[(size_t)r * (size_t)cols + (size_t)c] = (nn_real)x;
            p = end;
        }
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p != (r + 1 < rows ? ';' : 0)) {
            nn_error_set(err, NN_ERR_USAGE, "--input row %d: expected %d numbers per row", r + 1,
                         cols);
            free(v);
            return -1;
        }
        if (*p)
            p++;
    }
    *out = v;
    return rows;
}

/* ---------------------------------------------------------------- --input-file */

/* The rows of an input file: u8 IDX images (scaled as training scales them) or float32 values. */
struct rows {
    int n, width;
    struct nn_idx idx; /* IDX input */
    float *f;          /* .npy input (or idx.data for float32 IDX) */
    int npy;
    int csv;
    int libsvm; /* libsvm input: the sparse table, made dense once the width is known */
    struct nn_libsvm table;
};

static int is_libsvm(const char *path)
{
    return nn_path_ends_with(path, ".svm") || nn_path_ends_with(path, ".svm.gz") ||
           nn_path_ends_with(path, ".libsvm") || nn_path_ends_with(path, ".libsvm.gz");
}

/* libsvm rows as dense rows of the model's `width` inputs (labels ignored, absent entries 0). */
static int densify_libsvm(const char *path, struct rows *r, int width, struct nn_error *err)
{
    const struct nn_libsvm *t = &r->table;
    if (t->max_index > width)
        for (int i = 0; i < t->rows; i++)
            for (size_t e = t->start[i]; e < t->start[i + 1]; e++)
                if (t->idx[e] > width)
                    return nn_error_set(err, NN_ERR_FORMAT,
                                        "%s:%d: index %d is beyond the model's %d inputs", path,
                                        t->line[i], t->idx[e], width);
    r->f = calloc((size_t)t->rows * (size_t)width, sizeof *r->f);
    if (!r->f)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
    r->npy = 1; /* r->f is ours to free */
    for (int i = 0; i < t->rows; i++)
        for (size_t e = t->start[i]; e < t->start[i + 1]; e++)
            r->f[(size_t)i * (size_t)width + (size_t)t->idx[e] - 1] = (float)t->val[e];
    r->n = t->rows;
    r->width = width;
    return NN_OK;
}

/* A CSV table of feature columns only (optionally gzipped): a first row that is not all numbers
 * is taken for a header. */
static int read_csv_rows(const char *path, struct rows *r, struct nn_error *err)
{
    struct nn_csv t;
    int rc = nn_csv_read(path, ',', 0, &t, err);
    if (rc)
        return rc;
    int first = 0;
    double v;
    for (int c = 0; c < t.cols; c++)
        if (nn_number(t.field[c], &v))
            first = 1; /* a header row */
    const size_t n = (size_t)(t.rows - first), w = (size_t)t.cols;
    if (!n) {
        nn_csv_free(&t);
        return nn_error_set(err, NN_ERR_FORMAT, "%s: no data rows", path);
    }
    r->f = malloc(n * w * sizeof *r->f);
    if (!r->f) {
        nn_csv_free(&t);
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    r->npy = 1; /* r->f is ours to free */
    r->csv = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < w; c++) {
            const char *s = t.field[(i + (size_t)first) * w + c];
            if (nn_number(s, &v)) {
                rc = nn_error_set(err, NN_ERR_FORMAT,
                                  "%s:%d: column %zu: '%.40s' is not a finite number", path,
                                  t.line[i + (size_t)first], c, s);
                nn_csv_free(&t);
                return rc;
            }
            r->f[i * w + c] = (float)v;
        }
    nn_csv_free(&t);
    r->n = (int)n;
    r->width = (int)w;
    return NN_OK;
}

static int read_rows(const char *path, struct rows *r, struct nn_error *err)
{
    if (nn_path_ends_with(path, ".csv") || nn_path_ends_with(path, ".csv.gz"))
        return read_csv_rows(path, r, err);
    if (is_libsvm(path)) {
        r->libsvm = 1;
        return nn_libsvm_read(path, &r->table, err);
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char magic[6] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    int dims[4], ndim;
    if (got == sizeof magic && !memcmp(magic, "\x93NUMPY", 6)) {
        size_t count;
        int rc = nn_npy_read(path, &r->f, &count, &ndim, dims, err);
        if (rc)
            return rc;
        r->npy = 1;
    } else {
        int rc = nn_idx_read(path, 0, &r->idx, err);
        if (rc)
            return rc;
        ndim = r->idx.ndim;
        for (int i = 0; i < ndim; i++) {
            if (r->idx.dims[i] > (1u << 30))
                return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'dims[%d]': %u is too large",
                                    path, i, r->idx.dims[i]);
            dims[i] = (int)r->idx.dims[i];
        }
        if (r->idx.type == NN_IDX_F32)
            r->f = r->idx.data;
    }
    if (ndim < 1)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'shape': no dimensions", path);
    long long w = 1;
    for (int i = 1; i < ndim; i++)
        w *= dims[i];
    if (w > INT32_MAX)
        return nn_error_set(err, NN_ERR_FORMAT, "%s: field 'shape': rows too wide", path);
    r->n = dims[0];
    r->width = (int)w;
    return NN_OK;
}

static void rows_free(struct rows *r)
{
    if (r->npy)
        free(r->f);
    nn_idx_free(&r->idx);
    if (r->libsvm)
        nn_libsvm_free(&r->table);
}

static int write_all(int fd, const void *data, size_t len, const char *path, struct nn_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return nn_error_set(err, NN_ERR_IO, "%s: write failed: %s", path,
                                strerror(w < 0 ? errno : EIO));
        p += w;
        len -= (size_t)w;
    }
    return NN_OK;
}

/* The .npy header of an n × d float32 matrix (format 1.0, padded to 64 bytes). */
static size_t npy_header(char *buf, size_t cap, int n, int d)
{
    int hl = snprintf(buf + 10, cap - 10,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", n, d);
    int pad = (64 - (10 + hl + 1) % 64) % 64;
    memset(buf + 10 + hl, ' ', (size_t)pad);
    hl += pad;
    buf[10 + hl++] = '\n';
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hl & 0xff);
    buf[9] = (char)(hl >> 8);
    return 10 + (size_t)hl;
}

/* One output row of a CSV: for a classifier (names not NULL) the predicted class, by its name
 * when the checkpoint stores one (quoted as RFC 4180 asks), then the D outputs. */
static void csv_row(struct nn_sb *sb, const nn_real *yr, int D, const struct nn_names *names)
{
    if (names) {
        int best = 0;
        for (int j = 1; j < D; j++)
            best = yr[j] > yr[best] ? j : best;
        if (best < names->n && strpbrk(names->name[best], ",\"\r\n")) {
            nn_sb_putc(sb, '"'); /* RFC 4180: quoted, "" for a quote */
            for (const char *c = names->name[best]; *c; c++)
                nn_sb_puts(sb, *c == '"' ? "\"\"" : (char[2]){*c, 0});
            nn_sb_putc(sb, '"');
        } else if (best < names->n) {
            nn_sb_puts(sb, names->name[best]);
        } else {
            nn_sb_printf(sb, "%d", best);
        }
    }
    for (int j = 0; j < D; j++)
        nn_sb_printf(sb, "%s%.6g", j || names ? "," : "", (double)yr[j]);
    nn_sb_putc(sb, '\n');
}

static int predict_file(const char *ckpt, const char *in_path, const char *out_path, int batch,
                        struct nn_error *err)
{
    struct nn_config cfg;
    struct nn_model m;
    struct rows r = {0};
    int rc = read_rows(in_path, &r, err);
    if (rc) {
        rows_free(&r);
        return rc;
    }
    if ((rc = nn_checkpoint_load(ckpt, batch, &cfg, &m, NULL, err))) {
        rows_free(&r);
        return rc;
    }
    struct nn_atomic out = {.fd = -1};
    struct nn_sb sb = {0};
    nn_real *x = NULL;
    if (r.libsvm && (rc = densify_libsvm(in_path, &r, m.in_size, err)))
        goto done;
    if (r.width != m.in_size) {
        rc = nn_error_set(err, NN_ERR_FORMAT,
                          "%s: field '%s': rows of %d values, but the model in %s takes %d inputs",
                          in_path,
                          r.csv   ? "columns"
                          : r.npy ? "shape"
                                  : "dims",
                          r.width, ckpt, m.in_size);
        goto done;
    }
    const int D = m.out_size, npy = nn_path_ends_with(out_path, ".npy");
    const int classifier = nn_is_classifier(cfg.loss, cfg.data.target);
    if (!(x = malloc((size_t)batch * (size_t)r.width * sizeof *x))) {
        rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory for a batch of %d rows", batch);
        goto done;
    }
    if ((rc = nn_atomic_open(&out, out_path, err)))
        goto done;
    if (npy) {
        char h[256];
        size_t hl = npy_header(h, sizeof h, r.n, D);
        rc = write_all(out.fd, h, hl, out_path, err);
    } else {
        nn_sb_puts(&sb, classifier ? "class" : "");
        for (int j = 0; j < D; j++)
            nn_sb_printf(&sb, "%s%s%d", j || classifier ? "," : "", classifier ? "p" : "y", j);
        nn_sb_putc(&sb, '\n');
    }
    const nn_real scale = (nn_real)nn_idx_scale(&cfg.data); /* u8 inputs: as idx data scales them */
    float *fo = NULL;
    for (int start = 0; !rc && start < r.n; start += batch) {
        int B = r.n - start < batch ? r.n - start : batch;
        size_t w = (size_t)r.width, base = (size_t)start * w;
        if (r.f) {
            for (size_t i = 0; i < (size_t)B * w; i++)
                x[i] = (nn_real)r.f[base + i];
        } else {
            const uint8_t *u = (const uint8_t *)r.idx.data + base;
            for (size_t i = 0; i < (size_t)B * w; i++)
                x[i] = (nn_real)u[i] * scale;
        }
        if (cfg.data.feature_offset.n == m.in_size) /* the training data's normalisation */
            nn_normalize_rows(x, (size_t)B, &cfg.data.feature_offset, &cfg.data.feature_scale);
        const nn_real *y = nn_model_infer(&m, x, B, -1);
        if (npy) {
            if (!fo && !(fo = malloc((size_t)batch * (size_t)D * sizeof *fo))) {
                rc = nn_error_set(err, NN_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < (size_t)B * (size_t)D; i++)
                fo[i] = (float)y[i];
            rc = write_all(out.fd, fo, (size_t)B * (size_t)D * sizeof *fo, out_path, err);
            continue;
        }
        for (int i = 0; i < B; i++)
            csv_row(&sb, y + (size_t)i * (size_t)D, D, classifier ? &cfg.data.class_names : NULL);
        char *text = NULL;
        if (!(rc = nn_sb_finish(&sb, &text, "predictions", err)))
            rc = write_all(out.fd, text, strlen(text), out_path, err);
        free(text);
    }
    free(fo);
    if (!rc && r.n == 0 && !npy) { /* the header alone */
        char *text = NULL;
        if (!(rc = nn_sb_finish(&sb, &text, "predictions", err)))
            rc = write_all(out.fd, text, strlen(text), out_path, err);
        free(text);
    }
    if (!rc)
        rc = nn_atomic_commit(&out, err);
    if (!rc)
        printf("predicted %d rows of %s with %s: %s\n", r.n, in_path, ckpt, out_path);
done:
    if (rc && out.fd >= 0)
        nn_atomic_abort(&out);
    nn_sb_free(&sb);
    free(x);
    nn_model_free(&m);
    nn_config_free(&cfg);
    rows_free(&r);
    return rc;
}

/* ---------------------------------------------------------------- the command */

static int run_predict(const struct nn_args *a, struct nn_error *err)
{
    const char *ckpt = a->pos[0], *input = nn_opt_str(a, "--input", NULL);
    const char *file = nn_opt_str(a, "--input-file", NULL),
               *output = nn_opt_str(a, "--output", NULL);
    /* Without either, the message the option parser gives a required option (the usage that
     * follows shows --input-file). */
    if (!input == !file)
        return nn_cli_usage(err, input ? "--input and --input-file exclude each other"
                                       : "missing --input");
    if (file && !output)
        return nn_cli_usage(err, "--input-file needs --output OUT.csv or OUT.npy");
    if (!file && (output || nn_opt_given(a, "--batch")))
        return nn_cli_usage(err, "%s goes with --input-file", output ? "--output" : "--batch");
    nn_backend_default()->set_threads((int)nn_opt_int(a, "--threads", 0));
    if (file)
        return predict_file(ckpt, file, output, (int)nn_opt_int(a, "--batch", PREDICT_BATCH), err);
    struct nn_config cfg;
    struct nn_model m;
    /* Count rows first: the model is built for exactly that batch. */
    int rows = 1;
    for (const char *p = input; *p; p++)
        rows += *p == ';';
    int rc = nn_checkpoint_load(ckpt, rows, &cfg, &m, NULL, err);
    if (rc)
        return rc;
    nn_real *x = NULL;
    if (parse_rows(input, m.in_size, &x, err) < 0) {
        nn_model_free(&m);
        nn_config_free(&cfg);
        return err->code;
    }
    if (cfg.data.feature_offset.n == m.in_size)
        nn_normalize_rows(x, (size_t)rows, &cfg.data.feature_offset, &cfg.data.feature_scale);
    const nn_real *y = nn_model_infer(&m, x, rows, -1);
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < m.out_size; j++)
            printf("%s%.6g", j ? " " : "", (double)y[(size_t)r * (size_t)m.out_size + (size_t)j]);
        printf("\n");
    }
    free(x);
    nn_model_free(&m);
    nn_config_free(&cfg);
    return NN_OK;
}

static const struct nn_opt predict_opts[] = {
    NN_CLI_OPT_STR("--input", "ROWS", NULL, 0),
    NN_CLI_OPT_STR("--input-file", "F", NULL, 0),
    NN_CLI_OPT_STR("--output", "OUT", NULL, 0),
    NN_CLI_OPT_POS_INT("--batch", NULL),
    NN_CLI_OPT_THREADS(NULL),
};
static const char *const predict_pos[] = {"CKPT"};

const struct nn_cmd nn_cmd_predict = {
    .name = "predict",
    .synopsis = "predict CKPT",
    .summary = "run a trained checkpoint on inline inputs or on every row of a file",
    .usage =
        "usage: nnctl predict CKPT --input \"0 0; 0 1; 1 0\" [--threads N]\n"
        "       nnctl predict CKPT --input-file F.idx[.gz]|F.npy|F.csv[.gz]|F.svm[.gz] --output "
        "OUT.csv|OUT.npy\n"
        "                          [--batch N] [--threads N]\n"
        "  --input: rows are separated by ';', values by spaces or commas. Prints one output "
        "row per\n"
        "  line.\n"
        "  --input-file: u8 IDX images (scaled by the config's data.scale, as in training), "
        "float32\n"
        "  IDX, float32/float64 .npy, CSV (the feature columns only; a first row that is not "
        "all\n  numbers is a header) or libsvm text (.svm, .libsvm; labels ignored); N rows of "
        "the\n  model's input width. Runs N rows at a time\n"
        "  (default 256). OUT.csv: one line per row, the predicted class then the class\n"
        "  probabilities for classifiers (header class,p0,p1,...), the outputs otherwise\n"
        "  (y0,y1,...); OUT.npy: the float32 output matrix.\n",
    .opts = predict_opts,
    .n_opts = NN_CLI_N(predict_opts),
    .pos = predict_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run_predict,
};
