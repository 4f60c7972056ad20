/* The YAML model file: loading, `--set`, validation section by section against the schema rows
 * (schema.c for the top-level sections, each layer kind's own rows for its keys), and the checks
 * across sections. */
#include "nnctl/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/read.h"
#include "config/yamltree.h"
#include "nnctl/layer.h"
#include "nnctl/schema.h"
#include "nnctl/source.h"

const char *nn_layer_kind_name(const struct nn_layer_spec *l)
{
    return nn_layer_type_name(l);
}

static const struct nn_key *config_row(const char *path)
{
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    return nn_schema_find(rows, n, path);
}

/* The rows of a top-level section: prefix "optimizer." for "optimizer", "" for the top level. */
static struct nn_section section(struct nn_config *cfg, const char *prefix, const char *path,
                                 const char *skip)
{
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    return (struct nn_section){
        .rows = rows, .n = n, .prefix = prefix, .path = path, .skip = skip, .base = cfg};
}

static const struct ynode *want_map(struct nn_diags *d, const struct ynode *parent, const char *key,
                                    int required)
{
    const struct ynode *n = ymap_get(parent, key);
    if (!n) {
        if (required)
            ydiag(d, parent, "missing required key '%s'", key);
        return NULL;
    }
    if (n->type != Y_MAP) {
        ydiag(d, n, "'%s': expected a mapping, found %s", key, YFOUND(n));
        return NULL;
    }
    return n;
}

/* Reads the top-level section `name`: its defaults, its selector first (the key its rows' `when`
 * names: optimizer.type), the defaults that depend on it, then the unknown-key check and the other
 * rows. Returns its mapping, or NULL when it is absent or no mapping. */
static const struct ynode *read_section(struct nn_diags *d, const struct ynode *root,
                                        struct nn_config *cfg, const char *name, int required,
                                        const char *selector)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s.", name);
    struct nn_section s = section(cfg, prefix, name, selector);
    nn_section_defaults(&s, 0);
    const struct ynode *m = want_map(d, root, name, required);
    if (m && selector) {
        char sel[64];
        snprintf(sel, sizeof sel, "%s%s", prefix, selector);
        nn_section_read_key(d, m, &s, config_row(sel));
    }
    nn_section_defaults(&s, 1);
    if (!m)
        return NULL;
    nn_section_check_keys(d, m, &s, name);
    nn_section_read(d, m, &s);
    return m;
}

/* ------------------------------------------------------------------------------------------ */
/* Layers */

