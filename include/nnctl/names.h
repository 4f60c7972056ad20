/* nnctl — lists of names (class names, CSV columns): n strings of fewer than NN_CLASS_NAME_MAX
 * bytes each, on the heap. */
#ifndef NNCTL_NAMES_H
#define NNCTL_NAMES_H

#define NN_CLASS_NAME_MAX  48 /* one name, NUL included */
#define NN_MAX_CLASS_NAMES 256

/* name[i] is the i-th name; `name` points to room for at least n names (NULL when n is 0). */
struct nn_names {
    int n;
    char (*name)[NN_CLASS_NAME_MAX];
};

/* A list with room for `cap` names in one allocation with itself (free() releases both), empty.
 * NULL when out of memory. */
struct nn_names *nn_names_new(int cap);
/* Makes *k an empty list with room for `cap` names of its own. Returns 0, or -1 when out of
 * memory (k empty). Release with nn_names_free(). */
int nn_names_init(struct nn_names *k, int cap);
/* Releases the room nn_names_init() took (not for nn_names_new()'s lists); k becomes empty. */
void nn_names_free(struct nn_names *k);
/* Copies the names of `from` into `to`, which has room for them. */
void nn_names_copy(struct nn_names *to, const struct nn_names *from);
/* The index of `s` in k, or -1. */
int nn_names_find(const struct nn_names *k, const char *s);

#endif
