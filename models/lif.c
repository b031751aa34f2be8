/* lif.c -- leaky integrate-and-fire neuron with delta-current synapses, exact between events
 *
 * tau_m dv/dt = v_rest - v; a synaptic event of weight w makes v jump by w (mV).  When v reaches
 * v_thresh the neuron spikes, v is held at v_reset for t_ref (input during that time is lost,
 * as in NEST's iaf_psc_delta and Brian2's 'unless refractory'), then decays freely again.
 * Between events v is known in closed form, so the next threshold crossing (possible when
 * v_rest > v_thresh) is computed exactly and scheduled; no time step is involved.
 *
 * Optional Poisson drive (drive_rate, drive_weight): every neuron receives its own Poisson
 * train of jumps -- the superposition of independent Poisson sources is one Poisson process,
 * so C sources at nu are one train at C nu -- whose next arrival is the neuron's own event:
 * no source neuron, no spike sent along a projection.  Arrivals while refractory are lost like
 * any input; by memorylessness the first arrival after the refractory period is drawn from its
 * end.  Each neuron draws its intervals from its own counter-based stream (hs_rng_exp: the
 * population's key, stream = the neuron's index), so its train does not depend on the order in
 * which the engine advances neurons (event queue or slices, one thread or several): its
 * intervals are the standard exponential deviates of its stream, in order, / drive_rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/lif.h"
#include "models/model.h"
#include "util/error.h"
#include "util/rng.h"

enum { P_TAU_M, P_V_REST, P_V_THRESH, P_V_RESET, P_T_REF, P_DRIVE_RATE, P_DRIVE_W };

static const hs_param_desc params[] = {
    {"tau_m", HS_DIM_TIME, 10.0, 0, 1e-6, HUGE_VAL, 0, "membrane time constant"},
    {"v_rest", HS_DIM_VOLTAGE, -70.0, 0, -HUGE_VAL, HUGE_VAL, 0, "resting potential"},
    {"v_thresh", HS_DIM_VOLTAGE, -55.0, 0, -HUGE_VAL, HUGE_VAL, 0, "spike threshold"},
    {"v_reset", HS_DIM_VOLTAGE, -70.0, 0, -HUGE_VAL, HUGE_VAL, 0, "reset potential"},
    {"t_ref", HS_DIM_TIME, 2.0, 0, 0.0, HUGE_VAL, 0, "absolute refractory period"},
    {"drive_rate", HS_DIM_RATE, 0.0, 0, 0.0, 1e8, 0,
     "rate of each neuron's own Poisson input (e.g. 1000 sources x 20 Hz = 20 kHz)"},
    {"drive_weight", HS_DIM_VOLTAGE, 0.0, 0, -HUGE_VAL, HUGE_VAL, 0,
     "voltage jump of each arrival of the Poisson drive"},
};

static int lif_check(const double *v, char *why, size_t n)
{
    if (!(v[P_V_RESET] < v[P_V_THRESH])) {
        snprintf(why, n, "'v_reset' (%g mV) must be below 'v_thresh' (%g mV)", v[P_V_RESET],
                 v[P_V_THRESH]);
        return P_V_RESET;
    }
    return -2;
}

/* State.  While free, neuron i's membrane is v(t) = v_rest + a[i] / E(t) with the population's
 * anchor E(t) = exp((t - T0) / tau_m): an input of weight w at time t adds w E(t) to a[i], so
 * one exp per delivered group of synapses serves every target, instead of one per synapse.
 * T0 is moved forward (and a rescaled) before E could overflow.
 *
 * Scheduling is lazy.  The neuron's key in the event queue is never later than its true
 * threshold crossing: either the crossing itself (exact) or a lower bound (inhibition since
 * the key was set only delays the crossing).  |ek| = E(key) lets an excitatory input test "is
 * the key still a lower bound?" with one multiplication; only when it is not is the crossing
 * recomputed (one log) and the queue touched.  The sign of ek says which: positive exact,
 * negative a lower bound.  A neuron woken at a stale key recomputes its crossing and goes back
 * to sleep.  Spike times are exactly those of eager scheduling.
 *
 * The drive's arrivals carry their anchor too: ea = E(ta), carried from one arrival to the
 * next by the factor exp(interval / tau_m) -- a short polynomial, since the intervals are a
 * small fraction of tau_m -- rather than by an exp of the absolute time at every arrival.  The
 * chain starts afresh from E computed directly at every spike (the end of its refractory
 * period), so its rounding cannot grow beyond a few hundred ulps between two spikes. */
