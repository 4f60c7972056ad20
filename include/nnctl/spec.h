/* nnctl — what a config resolves to, as types: the model's layers, the optimizer, the training
 * controls and the data, each a small typed spec whose kind-specific part (a layer kind's, an
 * optimizer's, a data source's) lives in spec bytes of its own type; and the schema rows (struct
 * nn_key) that describe every key and where it goes. Types only: the registries of kinds (layer.h,
 * optim.h, source.h) and the config's reader (config.h, schema.h) both build on this. */
#ifndef NNCTL_SPEC_H
#define NNCTL_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/names.h"
#include "nnctl/shape.h"

#define NN_MAX_LAYERS 64
#define NN_NAME_MAX   64
#define NN_PATH_MAX   1024

enum nn_act { NN_ACT_IDENTITY, NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_SOFTMAX };
#define NN_ACT_COUNT (NN_ACT_SOFTMAX + 1)
enum nn_init {
    NN_INIT_GLOROT_UNIFORM,
    NN_INIT_GLOROT_NORMAL,
    NN_INIT_HE_UNIFORM,
    NN_INIT_HE_NORMAL,
    NN_INIT_ZEROS,
    NN_INIT_ONES
};
enum nn_loss_kind { NN_LOSS_MSE, NN_LOSS_BCE, NN_LOSS_CCE };
enum nn_target { NN_TARGET_Y, NN_TARGET_INPUT, NN_TARGET_ONEHOT };
/* The words of data.target, by value, NULL-terminated. */
extern const char *const nn_target_names[];
/* Feature normalisation: x' = (x - offset) * scale per feature, the statistics taken from the
 * training data (standard: mean and 1/deviation; minmax: minimum and 1/range). */
enum nn_normalize { NN_NORMALIZE_NONE, NN_NORMALIZE_STANDARD, NN_NORMALIZE_MINMAX };

/* The bytes each layer keeps for its kind's own settings, and their alignment (layer.h). */
#define NN_LAYER_SPEC_BYTES 64
#define NN_LAYER_SPEC_ALIGN 8

/* One layer of the model: what every kind has, then the kind's own settings (dense's units,
 * conv2d's kernel size, dropout's rate ...) in `spec`, as a struct of the kind's that its schema
 * rows fill and NN_LAYER_SPEC (layer.h) reads, as ggml keeps an op's op_params. */
struct nn_layer_spec {
    int kind;               /* an index into the layer-kind table (nnctl/layer.h) */
    int variant;            /* which of the kind's type words declared it (relu, tanh, ...) */
    char name[NN_NAME_MAX]; /* user's name, or "<type>_<index>" */
    int user_named;         /* 1 when the config gave the name */
    int line, col;          /* where the layer is declared, for graph errors */
    _Alignas(NN_LAYER_SPEC_ALIGN) unsigned char spec[NN_LAYER_SPEC_BYTES];
};
_Static_assert(sizeof(struct nn_layer_spec) <= 192,
               "a config holds NN_MAX_LAYERS layer specs: keep each small");

/* The learning rate of each epoch: constant; step (× factor every step_epochs); exponential
 * (× factor each epoch); cosine (linear warmup over warmup_epochs, then a half cosine down to
 * min_lr at the last epoch); reduce_on_plateau (× factor after `patience` epochs without an
 * improvement of `monitor` by more than min_delta, not below min_lr). */
enum nn_schedule_kind {
    NN_SCHEDULE_CONSTANT,
    NN_SCHEDULE_STEP,
    NN_SCHEDULE_EXPONENTIAL,
    NN_SCHEDULE_COSINE,
    NN_SCHEDULE_PLATEAU
};
/* A value watched across epochs: the validation loss or accuracy, or the training loss. */
enum nn_monitor { NN_MONITOR_NONE, NN_MONITOR_VAL_LOSS, NN_MONITOR_VAL_ACCURACY, NN_MONITOR_LOSS };

struct nn_schedule_spec {
    enum nn_schedule_kind kind;
    int step_epochs;
    double factor;
    int warmup_epochs;
    double min_lr;
    int patience;
    enum nn_monitor monitor;
    double min_delta;
};

