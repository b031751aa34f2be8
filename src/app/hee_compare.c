/* hee_compare.c -- one HEE model sampled several ways, compared in one table
 *
 * Rows (each sampler runs the same energy, the same duration, sampled every `every` ms after a
 * burn-in of a tenth of the run; Gibbs gives one sample per sweep, the same number of them):
 *   exact        closed-form Gaussian (linear models): the reference, zero error by definition
 *   rate         the hee: block as written (interneurons, its adaptation)
 *   rate+adapt / rate-adapt   the same with adaptation switched on (m 1, tau_c = tau_x) or off
 *   sweep rows   rate with one key varied (--sweep m=..., tau_eps=...)
 *   langevin     overdamped Langevin with the exact grad A (no interneurons), same integrator
 *   underdamped  kinetic Langevin with the exact gradient, friction 1/tau_x (OBABO)
 *   gibbs        component-wise Gibbs sweeps with the exact Gaussian conditionals
 * For a model without a closed form, the reference is a rate run four times as long.
 *
 * Columns: the largest standardised error of the means (|mean - ref| / ref sd) with its Monte
 * Carlo error in the same units, the same for variances (relative), their z scores (error over
 * Monte Carlo error: "agrees within its stated error" is |z| < 5), the Gaussian KL of the fitted
 * sample moments to the reference, the integrated autocorrelation time (samples, Sokal's window,
 * mean over units), effective samples per wall second (the slowest unit), and wall time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "app/hee_compare.h"
#include "app/hee_compare_int.h"
#include "net/hee_spec.h"
#include "config/config.h"
#include "net/net.h"
#include "proc/hee_rt.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/rng.h"


/* Exact energy gradient of the free units of an identity model, through the rate runtime's
 * exact-gradient drift: g = x/sigma^2 - F. */
static void energy_grad(hs_hee_rt *rt, size_t lo, double *g)
{
    const hs_hee *m = &rt->m;
    for (size_t u = 0; u < m->ntotal; u++)
        rt->rx[u] = rt->x[u];
    for (int l = 0; l < m->L; l++)
        hs_hee_eta(m, l, rt->rx, rt->eta + m->layer[l].off);
    memset(rt->bu, 0, m->ntotal * sizeof *rt->bu);
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo_ = &m->layer[l - 1], *ly = &m->layer[l];
        const double *Pi = rt->Pinv[l - 1], *eta = rt->eta + lo_->off;
        for (uint32_t k = 0; k < lo_->n; k++) {
            double gA = 0;
            for (uint32_t j = 0; j < lo_->n; j++)
                gA += Pi[(size_t)k * lo_->n + j] * eta[j];
            double d = rt->x[lo_->off + k] - gA;
            for (uint32_t i = 0; i < ly->n; i++)
                rt->bu[ly->off + i] += m->W[l][(size_t)k * ly->n + i] * d;
        }
    }
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (uint32_t i = 0; i < ly->n; i++) {
            size_t u = ly->off + i;
            if (u < lo)
                continue;
            double lat = 0;
            if (ly->J)
                for (uint32_t j = 0; j < ly->n; j++)
                    lat += ly->J[(size_t)i * ly->n + j] * rt->x[ly->off + j];
            g[u - lo] = rt->x[u] / (ly->sigma * ly->sigma) - (rt->eta[u] + lat + rt->bu[u]);
        }
    }
}

