/* The config schema's machinery: finding a row, whether it applies, its default, its value as
 * text, and the reference that `nnctl check --schema` and docs/config.md print from the rows (the
 * top-level rows are in schema_rows.c, each layer kind's in its own file). */
#include "nnctl/schema.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/config.h"
#include "nnctl/layer.h"
#include "nnctl/number.h"

/* ------------------------------------------------------------------------------------------ */
/* Rows */

const struct nn_key *nn_schema_find(const struct nn_key *rows, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].path, path))
            return &rows[i];
    return NULL;
}

/* Whether `val` is one of the '|'-separated words of `alts` ("csv|libsvm"). */
static int one_of(const char *alts, const char *val)
{
    const size_t vl = strlen(val);
    for (const char *a = alts;; a++) {
        const char *bar = strchr(a, '|');
        const size_t al = bar ? (size_t)(bar - a) : strlen(a);
        if (al == vl && !strncmp(a, val, vl))
            return 1;
        if (!bar)
            return 0;
        a = bar;
    }
}

int nn_key_active(const struct nn_key *rows, int n, const struct nn_key *k, const void *base,
                  const char *type_word)
{
    if (!k->when)
        return 1;
    const char *eq = strchr(k->when, '=');
    if (!eq)
        return 0;
    int klen = (int)(eq - k->when);
    if (type_word && klen == 4 && !strncmp(k->when, "type", 4))
        return one_of(eq + 1, type_word);
    /* the sibling: the same section as k ("optimizer.") plus the key named in `when` */
    const char *dot = strrchr(k->path, '.');
    int plen = dot ? (int)(dot - k->path) + 1 : 0;
    char path[128], val[64];
    snprintf(path, sizeof path, "%.*s%.*s", plen, k->path, klen, k->when);
    const struct nn_key *s = nn_schema_find(rows, n, path);
    return s && one_of(eq + 1, nn_key_format(s, base, val, sizeof val));
}

static int count_names(const char *const *names)
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

/* A path field holds a char * (NULL for ""). */
static char **path_slot(const struct nn_key *k, const void *base)
{
    return (char **)(void *)((char *)(uintptr_t)base + k->offset);
}

const char *nn_key_path(const struct nn_key *k, const void *base)
{
    const char *p = *path_slot(k, base);
    return p ? p : "";
}

int nn_key_set_path(const struct nn_key *k, void *base, const char *value)
{
    char *p = NULL;
    if (value[0] && !(p = strdup(value)))
        return -1;
    char **slot = path_slot(k, base);
    free(*slot);
    *slot = p;
    return 0;
}

void nn_key_free(const struct nn_key *k, void *base)
{
    void *f = (char *)base + k->offset;
    switch (k->type) {
    case NN_KEY_PATH:
        nn_key_set_path(k, base, "");
        break;
    case NN_KEY_NAMES:
        nn_names_free(f);
        break;
    case NN_KEY_NUMBERS: {
        struct nn_numbers *nu = f;
        free(nu->v);
        *nu = (struct nn_numbers){0};
        break;
    }
    case NN_KEY_MATRIX: {
        double *m;
        memcpy(&m, f, sizeof m);
        free(m);
        memset(f, 0, sizeof m);
        break;
    }
    case NN_KEY_INT:
    case NN_KEY_U64:
    case NN_KEY_REAL:
    case NN_KEY_BOOL:
    case NN_KEY_STRING:
    case NN_KEY_ENUM:
    case NN_KEY_SHAPE:
    case NN_KEY_LAYERS:
        break; /* held in the field itself */
    }
}

int nn_key_set_default(const struct nn_key *k, void *base)
{
    if (!k->def)
        return -1;
    void *f = (char *)base + k->offset;
    const char *s = k->def;
    char *end = NULL;
    errno = 0;
    switch (k->type) {
    case NN_KEY_INT: {
        long v = strtol(s, &end, 10);
        if (!*s || *end || errno || v < k->lo || v > k->hi)
            return -1;
        int iv = (int)v;
        memcpy(f, &iv, sizeof iv);
        return 0;
    }
    case NN_KEY_U64: {
        unsigned long long v = strtoull(s, &end, 10);
        if (!*s || *end || errno)
            return -1;
        uint64_t u = (uint64_t)v;
        memcpy(f, &u, sizeof u);
        return 0;
    }
    case NN_KEY_REAL: {
        double v;
        if (nn_number(s, &v))
            return -1;
        memcpy(f, &v, sizeof v);
        return 0;
    }
    case NN_KEY_BOOL: {
        if (strcmp(s, "true") && strcmp(s, "false"))
            return -1;
        int b = !strcmp(s, "true");
        memcpy(f, &b, sizeof b);
        return 0;
    }
    case NN_KEY_STRING:
        if (strlen(s) >= k->size)
            return -1;
        memcpy(f, s, strlen(s) + 1);
        return 0;
    case NN_KEY_PATH:
        return strlen(s) < k->size && !nn_key_set_path(k, base, s) ? 0 : -1;
    case NN_KEY_ENUM:
        for (int i = 0; k->names[i]; i++)
            if (!strcmp(k->names[i], s)) {
                memcpy(f, &i, sizeof i);
                return 0;
            }
        return -1;
    case NN_KEY_SHAPE: { /* "[28, 28]" */
        struct nn_shape sh = {0};
        if (*s++ != '[')
            return -1;
        while (*s != ']') {
            long v = strtol(s, &end, 10);
            if (end == s || v < 1 || v > (1 << 24) || sh.ndim == NN_MAX_DIMS)
                return -1;
            sh.dims[sh.ndim++] = (int)v;
            s = end;
            if (*s == ',')
                s++;
            while (*s == ' ')
                s++;
        }
        if (sh.ndim == 0 || s[1])
            return -1;
        memcpy(f, &sh, sizeof sh);
        return 0;
    }
    case NN_KEY_NAMES: /* only the empty list as text (the default); names come from YAML */
        if (strcmp(s, "[]"))
            return -1;
        nn_names_free(f);
        return 0;
    case NN_KEY_NUMBERS: { /* likewise: the default, an empty list */
        struct nn_numbers *nu = f;
        if (strcmp(s, "[]"))
            return -1;
        free(nu->v);
        nu->v = NULL;
        nu->n = 0;
        return 0;
    }
    case NN_KEY_MATRIX:
    case NN_KEY_LAYERS:
        return -1;
    }
    return -1;
}

