/* check_rbm.c -- the RBM baseline: exact partition function, Gibbs sampling, CD-k/PCD training */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "rbm/rbm.h"
#include "data/image.h"
#include "util/rng.h"

/* A model with W, a and b all drawn from N(0, sd^2). */
static hs_rbm *random_rbm(size_t nv, size_t nh, double sd, uint64_t seed)
{
    hs_rbm *m;
    hs_error err;
    ck_assert_int_eq(hs_rbm_alloc(nv, nh, &m, &err), HS_OK);
    gsl_rng *r = hs_rng_stream(seed, "test", "rbm");
    ck_assert_int_eq(hs_rbm_init(m, r, sd, &err), HS_OK);
    for (size_t i = 0; i < nv; i++)
        m->a[i] = gsl_ran_gaussian(r, sd);
    for (size_t j = 0; j < nh; j++)
        m->b[j] = gsl_ran_gaussian(r, sd);
    gsl_rng_free(r);
    return m;
}

/* v[i] = bit i of state s */
static void state_bits(size_t s, size_t n, double *v)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (double)(s >> i & 1);
}

static size_t state_index(const double *v, size_t n)
{
    size_t s = 0;
    for (size_t i = 0; i < n; i++)
        s |= (size_t)(v[i] > 0.5) << i;
    return s;
}

static double log_sum_exp(const double *x, size_t n)
{
    double mx = -INFINITY, s = 0;
    for (size_t t = 0; t < n; t++)
        mx = fmax(mx, x[t]);
    for (size_t t = 0; t < n; t++)
        s += exp(x[t] - mx);
    return mx + log(s);
}

/* -E(v, h) for every joint state, v in the low bits (nv + nh <= 16) */
static double *joint_log_weights(const hs_rbm *m)
{
    size_t nv = m->nv, nh = m->nh, ns = (size_t)1 << (nv + nh);
    double *w = malloc(ns * sizeof *w), v[8], h[8];
    ck_assert_ptr_nonnull(w);
    for (size_t s = 0; s < ns; s++) {
        state_bits(s, nv, v);
        state_bits(s >> nv, nh, h);
        double e = 0;
        for (size_t i = 0; i < nv; i++)
            e += m->a[i] * v[i];
        for (size_t j = 0; j < nh; j++) {
            e += m->b[j] * h[j];
            for (size_t i = 0; i < nv; i++)
                e += v[i] * m->W[i * nh + j] * h[j];
        }
        w[s] = e;
    }
    return w;
}

/* exact p(v) for all 2^nv visible states */
static double *exact_pv(const hs_rbm *m)
{
    size_t ns = (size_t)1 << m->nv;
    double *p = malloc(ns * sizeof *p), v[32], logz = hs_rbm_log_partition(m);
    ck_assert_ptr_nonnull(p);
    for (size_t s = 0; s < ns; s++) {
        state_bits(s, m->nv, v);
        p[s] = exp(-hs_rbm_free_energy(m, v) - logz);
    }
    return p;
}

/* All 2 (2^L) - 2 distinct bars-and-stripes images of L x L pixels: every subset of rows on,
 * then every subset of columns other than none and all (those repeat two row patterns). */
static hs_dataset *bars_stripes(uint32_t L)
{
    size_t n = 0, nrow = (size_t)1 << L;
    hs_dataset *d;
    hs_error err;
    ck_assert_int_eq(hs_dataset_alloc(2 * nrow - 2, L * L, 0, &d, &err), HS_OK);
    d->rows = d->cols = L;
    for (int stripes = 0; stripes < 2; stripes++)
        for (size_t s = stripes; s < nrow - (size_t)stripes; s++, n++)
            for (uint32_t r = 0; r < L; r++)
                for (uint32_t c = 0; c < L; c++)
                    d->x[n * L * L + r * L + c] = (double)(s >> (stripes ? c : r) & 1);
    ck_assert_uint_eq(n, d->n);
    return d;
}

/* exact probability mass of the n items of d under m */
static double exact_mass(const hs_rbm *m, const hs_dataset *d)
{
    double logz = hs_rbm_log_partition(m), mass = 0;
    for (size_t s = 0; s < d->n; s++)
        mass += exp(-hs_rbm_free_energy(m, d->x + s * d->dim) - logz);
    return mass;
}

/* rc is want and the message holds text */
#define ck_assert_error(rc, err, want, text)                                                \
    do {                                                                                    \
        ck_assert_int_eq((rc), (want));                                                     \
        ck_assert_int_eq((err).code, (want));                                               \
        ck_assert_msg(strstr((err).msg, (text)), "message '%s' lacks '%s'", (err).msg,      \
                      (text));                                                              \
    } while (0)

/* ---- exact quantities ------------------------------------------------------------------ */

/* Enumerating the smaller layer equals the sum over all 2^7 joint states, whichever layer is
 * enumerated.  Both sides add at most 128 terms in double precision (relative rounding about
 * 128 x 2^-53 = 1.4e-14 in Z, so in log Z); 1e-10 leaves room for that, and every term is
 * asserted to weigh more than 1e-8 of Z, so a term left out or wrongly weighted is caught. */
