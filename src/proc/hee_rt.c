/* hee_rt.c -- the HEE model's process: Langevin membranes on a clock, in the rate realisation
 * and (driving stochastic spiking neurons, models/point_process.c) in the spike realisation
 *
 * Gaussian layer l, base measure N(0, sigma^2), per unit i, with F the non-leak drift:
 *
 *   tau_x dx = ( -x/sigma^2 + F_x - c ) dt + sqrt(2 tau_x) dW,
 *     F_x = rho'(x) ( eta_l + (J_l rho(x))_i + (W_l^T (rho(x_{l-1}) - rho(eps_{l-1})))_i )
 *   tau_eps deps = ( -eps/sigma^2 + F_eps ) dt + sqrt(2 tau_eps) dW',
 *     F_eps = rho'(eps) ( eta_l + (J_l rho(eps))_i )
 *   tau_c dc = ( -c + m g ) dt + sqrt(2 m tau_x) dW'',   g = x/sigma^2 - F_x   (adaptation)
 *
 * eta_l = W_{l+1} rho(x_{l+1}) + b_l.  The last term of F_x uses the interneurons' sample
 * rho(eps_{l-1}) in place of grad A_{l-1}(eta_{l-1}): no negative phase.  g is the unit's own
 * energy gradient, so the adaptation is the momentum of an underdamped (non-reversible)
 * Langevin sampler and leaves the x-marginal exact for any m >= 0, tau_c > 0 (doc/hee.md).
 *
 * Bernoulli layer l (x in {0,1}, T(x) = x): continuous-time Glauber dynamics.  Each unit is
 * resampled at the ticks of its own Poisson clock of rate 1/tau_x, from
 *
 *   P(x_i = 1) = sigmoid( eta_l + (J_l x)_i + (W_l^T (T(x_{l-1}) - T(eps_{l-1})))_i ),
 *
 * each interneuron at rate 1/tau_eps from sigmoid( eta_l + (J_l eps)_i ).  Ticks fall on the
 * steps of dt (the clock's tick probability per step is 1 - e^{-dt/tau}); the units that tick
 * in a step are resampled one after another from the current state, after the gaussian layers
 * have moved.  In the exact reference (hs_hee_rt_use_exact_grad) the bottom-up term is the
 * exact difference of log p(x_{l-1} | x_l) with the unit on and off, which makes every tick
 * a Gibbs update of the model's conditional: the chain leaves the model exactly invariant.
 *
 * Integrator: exponential Euler.  The leak -x/sigma^2 and the noise are integrated exactly
 * over dt with F held fixed, so an isolated linear unit (F constant) is sampled without
 * discretisation error; the coupling terms are first order in dt.  All layers advance
 * synchronously from the state at t.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>

#include "data/dataset.h"
#include "proc/hee_rt.h"
#include "models/point_process.h"
#include "util/blas.h"
#include "util/error.h"
#include "util/rng.h"
#include "util/team.h"


/* Free the parameters of m: its layers with their biases and couplings, its weights. */
static void free_model(hs_hee *m)
{
    for (int l = 0; m->layer && l < m->L; l++) {
        free(m->layer[l].b);
        free(m->layer[l].J);
    }
    for (int l = 0; m->W && l < m->L; l++)
        free(m->W[l]);
    free(m->layer);
    free(m->W);
}

void hs_hee_spec_free(hs_hee_spec *s)
{
    free_model(&s->m);
    free(s->clamp);
    s->m = (hs_hee){0};
    s->clamp = NULL;
}

void hs_hee_rt_free(hs_hee_rt *rt)
{
    if (!rt)
        return;
    free_model(&rt->m);
    free(rt->x);
    free(rt->eps);
    free(rt->c);
    free(rt->rx);
    free(rt->reps);
    free(rt->dx);
    free(rt->de);
    free(rt->dx_at);
    free(rt->de_at);
    free(rt->eta);
    free(rt->bu);
    free(rt->tmp);
    free(rt->clamp);
    hs_dataset_free(rt->ds);
    free(rt->order);
    free(rt->kappa);
    free(rt->kpow);
    free(rt->popname);
    free(rt->record);
    free(rt->trbuf);
    free(rt->inx);
    free(rt->ine);
    if (rt->learning) {
        free(rt->px);
        free(rt->pe);
    }
    free(rt->nzbuf);
    free(rt->tick_x);
    free(rt->tick_e);
    free(rt->fscratch);
    for (int l = 0; rt->pool && l < rt->m.L; l++) {
        free(rt->pool[l]);
        free(rt->tick_p[l]);
    }
    free(rt->pool);
    free(rt->tick_p);
    free(rt->ppop);
    free(rt->xpop);
    free(rt->epop);
    hs_hee_budget_free(rt);
    if (rt->Pinv)
        for (int l = 0; l < rt->m.L; l++)
            free(rt->Pinv[l]);
    free(rt->Pinv);
    free(rt->ou);
    free(rt->xo);
    free(rt->zbuf);
    hs_team_free(rt->team);
    free(rt->dd);
    free(rt->w2);
    if (rt->rng)
        gsl_rng_free(rt->rng);
    free(rt);
}

static inline int is_bern(const hs_hee_layer *ly) { return ly->family == HS_FAMILY_BERNOULLI; }

/* The bottom-up pass of init: feedforward, in every chain.  Each latent layer starts where its
 * bottom-up input alone puts a linear unit: x_l = sigma_l^2 (b_l + W_l^T (rho(x_{l-1}) -
 * mu_{l-1})), with mu_{l-1} = grad A_{l-1}(b_{l-1}) the prior mean of rho below, by quadrature
 * (a bernoulli layer below: sigmoid(b), by enumeration with lateral couplings); a bernoulli
 * unit starts at 1 where that input is positive, else 0.  rt->tmp holds 2 n_max doubles: mu,
 * then one chain's rho(x) - mu. */
static int feedforward(hs_hee_rt *rt, hs_error *err)
{
    const hs_hee *m = &rt->m;
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        double *mu = rt->tmp, *d = rt->tmp + lo->n;
        if (is_bern(lo) && hs_hee_bern_mean(lo, lo->b, mu))
            return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "feedforward init: layer '%s' "
                                "has lateral couplings and more than %d units",
                                lo->name, HS_HEE_ENUM_MAX);
        for (uint32_t k = 0; k < lo->n && !is_bern(lo); k++) {
            double var;
            if (hs_hee_unit_moments(lo->rho, lo->sigma, lo->b[k], &mu[k], &var))
                return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0,
                                    "feedforward init: quadrature failed in layer '%s'",
                                    lo->name);
        }
        for (uint32_t c = 0; c < rt->B; c++) {
            double *x = rt->x + (size_t)c * m->ntotal;
            for (uint32_t k = 0; k < lo->n; k++)
                d[k] = (is_bern(lo) ? x[lo->off + k] : hs_rho_f(lo->rho, x[lo->off + k])) -
                       mu[k];
            for (uint32_t i = 0; i < ly->n; i++) {
                double s = ly->b[i];
                for (uint32_t k = 0; k < lo->n; k++)
                    s += m->W[l][(size_t)k * ly->n + i] * d[k];
                x[ly->off + i] = is_bern(ly) ? (s > 0 ? 1.0 : 0.0) : ly->sigma * ly->sigma * s;
            }
        }
    }
    return HS_OK;
}

/* A geometric wait on {0, 1, ...}: the steps before a clock with tick probability q per step
 * (lq = log(1 - q)) ticks. */
static uint64_t clock_wait(gsl_rng *r, double lq)
{
    double k = floor(log(gsl_rng_uniform_pos(r)) / lq);
    return k < 1e18 ? (uint64_t)k : UINT64_C(1000000000000000000);
}

/* Bernoulli layers: the clocks, T(x) = x in rx and reps, and the values a clamp or a data set
 * puts on layer 0, which must be 0 or 1. */
