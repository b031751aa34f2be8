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
#include "util/logexp.h"
#include "util/rng.h"

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
        e += hs_softplus(beta * s);
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
        rc = hs_nomem(err, NULL);
        goto out;
    }
    double logza = (double)m->nh * log(2.0);
    for (size_t i = 0; i < m->nv; i++)
        logza += hs_softplus(m->a[i]);
    for (size_t run = 0; run < runs; run++) {
        for (size_t i = 0; i < m->nv; i++)   /* v_0 from the base model, exactly */
            v[i] = gsl_rng_uniform(r) < hs_sigmoid(m->a[i]) ? 1.0 : 0.0;
        double w = 0;
        for (size_t k = 1; k <= betas; k++) {
            const double b0 = (double)(k - 1) / (double)betas, b1 = (double)k / (double)betas;
            w += log_pstar(m, v, b1, hin) - log_pstar(m, v, b0, hin);
            if (k == betas)
                break;
            for (size_t j = 0; j < m->nh; j++)   /* a Gibbs sweep at beta_k */
                h[j] = gsl_rng_uniform(r) < hs_sigmoid(b1 * hin[j]) ? 1.0 : 0.0;
            for (size_t i = 0; i < m->nv; i++) {
                double s = m->a[i];
                for (size_t j = 0; j < m->nh; j++)
                    s += b1 * m->W[i * m->nh + j] * h[j];
                v[i] = gsl_rng_uniform(r) < hs_sigmoid(s) ? 1.0 : 0.0;
            }
        }
        lw[run] = w;
    }
    double var;
    *logz = logza + hs_log_mean_exp(lw, runs, &var);
    *se = sqrt(var);
out:
    free(lw);
    free(v);
    free(h);
    free(hin);
    if (r)
        gsl_rng_free(r);
    return rc;
}

/* ---- log p(v) of a deep belief net by AIS over its latent layers --------------------------------
 * A DBN of L >= 2 RBMs: gen[l] (l < L - 1) gives p(h_l | h_{l+1}) = sigmoid(a + W h_{l+1}) with
 * h_0 = v, and the top RBM gen[L - 1] the prior of h_{L-1} with its hidden layer summed out,
 * exp(-F_top(h_{L-1})) / Z_top.  For one item v the latent layers h = (h_1 .. h_{L-1}) have the
 * unnormalised posterior f(h) = prod_l p(h_{l-1} | h_l) exp(-F_top(h_{L-1})), whose sum is
 * p(v) Z_top.  Each run starts from a factorial q(h) (the recognition pass: q(h_1) =
 * sigmoid(b + W^T v) of rec[0], q(h_{l+1}) from the means of q(h_l) through rec[l], kept within
 * [1e-4, 1 - 1e-4]) sampled exactly, and anneals through f_beta = q^(1 - beta) f^beta (Neal
 * 2001) with one Gibbs sweep over the latent units per beta, adding (beta_k - beta_{k-1})
 * (log f - log q) to its log weight; the mean of the weights is unbiased for p(v) Z_top
 * whatever q is (q only sets the variance).  Every natural parameter below a latent layer and
 * the top RBM's hidden inputs follow each flip with their sigmoids, so a unit's conditional costs
 * one log1p per unit below it (and per top hidden unit), from expm1 tables of the weights. */

typedef struct {
    size_t n;          /* units of this layer */
    double *x;         /* state (layer 0: the item) */
    double *eta, *p;   /* natural parameters of p(x | layer above), their sigmoids (l < L - 1) */
    double *q, *lq;    /* q's probabilities and log-odds (latent layers) */
    double *Ep, *Em;   /* expm1(+-W) of the weights to the layer above (l < L - 1), n x n_above */
} dbn_layer;

/* sum over k of softplus(c0_k + w_k) - softplus(c0_k), c0 the input with the flipping unit off,
 * from s_k = sigmoid(c_k) at the current state; w_k = W[k * stride] through the tables */
