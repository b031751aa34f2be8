/* hee_compare_bin.c -- hee-snn compare for models with bernoulli layers: every sampler of the
 * same model against its distribution enumerated state by state
 *
 * Rows (the same duration, sampled every `every` after a burn-in of a tenth of the run; the
 * discrete-time samplers give one sample per iteration, as many as the others):
 *   exact              the enumerated posterior (layer 0 clamped) or joint: the reference
 *   gibbs              continuous-time Gibbs: Glauber ticks from the exact conditionals
 *                      (bottom_up: exact), the model's own exact sampler
 *   glauber            the HEE with its interneurons (rate realisation)
 *   glauber-exchange   the HEE with per-unit pools at the flipped state (bottom_up: exchange)
 *   spike              neural-sampling neurons, interneurons (every layer bernoulli)
 *   spike-exchange     neural-sampling neurons with pools (every layer bernoulli)
 *   dlp, dlp-mh        the discrete Langevin proposal of Zhang, Liu and Liu (2022), without and
 *                      with its Metropolis-Hastings correction, on the exact log p
 *   pmap               perturb-and-MAP with the exact MAP over the enumerated states (at most
 *                      12 free units)
 *   with --sweep tau_eps=V,...: the exchange rows at each tau_eps (their bias against
 *   tau_eps / tau_x)
 * Columns as for gaussian models (hee_compare.c), except that the KL is the exact one over the
 * enumerated states, KL(sampled || exact), and the variance columns are empty (a binary unit's
 * variance is its mean's).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "app/hee_compare_int.h"
#include "config/config.h"
#include "net/hee_spec.h"
#include "net/net.h"
#include "proc/hee_rt.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/rng.h"


/* The step size of the discrete Langevin proposal: a unit flips with probability
 * sigmoid(g d / 2 - 1 / (2 alpha)), g the gradient of log p, d = 1 - 2 x. */
#define DLP_ALPHA 0.2

/* KL(sampled || exact) over the 2^K states of the samples. */
static double discrete_kl(const samples *s, const double *p)
{
    const size_t S = (size_t)1 << s->K;
    double *q = calloc(S, sizeof *q), kl = 0;
    if (!q)
        return NAN;
    for (size_t k = 0; k < s->n; k++) {
        size_t st = 0;
        for (size_t i = 0; i < s->K; i++)
            st |= (size_t)(s->y[k * s->K + i] != 0) << i;
        q[st] += 1.0 / (double)s->n;
    }
    for (size_t st = 0; st < S; st++)
        if (q[st] > 0)
            kl += q[st] * log(q[st] / p[st]);
    free(q);
    return kl;
}

static void score_bin(hs_cmp_row *r, const samples *s, const double *p, const double *rmean,
                      const double *rcov)
{
    hs_cmp_score(r, s, rmean, rcov);
    r->kl = discrete_kl(s, p);
    r->var_err = r->var_mc = r->var_z = NAN;
}

/* ---- the discrete Langevin proposal ---------------------------------------------------------- */

/* The gradient of log p(x) with respect to the binary units of layers first..L-1 (x relaxed to
 * reals): eta_l + J_l x_l + W_l^T (x_{l-1} - grad A_{l-1}(eta_{l-1})).  eta and mu hold ntotal
 * values. */
static int grad_logp(const hs_hee *m, int first, const double *x, double *g, double *eta,
                     double *mu)
{
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        hs_hee_eta(m, l, x, eta + ly->off);
        if (ly->family == HS_FAMILY_BERNOULLI) {
            if (hs_hee_bern_mean(ly, eta + ly->off, mu + ly->off))
                return -1;
        } else {   /* a gaussian identity layer 0 without couplings: sigma^2 eta */
            for (uint32_t i = 0; i < ly->n; i++)
                mu[ly->off + i] = ly->sigma * ly->sigma * eta[ly->off + i];
        }
    }
    for (int l = first; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (uint32_t k = 0; k < ly->n; k++) {
            double a = eta[ly->off + k];
            for (uint32_t j = 0; ly->J && j < ly->n; j++)
                a += ly->J[(size_t)k * ly->n + j] * x[ly->off + j];
            if (l > 0) {
                const hs_hee_layer *lo = &m->layer[l - 1];
                for (uint32_t i = 0; i < lo->n; i++)
                    a += m->W[l][(size_t)i * ly->n + k] * (x[lo->off + i] - mu[lo->off + i]);
            }
            g[ly->off + k] = a;
        }
    }
    return 0;
}