/* Kinetic Langevin in units of tau_x, friction gamma = 1, OBABO splitting with step dt. */
static int run_underdamped(const hs_config *cfg, double burn, double T, samples *s,
                           double *wall, hs_error *err)
{
    hs_hee_rt *rt;
    int rc = hs_net_hee_rt(cfg, &rt, err);
    if (rc)
        return rc;
    gsl_rng_free(rt->rng);
    if (!(rt->rng = hs_rng_stream(cfg->seed, "compare", "underdamped"))) {
        hs_hee_rt_free(rt);
        return hs_nomem(err, NULL);
    }
    if (hs_hee_rt_use_exact_grad(rt)) {
        hs_hee_rt_free(rt);
        return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "exact gradient unavailable");
    }
    size_t lo = rt->clamp ? rt->m.layer[0].n : 0, K = rt->m.ntotal - lo;
    double *v = calloc(K, sizeof *v), *g = malloc(K * sizeof *g);
    if (!v || !g) {
        free(v);
        free(g);
        hs_hee_rt_free(rt);
        return hs_nomem(err, NULL);
    }
    const double dt = cfg->hee->dt, h = dt / cfg->hee->tau_x, gamma = 1.0;
    const double a = exp(-gamma * h / 2), b = sqrt(1 - a * a);
    uint64_t every = (uint64_t)llround(cfg->hee->every / dt);
    uint64_t nburn = (uint64_t)llround(burn / dt), nrun = (uint64_t)llround(T / dt);
    if (every < 1)
        every = 1;
    double t0 = hs_wall_s();
    energy_grad(rt, lo, g);
    for (uint64_t k = 0; k < nburn + nrun; k++) {
        if (k >= nburn && (k - nburn) % every == 0)
            hs_cmp_take(s, rt->x + lo);
        for (size_t i = 0; i < K; i++) {
            v[i] = a * v[i] + b * gsl_ran_gaussian_ziggurat(rt->rng, 1.0);
            v[i] -= 0.5 * h * g[i];
            rt->x[lo + i] += h * v[i];
        }
        energy_grad(rt, lo, g);
        for (size_t i = 0; i < K; i++) {
            v[i] -= 0.5 * h * g[i];
            v[i] = a * v[i] + b * gsl_ran_gaussian_ziggurat(rt->rng, 1.0);
        }
    }
    *wall = hs_wall_s() - t0;
    free(v);
    free(g);
    hs_hee_rt_free(rt);
    return HS_OK;
}

/* Gibbs sweeps with the exact conditionals of the Gaussian target (mean mu, covariance C):
 * x_i | x_-i ~ N(mu_i - sum_{j != i} Q_ij (x_j - mu_j) / Q_ii, 1 / Q_ii), Q = C^-1. */
static int run_gibbs(const hs_config *cfg, size_t K, const double *mu, const double *C,
                     size_t nburn, size_t n, samples *s, double *wall, hs_error *err)
{
    gsl_matrix *Q = gsl_matrix_alloc(K, K);
    double *x = calloc(K, sizeof *x);
    gsl_rng *r = hs_rng_stream(cfg->seed, "compare", "gibbs");
    int rc = HS_OK;
    if (!Q || !x || !r) {
        rc = hs_nomem(err, NULL);
        goto out;
    }
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            gsl_matrix_set(Q, i, j, C[i * K + j]);
    if (gsl_linalg_cholesky_decomp1(Q) || gsl_linalg_cholesky_invert(Q)) {
        rc = hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "covariance not positive definite");
        goto out;
    }
    double t0 = hs_wall_s();
    for (size_t k = 0; k < nburn + n; k++) {
        for (size_t i = 0; i < K; i++) {
            double qii = gsl_matrix_get(Q, i, i), acc = 0;
            for (size_t j = 0; j < K; j++)
                if (j != i)
                    acc += gsl_matrix_get(Q, i, j) * (x[j] - mu[j]);
            x[i] = mu[i] - acc / qii + gsl_ran_gaussian_ziggurat(r, 1.0) / sqrt(qii);
        }
        if (k >= nburn)
            hs_cmp_take(s, x);
    }
    *wall = hs_wall_s() - t0;
out:
    gsl_matrix_free(Q);
    free(x);
    if (r)
        gsl_rng_free(r);
    return rc;
}

/* ---- the table ---------------------------------------------------------------------------- */

