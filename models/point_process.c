/* point_process.c -- stochastic spiking neurons driven by a hazard that a process sets
 *
 * See point_process.h.  Per unit: the hazard h (per ms), the integrated hazard Lambda at time
 * tu, a min-heap of its free neurons ordered by threshold theta, and a FIFO of its refractory
 * neurons ordered by the end of their refractory period (tau_ref is one constant, so the order
 * of spikes is the order of releases).  The unit's next event is the earlier of
 *   - the spike of the heap's top neuron, at tu + (theta_top - Lambda) / h, and
 *   - the release of the FIFO's head, at which its theta = Lambda(release) + E is set (E drawn
 *     at its spike), and it joins the heap; a release emits nothing.
 * The hazard is constant between events of the unit and calls of hs_pp_set_hazard, so the
 * spike times are exact: each neuron's spikes form the renewal process of hazard h with dead
 * time tau_ref (for tau_ref = 0, independent Poisson processes).
 *
 * Traces are kept scaled to the time of their last read t_read: trace(t) = a exp(-(t -
 * t_read)/tau_syn), so a read costs one exp for the whole population and a spike one exp.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "models/point_process.h"
#include "util/error.h"

#define NONE UINT32_MAX

static const hs_param_desc params[] = {
    {"neurons_per_unit", HS_DIM_NONE, 1.0, 0, 1.0, 1e7, 0,
     "neurons per unit (they share the unit's hazard, synapses and trace)"},
    {"tau_ref", HS_DIM_TIME, 0.0, 0, 0.0, 1e6, 0, "absolute refractory period"},
    {"tau_syn", HS_DIM_TIME, 1.0, 0, 1e-6, 1e6, 0, "time constant of the synaptic trace"},
};

typedef struct pp_state {
    uint32_t U, P;
    double tau_ref, tau_syn;
    double *h, *lam, *tu;        /* per unit: hazard, integrated hazard at tu */
    double *a, *in;              /* per unit: trace and input, scaled to t_read, t_in */
    double t_read, t_in;
    double f_span, f_val;        /* the last rebase's interval and its decay (cache; the
                                    interval is the same at every step of a process) */
    double *a0;                  /* per unit: the trace at t_avg, start of the averaging window */
    double *cnt;                 /* per unit: spikes since t_avg */
    double t_avg;
    uint32_t *cur;               /* per unit: the neuron keyed in the queue, or NONE */
    double *kt;                  /* per unit: its key (a lower bound of its next event) */
    double *hz;                  /* per unit: the horizon, before which the caller sets the
                                    hazard again; no key is kept at or beyond it */
    uint32_t *heap, *hn;         /* per unit: P slots of free neurons (local index), count */
    uint32_t *fifo, *fhead, *fn; /* per unit: ring of P refractory neurons, head, count */
    double *frel;                /* per unit x P: release time of each ring slot */
    double *theta, *E;           /* per neuron: threshold; budget drawn at the last spike */
} pp_state;

static void pp_free(hs_pop *p)
{
    pp_state *s = p->state;
    if (!s)
        return;
    free(s->h);
    free(s->lam);
    free(s->tu);
    free(s->a);
    free(s->in);
    free(s->a0);
    free(s->cnt);
    free(s->cur);
    free(s->kt);
    free(s->hz);
    free(s->heap);
    free(s->hn);
    free(s->fifo);
    free(s->fhead);
    free(s->fn);
    free(s->frel);
    free(s->theta);
    free(s->E);
    free(s);
    p->state = NULL;
}

/* ---- the per-unit heap of free neurons, keyed by theta -------------------------------- */

static inline double key(const pp_state *s, uint32_t u, uint32_t j)
{
    return s->theta[(size_t)u * s->P + j];
}

static void heap_push(pp_state *s, uint32_t u, uint32_t j)
{
    uint32_t *hp = s->heap + (size_t)u * s->P;
    uint32_t k = s->hn[u]++;
    double th = key(s, u, j);
    while (k > 0) {
        uint32_t up = (k - 1) / 2;
        if (key(s, u, hp[up]) <= th)
            break;
        hp[k] = hp[up];
        k = up;
    }
    hp[k] = j;
}

static void heap_pop(pp_state *s, uint32_t u)
{
    uint32_t *hp = s->heap + (size_t)u * s->P;
    uint32_t n = --s->hn[u];
    if (n == 0)
        return;
    uint32_t last = hp[n], k = 0;
    double th = key(s, u, last);
    for (;;) {
        uint32_t c = 2 * k + 1;
        if (c >= n)
            break;
        if (c + 1 < n && key(s, u, hp[c + 1]) < key(s, u, hp[c]))
            c++;
        if (key(s, u, hp[c]) >= th)
            break;
        hp[k] = hp[c];
        k = c;
    }
    hp[k] = last;
}

