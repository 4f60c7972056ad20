/* Checkpoints: bit-exact round trip; truncated, bit-flipped and foreign files refused. */
#include <unistd.h>

#include "testutil.h"

#include "nnctl/optim.h"

#include "nnctl/fsutil.h"
#include "nnctl/train.h"

static const char *YAML =
    "model:\n  input_shape: [3]\n  layers:\n    - {type: dense, units: 5, activation: relu, name: "
    "h}\n"
    "    - {type: dense, units: 2, activation: softmax}\n"
    "loss: categorical_crossentropy\noptimizer: {type: adam, learning_rate: 0.01}\n"
    "training: {epochs: 2, seed: 9}\n"
    "data:\n  x: [[1, 2, 3], [3, 2, 1]]\n  y: [[1, 0], [0, 1]]\n";

/* A model with non-trivial weights and optimizer state, saved to test_tmpdir()/a.ckpt. */
static void make_checkpoint(struct nn_model *m, struct nn_train_state *st, char *path, size_t len)
{
    struct nn_config cfg;
    struct nn_error err;
    load_cfg_text(YAML, &cfg);
    assert_int_equal(nn_model_build(&cfg, 2, m, &err), NN_OK);
    struct nn_rng rng;
    nn_rng_seed(&rng, 9, 1);
    nn_model_init(m, &rng);
    for (size_t i = 0; i < m->n_opt; i++)
        m->opt_state[i] = (nn_real)nn_rng_uniform(&rng);
    st->epoch = 3;
    st->step = 12;
    nn_rng_seed(&st->shuffle, 9, 2);
    char *yaml = nn_config_to_yaml(&cfg);
    snprintf(path, len, "%s/a.ckpt", test_tmpdir());
    assert_int_equal(nn_checkpoint_save(path, m, yaml, st, &err), NN_OK);
    free(yaml);
    nn_config_free(&cfg);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct nn_model a, b;
    struct nn_train_state sa, sb;
    struct nn_config cb;
    struct nn_error err;
    char path[128];
    make_checkpoint(&a, &sa, path, sizeof path);
    assert_int_equal(nn_checkpoint_load(path, 4, &cb, &b, &sb, &err), NN_OK);
    assert_int_equal(a.n_params, b.n_params);
    assert_int_equal(a.n_opt, b.n_opt);
    assert_memory_equal(a.params, b.params, a.n_params * sizeof(nn_real));
    assert_memory_equal(a.opt_state, b.opt_state, a.n_opt * sizeof(nn_real));
    assert_int_equal(sb.epoch, 3);
    assert_int_equal(sb.step, 12);
    assert_memory_equal(&sa.shuffle, &sb.shuffle, sizeof sa.shuffle);
    assert_string_equal(b.tensors[0].name, "h.weight");
    assert_int_equal(cb.optim.kind, nn_optim_find("adam"));
    assert_int_equal(b.max_batch, 4);
    /* Saving the loaded model again gives the same bytes. */
    char path2[128];
    snprintf(path2, sizeof path2, "%s/b.ckpt", test_tmpdir());
    char *yaml = nn_config_to_yaml(&cb);
    assert_int_equal(nn_checkpoint_save(path2, &b, yaml, &sb, &err), NN_OK);
    char *d1, *d2;
    size_t l1, l2;
    assert_int_equal(nn_read_file(path, 1 << 20, &d1, &l1, &err), NN_OK);
    assert_int_equal(nn_read_file(path2, 1 << 20, &d2, &l2, &err), NN_OK);
    assert_int_equal(l1, l2);
    assert_memory_equal(d1, d2, l1);
    free(d1);
    free(d2);
    free(yaml);
    nn_model_free(&a);
    nn_model_free(&b);
    nn_config_free(&cb);
}

static int load_bytes(const char *bytes, size_t len, struct nn_error *err)
{
    char path[128];
    snprintf(path, sizeof path, "%s/bad.ckpt", test_tmpdir());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    struct nn_config cfg;
    struct nn_model m;
    int rc = nn_checkpoint_load(path, 1, &cfg, &m, NULL, err);
    if (rc == NN_OK) {
        nn_model_free(&m);
        nn_config_free(&cfg);
    }
    return rc;
}

static void test_truncated_refused(void **state)
{
    (void)state;
    struct nn_model a;
    struct nn_train_state sa;
    struct nn_error err;
    char path[128], *data;
    size_t len;
    make_checkpoint(&a, &sa, path, sizeof path);
    assert_int_equal(nn_read_file(path, 1 << 20, &data, &len, &err), NN_OK);
    /* every length shorter than the file */
    for (size_t cut = 0; cut < len; cut++) {
        int rc = load_bytes(data, cut, &err);
        assert_int_equal(rc, NN_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "bad.ckpt: field '"));
    }
    assert_int_equal(load_bytes(data, 20, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "field 'header': file is 20 bytes, shorter than the 32-byte "
                                    "header (truncated)"));
    assert_int_equal(load_bytes(data, len - 1, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "field 'payload_length'"));
    assert_non_null(strstr(err.msg, "(truncated)"));
    free(data);
    nn_model_free(&a);
}

