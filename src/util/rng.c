/* rng.c -- seeding streams by hashing the master seed with stable ids */
#include <math.h>
#include <string.h>
#include <threads.h>
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

void hs_rng_block(uint64_t key, uint64_t stream, uint64_t block, uint64_t out[2])
{
    philox2x64_ctr_t c = {{block, stream}};
    philox2x64_key_t k = {{key}};
    philox2x64_ctr_t r = philox2x64(c, k);
    out[0] = r.v[0];
    out[1] = r.v[1];
}

uint64_t hs_rng_word_at(uint64_t key, uint64_t stream, uint64_t n)
{
    uint64_t w[2];
    hs_rng_block(key, stream, n >> 1, w);
    return w[n & 1];
}

double hs_rng_u01(uint64_t key, uint64_t stream, uint64_t n)
{
    return hs_rng_u01_of(hs_rng_word_at(key, stream, n));
}

/* The exponential ziggurat's 256 layers (Marsaglia and Tsang 2000, "The ziggurat method for
 * generating random variables", J Stat Softw 5(8)): layer i spans [0, x[i]) at heights up to
 * f(x[i]) = exp(-x[i]), all of area V; x[0] = V / f(r) is the base strip (the rectangle up to
 * r = x[1] plus the tail beyond r).  A 53-bit position j is accepted at once when j < k[i]
 * (the point lies under the next layer's edge), giving j w[i] with w[i] = x[i] / 2^53. */
#define ZIG_R 7.69711747013104972
#define ZIG_V 3.9496598225815571993e-3
static hs_rng_zig zig;
static once_flag zig_once = ONCE_FLAG_INIT;
const hs_rng_zig *_Atomic hs_rng_zig_table = NULL;

static void zig_init(void)
{
    const double m = 0x1p53;
    double x = ZIG_R, q = ZIG_V / exp(-x);
    zig.k[0] = (uint64_t)(x / q * m);
    zig.k[1] = 0;
    zig.w[0] = q / m;
    zig.w[255] = x / m;
    zig.f[0] = 1.0;
    zig.f[255] = exp(-x);
    for (int i = 254; i >= 1; i--) {
        double xi = -log(ZIG_V / x + exp(-x));
        zig.k[i + 1] = (uint64_t)(xi / x * m);
        x = xi;
        zig.f[i] = exp(-x);
        zig.w[i] = x / m;
    }
    atomic_store_explicit(&hs_rng_zig_table, &zig, memory_order_release);
}

double hs_rng_exp_rest(uint64_t key, uint64_t stream, hs_rng_ctr *c, uint64_t u, int drawn)
{
    call_once(&zig_once, zig_init);
    double shift = 0;   /* tails passed: the tail beyond r is r + Exp(1) */
    for (;; drawn = 0) {
        if (!drawn)
            u = hs_rng_word(key, stream, c);
        const unsigned i = (unsigned)(u & 255);
        const uint64_t j = u >> 11;
        if (j < zig.k[i])
            return shift + (double)j * zig.w[i];
        if (i == 0) {   /* the tail: memoryless, start again beyond r */
            shift += ZIG_R;
            continue;
        }
        const double x = (double)j * zig.w[i];
        const double y = hs_rng_u01_of(hs_rng_word(key, stream, c));
        if (zig.f[i] + y * (zig.f[i - 1] - zig.f[i]) < exp(-x))
            return shift + x;
    }
}

/* hs_rng_counter: the state is the stream and a cursor on it. */
typedef struct counter_state {
    uint64_t key, stream;
    hs_rng_ctr c;
} counter_state;

static void counter_set(void *vs, unsigned long seed)
{
    counter_state *st = vs;
    *st = (counter_state){.key = (uint64_t)seed};
}

static unsigned long counter_get(void *vs)
{
    counter_state *st = vs;
    return (unsigned long)(hs_rng_word(st->key, st->stream, &st->c) >> 32);
}

static double counter_get_double(void *vs)
{
    counter_state *st = vs;
    return (double)(hs_rng_word(st->key, st->stream, &st->c) >> 11) * 0x1p-53;   /* [0, 1) */
}

