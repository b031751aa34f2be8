/* spike_generator.c -- neurons that fire at given times (NEST's spike_generator, Brian2's
 * SpikeGeneratorGroup)
 *
 * Neuron i fires at times[trow[i]] .. times[trow[i + 1] - 1] (ascending; the network compiles
 * them from the population's 'times'), each a spike sent along its projections like any
 * other.  It takes no input.  It can advance alone (hs_model.advance), so a network of
 * generators and LIF neurons with delays still runs in slices.
 */
#include <math.h>
#include <stdlib.h>

#include "models/model.h"
#include "util/error.h"

typedef struct sg_state {
    uint64_t *next;   /* per neuron: index of its next spike in times */
} sg_state;

static double next_time(const hs_pop *p, uint32_t i)
{
    const sg_state *s = p->state;
    return s->next[i] < p->trow[i + 1] ? p->times[s->next[i]] : INFINITY;
}

static int sg_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    (void)rng;
    sg_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_nomem(err, NULL);
    p->state = s;
    if (!(s->next = malloc((p->n ? p->n : 1) * sizeof *s->next)))
        return hs_nomem(err, NULL);
    for (uint32_t i = 0; i < p->n; i++) {
        s->next[i] = p->trow[i];
        hs_sched(net, p->gid0 + i, next_time(p, i));
    }
    return HS_OK;
}

static void sg_free(hs_pop *p)
{
    sg_state *s = p->state;
    if (!s)
        return;
    free(s->next);
    free(s);
    p->state = NULL;
}

static hs_emit sg_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    (void)t;
    ((sg_state *)p->state)->next[i]++;
    hs_sched(net, p->gid0 + i, next_time(p, i));
    return HS_EMIT_ONSET;
}

static uint64_t sg_advance(hs_pop *p, uint32_t i, double t1, const hs_input *in, size_t n,
                           hs_spike_out out, void *ctx)
{
    (void)in;
    (void)n;   /* (it takes no input) */
    sg_state *s = p->state;
    uint64_t own = 0;
    for (double t; (t = next_time(p, i)) < t1;) {
        s->next[i]++;
        own++;
        if (out(ctx, t))
            break;
    }
    return own;
}

const hs_model hs_model_spike_generator = {
    .schema = {
        .name = "spike_generator",
        .summary = "fires at the times given in 'times' (a list, a list per neuron, or a file)",
        .takes_times = 1,
    },
    .init = sg_init,
    .free_state = sg_free,
    .fire = sg_fire,
    .advance = sg_advance,
};
