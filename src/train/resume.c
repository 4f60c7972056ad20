/* A training run's checkpoints (see run.h): saving one without ever leaving none, and resuming
 * from the newest valid one with the config it was trained with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnctl/clock.h"
#include "train/run.h"

/* The config text a resumed run must match: the resolved YAML without training.epochs, which a
 * user may raise to train a finished run further. */
static void strip_epochs(char *yaml)
{
    char *p = strstr(yaml, "\n  epochs: ");
    if (p) {
        char *e = strchr(p + 1, '\n');
        if (e)
            memmove(p, e, strlen(e) + 1);
    }
}

/* Describes the first line where two resolved configs differ, e.g.
 * "optimizer: checkpoint has 'learning_rate: 0.005', config has 'learning_rate: 0.1'". */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    char section[64] = "";
    while (*a || *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la)) {
            const char *ta = a, *tb = b;
            while (*ta == ' ' || *ta == '-')
                ta++, la--;
            while (*tb == ' ' || *tb == '-')
                tb++, lb--;
            snprintf(out, len, "%s%scheckpoint has '%.*s', config has '%.*s'", section,
                     section[0] ? ": " : "", (int)(la > 120 ? 120 : la), ta,
                     (int)(lb > 120 ? 120 : lb), tb);
            return;
        }
        if (a[0] != ' ' && a[0] != '-') {
            const char *colon = memchr(a, ':', la);
            snprintf(section, sizeof section, "%.*s", colon ? (int)(colon - a) : 0, a);
        }
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    snprintf(out, len, "no difference found");
}

/* Keeps the previous checkpoint as model.prev.ckpt until the new one is complete: a crash at any
 * moment leaves at least one valid checkpoint (model.ckpt, or model.prev.ckpt between the two
 * renames), and a damaged model.ckpt still has its predecessor to fall back on. */
static int save_checkpoint(const char *path, const char *prev, const struct nn_model *m,
                           const char *yaml, const struct nn_train_state *st, struct nn_error *err)
{
    if (access(path, F_OK) == 0 && rename(path, prev) != 0)
        return nn_error_set(err, NN_ERR_IO, "%s: cannot keep the previous checkpoint as %s: %s",
                            path, prev, strerror(errno));
    return nn_checkpoint_save(path, m, yaml, st, err);
}

/* Loads the newest valid checkpoint: model.ckpt, else the one kept before it was written. */
int nn_run_load_latest(struct run *r, struct nn_error *err)
{
    int rc = access(r->ckpt_path, F_OK) == 0
                 ? nn_checkpoint_load(r->ckpt_path, r->bs, &r->ck_cfg, &r->m, &r->st, err)
                 : NN_ERR_IO;
    r->resume_from = r->ckpt_path;
    if (!rc)
        return NN_OK;
    char why[NN_MSG_MAX];
    snprintf(why, sizeof why, "%s",
             rc == NN_ERR_IO && access(r->ckpt_path, F_OK) != 0 ? "model.ckpt is missing"
                                                                : err->msg);
    if (access(r->prev_path, F_OK) != 0 ||
        nn_checkpoint_load(r->prev_path, r->bs, &r->ck_cfg, &r->m, &r->st, err) != NN_OK) {
        if (access(r->prev_path, F_OK) == 0)
            rc = nn_error_set(err, NN_ERR_FORMAT, "cannot resume: %s; and %s", why, err->msg);
        return rc;
    }
    fprintf(stderr, "nnctl: warning: %s; resuming from %s\n", why, r->prev_path);
    r->resume_from = r->prev_path;
    return NN_OK;
}

/* A resumed run must have the same config as the checkpoint, but for training.epochs. */
int nn_run_check_resume(struct run *r, struct nn_error *err)
{
    char *old = nn_config_to_yaml(&r->ck_cfg);
    if (!old)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    char *cur = strdup(r->yaml);
    if (cur) {
        strip_epochs(old);
        strip_epochs(cur);
    }
    int same = cur && !strcmp(old, cur);
    char diff[320] = "";
    if (cur && !same)
        first_difference(old, cur, diff, sizeof diff);
    free(old);
    free(cur);
    if (!same)
        return nn_error_set(err, NN_ERR_CONFIG,
                            "%s: cannot resume from a different config (only training.epochs "
                            "may change): %s",
                            r->resume_from, diff);
    const struct nn_early_stop_spec *es = &r->cfg->train.early_stopping;
    if (es->monitor != NN_MONITOR_NONE && r->st.stop_wait >= (uint64_t)es->patience)
        return nn_error_set(err, NN_ERR_CONFIG,
                            "%s: stopped early after epoch %llu (the best was epoch %llu, kept as "
                            "best.ckpt); there is nothing to resume",
                            r->resume_from, (unsigned long long)r->st.epoch,
                            (unsigned long long)r->st.best_epoch);
    if (r->st.epoch >= (uint64_t)r->cfg->train.epochs)
        return nn_error_set(err, NN_ERR_CONFIG,
                            "%s: already trained for %llu epochs; raise "
                            "training.epochs to continue",
                            r->resume_from, (unsigned long long)r->st.epoch);
    return NN_OK;
}

/* A checkpoint of the run. The first one of a run that replaces another (--overwrite) then
 * removes what is left of the old run: its previous checkpoint and metrics. */
int nn_run_save(struct run *r, struct nn_error *err)
{
    int rc = save_checkpoint(r->ckpt_path, r->prev_path, &r->m, r->yaml, &r->st, err);
    if (!rc && r->replacing) {
        unlink(r->prev_path);
        unlink(r->metrics_path);
        r->replacing = 0;
    }
    r->last_save = nn_now_seconds();
    return rc;
}

/* A checkpoint inside epoch e, after `done` batches: the position, the epoch's shuffling state
 * and its loss and seconds so far go with it, so a resume draws the same order and continues
 * with the next batch. The history of the completed epochs is written first. */
int nn_run_save_mid(struct run *r, int e, int done, double lsum, double secs, struct nn_error *err)
{
    int rc = nn_history_write(r->hist_path, r->hist, e, err);
    if (rc)
        return rc;
    r->st.batch = (uint64_t)done;
    r->st.epoch_shuffle = r->epoch_rng;
    r->st.epoch_loss_sum = lsum;
    r->st.epoch_seconds = secs;
    rc = nn_run_save(r, err);
    r->st.batch = 0;
    return rc;
}
