/* check_bernoulli.c -- bernoulli layers of the HEE: exact distributions by enumeration, and the
 * rate realisation (continuous-time Glauber) against them
 *
 * Exact answers: hs_hee_enum and hs_hee_loglik against a brute-force product of the layers'
 * conditionals written here from model.md section 2 (each layer normalised by its own sum over
 * states, a gaussian layer 0 by its density); the exact Gibbs log-odds against differences of
 * that product.
 * Sampled answers: the exact reference (bottom_up: exact) on a strongly coupled three-layer
 * model, free (joint) and with a gaussian layer 0 clamped (posterior): every mean and
 * covariance, and every state of probability above 1%, within 5 batch-means standard errors
 * (tests/stats.h), the KL to the enumerated distribution falling with run length, and a power
 * check.  The HEE proper (interneurons) is measured against the same answers: its bias is
 * printed for two ratios tau_eps / tau_x, and held to the bound of its linearisation on a
 * weakly coupled model.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "app/hee_compare.h"
#include "proc/hee_rt.h"
#include "config/config.h"
#include "net/net.h"
#include "stats.h"
#include "testutil.h"

#define NB 20
#define KMAX 10

/* ---- a brute-force joint ----------------------------------------------------------------- */

/* log of sum_z exp(eta.z + z.J.z/2) over the 2^n states of a bernoulli layer, term by term. */
static double brute_logZ(const hs_hee_layer *ly, const double *eta)
{
    double acc = 0;
    for (unsigned s = 0; s < (1u << ly->n); s++) {
        double e = 0;
        for (uint32_t i = 0; i < ly->n; i++) {
            if (!((s >> i) & 1))
                continue;
            e += eta[i];
            for (uint32_t j = 0; j < ly->n; j++)
                if (j != i && ((s >> j) & 1) && ly->J)
                    e += 0.5 * ly->J[i * ly->n + j];
        }
        acc += exp(e);
    }
    return log(acc);
}

/* log p(x) as the product of the layers' conditionals, every sum written out. */
static double brute_logjoint(const hs_hee *m, const double *x)
{
    double lp = 0;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        double eta[KMAX];
        for (uint32_t i = 0; i < ly->n; i++) {
            eta[i] = ly->b[i];
            if (l + 1 < m->L)
                for (uint32_t j = 0; j < m->layer[l + 1].n; j++)
                    eta[i] += m->W[l + 1][i * m->layer[l + 1].n + j] * x[m->layer[l + 1].off + j];
        }
        const double *xl = x + ly->off;
        if (ly->family == HS_FAMILY_GAUSSIAN) {   /* N(x; sigma^2 eta, sigma^2 I) */
            double s2 = ly->sigma * ly->sigma;
            for (uint32_t i = 0; i < ly->n; i++) {
                double d = xl[i] - s2 * eta[i];
                lp += -0.5 * d * d / s2 - 0.5 * log(2 * M_PI * s2);
            }
            continue;
        }
        double e = 0;
        for (uint32_t i = 0; i < ly->n; i++) {
            e += eta[i] * xl[i];
            for (uint32_t j = 0; j < ly->n; j++)
                if (j != i && ly->J)
                    e += 0.5 * ly->J[i * ly->n + j] * xl[i] * xl[j];
        }
        lp += e - brute_logZ(ly, eta);
    }
    return lp;
}

/* A model of three layers from arrays (weights row-major, n_{l-1} x n_l). */
typedef struct model {
    hs_hee_layer ly[3];
    double *W[3];
    hs_hee m;
} model;

static void model_init(model *t, const hs_family f0, const uint32_t n[3], double *b[3],
                       double *J[3], double *W1, double *W2, double sigma0)
{
    uint32_t off = 0;
    for (int l = 0; l < 3; l++) {
        t->ly[l] = (hs_hee_layer){.n = n[l], .family = l == 0 ? f0 : HS_FAMILY_BERNOULLI,
                                  .rho = HS_RHO_IDENTITY, .sigma = l == 0 ? sigma0 : 1.0,
                                  .b = b[l], .J = J[l], .off = off};
        snprintf(t->ly[l].name, sizeof t->ly[l].name, "l%d", l);
        off += n[l];
    }
    t->W[0] = NULL;
    t->W[1] = W1;
    t->W[2] = W2;
    t->m = (hs_hee){.L = 3, .layer = t->ly, .W = t->W, .ntotal = off};
}

/* v 3, h 3 (lateral couplings), top 2 (lateral couplings); layer 0 of family f0. */
static double b0[3] = {-0.4, 0.3, 0.1}, b1[3] = {0.5, -1.0, 0.2}, b2[2] = {-0.3, 0.6};
static double J0[9] = {0, 0.8, -0.5, 0.8, 0, 0.3, -0.5, 0.3, 0};
static double J1[9] = {0, 1.2, -0.7, 1.2, 0, 0.4, -0.7, 0.4, 0};
static double J2[4] = {0, -1.5, -1.5, 0};
static double W1[9] = {2.0, -1.5, 0.5, -1.0, 1.8, 0.3, 0.7, 0.4, -2.2};
static double W2[6] = {1.5, -1.0, -0.8, 2.0, 0.5, 1.2};

