/* Config errors: a table of bad configs, each with the exact diagnostics expected, plus the
 * resolved-config round trip and --set overrides. */
#include "testutil.h"

#include "layers/dense.h"
#include "nnctl/optim.h"
#include "nnctl/source.h"

/* Runs the loader on text with overrides and returns every diagnostic as printed, one per line. */
static char *diagnose(const char *text, const char *const *sets, int n_sets, int *rc)
{
    struct nn_config cfg;
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    *rc = nn_config_load("t.yaml", text, sets, n_sets, &cfg, d);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    nn_diags_print(d, f);
    fclose(f);
    nn_config_free(&cfg);
    free(d);
    return buf;
}

#define GOOD_MODEL                                                                                 \
    "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 4, activation: tanh}\n    " \
    "- {type: dense, units: 1, activation: sigmoid}\n"
#define GOOD_DATA "data:\n  x: [[0, 0], [1, 1]]\n  y: [[0], [1]]\n"

struct bad_case {
    const char *name;
    const char *yaml;
    const char *expect; /* every diagnostic line, in order */
};

static const struct bad_case BAD[] = {
    {"unknown top-level key", GOOD_MODEL "loss: mse\n" GOOD_DATA "trainig: {epochs: 3}\n",
     "t.yaml:10:1: error: unknown key 'trainig' in 'the top level'; did you mean 'training'? "
     "(expected one of: description, model, loss, optimizer, training, data)\n"},
    {"unknown optimizer key",
     GOOD_MODEL "loss: mse\noptimizer:\n  type: sgd\n  lerning_rate: 0.1\n" GOOD_DATA,
     "t.yaml:9:3: error: unknown key 'lerning_rate' in 'optimizer'; did you mean 'learning_rate'? "
     "(expected one of: type, learning_rate, momentum, nesterov, weight_decay, "
     "clip_norm, schedule)\n"},
    {"adam key on sgd", GOOD_MODEL "loss: mse\noptimizer: {type: sgd, beta1: 0.9}\n" GOOD_DATA,
     "t.yaml:7:24: error: unknown key 'beta1' in 'optimizer' (expected one of: type, "
     "learning_rate, momentum, nesterov, weight_decay, clip_norm, schedule)\n"},
    {"negative learning rate",
     GOOD_MODEL "loss: mse\noptimizer: {type: adam, learning_rate: -0.001}\n" GOOD_DATA,
     "t.yaml:7:40: error: 'optimizer.learning_rate': expected a number > 0, found -0.001\n"},
    {"wrong type for epochs", GOOD_MODEL "loss: mse\ntraining: {epochs: ten}\n" GOOD_DATA,
     "t.yaml:7:20: error: 'training.epochs': expected an integer, found 'ten'\n"},
    {"zero epochs", GOOD_MODEL "loss: mse\ntraining: {epochs: 0}\n" GOOD_DATA,
     "t.yaml:7:20: error: 'training.epochs': expected an integer from 1 to 100000000, found 0\n"},
    {"quoted number", GOOD_MODEL "loss: mse\ntraining: {batch_size: \"4\"}\n" GOOD_DATA,
     "t.yaml:7:24: error: 'training.batch_size': expected an integer, found '4'\n"},
    {"units 0",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 0}\nloss: mse\n" GOOD_DATA,
     "t.yaml:4:28: error: 'model.layers[0].units': expected an integer from 1 to 1048576, found "
     "0\n"},
    {"missing units",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense}\nloss: mse\n" GOOD_DATA,
     "t.yaml:4:7: error: 'model.layers[0]': missing required key 'units' (a positive integer)\n"},
    {"unknown activation",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 1, activation: "
     "relux}\nloss: mse\n" GOOD_DATA,
     "t.yaml:4:43: error: 'model.layers[0].activation': unknown activation 'relux'; did you mean "
     "'relu'? (expected one of: identity, relu, tanh, sigmoid, softmax)\n"},
    {"unknown layer type",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: conv3d, units: 1}\nloss: mse\n" GOOD_DATA,
     "t.yaml:4:14: error: 'model.layers[0].type': unknown layer type 'conv3d'; did you mean "
     "'conv2d'? (expected one of: dense, identity, relu, tanh, sigmoid, softmax, flatten, "
     "reshape, dropout, conv2d, maxpool2d, avgpool2d, global_avgpool, batchnorm)\n"},
    {"shapes do not chain",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 3}\n    - {type: reshape, "
     "shape: [2, 2]}\nloss: mse\n" GOOD_DATA,
     "t.yaml:5:7: error: 'model.layers[1]': reshape to [2, 2] (4 values) does not fit its input "
     "shape [3] (3 values)\n"},
    {"dense on 2-d input",
     "model:\n  input_shape: [2, 1]\n  layers:\n    - {type: dense, units: 1}\nloss: "
     "mse\n" GOOD_DATA,
     "t.yaml:4:7: error: 'model.layers[0]': dense layer 'dense_0' needs a flat input but receives "
     "shape [2, 1]; add a flatten layer before it\n"},
    {"input size differs from data",
     "model:\n  input_shape: [3]\n  layers:\n    - {type: dense, units: 1}\nloss: mse\n" GOOD_DATA,
     "t.yaml:7:6: error: 'data.x': rows have 2 values but model.input_shape holds 3\n"},
    {"output size differs from targets",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 2}\nloss: mse\n" GOOD_DATA,
     "t.yaml:8:6: error: 'data.y': rows have 1 values but the model outputs 2\n"},
    {"bce without sigmoid",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 1, activation: "
     "tanh}\nloss: binary_crossentropy\n" GOOD_DATA,
     "t.yaml:5:7: error: 'loss': binary_crossentropy is fused with a final sigmoid for stability, "
     "but the last activation is 'tanh' (model.layers[0])\n"},
    {"ragged data", GOOD_MODEL "loss: mse\ndata:\n  x: [[0, 0], [1]]\n  y: [[0], [1]]\n",
     "t.yaml:8:15: error: 'data.x[1]': expected a row of 2 numbers, found 1\n"},
    {"NaN in inline data",
     GOOD_MODEL "loss: mse\ndata:\n  x: [[0, nan], [1, 1]]\n  y: [[0], [1]]\n",
     "t.yaml:8:11: error: 'data.x[0][1]': expected a number, found 'nan'\n"},
    {"Inf in inline data",
     GOOD_MODEL "loss: mse\ndata:\n  x: [[0, 0], [1, 1]]\n  y: [[-inf], [1]]\n",
     "t.yaml:9:8: error: 'data.y[0][0]': expected a number, found '-inf'\n"},
    {"duplicate key", GOOD_MODEL "loss: mse\nloss: mse\n" GOOD_DATA,
     "t.yaml:7:1: error: duplicate key 'loss' (first given at line 6)\n"},
    {"duplicate layer name",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: 2, name: a}\n    - {type: "
     "dense, units: 1, name: a}\nloss: mse\n" GOOD_DATA,
     "t.yaml:5:37: error: 'model.layers[1].name': 'a' is already the name of layer 0\n"},
    {"syntax error", "model: [1, 2\nloss: mse\n",
     "t.yaml:2:5: error: invalid YAML: did not find expected ',' or ']' while parsing a flow "
     "sequence\n"},
    {"not a mapping", "- 1\n- 2\n",
     "t.yaml:1:1: error: expected a mapping with keys model, loss, optimizer, training, data; "
     "found a list\n"},
    {"missing sections", "description: nothing\n",
     "t.yaml:1:1: error: missing required key 'model'\n"
     "t.yaml:1:1: error: missing required key 'loss' (one of: mse, binary_crossentropy, "
     "categorical_crossentropy)\n"
     "t.yaml:1:1: error: missing required key 'data'\n"},
    /* every error of a file in one run, in file order within each section */
    {"several errors at once",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dense, units: -1, activation: "
     "tanhh}\nloss: msee\noptimizer: {type: sgd, momentum: 1.5}\ntraining: {epochs: 0, shuffle: "
     "maybe}\n" GOOD_DATA,
     "t.yaml:4:28: error: 'model.layers[0].units': expected an integer from 1 to 1048576, found "
     "-1\n"
     "t.yaml:4:44: error: 'model.layers[0].activation': unknown activation 'tanhh'; did you mean "
     "'tanh'? (expected one of: identity, relu, tanh, sigmoid, softmax)\n"
     "t.yaml:5:7: error: 'loss': unknown loss 'msee'; did you mean 'mse'? (expected one of: mse, "
     "binary_crossentropy, categorical_crossentropy)\n"
     "t.yaml:6:34: error: 'optimizer.momentum': expected a number >= 0 and < 1, found 1.5\n"
     "t.yaml:7:20: error: 'training.epochs': expected an integer from 1 to 100000000, found 0\n"
     "t.yaml:7:32: error: 'training.shuffle': expected true or false, found 'maybe'\n"},
    /* data.test: a test split in a format of its own */
    {"data.test beside the source's own test file",
     GOOD_MODEL "loss: mse\ndata:\n  source: csv\n  train_file: a.csv\n  test_file: b.csv\n"
                "  test: {source: npy, x: t.npy}\n",
     "t.yaml:10:14: error: 'data.test_file' and 'data.test' both give a test split; keep one\n"},
    {"data.test without a source",
     GOOD_MODEL "loss: mse\ndata:\n  source: csv\n  train_file: a.csv\n  test: {x: t.npy}\n",
     "t.yaml:10:9: error: 'data.test': missing required key 'source' (npy, csv or libsvm)\n"},
    {"data.test of a source that cannot be one",
     GOOD_MODEL "loss: mse\ndata:\n  source: csv\n  train_file: a.csv\n  test: {source: idx}\n",
     "t.yaml:10:18: error: 'data.test.source': a test split of its own is npy, csv or libsvm "
     "data, not 'idx'\n"},
    /* convolutions: shapes checked when the config is checked */
    {"conv2d kernel larger than its padded input, stride 0, bad padding, pool without output",
     "model:\n  input_shape: [4, 4, 1]\n  layers:\n"
     "    - {type: conv2d, filters: 2, kernel_size: 5}\n"
     "    - {type: flatten}\n    - {type: dense, units: 1}\n"
     "loss: mse\n" GOOD_DATA,
     "t.yaml:4:7: error: 'model.layers[0]': a kernel of 5 spans 5, more than its padded input of "
     "4 × 4 (input [4, 4, 1], padding 0; shapes are [height, width, channels])\n"},
    {"conv2d keys out of range",
     "model:\n  input_shape: [8, 8]\n  layers:\n"
     "    - {type: conv2d, filters: 2, kernel_size: 3, stride: 0, padding: full}\n"
     "    - {type: flatten}\n    - {type: dense, units: 1}\n"
     "loss: mse\n" GOOD_DATA,
     "t.yaml:4:58: error: 'model.layers[0].stride': expected an integer from 1 to 1024, found 0\n"
     "t.yaml:4:70: error: 'model.layers[0].padding': expected valid, same or a number of rows "
     "from 0 to 4096, found 'full'\n"},
    {"a pool that leaves no output, conv2d on a flat input",
     "model:\n  input_shape: [3, 3, 2]\n  layers:\n"
     "    - {type: maxpool2d, pool_size: 4}\n"
     "    - {type: flatten}\n    - {type: dense, units: 1}\n"
     "loss: mse\n" GOOD_DATA,
     "t.yaml:4:7: error: 'model.layers[0]': a pool of 4 spans 4, more than its padded input of "
     "3 × 3 (input [3, 3, 2], padding 0; shapes are [height, width, channels])\n"},
    {"conv2d after flatten",
     "model:\n  input_shape: [4, 4]\n  layers:\n    - {type: flatten}\n"
     "    - {type: conv2d, filters: 1, kernel_size: 1}\n    - {type: flatten}\n"
     "    - {type: dense, units: 1}\nloss: mse\n" GOOD_DATA,
     "t.yaml:5:7: error: 'model.layers[1]': needs an image, [height, width] or [height, width, "
     "channels], but receives shape [16]\n"},
    /* the training controls */
    {"early stopping without validation data",
     GOOD_MODEL "loss: mse\ntraining: {early_stopping: {patience: 3}}\n" GOOD_DATA,
     "t.yaml:7:28: error: 'training.early_stopping': it watches val_loss, which needs "
     "data.validation (a fraction of the training data or a dataset)\n"},
    {"bad schedule, monitor and fraction",
     GOOD_MODEL "loss: mse\noptimizer: {schedule: {type: cosin}}\n"
                "training: {early_stopping: {monitor: loss}}\n"
                "data:\n  x: [[0, 0], [1, 1]]\n  y: [[0], [1]]\n  validation: {fraction: 1}\n",
     "t.yaml:7:30: error: 'optimizer.schedule.type': unknown schedule 'cosin'; did you mean "
     "'cosine'? (expected one of: constant, step, exponential, cosine, reduce_on_plateau)\n"
     "t.yaml:8:38: error: 'training.early_stopping.monitor': early stopping watches val_loss or "
     "val_accuracy, not the training loss\n"
     "t.yaml:12:26: error: 'data.validation.fraction': expected a number >= 0 and < 1, found 1\n"},
    {"validation block without fraction or source, dropout rate 1",
     "model:\n  input_shape: [2]\n  layers:\n    - {type: dropout, rate: 1}\n"
     "    - {type: dense, units: 1}\nloss: mse\n"
     "data:\n  x: [[0, 0], [1, 1]]\n  y: [[0], [1]]\n  validation: {}\n",
     "t.yaml:4:29: error: 'model.layers[0].rate': expected a number >= 0 and < 1, found 1\n"
     "t.yaml:10:15: error: 'data.validation': give a fraction of the training data (fraction: "
     "0.1) or a source (npy, csv or libsvm)\n"},
    {"data.test: a key of another source, a missing file, a bad delimiter",
     GOOD_MODEL "loss: mse\ndata:\n  source: npy\n  train_x: a.npy\n"
                "  test: {source: csv, x: t.npy, delimiter: ';;'}\n",
     "t.yaml:10:23: error: unknown key 'x' in 'data.test' (expected one of: source, file, header, "
     "delimiter, target_column, feature_columns)\n"
     "t.yaml:10:9: error: 'data.test': missing required key 'file' (a string)\n"
     "t.yaml:10:44: error: 'data.test.delimiter': expected one character (not a quote or a line "
     "break), found ';;'\n"},
};