typedef struct lif_neuron {   /* what an input touches, in one place: one cache line at most */
    double a;        /* (v - v_rest) E(t), while free */
    double ek;       /* E(key): positive when the key is the crossing, -E(key) when a bound */
    double refr_end; /* end of the refractory period (input before it is lost) */
    double ea;       /* E(ta) */
    double ta;       /* next arrival of the Poisson drive (INFINITY without one) */
    double tc;       /* the crossing key (the queue key is the earlier of tc and ta) */
    hs_rng_ctr rng;  /* the cursor on its own stream (the drive's intervals) */
} lif_neuron;

typedef struct lif_state {
    lif_neuron *nr;
    double T0;       /* anchor time */
    int sliced;      /* advanced in slices: T0 moves only when a slice begins (inputs carry
                      * E(t) computed then) */
    double drive_mean;   /* mean interval of the drive (ms), or 0 without one */
    double inv_tau;      /* 1 / tau_m (a multiplication per arrival, not a division) */
} lif_state;

/* e^x for 0 <= x: below 1/32 the degree-7 Taylor polynomial, whose remainder x^8 / 8! is
 * under 2.4e-17 (a fifth of an ulp), else exp. */
static inline double exp_small(double x)
{
    if (!(x < 0.03125))
        return exp(x);
    const double x2 = x * x;
    const double p01 = 1.0 + x, p23 = 0.5 + x * (1.0 / 6), p45 = 1.0 / 24 + x * (1.0 / 120),
                 p67 = 1.0 / 720 + x * (1.0 / 5040);
    return (p01 + x2 * p23) + (x2 * x2) * (p45 + x2 * p67);
}

/* Neuron i's next drive arrival after t, E(t) = Et (INFINITY without a drive), from its own
 * stream, and its anchor. */
static void draw_arrival(hs_pop *p, uint32_t i, double t, double Et)
{
    lif_state *s = p->state;
    lif_neuron *n = &s->nr[i];
    if (!(s->drive_mean > 0)) {
        n->ta = INFINITY;
        n->ea = INFINITY;
        return;
    }
    n->ta = t + s->drive_mean * hs_rng_exp(p->key, i, &n->rng);
    n->ea = Et * exp_small((n->ta - t) * s->inv_tau);
}

/* Key neuron i at the earlier of its crossing key and its next drive arrival (in the event
 * queue; net is NULL when the neuron is advanced without it). */
static void key(hs_pop *p, uint32_t i, hs_net *net)
{
    const lif_neuron *n = &((lif_state *)p->state)->nr[i];
    if (net)
        hs_sched(net, p->gid0 + i, n->ta < n->tc ? n->ta : n->tc);
}

/* Targets ahead whose state lif_receive prefetches. */
#define LIF_AHEAD 8

/* Rebase beyond this many membrane time constants: E stays below e^64 ~ 6e27. */
#define LIF_REBASE 64.0

/* Move the anchor to T0 = t: every a and ek scaled by E(t)^-1. */
static void rebase(hs_pop *p, double t)
{
    lif_state *s = p->state;
    const double f = exp(-(t - s->T0) / p->params[P_TAU_M]);
    for (uint32_t i = 0; i < p->n; i++) {
        s->nr[i].a *= f;
        s->nr[i].ek *= f;
        s->nr[i].ea *= f;
    }
    s->T0 = t;
}

/* Before E(t) is needed: the anchor moved when t is far from it (not in slices). */
static inline void keep_anchor(hs_pop *p, double t)
{
    lif_state *s = p->state;
    if (t - s->T0 > LIF_REBASE * p->params[P_TAU_M] && !s->sliced)
        rebase(p, t);
}

static double anchor(hs_pop *p, double t)
{
    keep_anchor(p, t);
    return exp((t - ((lif_state *)p->state)->T0) / p->params[P_TAU_M]);
}

/* Slices: E stays below e^(LIF_REBASE / 2 + t_ref / tau_m) within a slice no longer than
 * LIF_REBASE / 2 membrane time constants (the network's smallest delay is rarely longer). */
static void lif_slice_begin(hs_pop *p, double t0, double t1)
{
    lif_state *s = p->state;
    s->sliced = 1;
    if (t1 - s->T0 > 0.5 * LIF_REBASE * p->params[P_TAU_M])
        rebase(p, t0);
}

static double lif_token(const hs_pop *p, double t)
{
    const lif_state *s = p->state;
    return exp((t - s->T0) / p->params[P_TAU_M]);
}

/* Set neuron i's key to its exact next crossing, given E = E(t). */
static void schedule_exact(hs_pop *p, uint32_t i, double t, double E, hs_net *net)
{
    lif_state *s = p->state;
    lif_neuron *n = &s->nr[i];
    const double *P = p->params;
    const double theta = P[P_V_THRESH] - P[P_V_REST];
    if (n->a >= theta * E) {   /* at or above threshold: fire now */
        n->ek = E;
        n->tc = t;
    } else if (theta < 0) {    /* v_rest above threshold: crossing at E(t*) = a / theta */
        n->ek = n->a / theta;
        n->tc = s->T0 + P[P_TAU_M] * log(n->ek);
    } else {
        n->ek = INFINITY;
        n->tc = INFINITY;
    }
    key(p, i, net);
}