int hs_hee_compare(const hs_config *cfg, const hs_cmp_opts *o, hs_cmp_table *t,
                   hs_error *err)
{
    memset(t, 0, sizeof *t);
    if (!cfg->hee)
        return hs_error_set(err, HS_ECONFIG, cfg->path, 0, 0,
                            "'compare' needs a 'hee:' block in the network file");
    /* every sampler runs one chain (chains: of the file is for training and generation): the
     * autocorrelations and effective samples of the table are a chain's */
    hs_heecfg one = *cfg->hee;
    hs_config cfg1 = *cfg;
    one.chains = 1;
    cfg1.hee = &one;
    cfg = &cfg1;
    const hs_heecfg *h = cfg->hee;
    hs_hee_rt *probe;
    int rc = hs_net_hee_rt(cfg, &probe, err);
    if (rc)
        return rc;
    size_t lo = probe->clamp ? probe->m.layer[0].n : 0, K = probe->m.ntotal - lo;
    int linear = hs_hee_is_linear_gaussian(&probe->m);
    for (int l = 0; l < probe->m.L; l++)
        if (probe->m.layer[l].family != HS_FAMILY_GAUSSIAN) {   /* against enumeration */
            hs_hee_rt_free(probe);
            return hs_cmp_binary(cfg, o, t, err);
        }
    double *rmean = malloc(K * sizeof *rmean), *rcov = malloc(K * K * sizeof *rcov);
    if (!rmean || !rcov) {
        rc = hs_nomem(err, NULL);
        goto out;
    }
    double T = cfg->duration, burn = 0.1 * T;
    size_t cap = (size_t)(T / h->every) + 2;
    if ((double)cap * (double)K > 5e8) {
        rc = hs_error_set(err, HS_ECONFIG, cfg->path, 0, 0,
                          "compare would keep %.0f samples; shorten the run or record less "
                          "often ('every')", (double)cap * K);
        goto out;
    }
    samples s = {.cap = cap, .K = K, .y = malloc(cap * K * sizeof(double))};
    if (!s.y) {
        rc = hs_nomem(err, NULL);
        goto out;
    }
    t->K = K;
    t->T = T;
    t->every = h->every;
    snprintf(t->reference, sizeof t->reference, "%s",
             linear ? "exact (closed-form Gaussian)" : "rate, 4x longer run");
    if (linear) {
        if (hs_hee_gauss_exact(&probe->m, probe->clamp, rmean, rcov)) {
            rc = hs_error_set(err, HS_ECONFIG, cfg->path, h->line, h->col,
                              "the model is not normalisable (a layer's precision I/sigma^2 - "
                              "J is not positive definite)");
            goto out_s;
        }
        hs_cmp_add_row(t, "exact", "closed-form Gaussian");
        t->rows[0].nsamples = 0;
        t->rows[0].tau_int = NAN;
        t->rows[0].ess_per_s = NAN;
    } else {
        variant v = {.m = h->adapt_m, .tau_c = h->adapt_tau_c, .tau_eps = h->tau_eps, .dt = h->dt,
                     .bottom_up = -1};
        double wall;
        samples ref = {.cap = 4 * cap, .K = K, .y = malloc(4 * cap * K * sizeof(double))};
        if (!ref.y) {
            rc = hs_nomem(err, NULL);
            goto out_s;
        }
        rc = hs_cmp_run(cfg, &v, "reference", burn, 4 * T, &ref, &wall, NULL, NULL, err);
        if (rc == HS_OK)
            hs_cmp_moments(&ref, rmean, rcov);
        free(ref.y);
        if (rc)
            goto out_s;
    }
    /* the rate realisation (adaptation as written, then toggled), the spike realisation
     * (the file's spike parameters or the defaults), and the sweep */
    variant asis = {h->adapt_m, h->adapt_tau_c, h->tau_eps, h->dt, 0, 0, h->P, h->r1,
                    h->tau_syn, h->rmax, -1};
    variant toggled = asis;
    toggled.m = h->adapt_m > 0 ? 0.0 : 1.0;
    toggled.tau_c = h->adapt_m > 0 ? h->adapt_tau_c : h->tau_x;
    variant spk = asis;
    spk.spike = 1;
    struct {
        const char *name;
        variant v;
        char detail[128];
    } runs[4 + HS_CMP_MAX_SWEEP];
    int nruns = 0;
    runs[nruns].name = "rate";
    runs[nruns].v = asis;
    snprintf(runs[nruns++].detail, 128, "tau_eps %g ms, adaptation m %g", h->tau_eps,
             h->adapt_m);
    runs[nruns].name = h->adapt_m > 0 ? "rate-adapt" : "rate+adapt";
    runs[nruns].v = toggled;
    snprintf(runs[nruns++].detail, 128, "adaptation m %g, tau_c %g ms", toggled.m, toggled.tau_c);
    runs[nruns].name = "spike";
    runs[nruns].v = spk;
    snprintf(runs[nruns++].detail, 128, "%u neurons/unit, %g + %g Hz/unit, tau_syn %g ms, m %g",
             spk.P, h->r0, spk.r1, spk.tau_syn, spk.m);
    /* the spike realisation with adaptation toggled, beside the rate one */
    variant spk_t = toggled;
    spk_t.spike = 1;
    runs[nruns].name = h->adapt_m > 0 ? "spike-adapt" : "spike+adapt";
    runs[nruns].v = spk_t;
    snprintf(runs[nruns++].detail, 128, "adaptation m %g, tau_c %g ms", spk_t.m, spk_t.tau_c);
    for (int k = 0; k < o->nsweep; k++) {
        const char *key = o->sweep_key;
        double x = o->sweep[k];
        variant v = asis;
        if (!strcmp(key, "m")) {
            v.m = x;
            if (v.m > 0 && !(h->adapt_m > 0))
                v.tau_c = h->tau_x;
        } else if (!strcmp(key, "tau_eps")) {
            v.tau_eps = x;
            v.dt = fmin(h->dt, v.tau_eps / 20);
        } else if (!strcmp(key, "neurons_per_unit") || !strcmp(key, "tau_syn") ||
                   !strcmp(key, "rate_per_unit") || !strcmp(key, "r_max")) {
            v = spk;
            if (key[0] == 'n')
                v.P = (uint32_t)x;
            else if (key[0] == 't')
                v.tau_syn = x;
            else if (!strcmp(key, "r_max"))
                v.rmax = x;
            else
                v.r1 = x;
        } else {
            rc = hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0, "unknown sweep key '%s'", key);
            goto out_s;
        }
        runs[nruns].name = v.spike ? "spike-sweep" : "sweep";
        runs[nruns].v = v;
        snprintf(runs[nruns++].detail, 128, "%s = %g", key, x);
    }
    for (int k = 0; k < nruns; k++) {
        hs_cmp_add_row(t, runs[k].name, runs[k].detail);
        s.n = 0;
        hs_cmp_row *r = &t->rows[t->nrows - 1];
        char stream[32];
        snprintf(stream, sizeof stream, "row:%d", t->nrows);
        double spikes = 0;
        if ((rc = hs_cmp_run(cfg, &runs[k].v, stream, burn, T, &s, &r->wall, &spikes,
                           runs[k].v.spike && !strcmp(runs[k].name, "spike") ? r->detail : NULL,
                           err)))
            goto out_s;
        hs_cmp_score(r, &s, rmean, rcov);
        if (runs[k].v.spike && spikes > 0)
            r->ess_per_spike = r->ess_per_s * r->wall / spikes;
    }
    if (linear) {
        variant ex = asis;
        ex.m = 0;
        ex.exact_grad = 1;
        hs_cmp_add_row(t, "langevin", "overdamped, exact grad A, no interneurons");
        s.n = 0;
        hs_cmp_row *r = &t->rows[t->nrows - 1];
        if ((rc = hs_cmp_run(cfg, &ex, "langevin", burn, T, &s, &r->wall, NULL, NULL, err)))
            goto out_s;
        hs_cmp_score(r, &s, rmean, rcov);
        hs_cmp_add_row(t, "underdamped", "kinetic Langevin, exact gradient, friction 1/tau_x");
        s.n = 0;
        r = &t->rows[t->nrows - 1];
        if ((rc = run_underdamped(cfg, burn, T, &s, &r->wall, err)))
            goto out_s;
        hs_cmp_score(r, &s, rmean, rcov);
        hs_cmp_add_row(t, "gibbs", "exact Gaussian conditionals, one sample per sweep");
        s.n = 0;
        r = &t->rows[t->nrows - 1];
        if ((rc = run_gibbs(cfg, K, rmean, rcov, cap / 10, cap - 2, &s, &r->wall, err)))
            goto out_s;
        hs_cmp_score(r, &s, rmean, rcov);
    }