static void test_bit_flips_refused(void **state)
{
    (void)state;
    struct nn_model a;
    struct nn_train_state sa;
    struct nn_error err;
    char path[128], *data;
    size_t len;
    make_checkpoint(&a, &sa, path, sizeof path);
    assert_int_equal(nn_read_file(path, 1 << 20, &data, &len, &err), NN_OK);
    /* one bit flipped at every byte position: all refused, none crash */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            data[i] ^= (char)(1 << bit);
            int rc = load_bytes(data, len, &err);
            data[i] ^= (char)(1 << bit);
            if (rc != NN_ERR_FORMAT)
                fail_msg("flip at byte %zu bit %d accepted (rc %d)", i, bit, rc);
        }
    }
    data[100] ^= 1;
    assert_int_equal(load_bytes(data, len, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "field 'crc32'"));
    assert_non_null(strstr(err.msg, "the file is damaged"));
    data[100] ^= 1;
    data[0] = 'X';
    assert_int_equal(load_bytes(data, len, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "field 'magic': not an nnctl checkpoint"));
    /* trailing bytes */
    char *longer = malloc(len + 1);
    assert_non_null(longer);
    data[0] = 'N';
    memcpy(longer, data, len);
    longer[len] = 0;
    assert_int_equal(load_bytes(longer, len + 1, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "(trailing bytes)"));
    free(longer);
    free(data);
    nn_model_free(&a);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct nn_config cfg;
    struct nn_model m;
    struct nn_error err;
    assert_int_equal(nn_checkpoint_load("/nonexistent/x.ckpt", 1, &cfg, &m, NULL, &err), NN_ERR_IO);
    assert_string_equal(err.msg, "/nonexistent/x.ckpt: cannot open: No such file or directory");
}

/* A failed save leaves the previous checkpoint in place. */
static void test_failed_save_keeps_old(void **state)
{
    (void)state;
    struct nn_model a;
    struct nn_train_state sa;
    struct nn_error err;
    char path[128], bad[160];
    make_checkpoint(&a, &sa, path, sizeof path);
    snprintf(bad, sizeof bad, "%s/no-such-test_tmpdir()/a.ckpt", test_tmpdir());
    assert_int_equal(nn_checkpoint_save(bad, &a, "x", &sa, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot create"));
    struct nn_config cfg;
    struct nn_model b;
    assert_int_equal(nn_checkpoint_load(path, 1, &cfg, &b, NULL, &err), NN_OK);
    nn_model_free(&b);
    nn_config_free(&cfg);
    nn_model_free(&a);
}

/* Files of every format version, written by the checkpoint code of 2026-12-07 before it was
 * rewritten around its table of sections (tests/data/format_v1..4.ckpt: a 3-4-2 network with Adam,
 * epoch 7, step 99; versions 2 and 4 inside an epoch, 3 and 4 with the training controls): each
 * still loads, to the state it was written with, and saving what it holds gives the same bytes. */
static void test_older_versions_read_and_rewritten(void **state)
{
    (void)state;
    for (int v = 1; v <= 4; v++) {
        char path[64], again[512];
        snprintf(path, sizeof path, "tests/data/format_v%d.ckpt", v);
        struct nn_config cfg;
        struct nn_model m;
        struct nn_train_state st;
        struct nn_error err;
        if (nn_checkpoint_load(path, 4, &cfg, &m, &st, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(st.epoch, 7);
        assert_int_equal(st.step, 99);
        assert_int_equal(st.shuffle.s[3], 4);
        assert_int_equal(st.batch, v == 2 || v == 4 ? 3 : 0);
        if (v == 2 || v == 4) {
            assert_int_equal(st.epoch_shuffle.s[0], 5);
            assert_true(st.epoch_loss_sum == 1.5 && st.epoch_seconds == 0.25);
        }
        assert_int_equal(st.controls, v >= 3);
        if (v >= 3) {
            assert_true(st.lr == 0.01 && st.plateau_best == 0.5 && st.stop_best == 0.75);
            assert_true(st.norm_sum == 3.5 && st.norm_max == 2.25);
            assert_int_equal(st.plateau_wait, 2);
            assert_int_equal(st.stop_wait, 1);
            assert_int_equal(st.best_epoch, 5);
            assert_int_equal(st.norm_count, 11);
        }
        assert_true(m.n_opt > 0);
        assert_true(m.opt_state[4] == (nn_real)1.0); /* written as i * 0.25 */
        char *yaml = nn_config_to_yaml(&cfg);
        assert_non_null(yaml);
        snprintf(again, sizeof again, "%s/again_v%d.ckpt", test_tmpdir(), v);
        assert_int_equal(nn_checkpoint_save(again, &m, yaml, &st, &err), NN_OK);
        char *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        assert_int_equal(nn_read_file(path, 1 << 20, &a, &la, &err), NN_OK);
        assert_int_equal(nn_read_file(again, 1 << 20, &b, &lb, &err), NN_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
        free(yaml);
        nn_model_free(&m);
        nn_config_free(&cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_truncated_refused),
        cmocka_unit_test(test_bit_flips_refused),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_failed_save_keeps_old),
        cmocka_unit_test(test_older_versions_read_and_rewritten),
    };
    return cmocka_run_group_tests_name("checkpoint", tests, test_tmpdir_setup,
                                       test_tmpdir_teardown);
}
