/* Gradient checks in double precision: every layer kind, activation and loss (the fused ones
 * included), several shapes, batch size 1 among them. Analytic gradients from the backward pass
 * are compared with central differences on every parameter, using the five-point stencil
 *   n = [8 (L(w+h) − L(w−h)) − (L(w+2h) − L(w−2h))] / 12h,   h = 1e-4,
 * whose truncation error is O(h⁴) ≈ 1e-16 and whose rounding noise is about ulp(L)/h ≈ 1e-12.
 *
 * Relative error is |a − n| / max(|a|, |n|), required ≤ 1e-7 for every gradient of magnitude
 * ≥ 1e-4. Smaller gradients (the mean over a batch makes some ~1e-6) are compared absolutely,
 * |a − n| ≤ 1e-11, since there the rounding noise alone would exceed a relative 1e-7. */
#include "testutil.h"

#include <unistd.h>

#include "layers/pool.h"
#include "layers/window.h"
#include "nnctl/layer.h"
#include "nnctl/model.h"
#include "nnctl/reference.h"
#include "nnctl/rng.h"
#include "nnctl/train.h"

#if !defined(NN_DOUBLE) && !defined(__CPPCHECK__) && !defined(__cppcheck__)
#error "gradient checks build in double precision (-DNN_DOUBLE)"
#endif

#define STEP_H  1e-4
#define MAX_REL 1e-7

/* The backward pass as a team of three threads runs it, here one part after the other: the loss
 * and part 1 for each thread's rows (B = 1 leaves two of them without rows), then part 2 for each
 * third of every tensor. The gradients must equal the one-thread pass's. */
static void check_partitioned(struct nn_model *m, const double *x, const double *t, int B,
                              const double *g)
{
    enum { P = 3 };
    double *scratch = calloc(2 * m->n_bias + 1, sizeof *scratch);
    assert_non_null(scratch);
    double *parts[P] = {NULL, scratch, scratch + m->n_bias};
    memset(m->grads, 0, m->n_params * sizeof *m->grads);
    const double *out = nn_model_forward(m, x, B, -1);
    double loss = 0;
    for (int p = 0; p < P; p++) {
        int lo = B * p / P, hi = B * (p + 1) / P;
        size_t D = (size_t)m->out_size;
        loss += nn_loss_rows(m->loss, out + (size_t)lo * D, t + (size_t)lo * D, hi - lo, (int)D,
                             m->dout + (size_t)lo * D, B);
        nn_model_backward_rows(m, x, lo, hi - lo, parts[p], NULL, NULL, NULL);
    }
    assert_close_double(loss, nn_loss(m->loss, out, t, B, m->out_size, NULL), 1e-14);
    for (int p = 0; p < P; p++)
        nn_model_update_part(m, x, B, p, P, parts, NULL, 0);
    for (size_t k = 0; k < m->n_params; k++)
        assert_close_double(m->grads[k], g[k], 1e-13 * fmax(1, fabs(g[k])));
    free(scratch);
}

static double loss_of(struct nn_model *m, const double *x, const double *t, int B)
{
    const double *out = nn_model_forward(m, x, B, -1);
    return nn_loss(m->loss, out, t, B, m->out_size, NULL);
}

/* ReLU's derivative jumps at 0: central differences across the kink are meaningless, so the test
 * checks that every ReLU pre-activation is at least 2e-3 away from it (a stencil step moves it by
 * about 2h·|x| ≤ 2e-4 per weight); draws that come closer are replaced by the next seed's. */
static int off_kinks(struct nn_model *m, const double *x, int B)
{
    int ok = 1;
    for (int i = 0; i < m->n_layers; i++) {
        struct nn_layer *l = &m->layers[i];
        if (l->act != NN_ACT_RELU)
            continue;
        int saved = l->act;
        l->act = NN_ACT_IDENTITY;
        const double *z = nn_model_forward(m, x, B, i);
        for (int k = 0; k < B * l->out_size; k++)
            ok &= fabs(z[k]) > 2e-3;
        l->act = saved;
    }
    return ok;
}

/* Max pooling's derivative jumps where two values of a window tie: the test keeps draws whose
 * largest value in every window beats the runner-up by at least 2e-3 (a stencil step moves a
 * value by far less). */