START_TEST(test_rbm_log_partition_enumeration)
{
    const size_t shape[2][2] = {{4, 3}, {3, 4}};   /* enumerates h, then v */
    for (int t = 0; t < 2; t++) {
        hs_rbm *m = random_rbm(shape[t][0], shape[t][1], 1.0, 11 + (uint64_t)t);
        double *w = joint_log_weights(m), brute = log_sum_exp(w, 128);
        for (size_t s = 0; s < 128; s++)
            ck_assert_double_gt(exp(w[s] - brute), 1e-8);
        ck_assert_double_eq_tol(hs_rbm_log_partition(m), brute, 1e-10);

        /* the transposed model (layers swapped) has the same Z, enumerated the other way */
        hs_rbm *tr;
        hs_error err;
        ck_assert_int_eq(hs_rbm_alloc(m->nh, m->nv, &tr, &err), HS_OK);
        for (size_t i = 0; i < m->nv; i++)
            for (size_t j = 0; j < m->nh; j++)
                tr->W[j * m->nv + i] = m->W[i * m->nh + j];
        memcpy(tr->a, m->b, m->nh * sizeof *tr->a);
        memcpy(tr->b, m->a, m->nv * sizeof *tr->b);
        ck_assert_double_eq_tol(hs_rbm_log_partition(tr), brute, 1e-10);
        free(w);
        hs_rbm_free(tr);
        hs_rbm_free(m);
    }
}
END_TEST

/* AIS against enumeration, on RBMs of 20 visible and 12 hidden units (4096 hidden states to
 * enumerate) with couplings of sd 0.3 and 1.0 (the second strongly multimodal): the estimate is
 * within 4 of its own standard errors (delta method over 200 runs) plus half its variance (the
 * log of an unbiased estimate of Z is biased low by about that much) of the exact log Z, with
 * that error below 0.05 nats for the weak model; the same rule rejects a log Z 0.05 nats away
 * (power; measured errors 0.0008 and 0.0001 nats, standard errors 0.0016 and 0.0072). */
START_TEST(test_rbm_ais)
{
    const double sd[2] = {0.3, 1.0};
    for (int k = 0; k < 2; k++) {
        hs_rbm *m = random_rbm(20, 12, sd[k], 41 + (uint64_t)k);
        double exact = hs_rbm_log_partition(m), lz, se;
        hs_error err;
        ck_assert_int_eq(hs_rbm_ais(m, 200, 3000, 7, &lz, &se, &err), HS_OK);
        printf("AIS, couplings sd %.1f: log Z %.4f +- %.4f, exact %.4f (error %.4f)\n", sd[k],
               lz, se, exact, lz - exact);
        ck_assert_msg(fabs(lz - exact) < 4 * se + 0.5 * se * se + 1e-9,
                      "sd %.1f: AIS %.4f +- %.4f, exact %.4f", sd[k], lz, se, exact);
        if (k == 0)
            ck_assert_double_lt(se, 0.05);
        /* power: the same rule rejects a truth 0.05 nats away */
        ck_assert(fabs(lz - (exact + 0.05)) > 4 * se + 0.5 * se * se);
        hs_rbm_free(m);
    }
    hs_rbm *m = random_rbm(3, 2, 1.0, 1);
    double lz, se;
    hs_error err;
    ck_assert_int_eq(hs_rbm_ais(m, 1, 10, 7, &lz, &se, &err), HS_ECONFIG);
    hs_rbm_free(m);
}
END_TEST

/* log p(v) of a DBN by brute force: the sum over every state of its latent layers h_1 ..
 * h_{L-1} (at most 16 units in all) of prod_l p(h_{l-1} | h_l) exp(-F_top(h_{L-1})) / Z_top. */
static double dbn_exact(hs_rbm *const *g, int L, const double *v)
{
    size_t nlat = 0;
    for (int l = 1; l < L; l++)
        nlat += g[l - 1]->nh;
    ck_assert(nlat <= 16);
    double h[16], acc = -INFINITY;
    for (uint32_t st = 0; st < (1u << nlat); st++) {
        for (size_t k = 0; k < nlat; k++)
            h[k] = (double)((st >> k) & 1);
        double lp = -hs_rbm_free_energy(g[L - 1], h + nlat - g[L - 1]->nv);
        const double *below = v;
        size_t off = 0;
        for (int l = 0; l < L - 1; l++) {   /* log p(h_l | h_{l+1}) */
            const double *above = h + off;
            for (size_t i = 0; i < g[l]->nv; i++) {
                double a = g[l]->a[i];
                for (size_t j = 0; j < g[l]->nh; j++)
                    a += g[l]->W[i * g[l]->nh + j] * above[j];
                lp += below[i] * a - (a > 0 ? a + log1p(exp(-a)) : log1p(exp(a)));
            }
            below = above;
            off += g[l]->nh;
        }
        acc = acc > lp ? acc + log1p(exp(lp - acc)) : lp + log1p(exp(acc - lp));
    }
    return acc - hs_rbm_log_partition(g[L - 1]);
}

/* log p(v) of deep belief nets by AIS over the latent layers (hs_dbn_ais_loglik) against brute
 * force: a 2-RBM DBN 12-8-6 and a 3-RBM DBN 10-6-5-4 with couplings of sd 1.5 (posteriors far
 * from the factorial start), over 4 items, recognition = generative RBMs and (the estimator is
 * unbiased whatever q is) a recognition net of unrelated random weights.  Held within 4 standard
 * errors + half the variance (the log of an unbiased estimate is biased low by about that);
 * the same rule rejects a value 0.05 nats away (power). */