/* ---- scheduling ------------------------------------------------------------------------ */

static void advance(pp_state *s, uint32_t u, double t)
{
    s->lam[u] += s->h[u] * (t - s->tu[u]);
    s->tu[u] = t;
}

/* Key the unit's next event in the engine's queue; the unit is advanced to t.  Lazy (after a
 * hazard change): a key that is already earlier than the new time stays -- a key is a lower
 * bound of the unit's next event, and a wake before the event only reschedules (pp_fire) --
 * so a falling hazard costs no queue update.  An event at or beyond the unit's horizon is not
 * keyed: the caller sets the hazard again by then, and that call looks again. */
static void resched(hs_pop *p, pp_state *s, uint32_t u, double t, hs_net *net, int lazy)
{
    double tsp = INFINITY, trel = INFINITY;
    uint32_t jsp = NONE, jrel = NONE;
    if (s->hn[u] && s->h[u] > 0) {
        jsp = s->heap[(size_t)u * s->P];
        double d = key(s, u, jsp) - s->lam[u];
        tsp = t + (d > 0 ? d / s->h[u] : 0.0);
    }
    if (s->fn[u]) {
        size_t q = (size_t)u * s->P + s->fhead[u];
        jrel = s->fifo[q];
        trel = s->frel[q];
    }
    uint32_t j = tsp <= trel ? jsp : jrel;
    double tn = tsp <= trel ? tsp : trel;
    if (tn >= s->hz[u]) {
        j = NONE;
        tn = INFINITY;
    }
    if (lazy && s->cur[u] != NONE && tn >= s->kt[u])
        return;
    uint32_t base = p->gid0 + u * s->P;
    if (s->cur[u] != NONE && s->cur[u] != j)
        hs_sched(net, base + s->cur[u], INFINITY);
    if (j != NONE)
        hs_sched(net, base + j, tn);
    s->cur[u] = j;
    s->kt[u] = tn;
}

static inline void set_hazard(hs_pop *p, pp_state *s, uint32_t u, double h, double t,
                              double until, hs_net *net)
{
    h = h > 0 ? h : 0.0;
    const double old = s->h[u], oldhz = s->hz[u];
    s->hz[u] = until;
    /* the same hazard: a key stays valid (it is a lower bound, and its wake looks again), and
     * without one there is no event before the old horizon, so none before a nearer one */
    if (h == old && (s->cur[u] != NONE || until <= oldhz))
        return;
    advance(s, u, t);
    s->h[u] = h;
    if (s->cur[u] != NONE) {
        if (h < old)
            return;   /* a falling hazard only moves the next event later: the key stays a bound */
    } else if (until < INFINITY) {
        /* no key: most units neither fire nor leave refractoriness before the horizon, which
         * a product and two comparisons tell */
        const size_t q = (size_t)u * s->P;
        if ((!s->fn[u] || s->frel[q + s->fhead[u]] >= until) &&
            (!s->hn[u] || h * (until - t) <= s->theta[q + s->heap[q]] - s->lam[u]))
            return;
    }
    resched(p, s, u, t, net, 1);
}

void hs_pp_set_hazard_until(hs_pop *p, uint32_t u, double h, double t, double until,
                            hs_net *net)
{
    set_hazard(p, p->state, u, h, t, until, net);
}

void hs_pp_set_hazards_until(hs_pop *p, const double *h, double t, double until, hs_net *net)
{
    pp_state *s = p->state;
    for (uint32_t u = 0; u < s->U; u++)
        set_hazard(p, s, u, h[u], t, until, net);
}

void hs_pp_set_hazard(hs_pop *p, uint32_t u, double h, double t, hs_net *net)
{
    set_hazard(p, p->state, u, h, t, INFINITY, net);
}

