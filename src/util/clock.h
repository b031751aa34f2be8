/* clock.h -- wall-clock seconds for reports of wall time (never for simulated time) */
#ifndef HS_UTIL_CLOCK_H
#define HS_UTIL_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double hs_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
