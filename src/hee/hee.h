/* hee.h -- the hierarchical exponential-family energy-based model (HEE): parameters, the
 * energy and its gradient, and exact reference answers
 *
 * Layers l = 0..L-1, layer 0 observed.  Layer l has n_l gaussian units with sufficient
 * statistic T(x) = rho(x) and base measure h(x) = N(0, sigma_l^2).  Natural parameters come from
 * the layer above: eta_l = W_{l+1} rho(x_{l+1}) + b_l for l < L-1, eta_{L-1} = b_{L-1}; with
 * lateral couplings J_l (symmetric, zero diagonal)
 *
 *   p(x_l | x_{l+1}) = h(x_l) exp( eta_l . rho(x_l) + rho(x_l).J_l.rho(x_l)/2 - A_l(eta_l) ).
 *
 * W_l (l >= 1) is n_{l-1} x n_l, row-major: rows index the units of the layer below.
 * Everything here is pure: no allocation hidden from the caller except where a comment says.
 */
#ifndef HS_HEE_HEE_H
#define HS_HEE_HEE_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "util/logexp.h"

typedef enum { HS_RHO_IDENTITY, HS_RHO_SIGMOID, HS_RHO_TANH, HS_RHO_SOFTPLUS } hs_rho;

/* The family of a layer's conditional: gaussian (base measure N(0, sigma^2), T(x) = rho(x)) or
 * bernoulli (x in {0, 1}, T(x) = x, base measure 1; rho is identity and sigma unused). */
typedef enum { HS_FAMILY_GAUSSIAN, HS_FAMILY_BERNOULLI } hs_family;

/* rho(x) and rho'(x). */
double hs_rho_f(hs_rho r, double x);
double hs_rho_d(hs_rho r, double x);
/* rho(x), and rho'(x) in *d: bit for bit the values of hs_rho_f and hs_rho_d, with one
 * transcendental call where the two share it. */
double hs_rho_fd(hs_rho r, double x, double *d);
/* "identity", ... -> 0 and *out, or -1 for an unknown name. */
int hs_rho_parse(const char *name, hs_rho *out);
const char *hs_rho_name(hs_rho r);

typedef struct hs_hee_layer {
    char name[64];
    uint32_t n;
    hs_family family;   /* gaussian unless set */
    hs_rho rho;
    double sigma;       /* base-measure standard deviation */
    double *b;          /* n biases */
    double *J;          /* n x n lateral couplings, or NULL */
    uint32_t off;       /* index of unit 0 in the concatenation of all layers */
} hs_hee_layer;

typedef struct hs_hee {
    int L;              /* number of layers, >= 2 */
    hs_hee_layer *layer;
    double **W;         /* W[l] for l = 1..L-1; W[0] is NULL */
    uint32_t ntotal;    /* sum of n_l */
} hs_hee;

/* eta_l into eta (n_l), given the sufficient statistics T = rho(x) of all layers (concatenated,
 * length ntotal; in the spike realisation, their trace estimates). */
void hs_hee_eta(const hs_hee *m, int l, const double *T, double *eta);

/* Every layer gaussian with rho identity (the closed forms below apply). */
int hs_hee_is_linear_gaussian(const hs_hee *m);

/* Exact mean and covariance of a linear-Gaussian HEE (every rho identity): the joint over all
 * ntotal units when x0 is NULL, else the posterior of layers 1..L-1 (ntotal - n_0 units) given
 * layer 0 = x0.  mean and cov (row-major) are caller-owned, sized for the chosen set.  Returns
 * 0, or -1 if a layer is not identity or a precision matrix is not positive definite (the
 * lateral couplings are too strong for the layer to be normalisable). */
int hs_hee_gauss_exact(const hs_hee *m, const double *x0, double *mean, double *cov);

/* For one unit with base measure N(0, sigma^2), statistic rho and natural parameter eta: the
 * mean and variance of rho(eps) under p(eps) ~ N(eps; 0, sigma^2) exp(eta rho(eps)), i.e.
 * grad A(eta) and its derivative, by adaptive quadrature (GSL) -- closed forms for identity.
 * Returns 0, or -1 when the integral diverges or quadrature fails (then *mean is NaN). */
int hs_hee_unit_moments(hs_rho rho, double sigma, double eta, double *mean, double *var);

/* Can hs_hee_loglik compute log p(x_0) exactly for this model?  Yes for linear-Gaussian models
 * (closed form), for two-layer models with an identity layer 0 without lateral couplings and
 * at most two latent units (quadrature), and for binary latents by enumeration (hee_binary.c:
 * every layer above 0 bernoulli, at most HS_HEE_ENUM_MAX latent units in all, layer 0
 * bernoulli or gaussian identity without lateral couplings). */
int hs_hee_loglik_available(const hs_hee *m);
/* Mean log-likelihood (nats per item) of the n items X (n x n_0, row-major) under m's marginal
 * on layer 0.  Returns 0, or -1 when not available (see above) or the integral fails. */
int hs_hee_loglik(const hs_hee *m, const double *X, size_t n, double *ll);
/* The quadrature path alone, for any model it covers, linear ones included (tests compare it
 * with the closed form); each (may be NULL) receives the n items' own log-likelihoods.  Same
 * returns. */