START_TEST(test_dbn_ais)
{
    static const size_t sizes[2][4] = {{12, 8, 6, 0}, {10, 6, 5, 4}};
    gsl_rng *r = hs_rng_stream(3, "test", "dbn-ais");
    for (int t = 0; t < 2; t++) {
        const int L = t ? 3 : 2;
        hs_rbm *g[3], *q[3];
        for (int l = 0; l < L; l++) {
            g[l] = random_rbm(sizes[t][l], sizes[t][l + 1], 1.5, 60 + (uint64_t)(10 * t + l));
            q[l] = random_rbm(sizes[t][l], sizes[t][l + 1], 1.0, 80 + (uint64_t)(10 * t + l));
        }
        double V[4 * 12], exact = 0;
        for (size_t k = 0; k < 4 * sizes[t][0]; k++)
            V[k] = gsl_rng_uniform(r) < 0.4 ? 1.0 : 0.0;
        for (int it = 0; it < 4; it++)
            exact += dbn_exact(g, L, V + (size_t)it * sizes[t][0]) / 4;
        const double logz = hs_rbm_log_partition(g[L - 1]);
        for (int rq = 0; rq < 2; rq++) {
            double ll, se;
            hs_error err;
            ck_assert_int_eq(hs_dbn_ais_loglik((const hs_rbm *const *)g,
                                               (const hs_rbm *const *)(rq ? q : g), L, V, 4, 200,
                                               1000, r, &ll, &se, &err),
                             HS_OK);
            ll -= logz;
            printf("DBN AIS, %d RBMs, %s recognition: log p(v) %.4f +- %.4f, exact %.4f\n", L,
                   rq ? "random" : "own", ll, se, exact);
            ck_assert_msg(fabs(ll - exact) < 4 * se + 0.5 * se * se,
                          "%d RBMs: AIS %.4f +- %.4f, exact %.4f", L, ll, se, exact);
            ck_assert(fabs(ll - (exact + 0.05)) > 4 * se + 0.5 * se * se);
        }
        double ll, se;
        hs_error err;
        ck_assert_int_eq(hs_dbn_ais_loglik((const hs_rbm *const *)g, (const hs_rbm *const *)g,
                                           L, V, 4, 1, 10, r, &ll, &se, &err),
                         HS_ECONFIG);
        ck_assert_int_eq(hs_dbn_ais_loglik((const hs_rbm *const *)g, (const hs_rbm *const *)g,
                                           1, V, 4, 10, 10, r, &ll, &se, &err),
                         HS_ECONFIG);
        for (int l = 0; l < L; l++) {
            hs_rbm_free(g[l]);
            hs_rbm_free(q[l]);
        }
    }
    gsl_rng_free(r);
}
END_TEST

/* Beyond ENUM_REFRESH (4096) states the Gray-code walk updates the inputs incrementally between
 * exact recomputations.  Reference: the direct sum of exp(-F(v)) over 2^14 visible states.
 * Each input then carries at most 4096 rounding errors of |W| <= 2 (2e-16 x 2 each, < 2e-12),
 * and log Z moves by at most the sum of those over the 14 inputs (< 3e-11); 1e-9 is safe. */
START_TEST(test_rbm_log_partition_gray_code)
{
    hs_rbm *m = random_rbm(14, 13, 0.3, 12);
    size_t ns = (size_t)1 << 14;
    double *lw = malloc(ns * sizeof *lw), v[14];
    ck_assert_ptr_nonnull(lw);
    for (size_t s = 0; s < ns; s++) {
        state_bits(s, 14, v);
        lw[s] = -hs_rbm_free_energy(m, v);
    }
    ck_assert_double_eq_tol(hs_rbm_log_partition(m), log_sum_exp(lw, ns), 1e-9);
    free(lw);
    hs_rbm_free(m);

    /* refused beyond 24 units in both layers */
    ck_assert_int_eq(hs_rbm_alloc(25, 25, &m, NULL), HS_OK);
    ck_assert(isnan(hs_rbm_log_partition(m)));
    ck_assert(isnan(hs_rbm_loglik(m, m->a, 1)));
    hs_rbm_free(m);
}
END_TEST

/* One visible, one hidden unit: Z = 1 + e^a + e^b + e^(a+b+w).  With a = -800, b = -900,
 * w = 2000 the terms are e^0, e^-800, e^-900, e^300, so log Z = 300, log p(v=0) =
 * log(1 + e^-900) - log Z = -300 and log p(v=1) = a + log(1 + e^(b+w)) - log Z = 0 to double
 * precision, while exp(b + w) = exp(1100) overflows in a naive form.  Tolerance: the relative
 * rounding of numbers of size 1100 is 2.4e-13, far below 1e-9. */
START_TEST(test_rbm_loglik_stable)
{
    hs_rbm *m;
    ck_assert_int_eq(hs_rbm_alloc(1, 1, &m, NULL), HS_OK);
    m->a[0] = -800;
    m->b[0] = -900;
    m->W[0] = 2000;
    double v0 = 0, v1 = 1;
    ck_assert_double_eq_tol(hs_rbm_log_partition(m), 300, 1e-9);
    ck_assert_double_eq_tol(hs_rbm_loglik(m, &v0, 1), -300, 1e-9);
    ck_assert_double_eq_tol(hs_rbm_loglik(m, &v1, 1), 0, 1e-9);
    ck_assert_double_eq_tol(hs_rbm_free_energy(m, &v1), -300, 1e-9);   /* -a - (b + w) */
    ck_assert(isnan(hs_rbm_loglik(m, &v0, 0)));
    hs_rbm_free(m);
}
END_TEST

