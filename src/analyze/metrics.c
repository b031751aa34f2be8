/* metrics.c -- kernel MMD with a jackknife error, ridge-regression linear probe */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_statistics_double.h>

#include "analyze/metrics.h"
#include "util/error.h"

/* Rows per BLAS product.  With the reference gslcblas, products of 64-row blocks by a
 * column-major right factor ran twice as fast as one large product (cache reuse). */
#define ROW_BLOCK 64
#define MEDIAN_POINTS 1000
#define NFOLDS 5
#define MAX_DIM ((size_t)1 << 24)   /* keeps dim^2-sized buffers within size_t */

static int check_finite(const double *x, size_t n, size_t dim, const char *what, hs_error *err)
{
    for (size_t i = 0; i < n * dim; i++)
        if (!isfinite(x[i]))
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                "%s: value %zu of item %zu is not finite", what, i % dim,
                                i / dim);
    return HS_OK;
}

/* ---- kernel MMD --------------------------------------------------------------------------- */

/* At = A^T (with leading dimension ld >= n) and nrm[i] = |a_i|^2 for the n x dim matrix A. */
static void transpose_norms(const double *A, size_t n, size_t dim, double *At, size_t ld,
                           double *nrm)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t k = 0; k < dim; k++) {
            double v = A[i * dim + k];
            At[k * ld + i] = v;
            s += v * v;
        }
        nrm[i] = s;
    }
}

/* d2[(i - i0) * (nb - j0) + j - j0] = |a_i - b_j|^2 (clamped at 0, as rounding can make it
 * negative) for i in [i0, i1), j in [j0, nb), with A row-major (rows a_i) and Bt = B^T. */
static void sqdist_block(const double *A, const double *na, size_t i0, size_t i1,
                         const double *Bt, const double *nb, size_t j0, size_t nB, size_t dim,
                         double *d2)
{
    size_t w = nB - j0;
    gsl_matrix_const_view a = gsl_matrix_const_view_array(A + i0 * dim, i1 - i0, dim);
    gsl_matrix_const_view b = gsl_matrix_const_view_array_with_tda(Bt + j0, dim, w, nB);
    gsl_matrix_view c = gsl_matrix_view_array(d2, i1 - i0, w);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -2.0, &a.matrix, &b.matrix, 0.0, &c.matrix);
    for (size_t i = i0; i < i1; i++)
        for (size_t j = j0; j < nB; j++) {
            double *v = d2 + (i - i0) * w + (j - j0);
            *v += na[i] + nb[j];
            if (*v < 0)
                *v = 0;
        }
}

/* Kernel sums between the rows of A (nA x dim) and of B (given as Bt and norms):
 * ra[i] += sum_j k(a_i, b_j) and rb[j] += sum_i k(a_i, b_j).  With same (B is A) only the
 * pairs i < j are computed, and ra = rb receives the sums over j != i.  buf holds
 * ROW_BLOCK * nB doubles. */
static void kernel_sums(const double *A, const double *na, size_t nA, const double *Bt,
                        const double *nb, size_t nB, size_t dim, double gamma, int same,
                        double *ra, double *rb, double *buf)
{
    for (size_t i0 = 0; i0 < nA; i0 += ROW_BLOCK) {
        size_t i1 = nA - i0 < ROW_BLOCK ? nA : i0 + ROW_BLOCK;
        size_t j0 = same ? i0 : 0, w = nB - j0;
        sqdist_block(A, na, i0, i1, Bt, nb, j0, nB, dim, buf);
        for (size_t i = i0; i < i1; i++) {
            const double *d2 = buf + (i - i0) * w;
            double s = 0;
            for (size_t j = same ? i + 1 : j0; j < nB; j++) {
                double k = exp(-gamma * d2[j - j0]);
                s += k;
                rb[j] += k;
            }
            ra[i] += s;
        }
    }
}

/* Jackknife variance over the items of one sample of size n (the other has m): leaving item i
 * out moves the estimate by a_i + const, a_i = -2 r_i / ((n-1)(n-2)) + 2 s_i / ((n-1) m),
 * with r_i its kernel sum within its sample and s_i the one across. */
