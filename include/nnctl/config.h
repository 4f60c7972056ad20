/* nnctl — the YAML model file: parsing, `--set` overrides, validation, and the resolved form.
 *
 * Loading is three steps, so that every error of a file is reported in one run:
 *   1. libyaml parses the text into a small tree whose nodes keep their file:line:column;
 *   2. each `--set dotted.key=value` replaces or adds one node (the value is parsed as YAML too);
 *   3. validation walks the tree against the schema, fills struct nn_config with defaults, and
 *      appends one diagnostic per problem instead of stopping at the first. */
#ifndef NNCTL_CONFIG_H
#define NNCTL_CONFIG_H

#include <stdio.h>

#include "nnctl/spec.h"

#define NN_MAX_DIAGS 64

/* One diagnostic: "src:line:col: error: msg" (line 0 means the position is unknown). */
struct nn_diag {
    char src[NN_PATH_MAX];
    int line, col; /* 1-based, as printed */
    char msg[512];
};

struct nn_diags {
    int n;       /* stored diagnostics */
    int dropped; /* diagnostics beyond NN_MAX_DIAGS, counted but not kept */
    struct nn_diag d[NN_MAX_DIAGS];
};

void nn_diag_add(struct nn_diags *ds, const char *src, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Prints every diagnostic like a compiler: "configs/x.yaml:12:5: error: ...". */
void nn_diags_print(const struct nn_diags *ds, FILE *f);

/* Loads `path` (or, when `text` is not NULL, that text under the name `path`), applies the `n_sets`
 * overrides "dotted.key=value" in order, and validates. On success returns NN_OK with *cfg filled;
 * otherwise returns NN_ERR_CONFIG (also when the file cannot be read) with every problem in
 * `diags`. cfg must be released with nn_config_free() in both cases. */
int nn_config_load(const char *path, const char *text, const char *const *sets, int n_sets,
                   struct nn_config *cfg, struct nn_diags *diags);
void nn_config_free(struct nn_config *cfg);
/* Frees what the data section holds on the heap and empties it (source none). */
void nn_config_free_data(struct nn_config *cfg);
/* Sets the path key `path` ("data.test_file") that applies to cfg to a copy of `value`. Returns 0,
 * or -1 when no such key applies, the value is too long or memory is short. */
int nn_config_set_path(struct nn_config *cfg, const char *path, const char *value);
/* Frees what the keys under `prefix` ("data.test.") hold on the heap, emptying them. */
void nn_config_free_section(struct nn_config *cfg, const char *prefix);

/* Writes the resolved config (every default filled in) as YAML that nn_config_load() reads back to
 * the same struct. Returns a malloc'd NUL-terminated string, or NULL when out of memory. */
char *nn_config_to_yaml(const struct nn_config *cfg);

const char *nn_loss_name(enum nn_loss_kind loss);
/* The word of a monitor ("val_loss"), as configs write it. */
const char *nn_monitor_name(enum nn_monitor m);
const char *nn_layer_kind_name(const struct nn_layer_spec *l);

#endif
