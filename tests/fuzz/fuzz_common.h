/* Shared by the libFuzzer targets: hand the input to a loader through a memory-backed file, since
 * the loaders take paths (as nnctl's users do). */
#ifndef NNCTL_FUZZ_COMMON_H
#define NNCTL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Returns a path like "/proc/self/fd/5" naming a fresh in-memory file holding data, and its fd in
 * *fd (close it when done), or NULL. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, int *fd)
{
    static char path[64];
    *fd = memfd_create("nnctl-fuzz", 0);
    if (*fd < 0)
        return NULL;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(*fd, data + off, size - off);
        if (w <= 0) {
            close(*fd);
            return NULL;
        }
        off += (size_t)w;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", *fd);
    return path;
}

#endif
