/* hee_loglik.c -- exact log-likelihood of data under a HEE: closed form or quadrature
 *
 * Linear-Gaussian models (every rho identity): layer 0 is Gaussian with the mean and covariance
 * of the joint's first block (hs_hee_gauss_exact); log p by Cholesky.
 *
 * Two layers, layer 0 identity without lateral couplings, one or two latent units: layer 0 given
 * h is N(sigma_0^2 (W rho(h) + b_0), sigma_0^2 I), and
 *   p(v) = int N(h; 0, sigma_1^2 I) exp(b_1.rho(h) + rho(h).J_1.rho(h)/2) p(v | h) dh / Z,
 * with Z the same integral without p(v | h).  Both integrals use one tensor grid of composite
 * Gauss-Legendre nodes (GSL) over the prior's support, in panels twice the narrowest posterior
 * standard deviation wide (at most 1000 nodes per dimension); log-sum-exp keeps sharp
 * posteriors finite.
 *
 * The maximum over all parameters, for one linear latent layer without lateral couplings, is
 * that of probabilistic PCA with the model's fixed noise variance (Tipping & Bishop 1999).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sort_vector.h>
#include <gsl/gsl_linalg.h>

#include "hee/hee.h"

static int gauss_loglik(const hs_hee *m, const double *X, size_t n, double *ll)
{
    const size_t N = m->ntotal, n0 = m->layer[0].n;
    double *mean = malloc(N * sizeof *mean), *cov = malloc(N * N * sizeof *cov);
    double *r = malloc(n0 * sizeof *r);
    gsl_matrix *C = gsl_matrix_alloc(n0, n0);
    int rc = -1;
    if (!mean || !cov || !r || !C || hs_hee_gauss_exact(m, NULL, mean, cov))
        goto done;
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < n0; j++)
            gsl_matrix_set(C, i, j, cov[i * N + j]);
    if (gsl_linalg_cholesky_decomp1(C))
        goto done;
    double logdet = 0;
    for (size_t i = 0; i < n0; i++)
        logdet += 2 * log(gsl_matrix_get(C, i, i));
    double sum = 0;
    for (size_t s = 0; s < n; s++) {
        /* forward substitution L y = x - mean; the quadratic form is |y|^2 */
        double q = 0;
        for (size_t i = 0; i < n0; i++) {
            double v = X[s * n0 + i] - mean[i];
            for (size_t j = 0; j < i; j++)
                v -= gsl_matrix_get(C, i, j) * r[j];
            r[i] = v / gsl_matrix_get(C, i, i);
            q += r[i] * r[i];
        }
        sum += -0.5 * (q + logdet + (double)n0 * log(2 * M_PI));
    }
    *ll = sum / (double)n;
    rc = 0;
done:
    free(mean);
    free(cov);
    free(r);
    if (C)
        gsl_matrix_free(C);
    return rc;
}

#define ORDER 8          /* Gauss-Legendre points per panel */
#define MAX_PANELS 125  /* per latent dimension: at most 1000 nodes, 1e6 on a 2-d grid */

/* Largest slope of rho. */
static double slope_max(hs_rho r)
{
    return r == HS_RHO_SIGMOID ? 0.25 : 1.0;
}

/* Two gaussian layers, an identity layer 0 without lateral couplings, at most two latent
 * units: the quadrature path. */
static int quadrature_ok(const hs_hee *m)
{
    return m->L == 2 && m->layer[0].family == HS_FAMILY_GAUSSIAN &&
           m->layer[1].family == HS_FAMILY_GAUSSIAN && m->layer[0].rho == HS_RHO_IDENTITY &&
           !m->layer[0].J && m->layer[1].n <= 2;
}

