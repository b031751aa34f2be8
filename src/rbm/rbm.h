/* rbm.h -- restricted Boltzmann machine baseline: CD-k and PCD training, Gibbs sampling, exact
 * likelihood by enumeration
 *
 * Binary visible units v (nv) and hidden units h (nh) with the energy
 *
 *   E(v, h) = -a.v - b.h - v.W h,   p(v, h) = exp(-E(v, h)) / Z,
 *
 * so p(h_j = 1 | v) = sigmoid(b_j + (W^T v)_j) and p(v_i = 1 | h) = sigmoid(a_i + (W h)_i), and
 * the free energy of a visible vector is F(v) = -a.v - sum_j log(1 + exp(b_j + (W^T v)_j)),
 * p(v) = exp(-F(v)) / Z.  This is the reference the HEE model is compared with.
 *
 * Randomness comes only from gsl_rng streams passed in or derived from a seed with
 * hs_rng_stream(seed, "rbm", purpose), so results depend on the seed and the arguments alone.
 * Fallible functions return HS_OK or a code and fill err (may be NULL): HS_ECONFIG for invalid
 * arguments, HS_ENOMEM when memory runs out or a size overflows, HS_ERUNTIME when training
 * diverges, HS_EINTR when a progress callback stops training.  Nothing here prints or exits.
 * Products over batches go through gsl_blas_dgemm; sizes are checked before GSL sees them, so
 * GSL's error handler is never reached.
 */
#ifndef HS_RBM_RBM_H
#define HS_RBM_RBM_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "hee-snn/hee-snn.h"
#include "data/dataset.h"

/* The parameters are plain arrays, owned by the model (one allocation, freed through W): change
 * their values freely, never the pointers or sizes. */
typedef struct hs_rbm {
    size_t nv, nh;   /* visible and hidden units, both >= 1 */
    double *W;       /* nv x nh, row-major: W[i * nh + j] couples visible i and hidden j */
    double *a;       /* nv visible biases */
    double *b;       /* nh hidden biases */
} hs_rbm;

/* A new RBM with all parameters zero (p(v) uniform).  On success *out owns it; free with
 * hs_rbm_free.  Errors: HS_ECONFIG if nv or nh is 0, HS_ENOMEM. */
int hs_rbm_alloc(size_t nv, size_t nh, hs_rbm **out, hs_error *err);

/* Free m and its arrays; NULL is allowed. */
void hs_rbm_free(hs_rbm *m);

/* Weights drawn from N(0, sd^2) with r (in the order of W), biases zero.  Errors: HS_ECONFIG if
 * sd is negative or not finite (m unchanged). */
int hs_rbm_init(hs_rbm *m, gsl_rng *r, double sd, hs_error *err);

/* Set the visible biases to log(p_i / (1 - p_i)), p_i the mean of value i over the first ntrain
 * items of d smoothed as (sum + 1) / (ntrain + 2), so that a constant pixel gets a finite bias;
 * with W = 0 the model's visible marginals are then the data's.  W and b are left as they are.
 * Errors (m unchanged): HS_ECONFIG if d->dim differs from m->nv, ntrain is 0 or above d->n, or a
 * value lies outside [0, 1]. */
int hs_rbm_init_from_data(hs_rbm *m, const hs_dataset *d, size_t ntrain, hs_error *err);

/* ---- training ----------------------------------------------------------------------------- */

typedef struct hs_rbm_train_opts {
    int k;                /* Gibbs steps per update, >= 1 */
    int persistent;       /* 0: CD-k, chains start at the batch; 1: PCD, persistent chains */
    int meanfield;        /* 1 (not with persistent): the negative phase is k deterministic
                           * mean-field updates from the data, probabilities in place of
                           * samples (Welling and Hinton 2002): no Markov chain at all */
    size_t batch;         /* items per update, >= 1 (the last batch of an epoch may be smaller) */
    size_t nchains;       /* PCD fantasy chains, 0 = batch; ignored by CD-k */
    double lr;            /* learning rate, > 0 */
    double momentum;      /* in [0, 1) */
    double weight_decay;  /* L2 penalty on W (not on biases), >= 0 */
    size_t epochs;        /* passes over the training items, >= 1 */
} hs_rbm_train_opts;

/* CD-1, batch 100, lr 0.05, momentum 0.5, weight decay 2e-4, 10 epochs. */
hs_rbm_train_opts hs_rbm_train_defaults(void);

/* Called after each epoch (1-based count) with the current parameters; returning non-zero
 * stops training. */
typedef int (*hs_rbm_progress_fn)(void *ctx, const hs_rbm *m, size_t epoch);

/* Train m (already initialised) on the first ntrain items of d, values in [0, 1] read as the
 * probabilities p(v_i = 1), by mini-batch gradient ascent on the log-likelihood:
 *
 *   dW = momentum dW + lr (<v h>_data - <v h>_model - weight_decay W),   W += dW
 *
 * and likewise for a and b without decay.  Each epoch visits the items in the order of
 * hs_data_shuffle_order(seed, epoch, ntrain) (epoch 0-based) in consecutive batches.
 *
 * Positive phase: the data probabilities x themselves and p(h | x) (no sampling noise).
 * Negative phase: k steps of block Gibbs sampling; CD-k starts each chain from hidden states
 * sampled from p(h | x), PCD continues o->nchains chains kept across updates (started at
 * binary samples of random training items, then re-used; they are discarded at return).  The
 * statistics are those of the chains' final binary visible states v and p(h | v).  All draws
 * come from hs_rng_stream(seed, "rbm", "gibbs") and "chains"; momentum starts at zero.
 *
 * cb (may be NULL) is called after every epoch; if it returns non-zero, training stops with
 * HS_EINTR and m holds the parameters after that epoch.  Errors: HS_ECONFIG (m unchanged) if
 * d->dim differs from m->nv, ntrain is 0 or above d->n, a value is outside [0, 1] or an option
 * is out of range; HS_ERUNTIME if a parameter becomes infinite or NaN (lower lr; m then holds
 * the diverged values); HS_ENOMEM. */
