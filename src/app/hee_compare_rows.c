/* hee_compare_rows.c -- what every sampler row of hee-snn compare shares: its samples, their
 * statistics against a reference, and a run of the hee: block as a variant of the file's
 * (used by hee_compare.c for gaussian models and hee_compare_bin.c for binary ones) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_linalg.h>

#include "app/hee_compare_int.h"
#include "config/config.h"
#include "net/net.h"
#include "proc/hee_rt.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/rng.h"


void hs_cmp_take(samples *s, const double *x)
{
    if (s->n < s->cap)
        memcpy(s->y + s->n++ * s->K, x, s->K * sizeof *x);
}

/* ---- statistics ---------------------------------------------------------------------------- */

/* Integrated autocorrelation time of z[0..n-1] (samples), Sokal's automatic window: the
 * smallest M with M >= 5 tau(M), tau(M) = 1 + 2 sum_{k=1..M} rho(k). */
static double sokal_tau(const double *z, size_t n)
{
    double mean = 0, var = 0;
    for (size_t k = 0; k < n; k++) mean += z[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++) var += (z[k] - mean) * (z[k] - mean);
    var /= (double)n;
    if (!(var > 0))
        return 1.0;
    double tau = 1;
    for (size_t lag = 1; lag < n / 4; lag++) {
        double c = 0;
        for (size_t k = 0; k + lag < n; k++)
            c += (z[k] - mean) * (z[k + lag] - mean);
        tau += 2 * c / ((double)n * var);
        if ((double)lag >= 5 * tau)
            break;
    }
    return tau < 1 ? 1 : tau;
}

/* KL( N(m1, S1) || N(m0, S0) ); NaN if a covariance is not positive definite. */
static double gauss_kl(size_t K, const double *m1, const double *S1, const double *m0,
                       const double *S0)
{
    gsl_matrix *L0 = gsl_matrix_alloc(K, K), *L1 = gsl_matrix_alloc(K, K);
    gsl_vector *d = gsl_vector_alloc(K), *w = gsl_vector_alloc(K);
    double kl = NAN;
    if (!L0 || !L1 || !d || !w)
        goto out;
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            gsl_matrix_set(L0, i, j, S0[i * K + j]);
            gsl_matrix_set(L1, i, j, S1[i * K + j]);
        }
    if (gsl_linalg_cholesky_decomp1(L0) || gsl_linalg_cholesky_decomp1(L1))
        goto out;
    double logdet0 = 0, logdet1 = 0, tr = 0;
    for (size_t i = 0; i < K; i++) {
        logdet0 += 2 * log(gsl_matrix_get(L0, i, i));
        logdet1 += 2 * log(gsl_matrix_get(L1, i, i));
    }
    for (size_t j = 0; j < K; j++) {   /* tr(S0^-1 S1), column by column */
        for (size_t i = 0; i < K; i++)
            gsl_vector_set(d, i, S1[i * K + j]);
        gsl_linalg_cholesky_solve(L0, d, w);
        tr += gsl_vector_get(w, j);
    }
    for (size_t i = 0; i < K; i++)
        gsl_vector_set(d, i, m0[i] - m1[i]);
    gsl_linalg_cholesky_solve(L0, d, w);
    double quad = 0;
    for (size_t i = 0; i < K; i++)
        quad += gsl_vector_get(d, i) * gsl_vector_get(w, i);
    kl = 0.5 * (tr + quad - (double)K + logdet0 - logdet1);
out:
    gsl_matrix_free(L0);
    gsl_matrix_free(L1);
    gsl_vector_free(d);
    gsl_vector_free(w);
    return kl;
}

void hs_cmp_moments(const samples *s, double *mean, double *cov)
{
    size_t K = s->K;
    memset(mean, 0, K * sizeof *mean);
    memset(cov, 0, K * K * sizeof *cov);
    for (size_t k = 0; k < s->n; k++)
        for (size_t i = 0; i < K; i++)
            mean[i] += s->y[k * K + i];
    for (size_t i = 0; i < K; i++)
        mean[i] /= (double)s->n;
    for (size_t k = 0; k < s->n; k++)
        for (size_t i = 0; i < K; i++)
            for (size_t j = 0; j < K; j++)
                cov[i * K + j] += (s->y[k * K + i] - mean[i]) * (s->y[k * K + j] - mean[j]);
    for (size_t i = 0; i < K * K; i++)
        cov[i] /= (double)s->n;
}

