/* gabor.c -- multi-start Levenberg-Marquardt Gabor fits of receptive fields */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_statistics_double.h>

#include "analyze/gabor.h"
#include "util/error.h"

/* fit parameters: sigmas enter as their logarithms */
enum { P_AMP, P_X0, P_Y0, P_LSX, P_LSY, P_TH, P_F, P_PH, P_OFF, NPAR };

#define SCAN_ITER 20   /* iterations from every start ... */
#define KEEP 3         /* ... before the best KEEP are iterated on ... */
#define MAX_ITER 200   /* ... up to this many */
#define XTOL 1e-8
#define GTOL 1e-8

typedef struct gabor_ws {
    gsl_multifit_nlinear_workspace *w;
    gsl_multifit_nlinear_fdf fdf;
    const double *img;
    uint32_t rows, cols;
    double *tmp;   /* rows * cols doubles */
} gabor_ws;

/* Residuals g - img into f and/or the Jacobian into J (either may be NULL). */
static void gabor_eval(const gsl_vector *p, const gabor_ws *ws, gsl_vector *f, gsl_matrix *J)
{
    double amp = gsl_vector_get(p, P_AMP), x0 = gsl_vector_get(p, P_X0);
    double y0 = gsl_vector_get(p, P_Y0), ph = gsl_vector_get(p, P_PH);
    double off = gsl_vector_get(p, P_OFF), w = 2 * M_PI * gsl_vector_get(p, P_F);
    double sx = exp(gsl_vector_get(p, P_LSX)), sy = exp(gsl_vector_get(p, P_LSY));
    double c = cos(gsl_vector_get(p, P_TH)), s = sin(gsl_vector_get(p, P_TH));
    size_t i = 0;
    for (uint32_t r = 0; r < ws->rows; r++)
        for (uint32_t q = 0; q < ws->cols; q++, i++) {
            double dx = q - x0, dy = r - y0;
            double xp = dx * c + dy * s, yp = -dx * s + dy * c;
            double u = xp / sx, v = yp / sy, e = exp(-0.5 * (u * u + v * v));
            double arg = w * xp + ph, co = cos(arg);
            if (f)
                gsl_vector_set(f, i, off + amp * e * co - ws->img[i]);
            if (!J)
                continue;
            double si = sin(arg), ae = amp * e;
            /* dg/dx' and dg/dy' */
            double gxp = -ae * (co * u / sx + si * w), gyp = -ae * co * v / sy;
            double *row = gsl_matrix_ptr(J, i, 0);
            row[P_AMP] = e * co;
            row[P_X0] = -c * gxp + s * gyp;
            row[P_Y0] = -s * gxp - c * gyp;
            row[P_LSX] = ae * co * u * u;
            row[P_LSY] = ae * co * v * v;
            row[P_TH] = gxp * yp - gyp * xp;   /* dx'/dtheta = y', dy'/dtheta = -x' */
            row[P_F] = -ae * si * 2 * M_PI * xp;
            row[P_PH] = -ae * si;
            row[P_OFF] = 1;
        }
}

static int gabor_f(const gsl_vector *p, void *ws, gsl_vector *f)
{
    gabor_eval(p, ws, f, NULL);
    return GSL_SUCCESS;
}

static int gabor_df(const gsl_vector *p, void *ws, gsl_matrix *J)
{
    gabor_eval(p, ws, NULL, J);
    return GSL_SUCCESS;
}

/* Iterate from p0 until converged, stuck or maxiter; the end point into p, its SSE returned
 * (infinite if not finite).  Every accepted step lowers the SSE, so stopping early is safe. */
static double fit_from(gabor_ws *ws, const double *p0, int maxiter, double *p)
{
    gsl_vector_const_view x = gsl_vector_const_view_array(p0, NPAR);
    if (gsl_multifit_nlinear_init(&x.vector, &ws->fdf, ws->w) != GSL_SUCCESS)
        return INFINITY;
    for (int it = 0; it < maxiter; it++) {
        int info;
        if (gsl_multifit_nlinear_iterate(ws->w) != GSL_SUCCESS)   /* GSL_ENOPROG: no lower point */
            break;
        if (gsl_multifit_nlinear_test(XTOL, GTOL, 0, &info, ws->w) == GSL_SUCCESS)
            break;
    }
    double sse;
    gsl_blas_ddot(gsl_multifit_nlinear_residual(ws->w), gsl_multifit_nlinear_residual(ws->w), &sse);
    memcpy(p, gsl_multifit_nlinear_position(ws->w)->data, NPAR * sizeof *p);
    return isfinite(sse) ? sse : INFINITY;
}

