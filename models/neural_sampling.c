/* neural_sampling.c -- exact continuous-time neural sampler (Buesing et al. 2011)
 *
 * u_k(t) = b_k + sum_i W_ik z_i(t); while not refractory, neuron k fires with hazard
 * exp(u_k)/tau; after a spike z_k = 1 for exactly tau (refractory), then 0.
 * The hazard is constant between events, so each neuron keeps R, the unit-exponential
 * threshold still to be consumed by its integrated hazard: when the input changes at t,
 * R -= r_old (t - t_last) and the next spike is at t + R / r_new (time rescaling: exact, and
 * no random draw per synaptic event).  A fresh threshold is drawn after each refractory end.
 *
 * No transcendental function per synaptic event: an input of weight w multiplies the hazard
 * by exp(w), compiled once per synapse (exp_weights); the hazard is recomputed from u at every
 * refractory end, so rounding cannot accumulate beyond one refractory cycle.  Lazy keys: the
 * queue key is a lower bound of the next spike; an input that lowers the hazard only moves
 * the spike later and leaves the key, and a wake at a stale key brings R up to date and
 * reschedules (nothing is emitted).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "models/model.h"
#include "util/error.h"

enum { P_TAU_REF };

static const hs_param_desc params[] = {
    {"tau_ref", HS_DIM_TIME, 20.0, 0, 1e-6, HUGE_VAL, 0,
     "refractory period = PSP length = sampling time constant tau"},
};

typedef struct ns_state {
    double *u;       /* membrane potential (dimensionless) */
    double *r;       /* hazard exp(u)/tau (1/ms), valid while not refractory */
    double *R;       /* integrated hazard still to go before the next spike */
    double *tl;      /* time R was last brought up to date */
    double *kt;      /* the queue key: a lower bound of the next spike (or its refractory end) */
    unsigned char *refr;
} ns_state;

static int ns_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    ns_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_nomem(err, NULL);
    p->state = s;
    s->u = malloc(p->n * sizeof *s->u);
    s->r = malloc(p->n * sizeof *s->r);
    s->R = malloc(p->n * sizeof *s->R);
    s->tl = malloc(p->n * sizeof *s->tl);
    s->kt = malloc(p->n * sizeof *s->kt);
    s->refr = calloc(p->n, 1);
    if (!s->u || !s->r || !s->R || !s->tl || !s->kt || !s->refr)
        return hs_nomem(err, NULL);
    double tau = p->params[P_TAU_REF];
    for (uint32_t i = 0; i < p->n; i++) {
        s->u[i] = p->bias[i];
        s->r[i] = exp(s->u[i]) / tau;
        s->R[i] = gsl_ran_exponential(rng, 1.0);
        s->tl[i] = 0.0;
        s->kt[i] = s->R[i] / s->r[i];
        hs_sched(net, p->gid0 + i, s->kt[i]);
    }
    return HS_OK;
}

static void ns_free(hs_pop *p)
{
    ns_state *s = p->state;
    if (!s)
        return;
    free(s->u);
    free(s->r);
    free(s->R);
    free(s->tl);
    free(s->kt);
    free(s->refr);
    free(s);
    p->state = NULL;
}

static hs_emit ns_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    ns_state *s = p->state;
    double tau = p->params[P_TAU_REF];
    if (s->refr[i]) {
        s->refr[i] = 0;
        s->r[i] = exp(s->u[i]) / tau;
        s->R[i] = gsl_ran_exponential(p->rng, 1.0);
        s->tl[i] = t;
        s->kt[i] = t + s->R[i] / s->r[i];
        hs_sched(net, p->gid0 + i, s->kt[i]);
        return HS_EMIT_OFFSET;
    }
    const double R = s->R[i] - s->r[i] * (t - s->tl[i]), tn = t + R / s->r[i];
    if (R > 1e-12 * (1.0 + s->R[i]) && tn > t) {   /* a stale key: the hazard fell since */
        s->R[i] = R;
        s->tl[i] = t;
        s->kt[i] = tn;
        hs_sched(net, p->gid0 + i, tn);
        return HS_EMIT_NONE;
    }
    s->refr[i] = 1;
    s->kt[i] = t + tau;
    hs_sched(net, p->gid0 + i, s->kt[i]);
    return HS_EMIT_ONSET;
}

