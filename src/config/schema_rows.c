/* The config schema's rows: every key of the top-level sections (description, model, loss,
 * optimizer, training, data) with its type, field, bounds, default and meaning, and the rules
 * beyond a key's type. The machinery that reads, formats and prints rows is in schema.c. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/config.h"
#include "nnctl/backend.h"
#include "nnctl/optim.h"
#include "nnctl/schema.h"
#include "nnctl/source.h"

/* ------------------------------------------------------------------------------------------ */
/* The words of the top-level enums (index = value), and rules beyond a key's type */

static const char *const LOSS_NAMES[] = {"mse", "binary_crossentropy", "categorical_crossentropy",
                                         NULL};
static const char *const NORMALIZE_NAMES[] = {"none", "standard", "minmax", NULL};
static const char *const SCHEDULE_NAMES[] = {"constant",          "step", "exponential", "cosine",
                                             "reduce_on_plateau", NULL};
static const char *const MONITOR_NAMES[] = {"none", "val_loss", "val_accuracy", "loss", NULL};
/* Each table names every value of its enum, in order, and ends with NULL. */
#define NAMES_OF(t, last)                                                                          \
    _Static_assert(sizeof t / sizeof t[0] == (last) + 2, #t " names every value")
NAMES_OF(LOSS_NAMES, NN_LOSS_CCE);
NAMES_OF(NORMALIZE_NAMES, NN_NORMALIZE_MINMAX);
NAMES_OF(nn_precision_names, NN_PRECISION_BFLOAT16);
NAMES_OF(SCHEDULE_NAMES, NN_SCHEDULE_PLATEAU);
NAMES_OF(MONITOR_NAMES, NN_MONITOR_LOSS);

const char *nn_loss_name(enum nn_loss_kind loss)
{
    return (int)loss >= 0 && loss <= NN_LOSS_CCE ? LOSS_NAMES[loss] : "?";
}

const char *nn_monitor_name(enum nn_monitor m)
{
    return (int)m >= 0 && m <= NN_MONITOR_LOSS ? MONITOR_NAMES[m] : "?";
}

/* A precision no backend can run here (bfloat16 without the matrix engine or AVX512-BF16) is
 * refused when the config is checked, before anything is written. */
static int check_precision(const void *base, const void *field, char *why, size_t len)
{
    (void)field;
    const struct nn_train_spec *t = &((const struct nn_config *)base)->train;
    return nn_backend_choose("auto", t->precision, why, len) ? 0 : -1;
}

/* training.backend: a registered backend of training.precision that can run here ("auto": the
 * precision's own check above has said whether one can). */
static int check_backend(const void *base, const void *field, char *why, size_t len)
{
    (void)field;
    const struct nn_train_spec *t = &((const struct nn_config *)base)->train;
    if (!strcmp(t->backend, "auto"))
        return 0;
    return nn_backend_choose(t->backend, t->precision, why, len) ? 0 : -1;
}

/* data.test and data.validation take the sources that have keys for a split of their own. */
static int check_split_source(const char *what, int source, char *why, size_t len)
{
    const struct nn_source_ops *src = nn_source_at(source);
    if (src && src->split_keys)
        return 0;
    char list[256];
    nn_source_split_list(list, sizeof list);
    snprintf(why, len, "%s of its own is %s data, not '%s'", what, list, src ? src->name : "?");
    return -1;
}

static int check_test_source(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    return check_split_source("a test split", *(const int *)field, why, len);
}

static int check_validation_source(const void *base, const void *field, char *why, size_t len)
{
    (void)base;
    int source = *(const int *)field;
    return source == NN_SOURCE_NONE ? 0 : check_split_source("validation data", source, why, len);
}

/* Early stopping watches the validation data: its monitor is val_loss or val_accuracy. */
static int check_stop_monitor(const void *base, const void *field, char *why, size_t len)
{
    (void)field;
    enum nn_monitor k = ((const struct nn_config *)base)->train.early_stopping.monitor;
    if (k == NN_MONITOR_LOSS) {
        snprintf(why, len,
                 "early stopping watches val_loss or val_accuracy, not the training loss");
        return -1;
    }
    return 0;
}

static int check_plateau_monitor(const void *base, const void *field, char *why, size_t len)
{
    (void)field;
    if (((const struct nn_config *)base)->optim.schedule.monitor == NN_MONITOR_NONE) {
        snprintf(why, len, "reduce_on_plateau watches val_loss, val_accuracy or loss");
        return -1;
    }
    return 0;
}

static int check_validation_fraction(const void *base, const void *field, char *why, size_t len)
{
    (void)field;
    double f = ((const struct nn_config *)base)->data.validation.fraction;
    if (!(f >= 0 && f < 1)) { /* 0: no validation (--set data.validation.fraction=0) */
        snprintf(why, len, "expected a number >= 0 and < 1, found %g", f);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The rows. Their order is the order of the resolved YAML and of "expected one of" lists;
 * `late` keys are read last, which keeps the order diagnostics always had. */

#define AT(field)   offsetof(struct nn_config, field)
#define SIZE(field) sizeof(((struct nn_config *)0)->field)

/* One row per key (Redis's static_configs[] is the model): on its first line the kind of value,
 * the dotted path, the field it fills and the row's own settings, on its second what it means. */
#define KEY(T, P, F, ...)                                                                          \
    {                                                                                              \
        .path = P, .type = NN_KEY_##T, .offset = AT(F), __VA_ARGS__                                \
    }
#define KEY_STR(P, F, ...)                                                                         \
    {                                                                                              \
        .path = P, .type = NN_KEY_STRING, .offset = AT(F), .size = SIZE(F), __VA_ARGS__            \
    }
#define KEY_NO_FIELD(P, T, ...)                                                                    \
    {                                                                                              \
        .path = P, .type = NN_KEY_##T, __VA_ARGS__                                                 \
    }

/* clang-format off */
static const struct nn_key top_rows[] = {
    KEY_STR("description", description, .def = "",
        .doc = "free text, kept with the model"),
    KEY(SHAPE, "model.input_shape", in_shape, .hint = "a list like [2] or [28, 28]",
        .doc = "the shape of one input sample"),
    KEY_NO_FIELD("model.layers", LAYERS, .hint = "a list of layers",
        .doc = "the layers, applied in order (their keys are listed below)"),
    KEY(ENUM, "loss", loss, .names = LOSS_NAMES, .what = "loss",
        .doc = "the training loss; binary_crossentropy and categorical_crossentropy need a last "
               "activation of sigmoid and softmax"),
    KEY(ENUM, "optimizer.type", optim.kind, .names = nn_optim_names, .what = "optimizer", .def = "sgd",
        .kinds = NN_KINDS_OPTIM,
        .doc = "the update rule (PyTorch's formulation)"),
    KEY(REAL, "optimizer.weight_decay", optim.weight_decay,
        .lo = 0, .hi = INFINITY, .def = "0", .quiet_default = 1,
        .doc = "sgd: added to the gradient, g + wd·w (PyTorch's SGD); adam: decoupled, w ← w − "
               "lr·wd·w before the step (PyTorch's AdamW); every parameter, biases included"),
    KEY(REAL, "optimizer.clip_norm", optim.clip_norm,
        .lo = 0, .hi = INFINITY, .def = "0", .quiet_default = 1,
        .doc = "when the global L2 norm of all gradients exceeds it, they are scaled by clip_norm "
               "/ (norm + 1e-6) (PyTorch's clip_grad_norm_); the norm is recorded per epoch; 0: "
               "off"),
    KEY(ENUM, "optimizer.schedule.type", optim.schedule.kind,
        .names = SCHEDULE_NAMES, .what = "schedule", .def = "constant", .quiet_default = 1,
        .doc = "the learning rate of each epoch (from learning_rate): constant, step, exponential, "
               "cosine or reduce_on_plateau; history.csv records it"),
    KEY(INT, "optimizer.schedule.step_epochs", optim.schedule.step_epochs,
        .lo = 1, .hi = 100000000, .def = "10", .when = "type=step",
        .doc = "lr × factor every step_epochs epochs"),
    KEY(REAL, "optimizer.schedule.factor", optim.schedule.factor,
        .lo = 0, .open_lo = 1, .hi = 1, .def = "0.1", .when = "type=step|reduce_on_plateau",
        .doc = "the multiplier of each reduction"),
    KEY(REAL, "optimizer.schedule.factor", optim.schedule.factor,
        .lo = 0, .open_lo = 1, .hi = 1, .def = "0.95", .when = "type=exponential",
        .doc = "lr × factor^epoch"),
    KEY(INT, "optimizer.schedule.warmup_epochs", optim.schedule.warmup_epochs,
        .lo = 0, .hi = 100000000, .def = "0", .when = "type=cosine",
        .doc = "epochs of linear warmup, lr·(e + 1)/warmup_epochs in epoch e (0-based), before the "
               "cosine"),
    KEY(REAL, "optimizer.schedule.min_lr", optim.schedule.min_lr,
        .lo = 0, .hi = INFINITY, .def = "0", .when = "type=cosine|reduce_on_plateau",
        .doc = "cosine: the rate of the last epoch's end; reduce_on_plateau: the floor"),
    KEY(INT, "optimizer.schedule.patience", optim.schedule.patience,
        .lo = 1, .hi = 100000000, .def = "10", .when = "type=reduce_on_plateau",
        .doc = "epochs without improvement before a reduction"),
    KEY(ENUM, "optimizer.schedule.monitor", optim.schedule.monitor,
        .names = MONITOR_NAMES, .what = "monitor", .def = "val_loss", .when = "type=reduce_on_plateau", .check = check_plateau_monitor,
        .doc = "the value watched: val_loss, val_accuracy (need data.validation) or loss "
               "(training)"),
    KEY(REAL, "optimizer.schedule.min_delta", optim.schedule.min_delta,
        .lo = 0, .hi = INFINITY, .def = "0", .when = "type=reduce_on_plateau",
        .doc = "an improvement is a change by more than this"),
    KEY(INT, "training.epochs", train.epochs, .lo = 1, .hi = 100000000, .def = "1",
        .doc = "passes over the training data"),
    KEY(INT, "training.batch_size", train.batch_size, .lo = 1, .hi = 1 << 20, .def = "32",
        .doc = "samples per step; larger than the data is one partial batch"),
    KEY(BOOL, "training.shuffle", train.shuffle, .def = "true",
        .doc = "reshuffle the training samples every epoch, from the seed"),
    KEY(U64, "training.seed", train.seed, .def = "0", .late = 1,
        .doc = "seeds the initial weights and the shuffles: same seed, same bytes"),
    KEY(INT, "training.checkpoint_every", train.checkpoint_every,
        .lo = 0, .hi = INT32_MAX, .def = "0",
        .doc = "epochs between checkpoints; 0 = only at the end"),
    KEY(REAL, "training.checkpoint_minutes", train.checkpoint_minutes,
        .lo = 0, .hi = 1e6, .def = "10", .quiet_default = 1,
        .doc = "also write a checkpoint (inside an epoch too) once this many minutes passed since "
               "the last; 0 = off. A crash loses at most this much work"),
    KEY(ENUM, "training.precision", train.precision,
        .names = nn_precision_names, .what = "precision", .def = "float32", .check = check_precision, .quiet_default = 1,
        .doc = "bfloat16: GEMM inputs in bf16 with fp32 accumulation, on AMX or AVX512-BF16 "
               "(weights, optimizer, loss stay fp32)"),
    KEY_STR("training.backend", train.backend,
        .def = "auto", .check = check_backend, .quiet_default = 1,
        .doc = "the compute backend by name (nnctl info lists them and whether each runs here); "
               "auto: the first of training.precision that runs on this CPU"),
    KEY(ENUM, "training.early_stopping.monitor", train.early_stopping.monitor,
        .names = MONITOR_NAMES, .what = "monitor", .def = "none", .quiet_default = 1, .check = check_stop_monitor,
        .doc = "stop when val_loss or val_accuracy (data.validation) has not improved for patience "
               "epochs, keeping the best epoch as best.ckpt; val_loss when the block omits it; "
               "none: off"),
    KEY(INT, "training.early_stopping.patience", train.early_stopping.patience,
        .lo = 1, .hi = 100000000, .def = "5", .when = "monitor=val_loss|val_accuracy",
        .doc = "epochs without improvement before stopping"),
    KEY(REAL, "training.early_stopping.min_delta", train.early_stopping.min_delta,
        .lo = 0, .hi = INFINITY, .def = "0", .when = "monitor=val_loss|val_accuracy",
        .doc = "an improvement is a change by more than this"),
    KEY(ENUM, "data.source", data.source,
        .names = nn_source_names, .what = "data source", .def = "idx", .kinds = NN_KINDS_SOURCE,
        .doc = "where the samples come from; the default is inline when data.x is given"),
    KEY(ENUM, "data.normalize", data.normalize,
        .names = NORMALIZE_NAMES, .what = "normalisation", .def = "none", .quiet_default = 1,
        .doc = "features scaled with statistics of the training data: standard (mean 0, deviation "
               "1) or minmax (0 to 1); float sources only (npy, csv, libsvm, inline)"),
    KEY(NUMBERS, "data.feature_offset", data.feature_offset, .def = "[]", .quiet_default = 1,
        .doc = "x' = (x - feature_offset) * feature_scale per feature: written by training into "
               "the checkpoint's config; given, it is used as is"),
    KEY(NUMBERS, "data.feature_scale", data.feature_scale, .def = "[]", .quiet_default = 1,
        .doc = "see feature_offset"),
    KEY(ENUM, "data.test.source", data.test.source,
        .names = nn_source_names, .what = "data source", .def = "none", .quiet_default = 1, .check = check_test_source,
        .kinds = NN_KINDS_SPLIT, .kinds_at = AT(data.test),
        .doc = "a test split in a format of its own (npy, csv or libsvm), whatever the training "
               "data's: its labels map to the training data's classes, the training statistics "
               "normalise it; instead of the source's own test keys"),
    KEY(ENUM, "data.validation.source", data.validation.source,
        .names = nn_source_names, .what = "data source", .def = "none", .quiet_default = 1, .check = check_validation_source,
        .kinds = NN_KINDS_SPLIT, .kinds_at = AT(data.validation),
        .doc = "validation data, scored every epoch (history.csv, metrics.json, the progress "
               "line): none with a fraction of the training data, or a dataset of its own (npy, "
               "csv or libsvm, keys as in data.test)"),
    KEY(REAL, "data.validation.fraction", data.validation.fraction,
        .lo = 0, .hi = 1, .def = "0", .quiet_default = 1, .when = "source=none", .check = check_validation_fraction,
        .doc = "held out of the training data, drawn from training.seed (stream 5), the same "
               "samples for every thread count and on resume; 0: no validation"),
};
/* clang-format on */

/* ------------------------------------------------------------------------------------------ */
/* The whole schema: the rows above, each table of kinds spliced in after its selector */

/* A kind's rows as the schema holds them: its path under the selector's section, active when the
 * selector holds the kind's word, the offsets into struct nn_config. */
struct kind_table {
    const char *name;
    const char *doc;
    const struct nn_key *rows;
    int n;
};

static int kind_tables(enum nn_key_kinds kinds, struct kind_table *t)
{
    int n = 0;
    switch (kinds) {
    case NN_KINDS_NONE:
        break;
    case NN_KINDS_SOURCE:
    case NN_KINDS_SPLIT:
        for (int i = 0; i < nn_source_count(); i++) {
            const struct nn_source_ops *o = nn_source_at(i);
            t[n++] = (struct kind_table){o->name, o->doc,
                                         kinds == NN_KINDS_SOURCE ? o->keys : o->split_keys,
                                         kinds == NN_KINDS_SOURCE ? o->n_keys : o->n_split_keys};
        }
        break;
    case NN_KINDS_OPTIM:
        for (int i = 0; i < nn_optim_count(); i++) {
            const struct nn_optim_ops *o = nn_optim_at(i);
            t[n++] = (struct kind_table){o->name, o->doc, o->keys, o->n_keys};
        }
        break;
    }
    return n;
}

static size_t kinds_base(const struct nn_key *sel)
{
    switch (sel->kinds) {
    case NN_KINDS_SOURCE:
        return AT(data);
    case NN_KINDS_SPLIT:
        return sel->kinds_at;
    case NN_KINDS_OPTIM:
        return AT(optim);
    case NN_KINDS_NONE:
        break;
    }
    return 0;
}

static struct {
    struct nn_key *rows;
    int n;
    char *text;          /* the spliced rows' paths and conditions */
    int sources, optims; /* the table sizes it was built for */
} spliced;

static int splice_kinds(void)
{
    enum { MAX_KINDS = 32 };
    struct kind_table t[MAX_KINDS];
    const int n_top = (int)(sizeof top_rows / sizeof top_rows[0]);
    int n = n_top;
    size_t text = 0;
    for (int i = 0; i < n_top; i++) {
        int nt = kind_tables(top_rows[i].kinds, t);
        for (int j = 0; j < nt; j++) {
            n += t[j].n;
            for (int r = 0; r < t[j].n; r++)
                text += strlen(top_rows[i].path) + strlen(t[j].rows[r].path) + 2 +
                        strlen(top_rows[i].path) + strlen(t[j].name) + 2;
        }
    }
    struct nn_key *rows = calloc((size_t)n, sizeof *rows);
    char *buf = malloc(text + 1), *p = buf;
    if (!rows || !buf) {
        free(rows);
        free(buf);
        return -1;
    }
    int o = 0;
    for (int i = 0; i < n_top; i++) {
        const struct nn_key *sel = &top_rows[i];
        rows[o++] = *sel;
        const char *word = strrchr(sel->path, '.');
        const int prefix = word ? (int)(word - sel->path) + 1 : 0;
        const size_t base = kinds_base(sel);
        int nt = kind_tables(sel->kinds, t);
        for (int j = 0; j < nt; j++)
            for (int r = 0; r < t[j].n; r++) {
                struct nn_key k = t[j].rows[r];
                k.path = p;
                p += sprintf(p, "%.*s%s", prefix, sel->path, t[j].rows[r].path) + 1;
                k.when = p;
                p += sprintf(p, "%s=%s", sel->path + prefix, t[j].name) + 1;
                k.offset += base;
                if (k.type == NN_KEY_MATRIX) {
                    k.rows_at += base;
                    k.cols_at += base;
                }
                rows[o++] = k;
            }
    }
    free(spliced.rows);
    free(spliced.text);
    spliced.rows = rows;
    spliced.text = buf;
    spliced.n = o;
    spliced.sources = nn_source_count();
    spliced.optims = nn_optim_count();
    return 0;
}

const struct nn_key *nn_config_rows(int *n)
{
    if ((!spliced.rows || spliced.sources != nn_source_count() ||
         spliced.optims != nn_optim_count()) &&
        splice_kinds()) {
        *n = (int)(sizeof top_rows /
                   sizeof top_rows[0]); /* out of memory: the kinds' rows left out */
        return top_rows;
    }
    *n = spliced.n;
    return spliced.rows;
}

/* Enum fields are written and read as int: the rows' ENUM fields are all int-sized. */
_Static_assert(sizeof(enum nn_loss_kind) == sizeof(int) && sizeof(enum nn_act) == sizeof(int),
               "enum fields are int-sized");

int nn_schema_kind(const struct nn_key *sel, int i, const char **name, const char **doc)
{
    enum { MAX_KINDS = 32 };
    struct kind_table t[MAX_KINDS];
    const int n = kind_tables(sel->kinds, t);
    if (i < 0 || i >= n || (sel->kinds == NN_KINDS_SPLIT && !t[i].rows))
        return i >= 0 && i < n ? 0 : -1;
    *name = t[i].name;
    *doc = t[i].doc;
    return 1;
}
