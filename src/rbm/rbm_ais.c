/* rbm_ais.c -- log Z of an RBM by annealed importance sampling (Salakhutdinov and Murray 2008,
 * "On the quantitative analysis of deep belief networks", ICML; Neal 2001, "Annealed importance
 * sampling", Statistics and Computing 11:125)
 *
 * The path runs from a base model A with the target's visible biases a and no couplings,
 * log Z_A = sum_i softplus(a_i) + nh log 2, to the target B, through
 *
 *   p*_k(v) = exp(a.v) prod_j (1 + exp(beta_k (b_j + (W^T v)_j))),   0 = beta_0 < ... < beta_K = 1,
 *
 * the hidden units summed out (A's hidden units contribute the constant 2^nh).  Each run draws
 * v_0 from A exactly, then for k = 1..K adds log p*_k(v) - log p*_{k-1}(v) to its log weight and
 * moves v by one Gibbs sweep (h | v, then v | h) that leaves p_k invariant.  The estimate is
 * log Z_A + log mean exp(log w); its standard error, by the delta method, is the sd of the
 * weights over their mean / sqrt(runs).  Betas: uniform steps of 1/K.  Exact in the limit of
 * many betas; unbiased in Z (so biased low in log Z by about half its variance).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "rbm/rbm.h"
#include "util/error.h"
#include "util/rng.h"

static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* log p*_beta(v) and, into h_in, the hidden inputs b + W^T v. */
static double log_pstar(const hs_rbm *m, const double *v, double beta, double *h_in)
{
    double e = 0;
    for (size_t i = 0; i < m->nv; i++)
        e += m->a[i] * v[i];
    for (size_t j = 0; j < m->nh; j++) {
        double s = m->b[j];
        for (size_t i = 0; i < m->nv; i++)
            s += v[i] * m->W[i * m->nh + j];
        h_in[j] = s;
        e += softplus(beta * s);
    }
    return e;
}

int hs_rbm_ais(const hs_rbm *m, size_t runs, size_t betas, uint64_t seed, double *logz,
               double *se, hs_error *err)
{
    *logz = *se = NAN;
    if (runs < 2 || betas < 1)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "AIS needs at least 2 runs and 1 beta");
    double *lw = malloc(runs * sizeof *lw), *v = malloc(m->nv * sizeof *v);
    double *h = malloc(m->nh * sizeof *h), *hin = malloc(m->nh * sizeof *hin);
    gsl_rng *r = hs_rng_stream(seed, "rbm", "ais");
    int rc = HS_OK;
    if (!lw || !v || !h || !hin || !r) {
        rc = hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    double logza = (double)m->nh * log(2.0);
    for (size_t i = 0; i < m->nv; i++)
        logza += softplus(m->a[i]);
    for (size_t run = 0; run < runs; run++) {
        for (size_t i = 0; i < m->nv; i++)   /* v_0 from the base model, exactly */
            v[i] = gsl_rng_uniform(r) < sigmoid(m->a[i]) ? 1.0 : 0.0;
        double w = 0;
        for (size_t k = 1; k <= betas; k++) {
            const double b0 = (double)(k - 1) / (double)betas, b1 = (double)k / (double)betas;
            w += log_pstar(m, v, b1, hin) - log_pstar(m, v, b0, hin);
            if (k == betas)
                break;
            for (size_t j = 0; j < m->nh; j++)   /* a Gibbs sweep at beta_k */
                h[j] = gsl_rng_uniform(r) < sigmoid(b1 * hin[j]) ? 1.0 : 0.0;
            for (size_t i = 0; i < m->nv; i++) {
                double s = m->a[i];
                for (size_t j = 0; j < m->nh; j++)
                    s += b1 * m->W[i * m->nh + j] * h[j];
                v[i] = gsl_rng_uniform(r) < sigmoid(s) ? 1.0 : 0.0;
            }
        }
        lw[run] = w;
    }
    double mx = -INFINITY;
    for (size_t run = 0; run < runs; run++)
        mx = fmax(mx, lw[run]);
    double sum = 0, sum2 = 0;
    for (size_t run = 0; run < runs; run++) {
        double e = exp(lw[run] - mx);
        sum += e;
        sum2 += e * e;
    }
    const double mean = sum / (double)runs;
    const double var = fmax(0.0, sum2 / (double)runs - mean * mean) * (double)runs /
                       (double)(runs - 1);
    *logz = logza + mx + log(mean);
    *se = sqrt(var / (double)runs) / mean;
out:
    free(lw);
    free(v);
    free(h);
    free(hin);
    if (r)
        gsl_rng_free(r);
    return rc;
}
