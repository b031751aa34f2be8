/* analyze.h -- exact Boltzmann distributions and sampled state distributions */
#ifndef HS_ANALYZE_ANALYZE_H
#define HS_ANALYZE_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

/* p[s] for all 2^K states of p(z) ~ exp(b.z + z.W.z/2) (W symmetric K x K, diagonal ignored);
 * bit k of s is z_k.  Computed in log space, normalised. */
void hs_boltzmann_probs(uint32_t K, const double *b, const double *W, double *p);

/* KL(q || p) = sum_s q_s log(q_s/p_s), terms with q_s = 0 contributing 0. */
double hs_kl(const double *q, const double *p, size_t S);

/* Time spent in each joint state by K binary units whose unit k is on during [t, t + tau) after
 * each of its spikes (neural sampling).  Spikes (times sorted, neuron ids) are swept once;
 * `times` receives, for each checkpoint c (sorted, ascending), the 2^K state times accumulated
 * over [0, checkpoints[c]) in times[c * 2^K ...].  Returns 0, or -1 if the spikes violate the
 * refractory period (a unit spiking while on). */
int hs_raster_state_times(uint32_t K, double tau, const double *t, const uint32_t *neuron,
                          size_t nspikes, const double *checkpoints, int ncheck, double *times);

#endif