static void ns_receive(hs_pop *p, double t, const uint32_t *tgt, const double *w,
                       const double *ew, size_t n, double sign, hs_net *net)
{
    ns_state *s = p->state;
    const double inv_tau = 1.0 / p->params[P_TAU_REF];
    for (size_t k = 0; k < n; k++) {
        uint32_t j = tgt[k];
        s->u[j] += sign * w[k];
        if (s->refr[j])
            continue;   /* the hazard is recomputed from u at the refractory end */
        double R = s->R[j] - s->r[j] * (t - s->tl[j]);
        if (R < 0.0)
            R = 0.0;   /* rounding only: the spike would have come first */
        s->R[j] = R;
        s->tl[j] = t;
        double r = sign > 0 ? s->r[j] * ew[k] : s->r[j] / ew[k];
        if (!(r > 0.0 && r < HUGE_VAL))
            r = exp(s->u[j]) * inv_tau;   /* out of range of the product: from u itself */
        s->r[j] = r;
        const double tn = t + R / r;
        if (tn < s->kt[j]) {   /* earlier than the key: move it; later: the key stays a bound */
            s->kt[j] = tn;
            hs_sched(net, p->gid0 + j, tn);
        }
    }
}

static int ns_zstate(const hs_pop *p, uint32_t i)
{
    const ns_state *s = p->state;
    return s->refr[i];
}

/* Checkpoints: u, r, R, tl, kt, then the refractory flags; load reschedules every key. */
static size_t ns_state_bytes(const hs_pop *p) { return p->n * (5 * sizeof(double) + 1); }

static void ns_save(const hs_pop *p, void *buf)
{
    const ns_state *s = p->state;
    char *o = buf;
    const double *const f[5] = {s->u, s->r, s->R, s->tl, s->kt};
    for (int k = 0; k < 5; k++, o += p->n * sizeof(double))
        memcpy(o, f[k], p->n * sizeof(double));
    memcpy(o, s->refr, p->n);
}

static void ns_load(hs_pop *p, const void *buf, hs_net *net)
{
    ns_state *s = p->state;
    const char *o = buf;
    double *const f[5] = {s->u, s->r, s->R, s->tl, s->kt};
    for (int k = 0; k < 5; k++, o += p->n * sizeof(double))
        memcpy(f[k], o, p->n * sizeof(double));
    memcpy(s->refr, o, p->n);
    for (uint32_t i = 0; i < p->n; i++)
        hs_sched(net, p->gid0 + i, s->kt[i]);
}

static const hs_var_desc vars[] = {
    {"u", HS_DIM_NONE, "membrane potential: the log-odds b + sum_i W z_i"},
    {"z", HS_DIM_NONE, "binary state, 0 or 1 (1 for tau_ref after each spike)"},
};

static double ns_state_at(const hs_pop *p, uint32_t i, int var, double t)
{
    (void)t;
    const ns_state *s = p->state;
    return var == 0 ? s->u[i] : (double)s->refr[i];
}

const hs_model hs_model_neural_sampling = {
    .schema = {
        .name = "neural_sampling",
        .summary = "exact continuous-time neural sampler: hazard exp(u)/tau_ref, refractory "
                   "(z = 1) for tau_ref after each spike",
        .params = params,
        .nparams = 1,
        .has_bias = 1,
        .can_receive = 1,
        .weight_dim = HS_DIM_NONE,
        .needs_offsets = 1,
        .emits_offsets = 1,
        .has_zstate = 1,
        .vars = vars,
        .nvars = 2,
    },
    .exp_weights = 1,
    .init = ns_init,
    .free_state = ns_free,
    .fire = ns_fire,
    .receive = ns_receive,
    .zstate = ns_zstate,
    .state = ns_state_at,
    .state_bytes = ns_state_bytes,
    .save = ns_save,
    .load = ns_load,
};
