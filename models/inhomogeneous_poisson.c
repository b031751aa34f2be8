/* inhomogeneous_poisson.c -- Poisson sources of a piecewise-constant rate over time (NEST's
 * inhomogeneous_poisson_generator, Brian2's PoissonGroup with a TimedArray of rates)
 *
 * Every neuron fires as an independent Poisson process of rate r(t) = rate_r[k] from rate_t[k]
 * until the next time (the last rate holds on; before the first time the rate is 0).  Exact,
 * by time rescaling rather than thinning: the next spike after t is where the integrated rate
 * from t reaches a standard exponential deviate E, found by walking the segments from the one
 * holding t (closed form within a segment: t + E / r).  Each neuron draws its deviates from its
 * own counter-based stream (hs_rng_exp: the population's key, stream = the neuron's index), so
 * its train does not depend on how the engine orders or splits the neurons: it can advance
 * alone, and runs in slices and on threads give the same spikes as the event queue.
 */
#include <math.h>
#include <stdlib.h>

#include "models/model.h"
#include "util/error.h"
#include "util/rng.h"

typedef struct ip_state {
    double *tn;        /* per neuron: its next spike (INFINITY: none) */
    uint32_t *seg;     /* the segment holding tn: 0 before rate_t[0], k >= 1 from rate_t[k - 1] */
    hs_rng_ctr *ctr;   /* the cursor on its stream */
} ip_state;

/* Neuron i's next spike after t, its segment from seg[i] on (t lies in it or later). */
static double next_after(hs_pop *p, uint32_t i, double t)
{
    ip_state *s = p->state;
    const size_t K = p->nrate;
    double e = hs_rng_exp(p->key, i, &s->ctr[i]);
    for (uint32_t j = s->seg[i];; j++) {
        const double lo = j == 0 ? 0.0 : p->rate_t[j - 1], hi = j < K ? p->rate_t[j] : INFINITY;
        const double r = j == 0 ? 0.0 : p->rate_r[j - 1], from = t > lo ? t : lo;
        if (!(from < hi))
            continue;   /* (t beyond this segment, or an empty one) */
        if (r > 0 && (hi == INFINITY || r * (hi - from) >= e)) {
            s->seg[i] = j;
            return from + e / r;
        }
        if (hi == INFINITY) {   /* the last rate is 0: no more spikes */
            s->seg[i] = j;
            return INFINITY;
        }
        e -= r * (hi - from);
    }
}

static int ip_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    (void)rng;   /* each neuron draws from its own stream */
    ip_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_nomem(err, NULL);
    p->state = s;
    const size_t n = p->n ? p->n : 1;
    s->tn = malloc(n * sizeof *s->tn);
    s->seg = calloc(n, sizeof *s->seg);
    s->ctr = calloc(n, sizeof *s->ctr);
    if (!s->tn || !s->seg || !s->ctr)
        return hs_nomem(err, NULL);
    for (uint32_t i = 0; i < p->n; i++) {
        s->tn[i] = next_after(p, i, 0.0);
        hs_sched(net, p->gid0 + i, s->tn[i]);
    }
    return HS_OK;
}

static void ip_free(hs_pop *p)
{
    ip_state *s = p->state;
    if (!s)
        return;
    free(s->tn);
    free(s->seg);
    free(s->ctr);
    free(s);
    p->state = NULL;
}

static hs_emit ip_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    ip_state *s = p->state;
    s->tn[i] = next_after(p, i, t);
    hs_sched(net, p->gid0 + i, s->tn[i]);
    return HS_EMIT_ONSET;
}

static uint64_t ip_advance(hs_pop *p, uint32_t i, double t1, const hs_input *in, size_t n,
                           hs_spike_out out, void *ctx)
{
    (void)in;
    (void)n;   /* (it takes no input) */
    ip_state *s = p->state;
    uint64_t own = 0;
    while (s->tn[i] < t1) {
        const double t = s->tn[i];
        s->tn[i] = next_after(p, i, t);
        own++;
        if (out(ctx, t))
            break;
    }
    return own;
}

const hs_model hs_model_inhomogeneous_poisson = {
    .schema = {
        .name = "inhomogeneous_poisson",
        .summary = "Poisson sources of a piecewise-constant rate over time ('rates')",
        .takes_rates = 1,
    },
    .init = ip_init,
    .free_state = ip_free,
    .fire = ip_fire,
    .advance = ip_advance,
};