static double jackknife_var(const double *r, const double *s, size_t n, size_t m)
{
    double dn = (double)n, cr = -2 / ((dn - 1) * (dn - 2)), cs = 2 / ((dn - 1) * (double)m);
    double mean = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        mean += cr * r[i] + cs * s[i];
    mean /= dn;
    for (size_t i = 0; i < n; i++) {
        double d = cr * r[i] + cs * s[i] - mean;
        v += d * d;
    }
    return (dn - 1) / dn * v;
}

/* The median heuristic on data already checked. */
static int median_bandwidth(const double *X, size_t n, const double *Y, size_t m, size_t dim,
                            double *bw, hs_error *err)
{
    size_t N = n + m, S = N < MEDIAN_POINTS ? N : MEDIAN_POINTS, npairs = S * (S - 1) / 2;
    double *P = malloc((2 * S * dim + S + ROW_BLOCK * S + npairs) * sizeof *P);
    if (!P)
        return hs_nomem(err, NULL);
    double *Pt = P + S * dim, *nrm = Pt + S * dim, *buf = nrm + S, *dist = buf + ROW_BLOCK * S;
    for (size_t k = 0; k < S; k++) {
        size_t idx = k * N / S;   /* N < 2^54 items of memory, so k * N cannot overflow */
        const double *p = idx < n ? X + idx * dim : Y + (idx - n) * dim;
        memcpy(P + k * dim, p, dim * sizeof *P);
        transpose_norms(p, 1, dim, Pt + k, S, nrm + k);
    }
    size_t c = 0;
    for (size_t i0 = 0; i0 < S; i0 += ROW_BLOCK) {
        size_t i1 = S - i0 < ROW_BLOCK ? S : i0 + ROW_BLOCK, w = S - i0;
        sqdist_block(P, nrm, i0, i1, Pt, nrm, i0, S, dim, buf);
        for (size_t i = i0; i < i1; i++)
            for (size_t j = i + 1; j < S; j++)
                dist[c++] = sqrt(buf[(i - i0) * w + (j - i0)]);
    }
    double med = gsl_stats_median(dist, 1, npairs);
    free(P);
    if (!(med > 0))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "median heuristic: the median pairwise distance is 0 (most points "
                            "coincide); give a bandwidth");
    *bw = med;
    return HS_OK;
}

int hs_metrics_median_bandwidth(const double *X, size_t n, const double *Y, size_t m,
                                size_t dim, double *bw, hs_error *err)
{
    if (n + m < 2 || dim == 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "median heuristic needs 2 points of dimension >= 1 (have %zu of %zu)",
                            n + m, dim);
    int rc = check_finite(X, n, dim, "X", err);
    if (rc == HS_OK)
        rc = check_finite(Y, m, dim, "Y", err);
    return rc != HS_OK ? rc : median_bandwidth(X, n, Y, m, dim, bw, err);
}

int hs_mmd2_rbf(const double *X, size_t n, const double *Y, size_t m, size_t dim,
                double bandwidth, double *mmd2, double *se, hs_error *err)
{
    if (n < 2 || m < 2 || dim == 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "MMD needs samples of >= 2 items of dimension >= 1 "
                            "(have %zu and %zu items of %zu)", n, m, dim);
    if (!isfinite(bandwidth))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "bandwidth %g is not finite",
                            bandwidth);
    int rc = check_finite(X, n, dim, "X", err);
    if (rc == HS_OK)
        rc = check_finite(Y, m, dim, "Y", err);
    double bw = bandwidth;
    if (rc == HS_OK && bw <= 0)
        rc = median_bandwidth(X, n, Y, m, dim, &bw, err);
    if (rc != HS_OK)
        return rc;

    size_t big = n > m ? n : m;
    double *Xt = malloc(((n + m) * (dim + 4) + ROW_BLOCK * big) * sizeof *Xt);
    if (!Xt)
        return hs_nomem(err, NULL);
    double *Yt = Xt + n * dim, *nx = Yt + m * dim, *ny = nx + n;
    double *rx = ny + m, *sx = rx + n, *ry = sx + n, *ty = ry + m, *buf = ty + m;
    memset(rx, 0, 2 * (n + m) * sizeof *rx);
    transpose_norms(X, n, dim, Xt, n, nx);
    transpose_norms(Y, m, dim, Yt, m, ny);
    double gamma = 0.5 / (bw * bw);
    kernel_sums(X, nx, n, Xt, nx, n, dim, gamma, 1, rx, rx, buf);
    kernel_sums(Y, ny, m, Yt, ny, m, dim, gamma, 1, ry, ry, buf);
    kernel_sums(X, nx, n, Yt, ny, m, dim, gamma, 0, sx, ty, buf);

    double sxx = 0, syy = 0, sxy = 0, dn = (double)n, dm = (double)m;
    for (size_t i = 0; i < n; i++) {
        sxx += rx[i];
        sxy += sx[i];
    }
    for (size_t j = 0; j < m; j++)
        syy += ry[j];
    *mmd2 = sxx / (dn * (dn - 1)) + syy / (dm * (dm - 1)) - 2 * sxy / (dn * dm);
    if (se)
        *se = n < 3 || m < 3 ? NAN
                             : sqrt(jackknife_var(rx, sx, n, m) + jackknife_var(ry, ty, m, n));
    free(Xt);
    return HS_OK;
}