START_TEST(test_bern_enum_bruteforce)
{
    const uint32_t n[3] = {3, 3, 2};
    for (int withJ0 = 0; withJ0 < 2; withJ0++) {
        model t;
        double *bs[3] = {b0, b1, b2}, *Js[3] = {withJ0 ? J0 : NULL, J1, J2};
        model_init(&t, HS_FAMILY_BERNOULLI, n, bs, Js, W1, W2, 1.0);
        ck_assert(hs_hee_enum_available(&t.m, 0) && hs_hee_enum_available(&t.m, 1));
        double p[256], x[8], scratch[8], total = 0;
        ck_assert_int_eq(hs_hee_enum(&t.m, NULL, p, NULL), 0);
        for (unsigned s = 0; s < 256; s++) {
            for (int k = 0; k < 8; k++)
                x[k] = (s >> k) & 1;
            double want = exp(brute_logjoint(&t.m, x));
            total += want;
            ck_assert_msg(fabs(p[s] - want) < 1e-12, "state %u: %.15g, brute force %.15g", s,
                          p[s], want);
            ck_assert(fabs(hs_hee_logjoint(&t.m, x, scratch) - log(want)) < 1e-12);
        }
        ck_assert(fabs(total - 1) < 1e-12);   /* the product of conditionals is normalised */
        /* the posterior given layer 0, and log p(x0) */
        const double v[3] = {1, 0, 1};
        double q[32], lz, ll;
        ck_assert_int_eq(hs_hee_enum(&t.m, v, q, &lz), 0);
        double pv = 0;
        for (unsigned s = 0; s < 32; s++) {
            memcpy(x, v, sizeof v);
            for (int k = 0; k < 5; k++)
                x[3 + k] = (s >> k) & 1;
            pv += exp(brute_logjoint(&t.m, x));
        }
        for (unsigned s = 0; s < 32; s++) {
            memcpy(x, v, sizeof v);
            for (int k = 0; k < 5; k++)
                x[3 + k] = (s >> k) & 1;
            ck_assert(fabs(q[s] - exp(brute_logjoint(&t.m, x)) / pv) < 1e-12);
        }
        ck_assert(fabs(lz - log(pv)) < 1e-12);
        ck_assert(hs_hee_loglik_available(&t.m));
        ck_assert_int_eq(hs_hee_loglik(&t.m, v, 1, &ll), 0);
        ck_assert(fabs(ll - log(pv)) < 1e-12);
    }
    /* a gaussian identity layer 0 under binary latents: a mixture of 32 gaussians */
    model t;
    double *bs[3] = {b0, b1, b2}, *Js[3] = {NULL, J1, J2};
    model_init(&t, HS_FAMILY_GAUSSIAN, n, bs, Js, W1, W2, 0.6);
    ck_assert(!hs_hee_enum_available(&t.m, 0) && hs_hee_enum_available(&t.m, 1));
    const double v[3] = {0.9, -0.4, 0.3};
    double x[8], q[32], lz, pv = 0;
    ck_assert_int_eq(hs_hee_enum(&t.m, v, q, &lz), 0);
    for (unsigned s = 0; s < 32; s++) {
        memcpy(x, v, sizeof v);
        for (int k = 0; k < 5; k++)
            x[3 + k] = (s >> k) & 1;
        pv += exp(brute_logjoint(&t.m, x));
    }
    ck_assert_msg(fabs(lz - log(pv)) < 1e-12, "log p(v) %.15g, brute force %.15g", lz, log(pv));
    t.ly[0].J = J0;   /* a gaussian layer with couplings has no closed form here */
    ck_assert(!hs_hee_enum_available(&t.m, 1));
    ck_assert_int_eq(hs_hee_enum(&t.m, v, q, &lz), -1);
}
END_TEST

/* log p(x_0) by annealed importance sampling (for sigmoid belief nets too large to sum over)
 * against the enumerated value: the 3-3-2 net above without lateral couplings on three items,
 * and a 10-8-4 net with weights N(0, 1.5^2) on five random images; each within 4 of its own
 * standard errors plus half its variance (log of an unbiased estimate of p is biased low by
 * about that), and a value 0.05 nats away rejected by the same rule (power). */
static void check_ais(const hs_hee *m, const double *X, size_t n, gsl_rng *r, const char *what)
{
    double exact, ais, se;
    ck_assert_int_eq(hs_hee_loglik(m, X, n, &exact), 0);
    ck_assert_int_eq(hs_hee_ais_loglik(m, X, n, 200, 1000, r, &ais, &se), 0);
    printf("AIS log p(v), %s net: %.4f +- %.4f, exact %.4f\n", what, ais, se, exact);
    ck_assert_msg(fabs(ais - exact) < 4 * se + 0.5 * se * se, "%s: AIS %.4f +- %.4f, exact %.4f",
                  what, ais, se, exact);
    ck_assert(fabs(ais - (exact + 0.05)) > 4 * se + 0.5 * se * se);
}