static int pp_init(hs_pop *p, hs_net *net, gsl_rng *r, hs_error *err)
{
    (void)net;
    pp_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_nomem(err, NULL);
    p->state = s;
    s->P = (uint32_t)p->params[HS_PP_P];
    s->U = p->n / s->P;
    s->tau_ref = p->params[HS_PP_TAU_REF];
    s->tau_syn = p->params[HS_PP_TAU_SYN];
    s->f_span = NAN;   /* no decay cached yet */
    size_t U = s->U, n = p->n;
    s->h = calloc(U, sizeof *s->h);
    s->lam = calloc(U, sizeof *s->lam);
    s->tu = calloc(U, sizeof *s->tu);
    s->a = calloc(U, sizeof *s->a);
    s->in = calloc(U, sizeof *s->in);
    s->a0 = calloc(U, sizeof *s->a0);
    s->cnt = calloc(U, sizeof *s->cnt);
    s->cur = calloc(U, sizeof *s->cur);
    s->kt = calloc(U, sizeof *s->kt);
    s->hz = calloc(U, sizeof *s->hz);
    s->hn = calloc(U, sizeof *s->hn);
    s->fhead = calloc(U, sizeof *s->fhead);
    s->fn = calloc(U, sizeof *s->fn);
    /* calloc: every byte of the state is defined, so checkpoints are reproducible */
    s->heap = calloc(n, sizeof *s->heap);
    s->fifo = calloc(n, sizeof *s->fifo);
    s->frel = calloc(n, sizeof *s->frel);
    s->theta = calloc(n, sizeof *s->theta);
    s->E = calloc(n, sizeof *s->E);
    if (!s->h || !s->lam || !s->tu || !s->a || !s->in || !s->a0 || !s->cnt || !s->cur ||
        !s->kt || !s->hz || !s->hn || !s->fhead || !s->fn || !s->heap || !s->fifo ||
        !s->frel || !s->theta || !s->E) {
        pp_free(p);
        return hs_nomem(err, NULL);
    }
    for (uint32_t u = 0; u < s->U; u++) {
        s->cur[u] = NONE;
        s->hz[u] = INFINITY;
        for (uint32_t j = 0; j < s->P; j++) {
            s->theta[(size_t)u * s->P + j] = gsl_ran_exponential(r, 1.0);
            heap_push(s, u, j);
        }
    }
    return HS_OK;
}

/* Scale the traces to t (no spike after t yet). */
static void rebase(pp_state *s, double t)
{
    const double span = t - s->t_read;
    if (span != s->f_span) {
        s->f_span = span;
        s->f_val = exp(-span / s->tau_syn);
    }
    const double f = s->f_val;
    for (uint32_t u = 0; u < s->U; u++)
        s->a[u] *= f;
    s->t_read = t;
}

static hs_emit pp_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    pp_state *s = p->state;
    uint32_t u = i / s->P, j = i % s->P;
    advance(s, u, t);
    if (s->fn[u] && s->fifo[(size_t)u * s->P + s->fhead[u]] == j &&
        s->frel[(size_t)u * s->P + s->fhead[u]] <= t) {
        /* the end of a refractory period */
        s->fhead[u] = (s->fhead[u] + 1) % s->P;
        s->fn[u]--;
        s->theta[i] = s->lam[u] + s->E[i];
        heap_push(s, u, j);
        resched(p, s, u, t, net, 0);
        return HS_EMIT_NONE;
    }
    const double th = s->hn[u] ? key(s, u, s->heap[(size_t)u * s->P]) : INFINITY;
    const double gap = th - s->lam[u];
    if (!s->hn[u] || s->heap[(size_t)u * s->P] != j || !(s->h[u] > 0) ||
        (gap > 1e-10 * (1.0 + fabs(th)) && t + gap / s->h[u] > t)) {
        resched(p, s, u, t, net, 0);   /* a lazy key: the hazard fell since it was set */
        return HS_EMIT_NONE;
    }
    /* a spike of the heap's top neuron (i itself) */
    heap_pop(s, u);
    double dtr = t - s->t_read;
    if (dtr > 30 * s->tau_syn) {   /* keep the scaled traces finite: rebase */
        rebase(s, t);
        dtr = 0;
    }
    s->a[u] += exp(dtr / s->tau_syn) / (s->P * s->tau_syn);
    s->cnt[u] += 1.0;
    double E = gsl_ran_exponential(p->rng, 1.0);
    if (s->tau_ref > 0) {
        size_t q = (size_t)u * s->P + (s->fhead[u] + s->fn[u]) % s->P;
        s->fifo[q] = i % s->P;
        s->frel[q] = t + s->tau_ref;
        s->fn[u]++;
        s->E[i] = E;
    } else {
        s->theta[i] = s->lam[u] + E;
        heap_push(s, u, i % s->P);
    }
    resched(p, s, u, t, net, 0);
    return HS_EMIT_ONSET;
}

void hs_pp_traces(hs_pop *p, double t, double *out)
{
    pp_state *s = p->state;
    rebase(s, t);
    for (uint32_t u = 0; u < s->U; u++)
        out[u] = s->a[u];
}

void hs_pp_trace_means(hs_pop *p, double t, double *out, double *counts)
{
    pp_state *s = p->state;
    rebase(s, t);
    const double T = t - s->t_avg;
    if (!(T > 0)) {
        for (uint32_t u = 0; u < s->U; u++) {
            out[u] = s->a[u];
            if (counts)
                counts[u] = s->a[u];
            s->a0[u] = s->a[u];
            s->cnt[u] = 0;
        }
        s->t_avg = t;
        return;
    }
    const double iT = 1.0 / T, iPT = 1.0 / (s->P * T), tau = s->tau_syn;
    for (uint32_t u = 0; u < s->U; u++) {
        /* tau da = -a dt + dN / P integrates to int a = tau (a(t0) - a(t)) + (N(t) - N(t0)) / P */
        out[u] = tau * (s->a0[u] - s->a[u]) * iT + s->cnt[u] * iPT;
        if (counts)
            counts[u] = s->cnt[u] * iPT;
        s->a0[u] = s->a[u];
        s->cnt[u] = 0;
    }
    s->t_avg = t;
}

