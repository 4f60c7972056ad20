/* The config schema: the config reference in docs/config.md is the generator's output, every row's
 * default parses, and a layer kind registered at run time works through the config (keys of
 * every type in the kind's own struct of settings: parsing, defaults, errors, the resolved YAML).
 * `test_schema --markdown` prints the reference (scripts/gen-config-reference.sh uses it). */
#include "testutil.h"

#include "nnctl/layer.h"
#include "nnctl/mnist.h"
#include "nnctl/schema.h"
#include "nnctl/source.h"

#define BEGIN "<!-- schema:begin -->\n"
#define END   "<!-- schema:end -->"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* The block between docs/config.md's markers: a blank line, the Markdown tables, a blank line. */
static char *generated_block(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    fputs("\n", m);
    nn_schema_print(m, 1);
    fputs("\n", m);
    fclose(m);
    return buf;
}

/* Runs first: docs/config.md documents the built-in kinds only. */
static void test_readme_is_generated(void **state)
{
    (void)state;
    char *readme = slurp("docs/config.md");
    assert_non_null(readme);
    char *b = strstr(readme, BEGIN), *e = b ? strstr(b, END) : NULL;
    if (!b || !e)
        fail_msg("docs/config.md has no '%.21s' ... '%s' block", BEGIN, END);
    b += strlen(BEGIN);
    *e = 0;
    char *want = generated_block();
    if (strcmp(b, want))
        fail_msg("docs/config.md's config reference differs from nn_schema_print(); regenerate it "
                 "with `make schema-docs` (scripts/gen-config-reference.sh)");
    free(want);
    free(readme);
}

/* Every default in the tables is valid text for its row, and gives the values nnctl always had. */
static void test_defaults_parse(void **state)
{
    (void)state;
    struct nn_config cfg;
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    for (int i = 0; i < n; i++) { /* one at a time: the sources' keys share their bytes */
        const struct nn_key *k = &rows[i];
        memset(&cfg, 0, sizeof cfg);
        if (k->def && nn_key_set_default(k, &cfg))
            fail_msg("%s: default '%s' does not parse", k->path, k->def);
        nn_key_free(k, &cfg);
    }
    for (int kind = 0; kind < nn_layer_kind_count(); kind++) {
        const struct nn_layer_ops *ops = nn_layer_ops((enum nn_layer_kind)kind);
        struct nn_layer_spec s;
        memset(&s, 0, sizeof s);
        for (int j = 0; j < ops->n_keys; j++)
            if (ops->keys[j].def && nn_key_set_default(&ops->keys[j], &s))
                fail_msg("%s.%s: default '%s' does not parse", ops->types[0], ops->keys[j].path,
                         ops->keys[j].def);
    }
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_int_equal(nn_config_load("t.yaml",
                                    "model: {input_shape: [784], layers: [{type: dense, units: "
                                    "784}]}\nloss: mse\ndata: {source: idx}\n",
                                    NULL, 0, &cfg, d),
                     NN_OK);
    assert_true(nn_idx_scale(&cfg.data) == 1.0 / 255.0);
    char *yaml = nn_config_to_yaml(&cfg);
    assert_non_null(strstr(yaml, "  test_labels: \"t10k-labels-idx1-ubyte\"\n"));
    assert_non_null(strstr(yaml, "  learning_rate: 0.01\n")); /* sgd's, the default optimizer */
    free(yaml);
    free(d);
    nn_config_free(&cfg);
}

/* ---- a kind registered at run time: its keys go through config with no change there ---- */

static const char *const toy_types[] = {"toy", NULL};

/* Its settings, which keys of every type fill. */
struct toy_spec {
    double factor, bias;
    int width;
    enum nn_act fn;
    int flag;
    struct nn_shape shape;
};

#define KEY(...) NN_LAYER_KEY(struct toy_spec, __VA_ARGS__)

