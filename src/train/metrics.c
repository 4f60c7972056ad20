#include "train/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/fsutil.h"
#include "nnctl/json.h"

int nn_metrics_write(const char *path, const struct nn_config *cfg, const struct nn_model *m,
                     const struct nn_train_result *r, const struct nn_run_facts *f,
                     struct nn_error *err)
{
    char blas[256];
    m->backend->describe(blas, sizeof blas);
    struct nn_sb b = {0};
    struct nn_json j;
    nn_json_init(&j, &b);
    nn_json_object(&j, NULL, 0);
    nn_json_str(&j, "nnctl_version", NN_VERSION);
    nn_json_str(&j, "config", cfg->path);
    nn_json_str(&j, "loss", nn_loss_name(cfg->loss));
    nn_json_str(&j, "optimizer", nn_optim_of(&cfg->optim)->name);
    nn_json_str(&j, "real", NN_REAL_NAME);
    nn_json_str(&j, "backend", m->backend->name);
    nn_json_str(&j, "blas", blas);
    struct nn_backend_fact facts[NN_BACKEND_MAX_FACTS];
    int n_facts = m->backend->facts ? m->backend->facts(facts, NN_BACKEND_MAX_FACTS) : 0;
    for (int k = 0; k < n_facts; k++)
        nn_json_str(&j, facts[k].key, facts[k].value);
    char warn[512];
    nn_json_array(&j, "warnings", 0); /* slow paths the backend could not fix */
    if (m->backend->warning && m->backend->warning(warn, sizeof warn))
        nn_json_str(&j, NULL, warn);
    nn_json_end(&j);
    /* settings of the user's that make the run slower: every backend's, as train printed them */
    nn_json_array(&j, "hints", 0);
    for (const struct nn_backend *const *be = nn_backend_list(); *be; be++)
        if ((*be)->hint && (*be)->hint(warn, sizeof warn))
            nn_json_str(&j, NULL, warn);
    nn_json_end(&j);
    nn_json_int(&j, "threads", f->threads);
    /* "batch": the step's own threads split the batch (the backend single-threaded); "blas":
     * the backend splits each GEMM */
    nn_json_str(&j, "parallel", f->team ? "batch" : "blas");
    nn_json_uint(&j, "seed", (unsigned long long)cfg->train.seed);
    nn_json_uint(&j, "parameters", (unsigned long long)m->n_params);
    nn_json_int(&j, "train_samples", f->n_train);
    nn_json_int(&j, "batch_size", cfg->train.batch_size);
    nn_json_int(&j, "epochs", r->epochs);
    nn_json_num(&j, "final_train_loss", r->final_train_loss);
    nn_json_num(&j, "eval_train_loss", r->eval_train_loss);
    nn_json_num(&j, "final_test_loss", r->final_test_loss);
    nn_json_num(&j, "accuracy", r->train_accuracy);
    nn_json_num(&j, "test_accuracy", r->test_accuracy);
    nn_json_num(&j, "train_seconds", r->train_seconds);
    nn_json_num(&j, "seconds_per_epoch", f->median_epoch);
    nn_json_num(&j, "samples_per_second",
                r->train_seconds > 0 ? (double)f->n_train * r->epochs / r->train_seconds : NAN);
    const struct nn_data_split *v = &cfg->data.validation;
    if (v->source != NN_SOURCE_NONE || v->fraction > 0) {
        nn_json_int(&j, "val_samples", f->n_val);
        nn_json_num(&j, "final_val_loss", r->val_loss);
        nn_json_num(&j, "val_accuracy", r->val_accuracy);
    }
    const struct nn_early_stop_spec *es = &cfg->train.early_stopping;
    if (es->monitor != NN_MONITOR_NONE) {
        /* the best epoch (best.ckpt) and the last one trained (model.ckpt) */
        nn_json_object(&j, "early_stopping", 0);
        nn_json_str(&j, "monitor", nn_monitor_name(es->monitor));
        nn_json_int(&j, "patience", es->patience);
        nn_json_int(&j, "epochs_planned", r->epochs_planned);
        nn_json_int(&j, "last_epoch", r->epochs);
        nn_json_bool(&j, "stopped_early", r->stopped_early);
        nn_json_int(&j, "best_epoch", r->best_epoch);
        nn_json_num(&j, "best_value", r->best_value);
        nn_json_num(&j, "best_test_loss", r->best_test_loss);
        nn_json_num(&j, "best_test_accuracy", r->best_test_accuracy);
        nn_json_end(&j);
    }
    nn_json_end(&j);
    return nn_sb_write_file(&b, path, err);
}
