/* lif.c -- leaky integrate-and-fire neuron with delta-current synapses, exact between events
 *
 * tau_m dv/dt = v_rest - v; a synaptic event of weight w makes v jump by w (mV).  When v reaches
 * v_thresh the neuron spikes, v is held at v_reset for t_ref (input during that time is lost,
 * as in NEST's iaf_psc_delta and Brian2's 'unless refractory'), then decays freely again.
 * Between events v is known in closed form, so the next threshold crossing (possible when
 * v_rest > v_thresh) is computed exactly and scheduled; no time step is involved.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/lif.h"
#include "models/model.h"
#include "util/error.h"

enum { P_TAU_M, P_V_REST, P_V_THRESH, P_V_RESET, P_T_REF };

static const hs_param_desc params[] = {
    {"tau_m", HS_DIM_TIME, 10.0, 0, 0.0, HUGE_VAL, 1, "membrane time constant"},
    {"v_rest", HS_DIM_VOLTAGE, -70.0, 0, -HUGE_VAL, HUGE_VAL, 0, "resting potential"},
    {"v_thresh", HS_DIM_VOLTAGE, -55.0, 0, -HUGE_VAL, HUGE_VAL, 0, "spike threshold"},
    {"v_reset", HS_DIM_VOLTAGE, -70.0, 0, -HUGE_VAL, HUGE_VAL, 0, "reset potential"},
    {"t_ref", HS_DIM_TIME, 2.0, 0, 0.0, HUGE_VAL, 0, "absolute refractory period"},
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

typedef struct lif_state {
    double *v;       /* membrane potential at time tl */
    double *tl;
    unsigned char *refr;
} lif_state;

static void schedule_from(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    lif_state *s = p->state;
    const double *P = p->params;
    double dt = hs_lif_crossing(s->v[i], P[P_V_REST], P[P_V_THRESH], P[P_TAU_M]);
    hs_sched(net, p->gid0 + i, t + dt);
}

static int lif_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    (void)rng;
    lif_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory");
    p->state = s;
    s->v = malloc(p->n * sizeof *s->v);
    s->tl = calloc(p->n, sizeof *s->tl);
    s->refr = calloc(p->n, 1);
    if (!s->v || !s->tl || !s->refr)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory");
    for (uint32_t i = 0; i < p->n; i++) {
        s->v[i] = p->init ? p->init[i] : p->params[P_V_REST];
        schedule_from(p, i, 0.0, net);
    }
    return HS_OK;
}

static void lif_free(hs_pop *p)
{
    lif_state *s = p->state;
    if (!s)
        return;
    free(s->v);
    free(s->tl);
    free(s->refr);
    free(s);
    p->state = NULL;
}

static hs_emit lif_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    lif_state *s = p->state;
    const double *P = p->params;
    if (s->refr[i]) {   /* end of the refractory period */
        s->refr[i] = 0;
        s->v[i] = P[P_V_RESET];
        s->tl[i] = t;
        schedule_from(p, i, t, net);
        return HS_EMIT_NONE;
    }
    s->v[i] = P[P_V_RESET];
    s->tl[i] = t;
    if (P[P_T_REF] > 0) {
        s->refr[i] = 1;
        hs_sched(net, p->gid0 + i, t + P[P_T_REF]);
    } else {
        schedule_from(p, i, t, net);
    }
    return HS_EMIT_ONSET;
}

static void lif_receive(hs_pop *p, double t, const uint32_t *tgt, const double *w, size_t n,
                        double sign, hs_net *net)
{
    lif_state *s = p->state;
    const double *P = p->params;
    const double v_rest = P[P_V_REST], v_th = P[P_V_THRESH], tau = P[P_TAU_M];
    for (size_t k = 0; k < n; k++) {
        uint32_t j = tgt[k];
        if (s->refr[j])
            continue;
        double v = hs_lif_decay(s->v[j], v_rest, tau, t - s->tl[j]) + sign * w[k];
        s->v[j] = v;
        s->tl[j] = t;
        hs_sched(net, p->gid0 + j, t + hs_lif_crossing(v, v_rest, v_th, tau));
    }
}

const hs_model hs_model_lif = {
    .name = "lif",
    .summary = "leaky integrate-and-fire, delta-current synapses (voltage jumps), exact "
               "between events",
    .params = params,
    .nparams = 5,
    .init_var = "v",
    .init_dim = HS_DIM_VOLTAGE,
    .can_receive = 1,
    .weight_dim = HS_DIM_VOLTAGE,
    .check = lif_check,
    .init = lif_init,
    .free_state = lif_free,
    .fire = lif_fire,
    .receive = lif_receive,
};
