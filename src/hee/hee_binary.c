/* hee_binary.c -- bernoulli layers: log-normalisers, exact distributions by enumeration, the
 * exact Gibbs log-odds a binary unit receives from the layer below
 *
 * A bernoulli layer's conditional is p(x | eta) = exp(eta.x + x.J.x/2 - A(eta)) on {0,1}^n.
 * Without lateral couplings A(eta) = sum_i log(1 + e^eta_i); with them the layer is a
 * Boltzmann machine and A is a sum over its 2^n states, taken here in Gray-code order so that
 * each state's energy follows from the last one's in O(n).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "hee/hee.h"


/* Visit the 2^n states of a Boltzmann layer (eta, J) in Gray-code order: z (n values, 0 or 1)
 * and its energy eta.z + z.J.z/2 are passed to visit.  z is scratch of n doubles. */
typedef void (*visit_fn)(void *ctx, const double *z, double energy);

static void each_state(const hs_hee_layer *ly, const double *eta, double *z, visit_fn visit,
                       void *ctx)
{
    const uint32_t n = ly->n;
    memset(z, 0, n * sizeof *z);
    double e = 0;
    visit(ctx, z, e);
    for (uint64_t s = 1; s < (UINT64_C(1) << n); s++) {
        unsigned j = (unsigned)__builtin_ctzll(s);   /* the bit that changes */
        double field = eta[j];
        if (ly->J)
            for (uint32_t i = 0; i < n; i++)
                field += ly->J[(size_t)j * n + i] * z[i];   /* J_jj = 0 */
        if (z[j] != 0) {
            z[j] = 0;
            e -= field;
        } else {
            z[j] = 1;
            e += field;
        }
        visit(ctx, z, e);
    }
}

/* An online log-sum-exp of energies, with the weighted sum of states (mean) when wanted. */
typedef struct lse {
    double max, sum;   /* sum of exp(e - max) */
    double *mean;      /* weighted sum of z, relative to max; or NULL */
    uint32_t n;
} lse;

static void lse_visit(void *ctx, const double *z, double e)
{
    lse *a = ctx;
    if (e > a->max) {
        double r = exp(a->max - e);   /* 0 at the first state (max -inf) */
        a->sum *= r;
        if (a->mean)
            for (uint32_t i = 0; i < a->n; i++)
                a->mean[i] *= r;
        a->max = e;
    }
    double w = exp(e - a->max);
    a->sum += w;
    if (a->mean)
        for (uint32_t i = 0; i < a->n; i++)
            a->mean[i] += w * z[i];
}

double hs_hee_bern_logA(const hs_hee_layer *ly, const double *eta)
{
    if (!ly->J) {
        double a = 0;
        for (uint32_t i = 0; i < ly->n; i++)
            a += hs_softplus(eta[i]);
        return a;
    }
    if (ly->n > HS_HEE_ENUM_MAX)
        return NAN;
    double *z = malloc(ly->n * sizeof *z);
    if (!z)
        return NAN;
    lse a = {-INFINITY, 0, NULL, ly->n};
    each_state(ly, eta, z, lse_visit, &a);
    free(z);
    return a.max + log(a.sum);
}

int hs_hee_bern_mean(const hs_hee_layer *ly, const double *eta, double *mean)
{
    if (!ly->J) {
        for (uint32_t i = 0; i < ly->n; i++)
            mean[i] = hs_sigmoid(eta[i]);
        return 0;
    }
    if (ly->n > HS_HEE_ENUM_MAX)
        return -1;
    double *z = malloc(ly->n * sizeof *z);
    if (!z)
        return -1;
    memset(mean, 0, ly->n * sizeof *mean);
    lse a = {-INFINITY, 0, mean, ly->n};
    each_state(ly, eta, z, lse_visit, &a);
    free(z);
    for (uint32_t i = 0; i < ly->n; i++)
        mean[i] /= a.sum;
    return 0;
}