/* The conditionals equal the logistic formulas written as loops (1e-12: a dot product of at
 * most 7 terms of size < 5 rounds to < 1e-14). */
START_TEST(test_rbm_conditionals)
{
    hs_rbm *m = random_rbm(7, 5, 1.0, 13);
    double v[3 * 7], h[3 * 5], ph[3 * 5], pv[3 * 7];
    gsl_rng *r = hs_rng_stream(13, "test", "states");
    for (size_t t = 0; t < 3 * 7; t++)
        v[t] = gsl_rng_uniform(r);
    for (size_t t = 0; t < 3 * 5; t++)
        h[t] = gsl_rng_uniform(r) < 0.5;
    hs_rbm_hidden_probs(m, v, 3, ph);
    hs_rbm_visible_probs(m, h, 3, pv);
    for (size_t s = 0; s < 3; s++) {
        for (size_t j = 0; j < 5; j++) {
            double x = m->b[j];
            for (size_t i = 0; i < 7; i++)
                x += v[s * 7 + i] * m->W[i * 5 + j];
            ck_assert_double_eq_tol(ph[s * 5 + j], 1 / (1 + exp(-x)), 1e-12);
        }
        for (size_t i = 0; i < 7; i++) {
            double x = m->a[i];
            for (size_t j = 0; j < 5; j++)
                x += h[s * 5 + j] * m->W[i * 5 + j];
            ck_assert_double_eq_tol(pv[s * 7 + i], 1 / (1 + exp(-x)), 1e-12);
        }
    }
    hs_rbm_hidden_probs(m, v, 0, NULL);   /* nothing to do, and no GSL error */
    gsl_rng_free(r);
    hs_rbm_free(m);
}
END_TEST

/* ---- Gibbs sampling -------------------------------------------------------------------- */

/* The distribution of the visible state after t Gibbs steps from the uniform start, exactly:
 * p_t = p_0 T^t with T(v, v') = sum_h p(h | v) p(v' | h), for nv, nh <= 8. */
static double *gibbs_marginal(const hs_rbm *m, size_t steps)
{
    size_t NV = (size_t)1 << m->nv, NH = (size_t)1 << m->nh;
    double *T = calloc(NV * NV, sizeof *T), *p = malloc(NV * sizeof *p);
    double *q = malloc(NV * sizeof *q), v[8], h[8], ph[8], pv[8];
    ck_assert(T && p && q);
    for (size_t s = 0; s < NV; s++) {
        state_bits(s, m->nv, v);
        hs_rbm_hidden_probs(m, v, 1, ph);
        for (size_t u = 0; u < NH; u++) {
            state_bits(u, m->nh, h);
            double w = 1;
            for (size_t j = 0; j < m->nh; j++)
                w *= h[j] ? ph[j] : 1 - ph[j];
            hs_rbm_visible_probs(m, h, 1, pv);
            for (size_t s2 = 0; s2 < NV; s2++) {
                double x = w;
                for (size_t i = 0; i < m->nv; i++)
                    x *= (s2 >> i & 1) ? pv[i] : 1 - pv[i];
                T[s * NV + s2] += x;
            }
        }
    }
    for (size_t s = 0; s < NV; s++)
        p[s] = 1.0 / (double)NV;
    for (size_t t = 0; t < steps; t++) {
        for (size_t s2 = 0; s2 < NV; s2++) {
            q[s2] = 0;
            for (size_t s = 0; s < NV; s++)
                q[s2] += p[s] * T[s * NV + s2];
        }
        memcpy(p, q, NV * sizeof *p);
    }
    free(T);
    free(q);
    return p;
}

/* G = 2 sum_s n_s log(n_s / (N p_s)) = 2 N KL(empirical || p) */
static double g_statistic(const size_t *count, const double *p, size_t ns, size_t N)
{
    double g = 0;
    for (size_t s = 0; s < ns; s++)
        if (count[s])
            g += 2 * (double)count[s] * log((double)count[s] / ((double)N * p[s]));
    return g;
}

/* N = 60000 independent chains (one per sample) of a random 5 x 4 RBM, 40 steps each.  The
 * exact law of a chain after 40 steps from the uniform start is within 1e-6 (total variation)
 * of p(v), asserted below, far under the sampling error of ~ 1/sqrt(N) = 4e-3, so the counts are
 * multinomial(N, p) to that precision.  Then G = 2 N KL(empirical || p) is asymptotically
 * chi-square with 31 degrees of freedom (every expected count N p_s is asserted >= 5 so the
 * approximation holds); the test fails when G exceeds the 1 - 1e-6 quantile (83.6),
 * i.e. KL > 84 / (2 N) = 7e-4.  To show it can fail, the same counts against the law of a
 * model with one visible bias shifted by 0.2 must exceed it. */