_Static_assert(sizeof(lif_neuron) == 64, "a LIF neuron fills one cache line");

static int lif_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    (void)rng;   /* the drive draws from each neuron's own stream */
    lif_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_nomem(err, NULL);
    p->state = s;
    const size_t bytes = (p->n ? p->n : 1) * sizeof *s->nr;   /* a multiple of 64 */
    s->nr = aligned_alloc(64, bytes);
    if (!s->nr)
        return hs_nomem(err, NULL);
    memset(s->nr, 0, bytes);
    s->T0 = 0.0;
    const double rate = p->params[P_DRIVE_RATE] * 1e-3;   /* per ms */
    s->drive_mean = rate > 0 && p->params[P_DRIVE_W] != 0 ? 1.0 / rate : 0.0;
    s->inv_tau = 1.0 / p->params[P_TAU_M];
    for (uint32_t i = 0; i < p->n; i++) {
        s->nr[i].a = (p->init ? p->init[i] : p->params[P_V_REST]) - p->params[P_V_REST];
        s->nr[i].refr_end = -INFINITY;
        draw_arrival(p, i, 0.0, 1.0);
        schedule_exact(p, i, 0.0, 1.0, net);
    }
    return HS_OK;
}

static void lif_free(hs_pop *p)
{
    lif_state *s = p->state;
    if (!s)
        return;
    free(s->nr);
    free(s);
    p->state = NULL;
}

/* Input dw to neuron j at t (E = E(t), thE = theta E), not refractory: move its membrane and,
 * where its crossing may now come sooner than its key, its key.  Returns 1 when it keyed the
 * neuron anew. */
static inline int take(hs_pop *p, uint32_t j, double t, double E, double thE, double theta,
                       int self_firing, double dw, hs_net *net)
{
    lif_neuron *nj = &((lif_state *)p->state)->nr[j];
    if (t < nj->refr_end)   /* input while refractory is lost */
        return 0;
    double a = nj->a + dw * E;
    nj->a = a;
    if (a >= thE) {
        /* at threshold: fire at t, after the current spike has reached all its targets.
         * Already due at t?  Keep its place: neurons brought to threshold at the same
         * instant fire in the order they got there. */
        if (!(nj->ek == E)) {   /* (a bound is negative) */
            schedule_exact(p, j, t, E, net);
            return 1;
        }
    } else if (dw > 0 && self_firing && (nj->ek > 0 || -nj->ek * theta < a)) {
        schedule_exact(p, j, t, E, net);   /* the crossing moved before the key */
        return 1;
    } else {
        nj->ek = -fabs(nj->ek);            /* the key is (still) a lower bound */
    }
    return 0;
}

/* A drive arrival of neuron i at t (its key ta): the next one drawn, and the jump taken like
 * any input (a crossing it brings about is its next event, at t or later). */
static void drive_arrival(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    const double *P = p->params;
    keep_anchor(p, t);
    const double E = ((lif_state *)p->state)->nr[i].ea, theta = P[P_V_THRESH] - P[P_V_REST];
    draw_arrival(p, i, t, E);
    if (!take(p, i, t, E, theta * E, theta, theta < 0, P[P_DRIVE_W], net))
        key(p, i, net);   /* ta moved */
}

static hs_emit lif_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    lif_state *s = p->state;
    const double *P = p->params;
    lif_neuron *n = &s->nr[i];
    if (n->ta < n->tc) {   /* an arrival of the drive (never while refractory: see below) */
        drive_arrival(p, i, t, net);
        return HS_EMIT_NONE;   /* (brought to threshold: its crossing at t is due next) */
    } else if (n->ek < 0) {   /* woken at a lower bound: where is the crossing now? */
        double E = anchor(p, t);
        const double theta = P[P_V_THRESH] - P[P_V_REST];
        if (s->nr[i].a < theta * E) {
            schedule_exact(p, i, t, E, net);
            if (s->nr[i].ek > E)   /* still ahead (not a rounding tie): sleep until then */
                return HS_EMIT_NONE;
        }
    }
    /* Spike.  v is held at v_reset until t + t_ref, input meanwhile is lost; from then on it
     * decays freely, so its state at the end of the refractory period, and the next crossing,
     * are known now: one event per spike. */
    double te = t + P[P_T_REF];
    s->nr[i].refr_end = te;
    double E = anchor(p, te);
    s->nr[i].a = (P[P_V_RESET] - P[P_V_REST]) * E;
    if (s->drive_mean > 0)   /* arrivals before te are lost: the next one counts from te */
        draw_arrival(p, i, te, E);
    schedule_exact(p, i, te, E, net);
    return HS_EMIT_ONSET;
}