static int off_ties(struct nn_model *m, const double *x, int B)
{
    int ok = 1;
    for (int i = 0; i < m->n_layers && ok; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->spec.kind != NN_LAYER_POOL2D || l->spec.variant != 0)
            continue;
        struct nn_window w;
        char why[256];
        const struct nn_pool_spec *ps = NN_LAYER_SPEC(&l->spec, struct nn_pool_spec);
        const int S = ps->stride ? ps->stride : ps->pool_size;
        assert_int_equal(nn_window_plan(&l->in_shape, ps->pool_size, S, 1, ps->padding, "pool", &w,
                                        why, sizeof why),
                         0);
        const double *in = i == 0 ? x : nn_model_forward(m, x, B, i - 1);
        for (int b = 0; b < B && ok; b++)
            for (int oh = 0; oh < w.OH; oh++)
                for (int ow = 0; ow < w.OW; ow++)
                    for (int c = 0; c < w.C; c++) {
                        double best = -INFINITY, second = -INFINITY;
                        for (int ih = oh * w.S - w.pt; ih < oh * w.S - w.pt + w.K; ih++)
                            for (int iw = ow * w.S - w.pl; iw < ow * w.S - w.pl + w.K; iw++) {
                                if (ih < 0 || iw < 0 || ih >= w.H || iw >= w.W)
                                    continue;
                                double v = in[(size_t)b * l->in_size +
                                              ((size_t)ih * w.W + (size_t)iw) * w.C + c];
                                if (v > best) {
                                    second = best;
                                    best = v;
                                } else if (v > second) {
                                    second = v;
                                }
                            }
                        ok &= best - second > 2e-3;
                    }
    }
    return ok;
}

static void fill_targets(const struct nn_model *m, struct nn_rng *rng, double *t, int B)
{
    int D = m->out_size;
    for (int b = 0; b < B; b++) {
        double *row = t + (size_t)b * (size_t)D;
        if (m->loss == NN_LOSS_CCE) { /* a soft distribution: exercises Σt in the gradient */
            double s = 0;
            for (int j = 0; j < D; j++)
                s += row[j] = 0.05 + nn_rng_uniform(rng);
            for (int j = 0; j < D; j++)
                row[j] /= s;
        } else {
            for (int j = 0; j < D; j++)
                row[j] = nn_rng_uniform(rng);
        }
    }
}

/* The training step every pass of check_network() belongs to (0: inference): dropout's masks
 * are a function of it, fixed for the whole check. */
static long long check_step;

static void check_network(const char *yaml, int B, uint64_t seed0)
{
    for (uint64_t seed = seed0; seed < seed0 + 50; seed++) {
        struct nn_config cfg;
        load_cfg_text(yaml, &cfg);
        struct nn_model m;
        struct nn_error err;
        assert_int_equal(nn_model_build(&cfg, B, &m, &err), NN_OK);
        struct nn_rng rng;
        nn_rng_seed(&rng, seed, 1);
        nn_model_init(&m, &rng);
        m.train_step = check_step;
        /* Small random biases, so that bias gradients and ReLU units are exercised away from zero.
         */
        for (int i = 0; i < m.n_layers; i++)
            if (m.layers[i].b)
                for (size_t j = 0; j < m.tensors[m.layers[i].wt + 1].count; j++)
                    m.layers[i].b[j] = 0.2 * (nn_rng_uniform(&rng) - 0.5);
        double *x = malloc((size_t)B * (size_t)m.in_size * sizeof *x);
        double *t = malloc((size_t)B * (size_t)m.out_size * sizeof *t);
        double *g = malloc(m.n_params * sizeof *g);
        assert_non_null(x);
        assert_non_null(t);
        assert_non_null(g);
        for (int k = 0; k < B * m.in_size; k++)
            x[k] = 2 * nn_rng_uniform(&rng) - 1;
        fill_targets(&m, &rng, t, B);
        if (!off_kinks(&m, x, B) || !off_ties(&m, x, B)) {
            free(x);
            free(t);
            free(g);
            nn_model_free(&m);
            nn_config_free(&cfg);
            continue;
        }

        const double *out = nn_model_forward(&m, x, B, -1);
        nn_loss(cfg.loss, out, t, B, m.out_size, m.dout);
        nn_model_backward(&m, x, m.dout, B);
        memcpy(g, m.grads, m.n_params * sizeof *g);
        if (!m.batch_statistics) /* batchnorm's threads wait for each other: run on a team */
            check_partitioned(&m, x, t, B, g);

        double worst = 0;
        for (size_t p = 0; p < m.n_params; p++) {
            double w0 = m.params[p];
            double l[4];
            const double steps[4] = {STEP_H, -STEP_H, 2 * STEP_H, -2 * STEP_H};
            for (int k = 0; k < 4; k++) {
                m.params[p] = w0 + steps[k];
                l[k] = loss_of(&m, x, t, B);
            }
            m.params[p] = w0;
            double num = (8 * (l[0] - l[1]) - (l[2] - l[3])) / (12 * STEP_H), ana = g[p];
            double scale = fmax(fabs(num), fabs(ana));
            if (scale < 1e-4) {
                assert_close_double(ana, num, 1e-11);
                continue;
            }
            double rel = fabs(num - ana) / scale;
            if (rel > worst)
                worst = rel;
            if (rel > MAX_REL)
                fail_msg("parameter %zu: analytic %.12g, numeric %.12g, relative error %.3g", p,
                         ana, num, rel);
        }
        print_message("    B=%d %zu parameters, worst relative error %.2e\n", B, m.n_params, worst);
        free(x);
        free(t);
        free(g);
        nn_model_free(&m);
        nn_config_free(&cfg);
        return;
    }
    fail_msg("no seed kept every ReLU input off the kink");
}

