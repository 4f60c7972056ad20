/* The layer graph: shape plan, arenas, initialisation, forward and backward.
 *
 * Nothing here knows a layer kind: each layer's table (layer.h) infers its shape, declares its
 * parameter tensors and runs its forward and backward passes; the GEMMs go through the model's
 * backend (backend.h). This file plans the memory, draws initial weights, and walks the layers.
 *
 * Gradient buffers: every layer from the lowest one with parameters up has a dz, where dL/dY
 * arrives. Layers that transform the gradient in place (activations) or pass it through (flatten,
 * reshape, identity) share the dz of the layer below; every other layer (dense) has one of its
 * own, laid out after its output, and writes dL/dX into the dz of the layer below. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/mem.h"
#include "nnctl/model.h"
#include "nnctl/onednn.h"
#include "nnctl/team.h"

/* A layer whose backward writes dL/dX into another buffer than the one dL/dY arrived in. */
static int owns_grad(const struct nn_layer *l)
{
    return l->ops->has_output(l) && (l->n_tensors > 0 || !l->ops->backward_in_place);
}

/* Shapes, fused head and parameter tensors of every layer; no allocation. */
static int plan_layers(const struct nn_config *cfg, struct nn_model *m, struct nn_error *err)
{
    /* Fold the final sigmoid/softmax into BCE/CCE (the config validated that it is there). */
    if (cfg->loss == NN_LOSS_BCE || cfg->loss == NN_LOSS_CCE) {
        enum nn_act act;
        const int i = nn_layers_last_activation(cfg->layers, cfg->n_layers, &act);
        if (i >= 0) {
            m->head_layer = i;
            m->head_act = act;
        }
    }
    struct nn_shape shape = cfg->in_shape;
    m->in_size = (int)nn_shape_size(&shape);
    m->first_grad = m->n_layers;
    int frozen[NN_LAYER_MAX_PARAMS * NN_MAX_LAYERS], n_frozen = 0;
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        l->spec = cfg->layers[i];
        l->ops = nn_layer_ops(l->spec.kind);
        if (!l->ops)
            return nn_error_set(err, NN_ERR_CONFIG, "layer '%s': unknown layer kind %d",
                                l->spec.name, (int)l->spec.kind);
        nn_layer_activation(&l->spec, &l->act);
        if (i == m->head_layer)
            l->act = NN_ACT_IDENTITY; /* applied by the fused loss */
        l->in_shape = shape;
        l->in_size = (int)nn_shape_size(&shape);
        char why[256] = "";
        if (l->ops->infer(&l->spec, &shape, &l->out_shape, why, sizeof why))
            return nn_error_set(err, NN_ERR_CONFIG, "layer '%s': %s", l->spec.name,
                                why[0] ? why : "its shape does not fit");
        shape = l->out_shape;
        l->out_size = (int)nn_shape_size(&shape);
        l->wt = -1;
        struct nn_param_decl decl[NN_LAYER_MAX_PARAMS];
        l->n_tensors = l->ops->params ? l->ops->params(l, decl) : 0;
        if (l->n_tensors > 0) {
            l->wt = m->n_tensors;
            if (m->first_grad == m->n_layers)
                m->first_grad = i;
        }
        for (int k = 0; k < l->n_tensors; k++) {
            struct nn_tensor *t = &m->tensors[m->n_tensors++];
            snprintf(t->name, sizeof t->name, "%s.%s", cfg->layers[i].name, decl[k].suffix);
            t->shape = decl[k].shape;
            t->count = (size_t)nn_shape_size(&t->shape);
            t->offset = m->n_params;
            t->init = decl[k].init;
            t->fan_in = decl[k].fan_in;
            t->fan_out = decl[k].fan_out;
            if (decl[k].frozen)
                frozen[n_frozen++] = m->n_tensors - 1; /* placed after the trained ones */
            else
                m->n_params += t->count;
        }
        m->batch_statistics |= l->ops->batch_statistics;
        if (l->n_tensors > 1) {
            l->bias_ofs = m->n_bias;
            m->n_bias += m->tensors[l->wt + 1].count;
        }
    }
    m->out_size = (int)nn_shape_size(&shape);
    m->n_train = m->n_params;
    for (int k = 0; k < n_frozen; k++) {
        struct nn_tensor *t = &m->tensors[frozen[k]];
        t->offset = m->n_params;
        m->n_params += t->count;
    }
    return NN_OK;
}