int hs_rbm_train(hs_rbm *m, const hs_dataset *d, size_t ntrain, const hs_rbm_train_opts *o,
                 uint64_t seed, hs_rbm_progress_fn cb, void *ctx, hs_error *err);

/* ---- conditionals and sampling ------------------------------------------------------------ */

/* h[s * nh + j] = p(h_j = 1 | v_s) for the n visible vectors v (n x nv, row-major): features for
 * a linear probe.  n = 0 does nothing. */
void hs_rbm_hidden_probs(const hs_rbm *m, const double *v, size_t n, double *h);

/* v[s * nv + i] = p(v_i = 1 | h_s) for the n hidden vectors h (n x nh). */
void hs_rbm_visible_probs(const hs_rbm *m, const double *h, size_t n, double *v);

/* Run nchains independent block Gibbs chains (v -> h -> v per step) from uniformly random binary
 * visible states: burnin steps, then thin steps before each of the chain's nsamples / nchains
 * samples.  Row c * (nsamples / nchains) + t of out (nsamples x nv) is chain
 * c's sample t: the mean-field probabilities p(v | h) of that step's last half-step (smooth
 * images; their mean estimates the model's visible marginals).  One chain per sample
 * (nchains = nsamples) gives independent samples.  Draws come from
 * hs_rng_stream(seed, "rbm", "sample").  Errors: HS_ECONFIG if nsamples, nchains or thin is 0 or
 * nchains does not divide nsamples; HS_ENOMEM. */
int hs_rbm_sample(const hs_rbm *m, size_t nsamples, size_t nchains, size_t burnin, size_t thin,
                  uint64_t seed, double *out, hs_error *err);

/* Same chains, but out holds the binary visible states (0 or 1) drawn from those probabilities:
 * with the same arguments, row s is a Bernoulli draw of row s of hs_rbm_sample. */
int hs_rbm_sample_binary(const hs_rbm *m, size_t nsamples, size_t nchains, size_t burnin,
                         size_t thin, uint64_t seed, double *out, hs_error *err);

/* ---- exact quantities --------------------------------------------------------------------- */

/* F(v) of one visible vector (nv values, used as given). */
double hs_rbm_free_energy(const hs_rbm *m, const double *v);

/* log Z, summing over the 2^K states of the smaller layer (K = min(nv, nh)) the other layer
 * marginalised in closed form, in Gray-code order with a running log-sum-exp; costs
 * O(2^K max(nv, nh)).  NAN if K > 24 or memory runs out. */
double hs_rbm_log_partition(const hs_rbm *m);

/* Mean log p(v) = -F(v) - log Z over the n binary visible vectors v (n x nv); NAN if n = 0 or
 * log Z is unavailable (see hs_rbm_log_partition). */
double hs_rbm_loglik(const hs_rbm *m, const double *v, size_t n);

/* log Z by annealed importance sampling (rbm_ais.c; Salakhutdinov and Murray 2008): `runs`
 * independent runs from the model without couplings (its visible biases a) to m through
 * `betas` uniform steps, one Gibbs sweep each; *logz the estimate, *se its standard error (delta
 * method: the sd of the weights over their mean over sqrt(runs)).  Draws from
 * hs_rng_stream(seed, "rbm", "ais").  Errors: HS_ECONFIG if runs < 2 or betas < 1; HS_ENOMEM. */
int hs_rbm_ais(const hs_rbm *m, size_t runs, size_t betas, uint64_t seed, double *logz,
               double *se, hs_error *err);

/* Mean log p(v) + log Z_top over the n items V (n x gen[0]->nv) of the deep belief net of L
 * RBMs (2 <= L <= 8): gen[l] for l < L - 1 the directed layers p(h_l | h_{l+1}) = sigmoid(a +
 * W h_{l+1}) (h_0 = v), gen[L - 1] the top RBM, its hidden layer summed out; subtract log Z_top
 * (hs_rbm_log_partition or hs_rbm_ais of gen[L - 1]) for log p(v).  Per item, `runs` AIS runs
 * of `betas` uniform steps over the latent layers (rbm_ais.c) from the factorial distribution
 * of the recognition pass through rec[0 .. L - 2] (rec = gen before fine-tuning); *se the standard error of
 * the mean (delta method, items independent).  Draws from r.  Errors: HS_ECONFIG (sizes, L,
 * runs < 2, betas < 1, n = 0), HS_ENOMEM. */
int hs_dbn_ais_loglik(const hs_rbm *const *gen, const hs_rbm *const *rec, int L, const double *V,
                      size_t n, size_t runs, size_t betas, gsl_rng *r, double *ll, double *se,
                      hs_error *err);

/* ---- pictures ----------------------------------------------------------------------------- */

/* Write each hidden unit's weights (a column of W) as a rows x cols image, tiled in a grid with
 * each tile scaled to its own range (hs_png_write_grid, 1 pixel padding), atomically.  Errors:
 * HS_ECONFIG if rows * cols differs from nv; those of hs_png_write_grid; HS_ENOMEM. */
int hs_rbm_write_filters(const hs_rbm *m, uint32_t rows, uint32_t cols, const char *path,
                         hs_error *err);

#endif