static int bern_setup(hs_hee_rt *rt, const hs_hee_spec *s, hs_error *err)
{
    const hs_hee *m = &rt->m;
    for (int l = 0; l < m->L; l++)
        rt->nbern += is_bern(&m->layer[l]);
    if (!rt->nbern)
        return HS_OK;
    const hs_hee_layer *v = &m->layer[0];
    if (is_bern(v) && rt->clamp) {
        const double *x = rt->ds ? rt->ds->x : rt->clamp;
        const size_t n = rt->ds ? rt->ds->n * rt->ds->dim : v->n;
        for (size_t k = 0; k < n; k++)
            if (x[k] != 0.0 && x[k] != 1.0) {
                if (rt->ds)
                    return hs_error_set(err, HS_ECONFIG,
                                        s->data.path ? s->data.path : s->file, 0, 0,
                                        "layer '%s' is bernoulli, but item %zu, value %zu of "
                                        "the data is %g, not 0 or 1 (binarise it with "
                                        "'threshold:' under 'data:')", v->name,
                                        k / rt->ds->dim + 1, k % rt->ds->dim + 1, x[k]);
                return hs_error_set(err, HS_ECONFIG, s->file, s->line, s->col,
                                    "layer '%s' is bernoulli, but its clamp holds %g (unit %zu);"
                                    " clamp it to 0 or 1", v->name, x[k], k);
            }
    }
    if (s->spike && rt->nbern < m->L)
        return hs_error_set(err, HS_ECONFIG, s->file, s->line, s->col,
                            "the spike realisation takes bernoulli layers only when every layer "
                            "is bernoulli (mixed with gaussian ones, it is not implemented yet)");
    if (s->spike) {   /* neural-sampling neurons in the engine: nothing to integrate */
        rt->binary = 1;
        rt->stepping = s->data.on || s->par.learn.on;
        rt->sync_every = hs_hee_steps(s->par.tau_eps, rt->dt);
        return HS_OK;
    }
    const size_t N = m->ntotal;
    uint32_t nmax = 1;
    for (int l = 0; l < m->L; l++)
        nmax = m->layer[l].n > nmax ? m->layer[l].n : nmax;
    rt->tick_x = malloc(N * sizeof *rt->tick_x);
    rt->tick_e = malloc(N * sizeof *rt->tick_e);
    rt->fscratch = malloc(2 * (size_t)nmax * sizeof *rt->fscratch);
    if (!rt->tick_x || !rt->tick_e || !rt->fscratch)
        return hs_nomem(err, NULL);
    rt->ltick_x = -rt->dt / rt->par.tau_x;   /* log(1 - q) = log e^{-dt/tau} */
    rt->ltick_e = -rt->dt / rt->par.tau_eps;
    if (rt->par.bottom_up == HS_BU_EXCHANGE) {   /* the pools start at 0 */
        rt->pool = calloc((size_t)m->L, sizeof *rt->pool);
        rt->tick_p = calloc((size_t)m->L, sizeof *rt->tick_p);
        if (!rt->pool || !rt->tick_p)
            return hs_nomem(err, NULL);
        for (int l = 1; l < m->L; l++) {
            const size_t np = (size_t)m->layer[l].n * m->layer[l - 1].n;
            rt->pool[l] = calloc(np, sizeof **rt->pool);
            rt->tick_p[l] = malloc(np * sizeof **rt->tick_p);
            if (!rt->pool[l] || !rt->tick_p[l])
                return hs_nomem(err, NULL);
            for (size_t q = 0; q < np; q++)
                rt->tick_p[l][q] = clock_wait(rt->rng, rt->ltick_e);
        }
    }
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        if (!is_bern(ly))
            continue;
        for (uint32_t i = 0; i < ly->n; i++) {
            size_t u = ly->off + i;
            rt->rx[u] = rt->x[u];
            rt->reps[u] = rt->eps[u];
            rt->tick_x[u] = clock_wait(rt->rng, rt->ltick_x);
            rt->tick_e[u] = clock_wait(rt->rng, rt->ltick_e);
        }
    }
    return HS_OK;
}


/* The push-pull gain r1 when not given: 0.9 r_max over the largest |rho| a unit is expected to
 * reach -- a clamped unit its value (with data: the largest of any item), a free or interneuron
 * unit 4 sigma beyond its initial state (bounded rho: its bound) -- so that no rate clips at
 * r_max (clipping biases the mean). */
static double auto_gain(const hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    double big = 0;
    if (rt->ds)   /* layer 0 takes every item of the data set in turn */
        for (size_t k = 0; k < rt->ds->n * rt->ds->dim; k++)
            big = fmax(big, fabs(hs_rho_f(m->layer[0].rho, rt->ds->x[k])));
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (uint32_t i = 0; i < ly->n; i++) {
            size_t u = ly->off + i;
            double reach = l == 0 && rt->clamp ? 0.0 : 4 * ly->sigma;
            for (int k = 0; k < 2; k++) {
                double y = k ? rt->eps[u] : rt->x[u];
                double a = fabs(hs_rho_f(ly->rho, y + reach)), b = fabs(hs_rho_f(ly->rho, y - reach));
                big = fmax(big, fmax(a, b));
            }
        }
    }
    return big > 0 ? 0.9 * rt->rmax / big : rt->rmax;
}

