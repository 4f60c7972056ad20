/* The layer graph: shape plan, arenas, initialisation, forward and backward.
 *
 * Dense layers store W as (in, out) row-major and call BLAS with transpose flags, never copying:
 *   forward   Z (B,O) = X (B,I) · W (I,O);  Y = f(Z + b)
 *   backward  dZ = dY ⊙ f'(·);  dW (I,O) = Xᵀ · dZ;  db = Σ_rows dZ;  dX (B,I) = dZ · Wᵀ
 * Activation, flatten, reshape and identity layers that need no memory alias their input. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/model.h"
#include "nnctl/team.h"

#ifdef NN_DOUBLE
#define GEMM cblas_dgemm
#else
#define GEMM cblas_sgemm
#endif

/* An arena: zeroed, and 64-byte aligned so that rows whose size is a multiple of 64 bytes (all of
 * the autoencoder's) start on a cache line; AVX-512 loads and stores then never straddle two. */
static nn_real *arena_alloc(size_t n)
{
    size_t bytes = ((n ? n : 1) * sizeof(nn_real) + 63) / 64 * 64;
    nn_real *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static int layer_has_memory(const struct nn_layer *l)
{
    /* Activation layers with a real function keep their output for the backward pass. */
    return l->spec.kind == NN_LAYER_DENSE ||
           (l->spec.kind == NN_LAYER_ACT && l->act != NN_ACT_IDENTITY);
}

int nn_model_build(const struct nn_config *cfg, int max_batch, struct nn_model *m,
                   struct nn_error *err)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->cfg.data.x = m->cfg.data.y = NULL;
    m->n_layers = cfg->n_layers;
    m->max_batch = max_batch;
    m->head_layer = -1;
    m->head_act = NN_ACT_IDENTITY;
    if (max_batch < 1)
        return nn_error_set(err, NN_ERR_RUNTIME, "batch size must be at least 1");

    /* Fold the final sigmoid/softmax into BCE/CCE (the config validated that it is there). */
    if (cfg->loss == NN_LOSS_BCE || cfg->loss == NN_LOSS_CCE) {
        for (int i = cfg->n_layers - 1; i >= 0; i--) {
            int k = cfg->layers[i].kind;
            if (k == NN_LAYER_DENSE || k == NN_LAYER_ACT) {
                m->head_layer = i;
                m->head_act = cfg->layers[i].act;
                break;
            }
        }
    }

    int size = 1;
    for (int k = 0; k < cfg->in_shape.ndim; k++)
        size *= cfg->in_shape.dims[k];
    m->in_size = size;
    int shape[NN_MAX_DIMS], nd = cfg->in_shape.ndim;
    memcpy(shape, cfg->in_shape.dims, sizeof shape);
    size_t acts = 0;
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        l->spec = cfg->layers[i];
        l->act = i == m->head_layer ? NN_ACT_IDENTITY : l->spec.act;
        if (l->spec.kind == NN_LAYER_FLATTEN || l->spec.kind == NN_LAYER_RESHAPE)
            l->act = NN_ACT_IDENTITY;
        l->in_size = size;
        switch (l->spec.kind) {
        case NN_LAYER_DENSE: {
            if (nd != 1)
                return nn_error_set(err, NN_ERR_CONFIG, "layer '%s': dense needs a flat input",
                                    l->spec.name);
            l->wt = m->n_tensors;
            struct nn_tensor *tw = &m->tensors[m->n_tensors++];
            struct nn_tensor *tb = &m->tensors[m->n_tensors++];
            snprintf(tw->name, sizeof tw->name, "%s.weight", cfg->layers[i].name);
            snprintf(tb->name, sizeof tb->name, "%s.bias", cfg->layers[i].name);
            tw->ndim = 2;
            tw->dims[0] = size;
            tw->dims[1] = l->spec.units;
            tw->count = (size_t)size * (size_t)l->spec.units;
            tw->offset = m->n_params;
            m->n_params += tw->count;
            tb->ndim = 1;
            tb->dims[0] = l->spec.units;
            tb->count = (size_t)l->spec.units;
            tb->offset = m->n_params;
            m->n_params += tb->count;
            nd = 1;
            shape[0] = size = l->spec.units;
            break;
        }
        case NN_LAYER_FLATTEN:
            nd = 1;
            shape[0] = size;
            break;
        case NN_LAYER_RESHAPE: {
            int rs = 1;
            for (int k = 0; k < l->spec.shape.ndim; k++)
                rs *= l->spec.shape.dims[k];
            if (rs != size)
                return nn_error_set(err, NN_ERR_CONFIG,
                                    "layer '%s': reshape does not fit its input", l->spec.name);
            nd = l->spec.shape.ndim;
            memcpy(shape, l->spec.shape.dims, sizeof shape);
            break;
        }
        default:
            break;
        }
        l->out_size = size;
        l->out_shape = nn_shape_make(nd, shape);
        if (layer_has_memory(l))
            acts += (size_t)max_batch * (size_t)size;
        if (l->spec.kind == NN_LAYER_DENSE) {
            acts += (size_t)max_batch * (size_t)size; /* its dz */
            l->bias_ofs = m->n_bias;
            m->n_bias += (size_t)size;
        }
    }
    m->out_size = size;

    /* One allocation per arena. Sizes are bounded by the config's limits, so no product overflows
     * size_t on a 64-bit machine; the allocations themselves can still fail. */
    int per = nn_optim_state_per_param(&cfg->optim);
    m->n_opt = (size_t)per * m->n_params;
    /* dL/d(out) lands in the last dense layer's dz when nothing above it changes the element
     * count (activations, flatten and reshape don't); otherwise it needs a buffer of its own */
    int last_dense = -1;
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].spec.kind == NN_LAYER_DENSE)
            last_dense = i;
    int own_dout = last_dense < 0 || m->layers[last_dense].out_size != size;
    m->acts_count = acts + (own_dout ? (size_t)max_batch * (size_t)size : 0);
    m->params = arena_alloc(m->n_params);
    m->grads = arena_alloc(m->n_params);
    m->opt_state = arena_alloc(m->n_opt);
    m->acts = arena_alloc(m->acts_count);
    if (!m->params || !m->grads || !m->opt_state || !m->acts) {
        size_t mb = (2 * m->n_params + m->n_opt + m->acts_count) * sizeof(nn_real) >> 20;
        nn_model_free(m);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory allocating %zu MiB for the model",
                            mb);
    }
    nn_real *p = m->acts;
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        if (l->spec.kind == NN_LAYER_DENSE) {
            const struct nn_tensor *tw = &m->tensors[l->wt];
            l->w = m->params + tw->offset;
            l->b = m->params + tw->offset + tw->count;
            l->dw = m->grads + tw->offset;
            l->db = m->grads + tw->offset + tw->count;
        }
        if (layer_has_memory(l)) {
            l->out = p;
            p += (size_t)max_batch * (size_t)l->out_size;
        }
        if (l->spec.kind == NN_LAYER_DENSE) {
            l->dz = p;
            p += (size_t)max_batch * (size_t)l->out_size;
        }
    }
    m->dout = own_dout ? p : m->layers[last_dense].dz;
    return NN_OK;
}

