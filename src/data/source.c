/* The data-source table: the built-in sources in the order of their words' indices, then those
 * registered at run time; and what the sources share besides (the target words, reports). */
#include "nnctl/source.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const nn_target_names[] = {"y", "input", "labels", NULL};
_Static_assert(NN_TARGET_ONEHOT == 2, "nn_target_names names every target, in order");

const struct nn_source_ops nn_source_none = {
    .name = "none",
    .doc = "no data: a split not given (data.test, data.validation)",
};

/* The table: the built-in sources in the order of their words' indices, then those registered. */
static const struct nn_source_ops *sources[NN_SOURCE_MAX] = {
    &nn_source_none, &nn_source_inline, &nn_source_idx,
    &nn_source_npy,  &nn_source_csv,    &nn_source_libsvm,
};
static int n_sources = 6;
const char *nn_source_names[NN_SOURCE_MAX + 1] = {"none", "inline", "idx", "npy", "csv", "libsvm"};

const struct nn_source_ops *nn_source_at(int index)
{
    return index >= 0 && index < n_sources ? sources[index] : NULL;
}

int nn_source_count(void)
{
    return n_sources;
}

int nn_source_find(const char *name)
{
    for (int i = 0; i < n_sources; i++)
        if (!strcmp(sources[i]->name, name))
            return i;
    return -1;
}

int nn_source_register(const struct nn_source_ops *ops)
{
    if (n_sources == NN_SOURCE_MAX || nn_source_find(ops->name) >= 0)
        return -1;
    sources[n_sources] = ops;
    nn_source_names[n_sources] = ops->name;
    return n_sources++;
}

void nn_source_split_list(char *buf, size_t len)
{
    int n = 0, k = 0;
    for (int i = 0; i < n_sources; i++)
        n += sources[i]->split_keys != NULL;
    buf[0] = 0;
    for (int i = 0; i < n_sources; i++) {
        if (!sources[i]->split_keys)
            continue;
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s",
                 k == 0       ? ""
                 : k == n - 1 ? " or "
                              : ", ",
                 sources[i]->name);
        k++;
    }
}

const struct nn_source_ops *nn_data_source(const struct nn_data_spec *d)
{
    return nn_source_at(d->source);
}

void nn_source_report(const struct nn_source_report *r, const char *key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->add(r->ctx, key, msg);
}

/* A table's target: numbers or labels; 'input' needs targets as wide as the inputs. */
int nn_source_check_table_target(const char *source, int target, char *why, size_t len)
{
    if (target == NN_TARGET_INPUT) {
        snprintf(why, len,
                 "'input' needs targets as wide as the inputs; %s data takes 'y' "
                 "(numbers) or 'labels' (classes)",
                 source);
        return -1;
    }
    return 0;
}