START_TEST(test_bern_ais_loglik)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    {
        const uint32_t n[3] = {3, 3, 2};
        model t;
        double *bs[3] = {b0, b1, b2}, *Js[3] = {NULL, NULL, NULL};
        model_init(&t, HS_FAMILY_BERNOULLI, n, bs, Js, W1, W2, 1.0);
        const double X[9] = {1, 0, 1, 0, 1, 1, 1, 1, 0};
        check_ais(&t.m, X, 3, r, "3-3-2");
    }
    {
        const uint32_t n[3] = {10, 8, 4};
        double bb0[10], bb1[8], bb2[4], w1[80], w2[32], X[50];
        for (int i = 0; i < 10; i++) bb0[i] = gsl_ran_gaussian(r, 0.5);
        for (int i = 0; i < 8; i++) bb1[i] = gsl_ran_gaussian(r, 0.5);
        for (int i = 0; i < 4; i++) bb2[i] = gsl_ran_gaussian(r, 0.5);
        for (int i = 0; i < 80; i++) w1[i] = gsl_ran_gaussian(r, 1.5);
        for (int i = 0; i < 32; i++) w2[i] = gsl_ran_gaussian(r, 1.5);
        for (int i = 0; i < 50; i++) X[i] = gsl_rng_uniform(r) < 0.5;
        model t;
        double *bs[3] = {bb0, bb1, bb2}, *Js[3] = {NULL, NULL, NULL};
        model_init(&t, HS_FAMILY_BERNOULLI, n, bs, Js, w1, w2, 1.0);
        check_ais(&t.m, X, 5, r, "10-8-4");
        double ais, se;
        t.ly[1].J = J1;   /* lateral couplings: not a sigmoid belief net of this estimator */
        ck_assert_int_eq(hs_hee_ais_loglik(&t.m, X, 5, 200, 10, r, &ais, &se), -1);
    }
    gsl_rng_free(r);
}
END_TEST

/* The exact Gibbs log-odds of every binary unit of layers 1 and 2, in every state, against the
 * difference of the brute-force joint with the unit on and off (minus the field from above and
 * beside, which the function leaves to the caller). */
START_TEST(test_bern_flip_logodds)
{
    const uint32_t n[3] = {3, 3, 2};
    for (int f = 0; f < 3; f++) {
        model t;
        double *bs[3] = {b0, b1, b2}, *Js[3] = {f == 1 ? J0 : NULL, J1, J2};
        model_init(&t, f == 2 ? HS_FAMILY_GAUSSIAN : HS_FAMILY_BERNOULLI, n, bs, Js, W1, W2,
                   0.6);
        double x[8], scratch[16];
        for (unsigned s = 0; s < 256; s++) {
            for (int k = 0; k < 8; k++)
                x[k] = (s >> k) & 1;
            if (f == 2) {   /* real values on the gaussian layer */
                x[0] = 0.7 * x[0] - 0.2;
                x[1] = -1.1 * x[1] + 0.4;
            }
            for (int l = 1; l < 3; l++)
                for (uint32_t k = 0; k < n[l]; k++) {
                    size_t u = t.ly[l].off + k;
                    double x1[8], x0[8];
                    memcpy(x1, x, sizeof x);
                    memcpy(x0, x, sizeof x);
                    x1[u] = 1;
                    x0[u] = 0;
                    double field = t.ly[l].b[k];
                    if (l + 1 < 3)
                        for (uint32_t j = 0; j < n[l + 1]; j++)
                            field += t.W[l + 1][k * n[l + 1] + j] * x[t.ly[l + 1].off + j];
                    for (uint32_t j = 0; j < n[l]; j++)
                        if (t.ly[l].J && j != k)
                            field += t.ly[l].J[k * n[l] + j] * x[t.ly[l].off + j];
                    double want = brute_logjoint(&t.m, x1) - brute_logjoint(&t.m, x0) - field;
                    double got = hs_hee_bern_flip_logodds(&t.m, l, k, x, scratch);
                    ck_assert_msg(fabs(got - want) < 1e-10, "family %d, state %u, layer %d "
                                  "unit %u: %.12g, brute force %.12g", f, s, l, k, got, want);
                }
        }
    }
}
END_TEST

/* ---- sampling ------------------------------------------------------------------------------ */

/* Per batch: the time the units [lo, lo + K) spend in each of their 2^K states (sampled every
 * recorded step), their sums and products. */
typedef struct hist {
    size_t lo, K;
    double burn, T;
    double *count;           /* NB x 2^K */
    double s1[NB][KMAX], s2[NB][KMAX][KMAX];
    long n[NB];
} hist;

static int collect(void *ctx, double t, const hs_hee_rt *rt)
{
    hist *c = ctx;
    if (t < c->burn)
        return 0;
    int b = (int)((t - c->burn) / (c->T / NB));
    if (b >= NB)
        return 0;
    unsigned s = 0;
    for (size_t i = 0; i < c->K; i++) {
        double y = rt->x[c->lo + i];
        ck_assert(y == 0 || y == 1);
        s |= (unsigned)y << i;
        c->s1[b][i] += y;
        for (size_t j = 0; j < c->K; j++)
            c->s2[b][i][j] += y * rt->x[c->lo + j];
    }
    c->count[(size_t)b << c->K | s] += 1;
    c->n[b]++;
    return 0;
}

