/* check_hee.c -- the HEE model: exact references, and the rate realisation against them
 *
 * Exact answers: the closed-form Gaussian of a linear HEE (against an independent ancestral
 * derivation), grad A by quadrature (against closed forms, symmetry, and d mean/d eta = var).
 * Sampled answers: posterior means and covariances of the Langevin network, interneuron
 * means of rho(eps), adaptation -- each within 5 batch-means standard errors (tests/stats.h),
 * each with a power check where a wrong answer is near.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "app/hee_compare.h"
#include "proc/hee_rt.h"
#include "config/config.h"
#include "net/net.h"
#include "stats.h"
#include "testutil.h"

#ifndef HS_SRCDIR
#define HS_SRCDIR "."
#endif

#define NB 20

/* ---- exact references ------------------------------------------------------------------ */

/* One observed, one latent unit: the posterior by hand.  log p(h | v) = -h^2/(2 s1^2) + b1 h +
 * w h v - s0^2 (w h + b0)^2 / 2 + const, so precision 1/s1^2 + s0^2 w^2 and linear term
 * b1 + w v - s0^2 w b0. */
START_TEST(test_hee_gauss_one_by_one)
{
    double b0 = 0.3, b1 = -0.7, w = 1.3, s0 = 0.8, s1 = 1.5, v = 0.9;
    hs_hee_layer ly[2] = {{.name = "v", .n = 1, .sigma = s0, .b = &b0, .off = 0},
                          {.name = "h", .n = 1, .sigma = s1, .b = &b1, .off = 1}};
    double *W[2] = {NULL, &w};
    hs_hee m = {.L = 2, .layer = ly, .W = W, .ntotal = 2};
    double mean, var;
    ck_assert_int_eq(hs_hee_gauss_exact(&m, &v, &mean, &var), 0);
    double prec = 1 / (s1 * s1) + s0 * s0 * w * w;
    ck_assert_double_eq_tol(var, 1 / prec, 1e-14);
    ck_assert_double_eq_tol(mean, (b1 + w * v - s0 * s0 * w * b0) / prec, 1e-14);
}
END_TEST

/* Three layers with lateral couplings: the joint from the closed form equals the joint built
 * ancestrally, x_l | x_{l+1} ~ N(P_l^-1 (W x_{l+1} + b_l), P_l^-1), propagated top-down. */
