/* rng.c -- seeding streams by hashing the master seed with stable ids */
#include <Random123/philox.h>

#include "util/rng.h"

uint64_t hs_splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t hs_fnv1a64(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    h = hs_fnv1a64(h, s);
    /* a separator, so that ("ab", "c") and ("a", "bc") differ */
    h ^= 0xff;
    h *= 0x100000001b3ull;
    return h;
}

uint64_t hs_rng_derive(uint64_t seed, const char *a, const char *b)
{
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ull, a), b);
    return hs_splitmix64(hs_splitmix64(seed) ^ h);
}

gsl_rng *hs_rng_stream(uint64_t seed, const char *a, const char *b)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    uint64_t h = hs_rng_derive(seed, a, b);
    /* MT19937 takes a 32-bit seed; fold the hash, and avoid 0, which GSL maps to 4357. */
    unsigned long s = (unsigned long)((h ^ (h >> 32)) & 0xffffffffu);
    gsl_rng_set(r, s ? s : 1);
    return r;
}

double hs_rng_u01(uint64_t key, uint64_t stream, uint64_t n)
{
    philox2x64_ctr_t c = {{n, stream}};
    philox2x64_key_t k = {{key}};
    philox2x64_ctr_t r = philox2x64(c, k);
    return (double)((r.v[0] >> 11) + 1) * 0x1p-53;
}
