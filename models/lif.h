/* lif.h -- closed-form pieces of the leaky integrate-and-fire neuron: the reference formulas
 * that tests/check_lif.c holds the event-driven model (models/lif.c) to */
#ifndef HS_MODELS_LIF_H
#define HS_MODELS_LIF_H

#include <math.h>

/* v after dt of free decay towards v_rest: v_rest + (v - v_rest) exp(-dt / tau). */
static inline double hs_lif_decay(double v, double v_rest, double tau, double dt)
{
    return v_rest + (v - v_rest) * exp(-dt / tau);
}

/* Time until v, decaying freely towards v_rest, reaches v_thresh from below; INFINITY when it
 * never does (v_rest <= v_thresh), 0 when v is already at or above threshold. */
static inline double hs_lif_crossing(double v, double v_rest, double v_thresh, double tau)
{
    if (v >= v_thresh)
        return 0.0;
    if (v_rest <= v_thresh)
        return INFINITY;
    /* tau ln((v - v_rest)/(v_thresh - v_rest)).  log rather than log1p: log1p costs several
     * times more, and the absolute error in time stays about tau * 1e-16 either way. */
    return tau * log((v - v_rest) / (v_thresh - v_rest));
}

#endif