void nn_model_free(struct nn_model *m)
{
    free(m->params);
    free(m->grads);
    free(m->opt_state);
    free(m->acts);
    m->params = m->grads = m->opt_state = m->acts = NULL;
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

static void init_tensor(nn_real *w, size_t n, int init, double fan_in, double fan_out,
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
    default:
        break;
    }
    for (size_t i = 0; i < n; i++) {
        if (lim > 0)
            w[i] = (nn_real)((2.0 * nn_rng_uniform(rng) - 1.0) * lim);
        else if (std > 0)
            w[i] = (nn_real)(truncated_normal(rng) * std);
        else
            w[i] = 0;
    }
}

void nn_model_init(struct nn_model *m, struct nn_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        if (l->spec.kind != NN_LAYER_DENSE)
            continue;
        size_t nw = (size_t)l->in_size * (size_t)l->out_size;
        init_tensor(l->w, nw, l->spec.w_init, l->in_size, l->out_size, rng);
        /* A bias vector has no fan-in/fan-out of its own; like Keras, use its length for both. */
        init_tensor(l->b, (size_t)l->out_size, l->spec.b_init, l->out_size, l->out_size, rng);
    }
}

const nn_real *nn_model_forward_rows(struct nn_model *m, const nn_real *x, int r0, int n, int upto)
{
    const nn_real *in = x + (size_t)r0 * (size_t)m->in_size;
    int last = upto < 0 || upto >= m->n_layers ? m->n_layers - 1 : upto;
    for (int i = 0; i <= last; i++) {
        struct nn_layer *l = &m->layers[i];
        nn_real *out = l->out ? l->out + (size_t)r0 * (size_t)l->out_size : NULL;
        if (l->spec.kind == NN_LAYER_DENSE) {
            GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->out_size, l->in_size, 1, in,
                 l->in_size, l->w, l->out_size, 0, out, l->out_size);
            nn_bias_act_forward(l->act, out, l->b, n, l->out_size);
            in = out;
        } else if (out) {
            memcpy(out, in, (size_t)n * (size_t)l->out_size * sizeof(nn_real));
            nn_act_forward(l->act, out, n, l->out_size);
            in = out;
        }
        /* flatten, reshape, identity and a folded head: the output is the input */
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

void nn_model_apply_head(const struct nn_model *m, nn_real *out, int B)
{
    if (m->head_layer >= 0)
        nn_act_forward(m->head_act, out, B, m->out_size);
}

/* The input a layer received in the last forward pass. */
static const nn_real *layer_input(const struct nn_model *m, const nn_real *x, int i)
{
    for (int k = i - 1; k >= 0; k--)
        if (m->layers[k].out)
            return m->layers[k].out;
    return x;
}

static int first_dense(const struct nn_model *m)
{
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].spec.kind == NN_LAYER_DENSE)
            return i;
    return m->n_layers;
}

