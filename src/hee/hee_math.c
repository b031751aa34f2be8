/* hee_math.c -- HEE nonlinearities, natural parameters, and exact reference answers */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "hee/hee.h"

static const char *const rho_names[] = {"identity", "sigmoid", "tanh", "softplus"};

int hs_rho_parse(const char *name, hs_rho *out)
{
    for (int r = 0; r < 4; r++)
        if (!strcmp(name, rho_names[r])) {
            *out = (hs_rho)r;
            return 0;
        }
    return -1;
}

const char *hs_rho_name(hs_rho r) { return rho_names[r]; }

double hs_rho_f(hs_rho r, double x)
{
    switch (r) {
    case HS_RHO_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case HS_RHO_TANH: return tanh(x);
    case HS_RHO_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case HS_RHO_IDENTITY: break;
    }
    return x;
}

double hs_rho_d(hs_rho r, double x)
{
    switch (r) {
    case HS_RHO_SIGMOID: {
        double s = 1.0 / (1.0 + exp(-x));
        return s * (1.0 - s);
    }
    case HS_RHO_TANH: {
        double t = tanh(x);
        return 1.0 - t * t;
    }
    case HS_RHO_SOFTPLUS: return 1.0 / (1.0 + exp(-x));
    case HS_RHO_IDENTITY: break;
    }
    return 1.0;
}

double hs_rho_fd(hs_rho r, double x, double *d)
{
    switch (r) {
    case HS_RHO_SIGMOID: {
        double s = 1.0 / (1.0 + exp(-x));
        *d = s * (1.0 - s);
        return s;
    }
    case HS_RHO_TANH: {
        double t = tanh(x);
        *d = 1.0 - t * t;
        return t;
    }
    case HS_RHO_SOFTPLUS:
        if (x > 0) {   /* exp(-x) serves both */
            double e = exp(-x);
            *d = 1.0 / (1.0 + e);
            return x + log1p(e);
        }
        *d = 1.0 / (1.0 + exp(-x));
        return log1p(exp(x));
    case HS_RHO_IDENTITY: break;
    }
    *d = 1.0;
    return x;
}

void hs_hee_eta(const hs_hee *m, int l, const double *T, double *eta)
{
    const hs_hee_layer *ly = &m->layer[l];
    if (l + 1 >= m->L) {
        memcpy(eta, ly->b, ly->n * sizeof *eta);
        return;
    }
    const hs_hee_layer *up = &m->layer[l + 1];
    const double *W = m->W[l + 1], *Tu = T + up->off;
    const uint32_t n = up->n, n4 = n & ~3u;
    for (uint32_t i = 0; i < ly->n; i++) {   /* row by row: W is n_l x n_{l+1} */
        const double *row = W + (size_t)i * n;
        /* four partial sums: independent chains the compiler can keep in flight */
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        uint32_t j = 0;
        for (; j < n4; j += 4) {
            s0 += row[j] * Tu[j];
            s1 += row[j + 1] * Tu[j + 1];
            s2 += row[j + 2] * Tu[j + 2];
            s3 += row[j + 3] * Tu[j + 3];
        }
        for (; j < n; j++)
            s0 += row[j] * Tu[j];
        eta[i] = ly->b[i] + ((s0 + s1) + (s2 + s3));
    }
}

/* ---- linear-Gaussian closed form -------------------------------------------------------- */

/* P_l = I / sigma^2 - J_l, and its inverse (Cholesky); -1 if not positive definite. */
static int layer_precision(const hs_hee_layer *ly, gsl_matrix *P, gsl_matrix *Pinv)
{
    uint32_t n = ly->n;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            gsl_matrix_set(P, i, j, (i == j ? 1.0 / (ly->sigma * ly->sigma) : 0.0) -
                                        (ly->J && i != j ? ly->J[(size_t)i * n + j] : 0.0));
    gsl_matrix_memcpy(Pinv, P);
    if (gsl_linalg_cholesky_decomp1(Pinv) != GSL_SUCCESS)
        return -1;
    return gsl_linalg_cholesky_invert(Pinv) == GSL_SUCCESS ? 0 : -1;
}

/* E(x) = sum_l [ x_l.P_l.x_l/2 - eta_l.x_l + eta_l.P_l^-1.eta_l/2 ] = x.Q.x/2 - h.x + const,
 * eta_l = W_{l+1} x_{l+1} + b_l.  Substituting eta gives, for l >= 1,
 *   Q_ll = P_l + W_l^T P_{l-1}^-1 W_l,  Q_{l-1,l} = -W_l,  h_l = b_l - W_l^T P_{l-1}^-1 b_{l-1},
 * and Q_00 = P_0, h_0 = b_0. */
