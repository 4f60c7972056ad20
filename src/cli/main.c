/* nnctl — command-line entry point. The only place that prints errors and picks exit codes:
 * 0 success, 1 runtime failure, 2 bad usage or config. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/cli_svm.h"
#include "nnctl/config.h"
#include "nnctl/encode.h"
#include "nnctl/export.h"
#include "nnctl/mnist.h"
#include "nnctl/model.h"
#include "nnctl/train.h"

#define MAX_SETS 64

static const char *const USAGE =
    "usage: nnctl <command> [options]\n"
    "\n"
    "commands:\n"
    "  train CONFIG      train the network a YAML file declares\n"
    "  check CONFIG      validate a config; print it resolved, with the layer table\n"
    "  predict CKPT      run a trained checkpoint on inline inputs\n"
    "  encode CKPT       write a named layer's activations for every image of an IDX file\n"
    "  reconstruct CKPT  PNG of test images (top) and an autoencoder's reconstructions (bottom)\n"
    "  svm train|eval    libsvm RBF classifier on encoded features, with a full report\n"
    "  data check        MNIST integrity report: sizes, SHA-256, labels, train/test overlap\n"
    "  export CKPT       weights as NumPy .npy files plus manifest.json (for other frameworks)\n"
    "\n"
    "  nnctl <command> --help   options of one command\n"
    "  nnctl --version\n";

static const char *const TRAIN_USAGE =
    "usage: nnctl train CONFIG [options]\n"
    "  --out DIR          write model.ckpt, metrics.json, history.csv here (default runs/<config "
    "name>)\n"
    "  --set KEY=VALUE    override a config value, e.g. --set optimizer.learning_rate=0.1\n"
    "                     (repeatable; validated exactly like the file)\n"
    "  --threads N        threads for each training step (default: all cores); each\n"
    "                     thread takes rows of the batch and a share of the update\n"
    "  --resume           continue from DIR/model.ckpt if it exists\n"
    "  --log-every N      print a progress line every N epochs (default 1)\n"
    "  --quiet            no progress lines\n"
    "  --batch-losses F   write the loss of every batch of the first epoch to F, one per line\n";

static const char *const CHECK_USAGE =
    "usage: nnctl check CONFIG [--set KEY=VALUE]...\n"
    "  Validates CONFIG, reporting every error with file:line:column, then prints the resolved\n"
    "  config (every default filled in) and the layer table with shapes and parameter counts.\n";

static const char *const PREDICT_USAGE =
    "usage: nnctl predict CKPT --input \"0 0; 0 1; 1 0\" [--threads N]\n"
    "  Rows are separated by ';', values by spaces or commas. Prints one output row per line.\n";

static const char *const ENCODE_USAGE =
    "usage: nnctl encode CKPT --input IMAGES.idx[.gz] --output OUT [options]\n"
    "  --layer NAME       run up to and including this layer (default: the whole network)\n"
    "  --format idx|libsvm  float32 IDX (N × width, default) or libsvm text (needs --labels)\n"
    "  --labels L.idx     labels for --format libsvm\n"
    "  --batch N          rows per forward pass (default 256)\n"
    "  --threads N        OpenBLAS threads (default: all cores)\n";

static const char *const RECON_USAGE =
    "usage: nnctl reconstruct CKPT --out FILE.png [--count 10] [--seed 0] [--images IMAGES.idx]\n"
    "  Draws --count test images at random without replacement (seeded); the PNG shows the\n"
    "  originals on the top row and the reconstructions below. Images default to the\n"
    "  checkpoint's test set (data section, MNIST_DIR).\n";

static const char *const DATA_USAGE =
    "usage: nnctl data check [--dir DIR] [--json FILE]\n"
    "  Checks the four MNIST files in DIR (default $MNIST_DIR): sizes, SHA-256 of the\n"
    "  decompressed bytes, shapes, label histograms, and test images duplicated in train.\n";

static const char *const EXPORT_USAGE =
    "usage: nnctl export CKPT --out DIR\n"
    "       nnctl export --init CONFIG [--set KEY=VALUE]... --out DIR\n"
    "  Writes DIR/<layer>.weight.npy (float32, shape (in, out)), DIR/<layer>.bias.npy and\n"
    "  DIR/manifest.json. With --init, the weights are the initial ones `nnctl train CONFIG`\n"
    "  starts from (drawn from training.seed).\n";

static int fail(int status, const struct nn_error *err)
{
    fprintf(stderr, "nnctl: error: %s\n", err->msg);
    return nn_exit_code(status);
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "nnctl: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

static int parse_int_arg(const char *s, int lo, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > 1 << 20)
        return -1;
    *out = (int)v;
    return 0;
}

/* Loads a config with its overrides; prints every diagnostic. */
static int load_config(const char *path, const char *const *sets, int n_sets, struct nn_config *cfg)
{
    struct nn_diags *d = calloc(1, sizeof *d);
    if (!d) {
        fprintf(stderr, "nnctl: error: out of memory\n");
        return NN_ERR_NOMEM;
    }
    int rc = nn_config_load(path, NULL, sets, n_sets, cfg, d);
    if (rc)
        nn_diags_print(d, stderr);
    free(d);
    return rc;
}

