/* nnctl — the layer-kind table.
 *
 * A layer kind is one file under src/layers/ that defines a const struct nn_layer_ops; the
 * registry (layer.c) lists the built-in kinds in the order of enum nn_layer_kind, and tests or
 * later code can add kinds at run time with nn_layer_register(). Everything kind-specific lives
 * behind these functions: the config reads a layer's keys from `keys`, shape inference calls
 * `infer` (once, for the config and the graph alike), the graph allocates the tensors `params`
 * declares and runs `forward` / `backward` / `param_grad`; the engine never switches on a kind.
 * A kind's settings are a struct of its own inside struct nn_layer_spec (NN_LAYER_SPEC below).
 *
 * Shapes are per sample (no batch dimension); buffers are (rows, size) row-major. */
#ifndef NNCTL_LAYER_H
#define NNCTL_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/common.h"
#include "nnctl/spec.h"
#include "nnctl/shape.h"

/* The built-in layer kinds, in the order of the registry (layer.h); kinds registered at run time
 * (nn_layer_register) take the values from NN_LAYER_BUILTIN_COUNT on. */
enum nn_layer_kind {
    NN_LAYER_DENSE,
    NN_LAYER_ACT,
    NN_LAYER_FLATTEN,
    NN_LAYER_RESHAPE,
    NN_LAYER_DROPOUT,
    NN_LAYER_CONV2D,
    NN_LAYER_POOL2D,
    NN_LAYER_GLOBAL_AVGPOOL,
    NN_LAYER_BATCHNORM
};
#define NN_LAYER_BUILTIN_COUNT (NN_LAYER_BATCHNORM + 1)

struct nn_layer;   /* below */
struct nn_backend; /* backend.h */

#define NN_LAYER_MAX_PARAMS 4 /* parameter tensors per layer (2 trained, the rest frozen) */
#define NN_LAYER_KIND_MAX   32

/* ---- a kind's own settings ----
 * Each kind keeps its settings as a struct of its own (struct nn_dense_spec, ...) in the bytes
 * of struct nn_layer_spec's `spec`: in its .c file, or in a header beside it (layers/dense.h)
 * when other code reads them. Those bytes are only accessed as the kind's struct, or as bytes
 * (the schema rows' readers copy values in and out with memcpy). */

/* Whether a kind's struct T fits the bytes. */
#define NN_LAYER_SPEC_FITS(T)                                                                      \
    (sizeof(T) <= NN_LAYER_SPEC_BYTES && _Alignof(T) <= NN_LAYER_SPEC_ALIGN)
/* A constant that does not compile when T does not fit (the static assertion of the macros
 * below, usable inside an expression). */
