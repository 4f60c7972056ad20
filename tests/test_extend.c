/* "How to extend nnctl" (docs/design.md), proved: an optimizer and a data source defined and
 * registered only here, each trained end to end through a config file with no change to nnctl
 * (the toy backend and the toy layer kind are in test_backend.c and test_schema.c). */
#include "testutil.h"

#include "nnctl/checkpoint.h"
#include "nnctl/model.h"
#include "nnctl/optim.h"
#include "nnctl/source.h"
#include "nnctl/train.h"

/* ---- an optimizer: sign SGD, w ← w − lr·sign(g), counting its steps per parameter ---- */

struct sign_spec {
    /* (read through NN_OPTIM_SPEC, which cppcheck does not follow) */
    double tie; /* cppcheck-suppress unusedStructMember ; the step of a zero gradient, × lr */
};

static int sign_state(const struct nn_optim_spec *o)
{
    (void)o;
    return 1; /* steps taken, per parameter: the checkpoint keeps it */
}

static void sign_update(const struct nn_optim_spec *o, long long t, nn_real *restrict w,
                        const nn_real *restrict g, nn_real *const *s, size_t n,
                        uint16_t *restrict wb)
{
    (void)t, (void)wb;
    const nn_real lr = (nn_real)o->learning_rate;
    const nn_real tie = (nn_real)NN_OPTIM_SPEC(const struct sign_spec, o)->tie;
    for (size_t i = 0; i < n; i++) {
        w[i] -= g[i] > 0 ? lr : g[i] < 0 ? -lr : tie * lr;
        s[0][i] += 1;
    }
}

static const struct nn_key sign_keys[] = {
    {.path = "learning_rate",
     .type = NN_KEY_REAL,
     .offset = offsetof(struct nn_optim_spec, learning_rate),
     .lo = 0,
     .open_lo = 1,
     .hi = 1,
     .def = "0.02",
     .doc = "the step of every parameter"},
    {.path = "tie",
     .type = NN_KEY_REAL,
     .offset = offsetof(struct nn_optim_spec, spec) + offsetof(struct sign_spec, tie),
     .lo = 0,
     .hi = 1,
     .def = "0",
     .doc = "the step of a zero gradient, as a fraction of learning_rate"},
};

static const struct nn_optim_ops sign_sgd = {
    .name = "sign_sgd",
    .doc = "steps of lr against the gradient's sign",
    .keys = sign_keys,
    .n_keys = 2,
    .state_per_param = sign_state,
    .update = sign_update,
};

/* ---- a data source: a ramp, x = i / n and y = slope·x + 1, i = 0 .. n - 1 ---- */

struct ramp_spec {
    int n, test_n;
    double slope;
};

static int ramp_load(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                     struct nn_dataset *ds, struct nn_error *err)
{
    (void)cfg;
    const struct ramp_spec *s = NN_SOURCE_SPEC(const struct ramp_spec, d->spec);
    const int n = test ? s->test_n : s->n;
    if (n == 0)
        return NN_OK; /* no test split */
    nn_real *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        x[i] = (nn_real)((double)i / n);
        y[i] = (nn_real)(s->slope * x[i] + 1);
    }
    nn_source_take(ds, test ? "ramp (test)" : "ramp", (size_t)n, 1, x, NULL, 0, NULL, y, 1);
    return NN_OK;
}

static void ramp_check(const struct nn_data_spec *d, long in_size, long out_size,
                       const struct nn_source_report *r)
{
    (void)d;
    if (in_size != 1 || out_size != 1)
        nn_source_report(r, "",
                         "'data': a ramp is one input and one target, the model has %ld "
                         "and %ld",
                         in_size, out_size);
}

#define RAMP(f) offsetof(struct nn_data_spec, spec) + offsetof(struct ramp_spec, f)
static const struct nn_key ramp_keys[] = {
    {.path = "n",
     .type = NN_KEY_INT,
     .offset = RAMP(n),
     .lo = 2,
     .hi = 100000,
     .def = "64",
     .doc = "training samples"},
    {.path = "test_n",
     .type = NN_KEY_INT,
     .offset = RAMP(test_n),
     .lo = 0,
     .hi = 100000,
     .def = "0",
     .doc = "test samples; 0: none"},
    {.path = "slope",
     .type = NN_KEY_REAL,
     .offset = RAMP(slope),
     .lo = -100,
     .hi = 100,
     .def = "2",
     .doc = "y = slope·x + 1"},
};
/* as data.validation: the samples of its test split */
static const struct nn_key ramp_split_keys[] = {
    {.path = "n",
     .type = NN_KEY_INT,
     .offset = offsetof(struct nn_data_split, spec) + offsetof(struct ramp_spec, test_n),
     .lo = 1,
     .hi = 100000,
     .def = "16",
     .doc = "samples"},
    {.path = "slope",
     .type = NN_KEY_REAL,
     .offset = offsetof(struct nn_data_split, spec) + offsetof(struct ramp_spec, slope),
     .lo = -100,
     .hi = 100,
     .def = "2",
     .doc = "y = slope·x + 1"},
};

static const struct nn_source_ops ramp = {
    .name = "ramp",
    .doc = "a line, sampled",
    .keys = ramp_keys,
    .n_keys = 3,
    .split_keys = ramp_split_keys,
    .n_split_keys = 2,
    .check = ramp_check,
    .load = ramp_load,
};