static int build_q(const hs_hee *m, gsl_matrix *Q, gsl_vector *h)
{
    int rc = 0;
    gsl_matrix_set_zero(Q);
    gsl_matrix **Pi = calloc((size_t)m->L, sizeof *Pi);
    if (!Pi)
        return -1;
    for (int l = 0; l < m->L && !rc; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        gsl_matrix *P = gsl_matrix_alloc(ly->n, ly->n);
        Pi[l] = gsl_matrix_alloc(ly->n, ly->n);
        if (!P || !Pi[l] || layer_precision(ly, P, Pi[l]))
            rc = -1;
        else
            for (uint32_t i = 0; i < ly->n; i++) {
                for (uint32_t j = 0; j < ly->n; j++)
                    gsl_matrix_set(Q, ly->off + i, ly->off + j, gsl_matrix_get(P, i, j));
                gsl_vector_set(h, ly->off + i, ly->b[i]);
            }
        gsl_matrix_free(P);
    }
    for (int l = 1; l < m->L && !rc; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        gsl_matrix_const_view W = gsl_matrix_const_view_array(m->W[l], lo->n, ly->n);
        gsl_matrix *PW = gsl_matrix_alloc(lo->n, ly->n);
        if (!PW) {
            rc = -1;
            break;
        }
        /* PW = P_{l-1}^-1 W_l */
        gsl_matrix_set_zero(PW);
        for (uint32_t i = 0; i < lo->n; i++)
            for (uint32_t k = 0; k < lo->n; k++) {
                double p = gsl_matrix_get(Pi[l - 1], i, k);
                for (uint32_t j = 0; j < ly->n; j++)
                    *gsl_matrix_ptr(PW, i, j) += p * gsl_matrix_get(&W.matrix, k, j);
            }
        for (uint32_t i = 0; i < ly->n; i++) {
            for (uint32_t j = 0; j < ly->n; j++) {
                double s = 0;
                for (uint32_t k = 0; k < lo->n; k++)
                    s += gsl_matrix_get(&W.matrix, k, i) * gsl_matrix_get(PW, k, j);
                *gsl_matrix_ptr(Q, ly->off + i, ly->off + j) += s;
            }
            double s = 0;
            for (uint32_t k = 0; k < lo->n; k++)
                s += gsl_matrix_get(PW, k, i) * lo->b[k];
            *gsl_vector_ptr(h, ly->off + i) -= s;
            for (uint32_t k = 0; k < lo->n; k++) {
                double w = gsl_matrix_get(&W.matrix, k, i);
                gsl_matrix_set(Q, lo->off + k, ly->off + i, -w);
                gsl_matrix_set(Q, ly->off + i, lo->off + k, -w);
            }
        }
        gsl_matrix_free(PW);
    }
    for (int l = 0; l < m->L; l++)
        gsl_matrix_free(Pi[l]);
    free(Pi);
    return rc;
}

int hs_hee_is_linear_gaussian(const hs_hee *m)
{
    for (int l = 0; l < m->L; l++)
        if (m->layer[l].family != HS_FAMILY_GAUSSIAN || m->layer[l].rho != HS_RHO_IDENTITY)
            return 0;
    return 1;
}

int hs_hee_gauss_exact(const hs_hee *m, const double *x0, double *mean, double *cov)
{
    if (!hs_hee_is_linear_gaussian(m))
        return -1;
    size_t N = m->ntotal, n0 = x0 ? m->layer[0].n : 0, K = N - n0;
    gsl_matrix *Q = gsl_matrix_alloc(N, N);
    gsl_vector *h = gsl_vector_alloc(N);
    gsl_matrix *C = gsl_matrix_alloc(K, K);
    gsl_vector *r = gsl_vector_alloc(K);
    int rc = -1;
    if (!Q || !h || !C || !r || build_q(m, Q, h))
        goto out;
    /* posterior of the rest given x0: precision Q_hh, linear term h_h - Q_h0 x0 */
    for (size_t i = 0; i < K; i++) {
        double v = gsl_vector_get(h, n0 + i);
        for (size_t k = 0; k < n0; k++)
            v -= gsl_matrix_get(Q, n0 + i, k) * x0[k];
        gsl_vector_set(r, i, v);
        for (size_t j = 0; j < K; j++)
            gsl_matrix_set(C, i, j, gsl_matrix_get(Q, n0 + i, n0 + j));
    }
    if (gsl_linalg_cholesky_decomp1(C) != GSL_SUCCESS)
        goto out;
    gsl_vector_view mv = gsl_vector_view_array(mean, K);
    if (gsl_linalg_cholesky_solve(C, r, &mv.vector) != GSL_SUCCESS ||
        gsl_linalg_cholesky_invert(C) != GSL_SUCCESS)
        goto out;
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            cov[i * K + j] = gsl_matrix_get(C, i, j);
    rc = 0;
out:
    gsl_matrix_free(Q);
    gsl_vector_free(h);
    gsl_matrix_free(C);
    gsl_vector_free(r);
    return rc;
}

/* ---- one unit's moments by quadrature --------------------------------------------------- */

