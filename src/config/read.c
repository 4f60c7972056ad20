/* Reading a mapping against schema rows (see read.h). The messages are the contract of
 * tests/test_config.c: their wording, position and order do not change. */
#include "config/read.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/number.h"

/* ------------------------------------------------------------------------------------------ */
/* Words: did-you-mean hints and "expected one of" lists */

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

/* ------------------------------------------------------------------------------------------ */
/* Rows of a section */

/* The row's key within its section ("learning_rate" of "optimizer.learning_rate"), or NULL when
 * the row is not in the section. `direct` = 0 also takes rows of nested sections, whose first
 * word then names the nested section ("optimizer" at the top level). */
static const char *row_key(const struct nn_section *s, const struct nn_key *k, int direct)
{
    size_t pl = strlen(s->prefix);
    if (strncmp(k->path, s->prefix, pl))
        return NULL;
    const char *key = k->path + pl;
    return direct && strchr(key, '.') ? NULL : key;
}

static int applies(const struct nn_section *s, const struct nn_key *k)
{
    return nn_key_active(s->rows, s->n, k, s->base, s->type_word);
}

void nn_section_defaults(const struct nn_section *s, int conditional)
{
    for (int i = 0; i < s->n; i++) {
        const struct nn_key *k = &s->rows[i];
        if (!row_key(s, k, 1) || !k->def || !k->when != !conditional)
            continue;
        if (!conditional || applies(s, k))
            nn_key_set_default(k, s->base); /* every row's default parses: test_schema */
    }
}

