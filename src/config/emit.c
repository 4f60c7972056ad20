/* The resolved config: every applicable row of the schema with its value, defaults included, as
 * YAML that nn_config_load() reads back to the same struct. Checkpoints embed this text and
 * compare it on resume, so its bytes are a format: row order, quoting and number formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/config.h"
#include "nnctl/layer.h"
#include "nnctl/number.h"
#include "nnctl/schema.h"
#include "nnctl/strbuf.h"

static void put_quoted(struct nn_sb *b, const char *s)
{
    nn_sb_putc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            nn_sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            nn_sb_printf(b, "\\x%02x", ch);
        else
            nn_sb_putc(b, (char)ch);
    }
    nn_sb_putc(b, '"');
}

/* "[[0, 1], [1, 0]]" from the row's double * and its row count and width. */
static void put_matrix(struct nn_sb *b, const struct nn_key *k, const void *base)
{
    const char *p = base;
    const double *m;
    int rows, cols;
    memcpy(&m, p + k->offset, sizeof m);
    memcpy(&rows, p + k->rows_at, sizeof rows);
    memcpy(&cols, p + k->cols_at, sizeof cols);
    char num[40];
    nn_sb_putc(b, '[');
    for (int i = 0; i < rows; i++) {
        nn_sb_printf(b, "%s[", i ? ", " : "");
        for (int j = 0; j < cols; j++) {
            nn_format_double(m[(size_t)i * (size_t)cols + (size_t)j], num, sizeof num);
            nn_sb_printf(b, "%s%s", j ? ", " : "", num);
        }
        nn_sb_putc(b, ']');
    }
    nn_sb_putc(b, ']');
}

/* A scalar value: strings quoted, everything else as nn_key_format writes it. */
static void put_value(struct nn_sb *b, const struct nn_key *k, const void *base)
{
    char buf[NN_PATH_MAX + 64];
    if (k->type == NN_KEY_STRING)
        put_quoted(b, nn_key_format(k, base, buf, sizeof buf));
    else if (k->type == NN_KEY_PATH)
        put_quoted(b, nn_key_path(k, base));
    else if (k->type == NN_KEY_MATRIX)
        put_matrix(b, k, base);
    else if (k->type == NN_KEY_NUMBERS) {
        const struct nn_numbers *nu = (const void *)((const char *)base + k->offset);
        char num[40];
        nn_sb_putc(b, '[');
        for (int i = 0; i < nu->n; i++) {
            nn_format_double(nu->v[i], num, sizeof num);
            nn_sb_printf(b, "%s%s", i ? ", " : "", num);
        }
        nn_sb_putc(b, ']');
    } else if (k->type == NN_KEY_NAMES) {
        const struct nn_names *nm = (const void *)((const char *)base + k->offset);
        nn_sb_putc(b, '[');
        for (int i = 0; i < nm->n; i++) {
            if (i)
                nn_sb_puts(b, ", ");
            put_quoted(b, nm->name[i]);
        }
        nn_sb_putc(b, ']');
    } else
        nn_sb_puts(b, nn_key_format(k, base, buf, sizeof buf));
}

/* One layer on one line: "{type: dense, name: h, units: 4, ...}", its kind's applicable rows in
 * row order. */
static void put_layer(struct nn_sb *b, const struct nn_layer_spec *l)
{
    const char *type = nn_layer_type_name(l);
    nn_sb_printf(b, "    - {type: %s, name: %s", type, l->name);
    const struct nn_layer_ops *ops = nn_layer_ops(l->kind);
    for (int i = 0; ops && i < ops->n_keys; i++) {
        const struct nn_key *k = &ops->keys[i];
        if (k->type == NN_KEY_LAYERS || !nn_key_active(ops->keys, ops->n_keys, k, l, type))
            continue;
        nn_sb_printf(b, ", %s: ", k->path);
        put_value(b, k, l);
    }
    nn_sb_puts(b, "}\n");
}

/* Whether row k's field holds the row's default (numbers compared as numbers: "10" is 1e+01). */
static int holds_default(const struct nn_key *k, const void *base)
{
    if (!k->def)
        return 0;
    if (k->type == NN_KEY_REAL) {
        double v;
        memcpy(&v, (const char *)base + k->offset, sizeof v);
        return v == strtod(k->def, NULL);
    }
    char val[64];
    return !strcmp(nn_key_format(k, base, val, sizeof val), k->def);
}

char *nn_config_to_yaml(const struct nn_config *cfg)
{
    struct nn_sb b = {0};
    char section[32] = "", sub[32] = "";
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    for (int i = 0; i < n; i++) {
        const struct nn_key *k = &rows[i];
        if (!nn_key_active(rows, n, k, cfg, NULL))
            continue;
        /* an optional string left empty (description, data.dir) is not written */
        if ((k->type == NN_KEY_STRING || k->type == NN_KEY_PATH) && k->def && !k->def[0] &&
            !nn_key_format(k, cfg, (char[2]){0}, 2)[0])
            continue;
        if (k->quiet_default && holds_default(k, cfg))
            continue;
        const char *dot = strchr(k->path, '.');
        const char *key = dot ? dot + 1 : k->path;
        int slen = dot ? (int)(dot - k->path) : 0;
        if (dot && (strncmp(section, k->path, (size_t)slen) || section[slen])) {
            snprintf(section, sizeof section, "%.*s", slen, k->path);
            nn_sb_printf(&b, "%s:\n", section);
            sub[0] = 0;
        } else if (!dot) {
            section[0] = 0;
        }
        /* a nested section (data.test): its name once, its keys indented below it */
        const char *dot2 = dot ? strchr(key, '.') : NULL;
        int sublen = dot2 ? (int)(dot2 - key) : 0;
        if (dot2 && (strncmp(sub, key, (size_t)sublen) || sub[sublen])) {
            snprintf(sub, sizeof sub, "%.*s", sublen, key);
            nn_sb_printf(&b, "  %s:\n", sub);
        } else if (!dot2) {
            sub[0] = 0;
        }
        nn_sb_printf(&b, "%s%s:", dot2 ? "    " : dot ? "  " : "", dot2 ? dot2 + 1 : key);
        if (k->type == NN_KEY_LAYERS) {
            nn_sb_putc(&b, '\n');
            for (int j = 0; j < cfg->n_layers; j++)
                put_layer(&b, &cfg->layers[j]);
            continue;
        }
        nn_sb_putc(&b, ' ');
        put_value(&b, k, cfg);
        nn_sb_putc(&b, '\n');
    }
    char *out;
    return nn_sb_finish(&b, &out, "resolved config", NULL) ? NULL : out;
}