typedef struct unit_integrand {
    hs_rho rho;
    double sigma, eta, gmax;
    int power;   /* integrate rho^power times the unnormalised density */
} unit_integrand;

static double log_density(const unit_integrand *u, double x)
{
    return -x * x / (2 * u->sigma * u->sigma) + u->eta * hs_rho_f(u->rho, x);
}

static double integrand(double x, void *ctx)
{
    const unit_integrand *u = ctx;
    double w = exp(log_density(u, x) - u->gmax);
    double r = hs_rho_f(u->rho, x);
    return u->power == 0 ? w : u->power == 1 ? r * w : r * r * w;
}

int hs_hee_unit_moments(hs_rho rho, double sigma, double eta, double *mean, double *var)
{
    *mean = *var = NAN;
    if (!(sigma > 0) || !isfinite(eta))
        return -1;
    if (rho == HS_RHO_IDENTITY) {   /* N(0, s^2) e^{eta x} = N(s^2 eta, s^2) */
        *mean = sigma * sigma * eta;
        *var = sigma * sigma;
        return 0;
    }
    /* Every rho here has 0 <= rho' <= 1, so the modes of the log density lie between 0 and
     * sigma^2 eta; beyond 12 sigma from that range the density is below e^-72 of its peak. */
    double a = fmin(0.0, sigma * sigma * eta) - 12 * sigma;
    double b = fmax(0.0, sigma * sigma * eta) + 12 * sigma;
    unit_integrand u = {rho, sigma, eta, -INFINITY, 0};
    for (int k = 0; k <= 2000; k++) {
        double x = a + (b - a) * k / 2000.0;
        u.gmax = fmax(u.gmax, log_density(&u, x));
    }
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(2000);
    if (!ws)
        return -1;
    gsl_function f = {integrand, &u};
    double I[3], abserr;
    int rc = 0;
    for (int p = 0; p < 3 && !rc; p++) {
        u.power = p;
        /* The moments may vanish (tanh at eta = 0), so beside the relative tolerance allow
         * an absolute one scaled by the normaliser and the range of rho. */
        double scale = p ? I[0] * fmax(1.0, fabs(hs_rho_f(rho, a)) + fabs(hs_rho_f(rho, b))) : 0;
        if (gsl_integration_qag(&f, a, b, 1e-13 * scale * (p == 2 ? scale / I[0] : 1.0),
                                1e-11, 2000, GSL_INTEG_GAUSS61, ws, &I[p],
                                &abserr) != GSL_SUCCESS)
            rc = -1;
    }
    gsl_integration_workspace_free(ws);
    if (rc || !(I[0] > 0))
        return -1;
    *mean = I[1] / I[0];
    *var = I[2] / I[0] - *mean * *mean;
    return 0;
}

int hs_hee_timescales(const hs_hee *m, double tau_x, double tau_eps, double *relax_ms,
                      double *separation)
{
    *relax_ms = 0;
    *separation = INFINITY;
    for (int l = 0; l < m->L; l++)   /* (linearisation of gaussian layers only) */
        if (m->layer[l].family != HS_FAMILY_GAUSSIAN)
            return -1;
    for (int l = 1; l < m->L; l++) {
        const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
        const size_t n = ly->n, k = lo->n;
        const double s_lo = lo->sigma * lo->sigma, sl_lo = hs_rho_d(lo->rho, 0);
        const double sl = hs_rho_d(ly->rho, 0);
        /* precision of layer l's posterior, linearised at 0: I / sigma_l^2 (+ the top-down
         * curvature is left out) + sigma_{l-1}^2 rho'_{l-1}^2 rho'_l^2 W_l^T W_l */
        gsl_matrix *A = gsl_matrix_alloc(n, n);
        gsl_vector *ev = gsl_vector_alloc(n);
        gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
        if (!A || !ev || !w) {
            if (A)
                gsl_matrix_free(A);
            if (ev)
                gsl_vector_free(ev);
            if (w)
                gsl_eigen_symm_free(w);
            return -1;
        }
        gsl_matrix_const_view Wv = gsl_matrix_const_view_array(m->W[l], k, n);
        const double g = s_lo * sl_lo * sl_lo * sl * sl;
        gsl_matrix_set_identity(A);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, g, &Wv.matrix, &Wv.matrix,
                       1.0 / (ly->sigma * ly->sigma), A);
        int bad = gsl_eigen_symm(A, ev, w);
        double lmin = gsl_vector_min(ev), lmax = gsl_vector_max(ev);
        gsl_matrix_free(A);
        gsl_vector_free(ev);
        gsl_eigen_symm_free(w);
        if (bad || !(lmin > 0))
            return -1;
        /* slowest relaxation of x_l; fastest against its interneurons below */
        if (tau_x / lmin > *relax_ms)
            *relax_ms = tau_x / lmin;
        double sep = (tau_x / lmax) / (tau_eps * s_lo);
        if (sep < *separation)
            *separation = sep;
    }
    return 0;
}
