/* The YAML model file as a small tree whose nodes keep their file:line:column, and the
 * `--set dotted.key=value` overrides applied to it (private to src/config/).
 *
 * Why a tree of our own instead of walking libyaml's document directly: `--set` must replace
 * nodes with values parsed from another string, and validation must report positions from both
 * sources; a tiny tree whose nodes carry their own source name and mark makes both trivial. */
#ifndef NNCTL_CONFIG_YAMLTREE_H
#define NNCTL_CONFIG_YAMLTREE_H

#include <stddef.h>

#include "nnctl/config.h"

enum ynode_type { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
    enum ynode_type type;
    char *str;       /* scalar text */
    int plain;       /* unquoted scalar: only plain scalars may be numbers or booleans */
    int line, col;   /* 1-based; 0 for nodes from --set (the argument itself names them) */
    const char *src; /* file name or "--set key=value"; owned by struct ysources */
    int n, cap;
    struct ynode **k; /* map keys (scalars) */
    struct ynode **v; /* map values or sequence items */
    int used;         /* map keys: validation consumed this key */
};

/* Source names live as long as the tree; a small fixed list is enough (file + --set args). */
#define Y_MAX_SOURCES 128
struct ysources {
    int n;
    char *s[Y_MAX_SOURCES];
};

/* Keeps a copy of `s` for the tree's lifetime; on overflow or out of memory returns the last name
 * kept (or ""), so that a diagnostic still has a source. */
const char *ysrc_add(struct ysources *ss, const char *s);
void ysrc_free(struct ysources *ss);

/* Parses YAML text into a tree. Returns NULL and adds a diagnostic on any syntax error; an empty
 * document yields an empty mapping. `is_set` marks nodes as coming from a --set argument. */
struct ynode *ytree_parse(const char *text, size_t len, const char *src, int is_set,
                          struct nn_diags *diags);
void ynode_free(struct ynode *n);

/* Applies one "dotted.key=value" override. Sequence items are addressed by index
 * (model.layers.0.units=8); missing mapping keys are created so that validation can judge them.
 * Returns 0, or -1 with a diagnostic. */
int ytree_set(struct ynode *root, const char *arg, struct ysources *ss, struct nn_diags *diags);

/* The value of `key` in mapping m (marking the key used), or NULL (also when m is no mapping). */
struct ynode *ymap_get(const struct ynode *m, const char *key);

/* What a node is, for "found ..." in messages: "a mapping", "a list" or the quoted scalar.
 * YFOUND() supplies a buffer scoped to the call's enclosing block. */
#define YFOUND(n) ynode_found((n), (char[96]){0}, 96)
const char *ynode_found(const struct ynode *n, char *buf, size_t len);

/* A diagnostic at node n's position (no position when n is NULL). */
void ydiag(struct nn_diags *d, const struct ynode *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