START_TEST(test_hee_gauss_joint_ancestral)
{
    double b0[2] = {0.1, -0.2}, b1[2] = {0.4, 0.0}, b2[1] = {-0.3};
    double J1[4] = {0, 0.3, 0.3, 0};
    double W1[4] = {0.5, -0.4, 0.2, 0.7}, W2[2] = {0.6, -0.3};
    hs_hee_layer ly[3] = {{.name = "a", .n = 2, .sigma = 1.0, .b = b0, .off = 0},
                          {.name = "b", .n = 2, .sigma = 0.7, .b = b1, .J = J1, .off = 2},
                          {.name = "c", .n = 1, .sigma = 1.2, .b = b2, .off = 4}};
    double *W[3] = {NULL, W1, W2};
    hs_hee m = {.L = 3, .layer = ly, .W = W, .ntotal = 5};
    double mean[5], cov[25];
    ck_assert_int_eq(hs_hee_gauss_exact(&m, NULL, mean, cov), 0);
    /* ancestral: c ~ N(s^2 b2, s^2); b | c ~ N(S1 (W2 c + b1), S1), S1 = (I/0.49 - J1)^-1;
     * a | b ~ N(W1 b + b0, I) */
    double s2 = 1.44, mc = s2 * b2[0], vc = s2;
    double P[4] = {1 / 0.49, -0.3, -0.3, 1 / 0.49}, det = P[0] * P[3] - P[1] * P[2];
    double S1[4] = {P[3] / det, -P[1] / det, -P[2] / det, P[0] / det};
    double mb[2], A[2];   /* mean of b; A = S1 W2 (b's dependence on c) */
    for (int i = 0; i < 2; i++) {
        A[i] = S1[2 * i] * W2[0] + S1[2 * i + 1] * W2[1];
        mb[i] = A[i] * mc + S1[2 * i] * b1[0] + S1[2 * i + 1] * b1[1];
    }
    double Cbb[4], Cbc[2];
    for (int i = 0; i < 2; i++) {
        Cbc[i] = A[i] * vc;
        for (int j = 0; j < 2; j++)
            Cbb[2 * i + j] = A[i] * A[j] * vc + S1[2 * i + j];
    }
    double ma[2], Cab[4], Cac[2], Caa[4];
    for (int i = 0; i < 2; i++) {
        ma[i] = W1[2 * i] * mb[0] + W1[2 * i + 1] * mb[1] + b0[i];
        Cac[i] = W1[2 * i] * Cbc[0] + W1[2 * i + 1] * Cbc[1];
        for (int j = 0; j < 2; j++)
            Cab[2 * i + j] = W1[2 * i] * Cbb[j] + W1[2 * i + 1] * Cbb[2 + j];
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            Caa[2 * i + j] = Cab[2 * i] * W1[2 * j] + Cab[2 * i + 1] * W1[2 * j + 1] + (i == j);
    double em[5] = {ma[0], ma[1], mb[0], mb[1], mc};
    for (int i = 0; i < 5; i++)
        ck_assert_double_eq_tol(mean[i], em[i], 1e-12);
    for (int i = 0; i < 2; i++) {
        ck_assert_double_eq_tol(cov[i * 5 + 4], Cac[i], 1e-12);
        ck_assert_double_eq_tol(cov[(2 + i) * 5 + 4], Cbc[i], 1e-12);
        for (int j = 0; j < 2; j++) {
            ck_assert_double_eq_tol(cov[i * 5 + j], Caa[2 * i + j], 1e-12);
            ck_assert_double_eq_tol(cov[i * 5 + 2 + j], Cab[2 * i + j], 1e-12);
            ck_assert_double_eq_tol(cov[(2 + i) * 5 + 2 + j], Cbb[2 * i + j], 1e-12);
        }
    }
    ck_assert_double_eq_tol(cov[24], vc, 1e-12);
    /* a layer that is not normalisable is refused, not answered */
    J1[1] = J1[2] = 5.0;
    ck_assert_int_eq(hs_hee_gauss_exact(&m, NULL, mean, cov), -1);
}
END_TEST

/* grad A by quadrature: closed form for identity, symmetry at eta = 0 for sigmoid and tanh,
 * and everywhere the identity d(mean)/d(eta) = var (A'' is the variance of T). */
/* config parses the names of rho from its own table: it must agree with hs_rho's order */
START_TEST(test_hee_rho_names)
{
    int n = 0;
    for (; hs_cfg_rho_names[n]; n++) {
        hs_rho r;
        ck_assert_int_eq(hs_rho_parse(hs_cfg_rho_names[n], &r), 0);
        ck_assert_int_eq((int)r, n);
        ck_assert_str_eq(hs_rho_name(r), hs_cfg_rho_names[n]);
    }
    ck_assert_int_eq(n, 4);
}
END_TEST

START_TEST(test_hee_unit_moments)
{
    double m, v;
    ck_assert_int_eq(hs_hee_unit_moments(HS_RHO_IDENTITY, 0.5, 2.0, &m, &v), 0);
    ck_assert_double_eq_tol(m, 0.5, 1e-15);
    ck_assert_double_eq_tol(v, 0.25, 1e-15);
    ck_assert_int_eq(hs_hee_unit_moments(HS_RHO_SIGMOID, 1.7, 0.0, &m, &v), 0);
    ck_assert_double_eq_tol(m, 0.5, 1e-10);
    ck_assert_int_eq(hs_hee_unit_moments(HS_RHO_TANH, 0.9, 0.0, &m, &v), 0);
    ck_assert_double_eq_tol(m, 0.0, 1e-10);
    static const hs_rho rhos[] = {HS_RHO_SIGMOID, HS_RHO_TANH, HS_RHO_SOFTPLUS};
    static const double etas[] = {-3.0, -0.5, 0.0, 1.0, 4.0};
    for (int r = 0; r < 3; r++)
        for (int e = 0; e < 5; e++) {
            double h = 1e-4, mp, mm, vp;
            ck_assert_int_eq(hs_hee_unit_moments(rhos[r], 1.2, etas[e], &m, &v), 0);
            ck_assert_int_eq(hs_hee_unit_moments(rhos[r], 1.2, etas[e] + h, &mp, &vp), 0);
            ck_assert_int_eq(hs_hee_unit_moments(rhos[r], 1.2, etas[e] - h, &mm, &vp), 0);
            ck_assert_msg(fabs((mp - mm) / (2 * h) - v) < 1e-6 * (1 + v),
                          "%s eta %g: dmean/deta %.9g, var %.9g", hs_rho_name(rhos[r]),
                          etas[e], (mp - mm) / (2 * h), v);
        }
}
END_TEST

/* ---- sampling ----------------------------------------------------------------------------- */

/* Collects, per batch, the sums of x and x x^T over the units [lo, lo + K) of the runtime
 * (or of eps, or of rho(eps)), every recorded step after a burn-in. */
typedef struct collector {
    size_t lo, K;
    int which;          /* 0: x, 1: rho(eps) */
    double burn, T;
    double s1[NB][8], s2[NB][8][8];
    long n[NB];
} collector;

/* One sample y (K values) into batch b. */
static void accumulate(collector *c, int b, const double *y)
{
    for (size_t i = 0; i < c->K; i++) {
        c->s1[b][i] += y[i];
        for (size_t j = 0; j < c->K; j++)
            c->s2[b][i][j] += y[i] * y[j];
    }
    c->n[b]++;
}

static int collect(void *ctx, double t, const hs_hee_rt *rt)
{
    collector *c = ctx;
    if (t < c->burn)
        return 0;
    int b = (int)((t - c->burn) / (c->T / NB));
    if (b >= NB)
        return 0;
    double y[8];
    for (size_t i = 0; i < c->K; i++) {
        size_t u = c->lo + i;
        if (c->which == 0) {
            y[i] = rt->x[u];
        } else {
            int l = 0;
            while (l + 1 < rt->m.L && rt->m.layer[l + 1].off <= u)
                l++;
            y[i] = hs_rho_f(rt->m.layer[l].rho, rt->eps[u]);
        }
    }
    accumulate(c, b, y);
    return 0;
}

static hs_hee_rt *hee_of(hs_net *net) { return hs_net_proc(net, &hs_hee_proc_ops); }

static hs_net *run_hee(const char *yaml, collector *c, hs_config **cfg)
{
    hs_net *net = net_from_string(yaml, cfg);
    hs_hee_rt *rt = hee_of(net);
    ck_assert_ptr_nonnull(rt);
    rt->sink = collect;
    rt->sink_ctx = c;
    run_to(net, c->burn + c->T + rt->dt);
    for (int b = 0; b < NB; b++)
        ck_assert_int_gt(c->n[b], 10);
    return net;
}

static batch_stat mean_stat(const collector *c, size_t i)
{
    double x[NB];
    for (int b = 0; b < NB; b++) x[b] = c->s1[b][i] / c->n[b];
    return batch_means(x, NB);
}

static batch_stat cov_stat(const collector *c, size_t i, size_t j)
{
    double x[NB];
    for (int b = 0; b < NB; b++) {
        double mi = c->s1[b][i] / c->n[b], mj = c->s1[b][j] / c->n[b];
        x[b] = c->s2[b][i][j] / c->n[b] - mi * mj;
    }
    return batch_means(x, NB);
}

/* The batches' means and covariances against the exact ones, each within 5 standard errors;
 * returns the largest |z| of the means against means shifted by `shift` sd (power). */
static double against_exact(const collector *c, const double *mean, const double *cov,
                            double shift)
{
    double zmax = 0, zshift = 0;
    for (size_t i = 0; i < c->K; i++) {
        batch_stat s = mean_stat(c, i);
        double sd = sqrt(cov[i * c->K + i]);
        double z = zscore(s, mean[i]);
        printf("  mean[%zu] %.4f +- %.4f exact %.4f (z %.2f)\n", i, s.mean, s.se, mean[i], z);
        zmax = fmax(zmax, fabs(z));
        zshift = fmax(zshift, fabs(zscore(s, mean[i] + shift * sd)));
        for (size_t j = 0; j <= i; j++) {
            batch_stat q = cov_stat(c, i, j);
            double zq = zscore(q, cov[i * c->K + j]);
            printf("  cov[%zu][%zu] %.4f +- %.4f exact %.4f (z %.2f)\n", i, j, q.mean, q.se,
                   cov[i * c->K + j], zq);
            zmax = fmax(zmax, fabs(zq));
        }
    }
    ck_assert_msg(zmax < 5, "largest |z| %.2f against the exact posterior", zmax);
    return zshift;
}

/* Posterior means and covariances of the latent layers of a clamped linear-Gaussian HEE
 * against the closed form: every |z| < 5 (K means and K(K+1)/2 covariances).  Returns the
 * largest |z| of the means against the exact means shifted by `shift` posterior sd (power
 * check; 0 for none). */
static double check_linear_posterior(const char *yaml, double burn, double T, double shift)
{
    collector *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    hs_config *cfg;
    hs_net *probe = net_from_string(yaml, &cfg);
    const hs_hee *m = &hee_of(probe)->m;
    c->lo = m->layer[0].n;
    c->K = m->ntotal - c->lo;
    ck_assert_uint_le(c->K, 8);
    double mean[8], cov[64];
    ck_assert_int_eq(hs_hee_gauss_exact(m, hee_of(probe)->clamp, mean, cov), 0);
    hs_net_free(probe);
    hs_config_free(cfg);
    c->burn = burn;
    c->T = T;
    hs_net *net = run_hee(yaml, c, &cfg);
    double zshift = against_exact(c, mean, cov, shift);
    hs_net_free(net);
    hs_config_free(cfg);
    free(c);
    return zshift;
}

/* The spike realisation's layers are ordinary populations: projections name them.  A Poisson
 * stimulus (1 kHz, weight 0.5, to every neuron of h) adds its mean input, 1/ms x 0.5 = 0.5, to
 * h's natural parameters, so the posterior is that of the same model with h's biases raised by
 * 0.5 (closed form); a LIF readout of h fires.  Means within 5 batch-means standard errors
 * (200 s); power: 0.1 posterior sd away is rejected. */
START_TEST(test_hee_spike_projections)
{
    static const char base[] =
        "hee-snn: 1\nseed: 9\nduration: 1 s\n%s"
        "hee:\n  realisation: %s\n  layers:\n"
        "    - {name: v, size: 4, sigma: 1.0}\n"
        "    - {name: h, size: 2, bias: [%s]}\n"
        "  weights:\n    h: [[0.5, 0.0], [0.0, 0.5], [0.3, -0.2], [-0.4, 0.1]]\n"
        "  clamp:\n    v: [1.0, -0.5, 0.3, 0.2]\n";
    static const char extra[] =
        "populations:\n"
        "  stim: {model: poisson, size: 1, params: {rate: 1000 Hz}}\n"
        "  readout: {model: lif, size: 20, params: {v_rest: -60 mV}}\n"
        "projections:\n"
        "  - {from: stim, to: h, connect: all_to_all, weight: 0.5}\n"
        "  - {from: h, to: readout, connect: {fixed_probability: 0.2}, weight: 2 mV}\n";
    char a[2048], b[2048];
    snprintf(a, sizeof a, base, extra, "spike", "0.5, -0.5");
    snprintf(b, sizeof b, base, "", "rate", "1.0, 0.0");   /* the same posterior, closed form */
    hs_config *cfg;
    hs_net *probe = net_from_string(b, &cfg);
    double mean[2], cov[4];
    ck_assert_int_eq(hs_hee_gauss_exact(&hee_of(probe)->m, hee_of(probe)->clamp, mean, cov), 0);
    hs_net_free(probe);
    hs_config_free(cfg);
    collector *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->lo = 4;
    c->K = 2;
    c->burn = 100;
    c->T = 2e5;
    hs_net *net = run_hee(a, c, &cfg);
    for (size_t i = 0; i < 2; i++) {
        batch_stat st = mean_stat(c, i);
        double z = zscore(st, mean[i]), zs = zscore(st, mean[i] + 0.1 * sqrt(cov[3 * i]));
        printf("  stimulated h[%zu]: mean %.4f +- %.4f, exact %.4f (z %.2f; 0.1 sd away: %.2f)\n",
               i, st.mean, st.se, mean[i], z, zs);
        ck_assert_msg(fabs(z) < 5, "h[%zu]: z %.2f", i, z);
        ck_assert_msg(fabs(zs) > 5, "h[%zu]: no power against 0.1 sd (z %.2f)", i, zs);
    }
    int ro = hs_net_pop_find(net, "readout");
    ck_assert_int_ge(ro, 0);
    ck_assert_uint_gt(hs_net_pop_spikes(net, ro), 100);
    hs_net_free(net);
    hs_config_free(cfg);
    free(c);
}
END_TEST

static const char *lg2 =
    "hee-snn: 1\nseed: 5\nduration: 1 s\nhee:\n  tau_x: 10 ms\n  tau_eps: 0.2 ms\n"
    "  dt: 0.01 ms\n  layers:\n"
    "    - {name: v, size: 4, rho: identity, sigma: 1.0, bias: 0.0}\n"
    "    - {name: h, size: 2, rho: identity, sigma: 1.0, bias: [0.5, -0.5]}\n"
    "  weights:\n    h: [[0.5, 0.0], [0.0, 0.5], [0.3, -0.2], [-0.4, 0.1]]\n"
    "  clamp:\n    v: [1.0, -0.5, 0.3, 0.2]\n";

START_TEST(test_hee_rate_linear_two_layers)
{
    printf("linear-Gaussian, 2 layers (4-2), rate realisation, 200 s:\n");
    double zs = check_linear_posterior(lg2, 100, 2e5, 0.1);
    /* power: the same run must tell the exact means from means 0.1 sd away */
    ck_assert_msg(zs > 5, "power check: |z| %.2f against means shifted by 0.1 sd", zs);
}
END_TEST

/* The 4-3-2 network of the three-layer checks: its layers, weights and lateral couplings in h1
 * (a file may go on with more lateral couplings, then its clamp). */
#define NET432                                                                                \
    "    - {name: v, size: 4, sigma: 0.8, bias: [0.1, 0.0, -0.1, 0.2]}\n"                     \
    "    - {name: h1, size: 3, sigma: 1.0, bias: [0.2, -0.3, 0.0]}\n"                         \
    "    - {name: h2, size: 2, sigma: 1.2, bias: [0.4, -0.2]}\n"                              \
    "  weights:\n"                                                                            \
    "    h1: [[0.5, -0.3, 0.2], [0.1, 0.6, -0.4], [-0.2, 0.3, 0.5], [0.4, 0.0, -0.3]]\n"      \
    "    h2: [[0.6, -0.2], [0.3, 0.5], [-0.4, 0.2]]\n"                                        \
    "  lateral:\n    h1: [[0, 0.2, 0], [0.2, 0, -0.1], [0, -0.1, 0]]\n"

START_TEST(test_hee_rate_linear_three_layers)
{
    const char *yaml =
        "hee-snn: 1\nseed: 6\nduration: 1 s\nhee:\n  tau_x: 10 ms\n  tau_eps: 0.2 ms\n"
        "  dt: 0.01 ms\n  layers:\n"
        NET432
        "  clamp:\n    v: [0.5, -1.0, 0.3, 0.8]\n";
    printf("linear-Gaussian, 3 layers (4-3-2, lateral J in h1), rate realisation, 200 s:\n");
    check_linear_posterior(yaml, 100, 2e5, 0);
}
END_TEST

/* ---- chains ------------------------------------------------------------------------------ */

/* Every chain's samples of x in its own batch: chain b is batch b. */
static int collect_chains(void *ctx, double t, const hs_hee_rt *rt)
{
    collector *c = ctx;
    ck_assert_uint_eq(rt->B, NB);
    for (int b = 0; b < NB && t >= c->burn; b++)
        accumulate(c, b, rt->x + (size_t)b * rt->m.ntotal + c->lo);
    return 0;
}

/* chains: 20 independent copies of a clamped 3-layer network whose posterior is strongly
 * correlated (lateral coupling 0.6 between the two top units: posterior correlation 0.72),
 * with adaptation, each for 10 s: the chains are the 20 batches of the batch-means error, so
 * each chain must sample the exact posterior on its own.  (Strong lateral couplings below the
 * top make the interneurons' noise correlated across units, which the noise budget does not
 * count: that biases one chain as much as many, and is not what this test is about.)  Means and
 * covariances within 5 standard errors (19 degrees of freedom: a correct sampler exceeds 5
 * with probability 8e-5 per quantity); and the power check: the same run tells the exact
 * means from means shifted by 0.1 posterior sd. */
START_TEST(test_hee_rate_chains_posterior)
{
    const char *yaml =
        "hee-snn: 1\nseed: 12\nduration: 1 s\nhee:\n  tau_x: 10 ms\n  tau_eps: 0.2 ms\n"
        "  dt: 0.01 ms\n  chains: 20\n  adaptation: {m: 1, tau_c: 20 ms}\n  layers:\n"
        NET432
        "    h2: [[0, 0.6], [0.6, 0]]\n"
        "  clamp:\n    v: [0.5, -1.0, 0.3, 0.8]\n";
    collector *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    hs_hee_rt *rt = hee_of(net);
    c->lo = rt->m.layer[0].n;
    c->K = rt->m.ntotal - c->lo;
    double mean[8], cov[64];
    ck_assert_int_eq(hs_hee_gauss_exact(&rt->m, rt->clamp, mean, cov), 0);
    double rmax = 0;   /* the strongest posterior correlation */
    for (size_t i = 0; i < c->K; i++)
        for (size_t j = 0; j < i; j++)
            rmax = fmax(rmax, fabs(cov[i * c->K + j]) / sqrt(cov[i * c->K + i] *
                                                               cov[j * c->K + j]));
    printf("chains: 20 x 10 s, 4-3-2 with lateral J and adaptation; strongest posterior "
           "correlation %.3f\n", rmax);
    ck_assert_msg(rmax > 0.6, "the posterior is not strongly correlated (%.3f)", rmax);
    c->burn = 100;
    rt->sink = collect_chains;
    rt->sink_ctx = c;
    run_to(net, c->burn + 1e4 + rt->dt);
    double zshift = against_exact(c, mean, cov, 0.1);
    ck_assert_msg(zshift > 5, "power check: |z| %.2f against means shifted by 0.1 sd", zshift);
    hs_net_free(net);
    hs_config_free(cfg);
    free(c);
}
END_TEST

/* Interneurons alone: the top layer's eps samples p(eps | b) (eta = b is fixed there), so the
 * time average of rho(eps) must be grad A(b) from quadrature. */
START_TEST(test_hee_interneurons_grad_a)
{
    static const char *rhos[] = {"sigmoid", "tanh", "softplus"};
    for (int r = 0; r < 3; r++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "hee-snn: 1\nseed: 8\nduration: 1 s\nhee:\n  tau_x: 10 ms\n"
                 "  tau_eps: 0.2 ms\n  dt: 0.005 ms\n  layers:\n"
                 "    - {name: v, size: 1, bias: 0.0}\n"
                 "    - {name: h, size: 3, rho: %s, sigma: 1.5, bias: [-2.0, 0.3, 1.5]}\n"
                 "  weights:\n    h: [[0.0, 0.0, 0.0]]\n",
                 rhos[r]);
        collector *c = calloc(1, sizeof *c);
        ck_assert_ptr_nonnull(c);
        c->lo = 1;
        c->K = 3;
        c->which = 1;
        c->burn = 5;
        c->T = 1e4;
        hs_config *cfg;
        hs_net *net = run_hee(yaml, c, &cfg);
        hs_rho rho;
        ck_assert_int_eq(hs_rho_parse(rhos[r], &rho), 0);
        static const double b[3] = {-2.0, 0.3, 1.5};
        for (size_t i = 0; i < 3; i++) {
            double ex, var;
            ck_assert_int_eq(hs_hee_unit_moments(rho, 1.5, b[i], &ex, &var), 0);
            batch_stat s = mean_stat(c, i);
            printf("interneuron %-8s eta %+.1f: E[rho(eps)] %.5f +- %.5f, grad A %.5f\n",
                   rhos[r], b[i], s.mean, s.se, ex);
            ck_assert_msg(fabs(zscore(s, ex)) < 5, "%s eta %g: %.5f +- %.5f vs %.5f",
                          rhos[r], b[i], s.mean, s.se, ex);
            ck_assert(s.se < 0.01 * (1 + fabs(ex)));
        }
        hs_net_free(net);
        hs_config_free(cfg);
        free(c);
    }
}
END_TEST

