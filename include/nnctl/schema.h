/* nnctl — the config schema: one row per key.
 *
 * Every key of a model file is declared once, as a struct nn_key row: its dotted path, type, the
 * field it fills, bounds, default and a line of documentation. Parsing, unknown-key detection,
 * defaults, validation, the resolved-YAML emitter, `nnctl check --schema` and docs/config.md's
 * config reference all iterate over these rows (the top-level sections in schema_rows.c, each layer
 * kind's own keys in its file under src/layers/). */
#ifndef NNCTL_SCHEMA_H
#define NNCTL_SCHEMA_H

#include <stddef.h>
#include <stdio.h>

enum nn_key_type {
    NN_KEY_INT,     /* int, in [lo, hi] */
    NN_KEY_U64,     /* uint64_t, 0 to 2^64-1 */
    NN_KEY_REAL,    /* double, in [lo, hi] with open_lo/open_hi making a bound exclusive */
    NN_KEY_BOOL,    /* int, true or false */
    NN_KEY_STRING,  /* char[size] */
    NN_KEY_PATH,    /* char *, a string of any length on the heap (nn_config_free frees it) */
    NN_KEY_ENUM,    /* an enum field (int-sized), one of names[] */
    NN_KEY_SHAPE,   /* struct nn_shape: a list of 1 to NN_MAX_DIMS positive integers */
    NN_KEY_NAMES,   /* struct nn_names: a list of distinct strings */
    NN_KEY_NUMBERS, /* struct nn_numbers: a list of finite numbers (heap) */
    NN_KEY_MATRIX,  /* inline data: a list of rows of numbers (handled by the data section) */
    NN_KEY_LAYERS   /* the model's list of layers (handled by config.c; their keys come from the
                     * layer kinds) */
};

struct nn_key {
    const char *path; /* dotted path: "optimizer.learning_rate"; a layer key: "units" */
    enum nn_key_type type;
    size_t offset;            /* of the field in struct nn_config (layer keys: nn_layer_spec) */
    size_t size;              /* NN_KEY_STRING: the field's size, NUL included */
    double lo, hi;            /* NN_KEY_INT and NN_KEY_REAL */
    int open_lo, open_hi;     /* NN_KEY_REAL: the bound is exclusive */
    const char *const *names; /* NN_KEY_ENUM: the words, NULL-terminated; index = value */
    const char *what;         /* NN_KEY_ENUM: the noun in messages ("activation") */
    const char *def;          /* the default as YAML text; NULL: required (or no default) */
    const char *when;         /* only with this sibling value, e.g. "type=adam", or one of several,
                               * "source=csv|libsvm"; NULL: always */
    const char *doc;          /* one line: what the key means */
    /* Added fields (optional for layer kinds: zero is the usual behaviour). */
    const char *hint; /* "missing required key 'k' (<hint>)"; NULL: derived from the type */
    int late;         /* read after the section's other keys: the order diagnostics always had */
    /* A rule on the value just read, beyond its type and bounds (base: the struct the offsets are
     * into; field: the value's own). Returns 0, or -1 with the message in `why` (the caller adds
     * "'path': "). */
    int (*check)(const void *base, const void *field, char *why, size_t len);
    size_t rows_at, cols_at; /* NN_KEY_MATRIX: offsets of its row count and row width (ints) */
    /* The resolved YAML leaves the key out while it holds its default: a key added after
     * checkpoints existed keeps their embedded configs (and resumes) byte-identical. */
    int quiet_default;
    /* A selector of a table of kinds (data.source, optimizer.type): the kinds' own rows follow it
     * in the schema, each active when the selector holds its word. */
    enum nn_key_kinds {
        NN_KINDS_NONE,
        NN_KINDS_SOURCE, /* the data sources' keys (nnctl/source.h), in struct nn_data_spec */
        NN_KINDS_SPLIT,  /* their split keys, in the struct nn_data_split at kinds_at */
        NN_KINDS_OPTIM   /* the optimizers' keys (nnctl/optim.h), in struct nn_optim_spec */
    } kinds;
    size_t kinds_at; /* NN_KINDS_SPLIT: the offset of the split in the base */
};

/* The rows of the top-level sections (description, model, loss, optimizer, training, data), in
 * the order the resolved YAML lists them, each kind's rows after its selector (offsets into
 * struct nn_config). Built from the tables of kinds on first use and again after one registers a
 * kind; *n is the count. */
const struct nn_key *nn_config_rows(int *n);

/* The i-th kind of selector row `sel`'s table (the sources of data.source, the optimizers of
 * optimizer.type): 1 with its word and one line about it, 0 when that kind has no rows under
 * this selector (a source that cannot be a split), -1 past the last. */
int nn_schema_kind(const struct nn_key *sel, int i, const char **name, const char **doc);

/* The row whose path is `path`; when several rows share it (a different default per optimizer),
 * the first. NULL when there is none. */
const struct nn_key *nn_schema_find(const struct nn_key *rows, int n, const char *path);

/* Whether row k applies: its `when` ("type=adam") holds, or it has none. The sibling named in
 * `when` is read from the rows of the same section at `base`; a layer's "type" is `type_word`
 * (NULL outside layers). */
int nn_key_active(const struct nn_key *rows, int n, const struct nn_key *k, const void *base,
                  const char *type_word);

/* Sets the field of row k at `base` to the row's default. Returns 0, or -1 when the row has no
 * default or its text does not parse (a mistake in the table; test_schema checks every row). */
int nn_key_set_default(const struct nn_key *k, void *base);

/* NN_KEY_PATH: the string of row k's field at `base` ("" when unset), and setting it to a copy of
 * `value` (the old one freed; "" is stored as NULL). Returns 0, or -1 when out of memory. */
const char *nn_key_path(const struct nn_key *k, const void *base);
int nn_key_set_path(const struct nn_key *k, void *base, const char *value);
/* Frees what row k's field at `base` holds on the heap (a path, names, numbers, a matrix) and
 * empties it; other fields are left. */
void nn_key_free(const struct nn_key *k, void *base);

/* The value of row k's field at `base` as YAML writes it, unquoted: "0.001", "true", "adam",
 * "[28, 28]", a string's text. Returns buf ("" for NN_KEY_MATRIX and NN_KEY_LAYERS). */
const char *nn_key_format(const struct nn_key *k, const void *base, char *buf, size_t len);

/* The shortest decimal that reads back to the same double ("0.001", "1e-08"). */
void nn_format_double(double v, char *buf, size_t len);

/* Prints every key: the top-level sections, then each registered layer kind with its keys, with
 * type, default, bounds or choices and meaning. markdown = 0: plain text for a terminal;
 * markdown = 1: the Markdown tables of docs/config.md's config reference. */
void nn_schema_print(FILE *f, int markdown);

#endif
