/* metrics.h -- scores for a trained generative model: kernel two-sample distance, linear probe
 *
 * hs_mmd2_rbf measures how far generated samples are from held-out data (maximum mean
 * discrepancy with a Gaussian kernel, Gretton et al. 2012, JMLR 13:723); hs_linear_probe
 * measures how much class information learned features carry (a ridge-regression read-out).
 * Inputs are flat row-major arrays (item i of a sample at X + i * dim, as in hs_dataset).
 * Every function returns HS_OK or a code and fills err (if non-NULL); nothing here prints,
 * exits or keeps state.  Codes: HS_ECONFIG for an invalid argument or non-finite data,
 * HS_ENOMEM when memory runs out or a size overflows, HS_ERUNTIME when a factorisation fails.
 * GSL's error handler is left alone: under the default one a GSL failure (out of memory, a
 * matrix that is not positive definite) aborts, so callers that want the status code call
 * gsl_set_error_handler_off() first, as the CLI does.
 */
#ifndef HS_ANALYZE_METRICS_H
#define HS_ANALYZE_METRICS_H

#include <stddef.h>

#include "hee-snn/hee-snn.h"

/* Unbiased squared MMD between the samples X (n x dim) and Y (m x dim) with the kernel
 * k(x, y) = exp(-|x - y|^2 / (2 bandwidth^2)):
 *
 *   MMD^2_u = sum_{i!=j} k(x_i,x_j) / (n(n-1)) + sum_{i!=j} k(y_i,y_j) / (m(m-1))
 *             - 2 sum_{i,j} k(x_i,y_j) / (n m),
 *
 * an unbiased estimate of MMD^2 = E k(x,x') + E k(y,y') - 2 E k(x,y), so it can be negative.
 * bandwidth <= 0 selects it by the median heuristic (hs_metrics_median_bandwidth).
 *
 * *se (if se is non-NULL) receives the two-sample jackknife standard error (Arvesen 1969):
 * with MMD_(-i) the estimate without x_i and MMD_(-j) the one without y_j,
 *
 *   se^2 = (n-1)/n sum_i (MMD_(-i) - mean_i MMD_(-i))^2 + (m-1)/m sum_j (MMD_(-j) - mean)^2,
 *
 * computed exactly in O(n + m) from the kernel row sums.  When the distributions differ it is
 * consistent: it estimates 4 Var h_X(x) / n + 4 Var h_Y(y) / m, the leading variance of the
 * U-statistic, with h_X(x) = E k(x, x') - E k(x, y) and h_Y likewise (measured: mean se^2 /
 * variance 1.04 at n = m = 200).  When they are equal that term vanishes and the variance is
 * O(1/n^2); the jackknife, which errs on the large side (Efron and Stein 1981), then gives
 * about twice it (ratio 1.9 - 2.2 measured for n = 8 .. 200), so |MMD^2_u| / se is
 * conservative as a test of equality.  se needs n >= 3 and m >= 3 and is NaN otherwise.
 *
 * The squared distances come from one BLAS product per block of 64 rows (|x|^2 + |y|^2 - 2 x.y,
 * clamped at 0), so the cost is (n^2/2 + n m + m^2/2) dim multiply-adds plus as many exp()
 * and the memory 8 (n + m)(dim + 4) + 512 max(n, m) bytes (the median heuristic takes up to
 * (16 dim + 4500) kB more); nothing of size n m is stored.
 * Errors: HS_ECONFIG if n < 2, m < 2, dim = 0, bandwidth or a value is not finite, or the
 * median heuristic gives 0; HS_ENOMEM. */
int hs_mmd2_rbf(const double *X, size_t n, const double *Y, size_t m, size_t dim,
                double bandwidth, double *mmd2, double *se, hs_error *err);

/* The median heuristic: *bw = the median Euclidean distance over the distinct pairs of at
 * most 1000 points of the pooled sample [X; Y] (n + m points).  When n + m > 1000 the points
 * are those at the pooled indices floor(k (n + m) / 1000), k = 0..999, a fixed subsample that
 * takes X and Y in proportion to their sizes.  With an even number of pairs the median is the
 * mean of the two middle distances.  Errors: HS_ECONFIG if n + m < 2, dim = 0, a value is not
 * finite or the median is 0 (most points coincide); HS_ENOMEM. */
int hs_metrics_median_bandwidth(const double *X, size_t n, const double *Y, size_t m,
                                size_t dim, double *bw, hs_error *err);

/* Ridge regression of one-hot class targets on features with an unpenalised bias:
 * W minimises |[F 1] W - T|^2 + ridge |W_{0..dim-1}|^2, where F is n x dim, T is the n x
 * nclasses one-hot matrix of labels y (0 <= y[i] < nclasses) and W is (dim + 1) x nclasses,
 * row-major, its last row the bias.  Solved as (Fc^T Fc + ridge I) V = Fc^T Tc by Cholesky,
 * with Fc, Tc the column-centred F and T, and bias = mean(T) - mean(F) V; this equals the
 * least-squares solution with a bias column that the penalty leaves out (so the result does not
 * depend on where the features' origin is).  The caller owns W ((dim + 1) * nclasses doubles).
 * Errors: HS_ECONFIG if n = 0, dim = 0, nclasses < 2, ridge <= 0 or not finite, a label is
 * out of range or a feature not finite; HS_ENOMEM; HS_ERUNTIME if the Cholesky factorisation
 * fails (ridge below the rounding error of F^T F; only with GSL's error handler off). */
int hs_metrics_ridge_fit(const double *F, const int *y, size_t n, size_t dim, int nclasses,
                         double ridge, double *W, hs_error *err);

/* Linear probe: the test accuracy of a one-vs-all ridge-regression classifier trained on
 * (Ftrain, ytrain).  Features are standardised with the training statistics first,
 * z = (f - mean) / sd per dimension (population sd; a feature constant on the training set is
 * only centred, and then gets weight 0), then hs_metrics_ridge_fit is solved on z and a test
 * item is assigned the class of largest score (the lowest index on ties).  *accuracy is the
 * fraction of test items whose label is predicted.
 *
 * ridge > 0 is used as is, in the units of the standardised Gram matrix (whose diagonal is
 * ntrain for every non-constant feature).  ridge <= 0 chooses it by 5-fold cross-validation on
 * the training set among 10^k tr(Zc^T Zc) / dim, k = -3..3 (Zc the centred standardised
 * training features): training item i belongs to fold i mod 5, the score is the number of
 * held-out items classified correctly, and ties go to the larger ridge.  (The folds share the
 * standardisation of the whole training set.)  All folds come from one pass of per-fold sums,
 * so cross-validation costs 35 Cholesky factorisations of size dim on top of the ntrain dim^2
 * of the single Gram matrix.  Memory: 8 dim^2 doubles with cross-validation, 4 dim^2 without,
 * plus O(dim (nclasses + 128)).  Errors: HS_ECONFIG if ntrain < 2 (< 5 with ridge <= 0),
 * ntest = 0, dim = 0, nclasses < 2, ridge is NaN or +inf, a label is out of range or a
 * feature not finite; HS_ENOMEM; HS_ERUNTIME as for hs_metrics_ridge_fit. */
int hs_linear_probe(const double *Ftrain, const int *ytrain, size_t ntrain,
                    const double *Ftest, const int *ytest, size_t ntest, size_t dim,
                    int nclasses, double ridge, double *accuracy, hs_error *err);

#endif