/* ---- adaptation ----------------------------------------------------------------------------- */

typedef struct series {
    double burn;
    size_t n, cap, lo, K;
    double *y;   /* n x K */
} series;

static int record_series(void *ctx, double t, const hs_hee_rt *rt)
{
    series *s = ctx;
    if (t < s->burn || s->n == s->cap)
        return 0;
    for (size_t i = 0; i < s->K; i++)
        s->y[s->n * s->K + i] = rt->x[s->lo + i];
    s->n++;
    return 0;
}

/* Integrated autocorrelation time (in samples) of column i, Sokal's automatic window: the
 * smallest M with M >= 5 tau(M), tau(M) = 1 + 2 sum_{k=1..M} rho(k). */
static double tau_int(const series *s, size_t i, double *var)
{
    double m = 0, v = 0;
    for (size_t k = 0; k < s->n; k++) m += s->y[k * s->K + i];
    m /= (double)s->n;
    for (size_t k = 0; k < s->n; k++) v += pow(s->y[k * s->K + i] - m, 2);
    v /= (double)s->n;
    *var = v;
    double tau = 1;
    for (size_t lag = 1; lag < s->n / 10; lag++) {
        double c = 0;
        for (size_t k = 0; k + lag < s->n; k++)
            c += (s->y[k * s->K + i] - m) * (s->y[(k + lag) * s->K + i] - m);
        tau += 2 * c / ((double)s->n * v);
        if ((double)lag >= 5 * tau)
            break;
    }
    return tau;
}