static double softplus_gain(size_t n, const double *s, const double *Ep, const double *Em,
                            size_t stride, int on)
{
    double d = 0;
    if (!on)
        for (size_t k = 0; k < n; k++)
            d += log1p(s[k] * Ep[k * stride]);
    else
        for (size_t k = 0; k < n; k++)
            d -= log1p(s[k] * Em[k * stride]);
    return d;
}

/* log f(h) - log q(h) at the current state */
static double dbn_log_ratio(const hs_rbm *const *gen, int L, const dbn_layer *ly,
                            const double *c)
{
    double lf = 0, lq = 0;
    for (int l = 0; l < L - 1; l++)
        for (size_t i = 0; i < ly[l].n; i++)
            lf += ly[l].x[i] * ly[l].eta[i] - hs_softplus(ly[l].eta[i]);
    const hs_rbm *top = gen[L - 1];
    for (size_t j = 0; j < top->nv; j++)
        lf += top->a[j] * ly[L - 1].x[j];
    for (size_t k = 0; k < top->nh; k++)
        lf += hs_softplus(c[k]);
    for (int l = 1; l < L; l++)
        for (size_t j = 0; j < ly[l].n; j++)
            lq += ly[l].x[j] * ly[l].lq[j] + log1p(-ly[l].q[j]);
    return lf - lq;
}

/* flip latent unit j of layer l to nx: the layer below's eta and p, or the top inputs c, s */
static void dbn_flip(const hs_rbm *const *gen, int L, dbn_layer *ly, double *c, double *s, int l,
                     size_t j, double nx)
{
    const double dx = nx - ly[l].x[j];
    const hs_rbm *g = gen[l - 1];
    for (size_t i = 0; i < ly[l - 1].n; i++) {
        ly[l - 1].eta[i] += g->W[i * g->nh + j] * dx;
        ly[l - 1].p[i] = hs_sigmoid(ly[l - 1].eta[i]);
    }
    if (l == L - 1) {
        const hs_rbm *top = gen[L - 1];
        for (size_t k = 0; k < top->nh; k++) {
            c[k] += top->W[j * top->nh + k] * dx;
            s[k] = hs_sigmoid(c[k]);
        }
    }
    ly[l].x[j] = nx;
}

