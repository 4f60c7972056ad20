/* The YAML model file as a position-keeping tree, and the `--set` overrides (see yamltree.h). */
#include "config/yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

const char *ysrc_add(struct ysources *ss, const char *s)
{
    if (ss->n >= Y_MAX_SOURCES)
        return ss->n ? ss->s[ss->n - 1] : "";
    ss->s[ss->n] = strdup(s);
    return ss->s[ss->n] ? ss->s[ss->n++] : "";
}

void ysrc_free(struct ysources *ss)
{
    for (int i = 0; i < ss->n; i++)
        free(ss->s[i]);
    ss->n = 0;
}

void ynode_free(struct ynode *n)
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

static struct ynode *ynode_new(enum ynode_type type, const char *src, int line, int col)
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
    case YAML_NO_NODE:
        break;
    }
    nn_diag_add(c->diags, c->src, line, col, "empty YAML node");
    return NULL;
}

struct ynode *ytree_parse(const char *text, size_t len, const char *src, int is_set,
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

struct ynode *ymap_get(const struct ynode *m, const char *key)
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

int ytree_set(struct ynode *root, const char *arg, struct ysources *ss, struct nn_diags *diags)
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
    struct ynode *val = ytree_parse(eq + 1, strlen(eq + 1), src, 1, diags);
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

const char *ynode_found(const struct ynode *n, char *buf, size_t len)
{
    if (n->type == Y_MAP)
        return "a mapping";
    if (n->type == Y_SEQ)
        return "a list";
    snprintf(buf, len, "'%.60s'", n->str);
    return buf;
}

void ydiag(struct nn_diags *d, const struct ynode *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nn_diag_add(d, n ? n->src : "", n ? n->line : 0, n ? n->col : 0, "%s", msg);
}