START_TEST(test_rbm_gibbs_distribution)
{
    enum { NV = 5, NH = 4, NS = 1 << NV, N = 60000, BURNIN = 39 };
    hs_rbm *m = random_rbm(NV, NH, 1.0, 15);
    double *p = exact_pv(m), *pt = gibbs_marginal(m, BURNIN + 1), tv = 0;
    for (size_t s = 0; s < NS; s++) {
        tv += fabs(pt[s] - p[s]) / 2;
        ck_assert_double_ge(N * p[s], 5);
    }
    ck_assert_double_lt(tv, 1e-6);

    double *out = malloc((size_t)N * NV * sizeof *out), *mf = malloc((size_t)N * NV * sizeof *mf);
    hs_error err;
    ck_assert(out && mf);
    ck_assert_int_eq(hs_rbm_sample_binary(m, N, N, BURNIN, 1, 5, out, &err), HS_OK);
    size_t count[NS] = {0};
    for (size_t s = 0; s < N; s++) {
        for (size_t i = 0; i < NV; i++)
            ck_assert(out[s * NV + i] == 0 || out[s * NV + i] == 1);
        count[state_index(out + s * NV, NV)]++;
    }
    double q = gsl_cdf_chisq_Qinv(1e-6, NS - 1);
    ck_assert_double_lt(g_statistic(count, p, NS, N), q);

    m->a[0] += 0.2;
    double *p2 = exact_pv(m);
    m->a[0] -= 0.2;
    ck_assert_double_gt(g_statistic(count, p2, NS, N), q);

    /* The mean-field output: its column means estimate the marginals p(v_i = 1).  Rows are
     * independent values in [0, 1], variance <= 1/4, so the standard error is at most
     * 0.5 / sqrt(N) = 2e-3; allow 5 of them (two-sided 6e-7 per unit). */
    ck_assert_int_eq(hs_rbm_sample(m, N, N, BURNIN, 1, 5, mf, &err), HS_OK);
    for (size_t i = 0; i < NV; i++) {
        double mean = 0, exact = 0;
        for (size_t s = 0; s < N; s++) {
            ck_assert(mf[s * NV + i] > 0 && mf[s * NV + i] < 1);
            mean += mf[s * NV + i] / N;
        }
        for (size_t s = 0; s < NS; s++)
            exact += (s >> i & 1) ? p[s] : 0;
        ck_assert_double_eq_tol(mean, exact, 5 * 0.5 / sqrt(N));
    }
    free(out);
    free(mf);
    free(p);
    free(p2);
    free(pt);
    hs_rbm_free(m);
}
END_TEST

/* ---- training -------------------------------------------------------------------------- */

typedef struct progress {
    const hs_dataset *d;
    size_t calls, stop_at;
    double ll_first;
} progress;

static int on_epoch(void *ctx, const hs_rbm *m, size_t epoch)
{
    progress *pr = ctx;
    ck_assert_uint_eq(epoch, ++pr->calls);
    if (epoch == 1)
        pr->ll_first = hs_rbm_loglik(m, pr->d->x, pr->d->n);
    return pr->stop_at && epoch == pr->stop_at;
}

/* The mean-field negative phase (no Markov chain: k deterministic updates from the data,
 * Welling and Hinton 2002) on the same 14 images, 3000 epochs of k = 3: it learns (the exact
 * log-likelihood rises by more than 1.5 nats from the first epoch; measured below), spends no
 * random number in training (two runs from different seeds, after the same initial weights,
 * agree to 1e-9: only the order of the items within a batch, and so rounding, differs), and is
 * refused with persistent chains. */
START_TEST(test_rbm_train_meanfield)
{
    hs_rbm_train_opts o = {.k = 3, .meanfield = 1, .batch = 14, .lr = 0.05, .momentum = 0.5,
                           .epochs = 3000};
    hs_dataset *d = bars_stripes(3);
    hs_rbm *m[2];
    for (int t = 0; t < 2; t++) {
        hs_error err;
        ck_assert_int_eq(hs_rbm_alloc(9, 16, &m[t], &err), HS_OK);
        gsl_rng *r = hs_rng_stream(1, "test", "init");
        ck_assert_int_eq(hs_rbm_init(m[t], r, 0.1, &err), HS_OK);
        gsl_rng_free(r);
        ck_assert_int_eq(hs_rbm_init_from_data(m[t], d, d->n, &err), HS_OK);
        progress pr = {.d = d};
        ck_assert_int_eq(hs_rbm_train(m[t], d, d->n, &o, 1 + (uint64_t)t, on_epoch, &pr, &err),
                         HS_OK);
        double ll = hs_rbm_loglik(m[t], d->x, d->n);
        printf("RBM mean-field CD-3 on 3x3 bars and stripes: log-likelihood %.3f after the first "
               "epoch, %.3f after %zu\n", pr.ll_first, ll, o.epochs);
        ck_assert_double_gt(ll - pr.ll_first, 1.5);
    }
    for (size_t q = 0; q < 9 * 16; q++)   /* (the seeds order each batch differently) */
        ck_assert_double_eq_tol(m[0]->W[q], m[1]->W[q], 1e-9);
    hs_rbm_free(m[1]);
    o.persistent = 1;
    hs_error err;
    ck_assert_int_eq(hs_rbm_train(m[0], d, d->n, &o, 1, NULL, NULL, &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "mean-field"));
    hs_rbm_free(m[0]);
    hs_dataset_free(d);
}
END_TEST