/* A gaussian identity layer without lateral couplings: log p(x | eta) for base measure
 * N(0, sigma^2), A(eta) = sigma^2 |eta|^2 / 2. */
static double gauss_logcond(const hs_hee_layer *ly, const double *x, const double *eta)
{
    const double s2 = ly->sigma * ly->sigma;
    double a = 0;
    for (uint32_t i = 0; i < ly->n; i++)
        a += -0.5 * x[i] * x[i] / s2 - 0.5 * log(2 * M_PI * s2) + eta[i] * x[i] -
             0.5 * s2 * eta[i] * eta[i];
    return a;
}

static int gauss_plain(const hs_hee_layer *ly)
{
    return ly->family == HS_FAMILY_GAUSSIAN && ly->rho == HS_RHO_IDENTITY && !ly->J;
}

double hs_hee_logjoint(const hs_hee *m, const double *x, double *scratch)
{
    double lp = 0;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        const double *xl = x + ly->off;
        hs_hee_eta(m, l, x, scratch);   /* T(x) = x for both kinds of layer */
        if (ly->family == HS_FAMILY_BERNOULLI) {
            double e = 0;
            for (uint32_t i = 0; i < ly->n; i++) {
                e += scratch[i] * xl[i];
                if (ly->J && xl[i] != 0)
                    for (uint32_t j = 0; j < i; j++)
                        e += ly->J[(size_t)i * ly->n + j] * xl[i] * xl[j];
            }
            lp += e - hs_hee_bern_logA(ly, scratch);
        } else if (gauss_plain(ly)) {
            lp += gauss_logcond(ly, xl, scratch);
        } else {
            return NAN;
        }
    }
    return lp;
}

int hs_hee_enum_available(const hs_hee *m, int given_x0)
{
    const int first = given_x0 ? 1 : 0;
    uint64_t units = 0;
    for (int l = first; l < m->L; l++) {
        if (m->layer[l].family != HS_FAMILY_BERNOULLI)
            return 0;
        units += m->layer[l].n;
    }
    if (units > HS_HEE_ENUM_MAX)
        return 0;
    if (given_x0) {
        const hs_hee_layer *v = &m->layer[0];
        if (v->family == HS_FAMILY_BERNOULLI)
            return !v->J || v->n <= HS_HEE_ENUM_MAX;
        return gauss_plain(v);
    }
    return 1;
}

int hs_hee_enum(const hs_hee *m, const double *x0, double *p, double *logZ)
{
    if (!hs_hee_enum_available(m, x0 != NULL))
        return -1;
    const size_t n0 = x0 ? m->layer[0].n : 0, K = m->ntotal - n0;
    uint32_t nmax = 1;
    for (int l = 0; l < m->L; l++)
        if (m->layer[l].n > nmax)
            nmax = m->layer[l].n;
    double *x = calloc(m->ntotal, sizeof *x), *scratch = malloc(nmax * sizeof *scratch);
    if (!x || !scratch) {
        free(x);
        free(scratch);
        return -1;
    }
    if (x0)
        memcpy(x, x0, n0 * sizeof *x);
    lse a = {-INFINITY, 0, NULL, 0};
    const uint64_t S = UINT64_C(1) << K;
    for (uint64_t s = 0; s < S; s++) {
        for (size_t k = 0; k < K; k++)
            x[n0 + k] = (double)((s >> k) & 1);
        double lp = hs_hee_logjoint(m, x, scratch);
        if (p)
            p[s] = lp;
        lse_visit(&a, NULL, lp);
    }
    free(x);
    free(scratch);
    const double lz = a.max + log(a.sum);
    if (p)
        for (uint64_t s = 0; s < S; s++)
            p[s] = exp(p[s] - lz);
    if (logZ)
        *logZ = lz;
    return isfinite(lz) ? 0 : -1;
}

