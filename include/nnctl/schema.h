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

#include "nnctl/spec.h"

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

/* Prints every key: the top-level sections, then each registered layer kind with its keys, with
 * type, default, bounds or choices and meaning. markdown = 0: plain text for a terminal;
 * markdown = 1: the Markdown tables of docs/config.md's config reference. */
void nn_schema_print(FILE *f, int markdown);

#endif