/* Adaptation as momentum, on the 2-layer linear-Gaussian posterior (200 s, samples every
 * 1 ms): the variance of each latent unit stays at the exact posterior variance within 5
 * standard errors (se = var sqrt(2 tau / N), the error of a variance estimate from N samples
 * with integrated autocorrelation time tau), and tau falls.  Measured on this seed: tau 13 ->
 * 9 samples (ms) with m = 1, tau_c = 10 ms; the test asks for a fall of at least 15%. */
START_TEST(test_hee_adaptation_momentum)
{
    double exact_var[2];
    {
        hs_config *cfg;
        hs_net *net = net_from_string(lg2, &cfg);
        double mean[2], cov[4];
        ck_assert_int_eq(hs_hee_gauss_exact(&hee_of(net)->m, hee_of(net)->clamp, mean, cov), 0);
        exact_var[0] = cov[0];
        exact_var[1] = cov[3];
        hs_net_free(net);
        hs_config_free(cfg);
    }
    double taus[2][2];
    for (int a = 0; a < 2; a++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml, "%s%s", lg2,
                 a ? "  adaptation: {m: 1.0, tau_c: 10 ms}\n" : "");
        series s = {.burn = 100, .cap = 200000, .lo = 4, .K = 2};
        s.y = malloc(s.cap * s.K * sizeof *s.y);
        ck_assert_ptr_nonnull(s.y);
        hs_config *cfg;
        hs_net *net = net_from_string(yaml, &cfg);
        hee_of(net)->sink = record_series;
        hee_of(net)->sink_ctx = &s;
        run_to(net, s.burn + 2e5);
        ck_assert_uint_eq(s.n, s.cap);
        for (size_t i = 0; i < 2; i++) {
            double var, tau = tau_int(&s, i, &var);
            double se = var * sqrt(2 * tau / (double)s.n);
            taus[a][i] = tau;
            printf("adaptation %s: unit %zu variance %.4f +- %.4f (exact %.4f), tau_int %.2f "
                   "ms\n", a ? "m=1, tau_c=10 ms" : "off", i, var, se, exact_var[i], tau);
            ck_assert_msg(fabs(var - exact_var[i]) < 5 * se, "variance %.4f +- %.4f vs %.4f",
                          var, se, exact_var[i]);
        }
        free(s.y);
        hs_net_free(net);
        hs_config_free(cfg);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_msg(taus[1][i] < 0.85 * taus[0][i], "unit %d: tau_int %.2f with adaptation, "
                      "%.2f without", i, taus[1][i], taus[0][i]);
}
END_TEST