/* Part 1 for rows [r0, r0 + n). The gradient flows down through one buffer per dense layer: each
 * dense layer's dz receives dL/dY from above (the loss, or dX of the dense layer above it, passed
 * in place through activation layers), turns it into dL/dZ in place, and keeps it for part 2. */
void nn_model_backward_rows(struct nn_model *m, const nn_real *x, int r0, int n, nn_real *db_part,
                            void (*done)(void *ctx, int layer), void *ctx)
{
    (void)x;
    const int first = first_dense(m);
    const size_t r = (size_t)r0;
    nn_real *d = m->dout;
    for (int i = m->n_layers - 1; i >= first; i--) {
        struct nn_layer *l = &m->layers[i];
        if (!l->out)
            continue; /* aliasing layers pass the gradient through unchanged */
        if (l->spec.kind != NN_LAYER_DENSE) {
            nn_act_backward(l->act, l->out + r * (size_t)l->out_size, d + r * (size_t)l->out_size,
                            n, l->out_size);
            continue;
        }
        const int ni = l->in_size, no = l->out_size;
        nn_real *dz = l->dz + r * (size_t)no;
        if (d != l->dz) /* only when the loss gradient has a buffer of its own */
            memcpy(dz, d + r * (size_t)no, (size_t)n * (size_t)no * sizeof(nn_real));
        /* dZ = dY ⊙ f'(·) in place, and this part's Σ_rows dZ, in one pass */
        nn_act_backward_bias(l->act, l->out + r * (size_t)no, dz,
                             db_part ? db_part + l->bias_ofs : l->db, n, no);
        if (i == first) {
            if (done)
                done(ctx, i);
            break; /* no layer below needs dX */
        }
        /* dX (n,I) = dZ (n,O) · Wᵀ (O,I), into the dz of the dense layer below: the layers in
         * between keep the element count */
        int below = i - 1;
        while (m->layers[below].spec.kind != NN_LAYER_DENSE)
            below--;
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, n, ni, no, 1, dz, no, l->w, no, 0,
             m->layers[below].dz + r * (size_t)ni, ni);
        if (done) /* this layer's dZ rows are final and its W is no longer read */
            done(ctx, i);
        d = m->layers[below].dz;
    }
}

