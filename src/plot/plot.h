/* plot.h -- figures of a run's output files, drawn with cairo and written as PNG or SVG
 *
 * Every function reads one of the project's output files (or an array) and writes one figure
 * to out, whose extension picks the format: ".png" (1600 x 1000 pixels for the default
 * 800 x 500 pt page, drawn at 2x) or ".svg" (vector, text as glyph outlines).  Figures have a
 * title, axes with ticks at 1-2-5 steps, axis labels with units and, when there is more than
 * one series, a legend; colours come from the Okabe-Ito palette (hs_plot_palette).
 *
 * Output is atomic: the figure is drawn in memory, written to ".NAME.tmp-PID" in the directory
 * of out and renamed into place; on any failure the temporary is removed and an existing out is
 * left as it was.  Nothing is printed and no state is kept between calls.
 *
 * Errors (the hs_error names the offending file, and the 1-based line and byte column of a
 * malformed line): HS_ECONFIG for an unknown extension, a malformed line, a missing column, an
 * invalid argument or no data to plot; HS_EIO when a file cannot be read or written; HS_ENOMEM.
 */
#ifndef HS_PLOT_PLOT_H
#define HS_PLOT_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "hee-snn/hee-snn.h"

/* The i-th colour of the palette as 0xRRGGBB (i taken modulo the 8 colours). */
uint32_t hs_plot_palette(size_t i);

/* Spike raster of a spikes.tsv file ("time_ms population neuron" lines) over [t0, t1] ms, or
 * the whole run when t1 <= t0 (0 to the "# duration_ms:" of the header, else to the last
 * spike).  Populations are stacked in order of first appearance, each max-index + 1 rows high,
 * one colour each; time is in s when the window exceeds 10 s.  The file is streamed twice and
 * never held in memory; beyond 2e6 spikes in the window a uniform random subset (fixed, hash
 * of the spike's position in the file) of 2e6 is drawn and the title says so. */
int hs_plot_raster(const char *spikes_tsv, const char *out, double t0, double t1,
                   hs_error *err);

/* Population rates (spikes per second per neuron) in bins of bin_ms over the window [t0, t1)
 * ms (the whole run when t1 <= t0; a window's end is cut to the run's), one line per
 * population.  A population's size is its largest neuron index + 1 in the file.  A window
 * that starts at or after the run's end is HS_ECONFIG. */
int hs_plot_rate(const char *spikes_tsv, const char *out, double bin_ms, double t0, double t1,
                 hs_error *err);

/* Same, with known sizes: sizes[i] neurons for population names[i] (i < n); populations not
 * listed fall back to the largest index + 1.  A size below that index + 1 is HS_ECONFIG. */
int hs_plot_rate_sized(const char *spikes_tsv, const char *out, double bin_ms, double t0,
                       double t1, const char *const *names, const size_t *sizes, size_t n,
                       hs_error *err);

/* Two panels: the histogram of inter-spike intervals pooled over the neurons of a population
 * (log-spaced bins, as fractions of all its intervals), and the histogram of the per-neuron
 * coefficient of variation of the ISI (neurons with at least 2 intervals).  population NULL
 * draws every population, each as its own series; a name not in the file is HS_ECONFIG.
 * Only spikes in the window [t0, t1] ms count (all when t1 <= t0): an interval is drawn when
 * both its spikes lie in it. */
int hs_plot_isi(const char *spikes_tsv, const char *out, const char *population, double t0,
                double t1, hs_error *err);

/* KL divergence against simulated time, log-log, from a table whose header starts with
 * "T_ms" followed by "KL" (text before the header, as in the output of 'hee-snn analyze', is
 * skipped; a blank line after the data ends the table), with a 1/T line through the last
 * point.  Rows with KL <= 0 cannot be drawn on the log axis and are left out, and so are rows
 * whose T lies outside [t0, t1] when t1 > t0 (HS_ECONFIG when none is left). */
int hs_plot_kl(const char *kl_tsv, const char *out, double t0, double t1, hs_error *err);

/* The compare.tsv table of 'hee-snn compare': horizontal bars per sampler of the mean error
 * and the variance error with their Monte Carlo errors, and the effective samples per second
 * on a log axis (rows with '-' or 0 left out there).  Sweep rows are labelled with their
 * detail ("spike-sweep neurons_per_unit = 10"). */
int hs_plot_compare(const char *compare_tsv, const char *out, hs_error *err);

/* The learning curve of learning.tsv: loglik_train and loglik_holdout against model time (s),
 * with a dashed line at "# loglik_max:" when the file has it; without log-likelihoods (no
 * such columns, or none finite) the weight norm w_norm instead.  With t1 > t0 only the rows
 * whose model time lies in [t0, t1] ms (HS_ECONFIG for an RBM's curve, whose axis is epochs,
 * and when no row is left). */
int hs_plot_learning(const char *learning_tsv, const char *out, double t0, double t1,
                     hs_error *err);

/* Tiles of the first max_items (0: all) lines of a TSV of vectors (read by hs_data_load_tsv),
 * each a rows x cols image in row-major order, on one gray scale (min to max over all tiles)
 * with a scale bar.  Lines must hold rows * cols values. */
int hs_plot_grid(const char *samples_tsv, const char *out, uint32_t rows, uint32_t cols,
                 size_t max_items, hs_error *err);

/* Receptive fields: column j of the n_in x n_out row-major matrix W (n_in = rows * cols) as
 * tile j, each on its own scale symmetric about 0 (blue - white - red). */
int hs_plot_fields(const double *W, size_t n_in, size_t n_out, uint32_t rows, uint32_t cols,
                   const char *out, hs_error *err);

#endif
