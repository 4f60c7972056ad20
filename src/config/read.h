/* Reading a mapping of the YAML tree against schema rows: typed values with their bounds,
 * defaults, required keys and unknown keys, each problem one diagnostic (private to src/config/).
 */
#ifndef NNCTL_CONFIG_READ_H
#define NNCTL_CONFIG_READ_H

#include <stddef.h>

#include "config/yamltree.h"
#include "nnctl/config.h"
#include "nnctl/schema.h"

/* One section of rows: those of `rows` whose path starts with `prefix` and has no further dot. */
struct nn_section {
    const struct nn_key *rows;
    int n;
    const char *prefix;        /* "optimizer."; "" for the top level and a layer's own keys */
    const char *path;          /* messages' path: "optimizer", "model.layers[2]"; "" at the top */
    const char *const *common; /* keys the caller reads itself (a layer's type, name), or NULL */
    const char *skip;          /* a row the caller has read already (the selector), or NULL */
    const char *type_word;     /* a layer's type, for `when` "type=..."; NULL elsewhere */
    void *base;                /* the struct the rows' offsets are into */
};

/* Applies the defaults of the section's rows without a condition (conditional = 0), or of those
 * whose condition holds (conditional = 1, once the selector is read). */
void nn_section_defaults(const struct nn_section *s, int conditional);

/* Every key of mapping m must be a common key or the first word of an applicable row: an unknown
 * key is an error ("unknown key 'k' in '<where>'; did you mean ...? (expected one of: ...)"). */
void nn_section_check_keys(struct nn_diags *d, const struct ynode *m, const struct nn_section *s,
                           const char *where);

/* Reads row k from mapping m into its field: a missing required key, a value of the wrong type
 * or out of bounds and a failed rule are reported; the field keeps its default otherwise.
 * NN_KEY_MATRIX and NN_KEY_LAYERS values are left to the caller. Returns the value's node, or
 * NULL when the key is absent. */
const struct ynode *nn_section_read_key(struct nn_diags *d, const struct ynode *m,
                                        const struct nn_section *s, const struct nn_key *k);

/* Reads every applicable row of the section except `skip` and NN_KEY_MATRIX rows, in row order,
 * `late` rows last. */
void nn_section_read(struct nn_diags *d, const struct ynode *m, const struct nn_section *s);

/* A word that must be one of `names`: its index goes to *out and the node is returned; otherwise
 * "'<path>': unknown <what> ..." with a did-you-mean hint, and NULL. Absent: NULL, silently. */
const struct ynode *nn_read_enum(struct nn_diags *d, const struct ynode *m, const char *key,
                                 const char *path, const char *what, const char *const *names,
                                 int *out);

/* A string of at most len - 1 bytes into out; returns its node, or NULL when absent or refused
 * ("'<path>': expected a string", "'<path>': longer than N characters"). */
const struct ynode *nn_read_string(struct nn_diags *d, const struct ynode *m, const char *key,
                                   const char *path, char *out, size_t len);

/* A finite number from a plain scalar. Returns 0, or -1 when the node is no such number. */
int nn_parse_double(const struct ynode *n, double *out);

#endif