double hs_hee_bern_flip_logodds(const hs_hee *m, int l, uint32_t k, const double *T,
                                double *scratch)
{
    const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
    const int bern = lo->family == HS_FAMILY_BERNOULLI;
    if (!bern && !gauss_plain(lo))
        return NAN;
    double *e0 = scratch, *e1 = scratch + lo->n;
    const double *W = m->W[l], *Tl = T + ly->off, *Tb = T + lo->off;
    double lin = 0;
    for (uint32_t i = 0; i < lo->n; i++) {
        const double *row = W + (size_t)i * ly->n;
        double s = lo->b[i];
        for (uint32_t j = 0; j < ly->n; j++)
            if (j != k)
                s += row[j] * Tl[j];
        e0[i] = s;
        e1[i] = s + row[k];
        lin += row[k] * Tb[i];
    }
    if (!bern) {   /* A(eta) = sigma^2 |eta|^2 / 2 */
        const double s2 = lo->sigma * lo->sigma;
        double d = 0;
        for (uint32_t i = 0; i < lo->n; i++)
            d += 0.5 * s2 * (e1[i] * e1[i] - e0[i] * e0[i]);
        return lin - d;
    }
    if (!lo->J) {
        double d = 0;
        for (uint32_t i = 0; i < lo->n; i++)
            d += hs_softplus(e1[i]) - hs_softplus(e0[i]);
        return lin - d;
    }
    return lin - (hs_hee_bern_logA(lo, e1) - hs_hee_bern_logA(lo, e0));
}

/* ---- log p(x_0) by annealed importance sampling -----------------------------------------------
 * For each item v, runs from the prior of the latent layers to their posterior through
 * f_beta(h) = p(h) p(v | h)^beta, beta = k / K (Neal 2001): h starts as an ancestral sample of
 * the prior (exact), each step adds (beta_k - beta_{k-1}) log p(v | h_1) to the run's log
 * weight and moves h by one Gibbs sweep at beta_k over the latent units, layer 1 upwards, with
 * their exact conditionals (the flip difference of log p(x_{l-1} | x_l), times beta for the
 * visible layer).  The natural parameters eta_l of every layer are kept up to date as units
 * flip, so a unit's update costs O(n_{l-1} + n_{l+1}).  log p(v) is estimated as log of the mean
 * of exp(log w) over the runs (unbiased in p(v)); its standard error by the delta method. */

/* The change of log p(x_{l-1} | x_l) when unit j of layer l flips on (minus when off): with
 * p_i = sigma(eta_i) of the layer below at the current state, softplus(e0 + w) - softplus(e0)
 * over e0 = eta_i - w x_j is log1p(p_i expm1(w)) when x_j = 0 and -log1p(p_i expm1(-w)) when
 * x_j = 1: one log1p per unit below, from the tables Ep = expm1(W_l), Em = expm1(-W_l). */
static double flip_below(const hs_hee *m, int l, uint32_t j, const double *xl1, const double *p,
                         const double *Ep, const double *Em, double xj)
{
    const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
    const double *W = m->W[l] + j;
    double d = 0;
    if (xj == 0.0)
        for (uint32_t i = 0; i < lo->n; i++) {
            const size_t q = (size_t)i * ly->n + j;
            d += W[(size_t)i * ly->n] * xl1[i] - log1p(p[i] * Ep[q]);
        }
    else
        for (uint32_t i = 0; i < lo->n; i++) {
            const size_t q = (size_t)i * ly->n + j;
            d += W[(size_t)i * ly->n] * xl1[i] + log1p(p[i] * Em[q]);
        }
    return d;
}

