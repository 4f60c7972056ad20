/* The backend registry: every compute backend this build has. */
#include "nnctl/backend.h"

#include <stdio.h>
#include <string.h>

#include "nnctl/onednn.h"

static const struct nn_backend *const backends[] = {&nn_backend_openblas, &nn_backend_onednn_bf16,
                                                    NULL};

const struct nn_backend *nn_backend_default(void)
{
    return &nn_backend_openblas;
}

const struct nn_backend *nn_backend_find(const char *name)
{
    for (int i = 0; backends[i]; i++)
        if (!strcmp(backends[i]->name, name))
            return backends[i];
    return NULL;
}

const struct nn_backend *const *nn_backend_list(void)
{
    return backends;
}

void nn_backend_print_hints(FILE *f)
{
    for (int i = 0; backends[i]; i++) {
        char msg[512];
        if (backends[i]->hint && backends[i]->hint(msg, sizeof msg))
            fprintf(f, "nnctl: hint: %s\n", msg);
    }
}