/* Train on the 14 bars-and-stripes images of 3 x 3 pixels.  The uniform model (where training
 * starts, weights N(0, 0.1^2)) has log-likelihood -9 log 2 = -6.24 nats and puts 14/512 = 2.7% on
 * the training set; the best any model can do is -log 14 = -2.64 and mass 1.  Required: the
 * mean log-likelihood rises by 2 nats from its value after the first epoch and ends above -3.5
 * (a geometric mean of e^-3.5 = 3% per pattern against the best 1/14 = 7%), and the
 * exact mass on the 14 patterns exceeds 0.7.  Over seeds 1..20 the settings below ended at
 * log-likelihood >= -3.02 (CD-3) and >= -3.20 (PCD-1), mass >= 0.81 and >= 0.77, so the
 * thresholds test learning, not the seed.  Samples must then be bars and stripes about as often
 * as the exact mass says (see below). */
START_TEST(test_rbm_train_bars_stripes)
{
    const hs_rbm_train_opts opts[2] = {
        {.k = 3, .persistent = 0, .batch = 14, .lr = 0.05, .momentum = 0.5, .epochs = 3000},
        {.k = 1, .persistent = 1, .batch = 14, .nchains = 100, .lr = 0.02, .momentum = 0.5,
         .epochs = 6000},
    };
    hs_dataset *d = bars_stripes(3);
    for (int t = 0; t < 2; t++) {
        hs_rbm *m;
        hs_error err;
        ck_assert_int_eq(hs_rbm_alloc(9, 16, &m, &err), HS_OK);
        gsl_rng *r = hs_rng_stream(1, "test", "init");
        ck_assert_int_eq(hs_rbm_init(m, r, 0.1, &err), HS_OK);
        ck_assert_int_eq(hs_rbm_init_from_data(m, d, d->n, &err), HS_OK);
        double ll0 = hs_rbm_loglik(m, d->x, d->n);
        ck_assert_double_eq_tol(ll0, -9 * log(2), 0.05);
        progress pr = {.d = d};
        ck_assert_int_eq(hs_rbm_train(m, d, d->n, &opts[t], 1, on_epoch, &pr, &err), HS_OK);
        ck_assert_uint_eq(pr.calls, opts[t].epochs);
        double ll = hs_rbm_loglik(m, d->x, d->n), mass = exact_mass(m, d);
        ck_assert_msg(ll > pr.ll_first + 2 && ll > -3.5 && mass > 0.7,
                      "%s: log-likelihood %g -> %g, mass %g", t ? "PCD" : "CD", pr.ll_first,
                      ll, mass);

        /* 2000 independent chains after 1000 steps: the fraction of bars-and-stripes samples
         * is binomial with p = the exact mass if the chains have mixed, standard error
         * <= 0.5 / sqrt(2000) = 0.011; allow 5 (0.056) */
        enum { NSAMP = 2000 };
        double *x = malloc(NSAMP * 9 * sizeof *x);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(hs_rbm_sample_binary(m, NSAMP, NSAMP, 999, 1, 2, x, &err), HS_OK);
        size_t hits = 0;
        for (size_t s = 0; s < NSAMP; s++)
            for (size_t u = 0; u < d->n; u++)
                if (!memcmp(x + s * 9, d->x + u * 9, 9 * sizeof *x)) {
                    hits++;
                    break;
                }
        ck_assert_double_eq_tol((double)hits / NSAMP, mass, 5 * 0.5 / sqrt(NSAMP));
        free(x);
        gsl_rng_free(r);
        hs_rbm_free(m);
    }
    hs_dataset_free(d);
}
END_TEST

/* hs_rbm_init_from_data: a_i = logit((sum_i + 1) / (n + 2)); W and b untouched. */
START_TEST(test_rbm_init_from_data)
{
    hs_dataset *d;
    hs_rbm *m = random_rbm(2, 3, 1.0, 15);
    double w0 = m->W[0], b0 = m->b[0];
    ck_assert_int_eq(hs_dataset_alloc(4, 2, 0, &d, NULL), HS_OK);
    const double x[8] = {0, 1, 0, 1, 1, 0.5, 0, 0};
    memcpy(d->x, x, sizeof x);
    ck_assert_int_eq(hs_rbm_init_from_data(m, d, 3, NULL), HS_OK);   /* the first 3 items */
    ck_assert_double_eq_tol(m->a[0], log(0.4 / 0.6), 1e-15);        /* (1 + 1) / 5 */
    ck_assert_double_eq_tol(m->a[1], log(0.7 / 0.3), 1e-15);        /* (2.5 + 1) / 5 */
    ck_assert(m->W[0] == w0 && m->b[0] == b0);
    hs_dataset_free(d);
    hs_rbm_free(m);
}
END_TEST

/* ---- determinism ----------------------------------------------------------------------- */

/* W, a, b after training a fresh 9 x 8 model on bars and stripes with seed (batch 4, so the
 * shuffle matters), appended to out (9 * 8 + 9 + 8 values). */