out_s:
    free(s.y);
out:
    free(rmean);
    free(rcov);
    hs_hee_rt_free(probe);
    return rc;
}

/* A number of compare.tsv; nan where the sampler has none (numpy and pandas read it as NaN;
 * compare.txt shows '-'). */
static void put(FILE *f, double v, const char *fmt)
{
    if (isnan(v))
        fputs("nan", f);
    else
        fprintf(f, fmt, v);
}

void hs_hee_compare_tsv(const hs_cmp_table *t, FILE *f)
{
    fprintf(f, "# reference: %s\n# units: %zu free\n# duration_ms: %.17g\n# every_ms: %.17g\n",
            t->reference, t->K, t->T, t->every);
    fputs("sampler\tdetail\tmean_err\tmean_mc\tmean_z\tvar_err\tvar_mc\tvar_z\tkl\ttau_int\t"
          "ess_per_s\tess_per_spike\twall_s\tsamples\tcorr_err\tcorr_mc\tcorr_z\n", f);
    for (int k = 0; k < t->nrows; k++) {
        const hs_cmp_row *r = &t->rows[k];
        fprintf(f, "%s\t%s\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t", r->name, r->detail,
                r->mean_err, r->mean_mc, r->mean_z, r->var_err, r->var_mc, r->var_z, r->kl);
        put(f, r->tau_int, "%.6g");
        fputc('\t', f);
        put(f, r->ess_per_s, "%.6g");
        fputc('\t', f);
        put(f, r->ess_per_spike, "%.6g");
        fprintf(f, "\t%.6g\t%zu\t%.6g\t%.6g\t%.6g\n", r->wall, r->nsamples, r->corr_err,
                r->corr_mc, r->corr_z);
    }
}