static double log_sigmoid(double z) { return -hs_softplus(-z); }

/* log q(to | from) of the proposal with gradient g at `from`, over units [lo, N). */
static double log_q(const double *from, const double *to, const double *g, size_t lo, size_t N)
{
    double lq = 0;
    for (size_t u = lo; u < N; u++) {
        double z = 0.5 * g[u] * (1 - 2 * from[u]) - 0.5 / DLP_ALPHA;
        lq += to[u] != from[u] ? log_sigmoid(z) : log_sigmoid(-z);
    }
    return lq;
}

/* burn + n iterations of DLP (mh: with the Metropolis-Hastings correction) from all units 0
 * (layer 0 at its clamp); a sample after each iteration past the burn-in. */
static int run_dlp(const hs_hee_rt *probe, int mh, uint64_t seed, size_t burn, size_t n,
                   samples *s, double *wall, double *accept, hs_error *err)
{
    const hs_hee *m = &probe->m;
    const size_t N = m->ntotal, lo = probe->clamp ? m->layer[0].n : 0;
    double *buf = calloc(7 * N, sizeof *buf);
    gsl_rng *r = hs_rng_stream(seed, "compare", mh ? "dlp-mh" : "dlp");
    if (!buf || !r) {
        free(buf);
        if (r)
            gsl_rng_free(r);
        return hs_nomem(err, NULL);
    }
    double *x = buf, *y = buf + N, *g = buf + 2 * N, *gy = buf + 3 * N, *eta = buf + 4 * N;
    double *mu = buf + 5 * N, *scratch = buf + 6 * N;
    if (probe->clamp)
        memcpy(x, probe->clamp, lo * sizeof *x);
    memcpy(y, x, N * sizeof *x);
    const int first = lo ? 1 : 0;
    int rc = HS_OK;
    double f = hs_hee_logjoint(m, x, scratch);
    size_t acc = 0;
    double t0 = hs_wall_s();
    if (grad_logp(m, first, x, g, eta, mu))
        rc = hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "dlp: a layer is too large");
    for (size_t it = 0; rc == HS_OK && it < burn + n; it++) {
        for (size_t u = lo; u < N; u++) {
            double z = 0.5 * g[u] * (1 - 2 * x[u]) - 0.5 / DLP_ALPHA;
            y[u] = gsl_rng_uniform(r) < hs_sigmoid(z) ? 1 - x[u] : x[u];
        }
        if (grad_logp(m, first, y, gy, eta, mu)) {
            rc = hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "dlp: a layer is too large");
            break;
        }
        double fy = hs_hee_logjoint(m, y, scratch);
        int take_y = 1;
        if (mh) {
            double la = fy - f + log_q(y, x, gy, lo, N) - log_q(x, y, g, lo, N);
            take_y = la >= 0 || gsl_rng_uniform(r) < exp(la);
        }
        if (take_y) {
            memcpy(x + lo, y + lo, (N - lo) * sizeof *x);
            memcpy(g + lo, gy + lo, (N - lo) * sizeof *g);
            f = fy;
            acc++;
        } else {
            memcpy(y + lo, x + lo, (N - lo) * sizeof *y);
        }
        if (it >= burn)
            hs_cmp_take(s, x + lo);
    }
    *wall = hs_wall_s() - t0;
    *accept = (double)acc / (double)(burn + n);
    free(buf);
    gsl_rng_free(r);
    return rc;
}

/* ---- perturb-and-MAP ------------------------------------------------------------------------- */

/* Perturb-and-MAP with the exact MAP (Papandreou and Yuille 2011; Lazaro-Gredilla, Dedieu and
 * George 2021 compute it by max-product on large graphs): each sample is the most probable state
 * of log p(x) + sum_i g_i x_i, g_i independent logistic (the difference of two Gumbels: the
 * perturbation of a binary unit's two states), found over the enumerated states.  Exact for
 * independent units, biased where units interact: an approximate sampler with independent
 * samples.  lp: log p of the 2^K states. */
