/* Lists of names on the heap. */
#include "nnctl/names.h"

#include <stdlib.h>
#include <string.h>

struct nn_names *nn_names_new(int cap)
{
    const size_t room = (size_t)(cap > 0 ? cap : 1) * NN_CLASS_NAME_MAX;
    struct nn_names *k = calloc(1, sizeof *k + room);
    if (!k)
        return NULL;
    k->name = (char(*)[NN_CLASS_NAME_MAX])(void *)(k + 1);
    return k;
}

int nn_names_init(struct nn_names *k, int cap)
{
    k->n = 0;
    k->name = calloc((size_t)(cap > 0 ? cap : 1), NN_CLASS_NAME_MAX);
    return k->name ? 0 : -1;
}

void nn_names_free(struct nn_names *k)
{
    free(k->name);
    k->name = NULL;
    k->n = 0;
}

void nn_names_copy(struct nn_names *to, const struct nn_names *from)
{
    if (from->n)
        memcpy(to->name, from->name, (size_t)from->n * NN_CLASS_NAME_MAX);
    to->n = from->n;
}

int nn_names_find(const struct nn_names *k, const char *s)
{
    for (int i = 0; i < k->n; i++)
        if (!strcmp(k->name[i], s))
            return i;
    return -1;
}
