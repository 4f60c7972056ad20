/* encode: a tiny hand-built network gives hand-computed latent values; bad inputs are refused. */
#include <unistd.h>

#include "testutil.h"

#include "nnctl/encode.h"
#include "nnctl/export.h"
#include "nnctl/npy.h"
#include "nnctl/fsutil.h"
#include "nnctl/idx.h"
#include "nnctl/train.h"

/* 2 → dense 2 tanh ("latent") → dense 2 sigmoid, with weights set by hand:
 *   W1 = [[1, -1], [0.5, 2]] (in × out), b1 = [0, 0.5]
 * For x = (1, 2):  z = (1·1 + 2·0.5 + 0, 1·(−1) + 2·2 + 0.5) = (2, 3.5)
 *                  latent = (tanh 2, tanh 3.5) = (0.96402758, 0.99817790)
 * For x = (0, −1): z = (−0.5, −2 + 0.5) = (−0.5, −1.5); latent = (−0.46211716, −0.90514825) */
static void build_checkpoint(char *path, size_t len)
{
    const char *yaml = "model:\n  input_shape: [2]\n  layers:\n"
                       "    - {type: dense, units: 2, activation: tanh, name: latent}\n"
                       "    - {type: dense, units: 2, activation: sigmoid}\n"
                       "loss: mse\ndata: {x: [[0, 0]], y: [[0, 0]]}\n";
    struct nn_config cfg;
    struct nn_model m;
    struct nn_error err;
    load_cfg_text(yaml, &cfg);
    assert_int_equal(nn_model_build(&cfg, 1, &m, &err), NN_OK);
    const nn_real w1[4] = {1, -1, 0.5, 2}, b1[2] = {0, 0.5};
    memcpy(m.layers[0].w, w1, sizeof w1);
    memcpy(m.layers[0].b, b1, sizeof b1);
    char *text = nn_config_to_yaml(&cfg);
    struct nn_train_state st = {0};
    snprintf(path, len, "%s/tiny.ckpt", test_tmpdir());
    assert_int_equal(nn_checkpoint_save(path, &m, text, &st, &err), NN_OK);
    free(text);
    nn_model_free(&m);
    nn_config_free(&cfg);
}

static void test_hand_computed_latents(void **state)
{
    (void)state;
    char ckpt[128], in[128], out[128];
    build_checkpoint(ckpt, sizeof ckpt);
    snprintf(in, sizeof in, "%s/x.idx", test_tmpdir());
    snprintf(out, sizeof out, "%s/z.idx", test_tmpdir());
    const float x[4] = {1, 2, 0, -1};
    const uint32_t dims[2] = {2, 2};
    struct nn_error err;
    assert_int_equal(nn_idx_write(in, NN_IDX_F32, 2, dims, x, &err), NN_OK);
    struct nn_encode_opts o = {.layer = "latent", .input = in, .output = out};
    struct nn_encode_result r;
    int rc = nn_encode(ckpt, &o, &r, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.width, 2);
    struct nn_idx z;
    assert_int_equal(nn_idx_read(out, 0, &z, &err), NN_OK);
    assert_int_equal(z.type, NN_IDX_F32);
    assert_int_equal(z.ndim, 2);
    const float *v = z.data;
    assert_close_double(v[0], 0.96402758, 1e-6);
    assert_close_double(v[1], 0.99817790, 1e-6);
    assert_close_double(v[2], -0.46211716, 1e-6);
    assert_close_double(v[3], -0.90514825, 1e-6);
    nn_idx_free(&z);

    /* libsvm text: "label 1:v1 2:v2" */
    char lbl[128], txt[128];
    snprintf(lbl, sizeof lbl, "%s/y.idx", test_tmpdir());
    snprintf(txt, sizeof txt, "%s/z.txt", test_tmpdir());
    const uint8_t labels[2] = {3, 7};
    const uint32_t ldims[1] = {2};
    assert_int_equal(nn_idx_write(lbl, NN_IDX_U8, 1, ldims, labels, &err), NN_OK);
    o.format = NN_ENCODE_LIBSVM;
    o.labels = lbl;
    o.output = txt;
    assert_int_equal(nn_encode(ckpt, &o, &r, &err), NN_OK);
    char *t;
    size_t len;
    assert_int_equal(nn_read_file(txt, 4096, &t, &len, &err), NN_OK);
    assert_string_equal(t, "3 1:0.964027584 2:0.998177886\n7 1:-0.462117165 2:-0.905148268\n");
    free(t);
}

