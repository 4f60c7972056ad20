/* `nnctl export`: weights as NumPy .npy files plus manifest.json. */
#include <stdio.h>

#include "cli/cli.h"
#include "nnctl/export.h"
#include "nnctl/checkpoint.h"
#include "nnctl/model.h"
#include "nnctl/train.h" /* nn_model_create (model.h once the engine refactor lands) */

static int run_export(const struct nn_args *a, struct nn_error *err)
{
    const char *ckpt = a->n_pos ? a->pos[0] : NULL, *init = nn_opt_str(a, "--init", NULL);
    const char *out = nn_opt_str(a, "--out", NULL);
    if (!ckpt == !init)
        return nn_cli_usage(err, "give either CKPT or --init CONFIG");
    struct nn_config cfg;
    struct nn_model m;
    int rc;
    if (init) {
        rc = nn_cli_load_config(init, a, &cfg, err);
        if (rc)
            return rc;
        rc = nn_model_create(&cfg, 1, &m, err);
    } else {
        rc = nn_checkpoint_load(ckpt, 1, &cfg, &m, NULL, err);
    }
    if (!rc) {
        rc = nn_export_npy(&m, out, err);
        nn_model_free(&m);
    }
    nn_config_free(&cfg);
    if (rc)
        return rc;
    printf("wrote %d tensors and manifest.json to %s\n", m.n_tensors, out);
    return NN_OK;
}

static const struct nn_opt export_opts[] = {
    NN_CLI_OPT_STR("--init", "CONFIG", NULL, 0),
    NN_CLI_OPT_OUT("DIR", NULL, 1),
    NN_CLI_OPT_SET(NULL),
};
static const char *const export_pos[] = {"CKPT"};

const struct nn_cmd nn_cmd_export = {
    .name = "export",
    .synopsis = "export CKPT",
    .summary = "weights as NumPy .npy files plus manifest.json (for other frameworks)",
    .usage = "usage: nnctl export CKPT --out DIR\n"
             "       nnctl export --init CONFIG [--set KEY=VALUE]... --out DIR\n"
             "  Writes DIR/<layer>.weight.npy (float32, shape (in, out)), DIR/<layer>.bias.npy "
             "and\n"
             "  DIR/manifest.json. With --init, the weights are the initial ones `nnctl train "
             "CONFIG`\n"
             "  starts from (drawn from training.seed).\n",
    .opts = export_opts,
    .n_opts = NN_CLI_N(export_opts),
    .pos = export_pos,
    .n_pos = 1,
    .n_pos_required = 0,
    .run = run_export,
};
