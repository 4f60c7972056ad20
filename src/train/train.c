/* The training loop: shuffle, gather, forward, loss, backward, update; evaluation, progress,
 * history, metrics and checkpoints.
 *
 * nn_train() reads as its phases: open the run (output directory, data, resolved config), start
 * the model (resume from a checkpoint, or initialise), allocate everything the loop touches, run
 * the epochs (each: train, evaluate, report, checkpoint when due), finish (final evaluation and
 * files), close. Every resource lives in one struct run and is freed in one place, run_close().
 * The loop itself never allocates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "nnctl/backend.h"
#include "nnctl/clock.h"
#include "nnctl/fsutil.h"
#include "nnctl/mem.h"
#include "nnctl/normalize.h"
#include "nnctl/schedule.h"
#include "nnctl/train.h"
#include "train/history.h"
#include "train/metrics.h"
#include "train/rundir.h"
#include "train/run.h"
#include "train/step.h"

/* Subnormal floats (Adam's moments for rows whose gradient is exactly zero) make every operation
 * on them ~100× slower; flushing them to zero costs nothing measurable in accuracy. */
static void flush_denormals(void)
{
#if defined(__SSE__) || defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8040); /* FTZ | DAZ */
#endif
}

static double median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    for (int i = 1; i < n; i++) /* insertion sort: n is the epoch count, done once */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void fmt_eta(double s, char *buf, size_t len)
{
    if (s >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, len, "%.1fs", s);
}

/* Output directory, data, and the resolved config. */
static int run_open(struct run *r, struct nn_error *err)
{
    const char *dir = r->opts->out_dir;
    snprintf(r->ckpt_path, sizeof r->ckpt_path, "%s/model.ckpt", dir);
    snprintf(r->prev_path, sizeof r->prev_path, "%s/model.prev.ckpt", dir);
    snprintf(r->hist_path, sizeof r->hist_path, "%s/history.csv", dir);
    snprintf(r->metrics_path, sizeof r->metrics_path, "%s/metrics.json", dir);
    snprintf(r->best_path, sizeof r->best_path, "%s/best.ckpt", dir);
    int rc = nn_mkdir_p(dir, err);
    if (!rc)
        rc = nn_rundir_lock(dir, &r->lock, err);
    if (rc)
        return rc;
    /* A directory that holds a run is never reused silently. */
    struct nn_rundir_info info;
    nn_rundir_info(dir, &info);
    if (info.has_run && !r->opts->resume && !r->opts->overwrite) {
        char what[256];
        nn_rundir_describe(&info, what, sizeof what);
        return nn_error_set(err, NN_ERR_CONFIG,
                            "%s holds %s; pass --resume to continue, --overwrite to replace it, "
                            "or choose another --out",
                            dir, what);
    }
    r->replacing = info.has_run && r->opts->overwrite;
    if (!rc)
        rc = nn_dataset_load(r->cfg, 0, &r->train, err);
    if (rc)
        return rc;
    if (r->train.n == 0)
        return nn_error_set(err, NN_ERR_CONFIG, "%s: the training set is empty", r->cfg->path);
    if (r->train.class_names && !r->cfg->data.class_names.n) {
        r->named_cfg = *r->cfg; /* the checkpoint's config names the classes */
        r->named_cfg.data.class_names = *r->train.class_names;
        r->named_cfg.data.class_origin = NN_CLASSES_LEARNED;
        r->named_cfg.data.classes_from = r->train.name;
        r->cfg = &r->named_cfg;
    }
    /* the test and validation splits map their labels to the classes just learned; a
     * validation fraction leaves the training split (before its statistics are taken) */
    if ((rc = nn_dataset_load(r->cfg, 1, &r->test, err)) ||
        (rc = nn_dataset_load_validation(r->cfg, &r->train, &r->val, err)))
        return rc;
    /* Normalisation: statistics of the training data (unless the config gives them), written
     * into the checkpoint's config, applied to both splits before the first step. */
    const struct nn_data_spec *dsp = &r->cfg->data;
    if (dsp->normalize != NN_NORMALIZE_NONE && !dsp->feature_offset.n) {
        if ((rc =
                 nn_normalize_fit(&r->train, dsp->normalize, &r->norm_offset, &r->norm_scale, err)))
            return rc;
        if (r->cfg != &r->named_cfg) {
            r->named_cfg = *r->cfg;
            r->cfg = &r->named_cfg;
        }
        r->named_cfg.data.feature_offset = r->norm_offset;
        r->named_cfg.data.feature_scale = r->norm_scale;
    }
    if ((rc = nn_normalize_dataset(&r->train, &r->cfg->data.feature_offset,
                                   &r->cfg->data.feature_scale, err)) ||
        (rc = nn_normalize_dataset(&r->test, &r->cfg->data.feature_offset,
                                   &r->cfg->data.feature_scale, err)) ||
        (rc = nn_normalize_dataset(&r->val, &r->cfg->data.feature_offset,
                                   &r->cfg->data.feature_scale, err)))
        return rc;
    /* A batch larger than the data trains one partial batch per epoch. */
    r->bs = r->cfg->train.batch_size < r->train.n ? r->cfg->train.batch_size : r->train.n;
    r->steps = (r->train.n + r->bs - 1) / r->bs;
    r->yaml = nn_config_to_yaml(r->cfg);
    if (!r->yaml)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    return NN_OK;
}

