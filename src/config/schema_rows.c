/* The config schema's rows: every key of the top-level sections (description, model, loss,
 * optimizer, training, data) with its type, field, bounds, default and meaning, and the rules
 * beyond a key's type. The machinery that reads, formats and prints rows is in schema.c. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nnctl/config.h"
#include "nnctl/mnist.h"
#include "nnctl/backend.h"
#include "nnctl/schema.h"

/* ------------------------------------------------------------------------------------------ */
/* The words of the top-level enums (index = value), and rules beyond a key's type */

static const char *const LOSS_NAMES[] = {"mse", "binary_crossentropy", "categorical_crossentropy",
                                         NULL};
static const char *const OPTIM_NAMES[] = {"sgd", "adam", NULL};
static const char *const SOURCE_NAMES[] = {"none", "inline", "idx", "npy", "csv", "libsvm", NULL};
static const char *const TARGET_NAMES[] = {"y", "input", "labels", NULL};
static const char *const NORMALIZE_NAMES[] = {"none", "standard", "minmax", NULL};
static const char *const SCHEDULE_NAMES[] = {"constant",          "step", "exponential", "cosine",
                                             "reduce_on_plateau", NULL};
static const char *const MONITOR_NAMES[] = {"none", "val_loss", "val_accuracy", "loss", NULL};
/* Each table names every value of its enum, in order, and ends with NULL. */
#define NAMES_OF(t, last)                                                                          \
    _Static_assert(sizeof t / sizeof t[0] == (last) + 2, #t " names every value")
NAMES_OF(LOSS_NAMES, NN_LOSS_CCE);
NAMES_OF(OPTIM_NAMES, NN_OPT_ADAM);
NAMES_OF(SOURCE_NAMES, NN_DATA_LIBSVM);
NAMES_OF(TARGET_NAMES, NN_TARGET_ONEHOT);
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
static int check_precision(const void *base, char *why, size_t len)
{
    const struct nn_train_spec *t = &((const struct nn_config *)base)->train;
    return nn_backend_choose("auto", t->precision, why, len) ? 0 : -1;
}

/* training.backend: a registered backend of training.precision that can run here ("auto": the
 * precision's own check above has said whether one can). */
static int check_backend(const void *base, char *why, size_t len)
{
    const struct nn_train_spec *t = &((const struct nn_config *)base)->train;
    if (!strcmp(t->backend, "auto"))
        return 0;
    return nn_backend_choose(t->backend, t->precision, why, len) ? 0 : -1;
}

/* data.test takes the file formats that hold their own samples and labels. */
static int check_test_source(const void *base, char *why, size_t len)
{
    enum nn_data_source k = ((const struct nn_config *)base)->data.test.source;
    if (k == NN_DATA_NPY || k == NN_DATA_CSV || k == NN_DATA_LIBSVM)
        return 0;
    snprintf(why, len, "a test split of its own is npy, csv or libsvm data, not '%s'",
             SOURCE_NAMES[k]);
    return -1;
}

static int one_character(const char *dl, char *why, size_t len)
{
    if (strlen(dl) != 1 || dl[0] == '"' || dl[0] == '\n' || dl[0] == '\r') {
        snprintf(why, len, "expected one character (not a quote or a line break), found '%s'", dl);
        return -1;
    }
    return 0;
}

static int check_data_delimiter(const void *base, char *why, size_t len)
{
    return one_character(((const struct nn_config *)base)->data.delimiter, why, len);
}

static int check_test_delimiter(const void *base, char *why, size_t len)
{
    return one_character(((const struct nn_config *)base)->data.test.delimiter, why, len);
}

static int check_validation_delimiter(const void *base, char *why, size_t len)
{
    return one_character(((const struct nn_config *)base)->data.validation.delimiter, why, len);
}

static int check_validation_source(const void *base, char *why, size_t len)
{
    enum nn_data_source k = ((const struct nn_config *)base)->data.validation.source;
    if (k == NN_DATA_NONE || k == NN_DATA_NPY || k == NN_DATA_CSV || k == NN_DATA_LIBSVM)
        return 0;
    snprintf(why, len, "validation data of its own is npy, csv or libsvm data, not '%s'",
             SOURCE_NAMES[k]);
    return -1;
}

/* Early stopping watches the validation data: its monitor is val_loss or val_accuracy. */
static int check_stop_monitor(const void *base, char *why, size_t len)
{
    enum nn_monitor k = ((const struct nn_config *)base)->train.early_stopping.monitor;
    if (k == NN_MONITOR_LOSS) {
        snprintf(why, len,
                 "early stopping watches val_loss or val_accuracy, not the training loss");
        return -1;
    }
    return 0;
}

static int check_plateau_monitor(const void *base, char *why, size_t len)
{
    if (((const struct nn_config *)base)->optim.schedule.monitor == NN_MONITOR_NONE) {
        snprintf(why, len, "reduce_on_plateau watches val_loss, val_accuracy or loss");
        return -1;
    }
    return 0;
}

static int check_validation_fraction(const void *base, char *why, size_t len)
{
    double f = ((const struct nn_config *)base)->data.validation.fraction;
    if (!(f >= 0 && f < 1)) { /* 0: no validation (--set data.validation.fraction=0) */
        snprintf(why, len, "expected a number >= 0 and < 1, found %g", f);
        return -1;
    }
    return 0;
}

static int check_csv_target(const void *base, char *why, size_t len)
{
    const struct nn_data_spec *d = &((const struct nn_config *)base)->data;
    if (d->target == NN_TARGET_INPUT) {
        snprintf(why, len,
                 "'input' needs targets as wide as the inputs; %s data takes 'y' "
                 "(numbers) or 'labels' (classes)",
                 d->source == NN_DATA_LIBSVM ? "libsvm" : "csv");
        return -1;
    }
    return 0;
}

static int check_nesterov(const void *base, char *why, size_t len)
{
    const struct nn_optim_spec *o = &((const struct nn_config *)base)->optim;
    if (o->nesterov && o->momentum == 0) {
        snprintf(why, len, "needs a momentum > 0");
        return -1;
    }
    return 0;
}

static int check_idx_target(const void *base, char *why, size_t len)
{
    if (((const struct nn_config *)base)->data.target == NN_TARGET_Y) {
        snprintf(why, len,
                 "'y' is for inline data; idx data takes 'input' (autoencoder) or 'labels' "
                 "(classifier)");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The rows. Their order is the order of the resolved YAML and of "expected one of" lists;
 * `late` keys are read last, which keeps the order diagnostics always had. */

#define AT(field)   offsetof(struct nn_config, field)
#define SIZE(field) sizeof(((struct nn_config *)0)->field)

/* The keys of a split with data of its own (data.test, data.validation): the same files and CSV
 * layout keys, under its name. */
/* clang-format off */
#define SPLIT_FILE_ROWS(SPLIT, WHAT, DELIMITER_CHECK)                                              \
    {.path = "data." #SPLIT ".file", .type = NN_KEY_STRING, .offset = AT(data.SPLIT.file),       \
     .size = SIZE(data.SPLIT.file), .when = "source=csv|libsvm",                                 \
     .doc = "the " WHAT " file: a CSV table or libsvm's sparse text, optionally .gz"},           \
    {.path = "data." #SPLIT ".x", .type = NN_KEY_STRING, .offset = AT(data.SPLIT.x),             \
     .size = SIZE(data.SPLIT.x), .when = "source=npy",                                           \
     .doc = "a .npy of the " WHAT " inputs"},                                                    \
    {.path = "data." #SPLIT ".y", .type = NN_KEY_STRING, .offset = AT(data.SPLIT.y),             \
     .size = SIZE(data.SPLIT.y), .def = "", .when = "source=npy",                                \
     .doc = "a .npy of the " WHAT " targets, or integer class labels (class indices)"},          \
    {.path = "data." #SPLIT ".header", .type = NN_KEY_BOOL, .offset = AT(data.SPLIT.header),     \
     .def = "true", .when = "source=csv", .doc = "the first row names the columns"},             \
    {.path = "data." #SPLIT ".delimiter", .type = NN_KEY_STRING,                                 \
     .offset = AT(data.SPLIT.delimiter), .size = SIZE(data.SPLIT.delimiter), .def = ",",         \
     .when = "source=csv", .check = DELIMITER_CHECK,                                             \
     .doc = "the field separator, one character"},                                               \
    {.path = "data." #SPLIT ".target_column", .type = NN_KEY_NAMES,                              \
     .offset = AT(data.SPLIT.target_column), .def = "[]", .when = "source=csv",                  \
     .doc = "the target columns; empty: the training data's (csv), else the last column"},       \
    {.path = "data." #SPLIT ".feature_columns", .type = NN_KEY_NAMES,                            \
     .offset = AT(data.SPLIT.feature_columns), .def = "[]", .when = "source=csv",                \
     .doc = "the input columns; empty: the training data's (csv), else all but the targets"}
/* clang-format on */

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
const struct nn_key nn_config_keys[] = {
    KEY_STR("description", description, .def = "",
        .doc = "free text, kept with the model"),
    KEY(SHAPE, "model.input_shape", in_shape, .hint = "a list like [2] or [28, 28]",
        .doc = "the shape of one input sample"),
    KEY_NO_FIELD("model.layers", LAYERS, .hint = "a list of layers",
        .doc = "the layers, applied in order (their keys are listed below)"),
    KEY(ENUM, "loss", loss, .names = LOSS_NAMES, .what = "loss",
        .doc = "the training loss; binary_crossentropy and categorical_crossentropy need a last "
               "activation of sigmoid and softmax"),
    KEY(ENUM, "optimizer.type", optim.kind, .names = OPTIM_NAMES, .what = "optimizer", .def = "sgd",
        .doc = "the update rule (PyTorch's formulation)"),
    KEY(REAL, "optimizer.learning_rate", optim.learning_rate,
        .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "0.01", .when = "type=sgd", .late = 1,
        .doc = "the step size"),
    KEY(REAL, "optimizer.learning_rate", optim.learning_rate,
        .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "0.001", .when = "type=adam", .late = 1,
        .doc = "the step size"),
    KEY(REAL, "optimizer.momentum", optim.momentum,
        .lo = 0, .hi = 1, .open_hi = 1, .def = "0", .when = "type=sgd",
        .doc = "μ in v ← μ·v + g; 0 is plain SGD"),
    KEY(BOOL, "optimizer.nesterov", optim.nesterov,
        .def = "false", .when = "type=sgd", .check = check_nesterov,
        .doc = "Nesterov momentum: w ← w − lr·(g + μ·v); needs a momentum > 0"),
    KEY(REAL, "optimizer.beta1", optim.beta1,
        .lo = 0, .hi = 1, .open_hi = 1, .def = "0.9", .when = "type=adam",
        .doc = "decay of the first moment"),
    KEY(REAL, "optimizer.beta2", optim.beta2,
        .lo = 0, .hi = 1, .open_hi = 1, .def = "0.999", .when = "type=adam",
        .doc = "decay of the second moment"),
    KEY(REAL, "optimizer.epsilon", optim.epsilon,
        .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "1e-08", .when = "type=adam",
        .doc = "added to √v̂ after the bias correction, as PyTorch does (Keras adds it to √v)"),
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
        .names = SOURCE_NAMES, .what = "data source", .def = "idx",
        .doc = "where the samples come from; the default is inline when data.x is given"),
    KEY(MATRIX, "data.x", data.x,
        .rows_at = AT(data.n), .cols_at = AT(data.x_dim), .when = "source=inline",
        .doc = "the inputs, one row per sample, as many values as model.input_shape holds"),
    KEY(MATRIX, "data.y", data.y,
        .rows_at = AT(data.n), .cols_at = AT(data.y_dim), .when = "source=inline",
        .doc = "the targets, one row per sample, as many values as the model outputs"),
    KEY_STR("data.dir", data.dir, .def = "", .when = "source=idx",
        .doc = "where the files are; empty: $MNIST_DIR"),
    KEY_STR("data.train_images", data.train_images,
        .def = NN_MNIST_TRAIN_IMAGES, .when = "source=idx",
        .doc = "a name without '/' is looked up in dir as NAME or NAME.gz"),
    KEY_STR("data.train_labels", data.train_labels,
        .def = NN_MNIST_TRAIN_LABELS, .when = "source=idx",
        .doc = "read for target: labels"),
    KEY_STR("data.test_images", data.test_images, .def = NN_MNIST_TEST_IMAGES, .when = "source=idx",
        .doc = "the test split; empty: none"),
    KEY_STR("data.test_labels", data.test_labels, .def = NN_MNIST_TEST_LABELS, .when = "source=idx",
        .doc = "read for target: labels"),
    KEY(ENUM, "data.target", data.target,
        .names = TARGET_NAMES, .what = "target", .def = "input", .when = "source=idx", .check = check_idx_target,
        .doc = "input: reconstruct the input (autoencoder); labels: one-hot classes (y is for "
               "inline data)"),
    KEY(INT, "data.classes", data.classes, .lo = 2, .hi = 65536, .def = "10", .when = "source=idx",
        .doc = "width of the one-hot targets for target: labels"),
    KEY(INT, "data.train_limit", data.train_limit,
        .lo = 0, .hi = INT32_MAX, .def = "0", .when = "source=idx",
        .doc = "use only the first N training samples; 0 = all"),
    KEY(INT, "data.test_limit", data.test_limit,
        .lo = 0, .hi = INT32_MAX, .def = "0", .when = "source=idx",
        .doc = "use only the first N test samples; 0 = all"),
    KEY(REAL, "data.scale", data.scale,
        .lo = 0, .open_lo = 1, .hi = INFINITY, .def = "0.00392156862745098", .when = "source=idx",
        .doc = "u8 pixels are multiplied by this (1/255)"),
    KEY_STR("data.train_x", data.train_x, .when = "source=npy",
        .doc = "a .npy of the training inputs, one row per sample (float32/64, uint8, int32/64; C "
               "order)"),
    KEY_STR("data.train_y", data.train_y, .def = "", .when = "source=npy",
        .doc = "a .npy of the targets (target: y) or integer class labels (target: labels)"),
    KEY_STR("data.test_x", data.test_x, .def = "", .when = "source=npy",
        .doc = "the test inputs; empty: no test split"),
    KEY_STR("data.test_y", data.test_y, .def = "", .when = "source=npy",
        .doc = "the test targets or labels"),
    KEY(ENUM, "data.target", data.target,
        .names = TARGET_NAMES, .what = "target", .def = "y", .when = "source=npy",
        .doc = "y: train_y's rows are the targets; labels: one-hot classes from integer labels; "
               "input: reconstruct the input"),
    KEY(INT, "data.classes", data.classes, .lo = 2, .hi = 256, .def = "10", .when = "source=npy",
        .doc = "classes for target: labels (labels 0 to classes - 1)"),
    KEY_STR("data.train_file", data.train_file, .when = "source=csv|libsvm",
        .doc = "the training file: a CSV table (RFC 4180) or libsvm's sparse text, optionally .gz; "
               "one row per sample"),
    KEY_STR("data.test_file", data.test_file, .def = "", .when = "source=csv|libsvm",
        .doc = "the test file, in the same format and columns; empty: no test split"),
    KEY(INT, "data.features", data.features,
        .lo = 0, .hi = 100000000, .def = "0", .when = "source=libsvm",
        .doc = "the width of a dense row; 0: the largest index in the training file"),
    KEY(BOOL, "data.header", data.header, .def = "true", .when = "source=csv",
        .doc = "the first row names the columns"),
    KEY_STR("data.delimiter", data.delimiter,
        .def = ",", .when = "source=csv", .check = check_data_delimiter,
        .doc = "the field separator, one character"),
    KEY(NAMES, "data.target_column", data.target_column, .def = "[]", .when = "source=csv",
        .doc = "the target: a column name or 0-based index, or a list of them (several numbers to "
               "regress); empty: the last column"),
    KEY(NAMES, "data.feature_columns", data.feature_columns, .def = "[]", .when = "source=csv",
        .doc = "the inputs, names or 0-based indices, in this order; empty: every column that is "
               "not a target"),
    KEY(ENUM, "data.target", data.target,
        .names = TARGET_NAMES, .what = "target", .def = "y", .when = "source=csv|libsvm", .check = check_csv_target,
        .doc = "y: the targets are numbers (regression); labels: class labels (csv: integers or "
               "words), numbered as they first appear in the training file"),
    KEY(INT, "data.classes", data.classes,
        .lo = 2, .hi = 256, .def = "10", .when = "source=csv|libsvm",
        .doc = "classes for target: labels (at most this many distinct labels)"),
    KEY(NAMES, "data.class_names", data.class_names, .def = "[]", .when = "source=csv|libsvm",
        .doc = "the labels in class order (class i is the i-th name; libsvm: label values such as "
               "'-1'); empty: as they first appear in the training file. The checkpoint stores the "
               "names, eval and predict print them"),
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
        .names = SOURCE_NAMES, .what = "data source", .def = "none", .quiet_default = 1, .check = check_test_source,
        .doc = "a test split in a format of its own (npy, csv or libsvm), whatever the training "
               "data's: its labels map to the training data's classes, the training statistics "
               "normalise it; instead of the source's own test keys"),
    SPLIT_FILE_ROWS(test, "test", check_test_delimiter),
    KEY(ENUM, "data.validation.source", data.validation.source,
        .names = SOURCE_NAMES, .what = "data source", .def = "none", .quiet_default = 1, .check = check_validation_source,
        .doc = "validation data, scored every epoch (history.csv, metrics.json, the progress "
               "line): none with a fraction of the training data, or a dataset of its own (npy, "
               "csv or libsvm, keys as in data.test)"),
    KEY(REAL, "data.validation.fraction", data.validation.fraction,
        .lo = 0, .hi = 1, .def = "0", .quiet_default = 1, .when = "source=none", .check = check_validation_fraction,
        .doc = "held out of the training data, drawn from training.seed (stream 5), the same "
               "samples for every thread count and on resume; 0: no validation"),
    SPLIT_FILE_ROWS(validation, "validation", check_validation_delimiter),
};
/* clang-format on */
const int nn_config_n_keys = (int)(sizeof nn_config_keys / sizeof nn_config_keys[0]);

/* Enum fields are written and read as int: the rows' ENUM fields are all int-sized. */
_Static_assert(sizeof(enum nn_loss_kind) == sizeof(int) && sizeof(enum nn_act) == sizeof(int),
               "enum fields are int-sized");