static hs_hee_rt *hee_of(hs_net *net) { return hs_net_proc(net, &hs_hee_proc_ops); }

/* The network of yaml run for burn + T ms, its free binary units histogrammed; the exact
 * distribution of those units into p (2^K). */
static hist *sample(const char *yaml, double burn, double T, double *p)
{
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    hs_hee_rt *rt = hee_of(net);
    ck_assert_ptr_nonnull(rt);
    hist *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->lo = rt->clamp ? rt->m.layer[0].n : 0;
    c->K = rt->m.ntotal - c->lo;
    ck_assert_uint_le(c->K, KMAX);
    c->count = calloc((size_t)NB << c->K, sizeof *c->count);
    ck_assert_ptr_nonnull(c->count);
    ck_assert_int_eq(hs_hee_enum(&rt->m, rt->clamp, p, NULL), 0);
    c->burn = burn;
    c->T = T;
    rt->sink = collect;
    rt->sink_ctx = c;
    run_to(net, burn + T + rt->dt);
    for (int b = 0; b < NB; b++)
        ck_assert_int_gt(c->n[b], 100);
    hs_net_free(net);
    hs_config_free(cfg);
    return c;
}

static void hist_free(hist *c)
{
    free(c->count);
    free(c);
}

/* KL(sampled || exact) over the first `batches` batches. */
static double kl_of(const hist *c, int batches, const double *p)
{
    const size_t S = (size_t)1 << c->K;
    double tot = 0, kl = 0;
    for (int b = 0; b < batches; b++)
        tot += (double)c->n[b];
    for (size_t s = 0; s < S; s++) {
        double q = 0;
        for (int b = 0; b < batches; b++)
            q += c->count[(size_t)b << c->K | s];
        q /= tot;
        if (q > 0)
            kl += q * log(q / p[s]);
    }
    return kl;
}

/* Means, covariances and the probabilities of the likely states against the exact ones, as
 * z-scores of batch means; returns the largest |z|, and the largest against the exact values
 * moved by `shift` (power; the means by shift sd, the state probabilities by shift x p). */
static double zmax_of(const hist *c, const double *p, double shift, double *zshift, int print)
{
    const size_t K = c->K, S = (size_t)1 << K;
    double mean[KMAX] = {0}, cov[KMAX][KMAX] = {{0}};
    for (size_t s = 0; s < S; s++)
        for (size_t i = 0; i < K; i++)
            if ((s >> i) & 1) {
                mean[i] += p[s];
                for (size_t j = 0; j < K; j++)
                    if ((s >> j) & 1)
                        cov[i][j] += p[s];
            }
    double zmax = 0;
    *zshift = 0;
    for (size_t i = 0; i < K; i++) {
        double x[NB];
        for (int b = 0; b < NB; b++)
            x[b] = c->s1[b][i] / c->n[b];
        batch_stat sm = batch_means(x, NB);
        double sd = sqrt(mean[i] * (1 - mean[i]));
        zmax = fmax(zmax, fabs(zscore(sm, mean[i])));
        *zshift = fmax(*zshift, fabs(zscore(sm, mean[i] + shift * sd)));
        if (print)
            printf("  mean[%zu] %.4f +- %.4f exact %.4f\n", i, sm.mean, sm.se, mean[i]);
        for (size_t j = 0; j < i; j++) {
            for (int b = 0; b < NB; b++)
                x[b] = c->s2[b][i][j] / c->n[b] -
                       (c->s1[b][i] / c->n[b]) * (c->s1[b][j] / c->n[b]);
            batch_stat sc = batch_means(x, NB);
            double exact = cov[i][j] - mean[i] * mean[j];
            if (print)
                printf("  cov[%zu][%zu] %.4f +- %.4f exact %.4f\n", i, j, sc.mean, sc.se, exact);
            zmax = fmax(zmax, fabs(zscore(sc, exact)));
        }
    }
    for (size_t s = 0; s < S; s++) {
        if (p[s] < 0.01)
            continue;
        double x[NB];
        for (int b = 0; b < NB; b++)
            x[b] = c->count[(size_t)b << K | s] / c->n[b];
        batch_stat sp = batch_means(x, NB);
        zmax = fmax(zmax, fabs(zscore(sp, p[s])));
        *zshift = fmax(*zshift, fabs(zscore(sp, p[s] * (1 + shift))));
    }
    return zmax;
}

/* v 3 (bernoulli; clamped: gaussian, or bernoulli when spiking), h 3, top 2, the couplings
 * above; exact or HEE (bottom_up), rate or spike. */