/* Resume from the run directory's checkpoint, or build and initialise the model. */
static int run_start_model(struct run *r, struct nn_error *err)
{
    if (r->opts->resume && (access(r->ckpt_path, F_OK) == 0 || access(r->prev_path, F_OK) == 0)) {
        int rc = nn_run_load_latest(r, err);
        return rc ? rc : nn_run_check_resume(r, err);
    }
    int rc = nn_model_create(r->cfg, r->bs, &r->m, err);
    if (rc)
        return rc;
    nn_rng_seed(&r->st.shuffle, r->cfg->train.seed, 2);
    /* the training controls' state starts here and travels in every checkpoint */
    const struct nn_config *c = r->cfg;
    r->st.controls = c->optim.schedule.kind == NN_SCHEDULE_PLATEAU ||
                     c->train.early_stopping.monitor != NN_MONITOR_NONE || c->optim.clip_norm > 0;
    r->st.lr = c->optim.learning_rate;
    r->st.plateau_best = nn_monitor_initial(c->optim.schedule.monitor);
    r->st.stop_best = nn_monitor_initial(c->train.early_stopping.monitor);
    return NN_OK;
}

/* Everything the loop touches, and a resumed run's earlier history. */
static int run_alloc(struct run *r, struct nn_error *err)
{
    /* the data must fit the model's ends (a source whose widths the config cannot know, npy) */
    int fit = nn_dataset_fits(&r->train, r->m.in_size, r->m.out_size, err);
    if (!fit)
        fit = nn_dataset_fits(&r->test, r->m.in_size, r->m.out_size, err);
    if (!fit)
        fit = nn_dataset_fits(&r->val, r->m.in_size, r->m.out_size, err);
    if (fit)
        return fit;
    const int E = r->cfg->train.epochs, N = r->train.n;
    r->hist = calloc((size_t)E, sizeof *r->hist);
    r->epoch_secs = calloc((size_t)E, sizeof *r->epoch_secs);
    r->perm = malloc((size_t)N * sizeof *r->perm);
    r->eidx = malloc((size_t)r->bs * sizeof *r->eidx);
    r->xb = nn_alloc_aligned_array((size_t)r->bs * (size_t)r->m.in_size, sizeof(nn_real));
    r->yb = nn_alloc_aligned_array((size_t)r->bs * (size_t)r->m.out_size, sizeof(nn_real));
    if (r->opts->batch_losses)
        r->blosses = calloc((size_t)r->steps, sizeof *r->blosses);
    if (!r->hist || !r->epoch_secs || !r->perm || !r->eidx || !r->xb || !r->yb ||
        (r->opts->batch_losses && !r->blosses))
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for training buffers");
    int T = nn_step_threads(r->opts->threads, r->bs, r->m.n_params);
    r->opt = r->cfg->optim;
    int rc = nn_step_init(&r->step, &r->m, T, &r->train, r->xb, r->yb, &r->opt, err);
    if (rc)
        return rc;
    nn_backend_print_hints(stderr); /* set up: what would make it faster, before epoch 1 */
    r->last_loss = NAN;
    if (r->st.epoch > 0) {
        /* A resumed run reports the whole run: earlier epochs' rows and seconds come back too. */
        rc = nn_history_read(r->hist_path, r->hist, (int)r->st.epoch, err);
        if (rc)
            return rc;
        for (uint64_t e = 0; e < r->st.epoch; e++) {
            r->epoch_secs[e] = r->hist[e].seconds;
            r->train_time += r->hist[e].seconds;
        }
        r->last_loss = r->hist[r->st.epoch - 1].train_loss;
        if (!r->opts->quiet)
            fprintf(r->log, "resuming %s at epoch %llu of %d\n", r->resume_from,
                    (unsigned long long)r->st.epoch, r->cfg->train.epochs);
    }
    return NN_OK;
}