void nn_section_check_keys(struct nn_diags *d, const struct ynode *m, const struct nn_section *s,
                           const char *where)
{
    if (!m || m->type != Y_MAP)
        return;
    /* the allowed words: the common keys, then each applicable row's first word, once */
    enum { MAX_WORDS = 96 };
    char words[MAX_WORDS][NN_NAME_MAX];
    const char *allowed[MAX_WORDS + 1];
    int n = 0;
    for (int i = 0; s->common && s->common[i] && n < MAX_WORDS; i++)
        allowed[n++] = s->common[i];
    for (int i = 0; i < s->n && n < MAX_WORDS; i++) {
        const char *key = row_key(s, &s->rows[i], 0);
        if (!key || !applies(s, &s->rows[i]))
            continue;
        snprintf(words[n], sizeof words[n], "%.*s", (int)strcspn(key, "."), key);
        int seen = 0;
        for (int j = 0; j < n; j++)
            seen |= !strcmp(allowed[j], words[n]);
        if (!seen) {
            allowed[n] = words[n];
            n++;
        }
    }
    allowed[n] = NULL;
    for (int i = 0; i < m->n; i++) {
        int ok = 0;
        for (int j = 0; allowed[j]; j++)
            ok |= !strcmp(m->k[i]->str, allowed[j]);
        if (!ok) {
            char h[128], all[512];
            hint(m->k[i]->str, allowed, h, sizeof h);
            join(allowed, all, sizeof all);
            ydiag(d, m->k[i], "unknown key '%s' in '%s'%s (expected one of: %s)", m->k[i]->str,
                  where, h, all);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Typed values */

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

int nn_parse_double(const struct ynode *n, double *out)
{
    if (n->type != Y_SCALAR || !n->plain || !n->str[0])
        return -1;
    return nn_number(n->str, out);
}

static int read_int(struct nn_diags *d, const struct ynode *n, const struct nn_key *k,
                    const char *path, void *f)
{
    long long v, lo = (long long)k->lo, hi = (long long)k->hi;
    if (parse_long(n, &v)) {
        ydiag(d, n, "'%s': expected an integer, found %s", path, YFOUND(n));
        return -1;
    }
    if (v < lo || v > hi) {
        if (hi == INT32_MAX)
            ydiag(d, n, "'%s': expected an integer >= %lld, found %lld", path, lo, v);
        else
            ydiag(d, n, "'%s': expected an integer from %lld to %lld, found %lld", path, lo, hi, v);
        return -1;
    }
    int iv = (int)v;
    memcpy(f, &iv, sizeof iv);
    return 0;
}

static int read_u64(struct nn_diags *d, const struct ynode *n, const char *path, void *f)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = 0;
    int ok = n->type == Y_SCALAR && n->plain && isdigit((unsigned char)n->str[0]);
    if (ok)
        v = strtoull(n->str, &end, 10);
    if (!ok || *end || errno) {
        ydiag(d, n, "'%s': expected an integer from 0 to 2^64-1, found %s", path, YFOUND(n));
        return -1;
    }
    uint64_t u = (uint64_t)v;
    memcpy(f, &u, sizeof u);
    return 0;
}

/* A number; `open_lo` makes the lower bound exclusive (learning rates must be > 0). */
static int read_real(struct nn_diags *d, const struct ynode *n, const struct nn_key *k,
                     const char *path, void *f)
{
    double v;
    if (nn_parse_double(n, &v)) {
        ydiag(d, n, "'%s': expected a number, found %s", path, YFOUND(n));
        return -1;
    }
    int bad = k->open_lo ? !(v > k->lo) : !(v >= k->lo);
    bad |= k->open_hi ? !(v < k->hi) : !(v <= k->hi);
    if (bad) {
        char range[96];
        if (isinf(k->hi))
            snprintf(range, sizeof range, "a number %s %g", k->open_lo ? ">" : ">=", k->lo);
        else
            snprintf(range, sizeof range, "a number %s %g and %s %g",
                     k->open_lo ? ">" : ">=", k->lo, k->open_hi ? "<" : "<=", k->hi);
        ydiag(d, n, "'%s': expected %s, found %s", path, range, n->str);
        return -1;
    }
    memcpy(f, &v, sizeof v);
    return 0;
}

static int read_bool(struct nn_diags *d, const struct ynode *n, const char *path, void *f)
{
    if (n->type == Y_SCALAR && n->plain && (!strcmp(n->str, "true") || !strcmp(n->str, "false"))) {
        int b = !strcmp(n->str, "true");
        memcpy(f, &b, sizeof b);
        return 0;
    }
    ydiag(d, n, "'%s': expected true or false, found %s", path, YFOUND(n));
    return -1;
}

static int read_string(struct nn_diags *d, const struct ynode *n, const char *path, char *out,
                       size_t len)
{
    if (n->type != Y_SCALAR) {
        ydiag(d, n, "'%s': expected a string, found %s", path, YFOUND(n));
        return -1;
    }
    if (strlen(n->str) >= len) {
        ydiag(d, n, "'%s': longer than %zu characters", path, len - 1);
        return -1;
    }
    if (out)
        snprintf(out, len, "%s", n->str);
    return 0;
}

const struct ynode *nn_read_string(struct nn_diags *d, const struct ynode *m, const char *key,
                                   const char *path, char *out, size_t len)
{
    const struct ynode *n = ymap_get(m, key);
    return n && !read_string(d, n, path, out, len) ? n : NULL;
}

static int enum_value(struct nn_diags *d, const struct ynode *n, const char *path, const char *what,
                      const char *const *names, int *out)
{
    if (n->type == Y_SCALAR) {
        for (int i = 0; names[i]; i++) {
            if (!strcmp(n->str, names[i])) {
                *out = i;
                return 0;
            }
        }
    }
    char h[128], all[512];
    join(names, all, sizeof all);
    if (n->type != Y_SCALAR) {
        ydiag(d, n, "'%s': expected a %s (one of: %s), found %s", path, what, all, YFOUND(n));
        return -1;
    }
    hint(n->str, names, h, sizeof h);
    ydiag(d, n, "'%s': unknown %s %s%s (expected one of: %s)", path, what, YFOUND(n), h, all);
    return -1;
}

const struct ynode *nn_read_enum(struct nn_diags *d, const struct ynode *m, const char *key,
                                 const char *path, const char *what, const char *const *names,
                                 int *out)
{
    const struct ynode *n = ymap_get(m, key);
    return n && !enum_value(d, n, path, what, names, out) ? n : NULL;
}

/* A shape: a list of 1..NN_MAX_DIMS positive integers; on error the shape is left empty. */
static int read_shape(struct nn_diags *d, const struct ynode *n, const char *path,
                      struct nn_shape *out)
{
    out->ndim = 0;
    if (n->type != Y_SEQ || n->n < 1 || n->n > NN_MAX_DIMS) {
        ydiag(d, n, "'%s': expected a list of 1 to %d positive integers, found %s", path,
              NN_MAX_DIMS, n->type == Y_SEQ ? "a list of another length" : YFOUND(n));
        return -1;
    }
    long long total = 1;
    for (int i = 0; i < n->n; i++) {
        long long v;
        if (parse_long(n->v[i], &v) || v < 1 || v > (1 << 24)) {
            ydiag(d, n->v[i], "'%s[%d]': expected a positive integer, found %s", path, i,
                  YFOUND(n->v[i]));
            return -1;
        }
        out->dims[i] = (int)v;
        total *= v;
    }
    if (total > (1LL << 28)) {
        ydiag(d, n, "'%s': %lld values per sample is more than nnctl supports", path, total);
        return -1;
    }
    out->ndim = n->n;
    return 0;
}

static int read_names(struct nn_diags *d, const struct ynode *n, const char *path,
                      struct nn_names *out)
{
    nn_names_free(out);
    if (nn_names_init(out, n->type == Y_SEQ ? n->n : 1)) {
        ydiag(d, n, "'%s': out of memory", path);
        return -1;
    }
    if (n->type == Y_SCALAR) { /* one name */
        if (!n->str[0] || strlen(n->str) >= NN_CLASS_NAME_MAX) {
            ydiag(d, n, "'%s': expected a name of 1 to %d characters", path, NN_CLASS_NAME_MAX - 1);
            return -1;
        }
        snprintf(out->name[0], NN_CLASS_NAME_MAX, "%s", n->str);
        out->n = 1;
        return 0;
    }
    if (n->type != Y_SEQ || n->n > NN_MAX_CLASS_NAMES) {
        ydiag(d, n, "'%s': expected a list of at most %d names, found %s", path, NN_MAX_CLASS_NAMES,
              n->type == Y_SEQ ? "a longer list" : YFOUND(n));
        return -1;
    }
    for (int i = 0; i < n->n; i++) {
        const struct ynode *v = n->v[i];
        if (v->type != Y_SCALAR || !v->str[0] || strlen(v->str) >= NN_CLASS_NAME_MAX) {
            ydiag(d, v, "'%s[%d]': expected a name of 1 to %d characters, found %s", path, i,
                  NN_CLASS_NAME_MAX - 1, v->type == Y_SCALAR ? "another length" : YFOUND(v));
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(out->name[j], v->str)) {
                ydiag(d, v, "'%s[%d]': '%s' is already %s %d", path, i, v->str,
                      strstr(path, "class_names") ? "class" : "item", j);
                return -1;
            }
        snprintf(out->name[i], NN_CLASS_NAME_MAX, "%s", v->str);
        out->n = i + 1;
    }
    return 0;
}

static int read_numbers(struct nn_diags *d, const struct ynode *n, const char *path,
                        struct nn_numbers *out)
{
    free(out->v);
    out->v = NULL;
    out->n = 0;
    if (n->type != Y_SEQ || n->n > (1 << 24)) {
        ydiag(d, n, "'%s': expected a list of numbers, found %s", path,
              n->type == Y_SEQ ? "a longer list" : YFOUND(n));
        return -1;
    }
    double *v = malloc((size_t)(n->n ? n->n : 1) * sizeof *v);
    if (!v) {
        ydiag(d, n, "'%s': out of memory", path);
        return -1;
    }
    for (int i = 0; i < n->n; i++)
        if (nn_parse_double(n->v[i], &v[i]) || !isfinite(v[i])) {
            ydiag(d, n->v[i], "'%s[%d]': expected a finite number, found %s", path, i,
                  YFOUND(n->v[i]));
            free(v);
            return -1;
        }
    out->v = v;
    out->n = n->n;
    return 0;
}

/* A list of rows of numbers (inline data): the matrix (heap, row-major) into the field, its row
 * count and row width into the ints at the row's rows_at and cols_at. */
static int read_matrix(struct nn_diags *d, const struct ynode *n, const char *path,
                       const struct nn_key *k, void *base)
{
    if (n->type != Y_SEQ || n->n == 0) {
        ydiag(d, n, "'%s': expected a non-empty list of rows, found %s", path,
              n->type == Y_SEQ ? "an empty list" : YFOUND(n));
        return -1;
    }
    int rows = n->n, w = -1;
    for (int i = 0; i < rows; i++) {
        const struct ynode *r = n->v[i];
        int rw = r->type == Y_SEQ ? r->n : 1;
        if (w < 0)
            w = rw;
        if (rw != w || rw == 0) {
            ydiag(d, r, "'%s[%d]': expected a row of %d numbers, found %d", path, i, w, rw);
            return -1;
        }
    }
    double *m = malloc((size_t)rows * (size_t)w * sizeof *m);
    if (!m) {
        ydiag(d, n, "'%s': out of memory", path);
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        const struct ynode *r = n->v[i];
        for (int j = 0; j < w; j++) {
            const struct ynode *e = r->type == Y_SEQ ? r->v[j] : r;
            if (nn_parse_double(e, &m[(size_t)i * (size_t)w + (size_t)j])) {
                ydiag(d, e, "'%s[%d][%d]': expected a number, found %s", path, i, j, YFOUND(e));
                free(m);
                return -1;
            }
        }
    }
    nn_key_free(k, base);
    memcpy((char *)base + k->offset, &m, sizeof m);
    memcpy((char *)base + k->rows_at, &rows, sizeof rows);
    memcpy((char *)base + k->cols_at, &w, sizeof w);
    return 0;
}

/* "(a positive integer)" after "missing required key 'k'": the row's hint, or one from its type. */
static void required_hint(const struct nn_key *k, char *buf, size_t len)
{
    if (k->hint) {
        snprintf(buf, len, "%s", k->hint);
        return;
    }
    switch (k->type) {
    case NN_KEY_INT:
        snprintf(buf, len, "%s", k->lo >= 1 ? "a positive integer" : "an integer");
        return;
    case NN_KEY_U64:
        snprintf(buf, len, "an integer");
        return;
    case NN_KEY_REAL:
        snprintf(buf, len, "a number");
        return;
    case NN_KEY_BOOL:
        snprintf(buf, len, "true or false");
        return;
    case NN_KEY_STRING:
    case NN_KEY_PATH:
        snprintf(buf, len, "a string");
        return;
    case NN_KEY_ENUM: {
        char all[448];
        join(k->names, all, sizeof all);
        snprintf(buf, len, "one of: %s", all);
        return;
    }
    case NN_KEY_SHAPE:
        snprintf(buf, len, "a list like [28, 28]");
        return;
    case NN_KEY_NAMES:
        snprintf(buf, len, "a list of names");
        return;
    case NN_KEY_NUMBERS:
        snprintf(buf, len, "a list of numbers");
        return;
    case NN_KEY_MATRIX:
        snprintf(buf, len, "a list of rows of numbers");
        return;
    case NN_KEY_LAYERS:
        snprintf(buf, len, "a list of layers");
        return;
    }
}

const struct ynode *nn_section_read_key(struct nn_diags *d, const struct ynode *m,
                                        const struct nn_section *s, const struct nn_key *k)
{
    const char *key = row_key(s, k, 1);
    char path[160];
    snprintf(path, sizeof path, "%s%s%s", s->path, s->path[0] ? "." : "", key);
    const struct ynode *n = ymap_get(m, key);
    if (!n) {
        if (!k->def) {
            char h[512];
            required_hint(k, h, sizeof h);
            if (s->path[0])
                ydiag(d, m, "'%s': missing required key '%s' (%s)", s->path, key, h);
            else
                ydiag(d, m, "missing required key '%s' (%s)", key, h);
        }
        return NULL;
    }
    void *f = (char *)s->base + k->offset;
    int rc = 0;
    switch (k->type) {
    case NN_KEY_INT:
        rc = read_int(d, n, k, path, f);
        break;
    case NN_KEY_U64:
        rc = read_u64(d, n, path, f);
        break;
    case NN_KEY_REAL:
        rc = read_real(d, n, k, path, f);
        break;
    case NN_KEY_BOOL:
        rc = read_bool(d, n, path, f);
        break;
    case NN_KEY_STRING:
        rc = read_string(d, n, path, f, k->size);
        break;
    case NN_KEY_PATH:
        rc = read_string(d, n, path, NULL, k->size);
        if (!rc && nn_key_set_path(k, s->base, n->str)) {
            ydiag(d, n, "'%s': out of memory", path);
            rc = -1;
        }
        break;
    case NN_KEY_ENUM: {
        int v = 0;
        rc = enum_value(d, n, path, k->what, k->names, &v);
        if (!rc)
            memcpy(f, &v, sizeof v);
        break;
    }
    case NN_KEY_SHAPE: {
        struct nn_shape sh;
        rc = read_shape(d, n, path, &sh);
        memcpy(f, &sh, sizeof sh);
        break;
    }
    case NN_KEY_NAMES:
        rc = read_names(d, n, path, f);
        break;
    case NN_KEY_NUMBERS:
        rc = read_numbers(d, n, path, f);
        break;
    case NN_KEY_MATRIX:
        rc = read_matrix(d, n, path, k, s->base);
        break;
    case NN_KEY_LAYERS:
        return n;
    }
    char why[256];
    if (!rc && k->check && k->check(s->base, f, why, sizeof why))
        ydiag(d, n, "'%s': %s", path, why);
    return n;
}

void nn_section_read(struct nn_diags *d, const struct ynode *m, const struct nn_section *s)
{
    for (int late = 0; late <= 1; late++) {
        for (int i = 0; i < s->n; i++) {
            const struct nn_key *k = &s->rows[i];
            const char *key = row_key(s, k, 1);
            if (!key || k->late != late || !applies(s, k) || (s->skip && !strcmp(key, s->skip)))
                continue;
            nn_section_read_key(d, m, s, k);
        }
    }
}
