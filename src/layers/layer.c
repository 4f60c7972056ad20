/* The layer-kind registry: the built-in kinds in the order of enum nn_layer_kind, then kinds
 * registered at run time. */
#include "nnctl/layer.h"

#include "nnctl/team.h"

#include <stdio.h>
#include <string.h>

static const struct nn_layer_ops *builtin[] = {
    [NN_LAYER_DENSE] = &nn_layer_dense,
    [NN_LAYER_ACT] = &nn_layer_act,
    [NN_LAYER_FLATTEN] = &nn_layer_flatten,
    [NN_LAYER_RESHAPE] = &nn_layer_reshape,
    [NN_LAYER_DROPOUT] = &nn_layer_dropout,
    [NN_LAYER_CONV2D] = &nn_layer_conv2d,
    [NN_LAYER_POOL2D] = &nn_layer_pool2d,
    [NN_LAYER_GLOBAL_AVGPOOL] = &nn_layer_global_avgpool,
    [NN_LAYER_BATCHNORM] = &nn_layer_batchnorm,
};
_Static_assert(sizeof builtin / sizeof builtin[0] == NN_LAYER_BUILTIN_COUNT,
               "every built-in layer kind has a row in the registry");

static const struct nn_layer_ops *extra[NN_LAYER_KIND_MAX - NN_LAYER_BUILTIN_COUNT];
static int n_extra;

const char *const nn_init_names[] = {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                     "zeros",          "ones",          NULL};
_Static_assert(sizeof nn_init_names / sizeof nn_init_names[0] == NN_INIT_ONES + 2,
               "every initializer has a name");

const char *nn_init_name(enum nn_init init)
{
    return (int)init >= 0 && init <= NN_INIT_ONES ? nn_init_names[init] : "?";
}

const struct nn_layer_ops *nn_layer_ops(enum nn_layer_kind kind)
{
    int k = (int)kind;
    if (k >= 0 && k < NN_LAYER_BUILTIN_COUNT)
        return builtin[k];
    if (k >= NN_LAYER_BUILTIN_COUNT && k < NN_LAYER_BUILTIN_COUNT + n_extra)
        return extra[k - NN_LAYER_BUILTIN_COUNT];
    return NULL;
}

int nn_layer_kind_count(void)
{
    return NN_LAYER_BUILTIN_COUNT + n_extra;
}

int nn_layer_find_type(const char *type, enum nn_layer_kind *kind, int *variant)
{
    for (int k = 0; k < nn_layer_kind_count(); k++) {
        const struct nn_layer_ops *ops = nn_layer_ops((enum nn_layer_kind)k);
        for (int v = 0; ops->types[v]; v++)
            if (!strcmp(ops->types[v], type)) {
                *kind = (enum nn_layer_kind)k;
                *variant = v;
                return 0;
            }
    }
    return -1;
}

const char *nn_layer_type_list(char *buf, size_t len)
{
    size_t l = 0;
    if (len)
        buf[0] = 0;
    for (int k = 0; k < nn_layer_kind_count(); k++) {
        const struct nn_layer_ops *ops = nn_layer_ops((enum nn_layer_kind)k);
        for (int v = 0; ops->types[v] && l < len; v++)
            l += (size_t)snprintf(buf + l, len - l, "%s%s", l ? ", " : "", ops->types[v]);
    }
    return buf;
}

const char *nn_layer_type_name(const struct nn_layer_spec *s)
{
    const struct nn_layer_ops *ops = nn_layer_ops(s->kind);
    if (!ops || s->variant < 0)
        return "?";
    for (int v = 0; ops->types[v]; v++)
        if (v == s->variant)
            return ops->types[v];
    return "?";
}

int nn_layer_register(const struct nn_layer_ops *ops, enum nn_layer_kind *kind)
{
    if (n_extra >= (int)(sizeof extra / sizeof extra[0]) || !ops || !ops->types)
        return -1;
    enum nn_layer_kind k;
    int v;
    for (int i = 0; ops->types[i]; i++)
        if (nn_layer_find_type(ops->types[i], &k, &v) == 0)
            return -1;
    extra[n_extra] = ops;
    *kind = (enum nn_layer_kind)(NN_LAYER_BUILTIN_COUNT + n_extra);
    n_extra++;
    return 0;
}

int nn_layer_activation(const struct nn_layer_spec *s, enum nn_act *act)
{
    const struct nn_layer_ops *ops = nn_layer_ops(s->kind);
    *act = NN_ACT_IDENTITY;
    return ops && ops->activation ? ops->activation(s, act) : 0;
}

int nn_layers_last_activation(const struct nn_layer_spec *layers, int n, enum nn_act *act)
{
    *act = NN_ACT_IDENTITY;
    for (int i = n - 1; i >= 0; i--)
        if (nn_layer_activation(&layers[i], act))
            return i;
    *act = NN_ACT_IDENTITY;
    return -1;
}

void nn_pass_sync(const struct nn_pass *p)
{
    if (p->T > 1)
        nn_team_barrier(p->team);
}
