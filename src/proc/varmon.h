/* varmon.h -- the state monitor: neurons' state variables sampled on a clock (record:
 * variables:, NEST's multimeter, Brian2's StateMonitor)
 *
 * A process (proc.h) that steps at 0, every, 2 every, ...: at each step it reads the chosen
 * variables of the chosen neurons through their models' state() -- exact values at that
 * instant, after every event before it, in the models' internal units (mV, dimensionless) --
 * and hands the row to its sink.  Reading never changes a neuron, so a run samples the same
 * spikes as without it (tests/check_net.c compares the rasters).
 */
#ifndef HS_PROC_VARMON_H
#define HS_PROC_VARMON_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"
#include "proc/proc.h"

/* One column: variable var of neuron i of pop. */
typedef struct hs_varmon_col {
    hs_pop *pop;
    uint32_t i;
    int var;
} hs_varmon_col;

/* Called with the row of values at each sample time t; nonzero: it could not be written. */
typedef int (*hs_varmon_sink)(void *ctx, double t, const double *row, size_t n);

typedef struct hs_varmon {
    double every;        /* ms between samples */
    uint64_t k;          /* the next sample is at k every */
    hs_varmon_col *col;
    size_t ncol;
    double *row;
    hs_varmon_sink sink; /* NULL: sample nothing (e.g. validate) */
    void *sink_ctx;
} hs_varmon;

/* A monitor of ncol columns (to be filled in col[]) every `every` ms; NULL when out of
 * memory.  Freed by hs_varmon_ops.free. */
hs_varmon *hs_varmon_new(double every, size_t ncol);

extern const hs_proc_ops hs_varmon_ops;

#endif