/* Insert (sse, p) into the ascending list top_sse[0..KEEP-1], top, if it belongs there. */
static void keep(double top[KEEP][NPAR], double *top_sse, double sse, const double *p)
{
    int k = KEEP;
    while (k > 0 && sse < top_sse[k - 1])
        k--;
    if (k == KEEP)
        return;
    memmove(top[k + 1], top[k], (size_t)(KEEP - 1 - k) * sizeof top[0]);
    memmove(top_sse + k + 1, top_sse + k, (size_t)(KEEP - 1 - k) * sizeof top_sse[0]);
    memcpy(top[k], p, sizeof top[0]);
    top_sse[k] = sse;
}

/* Wrap a into [-pi, pi). */
static double wrap_pi(double a)
{
    a -= 2 * M_PI * floor((a + M_PI) / (2 * M_PI));
    return a < M_PI ? a : -M_PI;
}

/* The canonical form of parameters p (see gabor.h). */
static void canonical(const double *p, hs_gabor *g)
{
    double amp = p[P_AMP], th = p[P_TH], f = p[P_F], ph = p[P_PH];
    if (f < 0) {   /* cos(-w x' + ph) = cos(w x' - ph) */
        f = -f;
        ph = -ph;
    }
    double k = floor(th / M_PI);   /* theta + pi maps x' to -x' */
    th -= k * M_PI;
    if (fmod(k, 2) != 0)
        ph = -ph;
    if (!(th < M_PI)) {   /* rounding: theta = pi is theta = 0 with the phase negated */
        th = 0;
        ph = -ph;
    }
    th = fmax(th, 0);     /* rounding the other way */
    if (f == 0) {
        amp *= cos(ph);
        ph = 0;
    }
    if (amp < 0) {
        amp = -amp;
        ph += M_PI;
    }
    *g = (hs_gabor){.amp = amp, .x0 = p[P_X0], .y0 = p[P_Y0], .sigma_x = exp(p[P_LSX]),
                    .sigma_y = exp(p[P_LSY]), .theta = th, .freq = f, .phase = wrap_pi(ph),
                    .offset = p[P_OFF]};
}