static void print_layer_table(const struct nn_model *m, FILE *f)
{
    char sh[64];
    fprintf(f, "# %-16s %-9s %-14s %-10s %10s\n", "layer", "type", "output shape", "activation",
            "params");
    int l = snprintf(sh, sizeof sh, "[");
    for (int k = 0; k < m->cfg.in_shape.ndim; k++)
        l += snprintf(sh + l, sizeof sh - (size_t)l, "%s%d", k ? ", " : "", m->cfg.in_shape.dims[k]);
    snprintf(sh + l, sizeof sh - (size_t)l, "]");
    fprintf(f, "# %-16s %-9s %-14s %-10s %10d\n", "input", "input", sh, "-", 0);
    for (int i = 0; i < m->n_layers; i++) {
        const struct nn_layer *ly = &m->layers[i];
        l = snprintf(sh, sizeof sh, "[");
        for (int k = 0; k < ly->out_shape.ndim; k++)
            l += snprintf(sh + l, sizeof sh - (size_t)l, "%s%d", k ? ", " : "", ly->out_shape.dims[k]);
        snprintf(sh + l, sizeof sh - (size_t)l, "]");
        size_t params =
            ly->n_tensors > 0 ? (size_t)(ly->in_size + 1) * (size_t)ly->out_size : 0;
        const char *act = ly->spec.kind == NN_LAYER_DENSE ? nn_act_name(ly->spec.act) : "-";
        fprintf(f, "# %-16s %-9s %-14s %-10s %10zu%s\n", ly->spec.name,
                nn_layer_type_name(&ly->spec), sh, act, params,
                i == m->head_layer ? "  (activation fused into the loss)" : "");
    }
    fprintf(f, "# total parameters: %zu (%.1f KiB as %s)\n", m->n_params,
            (double)m->n_params * sizeof(nn_real) / 1024.0, NN_REAL_NAME);
}