/* An optimizer's own keys live in a spec of its own type (e.g. struct nn_adam_spec, in its file),
 * kept in these bytes: the optimizer's schema rows address its fields there. */
#define NN_OPTIM_SPEC_BYTES 64

#define NN_OPTIM_SPEC(type, o) NN_SPEC_OF(type, (o)->spec, NN_OPTIM_SPEC_BYTES)

struct nn_optim_spec {
    int kind; /* an index into the optimizer table (nnctl/optim.h) */
    double learning_rate;
    double weight_decay; /* SGD: added to the gradient (g + wd·w); Adam: decoupled (AdamW) */
    double clip_norm;    /* the gradients' global L2 norm is scaled down to this; 0: off */
    struct nn_schedule_spec schedule;
    _Alignas(8) unsigned char spec[NN_OPTIM_SPEC_BYTES]; /* the optimizer's own keys */
};

/* training.early_stopping: stop when `monitor` has not improved by more than min_delta for
 * `patience` epochs; the best epoch's weights are kept as best.ckpt. */
struct nn_early_stop_spec {
    enum nn_monitor monitor; /* NN_MONITOR_NONE: off */
    int patience;
    double min_delta;
};

struct nn_train_spec {
    int epochs;
    int batch_size;
    int shuffle;
    uint64_t seed;
    int checkpoint_every;      /* epochs between checkpoints; 0 = only at the end */
    double checkpoint_minutes; /* also a checkpoint (inside an epoch too) after this long */
    enum nn_precision precision;
    char backend[NN_NAME_MAX]; /* a backend's name (backend.h), or "auto" */
    struct nn_early_stop_spec early_stopping;
};

/* A list of numbers of any length (heap; nn_config_free frees it). */
struct nn_numbers {
    int n;
    double *v;
};

/* Where the class names of labels came from, for messages about a label that is none of them. */
enum nn_class_origin {
    NN_CLASSES_GIVEN,   /* data.class_names */
    NN_CLASSES_LEARNED, /* the training data's labels, in order of first appearance */
    NN_CLASSES_NUMBERED /* integer labels 0 .. classes - 1 (npy, idx, inline training data) */
};

/* A data source's own keys live in a spec of its own type (e.g. struct csv_spec, in the source's
 * file), kept in these bytes: the source's schema rows address its fields there. */
#define NN_SOURCE_SPEC_BYTES 96
/* The spec of type `type` in such bytes of size `room` (a compile error when it does not fit). */
#define NN_SPEC_OF(type, bytes, room)                                                              \
    ((type *)(void *)(bytes) + 0 * sizeof(char[sizeof(type) <= (room) ? 1 : -1]))
#define NN_SOURCE_SPEC(type, bytes) NN_SPEC_OF(type, bytes, NN_SOURCE_SPEC_BYTES)

/* data.test: a test split in a format of its own (a source other than the training data's);
 * data.validation: the same, or (source none) a seeded fraction of the training data. */
#define NN_SOURCE_NONE 0 /* the source "none": no data (a split not given) */
struct nn_data_split {
    int source;      /* an index into the source table (nnctl/source.h) */
    double fraction; /* validation only: held out of the training data; 0: none */
    _Alignas(8) unsigned char spec[NN_SOURCE_SPEC_BYTES]; /* the source's split keys */
};

struct nn_data_spec {
    int source; /* an index into the source table (nnctl/source.h) */
    _Alignas(8) unsigned char spec[NN_SOURCE_SPEC_BYTES]; /* the source's own keys */
    enum nn_target target;
    int classes; /* one-hot width for target: labels */
    /* the labels' names in class order: given, or learned from the training file and written
     * into the checkpoint's config */
    struct nn_names class_names;
    /* every float source: normalisation, and the statistics training computed (or given) */
    enum nn_normalize normalize;
    struct nn_numbers feature_offset, feature_scale;
    struct nn_data_split test, validation;
    enum nn_class_origin class_origin; /* not a key: set while loading (data.c, train.c) */
    const char *classes_from; /* not a key: the training data a split's classes were learned
                               * from, for messages (NULL: the source's own training file) */
};

