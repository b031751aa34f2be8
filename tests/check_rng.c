/* check_rng.c -- random-stream derivation: known answers, independence of names and order */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "util/logexp.h"
#include "util/rng.h"
#include "util/sha256.h"
#include "util/team.h"

START_TEST(test_rng_hash_primitives)
{
    /* Published reference values: SplitMix64 seeded with 0 (Vigna's splitmix64.c) and the
     * FNV-1a 64-bit test vectors for "" and "a". */
    ck_assert_uint_eq(hs_splitmix64(0), 0xe220a8397b1dcdafull);
    ck_assert_uint_eq(hs_fnv1a64(0xcbf29ce484222325ull, ""), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(hs_fnv1a64(0xcbf29ce484222325ull, "a"), 0xaf63dc4c8601ec8cull);
}
END_TEST

START_TEST(test_rng_known_answers)
{
    /* Pinned values: a change here changes every simulation result for a given seed. */
    ck_assert_uint_eq(hs_rng_derive(0, "z", "dynamics"), 0xd65912675df44291ull);
    ck_assert_uint_eq(hs_rng_derive(1234, "z", "dynamics"), 0x937fdec4a94d9d67ull);
    gsl_rng *r = hs_rng_stream(1234, "z", "dynamics");
    ck_assert_uint_eq(gsl_rng_get(r), 3711493063u);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_rng_names_matter)
{
    uint64_t a = hs_rng_derive(7, "ab", "c"), b = hs_rng_derive(7, "a", "bc");
    ck_assert_uint_ne(a, b);
    ck_assert_uint_ne(hs_rng_derive(7, "z", "bias"), hs_rng_derive(7, "z", "dynamics"));
    ck_assert_uint_ne(hs_rng_derive(7, "z", "bias"), hs_rng_derive(8, "z", "bias"));
    ck_assert_uint_eq(hs_rng_derive(7, "z", "bias"), hs_rng_derive(7, "z", "bias"));
}
END_TEST

START_TEST(test_rng_streams_reproducible)
{
    /* Two streams with the same names give the same sequence whatever else was created. */
    gsl_rng *a = hs_rng_stream(99, "p", "q");
    gsl_rng *other = hs_rng_stream(99, "x", "y");
    gsl_rng *b = hs_rng_stream(99, "p", "q");
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(gsl_rng_get(a), gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(other);
}
END_TEST

START_TEST(test_rng_seed_zero_valid)
{
    /* Seed 0 is an ordinary seed: its streams differ from seed 1's and from GSL's default. */
    gsl_rng *a = hs_rng_stream(0, "z", "dynamics"), *b = hs_rng_stream(1, "z", "dynamics");
    gsl_rng *d = gsl_rng_alloc(gsl_rng_mt19937);
    unsigned long x = gsl_rng_get(a);
    ck_assert_uint_ne(x, gsl_rng_get(b));
    ck_assert_uint_ne(x, gsl_rng_get(d));
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(d);
}
END_TEST

/* SHA-256 (run.yaml's input fingerprints): the examples of FIPS 180-4 / NIST, fed whole and
 * byte by byte, and a million 'a's across many blocks. */
/* Counter-based streams: Random123's published known answer for Philox-2x64-10 (counter
 * {243f6a8885a308d3, 13198a2e03707344}, key a4093822299f31d0 -> {0a5e742c2997341c,
 * b0f883d38000de5d}: words 2b and 2b + 1 of stream 13198a2e03707344, b = 243f6a8885a308d3), the
 * 53-bit deviate in (0, 1]; over 1e6 draws the mean 1/2 and variance 1/12 within 4 standard
 * errors (sd of the mean sqrt(1/12 / n); of the variance sqrt(1/180 / n)), and neighbouring
 * streams (neurons i and i + 1) uncorrelated (|r| < 4 / sqrt(n)). */
START_TEST(test_rng_counter_streams)
{
    const uint64_t key = 0xa4093822299f31d0ull, stream = 0x13198a2e03707344ull;
    const uint64_t n0 = 2 * 0x243f6a8885a308d3ull;   /* words 2b, 2b + 1 of block b */
    ck_assert(hs_rng_word_at(key, stream, n0) == 0x0a5e742c2997341cull);
    ck_assert(hs_rng_word_at(key, stream, n0 + 1) == 0xb0f883d38000de5dull);
    double u = hs_rng_u01(key, stream, n0);
    ck_assert(u == (double)((0x0a5e742c2997341cull >> 11) + 1) * 0x1p-53);
    ck_assert(hs_rng_u01(1, 2, 3) == hs_rng_u01(1, 2, 3));
    const int n = 1000000;
    double m = 0, m2 = 0, sxy = 0, sy = 0, sy2 = 0;
    for (int k = 0; k < n; k++) {
        double x = hs_rng_u01(42, 7, (uint64_t)k), y = hs_rng_u01(42, 8, (uint64_t)k);
        ck_assert(x > 0 && x <= 1);
        m += x;
        m2 += x * x;
        sxy += x * y;
        sy += y;
        sy2 += y * y;
    }
    m /= n;
    double var = m2 / n - m * m, vy = sy2 / n - (sy / n) * (sy / n);
    double r = (sxy / n - m * (sy / n)) / sqrt(var * vy);
    ck_assert_msg(fabs(m - 0.5) < 4 * sqrt(1.0 / 12 / n), "mean %g", m);
    ck_assert_msg(fabs(var - 1.0 / 12) < 4 * sqrt(1.0 / 180 / n), "variance %g", var);
    ck_assert_msg(fabs(r) < 4 / sqrt(n), "correlation of neighbouring streams %g", r);
}
END_TEST

/* The ziggurat's exponential deviates against Exp(1): over 1e6 draws from 1000 streams, the
 * mean and variance within 4 standard errors (sd of the mean 1 / sqrt(n); the variance's
 * sqrt(8 / n), Var((x - 1)^2) = 8), the largest distance between the empirical and the exact
 * distribution function (Kolmogorov-Smirnov) below 1.95 / sqrt(n) (alpha 0.001), and the
 * tail beyond the base strip's r = 7.697 (probability e^-r = 4.5e-4, 453 expected) within
 * 4 Poisson sd; a cursor gives the words of hs_rng_word_at in order. */
static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(test_rng_exponential_ziggurat)
{
    hs_rng_ctr c = {0, 0};
    for (uint64_t n = 0; n < 5; n++)
        ck_assert(hs_rng_word(9, 4, &c) == hs_rng_word_at(9, 4, n));
    const int n = 1000000;
    double *x = malloc(n * sizeof *x);
    ck_assert(x);
    double m = 0, m2 = 0;
    int tail = 0;
    for (int s = 0, k = 0; s < 1000; s++) {
        hs_rng_ctr cs = {0, 0};
        for (int q = 0; q < n / 1000; q++, k++) {
            x[k] = hs_rng_exp(77, (uint64_t)s, &cs);
            ck_assert(x[k] >= 0);
            m += x[k];
            m2 += x[k] * x[k];
            tail += x[k] > 7.69711747013104972;
        }
    }
    m /= n;
    double var = m2 / n - m * m;
    ck_assert_msg(fabs(m - 1) < 4 / sqrt(n), "mean %g", m);
    ck_assert_msg(fabs(var - 1) < 4 * sqrt(8.0 / n), "variance %g", var);
    double et = n * exp(-7.69711747013104972);
    ck_assert_msg(fabs(tail - et) < 4 * sqrt(et), "tail %d, expected %g", tail, et);
    qsort(x, n, sizeof *x, dcmp);
    double d = 0;
    for (int k = 0; k < n; k++) {
        double F = -expm1(-x[k]);
        d = fmax(d, fmax(fabs(F - (double)k / n), fabs(F - (double)(k + 1) / n)));
    }
    ck_assert_msg(d < 1.95 / sqrt(n), "Kolmogorov-Smirnov distance %g", d);
    free(x);
}
END_TEST

/* The bulk normal deviates (xoshiro256++ and a 128-layer ziggurat) against N(0, 1): 4e6 draws
 * in blocks of odd sizes from one stream; mean, variance, third and fourth moments within 5
 * standard errors (sd 1, sqrt(2), sqrt(15), sqrt(96) over sqrt(n)); the tail beyond the base
 * strip's r = 3.4426 (probability 5.76e-4 on each side) and beyond 4.5 (6.8e-6) within 5
 * Poisson sd on each side; Kolmogorov-Smirnov distance below 1.95 / sqrt(n) (alpha 0.001);
 * neighbouring draws uncorrelated (|r| < 5 / sqrt(n)); the same key gives the same draws,
 * and a nearby key different ones. */
START_TEST(test_rng_bulk_normal)
{
    const size_t n = 4000000;
    double *x = malloc(n * sizeof *x);
    ck_assert(x);
    hs_xo g;
    hs_xo_seed(&g, 1234);
    for (size_t k = 0, b = 1; k < n; k += b, b = b % 997 + 7)
        hs_xo_normals(&g, x + k, k + b <= n ? b : n - k);
    double m[5] = {0}, sxy = 0;
    long tail[2][2] = {{0}};
    for (size_t k = 0; k < n; k++) {
        double p = 1;
        for (int j = 1; j <= 4; j++)
            m[j] += (p *= x[k]);
        if (k)
            sxy += x[k] * x[k - 1];
        tail[x[k] > 0][0] += fabs(x[k]) > 3.442619855899;
        tail[x[k] > 0][1] += fabs(x[k]) > 4.5;
    }
    for (int j = 1; j <= 4; j++)
        m[j] /= n;
    const double want[5] = {0, 0, 1, 0, 3}, sd[5] = {0, 1, sqrt(2), sqrt(15), sqrt(96)};
    for (int j = 1; j <= 4; j++)
        ck_assert_msg(fabs(m[j] - want[j]) < 5 * sd[j] / sqrt(n), "moment %d: %g", j, m[j]);
    ck_assert_msg(fabs(sxy / n) < 5 / sqrt(n), "lag-1 correlation %g", sxy / n);
    const double et[2] = {n * 0.5 * erfc(3.442619855899 / sqrt(2)), n * 0.5 * erfc(4.5 / sqrt(2))};
    for (int side = 0; side < 2; side++)
        for (int t = 0; t < 2; t++)
            ck_assert_msg(fabs(tail[side][t] - et[t]) < 5 * sqrt(et[t]) + 1,
                          "tail %d on side %d: %ld, expected %g", t, side, tail[side][t], et[t]);
    qsort(x, n, sizeof *x, dcmp);
    double d = 0;
    for (size_t k = 0; k < n; k++) {
        double F = 0.5 * erfc(-x[k] / sqrt(2));
        d = fmax(d, fmax(fabs(F - (double)k / n), fabs(F - (double)(k + 1) / n)));
    }
    ck_assert_msg(d < 1.95 / sqrt(n), "Kolmogorov-Smirnov distance %g", d);
    hs_xo a, b, c;
    hs_xo_seed(&a, 99);
    hs_xo_seed(&b, 99);
    hs_xo_seed(&c, 100);
    double ya[8], yb[8], yc[8];
    hs_xo_normals(&a, ya, 8);
    hs_xo_normals(&b, yb, 8);
    hs_xo_normals(&c, yc, 8);
    ck_assert(memcmp(ya, yb, sizeof ya) == 0);
    ck_assert(memcmp(ya, yc, sizeof ya) != 0);
    free(x);
}
END_TEST

/* A team runs every part exactly once per run, part t always on the same thread (part 0 on
 * the caller), for 1, 2 and 5 parts over 2000 runs; hs_team_share splits k items into n
 * contiguous shares that cover them. */
typedef struct team_log {
    int count[5];
    pthread_t who[5];
    int moved;
} team_log;

static void team_part(void *ctx, int t, int n)
{
    team_log *g = ctx;
    ck_assert_int_lt(t, n);
    if (g->count[t]++ && !pthread_equal(g->who[t], pthread_self()))
        g->moved = 1;
    g->who[t] = pthread_self();
}

START_TEST(test_util_team)
{
    for (int n = 1; n <= 5; n += n == 1 ? 1 : 3) {
        hs_team *tm;
        ck_assert_int_eq(hs_team_create(n, &tm), 0);
        ck_assert_int_eq(hs_team_size(tm), n);
        team_log g = {0};
        for (int r = 0; r < 2000; r++)
            hs_team_run(tm, team_part, &g);
        for (int t = 0; t < n; t++)
            ck_assert_int_eq(g.count[t], 2000);
        ck_assert(pthread_equal(g.who[0], pthread_self()));
        ck_assert_int_eq(g.moved, 0);
        hs_team_free(tm);
        for (unsigned k = 0; k < 12; k++) {
            ck_assert_uint_eq(hs_team_share(k, 0, n), 0);
            ck_assert_uint_eq(hs_team_share(k, n, n), k);
            for (int t = 0; t < n; t++)
                ck_assert_uint_le(hs_team_share(k, t, n), hs_team_share(k, t + 1, n));
        }
    }
    hs_team_free(NULL);
}
END_TEST

/* log mean exp, by hand: weights 1 and 3 have mean 2 and sample variance 2, so the estimate's
 * delta-method variance is 2 / 2 / 2^2 = 1/4; shifted by 1000 (exp would overflow) the log
 * moves by exactly 1000 and the variance not at all.  The logistic functions at their
 * extremes. */
START_TEST(test_util_log_mean_exp)
{
    const double x[2] = {0.0, log(3.0)}, y[2] = {1000.0, 1000.0 + log(3.0)};
    double v = 0, vy = 0;
    ck_assert_double_eq_tol(hs_log_mean_exp(x, 2, &v), log(2.0), 1e-15);
    ck_assert_double_eq_tol(v, 0.25, 1e-15);
    ck_assert_double_eq_tol(hs_log_mean_exp(y, 2, &vy), 1000.0 + log(2.0), 1e-12);
    ck_assert_double_eq_tol(vy, 0.25, 1e-13);   /* (exp(log 3) is 3 within an ulp or two) */
    ck_assert_double_eq(hs_log_mean_exp(x, 1, NULL), 0.0);
    ck_assert_double_eq_tol(hs_softplus(800.0), 800.0, 1e-12);
    ck_assert_double_eq_tol(hs_softplus(-800.0), 0.0, 1e-300);
    ck_assert_double_eq_tol(hs_sigmoid(-800.0), exp(-800.0), 1e-320);
    ck_assert_double_eq(hs_sigmoid(0.0), 0.5);
}
END_TEST

START_TEST(test_util_sha256_vectors)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    hs_sha256 s;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        hs_sha256_init(&s);
        hs_sha256_update(&s, v[i].msg, strlen(v[i].msg));
        hs_sha256_final(&s, hex);
        ck_assert_str_eq(hex, v[i].hex);
        hs_sha256_init(&s);
        for (const char *c = v[i].msg; *c; c++)
            hs_sha256_update(&s, c, 1);
        hs_sha256_final(&s, hex);
        ck_assert_str_eq(hex, v[i].hex);
    }
    hs_sha256_init(&s);
    char a[1000];
    memset(a, 'a', sizeof a);
    for (int k = 0; k < 1000; k++)
        hs_sha256_update(&s, a, sizeof a);
    hs_sha256_final(&s, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    ck_assert_int_eq(hs_sha256_file("/nonexistent/file", hex), -1);
}
END_TEST

/* A generator state read from a file is checked before it is run from: mt19937 with its position
 * outside 0..624 is refused (fuzzing a sealed checkpoint found the next Gaussian draw reading
 * outside the state), at both ends; a freshly seeded one and a counter stream are fine. */
START_TEST(test_rng_state_ok)
{
    gsl_rng *r = hs_rng_stream(1, "a", "b");
    ck_assert(hs_rng_state_ok(r));
    (void)gsl_rng_get(r);
    ck_assert(hs_rng_state_ok(r));
    int *mti = (int *)((char *)r->state + 624 * sizeof(unsigned long));
    const int bad[] = {-1, 625, 1 << 30};
    for (int k = 0; k < 3; k++) {
        *mti = bad[k];
        ck_assert(!hs_rng_state_ok(r));
    }
    *mti = 624;
    ck_assert(hs_rng_state_ok(r));
    gsl_rng_free(r);
    gsl_rng *c = gsl_rng_alloc(hs_rng_counter);
    memset(c->state, 0xff, gsl_rng_size(c));
    ck_assert(hs_rng_state_ok(c));
    gsl_rng_free(c);
}
END_TEST

static Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);   /* statistical checks of 1e6 draws: seconds on a loaded machine */
    tcase_add_test(tc, test_rng_hash_primitives);
    tcase_add_test(tc, test_rng_known_answers);
    tcase_add_test(tc, test_rng_names_matter);
    tcase_add_test(tc, test_rng_streams_reproducible);
    tcase_add_test(tc, test_rng_seed_zero_valid);
    tcase_add_test(tc, test_rng_counter_streams);
    tcase_add_test(tc, test_rng_exponential_ziggurat);
    tcase_add_test(tc, test_rng_bulk_normal);
    tcase_add_test(tc, test_util_team);
    tcase_add_test(tc, test_util_sha256_vectors);
    tcase_add_test(tc, test_util_log_mean_exp);
    tcase_add_test(tc, test_rng_state_ok);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rng_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