static void yaml_of(char *buf, size_t n, int clamped, const char *bottom_up, double tau_eps,
                    double scale)
{
    const int spike = !strncmp(bottom_up, "spike", 5);
    char mode[96];
    snprintf(mode, sizeof mode, "%s%s", spike ? "realisation: spike" : "bottom_up: ",
             !spike ? bottom_up : !strcmp(bottom_up, "spike-exchange")
                                      ? "\n  bottom_up: exchange" : "");
    snprintf(buf, n,
             "hee-snn: 1\nname: bern\nseed: 7\nduration: 1 s\n"
             "hee:\n  tau_x: 1 ms\n  tau_eps: %g ms\n  dt: %g ms\n  %s\n"
             "  layers:\n"
             "    - {name: v, size: 3, %s, bias: [-0.4, 0.3, 0.1]}\n"
             "    - {name: h, size: 3, family: bernoulli, bias: [0.5, -1.0, 0.2]}\n"
             "    - {name: top, size: 2, family: bernoulli, bias: [-0.3, 0.6]}\n"
             "  weights:\n"
             "    h: [[%g, %g, %g], [%g, %g, %g], [%g, %g, %g]]\n"
             "    top: [[%g, %g], [%g, %g], [%g, %g]]\n"
             "  lateral:\n"
             "    h: [[0, %g, %g], [%g, 0, %g], [%g, %g, 0]]\n"
             "    top: [[0, %g], [%g, 0]]\n"
             "%s"
             "record: {every: 0.1 ms}\n",
             tau_eps, fmin(0.1, tau_eps),
             mode, clamped && !spike && strcmp(bottom_up, "exchange")
                       ? "rho: identity, sigma: 0.6" : "family: bernoulli",
             scale * W1[0], scale * W1[1], scale * W1[2], scale * W1[3], scale * W1[4],
             scale * W1[5], scale * W1[6], scale * W1[7], scale * W1[8], scale * W2[0],
             scale * W2[1], scale * W2[2], scale * W2[3], scale * W2[4], scale * W2[5],
             scale * J1[1], scale * J1[2], scale * J1[3], scale * J1[5], scale * J1[6],
             scale * J1[7], scale * J2[1], scale * J2[2],
             !clamped ? ""
             : spike || !strcmp(bottom_up, "exchange") ? "  clamp: {v: [1, 0, 1]}\n"
                                                      : "  clamp: {v: [0.9, -0.4, 0.3]}\n");
}

/* The exact reference samples the joint of 8 binary units (no clamp) and the posterior of 5
 * given a gaussian layer 0: 10,000 tau_x after a burn-in of 100; every mean, covariance and
 * likely state within 5 batch-means standard errors; a shift of 0.1 sd (0.1 p) is rejected;
 * the KL to the enumerated distribution after all 20 batches is below half of that after 5
 * (it falls like 1/T: a quarter, in expectation). */
START_TEST(test_bern_exact_reference)
{
    for (int clamped = 0; clamped < 2; clamped++) {
        char yaml[2048];
        yaml_of(yaml, sizeof yaml, clamped, "exact", 0.1, 1.0);
        double p[256];
        hist *c = sample(yaml, 100, 10000, p);
        double zs, z = zmax_of(c, p, 0.1, &zs, 1);
        double kl5 = kl_of(c, 5, p), kl20 = kl_of(c, NB, p);
        printf("bernoulli exact reference, %s: largest |z| %.2f, shifted %.2f; KL %.3g after "
               "2500 tau_x, %.3g after 10000\n", clamped ? "posterior" : "joint", z, zs, kl5,
               kl20);
        ck_assert_msg(z < 5, "largest |z| %.2f", z);
        ck_assert_msg(zs > 5, "a shift of 0.1 sd is not rejected (|z| %.2f)", zs);
        ck_assert_msg(kl20 < 0.5 * kl5, "KL %.3g after 20 batches, %.3g after 5", kl20, kl5);
        hist_free(c);
    }
}
END_TEST

/* The sampled mean of unit i over the whole run, and its exact value into *want. */
static double mean_of(const hist *c, size_t i, const double *p, double *want)
{
    double got = 0, tot = 0;
    for (int b = 0; b < NB; b++) {
        got += c->s1[b][i];
        tot += (double)c->n[b];
    }
    *want = 0;
    for (size_t s = 0; s < ((size_t)1 << c->K); s++)
        *want += ((s >> i) & 1) ? p[s] : 0;
    return got / tot;
}

/* The largest error of a sampled mean. */
static double max_mean_error(const hist *c, const double *p)
{
    double dmax = 0;
    for (size_t i = 0; i < c->K; i++) {
        double want, got = mean_of(c, i, p, &want);
        dmax = fmax(dmax, fabs(got - want));
    }
    return dmax;
}

/* The HEE proper reads the layer below through its interneurons: the log-odds of a flip are
 * linearised (W^T (x - eps) in place of the exact difference of A), which biases the
 * posterior by about |W|^2 s (1 - s) / 2 per unit.  Measured here (printed) on the strongly
 * coupled posterior for tau_eps / tau_x = 0.05 and 0.5; on the same model with every coupling
 * scaled by 0.2 the bias is a few thousandths, and every mean is held within 0.02 of the exact
 * one (the linearisation's bound there: sum_k W_k^2 / 8 < 0.03 nats of log-odds). */