static const gsl_rng_type counter_type = {"hs-philox2x64", 0xffffffffUL, 0,
                                          sizeof(counter_state), counter_set, counter_get,
                                          counter_get_double};
const gsl_rng_type *hs_rng_counter = &counter_type;

int hs_rng_state_ok(const gsl_rng *r)
{
    if (r->type != gsl_rng_mt19937)
        return 1;
    /* GSL's mt19937 state: unsigned long mt[624], then int mti in 0..624 */
    enum { MT_N = 624 };
    if (gsl_rng_size(r) < MT_N * sizeof(unsigned long) + sizeof(int))
        return 0;
    int mti;
    memcpy(&mti, (const char *)r->state + MT_N * sizeof(unsigned long), sizeof mti);
    return mti >= 0 && mti <= MT_N;
}

void hs_rng_counter_seek(gsl_rng *r, uint64_t key, uint64_t stream)
{
    counter_state *st = r->state;
    *st = (counter_state){.key = key, .stream = stream};
}

/* ---- bulk normal deviates ------------------------------------------------------------------ */

void hs_xo_seed(hs_xo *x, uint64_t key)
{
    for (int i = 0; i < 4; i++)
        x->s[i] = hs_splitmix64(key + (uint64_t)i * 0x9e3779b97f4a7c15ull);
    if (!hs_xo_ok(x))
        x->s[0] = 1;
}

/* The normal ziggurat's 128 layers of equal area V under exp(-x^2/2): nx[i] is layer i's right
 * edge (nx[0] = V / f(r) the base strip's, which holds the tail beyond r = nx[1]; nx[128] = 0),
 * ratio[i] = nx[i + 1] / nx[i]: a position u in (-1, 1) with |u| < ratio[i] lies under the next
 * layer and is accepted at once. */
#define NZIG_R 3.442619855899
#define NZIG_V 9.91256303526217e-3
static double nx[129], nratio[128];
static once_flag nzig_once = ONCE_FLAG_INIT;

static void nzig_init(void)
{
    double f = exp(-0.5 * NZIG_R * NZIG_R);
    nx[0] = NZIG_V / f;
    nx[1] = NZIG_R;
    nx[128] = 0;
    for (int i = 2; i < 128; i++) {
        nx[i] = sqrt(-2 * log(NZIG_V / nx[i - 1] + f));
        f = exp(-0.5 * nx[i] * nx[i]);
    }
    for (int i = 0; i < 128; i++)
        nratio[i] = nx[i + 1] / nx[i];
}

/* A uniform deviate in (0, 1] from x. */
static inline double xo_u01(hs_xo *x) { return hs_rng_u01_of(hs_xo_next(x)); }

/* The rest of a draw whose word w fell outside its layer's core. */
static double nzig_rest(hs_xo *x, uint64_t w)
{
    for (;; w = hs_xo_next(x)) {
        const unsigned i = (unsigned)(w & 127);
        const double u = (double)(w >> 11) * 0x1p-52 - 1.0;   /* [-1, 1) */
        if (fabs(u) < nratio[i])
            return u * nx[i];
        if (i == 0) {   /* the tail beyond r (Marsaglia 1964) */
            double a, b;
            do {
                a = log(xo_u01(x)) / NZIG_R;
                b = log(xo_u01(x));
            } while (-2 * b < a * a);
            return u < 0 ? a - NZIG_R : NZIG_R - a;
        }
        const double v = u * nx[i];
        const double f0 = exp(-0.5 * (nx[i] * nx[i] - v * v));
        const double f1 = exp(-0.5 * (nx[i + 1] * nx[i + 1] - v * v));
        if (f1 + xo_u01(x) * (f0 - f1) < 1.0)
            return v;
    }
}

void hs_xo_normals(hs_xo *x, double *out, size_t n)
{
    call_once(&nzig_once, nzig_init);
    for (size_t k = 0; k < n; k++) {
        const uint64_t w = hs_xo_next(x);
        const unsigned i = (unsigned)(w & 127);
        const double u = (double)(w >> 11) * 0x1p-52 - 1.0;
        out[k] = fabs(u) < nratio[i] ? u * nx[i] : nzig_rest(x, w);
    }
}