/* ---- ridge regression and the linear probe ------------------------------------------------ */

/* Sums over a set of items of z = (f - shift) / scale and its one-hot target t (C classes):
 * N items, s = sum z (dim), S = sum z z^T (dim x dim), R = sum z t^T (dim x C) and the class
 * counts c (C).  Sums over disjoint sets add. */
typedef struct rstats {
    double *N, *s, *S, *R, *c;
} rstats;

static size_t rstats_len(size_t dim, size_t C)
{
    return 1 + dim + dim * dim + dim * C + C;
}

static rstats rstats_at(double *p, size_t dim, size_t C)
{
    rstats st = {p, p + 1, p + 1 + dim, p + 1 + dim + dim * dim, p + 1 + dim + dim * dim + dim * C};
    return st;
}

static void standardise(const double *f, size_t dim, const double *shift, const double *scale,
                        double *z)
{
    for (size_t k = 0; k < dim; k++)
        z[k] = scale ? (f[k] - shift[k]) / scale[k] : f[k] - shift[k];
}

/* Add items first, first + stride, ... < n of F to st; buf holds 2 ROW_BLOCK dim doubles. */
static void rstats_add(rstats st, const double *F, const int *y, size_t n, size_t first,
                       size_t stride, size_t dim, size_t C, const double *shift,
                       const double *scale, double *buf)
{
    double *zt = buf + ROW_BLOCK * dim;   /* the block transposed, leading dimension ROW_BLOCK */
    size_t b = 0;
    for (size_t i = first; i < n; i += stride) {
        double *z = buf + b * dim;
        standardise(F + i * dim, dim, shift, scale, z);
        for (size_t k = 0; k < dim; k++) {
            zt[k * ROW_BLOCK + b] = z[k];
            st.s[k] += z[k];
            st.R[k * C + (size_t)y[i]] += z[k];
        }
        st.c[y[i]] += 1;
        *st.N += 1;
        if (++b == ROW_BLOCK || n - i <= stride) {
            /* S += Z^T Z as a product of untransposed factors: with gslcblas twice as fast as
             * dsyrk (which does half the work) and 1.4 times as fast as dgemm on Z^T */
            gsl_matrix_view Z = gsl_matrix_view_array(buf, b, dim);
            gsl_matrix_view Zt = gsl_matrix_view_array_with_tda(zt, dim, b, ROW_BLOCK);
            gsl_matrix_view S = gsl_matrix_view_array(st.S, dim, dim);
            gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Zt.matrix, &Z.matrix, 1.0, &S.matrix);
            b = 0;
        }
    }
}

/* The ridge solution for the items summed in st, in z coordinates: W ((dim + 1) x C, bias
 * last) as in hs_metrics_ridge_fit.  G (dim x dim) is work space. */