START_TEST(test_bern_hee_bias)
{
    const double ratio[2] = {0.05, 0.5};
    for (int r = 0; r < 2; r++) {
        char yaml[2048];
        yaml_of(yaml, sizeof yaml, 1, "interneurons", ratio[r], 1.0);
        double p[32];
        hist *c = sample(yaml, 100, 4000, p);
        double zs, z = zmax_of(c, p, 0, &zs, 0), dmax = max_mean_error(c, p);
        printf("HEE bernoulli posterior, tau_eps/tau_x %.2f: KL to exact %.3g, largest mean "
               "error %.3f (largest |z| %.1f)\n", ratio[r], kl_of(c, NB, p), dmax, z);
        hist_free(c);
    }
    char yaml[2048];
    yaml_of(yaml, sizeof yaml, 1, "interneurons", 0.05, 0.2);
    double p[32];
    hist *c = sample(yaml, 100, 4000, p);
    for (size_t i = 0; i < c->K; i++) {
        double want, got = mean_of(c, i, p, &want);
        printf("  weak couplings: mean[%zu] %.4f exact %.4f\n", i, got, want);
        ck_assert_msg(fabs(got - want) < 0.02, "unit %zu: mean %.4f, exact %.4f", i, got, want);
    }
    hist_free(c);
}
END_TEST

/* The spike realisation wires the rate realisation's log-odds as synapses: at 40 times in a
 * run, the membrane u of every neural-sampling neuron equals, to 1e-9, the log-odds computed
 * here from the states z of the others (units: b + W_{l+1} z_{l+1} + J z_l +
 * W_l^T (z_{l-1} - z_eps(l-1)), a clamped layer 0 at its clamp; interneurons: b +
 * W_{l+1} z_{l+1} + J z_eps(l); exchange pools likewise), also after every parameter and the
 * clamp have been changed four times and put into the synapses (rt->sync, as learning and new
 * data items do). */
START_TEST(test_bern_spike_wiring)
{
    for (int run = 0; run < 4; run++) {
        const int clamped = run & 1, exchange = run >> 1;
        char yaml[2048];
        yaml_of(yaml, sizeof yaml, clamped, exchange ? "spike-exchange" : "spike", 0.1, 1.0);
        hs_config *cfg;
        hs_net *net = net_from_string(yaml, &cfg);
        hs_hee_rt *rt = hee_of(net);
        const hs_hee *m = &rt->m;
        ck_assert(rt->binary);
        const hs_pop *pop[8];
        const char *names[8] = {"v", "v_eps", "h", "h_eps", "top", "top_eps", "h_pool",
                                "top_pool"};
        for (int k = 0; k < (exchange ? 8 : 6); k++) {
            int p = hs_net_pop_find(net, names[k]);
            ck_assert_int_ge(p, 0);
            pop[k] = &net->pops[p];
            ck_assert_str_eq(pop[k]->model->schema.name, "neural_sampling");
        }
        double maxerr = 0;
        long on = 0;
        for (int s = 1; s <= 40; s++) {
            const double t = 2.5 * s + 0.0123;
            run_to(net, t);
            if (s % 10 == 5) {   /* learning and a new item: parameters change, then sync */
                hs_hee *mm = &hee_of(net)->m;
                for (int l = 0; l < 3; l++) {
                    const hs_hee_layer *ly = &mm->layer[l];
                    for (uint32_t i = 0; i < ly->n; i++) {
                        ly->b[i] += 0.01 * s * (i % 2 ? 1 : -1);
                        for (uint32_t j = 0; ly->J && j < ly->n; j++)
                            if (j != i)
                                ly->J[i * ly->n + j] += 0.003 * s;
                        for (uint32_t j = 0; l > 0 && j < mm->layer[l - 1].n; j++)
                            mm->W[l][j * ly->n + i] -= 0.002 * s * (double)(j + 1);
                    }
                }
                if (rt->clamp)
                    rt->clamp[s % 3] = 1 - rt->clamp[s % 3];
                ck_assert_int_eq(rt->sync(rt->sync_ctx, t, 1), 0);
            }
            double z[2][8], zp[3][9] = {{0}};   /* units, interneurons; pools of layer l */
            for (int l = 1; exchange && l < 3; l++)
                for (uint32_t q = 0; q < m->layer[l].n * m->layer[l - 1].n; q++)
                    zp[l][q] = pop[5 + l]->model->zstate(pop[5 + l], q);
            for (int l = 0; l < 3; l++)
                for (uint32_t i = 0; i < m->layer[l].n; i++) {
                    size_t u = m->layer[l].off + i;
                    z[0][u] = l == 0 && rt->clamp ? rt->clamp[i]
                                                  : pop[2 * l]->model->zstate(pop[2 * l], i);
                    z[1][u] = pop[2 * l + 1]->model->zstate(pop[2 * l + 1], i);
                    on += (long)z[0][u] + (long)z[1][u];
                }
            for (int l = 0; l < 3; l++) {
                const hs_hee_layer *ly = &m->layer[l];
                for (uint32_t i = 0; i < ly->n; i++)
                    for (int e = 0; e < 2; e++) {
                        if (l == 0 && rt->clamp && !e)
                            continue;   /* never fires */
                        double want = ly->b[i];
                        if (l + 1 < 3)
                            for (uint32_t j = 0; j < m->layer[l + 1].n; j++)
                                want += m->W[l + 1][i * m->layer[l + 1].n + j] *
                                        z[0][m->layer[l + 1].off + j];
                        if (ly->J)
                            for (uint32_t j = 0; j < ly->n; j++)
                                want += ly->J[i * ly->n + j] * z[e][ly->off + j];
                        if (l > 0 && !e)   /* (exchange: unit i's own pool in place of eps) */
                            for (uint32_t k = 0; k < m->layer[l - 1].n; k++) {
                                size_t q = m->layer[l - 1].off + k;
                                double zi = exchange ? zp[l][i * m->layer[l - 1].n + k] : z[1][q];
                                want += m->W[l][k * ly->n + i] * (z[0][q] - zi);
                            }
                        const hs_pop *p = pop[2 * l + e];
                        double got = p->model->state(p, i, 0, t);
                        maxerr = fmax(maxerr, fabs(got - want));
                        ck_assert_msg(fabs(got - want) < 1e-9, "t %g, %s[%u]: u %.12g, want "
                                      "%.12g", t, p->name, i, got, want);
                    }
            }
            /* pool neuron (k, i) of layer l: eta_{l-1, i} with unit k of layer l on */
            for (int l = 1; exchange && l < 3; l++) {
                const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
                for (uint32_t k = 0; k < ly->n; k++)
                    for (uint32_t i = 0; i < lo->n; i++) {
                        double want = lo->b[i];
                        for (uint32_t j = 0; j < ly->n; j++)
                            want += m->W[l][i * ly->n + j] * (j == k ? 1.0 : z[0][ly->off + j]);
                        for (uint32_t q = 0; lo->J && q < lo->n; q++)
                            want += lo->J[i * lo->n + q] * zp[l][k * lo->n + q];
                        const hs_pop *p = pop[5 + l];
                        double got = p->model->state(p, k * lo->n + i, 0, t);
                        maxerr = fmax(maxerr, fabs(got - want));
                        ck_assert_msg(fabs(got - want) < 1e-9, "t %g, %s[%u, %u]: u %.12g, "
                                      "want %.12g", t, p->name, k, i, got, want);
                    }
            }
        }
        printf("bernoulli spike wiring (%s%s): largest |u - log-odds| %.2g, %ld units on in 40 "
               "samples\n", clamped ? "clamped" : "free", exchange ? ", exchange" : "", maxerr,
               on);
        ck_assert_int_gt(on, 40);   /* the states were not all 0 */
        hs_net_free(net);
        hs_config_free(cfg);
    }
}
END_TEST