static int valid_name(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

/* A layer: its type word picks the kind in the registry; the kind's defaults, then its rows. */
static void parse_layer(struct nn_diags *d, const struct ynode *ln, int idx,
                        struct nn_layer_spec *l)
{
    char path[64], kp[96];
    snprintf(path, sizeof path, "model.layers[%d]", idx);
    l->line = ln->line;
    l->col = ln->col;
    if (ln->type != Y_MAP) {
        ydiag(d, ln, "'%s': expected a mapping with a 'type' key, found %s", path, YFOUND(ln));
        return;
    }
    /* every type word of every registered kind, in registry order */
    const char *words[257];
    int nw = 0;
    for (int k = 0; k < nn_layer_kind_count(); k++) {
        const struct nn_layer_ops *ops = nn_layer_ops((enum nn_layer_kind)k);
        for (int v = 0; ops->types[v] && nw < 256; v++)
            words[nw++] = ops->types[v];
    }
    words[nw] = NULL;
    int w = -1;
    snprintf(kp, sizeof kp, "%s.type", path);
    if (!nn_read_enum(d, ln, "type", kp, "layer type", words, &w)) {
        if (!ymap_get(ln, "type")) {
            char list[1024];
            ydiag(d, ln, "'%s': missing required key 'type' (one of: %s)", path,
                  nn_layer_type_list(list, sizeof list));
        }
        return;
    }
    enum nn_layer_kind kind = NN_LAYER_DENSE;
    nn_layer_find_type(words[w], &kind, &l->variant);
    l->kind = (int)kind;
    const struct nn_layer_ops *ops = nn_layer_ops(l->kind);
    if (ops->defaults)
        ops->defaults(l, l->variant);
    snprintf(l->name, sizeof l->name, "%s_%d", words[w], idx);
    snprintf(kp, sizeof kp, "%s.name", path);
    char nm[NN_NAME_MAX];
    const struct ynode *nn = nn_read_string(d, ln, "name", kp, nm, sizeof nm);
    if (nn) {
        if (!valid_name(nm))
            ydiag(d, nn, "'%s': a name may hold letters, digits, '_', '-' and '.', found '%s'", kp,
                  nm);
        else {
            snprintf(l->name, sizeof l->name, "%s", nm);
            l->user_named = 1;
        }
    }
    static const char *const common[] = {"type", "name", NULL};
    const struct nn_section s = {.rows = ops->keys,
                                 .n = ops->n_keys,
                                 .prefix = "",
                                 .path = path,
                                 .common = common,
                                 .type_word = words[w],
                                 .base = l};
    nn_section_defaults(&s, 0);
    nn_section_defaults(&s, 1);
    nn_section_check_keys(d, ln, &s, path);
    nn_section_read(d, ln, &s);
}

static const struct ynode *parse_model(struct nn_diags *d, const struct ynode *root,
                                       struct nn_config *cfg)
{
    const struct ynode *mn = read_section(d, root, cfg, "model", 1, NULL);
    const struct ynode *layers = ymap_get(mn, "layers");
    if (!layers)
        return NULL; /* reported as a missing required key */
    if (layers->type != Y_SEQ || layers->n == 0) {
        ydiag(d, layers, "'model.layers': expected a non-empty list of layers, found %s",
              layers->type == Y_SEQ ? "an empty list" : YFOUND(layers));
        return NULL;
    }
    if (layers->n > NN_MAX_LAYERS) {
        ydiag(d, layers, "'model.layers': %d layers, at most %d are supported", layers->n,
              NN_MAX_LAYERS);
        return NULL;
    }
    cfg->n_layers = layers->n;
    for (int i = 0; i < layers->n; i++)
        parse_layer(d, layers->v[i], i, &cfg->layers[i]);
    for (int i = 0; i < layers->n; i++)
        for (int j = 0; j < i; j++)
            if (cfg->layers[i].user_named && !strcmp(cfg->layers[i].name, cfg->layers[j].name))
                ydiag(d, ymap_get(layers->v[i], "name"),
                      "'model.layers[%d].name': '%s' is already the name of layer %d", i,
                      cfg->layers[i].name, j);
    return layers;
}

/* ------------------------------------------------------------------------------------------ */
/* Data */

/* A block nested in a section (optimizer.schedule, training.early_stopping, data.test,
 * data.validation): its selector first (the key its rows' `when` names), `implied` when the
 * block leaves it out (NULL: required, with `hint` in the message), then the rows that depend on
 * it. Returns the block's mapping, or NULL when it is absent or broken. */
static const struct ynode *read_block(struct nn_diags *d, const struct ynode *parent,
                                      struct nn_config *cfg, const char *path, const char *selector,
                                      const char *implied, const char *hint)
{
    const char *key = strrchr(path, '.') + 1;
    const struct ynode *m = want_map(d, parent, key, 0);
    if (!m)
        return NULL;
    char prefix[64], sel[96];
    snprintf(prefix, sizeof prefix, "%s.", path);
    snprintf(sel, sizeof sel, "%s%s", prefix, selector);
    struct nn_section s = section(cfg, prefix, path, selector);
    if (ymap_get(m, selector)) {
        nn_section_read_key(d, m, &s, config_row(sel));
    } else if (implied) {
        struct nn_key k = *config_row(sel);
        k.def = implied;
        nn_key_set_default(&k, cfg);
    } else {
        ydiag(d, m, "'%s': missing required key '%s' (%s)", path, selector, hint);
        return NULL;
    }
    nn_section_defaults(&s, 1);
    nn_section_check_keys(d, m, &s, path);
    nn_section_read(d, m, &s);
    return m;
}

/* Early stopping and reduce_on_plateau on val_loss or val_accuracy need validation data. */
static void check_monitors(struct nn_diags *d, const struct nn_config *cfg, const struct ynode *on,
                           const struct ynode *tn)
{
    const struct nn_data_split *v = &cfg->data.validation;
    if (v->source != NN_SOURCE_NONE || v->fraction > 0)
        return;
    const enum nn_monitor es = cfg->train.early_stopping.monitor;
    if (es == NN_MONITOR_VAL_LOSS || es == NN_MONITOR_VAL_ACCURACY)
        ydiag(d, ymap_get(tn, "early_stopping"),
              "'training.early_stopping': it watches %s, which needs data.validation (a fraction "
              "of the training data or a dataset)",
              nn_monitor_name(es));
    const struct nn_schedule_spec *sc = &cfg->optim.schedule;
    if (sc->kind == NN_SCHEDULE_PLATEAU &&
        (sc->monitor == NN_MONITOR_VAL_LOSS || sc->monitor == NN_MONITOR_VAL_ACCURACY))
        ydiag(d, ymap_get(on, "schedule"),
              "'optimizer.schedule': reduce_on_plateau watches %s, which needs data.validation "
              "(or monitor: loss)",
              nn_monitor_name(sc->monitor));
}

/* data.test and data.validation: instead of the source's own test keys, and (validation) a
 * fraction or a dataset. */
static void parse_data_blocks(struct nn_diags *d, const struct ynode *dn, struct nn_config *cfg)
{
    const struct nn_source_ops *src = nn_data_source(&cfg->data);
    char splits[128];
    nn_source_split_list(splits, sizeof splits);
    if (read_block(d, dn, cfg, "data.test", "source", NULL, splits)) {
        const char *const *own =
            src && src->test_keys ? src->test_keys : (const char *const[]){NULL};
        for (int i = 0; own[i]; i++)
            if (ymap_get(dn, own[i]))
                ydiag(d, ymap_get(dn, own[i]),
                      "'data.%s' and 'data.test' both give a test split; keep one", own[i]);
    }
    const struct ynode *vn = read_block(d, dn, cfg, "data.validation", "source", "none", NULL);
    const struct nn_data_split *v = &cfg->data.validation;
    if (vn && v->source == NN_SOURCE_NONE && !ymap_get(vn, "fraction"))
        ydiag(d, vn,
              "'data.validation': give a fraction of the training data (fraction: 0.1) or a "
              "source (npy, csv or libsvm)");
}

/* The data section: like read_section, but the default source follows the keys given (inputs in
 * the file mean inline data) and each source reads its own way. */
static const struct ynode *parse_data(struct nn_diags *d, const struct ynode *root,
                                      struct nn_config *cfg)
{
    struct nn_data_spec *ds = &cfg->data;
    struct nn_section s = section(cfg, "data.", "data", "source");
    nn_section_defaults(&s, 0);
    const struct ynode *dn = want_map(d, root, "data", 1);
    if (!dn)
        return NULL;
    if (ymap_get(dn, "x"))
        ds->source = nn_source_find("inline");
    nn_section_read_key(d, dn, &s, config_row("data.source"));
    nn_section_defaults(&s, 1);
    const struct nn_source_ops *src = nn_data_source(ds);
    if (!src->load) {
        ydiag(d, dn, "'data.source': '%s' cannot be trained on", src->name);
    } else {
        nn_section_check_keys(d, dn, &s, "data");
        nn_section_read(d, dn, &s);
    }
    parse_data_blocks(d, dn, cfg);
    return dn;
}

/* ------------------------------------------------------------------------------------------ */
/* The whole file, and the checks across sections */

/* Shape inference through each kind's infer: the model's output shape, with an error at the
 * layer whose input does not fit. Returns 0, or -1 after an error. */
static int infer_shapes(struct nn_diags *d, const struct nn_config *cfg, const struct ynode *layers,
                        struct nn_shape *out)
{
    struct nn_shape cur = cfg->in_shape;
    for (int i = 0; i < cfg->n_layers; i++) {
        const struct nn_layer_spec *l = &cfg->layers[i];
        const struct nn_layer_ops *ops = nn_layer_ops(l->kind);
        char why[512] = "";
        struct nn_shape next = {0};
        if (ops->infer(l, &cur, &next, why, sizeof why)) {
            if (why[0]) /* otherwise a key that failed to parse, already reported */
                ydiag(d, layers->v[i], "'model.layers[%d]': %s", i, why);
            return -1;
        }
        cur = next;
    }
    *out = cur;
    return 0;
}

/* A data source's report, at the key it names in the data section (or at the section). */
struct report_at {
    struct nn_diags *d;
    const struct ynode *dn;
};

static void report_at_key(void *ctx, const char *key, const char *msg)
{
    const struct report_at *at = ctx;
    const struct ynode *n = key[0] ? ymap_get(at->dn, key) : NULL;
    ydiag(at->d, n ? n : at->dn, "%s", msg);
}

static void check_across(struct nn_diags *d, struct nn_config *cfg, const struct ynode *layers,
                         const struct ynode *lossn, const struct ynode *dn)
{
    struct nn_shape out;
    if (infer_shapes(d, cfg, layers, &out))
        return;
    long out_size = nn_shape_size(&out), in_size = nn_shape_size(&cfg->in_shape);

    /* The fused losses need the link function they are fused with as the last activation. */
    enum nn_act last_act;
    const int last_i = nn_layers_last_activation(cfg->layers, cfg->n_layers, &last_act);
    char last_hint[64] = "";
    if (last_i >= 0)
        snprintf(last_hint, sizeof last_hint, " (model.layers[%d])", last_i);
    const char *last = last_i < 0 ? "none" : nn_act_name(last_act);
    if (cfg->loss == NN_LOSS_BCE && (last_i < 0 || last_act != NN_ACT_SIGMOID))
        ydiag(d, lossn,
              "'loss': binary_crossentropy is fused with a final sigmoid for stability, "
              "but the last activation is '%s'%s",
              last, last_hint);
    if (cfg->loss == NN_LOSS_CCE && (last_i < 0 || last_act != NN_ACT_SOFTMAX))
        ydiag(d, lossn,
              "'loss': categorical_crossentropy is fused with a final softmax for "
              "stability, but the last activation is '%s'%s",
              last, last_hint);
    if (cfg->loss == NN_LOSS_CCE && out.ndim != 1)
        ydiag(d, lossn, "'loss': categorical_crossentropy needs a flat output");

    /* The data must fit the model's ends. */
    const struct nn_data_spec *ds = &cfg->data;
    if (!dn)
        return;
    if (ds->feature_offset.n != ds->feature_scale.n ||
        (ds->feature_offset.n && ds->feature_offset.n != in_size))
        ydiag(d, dn,
              "'data.feature_offset' and 'data.feature_scale': %d and %d numbers, the model "
              "takes %ld features",
              ds->feature_offset.n, ds->feature_scale.n, in_size);
    const struct nn_source_ops *src = nn_data_source(ds);
    if (src->check) {
        struct report_at at = {d, dn};
        src->check(ds, in_size, out_size, &(struct nn_source_report){report_at_key, &at});
    }
    if (ds->class_names.n && ds->class_names.n != ds->classes)
        ydiag(d, dn, "'data.class_names': %d names, data.classes is %d", ds->class_names.n,
              ds->classes);
    if (ds->target == NN_TARGET_INPUT && out_size != in_size)
        ydiag(d, dn,
              "'data.target': 'input' (autoencoder) needs the output size (%ld) to equal "
              "the input size (%ld)",
              out_size, in_size);
    if (ds->target == NN_TARGET_ONEHOT && out_size != ds->classes)
        ydiag(d, dn, "'data.target': 'labels' needs %d outputs (data.classes), the model has %ld",
              ds->classes, out_size);
}

static void validate(struct nn_diags *d, const struct ynode *root, struct nn_config *cfg)
{
    if (root->type != Y_MAP) {
        ydiag(d, root,
              "expected a mapping with keys model, loss, optimizer, training, data; found %s",
              YFOUND(root));
        return;
    }
    struct nn_section top = section(cfg, "", "", NULL);
    nn_section_defaults(&top, 0);
    nn_section_check_keys(d, root, &top, "the top level");
    nn_section_read_key(d, root, &top, config_row("description"));

    int model_start = d->n;
    const struct ynode *layers = parse_model(d, root, cfg);
    int model_ok = d->n == model_start;

    const struct ynode *lossn = nn_section_read_key(d, root, &top, config_row("loss"));
    const struct ynode *on = read_section(d, root, cfg, "optimizer", 0, "type");
    if (on)
        read_block(d, on, cfg, "optimizer.schedule", "type", "constant", NULL);
    const struct ynode *tn = read_section(d, root, cfg, "training", 0, NULL);
    if (tn)
        read_block(d, tn, cfg, "training.early_stopping", "monitor", "val_loss", NULL);
    const struct ynode *dn = parse_data(d, root, cfg);
    check_monitors(d, cfg, on, tn);

    /* Cross-section checks run only when the model section parsed cleanly, so that one mistake
     * gives one error rather than a cascade of shape complaints. */
    if (layers && cfg->in_shape.ndim > 0 && model_ok)
        check_across(d, cfg, layers, lossn, dn);
}

/* ------------------------------------------------------------------------------------------ */

/* The whole file as text. (Not nn_read_file: its messages and limits differ from the ones a
 * config has always had, and it refuses pipes such as <(...).) */
static char *read_text(const char *path, size_t *len, struct nn_diags *diags)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        nn_diag_add(diags, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    const size_t max = NN_MAX_TEXT_BYTES; /* a config file is text; refuse giant inputs */
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
    struct ynode *root = ytree_parse(text, len, src, 0, diags);
    free(owned);
    if (root) {
        for (int i = 0; i < n_sets; i++)
            ytree_set(root, sets[i], &ss, diags);
        validate(diags, root, cfg);
    }
    ynode_free(root);
    ysrc_free(&ss);
    return diags->n || diags->dropped ? NN_ERR_CONFIG : NN_OK;
}

/* What the config holds on the heap: the fields of the rows that apply (a data source's keys
 * share their bytes with the other sources'), and the lists every source has. */
void nn_config_free_section(struct nn_config *cfg, const char *prefix)
{
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    for (int i = 0; i < n; i++)
        if (!strncmp(rows[i].path, prefix, strlen(prefix)) &&
            nn_key_active(rows, n, &rows[i], cfg, NULL))
            nn_key_free(&rows[i], cfg);
}

void nn_config_free_data(struct nn_config *cfg)
{
    nn_config_free_section(cfg, "data.");
    nn_names_free(&cfg->data.class_names);
    free(cfg->data.feature_offset.v);
    free(cfg->data.feature_scale.v);
    memset(&cfg->data, 0, sizeof cfg->data);
}

int nn_config_set_path(struct nn_config *cfg, const char *path, const char *value)
{
    int n;
    const struct nn_key *rows = nn_config_rows(&n);
    for (int i = 0; i < n; i++)
        if (rows[i].type == NN_KEY_PATH && !strcmp(rows[i].path, path) &&
            nn_key_active(rows, n, &rows[i], cfg, NULL))
            return strlen(value) < rows[i].size ? nn_key_set_path(&rows[i], cfg, value) : -1;
    return -1;
}

void nn_config_free(struct nn_config *cfg)
{
    nn_config_free_section(cfg, "");
    nn_config_free_data(cfg);
}