static int rstats_solve(rstats st, size_t dim, size_t C, double lambda, double *G, double *W,
                        hs_error *err)
{
    double N = *st.N;
    for (size_t i = 0; i < dim; i++) {
        for (size_t j = 0; j <= i; j++)
            G[i * dim + j] = st.S[i * dim + j] - st.s[i] * st.s[j] / N;
        G[i * dim + i] += lambda;
        for (size_t c = 0; c < C; c++)
            W[i * C + c] = st.R[i * C + c] - st.s[i] * st.c[c] / N;
    }
    gsl_matrix_view g = gsl_matrix_view_array(G, dim, dim);
    gsl_matrix_view w = gsl_matrix_view_array(W, dim, C);
    int status = gsl_linalg_cholesky_decomp1(&g.matrix);   /* reads the lower triangle */
    if (status == GSL_SUCCESS)
        status = gsl_linalg_cholesky_svx_mat(&g.matrix, &w.matrix);
    if (status != GSL_SUCCESS)
        return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0,
                            "ridge regression: Cholesky solve failed (%s); ridge %g is too small",
                            gsl_strerror(status), lambda);
    for (size_t c = 0; c < C; c++) {
        double b = st.c[c] / N;
        for (size_t k = 0; k < dim; k++)
            b -= st.s[k] / N * W[k * C + c];
        W[dim * C + c] = b;
    }
    return HS_OK;
}

/* The class of largest score z.W_c + bias_c, the lowest on ties; score holds C doubles. */
static int predict(const double *z, const double *W, size_t dim, size_t C, double *score)
{
    memcpy(score, W + dim * C, C * sizeof *score);
    for (size_t k = 0; k < dim; k++)
        for (size_t c = 0; c < C; c++)
            score[c] += z[k] * W[k * C + c];
    size_t best = 0;
    for (size_t c = 1; c < C; c++)
        if (score[c] > score[best])
            best = c;
    return (int)best;
}

static int check_labels(const int *y, size_t n, int nclasses, const char *what, hs_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= nclasses)
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                "%s: label %d of item %zu is outside 0..%d", what, y[i], i,
                                nclasses - 1);
    return HS_OK;
}

static int check_sizes(size_t n, size_t min_n, size_t dim, int nclasses, hs_error *err)
{
    if (n < min_n || dim == 0 || nclasses < 2)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "ridge regression needs >= %zu items, dimension >= 1 and >= 2 "
                            "classes (have %zu items, dimension %zu, %d classes)",
                            min_n, n, dim, nclasses);
    if (dim > MAX_DIM)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "dimension %zu is too large", dim);
    return HS_OK;
}

/* Per-dimension mean and (population) standard deviation of F, sd 1 where it is 0. */
static void mean_sd(const double *F, size_t n, size_t dim, double *mean, double *sd)
{
    memset(mean, 0, dim * sizeof *mean);
    memset(sd, 0, dim * sizeof *sd);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < dim; k++)
            mean[k] += F[i * dim + k];
    for (size_t k = 0; k < dim; k++)
        mean[k] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < dim; k++) {
            double d = F[i * dim + k] - mean[k];
            sd[k] += d * d;
        }
    for (size_t k = 0; k < dim; k++) {
        sd[k] = sqrt(sd[k] / (double)n);
        if (!(sd[k] > 0))
            sd[k] = 1;
    }
}

int hs_metrics_ridge_fit(const double *F, const int *y, size_t n, size_t dim, int nclasses,
                         double ridge, double *W, hs_error *err)
{
    int rc = check_sizes(n, 1, dim, nclasses, err);
    if (rc != HS_OK)
        return rc;
    if (!(ridge > 0) || !isfinite(ridge))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "ridge must be finite and > 0, got %g",
                            ridge);
    if ((rc = check_labels(y, n, nclasses, "labels", err)) != HS_OK ||
        (rc = check_finite(F, n, dim, "features", err)) != HS_OK)
        return rc;
    size_t C = (size_t)nclasses, L = rstats_len(dim, C);
    double *mean = calloc((2 + 2 * ROW_BLOCK) * dim + dim * dim + L, sizeof *mean);
    if (!mean)
        return hs_nomem(err, NULL);
    double *sd = mean + dim, *buf = sd + dim, *G = buf + 2 * ROW_BLOCK * dim, *sums = G + dim * dim;
    /* centring first keeps S - s s^T / N free of cancellation */
    mean_sd(F, n, dim, mean, sd);
    rstats st = rstats_at(sums, dim, C);
    rstats_add(st, F, y, n, 0, 1, dim, C, mean, NULL, buf);
    rc = rstats_solve(st, dim, C, ridge, G, W, err);
    for (size_t c = 0; c < C && rc == HS_OK; c++)   /* z = f - mean back to raw features */
        for (size_t k = 0; k < dim; k++)
            W[dim * C + c] -= mean[k] * W[k * C + c];
    free(mean);
    return rc;
}