int nn_model_build(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                   struct nn_error *err)
{
    memset(m, 0, sizeof *m);
    m->in_shape = cfg->in_shape;
    m->loss = cfg->loss;
    m->seed = cfg->train.seed;
    m->last_act = NN_ACT_IDENTITY;
    nn_layers_last_activation(cfg->layers, cfg->n_layers, &m->last_act);
    char why[256];
    m->backend = nn_backend_choose(cfg->train.backend, cfg->train.precision, why, sizeof why);
    if (!m->backend) /* the config's checks refuse this first; a model built by hand may not */
        return nn_error_set(err, NN_ERR_CONFIG, "training.backend: %s", why);
    m->n_layers = cfg->n_layers;
    m->max_batch = max_batch;
    m->head_layer = -1;
    m->head_act = NN_ACT_IDENTITY;
    if (max_batch < 1)
        return nn_error_set(err, NN_ERR_RUNTIME, "batch size must be at least 1");
    int rc = plan_layers(cfg, m, err);
    if (rc)
        return rc;

    /* The activation arena: per layer its output (unless it aliases its input), then its own
     * gradient buffer; a separate dL/d(out) only when no layer with parameters is below it.
     * Sizes are bounded by the config's limits, so no product overflows size_t on a 64-bit
     * machine; the allocations themselves can still fail. */
    const size_t rows = (size_t)max_batch;
    size_t acts = 0;
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        if (l->ops->has_output(l))
            acts += rows * (size_t)l->out_size;
        if (i >= m->first_grad && owns_grad(l))
            acts += rows * (size_t)l->out_size;
        l->max_rows = max_batch;
        if (l->ops->scratch)
            acts += rows * l->ops->scratch(l);
    }
    const int own_dout = m->first_grad == m->n_layers;
    m->acts_count = acts + (own_dout ? rows * (size_t)m->out_size : 0);
    int per = nn_optim_state_per_param(&cfg->optim);
    m->n_opt = (size_t)per * m->n_params;
    m->params = nn_alloc_aligned_array(m->n_params, sizeof(nn_real));
    m->grads = nn_alloc_aligned_array(m->n_params, sizeof(nn_real));
    m->opt_state = nn_alloc_aligned_array(m->n_opt, sizeof(nn_real));
    m->acts = nn_alloc_aligned_array(m->acts_count, sizeof(nn_real));
    size_t work = 0;
    for (int i = 0; i < m->n_layers; i++)
        work += m->layers[i].ops->workspace ? m->layers[i].ops->workspace(&m->layers[i]) : 0;
    m->work = calloc(work ? work : 1, sizeof *m->work);
    if (!m->params || !m->grads || !m->opt_state || !m->acts || !m->work) {
        size_t mb = (2 * m->n_params + m->n_opt + m->acts_count) * sizeof(nn_real) >> 20;
        nn_model_free(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory allocating %zu MiB for the model",
                            mb);
    }
    nn_real *p = m->acts;
    nn_real *below = NULL; /* the dz that receives dL/d(input) of the next layer up */
    double *wp = m->work;
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        if (l->ops->workspace) {
            l->work = wp;
            wp += l->ops->workspace(l);
        }
        if (l->n_tensors > 0) {
            const struct nn_tensor *t = &m->tensors[l->wt];
            l->w = m->params + t->offset;
            l->dw = m->grads + t->offset;
        }
        if (l->n_tensors > 1) {
            const struct nn_tensor *t = &m->tensors[l->wt + 1];
            l->b = m->params + t->offset;
            l->db = m->grads + t->offset;
        }
        for (int k = 2; k < l->n_tensors; k++)
            l->frozen[k - 2] = m->params + m->tensors[l->wt + k].offset;
        if (l->ops->has_output(l)) {
            l->out = p;
            p += rows * (size_t)l->out_size;
        }
        if (l->ops->scratch) {
            l->scratch = p;
            p += rows * l->ops->scratch(l);
        }
        if (i < m->first_grad)
            continue;
        l->dx = i == m->first_grad ? NULL : below;
        if (owns_grad(l)) {
            l->dz = p;
            p += rows * (size_t)l->out_size;
        } else {
            l->dz = below; /* in place, or passed through */
        }
        below = l->dz;
    }
    m->dout = own_dout ? p : below;
    if (m->backend->attach) {
        rc = m->backend->attach(m->backend, m);
        if (rc) {
            nn_model_free(m);
            return nn_error_set(err, rc, "backend %s: cannot prepare the model", m->backend->name);
        }
    }
    return NN_OK;
}

