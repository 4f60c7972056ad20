#include "train/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nnctl/fsutil.h"
#include "nnctl/json.h"

static void lock_path(const char *dir, char *buf, size_t len)
{
    snprintf(buf, len, "%s/.lock", dir);
}

static void read_holder(int fd, char *buf, size_t len)
{
    char text[128] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = 0;
    text[strcspn(text, "\n")] = 0;
    snprintf(buf, len, "%s", text[0] ? text : "pid unknown");
}

int nn_rundir_lock(const char *dir, struct nn_rundir_lock *l, struct nn_error *err)
{
    l->fd = -1;
    lock_path(dir, l->path, sizeof l->path);
    int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot create the run's lock file: %s", l->path,
                            strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[128];
        read_holder(fd, holder, sizeof holder);
        close(fd);
        return nn_error_set(err, NN_ERR_RUNTIME,
                            "%s is in use by another nnctl train (%s); wait for it to end or "
                            "choose another --out",
                            dir, holder);
    }
    time_t now = time(NULL);
    char when[32], line[96];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    int n = snprintf(line, sizeof line, "pid %ld, started %s\n", (long)getpid(), when);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n) {
        close(fd);
        return nn_error_set(err, NN_ERR_IO, "%s: cannot write: %s", l->path, strerror(errno));
    }
    l->fd = fd;
    return NN_OK;
}

void nn_rundir_unlock(struct nn_rundir_lock *l)
{
    if (l->fd < 0)
        return;
    unlink(l->path); /* still holding the lock: no other process can be between open and flock */
    close(l->fd);
    l->fd = -1;
}

int nn_rundir_locked(const char *dir, char *holder, size_t len)
{
    char path[NN_PATH_MAX + 16];
    lock_path(dir, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int held = flock(fd, LOCK_SH | LOCK_NB) != 0;
    if (held)
        read_holder(fd, holder, len);
    close(fd);
    return held;
}

/* The number after "key": in a flat JSON text, or NAN. */
static double json_number(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = text ? strstr(text, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static void json_string(const char *text, const char *key, char *out, size_t len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = text ? strstr(text, pat) : NULL;
    out[0] = 0;
    if (p) {
        p += strlen(pat);
        snprintf(out, len, "%.*s", (int)strcspn(p, "\""), p);
    }
}

void nn_rundir_info(const char *dir, struct nn_rundir_info *info)
{
    memset(info, 0, sizeof *info);
    info->last_loss = info->best_loss = NAN;
    char path[NN_PATH_MAX + 32];
    struct stat sb;
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    int ckpt = stat(path, &sb) == 0;
    if (ckpt)
        strftime(info->written, sizeof info->written, "%Y-%m-%d %H:%M UTC", gmtime(&sb.st_mtime));
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *metrics = NULL, *state = NULL, *hist = NULL;
    size_t len;
    struct nn_error e;
    int has_metrics = nn_read_file(path, NN_MAX_TEXT_BYTES, &metrics, &len, &e) == NN_OK;
    info->has_run = ckpt || has_metrics;
    snprintf(path, sizeof path, "%s/state.json", dir);
    if (nn_read_file(path, NN_MAX_TEXT_BYTES, &state, &len, &e) == NN_OK) {
        json_string(state, "state", info->state, sizeof info->state);
        json_string(state, "config", info->config, sizeof info->config);
        double v = json_number(state, "epochs");
        info->epochs_total = isfinite(v) ? (int)v : 0;
        v = json_number(state, "batch");
        info->batch = isfinite(v) ? (int)v : 0;
    } else if (has_metrics) {
        snprintf(info->state, sizeof info->state, "finished");
    } else if (ckpt) {
        snprintf(info->state, sizeof info->state, "stopped");
    }
    if (has_metrics) {
        if (!info->config[0])
            json_string(metrics, "config", info->config, sizeof info->config);
        double v = json_number(metrics, "epochs");
        if (!info->epochs_total && isfinite(v))
            info->epochs_total = (int)v;
    }
    snprintf(path, sizeof path, "%s/history.csv", dir);
    if (nn_read_file(path, NN_MAX_TEXT_BYTES, &hist, &len, &e) == NN_OK) {
        char *save = NULL;
        for (char *l = strtok_r(hist, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            int ep;
            double tl;
            if (sscanf(l, "%d,%lf", &ep, &tl) != 2)
                continue;
            info->epochs_done = ep;
            info->last_loss = tl;
            if (isnan(info->best_loss) || tl < info->best_loss)
                info->best_loss = tl;
        }
    }
    free(metrics);
    free(state);
    free(hist);
}

void nn_rundir_describe(const struct nn_rundir_info *info, char *buf, size_t len)
{
    const char *what = info->state[0] ? info->state : "stopped";
    int l = snprintf(buf, len, "%s %s run: %d of %d epochs", what[0] == 'i' ? "an" : "a", what,
                     info->epochs_done, info->epochs_total);
    if (info->batch > 0 && l >= 0 && (size_t)l < len)
        l += snprintf(buf + l, len - (size_t)l, " and %d batches", info->batch);
    if (!isnan(info->last_loss) && l >= 0 && (size_t)l < len)
        l += snprintf(buf + l, len - (size_t)l, ", last loss %.6g", info->last_loss);
    if (info->written[0] && l >= 0 && (size_t)l < len)
        snprintf(buf + l, len - (size_t)l, ", written %s", info->written);
}

int nn_rundir_write_state(const char *dir, const char *state, const char *config, int epoch,
                          int batch, int epochs, struct nn_error *err)
{
    char path[NN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/state.json", dir);
    struct nn_sb b = {0};
    struct nn_json j;
    nn_json_init(&j, &b);
    nn_json_object(&j, NULL, 0);
    nn_json_str(&j, "state", state);
    nn_json_str(&j, "config", config);
    nn_json_int(&j, "epoch", epoch);
    nn_json_int(&j, "batch", batch);
    nn_json_int(&j, "epochs", epochs);
    nn_json_int(&j, "pid", (long long)getpid());
    nn_json_end(&j);
    return nn_sb_write_file(&b, path, err);
}