int hs_hee_loglik_quadrature(const hs_hee *m, const double *X, size_t n, double *ll,
                             double *each)
{
    if (!quadrature_ok(m) || n == 0)
        return -1;
    const hs_hee_layer *v = &m->layer[0], *h = &m->layer[1];
    const uint32_t n0 = v->n, K = h->n;
    const double *W = m->W[1];
    /* Nodes per latent dimension.  The integrand is at most p(h) times a constant, so the
     * prior's support bounds the range: 12 sd around the origin plus the furthest the tilt
     * exp(b rho + rho J rho / 2) can shift it.  Panels are twice the narrowest posterior sd
     * 1 / sqrt(1/sigma_1^2 + sigma_0^2 sum_i W_ij^2 rho'^2), wide. */
    gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc(ORDER);
    size_t panels[2] = {1, 1};
    double lo[2] = {0, 0}, hi[2] = {0, 0};
    for (uint32_t j = 0; j < K; j++) {
        double s = h->sigma, sl = slope_max(h->rho), tilt = fabs(h->b[j]), prec = 1 / (s * s);
        if (h->J)
            for (uint32_t q = 0; q < K; q++)
                tilt += fabs(h->J[(size_t)j * K + q]) * 10.0;
        for (uint32_t i = 0; i < n0; i++) {
            double w = W[(size_t)i * K + j] * sl;
            prec += v->sigma * v->sigma * w * w;
        }
        lo[j] = -12 * s - s * s * tilt * sl;
        hi[j] = 12 * s + s * s * tilt * sl;
        double want = ceil((hi[j] - lo[j]) / (2.0 / sqrt(prec)));
        if (!isfinite(want)) {   /* a parameter that is not finite (a diverged or corrupt model) */
            gsl_integration_glfixed_table_free(t);
            return -1;
        }
        panels[j] = want < 16 ? 16 : want > MAX_PANELS ? MAX_PANELS : (size_t)want;
    }
    const size_t G0 = panels[0] * ORDER, G1 = K == 2 ? panels[1] * ORDER : 1;
    const size_t G = G0 > G1 ? G0 : G1, P = G0 * G1;
    double *node[2] = {malloc(G * sizeof(double)), malloc(G * sizeof(double))};
    double *wt[2] = {malloc(G * sizeof(double)), malloc(G * sizeof(double))};
    double *logw = malloc(P * sizeof *logw), *mu = malloc(P * n0 * sizeof *mu);
    double *term = malloc(P * sizeof *term);
    int rc = -1;
    if (!t || !node[0] || !node[1] || !wt[0] || !wt[1] || !logw || !mu || !term)
        goto done;
    for (uint32_t j = 0; j < K; j++) {
        double width = (hi[j] - lo[j]) / (double)panels[j];
        for (size_t p = 0; p < panels[j]; p++)
            for (size_t k = 0; k < ORDER; k++) {
                double xk, wk;
                gsl_integration_glfixed_point(lo[j] + p * width, lo[j] + (p + 1) * width, k,
                                              &xk, &wk, t);
                node[j][p * ORDER + k] = xk;
                wt[j][p * ORDER + k] = wk;
            }
    }
    /* log prior weight (unnormalised) and layer 0's mean at every grid point */
    double lmax = -INFINITY;
    for (size_t g = 0; g < P; g++) {
        size_t ix[2] = {g % G0, g / G0};
        double rho[2], lw = 0;
        for (uint32_t j = 0; j < K; j++) {
            double x = node[j][ix[j]];
            rho[j] = hs_rho_f(h->rho, x);
            lw += log(wt[j][ix[j]]) - 0.5 * x * x / (h->sigma * h->sigma) + h->b[j] * rho[j];
        }
        if (h->J && K == 2)
            lw += h->J[1] * rho[0] * rho[1];
        logw[g] = lw;
        if (lw > lmax)
            lmax = lw;
        for (uint32_t i = 0; i < n0; i++) {
            double e = v->b[i];
            for (uint32_t j = 0; j < K; j++)
                e += W[(size_t)i * K + j] * rho[j];
            mu[g * n0 + i] = v->sigma * v->sigma * e;
        }
    }
    double Z = 0;
    for (size_t g = 0; g < P; g++)
        Z += exp(logw[g] - lmax);
    const double logZ = lmax + log(Z), s2 = v->sigma * v->sigma;
    const double lnorm = -0.5 * n0 * log(2 * M_PI * s2);
    double sum = 0;
    for (size_t s = 0; s < n; s++) {
        const double *x = X + s * n0;
        double best = -INFINITY;
        for (size_t g = 0; g < P; g++) {
            double q = 0;
            for (uint32_t i = 0; i < n0; i++) {
                double d = x[i] - mu[g * n0 + i];
                q += d * d;
            }
            term[g] = logw[g] - 0.5 * q / s2;
            if (term[g] > best)
                best = term[g];
        }
        double acc = 0;
        for (size_t g = 0; g < P; g++)
            acc += exp(term[g] - best);
        double li = best + log(acc) - logZ + lnorm;
        if (each)
            each[s] = li;
        sum += li;
    }
    *ll = sum / (double)n;
    rc = isfinite(*ll) ? 0 : -1;
done:
    if (t)
        gsl_integration_glfixed_table_free(t);
    for (int j = 0; j < 2; j++) {
        free(node[j]);
        free(wt[j]);
    }
    free(logw);
    free(mu);
    free(term);
    return rc;
}