static void test_bad_configs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        int rc;
        char *got = diagnose(BAD[i].yaml, NULL, 0, &rc);
        if (rc != NN_ERR_CONFIG || strcmp(got, BAD[i].expect))
            fail_msg("case '%s' (rc %d)\n--- expected\n%s--- got\n%s", BAD[i].name, rc,
                     BAD[i].expect, got);
        free(got);
    }
}

static void test_set_overrides(void **state)
{
    (void)state;
    const char *yaml = GOOD_MODEL "loss: mse\n" GOOD_DATA;
    const char *sets[] = {"training.epochs=7", "optimizer.learning_rate=0.25",
                          "model.layers.0.units=6", "optimizer.type=adam"};
    struct nn_config cfg;
    struct nn_diags d = {0};
    assert_int_equal(nn_config_load("t.yaml", yaml, sets, 4, &cfg, &d), NN_OK);
    assert_int_equal(cfg.train.epochs, 7);
    assert_close_double(cfg.optim.learning_rate, 0.25, 0);
    assert_int_equal(NN_LAYER_SPEC(&cfg.layers[0], struct nn_dense_spec)->units, 6);
    assert_int_equal(cfg.optim.kind, nn_optim_find("adam"));
    char *resolved = nn_config_to_yaml(&cfg); /* Adam's defaults filled in */
    assert_non_null(strstr(resolved, "  beta2: 0.999\n"));
    free(resolved);
    nn_config_free(&cfg);
}