/* The signal that asked the run to stop (SIGINT, SIGTERM), or 0. */
static int stop_signal(const struct run *r)
{
    return r->opts->stop ? (int)*r->opts->stop : 0;
}

static int stopped(struct run *r, int e, int done, struct nn_error *err)
{
    int sig = stop_signal(r);
    nn_rundir_write_state(r->opts->out_dir, "interrupted", r->cfg->path, e, done,
                          r->cfg->train.epochs, NULL);
    const int code = sig == SIGTERM ? NN_ERR_TERMINATED : NN_ERR_INTERRUPTED;
    const char *name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
    if (done == 0)
        return nn_error_set(err, code, "stopped by %s after epoch %d of %d; %s holds it", name, e,
                            r->cfg->train.epochs, r->ckpt_path);
    return nn_error_set(err, code,
                        "stopped by %s in epoch %d of %d after %d of %d batches; %s records the "
                        "position",
                        name, e + 1, r->cfg->train.epochs, done, r->steps, r->ckpt_path);
}

/* One pass over the shuffled training set, from batch `from` (a run resumed inside the epoch);
 * its mean loss goes to r->last_loss, its seconds (all parts) to *secs. */
static int run_epoch(struct run *r, int e, int from, double *secs, struct nn_error *err)
{
    const int N = r->train.n, bs = r->bs;
    const double t0 = nn_now_seconds() - (from ? r->st.epoch_seconds : 0);
    const double every = r->cfg->train.checkpoint_minutes * 60;
    for (int i = 0; i < N; i++)
        r->perm[i] = (uint32_t)i;
    double lsum = 0;
    if (from) {
        /* the same order again, from the state the epoch started with */
        r->epoch_rng = r->st.epoch_shuffle;
        struct nn_rng again = r->epoch_rng;
        if (r->cfg->train.shuffle)
            nn_rng_shuffle(&again, r->perm, (size_t)N);
        lsum = r->st.epoch_loss_sum;
        r->st.batch = 0; /* from here on the run is back on its way to epoch boundaries */
    } else {
        r->epoch_rng = r->st.shuffle;
        if (r->cfg->train.shuffle)
            nn_rng_shuffle(&r->st.shuffle, r->perm, (size_t)N);
        r->st.norm_sum = r->st.norm_max = 0;
        r->st.norm_count = 0;
    }
    for (int start = from * bs; start < N; start += bs) {
        int B = N - start < bs ? N - start : bs; /* the last partial batch is trained */
        int next = start + B < N;
        nn_step_run(&r->step, r->perm + start, B, next ? r->perm + start + B : NULL,
                    N - (start + B) < bs ? N - (start + B) : bs, (long long)r->st.step + 1);
        double l = r->step.total;
        if (!isfinite(l)) {
            char where[160];
            nn_locate_non_finite(&r->m, r->xb, B, where, sizeof where);
            nn_rundir_write_state(r->opts->out_dir, "diverged", r->cfg->path, e, start / bs + 1,
                                  r->cfg->train.epochs, NULL);
            return nn_error_set(err, NN_ERR_NUMERIC,
                                "epoch %d, batch %d: the loss became %g (%s); training stopped, "
                                "the last checkpoint is left as it was",
                                e + 1, start / bs + 1, l, where);
        }
        lsum += l * B;
        if (r->opt.clip_norm > 0) {
            r->st.norm_sum += r->step.norm;
            r->st.norm_max = r->step.norm > r->st.norm_max ? r->step.norm : r->st.norm_max;
            r->st.norm_count++;
        }
        if (r->blosses && e == 0 && r->n_blosses < r->steps)
            r->blosses[r->n_blosses++] = l;
        r->st.step++;
        if (!next)
            break; /* the epoch's end: the caller checks for a signal after its report */
        int done = start / bs + 1, rc = 0;
        if (stop_signal(r)) {
            rc = nn_run_save_mid(r, e, done, lsum, nn_now_seconds() - t0, err);
            return rc ? rc : stopped(r, e, done, err);
        }
        if (every > 0 && nn_now_seconds() - r->last_save >= every)
            rc = nn_run_save_mid(r, e, done, lsum, nn_now_seconds() - t0, err);
        if (rc)
            return rc;
    }
    r->last_loss = lsum / N;
    r->st.epoch = (uint64_t)e + 1;
    *secs = nn_now_seconds() - t0;
    return NN_OK;
}