/* Number of items first, first + stride, ... < n of F classified correctly by W. */
static size_t count_correct(const double *F, const int *y, size_t n, size_t first,
                            size_t stride, size_t dim, size_t C, const double *shift,
                            const double *scale, const double *W, double *z, double *score)
{
    size_t ok = 0;
    for (size_t i = first; i < n; i += stride) {
        standardise(F + i * dim, dim, shift, scale, z);
        ok += predict(z, W, dim, C, score) == y[i];
    }
    return ok;
}

int hs_linear_probe(const double *Ftrain, const int *ytrain, size_t ntrain,
                    const double *Ftest, const int *ytest, size_t ntest, size_t dim,
                    int nclasses, double ridge, double *accuracy, hs_error *err)
{
    int cv = ridge <= 0;
    int rc = check_sizes(ntrain, cv ? NFOLDS : 2, dim, nclasses, err);
    if (rc != HS_OK)
        return rc;
    if (ntest == 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "linear probe: no test items");
    if (isnan(ridge) || ridge == INFINITY)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "linear probe: ridge %g is not finite",
                            ridge);
    if ((rc = check_labels(ytrain, ntrain, nclasses, "training labels", err)) != HS_OK ||
        (rc = check_labels(ytest, ntest, nclasses, "test labels", err)) != HS_OK ||
        (rc = check_finite(Ftrain, ntrain, dim, "training features", err)) != HS_OK ||
        (rc = check_finite(Ftest, ntest, dim, "test features", err)) != HS_OK)
        return rc;

    size_t C = (size_t)nclasses, L = rstats_len(dim, C), folds = cv ? NFOLDS : 1;
    /* per-fold sums, their total, and the sums without one fold */
    size_t len = (folds + 2) * L + dim * dim + (dim + 1) * C + C + (2 + 2 * ROW_BLOCK) * dim;
    double *sums = calloc(len, sizeof *sums);
    if (!sums)
        return hs_nomem(err, NULL);
    double *total = sums + folds * L, *rest = total + L, *G = rest + L, *W = G + dim * dim;
    double *score = W + (dim + 1) * C, *mean = score + C, *sd = mean + dim, *buf = sd + dim;

    mean_sd(Ftrain, ntrain, dim, mean, sd);
    for (size_t f = 0; f < folds; f++) {
        rstats_add(rstats_at(sums + f * L, dim, C), Ftrain, ytrain, ntrain, f, folds, dim, C,
                   mean, sd, buf);
        for (size_t i = 0; i < L; i++)
            total[i] += sums[f * L + i];
    }
    rstats all = rstats_at(total, dim, C);
    double lambda = ridge;
    if (cv) {
        double trace = 0;   /* of the centred Gram matrix */
        for (size_t k = 0; k < dim; k++)
            trace += all.S[k * dim + k] - all.s[k] * all.s[k] / *all.N;
        double unit = trace > 0 ? trace / (double)dim : 1;
        size_t correct[7] = {0};
        for (size_t f = 0; f < folds && rc == HS_OK; f++) {
            for (size_t i = 0; i < L; i++)
                rest[i] = total[i] - sums[f * L + i];
            for (int e = 0; e < 7 && rc == HS_OK; e++) {
                rc = rstats_solve(rstats_at(rest, dim, C), dim, C, unit * pow(10, e - 3), G, W,
                                  err);
                if (rc == HS_OK)
                    correct[e] += count_correct(Ftrain, ytrain, ntrain, f, folds, dim, C, mean,
                                                sd, W, buf, score);
            }
        }
        int best = 6;
        for (int e = 5; e >= 0; e--)   /* from the largest ridge down: ties keep the larger */
            if (correct[e] > correct[best])
                best = e;
        lambda = unit * pow(10, best - 3);
    }
    if (rc == HS_OK)
        rc = rstats_solve(all, dim, C, lambda, G, W, err);
    if (rc == HS_OK)
        *accuracy = (double)count_correct(Ftest, ytest, ntest, 0, 1, dim, C, mean, sd, W, buf,
                                          score) / (double)ntest;
    free(sums);
    return rc;
}