int hs_hee_rt_create(hs_hee_spec *s, hs_hee_rt **out, hs_error *err)
{
    *out = NULL;
    hs_hee_rt *rt = calloc(1, sizeof *rt);
    if (!rt)
        return hs_nomem(err, NULL);
    int rc = HS_OK;
    if (s->data.on && (rc = hs_hee_load_data(s, &rt->ds, err))) {
        free(rt);
        return rc;
    }
    /* the drawn parameters are the runtime's from here on */
    rt->m = s->m;
    s->m = (hs_hee){0};
    if (!s->data.on) {
        rt->clamp = s->clamp;
        s->clamp = NULL;
    }
    rt->par = s->par;
    const hs_hee_par *h = &rt->par;
    rt->dt = h->dt;
    rt->every = (uint64_t)llround(s->every / h->dt);
    if (rt->every < 1)
        rt->every = 1;
    hs_hee *m = &rt->m;
    rt->record = malloc(3 * (size_t)m->L * sizeof *rt->record);
    if (!rt->record) {
        rc = hs_nomem(err, NULL);
        goto fail;
    }
    size_t nmax = 1;
    for (int l = 0; l < m->L; l++) {
        if (m->layer[l].n > nmax)
            nmax = m->layer[l].n;
        rt->record[3 * l] = s->record_x[l];
        rt->record[3 * l + 1] = s->record_eps[l];
        rt->record[3 * l + 2] = s->record_c ? s->record_c[l] : 0;
    }
    rt->ou = malloc((size_t)m->L * sizeof *rt->ou);
    if (!rt->ou) {
        rc = hs_nomem(err, NULL);
        goto fail;
    }
    for (int l = 0; l < m->L; l++) {
        const double s2 = m->layer[l].sigma * m->layer[l].sigma, dt = h->dt;
        rt->ou[l] = (hs_hee_ou){
            .dx = exp(-dt / (h->tau_x * s2)),
            .de = exp(-dt / (h->tau_eps * s2)),
            .nx = m->layer[l].sigma * sqrt(-expm1(-2 * dt / (h->tau_x * s2))),
            .ne = m->layer[l].sigma * sqrt(-expm1(-2 * dt / (h->tau_eps * s2))),
        };
    }
    size_t N = m->ntotal;
    rt->B = s->chains ? s->chains : 1;
    const size_t NB = N * rt->B;   /* every chain's units */
    rt->x = calloc(NB, sizeof *rt->x);
    rt->eps = calloc(NB, sizeof *rt->eps);
    rt->c = calloc(NB, sizeof *rt->c);
    rt->rx = calloc(NB, sizeof *rt->rx);
    rt->reps = calloc(NB, sizeof *rt->reps);
    rt->eta = calloc(NB, sizeof *rt->eta);
    rt->bu = calloc(NB, sizeof *rt->bu);
    rt->tmp = calloc(2 * nmax, sizeof *rt->tmp);
    rt->kappa = calloc(NB, sizeof *rt->kappa);
    rt->kpow = calloc(NB, sizeof *rt->kpow);
    rt->dx = calloc(NB, sizeof *rt->dx);
    rt->de = calloc(NB, sizeof *rt->de);
    rt->dx_at = malloc(NB * sizeof *rt->dx_at);
    rt->de_at = malloc(NB * sizeof *rt->de_at);
    rt->rng = hs_rng_stream(s->seed, "hee", "dynamics");
    if (!rt->x || !rt->eps || !rt->c || !rt->rx || !rt->reps || !rt->eta || !rt->bu ||
        !rt->tmp || !rt->rng || !rt->kappa || !rt->kpow || !rt->dx || !rt->de || !rt->dx_at ||
        !rt->de_at) {
        rc = hs_nomem(err, NULL);
        goto fail;
    }
    if (rt->B > 1) {
        size_t cells = 0;
        for (int l = 1; l < m->L; l++)
            cells += (size_t)m->layer[l - 1].n * m->layer[l].n;
        /* threads: at most one per chain */
        const int T = s->threads < 1 ? 1 : s->threads > (int)rt->B ? (int)rt->B : s->threads;
        rt->nz = 3 * (size_t)N;   /* at most: interneuron, membrane, adaptation per unit */
        rt->dd = calloc(NB, sizeof *rt->dd);
        rt->w2 = malloc(cells * sizeof *rt->w2);
        rt->xo = malloc(rt->B * sizeof *rt->xo);
        rt->zbuf = malloc(rt->nz * (size_t)T * sizeof *rt->zbuf);
        if (T > 1)   /* each thread calls the products of its own chains (hee-snn.h) */
            hs_blas_threads(1);
        if (!rt->dd || !rt->w2 || !rt->xo || !rt->zbuf || hs_team_create(T, &rt->team)) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        for (uint32_t c = 0; c < rt->B; c++) {
            char name[32];
            snprintf(name, sizeof name, "chain/%u", c);
            hs_xo_seed(&rt->xo[c], hs_rng_derive(s->seed, "hee", name));
        }
    }
    for (size_t u = 0; u < NB; u++)
        rt->dx_at[u] = rt->de_at[u] = NAN;
    rt->seed = s->seed;
    rt->order_epoch = -1;
    rt->shuffle = s->data.on && s->data.shuffle;
    rt->px = rt->rx;   /* the rate realisation, and no learning: rho of the membranes */
    rt->pe = rt->reps;
    if (rt->ds) {
        rt->ntrain = rt->ds->n - s->data.holdout;
        rt->present_steps = (uint64_t)llround(s->data.present / h->dt);
        rt->clamp = malloc(rt->B * m->layer[0].n * sizeof *rt->clamp);
        rt->order = malloc(rt->ntrain * sizeof *rt->order);
        if (!rt->clamp || !rt->order || hs_hee_rt_item(rt, 0, 0)) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
    }
    for (uint32_t c = 0; rt->clamp && c < rt->B; c++)   /* (a clamp: the same in every chain) */
        memcpy(rt->x + c * N, rt->clamp + (rt->ds ? c * m->layer[0].n : 0),
               m->layer[0].n * sizeof *rt->x);
    if (h->feedforward && (rc = feedforward(rt, err)))
        goto fail;
    if ((rc = bern_setup(rt, s, err)))
        goto fail;
    /* identity layers in the rate realisation without learning: the budget is a constant */
    rt->kappa_fixed = !s->spike && !h->learn.on;
    rt->kappa_every = (uint64_t)llround(0.5 * h->tau_eps / h->dt);
    if (rt->kappa_every < 1)
        rt->kappa_every = 1;
    for (int l = 0; l < m->L; l++)
        if (m->layer[l].rho != HS_RHO_IDENTITY || is_bern(&m->layer[l]))
            rt->kappa_fixed = 0;
    if (s->spike && rt->binary) {   /* one neural-sampling neuron per unit and interneuron */
        rt->spike = 1;
        rt->P = 1;
        rt->popname = calloc(3 * (size_t)m->L, sizeof *rt->popname);
        if (!rt->popname) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        for (int l = 0; l < m->L; l++) {
            snprintf(rt->popname[2 * l], sizeof *rt->popname, "%s", m->layer[l].name);
            snprintf(rt->popname[2 * l + 1], sizeof *rt->popname, "%s_eps", m->layer[l].name);
            if (l > 0)   /* bottom_up: exchange */
                snprintf(rt->popname[2 * m->L + l - 1], sizeof *rt->popname, "%s_pool",
                         m->layer[l].name);
        }
    } else if (s->spike) {
        rt->spike = 1;
        rt->P = s->P;
        rt->pushpull = s->pushpull;
        rt->r0 = rt->pushpull ? 0.0 : s->r0;
        rt->rmax = s->rmax;
        rt->r1 = s->r1 > 0 ? s->r1 : rt->pushpull ? auto_gain(rt) : 30.0;
        rt->tau_syn = s->tau_syn > 0 ? s->tau_syn : h->dt;
        rt->tau_ref = s->tau_ref;
        if (hs_hee_budget_alloc(rt)) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        rt->P_auto = rt->P == 0;
        if (rt->P_auto)   /* neurons per unit from the predicted budget load (doc/hee.md) */
            rt->P = hs_hee_budget_auto_P(rt, HS_HEE_BUDGET_LOAD, HS_HEE_MAX_P);
        if (rt->P_auto && rt->P < HS_HEE_MIN_P) {
            rt->P = HS_HEE_MIN_P;
            /* at the floor the budget has room: spend it on fewer spikes (a lower gain) */
            if (rt->pushpull && !(s->r1 > 0))
                rt->r1 = hs_hee_budget_auto_gain(rt, HS_HEE_BUDGET_LOAD);
        }
        const double neurons = 2.0 * (rt->pushpull ? 2 : 1) * rt->P * (double)N;
        if (neurons > s->max_neurons) {
            rc = hs_error_set(err, HS_ECONFIG, s->file, s->line, s->col,
                              "the spike realisation would need %.3g neurons (%u per side and "
                              "unit%s), more than %.0f; %s 'neurons_per_unit' under 'spike:' "
                              "(validate --describe reports the noise load it leaves)", neurons,
                              rt->P, rt->P_auto ? ", chosen from the network" : "",
                              s->max_neurons, rt->P_auto ? "give a smaller" : "lower");
            goto fail;
        }
        hs_hee_budget_update(rt);
        /* the budget follows the state every tau_x / 10; a large one (its cost grows as the
         * cube of the free units) every 10 tau_x.  The injected covariance is linear in D, so
         * a snapshot of the rates gives the right diffusion on average. */
        rt->budget_every = hs_hee_steps(rt->nfree <= HS_HEE_BUDGET_FULL_MAX ? 0.1 * h->tau_x
                                                                              : 10 * h->tau_x,
                                        h->dt);
        rt->trbuf = malloc(4 * nmax * sizeof *rt->trbuf);
        rt->learning = rt->par.learn.on;
        if (rt->learning) {
            rt->px = malloc(N * sizeof *rt->px);
            rt->pe = malloc(N * sizeof *rt->pe);
            rt->nzbuf = malloc(2 * N * sizeof *rt->nzbuf);
            if (!rt->px || !rt->pe || !rt->nzbuf) {
                rc = hs_nomem(err, NULL);
                goto fail;
            }
        }
        rt->popname = calloc(2 * (size_t)m->L, sizeof *rt->popname);
        if (!rt->trbuf || !rt->popname) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        for (int l = 0; l < m->L; l++) {
            snprintf(rt->popname[2 * l], sizeof *rt->popname, "%s", m->layer[l].name);
            snprintf(rt->popname[2 * l + 1], sizeof *rt->popname, "%s_eps", m->layer[l].name);
        }
    }
    rt->ancestral = -1;
    if (h->bottom_up == HS_BU_EXACT && hs_hee_rt_use_exact_grad(rt)) {
        rc = hs_error_set(err, HS_ECONFIG, s->file, s->line, s->col,
                          "'bottom_up: exact' needs gaussian layers with rho: identity (and no "
                          "lateral couplings below a bernoulli layer) or bernoulli layers (at "
                          "most %d units where they have lateral couplings)", HS_HEE_ENUM_MAX);
        goto fail;
    }
    *out = rt;
    return HS_OK;
fail:
    hs_hee_rt_free(rt);
    return rc;
}

/* The rate realisation's noise budget, to first order (the spike realisation's is the full
 * covariance of hee_budget.c).  The drift of x_i carries noise of its own: the interneurons'
 * fluctuations (an OU process of variance sigma^2 and time constant tau_eps sigma^2 has low-
 * frequency power tau_eps sigma^4) enter through W^T.  Through tau_x dx = ... + F dt that is a
 * diffusion kappa_i / tau_x with
 *   kappa_i = rho'(x_i)^2 / tau_x * sum_k W_l[k][i]^2 rho'(eps_k)^2 tau_eps s_k^4,
 * a fraction kappa_i of the unit's intended noise, which is therefore reduced by that fraction
 * (only the diagonal of the injected noise is counted; its correlations across units are not). */
/* The power a gaussian interneuron at eps feeds into the bottom-up term of the layer above
 * (layer lo's; below), and the fraction kappa of a membrane's noise its inputs already carry
 * given their summed power acc. */
static inline double eps_power(const hs_hee_layer *lo, double eps, double tau_eps)
{
    const double s4 = lo->sigma * lo->sigma * lo->sigma * lo->sigma;
    const double de = hs_rho_d(lo->rho, eps);
    return de * de * tau_eps * s4;
}

static inline double kappa_of(const hs_hee_layer *ly, double x, double acc, double tau_x)
{
    const double d = hs_rho_d(ly->rho, x), k = d * d * acc / tau_x;
    return k < 1 ? k : 1;
}

static void noise_budget(hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    const hs_hee_par *h = &rt->par;
    /* kpow[q]: the power unit q of a layer below feeds into the bottom-up term (its
     * interneuron's fluctuations), once per unit */
    double *pw = rt->kpow, *acc = rt->kappa;   /* kappa accumulates, then is finished */
    memset(acc, 0, m->ntotal * sizeof *acc);
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        if (is_bern(lo))   /* a binary interneuron: variance s (1 - s), correlation time tau_eps */
            hs_hee_eta(m, l - 1, rt->rx, rt->tmp);
        for (uint32_t k = 0; k < lo->n; k++) {
            size_t q = lo->off + k;
            if (is_bern(lo)) {
                double sg = hs_sigmoid(rt->tmp[k]);
                pw[q] = sg * (1 - sg) * h->tau_eps;
            } else {
                pw[q] = eps_power(lo, rt->eps[q], h->tau_eps);
            }
            const double *restrict row = m->W[l] + (size_t)k * ly->n;
            double *restrict a = acc + ly->off;
            for (uint32_t i = 0; i < ly->n; i++)   /* row by row: W is n_{l-1} x n_l */
                a[i] += row[i] * row[i] * pw[q];
        }
    }
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (uint32_t i = 0; i < ly->n && !is_bern(ly); i++) {
            size_t u = ly->off + i;
            rt->kappa[u] = kappa_of(ly, rt->x[u], acc[u], h->tau_x);
        }
    }
}

/* ---- chains (B > 1): the products of all chains at once -------------------------------------
 * The state arrays are B x ntotal matrices, row-major, one chain per row; a layer's units are
 * the columns from its off, so a layer of every chain is a B x n_l block with leading dimension
 * ntotal, and the products below are single matrix-matrix products (CBLAS; configure says
 * which). */

