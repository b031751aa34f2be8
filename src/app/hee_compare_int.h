/* hee_compare_int.h -- what the two halves of hee-snn compare share: the samples, the rows'
 * statistics and the runs of the network (hee_compare_rows.c), used by the samplers of
 * gaussian models (hee_compare.c) and of binary ones against enumeration (hee_compare_bin.c) */
#ifndef HS_APP_HEE_COMPARE_INT_H
#define HS_APP_HEE_COMPARE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "app/hee_compare.h"

/* Samples of the free units: n x K, row-major. */
typedef struct samples {
    size_t n, cap, K;
    double *y;
} samples;

/* How a row runs the hee: block. */
typedef struct variant {
    double m, tau_c, tau_eps, dt;
    int exact_grad;
    int spike;              /* the spike realisation, with: */
    uint32_t P;
    double r1, tau_syn, rmax;
    int bottom_up;          /* hs_hee_bottom_up, or -1: as the file says */
} variant;

/* Append x (K values) when there is room. */
void hs_cmp_take(samples *s, const double *x);
/* Sample means and covariances (K and K x K). */
void hs_cmp_moments(const samples *s, double *mean, double *cov);
/* Fill a row's statistics from its samples against the reference means and covariances. */
void hs_cmp_score(hs_cmp_row *r, const samples *s, const double *rmean, const double *rcov);
/* Run the network of cfg with the variant's settings for burn + T ms from the random stream
 * ("compare", stream), sampling the free units every `every`; the wall time of the sampling,
 * the spikes of the block's neurons (may be NULL) and, for a spike row, a detail label. */
int hs_cmp_run(const hs_config *cfg, const variant *v, const char *stream, double burn,
               double T, samples *s, double *wall, double *spikes, char *detail,
               hs_error *err);
int hs_cmp_add_row(hs_cmp_table *t, const char *name, const char *detail);
/* compare for models with bernoulli layers (hee_compare_bin.c). */
int hs_cmp_binary(const hs_config *cfg, const hs_cmp_opts *o, hs_cmp_table *t, hs_error *err);

#endif