static void test_set_errors(void **state)
{
    (void)state;
    const char *yaml = GOOD_MODEL "loss: mse\n" GOOD_DATA;
    const char *sets[] = {"training.epochs=abc", "model.layers.9.units=1", "nokey",
                          "optimizer.lerning_rate=1", "loss.x=1"};
    int rc;
    char *got = diagnose(yaml, sets, 5, &rc);
    assert_int_equal(rc, NN_ERR_CONFIG);
    assert_string_equal(
        got,
        "--set model.layers.9.units=1: error: 'model.layers' is a list of 2 items; '9' is not an "
        "index in it\n"
        "--set nokey: error: expected dotted.key=value\n"
        "--set loss.x=1: error: 'loss' is a single value, it has no key 'x'\n"
        "--set optimizer.lerning_rate=1: error: unknown key 'lerning_rate' in 'optimizer'; did you "
        "mean 'learning_rate'? (expected one of: type, learning_rate, momentum, nesterov, "
        "weight_decay, "
        "clip_norm, schedule)\n"
        "--set training.epochs=abc: error: 'training.epochs': expected an integer, found 'abc'\n");
    free(got);
}

/* The resolved config reads back to the same struct, and prints the same text again. */
static void test_resolved_round_trip(void **state)
{
    (void)state;
    const char *yaml = "description: \"round \\\"trip\\\"\"\n"
                       "model:\n  input_shape: [2, 3]\n  layers:\n    - {type: flatten}\n"
                       "    - {type: dense, units: 4, activation: relu, init: he_normal, name: h}\n"
                       "    - {type: dense, units: 6}\n    - {type: reshape, shape: [3, 2]}\n"
                       "    - {type: sigmoid, name: out}\n"
                       "loss: binary_crossentropy\n"
                       "optimizer: {type: adam, learning_rate: 0.0003, epsilon: 1.0e-7}\n"
                       "training: {epochs: 3, batch_size: 2, seed: 18446744073709551615}\n"
                       "data:\n  x: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]\n"
                       "  y: [[0, 1, 0, 1, 1, 0.333333333333]]\n";
    struct nn_config a, b;
    load_cfg_text(yaml, &a);
    char *t1 = nn_config_to_yaml(&a);
    assert_non_null(t1);
    load_cfg_text(t1, &b);
    char *t2 = nn_config_to_yaml(&b);
    assert_string_equal(t1, t2);
    assert_int_equal(b.train.seed, UINT64_MAX);
    assert_non_null(strstr(t2, "  epsilon: 1e-07\n"));
    assert_non_null(strstr(t2, "0.333333333333]]"));
    assert_int_equal(NN_LAYER_SPEC(&b.layers[1], struct nn_dense_spec)->w_init, NN_INIT_HE_NORMAL);
    assert_string_equal(b.layers[4].name, "out");
    assert_string_equal(b.description, "round \"trip\"");
    free(t1);
    free(t2);
    nn_config_free(&a);
    nn_config_free(&b);
}