static inline int ld(const hs_hee_rt *rt) { return (int)rt->m.ntotal; }

/* eta_l = W_{l+1} T_{l+1} + b_l (b_l at the top) of layer l in chains [c0, c1), from T (B x
 * ntotal): one product, (c1 - c0) x n_{l+1} by W_{l+1}^T. */
static void chains_eta_layer(hs_hee_rt *rt, int l, const double *T, uint32_t c0, uint32_t c1)
{
    const hs_hee *m = &rt->m;
    const hs_hee_layer *ly = &m->layer[l];
    const size_t N = m->ntotal;
    for (uint32_t c = c0; c < c1; c++)
        memcpy(rt->eta + c * N + ly->off, ly->b, ly->n * sizeof *rt->eta);
    if (l + 1 < m->L) {
        const hs_hee_layer *up = &m->layer[l + 1];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(c1 - c0), (int)ly->n,
                    (int)up->n, 1.0, T + c0 * N + up->off, ld(rt), m->W[l + 1], (int)up->n, 1.0,
                    rt->eta + c0 * N + ly->off, ld(rt));
    }
}

/* bu_l = W_l^T (T(x_{l-1}) - T(eps_{l-1})) of every layer l >= 1 in chains [c0, c1) (0 in
 * layer 0): rt->dd holds the differences (and keeps them for the step's plasticity,
 * hee_plast.c), (c1 - c0) x n_{l-1} by W_l. */
static void chains_bottom_up(hs_hee_rt *rt, uint32_t c0, uint32_t c1)
{
    const hs_hee *m = &rt->m;
    const size_t N = m->ntotal;
    for (size_t u = c0 * N; u < c1 * N; u++)
        rt->dd[u] = rt->rx[u] - rt->reps[u];
    for (uint32_t c = c0; c < c1; c++)
        memset(rt->bu + c * N, 0, m->layer[0].n * sizeof *rt->bu);
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(c1 - c0), (int)ly->n,
                    (int)lo->n, 1.0, rt->dd + c0 * N + lo->off, ld(rt), m->W[l], (int)ly->n,
                    0.0, rt->bu + c0 * N + ly->off, ld(rt));
    }
}

/* W_l squared cell by cell into rt->w2 (layer l's from the sum of the cells of the layers
 * below it), for the noise budget of the chains. */
static void chains_w2(hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    double *w2 = rt->w2;
    for (int l = 1; l < m->L; l++) {
        const size_t cells = (size_t)m->layer[l - 1].n * m->layer[l].n;
        for (size_t i = 0; i < cells; i++)
            w2[i] = m->W[l][i] * m->W[l][i];
        w2 += cells;
    }
}

/* noise_budget (above) in chains [c0, c1): the powers kpow of the interneurons, (c1 - c0) x
 * n_{l-1}, by W_l squared (chains_w2) give the accumulated sums; the same kappa as one chain's
 * sweep up to the order of the sums. */
static void chains_noise_budget(hs_hee_rt *rt, uint32_t c0, uint32_t c1)
{
    const hs_hee *m = &rt->m;
    const hs_hee_par *h = &rt->par;
    const size_t N = m->ntotal;
    const double *w2 = rt->w2;
    for (uint32_t c = c0; c < c1; c++)
        memset(rt->kappa + c * N, 0, m->layer[0].n * sizeof *rt->kappa);
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        for (uint32_t c = c0; c < c1; c++)
            for (uint32_t k = 0; k < lo->n; k++) {
                size_t q = c * N + lo->off + k;
                rt->kpow[q] = eps_power(lo, rt->eps[q], h->tau_eps);
            }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(c1 - c0), (int)ly->n,
                    (int)lo->n, 1.0, rt->kpow + c0 * N + lo->off, ld(rt), w2, (int)ly->n, 0.0,
                    rt->kappa + c0 * N + ly->off, ld(rt));
        w2 += (size_t)lo->n * ly->n;
    }
    for (uint32_t c = c0; c < c1; c++)
        for (int l = 1; l < m->L; l++) {
            const hs_hee_layer *ly = &m->layer[l];
            for (uint32_t i = 0; i < ly->n; i++) {
                size_t u = c * N + ly->off + i;
                rt->kappa[u] = kappa_of(ly, rt->x[u], rt->kappa[u], h->tau_x);
            }
        }
}

/* One exponential-Euler step of tau dy = (-y/s^2 + F) dt + sqrt(2 tau) dW, with the standard
 * normal deviate z. */
static inline double ou_step(double y, double F, double s2, double decay, double noise_sd,
                             double z)
{
    return y * decay + (1.0 - decay) * s2 * F + noise_sd * z;
}

/* One chain's normal deviates: from r (one chain: GSL's ziggurat, drawn as they are used), or
 * the next of z (chains: drawn in bulk at the start of the chain's step). */
typedef struct noise {
    gsl_rng *r;
    const double *z;
} noise;

static inline double gauss(noise *q)
{
    return q->z ? *q->z++ : gsl_ran_gaussian_ziggurat(q->r, 1.0);
}

/* The deviates one chain draws in a step of hs_hee_rt_advance (chains: gaussian layers, the
 * interneurons' and, where free, the membranes' and adaptation currents'). */
static size_t chain_draws(const hs_hee_rt *rt)
{
    size_t n = 0;
    for (int l = 0; l < rt->m.L; l++) {
        const int free_x = l > 0 || !rt->clamp;
        n += rt->m.layer[l].n * (size_t)(1 + free_x * (1 + (rt->par.adapt_m > 0)));
    }
    return n;
}

/* rho(y) and, cached with the value it belongs to, rho'(y): the step that moved a membrane
 * computes both, the next step reads rho' while the membrane still holds y. */
static inline double rho_fd(hs_rho rho, double y, double *d, double *at)
{
    *at = y;
    return hs_rho_fd(rho, y, d);
}

static inline double rho_d(hs_rho rho, double y, double *d, double *at)
{
    if (*at == y)
        return *d;
    *at = y;
    return *d = hs_rho_d(rho, y);
}

/* The process's step at t: record if due, advance (all layers, or one layer's interneurons
 * in ancestral generation), run the after-step hook (plasticity), and step again at the next
 * multiple of dt (k dt exactly, no summed drift). */
void hs_hee_rt_read_z(hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    for (int l = 0; l < m->L && rt->binary; l++)
        for (uint32_t i = 0; i < m->layer[l].n; i++) {
            size_t u = m->layer[l].off + i;
            const hs_pop *xp = rt->xpop[l], *ep = rt->epop[l];
            if (l > 0 || !rt->clamp)
                rt->x[u] = rt->rx[u] = xp->model->zstate(xp, i);
            rt->eps[u] = rt->reps[u] = ep->model->zstate(ep, i);
        }
}

/* The spike realisation of bernoulli layers: the units are neurons of the engine; the process
 * reads their states z (1 while refractory) at the recording times. */
static int binary_step(hs_hee_rt *rt, double t, double *next, hs_error *err)
{
    const hs_hee *m = &rt->m;
    int item = 0;
    if (rt->ds && rt->step % rt->present_steps == 0 && rt->step > 0) {
        (void)hs_hee_rt_item(rt, rt->step, 0);   /* (memory for it was checked at step 0) */
        memcpy(rt->x, rt->clamp, m->layer[0].n * sizeof *rt->x);
        memcpy(rt->rx, rt->clamp, m->layer[0].n * sizeof *rt->rx);
        item = 1;
    }
    hs_hee_rt_read_z(rt);
    if (!rt->stepping) {   /* nothing changes the parameters: read z when it is recorded */
        if (rt->sink && rt->sink(rt->sink_ctx, t, rt))
            return hs_error_set(err, HS_EIO, NULL, 0, 0, "writing states failed");
        rt->step += rt->every;
        *next = (double)rt->step * rt->dt;
        return HS_OK;
    }
    if (rt->sink && rt->step % rt->every == 0 && rt->sink(rt->sink_ctx, t, rt))
        return hs_error_set(err, HS_EIO, NULL, 0, 0, "writing states failed");
    if (rt->after) {   /* plasticity, on the states z */
        int rc = rt->after(rt, rt->after_ctx, err);
        if (rc)
            return rc;
    }
    if ((item || (rt->par.learn.on && rt->step % rt->sync_every == 0)) && rt->sync &&
        rt->sync(rt->sync_ctx, t, 1))
        return hs_nomem(err, NULL);
    rt->step++;
    *next = (double)rt->step * rt->dt;
    return HS_OK;
}

int hs_hee_rt_restored(hs_hee_rt *rt, double t)
{
    const hs_hee *m = &rt->m;
    for (int l = 0; l < m->L && !rt->binary; l++)
        if (is_bern(&m->layer[l])) {
            memcpy(rt->rx + m->layer[l].off, rt->x + m->layer[l].off,
                   m->layer[l].n * sizeof *rt->rx);
            memcpy(rt->reps + m->layer[l].off, rt->eps + m->layer[l].off,
                   m->layer[l].n * sizeof *rt->reps);
        }
    if (rt->ds && rt->binary)   /* the item of the step the checkpoint was taken at */
        if (hs_hee_rt_item(rt, rt->step ? rt->step - 1 : 0, 0))
            return -1;
    return rt->binary && rt->sync ? rt->sync(rt->sync_ctx, t, 0) : 0;
}

