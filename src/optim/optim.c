/* The optimizer table, and the step over a range of the parameter arena that every optimizer
 * shares (the rules themselves are in sgd.c and adam.c). */
#include "nnctl/optim.h"

#include <string.h>

static const struct nn_optim_ops *table[NN_OPTIM_MAX] = {&nn_optim_sgd_ops, &nn_optim_adam_ops};
static int n_table = 2;
const char *nn_optim_names[NN_OPTIM_MAX + 1] = {"sgd", "adam"};

const struct nn_optim_ops *nn_optim_at(int index)
{
    return index >= 0 && index < n_table ? table[index] : NULL;
}

int nn_optim_count(void)
{
    return n_table;
}

int nn_optim_find(const char *name)
{
    for (int i = 0; i < n_table; i++)
        if (!strcmp(table[i]->name, name))
            return i;
    return -1;
}

int nn_optim_register(const struct nn_optim_ops *ops)
{
    if (n_table == NN_OPTIM_MAX || nn_optim_find(ops->name) >= 0)
        return -1;
    table[n_table] = ops;
    nn_optim_names[n_table] = ops->name;
    return n_table++;
}

const struct nn_optim_ops *nn_optim_of(const struct nn_optim_spec *o)
{
    const struct nn_optim_ops *ops = nn_optim_at(o->kind);
    return ops ? ops : &nn_optim_sgd_ops;
}

int nn_optim_state_per_param(const struct nn_optim_spec *o)
{
    return nn_optim_of(o)->state_per_param(o);
}

void nn_optim_step(const struct nn_optim_spec *o, long long t, nn_real *w, const nn_real *g,
                   nn_real *state, size_t n)
{
    nn_optim_step_range(o, t, w, g, state, n, 0, n);
}

void nn_optim_step_range(const struct nn_optim_spec *o, long long t, nn_real *w, const nn_real *g,
                         nn_real *state, size_t n, size_t off, size_t count)
{
    nn_optim_step_range_copy(o, t, w, g, state, n, off, count, NULL);
}

void nn_optim_step_range_copy(const struct nn_optim_spec *o, long long t, nn_real *w,
                              const nn_real *g, nn_real *state, size_t n, size_t off, size_t count,
                              uint16_t *copy)
{
    const struct nn_optim_ops *ops = nn_optim_of(o);
    const int per = ops->state_per_param(o);
    nn_real *s[NN_OPTIM_MAX_STATE] = {0};
    for (int k = 0; k < per && k < NN_OPTIM_MAX_STATE; k++)
        s[k] = state + (size_t)k * n + off;
    ops->update(o, t, w + off, g + off, s, count, copy ? copy + off : NULL);
}