/* Builds a full config around a model and loss; the data section holds one zero row of the right
 * widths, since validation checks the data against the model. */
static void check_case(const char *model, const char *loss, int in, int out)
{
    char yaml[2048];
    int n = snprintf(yaml, sizeof yaml, "model: %s\nloss: %s\ndata:\n  x: [[", model, loss);
    for (int i = 0; i < in; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "%s0", i ? ", " : "");
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "]]\n  y: [[");
    for (int i = 0; i < out; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "%s0", i ? ", " : "");
    snprintf(yaml + n, sizeof yaml - (size_t)n, "]]\n");
    const int batches[] = {1, 4, 7};
    for (int i = 0; i < 3; i++)
        check_network(yaml, batches[i], 1000 + (uint64_t)i);
}

static void test_dense_tanh_sigmoid_mse(void **state)
{
    (void)state;
    check_case("{input_shape: [3], layers: [{type: dense, units: 5, activation: tanh},"
               " {type: dense, units: 2, activation: sigmoid}]}",
               "mse", 3, 2);
}

/* Convolutions: stride, padding (valid, same, a number), dilation, with and without a bias,
 * several channels in and out, on [H, W, C] and [H, W] inputs. */
static void test_conv2d(void **state)
{
    (void)state;
    /* several input channels (8 and 9), stride 2 with same padding, dilation with numeric
     * padding and no bias, convolutions stacked */
    check_case("{input_shape: [5, 4, 8], layers: [{type: conv2d, filters: 3, kernel_size: 3,"
               " padding: same, stride: 2, activation: tanh}, {type: conv2d, filters: 2,"
               " kernel_size: 2}, {type: flatten}, {type: dense, units: 2}]}",
               "mse", 160, 2);
    check_case("{input_shape: [4, 4, 9], layers: [{type: conv2d, filters: 4, kernel_size: 2,"
               " padding: '1', dilation: 2, bias: false, activation: sigmoid},"
               " {type: conv2d, filters: 3, kernel_size: 2, stride: 2}, {type: flatten},"
               " {type: dense, units: 2}]}",
               "mse", 144, 2);
    check_case("{input_shape: [5, 5, 2], layers: [{type: conv2d, filters: 3, kernel_size: 3,"
               " activation: tanh}, {type: flatten}, {type: dense, units: 2}]}",
               "mse", 50, 2);
    check_case("{input_shape: [6, 5, 2], layers: [{type: conv2d, filters: 2, kernel_size: 3,"
               " stride: 2, padding: same, activation: sigmoid}, {type: flatten},"
               " {type: dense, units: 2}]}",
               "mse", 60, 2);
    check_case("{input_shape: [6, 6], layers: [{type: conv2d, filters: 2, kernel_size: 2,"
               " padding: '1', dilation: 2, bias: false, activation: tanh},"
               " {type: conv2d, filters: 3, kernel_size: 3, stride: 2, padding: same},"
               " {type: flatten}, {type: dense, units: 3, activation: softmax}]}",
               "categorical_crossentropy", 36, 3);
}