int hs_hee_ais_loglik(const hs_hee *m, const double *X, size_t n, size_t runs, size_t betas,
                      gsl_rng *r, double *ll, double *se)
{
    *ll = *se = NAN;
    if (m->L < 2 || m->L > 64 || runs < 2 || betas < 1 || n == 0)
        return -1;
    for (int l = 0; l < m->L; l++)
        if (m->layer[l].family != HS_FAMILY_BERNOULLI || m->layer[l].J)
            return -1;
    const size_t N = m->ntotal;
    size_t nw = 0;   /* the expm1 tables of every W_l, one after another */
    for (int l = 1; l < m->L; l++)
        nw += (size_t)m->layer[l - 1].n * m->layer[l].n;
    double *x = malloc(N * sizeof *x), *eta = malloc(N * sizeof *eta), *p = malloc(N * sizeof *p);
    double *lw = malloc(runs * sizeof *lw), *E = malloc(2 * nw * sizeof *E);
    if (!x || !eta || !p || !lw || !E) {
        free(x);
        free(eta);
        free(p);
        free(lw);
        free(E);
        return -1;
    }
    const double *Ep[64], *Em[64];   /* (a HEE has at most 64 layers: config_hee.c) */
    for (int l = 1, q = 0; l < m->L; l++) {
        const size_t nl = (size_t)m->layer[l - 1].n * m->layer[l].n;
        for (size_t k = 0; k < nl; k++) {
            E[q + k] = expm1(m->W[l][k]);
            E[q + nl + k] = expm1(-m->W[l][k]);
        }
        Ep[l] = E + q;
        Em[l] = E + q + nl;
        q += (int)(2 * nl);
    }
    const hs_hee_layer *v = &m->layer[0];
    double acc = 0, var = 0;
    for (size_t it = 0; it < n; it++) {
        memcpy(x, X + it * v->n, v->n * sizeof *x);
        for (size_t run = 0; run < runs; run++) {
            for (int l = m->L - 1; l >= 1; l--) {   /* the prior, top down */
                const hs_hee_layer *ly = &m->layer[l];
                hs_hee_eta(m, l, x, eta + ly->off);
                for (uint32_t j = 0; j < ly->n; j++) {
                    p[ly->off + j] = hs_sigmoid(eta[ly->off + j]);
                    x[ly->off + j] = gsl_rng_uniform(r) < p[ly->off + j] ? 1 : 0;
                }
            }
            hs_hee_eta(m, 0, x, eta);
            for (uint32_t i = 0; i < v->n; i++)
                p[i] = hs_sigmoid(eta[i]);
            double w = 0;
            for (size_t k = 1; k <= betas; k++) {
                const double b1 = (double)k / (double)betas;
                double lik = 0;   /* log p(v | h_1) */
                for (uint32_t i = 0; i < v->n; i++)
                    lik += x[i] * eta[i] - hs_softplus(eta[i]);
                w += lik / (double)betas;
                if (k == betas)
                    break;
                for (int l = 1; l < m->L; l++) {   /* a Gibbs sweep at b1 */
                    const hs_hee_layer *ly = &m->layer[l], *lo = &m->layer[l - 1];
                    for (uint32_t j = 0; j < ly->n; j++) {
                        const size_t u = ly->off + j;
                        double a = eta[u] + (l == 1 ? b1 : 1.0) *
                                                flip_below(m, l, j, x + lo->off, p + lo->off,
                                                           Ep[l], Em[l], x[u]);
                        const double nx = gsl_rng_uniform(r) < hs_sigmoid(a) ? 1.0 : 0.0;
                        if (nx != x[u]) {   /* eta and sigma(eta) of the layer below follow */
                            const double dx = nx - x[u];
                            for (uint32_t i = 0; i < lo->n; i++) {
                                const size_t q = lo->off + i;
                                eta[q] += m->W[l][(size_t)i * ly->n + j] * dx;
                                p[q] = hs_sigmoid(eta[q]);
                            }
                            x[u] = nx;
                        }
                    }
                }
            }
            lw[run] = w;
        }
        double vl;
        acc += hs_log_mean_exp(lw, runs, &vl);
        var += vl;
    }
    *ll = acc / (double)n;
    *se = sqrt(var) / (double)n;
    free(x);
    free(eta);
    free(p);
    free(lw);
    free(E);
    return 0;
}