/* hee-snn compare on a fixed seed: the exact row has zero error, every other row agrees with
 * it within 5 of its own Monte Carlo errors (means and variances), adaptation lowers the
 * autocorrelation time, and Gibbs with exact conditionals is nearly independent. */
START_TEST(test_hee_compare_table)
{
    hs_config *cfg;
    hs_error err = {0};
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "%s", lg2);
    char *d = strstr(yaml, "duration: 1 s");
    ck_assert_ptr_nonnull(d);
    memcpy(d, "duration: 40s", 13);
    ck_assert_int_eq(hs_config_load_string(yaml, strlen(yaml), "lg2.yaml", NULL, &cfg, &err),
                     HS_OK);
    hs_cmp_opts o = {.sweep_key = "m", .sweep = {2.0}, .nsweep = 1};
    hs_cmp_table *t = malloc(sizeof *t);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(hs_hee_compare(cfg, &o, t, &err), HS_OK);
    hs_hee_compare_text(t, stdout);
    /* exact, rate, rate+adapt, spike, spike+adapt, sweep, langevin, underdamped, gibbs */
    ck_assert_int_eq(t->nrows, 9);
    ck_assert_str_eq(t->rows[0].name, "exact");
    ck_assert(t->rows[0].mean_err == 0 && t->rows[0].var_err == 0 && t->rows[0].kl == 0);
    ck_assert_str_eq(t->rows[3].name, "spike");   /* tested like every other row */
    ck_assert(t->rows[3].ess_per_spike > 0);
    for (int k = 1; k < t->nrows; k++) {
        const hs_cmp_row *r = &t->rows[k];
        ck_assert_msg(r->mean_z < 5 && r->var_z < 5, "%s (%s): mean z %.2f, var z %.2f",
                      r->name, r->detail, r->mean_z, r->var_z);
        ck_assert_uint_gt(r->nsamples, 30000);
    }
    ck_assert_str_eq(t->rows[2].name, "rate+adapt");
    ck_assert(t->rows[2].tau_int < 0.8 * t->rows[1].tau_int);
    ck_assert_str_eq(t->rows[4].name, "spike+adapt");   /* adaptation in the spike realisation */
    ck_assert(t->rows[4].tau_int < 0.8 * t->rows[3].tau_int);
    ck_assert_str_eq(t->rows[8].name, "gibbs");
    ck_assert(t->rows[8].tau_int < 1.5);
    free(t);
    hs_config_free(cfg);
}
END_TEST

