/* nnctl — the layer graph: plan, arenas, forward and backward.
 *
 * Plan, then allocate (as in llm.c): building a model from a config first adds up the size of
 * every tensor, then makes one allocation for parameters, one for gradients, one for optimizer
 * state and one for activations sized for the largest batch. Tensors are pointers into those
 * arenas, so the optimizer is one loop over a flat buffer, a checkpoint is a header plus one write,
 * and the training step never allocates. */
#ifndef NNCTL_MODEL_H
#define NNCTL_MODEL_H

#include "nnctl/common.h"
#include "nnctl/config.h"
#include "nnctl/rng.h"
#include "nnctl/act.h"
#include "nnctl/loss.h"
#include "nnctl/optim.h"
#include "nnctl/layer.h"
#include "nnctl/backend.h"

struct nn_team;

/* A named parameter tensor, e.g. "latent.weight" of shape [256, 64]. */
struct nn_tensor {
    char name[NN_NAME_MAX + 8];
    struct nn_shape shape;
    size_t offset; /* into the parameter (and gradient) arena, in elements */
    size_t count;
    enum nn_init init; /* how nn_model_init() draws it, with these fans */
    double fan_in, fan_out;
};

struct nn_model {
    /* what the model keeps of its config */
    struct nn_shape in_shape; /* model.input_shape */
    enum nn_loss_kind loss;
    uint64_t seed;                    /* training.seed (dropout's masks) */
    enum nn_act last_act;             /* the last activation of the layers (identity: none) */
    const struct nn_backend *backend; /* runs the GEMMs (backend.h) */
    int n_layers;
    struct nn_layer layers[NN_MAX_LAYERS];
    int in_size, out_size;
    int max_batch;
    /* The fused head: BCE folds the final sigmoid and CCE the final softmax into the loss, so the
     * training forward stops at logits. head_act is applied only when predicting. */
    enum nn_act head_act;
    int head_layer; /* index of the layer whose activation was folded, or -1 */
    int first_grad; /* the lowest layer with parameters: backward stops there (n_layers: none) */
    int n_tensors;
    struct nn_tensor tensors[NN_LAYER_MAX_PARAMS * NN_MAX_LAYERS];
    size_t n_params;
    size_t n_train;          /* the trained parameters: [0, n_train) of the arena; the frozen
                              * tensors (running statistics) follow them */
    nn_real *params, *grads; /* arenas of n_params */
    double *work;            /* the layers' workspaces */
    int batch_statistics;    /* a layer needs the whole batch in training passes */
    size_t n_opt;
    nn_real *opt_state; /* arena of n_opt: momentum velocity, or Adam's m then v */
    nn_real *acts;      /* arena: layers' outputs and gradient buffers for max_batch rows */
    nn_real *dout; /* (max_batch, out_size): where the loss writes dL/d(out); it is the dz of the
                    * top layer that is not transformed in place */
    size_t acts_count;
    size_t n_bias; /* elements of all tensors 1 (biases) together */
    /* Optional: a team of threads that forward passes split by rows (nn_model_set_team). */
    struct nn_team *team;
    /* The training step under way (its number, from 1), or 0: passes are for inference. Set by
     * the step around its passes; layers see it through struct nn_pass. */
    long long train_step;
};

/* Builds the model for `cfg` with room for batches of up to `max_batch` rows, on the default
 * backend: shape inference through each layer kind's `infer`, then one allocation per arena.
 * Weights are left zero; call nn_model_init() or load a checkpoint. On error returns a negative
 * code with `err` filled and leaves nothing allocated. */
int nn_model_build(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                   struct nn_error *err);
void nn_model_free(struct nn_model *m);

/* Draws every parameter tensor from `rng` in layer order (each tensor row-major, as its layer
 * declared it: dense's weight, then its bias). */
void nn_model_init(struct nn_model *m, struct nn_rng *rng);

/* nn_model_build(), then initial weights drawn from training.seed (PRNG stream 1), as
 * `nnctl train` does before the first epoch. */
int nn_model_create(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                    struct nn_error *err);

/* Forward pass for B ≤ max_batch rows of input x (B, in_size). Returns the output (B, out_size);
 * with a fused head these are logits. `upto` stops after that layer (-1: the whole network) and
 * then returns that layer's output. This function can't fail. */
