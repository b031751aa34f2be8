/* gabor.h -- least-squares Gabor fits of receptive fields
 *
 * A receptive field (rows x cols values, row-major) is fitted by
 *
 *   g(x, y) = offset + amp exp(-x'^2 / (2 sigma_x^2) - y'^2 / (2 sigma_y^2))
 *                          cos(2 pi freq x' + phase)
 *   x' =  (x - x0) cos theta + (y - y0) sin theta
 *   y' = -(x - x0) sin theta + (y - y0) cos theta
 *
 * in pixel units: pixel (r, c) sits at x = c, y = r (so y grows downwards as the rows do),
 * freq is in cycles per pixel, theta is the direction of the carrier's wave vector measured from
 * the +x axis towards +y, sigma_x is the envelope's width across the stripes and sigma_y along
 * them.  Functions return HS_OK or a code and fill err (if non-NULL); nothing prints, exits or
 * keeps state.  GSL's error handler is left alone (see metrics.h).
 */
#ifndef HS_ANALYZE_GABOR_H
#define HS_ANALYZE_GABOR_H

#include <stddef.h>
#include <stdint.h>

#include "hee-snn/hee-snn.h"

typedef struct hs_gabor {
    double amp, x0, y0, sigma_x, sigma_y, theta, freq, phase, offset;
    double r2;   /* 1 - SSE / SST, SST the sum of squares about the image mean */
} hs_gabor;

/* Fit g to img by nonlinear least squares (gsl_multifit_nlinear, Levenberg-Marquardt trust
 * region, analytic Jacobian, log sigma as the parameters so the widths stay positive) from
 * several deterministic starts, keeping the smallest residual:
 *   offset = the median pixel, centre = the pixel farthest from it, sigma_x = sigma_y =
 *   max(1, min(rows, cols) / 6); theta in {0, pi/4, pi/2, 3pi/4} x freq in
 *   {0.4, 0.2, 0.1, ...} (halving while >= 1 / min(rows, cols)) x phase in {0, pi/2}, with amp
 *   the signed peak deviation for phase 0 and its magnitude for pi/2; plus one blob start
 *   (freq 0, phase 0, theta 0).  A 12 x 12 image has 25 starts.  Each runs 20 iterations;
 *   the 3 with the lowest SSE then run on to convergence (relative step or scaled gradient
 *   below 1e-8) or 200 iterations.
 * Nothing is constrained.  The result is reported in a canonical form that describes the same
 * function: amp >= 0, freq >= 0, theta in [0, pi), phase in [-pi, pi) (theta + pi is the same
 * Gabor with phase negated, amp < 0 the same with phase + pi); for freq = 0 exactly the phase is
 * folded into amp (phase 0 or -pi).  A blob (no carrier) defines theta only up to pi/2 with the
 * widths swapped, and usually comes out with a tiny freq (freq * sigma ~ 1e-4) and a phase
 * near 0: recognise it by freq * max(sigma_x, sigma_y) << 1.  On the pixel grid a wave vector
 * k = freq (cos theta, sin theta) and its aliases k - n (n an integer vector) take the same
 * values (exactly so for a round envelope), so a best fit with k outside the Nyquist square
 * |k_x|, |k_y| <= 1/2 is refitted once from its alias inside and replaced by it unless that is
 * clearly worse (SSE up by more than 10 residual variances SSE / (rows cols - 9)).  A constant
 * image gives offset = its value, amp = 0, freq = 0, the centre in the middle, sigmas 1, r2 = 0.
 * Errors: HS_ECONFIG if rows * cols < 10 (fewer pixels than 9 parameters + 1) or a pixel is not
 * finite; HS_ENOMEM; HS_ERUNTIME if no start reaches a finite residual. */
int hs_gabor_fit(const double *img, uint32_t rows, uint32_t cols, hs_gabor *out, hs_error *err);

/* hs_gabor_fit on each of the n images imgs + i * rows * cols, into out[i], sharing one
 * workspace.  Stops at the first failing image; the error message names its index. */
int hs_gabor_fit_many(const double *imgs, size_t n, uint32_t rows, uint32_t cols, hs_gabor *out,
                      hs_error *err);

#endif