/* The spike realisation at its defaults (neurons per unit chosen from the network, traces of
 * dt, the full-covariance noise budget) on the hard linear-Gaussian cases: 6 observed units
 * (sigma 0.5) clamped, 2 latent units whose weight columns have norm^2 = 12 and cosine c, so
 * that the posterior precision I + sigma_v^2 W^T W = [[4, 3c], [3c, 4]] has correlation
 * -3c/4 (c = 0.933, 0.4, -0.4, -0.933: -0.7 to +0.7) and its stiffest mode is 4 + 3|c| times
 * faster than tau_x.  The acceptance of issue 9: means within 0.1 sd, variances within 10%,
 * correlations within 0.1 of the closed form.  Each row is 20 s of model time; the assertions
 * also require its Monte Carlo errors to be below a third of those bounds (measured: about
 * 0.03 sd, 0.03 and 0.015), so a true error at a bound would not pass by chance, and, like
 * every other row, the spike row must agree within 5 of its own Monte Carlo errors. */
static void corr_yaml(char *yaml, size_t n, double c, const char *spike)
{
    /* two unit vectors in R^6 with cosine c, scaled to norm sqrt(12) */
    const double e1[6] = {0.5, 0.5, 0.5, 0.5, 0, 0};
    const double e2[6] = {0.5, -0.5, 0.5, -0.5, 0, 0};   /* orthogonal to e1, unit norm */
    const double s = sqrt(12.0), sn = sqrt(1 - c * c);
    int k = snprintf(yaml, n, "hee-snn: 1\nname: corr\nseed: 21\nduration: 20 s\nhee:\n"
                              "  realisation: spike\n%s  layers:\n"
                              "    - {name: v, size: 6, sigma: 0.5}\n"
                              "    - {name: h, size: 2, bias: [0.2, -0.1]}\n"
                              "  weights:\n    h: [", spike);
    for (int i = 0; i < 6; i++) {
        double w1 = s * e1[i], w2 = s * (c * e1[i] + sn * e2[i]);   /* 0 in the last two */
        k += snprintf(yaml + k, n - (size_t)k, "%s[%.6f, %.6f]", i ? ", " : "", w1, w2);
    }
    snprintf(yaml + k, n - (size_t)k, "]\n  clamp:\n    v: [0.5, 0.3, -0.2, 0.4, 0.1, 0.6]\n"
                                      "record:\n  states: [h]\n  every: 1 ms\n");
}