/* Pooling: max and average with stride, same and numeric padding; the global average. */
static void test_pooling(void **state)
{
    (void)state;
    check_case("{input_shape: [6, 6, 2], layers: [{type: conv2d, filters: 3, kernel_size: 2,"
               " activation: tanh}, {type: maxpool2d, pool_size: 2}, {type: flatten},"
               " {type: dense, units: 2}]}",
               "mse", 72, 2);
    check_case(
        "{input_shape: [7, 7, 2], layers: [{type: maxpool2d, pool_size: 3, stride: 2,"
        " padding: same}, {type: conv2d, filters: 2, kernel_size: 2}, {type: avgpool2d,"
        " pool_size: 3, stride: 1, padding: '1'}, {type: flatten}, {type: dense, units: 2}]}",
        "mse", 98, 2);
    check_case("{input_shape: [5, 4, 3], layers: [{type: conv2d, filters: 4, kernel_size: 2,"
               " padding: same, activation: tanh}, {type: avgpool2d, pool_size: 2, padding: same},"
               " {type: global_avgpool}, {type: dense, units: 2, activation: sigmoid}]}",
               "binary_crossentropy", 60, 2);
}

/* Batch normalisation in training mode (batch statistics), over a flat input's features and
 * over an image's channels, with momentum and epsilon of its own (β drawn away from 0 like every
 * bias here, γ at its initial 1); the running statistics have no gradient. */
static void test_batchnorm(void **state)
{
    (void)state;
    check_step = 3;
    check_case("{input_shape: [3], layers: [{type: dense, units: 4}, {type: batchnorm},"
               " {type: tanh}, {type: dense, units: 2, activation: sigmoid}]}",
               "mse", 3, 2);
    check_case("{input_shape: [5, 5, 2], layers: [{type: conv2d, filters: 3, kernel_size: 2},"
               " {type: batchnorm, momentum: 0.8, epsilon: 0.001}, {type: relu},"
               " {type: global_avgpool}, {type: dense, units: 3, activation: softmax}]}",
               "categorical_crossentropy", 50, 3);
    check_step = 0;
}

/* Dropout in a training pass with a fixed mask (step 5): the loss is smooth in every weight, the
 * dropped units pass no gradient, the kept ones are scaled by 1/(1 − rate). */
static void test_dropout_fixed_mask(void **state)
{
    (void)state;
    check_step = 5;
    check_case("{input_shape: [4], layers: [{type: dense, units: 6, activation: tanh},"
               " {type: dropout, rate: 0.5}, {type: dense, units: 3, activation: sigmoid},"
               " {type: dropout, rate: 0.25}, {type: dense, units: 2}]}",
               "mse", 4, 2);
    check_step = 0;
}

static void test_dense_relu_identity_mse(void **state)
{
    (void)state;
    check_case("{input_shape: [4], layers: [{type: dense, units: 6, activation: relu},"
               " {type: dense, units: 3, activation: relu}, {type: dense, units: 2}]}",
               "mse", 4, 2);
}

static void test_standalone_activations(void **state)
{
    (void)state;
    /* every activation as its own layer, non-fused softmax included */
    check_case("{input_shape: [3], layers: [{type: dense, units: 5}, {type: tanh},"
               " {type: dense, units: 5}, {type: relu}, {type: dense, units: 4}, {type: sigmoid},"
               " {type: identity}, {type: dense, units: 3}, {type: softmax}]}",
               "mse", 3, 3);
}

static void test_sigmoid_mse_nonfused(void **state)
{
    (void)state;
    check_case("{input_shape: [2], layers: [{type: dense, units: 3, activation: sigmoid},"
               " {type: dense, units: 4, activation: softmax}]}",
               "mse", 2, 4);
}