int hs_hee_rt_settle(hs_hee_rt *rt, double t)
{
    return rt->binary && rt->sync && rt->stepping ? rt->sync(rt->sync_ctx, t, 1) : 0;
}

static int rt_step(void *self, double t, struct hs_net *q, double *next, hs_error *err)
{
    hs_hee_rt *rt = self;
    if (rt->binary)
        return binary_step(rt, t, next, err);
    if (rt->sink && rt->step % rt->every == 0) {
        int rc = rt->sink(rt->sink_ctx, t, rt);
        if (rc)
            return hs_error_set(err, HS_EIO, NULL, 0, 0, "writing states failed");
    }
    if (rt->ancestral >= 0)
        hs_hee_rt_advance_ancestral(rt, rt->ancestral, q);
    else
        hs_hee_rt_advance(rt, q);
    if (rt->after) {
        int rc = rt->after(rt, rt->after_ctx, err);
        if (rc)
            return rc;
    }
    *next = (double)rt->step * rt->dt;
    return HS_OK;
}

static void rt_describe(const void *self, FILE *f) { hs_hee_rt_describe(self, f); }
static void rt_free(void *self) { hs_hee_rt_free(self); }

const hs_proc_ops hs_hee_proc_ops = {
    .name = "hee",
    .step = rt_step,
    .describe = rt_describe,
    .free = rt_free,
};

/* The per-ms hazard of a neuron firing at mean rate r (per ms): with a refractory period
 * tau_ref the hazard r / (1 - r tau_ref) keeps the mean rate at r. */
static double hazard_of(const hs_hee_rt *rt, double r)
{
    return rt->tau_ref > 0 ? r / (1.0 - r * rt->tau_ref) : r;
}

/* The rates (per ms) of a unit's neurons in state y: baseline encoding, one side at
 * r0 + r1 rho(y); rectified push-pull, an "on" side at r1 [rho]_+ and an "off" side at
 * r1 [-rho]_+ (doc/hee.md).  Clipped to [0, r_max]. */
static void side_rates(const hs_hee_rt *rt, hs_rho rho, double y, double *d, double *at,
                       double r[2])
{
    double f = rho_fd(rho, y, d, at), rmax = rt->rmax * 1e-3, r1 = rt->r1 * 1e-3;
    if (rt->pushpull) {
        r[0] = f > 0 ? fmin(r1 * f, rmax) : 0.0;
        r[1] = f < 0 ? fmin(-r1 * f, rmax) : 0.0;
    } else {
        double v = rt->r0 * 1e-3 + r1 * f;
        r[0] = v < 0 ? 0 : v > rmax ? rmax : v;
    }
}

/* Read the decoded traces rho-hat of layer l's units (principal, interneurons) over the last
 * step: the exact means of the traces (hs_pp_trace_means), (a - r0) / r1 or (a_on - a_off) / r1,
 * which the dynamics hear (ax, ae); when learning also the spike counts of the step, decoded
 * alike (px, pe), which the plasticity reads: a count holds no spike of an earlier step, so the
 * product of two units' counts carries no covariance from one unit having heard the other. */
static void read_traces(hs_hee_rt *rt, int l, double t, int x, int e)
{
    const hs_hee_layer *ly = &rt->m.layer[l];
    const double r1 = rt->r1 * 1e-3, r0 = rt->r0 * 1e-3;
    const uint32_t S = rt->pushpull ? 2 : 1;
    for (int k = 0; k < 2; k++) {
        if (!(k ? e : x))
            continue;
        double *tr = rt->trbuf, *cn = rt->learning ? rt->trbuf + S * ly->n : NULL;
        double *a = (k ? rt->reps : rt->rx) + ly->off, *c = (k ? rt->pe : rt->px) + ly->off;
        hs_pp_trace_means(k ? rt->epop[l] : rt->xpop[l], t, tr, cn);
        for (uint32_t i = 0; i < ly->n; i++) {
            a[i] = S == 2 ? (tr[2 * i] - tr[2 * i + 1]) / r1 : (tr[i] - r0) / r1;
            if (cn)
                c[i] = S == 2 ? (cn[2 * i] - cn[2 * i + 1]) / r1 : (cn[i] - r0) / r1;
        }
    }
}

/* Input from projections into the units (model point_process: per neuron, summed per side):
 * a unit's input is the mean over its neurons, added to its natural parameter. */
static void read_inputs(hs_hee_rt *rt, double t)
{
    const hs_hee *m = &rt->m;
    const uint32_t S = rt->pushpull ? 2 : 1;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (int k = 0; k < 2; k++) {
            double *out = (k ? rt->ine : rt->inx) + ly->off, *tr = rt->trbuf;
            hs_pp_inputs(k ? rt->epop[l] : rt->xpop[l], t, tr);
            for (uint32_t i = 0; i < ly->n; i++) {
                double a = 0;
                for (uint32_t sd = 0; sd < S; sd++)
                    a += tr[i * S + sd];
                out[i] = a / (S * rt->P);
            }
        }
    }
}

/* Set the hazards of layer l's neurons from t on, from the current membranes: of the
 * principal neurons when x, until ux (the time by which they are set again, or INFINITY), of
 * the interneurons when e, until ue (hs_pp_set_hazard_until). */
static void set_hazards(hs_hee_rt *rt, int l, double t, struct hs_net *q, int x, double ux,
                        int e, double ue)
{
    const hs_hee_layer *ly = &rt->m.layer[l];
    const uint32_t S = rt->pushpull ? 2 : 1;
    double *hz = rt->trbuf;
    for (int k = 0; k < 2; k++) {
        if (!(k ? e : x))
            continue;
        double *y = (k ? rt->eps : rt->x) + ly->off, *d = (k ? rt->de : rt->dx) + ly->off;
        double *at = (k ? rt->de_at : rt->dx_at) + ly->off;
        for (uint32_t i = 0; i < ly->n; i++) {
            double r[2];
            side_rates(rt, ly->rho, y[i], &d[i], &at[i], r);
            for (uint32_t sd = 0; sd < S; sd++)
                hz[i * S + sd] = hazard_of(rt, r[sd]);
        }
        hs_pp_set_hazards_until(k ? rt->epop[l] : rt->xpop[l], hz, t, k ? ue : ux, q);
    }
}

int hs_hee_rt_attach(hs_hee_rt *rt, hs_pop **xpop, hs_pop **epop, int inputs,
                     struct hs_net *q)
{
    const hs_hee *m = &rt->m;
    if (inputs) {
        rt->inputs = 1;
        rt->inx = calloc(m->ntotal, sizeof *rt->inx);
        rt->ine = calloc(m->ntotal, sizeof *rt->ine);
        if (!rt->inx || !rt->ine)
            return -1;
    }
    rt->xpop = malloc((size_t)m->L * sizeof *rt->xpop);
    rt->epop = malloc((size_t)m->L * sizeof *rt->epop);
    if (!rt->xpop || !rt->epop)
        return -1;
    for (int l = 0; l < m->L && rt->binary; l++) {   /* (their dynamics are their own) */
        rt->xpop[l] = xpop[l];
        rt->epop[l] = epop[l];
    }
    for (int l = 0; l < m->L && !rt->binary; l++) {
        rt->xpop[l] = xpop[l];
        rt->epop[l] = epop[l];
        /* traces start at the mean of the initial state: no start-up transient */
        const uint32_t S = rt->pushpull ? 2 : 1;
        for (int k = 0; k < 2; k++) {
            for (uint32_t i = 0; i < m->layer[l].n; i++) {
                size_t u = m->layer[l].off + i;
                double r[2];
                if (k)
                    side_rates(rt, m->layer[l].rho, rt->eps[u], &rt->de[u], &rt->de_at[u], r);
                else
                    side_rates(rt, m->layer[l].rho, rt->x[u], &rt->dx[u], &rt->dx_at[u], r);
                for (uint32_t sd = 0; sd < S; sd++)
                    rt->trbuf[i * S + sd] = r[sd];
            }
            hs_pp_set_traces(k ? epop[l] : xpop[l], 0.0, rt->trbuf);
        }
        set_hazards(rt, l, 0.0, q, 1, INFINITY, 1, INFINITY);
    }
    return 0;
}