/* bottom_up: exchange gives every unit a pool of interneurons that samples the layer below at
 * the unit's flipped state (rate) or with the unit on (spike): each tick is then an
 * exchange-algorithm update, and each neural-sampling neuron's hazard averages to exp of the
 * exact log-odds, exact as tau_eps / tau_x -> 0.  On the strongly coupled posterior (given a
 * bernoulli layer 0), in both realisations, the KL to the exact distribution is printed for
 * tau_eps / tau_x = 0.2, 0.05, 0.01, and at 0.01 every mean, covariance and likely state is
 * within 5 batch-means standard errors of the exact ones, where a shift of 0.1 sd is not.
 * The plain HEE's spike realisation on the same posterior is measured beside them (printed:
 * its neurons' hazard exp(u) turns the interneurons' fluctuations into a bias, Jensen). */
START_TEST(test_bern_exchange)
{
    {
        char yaml[2048];
        yaml_of(yaml, sizeof yaml, 1, "spike", 0.05, 1.0);
        double p[32];
        hist *c = sample(yaml, 100, 4000, p);
        double dmax = max_mean_error(c, p);
        printf("plain HEE, spike, tau_eps/tau_x 0.05: KL to exact %.3g, largest mean error "
               "%.3f\n", kl_of(c, NB, p), dmax);
        hist_free(c);
    }
    const double ratio[3] = {0.2, 0.05, 0.01};
    for (int r = 0; r < 6; r++) {
        char yaml[2048];
        const int spike = r >= 3;
        yaml_of(yaml, sizeof yaml, 1, spike ? "spike-exchange" : "exchange", ratio[r % 3], 1.0);
        double p[32];
        hist *c = sample(yaml, 100, 4000, p);
        double zs, z = zmax_of(c, p, 0.1, &zs, 0), dmax = max_mean_error(c, p);
        printf("exchange pools, %s, tau_eps/tau_x %.2f: KL to exact %.3g, largest mean error "
               "%.3f, largest |z| %.1f (shifted %.1f)\n", spike ? "spike" : "rate", ratio[r % 3],
               kl_of(c, NB, p), dmax, z, zs);
        if (r % 3 == 2) {
            ck_assert_msg(z < 5, "largest |z| %.2f", z);
            ck_assert_msg(zs > 5, "a shift of 0.1 sd is not rejected (|z| %.2f)", zs);
        }
        hist_free(c);
    }
}
END_TEST