static int cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    const char *sets[MAX_SETS];
    int n_sets = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(CHECK_USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--set") && i + 1 < argc && n_sets < MAX_SETS) {
            sets[n_sets++] = argv[++i];
        } else if (argv[i][0] == '-' || path) {
            return usage_error(CHECK_USAGE, "unexpected argument '%s'", argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return usage_error(CHECK_USAGE, "%s", "missing CONFIG");
    struct nn_config cfg;
    int rc = load_config(path, sets, n_sets, &cfg);
    if (rc) {
        nn_config_free(&cfg);
        return nn_exit_code(rc);
    }
    struct nn_error err = {0};
    struct nn_model m;
    rc = nn_model_build(&cfg, 1, &m, &err);
    if (rc) {
        nn_config_free(&cfg);
        return fail(rc, &err);
    }
    char *yaml = nn_config_to_yaml(&cfg);
    printf("# %s: OK\n%s", path, yaml ? yaml : "");
    print_layer_table(&m, stdout);
    free(yaml);
    nn_model_free(&m);
    nn_config_free(&cfg);
    return 0;
}

static int cmd_train(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    const char *sets[MAX_SETS];
    int n_sets = 0;
    struct nn_train_opts opts = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(TRAIN_USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--set") && has) {
            if (n_sets == MAX_SETS)
                return usage_error(TRAIN_USAGE, "more than %s --set arguments", "64");
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(a, "--out") && has) {
            out = argv[++i];
        } else if (!strcmp(a, "--threads") && has) {
            if (parse_int_arg(argv[++i], 1, &opts.threads))
                return usage_error(TRAIN_USAGE, "--threads expects a positive integer, found '%s'",
                                   argv[i]);
        } else if (!strcmp(a, "--log-every") && has) {
            if (parse_int_arg(argv[++i], 1, &opts.log_every))
                return usage_error(TRAIN_USAGE,
                                   "--log-every expects a positive integer, found '%s'", argv[i]);
        } else if (!strcmp(a, "--batch-losses") && has) {
            opts.batch_losses = argv[++i];
        } else if (!strcmp(a, "--resume")) {
            opts.resume = 1;
        } else if (!strcmp(a, "--quiet")) {
            opts.quiet = 1;
        } else if (a[0] == '-' || path) {
            return usage_error(TRAIN_USAGE, "unexpected argument '%s'", a);
        } else {
            path = a;
        }
    }
    if (!path)
        return usage_error(TRAIN_USAGE, "%s", "missing CONFIG");
    struct nn_config cfg;
    int rc = load_config(path, sets, n_sets, &cfg);
    if (rc) {
        nn_config_free(&cfg);
        return nn_exit_code(rc);
    }
    char def_out[NN_PATH_MAX + 8];
    if (!out) {
        char base[NN_PATH_MAX];
        snprintf(base, sizeof base, "%s", path);
        char *b = basename(base), *dot = strrchr(b, '.');
        if (dot && dot != b)
            *dot = 0;
        snprintf(def_out, sizeof def_out, "runs/%s", b);
        out = def_out;
    }
    opts.out_dir = out;
    opts.log = stdout;
    struct nn_train_result res;
    struct nn_error err = {0};
    rc = nn_train(&cfg, &opts, &res, &err);
    nn_config_free(&cfg);
    if (rc)
        return fail(rc, &err);
    if (!opts.quiet) {
        printf("trained %d epochs in %.3f s; final loss %.6f", res.epochs, res.train_seconds,
               res.final_train_loss);
        if (!isnan(res.train_accuracy))
            printf(", accuracy %.4f", res.train_accuracy);
        if (!isnan(res.final_test_loss))
            printf("; test loss %.6f", res.final_test_loss);
        if (!isnan(res.test_accuracy))
            printf(", test accuracy %.4f", res.test_accuracy);
        printf("\nwrote %s/model.ckpt, %s/metrics.json, %s/history.csv\n", out, out, out);
    }
    return 0;
}

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

