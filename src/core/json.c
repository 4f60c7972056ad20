#include "nnctl/json.h"

#include <math.h>
#include <stdio.h>

void nn_json_init(struct nn_json *j, struct nn_sb *sb)
{
    j->sb = sb;
    j->depth = 0;
}

void nn_json_quote(struct nn_sb *b, const char *s)
{
    nn_sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            nn_sb_putc(b, '\\');
            nn_sb_putc(b, (char)*p);
        } else if (*p < 0x20) {
            nn_sb_printf(b, "\\u%04x", *p);
        } else {
            nn_sb_putc(b, (char)*p);
        }
    }
    nn_sb_putc(b, '"');
}

static void indent(struct nn_sb *b, int depth)
{
    for (int i = 0; i < depth; i++)
        nn_sb_puts(b, "  ");
}

/* The separator and key before a member of the innermost container. */
static void member(struct nn_json *j, const char *key)
{
    if (j->depth > 0) {
        int d = j->depth - 1;
        if (j->inl[d]) {
            if (j->count[d])
                nn_sb_puts(j->sb, ", ");
        } else {
            nn_sb_puts(j->sb, j->count[d] ? ",\n" : "\n");
            indent(j->sb, j->depth);
        }
        j->count[d] = 1;
    }
    if (key) {
        nn_json_quote(j->sb, key);
        nn_sb_puts(j->sb, ": ");
    }
}

static void open_container(struct nn_json *j, const char *key, int inline_, char c)
{
    member(j, key);
    if (j->depth >= NN_JSON_MAX_DEPTH) {
        j->sb->failed = 1;
        return;
    }
    nn_sb_putc(j->sb, c);
    j->inl[j->depth] = (unsigned char)(inline_ != 0);
    j->close[j->depth] = (unsigned char)(c == '{' ? '}' : ']');
    j->count[j->depth] = 0;
    j->depth++;
}

void nn_json_object(struct nn_json *j, const char *key, int inline_)
{
    open_container(j, key, inline_, '{');
}

void nn_json_array(struct nn_json *j, const char *key, int inline_)
{
    open_container(j, key, inline_, '[');
}

void nn_json_end(struct nn_json *j)
{
    if (j->depth <= 0) {
        j->sb->failed = 1;
        return;
    }
    int d = --j->depth;
    if (!j->inl[d] && j->count[d]) {
        nn_sb_putc(j->sb, '\n');
        indent(j->sb, d);
    }
    nn_sb_putc(j->sb, (char)j->close[d]);
    if (j->depth == 0)
        nn_sb_putc(j->sb, '\n');
}

void nn_json_str(struct nn_json *j, const char *key, const char *v)
{
    member(j, key);
    nn_json_quote(j->sb, v);
}

void nn_json_int(struct nn_json *j, const char *key, long long v)
{
    member(j, key);
    nn_sb_printf(j->sb, "%lld", v);
}

void nn_json_uint(struct nn_json *j, const char *key, unsigned long long v)
{
    member(j, key);
    nn_sb_printf(j->sb, "%llu", v);
}

void nn_json_bool(struct nn_json *j, const char *key, int v)
{
    member(j, key);
    nn_sb_puts(j->sb, v ? "true" : "false");
}

void nn_json_null(struct nn_json *j, const char *key)
{
    member(j, key);
    nn_sb_puts(j->sb, "null");
}

void nn_json_numf(struct nn_json *j, const char *key, const char *fmt, double v)
{
    member(j, key);
    if (!isfinite(v)) {
        nn_sb_puts(j->sb, "null");
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    nn_sb_puts(j->sb, buf);
}

void nn_json_num(struct nn_json *j, const char *key, double v)
{
    nn_json_numf(j, key, "%.9g", v);
}