const nn_real *nn_model_forward(struct nn_model *m, const nn_real *x, int B, int upto);

/* Forward pass for prediction: nn_model_forward() up to layer `upto` (-1: the whole network),
 * then the fused head's sigmoid or softmax when that layer is at or above the folded one, so the
 * output is what the network means (probabilities, not logits). */
const nn_real *nn_model_infer(struct nn_model *m, const nn_real *x, int B, int upto);

/* Forward pass for rows [r0, r0 + n) of a batch whose input x (rows from 0) is in place; returns
 * the output of row r0. Rows are independent, so threads may run disjoint row ranges at once. */
const nn_real *nn_model_forward_rows(struct nn_model *m, const nn_real *x, int r0, int n, int upto);

/* Who runs a part of a training step: thread t of T of `team`, on some rows of a batch of B. */
struct nn_part {
    int t, T, B;
    struct nn_team *team;
};

/* nn_model_forward_rows() as thread part->t of a step whose T threads run it at the same time on
 * their rows of a batch of part->B (layers with batch statistics wait for each other inside). */
const nn_real *nn_model_forward_part(struct nn_model *m, const nn_real *x, int r0, int n, int upto,
                                     const struct nn_part *part);

/* With a team attached (NULL detaches), nn_model_forward() splits batches of at least
 * 2 × team-size rows over the team's threads. The team is not owned by the model. */
void nn_model_set_team(struct nn_model *m, struct nn_team *team);

/* The backward pass in two parts, for a team of threads (nn_model_backward() is both parts with
 * one thread):
 * 1. nn_model_backward_rows: for rows [r0, r0 + n), from m->dout down to the lowest layer with
 *    parameters, each layer's `backward`: dL/dX, dense layers' dL/dZ (kept in their dz), and the
 *    partial bias gradients Σ_rows dZ, written to l->db when db_part is NULL and to db_part +
 *    l->bias_ofs otherwise. Reads the weights, writes no parameter. If `done` is not NULL it is
 *    called with each parameter layer's index, top layer first, as soon as these rows no longer
 *    need that layer's weights and its dZ rows are final.
 * 2. once every thread has finished part 1 for parameter layer i, nn_model_update_chunk: chunk c
 *    of C of layer i's parameters (rows of tensor 0, entries of tensor 1): the layer's
 *    param_grad over all B rows (dense: Xᵀ·dZ), the bias gradient l->db plus
 *    db_parts[1..n_parts) (db_parts[0] is unused), then the optimizer step `o` (its step number
 *    t) on that chunk; o = NULL only stores the gradients. Plain SGD is folded into param_grad
 *    (W ← W − lr·Xᵀ·dZ with beta = 1) and stores no weight gradient. Chunks are independent: any
 *    thread may take any of them, and each chunk's result is the same whichever thread computes
 *    it. nn_model_update_part does chunk p of P of every parameter layer, with P partial sums. */
void nn_model_backward_rows(struct nn_model *m, const nn_real *x, int r0, int n, nn_real *db_part,
                            void (*done)(void *ctx, int layer), void *ctx,
                            const struct nn_part *part);
void nn_model_update_chunk(struct nn_model *m, const nn_real *x, int B, int i, int c, int C,
                           nn_real *const *db_parts, int n_parts, const struct nn_optim_spec *o,
                           long long t);
void nn_model_update_part(struct nn_model *m, const nn_real *x, int B, int p, int P,
                          nn_real *const *db_parts, const struct nn_optim_spec *o, long long t);
/* The optimizer step `o` (step number t) on [off, off + n) of the parameter arena, and the
 * backend's copies of those values after it: in the optimizer's own pass where the backend has a
 * copy it can write (param_copy), else in blocks of about 2,048 values — whole multiples of
 * `unit` (a matrix's row length, so that the copies take whole rows; 1: anywhere) — each handed
 * to params_updated right after its update, while it is in L1. Threads may do disjoint ranges at
 * once. */
void nn_model_optimize(struct nn_model *m, const struct nn_optim_spec *o, long long t, size_t off,
                       size_t n, size_t unit);

/* Index of the layer named `name`, or -1. */
int nn_model_find_layer(const struct nn_model *m, const char *name);

#endif