static int cmd_predict(int argc, char **argv)
{
    const char *ckpt = NULL, *input = NULL;
    int threads = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(PREDICT_USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--input") && i + 1 < argc) {
            input = argv[++i];
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            if (parse_int_arg(argv[++i], 1, &threads))
                return usage_error(PREDICT_USAGE,
                                   "--threads expects a positive integer, found '%s'", argv[i]);
        } else if (argv[i][0] == '-' || ckpt) {
            return usage_error(PREDICT_USAGE, "unexpected argument '%s'", argv[i]);
        } else {
            ckpt = argv[i];
        }
    }
    if (!ckpt || !input)
        return usage_error(PREDICT_USAGE, "%s", ckpt ? "missing --input" : "missing CKPT");
    nn_backend_default()->set_threads(threads);
    struct nn_error err = {0};
    struct nn_config cfg;
    struct nn_model m;
    /* Count rows first: the model is built for exactly that batch. */
    int rows = 1;
    for (const char *p = input; *p; p++)
        rows += *p == ';';
    int rc = nn_checkpoint_load(ckpt, rows, &cfg, &m, NULL, &err);
    if (rc)
        return fail(rc, &err);
    nn_real *x = NULL;
    if (parse_rows(input, m.in_size, &x, &err) < 0) {
        nn_model_free(&m);
        nn_config_free(&cfg);
        return fail(err.code, &err);
    }
    const nn_real *out = nn_model_forward(&m, x, rows, -1);
    nn_real *y = malloc((size_t)rows * (size_t)m.out_size * sizeof *y);
    if (y) {
        memcpy(y, out, (size_t)rows * (size_t)m.out_size * sizeof *y);
        nn_model_apply_head(&m, y, rows);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < m.out_size; j++)
                printf("%s%.6g", j ? " " : "",
                       (double)y[(size_t)r * (size_t)m.out_size + (size_t)j]);
            printf("\n");
        }
    }
    free(y);
    free(x);
    nn_model_free(&m);
    nn_config_free(&cfg);
    if (!y) {
        nn_error_set(&err, NN_ERR_NOMEM, "out of memory");
        return fail(NN_ERR_NOMEM, &err);
    }
    return 0;
}

static int cmd_encode(int argc, char **argv)
{
    const char *ckpt = NULL;
    struct nn_encode_opts o = {0};
    int threads = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(ENCODE_USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--layer") && has) {
            o.layer = argv[++i];
        } else if (!strcmp(a, "--input") && has) {
            o.input = argv[++i];
        } else if (!strcmp(a, "--output") && has) {
            o.output = argv[++i];
        } else if (!strcmp(a, "--labels") && has) {
            o.labels = argv[++i];
        } else if (!strcmp(a, "--format") && has) {
            const char *f = argv[++i];
            if (!strcmp(f, "idx"))
                o.format = NN_ENCODE_IDX;
            else if (!strcmp(f, "libsvm"))
                o.format = NN_ENCODE_LIBSVM;
            else
                return usage_error(ENCODE_USAGE, "--format expects idx or libsvm, found '%s'", f);
        } else if (!strcmp(a, "--batch") && has) {
            if (parse_int_arg(argv[++i], 1, &o.batch))
                return usage_error(ENCODE_USAGE, "--batch expects a positive integer, found '%s'",
                                   argv[i]);
        } else if (!strcmp(a, "--threads") && has) {
            if (parse_int_arg(argv[++i], 1, &threads))
                return usage_error(ENCODE_USAGE, "--threads expects a positive integer, found '%s'",
                                   argv[i]);
        } else if (a[0] == '-' || ckpt) {
            return usage_error(ENCODE_USAGE, "unexpected argument '%s'", a);
        } else {
            ckpt = a;
        }
    }
    if (!ckpt || !o.input || !o.output)
        return usage_error(ENCODE_USAGE, "%s",
                           !ckpt      ? "missing CKPT"
                           : !o.input ? "missing --input"
                                      : "missing --output");
    nn_backend_default()->set_threads(threads);
    struct nn_encode_result r;
    struct nn_error err = {0};
    int rc = nn_encode(ckpt, &o, &r, &err);
    if (rc)
        return fail(rc, &err);
    printf("encoded %d images to %d values each in %.3f s (%.0f images/s): %s\n", r.n, r.width,
           r.seconds, r.seconds > 0 ? r.n / r.seconds : 0, o.output);
    return 0;
}

