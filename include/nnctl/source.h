/* nnctl — the data-source table: one row per `data.source` word, one file per source.
 *
 * A source owns everything about itself: its word, its keys (schema rows whose offsets are into
 * struct nn_data_spec, its own fields inside the spec bytes as a struct of its own type), the keys
 * it takes as a split of its own (data.test, data.validation), its checks against the model and
 * its loader. The config, the data layer and the commands ask the table; nothing else switches
 * on a source. Sources registered at run time (nn_source_register) take the next index. */
#ifndef NNCTL_SOURCE_H
#define NNCTL_SOURCE_H

#include <stddef.h>

#include "nnctl/spec.h"
#include "nnctl/data.h"

#define NN_SOURCE_MAX 16

/* A problem a source's check found: the key it is about ("x", "normalize"; "" for the data
 * section as a whole) and the message, without position. */
struct nn_source_report {
    void (*add)(void *ctx, const char *key, const char *msg);
    void *ctx;
};
void nn_source_report(const struct nn_source_report *r, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

struct nn_source_ops {
    const char *name; /* the `data.source` word */
    const char *doc;  /* one line for `nnctl check --schema` and docs/config.md */
    /* data.<key>: the keys of the training data (and a test split in the same format); offsets
     * into struct nn_data_spec, without `when` (the table adds "source=<name>") */
    const struct nn_key *keys;
    int n_keys;
    /* data.test.<key> and data.validation.<key>: offsets into struct nn_data_split; NULL: the
     * source cannot be a split of its own. A split loads as the test split of its spec. */
    const struct nn_key *split_keys;
    int n_split_keys;
    int learns_classes; /* its labels become classes as they first appear in the training data */
    /* Checks across keys and against the model's input and output sizes, after the config is
     * read (may be NULL). */
    void (*check)(const struct nn_data_spec *d, long in_size, long out_size,
                  const struct nn_source_report *r);
    /* Loads the training (test = 0) or test split (test = 1; none: ds->n = 0) that d describes;
     * cfg is the whole config (its path, model.input_shape; cfg->data is the training data, d
     * itself or, for a split of its own, a spec made for it). NULL: cannot be trained on. */
    int (*load)(const struct nn_config *cfg, const struct nn_data_spec *d, int test,
                struct nn_dataset *ds, struct nn_error *err);
    /* Its keys that give a test split (refused beside a data.test block), NULL-terminated. */
    const char *const *test_keys;
    /* Its key that names the test split's file, which `nnctl eval --data FILE` sets ("test_file";
     * NULL: it takes no such file). */
    const char *test_file_key;
};

/* Rows of a source's tables: a key of type T (NN_KEY_<T>) named P at field F of the source's spec
 * type S, in the training data's spec or a split's; or at a field F of struct nn_data_spec that
 * every source shares (target, classes, class_names). A PATH row takes .size = NN_PATH_MAX. */
#define NN_SOURCE_KEY(T, P, S, F, ...)                                                             \
    {                                                                                              \
        .path = P, .type = NN_KEY_##T,                                                             \
        .offset = offsetof(struct nn_data_spec, spec) + offsetof(S, F), __VA_ARGS__                \
    }
#define NN_SPLIT_KEY(T, P, S, F, ...)                                                              \
    {                                                                                              \
        .path = P, .type = NN_KEY_##T,                                                             \
        .offset = offsetof(struct nn_data_split, spec) + offsetof(S, F), __VA_ARGS__               \
    }
#define NN_SOURCE_DATA_KEY(T, P, F, ...)                                                           \
    {                                                                                              \
        .path = P, .type = NN_KEY_##T, .offset = offsetof(struct nn_data_spec, F), __VA_ARGS__     \
    }

/* The sources, by index (0 is "none"); NULL past the last. */
const struct nn_source_ops *nn_source_at(int index);
int nn_source_count(void);
/* The index of the source named `name`, or -1. */
int nn_source_find(const char *name);
/* The words of the sources by index, NULL-terminated (the schema's choices for data.source). */
extern const char *nn_source_names[NN_SOURCE_MAX + 1];
/* Adds a source at the next index (tests, later code). Returns its index, or -1 when the table
 * is full or the name is taken. Register before configs are loaded. */
int nn_source_register(const struct nn_source_ops *ops);

/* The sources that can be a split of their own, as messages list them: "npy, csv or libsvm". */
void nn_source_split_list(char *buf, size_t len);

/* The source of the training data, and of a split. */
const struct nn_source_ops *nn_data_source(const struct nn_data_spec *d);

/* Hands a table a source has read to ds, which owns it all afterwards: n rows of x_dim inputs,
 * and either class labels (lab, one of `classes`, with their names or NULL) or n rows of y_dim
 * targets (y); `names` (from nn_names_new) is freed when there are no labels. */
void nn_source_take(struct nn_dataset *ds, const char *name, size_t n, size_t x_dim, nn_real *x,
                    uint8_t *lab, int classes, struct nn_names *names, nn_real *y, size_t y_dim);

/* The rule csv and libsvm data share for data.target: 'y' or 'labels', not 'input' (a row
 * check: 0, or -1 with the message in why). */
int nn_source_check_table_target(const char *source, int target, char *why, size_t len);

/* The built-in sources (src/data/source_*.c). */
extern const struct nn_source_ops nn_source_none, nn_source_inline, nn_source_idx, nn_source_npy,
    nn_source_csv, nn_source_libsvm;

#endif