/* The progress line: every log_every epochs, the first and the last; a terminal's live line is
 * redrawn at most ten times a second (tiny epochs, like XOR's, would otherwise spend their time
 * printing), with an ETA from wall-clock time, which includes evaluation and printing. */
static void run_report(struct run *r, int e, double secs, double test_loss, int last)
{
    const struct nn_history_row *h = &r->hist[e];
    const int E = r->cfg->train.epochs, N = r->train.n;
    const int every = r->opts->log_every > 0 ? r->opts->log_every : 1;
    int print = (e + 1) % every == 0 || e + 1 == E || e == (int)r->first_epoch || last;
    double now = nn_now_seconds();
    int redraw = r->tty && (print || now - r->last_draw >= 0.1);
    if (r->opts->quiet || !(print || redraw))
        return;
    char line[256];
    int l = snprintf(line, sizeof line, "epoch %*d/%d  loss %.6f", (int)log10(E) + 1, e + 1, E,
                     r->last_loss);
    if (r->test.n > 0)
        l += snprintf(line + l, sizeof line - (size_t)l, "  test %.6f", test_loss);
    if (r->test.n > 0 && !isnan(h->test_accuracy))
        l += snprintf(line + l, sizeof line - (size_t)l, "  test_acc %.4f", h->test_accuracy);
    if (r->val.n > 0)
        l += snprintf(line + l, sizeof line - (size_t)l, "  val %.6f", h->val_loss);
    if (r->val.n > 0 && !isnan(h->val_accuracy))
        l += snprintf(line + l, sizeof line - (size_t)l, "  val_acc %.4f", h->val_accuracy);
    if (r->cfg->optim.schedule.kind != NN_SCHEDULE_CONSTANT)
        l += snprintf(line + l, sizeof line - (size_t)l, "  lr %.3g", h->lr);
    snprintf(line + l, sizeof line - (size_t)l, "  %.3fs  %.0f samples/s", secs,
             secs > 0 ? N / secs : 0);
    if (r->tty) {
        char eta[32];
        double per = (now - r->run_start) / (double)(e + 1 - (int)r->first_epoch);
        fmt_eta(per * (E - e - 1), eta, sizeof eta);
        fprintf(r->log, "\r\033[K%s  ETA %s%s", line, eta, print ? "\n" : "");
        r->last_draw = now;
    } else {
        fprintf(r->log, "%s\n", line);
    }
    fflush(r->log);
}

/* The value a monitor watches after epoch e. */
static double monitored(const struct run *r, enum nn_monitor mon, int e)
{
    switch (mon) {
    case NN_MONITOR_NONE:
        return NAN;
    case NN_MONITOR_VAL_LOSS:
        return r->hist[e].val_loss;
    case NN_MONITOR_VAL_ACCURACY:
        return r->hist[e].val_accuracy;
    case NN_MONITOR_LOSS:
        return r->hist[e].train_loss;
    }
    return NAN; /* not reached */
}

/* After epoch e: reduce_on_plateau's rate for the next epoch, and early stopping: a better
 * epoch is written as best.ckpt; *stop when patience has run out. */
static int run_controls(struct run *r, int e, int *stop, struct nn_error *err)
{
    const struct nn_config *c = r->cfg;
    *stop = 0;
    if (c->optim.schedule.kind == NN_SCHEDULE_PLATEAU)
        nn_plateau_update(&c->optim.schedule, monitored(r, c->optim.schedule.monitor, e), &r->st.lr,
                          &r->st.plateau_best, &r->st.plateau_wait);
    const struct nn_early_stop_spec *es = &c->train.early_stopping;
    if (es->monitor == NN_MONITOR_NONE)
        return NN_OK;
    int improved = 0;
    *stop = nn_early_stop_update(es, monitored(r, es->monitor, e), (uint64_t)e + 1,
                                 &r->st.stop_best, &r->st.stop_wait, &r->st.best_epoch, &improved);
    if (improved) {
        int rc = nn_checkpoint_save(r->best_path, &r->m, r->yaml, &r->st, err);
        if (rc)
            return rc;
    }
    return NN_OK;
}

