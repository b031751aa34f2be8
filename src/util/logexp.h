/* logexp.h -- the logistic functions and the log of a mean of exponentials, shared by the
 * binary models (src/hee) and the Boltzmann machines (src/rbm) */
#ifndef HS_UTIL_LOGEXP_H
#define HS_UTIL_LOGEXP_H

#include <stddef.h>

/* log(1 + e^x) and 1 / (1 + e^-x), accurate for every x. */
double hs_softplus(double x);
double hs_sigmoid(double x);

/* log of the mean of exp(x[0..n)) (n >= 1), without overflow: the estimate of log Z or log p(v)
 * from n annealed importance weights x = log w.  *var_log (n >= 2; NULL: not wanted) gets the
 * delta-method variance of that estimate: the sample variance of w over n, divided by the
 * squared mean. */
double hs_log_mean_exp(const double *x, size_t n, double *var_log);

#endif
