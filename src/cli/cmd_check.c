/* `nnctl check CONFIG`: validate, print the resolved config and the layer table. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "nnctl/layer.h"
#include "nnctl/model.h"
#include "nnctl/schema.h"

/* Parameters of one layer, whatever its kind: the sizes of the tensors it declares. */
static size_t layer_params(const struct nn_layer *l)
{
    const struct nn_layer_ops *ops = nn_layer_ops(l->spec.kind);
    struct nn_param_decl decl[NN_LAYER_MAX_PARAMS];
    size_t n = 0;
    int k = ops && ops->params ? ops->params(l, decl) : 0;
    for (int t = 0; t < k; t++)
        n += (size_t)nn_shape_size(&decl[t].shape);
    return n;
}

static void print_layer_table(const struct nn_model *m, FILE *f)
{
    char sh[64];
    fprintf(f, "# %-16s %-9s %-14s %-10s %10s\n", "layer", "type", "output shape", "activation",
            "params");
    fprintf(f, "# %-16s %-9s %-14s %-10s %10d\n", "input", "input",
            nn_shape_format(&m->in_shape, sh, sizeof sh), "-", 0);
    for (int i = 0; i < m->n_layers; i++) {
        const struct nn_layer *ly = &m->layers[i];
        enum nn_act act;
        const char *act_name = nn_layer_activation(&ly->spec, &act) ? nn_act_name(act) : "-";
        fprintf(f, "# %-16s %-9s %-14s %-10s %10zu%s\n", ly->spec.name,
                nn_layer_type_name(&ly->spec), nn_shape_format(&ly->out_shape, sh, sizeof sh),
                act_name, layer_params(ly),
                i == m->head_layer ? "  (activation fused into the loss)" : "");
    }
    fprintf(f, "# total parameters: %zu (%.1f KiB as %s)", m->n_params,
            (double)m->n_params * sizeof(nn_real) / 1024.0, NN_REAL_NAME);
    if (m->n_train < m->n_params) /* batchnorm's running statistics: kept, not trained */
        fprintf(f, "; %zu trained, %zu running statistics", m->n_train, m->n_params - m->n_train);
    fputc('\n', f);
}

static int run_check(const struct nn_args *a, struct nn_error *err)
{
    if (nn_opt_given(a, "--schema")) {
        if (a->n_pos > 0)
            return nn_cli_usage(err, "--schema takes no CONFIG");
        nn_schema_print(stdout, nn_opt_given(a, "--markdown"));
        return NN_OK;
    }
    if (nn_opt_given(a, "--markdown"))
        return nn_cli_usage(err, "--markdown goes with --schema");
    if (a->n_pos == 0)
        return nn_cli_usage(err, "missing CONFIG");
    const char *path = a->pos[0];
    struct nn_config cfg;
    int rc = nn_cli_load_config(path, a, &cfg, err);
    if (rc)
        return rc;
    struct nn_model m;
    rc = nn_model_build(&cfg, 1, &m, err);
    if (rc) {
        nn_config_free(&cfg);
        return rc;
    }
    char *yaml = nn_config_to_yaml(&cfg);
    printf("# %s: OK\n%s", path, yaml ? yaml : "");
    print_layer_table(&m, stdout);
    free(yaml);
    nn_model_free(&m);
    nn_config_free(&cfg);
    return NN_OK;
}

static const struct nn_opt check_opts[] = {
    NN_CLI_OPT_SET(NULL),
    NN_CLI_OPT_FLAG("--schema", "print every config key (type, default, bounds, meaning) and exit"),
    NN_CLI_OPT_FLAG("--markdown", "with --schema: as the Markdown tables of docs/config.md"),
};
static const char *const check_pos[] = {"CONFIG"};

const struct nn_cmd nn_cmd_check = {
    .name = "check",
    .synopsis = "check CONFIG",
    .summary = "validate a config; print it resolved, with the layer table",
    .usage = "usage: nnctl check CONFIG [--set KEY=VALUE]...\n"
             "       nnctl check --schema [--markdown]\n"
             "  Validates CONFIG, reporting every error with file:line:column, then prints the "
             "resolved\n"
             "  config (every default filled in) and the layer table with shapes and parameter "
             "counts.\n"
             "  --schema lists every key a config may hold, layer kinds' keys included.\n",
    .opts = check_opts,
    .n_opts = NN_CLI_N(check_opts),
    .pos = check_pos,
    .n_pos = 1,
    .n_pos_required = 0, /* CONFIG is required unless --schema (run_check says so) */
    .run = run_check,
};