static void test_bce_fused_dense(void **state)
{
    (void)state;
    check_case("{input_shape: [3], layers: [{type: dense, units: 4, activation: tanh},"
               " {type: dense, units: 3, activation: sigmoid}]}",
               "binary_crossentropy", 3, 3);
}

static void test_bce_fused_standalone(void **state)
{
    (void)state;
    check_case("{input_shape: [3], layers: [{type: dense, units: 4, activation: relu},"
               " {type: dense, units: 2}, {type: sigmoid}]}",
               "binary_crossentropy", 3, 2);
}

static void test_cce_fused_dense(void **state)
{
    (void)state;
    check_case("{input_shape: [5], layers: [{type: dense, units: 6, activation: tanh},"
               " {type: dense, units: 4, activation: softmax}]}",
               "categorical_crossentropy", 5, 4);
}

static void test_cce_fused_standalone(void **state)
{
    (void)state;
    check_case("{input_shape: [3], layers: [{type: dense, units: 4, activation: sigmoid},"
               " {type: dense, units: 5}, {type: softmax}]}",
               "categorical_crossentropy", 3, 5);
}

static void test_flatten_reshape(void **state)
{
    (void)state;
    /* a 2×3 input, flattened, reshaped mid-network and flattened again */
    check_case("{input_shape: [2, 3], layers: [{type: flatten}, {type: dense, units: 4,"
               " activation: tanh}, {type: reshape, shape: [2, 2]}, {type: flatten},"
               " {type: dense, units: 6, activation: sigmoid}, {type: reshape, shape: [3, 2]}]}",
               "mse", 6, 6);
}

/* The losses on their own: dL/d(out) against central differences on the outputs. */
static void check_loss(int loss, int B, int D)
{
    struct nn_rng rng;
    nn_rng_seed(&rng, 7, (uint64_t)loss);
    size_t n = (size_t)B * (size_t)D;
    double *o = malloc(n * sizeof *o), *t = malloc(n * sizeof *t), *g = malloc(n * sizeof *g);
    assert_non_null(o);
    assert_non_null(t);
    assert_non_null(g);
    for (size_t i = 0; i < n; i++) {
        o[i] = loss == NN_LOSS_MSE ? nn_rng_uniform(&rng) : 6 * nn_rng_uniform(&rng) - 3;
        t[i] = nn_rng_uniform(&rng);
    }
    nn_loss(loss, o, t, B, D, g);
    for (size_t i = 0; i < n; i++) {
        double o0 = o[i], l[4];
        const double steps[4] = {STEP_H, -STEP_H, 2 * STEP_H, -2 * STEP_H};
        for (int k = 0; k < 4; k++) {
            o[i] = o0 + steps[k];
            l[k] = nn_loss(loss, o, t, B, D, NULL);
        }
        o[i] = o0;
        double num = (8 * (l[0] - l[1]) - (l[2] - l[3])) / (12 * STEP_H);
        double scale = fmax(fabs(num), fabs(g[i]));
        if (scale < 1e-4)
            assert_close_double(g[i], num, 1e-11);
        else if (fabs(num - g[i]) / scale > MAX_REL)
            fail_msg("%s output %zu: analytic %.12g numeric %.12g", nn_loss_name(loss), i, g[i],
                     num);
    }
    free(o);
    free(t);
    free(g);
}

static void test_losses(void **state)
{
    (void)state;
    for (int loss = NN_LOSS_MSE; loss <= NN_LOSS_CCE; loss++) {
        check_loss(loss, 1, 1 + (loss == NN_LOSS_CCE) * 2);
        check_loss(loss, 5, 4);
    }
}

/* Stability: extreme logits give finite losses and gradients, and the right limits. */
static void test_fused_losses_stable(void **state)
{
    (void)state;
    double z[2] = {800, -800}, t[2] = {1, 0}, g[2];
    double l = nn_loss(NN_LOSS_BCE, z, t, 1, 2, g);
    assert_true(isfinite(l));
    assert_close_double(l, 0, 1e-300);
    assert_close_double(g[0], 0, 1e-300);
    double t2[2] = {0, 1};
    l = nn_loss(NN_LOSS_BCE, z, t2, 1, 2, g);
    assert_close_double(l, 800, 1e-9); /* mean of two elements of loss 800 each */
    assert_close_double(g[0], 0.5, 1e-12);
    double c[3] = {1000, 0, -1000}, ct[3] = {0, 1, 0}, cg[3];
    l = nn_loss(NN_LOSS_CCE, c, ct, 1, 3, cg);
    assert_close_double(l, 1000, 1e-9);
    assert_close_double(cg[0], 1, 1e-12);
    assert_close_double(cg[1], -1, 1e-12);
}