int hs_hee_loglik_quadrature(const hs_hee *m, const double *X, size_t n, double *ll,
                             double *each);
/* The largest mean log-likelihood of the n items X any parameters of m's shape can reach, for
 * two identity layers without lateral couplings: probabilistic PCA with noise variance
 * sigma_0^2 and n_1 components, in closed form from the eigenvalues of the sample covariance.
 * Returns 0, or -1 when m is not of that shape. */
int hs_hee_ppca_ml(const hs_hee *m, const double *X, size_t n, double *ll);

/* Time scales of inference, from the model linearised at 0 (rho' there), per layer l >= 1 with
 * posterior precision P_l = I / sigma_l^2 + sigma_{l-1}^2 rho'^2 W_l^T W_l (its lower bound:
 * the curvature from above is left out): *relax_ms, the slowest relaxation over the layers,
 * tau_x / lambda_min(P_l) -- presentations should be several of these long; *separation, the
 * smallest ratio of the fastest principal relaxation tau_x / lambda_max(P_l) to the
 * interneurons' time tau_eps sigma_{l-1}^2 below -- the interneurons track only when it is
 * well above 1.  Returns 0, or -1 on failure. */
int hs_hee_timescales(const hs_hee *m, double tau_x, double tau_eps, double *relax_ms,
                      double *separation);

/* ---- bernoulli layers (hee_binary.c) ------------------------------------------------------
 * A bernoulli layer's conditional is p(x | eta) = exp(eta.x + x.J.x/2 - A(eta)) on {0,1}^n:
 * independent sigmoid units without lateral couplings, a Boltzmann machine with them.  The
 * state index of an enumeration reads unit k of the enumerated units from bit k. */

/* At most this many units are enumerated: a layer's log-normaliser with lateral couplings
 * (2^n states), the latent units of an exact log-likelihood or posterior. */
#define HS_HEE_ENUM_MAX 20
/* ... and at most this many latent units for hs_hee_loglik (it enumerates them per item). */
#define HS_HEE_LOGLIK_ENUM_MAX 16

/* (hs_softplus, hs_sigmoid: util/logexp.h) */

/* A(eta) of bernoulli layer ly: sum of softplus(eta) without lateral couplings, by enumeration
 * with them (NaN when ly->n > HS_HEE_ENUM_MAX). */
double hs_hee_bern_logA(const hs_hee_layer *ly, const double *eta);
/* grad A(eta) = E[x | eta] into mean (n values): sigmoid(eta), or by enumeration with lateral
 * couplings.  0, or -1 when the layer is too large to enumerate. */
int hs_hee_bern_mean(const hs_hee_layer *ly, const double *eta, double *mean);

/* log p(x) of one full configuration x (ntotal values; bernoulli units 0 or 1, a gaussian
 * identity layer 0 any reals) under a model hs_hee_enum_available accepts.  scratch holds
 * ntotal doubles.  NaN when a layer cannot be normalised here. */
double hs_hee_logjoint(const hs_hee *m, const double *x, double *scratch);

/* Can the joint (x0 NULL: every layer bernoulli, ntotal <= HS_HEE_ENUM_MAX) or the posterior
 * given layer 0 (layers above 0 bernoulli, their units <= HS_HEE_ENUM_MAX; layer 0 bernoulli,
 * or gaussian identity without lateral couplings) be enumerated? */
int hs_hee_enum_available(const hs_hee *m, int given_x0);
/* The exact distribution by enumeration into p (2^K probabilities, K the enumerated units:
 * all of them when x0 is NULL, else layers 1..L-1 given layer 0 = x0); bit k of a state's
 * index is unit k of the enumerated ones (unit n_0 + k of the model for a posterior).  When
 * logZ is not NULL it receives log of the unnormalised total, i.e. log p(x0) for a posterior.
 * 0, or -1 when not available or out of memory. */
int hs_hee_enum(const hs_hee *m, const double *x0, double *p, double *logZ);

/* The exact Gibbs log-odds of unit k of bernoulli layer l >= 1 coming from the layer below:
 * log p(x_{l-1} | x_l with x_lk = 1) - log p(x_{l-1} | x_l with x_lk = 0), given every
 * unit's T(x) (ntotal values; x_l's own entry is ignored).  The HEE replaces it by
 * W_l[:, k] . (T(x_{l-1}) - T(eps_{l-1})) (doc/hee.md, "Bernoulli layers").  Layer l-1
 * bernoulli (at most HS_HEE_ENUM_MAX units if it has lateral couplings) or gaussian identity
 * without lateral couplings; NaN otherwise.  scratch holds 2 n_{l-1} doubles. */
double hs_hee_bern_flip_logodds(const hs_hee *m, int l, uint32_t k, const double *T,
                                double *scratch);

/* The mean log p(x_0) of the n items X (n x n_0) of a model of bernoulli layers without lateral
 * couplings (a sigmoid belief net) by annealed importance sampling from the prior of the latent
 * layers to their posterior (hee_binary.c), `runs` runs of `betas` steps per item, draws from r;
 * *se its standard error (delta method).  For models too large to enumerate.  0, or -1 when the
 * model is not such a net, an argument is out of range or memory runs out. */
int hs_hee_ais_loglik(const hs_hee *m, const double *X, size_t n, size_t runs, size_t betas,
                      gsl_rng *r, double *ll, double *se);

#endif