static const hs_cmp_row *spike_row(const char *yaml, hs_cmp_table *t)
{
    hs_config *cfg;
    hs_error err = {0};
    ck_assert_int_eq(hs_config_load_string(yaml, strlen(yaml), "corr.yaml", NULL, &cfg, &err),
                     HS_OK);
    hs_cmp_opts o = {.nsweep = 0};
    ck_assert_int_eq(hs_hee_compare(cfg, &o, t, &err), HS_OK);
    hs_hee_compare_text(t, stdout);
    hs_config_free(cfg);
    for (int k = 0; k < t->nrows; k++)
        if (!strcmp(t->rows[k].name, "spike"))
            return &t->rows[k];
    ck_abort_msg("no spike row");
    return NULL;
}

START_TEST(test_hee_spike_correlated_posteriors)
{
    const double cs[] = {0.933, 0.4, -0.4, -0.933};
    hs_cmp_table *t = malloc(sizeof *t);
    ck_assert_ptr_nonnull(t);
    char yaml[2048];
    for (int k = 0; k < 4; k++) {
        corr_yaml(yaml, sizeof yaml, cs[k], "");
        printf("posterior correlation %.2f\n", -0.75 * cs[k]);
        const hs_cmp_row *r = spike_row(yaml, t);
        ck_assert_msg(r->mean_mc < 0.1 / 3 && r->var_mc < 0.1 / 3 && r->corr_mc < 0.1 / 3,
                      "Monte Carlo errors too large to test: %.3f %.3f %.3f", r->mean_mc,
                      r->var_mc, r->corr_mc);
        ck_assert_msg(r->mean_err < 0.1 && r->var_err < 0.1 && r->corr_err < 0.1,
                      "c %.3f: mean %.3f sd, variance %.3f, correlation %.3f", cs[k],
                      r->mean_err, r->var_err, r->corr_err);
        ck_assert_msg(r->mean_z < 5 && r->var_z < 5 && r->corr_z < 5,
                      "c %.3f: z mean %.2f, var %.2f, corr %.2f", cs[k], r->mean_z, r->var_z,
                      r->corr_z);
        ck_assert(r->ess_per_spike > 0);
    }
    /* power: the same hardest case with the noise budget off and the old defaults (baseline
     * encoding, 100 neurons per unit at 100 + 30 Hz, traces of 1 ms) fails the bounds by far
     * (measured: correlation error 0.86, the sign flipped; variance 130% high) */
    corr_yaml(yaml, sizeof yaml, -0.933, "  noise_budget: false\n"
                                         "  spike: {encoding: baseline, neurons_per_unit: 100, "
                                         "tau_syn: 1 ms}\n");
    const hs_cmp_row *r = spike_row(yaml, t);
    ck_assert_msg(r->corr_err > 0.3 && r->var_err > 0.1, "no budget: corr %.3f, var %.3f",
                  r->corr_err, r->var_err);
    free(t);
}
END_TEST

/* A 3-layer nonlinear network (identity / tanh / sigmoid, the observed layer clamped): no
 * closed form, so the reference is the rate realisation run four times as long (compare).
 * The spike realisation at its defaults must meet the same bounds: means within 0.1 sd,
 * variances within 10%, correlations within 0.1, with 60 s per row (Monte Carlo errors about
 * 0.03, 0.03, 0.02: the reference's own error, half the row's, is inside the margin). */
START_TEST(test_hee_spike_deep_nonlinear)
{
    static const char yaml[] =
        "hee-snn: 1\nname: deep3\nseed: 7\nduration: 60 s\nhee:\n  realisation: spike\n"
        "  layers:\n"
        "    - {name: v, size: 4, sigma: 0.5}\n"
        "    - {name: h1, size: 3, rho: tanh, bias: [0.3, -0.2, 0.1]}\n"
        "    - {name: h2, size: 2, rho: sigmoid, sigma: 1.5, bias: [0.5, -0.5]}\n"
        "  weights:\n"
        "    h1: [[1.0, 0.8, -0.3], [0.9, 1.1, 0.2], [-0.4, 0.3, 1.0], [0.6, 0.7, 0.5]]\n"
        "    h2: [[1.2, -0.8], [0.9, 0.6], [-0.5, 1.0]]\n"
        "  clamp:\n    v: [0.8, 0.5, -0.3, 0.4]\n"
        "record:\n  states: [h1, h2]\n  every: 1 ms\n";
    hs_cmp_table *t = malloc(sizeof *t);
    ck_assert_ptr_nonnull(t);
    const hs_cmp_row *r = spike_row(yaml, t);
    ck_assert_str_eq(t->reference, "rate, 4x longer run");
    ck_assert_msg(r->mean_err < 0.1 && r->var_err < 0.1 && r->corr_err < 0.1,
                  "mean %.3f sd, variance %.3f, correlation %.3f", r->mean_err, r->var_err,
                  r->corr_err);
    ck_assert_msg(r->mean_mc < 0.05 && r->var_mc < 0.05 && r->corr_mc < 0.05,
                  "Monte Carlo errors too large to test: %.3f %.3f %.3f", r->mean_mc,
                  r->var_mc, r->corr_mc);
    free(t);
}
END_TEST