/* Part 2 for one chunk of one dense layer. The weight gradient needs every row's dZ, and with SGD
 * folded in it changes W, which part 1's dX of every thread must have read first: hence the two
 * parts, and the caller's wait for every thread's part 1 of this layer. */
void nn_model_update_chunk(struct nn_model *m, const nn_real *x, int B, int i, int c, int C,
                           nn_real *const *db_parts, int n_parts, const struct nn_optim_spec *o,
                           long long t)
{
    const int fold = o && o->kind == NN_OPT_SGD && o->momentum == 0;
    const nn_real lr = o ? (nn_real)o->learning_rate : 0;
    struct nn_layer *l = &m->layers[i];
    const int ni = l->in_size, no = l->out_size;
    const nn_real *in = layer_input(m, x, i);
    int lo, hi;
    /* rows [lo, hi) of W (I,O): dW[lo:hi] = X[:, lo:hi]ᵀ · dZ, a contiguous block of W */
    nn_team_split(ni, c, C, &lo, &hi);
    size_t w0 = (size_t)lo * (size_t)no, wn = (size_t)(hi - lo) * (size_t)no;
    if (hi > lo) {
        if (fold)
            GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, hi - lo, no, B, -lr, in + lo, ni, l->dz,
                 no, 1, l->w + w0, no);
        else
            GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, hi - lo, no, B, 1, in + lo, ni, l->dz, no,
                 0, l->dw + w0, no);
        if (o && !fold)
            nn_optim_step_range(o, t, m->params, m->grads, m->opt_state, m->n_params,
                                (size_t)(l->w - m->params) + w0, wn);
    }
    /* entries [lo, hi) of b: the partial sums added in a fixed order */
    nn_team_split(no, c, C, &lo, &hi);
    for (int q = 1; q < n_parts; q++) {
        const nn_real *part = db_parts[q] + l->bias_ofs;
        for (int j = lo; j < hi; j++)
            l->db[j] += part[j];
    }
    if (fold)
        for (int j = lo; j < hi; j++)
            l->b[j] -= lr * l->db[j];
    else if (o && hi > lo)
        nn_optim_step_range(o, t, m->params, m->grads, m->opt_state, m->n_params,
                            (size_t)(l->b - m->params) + (size_t)lo, (size_t)(hi - lo));
}

void nn_model_update_part(struct nn_model *m, const nn_real *x, int B, int p, int P,
                          nn_real *const *db_parts, const struct nn_optim_spec *o, long long t)
{
    for (int i = m->n_layers - 1; i >= 0; i--)
        if (m->layers[i].spec.kind == NN_LAYER_DENSE)
            nn_model_update_chunk(m, x, B, i, p, P, db_parts, P, o, t);
}

void nn_model_backward(struct nn_model *m, const nn_real *x, nn_real *dout, int B)
{
    if (dout != m->dout)
        memcpy(m->dout, dout, (size_t)B * (size_t)m->out_size * sizeof(nn_real));
    nn_model_backward_rows(m, x, 0, B, NULL, NULL, NULL);
    nn_model_update_part(m, x, B, 0, 1, NULL, NULL, 0);
}

void nn_model_backward_sgd(struct nn_model *m, const nn_real *x, nn_real *dout, int B, nn_real lr)
{
    if (dout != m->dout)
        memcpy(m->dout, dout, (size_t)B * (size_t)m->out_size * sizeof(nn_real));
    struct nn_optim_spec o = {.kind = NN_OPT_SGD, .learning_rate = lr};
    nn_model_backward_rows(m, x, 0, B, NULL, NULL, NULL);
    nn_model_update_part(m, x, B, 0, 1, NULL, &o, 1);
}

int nn_model_find_layer(const struct nn_model *m, const char *name)
{
    for (int i = 0; i < m->n_layers; i++)
        if (!strcmp(m->layers[i].spec.name, name))
            return i;
    return -1;
}