/* Binary latents, few enough to sum over for every item of a learning curve's rows. */
static int enum_ok(const hs_hee *m)
{
    return hs_hee_enum_available(m, 1) && m->ntotal - m->layer[0].n <= HS_HEE_LOGLIK_ENUM_MAX;
}

int hs_hee_loglik_available(const hs_hee *m)
{
    return hs_hee_is_linear_gaussian(m) || enum_ok(m) || quadrature_ok(m);
}

/* Binary latents: log p(x_0) = log of the sum over the latent states, per item. */
static int enum_loglik(const hs_hee *m, const double *X, size_t n, double *ll)
{
    const size_t d = m->layer[0].n;
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        double lz;
        if (hs_hee_enum(m, X + i * d, NULL, &lz))
            return -1;
        acc += lz;
    }
    *ll = acc / (double)n;
    return 0;
}

int hs_hee_loglik(const hs_hee *m, const double *X, size_t n, double *ll)
{
    *ll = NAN;
    if (n == 0 || !hs_hee_loglik_available(m))
        return -1;
    if (hs_hee_is_linear_gaussian(m))
        return gauss_loglik(m, X, n, ll);
    if (enum_ok(m))
        return enum_loglik(m, X, n, ll);
    return hs_hee_loglik_quadrature(m, X, n, ll, NULL);
}

int hs_hee_ppca_ml(const hs_hee *m, const double *X, size_t n, double *ll)
{
    *ll = NAN;
    if (m->L != 2 || n < 2 || !hs_hee_is_linear_gaussian(m) || m->layer[0].J || m->layer[1].J)
        return -1;
    const size_t d = m->layer[0].n, k = m->layer[1].n;
    const double s2 = m->layer[0].sigma * m->layer[0].sigma;
    gsl_matrix *S = gsl_matrix_calloc(d, d);
    gsl_vector *l = gsl_vector_alloc(d), *mean = gsl_vector_calloc(d);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(d);
    int rc = -1;
    if (!S || !l || !mean || !w)
        goto done;
    for (size_t s = 0; s < n; s++)
        for (size_t a = 0; a < d; a++)
            *gsl_vector_ptr(mean, a) += X[s * d + a] / (double)n;
    for (size_t s = 0; s < n; s++)
        for (size_t a = 0; a < d; a++) {
            double da = X[s * d + a] - gsl_vector_get(mean, a);
            for (size_t b = 0; b <= a; b++)
                *gsl_matrix_ptr(S, a, b) += da * (X[s * d + b] - gsl_vector_get(mean, b)) /
                                            (double)n;
        }
    for (size_t a = 0; a < d; a++)
        for (size_t b = a + 1; b < d; b++)
            gsl_matrix_set(S, a, b, gsl_matrix_get(S, b, a));
    if (gsl_eigen_symm(S, l, w))
        goto done;
    gsl_sort_vector(l);   /* ascending */
    /* Tipping & Bishop: the k leading directions whose eigenvalue exceeds the noise get a
     * loading, the rest of the variance is explained by the noise */
    double acc = (double)d * log(2 * M_PI);
    for (size_t j = 0; j < d; j++) {
        double lj = gsl_vector_get(l, d - 1 - j);
        if (j < k && lj > s2)
            acc += log(lj) + 1.0;
        else
            acc += log(s2) + lj / s2;
    }
    *ll = -0.5 * acc;
    rc = 0;
done:
    if (S)
        gsl_matrix_free(S);
    if (l)
        gsl_vector_free(l);
    if (mean)
        gsl_vector_free(mean);
    if (w)
        gsl_eigen_symm_free(w);
    return rc;
}