/* clang-format off */
static const struct nn_key toy_keys[] = {
    KEY(REAL, "factor", factor, .lo = 0, .open_lo = 1, .hi = 10, .def = "1.5",
        .doc = "a number with a default"),
    KEY(REAL, "bias", bias, .lo = -1, .hi = 1,
        .doc = "a required number"),
    KEY(INT, "width", width, .lo = 1, .hi = 8, .def = "3",
        .doc = "an integer"),
    KEY(ENUM, "fn", fn, .names = nn_act_names, .what = "activation", .def = "tanh",
        .doc = "a choice"),
    KEY(BOOL, "flag", flag, .def = "false",
        .doc = "a boolean in an int-sized field"),
    KEY(SHAPE, "shape", shape, .def = "[2, 1]",
        .doc = "a shape"),
};
/* clang-format on */

static int toy_infer(const struct nn_layer_spec *s, const struct nn_shape *in, struct nn_shape *out,
                     char *why, size_t len)
{
    (void)s, (void)why, (void)len;
    *out = *in;
    return 0;
}

static const struct nn_layer_ops toy_ops = {
    .types = toy_types,
    .doc = "a toy",
    .keys = toy_keys,
    .n_keys = (int)(sizeof toy_keys / sizeof toy_keys[0]),
    .infer = toy_infer,
};

#define TOY_REST                                                                                   \
    "    - {type: dense, units: 1, activation: sigmoid}\nloss: mse\n"                              \
    "data:\n  x: [[0, 0], [1, 1]]\n  y: [[0], [1]]\n"

static void test_runtime_kind(void **state)
{
    (void)state;
    enum nn_layer_kind kind;
    assert_int_equal(nn_layer_register(&toy_ops, &kind), 0);
    const char *yaml = "model:\n  input_shape: [2]\n  layers:\n"
                       "    - {type: toy, bias: -0.25, fn: relu, flag: true}\n" TOY_REST;
    struct nn_config a, b;
    load_cfg_text(yaml, &a);
    const struct nn_layer_spec *l = &a.layers[0];
    assert_int_equal(l->kind, kind);
    const struct toy_spec *t = NN_LAYER_SPEC(l, struct toy_spec);
    assert_true(t->factor == 1.5 && t->bias == -0.25);
    assert_int_equal(t->width, 3);
    assert_int_equal(t->fn, NN_ACT_RELU);
    assert_int_equal(t->flag, 1);
    assert_int_equal(t->shape.ndim, 2);
    char *t1 = nn_config_to_yaml(&a);
    assert_non_null(t1);
    assert_non_null(strstr(t1, "    - {type: toy, name: toy_0, factor: 1.5, bias: -0.25, width: 3, "
                               "fn: relu, flag: true, shape: [2, 1]}\n"));
    load_cfg_text(t1, &b);
    char *t2 = nn_config_to_yaml(&b);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    nn_config_free(&a);
    nn_config_free(&b);

    /* its errors read like a built-in kind's */
    struct nn_diags *d = calloc(1, sizeof *d);
    assert_non_null(d);
    const char *bad = "model:\n  input_shape: [2]\n  layers:\n"
                      "    - {type: toy, factor: 0, widht: 2, shape: [0]}\n" TOY_REST;
    assert_int_equal(nn_config_load("t.yaml", bad, NULL, 0, &a, d), NN_ERR_CONFIG);
    char *got = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&got, &len);
    assert_non_null(m);
    nn_diags_print(d, m);
    fclose(m);
    assert_string_equal(
        got, "t.yaml:4:30: error: unknown key 'widht' in 'model.layers[0]'; did you mean "
             "'width'? (expected one of: type, name, factor, bias, width, fn, flag, shape)\n"
             "t.yaml:4:27: error: 'model.layers[0].factor': expected a number > 0 and <= 10, "
             "found 0\n"
             "t.yaml:4:7: error: 'model.layers[0]': missing required key 'bias' (a number)\n"
             "t.yaml:4:48: error: 'model.layers[0].shape[0]': expected a positive integer, "
             "found '0'\n");
    free(got);
    free(d);
    nn_config_free(&a);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--markdown")) {
        nn_schema_print(stdout, 1);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_is_generated),
        cmocka_unit_test(test_defaults_parse),
        cmocka_unit_test(test_runtime_kind),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
