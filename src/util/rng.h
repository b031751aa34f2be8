/* rng.h -- random streams derived from the master seed and stable names
 *
 * Each stream (one population or projection, one purpose) gets its own gsl_rng seeded by
 * hashing the master seed with the stream's names, so adding a population or reordering the
 * file never changes the draws of another stream.
 */
#ifndef HS_UTIL_RNG_H
#define HS_UTIL_RNG_H

#include <stdatomic.h>
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
 * per-cell streams).  Word n of stream `stream` under `key` is a pure function of the three:
 * half n % 2 of Philox({n / 2, stream}, key).  So a neuron owns its stream (key: its
 * population's, e.g. hs_rng_derive(seed, name, "neurons"); stream: its index) and needs no
 * state but a cursor, and its draws do not depend on the order in which neurons are advanced,
 * nor on how they are split among threads or ranks. */
uint64_t hs_rng_word_at(uint64_t key, uint64_t stream, uint64_t n);

/* Both words of block b (words 2b and 2b + 1). */
void hs_rng_block(uint64_t key, uint64_t stream, uint64_t block, uint64_t out[2]);

/* A cursor on a stream: the next word's index, and the other half of the last Philox block
 * (each block gives two words). */
typedef struct hs_rng_ctr {
    uint64_t n;
    uint64_t spare;
} hs_rng_ctr;

/* The next word of the stream (the same as hs_rng_word_at(key, stream, c->n++)). */
static inline uint64_t hs_rng_word(uint64_t key, uint64_t stream, hs_rng_ctr *c)
{
    if (c->n & 1) {
        c->n++;
        return c->spare;
    }
    uint64_t w[2];
    hs_rng_block(key, stream, c->n >> 1, w);
    c->spare = w[1];
    c->n++;
    return w[0];
}

/* A word as a uniform deviate in (0, 1]: its top 53 bits, plus one, times 2^-53. */
static inline double hs_rng_u01_of(uint64_t w) { return (double)((w >> 11) + 1) * 0x1p-53; }

/* Word n as a uniform deviate in (0, 1]. */
double hs_rng_u01(uint64_t key, uint64_t stream, uint64_t n);

/* A GSL generator over a counter-based stream, for GSL's distributions: after
 * hs_rng_counter_seek(r, key, stream) it gives the stream's words from the first (32 bits of
 * each: gsl_rng_get; 53: gsl_rng_uniform).  Allocate with gsl_rng_alloc(hs_rng_counter). */
extern const gsl_rng_type *hs_rng_counter;
/* Whether r's state is one its generator can run from (after gsl_rng_fread from a file, whose
 * bytes may be anything): mt19937's position within its 624 words is checked (out of range, the
 * next draw reads outside the state); other generators' states are all valid. */
int hs_rng_state_ok(const gsl_rng *r);
void hs_rng_counter_seek(gsl_rng *r, uint64_t key, uint64_t stream);

/* A standard exponential deviate (mean 1) from the stream at the cursor, by the ziggurat
 * method of Marsaglia and Tsang (2000) with 256 layers: the layer from a word's low 8 bits,
 * the position from its top 53, so that 98.9% of draws take one word and no logarithm; the
 * rest (edges and the tail) are exact by rejection and by the tail's memorylessness, taking
 * further words.  The common case is inline (it is on the path of every Poisson arrival of a
 * drive); the rest is hs_rng_exp_rest, which continues from the word already drawn. */
typedef struct hs_rng_zig {
    uint64_t k[256];        /* a position below k[i] lies under layer i's edge: accepted */
    double w[256], f[256];  /* position to x, and the density at the layers' edges */
} hs_rng_zig;

/* The layers, once computed (NULL before the first draw; set once, then read only). */
extern const hs_rng_zig *_Atomic hs_rng_zig_table;

/* The rest of the draw that began with word u (not accepted at once), or the whole draw when
 * drawn is 0 (u is then ignored: hs_rng_zig_table was not yet set). */
double hs_rng_exp_rest(uint64_t key, uint64_t stream, hs_rng_ctr *c, uint64_t u, int drawn);

static inline double hs_rng_exp(uint64_t key, uint64_t stream, hs_rng_ctr *c)
{
    const hs_rng_zig *z = atomic_load_explicit(&hs_rng_zig_table, memory_order_acquire);
    if (!z)
        return hs_rng_exp_rest(key, stream, c, 0, 0);
    const uint64_t u = hs_rng_word(key, stream, c), j = u >> 11;
    const unsigned i = (unsigned)(u & 255);
    if (j < z->k[i])
        return (double)j * z->w[i];
    return hs_rng_exp_rest(key, stream, c, u, 1);
}

/* ---- bulk normal deviates ------------------------------------------------------------------
 * xoshiro256++ (Blackman and Vigna 2021, "Scrambled linear pseudorandom number generators",
 * ACM Trans Math Softw 47(4):36): 256 bits of state and a 64-bit word in about a nanosecond,
 * for loops that draw millions of normal deviates per second from one stream (the chains of a
 * hee: block draw one per membrane per step).  Seeded with four splitmix64 outputs of a key
 * (hs_rng_derive), so streams of different keys do not overlap in practice. */
typedef struct hs_xo {
    uint64_t s[4];
} hs_xo;

void hs_xo_seed(hs_xo *x, uint64_t key);

static inline uint64_t hs_xo_next(hs_xo *x)
{
    uint64_t *s = x->s;
    const uint64_t r = ((s[0] + s[3]) << 23 | (s[0] + s[3]) >> 41) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return r;
}

/* Whether x can run (xoshiro's only bad state is all zero: after reading a state from a file). */
static inline int hs_xo_ok(const hs_xo *x) { return (x->s[0] | x->s[1] | x->s[2] | x->s[3]) != 0; }

/* n standard normal deviates into out, by the ziggurat method with 128 layers (Marsaglia and
 * Tsang 2000) in Doornik's form (2005, "An improved ziggurat method to generate normal random
 * samples"): the layer from a word's low 7 bits and the signed position from its top 53, so
 * that layer and value are independent; 98.8% of draws take one word and no transcendental
 * function, the rest (edges, the tail beyond r = 3.4426) are exact by rejection. */
void hs_xo_normals(hs_xo *x, double *out, size_t n);

#endif