int hs_hee_rt_item(hs_hee_rt *rt, uint64_t step, int reset)
{
    const uint64_t k = step / rt->present_steps;
    const size_t n0 = rt->m.layer[0].n, N = rt->m.ntotal;
    for (uint32_t c = 0; c < rt->B; c++) {   /* chain c: the item k B + c of the sequence */
        const uint64_t j = k * rt->B + c;
        const long long epoch = (long long)(j / rt->ntrain);
        if (epoch != rt->order_epoch) {
            if (rt->shuffle) {
                if (hs_data_shuffle_order(rt->seed, (unsigned)epoch, rt->ntrain, rt->order))
                    return -1;
            } else {
                for (size_t i = 0; i < rt->ntrain; i++)
                    rt->order[i] = i;
            }
            rt->order_epoch = epoch;
        }
        memcpy(rt->clamp + c * n0, rt->ds->x + rt->order[j % rt->ntrain] * rt->ds->dim,
               n0 * sizeof *rt->clamp);
    }
    if (reset) {
        for (uint32_t c = 0; c < rt->B; c++) {
            memcpy(rt->x + c * N, rt->clamp + c * n0, n0 * sizeof *rt->x);
            if (is_bern(&rt->m.layer[0]))
                memcpy(rt->rx + c * N, rt->clamp + c * n0, n0 * sizeof *rt->rx);
        }
        if (rt->par.feedforward && feedforward(rt, NULL))
            return -1;
        for (int l = 1; l < rt->m.L; l++)   /* T(x) = x of bernoulli units (one chain) */
            if (is_bern(&rt->m.layer[l]))
                memcpy(rt->rx + rt->m.layer[l].off, rt->x + rt->m.layer[l].off,
                       rt->m.layer[l].n * sizeof *rt->rx);
    }
    return 0;
}

/* The log-odds of bernoulli unit i of layer l from above and beside: eta_i = b_i +
 * (W_{l+1} T(x_{l+1}))_i from the principal units above (T), plus (J_l S)_i from its own
 * layer's S (principal units for a unit, interneurons for an interneuron). */
static double bern_field(const hs_hee *m, int l, uint32_t i, const double *T, const double *S)
{
    const hs_hee_layer *ly = &m->layer[l];
    double u = ly->b[i];
    if (l + 1 < m->L) {
        const hs_hee_layer *up = &m->layer[l + 1];
        const double *row = m->W[l + 1] + (size_t)i * up->n, *Tu = T + up->off;
        for (uint32_t j = 0; j < up->n; j++)
            u += row[j] * Tu[j];
    }
    if (ly->J) {
        const double *row = ly->J + (size_t)i * ly->n, *Sl = S + ly->off;
        for (uint32_t j = 0; j < ly->n; j++)
            u += row[j] * Sl[j];
    }
    return u;
}

/* The HEE's bottom-up log-odds of unit i of layer l >= 1: (W_l^T (T(x_{l-1}) - T(eps_{l-1})))_i. */
static double bern_bottom_up(const hs_hee *m, int l, uint32_t i, const double *tx,
                             const double *te)
{
    const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
    const double *W = m->W[l] + i;
    double u = 0;
    for (uint32_t k = 0; k < lo->n; k++)
        u += W[(size_t)k * ly->n] * (tx[lo->off + k] - te[lo->off + k]);
    return u;
}

static inline double coin(gsl_rng *r, double logodds)
{
    return gsl_rng_uniform(r) < hs_sigmoid(logodds) ? 1.0 : 0.0;
}

/* bottom_up: exchange.  The pool interneurons of layer l whose clocks tick: unit k's pool
 * samples layer l - 1 given layer l with x_k flipped, eta_{l-1} + W_l[:, k] (1 - 2 x_k)
 * (its own lateral couplings J_{l-1} among the pool). */
static void pool_step(hs_hee_rt *rt, int l)
{
    const hs_hee *m = &rt->m;
    const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
    const uint64_t s = rt->step;
    const double *W = m->W[l], *xl = rt->rx + ly->off;
    /* the field every pool shares, b_{l-1} + W_l x_l, once per step: n_{l-1} n_l operations
     * in place of that for every tick (n_l ticks per neuron of layer l - 1 per tau_eps) */
    double *base = rt->fscratch;
    for (uint32_t i = 0; i < lo->n; i++) {
        const double *row = W + (size_t)i * ly->n;
        double a = lo->b[i];
        for (uint32_t j = 0; j < ly->n; j++)
            a += row[j] * xl[j];
        base[i] = a;
    }
    for (uint32_t k = 0; k < ly->n; k++) {
        double *P = rt->pool[l] + (size_t)k * lo->n;
        uint64_t *tk = rt->tick_p[l] + (size_t)k * lo->n;
        for (uint32_t i = 0; i < lo->n; i++) {
            if (tk[i] > s)
                continue;
            double a = base[i] + W[(size_t)i * ly->n + k] * (1.0 - 2.0 * xl[k]);
            if (lo->J)
                for (uint32_t j = 0; j < lo->n; j++)
                    a += lo->J[(size_t)i * lo->n + j] * P[j];
            P[i] = coin(rt->rng, a);
            tk[i] = s + 1 + clock_wait(rt->rng, rt->ltick_e);
        }
    }
}

/* The exchange log-odds of unit k of layer l from below: W_l[:, k] . (T(x_{l-1}) - pool_k). */
static double pool_bottom_up(const hs_hee_rt *rt, int l, uint32_t k)
{
    const hs_hee *m = &rt->m;
    const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
    const double *P = rt->pool[l] + (size_t)k * lo->n, *W = m->W[l] + k;
    double u = 0;
    for (uint32_t i = 0; i < lo->n; i++)
        u += W[(size_t)i * ly->n] * (rt->rx[lo->off + i] - P[i]);
    return u;
}

/* The bernoulli units and interneurons whose clocks tick in this step, resampled one after
 * another from the current state (layers bottom up, each interneuron before its unit); only
 * layer `only`'s interneurons when only >= 0 (ancestral generation: their field from the
 * interneurons above). */
static void bern_step(hs_hee_rt *rt, int only)
{
    const hs_hee *m = &rt->m;
    const uint64_t s = rt->step;
    for (int l = only >= 0 ? only : 0; l < (only >= 0 ? only + 1 : m->L); l++) {
        const hs_hee_layer *ly = &m->layer[l];
        if (!is_bern(ly))
            continue;
        const int free_x = only < 0 && (l > 0 || !rt->clamp);
        const double *above = only >= 0 ? rt->reps : rt->rx;
        if (rt->pool && only < 0 && l > 0)
            pool_step(rt, l);
        for (uint32_t i = 0; i < ly->n; i++) {
            size_t u = ly->off + i;
            if ((!rt->exact_grad || only >= 0) && rt->tick_e[u] <= s) {
                double a = bern_field(m, l, i, above, rt->reps);
                rt->eps[u] = rt->reps[u] = coin(rt->rng, a);
                rt->tick_e[u] = s + 1 + clock_wait(rt->rng, rt->ltick_e);
            }
            if (free_x && rt->tick_x[u] <= s) {
                double a = bern_field(m, l, i, rt->rx, rt->rx);
                if (l > 0)
                    a += rt->exact_grad ? hs_hee_bern_flip_logodds(m, l, i, rt->rx, rt->fscratch)
                         : rt->pool   ? pool_bottom_up(rt, l, i)
                                      : bern_bottom_up(m, l, i, rt->rx, rt->reps);
                rt->x[u] = rt->rx[u] = coin(rt->rng, a);
                rt->tick_x[u] = s + 1 + clock_wait(rt->rng, rt->ltick_x);
            }
        }
    }
}

/* Chain ch's membranes, interneurons and adaptation currents from t to t + dt, given eta and
 * bu (full: the spike realisation's budget of correlated noise, drawn in rt->bz); with chains,
 * the chain's deviates are drawn first into zbuf (rt->nz doubles; unused with one chain). */
static void step_chain(hs_hee_rt *rt, uint32_t ch, int full, double *zbuf)
{
    const hs_hee *m = &rt->m;
    const hs_hee_par *h = &rt->par;
    const size_t o = (size_t)ch * m->ntotal;   /* chain ch's units */
    const double dt = rt->dt, tau_x = h->tau_x;
    const double mad = h->adapt_m, tau_c = h->adapt_tau_c;
    noise q = {rt->rng, NULL};
    if (rt->B > 1) {
        const size_t n = chain_draws(rt);
        hs_xo_normals(&rt->xo[ch], zbuf, n);
        q.z = zbuf;
    }
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        const double s2 = ly->sigma * ly->sigma;
        const double dx = rt->ou[l].dx, de = rt->ou[l].de, nx = rt->ou[l].nx, ne = rt->ou[l].ne;
        const int free_x = l > 0 || !rt->clamp;
        for (uint32_t i = 0; i < ly->n && !is_bern(ly); i++) {
            size_t u = o + ly->off + i;
            double lat_x = 0, lat_e = 0;
            if (ly->J)
                for (uint32_t j = 0; j < ly->n; j++) {
                    lat_x += ly->J[(size_t)i * ly->n + j] * rt->rx[o + ly->off + j];
                    lat_e += ly->J[(size_t)i * ly->n + j] * rt->reps[o + ly->off + j];
                }
            const double in_x = rt->inputs ? rt->inx[u] : 0.0;
            const double in_e = rt->inputs ? rt->ine[u] : 0.0;
            if (!rt->exact_grad) {
                double Fe = rho_d(ly->rho, rt->eps[u], &rt->de[u], &rt->de_at[u]) *
                            (rt->eta[u] + lat_e + in_e);
                rt->eps[u] = ou_step(rt->eps[u], Fe, s2, de, full ? ne * rt->ebeta[u] : ne,
                                     gauss(&q));
            }
            if (!free_x)
                continue;
            double x = rt->x[u];
            double Fx = rho_d(ly->rho, x, &rt->dx[u], &rt->dx_at[u]) *
                        (rt->eta[u] + lat_x + rt->bu[u] + in_x);
            if (full) {   /* the budget's correlated noise, drawn above */
                double xi = nx * rt->bz[u - rt->off0], cc = mad > 0 ? rt->c[u] : 0.0;
                rt->x[u] = x * dx + (1.0 - dx) * s2 * (Fx - cc) + xi;
                if (mad > 0)
                    rt->c[u] = cc + dt / tau_c * (-cc + mad * (x / s2 - Fx)) +
                               sqrt(2 * mad * tau_x * dt) / tau_c * gauss(&q);
                continue;
            }
            double nxu = h->noise_budget ? nx * sqrt(1 - rt->kappa[u]) : nx;
            if (mad > 0) {
                double g = x / s2 - Fx, cc = rt->c[u];
                rt->x[u] = ou_step(x, Fx - cc, s2, dx, nxu, gauss(&q));
                rt->c[u] = cc + dt / tau_c * (-cc + mad * g) +
                           sqrt(2 * mad * tau_x * dt) / tau_c * gauss(&q);
            } else {
                rt->x[u] = ou_step(x, Fx, s2, dx, nxu, gauss(&q));
            }
        }
    }
}

