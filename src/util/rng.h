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

#endif