/* A data.test block survives the resolved config: nested under data, read back the same. */
static void test_test_block_round_trip(void **state)
{
    (void)state;
    const char *yaml = GOOD_MODEL "loss: mse\n"
                                  "data:\n  source: npy\n  train_x: a.npy\n  train_y: b.npy\n"
                                  "  test: {source: csv, file: t.csv, delimiter: ';', "
                                  "target_column: [y1, '3']}\n";
    struct nn_config a, b;
    load_cfg_text(yaml, &a);
    char *t1 = nn_config_to_yaml(&a);
    assert_non_null(t1);
    assert_non_null(strstr(t1, "  test:\n    source: csv\n    file: \"t.csv\"\n    header: true\n"
                               "    delimiter: \";\"\n    target_column: [\"y1\", \"3\"]\n"
                               "    feature_columns: []\n"));
    load_cfg_text(t1, &b);
    char *t2 = nn_config_to_yaml(&b);
    assert_string_equal(t1, t2);
    assert_int_equal(b.data.test.source, nn_source_find("csv"));
    /* without the block nothing of it is written: earlier checkpoints' configs keep their bytes */
    const char *plain = GOOD_MODEL "loss: mse\ndata: {source: npy, train_x: a.npy}\n";
    struct nn_config c;
    load_cfg_text(plain, &c);
    char *t3 = nn_config_to_yaml(&c);
    assert_null(strstr(t3, "test"));
    free(t1);
    free(t2);
    free(t3);
    nn_config_free(&a);
    nn_config_free(&b);
    nn_config_free(&c);
}

static void test_shipped_configs_validate(void **state)
{
    (void)state;
    const char *files[] = {"configs/xor.yaml", "configs/xor_adam.yaml"};
    for (int i = 0; i < 2; i++) {
        struct nn_config cfg;
        struct nn_diags d = {0};
        int rc = nn_config_load(files[i], NULL, NULL, 0, &cfg, &d);
        if (rc)
            nn_diags_print(&d, stderr);
        assert_int_equal(rc, NN_OK);
        nn_config_free(&cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_resolved_round_trip),
        cmocka_unit_test(test_test_block_round_trip),
        cmocka_unit_test(test_shipped_configs_validate),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