static int cmd_reconstruct(int argc, char **argv)
{
    const char *ckpt = NULL, *out = NULL, *images = NULL;
    int count = 10;
    unsigned long long seed = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(RECON_USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--out") && has) {
            out = argv[++i];
        } else if (!strcmp(a, "--images") && has) {
            images = argv[++i];
        } else if (!strcmp(a, "--count") && has) {
            if (parse_int_arg(argv[++i], 1, &count))
                return usage_error(RECON_USAGE, "--count expects a positive integer, found '%s'",
                                   argv[i]);
        } else if (!strcmp(a, "--seed") && has) {
            char *end;
            errno = 0;
            seed = strtoull(argv[++i], &end, 10);
            if (!*argv[i] || *end || errno || argv[i][0] == '-')
                return usage_error(RECON_USAGE, "--seed expects a non-negative integer, found '%s'",
                                   argv[i]);
        } else if (a[0] == '-' || ckpt) {
            return usage_error(RECON_USAGE, "unexpected argument '%s'", a);
        } else {
            ckpt = a;
        }
    }
    if (!ckpt || !out)
        return usage_error(RECON_USAGE, "%s", ckpt ? "missing --out" : "missing CKPT");
    struct nn_error err = {0};
    int rc = nn_reconstruct(ckpt, images, count, seed, out, &err);
    if (rc)
        return fail(rc, &err);
    printf("wrote %s (%d originals above their reconstructions)\n", out, count);
    return 0;
}

static int cmd_data(int argc, char **argv)
{
    const char *dir = NULL, *json = NULL;
    if (argc < 1 || strcmp(argv[0], "check")) {
        if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
            fputs(DATA_USAGE, stdout);
            return 0;
        }
        return usage_error(DATA_USAGE, "%s", "expected 'data check'");
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(DATA_USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else {
            return usage_error(DATA_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    struct nn_error err = {0};
    int rc = nn_mnist_check(dir, stdout, json, &err);
    if (rc)
        return fail(rc, &err);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    const char *ckpt = NULL, *init = NULL, *out = NULL;
    const char *sets[MAX_SETS];
    int n_sets = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(EXPORT_USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--init") && has) {
            init = argv[++i];
        } else if (!strcmp(a, "--out") && has) {
            out = argv[++i];
        } else if (!strcmp(a, "--set") && has && n_sets < MAX_SETS) {
            sets[n_sets++] = argv[++i];
        } else if (a[0] == '-' || ckpt) {
            return usage_error(EXPORT_USAGE, "unexpected argument '%s'", a);
        } else {
            ckpt = a;
        }
    }
    if ((!ckpt == !init) || !out)
        return usage_error(EXPORT_USAGE, "%s",
                           !out ? "missing --out" : "give either CKPT or --init CONFIG");
    struct nn_config cfg;
    struct nn_model m;
    struct nn_error err = {0};
    int rc;
    if (init) {
        rc = load_config(init, sets, n_sets, &cfg);
        if (rc) {
            nn_config_free(&cfg);
            return nn_exit_code(rc);
        }
        rc = nn_model_create(&cfg, 1, &m, &err);
    } else {
        rc = nn_checkpoint_load(ckpt, 1, &cfg, &m, NULL, &err);
    }
    if (!rc) {
        rc = nn_export_npy(&m, out, &err);
        nn_model_free(&m);
    }
    nn_config_free(&cfg);
    if (rc)
        return fail(rc, &err);
    printf("wrote %d tensors and manifest.json to %s\n", m.n_tensors, out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("nnctl %s (%s)\n", NN_VERSION, NN_REAL_NAME);
        return 0;
    }
    if (!strcmp(cmd, "train"))
        return cmd_train(argc - 2, argv + 2);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "predict"))
        return cmd_predict(argc - 2, argv + 2);
    if (!strcmp(cmd, "encode"))
        return cmd_encode(argc - 2, argv + 2);
    if (!strcmp(cmd, "reconstruct"))
        return cmd_reconstruct(argc - 2, argv + 2);
    if (!strcmp(cmd, "data"))
        return cmd_data(argc - 2, argv + 2);
    if (!strcmp(cmd, "export"))
        return cmd_export(argc - 2, argv + 2);
    if (!strcmp(cmd, "svm"))
        return nn_cli_svm(argc - 2, argv + 2);
    fprintf(stderr, "nnctl: error: unknown command '%s'\n%s", cmd, USAGE);
    return 2;
}
