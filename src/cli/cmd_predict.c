/* `nnctl predict CKPT --input "0 0; 0 1"`: a trained network on inline rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "nnctl/encode.h"
#include "nnctl/backend.h"
#include "nnctl/checkpoint.h"

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

static int run_predict(const struct nn_args *a, struct nn_error *err)
{
    const char *ckpt = a->pos[0], *input = nn_opt_str(a, "--input", NULL);
    nn_backend_default()->set_threads((int)nn_opt_int(a, "--threads", 0));
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
    NN_CLI_OPT_STR("--input", "ROWS", NULL, 1),
    NN_CLI_OPT_THREADS(NULL),
};
static const char *const predict_pos[] = {"CKPT"};

const struct nn_cmd nn_cmd_predict = {
    .name = "predict",
    .synopsis = "predict CKPT",
    .summary = "run a trained checkpoint on inline inputs",
    .usage = "usage: nnctl predict CKPT --input \"0 0; 0 1; 1 0\" [--threads N]\n"
             "  Rows are separated by ';', values by spaces or commas. Prints one output row per "
             "line.\n",
    .opts = predict_opts,
    .n_opts = NN_CLI_N(predict_opts),
    .pos = predict_pos,
    .n_pos = 1,
    .n_pos_required = 1,
    .run = run_predict,
};