/* Plain SGD folded into the backward pass (W ← W − lr·Xᵀ·dZ as one GEMM with beta = 1) must
 * give the same weights as storing the gradients and taking an explicit optimizer step. */
static void test_sgd_fold_equals_explicit_step(void **state)
{
    (void)state;
    struct nn_config cfg;
    load_cfg_text("model: {input_shape: [4], layers: [{type: dense, units: 6, activation: relu},"
                  " {type: dense, units: 3, activation: tanh}, {type: dense, units: 4,"
                  " activation: sigmoid}]}\nloss: mse\noptimizer: {type: sgd, learning_rate: 0.3}\n"
                  "data: {x: [[0, 0, 0, 0]], y: [[0, 0, 0, 0]]}\n",
                  &cfg);
    const int B = 5;
    struct nn_model m;
    struct nn_error err;
    assert_int_equal(nn_model_create(&cfg, B, &m, &err), NN_OK);
    struct nn_rng rng;
    nn_rng_seed(&rng, 3, 9);
    double x[20], t[20];
    for (int i = 0; i < 20; i++) {
        x[i] = 2 * nn_rng_uniform(&rng) - 1;
        t[i] = nn_rng_uniform(&rng);
    }
    double *w0 = malloc(m.n_params * sizeof *w0), *wa = malloc(m.n_params * sizeof *wa);
    assert_non_null(w0);
    assert_non_null(wa);
    memcpy(w0, m.params, m.n_params * sizeof *w0);
    /* explicit: gradients, then w ← w − lr·g */
    const double *out = nn_model_forward(&m, x, B, -1);
    nn_loss(cfg.loss, out, t, B, 4, m.dout);
    nn_model_backward(&m, x, m.dout, B);
    nn_optim_step(&cfg.optim, 1, m.params, m.grads, m.opt_state, m.n_params);
    memcpy(wa, m.params, m.n_params * sizeof *wa);
    /* folded */
    memcpy(m.params, w0, m.n_params * sizeof *w0);
    out = nn_model_forward(&m, x, B, -1);
    nn_loss(cfg.loss, out, t, B, 4, m.dout);
    nn_model_backward_sgd(&m, x, m.dout, B, 0.3);
    double moved = 0;
    for (size_t i = 0; i < m.n_params; i++) {
        assert_close_double(m.params[i], wa[i], 1e-14);
        moved += fabs(wa[i] - w0[i]);
    }
    assert_true(moved > 1e-3); /* the step did change the weights */
    free(w0);
    free(wa);
    nn_model_free(&m);
    nn_config_free(&cfg);
}

/* ---- a layer kind registered only here: the layer-kind table is the only place to touch ----
 * "scale": y = x ⊙ w + b + offset, feature by feature, with w and b learned (shape of the input)
 * and `offset` a number read from the config through the kind's own key table. */
static const char *const scale_types[] = {"scale", NULL};

/* Its settings. */
struct scale_spec {
    double offset;
};

/* clang-format off */
static const struct nn_key scale_keys[] = {
    NN_LAYER_KEY(struct scale_spec, REAL, "offset", offset, .lo = -10, .hi = 10, .def = "0",
        .doc = "added to every output"),
};
/* clang-format on */

static void scale_defaults(struct nn_layer_spec *s, int variant)
{
    (void)variant;
    NN_LAYER_SPEC_RW(s, struct scale_spec)->offset = 0;
}

/* Its offset. */
static double scale_offset(const struct nn_layer_spec *s)
{
    return NN_LAYER_SPEC(s, struct scale_spec)->offset;
}

static int scale_infer(const struct nn_layer_spec *s, const struct nn_shape *in,
                       struct nn_shape *out, char *why, size_t len)
{
    (void)s;
    if (nn_shape_size(in) > 1000) {
        snprintf(why, len, "scale takes at most 1000 values");
        return -1;
    }
    *out = *in;
    return 0;
}