/* A nonlinear posterior with an exact answer: one observed identity unit v (sigma_v, bias b_v)
 * clamped to v0 under one latent unit h (rho, sigma_h, bias b_h), weight w.  The posterior is
 *   p(h | v0) ~ exp( -h^2/(2 sigma_h^2) + b_h rho(h) + eta_v v0 - sigma_v^2 eta_v^2 / 2 ),
 *   eta_v = w rho(h) + b_v,
 * and its mean and variance come from quadrature.  The rate realisation (interneurons of v
 * estimating grad A_v) must match them within 5 batch-means standard errors. */
typedef struct post1 {
    hs_rho rho;
    double sh, bh, w, v0, sv, bv, shift;
    int power;
} post1;

static double post1_logp(const post1 *p, double h)
{
    double r = hs_rho_f(p->rho, h), eta = p->w * r + p->bv;
    return -h * h / (2 * p->sh * p->sh) + p->bh * r + eta * p->v0 -
           p->sv * p->sv * eta * eta / 2;
}

static double post1_f(double h, void *ctx)
{
    const post1 *p = ctx;
    return pow(h, p->power) * exp(post1_logp(p, h) - p->shift);
}

START_TEST(test_hee_rate_nonlinear_posterior)
{
    static const char *rhos[] = {"tanh", "sigmoid", "softplus"};
    for (int k = 0; k < 3; k++) {
        post1 p = {.sh = 1.5, .bh = 0.3, .w = 1.5, .v0 = 1.2, .sv = 0.7, .bv = -0.2};
        ck_assert_int_eq(hs_rho_parse(rhos[k], &p.rho), 0);
        p.shift = -INFINITY;
        for (double h = -20; h <= 20; h += 0.01)
            p.shift = fmax(p.shift, post1_logp(&p, h));
        gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
        gsl_function f = {post1_f, &p};
        double I[3], e;
        for (p.power = 0; p.power < 3; p.power++)
            ck_assert_int_eq(gsl_integration_qag(&f, -20, 20, 0, 1e-11, 1000,
                                                 GSL_INTEG_GAUSS61, ws, &I[p.power], &e), 0);
        gsl_integration_workspace_free(ws);
        double mean = I[1] / I[0], var = I[2] / I[0] - mean * mean;
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "hee-snn: 1\nseed: 12\nduration: 1 s\nhee:\n  tau_x: 10 ms\n"
                 "  tau_eps: 0.2 ms\n  dt: 0.01 ms\n  layers:\n"
                 "    - {name: v, size: 1, sigma: 0.7, bias: -0.2}\n"
                 "    - {name: h, size: 1, rho: %s, sigma: 1.5, bias: 0.3}\n"
                 "  weights:\n    h: [[1.5]]\n  clamp:\n    v: [1.2]\n", rhos[k]);
        collector *c = calloc(1, sizeof *c);
        ck_assert_ptr_nonnull(c);
        c->lo = 1;
        c->K = 1;
        c->burn = 100;
        c->T = 1e5;
        hs_config *cfg;
        hs_net *net = run_hee(yaml, c, &cfg);
        batch_stat sm = mean_stat(c, 0), sv = cov_stat(c, 0, 0);
        printf("nonlinear posterior, rho %-8s: mean %.4f +- %.4f (exact %.4f), var %.4f +- "
               "%.4f (exact %.4f)\n", rhos[k], sm.mean, sm.se, mean, sv.mean, sv.se, var);
        ck_assert_msg(fabs(zscore(sm, mean)) < 5 && fabs(zscore(sv, var)) < 5,
                      "rho %s: mean z %.2f, var z %.2f", rhos[k], zscore(sm, mean),
                      zscore(sv, var));
        hs_net_free(net);
        hs_config_free(cfg);
        free(c);
    }
}
END_TEST

static Suite *hee_suite(void)
{
    Suite *s = suite_create("hee");
    TCase *tc = tcase_create("exact");
    tcase_add_test(tc, test_hee_gauss_one_by_one);
    tcase_add_test(tc, test_hee_gauss_joint_ancestral);
    tcase_add_test(tc, test_hee_unit_moments);
    tcase_add_test(tc, test_hee_rho_names);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("sampling");
    tcase_set_timeout(ts, 300);
    tcase_add_test(ts, test_hee_rate_linear_two_layers);
    tcase_add_test(ts, test_hee_rate_linear_three_layers);
    tcase_add_test(ts, test_hee_rate_chains_posterior);
    tcase_add_test(ts, test_hee_interneurons_grad_a);
    tcase_add_test(ts, test_hee_rate_nonlinear_posterior);
    tcase_add_test(ts, test_hee_adaptation_momentum);
    tcase_add_test(ts, test_hee_compare_table);
    tcase_add_test(ts, test_hee_spike_correlated_posteriors);
    tcase_add_test(ts, test_hee_spike_deep_nonlinear);
    tcase_add_test(ts, test_hee_spike_projections);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    gsl_set_error_handler_off();
    setvbuf(stdout, NULL, _IOLBF, 0);
    SRunner *sr = srunner_create(hee_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