void nn_model_free(struct nn_model *m)
{
    if (m->params && m->backend && m->backend->detach)
        m->backend->detach(m->backend, m);
    free(m->params);
    free(m->grads);
    free(m->opt_state);
    free(m->acts);
    free(m->work);
    m->params = m->grads = m->opt_state = m->acts = NULL;
    m->work = NULL;
}

/* Keras's truncated normal keeps draws within two standard deviations; dividing by this constant
 * (the std of a unit normal truncated at ±2) keeps the intended variance. */
#define TRUNC_STD 0.87962566103423978

static double truncated_normal(struct nn_rng *rng)
{
    for (;;) {
        double z = nn_rng_normal(rng);
        if (z >= -2.0 && z <= 2.0)
            return z;
    }
}

static void init_tensor(nn_real *w, size_t n, enum nn_init init, double fan_in, double fan_out,
                        struct nn_rng *rng)
{
    double lim = 0, std = 0;
    switch (init) {
    case NN_INIT_GLOROT_UNIFORM:
        lim = sqrt(6.0 / (fan_in + fan_out));
        break;
    case NN_INIT_HE_UNIFORM:
        lim = sqrt(6.0 / fan_in);
        break;
    case NN_INIT_GLOROT_NORMAL:
        std = sqrt(2.0 / (fan_in + fan_out)) / TRUNC_STD;
        break;
    case NN_INIT_HE_NORMAL:
        std = sqrt(2.0 / fan_in) / TRUNC_STD;
        break;
    case NN_INIT_ZEROS:
    case NN_INIT_ONES:
        break;
    }
    for (size_t i = 0; i < n; i++) {
        if (lim > 0)
            w[i] = (nn_real)((2.0 * nn_rng_uniform(rng) - 1.0) * lim);
        else if (std > 0)
            w[i] = (nn_real)(truncated_normal(rng) * std);
        else
            w[i] = init == NN_INIT_ONES;
    }
}

void nn_model_init(struct nn_model *m, struct nn_rng *rng)
{
    for (int k = 0; k < m->n_tensors; k++) {
        const struct nn_tensor *t = &m->tensors[k];
        init_tensor(m->params + t->offset, t->count, t->init, t->fan_in, t->fan_out, rng);
    }
    if (m->backend->params_updated)
        m->backend->params_updated(m->backend, m, 0, m->n_params);
}

int nn_model_create(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                    struct nn_error *err)
{
    int rc = nn_model_build(cfg, max_batch, m, err);
    if (rc)
        return rc;
    struct nn_rng init;
    nn_rng_seed(&init, cfg->train.seed, 1);
    nn_model_init(m, &init);
    return NN_OK;
}

/* The pass of rows [r0, r0 + n): a training step's (m->train_step) or inference, shared as
 * `part` says, or alone (part NULL: these n rows are the batch). */
static struct nn_pass pass_of(const struct nn_model *m, int r0, int n, const struct nn_part *part)
{
    return (struct nn_pass){.training = m->train_step > 0,
                            .step = m->train_step,
                            .seed = m->seed,
                            .r0 = r0,
                            .B = part ? part->B : r0 + n,
                            .t = part ? part->t : 0,
                            .T = part ? part->T : 1,
                            .team = part ? part->team : NULL};
}

const nn_real *nn_model_forward_rows(struct nn_model *m, const nn_real *x, int r0, int n, int upto)
{
    return nn_model_forward_part(m, x, r0, n, upto, NULL);
}