static void test_encode_errors(void **state)
{
    (void)state;
    char ckpt[128], in[128], out[128];
    build_checkpoint(ckpt, sizeof ckpt);
    snprintf(in, sizeof in, "%s/x3.idx", test_tmpdir());
    snprintf(out, sizeof out, "%s/never.idx", test_tmpdir());
    const float x[3] = {1, 2, 3};
    const uint32_t dims[2] = {1, 3};
    struct nn_error err;
    assert_int_equal(nn_idx_write(in, NN_IDX_F32, 2, dims, x, &err), NN_OK);
    struct nn_encode_opts o = {.layer = "latent", .input = in, .output = out};
    struct nn_encode_result r;
    assert_int_equal(nn_encode(ckpt, &o, &r, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "x3.idx: field 'dims': 3 values per sample, the checkpoint's "
                                    "model takes 2"));
    o.layer = "latnet";
    assert_int_equal(nn_encode(ckpt, &o, &r, &err), NN_ERR_USAGE);
    assert_string_equal(err.msg, "no layer named 'latnet'; the layers are: latent, dense_1");
    assert_int_equal(access(out, F_OK), -1); /* nothing written */
    const float bad[2] = {1, NAN};
    const uint32_t d2[2] = {1, 2};
    assert_int_equal(nn_idx_write(in, NN_IDX_F32, 2, d2, bad, &err), NN_OK);
    o.layer = NULL;
    assert_int_equal(nn_encode(ckpt, &o, &r, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "x3.idx: field 'data': value 1 is "));
}

/* The .npy export reads back bit-exact, with NumPy's layout (data on a 64-byte boundary). */
static void test_npy_export_round_trip(void **state)
{
    (void)state;
    const char *yaml = "model:\n  input_shape: [3]\n  layers:\n"
                       "    - {type: dense, units: 5, activation: relu, name: h}\n"
                       "    - {type: dense, units: 2}\n"
                       "loss: mse\ntraining: {seed: 5}\ndata: {x: [[0, 0, 0]], y: [[0, 0]]}\n";
    struct nn_config cfg;
    struct nn_model m;
    struct nn_error err;
    load_cfg_text(yaml, &cfg);
    assert_int_equal(nn_model_create(&cfg, 1, &m, &err), NN_OK);
    for (int j = 0; j < 5; j++)
        m.layers[0].b[j] = (nn_real)(0.1 * j - 0.2); /* non-zero biases */
    char out[128], path[192];
    snprintf(out, sizeof out, "%s/npy", test_tmpdir());
    assert_int_equal(nn_export_npy(&m, out, &err), NN_OK);
    for (int t = 0; t < m.n_tensors; t++) {
        snprintf(path, sizeof path, "%s/%s.npy", out, m.tensors[t].name);
        float *v;
        size_t n;
        int nd, dims[4];
        assert_int_equal(nn_npy_read(path, &v, &n, &nd, dims, &err), NN_OK);
        assert_int_equal(nd, m.tensors[t].shape.ndim);
        for (int k = 0; k < nd; k++)
            assert_int_equal(dims[k], m.tensors[t].shape.dims[k]);
        assert_int_equal(n, m.tensors[t].count);
        for (size_t i = 0; i < n; i++)
            assert_true(v[i] == (float)m.params[m.tensors[t].offset + i]);
        free(v);
        char *raw;
        size_t len;
        assert_int_equal(nn_read_file(path, 1 << 20, &raw, &len, &err), NN_OK);
        assert_int_equal((len - n * 4) % 64, 0);
        free(raw);
    }
    snprintf(path, sizeof path, "%s/h.weight.npy", out);
    char *raw;
    size_t len;
    assert_int_equal(nn_read_file(path, 1 << 20, &raw, &len, &err), NN_OK);
    assert_non_null(
        strstr(raw + 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"));
    free(raw);
    snprintf(path, sizeof path, "%s/manifest.json", out);
    assert_int_equal(nn_read_file(path, 1 << 20, &raw, &len, &err), NN_OK);
    assert_non_null(strstr(raw, "{\"name\": \"h\", \"type\": \"dense\", \"in_shape\": [3], "
                                "\"out_shape\": [5], \"units\": 5, \"activation\": \"relu\", "
                                "\"init\": \"glorot_uniform\", \"bias_init\": \"zeros\"}"));
    free(raw);
    nn_model_free(&m);
    nn_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_computed_latents),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_npy_export_round_trip),
    };
    return cmocka_run_group_tests_name("encode", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