static void lif_receive(hs_pop *p, double t, const uint32_t *tgt, const double *w,
                        const double *ew, size_t n, double sign, hs_net *net)
{
    (void)ew;
    lif_state *s = p->state;
    const double *P = p->params;
    const double theta = P[P_V_THRESH] - P[P_V_REST];
    const double E = anchor(p, t), thE = theta * E;
    const int self_firing = theta < 0;
    /* (excitation moves a crossing; the queue gives hints when it is larger than the cache) */
    const int moves = p->qpos && self_firing && (w || sign > 0);
    for (size_t k = 0; k < n; k++) {
        uint32_t j = tgt[k];
#if defined(__GNUC__)
        if (k + LIF_AHEAD < n)   /* a large network's state is not in cache: ask early */
            __builtin_prefetch(&s->nr[tgt[k + LIF_AHEAD]], 1);
        if (moves) {   /* keys the inputs may move: ask for them too */
            if (k + 2 * LIF_AHEAD < n)
                hs_sched_prefetch_place(p, tgt[k + 2 * LIF_AHEAD]);
            if (k + LIF_AHEAD < n)
                hs_sched_prefetch_key(p, tgt[k + LIF_AHEAD]);
        }
#endif
        take(p, j, t, E, thE, theta, self_firing, w ? sign * w[k] : sign, net);
    }
}

/* Advance neuron i alone through [its time, t1) (see hs_model.advance): inputs and its own
 * events (drive arrivals, crossing keys) merged in time order, inputs first at equal times, so
 * that inputs of one instant are all absorbed before a crossing at that instant fires.  The
 * same take() and fire steps as with the event queue, without keys in it. */
static uint64_t lif_advance(hs_pop *p, uint32_t i, double t1, const hs_input *in, size_t n,
                            hs_spike_out out, void *ctx)
{
    lif_state *s = p->state;
    const double *P = p->params;
    const double theta = P[P_V_THRESH] - P[P_V_REST];
    const int self_firing = theta < 0;
    lif_neuron *nr = &s->nr[i];
    uint64_t own = 0;
    size_t k = 0;
    for (;;) {
        const double town = nr->ta < nr->tc ? nr->ta : nr->tc;
        if (k < n && in[k].t <= town) {
            const double t = in[k].t, E = in[k].x;   /* = anchor(p, t), from lif_token */
            take(p, i, t, E, theta * E, theta, self_firing, in[k].w, NULL);
            k++;
        } else if (town < t1) {
            own++;
            if (nr->ta < nr->tc) {   /* a drive arrival */
                drive_arrival(p, i, nr->ta, NULL);
                continue;
            }
            if (lif_fire(p, i, town, NULL) == HS_EMIT_ONSET && out(ctx, town))
                break;
        } else {
            break;
        }
    }
    return own;
}

static const hs_var_desc vars[] = {
    {"v", HS_DIM_VOLTAGE, "membrane potential (v_reset while refractory)"},
};

/* v at t: v_reset while refractory, else v_rest + a / E(t) (as a e^(-(t - T0) / tau_m), which
 * cannot overflow however long the neuron has been left alone). */
static double lif_state_at(const hs_pop *p, uint32_t i, int var, double t)
{
    (void)var;
    const lif_state *s = p->state;
    const double *P = p->params;
    const lif_neuron *n = &s->nr[i];
    if (t < n->refr_end)
        return P[P_V_RESET];
    return P[P_V_REST] + n->a * exp(-(t - s->T0) * s->inv_tau);
}

/* A Poisson drive moves keys later by random intervals at every arrival. */
static int lif_drifting_keys(const hs_pop *p)
{
    return p->params[P_DRIVE_RATE] > 0 && p->params[P_DRIVE_W] != 0;
}

const hs_model hs_model_lif = {
    .schema = {
        .name = "lif",
        .summary = "leaky integrate-and-fire, delta-current synapses (voltage jumps), exact "
                   "between events",
        .params = params,
        .nparams = 7,
        .init_var = "v",
        .init_dim = HS_DIM_VOLTAGE,
        .can_receive = 1,
        .weight_dim = HS_DIM_VOLTAGE,
        .check = lif_check,
        .vars = vars,
        .nvars = 1,
    },
    .init = lif_init,
    .free_state = lif_free,
    .fire = lif_fire,
    .receive = lif_receive,
    .state = lif_state_at,
    .uniform_weight = 1,
    .drifting_keys = lif_drifting_keys,
    .advance = lif_advance,
    .slice_begin = lif_slice_begin,
    .token = lif_token,
};