const nn_real *nn_model_forward_part(struct nn_model *m, const nn_real *x, int r0, int n, int upto,
                                     const struct nn_part *part)
{
    const nn_real *in = x + (size_t)r0 * (size_t)m->in_size;
    int last = upto < 0 || upto >= m->n_layers ? m->n_layers - 1 : upto;
    struct nn_pass p = pass_of(m, r0, n, part);
    for (int i = 0; i <= last; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (!l->out)
            continue; /* flatten, reshape, identity and a folded head: the output is the input */
        nn_real *out = l->out + (size_t)r0 * (size_t)l->out_size;
        p.layer = i;
        l->ops->forward(l, m->backend, in, out, n, &p);
        in = out;
    }
    return in;
}

void nn_model_set_team(struct nn_model *m, struct nn_team *team)
{
    m->team = team;
}

struct forward_job {
    struct nn_model *m;
    const nn_real *x;
    int B, upto;
};

static void forward_part(void *arg, int t, int n)
{
    struct forward_job *j = arg;
    int lo, hi;
    nn_team_split(j->B, t, n, &lo, &hi);
    nn_model_forward_rows(j->m, j->x, lo, hi - lo, j->upto);
}

const nn_real *nn_model_forward(struct nn_model *m, const nn_real *x, int B, int upto)
{
    int T = nn_team_size(m->team);
    if (T > 1 && B >= 2 * T) {
        struct forward_job j = {m, x, B, upto};
        nn_team_run(m->team, forward_part, &j);
        /* the output of row 0, found without computing anything */
        return nn_model_forward_rows(m, x, 0, 0, upto);
    }
    return nn_model_forward_rows(m, x, 0, B, upto);
}

const nn_real *nn_model_infer(struct nn_model *m, const nn_real *x, int B, int upto)
{
    int last = upto < 0 ? m->n_layers - 1 : upto;
    const nn_real *out = nn_model_forward(m, x, B, last);
    if (m->head_layer >= 0 && last >= m->head_layer) {
        /* the arena row block of the head's output is ours to overwrite until the next forward */
        nn_act_forward(m->head_act, (nn_real *)out, B, m->layers[last].out_size);
    }
    return out;
}

/* The input a layer received in the last forward pass. */
static const nn_real *layer_input(const struct nn_model *m, const nn_real *x, int i)
{
    for (int k = i - 1; k >= 0; k--)
        if (m->layers[k].out)
            return m->layers[k].out;
    return x;
}

/* Part 1 for rows [r0, r0 + n): each layer with an output of its own, top down, turns dL/dY in
 * its dz into dL/dX in the dz of the layer below (layers that alias their input pass the gradient
 * through unchanged: their dz is the one below). */
void nn_model_backward_rows(struct nn_model *m, const nn_real *x, int r0, int n, nn_real *db_part,
                            void (*done)(void *ctx, int layer), void *ctx,
                            const struct nn_part *part)
{
    const size_t r = (size_t)r0;
    struct nn_pass p = pass_of(m, r0, n, part);
    if (m->backend->invalidate) /* new gradients at the old addresses from here on */
        m->backend->invalidate(m->backend);
    for (int i = m->n_layers - 1; i >= m->first_grad; i--) {
        const struct nn_layer *l = &m->layers[i];
        if (!l->out)
            continue;
        const nn_real *in = layer_input(m, x, i) + r * (size_t)l->in_size;
        nn_real *dx = l->dx ? l->dx + r * (size_t)l->in_size : NULL;
        nn_real *bias = l->n_tensors > 1 ? (db_part ? db_part + l->bias_ofs : l->db) : NULL;
        p.layer = i;
        l->ops->backward(l, m->backend, in, l->out + r * (size_t)l->out_size,
                         l->dz + r * (size_t)l->out_size, dx, bias, n, &p);
        /* this layer's dZ rows are final and its weights are no longer read */
        if (done && l->n_tensors > 0)
            done(ctx, i);
    }
}

/* Part 2 for one chunk of one layer with parameters. The weight gradient needs every row's dZ,
 * and with SGD folded in it changes W, which part 1's dX of every thread must have read first:
 * hence the two parts, and the caller's wait for every thread's part 1 of this layer. */