/* hee-snn compare on a binary model (the strongly coupled posterior, tau_eps/tau_x 0.02, 4,000
 * tau_x per sampler): the exact samplers -- Gibbs, the exchange pools in both realisations,
 * DLP with its Metropolis-Hastings correction -- agree with the enumerated distribution
 * within 5 of their own Monte Carlo errors in every mean and correlation, with a KL below 0.01;
 * the plain HEE rows and uncorrected DLP are measured (printed).  Perturb-and-MAP is biased
 * there (correlation error above 5 Monte Carlo errors) and exact when every coupling is 0. */
START_TEST(test_bern_compare)
{
    char yaml[2048];
    yaml_of(yaml, sizeof yaml, 1, "spike-exchange", 0.02, 1.0);
    /* the rate realisation as the file's: compare runs every row itself */
    char *sp = strstr(yaml, "realisation: spike\n  ");
    ck_assert_ptr_nonnull(sp);
    memmove(sp, sp + strlen("realisation: spike\n  "), strlen(sp) - strlen("realisation: spike\n  ") + 1);
    char *dur = strstr(yaml, "duration: 1 s");
    ck_assert_ptr_nonnull(dur);
    memcpy(dur, "duration: 4 s", strlen("duration: 4 s"));
    hs_config *cfg;
    hs_error err = {0};
    ck_assert_int_eq(hs_config_load_string(yaml, strlen(yaml), "cmp.yaml", NULL, &cfg, &err),
                     HS_OK);
    hs_cmp_opts o = {.nsweep = 0};
    hs_cmp_table *t = malloc(sizeof *t);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(hs_hee_compare(cfg, &o, t, &err), HS_OK);
    hs_hee_compare_text(t, stdout);
    static const char *const exact[] = {"gibbs", "glauber-exch", "spike-exch", "dlp-mh"};
    int seen = 0;
    for (int k = 0; k < t->nrows; k++)
        for (int e = 0; e < 4; e++)
            if (!strcmp(t->rows[k].name, exact[e])) {
                const hs_cmp_row *r = &t->rows[k];
                seen++;
                ck_assert_msg(r->mean_z < 5 && r->corr_z < 5 && r->kl < 0.01,
                              "%s: mean z %.2f, corr z %.2f, KL %.3g", r->name, r->mean_z,
                              r->corr_z, r->kl);
                ck_assert_uint_gt(r->nsamples, 30000);
            }
    ck_assert_int_eq(seen, 4);
    ck_assert_int_eq(t->nrows, 9);   /* exact, gibbs, glauber(-exch), spike(-exch), dlp(-mh), pmap */
    const hs_cmp_row *pm = &t->rows[8];
    ck_assert_str_eq(pm->name, "pmap");
    /* perturb-and-MAP draws independent samples (tau_int 1) from a distribution that is not the
     * posterior where units interact: its correlation error is many Monte Carlo errors */
    ck_assert_msg(pm->corr_z > 5 && pm->tau_int < 1.5, "pmap: corr z %.2f, tau %.2f",
                  pm->corr_z, pm->tau_int);
    hs_config_free(cfg);
    /* with every coupling 0 the posterior factorises, and perturb-and-MAP is exact */
    yaml_of(yaml, sizeof yaml, 1, "exchange", 0.02, 0.0);
    dur = strstr(yaml, "duration: 1 s");
    memcpy(dur, "duration: 4 s", strlen("duration: 4 s"));
    ck_assert_int_eq(hs_config_load_string(yaml, strlen(yaml), "cmp0.yaml", NULL, &cfg, &err),
                     HS_OK);
    ck_assert_int_eq(hs_hee_compare(cfg, &o, t, &err), HS_OK);
    pm = &t->rows[t->nrows - 1];
    ck_assert_str_eq(pm->name, "pmap");
    printf("pmap, independent units: mean err %.3f +- %.3f sd, KL %.2g\n", pm->mean_err,
           pm->mean_mc, pm->kl);
    ck_assert_msg(pm->mean_z < 5 && pm->kl < 0.001, "pmap, independent units: mean z %.2f, "
                  "KL %.3g", pm->mean_z, pm->kl);
    free(t);
    hs_config_free(cfg);
}
END_TEST

static Suite *bern_suite(void)
{
    Suite *s = suite_create("bernoulli");
    TCase *tc = tcase_create("exact");
    tcase_set_timeout(tc, 120);   /* (AIS: about 6 s alone, more on a loaded machine) */
    tcase_add_test(tc, test_bern_enum_bruteforce);
    tcase_add_test(tc, test_bern_flip_logodds);
    tcase_add_test(tc, test_bern_ais_loglik);
    tcase_add_test(tc, test_bern_spike_wiring);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("sampling");
    tcase_set_timeout(ts, 300);
    tcase_add_test(ts, test_bern_exact_reference);
    tcase_add_test(ts, test_bern_hee_bias);
    tcase_add_test(ts, test_bern_exchange);
    tcase_add_test(ts, test_bern_compare);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    gsl_set_error_handler_off();
    setvbuf(stdout, NULL, _IOLBF, 0);
    SRunner *sr = srunner_create(bern_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
