/* nnctl — the one clock: monotonic seconds, for durations only. */
#ifndef NNCTL_CLOCK_H
#define NNCTL_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). This function can't fail. */
double nn_now_seconds(void);

#endif
