/* hee_compare.h -- hee-snn compare: one HEE model, several samplers, one table */
#ifndef HS_HEE_HEE_COMPARE_H
#define HS_HEE_HEE_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"

#define HS_CMP_MAX_SWEEP 16
#define HS_CMP_MAX_ROWS (10 + 2 * HS_CMP_MAX_SWEEP)

typedef struct hs_cmp_opts {
    char sweep_key[32];            /* "" for none; m, tau_eps, neurons_per_unit, tau_syn,
                                    * rate_per_unit */
    double sweep[HS_CMP_MAX_SWEEP];
    int nsweep;
} hs_cmp_opts;

typedef struct hs_cmp_row {
    char name[32], detail[128];
    double mean_err, mean_mc, mean_z;  /* largest over units, in reference sd; z = err / mc */
    double var_err, var_mc, var_z;     /* relative */
    double corr_err, corr_mc, corr_z;  /* largest |correlation - reference| over unit pairs */
    double kl;                         /* Gaussian KL(fitted || reference) */
    double tau_int;                    /* samples, mean over units */
    double ess_per_s, ess_per_spike;   /* slowest unit; NaN where undefined */
    double wall;
    size_t nsamples;
} hs_cmp_row;

typedef struct hs_cmp_table {
    char reference[64];
    size_t K;
    double T, every;
    int nrows;
    hs_cmp_row rows[HS_CMP_MAX_ROWS];
} hs_cmp_table;

/* Run every sampler that applies to cfg's hee: block for cfg's duration and fill t. */
int hs_hee_compare(const hs_config *cfg, const hs_cmp_opts *o, hs_cmp_table *t, hs_error *err);
void hs_hee_compare_tsv(const hs_cmp_table *t, FILE *f);
void hs_hee_compare_text(const hs_cmp_table *t, FILE *f);

#endif
