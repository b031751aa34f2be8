/* glauber.c -- binary unit resampled by Glauber dynamics at Poisson times
 *
 * At the events of a Poisson clock of rate 1/tau, unit k sets z_k = 1 with probability
 * sigma(u_k), u_k = b_k + sum_i W_ik z_i, else z_k = 0.  This leaves the Boltzmann
 * distribution p(z) ~ exp(b.z + z.W.z/2) invariant.  A change 0 -> 1 is an onset (recorded as
 * a spike), 1 -> 0 an offset.  Input changes u only; the clock does not depend on it.
 */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>

#include "models/model.h"
#include "util/error.h"

enum { P_TAU };

static const hs_param_desc params[] = {
    {"tau", HS_DIM_TIME, 20.0, 0, 1e-6, HUGE_VAL, 0, "mean time between resampling events"},
};

typedef struct gl_state {
    double *u;
    unsigned char *z;
} gl_state;

static int gl_init(hs_pop *p, hs_net *net, gsl_rng *rng, hs_error *err)
{
    gl_state *s = calloc(1, sizeof *s);
    if (!s)
        return hs_nomem(err, NULL);
    p->state = s;
    s->u = malloc(p->n * sizeof *s->u);
    s->z = calloc(p->n, 1);
    if (!s->u || !s->z)
        return hs_nomem(err, NULL);
    for (uint32_t i = 0; i < p->n; i++) {
        s->u[i] = p->bias[i];
        hs_sched(net, p->gid0 + i, gsl_ran_exponential(rng, p->params[P_TAU]));
    }
    return HS_OK;
}

static void gl_free(hs_pop *p)
{
    gl_state *s = p->state;
    if (!s)
        return;
    free(s->u);
    free(s->z);
    free(s);
    p->state = NULL;
}

static hs_emit gl_fire(hs_pop *p, uint32_t i, double t, hs_net *net)
{
    gl_state *s = p->state;
    double pon = 1.0 / (1.0 + exp(-s->u[i]));
    unsigned char z = gsl_rng_uniform(p->rng) < pon;
    hs_sched(net, p->gid0 + i, t + gsl_ran_exponential(p->rng, p->params[P_TAU]));
    if (z == s->z[i])
        return HS_EMIT_NONE;
    s->z[i] = z;
    return z ? HS_EMIT_ONSET : HS_EMIT_OFFSET;
}

static void gl_receive(hs_pop *p, double t, const uint32_t *tgt, const double *w,
                       const double *ew, size_t n, double sign, hs_net *net)
{
    (void)ew;
    (void)t;
    (void)net;
    gl_state *s = p->state;
    for (size_t k = 0; k < n; k++)
        s->u[tgt[k]] += sign * w[k];
}

static int gl_zstate(const hs_pop *p, uint32_t i)
{
    const gl_state *s = p->state;
    return s->z[i];
}

static const hs_var_desc vars[] = {
    {"u", HS_DIM_NONE, "membrane potential: the log-odds b + sum_i W z_i"},
    {"z", HS_DIM_NONE, "binary state, 0 or 1"},
};

static double gl_state_at(const hs_pop *p, uint32_t i, int var, double t)
{
    (void)t;
    const gl_state *s = p->state;
    return var == 0 ? s->u[i] : (double)s->z[i];
}

const hs_model hs_model_glauber = {
    .schema = {
        .name = "glauber",
        .summary = "binary unit: at Poisson times of rate 1/tau, z = 1 with probability sigma(u)",
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
    .init = gl_init,
    .free_state = gl_free,
    .fire = gl_fire,
    .receive = gl_receive,
    .zstate = gl_zstate,
    .state = gl_state_at,
};
