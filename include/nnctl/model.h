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

/* A named parameter tensor, e.g. "latent.weight" with dims {256, 64}. */
struct nn_tensor {
    char name[NN_NAME_MAX + 8];
    int ndim;
    int dims[2];
    size_t offset; /* into the parameter (and gradient) arena, in elements */
    size_t count;
};

struct nn_layer {
    struct nn_layer_spec spec;
    int act;     /* activation applied in training (the fused head's is identity) */
    int in_size; /* elements per sample */
    int out_size;
    int out_ndim;
    int out_shape[NN_MAX_DIMS];
    int wt;         /* dense: index of its weight tensor (the bias follows it) */
    nn_real *w, *b; /* dense: W is (in, out) row-major, so Y = X·W + b */
    nn_real *dw, *db;
    nn_real *out; /* (max_batch, out_size) activations; NULL for layers that alias their input */
};

struct nn_model {
    struct nn_config cfg; /* copy; cfg.data.x/y are NULL here (the model owns no data) */
    int n_layers;
    struct nn_layer layers[NN_MAX_LAYERS];
    int in_size, out_size;
    int max_batch;
    /* The fused head: BCE folds the final sigmoid and CCE the final softmax into the loss, so the
     * training forward stops at logits. head_act is applied only when predicting. */
    int head_act;
    int head_layer; /* index of the layer whose activation was folded, or -1 */
    int n_tensors;
    struct nn_tensor tensors[2 * NN_MAX_LAYERS];
    size_t n_params;
    nn_real *params, *grads; /* arenas of n_params */
    size_t n_opt;
    nn_real *opt_state; /* arena of n_opt: momentum velocity, or Adam's m then v */
    nn_real *acts;      /* arena: every layer's output for max_batch rows */
    nn_real *dbuf[2];   /* ping-pong gradient buffers, max_batch × widest layer */
    size_t acts_count;
};

/* Builds the model for `cfg` with room for batches of up to `max_batch` rows. Weights are left
 * zero; call nn_model_init() or load a checkpoint. On error returns a negative code with `err`
 * filled and leaves nothing allocated. */
int nn_model_build(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                   struct nn_error *err);
void nn_model_free(struct nn_model *m);

/* Draws every weight and bias from `rng` in layer order (weights row-major, then biases). */
void nn_model_init(struct nn_model *m, struct nn_rng *rng);

/* Forward pass for B ≤ max_batch rows of input x (B, in_size). Returns the output (B, out_size);
 * with a fused head these are logits. `upto` stops after that layer (-1: the whole network) and
 * then returns that layer's output. This function can't fail. */
const nn_real *nn_model_forward(struct nn_model *m, const nn_real *x, int B, int upto);

/* Applies the fused head (sigmoid or softmax) in place, turning logits into probabilities. */
void nn_model_apply_head(const struct nn_model *m, nn_real *out, int B);

/* Backward pass after nn_model_forward() on the same x and B. `dout` (B, out_size) is dL/d(out)
 * and is overwritten (it is the first gradient buffer when it comes from nn_loss()). Writes every
 * parameter gradient into m->grads (overwriting, not accumulating). This function can't fail. */
void nn_model_backward(struct nn_model *m, const nn_real *x, nn_real *dout, int B);

/* The backward pass with plain SGD (w ← w − lr·g) applied on the way down, folded into the
 * weight-gradient GEMMs; the weight gradients are not stored. Same contract otherwise. */
void nn_model_backward_sgd(struct nn_model *m, const nn_real *x, nn_real *dout, int B, nn_real lr);

/* Index of the layer named `name`, or -1. */
int nn_model_find_layer(const struct nn_model *m, const char *name);

/* ---- activations (layers.c) ---- */
void nn_act_forward(int act, nn_real *y, int rows, int cols);
/* y ← f(y + b), b broadcast over the rows: a dense layer's bias and activation in one pass. */
void nn_bias_act_forward(int act, nn_real *y, const nn_real *b, int rows, int cols);
/* dy ← dy ⊙ f'(x) expressed through the output y; for softmax dy ← y ⊙ (dy − Σ dy·y) per row. */
void nn_act_backward(int act, const nn_real *y, nn_real *dy, int rows, int cols);
/* nn_act_backward() and db ← Σ_rows dy in the same pass (db is overwritten). */
void nn_act_backward_bias(int act, const nn_real *y, nn_real *dy, nn_real *db, int rows, int cols);

/* ---- losses (loss.c) ----
 * Returns the loss averaged as the loss defines it (MSE: over every element; the cross-entropies:
 * per sample, then over the batch) and, when grad is not NULL, writes dL/d(out). This is the one
 * place where the mean over the batch is taken: layers' backward passes only sum. For the fused
 * losses `out` holds logits. */
double nn_loss(int loss, const nn_real *out, const nn_real *target, int B, int D, nn_real *grad);

/* ---- optimizers (optim.c) ---- */
/* Elements of optimizer state per parameter: 0 (plain SGD), 1 (momentum), 2 (Adam). */
int nn_optim_state_per_param(const struct nn_optim_spec *o);
/* One update of n parameters from their gradients. `t` is the 1-based step number (Adam's bias
 * correction). This function can't fail. */
void nn_optim_step(const struct nn_optim_spec *o, long long t, nn_real *params,
                   const nn_real *grads, nn_real *state, size_t n);

#endif