const char *nn_key_format(const struct nn_key *k, const void *base, char *buf, size_t len)
{
    const void *f = (const char *)base + k->offset;
    buf[0] = 0;
    switch (k->type) {
    case NN_KEY_INT:
    case NN_KEY_BOOL:
    case NN_KEY_ENUM: {
        int v;
        memcpy(&v, f, sizeof v);
        if (k->type == NN_KEY_INT)
            snprintf(buf, len, "%d", v);
        else if (k->type == NN_KEY_BOOL)
            snprintf(buf, len, "%s", v ? "true" : "false");
        else
            snprintf(buf, len, "%s", v >= 0 && v < count_names(k->names) ? k->names[v] : "?");
        break;
    }
    case NN_KEY_U64: {
        uint64_t v;
        memcpy(&v, f, sizeof v);
        snprintf(buf, len, "%llu", (unsigned long long)v);
        break;
    }
    case NN_KEY_REAL: {
        double v;
        memcpy(&v, f, sizeof v);
        nn_format_double(v, buf, len);
        break;
    }
    case NN_KEY_STRING:
        snprintf(buf, len, "%s", (const char *)f);
        break;
    case NN_KEY_PATH:
        snprintf(buf, len, "%s", nn_key_path(k, base));
        break;
    case NN_KEY_SHAPE: {
        struct nn_shape sh;
        memcpy(&sh, f, sizeof sh);
        nn_shape_format(&sh, buf, len);
        break;
    }
    case NN_KEY_NAMES: { /* "[a, b]" for messages and the reference; the emitter quotes */
        const struct nn_names *nm = f;
        size_t o = (size_t)snprintf(buf, len, "[");
        for (int i = 0; i < nm->n && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", nm->name[i]);
        if (o < len)
            snprintf(buf + o, len - o, "]");
        break;
    }
    case NN_KEY_NUMBERS: { /* "[]" or "[3 numbers]": the emitter writes the values */
        const struct nn_numbers *nu = f;
        if (nu->n)
            snprintf(buf, len, "[%d numbers]", nu->n);
        else
            snprintf(buf, len, "[]");
        break;
    }
    case NN_KEY_MATRIX:
    case NN_KEY_LAYERS:
        break;
    }
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* The reference */

static const char *type_word(enum nn_key_type t)
{
    switch (t) {
    case NN_KEY_INT:
        return "integer";
    case NN_KEY_U64:
        return "integer";
    case NN_KEY_REAL:
        return "number";
    case NN_KEY_BOOL:
        return "boolean";
    case NN_KEY_STRING:
    case NN_KEY_PATH:
        return "string";
    case NN_KEY_ENUM:
        return "choice";
    case NN_KEY_SHAPE:
        return "shape";
    case NN_KEY_NAMES:
        return "list of names";
    case NN_KEY_NUMBERS:
        return "list of numbers";
    case NN_KEY_MATRIX:
        return "rows of numbers";
    case NN_KEY_LAYERS:
        return "list";
    }
    return "?";
}

/* What values a key takes, as the diagnostics word it: "1 to 1048576", "> 0", "sgd, adam". */
static void values_text(const struct nn_key *k, char *buf, size_t len)
{
    buf[0] = 0;
    switch (k->type) {
    case NN_KEY_INT:
        if (k->hi == INT32_MAX)
            snprintf(buf, len, ">= %.0f", k->lo);
        else
            snprintf(buf, len, "%.0f to %.0f", k->lo, k->hi);
        break;
    case NN_KEY_U64:
        snprintf(buf, len, "0 to 2^64-1");
        break;
    case NN_KEY_REAL:
        if (isinf(k->hi))
            snprintf(buf, len, "%s %g", k->open_lo ? ">" : ">=", k->lo);
        else
            snprintf(buf, len, "%s %g and %s %g", k->open_lo ? ">" : ">=", k->lo,
                     k->open_hi ? "<" : "<=", k->hi);
        break;
    case NN_KEY_BOOL:
        snprintf(buf, len, "true, false");
        break;
    case NN_KEY_STRING:
    case NN_KEY_PATH:
        snprintf(buf, len, "at most %zu characters", k->size - 1);
        break;
    case NN_KEY_ENUM:
        for (int i = 0; k->names[i]; i++) {
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s%s", i ? ", " : "", k->names[i]);
        }
        break;
    case NN_KEY_SHAPE:
        snprintf(buf, len, "1 to %d positive integers", NN_MAX_DIMS);
        break;
    case NN_KEY_NAMES:
        snprintf(buf, len, "at most %d distinct names of %d characters", NN_MAX_CLASS_NAMES,
                 NN_CLASS_NAME_MAX - 1);
        break;
    case NN_KEY_NUMBERS:
        snprintf(buf, len, "one finite number per feature");
        break;
    case NN_KEY_MATRIX:
    case NN_KEY_LAYERS:
        break;
    }
}

/* Markdown cells: '|' would end the cell. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++)
        fputs(*s == '|' ? "\\|" : (char[2]){*s, 0}, f);
}

/* One key: a table row, or indented lines of plain text. */
static void print_key(FILE *f, int markdown, const char *indent, const struct nn_key *k)
{
    char vals[512];
    values_text(k, vals, sizeof vals);
    const char *def = !k->def ? "required" : !k->def[0] ? "\"\"" : k->def;
    if (markdown) {
        fprintf(f, "| `%s` | %s | %s | %s%s%s | ", k->path, k->when ? k->when : "",
                type_word(k->type), k->def ? "`" : "", def, k->def ? "`" : "");
        md_cell(f, vals);
        fputs(" | ", f);
        md_cell(f, k->doc ? k->doc : "");
        fputs(" |\n", f);
    } else {
        fprintf(f, "%s%s%s%s%s\n%s    %s; %s%s%s%s\n%s    %s\n", indent, k->path,
                k->when ? " (when " : "", k->when ? k->when : "", k->when ? ")" : "", indent,
                type_word(k->type), k->def ? "default " : "", def, vals[0] ? "; " : "", vals,
                indent, k->doc ? k->doc : "");
    }
}

void nn_schema_print(FILE *f, int markdown)
{
    if (markdown)
        fputs("| key | when | type | default | values | meaning |\n"
              "|---|---|---|---|---|---|\n",
              f);
    else
        fputs("The keys of a model file (type; default; values; meaning):\n\n", f);
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    for (int i = 0; i < n; i++) {
        print_key(f, markdown, "  ", &rows[i]);
        const char *name, *doc;
        for (int j = 0, r; rows[i].kinds && (r = nn_schema_kind(&rows[i], j, &name, &doc)) >= 0;
             j++) {
            if (r == 0 || !doc)
                continue;
            if (markdown) {
                fprintf(f, "| | %s=%s | | | | ", strrchr(rows[i].path, '.') + 1, name);
                md_cell(f, doc);
                fputs(" |\n", f);
            } else {
                fprintf(f, "      %s: %s\n", name, doc);
            }
        }
    }
    if (markdown)
        fputs("\nEach layer is a mapping with `type`, an optional `name` (letters, digits, `_`, "
              "`-` and `.`; default `<type>_<index>`) and the keys of its type:\n\n"
              "| type | key | type | default | values | meaning |\n"
              "|---|---|---|---|---|---|\n",
              f);
    else
        fputs("\nEach layer (model.layers[i]) has a type, an optional name (default "
              "<type>_<index>) and the keys of its type:\n\n",
              f);
    for (int kind = 0; kind < nn_layer_kind_count(); kind++) {
        const struct nn_layer_ops *ops = nn_layer_ops((enum nn_layer_kind)kind);
        char types[256] = "";
        for (int v = 0; ops->types[v]; v++) {
            size_t l = strlen(types);
            snprintf(types + l, sizeof types - l, markdown ? "%s`%s`" : "%s%s", v ? ", " : "",
                     ops->types[v]);
        }
        if (markdown) {
            fprintf(f, "| %s | | | | | ", types);
            md_cell(f, ops->doc ? ops->doc : "");
            fputs(" |\n", f);
        } else {
            fprintf(f, "  type: %s\n      %s\n", types, ops->doc ? ops->doc : "");
        }
        for (int j = 0; j < ops->n_keys; j++) {
            const struct nn_key *k = &ops->keys[j];
            if (!markdown) {
                print_key(f, 0, "      ", k);
                continue;
            }
            char vals[512];
            values_text(k, vals, sizeof vals);
            fprintf(f, "| | `%s`%s%s%s | %s | %s%s%s | ", k->path, k->when ? " (" : "",
                    k->when ? k->when : "", k->when ? ")" : "", type_word(k->type),
                    k->def ? "`" : "", k->def ? k->def : "required", k->def ? "`" : "");
            md_cell(f, vals);
            fputs(" | ", f);
            md_cell(f, k->doc ? k->doc : "");
            fputs(" |\n", f);
        }
    }
}
