/* Learning-rate schedules, reduce-on-plateau and early stopping (schedule.h). */
#include "nnctl/schedule.h"

#include <math.h>

double nn_schedule_lr(const struct nn_optim_spec *o, int e, int E, double plateau_lr)
{
    const struct nn_schedule_spec *s = &o->schedule;
    const double lr = o->learning_rate;
    switch (s->kind) {
    case NN_SCHEDULE_CONSTANT:
        return lr;
    case NN_SCHEDULE_STEP:
        return lr * pow(s->factor, (double)(e / s->step_epochs));
    case NN_SCHEDULE_EXPONENTIAL:
        return lr * pow(s->factor, (double)e);
    case NN_SCHEDULE_COSINE: {
        const int W = s->warmup_epochs;
        if (e < W)
            return lr * (double)(e + 1) / (double)W;
        const int T = E - W > 0 ? E - W : 1;
        return s->min_lr + (lr - s->min_lr) * 0.5 * (1 + cos(M_PI * (double)(e - W) / (double)T));
    }
    case NN_SCHEDULE_PLATEAU:
        return plateau_lr;
    }
    return lr; /* not reached: every schedule is handled above */
}

double nn_monitor_initial(enum nn_monitor m)
{
    return m == NN_MONITOR_VAL_ACCURACY ? -INFINITY : INFINITY;
}

int nn_monitor_improved(enum nn_monitor m, double value, double best, double min_delta)
{
    if (isnan(value))
        return 0;
    return m == NN_MONITOR_VAL_ACCURACY ? value > best + min_delta : value < best - min_delta;
}

void nn_plateau_update(const struct nn_schedule_spec *s, double value, double *lr, double *best,
                       uint64_t *wait)
{
    if (nn_monitor_improved(s->monitor, value, *best, s->min_delta)) {
        *best = value;
        *wait = 0;
        return;
    }
    if (++*wait > (uint64_t)s->patience) {
        double next = *lr * s->factor;
        *lr = next > s->min_lr ? next : s->min_lr;
        *wait = 0;
    }
}

int nn_early_stop_update(const struct nn_early_stop_spec *s, double value, uint64_t epoch,
                         double *best, uint64_t *wait, uint64_t *best_epoch, int *improved)
{
    *improved = nn_monitor_improved(s->monitor, value, *best, s->min_delta);
    if (*improved) {
        *best = value;
        *wait = 0;
        *best_epoch = epoch;
        return 0;
    }
    return ++*wait >= (uint64_t)s->patience;
}