/* rho and rho' of the gaussian membranes and interneurons of the chain whose units start at o
 * (bernoulli units: T(x) = x). */
static void rho_chain(hs_hee_rt *rt, size_t o)
{
    const hs_hee *m = &rt->m;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (size_t u = o + ly->off; u < o + ly->off + ly->n && !is_bern(ly); u++) {
            rt->rx[u] = rho_fd(ly->rho, rt->x[u], &rt->dx[u], &rt->dx_at[u]);
            rt->reps[u] = rho_fd(ly->rho, rt->eps[u], &rt->de[u], &rt->de_at[u]);
        }
    }
}

/* Is the rate realisation's noise budget recomputed in this step? */
static int budget_due(const hs_hee_rt *rt)
{
    return rt->par.noise_budget && !rt->exact_grad && rt->kappa_fixed < 2 &&
           (rt->kappa_fixed == 1 || rt->step % rt->kappa_every == 0);
}

/* Part t of n of a chains' step (a contiguous range of chains on thread t): rho, the
 * products, the noise budget when due (chains_w2 done), the membranes. */
static void advance_part(void *ctx, int t, int n)
{
    hs_hee_rt *rt = ctx;
    const hs_hee *m = &rt->m;
    const size_t N = m->ntotal;
    const uint32_t c0 = hs_team_share(rt->B, t, n), c1 = hs_team_share(rt->B, t + 1, n);
    if (c0 == c1)
        return;
    for (size_t o = c0 * N; o < c1 * N; o += N)
        rho_chain(rt, o);
    for (int l = 0; l < m->L; l++)
        chains_eta_layer(rt, l, rt->rx, c0, c1);
    chains_bottom_up(rt, c0, c1);
    if (budget_due(rt))
        chains_noise_budget(rt, c0, c1);
    for (uint32_t ch = c0; ch < c1; ch++)
        step_chain(rt, ch, 0, rt->zbuf + (size_t)t * rt->nz);
}

/* A step of B > 1 chains (the rate realisation of gaussian layers), split among the team. */
static void advance_chains(hs_hee_rt *rt)
{
    const int budget = budget_due(rt);   /* (the parts see the same: nothing changes it) */
    if (budget)
        chains_w2(rt);
    hs_team_run(rt->team, advance_part, rt);
    if (budget && rt->kappa_fixed == 1)
        rt->kappa_fixed = 2;
}

void hs_hee_rt_advance(hs_hee_rt *rt, struct hs_net *q)
{
    const hs_hee *m = &rt->m;
    const hs_hee_par *h = &rt->par;
    const size_t N = m->ntotal;
    if (rt->ds && rt->step % rt->present_steps == 0 && rt->step > 0)
        (void)hs_hee_rt_item(rt, rt->step, 1);   /* memory for it was checked at step 0 */
    if (rt->B > 1) {
        advance_chains(rt);
        rt->step++;
        return;
    }
    const double tnow = (double)rt->step * rt->dt;
    if (rt->spike)
        for (int l = 0; l < m->L; l++)
            read_traces(rt, l, tnow, 1, 1);
    if (rt->inputs)
        read_inputs(rt, tnow);
    if (!rt->spike)   /* (spike: units hear each other only through traces) */
        rho_chain(rt, 0);
    /* eta of the gaussian layers (a bernoulli unit sums its own field when its clock ticks),
     * of every layer for the exact reference */
    for (int l = 0; l < m->L; l++)
        if (!is_bern(&m->layer[l]) || rt->exact_grad)
            hs_hee_eta(m, l, rt->rx, rt->eta + m->layer[l].off);
    /* the exact reference replaces rho(eps) by grad A = P^-1 eta (identity layers), and by
     * E[x | eta] in bernoulli layers (read by a gaussian layer above) */
    if (rt->exact_grad)
        for (int l = 0; l < m->L; l++) {
            const hs_hee_layer *ly = &m->layer[l];
            if (is_bern(ly)) {
                (void)hs_hee_bern_mean(ly, rt->eta + ly->off, rt->reps + ly->off);
                continue;   /* (hs_hee_rt_use_exact_grad checked it can) */
            }
            const double *Pi = rt->Pinv[l], *eta = rt->eta + ly->off;
            for (uint32_t i = 0; i < ly->n; i++) {
                double g = 0;
                for (uint32_t j = 0; j < ly->n; j++)
                    g += Pi[(size_t)i * ly->n + j] * eta[j];
                rt->reps[ly->off + i] = g;
            }
        }
    /* bottom-up: bu_l = W_l^T (rho(x_{l-1}) - rho(eps_{l-1})), for gaussian layers */
    memset(rt->bu, 0, N * sizeof *rt->bu);
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        if (is_bern(ly))
            continue;
        const double *W = m->W[l];
        double *restrict bu = rt->bu + ly->off;
        for (uint32_t k = 0; k < lo->n; k++) {
            double d = rt->rx[lo->off + k] - rt->reps[lo->off + k];
            if (d == 0.0)
                continue;   /* e.g. a clamped unit whose interneuron sits at its value */
            const double *restrict row = W + (size_t)k * ly->n;
            for (uint32_t i = 0; i < ly->n; i++)
                bu[i] += row[i] * d;
        }
    }
    /* the budget follows the state on the interneurons' time scale: every tau_eps / 2 */
    const int full = rt->spike && h->noise_budget;
    if (full && rt->step % rt->budget_every == 0)
        hs_hee_budget_update(rt);
    if (full) {   /* correlated noise for the free membranes: y = L z */
        const size_t nf = rt->nfree;
        double *z = rt->bg, *y = rt->bz;
        for (size_t i = 0; i < nf; i++)
            z[i] = gsl_ran_gaussian_ziggurat(rt->rng, 1.0);
        if (nf > HS_HEE_BUDGET_FULL_MAX)   /* the diagonal budget */
            for (size_t i = 0; i < nf; i++)
                y[i] = rt->bL[i] * z[i];
        else
            for (size_t i = 0; i < nf; i++) {
                double a = 0;
                const double *row = rt->bL + i * nf;
                for (size_t j = 0; j < nf; j++)   /* (zeros above the diagonal unless clipped) */
                    a += row[j] * z[j];
                y[i] = a;
            }
    } else if (budget_due(rt)) {
        noise_budget(rt);
        if (rt->kappa_fixed == 1)
            rt->kappa_fixed = 2;
    }
    step_chain(rt, 0, full, NULL);
    if (rt->nbern)
        bern_step(rt, -1);
    if (rt->spike) {
        /* a clamped layer's membranes change only when the next item comes */
        const int item = rt->ds && rt->step % rt->present_steps == 0;
        const double tnext = (double)(rt->step + 1) * rt->dt;   /* the next step sets them */
        for (int l = 0; l < m->L; l++)
            if (l > 0 || !rt->clamp)
                set_hazards(rt, l, tnow, q, 1, tnext, 1, tnext);
            else
                set_hazards(rt, l, tnow, q, item, INFINITY, 1, tnext);
    }
    rt->step++;
}

int hs_hee_rt_use_exact_grad(hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    if (m->L < 1)
        return -1;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        if (!is_bern(ly) && ly->rho != HS_RHO_IDENTITY)
            return -1;
        /* grad A of a bernoulli layer with couplings, and the log-odds a bernoulli layer
         * above needs, by enumeration; a gaussian layer below a bernoulli one without
         * couplings (its A in closed form) */
        if (is_bern(ly) && ly->J && ly->n > HS_HEE_ENUM_MAX)
            return -1;
        if (l + 1 < m->L && is_bern(&m->layer[l + 1]) && !is_bern(ly) && ly->J)
            return -1;
    }
    rt->Pinv = calloc((size_t)m->L, sizeof *rt->Pinv);
    if (!rt->Pinv)
        return -1;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        if (is_bern(ly))
            continue;
        /* P^-1 as the exact covariance of a one-layer model with eta = 0 */
        hs_hee_layer one = *ly;
        one.off = 0;
        double *zero = calloc(ly->n, sizeof *zero), *mean = malloc(ly->n * sizeof *mean);
        rt->Pinv[l] = malloc((size_t)ly->n * ly->n * sizeof **rt->Pinv);
        one.b = zero;
        double *W[1] = {NULL};
        hs_hee mm = {.L = 1, .layer = &one, .W = W, .ntotal = ly->n};
        int bad = !zero || !mean || !rt->Pinv[l] || hs_hee_gauss_exact(&mm, NULL, mean,
                                                                      rt->Pinv[l]);
        free(zero);
        free(mean);
        if (bad)
            return -1;
    }
    rt->exact_grad = 1;
    return 0;
}

