/* The YAML model file: libyaml → a position-keeping tree → `--set` overrides → validated struct.
 *
 * Why a tree of our own instead of walking libyaml's document directly: `--set` must replace
 * nodes with values parsed from another string, and validation must report positions from both
 * sources; a tiny tree whose nodes carry their own source name and mark makes both trivial. */
#include "nnctl/config.h"
#include "nnctl/layer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------------------------------------ */
/* Diagnostics */

void nn_diag_add(struct nn_diags *ds, const char *src, int line, int col, const char *fmt, ...)
{
    if (ds->n >= NN_MAX_DIAGS) {
        ds->dropped++;
        return;
    }
    struct nn_diag *d = &ds->d[ds->n++];
    snprintf(d->src, sizeof d->src, "%s", src ? src : "");
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

void nn_diags_print(const struct nn_diags *ds, FILE *f)
{
    for (int i = 0; i < ds->n; i++) {
        const struct nn_diag *d = &ds->d[i];
        if (d->line > 0)
            fprintf(f, "%s:%d:%d: error: %s\n", d->src, d->line, d->col, d->msg);
        else
            fprintf(f, "%s: error: %s\n", d->src, d->msg);
    }
    if (ds->dropped)
        fprintf(f, "(%d more errors not shown)\n", ds->dropped);
}

/* ------------------------------------------------------------------------------------------ */
/* The tree */

enum { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
    int type;
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

static const char *ysrc_add(struct ysources *ss, const char *s)
{
    if (ss->n >= Y_MAX_SOURCES)
        return ss->n ? ss->s[ss->n - 1] : "";
    ss->s[ss->n] = strdup(s);
    return ss->s[ss->n] ? ss->s[ss->n++] : "";
}

static void ysrc_free(struct ysources *ss)
{
    for (int i = 0; i < ss->n; i++)
        free(ss->s[i]);
    ss->n = 0;
}

static void ynode_free(struct ynode *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n; i++) {
        if (n->k)
            ynode_free(n->k[i]);
        ynode_free(n->v[i]);
    }
    free(n->k);
    free(n->v);
    free(n->str);
    free(n);
}

static struct ynode *ynode_new(int type, const char *src, int line, int col)
{
    struct ynode *n = calloc(1, sizeof *n);
    if (n) {
        n->type = type;
        n->src = src;
        n->line = line;
        n->col = col;
    }
    return n;
}

static int ynode_push(struct ynode *n, struct ynode *key, struct ynode *val)
{
    if (n->n == n->cap) {
        int cap = n->cap ? 2 * n->cap : 4;
        struct ynode **v = realloc(n->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        n->v = v;
        if (n->type == Y_MAP) {
            struct ynode **k = realloc(n->k, (size_t)cap * sizeof *k);
            if (!k)
                return -1;
            n->k = k;
        }
        n->cap = cap;
    }
    if (n->type == Y_MAP)
        n->k[n->n] = key;
    n->v[n->n++] = val;
    return 0;
}

/* Limits that keep a hostile file (deep nesting, alias bombs) from exhausting the stack or memory.
 */
#define Y_MAX_DEPTH 32
#define Y_MAX_NODES 2000000

struct yconv {
    yaml_document_t *doc;
    const char *src;
    int line0; /* added to marks: 0 for files; --set nodes report no line */
    long nodes;
    struct nn_diags *diags;
};

static struct ynode *yconv_node(struct yconv *c, yaml_node_t *yn, int depth)
{
    int line = c->line0 ? 0 : (int)yn->start_mark.line + 1;
    int col = c->line0 ? 0 : (int)yn->start_mark.column + 1;
    if (depth > Y_MAX_DEPTH || ++c->nodes > Y_MAX_NODES) {
        nn_diag_add(c->diags, c->src, line, col,
                    depth > Y_MAX_DEPTH ? "nesting deeper than %d levels" : "more than %d nodes",
                    depth > Y_MAX_DEPTH ? Y_MAX_DEPTH : Y_MAX_NODES);
        return NULL;
    }
    struct ynode *n = NULL;
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        n = ynode_new(Y_SCALAR, c->src, line, col);
        if (!n)
            return NULL;
        n->str = malloc(yn->data.scalar.length + 1);
        if (!n->str) {
            free(n);
            return NULL;
        }
        memcpy(n->str, yn->data.scalar.value, yn->data.scalar.length);
        n->str[yn->data.scalar.length] = 0;
        n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return n;
    case YAML_SEQUENCE_NODE:
        n = ynode_new(Y_SEQ, c->src, line, col);
        if (!n)
            return NULL;
        for (yaml_node_item_t *it = yn->data.sequence.items.start; it < yn->data.sequence.items.top;
             it++) {
            struct ynode *kid = yconv_node(c, yaml_document_get_node(c->doc, *it), depth + 1);
            if (!kid || ynode_push(n, NULL, kid)) {
                ynode_free(kid);
                ynode_free(n);
                return NULL;
            }
        }
        return n;
    case YAML_MAPPING_NODE:
        n = ynode_new(Y_MAP, c->src, line, col);
        if (!n)
            return NULL;
        for (yaml_node_pair_t *p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top;
             p++) {
            struct ynode *k = yconv_node(c, yaml_document_get_node(c->doc, p->key), depth + 1);
            struct ynode *v =
                k ? yconv_node(c, yaml_document_get_node(c->doc, p->value), depth + 1) : NULL;
            if (!k || !v || ynode_push(n, k, v)) {
                ynode_free(k);
                ynode_free(v);
                ynode_free(n);
                return NULL;
            }
            if (k->type != Y_SCALAR) {
                nn_diag_add(c->diags, c->src, k->line, k->col, "mapping keys must be plain words");
                ynode_free(n);
                return NULL;
            }
            for (int i = 0; i < n->n - 1; i++) {
                if (!strcmp(n->k[i]->str, k->str)) {
                    nn_diag_add(c->diags, c->src, k->line, k->col,
                                "duplicate key '%s' (first given at line %d)", k->str,
                                n->k[i]->line);
                    ynode_free(n);
                    return NULL;
                }
            }
        }
        return n;
    default:
        nn_diag_add(c->diags, c->src, line, col, "empty YAML node");
        return NULL;
    }
}

/* Parses YAML text into a tree. Returns NULL and adds a diagnostic on any syntax error; an empty
 * document yields an empty mapping. `is_set` marks nodes as coming from a --set argument. */
static struct ynode *yaml_to_tree(const char *text, size_t len, const char *src, int is_set,
                                  struct nn_diags *diags)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        nn_diag_add(diags, src, 0, 0, "out of memory initialising the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        const char *what = parser.problem ? parser.problem : "invalid YAML";
        if (is_set)
            nn_diag_add(diags, src, 0, 0, "invalid YAML value: %s", what);
        else
            nn_diag_add(diags, src, (int)parser.problem_mark.line + 1,
                        (int)parser.problem_mark.column + 1, "invalid YAML: %s%s%s", what,
                        parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return NULL;
    }
    struct ynode *root = NULL;
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    if (!top) {
        root = ynode_new(is_set ? Y_SCALAR : Y_MAP, src, is_set ? 0 : 1, is_set ? 0 : 1);
        if (root && is_set)
            root->str = strdup("");
    } else {
        struct yconv c = {&doc, src, is_set, 0, diags};
        root = yconv_node(&c, top, 0);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return root;
}

static struct ynode *map_get(const struct ynode *m, const char *key)
{
    if (!m || m->type != Y_MAP)
        return NULL;
    for (int i = 0; i < m->n; i++) {
        if (!strcmp(m->k[i]->str, key)) {
            m->k[i]->used = 1;
            return m->v[i];
        }
    }
    return NULL;
}

/* Applies one "dotted.key=value" override. Sequence items are addressed by index
 * (model.layers.0.units=8); missing mapping keys are created so that validation can judge them. */
static int tree_set(struct ynode *root, const char *arg, struct ysources *ss,
                    struct nn_diags *diags)
{
    char label[NN_PATH_MAX];
    snprintf(label, sizeof label, "--set %s", arg);
    const char *src = ysrc_add(ss, label);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        nn_diag_add(diags, src, 0, 0, "expected dotted.key=value");
        return -1;
    }
    char path[512];
    size_t plen = (size_t)(eq - arg);
    if (plen >= sizeof path) {
        nn_diag_add(diags, src, 0, 0, "key is too long");
        return -1;
    }
    memcpy(path, arg, plen);
    path[plen] = 0;
    struct ynode *val = yaml_to_tree(eq + 1, strlen(eq + 1), src, 1, diags);
    if (!val)
        return -1;

    struct ynode *cur = root;
    char *save = NULL;
    char walked[512] = "";
    for (char *part = strtok_r(path, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
        int last = save == NULL || *save == 0;
        struct ynode **slot = NULL;
        if (cur->type == Y_MAP) {
            for (int i = 0; i < cur->n; i++)
                if (!strcmp(cur->k[i]->str, part))
                    slot = &cur->v[i];
            if (!slot) {
                struct ynode *k = ynode_new(Y_SCALAR, src, 0, 0);
                struct ynode *v = last ? NULL : ynode_new(Y_MAP, src, 0, 0);
                if (!k || (!last && !v) || !(k->str = strdup(part)) || ynode_push(cur, k, v)) {
                    ynode_free(k);
                    ynode_free(v);
                    ynode_free(val);
                    nn_diag_add(diags, src, 0, 0, "out of memory");
                    return -1;
                }
                slot = &cur->v[cur->n - 1];
            }
        } else if (cur->type == Y_SEQ) {
            char *end;
            errno = 0;
            long idx = strtol(part, &end, 10);
            if (*end || end == part || errno || idx < 0 || idx >= cur->n) {
                nn_diag_add(diags, src, 0, 0,
                            "'%s' is a list of %d items; '%s' is not an index in it", walked,
                            cur->n, part);
                ynode_free(val);
                return -1;
            }
            slot = &cur->v[idx];
        } else {
            nn_diag_add(diags, src, 0, 0, "'%s' is a single value, it has no key '%s'", walked,
                        part);
            ynode_free(val);
            return -1;
        }
        if (last) {
            ynode_free(*slot);
            *slot = val;
            return 0;
        }
        if (!*slot) {
            *slot = ynode_new(Y_MAP, src, 0, 0);
            if (!*slot) {
                ynode_free(val);
                return -1;
            }
        }
        cur = *slot;
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", part);
    }
    ynode_free(val);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation */

struct vctx {
    struct nn_diags *d;
};

static void verr(struct vctx *c, const struct ynode *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void verr(struct vctx *c, const struct ynode *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nn_diag_add(c->d, n ? n->src : "", n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

/* What a node is, for "found ..." in messages; FOUND() supplies a buffer scoped to the call's
 * enclosing block. */
#define FOUND(n) found_str((n), (char[96]){0}, 96)
static const char *found_str(const struct ynode *n, char *buf, size_t len)
{
    if (n->type == Y_MAP)
        return "a mapping";
    if (n->type == Y_SEQ)
        return "a list";
    snprintf(buf, len, "'%.60s'", n->str);
    return buf;
}

/* Edit distance, for "did you mean" hints on unknown keys and names. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int prev[41], cur[41];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof prev);
    }
    return prev[lb];
}

static void hint(const char *word, const char *const *options, char *buf, size_t len)
{
    buf[0] = 0;
    int best = 3;
    for (int i = 0; options[i]; i++) {
        int d = edit_distance(word, options[i]);
        if (d < best) {
            best = d;
            snprintf(buf, len, "; did you mean '%s'?", options[i]);
        }
    }
}

static void join(const char *const *options, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; options[i]; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", i ? ", " : "", options[i]);
    }
}

/* Every key of a mapping must be one of `allowed`: an unknown key is an error, never a warning. */
static void check_keys(struct vctx *c, const struct ynode *m, const char *where,
                       const char *const *allowed)
{
    if (!m || m->type != Y_MAP)
        return;
    for (int i = 0; i < m->n; i++) {
        int ok = 0;
        for (int j = 0; allowed[j]; j++)
            ok |= !strcmp(m->k[i]->str, allowed[j]);
        if (!ok) {
            char h[128], all[512];
            hint(m->k[i]->str, allowed, h, sizeof h);
            join(allowed, all, sizeof all);
            verr(c, m->k[i], "unknown key '%s' in '%s'%s (expected one of: %s)", m->k[i]->str,
                 where, h, all);
        }
    }
}

static struct ynode *want_map(struct vctx *c, const struct ynode *parent, const char *key,
                              const char *path, int required)
{
    struct ynode *n = map_get(parent, key);
    if (!n) {
        if (required)
            verr(c, parent, "missing required key '%s'", path);
        return NULL;
    }
    if (n->type != Y_MAP) {
        verr(c, n, "'%s': expected a mapping, found %s", path, FOUND(n));
        return NULL;
    }
    return n;
}

static int parse_long(const struct ynode *n, long long *out)
{
    if (n->type != Y_SCALAR || !n->plain || !n->str[0])
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(n->str, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const struct ynode *n, double *out)
{
    if (n->type != Y_SCALAR || !n->plain || !n->str[0])
        return -1;
    char *end;
    errno = 0;
    double v = strtod(n->str, &end);
    if (*end || errno == ERANGE || !isfinite(v) || isspace((unsigned char)n->str[0]))
        return -1;
    *out = v;
    return 0;
}

/* Reads an integer in [lo, hi]; keeps *out (the default) when the key is absent. */
static void get_int(struct vctx *c, const struct ynode *m, const char *key, const char *path,
                    long long lo, long long hi, int *out)
{
    struct ynode *n = map_get(m, key);
    if (!n)
        return;
    long long v;
    if (parse_long(n, &v)) {
        verr(c, n, "'%s': expected an integer, found %s", path, FOUND(n));
    } else if (v < lo || v > hi) {
        if (hi == INT32_MAX)
            verr(c, n, "'%s': expected an integer >= %lld, found %lld", path, lo, v);
        else
            verr(c, n, "'%s': expected an integer from %lld to %lld, found %lld", path, lo, hi, v);
    } else {
        *out = (int)v;
    }
}

/* Reads a number; `open_lo` makes the lower bound exclusive (learning rates must be > 0). */
static void get_double(struct vctx *c, const struct ynode *m, const char *key, const char *path,
                       double lo, int open_lo, double hi, int open_hi, double *out)
{
    struct ynode *n = map_get(m, key);
    if (!n)
        return;
    double v;
    if (parse_double(n, &v)) {
        verr(c, n, "'%s': expected a number, found %s", path, FOUND(n));
        return;
    }
    int bad = open_lo ? !(v > lo) : !(v >= lo);
    bad |= open_hi ? !(v < hi) : !(v <= hi);
    if (bad) {
        char range[96];
        if (isinf(hi))
            snprintf(range, sizeof range, "a number %s %g", open_lo ? ">" : ">=", lo);
        else
            snprintf(range, sizeof range, "a number %s %g and %s %g", open_lo ? ">" : ">=", lo,
                     open_hi ? "<" : "<=", hi);
        verr(c, n, "'%s': expected %s, found %s", path, range, n->str);
        return;
    }
    *out = v;
}

static void get_bool(struct vctx *c, const struct ynode *m, const char *key, const char *path,
                     int *out)
{
    struct ynode *n = map_get(m, key);
    if (!n)
        return;
    if (n->type == Y_SCALAR && n->plain && (!strcmp(n->str, "true") || !strcmp(n->str, "false")))
        *out = !strcmp(n->str, "true");
    else
        verr(c, n, "'%s': expected true or false, found %s", path, FOUND(n));
}

/* Reads a string; returns the node so callers can report positions. */
static const struct ynode *get_str(struct vctx *c, const struct ynode *m, const char *key,
                                   const char *path, char *out, size_t len)
{
    struct ynode *n = map_get(m, key);
    if (!n)
        return NULL;
    if (n->type != Y_SCALAR) {
        verr(c, n, "'%s': expected a string, found %s", path, FOUND(n));
        return NULL;
    }
    if (strlen(n->str) >= len) {
        verr(c, n, "'%s': longer than %zu characters", path, len - 1);
        return NULL;
    }
    snprintf(out, len, "%s", n->str);
    return n;
}

/* Reads a word that must be one of `names`; its index goes to *out. */
static const struct ynode *get_enum(struct vctx *c, const struct ynode *m, const char *key,
                                    const char *path, const char *what, const char *const *names,
                                    int *out)
{
    struct ynode *n = map_get(m, key);
    if (!n)
        return NULL;
    if (n->type == Y_SCALAR) {
        for (int i = 0; names[i]; i++) {
            if (!strcmp(n->str, names[i])) {
                *out = i;
                return n;
            }
        }
    }
    char h[128], all[512];
    join(names, all, sizeof all);
    if (n->type != Y_SCALAR) {
        verr(c, n, "'%s': expected a %s (one of: %s), found %s", path, what, all, FOUND(n));
        return NULL;
    }
    hint(n->str, names, h, sizeof h);
    verr(c, n, "'%s': unknown %s %s%s (expected one of: %s)", path, what, FOUND(n), h, all);
    return NULL;
}

/* A shape: a list of 1..NN_MAX_DIMS positive integers. Returns ndim, or 0 on error. */
static int get_shape(struct vctx *c, const struct ynode *n, const char *path, int *dims)
{
    if (n->type != Y_SEQ || n->n < 1 || n->n > NN_MAX_DIMS) {
        verr(c, n, "'%s': expected a list of 1 to %d positive integers, found %s", path,
             NN_MAX_DIMS, n->type == Y_SEQ ? "a list of another length" : FOUND(n));
        return 0;
    }
    long long total = 1;
    for (int i = 0; i < n->n; i++) {
        long long v;
        if (parse_long(n->v[i], &v) || v < 1 || v > (1 << 24)) {
            verr(c, n->v[i], "'%s[%d]': expected a positive integer, found %s", path, i,
                 FOUND(n->v[i]));
            return 0;
        }
        dims[i] = (int)v;
        total *= v;
    }
    if (total > (1LL << 28)) {
        verr(c, n, "'%s': %lld values per sample is more than nnctl supports", path, total);
        return 0;
    }
    return n->n;
}

static const char *const LOSS_NAMES[] = {"mse", "binary_crossentropy", "categorical_crossentropy",
                                         NULL};
static const char *const LAYER_TYPES[] = {"dense",   "identity", "relu",    "tanh", "sigmoid",
                                          "softmax", "flatten",  "reshape", NULL};
#define ACT_NAMES nn_act_names
#define INIT_NAMES nn_init_names

const char *nn_loss_name(enum nn_loss_kind loss)
{
    return (int)loss >= 0 && loss <= NN_LOSS_CCE ? LOSS_NAMES[loss] : "?";
}

const char *nn_layer_kind_name(const struct nn_layer_spec *l)
{
    switch (l->kind) {
    case NN_LAYER_DENSE:
        return "dense";
    case NN_LAYER_ACT:
        return nn_act_name(l->act);
    case NN_LAYER_FLATTEN:
        return "flatten";
    case NN_LAYER_RESHAPE:
        return "reshape";
    default:
        return "?";
    }
}

static int valid_name(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

static void fmt_shape(const int *dims, int ndim, char *buf, size_t len)
{
    size_t l = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < ndim && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%d", i ? ", " : "", dims[i]);
    if (l < len)
        snprintf(buf + l, len - l, "]");
}

static void parse_layer(struct vctx *c, const struct ynode *ln, int idx, struct nn_layer_spec *l)
{
    char path[64];
    snprintf(path, sizeof path, "model.layers[%d]", idx);
    l->line = ln->line;
    l->col = ln->col;
    l->w_init = NN_INIT_GLOROT_UNIFORM;
    l->b_init = NN_INIT_ZEROS;
    if (ln->type != Y_MAP) {
        verr(c, ln, "'%s': expected a mapping with a 'type' key, found %s", path, FOUND(ln));
        return;
    }
    int type = -1;
    char kp[96];
    snprintf(kp, sizeof kp, "%s.type", path);
    if (!get_enum(c, ln, "type", kp, "layer type", LAYER_TYPES, &type)) {
        if (!map_get(ln, "type"))
            verr(c, ln,
                 "'%s': missing required key 'type' (one of: dense, identity, relu, tanh, "
                 "sigmoid, softmax, flatten, reshape)",
                 path);
        return;
    }
    const char *tname = LAYER_TYPES[type];
    snprintf(l->name, sizeof l->name, "%s_%d", tname, idx);
    snprintf(kp, sizeof kp, "%s.name", path);
    char nm[NN_NAME_MAX];
    const struct ynode *nn = get_str(c, ln, "name", kp, nm, sizeof nm);
    if (nn) {
        if (!valid_name(nm))
            verr(c, nn, "'%s': a name may hold letters, digits, '_', '-' and '.', found '%s'", kp,
                 nm);
        else {
            snprintf(l->name, sizeof l->name, "%s", nm);
            l->user_named = 1;
        }
    }
    if (!strcmp(tname, "dense")) {
        static const char *const keys[] = {"type", "name",      "units", "activation",
                                           "init", "bias_init", NULL};
        check_keys(c, ln, path, keys);
        l->kind = NN_LAYER_DENSE;
        l->act = NN_ACT_IDENTITY;
        snprintf(kp, sizeof kp, "%s.units", path);
        if (!map_get(ln, "units"))
            verr(c, ln, "'%s': missing required key 'units' (a positive integer)", path);
        l->units = 0;
        get_int(c, ln, "units", kp, 1, 1 << 20, &l->units);
        snprintf(kp, sizeof kp, "%s.activation", path);
        get_enum(c, ln, "activation", kp, "activation", ACT_NAMES, (int *)&l->act);
        snprintf(kp, sizeof kp, "%s.init", path);
        get_enum(c, ln, "init", kp, "initializer", INIT_NAMES, (int *)&l->w_init);
        snprintf(kp, sizeof kp, "%s.bias_init", path);
        get_enum(c, ln, "bias_init", kp, "initializer", INIT_NAMES, (int *)&l->b_init);
    } else if (!strcmp(tname, "reshape")) {
        static const char *const keys[] = {"type", "name", "shape", NULL};
        check_keys(c, ln, path, keys);
        l->kind = NN_LAYER_RESHAPE;
        struct ynode *sn = map_get(ln, "shape");
        snprintf(kp, sizeof kp, "%s.shape", path);
        if (!sn)
            verr(c, ln, "'%s': missing required key 'shape' (a list like [28, 28])", path);
        else
            l->shape.ndim = get_shape(c, sn, kp, l->shape.dims);
    } else {
        static const char *const keys[] = {"type", "name", NULL};
        check_keys(c, ln, path, keys);
        if (!strcmp(tname, "flatten")) {
            l->kind = NN_LAYER_FLATTEN;
        } else {
            l->kind = NN_LAYER_ACT;
            for (int a = 0; ACT_NAMES[a]; a++)
                if (!strcmp(ACT_NAMES[a], tname))
                    l->act = (enum nn_act)a, l->variant = a;
        }
    }
}

/* Reads a list of rows of numbers (inline data). Returns the row count, or -1 on error. */
static int get_matrix(struct vctx *c, const struct ynode *n, const char *path, double **out,
                      int *cols)
{
    if (n->type != Y_SEQ || n->n == 0) {
        verr(c, n, "'%s': expected a non-empty list of rows, found %s", path,
             n->type == Y_SEQ ? "an empty list" : FOUND(n));
        return -1;
    }
    int rows = n->n, w = -1;
    for (int i = 0; i < rows; i++) {
        const struct ynode *r = n->v[i];
        int rw = r->type == Y_SEQ ? r->n : 1;
        if (w < 0)
            w = rw;
        if (rw != w || rw == 0) {
            verr(c, r, "'%s[%d]': expected a row of %d numbers, found %d", path, i, w, rw);
            return -1;
        }
    }
    double *m = malloc((size_t)rows * (size_t)w * sizeof *m);
    if (!m) {
        verr(c, n, "'%s': out of memory", path);
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        const struct ynode *r = n->v[i];
        for (int j = 0; j < w; j++) {
            const struct ynode *e = r->type == Y_SEQ ? r->v[j] : r;
            if (parse_double(e, &m[(size_t)i * (size_t)w + (size_t)j])) {
                verr(c, e, "'%s[%d][%d]': expected a number, found %s", path, i, j, FOUND(e));
                free(m);
                return -1;
            }
        }
    }
    *out = m;
    *cols = w;
    return rows;
}

static void parse_data(struct vctx *c, const struct ynode *root, struct nn_data_spec *d,
                       const struct ynode **dnode)
{
    static const char *const SOURCES[] = {"none", "inline", "idx", NULL};
    static const char *const TARGETS[] = {"y", "input", "labels", NULL};
    d->scale = 1.0 / 255.0;
    d->classes = 10;
    d->target = NN_TARGET_Y;
    const struct ynode *dn = want_map(c, root, "data", "data", 1);
    *dnode = dn;
    if (!dn)
        return;
    d->source = map_get(dn, "x") ? NN_DATA_INLINE : NN_DATA_IDX;
    get_enum(c, dn, "source", "data.source", "data source", SOURCES, (int *)&d->source);
    if (d->source == NN_DATA_INLINE) {
        static const char *const keys[] = {"source", "x", "y", NULL};
        check_keys(c, dn, "data", keys);
        struct ynode *xn = map_get(dn, "x"), *yn = map_get(dn, "y");
        if (!xn || !yn) {
            verr(c, dn, "'data': inline data needs both 'x' (inputs) and 'y' (targets)");
            return;
        }
        int nx = get_matrix(c, xn, "data.x", &d->x, &d->x_dim);
        int ny = get_matrix(c, yn, "data.y", &d->y, &d->y_dim);
        if (nx > 0 && ny > 0 && nx != ny)
            verr(c, yn, "'data.y': %d target rows for %d input rows", ny, nx);
        d->n =
            nx > 0 && ny > 0 ? nx : 0; /* a broken matrix is reported once, not again as a size */
    } else if (d->source == NN_DATA_IDX) {
        static const char *const keys[] = {
            "source", "dir",     "train_images", "train_labels", "test_images", "test_labels",
            "target", "classes", "train_limit",  "test_limit",   "scale",       NULL};
        check_keys(c, dn, "data", keys);
        snprintf(d->train_images, sizeof d->train_images, "train-images-idx3-ubyte");
        snprintf(d->train_labels, sizeof d->train_labels, "train-labels-idx1-ubyte");
        snprintf(d->test_images, sizeof d->test_images, "t10k-images-idx3-ubyte");
        snprintf(d->test_labels, sizeof d->test_labels, "t10k-labels-idx1-ubyte");
        get_str(c, dn, "dir", "data.dir", d->dir, sizeof d->dir);
        get_str(c, dn, "train_images", "data.train_images", d->train_images,
                sizeof d->train_images);
        get_str(c, dn, "train_labels", "data.train_labels", d->train_labels,
                sizeof d->train_labels);
        get_str(c, dn, "test_images", "data.test_images", d->test_images, sizeof d->test_images);
        get_str(c, dn, "test_labels", "data.test_labels", d->test_labels, sizeof d->test_labels);
        d->target = NN_TARGET_INPUT;
        get_enum(c, dn, "target", "data.target", "target", TARGETS, (int *)&d->target);
        if (d->target == NN_TARGET_Y) {
            verr(c, map_get(dn, "target"),
                 "'data.target': 'y' is for inline data; idx data takes "
                 "'input' (autoencoder) or 'labels' (classifier)");
        }
        get_int(c, dn, "classes", "data.classes", 2, 65536, &d->classes);
        get_int(c, dn, "train_limit", "data.train_limit", 0, INT32_MAX, &d->train_limit);
        get_int(c, dn, "test_limit", "data.test_limit", 0, INT32_MAX, &d->test_limit);
        get_double(c, dn, "scale", "data.scale", 0, 1, INFINITY, 0, &d->scale);
    } else {
        verr(c, dn, "'data.source': 'none' cannot be trained on");
    }
}

static void parse_optimizer(struct vctx *c, const struct ynode *root, struct nn_optim_spec *o)
{
    static const char *const TYPES[] = {"sgd", "adam", NULL};
    o->kind = NN_OPT_SGD;
    o->learning_rate = 0.01;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->epsilon = 1e-8;
    const struct ynode *on = want_map(c, root, "optimizer", "optimizer", 0);
    if (!on)
        return;
    get_enum(c, on, "type", "optimizer.type", "optimizer", TYPES, (int *)&o->kind);
    if (o->kind == NN_OPT_ADAM) {
        static const char *const keys[] = {"type",  "learning_rate", "beta1",
                                           "beta2", "epsilon",       NULL};
        check_keys(c, on, "optimizer", keys);
        o->learning_rate = 0.001;
        get_double(c, on, "beta1", "optimizer.beta1", 0, 0, 1, 1, &o->beta1);
        get_double(c, on, "beta2", "optimizer.beta2", 0, 0, 1, 1, &o->beta2);
        get_double(c, on, "epsilon", "optimizer.epsilon", 0, 1, INFINITY, 0, &o->epsilon);
    } else {
        static const char *const keys[] = {"type", "learning_rate", "momentum", "nesterov", NULL};
        check_keys(c, on, "optimizer", keys);
        get_double(c, on, "momentum", "optimizer.momentum", 0, 0, 1, 1, &o->momentum);
        get_bool(c, on, "nesterov", "optimizer.nesterov", &o->nesterov);
        if (o->nesterov && o->momentum == 0)
            verr(c, map_get(on, "nesterov"), "'optimizer.nesterov': needs a momentum > 0");
    }
    get_double(c, on, "learning_rate", "optimizer.learning_rate", 0, 1, INFINITY, 0,
               &o->learning_rate);
}

static void parse_training(struct vctx *c, const struct ynode *root, struct nn_train_spec *t)
{
    static const char *const keys[] = {"epochs", "batch_size",       "shuffle",
                                       "seed",   "checkpoint_every", NULL};
    t->epochs = 1;
    t->batch_size = 32;
    t->shuffle = 1;
    t->seed = 0;
    t->checkpoint_every = 0;
    const struct ynode *tn = want_map(c, root, "training", "training", 0);
    if (!tn)
        return;
    check_keys(c, tn, "training", keys);
    get_int(c, tn, "epochs", "training.epochs", 1, 100000000, &t->epochs);
    get_int(c, tn, "batch_size", "training.batch_size", 1, 1 << 20, &t->batch_size);
    get_bool(c, tn, "shuffle", "training.shuffle", &t->shuffle);
    get_int(c, tn, "checkpoint_every", "training.checkpoint_every", 0, INT32_MAX,
            &t->checkpoint_every);
    struct ynode *sn = map_get(tn, "seed");
    if (sn) {
        char *end;
        errno = 0;
        unsigned long long v = 0;
        int ok = sn->type == Y_SCALAR && sn->plain && isdigit((unsigned char)sn->str[0]);
        if (ok)
            v = strtoull(sn->str, &end, 10);
        if (!ok || *end || errno)
            verr(c, sn, "'training.seed': expected an integer from 0 to 2^64-1, found %s",
                 FOUND(sn));
        else
            t->seed = v;
    }
}

/* Shape inference: each layer's output shape from its input, with an error at the layer whose
 * input does not fit. Returns the output element count, or 0 after an error. */
static long infer_shapes(struct vctx *c, struct nn_config *cfg, const struct ynode *layers_node,
                         int *out_dims, int *out_ndim)
{
    int dims[NN_MAX_DIMS], nd = cfg->in_shape.ndim;
    memcpy(dims, cfg->in_shape.dims, sizeof dims);
    for (int i = 0; i < cfg->n_layers; i++) {
        struct nn_layer_spec *l = &cfg->layers[i];
        const struct ynode *ln = layers_node->v[i];
        long size = 1;
        for (int k = 0; k < nd; k++)
            size *= dims[k];
        char sh[64];
        fmt_shape(dims, nd, sh, sizeof sh);
        switch (l->kind) {
        case NN_LAYER_DENSE:
            if (nd != 1) {
                verr(c, ln,
                     "'model.layers[%d]': dense layer '%s' needs a flat input but receives "
                     "shape %s; add a flatten layer before it",
                     i, l->name, sh);
                return 0;
            }
            if (l->units < 1)
                return 0;
            dims[0] = l->units;
            break;
        case NN_LAYER_FLATTEN:
            nd = 1;
            dims[0] = (int)size;
            break;
        case NN_LAYER_RESHAPE: {
            if (l->shape.ndim == 0)
                return 0;
            long rs = 1;
            for (int k = 0; k < l->shape.ndim; k++)
                rs *= l->shape.dims[k];
            if (rs != size) {
                char rsh[64];
                fmt_shape(l->shape.dims, l->shape.ndim, rsh, sizeof rsh);
                verr(c, ln,
                     "'model.layers[%d]': reshape to %s (%ld values) does not fit its "
                     "input shape %s (%ld values)",
                     i, rsh, rs, sh, size);
                return 0;
            }
            nd = l->shape.ndim;
            memcpy(dims, l->shape.dims, sizeof dims);
            break;
        }
        default:
            if (l->act == NN_ACT_SOFTMAX && nd != 1) {
                verr(c, ln, "'model.layers[%d]': softmax needs a flat input but receives shape %s",
                     i, sh);
                return 0;
            }
            break;
        }
    }
    long size = 1;
    for (int k = 0; k < nd; k++)
        size *= dims[k];
    memcpy(out_dims, dims, sizeof dims);
    *out_ndim = nd;
    return size;
}

static void validate(struct vctx *c, struct ynode *root, struct nn_config *cfg)
{
    static const char *const top_keys[] = {"description", "model", "loss", "optimizer",
                                           "training",    "data",  NULL};
    if (root->type != Y_MAP) {
        verr(c, root,
             "expected a mapping with keys model, loss, optimizer, training, data; "
             "found %s",
             FOUND(root));
        return;
    }
    check_keys(c, root, "the top level", top_keys);
    get_str(c, root, "description", "description", cfg->description, sizeof cfg->description);

    /* model */
    int model_start = c->d->n;
    const struct ynode *mn = want_map(c, root, "model", "model", 1);
    const struct ynode *layers = NULL;
    if (mn) {
        static const char *const keys[] = {"input_shape", "layers", NULL};
        check_keys(c, mn, "model", keys);
        struct ynode *in = map_get(mn, "input_shape");
        if (!in)
            verr(c, mn,
                 "'model': missing required key 'input_shape' (a list like [2] or [28, 28])");
        else
            cfg->in_shape.ndim = get_shape(c, in, "model.input_shape", cfg->in_shape.dims);
        layers = map_get(mn, "layers");
        if (!layers) {
            verr(c, mn, "'model': missing required key 'layers' (a list of layers)");
        } else if (layers->type != Y_SEQ || layers->n == 0) {
            verr(c, layers, "'model.layers': expected a non-empty list of layers, found %s",
                 layers->type == Y_SEQ ? "an empty list" : FOUND(layers));
            layers = NULL;
        } else if (layers->n > NN_MAX_LAYERS) {
            verr(c, layers, "'model.layers': %d layers, at most %d are supported", layers->n,
                 NN_MAX_LAYERS);
            layers = NULL;
        } else {
            cfg->n_layers = layers->n;
            for (int i = 0; i < layers->n; i++)
                parse_layer(c, layers->v[i], i, &cfg->layers[i]);
            for (int i = 0; i < layers->n; i++)
                for (int j = 0; j < i; j++)
                    if (cfg->layers[i].user_named &&
                        !strcmp(cfg->layers[i].name, cfg->layers[j].name))
                        verr(c, map_get(layers->v[i], "name"),
                             "'model.layers[%d].name': '%s' is already the name of layer %d", i,
                             cfg->layers[i].name, j);
        }
    }

    int model_errors = c->d->n;
    int model_ok = model_errors == model_start;

    /* loss */
    cfg->loss = NN_LOSS_MSE;
    struct ynode *lossn = map_get(root, "loss");
    if (!lossn)
        verr(c, root,
             "missing required key 'loss' (one of: mse, binary_crossentropy, "
             "categorical_crossentropy)");
    else
        get_enum(c, root, "loss", "loss", "loss", LOSS_NAMES, (int *)&cfg->loss);

    parse_optimizer(c, root, &cfg->optim);
    parse_training(c, root, &cfg->train);
    const struct ynode *dn = NULL;
    parse_data(c, root, &cfg->data, &dn);

    /* Cross-section checks run only when the model section parsed cleanly, so that one mistake
     * gives one error rather than a cascade of shape complaints. */
    if (!layers || cfg->in_shape.ndim == 0 || !model_ok)
        return;
    int odims[NN_MAX_DIMS], ond = 0;
    long out_size = infer_shapes(c, cfg, layers, odims, &ond);
    if (!out_size)
        return;
    long in_size = 1;
    for (int k = 0; k < cfg->in_shape.ndim; k++)
        in_size *= cfg->in_shape.dims[k];

    /* The fused losses need the link function they are fused with as the last activation. */
    int last_act = -1, last_i = -1;
    for (int i = cfg->n_layers - 1; i >= 0 && last_act < 0; i--) {
        const struct nn_layer_spec *l = &cfg->layers[i];
        if (l->kind == NN_LAYER_DENSE || l->kind == NN_LAYER_ACT) {
            last_act = l->act;
            last_i = i;
        }
    }
    char last_hint[64] = "";
    if (last_i >= 0)
        snprintf(last_hint, sizeof last_hint, " (model.layers[%d])", last_i);
    if (cfg->loss == NN_LOSS_BCE && last_act != NN_ACT_SIGMOID)
        verr(c, lossn,
             "'loss': binary_crossentropy is fused with a final sigmoid for stability, "
             "but the last activation is '%s'%s",
             last_act < 0 ? "none" : nn_act_name(last_act), last_hint);
    if (cfg->loss == NN_LOSS_CCE && last_act != NN_ACT_SOFTMAX)
        verr(c, lossn,
             "'loss': categorical_crossentropy is fused with a final softmax for "
             "stability, but the last activation is '%s'%s",
             last_act < 0 ? "none" : nn_act_name(last_act), last_hint);
    if (cfg->loss == NN_LOSS_CCE && ond != 1)
        verr(c, lossn, "'loss': categorical_crossentropy needs a flat output");

    /* The data must fit the model's ends. */
    struct nn_data_spec *d = &cfg->data;
    if (dn && d->source == NN_DATA_INLINE && d->n > 0) {
        if (d->x_dim != in_size)
            verr(c, map_get(dn, "x"),
                 "'data.x': rows have %d values but model.input_shape holds %ld", d->x_dim,
                 in_size);
        if (d->y_dim != out_size)
            verr(c, map_get(dn, "y"), "'data.y': rows have %d values but the model outputs %ld",
                 d->y_dim, out_size);
    } else if (dn && d->source == NN_DATA_IDX) {
        if (d->target == NN_TARGET_INPUT && out_size != in_size)
            verr(c, dn,
                 "'data.target': 'input' (autoencoder) needs the output size (%ld) to equal "
                 "the input size (%ld)",
                 out_size, in_size);
        if (d->target == NN_TARGET_ONEHOT && out_size != d->classes)
            verr(c, dn,
                 "'data.target': 'labels' needs %d outputs (data.classes), the model has %ld",
                 d->classes, out_size);
    }
}

/* ------------------------------------------------------------------------------------------ */

static char *read_text(const char *path, size_t *len, struct nn_diags *diags)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        nn_diag_add(diags, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    const size_t max = 64u << 20; /* a config file is text; refuse giant inputs */
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= max) {
                nn_diag_add(diags, path, 0, 0, "larger than %zu MiB", max >> 20);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                nn_diag_add(diags, path, 0, 0, "read error: %s", strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

int nn_config_load(const char *path, const char *text, const char *const *sets, int n_sets,
                   struct nn_config *cfg, struct nn_diags *diags)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    struct ysources ss = {0};
    const char *src = ysrc_add(&ss, path);
    size_t len = 0;
    char *owned = NULL;
    if (!text) {
        owned = read_text(path, &len, diags);
        if (!owned) {
            ysrc_free(&ss);
            return NN_ERR_CONFIG; /* a config that cannot be read is a usage error: exit 2 */
        }
        text = owned;
    } else {
        len = strlen(text);
    }
    struct ynode *root = yaml_to_tree(text, len, src, 0, diags);
    free(owned);
    if (root) {
        for (int i = 0; i < n_sets; i++)
            tree_set(root, sets[i], &ss, diags);
        struct vctx c = {diags};
        validate(&c, root, cfg);
    }
    ynode_free(root);
    ysrc_free(&ss);
    return diags->n || diags->dropped ? NN_ERR_CONFIG : NN_OK;
}

void nn_config_free(struct nn_config *cfg)
{
    free(cfg->data.x);
    free(cfg->data.y);
    cfg->data.x = cfg->data.y = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Emitting the resolved config */

struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    if (!b->s) { /* start with a buffer: vsnprintf on NULL + 0 would be pointer arithmetic on NULL
                  */
        b->s = malloc(256);
        b->cap = b->s ? 256 : 0;
        if (!b->s) {
            b->oom = 1;
            return;
        }
    }
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
}

/* The shortest decimal that reads back to the same double, so the resolved config round-trips. */
static void fmt_double(double v, char *buf, size_t len)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* A plain integer like "1" would still parse as a number; keep it as YAML writes floats. */
}

static void sb_quoted(struct sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            sb_printf(b, "\\x%02x", ch);
        else
            sb_printf(b, "%c", ch);
    }
    sb_printf(b, "\"");
}

static void sb_matrix(struct sbuf *b, const char *key, const double *m, int rows, int cols)
{
    char num[40];
    sb_printf(b, "  %s: [", key);
    for (int i = 0; i < rows; i++) {
        sb_printf(b, "%s[", i ? ", " : "");
        for (int j = 0; j < cols; j++) {
            fmt_double(m[(size_t)i * (size_t)cols + (size_t)j], num, sizeof num);
            sb_printf(b, "%s%s", j ? ", " : "", num);
        }
        sb_printf(b, "]");
    }
    sb_printf(b, "]\n");
}

char *nn_config_to_yaml(const struct nn_config *cfg)
{
    struct sbuf b = {0};
    char num[40], sh[64];
    if (cfg->description[0]) {
        sb_printf(&b, "description: ");
        sb_quoted(&b, cfg->description);
        sb_printf(&b, "\n");
    }
    fmt_shape(cfg->in_shape.dims, cfg->in_shape.ndim, sh, sizeof sh);
    sb_printf(&b, "model:\n  input_shape: %s\n  layers:\n", sh);
    for (int i = 0; i < cfg->n_layers; i++) {
        const struct nn_layer_spec *l = &cfg->layers[i];
        sb_printf(&b, "    - {type: %s, name: %s", nn_layer_kind_name(l), l->name);
        if (l->kind == NN_LAYER_DENSE)
            sb_printf(&b, ", units: %d, activation: %s, init: %s, bias_init: %s", l->units,
                      nn_act_name(l->act), nn_init_name(l->w_init), nn_init_name(l->b_init));
        if (l->kind == NN_LAYER_RESHAPE) {
            fmt_shape(l->shape.dims, l->shape.ndim, sh, sizeof sh);
            sb_printf(&b, ", shape: %s", sh);
        }
        sb_printf(&b, "}\n");
    }
    sb_printf(&b, "loss: %s\n", nn_loss_name(cfg->loss));
    const struct nn_optim_spec *o = &cfg->optim;
    fmt_double(o->learning_rate, num, sizeof num);
    sb_printf(&b, "optimizer:\n  type: %s\n  learning_rate: %s\n",
              o->kind == NN_OPT_ADAM ? "adam" : "sgd", num);
    if (o->kind == NN_OPT_ADAM) {
        fmt_double(o->beta1, num, sizeof num);
        sb_printf(&b, "  beta1: %s\n", num);
        fmt_double(o->beta2, num, sizeof num);
        sb_printf(&b, "  beta2: %s\n", num);
        fmt_double(o->epsilon, num, sizeof num);
        sb_printf(&b, "  epsilon: %s\n", num);
    } else {
        fmt_double(o->momentum, num, sizeof num);
        sb_printf(&b, "  momentum: %s\n  nesterov: %s\n", num, o->nesterov ? "true" : "false");
    }
    const struct nn_train_spec *t = &cfg->train;
    sb_printf(&b,
              "training:\n  epochs: %d\n  batch_size: %d\n  shuffle: %s\n  seed: %llu\n"
              "  checkpoint_every: %d\n",
              t->epochs, t->batch_size, t->shuffle ? "true" : "false", (unsigned long long)t->seed,
              t->checkpoint_every);
    const struct nn_data_spec *d = &cfg->data;
    sb_printf(&b, "data:\n");
    if (d->source == NN_DATA_INLINE) {
        sb_printf(&b, "  source: inline\n");
        sb_matrix(&b, "x", d->x, d->n, d->x_dim);
        sb_matrix(&b, "y", d->y, d->n, d->y_dim);
    } else {
        static const char *const TARGETS[] = {"y", "input", "labels"};
        sb_printf(&b, "  source: idx\n");
        if (d->dir[0]) {
            sb_printf(&b, "  dir: ");
            sb_quoted(&b, d->dir);
            sb_printf(&b, "\n");
        }
        const char *keys[] = {"train_images", "train_labels", "test_images", "test_labels"};
        const char *vals[] = {d->train_images, d->train_labels, d->test_images, d->test_labels};
        for (int i = 0; i < 4; i++) {
            sb_printf(&b, "  %s: ", keys[i]);
            sb_quoted(&b, vals[i]);
            sb_printf(&b, "\n");
        }
        fmt_double(d->scale, num, sizeof num);
        sb_printf(&b,
                  "  target: %s\n  classes: %d\n  train_limit: %d\n  test_limit: %d\n  scale: %s\n",
                  TARGETS[d->target], d->classes, d->train_limit, d->test_limit, num);
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
