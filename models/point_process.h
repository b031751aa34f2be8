/* point_process.h -- stochastic spiking neurons whose hazard a process sets (the spike
 * realisation of a hee: block)
 *
 * A population of U units of P neurons each (n = U P).  The P neurons of a unit share one
 * hazard h_u(t) (per ms), piecewise constant, set by the process that drives them with
 * hs_pp_set_hazard(); between changes every spike time is exact (time rescaling, no grid).
 * Each neuron keeps its own state: its threshold theta_j in the unit's integrated hazard
 * Lambda_u(t) = int h_u, and, after a spike, an absolute refractory period tau_ref during
 * which it cannot fire.  Neuron j fires when Lambda_u reaches theta_j; after the spike
 * theta_j = Lambda_u(t_spike + tau_ref) + E, E ~ Exp(1).  Every neuron has its own slot in
 * the engine's queue; a unit keeps exactly one of them keyed at a time (its next spike or
 * its next end of refractoriness), so changing a unit's hazard costs one queue update.
 *
 * The P neurons of a unit share their synapses (a unit's weights), so each unit has one
 * synaptic trace, tau_syn da/dt = -a + (1/P) sum_spikes delta(t - t_s) (per ms), updated
 * exactly at each spike; hs_pp_traces() reads all of them at a time t.  Input from
 * projections into the population (receive) goes into a per-unit current of the same time
 * constant, read with hs_pp_inputs().
 */
#ifndef HS_MODELS_POINT_PROCESS_H
#define HS_MODELS_POINT_PROCESS_H

#include "models/model.h"

extern const hs_model hs_model_point_process;

/* Parameter indices of hs_model_point_process (hs_pop.params). */
enum { HS_PP_P = 0, HS_PP_TAU_REF = 1, HS_PP_TAU_SYN = 2 };

/* Set unit u's hazard (per ms, >= 0) from time t on; reschedules its next event. */
void hs_pp_set_hazard(hs_pop *p, uint32_t u, double h, double t, hs_net *net);
/* The same, with a promise: the caller sets u's hazard again at or before `until` (INFINITY:
 * no promise).  Then an event at or after `until` is not put in the engine's queue -- the next
 * call looks again -- so a process that sets every hazard at every step of dt keeps in the
 * queue only the units that fire within the step, and pays no queue update for the others.
 * Breaking the promise silences the unit from `until` on. */
void hs_pp_set_hazard_until(hs_pop *p, uint32_t u, double h, double t, double until,
                            hs_net *net);
/* hs_pp_set_hazard_until for every unit: unit u's hazard h[u]. */
void hs_pp_set_hazards_until(hs_pop *p, const double *h, double t, double until, hs_net *net);
/* The units' synaptic traces at time t (per ms: a unit firing steadily at r per neuron has
 * mean trace r), written to out[0..U-1]; t must not precede the last spike. */
void hs_pp_traces(hs_pop *p, double t, double *out);
/* The units' traces averaged over [t0, t], t0 the time of the previous call (or of
 * hs_pp_set_traces): exact, from the trace at t0 and the spikes since (the integral of
 * tau da = -a dt + dN / P); at t = t0 the trace itself.  counts, when not NULL, gets the
 * spikes in (t0, t] per neuron and ms (the mean of the spike train itself: no memory of
 * earlier windows). */
void hs_pp_trace_means(hs_pop *p, double t, double *out, double *counts);
/* Set the units' traces at time t to v[0..U-1] (per ms), e.g. to start them at their mean. */
void hs_pp_set_traces(hs_pop *p, double t, const double *v);
/* The units' input currents at t (sum of received weights, each decaying with tau_syn,
 * divided by tau_syn so that a steady input of rate nu and weight w reads nu w). */
void hs_pp_inputs(hs_pop *p, double t, double *out);
/* Size of the state save (hs_pp_save writes exactly this many bytes). */
size_t hs_pp_state_bytes(const hs_pop *p);
void hs_pp_save(const hs_pop *p, void *buf);
/* Restore a saved state and reschedule every unit (the queue keys follow from the state). */
void hs_pp_load(hs_pop *p, const void *buf, hs_net *net);

#endif