static int fit_image(gabor_ws *ws, const double *img, hs_gabor *out, hs_error *err)
{
    size_t np = (size_t)ws->rows * ws->cols;
    double mean = 0, sst = 0;
    for (size_t i = 0; i < np; i++) {
        if (!isfinite(img[i]))
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "pixel (%zu, %zu) is not finite",
                                i / ws->cols, i % ws->cols);
        mean += img[i];
    }
    mean /= (double)np;
    for (size_t i = 0; i < np; i++)
        sst += (img[i] - mean) * (img[i] - mean);
    double side = ws->rows < ws->cols ? ws->rows : ws->cols, sigma = fmax(1, side / 6);
    if (sst == 0) {
        *out = (hs_gabor){.x0 = (ws->cols - 1) / 2.0, .y0 = (ws->rows - 1) / 2.0, .sigma_x = 1,
                          .sigma_y = 1, .offset = img[0]};
        return HS_OK;
    }
    ws->img = img;
    memcpy(ws->tmp, img, np * sizeof *img);
    double off = gsl_stats_median(ws->tmp, 1, np);
    size_t peak = 0;
    for (size_t i = 1; i < np; i++)
        if (fabs(img[i] - off) > fabs(img[peak] - off))
            peak = i;
    double v = img[peak] - off;
    double start[NPAR] = {[P_AMP] = v, [P_X0] = (double)(peak % ws->cols),
                          [P_Y0] = (double)(peak / ws->cols), [P_LSX] = log(sigma),
                          [P_LSY] = log(sigma), [P_OFF] = off};
    /* a short run from every start, keeping the KEEP lowest SSEs in order, and then those to
     * convergence: the starts that end elsewhere are far behind after SCAN_ITER steps */
    double top[KEEP][NPAR], top_sse[KEEP], p[NPAR];
    for (int k = 0; k < KEEP; k++)
        top_sse[k] = INFINITY;
    for (double f = 0.4; f >= 1 / side; f /= 2)
        for (int t = 0; t < 4; t++)
            for (int h = 0; h < 2; h++) {
                start[P_F] = f;
                start[P_TH] = t * M_PI / 4;
                start[P_PH] = h * M_PI / 2;
                start[P_AMP] = h ? fabs(v) : v;
                keep(top, top_sse, fit_from(ws, start, SCAN_ITER, p), p);
            }
    start[P_F] = start[P_TH] = start[P_PH] = 0;   /* the blob */
    start[P_AMP] = v;
    keep(top, top_sse, fit_from(ws, start, SCAN_ITER, p), p);
    double best[NPAR], best_sse = INFINITY;
    for (int k = 0; k < KEEP && isfinite(top_sse[k]); k++) {
        double sse = fit_from(ws, top[k], MAX_ITER, p);
        if (sse < best_sse) {
            best_sse = sse;
            memcpy(best, p, sizeof best);
        }
    }
    if (!isfinite(best_sse))
        return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "Gabor fit: no start converged");
    /* A wave vector k outside the Nyquist square |k_x|, |k_y| <= 1/2 has aliases k - n (n an
     * integer vector) with the same values on the pixel grid where the envelope is round, and
     * nearly the same elsewhere (the fit picks the alias about as often as not for a round
     * envelope): refit from the alias and keep it unless it is clearly worse, its SSE higher by
     * more than 10 residual variances (-2 log-likelihood up by 10). */
    double kx = best[P_F] * cos(best[P_TH]), ky = best[P_F] * sin(best[P_TH]);
    double nx = round(kx), ny = round(ky);
    if (nx != 0 || ny != 0) {
        memcpy(start, best, sizeof start);
        start[P_F] = hypot(kx - nx, ky - ny);
        start[P_TH] = atan2(ky - ny, kx - nx);
        start[P_PH] -= 2 * M_PI * (nx * best[P_X0] + ny * best[P_Y0]);
        double sse = fit_from(ws, start, MAX_ITER, p);
        if (sse - best_sse <= 10 * best_sse / (double)(np - NPAR) + 1e-12 * sst) {
            best_sse = sse;
            memcpy(best, p, sizeof best);
        }
    }
    canonical(best, out);
    out->r2 = 1 - best_sse / sst;
    return HS_OK;
}

static int ws_init(gabor_ws *ws, uint32_t rows, uint32_t cols, hs_error *err)
{
    size_t np = (size_t)rows * cols;
    if (np <= NPAR)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "Gabor fit needs more than %d pixels (image is %u x %u)", NPAR, rows,
                            cols);
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    *ws = (gabor_ws){.rows = rows, .cols = cols};
    ws->fdf = (gsl_multifit_nlinear_fdf){.f = gabor_f, .df = gabor_df, .n = np, .p = NPAR,
                                         .params = ws};
    ws->tmp = malloc(np * sizeof *ws->tmp);
    ws->w = ws->tmp ? gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, np, NPAR)
                    : NULL;
    if (!ws->w) {
        free(ws->tmp);
        return hs_nomem(err, NULL);
    }
    return HS_OK;
}

static void ws_free(gabor_ws *ws)
{
    gsl_multifit_nlinear_free(ws->w);
    free(ws->tmp);
}

int hs_gabor_fit(const double *img, uint32_t rows, uint32_t cols, hs_gabor *out, hs_error *err)
{
    return hs_gabor_fit_many(img, 1, rows, cols, out, err);
}

int hs_gabor_fit_many(const double *imgs, size_t n, uint32_t rows, uint32_t cols, hs_gabor *out,
                      hs_error *err)
{
    gabor_ws ws = {0};
    int rc = ws_init(&ws, rows, cols, err);
    for (size_t i = 0; i < n && rc == HS_OK; i++) {
        rc = fit_image(&ws, imgs + i * rows * cols, out + i, err);
        if (rc != HS_OK && n > 1 && err) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            hs_error_set(err, rc, NULL, 0, 0, "image %zu: %s", i, msg);
        }
    }
    if (ws.w)   /* NULL when ws_init failed */
        ws_free(&ws);
    return rc;
}