void hs_pp_set_traces(hs_pop *p, double t, const double *v)
{
    pp_state *s = p->state;
    memcpy(s->a, v, s->U * sizeof *s->a);
    memcpy(s->a0, v, s->U * sizeof *s->a0);
    memset(s->cnt, 0, s->U * sizeof *s->cnt);
    s->t_read = s->t_avg = t;
}

void hs_pp_inputs(hs_pop *p, double t, double *out)
{
    pp_state *s = p->state;
    double f = exp(-(t - s->t_in) / s->tau_syn);
    for (uint32_t u = 0; u < s->U; u++) {
        s->in[u] *= f;
        if (out)
            out[u] = s->in[u];
    }
    s->t_in = t;
}

static void pp_receive(hs_pop *p, double t, const uint32_t *tgt, const double *w,
                       const double *ew, size_t n, double sign, hs_net *net)
{
    (void)ew;
    (void)net;
    pp_state *s = p->state;
    double d = t - s->t_in;
    if (d > 30 * s->tau_syn) {
        hs_pp_inputs(p, t, NULL);
        d = 0;
    }
    double g = sign * exp(d / s->tau_syn) / s->tau_syn;
    for (size_t k = 0; k < n; k++)
        s->in[tgt[k] / s->P] += g * w[k];
}

/* ---- save and restore: every array, in a fixed order ---------------------------------- */

#define PP_FIELDS(X)                                                                    \
    X(h, U) X(lam, U) X(tu, U) X(a, U) X(in, U) X(a0, U) X(cnt, U) X(cur, U) X(hz, U)       \
    X(hn, U) X(fhead, U) X(fn, U)                                                           \
    X(heap, N) X(fifo, N) X(frel, N) X(theta, N) X(E, N)

size_t hs_pp_state_bytes(const hs_pop *p)
{
    const pp_state *s = p->state;
    size_t U = s->U, N = p->n, b = 3 * sizeof(double);
#define X(f, len) b += (len) * sizeof *s->f;
    PP_FIELDS(X)
#undef X
    return b;
}

void hs_pp_save(const hs_pop *p, void *buf)
{
    const pp_state *s = p->state;
    size_t U = s->U, N = p->n;
    char *o = buf;
    memcpy(o, &s->t_read, sizeof(double));
    memcpy(o + sizeof(double), &s->t_in, sizeof(double));
    memcpy(o + 2 * sizeof(double), &s->t_avg, sizeof(double));
    o += 3 * sizeof(double);
#define X(f, len) memcpy(o, s->f, (len) * sizeof *s->f), o += (len) * sizeof *s->f;
    PP_FIELDS(X)
#undef X
}

void hs_pp_load(hs_pop *p, const void *buf, hs_net *net)
{
    pp_state *s = p->state;
    size_t U = s->U, N = p->n;
    const char *o = buf;
    memcpy(&s->t_read, o, sizeof(double));
    memcpy(&s->t_in, o + sizeof(double), sizeof(double));
    memcpy(&s->t_avg, o + 2 * sizeof(double), sizeof(double));
    o += 3 * sizeof(double);
    for (uint32_t u = 0; u < s->U; u++)   /* forget the keys of the state being replaced */
        if (s->cur[u] != NONE)
            hs_sched(net, p->gid0 + u * s->P + s->cur[u], INFINITY);
#define X(f, len) memcpy(s->f, o, (len) * sizeof *s->f), o += (len) * sizeof *s->f;
    PP_FIELDS(X)
#undef X
    for (uint32_t u = 0; u < s->U; u++) {
        uint32_t was = s->cur[u];
        s->cur[u] = NONE;
        if (was != NONE)
            resched(p, s, u, s->tu[u], net, 0);
    }
}

const hs_model hs_model_point_process = {
    .schema = {
        .name = "point_process",
        .summary = "stochastic spiking neurons whose hazard a process sets (P per unit, refractory "
                   "period, one synaptic trace per unit)",
        .params = params,
        .nparams = 3,
        .can_receive = 1,
        .weight_dim = HS_DIM_NONE,
    },
    .init = pp_init,
    .free_state = pp_free,
    .fire = pp_fire,
    .receive = pp_receive,
    .state_bytes = hs_pp_state_bytes,
    .save = hs_pp_save,
    .load = hs_pp_load,
};