/* The epochs: train, evaluate on the test set, report, checkpoint when due. */
static int run_epochs(struct run *r, struct nn_error *err)
{
    const int E = r->cfg->train.epochs, N = r->train.n;
    r->log = r->opts->log ? r->opts->log : stdout;
    r->tty = isatty(fileno(r->log));
    r->first_epoch = r->st.epoch;
    r->run_start = r->last_save = nn_now_seconds();
    nn_rundir_write_state(r->opts->out_dir, "running", r->cfg->path, (int)r->st.epoch,
                          (int)r->st.batch, E, NULL);
    for (int e = (int)r->st.epoch; e < E; e++) {
        double secs = 0;
        r->opt.learning_rate = nn_schedule_lr(&r->cfg->optim, e, E, r->st.lr);
        int rc = run_epoch(r, e, e == (int)r->first_epoch ? (int)r->st.batch : 0, &secs, err);
        if (rc)
            return rc;
        r->train_time += secs;
        r->epoch_secs[e] = secs;
        double test_loss = NAN, test_acc = NAN, val_loss = NAN, val_acc = NAN;
        if (r->test.n > 0)
            nn_evaluate(&r->m, &r->test, r->eidx, r->xb, r->yb, &test_loss, &test_acc);
        if (r->val.n > 0)
            nn_evaluate(&r->m, &r->val, r->eidx, r->xb, r->yb, &val_loss, &val_acc);
        const double nc = (double)r->st.norm_count;
        r->hist[e] = (struct nn_history_row){r->last_loss,
                                             test_loss,
                                             secs,
                                             secs > 0 ? N / secs : 0,
                                             r->opt.learning_rate,
                                             val_loss,
                                             val_acc,
                                             nc > 0 ? r->st.norm_sum / nc : NAN,
                                             nc > 0 ? r->st.norm_max : NAN,
                                             test_acc};
        int stop_early = 0;
        if ((rc = run_controls(r, e, &stop_early, err)))
            return rc;
        run_report(r, e, secs, test_loss, stop_early);
        if (stop_early) {
            if (!r->opts->quiet)
                fprintf(r->log,
                        "early stopping after epoch %d: %s has not improved for %d epochs; the "
                        "best was epoch %llu (%.6g), kept as %s\n",
                        e + 1, nn_monitor_name(r->cfg->train.early_stopping.monitor),
                        r->cfg->train.early_stopping.patience, (unsigned long long)r->st.best_epoch,
                        r->st.stop_best, r->best_path);
            return NN_OK; /* run_finish writes the history and the checkpoint */
        }
        int every = r->cfg->train.checkpoint_every;
        int minutes = r->cfg->train.checkpoint_minutes > 0 &&
                      nn_now_seconds() - r->last_save >= r->cfg->train.checkpoint_minutes * 60;
        int stop = stop_signal(r) != 0;
        if ((stop || minutes || (every > 0 && (e + 1) % every == 0)) && e + 1 < E) {
            rc = nn_history_write(r->hist_path, r->hist, e + 1, err);
            if (!rc)
                rc = nn_run_save(r, err);
            if (rc)
                return rc;
            if (stop)
                return stopped(r, e + 1, 0, err);
        }
    }
    return NN_OK;
}

/* The loss of each batch of the first epoch, computed before that batch's update: the report
 * compares these with other frameworks started from the same weights. */
static int write_batch_losses(const struct run *r, struct nn_error *err)
{
    char *text = malloc((size_t)r->n_blosses * 32 + 1);
    if (!text)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    size_t len = 0;
    for (int i = 0; i < r->n_blosses; i++)
        len += (size_t)snprintf(text + len, 32, "%.9g\n", r->blosses[i]);
    int rc = nn_write_file_atomic(r->opts->batch_losses, text, len, err);
    free(text);
    return rc;
}