void hs_cmp_score(hs_cmp_row *r, const samples *s, const double *rmean, const double *rcov)
{
    size_t K = s->K;
    double *mean = malloc(K * sizeof *mean), *cov = malloc(K * K * sizeof *cov);
    if (!mean || !cov) {
        free(mean);
        free(cov);
        return;
    }
    hs_cmp_moments(s, mean, cov);
    r->nsamples = s->n;
    double tau_sum = 0, ess_min = INFINITY;
    r->mean_err = r->mean_mc = r->var_err = r->var_mc = r->mean_z = r->var_z = 0;
    double *z = malloc(s->n * sizeof *z);
    if (!z) {
        free(mean);
        free(cov);
        return;
    }
    for (size_t i = 0; i < K; i++) {
        double var = cov[i * K + i], rsd = sqrt(rcov[i * K + i]);
        /* the error of a mean follows the autocorrelation of x, that of a variance the
         * autocorrelation of (x - mean)^2, which is longer for oscillating samplers */
        for (size_t k = 0; k < s->n; k++) z[k] = s->y[k * K + i];
        double tau = sokal_tau(z, s->n);
        for (size_t k = 0; k < s->n; k++) z[k] = (z[k] - mean[i]) * (z[k] - mean[i]);
        double tau2 = sokal_tau(z, s->n);
        tau_sum += tau;
        ess_min = fmin(ess_min, (double)s->n / tau);
        double se_m = sqrt(var * tau / (double)s->n);
        double se_v = var * sqrt(2 * tau2 / (double)s->n);
        double em = fabs(mean[i] - rmean[i]), ev = fabs(var - rcov[i * K + i]);
        r->mean_err = fmax(r->mean_err, em / rsd);
        r->mean_mc = fmax(r->mean_mc, se_m / rsd);
        r->var_err = fmax(r->var_err, ev / rcov[i * K + i]);
        r->var_mc = fmax(r->var_mc, se_v / rcov[i * K + i]);
        r->mean_z = fmax(r->mean_z, em / se_m);
        r->var_z = fmax(r->var_z, ev / se_v);
    }
    /* correlations: the Monte Carlo error of r is (1 - r^2) sqrt(tau / n), tau that of the
     * product of the standardised deviations (large-sample, for jointly Gaussian samples) */
    r->corr_err = r->corr_mc = r->corr_z = 0;
    for (size_t i = 0; i < K; i++)
        for (size_t j = i + 1; j < K; j++) {
            double si = sqrt(cov[i * K + i]), sj = sqrt(cov[j * K + j]);
            double rho = cov[i * K + j] / (si * sj);
            double rref = rcov[i * K + j] / sqrt(rcov[i * K + i] * rcov[j * K + j]);
            for (size_t k = 0; k < s->n; k++)
                z[k] = (s->y[k * K + i] - mean[i]) / si * (s->y[k * K + j] - mean[j]) / sj;
            double tau = sokal_tau(z, s->n);
            double se = (1 - rho * rho) * sqrt(tau / (double)s->n);
            double e = fabs(rho - rref);
            r->corr_err = fmax(r->corr_err, e);
            r->corr_mc = fmax(r->corr_mc, se);
            r->corr_z = fmax(r->corr_z, se > 0 ? e / se : 0);
        }
    free(z);
    r->tau_int = tau_sum / (double)K;
    r->ess_per_s = r->wall > 0 ? ess_min / r->wall : INFINITY;
    r->kl = gauss_kl(K, mean, cov, rmean, rcov);
    free(mean);
    free(cov);
}

/* ---- samplers ----------------------------------------------------------------------------- */

int hs_cmp_run(const hs_config *cfg, const variant *v, const char *stream, double burn,
               double T, samples *s, double *wall, double *spikes, char *detail,
               hs_error *err)
{
    hs_heecfg h = *cfg->hee;
    hs_config c = *cfg;
    h.realisation = v->spike ? HS_HEE_SPIKE : HS_HEE_RATE;
    if (v->spike) {
        h.P = v->P;
        h.r1 = v->r1;
        h.tau_syn = v->tau_syn;
        h.rmax = v->rmax;
    }
    h.adapt_m = v->m;
    h.adapt_tau_c = v->tau_c;
    h.tau_eps = v->tau_eps;
    h.dt = v->dt;
    if (v->bottom_up > 0)
        h.bottom_up = v->bottom_up;
    else if (v->bottom_up == 0)
        h.bottom_up = HS_BU_INTERNEURONS;
    c.hee = &h;
    hs_net *net;
    int rc = hs_net_compile(&c, &net, err);
    if (rc)
        return rc;
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    /* every sampler its own stream: rows are independent, their errors honest */
    gsl_rng_free(rt->rng);
    if (!(rt->rng = hs_rng_stream(cfg->seed, "compare", stream))) {
        hs_net_free(net);
        return hs_nomem(err, NULL);
    }
    if (v->exact_grad && hs_hee_rt_use_exact_grad(rt)) {
        hs_net_free(net);
        return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "exact gradient unavailable");
    }
    size_t lo = rt->clamp ? rt->m.layer[0].n : 0;
    uint64_t every = (uint64_t)llround(cfg->hee->every / v->dt);
    uint64_t nburn = (uint64_t)llround(burn / v->dt), nrun = (uint64_t)llround(T / v->dt);
    if (every < 1)
        every = 1;
    double t0 = hs_wall_s();
    /* a sample is the state before step k: the engine runs every event before k dt */
    for (uint64_t k = nburn; k < nburn + nrun; k += every) {
        if ((rc = hs_net_run(net, (double)k * v->dt, NULL, err))) {
            hs_net_free(net);
            return rc;
        }
        hs_hee_rt_read_z(rt);   /* (bernoulli neurons: their states now) */
        hs_cmp_take(s, rt->x + lo);
    }
    *wall = hs_wall_s() - t0;
    if (detail && rt->spike)   /* the neurons per unit and trace actually used */
        if (snprintf(detail, 128, "%s, %u neurons/%s%s, %g + %.4g Hz/unit, tau_syn %g ms, "
                 "tau_ref %g ms, m %g", rt->pushpull ? "push-pull" : "baseline", rt->P,
                 rt->pushpull ? "side" : "unit", rt->P_auto ? " (auto)" : "", rt->r0, rt->r1,
                 rt->tau_syn, rt->tau_ref, v->m) >= 128)
            detail[127] = '\0';   /* the detail column is a label: a cut one is fine */
    if (spikes) {
        *spikes = 0;
        for (int p = cfg->npops; p < net->npops; p++)
            *spikes += (double)net->spikes[p];
    }
    hs_net_free(net);
    return HS_OK;
}

int hs_cmp_add_row(hs_cmp_table *t, const char *name, const char *detail)
{
    if (t->nrows == HS_CMP_MAX_ROWS)
        return -1;
    hs_cmp_row *r = &t->rows[t->nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->detail, sizeof r->detail, "%s", detail);
    r->ess_per_spike = NAN;
    return 0;
}