static int run_pmap(const double *lp, size_t K, uint64_t seed, size_t n, samples *s,
                    double *wall, hs_error *err)
{
    gsl_rng *r = hs_rng_stream(seed, "compare", "pmap");
    double *g = malloc(K * sizeof *g), *x = malloc(K * sizeof *x);
    if (!r || !g || !x) {
        if (r)
            gsl_rng_free(r);
        free(g);
        free(x);
        return hs_nomem(err, NULL);
    }
    const size_t S = (size_t)1 << K;
    double t0 = hs_wall_s();
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < K; i++) {
            double u = gsl_rng_uniform_pos(r);
            g[i] = log(u) - log1p(-u);   /* logistic(0, 1) */
        }
        size_t best = 0;
        double bv = -INFINITY;
        for (size_t st = 0; st < S; st++) {
            double v = lp[st];
            for (size_t i = 0; i < K; i++)
                if ((st >> i) & 1)
                    v += g[i];
            if (v > bv) {
                bv = v;
                best = st;
            }
        }
        for (size_t i = 0; i < K; i++)
            x[i] = (double)((best >> i) & 1);
        hs_cmp_take(s, x);
    }
    *wall = hs_wall_s() - t0;
    gsl_rng_free(r);
    free(g);
    free(x);
    return HS_OK;
}

/* Perturb-and-MAP enumerates every state per sample: up to this many free units. */
#define PMAP_MAX_UNITS 12

/* ---- the table ------------------------------------------------------------------------------- */

int hs_cmp_binary(const hs_config *cfg, const hs_cmp_opts *o, hs_cmp_table *t, hs_error *err)
{
    const hs_heecfg *h = cfg->hee;
    hs_hee_rt *probe;
    int rc = hs_net_hee_rt(cfg, &probe, err);
    if (rc)
        return rc;
    const hs_hee *m = &probe->m;
    const size_t lo = probe->clamp ? m->layer[0].n : 0, K = m->ntotal - lo;
    if (!hs_hee_enum_available(m, probe->clamp != NULL)) {
        rc = hs_error_set(err, HS_ECONFIG, cfg->path, h->line, h->col,
                          "'compare' of a model with bernoulli layers enumerates its states: "
                          "at most %d binary units (free, or given a clamped bernoulli or "
                          "gaussian identity layer 0) and every layer bernoulli above layer 0",
                          HS_HEE_ENUM_MAX);
        hs_hee_rt_free(probe);
        return rc;
    }
    if (o->nsweep && strcmp(o->sweep_key, "tau_eps")) {
        hs_hee_rt_free(probe);
        return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0, "a model with bernoulli layers "
                            "takes --sweep tau_eps=... only (the exchange rows' bias)");
    }
    int allbern = 1;
    for (int l = 0; l < m->L; l++)
        allbern &= m->layer[l].family == HS_FAMILY_BERNOULLI;
    const size_t S = (size_t)1 << K;
    double *p = malloc(S * sizeof *p), *rmean = calloc(K, sizeof *rmean);
    double *rcov = calloc(K * K, sizeof *rcov);
    const double T = cfg->duration, burn = 0.1 * T;
    const size_t cap = (size_t)(T / h->every) + 2;
    samples s = {.cap = cap, .K = K, .y = malloc(cap * K * sizeof(double))};
    if (!p || !rmean || !rcov || !s.y) {
        rc = hs_nomem(err, NULL);
        goto out;
    }
    if ((double)cap * (double)K > 5e8) {
        rc = hs_error_set(err, HS_ECONFIG, cfg->path, 0, 0,
                          "compare would keep %.0f samples; shorten the run or record less "
                          "often ('every')", (double)cap * K);
        goto out;
    }
    if (hs_hee_enum(m, probe->clamp, p, NULL)) {
        rc = hs_nomem(err, NULL);
        goto out;
    }
    for (size_t st = 0; st < S; st++)
        for (size_t i = 0; i < K; i++)
            if ((st >> i) & 1) {
                rmean[i] += p[st];
                for (size_t j = 0; j < K; j++)
                    if ((st >> j) & 1)
                        rcov[i * K + j] += p[st];
            }
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            rcov[i * K + j] -= rmean[i] * rmean[j];
    memset(t, 0, sizeof *t);
    t->K = K;
    t->T = T;
    t->every = h->every;
    snprintf(t->reference, sizeof t->reference, "exact (enumerated, %zu states)", S);
    hs_cmp_add_row(t, "exact", "enumeration of the binary units");
    t->rows[0].nsamples = 0;
    t->rows[0].tau_int = t->rows[0].ess_per_s = NAN;
    t->rows[0].var_err = t->rows[0].var_mc = t->rows[0].var_z = NAN;

    struct {
        const char *name;
        variant v;
        char detail[128];
    } runs[6 + 2 * HS_CMP_MAX_SWEEP];
    int nruns = 0;
    const variant base = {.m = 0, .tau_eps = h->tau_eps, .dt = h->dt, .bottom_up = 0};
    const double ratio = h->tau_eps / h->tau_x;
