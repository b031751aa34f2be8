/* logexp.c -- the logistic functions and the log of a mean of exponentials */
#include <math.h>

#include "util/logexp.h"

double hs_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

double hs_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

double hs_log_mean_exp(const double *x, size_t n, double *var_log)
{
    double mx = -INFINITY;
    for (size_t k = 0; k < n; k++)
        mx = fmax(mx, x[k]);
    double sum = 0, sum2 = 0;
    for (size_t k = 0; k < n; k++) {
        const double e = exp(x[k] - mx);
        sum += e;
        sum2 += e * e;
    }
    const double mean = sum / (double)n;
    if (var_log) {
        const double var = n > 1 ? fmax(0.0, sum2 / (double)n - mean * mean) * (double)n /
                                       (double)(n - 1)
                                 : NAN;
        *var_log = var / (double)n / (mean * mean);
    }
    return mx + log(mean);
}
