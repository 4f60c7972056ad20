/* nnctl — the config schema: one row per key.
 *
 * Every key of a model file is declared once, as a struct nn_key row: its dotted path, type, the
 * field it fills, bounds, default and a line of documentation. Parsing, unknown-key detection,
 * defaults, validation, the resolved-YAML emitter, `nnctl check --schema` and the README's config
 * reference all iterate over these rows (the top-level sections in schema.c, each layer kind's
 * own keys in its file under src/layers/). */
#ifndef NNCTL_SCHEMA_H
#define NNCTL_SCHEMA_H

#include <stddef.h>
#include <stdio.h>

enum nn_key_type {
    NN_KEY_INT,    /* int, in [lo, hi] */
    NN_KEY_U64,    /* uint64_t, 0 to 2^64-1 */
    NN_KEY_REAL,   /* double, in [lo, hi] with open_lo/open_hi making a bound exclusive */
    NN_KEY_BOOL,   /* int, true or false */
    NN_KEY_STRING, /* char[size] */
    NN_KEY_ENUM,   /* an enum field (int-sized), one of names[] */
    NN_KEY_SHAPE,  /* struct nn_shape: a list of 1 to NN_MAX_DIMS positive integers */
    NN_KEY_MATRIX  /* inline data: a list of rows of numbers (handled by the data section) */
};

struct nn_key {
    const char *path;         /* dotted path: "optimizer.learning_rate"; a layer key: "units" */
    enum nn_key_type type;
    size_t offset;            /* of the field in struct nn_config (layer keys: nn_layer_spec) */
    size_t size;              /* NN_KEY_STRING: the field's size, NUL included */
    double lo, hi;            /* NN_KEY_INT and NN_KEY_REAL */
    int open_lo, open_hi;     /* NN_KEY_REAL: the bound is exclusive */
    const char *const *names; /* NN_KEY_ENUM: the words, NULL-terminated; index = value */
    const char *what;         /* NN_KEY_ENUM: the noun in messages ("activation") */
    const char *def;          /* the default as YAML text; NULL: required (or no default) */
    const char *when;         /* only with this sibling value, e.g. "type=adam"; NULL: always */
    const char *doc;          /* one line: what the key means */
};

#endif