static int scale_params(const struct nn_layer *l, struct nn_param_decl *d)
{
    d[0] = (struct nn_param_decl){"w", {1, {l->in_size}}, NN_INIT_GLOROT_UNIFORM, 1, 1, 0};
    d[1] = (struct nn_param_decl){"b", {1, {l->in_size}}, NN_INIT_ZEROS, 1, 1, 0};
    return 2;
}

static int scale_has_output(const struct nn_layer *l)
{
    (void)l;
    return 1;
}

static void scale_forward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                          nn_real *y, int n, const struct nn_pass *p)
{
    (void)be, (void)p;
    for (int r = 0; r < n; r++)
        for (int j = 0; j < l->in_size; j++)
            y[r * l->in_size + j] =
                x[r * l->in_size + j] * l->w[j] + l->b[j] + scale_offset(&l->spec);
}

/* dX = dY ⊙ w;  db = Σ_rows dY (dZ = dY: no activation). dy stays as it is, but the table's
 * signature lets kinds transform it in place (the Makefile's lint says so to cppcheck). */
static void scale_backward(const struct nn_layer *l, const struct nn_backend *be, const nn_real *x,
                           const nn_real *y, nn_real *dy, nn_real *dx, nn_real *bias_grad, int n,
                           const struct nn_pass *p)
{
    (void)be, (void)x, (void)y, (void)p;
    for (int j = 0; j < l->in_size; j++)
        bias_grad[j] = 0;
    for (int r = 0; r < n; r++)
        for (int j = 0; j < l->in_size; j++) {
            bias_grad[j] += dy[r * l->in_size + j];
            if (dx)
                dx[r * l->in_size + j] = dy[r * l->in_size + j] * l->w[j];
        }
}

/* dW_j = Σ_rows x_j · dZ_j for features [lo, hi) */
static void scale_param_grad(const struct nn_layer *l, const struct nn_backend *be,
                             const nn_real *x, int B, int lo, int hi, nn_real alpha, nn_real beta,
                             nn_real *dst)
{
    (void)be;
    for (int j = lo; j < hi; j++) {
        nn_real g = 0;
        for (int r = 0; r < B; r++)
            g += x[r * l->in_size + j] * l->dz[r * l->in_size + j];
        dst[j] = alpha * g + beta * dst[j];
    }
}

static const struct nn_layer_ops scale_ops = {
    .types = scale_types,
    .doc = "a test kind: y = x * w + b + offset",
    .keys = scale_keys,
    .n_keys = 1,
    .defaults = scale_defaults,
    .infer = scale_infer,
    .params = scale_params,
    .has_output = scale_has_output,
    .forward = scale_forward,
    .backward = scale_backward,
    .param_grad = scale_param_grad,
};

static enum nn_layer_kind scale_kind;

static int register_scale(void **state)
{
    (void)state;
    if (nn_layer_ops(scale_kind) == &scale_ops)
        return 0;
    return nn_layer_register(&scale_ops, &scale_kind);
}

static void test_toy_kind_config(void **state)
{
    (void)state;
    /* the registry refuses a second kind with a taken type word */
    enum nn_layer_kind k;
    assert_int_equal(nn_layer_register(&scale_ops, &k), -1);
    char list[512];
    assert_non_null(strstr(nn_layer_type_list(list, sizeof list), ", scale"));
    /* its key is read, defaulted, bounded and emitted by the generic config code */
    struct nn_config cfg;
    load_cfg_text("model: {input_shape: [3], layers: [{type: scale, offset: 0.25}, "
                  "{type: scale, name: s2}, {type: dense, units: 2}]}\n"
                  "loss: mse\ndata: {x: [[1, 2, 3]], y: [[0, 1]]}\n",
                  &cfg);
    assert_int_equal(cfg.layers[0].kind, scale_kind);
    assert_close_double(scale_offset(&cfg.layers[0]), 0.25, 0);
    assert_close_double(scale_offset(&cfg.layers[1]), 0, 0);
    char *yaml = nn_config_to_yaml(&cfg);
    assert_non_null(yaml);
    assert_non_null(strstr(yaml, "{type: scale, name: scale_0, offset: 0.25}"));
    assert_non_null(strstr(yaml, "{type: scale, name: s2, offset: 0}"));
    struct nn_config back;
    load_cfg_text(yaml, &back);
    assert_close_double(scale_offset(&back.layers[0]), 0.25, 0);
    free(yaml);
    nn_config_free(&back);
    nn_config_free(&cfg);
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(nn_config_load("t.yaml",
                                    "model: {input_shape: [2], layers: [{type: scale, offset: 11},"
                                    " {type: scale, ofset: 1}]}\nloss: mse\n"
                                    "data: {x: [[1, 2]], y: [[0, 1]]}\n",
                                    NULL, 0, &cfg, d),
                     NN_ERR_CONFIG);
    assert_int_equal(d->n, 2);
    assert_string_equal(d->d[0].msg, "'model.layers[0].offset': expected a number >= -10 and "
                                     "<= 10, found 11");
    assert_non_null(strstr(d->d[1].msg, "unknown key 'ofset'"));
    nn_config_free(&cfg);
    free(d);
}