void hs_hee_rt_describe(const hs_hee_rt *rt, FILE *f)
{
    const hs_hee *m = &rt->m;
    const hs_hee_par *h = &rt->par;
    fprintf(f, "hee: %s realisation, %d layers, %u units; tau_x %g ms, tau_eps %g ms, dt %g ms"
               "%s\n", rt->spike ? "spike" : "rate", m->L, m->ntotal, h->tau_x, h->tau_eps,
            h->dt, rt->clamp ? ", layer 0 clamped" : "");
    if (rt->B > 1)
        fprintf(f, "  chains: %u independent copies%s; states.tsv records chain 0\n", rt->B,
                rt->ds ? ", each clamped to its own item" : "");
    if (rt->binary)
        fprintf(f, "  spiking: one neural-sampling neuron per unit (refractory tau_x) and per "
                   "interneuron (tau_eps), z = 1 while refractory; couplings W, -W, J as "
                   "synapses of rectangular PSPs, exact spike times in the event loop\n");
    else if (rt->spike) {
        if (rt->pushpull)
            fprintf(f, "  spiking: push-pull, %u neurons per side%s at r1 [rho(x)]+ and "
                       "r1 [-rho(x)]+, r1 = %.4g Hz per unit of rho (at most %g Hz), ", rt->P,
                    rt->P_auto ? " (chosen from the network)" : "", rt->r1, rt->rmax);
        else
            fprintf(f, "  spiking: baseline, %u neurons per unit%s at r = %g Hz + %g Hz x "
                       "rho(x) (0 to %g Hz), ", rt->P,
                    rt->P_auto ? " (chosen from the network)" : "", rt->r0, rt->r1, rt->rmax);
        fprintf(f, "refractory %g ms, read out by traces of %g ms\n", rt->tau_ref, rt->tau_syn);
        fprintf(f, "  noise budget: %s; spike noise at the initial state: %.3g of the intended "
                   "diffusion (largest eigenvalue)%s\n",
                !h->noise_budget ? "off"
                : rt->nfree <= HS_HEE_BUDGET_FULL_MAX ? "full covariance over the free units"
                                                      : "diagonal (more than 64 free units)",
                rt->budget_load, rt->budget_load > 1 ? " -- does not fit: raise neurons_per_unit"
                                                     : "");
    }
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        if (is_bern(ly))
            fprintf(f, "  layer %d %-12s %6u units  bernoulli (Glauber, a tick every tau_x)%s\n",
                    l, ly->name, ly->n, l == 0 && rt->clamp ? "  (clamped)" : "");
        else
            fprintf(f, "  layer %d %-12s %6u units  rho %-8s sigma %g%s\n", l, ly->name, ly->n,
                    hs_rho_name(ly->rho), ly->sigma, l == 0 && rt->clamp ? "  (clamped)" : "");
        fprintf(f, "    interneurons %s_eps: %u units, sample grad A_%d\n", ly->name, ly->n, l);
        if (ly->J)
            fprintf(f, "    lateral couplings J: %u x %u\n", ly->n, ly->n);
        if (l > 0)
            fprintf(f, "    weights W_%d: %u x %u (%s -> eta of %s; bottom-up from %s - %s_eps)"
                       "\n", l, m->layer[l - 1].n, ly->n, ly->name, m->layer[l - 1].name,
                    m->layer[l - 1].name, m->layer[l - 1].name);
    }
    if (h->adapt_m > 0)
        fprintf(f, "  adaptation: m %g, tau_c %g ms, on every free unit%s\n", h->adapt_m,
                h->adapt_tau_c, rt->nbern ? " of the gaussian layers" : "");
    double relax, sep;
    if (hs_hee_timescales(m, h->tau_x, h->tau_eps, &relax, &sep) == 0)
        fprintf(f, "  time scales (linearised at 0): slowest relaxation %.3g ms; principal "
                   "neurons %.3g times slower than the interneurons below%s\n", relax, sep,
                sep < 5 ? " -- too close: lower tau_eps (and dt) or raise tau_x" : "");
}

size_t hs_hee_rt_header(const hs_hee_rt *rt, FILE *f)
{
    const hs_hee *m = &rt->m;
    size_t cols = 0;
    fputs("time_ms", f);
    for (int l = 0; l < m->L; l++) {
        static const char *const suffix[3] = {"", "_eps", "_c"};
        for (int k = 0; k < 3; k++)
            if (rt->record[3 * l + k])
                for (uint32_t i = 0; i < m->layer[l].n; i++, cols++)
                    fprintf(f, "\t%s%s[%u]", m->layer[l].name, suffix[k], i);
    }
    fputc('\n', f);
    return cols;
}

void hs_hee_rt_row(const hs_hee_rt *rt, double t, FILE *f)
{
    const hs_hee *m = &rt->m;
    fprintf(f, "%.6f", t);
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        const double *const of[3] = {rt->x, rt->eps, rt->c};
        for (int k = 0; k < 3; k++)
            if (rt->record[3 * l + k])
                for (uint32_t i = 0; i < ly->n; i++)
                    fprintf(f, "\t%.9g", of[k][ly->off + i]);
    }
    fputc('\n', f);
}

void hs_hee_rt_unclamp(hs_hee_rt *rt)
{
    free(rt->clamp);
    hs_dataset_free(rt->ds);
    free(rt->order);
    rt->clamp = NULL;
    rt->ds = NULL;
    rt->order = NULL;
    rt->kappa_fixed = 0;   /* the budget of a free layer 0 differs */
}

void hs_hee_rt_advance_ancestral(hs_hee_rt *rt, int l, struct hs_net *q)
{
    const hs_hee *m = &rt->m;
    const hs_hee_layer *ly = &m->layer[l];
    const size_t N = m->ntotal;
    const double tnow = (double)rt->step * rt->dt;
    if (rt->spike)
        for (int k = l; k <= l + 1 && k < m->L; k++)
            read_traces(rt, k, tnow, 0, 1);
    /* T(eps) of this layer (lateral couplings) and the one above (eta): from the traces in
     * the spike realisation */
    for (size_t o = 0; o < N * rt->B && !rt->spike; o += N)   /* (spike: read_traces above) */
        for (int k = l; k <= l + 1 && k < m->L; k++)
            for (uint32_t i = 0; i < m->layer[k].n && !is_bern(&m->layer[k]); i++) {
                size_t u = o + m->layer[k].off + i;
                rt->reps[u] = rho_fd(m->layer[k].rho, rt->eps[u], &rt->de[u], &rt->de_at[u]);
            }
    if (is_bern(ly)) {   /* the interneurons whose clocks tick, from those above (rate) */
        bern_step(rt, l);
        rt->step++;
        return;
    }
    /* eta_l from the interneurons of the layer above (hs_hee_eta reads T + off of l + 1) */
    if (rt->B > 1)
        chains_eta_layer(rt, l, rt->reps, 0, rt->B);
    else
        hs_hee_eta(m, l, rt->reps, rt->eta + ly->off);
    const double s2 = ly->sigma * ly->sigma, de = rt->ou[l].de, ne = rt->ou[l].ne;
    for (uint32_t c = 0; c < rt->B; c++) {
        const size_t o = c * N;
        const double *eta = rt->eta + o + ly->off;
        noise z = {rt->rng, NULL};
        if (rt->B > 1) {
            hs_xo_normals(&rt->xo[c], rt->zbuf, ly->n);
            z.z = rt->zbuf;
        }
        for (uint32_t i = 0; i < ly->n; i++) {
            size_t u = o + ly->off + i;
            double lat = 0;
            if (ly->J)
                for (uint32_t j = 0; j < ly->n; j++)
                    lat += ly->J[(size_t)i * ly->n + j] * rt->reps[o + ly->off + j];
            double Fe = rho_d(ly->rho, rt->eps[u], &rt->de[u], &rt->de_at[u]) * (eta[i] + lat);
            rt->eps[u] = ou_step(rt->eps[u], Fe, s2, de, ne, gauss(&z));
        }
    }
    if (rt->spike) {   /* every neuron keeps firing; the other layers hold their state */
        const double tnext = (double)(rt->step + 1) * rt->dt;
        for (int k = 0; k < m->L; k++)   /* (held hazards: after the first step, no work) */
            set_hazards(rt, k, tnow, q, 1, INFINITY, k != l, INFINITY);
        set_hazards(rt, l, tnow, q, 0, INFINITY, 1, tnext);
    }
    rt->step++;
}
