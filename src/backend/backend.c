/* The backend registry: every compute backend this build has, then those registered at run time;
 * the choice of one by name, precision and what this CPU can run (training.backend). */
#include "nnctl/backend.h"

#include <stdio.h>
#include <string.h>

#include "nnctl/onednn.h"

#define MAX_BACKENDS 16

/* This build's, in the order "auto" prefers them; run-time registrations follow. */
static const struct nn_backend *backends[MAX_BACKENDS + 1] = {&nn_backend_openblas,
                                                              &nn_backend_onednn_bf16};

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

int nn_backend_register(const struct nn_backend *be)
{
    int n = 0;
    while (backends[n])
        n++;
    if (n >= MAX_BACKENDS || !be || !be->name || nn_backend_find(be->name))
        return -1;
    backends[n] = be;
    return 0;
}

const char *const nn_precision_names[NN_PRECISION_BFLOAT16 + 2] = {"float32", "bfloat16", NULL};

const char *nn_precision_name(enum nn_precision p)
{
    return (int)p >= 0 && p <= NN_PRECISION_BFLOAT16 ? nn_precision_names[p] : "?";
}

const struct nn_backend *nn_backend_choose(const char *name, enum nn_precision precision, char *why,
                                           size_t len)
{
    const int any = !name || !name[0] || !strcmp(name, "auto");
    if (!any) {
        const struct nn_backend *be = nn_backend_find(name);
        if (!be) {
            int l = snprintf(why, len, "no backend '%s'; this build has", name);
            for (int i = 0; backends[i] && l > 0 && (size_t)l < len; i++)
                l += snprintf(why + l, len - (size_t)l, "%s %s", i ? "," : "", backends[i]->name);
            return NULL;
        }
        if (be->precision != precision) {
            snprintf(why, len, "backend '%s' computes in %s, and training.precision is %s", name,
                     nn_precision_name(be->precision), nn_precision_name(precision));
            return NULL;
        }
        return be->check(why, len) ? NULL : be;
    }
    snprintf(why, len, "no backend computes in %s", nn_precision_name(precision));
    for (int i = 0; backends[i]; i++)
        if (backends[i]->precision == precision && backends[i]->check(why, len) == 0)
            return backends[i];
    return NULL; /* why: the last candidate's reason */
}

void nn_backend_print_hints(FILE *f)
{
    for (int i = 0; backends[i]; i++) {
        char msg[512];
        if (backends[i]->hint && backends[i]->hint(msg, sizeof msg))
            fprintf(f, "nnctl: hint: %s\n", msg);
    }
}
