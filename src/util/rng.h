/* rng.h -- random streams derived from the master seed and stable names
 *
 * Each stream (one population or projection, one purpose) gets its own gsl_rng seeded by
 * hashing the master seed with the stream's names, so adding a population or reordering the
 * file never changes the draws of another stream.
 */
#ifndef HS_UTIL_RNG_H
#define HS_UTIL_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* The SplitMix64 output function for state x (x is incremented by the golden gamma first, so
 * hs_splitmix64(0) is the first output of a generator seeded with 0). */
uint64_t hs_splitmix64(uint64_t x);
/* FNV-1a 64-bit hash of s continuing from h (start from 0xcbf29ce484222325). */
uint64_t hs_fnv1a64(uint64_t h, const char *s);

/* 64-bit hash of (seed, a, b): FNV-1a over the names, mixed with splitmix64. */
uint64_t hs_rng_derive(uint64_t seed, const char *a, const char *b);

/* A new MT19937 stream seeded with the derived hash; NULL when out of memory.  Free with
 * gsl_rng_free. */
gsl_rng *hs_rng_stream(uint64_t seed, const char *a, const char *b);

/* Counter-based streams (Random123's Philox-2x64-10, as NEURON/CoreNEURON and Arbor use for
 * per-cell streams): draw n of stream `stream` under `key` is a pure function of the three, so
 * a neuron owns its stream (key: its population's, e.g. hs_rng_derive(seed, name, "neurons");
 * stream: its index) with no state but a counter, and its draws do not depend on the order in
 * which neurons are advanced, nor on how they are split among threads or ranks.
 * hs_rng_u01 returns a uniform deviate in (0, 1] (53 bits). */
double hs_rng_u01(uint64_t key, uint64_t stream, uint64_t n);

#endif