static void train_params(const hs_dataset *d, int persistent, size_t epochs, uint64_t seed,
                         double *out)
{
    hs_rbm *m;
    ck_assert_int_eq(hs_rbm_alloc(9, 8, &m, NULL), HS_OK);
    gsl_rng *r = hs_rng_stream(3, "test", "init");
    ck_assert_int_eq(hs_rbm_init(m, r, 0.1, NULL), HS_OK);
    hs_rbm_train_opts o = {.k = 2, .persistent = persistent, .batch = 4, .nchains = 6,
                           .lr = 0.05, .momentum = 0.5, .weight_decay = 1e-4, .epochs = epochs};
    ck_assert_int_eq(hs_rbm_train(m, d, d->n, &o, seed, NULL, NULL, NULL), HS_OK);
    memcpy(out, m->W, 72 * sizeof *out);
    memcpy(out + 72, m->a, 9 * sizeof *out);
    memcpy(out + 81, m->b, 8 * sizeof *out);
    gsl_rng_free(r);
    hs_rbm_free(m);
}

START_TEST(test_rbm_deterministic)
{
    hs_dataset *d = bars_stripes(3);
    double p1[89], p2[89], p3[89];
    for (int persistent = 0; persistent < 2; persistent++) {
        train_params(d, persistent, 20, 7, p1);
        train_params(d, persistent, 20, 7, p2);
        train_params(d, persistent, 20, 8, p3);
        ck_assert(!memcmp(p1, p2, sizeof p1));
        ck_assert(memcmp(p1, p3, sizeof p1));
    }
    /* sampling: same seed, same bits */
    hs_rbm *m = random_rbm(6, 5, 1.0, 16);
    double s1[40 * 6], s2[40 * 6];
    ck_assert_int_eq(hs_rbm_sample(m, 40, 4, 5, 3, 9, s1, NULL), HS_OK);
    ck_assert_int_eq(hs_rbm_sample(m, 40, 4, 5, 3, 9, s2, NULL), HS_OK);
    ck_assert(!memcmp(s1, s2, sizeof s1));
    ck_assert_int_eq(hs_rbm_sample(m, 40, 4, 5, 3, 10, s2, NULL), HS_OK);
    ck_assert(memcmp(s1, s2, sizeof s1));
    hs_rbm_free(m);
    hs_dataset_free(d);
}
END_TEST