#define RUN(nm, spk, bu, tau, ...)                                                              \
    do {                                                                                        \
        runs[nruns].name = (nm);                                                                \
        runs[nruns].v = base;                                                                   \
        runs[nruns].v.spike = (spk);                                                            \
        runs[nruns].v.bottom_up = (bu);                                                         \
        runs[nruns].v.tau_eps = (tau);                                                          \
        runs[nruns].v.dt = fmin(h->dt, (tau) / 5);                                              \
        snprintf(runs[nruns++].detail, 128, __VA_ARGS__);                                       \
    } while (0)
    RUN("gibbs", 0, HS_BU_EXACT, h->tau_eps, "Glauber ticks from the exact conditionals");
    RUN("glauber", 0, HS_BU_INTERNEURONS, h->tau_eps, "HEE interneurons, tau_eps/tau_x %g", ratio);
    if (allbern) {
        RUN("glauber-exch", 0, HS_BU_EXCHANGE, h->tau_eps, "pools at the flipped state, "
            "tau_eps/tau_x %g", ratio);
        RUN("spike", 1, HS_BU_INTERNEURONS, h->tau_eps, "neural sampling, interneurons, "
            "tau_eps/tau_x %g", ratio);
        RUN("spike-exch", 1, HS_BU_EXCHANGE, h->tau_eps, "neural sampling, pools, "
            "tau_eps/tau_x %g", ratio);
    }
    for (int k = 0; allbern && k < o->nsweep; k++) {
        const double te = o->sweep[k];
        RUN("glauber-exch", 0, HS_BU_EXCHANGE, te, "tau_eps = %g ms (tau_eps/tau_x %g)", te,
            te / h->tau_x);
        RUN("spike-exch", 1, HS_BU_EXCHANGE, te, "tau_eps = %g ms (tau_eps/tau_x %g)", te,
            te / h->tau_x);
    }
    for (int k = 0; !allbern && k < o->nsweep; k++)
        RUN("glauber", 0, HS_BU_INTERNEURONS, o->sweep[k], "tau_eps = %g ms (tau_eps/tau_x %g)",
            o->sweep[k], o->sweep[k] / h->tau_x);
#undef RUN
    for (int k = 0; k < nruns; k++) {
        if (hs_cmp_add_row(t, runs[k].name, runs[k].detail))
            break;
        hs_cmp_row *r = &t->rows[t->nrows - 1];
        char stream[32];
        snprintf(stream, sizeof stream, "row:%d", t->nrows);
        double spikes = 0;
        s.n = 0;
        if ((rc = hs_cmp_run(cfg, &runs[k].v, stream, burn, T, &s, &r->wall, &spikes, NULL,
                             err)))
            goto out;
        score_bin(r, &s, p, rmean, rcov);
        if (runs[k].v.spike && spikes > 0)
            r->ess_per_spike = r->ess_per_s * r->wall / spikes;
    }
    for (int mh = 0; mh < 2; mh++) {
        double acc = 0;
        if (hs_cmp_add_row(t, mh ? "dlp-mh" : "dlp", ""))
            break;
        hs_cmp_row *r = &t->rows[t->nrows - 1];
        s.n = 0;
        if ((rc = run_dlp(probe, mh, cfg->seed, cap / 10, cap - 2, &s, &r->wall, &acc, err)))
            goto out;
        snprintf(r->detail, sizeof r->detail, "discrete Langevin, alpha %g, one sample per "
                 "iteration, %s %.2f", DLP_ALPHA, mh ? "acceptance" : "flips accepted", acc);
        score_bin(r, &s, p, rmean, rcov);
    }
    if (K <= PMAP_MAX_UNITS && hs_cmp_add_row(t, "pmap", "perturb-and-MAP: logistic "
                                              "perturbations, exact MAP, independent samples") == 0) {
        hs_cmp_row *r = &t->rows[t->nrows - 1];
        double *lp = malloc(S * sizeof *lp);
        if (!lp) {
            rc = hs_nomem(err, NULL);
            goto out;
        }
        for (size_t st = 0; st < S; st++)
            lp[st] = log(p[st]);
        s.n = 0;
        rc = run_pmap(lp, K, cfg->seed, cap - 2, &s, &r->wall, err);
        free(lp);
        if (rc)
            goto out;
        score_bin(r, &s, p, rmean, rcov);
    }
out:
    free(p);
    free(rmean);
    free(rcov);
    free(s.y);
    hs_hee_rt_free(probe);
    return rc;
}