struct nn_config {
    char path[NN_PATH_MAX]; /* file the config came from */
    char description[256];
    struct nn_shape in_shape;
    int n_layers;
    struct nn_layer_spec layers[NN_MAX_LAYERS];
    enum nn_loss_kind loss;
    struct nn_optim_spec optim;
    struct nn_train_spec train;
    struct nn_data_spec data;
};
/* Small typed specs, the variable parts on the heap: a config is cheap to keep and to copy. */
_Static_assert(sizeof(struct nn_config) <= 16 * 1024, "struct nn_config stays within 16 KB");

/* ---- the schema's rows: one per key ---- */

enum nn_key_type {
    NN_KEY_INT,     /* int, in [lo, hi] */
    NN_KEY_U64,     /* uint64_t, 0 to 2^64-1 */
    NN_KEY_REAL,    /* double, in [lo, hi] with open_lo/open_hi making a bound exclusive */
    NN_KEY_BOOL,    /* int, true or false */
    NN_KEY_STRING,  /* char[size] */
    NN_KEY_PATH,    /* char *, a string of any length on the heap (nn_config_free frees it) */
    NN_KEY_ENUM,    /* an enum field (int-sized), one of names[] */
    NN_KEY_SHAPE,   /* struct nn_shape: a list of 1 to NN_MAX_DIMS positive integers */
    NN_KEY_NAMES,   /* struct nn_names: a list of distinct strings */
    NN_KEY_NUMBERS, /* struct nn_numbers: a list of finite numbers (heap) */
    NN_KEY_MATRIX,  /* inline data: a list of rows of numbers (handled by the data section) */
    NN_KEY_LAYERS   /* the model's list of layers (handled by config.c; their keys come from the
                     * layer kinds) */
};

struct nn_key {
    const char *path; /* dotted path: "optimizer.learning_rate"; a layer key: "units" */
    enum nn_key_type type;
    size_t offset;            /* of the field in struct nn_config (layer keys: nn_layer_spec) */
    size_t size;              /* NN_KEY_STRING: the field's size, NUL included */
    double lo, hi;            /* NN_KEY_INT and NN_KEY_REAL */
    int open_lo, open_hi;     /* NN_KEY_REAL: the bound is exclusive */
    const char *const *names; /* NN_KEY_ENUM: the words, NULL-terminated; index = value */
    const char *what;         /* NN_KEY_ENUM: the noun in messages ("activation") */
    const char *def;          /* the default as YAML text; NULL: required (or no default) */
    const char *when;         /* only with this sibling value, e.g. "type=adam", or one of several,
                               * "source=csv|libsvm"; NULL: always */
    const char *doc;          /* one line: what the key means */
    /* Added fields (optional for layer kinds: zero is the usual behaviour). */
    const char *hint; /* "missing required key 'k' (<hint>)"; NULL: derived from the type */
    int late;         /* read after the section's other keys: the order diagnostics always had */
    /* A rule on the value just read, beyond its type and bounds (base: the struct the offsets are
     * into; field: the value's own). Returns 0, or -1 with the message in `why` (the caller adds
     * "'path': "). */
    int (*check)(const void *base, const void *field, char *why, size_t len);
    size_t rows_at, cols_at; /* NN_KEY_MATRIX: offsets of its row count and row width (ints) */
    /* The resolved YAML leaves the key out while it holds its default: a key added after
     * checkpoints existed keeps their embedded configs (and resumes) byte-identical. */
    int quiet_default;
    /* A selector of a table of kinds (data.source, optimizer.type): the kinds' own rows follow it
     * in the schema, each active when the selector holds its word. */
    enum nn_key_kinds {
        NN_KINDS_NONE,
        NN_KINDS_SOURCE, /* the data sources' keys (nnctl/source.h), in struct nn_data_spec */
        NN_KINDS_SPLIT,  /* their split keys, in the struct nn_data_split at kinds_at */
        NN_KINDS_OPTIM   /* the optimizers' keys (nnctl/optim.h), in struct nn_optim_spec */
    } kinds;
    size_t kinds_at; /* NN_KINDS_SPLIT: the offset of the split in the base */
};

#endif