void nn_model_optimize(struct nn_model *m, const struct nn_optim_spec *o, long long t, size_t off,
                       size_t n, size_t unit)
{
    const struct nn_backend *be = m->backend;
    uint16_t *copy = be->param_copy ? be->param_copy(be, m) : NULL;
    if (copy || !be->params_updated) {
        nn_optim_step_range_copy(o, t, m->params, m->grads, m->opt_state, m->n_params, off, n,
                                 copy);
        return;
    }
    const size_t block = unit >= 2048 ? unit : 2048 / (unit ? unit : 1) * (unit ? unit : 1);
    for (size_t i = 0; i < n; i += block) {
        const size_t len = n - i < block ? n - i : block;
        nn_optim_step_range_copy(o, t, m->params, m->grads, m->opt_state, m->n_params, off + i, len,
                                 NULL);
        be->params_updated(be, m, off + i, len);
    }
}

void nn_model_update_chunk(struct nn_model *m, const nn_real *x, int B, int i, int c, int C,
                           nn_real *const *db_parts, int n_parts, const struct nn_optim_spec *o,
                           long long t)
{
    const int fold = o && nn_optim_of(o)->plain && nn_optim_of(o)->plain(o);
    const nn_real lr = o ? (nn_real)o->learning_rate : 0;
    /* plain SGD with weight decay, folded: W ← (1 − lr·wd)·W − lr·Xᵀ·dZ = W − lr·(dW + wd·W) */
    const nn_real keep = o ? (nn_real)(1.0 - o->learning_rate * o->weight_decay) : 1;
    const struct nn_backend *be = m->backend;
    struct nn_layer *l = &m->layers[i];
    const struct nn_tensor *tw = &m->tensors[l->wt];
    const int rows = tw->shape.dims[0];
    const size_t per_row = tw->count / (size_t)rows;
    int lo, hi;
    /* rows [lo, hi) of tensor 0: a contiguous block (starting on a multiple of the backend's
     * alignment, when it asks for one) */
    nn_team_split_aligned(rows, c, C, be->chunk_align ? be->chunk_align() : 0, &lo, &hi);
    size_t w0 = (size_t)lo * per_row, wn = (size_t)(hi - lo) * per_row;
    if (hi > lo) {
        const nn_real *in = layer_input(m, x, i);
        if (fold)
            l->ops->param_grad(l, be, in, B, lo, hi, -lr, keep, l->w);
        else
            l->ops->param_grad(l, be, in, B, lo, hi, 1, 0, l->dw);
        /* a backend's own weight copies follow: plain SGD, folded into the GEMM, refreshes them
         * right after it, while the chunk is in cache */
        if (fold && be->params_updated)
            be->params_updated(be, m, tw->offset + w0, wn);
        else if (o && !fold)
            nn_model_optimize(m, o, t, tw->offset + w0, wn, per_row);
    }
    if (l->n_tensors < 2)
        return;
    /* entries [lo, hi) of tensor 1: the partial sums added in a fixed order */
    const struct nn_tensor *tb = &m->tensors[l->wt + 1];
    nn_team_split((int)tb->count, c, C, &lo, &hi);
    for (int q = 1; q < n_parts; q++) {
        const nn_real *part = db_parts[q] + l->bias_ofs;
        for (int j = lo; j < hi; j++)
            l->db[j] += part[j];
    }
    if (fold && keep == 1)
        for (int j = lo; j < hi; j++)
            l->b[j] -= lr * l->db[j];
    else if (fold)
        for (int j = lo; j < hi; j++)
            l->b[j] = keep * l->b[j] - lr * l->db[j];
    else if (o && hi > lo)
        nn_model_optimize(m, o, t, tb->offset + (size_t)lo, (size_t)(hi - lo), 1);
    if (fold && hi > lo && be->params_updated)
        be->params_updated(be, m, tb->offset + (size_t)lo, (size_t)(hi - lo));
}

void nn_model_update_part(struct nn_model *m, const nn_real *x, int B, int p, int P,
                          nn_real *const *db_parts, const struct nn_optim_spec *o, long long t)
{
    for (int i = m->n_layers - 1; i >= 0; i--)
        if (m->layers[i].n_tensors > 0)
            nn_model_update_chunk(m, x, B, i, p, P, db_parts, P, o, t);
}

int nn_model_find_layer(const struct nn_model *m, const char *name)
{
    for (int i = 0; i < m->n_layers; i++)
        if (!strcmp(m->layers[i].spec.name, name))
            return i;
    return -1;
}