/* A callback that stops after epoch 3 leaves exactly the parameters of a 3-epoch run. */
START_TEST(test_rbm_progress_stop)
{
    hs_dataset *d = bars_stripes(3);
    double ref[89];
    train_params(d, 1, 3, 7, ref);
    hs_rbm *m;
    hs_error err;
    ck_assert_int_eq(hs_rbm_alloc(9, 8, &m, NULL), HS_OK);
    gsl_rng *r = hs_rng_stream(3, "test", "init");
    ck_assert_int_eq(hs_rbm_init(m, r, 0.1, NULL), HS_OK);
    hs_rbm_train_opts o = {.k = 2, .persistent = 1, .batch = 4, .nchains = 6, .lr = 0.05,
                           .momentum = 0.5, .weight_decay = 1e-4, .epochs = 20};
    progress pr = {.d = d, .stop_at = 3};
    ck_assert_error(hs_rbm_train(m, d, d->n, &o, 7, on_epoch, &pr, &err), err, HS_EINTR,
                    "after epoch 3");
    ck_assert_uint_eq(pr.calls, 3);
    ck_assert(!memcmp(m->W, ref, 72 * sizeof *ref));
    ck_assert(!memcmp(m->a, ref + 72, 9 * sizeof *ref));
    ck_assert(!memcmp(m->b, ref + 81, 8 * sizeof *ref));
    gsl_rng_free(r);
    hs_rbm_free(m);
    hs_dataset_free(d);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------------- */

START_TEST(test_rbm_errors)
{
    hs_error err;
    hs_rbm *m;
    ck_assert_error(hs_rbm_alloc(0, 4, &m, &err), err, HS_ECONFIG, "at least one");
    ck_assert_ptr_null(m);
    ck_assert_error(hs_rbm_alloc(4, 0, &m, &err), err, HS_ECONFIG, "at least one");
    ck_assert_error(hs_rbm_alloc(SIZE_MAX / 2, 4, &m, &err), err, HS_ENOMEM, "too large");
    hs_rbm_free(NULL);

    hs_dataset *d = bars_stripes(3);
    ck_assert_int_eq(hs_rbm_alloc(16, 4, &m, &err), HS_OK);
    hs_rbm_train_opts o = hs_rbm_train_defaults();
    ck_assert_error(hs_rbm_train(m, d, d->n, &o, 1, NULL, NULL, &err), err, HS_ECONFIG,
                    "data of dimension 9 for an RBM of 16 visible units");
    ck_assert_error(hs_rbm_init_from_data(m, d, d->n, &err), err, HS_ECONFIG,
                    "dimension 9");
    hs_rbm_free(m);

    gsl_rng *r = hs_rng_stream(1, "test", "init");
    ck_assert_int_eq(hs_rbm_alloc(9, 4, &m, &err), HS_OK);
    ck_assert_error(hs_rbm_init(m, r, -1, &err), err, HS_ECONFIG, "standard deviation");
    ck_assert_error(hs_rbm_init(m, r, NAN, &err), err, HS_ECONFIG, "standard deviation");
    ck_assert_error(hs_rbm_train(m, d, 0, &o, 1, NULL, NULL, &err), err, HS_ECONFIG,
                    "0 training items");
    ck_assert_error(hs_rbm_train(m, d, d->n + 1, &o, 1, NULL, NULL, &err), err, HS_ECONFIG,
                    "15 training items");
    static const struct {
        const char *field, *text;
    } bad[] = {{"k", "k must"},          {"batch", "batch must"},
               {"epochs", "epochs must"}, {"lr", "lr must"},
               {"momentum", "momentum"},  {"weight_decay", "weight_decay"}};
    for (size_t t = 0; t < sizeof bad / sizeof *bad; t++) {
        hs_rbm_train_opts b = hs_rbm_train_defaults();
        if (!strcmp(bad[t].field, "k"))
            b.k = 0;
        else if (!strcmp(bad[t].field, "batch"))
            b.batch = 0;
        else if (!strcmp(bad[t].field, "epochs"))
            b.epochs = 0;
        else if (!strcmp(bad[t].field, "lr"))
            b.lr = 0;
        else if (!strcmp(bad[t].field, "momentum"))
            b.momentum = 1;
        else
            b.weight_decay = -1;
        ck_assert_error(hs_rbm_train(m, d, d->n, &b, 1, NULL, NULL, &err), err, HS_ECONFIG,
                        bad[t].text);
    }
    /* values outside [0, 1], and m untouched by a refused call */
    d->x[5 * 9 + 2] = 1.5;
    ck_assert_error(hs_rbm_train(m, d, d->n, &o, 1, NULL, NULL, &err), err, HS_ECONFIG,
                    "item 5, value 2 is 1.5");
    ck_assert_error(hs_rbm_init_from_data(m, d, d->n, &err), err, HS_ECONFIG, "[0, 1]");
    ck_assert_int_eq(hs_rbm_init_from_data(m, d, 5, &err), HS_OK);   /* item 5 not used */
    d->x[5 * 9 + 2] = NAN;
    ck_assert_error(hs_rbm_train(m, d, d->n, &o, 1, NULL, NULL, &err), err, HS_ECONFIG,
                    "is nan");
    d->x[5 * 9 + 2] = 1;
    for (size_t t = 0; t < 9 * 4; t++)
        ck_assert(m->W[t] == 0);

    /* a learning rate that overflows the weights */
    o.lr = 1e308;
    ck_assert_error(hs_rbm_train(m, d, d->n, &o, 1, NULL, NULL, &err), err, HS_ERUNTIME,
                    "diverged");

    /* sampling arguments */
    double out[6 * 9];
    ck_assert_error(hs_rbm_sample(m, 0, 1, 1, 1, 1, out, &err), err, HS_ECONFIG, "0 samples");
    ck_assert_error(hs_rbm_sample(m, 6, 0, 1, 1, 1, out, &err), err, HS_ECONFIG, "0 chains");
    ck_assert_error(hs_rbm_sample(m, 6, 4, 1, 1, 1, out, &err), err, HS_ECONFIG, "divide");
    ck_assert_error(hs_rbm_sample_binary(m, 6, 3, 1, 0, 1, out, &err), err, HS_ECONFIG,
                    "thinning 0");
    ck_assert_error(hs_rbm_write_filters(m, 2, 4, "/nonexistent/f.png", &err), err, HS_ECONFIG,
                    "2 x 4 pixels");
    gsl_rng_free(r);
    hs_rbm_free(m);
    hs_dataset_free(d);
}
END_TEST

/* The filter picture: 16 hidden units of 3 x 3 in a 4 x 4 grid with 1-pixel padding. */
START_TEST(test_rbm_write_filters)
{
    char dir[] = "/tmp/hs-check-rbm-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/filters.png", dir);
    hs_rbm *m = random_rbm(9, 16, 1.0, 17);
    hs_error err;
    ck_assert_int_eq(hs_rbm_write_filters(m, 3, 3, path, &err), HS_OK);
    double *pix;
    uint32_t w, h;
    ck_assert_int_eq(hs_png_read_gray(path, &pix, &w, &h, &err), HS_OK);
    ck_assert_uint_eq(w, 4 * 3 + 3);
    ck_assert_uint_eq(h, 4 * 3 + 3);
    /* each tile is scaled to its own range: unit 0's largest weight is white */
    size_t imax = 0;
    for (size_t i = 1; i < 9; i++)
        if (m->W[i * 16] > m->W[imax * 16])
            imax = i;
    ck_assert_double_eq(pix[(imax / 3) * w + imax % 3], 255);
    free(pix);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    hs_rbm_free(m);
}
END_TEST

static Suite *rbm_suite(void)
{
    Suite *s = suite_create("rbm");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);   /* training and 60000 chains; slower under sanitizers */
    tcase_add_test(tc, test_rbm_log_partition_enumeration);
    tcase_add_test(tc, test_rbm_log_partition_gray_code);
    tcase_add_test(tc, test_rbm_ais);
    tcase_add_test(tc, test_dbn_ais);
    tcase_add_test(tc, test_rbm_train_meanfield);
    tcase_add_test(tc, test_rbm_loglik_stable);
    tcase_add_test(tc, test_rbm_conditionals);
    tcase_add_test(tc, test_rbm_gibbs_distribution);
    tcase_add_test(tc, test_rbm_train_bars_stripes);
    tcase_add_test(tc, test_rbm_init_from_data);
    tcase_add_test(tc, test_rbm_deterministic);
    tcase_add_test(tc, test_rbm_progress_stop);
    tcase_add_test(tc, test_rbm_errors);
    tcase_add_test(tc, test_rbm_write_filters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rbm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