/* best.ckpt's numbers on the test split. */
static int evaluate_best(struct run *r, struct nn_train_result *res, struct nn_error *err)
{
    struct nn_config c;
    struct nn_model b;
    int rc = nn_checkpoint_load(r->best_path, r->bs, &c, &b, NULL, err);
    if (rc)
        return rc;
    nn_evaluate(&b, &r->test, r->eidx, r->xb, r->yb, &res->best_test_loss,
                &res->best_test_accuracy);
    nn_model_free(&b);
    nn_config_free(&c);
    return NN_OK;
}

/* Final evaluation, then history.csv, the checkpoint, metrics.json and the batch losses. */
static int run_finish(struct run *r, struct nn_error *err)
{
    struct nn_train_result *res = r->res;
    const int E = (int)r->st.epoch; /* fewer than training.epochs when stopped early */
    res->epochs = E;
    res->epochs_planned = r->cfg->train.epochs;
    res->stopped_early = E < r->cfg->train.epochs;
    if (r->val.n > 0 && E > 0) {
        res->val_loss = r->hist[E - 1].val_loss;
        res->val_accuracy = r->hist[E - 1].val_accuracy;
    }
    int rc = NN_OK;
    if (r->st.best_epoch > 0) {
        res->best_epoch = (int)r->st.best_epoch;
        res->best_value = r->st.stop_best;
        if (r->test.n > 0 && (rc = evaluate_best(r, res, err)))
            return rc;
    }
    res->final_train_loss = r->last_loss;
    res->train_seconds = r->train_time;
    nn_evaluate(&r->m, &r->train, r->eidx, r->xb, r->yb, &res->eval_train_loss,
                &res->train_accuracy);
    if (r->test.n > 0)
        nn_evaluate(&r->m, &r->test, r->eidx, r->xb, r->yb, &res->final_test_loss,
                    &res->test_accuracy);
    /* Seconds per epoch: the median of the epochs after the first, which also pays for warm-up. */
    struct nn_run_facts facts = {
        .threads = r->step.team ? r->step.T : r->m.backend->threads(),
        .team = r->step.team != NULL,
        .median_epoch = median(r->epoch_secs + (E > 1), E - (int)(E > 1)),
        .n_train = r->train.n,
        .n_val = r->val.n,
    };
    rc = nn_history_write(r->hist_path, r->hist, E, err);
    if (!rc)
        rc = nn_run_save(r, err);
    if (!rc)
        rc = nn_metrics_write(r->metrics_path, r->cfg, &r->m, res, &facts, err);
    if (!rc)
        rc = nn_rundir_write_state(r->opts->out_dir, "finished", r->cfg->path, E, 0, E, err);
    if (!rc && r->opts->batch_losses)
        rc = write_batch_losses(r, err);
    return rc;
}

static void run_close(struct run *r)
{
    nn_rundir_unlock(&r->lock);
    nn_step_free(&r->step);
    free(r->hist);
    free(r->epoch_secs);
    free(r->blosses);
    free(r->perm);
    free(r->eidx);
    free(r->xb);
    free(r->yb);
    free(r->yaml);
    nn_model_free(&r->m);
    nn_config_free(&r->ck_cfg);
    nn_dataset_free(&r->val); /* before train: it borrows train's class names */
    nn_dataset_free(&r->train);
    nn_dataset_free(&r->test);
    free(r->norm_offset.v);
    free(r->norm_scale.v);
}

int nn_train(const struct nn_config *cfg, const struct nn_train_opts *opts,
             struct nn_train_result *res, struct nn_error *err)
{
    flush_denormals();
    nn_backend_default()->set_threads(opts->threads);
    memset(res, 0, sizeof *res);
    res->final_test_loss = res->train_accuracy = res->test_accuracy = NAN;
    res->val_loss = res->val_accuracy = res->best_value = NAN;
    res->best_test_loss = res->best_test_accuracy = NAN;
    /* 64-byte aligned: the step inside has cache-line-aligned members (nn_step), and the compiler
     * copies such structs with aligned vector moves */
    struct run *r = nn_alloc_aligned(sizeof *r);
    if (!r)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory");
    r->cfg = cfg;
    r->opts = opts;
    r->res = res;
    r->log = opts->log ? opts->log : stdout;
    r->lock.fd = -1;
    int rc = run_open(r, err);
    if (!rc)
        rc = run_start_model(r, err);
    if (!rc)
        rc = run_alloc(r, err);
    if (!rc)
        rc = run_epochs(r, err);
    if (!rc)
        rc = run_finish(r, err);
    run_close(r);
    free(r);
    return rc;
}