int hs_dbn_ais_loglik(const hs_rbm *const *gen, const hs_rbm *const *rec, int L, const double *V,
                      size_t n, size_t runs, size_t betas, gsl_rng *r, double *ll, double *se,
                      hs_error *err)
{
    *ll = *se = NAN;
    if (L < 2 || L > 8 || runs < 2 || betas < 1 || n == 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "DBN AIS needs 2 to 8 RBMs, 2 runs, 1 beta and 1 item");
    for (int l = 0; l < L; l++)
        if (l + 1 < L && (gen[l]->nh != gen[l + 1]->nv || rec[l]->nv != gen[l]->nv ||
                          rec[l]->nh != gen[l]->nh))
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "DBN AIS: layer sizes disagree");
    dbn_layer ly[8] = {{0}};
    size_t total = 0, nw = 0;
    for (int l = 0; l < L; l++) {
        ly[l].n = gen[l]->nv;
        total += ly[l].n;
        if (l + 1 < L)
            nw += gen[l]->nv * gen[l]->nh;
    }
    const hs_rbm *top = gen[L - 1];
    nw += top->nv * top->nh;
    /* x, eta, p, q, lq per layer; c and s of the top; the expm1 tables */
    double *buf = malloc((5 * total + 2 * top->nh + 2 * nw + runs) * sizeof *buf);
    if (!buf)
        return hs_nomem(err, NULL);
    double *b = buf;
    for (int l = 0; l < L; l++) {
        ly[l].x = b, b += ly[l].n;
        ly[l].eta = b, b += ly[l].n;
        ly[l].p = b, b += ly[l].n;
        ly[l].q = b, b += ly[l].n;
        ly[l].lq = b, b += ly[l].n;
    }
    double *c = b, *s = b + top->nh;
    b += 2 * top->nh;
    for (int l = 0; l < L; l++) {   /* (l = L - 1: the top RBM's W, nv x nh) */
        const hs_rbm *g = gen[l];
        const size_t nl = g->nv * g->nh;
        ly[l].Ep = b;
        ly[l].Em = b + nl;
        for (size_t k = 0; k < nl; k++) {
            b[k] = expm1(g->W[k]);
            b[nl + k] = expm1(-g->W[k]);
        }
        b += 2 * nl;
    }
    double *lw = b;
    double acc = 0, var = 0;
    for (size_t it = 0; it < n; it++) {
        memcpy(ly[0].x, V + it * ly[0].n, ly[0].n * sizeof *ly[0].x);
        for (int l = 1; l < L; l++) {   /* q: the recognition pass, on means */
            const hs_rbm *g = rec[l - 1];
            const double *in = l == 1 ? ly[0].x : ly[l - 1].q;
            for (size_t j = 0; j < g->nh; j++) {
                double a = g->b[j];
                for (size_t i = 0; i < g->nv; i++)
                    a += in[i] * g->W[i * g->nh + j];
                const double qj = fmin(fmax(hs_sigmoid(a), 1e-4), 1 - 1e-4);
                ly[l].q[j] = qj;
                ly[l].lq[j] = log(qj) - log1p(-qj);
            }
        }
        for (size_t run = 0; run < runs; run++) {
            for (int l = 1; l < L; l++)
                for (size_t j = 0; j < ly[l].n; j++)
                    ly[l].x[j] = gsl_rng_uniform(r) < ly[l].q[j] ? 1.0 : 0.0;
            for (int l = 0; l < L - 1; l++) {   /* eta_l = a + W h_{l+1} of gen[l] */
                const hs_rbm *g = gen[l];
                for (size_t i = 0; i < g->nv; i++) {
                    double a = g->a[i];
                    for (size_t j = 0; j < g->nh; j++)
                        a += g->W[i * g->nh + j] * ly[l + 1].x[j];
                    ly[l].eta[i] = a;
                    ly[l].p[i] = hs_sigmoid(a);
                }
            }
            for (size_t k = 0; k < top->nh; k++) {
                double a = top->b[k];
                for (size_t j = 0; j < top->nv; j++)
                    a += ly[L - 1].x[j] * top->W[j * top->nh + k];
                c[k] = a;
                s[k] = hs_sigmoid(a);
            }
            double w = 0;
            for (size_t k = 1; k <= betas; k++) {
                const double b1 = (double)k / (double)betas;
                w += dbn_log_ratio(gen, L, ly, c) / (double)betas;
                if (k == betas)
                    break;
                for (int l = 1; l < L; l++) {   /* a Gibbs sweep at b1, bottom up */
                    const hs_rbm *g = gen[l - 1];
                    for (size_t j = 0; j < ly[l].n; j++) {
                        const int on = ly[l].x[j] != 0.0;
                        double d = 0;   /* log f(on) - log f(off) */
                        for (size_t i = 0; i < ly[l - 1].n; i++)
                            d += g->W[i * g->nh + j] * ly[l - 1].x[i];
                        d -= softplus_gain(ly[l - 1].n, ly[l - 1].p, ly[l - 1].Ep + j,
                                           ly[l - 1].Em + j, g->nh, on);
                        if (l < L - 1)
                            d += ly[l].eta[j];
                        else
                            d += top->a[j] + softplus_gain(top->nh, s, ly[L - 1].Ep + j * top->nh,
                                                           ly[L - 1].Em + j * top->nh, 1, on);
                        const double a = (1 - b1) * ly[l].lq[j] + b1 * d;
                        const double nx = gsl_rng_uniform(r) < hs_sigmoid(a) ? 1.0 : 0.0;
                        if (nx != ly[l].x[j])
                            dbn_flip(gen, L, ly, c, s, l, j, nx);
                    }
                }
            }
            lw[run] = w;
        }
        double v;
        acc += hs_log_mean_exp(lw, runs, &v);
        var += v;
    }
    *ll = acc / (double)n;
    *se = sqrt(var) / (double)n;
    free(buf);
    return HS_OK;
}
