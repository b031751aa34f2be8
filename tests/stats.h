/* stats.h -- Monte Carlo error bars for the statistical tests
 *
 * A sampler's output is a correlated time series, so the error of a time average is estimated
 * by batch means: the run is cut into B consecutive batches much longer than the correlation
 * time, each batch gives one estimate, and the standard error of their mean is sd/sqrt(B).
 * With B = 20 batches the batch estimates are close to independent and Gaussian, so a
 * deviation beyond 5 standard errors has a probability below 1e-4 under a correct sampler
 * (Student t with 19 degrees of freedom: P(|t| > 5) = 8e-5).
 */
#ifndef HS_TESTS_STATS_H
#define HS_TESTS_STATS_H

#include <math.h>
#include <stddef.h>

typedef struct batch_stat {
    double mean, se;
} batch_stat;

/* Mean and standard error of x[0..B-1] taken as independent batch estimates. */
static inline batch_stat batch_means(const double *x, size_t B)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < B; i++) m += x[i];
    m /= (double)B;
    for (size_t i = 0; i < B; i++) v += (x[i] - m) * (x[i] - m);
    v /= (double)(B - 1);
    return (batch_stat){m, sqrt(v / (double)B)};
}

/* Standardised deviation of a batch estimate from the exact value. */
static inline double zscore(batch_stat s, double exact)
{
    return s.se > 0 ? (s.mean - exact) / s.se : (s.mean == exact ? 0 : HUGE_VAL);
}

#endif