#define NN_LAYER_SPEC_CHECK(T)                                                                     \
    sizeof(struct {                                                                                \
        _Static_assert(NN_LAYER_SPEC_FITS(T), #T " fits in struct nn_layer_spec's spec bytes");    \
        int fits;                                                                                  \
    })
/* The settings of layer spec s as its kind's struct T: NN_LAYER_SPEC to read them (a const T *),
 * NN_LAYER_SPEC_RW to set them too (a T *, from a spec that is not const: a kind's defaults). */
#define NN_LAYER_SPEC(s, T)    ((void)NN_LAYER_SPEC_CHECK(T), (const T *)nn_layer_spec_bytes(s))
#define NN_LAYER_SPEC_RW(s, T) ((void)NN_LAYER_SPEC_CHECK(T), (T *)nn_layer_spec_bytes_rw(s))
static inline const void *nn_layer_spec_bytes(const struct nn_layer_spec *s)
{
    return s->spec;
}
static inline void *nn_layer_spec_bytes_rw(struct nn_layer_spec *s)
{
    return s->spec;
}

/* The offset in struct nn_layer_spec of field F of a kind's struct S, for its schema rows. */
#define NN_LAYER_SPEC_AT(S, F)                                                                     \
    (offsetof(struct nn_layer_spec, spec) + offsetof(S, F) + 0 * NN_LAYER_SPEC_CHECK(S))
/* A kind's schema row, in the form of schema_rows.c's KEY and KEY_STR: the kind of value T (INT,
 * REAL, BOOL, ENUM, SHAPE), the key P, the field F of the kind's struct S that it fills, then the
 * row's own settings. A kind's file names its struct once:
 *     #define KEY(...) NN_LAYER_KEY(struct nn_dense_spec, __VA_ARGS__) */
#define NN_LAYER_KEY(S, T, P, F, ...)                                                              \
    {                                                                                              \
        .path = P, .type = NN_KEY_##T, .offset = NN_LAYER_SPEC_AT(S, F), __VA_ARGS__               \
    }
#define NN_LAYER_KEY_STR(S, P, F, ...)                                                             \
    {                                                                                              \
        .path = P, .type = NN_KEY_STRING, .offset = NN_LAYER_SPEC_AT(S, F),                        \
        .size = sizeof(((S *)0)->F), __VA_ARGS__                                                   \
    }

/* One parameter tensor a layer declares: named "<layer>.<suffix>", drawn from `init` with the
 * given fans. */
struct nn_param_decl {
    const char *suffix;
    struct nn_shape shape;
    enum nn_init init;
    double fan_in, fan_out;
    int frozen; /* not trained: a layer's own statistics (batchnorm's running mean and variance),
                 * saved with the weights; tensors 2 and up, placed after every trained one */
};

/* What a forward or backward pass is for, for kinds whose work depends on it (dropout): the
 * training step (its number `step`, from 1) or inference (training = 0); the seed and the layer's
 * index, and r0, the batch row of the first row handed over (threads take rows of one batch). */
struct nn_pass {
    int training;
    long long step;
    uint64_t seed;
    int layer;
    int r0;
    /* the batch's rows and who shares them: thread t of T, whose nn_pass_sync() waits for all
     * (kinds with batch_statistics combine per-thread sums there; T = 1 alone) */
    int B, t, T;
    struct nn_team *team;
};

/* Waits until every thread of the pass's team has reached it (nothing alone). */
void nn_pass_sync(const struct nn_pass *p);

struct nn_layer_ops {
    const char *const *types;  /* the YAML type words it accepts, NULL-terminated */
    const char *doc;           /* one line for `nnctl check --schema` and docs/config.md */
    const struct nn_key *keys; /* its keys besides type and name: NN_LAYER_KEY rows */
    int n_keys;

    /* ---- configuration ---- */
    /* Optional: sets the settings of type word types[variant] (an activation layer's function,
     * dense's initializers) before the keys are read; the spec's bytes start as zeros. */
    void (*defaults)(struct nn_layer_spec *s, int variant);
    /* The output shape for an input shape. On a mismatch returns -1 with a message in `why`
     * (without position: the caller adds "'model.layers[i]': "), or with why[0] = 0 when the
     * cause was already reported (a key that failed to parse). */
    int (*infer)(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                 char *why, size_t len);
    /* Returns 1 and sets *act when the layer applies an activation function (dense, relu, ...):
     * the fused losses look for the last one. */
    int (*activation)(const struct nn_layer_spec *s, enum nn_act *act);

    /* ---- the graph ---- */
    /* Declares its parameter tensors (at most NN_LAYER_MAX_PARAMS); returns their count. A layer
     * with parameters has a weight-like tensor 0, whose gradient param_grad computes over the
     * whole batch, and optionally a bias-like tensor 1, whose gradient is a sum over rows that
     * backward accumulates per thread. */
    int (*params)(const struct nn_layer *l, struct nn_param_decl *decl);
    /* 1 when the layer writes an output buffer of its own; 0 when its output is its input
     * (flatten, reshape, identity, a folded head). */
    int (*has_output)(const struct nn_layer *l);
    /* Optional: values of working memory per sample (conv2d's unfolded patches); the model
     * gives the layer l->scratch, l->max_rows samples of it, planned with the other arenas. */
    size_t (*scratch)(const struct nn_layer *l);
    /* Optional: doubles of working memory for the layer as a whole (l->work): batchnorm's batch
     * statistics and its threads' partial sums. */
    size_t (*workspace)(const struct nn_layer *l);
    /* 1 when a training pass needs every row of the batch (batch statistics): the forward and
     * backward passes then call nn_pass_sync() inside, so the threads of a step run them
     * together (a one-part-after-the-other simulation cannot). */
    int batch_statistics;
    /* Forward over n rows: x (n, in_size) to y (n, out_size). Never allocates. */
    void (*forward)(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                    nn_real *y, int n, const struct nn_pass *p);
    /* Backward over n rows. On entry dy (n, out_size) holds dL/dY; the layer may overwrite it
     * (dense turns it into dL/dZ in place and keeps it for param_grad). Writes dL/dX (n,
     * in_size) into dx unless dx is NULL (nothing below needs it); dx may equal dy when the
     * layer keeps the element count and backward_in_place is set. Writes the rows' sum of
     * tensor 1's gradient into bias_grad (when the layer has one). Reads parameters only. */
    void (*backward)(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                     const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                     const struct nn_pass *p);
    int backward_in_place; /* dx may be dy: the gradient is transformed in place */
    /* Rows [lo, hi) of tensor 0 (split along its first dimension) of the gradient over all B
     * rows of the batch: dst ← alpha · grad + beta · dst. Plain SGD passes dst = the weights,
     * alpha = −lr, beta = 1. NULL for kinds without parameters. */
    void (*param_grad)(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                       int B, int lo, int hi, nn_real alpha, nn_real beta, nn_real *dst);
};

/* The ops of a kind, or NULL for a kind that is not registered. */
const struct nn_layer_ops *nn_layer_ops(enum nn_layer_kind kind);
/* Kinds registered: the built-ins, then run-time ones. */
int nn_layer_kind_count(void);
/* The kind and variant of a YAML type word; 0, or -1 when no kind accepts it. */
int nn_layer_find_type(const char *type, enum nn_layer_kind *kind, int *variant);
/* Every type word in registry order, ", "-separated ("dense, identity, relu, ..."). */
const char *nn_layer_type_list(char *buf, size_t len);
/* The type word a spec was declared with ("dense", "relu", ...), "?" for an unknown kind. */
const char *nn_layer_type_name(const struct nn_layer_spec *s);
/* Adds a kind at run time (tests, extensions); its value goes to *kind. Returns 0, or -1 when
 * the table is full or one of its type words is taken. Not thread-safe: register before use. */
int nn_layer_register(const struct nn_layer_ops *ops, enum nn_layer_kind *kind);
/* The kind's activation, or NN_ACT_IDENTITY with 0 returned. */
int nn_layer_activation(const struct nn_layer_spec *s, enum nn_act *act);
/* The last of the n layers that has an activation function: its index, with the function in
 * *act; -1 (and identity) when none has one. The one scan the fused heads, the config's checks
 * and evaluation use. */
int nn_layers_last_activation(const struct nn_layer_spec *layers, int n, enum nn_act *act);

/* The words of enum nn_act and enum nn_init, NULL-terminated (index = value). */
extern const char *const nn_act_names[];
extern const char *const nn_init_names[];

/* The built-in kinds, one file each under src/layers/. */
extern const struct nn_layer_ops nn_layer_dense;
extern const struct nn_layer_ops nn_layer_act;
extern const struct nn_layer_ops nn_layer_flatten;
extern const struct nn_layer_ops nn_layer_reshape;
extern const struct nn_layer_ops nn_layer_dropout;
extern const struct nn_layer_ops nn_layer_conv2d;
extern const struct nn_layer_ops nn_layer_pool2d;
extern const struct nn_layer_ops nn_layer_global_avgpool;
extern const struct nn_layer_ops nn_layer_batchnorm;

/* A layer of a built model: its spec, its kind's table, its shapes and where its tensors and
 * buffers sit in the model's arenas (model.c plans them). */
struct nn_layer {
    struct nn_layer_spec spec;
    const struct nn_layer_ops *ops; /* its kind's table (layer.h) */
    enum nn_act act; /* activation applied in training (the fused head's is identity) */
    struct nn_shape in_shape, out_shape; /* per sample */
    int in_size;                         /* elements per sample */
    int out_size;
    int wt;           /* index of its first parameter tensor, or -1 */
    int n_tensors;    /* its parameter tensors (0 to NN_LAYER_MAX_PARAMS) */
    nn_real *w, *b;   /* tensors 0 and 1 in the parameter arena (NULL when absent); dense's W is
                       * (in, out) row-major, so Y = X·W + b */
    nn_real *dw, *db; /* their gradients */
    nn_real *frozen[NN_LAYER_MAX_PARAMS - 2]; /* tensors 2 and up (not trained), or NULL */
    nn_real *out;     /* (max_batch, out_size) output; NULL for layers that alias their input */
    nn_real *dz;      /* (max_batch, out_size): where dL/dY arrives in the backward pass; layers
                       * with parameters keep their dL/dZ there for param_grad. NULL below the
                       * lowest layer with parameters (no backward runs there). */
    nn_real *dx;      /* where its backward writes dL/dX (the dz of the layer below, possibly its
                       * own dz when the gradient is transformed in place); NULL when none below */
    size_t bias_ofs;  /* where tensor 1 sits among all such tensors (partial bias gradients) */
    nn_real *scratch; /* working memory (ops->scratch per sample × max_rows), or NULL */
    double *work;     /* working memory of the layer as a whole (ops->workspace), or NULL */
    int max_rows;     /* the model's largest batch */
};

/* The words of an activation and of an initializer, as configs write them ("relu", "he_normal"). */
const char *nn_act_name(enum nn_act act);
const char *nn_init_name(enum nn_init init);

#endif
