#include "nnctl/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fsync_dir_of(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse fsync on directories */
        close(fd);
    }
}

int nn_atomic_open(struct nn_atomic *a, const char *path, struct nn_error *err)
{
    a->fd = -1;
    a->tmp[0] = 0;
    if ((size_t)snprintf(a->path, sizeof a->path, "%s", path) >= sizeof a->path)
        return nn_error_set(err, NN_ERR_IO, "%s: path too long", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (a->fd < 0) {
        int e = errno;
        a->tmp[0] = 0;
        return nn_error_set(err, NN_ERR_IO, "%s.tmp.%ld: cannot create: %s", path, (long)getpid(),
                            strerror(e));
    }
    return NN_OK;
}

void nn_atomic_abort(struct nn_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = 0;
}

int nn_atomic_commit(struct nn_atomic *a, struct nn_error *err)
{
    if (fsync(a->fd) != 0 || close(a->fd) != 0) {
        int e = errno;
        a->fd = -1;
        nn_atomic_abort(a);
        return nn_error_set(err, NN_ERR_IO, "%s: fsync failed: %s", a->path, strerror(e));
    }
    a->fd = -1;
    if (rename(a->tmp, a->path) != 0) {
        int e = errno;
        nn_atomic_abort(a);
        return nn_error_set(err, NN_ERR_IO, "%s: cannot rename into place: %s", a->path,
                            strerror(e));
    }
    a->tmp[0] = 0;
    fsync_dir_of(a->path);
    return NN_OK;
}

int nn_write_file_atomic(const char *path, const void *data, size_t len, struct nn_error *err)
{
    struct nn_atomic a;
    int rc = nn_atomic_open(&a, path, err);
    if (rc)
        return rc;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(a.fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            nn_atomic_abort(&a);
            return nn_error_set(err, NN_ERR_IO, "%s: write failed: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    return nn_atomic_commit(&a, err);
}

int nn_mkdir_p(const char *path, struct nn_error *err)
{
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
        return nn_error_set(err, NN_ERR_IO, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return nn_error_set(err, NN_ERR_IO, "%s: cannot create directory: %s", buf,
                                    strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return nn_error_set(err, NN_ERR_IO, "%s: not a directory", path);
    if (access(path, W_OK) != 0)
        return nn_error_set(err, NN_ERR_IO, "%s: directory is not writable: %s", path,
                            strerror(errno));
    return NN_OK;
}

int nn_read_file(const char *path, size_t max, char **data, size_t *len, struct nn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return nn_error_set(err, NN_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > max) {
        fclose(f);
        return nn_error_set(err, NN_ERR_FORMAT, "%s: %lld bytes, more than the %zu allowed", path,
                            (long long)st.st_size, max);
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        fclose(f);
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f) || got != n;
    fclose(f);
    if (bad) {
        free(buf);
        return nn_error_set(err, NN_ERR_IO, "%s: read error", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return NN_OK;
}

int nn_path_ends_with(const char *path, const char *suffix)
{
    size_t lp = strlen(path), ls = strlen(suffix);
    return lp >= ls && !strcmp(path + lp - ls, suffix);
}
