/* poisson.c -- Poisson spike source with optional start and stop times */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>

#include "models/model.h"
#include "util/error.h"

enum { P_RATE, P_START, P_STOP };

static const hs_param_desc params[] = {
    {"rate", HS_DIM_RATE, 0.0, 1, 0.0, 1e7, 0, "firing rate"},
    {"start", HS_DIM_TIME, 0.0, 0, 0.0, HUGE_VAL, 0, "first time a spike may occur"},
    {"stop", HS_DIM_TIME, HUGE_VAL, 0, 0.0, HUGE_VAL, 0,
     "no spikes at or after this time (default: never stops)"},
};

static int po_check(const double *v, char *why, size_t n)
{
    if (v[P_STOP] < v[P_START]) {
        snprintf(why, n, "'stop' (%g ms) is before 'start' (%g ms)", v[P_STOP], v[P_START]);
        return P_STOP;
    }
    return -2;
}

/* Next spike after t, or INFINITY. */
static double next_spike(const hs_pop *p, double t)
{
    double rate = p->params[P_RATE] * 1e-3;   /* per ms */
    if (rate <= 0)
        return INFINITY;
    double tn = t + gsl_ran_exponential(p->rng, 1.0 / rate);
    return tn < p->params[P_STOP] ? tn : INFINITY;
}

static int po_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    (void)rng;
    (void)err;
    for (uint32_t i = 0; i < p->n; i++)
        hs_sched(net, p->gid0 + i, next_spike(p, p->params[P_START]));
    return HS_OK;
}

static hs_emit po_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    hs_sched(net, p->gid0 + i, next_spike(p, t));
    return HS_EMIT_ONSET;
}

const hs_model hs_model_poisson = {
    .schema = {
        .name = "poisson",
        .summary = "Poisson spike source of a given rate between start and stop",
        .params = params,
        .nparams = 3,
        .check = po_check,
    },
    .init = po_init,
    .fire = po_fire,
};