void hs_hee_compare_text(const hs_cmp_table *t, FILE *f)
{
    fprintf(f, "reference: %s; %zu free units; %g ms per sampler, sampled every %g ms after a "
               "%g ms burn-in\n\n", t->reference, t->K, t->T, t->every, 0.1 * t->T);
    fprintf(f, "%-12s %16s %16s %16s %10s %9s %11s %10s %8s  %s\n", "sampler", "mean err (sd)",
            "var err (rel)", "corr err", "KL", "tau_int", "ESS/s", "ESS/spike", "wall s",
            "detail");
    for (int k = 0; k < t->nrows; k++) {
        const hs_cmp_row *r = &t->rows[k];
        char me[40], ve[40], ce[40], tau[20], ess[20], esp[20];
        snprintf(me, sizeof me, "%.3f+-%.3f", r->mean_err, r->mean_mc);
        snprintf(ve, sizeof ve, isnan(r->var_err) ? "-" : "%.3f+-%.3f", r->var_err, r->var_mc);
        snprintf(ce, sizeof ce, "%.3f+-%.3f", r->corr_err, r->corr_mc);
        snprintf(tau, sizeof tau, isnan(r->tau_int) ? "-" : "%.1f", r->tau_int);
        snprintf(ess, sizeof ess, isnan(r->ess_per_s) ? "-" : "%.3g", r->ess_per_s);
        snprintf(esp, sizeof esp, isnan(r->ess_per_spike) ? "-" : "%.2e", r->ess_per_spike);
        fprintf(f, "%-12s %16s %16s %16s %10.2e %9s %11s %10s %8.3f  %s\n", r->name, me, ve,
                ce, r->kl, tau, ess, esp, r->wall, r->detail);
    }
    fputs("\nmean err: largest |mean - reference| over units, in reference standard deviations, "
          "+- its Monte Carlo error;\nvar err: largest relative variance error; corr err: largest "
          "absolute error of a correlation between two units; tau_int: "
          "integrated autocorrelation time in samples;\nESS/s: effective samples per wall "
          "second of the slowest unit;\nESS/spike: effective samples per spike of the whole "
          "network (spike realisation).\n", f);
}