static void test_toy_kind_gradients(void **state)
{
    (void)state;
    /* build, forward, backward (one and three threads' partitions) and central differences */
    check_case("{input_shape: [3], layers: [{type: scale, offset: 0.5}, {type: dense, units: 4,"
               " activation: tanh}, {type: scale}, {type: dense, units: 2}]}",
               "mse", 3, 2);
    check_case("{input_shape: [4], layers: [{type: dense, units: 3, activation: relu},"
               " {type: scale}, {type: softmax}]}",
               "categorical_crossentropy", 4, 3);
}

static void test_toy_kind_trains(void **state)
{
    (void)state;
    /* through nn_train: SGD folded into param_grad (alpha = -lr, beta = 1), a checkpoint, and
     * the loss going down */
    struct nn_config cfg;
    load_cfg_text("model: {input_shape: [2], layers: [{type: scale, offset: 0.1},"
                  " {type: dense, units: 1}]}\nloss: mse\noptimizer: {type: sgd, "
                  "learning_rate: 0.1}\ntraining: {epochs: 200, batch_size: 4, seed: 3}\n"
                  "data: {x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0.1], [0.5], [0.3], "
                  "[0.7]]}\n",
                  &cfg);
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/nnctl-toy-%d", (int)getpid());
    struct nn_train_opts o = {.out_dir = dir, .threads = 1, .quiet = 1};
    struct nn_train_result r;
    struct nn_error err;
    int rc = nn_train(&cfg, &o, &r, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_true(r.eval_train_loss < 1e-3);
    char ck[128];
    snprintf(ck, sizeof ck, "%s/model.ckpt", dir);
    struct nn_config c2;
    struct nn_model m;
    assert_int_equal(nn_checkpoint_load(ck, 4, &c2, &m, NULL, &err), NN_OK);
    assert_string_equal(m.tensors[0].name, "scale_0.w");
    nn_model_free(&m);
    nn_config_free(&c2);
    nn_config_free(&cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_losses),
        cmocka_unit_test(test_fused_losses_stable),
        cmocka_unit_test(test_dense_tanh_sigmoid_mse),
        cmocka_unit_test(test_dense_relu_identity_mse),
        cmocka_unit_test(test_dropout_fixed_mask),
        cmocka_unit_test(test_conv2d),
        cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_batchnorm),
        cmocka_unit_test(test_standalone_activations),
        cmocka_unit_test(test_sigmoid_mse_nonfused),
        cmocka_unit_test(test_bce_fused_dense),
        cmocka_unit_test(test_bce_fused_standalone),
        cmocka_unit_test(test_cce_fused_dense),
        cmocka_unit_test(test_cce_fused_standalone),
        cmocka_unit_test(test_flatten_reshape),
        cmocka_unit_test(test_sgd_fold_equals_explicit_step),
        cmocka_unit_test_setup(test_toy_kind_config, register_scale),
        cmocka_unit_test_setup(test_toy_kind_gradients, register_scale),
        cmocka_unit_test_setup(test_toy_kind_trains, register_scale),
    };
    return cmocka_run_group_tests_name("gradcheck", tests, NULL, NULL);
}
