/* hee_spec.h -- a hee: block of the configuration compiled into the parameter block of its
 * process (hs_hee_spec, proc/hee_rt.h), and the process built from it */
#ifndef HS_NET_HEE_SPEC_H
#define HS_NET_HEE_SPEC_H

#include "config/config.h"
#include "proc/hee_rt.h"

/* Compile cfg->hee into *s: sizes, rho, sigma, time constants, realisation, data set and
 * learning, with biases, lateral couplings, weights and clamp drawn from the seeded streams
 * ("hee:LAYER", "bias" / "lateral" / "weights" / "clamp").  s borrows names, flags and file
 * names from cfg.  Free with hs_hee_spec_free (on failure s is already empty). */
int hs_net_hee_spec(const hs_config *cfg, hs_hee_spec *s, hs_error *err);

/* The runtime of cfg->hee (which must be set): hs_net_hee_spec, then hs_hee_rt_create.  The
 * runtime does not point into cfg. */
int hs_net_hee_rt(const hs_config *cfg, hs_hee_rt **out, hs_error *err);

/* A data: block as the runtime's data set description (borrowing d's names). */
hs_hee_data hs_net_hee_data(const hs_datacfg *d);

#endif