static int setup(void **state)
{
    if (nn_optim_register(&sign_sgd) < 0 || nn_source_register(&ramp) < 0)
        return -1;
    return test_tmpdir_setup(state);
}

static const char *XOR = "model: {input_shape: [2], layers: [{type: dense, units: 8, activation: "
                         "tanh}, {type: dense, units: 1, activation: sigmoid}]}\n"
                         "loss: binary_crossentropy\n"
                         "optimizer: {type: sign_sgd, learning_rate: 0.05}\n"
                         "training: {epochs: 60, batch_size: 4, shuffle: false, seed: 7}\n"
                         "data: {x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]]}\n";

static char *diagnose(const char *yaml)
{
    struct nn_config cfg;
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(nn_config_load("t.yaml", yaml, NULL, 0, &cfg, d), NN_ERR_CONFIG);
    char *msg = strdup(d->n ? d->d[0].msg : "");
    nn_config_free(&cfg);
    free(d);
    return msg;
}

/* The optimizer trains XOR from a config: every parameter took one step per batch (its state,
 * restored from the checkpoint, says so), the loss fell, and the resolved config names it and
 * its key, which reads back to the same text. */
static void test_toy_optimizer(void **state)
{
    (void)state;
    struct nn_train_result r;
    test_train_ok(XOR, NULL, 0, "sign", 1, &r);
    char path[512];
    snprintf(path, sizeof path, "%s/sign/model.ckpt", test_tmpdir());
    struct nn_config cfg;
    struct nn_model m;
    struct nn_error err;
    assert_int_equal(nn_checkpoint_load(path, 4, &cfg, &m, NULL, &err), NN_OK);
    assert_int_equal(m.n_opt, m.n_params);
    for (size_t i = 0; i < m.n_opt; i++)
        assert_true(m.opt_state[i] == 60); /* 60 epochs of one batch */
    assert_true(r.eval_train_loss < 0.2);
    char *yaml = nn_config_to_yaml(&cfg);
    assert_non_null(
        strstr(yaml, "optimizer:\n  type: sign_sgd\n  learning_rate: 0.05\n  tie: 0\n"));
    free(yaml);
    nn_model_free(&m);
    nn_config_free(&cfg);
    /* its keys are checked like any other, and only under its own type */
    char *msg = diagnose("model: {input_shape: [2], layers: [{type: dense, units: 1}]}\n"
                         "loss: mse\noptimizer: {type: sign_sgd, tie: 2}\n"
                         "data: {x: [[0, 0]], y: [[0]]}\n");
    assert_string_equal(msg, "'optimizer.tie': expected a number >= 0 and <= 1, found 2");
    free(msg);
    msg = diagnose("model: {input_shape: [2], layers: [{type: dense, units: 1}]}\n"
                   "loss: mse\noptimizer: {type: sgd, tie: 0.5}\n"
                   "data: {x: [[0, 0]], y: [[0]]}\n");
    assert_non_null(strstr(msg, "unknown key 'tie' in 'optimizer'"));
    free(msg);
}

/* The source feeds a regression from a config, as training data, test split and validation
 * data: a linear model fits y = 3x + 1 from it. */
static void test_toy_source(void **state)
{
    (void)state;
    const char *yaml =
        "model: {input_shape: [1], layers: [{type: dense, units: 1}]}\n"
        "loss: mse\noptimizer: {type: sgd, learning_rate: 0.5}\n"
        "training: {epochs: 200, batch_size: 16, seed: 1}\n"
        "data: {source: ramp, n: 64, test_n: 10, slope: 3, validation: {source: ramp, n: 8, "
        "slope: 3}}\n";
    struct nn_train_result r;
    test_train_ok(yaml, NULL, 0, "ramp", 1, &r);
    assert_true(r.eval_train_loss < 1e-6);
    assert_true(r.final_test_loss < 1e-6);
    assert_true(r.val_loss < 1e-6);
    char path[512];
    snprintf(path, sizeof path, "%s/ramp/model.ckpt", test_tmpdir());
    struct nn_config cfg;
    struct nn_model m;
    struct nn_error err;
    assert_int_equal(nn_checkpoint_load(path, 4, &cfg, &m, NULL, &err), NN_OK);
    assert_close_double(m.params[0], 3, 1e-3); /* the weight, then the bias */
    assert_close_double(m.params[1], 1, 1e-3);
    char *out = nn_config_to_yaml(&cfg);
    assert_non_null(strstr(out, "data:\n  source: ramp\n  n: 64\n  test_n: 10\n  slope: 3\n"));
    assert_non_null(strstr(out, "  validation:\n    source: ramp\n    n: 8\n    slope: 3\n"));
    free(out);
    nn_model_free(&m);
    nn_config_free(&cfg);
    /* its check runs against the model, its keys only under its name */
    char *msg = diagnose("model: {input_shape: [2], layers: [{type: dense, units: 1}]}\n"
                         "loss: mse\ndata: {source: ramp}\n");
    assert_string_equal(msg, "'data': a ramp is one input and one target, the model has 2 and 1");
    free(msg);
    msg = diagnose("model: {input_shape: [1], layers: [{type: dense, units: 1}]}\n"
                   "loss: mse\ndata: {source: npy, train_x: a.npy, slope: 2}\n");
    assert_non_null(strstr(msg, "unknown key 'slope' in 'data'"));
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toy_optimizer),
        cmocka_unit_test(test_toy_source),
    };
    return cmocka_run_group_tests_name("extend", tests, setup, test_tmpdir_teardown);
}