/* ---- the command ----------------------------------------------------------------------------- */

#include "record/output.h"

static int parse_sweep(const char *spec, hs_cmp_opts *o, hs_error *err)
{
    memset(o, 0, sizeof *o);
    if (!spec)
        return HS_OK;
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof o->sweep_key)
        return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0,
                            "expected KEY=V1,V2,... (keys: m, tau_eps (ms), neurons_per_unit, tau_syn (ms), "
                            "rate_per_unit (Hz), r_max (Hz)), got '%s'", spec);
    memcpy(o->sweep_key, spec, (size_t)(eq - spec));
    const char *p = eq + 1;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0 || (*end && *end != ','))
            return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0,
                                "'%s': values must be numbers >= 0 separated by commas", spec);
        if (strcmp(o->sweep_key, "m") && !(v > 0))
            return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0, "%s must be > 0",
                                o->sweep_key);
        if (!strcmp(o->sweep_key, "neurons_per_unit") && (v != floor(v) || v > 100000))
            return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0,
                                "neurons_per_unit takes whole numbers up to 100000");
        if (o->nsweep == HS_CMP_MAX_SWEEP)
            return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0, "at most %d values",
                                HS_CMP_MAX_SWEEP);
        o->sweep[o->nsweep++] = v;
        p = *end ? end + 1 : end;
    }
    static const char *const known[] = {"m", "tau_eps", "neurons_per_unit", "tau_syn",
                                        "rate_per_unit", "r_max", NULL};
    int ok = 0;
    for (const char *const *k = known; *k; k++)
        ok |= !strcmp(*k, o->sweep_key);
    if (!ok)
        return hs_error_set(err, HS_ECONFIG, "--sweep", 0, 0,
                            "unknown sweep key '%s' (known: m, tau_eps, neurons_per_unit, "
                            "tau_syn, rate_per_unit, r_max)", o->sweep_key);
    return HS_OK;
}

int hs_compare_to_dir(const hs_config *cfg, const char *sweep, FILE *out, hs_error *err)
{
    hs_cmp_opts o;
    int rc = parse_sweep(sweep, &o, err);
    if (rc)
        return rc;
    hs_cmp_table *t = malloc(sizeof *t);
    if (!t)
        return hs_nomem(err, NULL);
    rc = hs_hee_compare(cfg, &o, t, err);
    if (rc) {
        free(t);
        return rc;
    }
    hs_out dir;
    if ((rc = hs_out_open(&dir, cfg->output, err))) {
        free(t);
        return rc;
    }
    FILE *ft = hs_out_file(&dir, "compare.tsv", err);
    FILE *fx = ft ? hs_out_file(&dir, "compare.txt", err) : NULL;
    if (!ft || !fx) {
        hs_out_abort(&dir);
        free(t);
        return err->code;
    }
    fprintf(ft, "# hee-snn %s compare\n# seed: %llu\n# network: %s\n", hs_version(),
            (unsigned long long)cfg->seed, cfg->name);
    hs_hee_compare_tsv(t, ft);
    hs_hee_compare_text(t, fx);
    if (out)
        hs_hee_compare_text(t, out);
    free(t);
    return hs_out_commit(&dir, err);
}
