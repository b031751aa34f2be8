/* check_queue.c -- the engine's priority queues: order, ties, moves and removals */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

#include "sched/queue.h"

/* Pop everything from h in order, checking the (time, seq) order; returns the count. */
static uint32_t drain_ordered(hs_iheap *h, double *last_t, uint64_t *last_s)
{
    uint32_t n = 0;
    *last_t = -INFINITY;
    *last_s = 0;
    while (!hs_iheap_empty(h)) {
        uint32_t id = hs_iheap_top(h);
        double t = hs_iheap_head(h)->t;
        uint64_t s = hs_iheap_head(h)->seq;
        ck_assert_msg(*last_t < t || (*last_t == t && *last_s < s),
                      "out of order: (%g, %llu) after (%g, %llu)", t, (unsigned long long)s,
                      *last_t, (unsigned long long)*last_s);
        *last_t = t;
        *last_s = s;
        hs_iheap_set(h, id, INFINITY, 0);
        n++;
    }
    return n;
}

/* Loop 0: the 4-ary heap; loop 1: the calendar queue (both behind hs_iheap). */
START_TEST(test_queue_ties_by_sequence)
{
    hs_iheap h;
    ck_assert_int_eq(hs_iheap_init_kind(&h, 5, _i ? 1 : -1), 0);
    /* all at the same time, scheduled in the order 3, 1, 4, 0, 2 */
    uint32_t order[] = {3, 1, 4, 0, 2};
    for (uint64_t k = 0; k < 5; k++)
        hs_iheap_set(&h, order[k], 10.0, k);
    for (int k = 0; k < 5; k++) {
        uint32_t id = hs_iheap_top(&h);
        ck_assert_uint_eq(id, order[k]);
        hs_iheap_set(&h, id, INFINITY, 0);
    }
    ck_assert(hs_iheap_empty(&h));
    hs_iheap_free(&h);
}
END_TEST

START_TEST(test_queue_random_updates)
{
    /* Random inserts, moves earlier and later, and removals, checked against the minimum
     * found by a linear scan after every operation. */
    enum { N = 500, OPS = 20000 };
    hs_iheap h;
    ck_assert_int_eq(hs_iheap_init_kind(&h, N, _i ? 1 : -1), 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    double ref[N];
    uint64_t refs[N];
    for (int i = 0; i < N; i++)
        ref[i] = INFINITY;
    for (uint64_t op = 0; op < OPS; op++) {
        uint32_t id = (uint32_t)gsl_rng_uniform_int(r, N);
        /* coarse times make exact ties common */
        double t = gsl_rng_uniform(r) < 0.1 ? INFINITY : floor(gsl_rng_uniform(r) * 50);
        hs_iheap_set(&h, id, t, op);
        ref[id] = t;
        refs[id] = op;
        int best = -1;
        for (int i = 0; i < N; i++)
            if (ref[i] < INFINITY &&
                (best < 0 || hs_key_less(ref[i], refs[i], ref[best], refs[best])))
                best = i;
        if (best < 0)
            ck_assert(hs_iheap_empty(&h));
        else
            ck_assert_uint_eq(hs_iheap_top(&h), (uint32_t)best);
    }
    uint32_t live = 0;
    for (int i = 0; i < N; i++)
        live += ref[i] < INFINITY;
    double lt;
    uint64_t ls;
    ck_assert_uint_eq(drain_ordered(&h, &lt, &ls), live);
    gsl_rng_free(r);
    hs_iheap_free(&h);
}
END_TEST

/* The calendar queue against the heap on a simulation's pattern of use, 2e6 updates: the
 * earliest entry is taken and rescheduled a random time ahead (mostly close, sometimes far:
 * 1e4 ms), other entries move earlier (but not before now) or later or leave; the number of
 * entries grows from 0 to 20,000 and falls back (the calendar rebuilds both ways), with a
 * lull of 500 ms without entries in between.  Both must give the same sequence of minima,
 * entry for entry. */
START_TEST(test_queue_calendar_matches_heap)
{
    enum { N = 20000, OPS = 2000000 };
    hs_iheap a, b;
    ck_assert_int_eq(hs_iheap_init_kind(&a, N, -1), 0);
    ck_assert_int_eq(hs_iheap_init_kind(&b, N, 1), 0);
    ck_assert_ptr_null(a.cal);
    ck_assert_ptr_nonnull(b.cal);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 23);
    double now = 0;
    uint64_t seq = 0, mismatches = 0, rebuilt = 0;
    uint32_t nb_seen = b.cal->nb;
    for (uint64_t op = 0; op < OPS; op++) {
        /* phase: grow (first quarter), steady, shrink to empty, lull, grow again */
        const int phase = (int)(op * 8 / OPS);
        double u = gsl_rng_uniform(r);
        if (!hs_iheap_empty(&a) && u < 0.4) {   /* take the earliest, reschedule it */
            uint32_t id = hs_iheap_top(&a);
            now = hs_iheap_head(&a)->t;
            mismatches += hs_iheap_top(&b) != id || hs_iheap_head(&b)->t != now;
            double t = phase == 4 || phase == 5 ? INFINITY   /* shrink */
                       : gsl_rng_uniform(r) < 0.01 ? now + 1e4
                                                    : now + gsl_ran_exponential(r, 2.0);
            hs_iheap_set(&a, id, t, seq);
            hs_iheap_set(&b, id, t, seq++);
        } else {   /* any id: in (grow), earlier, later, or out */
            uint32_t id = (uint32_t)gsl_rng_uniform_int(r, N);
            double v = gsl_rng_uniform(r);
            double t = phase < 2 || phase == 6 ? now + gsl_ran_exponential(r, 5.0)
                       : phase == 4 || phase == 5 ? INFINITY
                       : v < 0.5 ? now + gsl_ran_exponential(r, 0.5)
                       : v < 0.9 ? now + gsl_ran_exponential(r, 20.0)
                                 : INFINITY;
            if (phase == 6 && op % 100000 == 0)
                now += 500;   /* a lull */
            hs_iheap_set(&a, id, t, seq);
            hs_iheap_set(&b, id, t, seq++);
        }
        mismatches += a.n != b.n;   /* (one assertion at the end: each costs a message) */
        if (b.cal->nb != nb_seen) {
            rebuilt++;
            nb_seen = b.cal->nb;
        }
    }
    ck_assert_msg(mismatches == 0, "%llu minima or sizes differ", (unsigned long long)mismatches);
    ck_assert_uint_ge(rebuilt, 4);
    while (!hs_iheap_empty(&a)) {
        ck_assert_uint_eq(hs_iheap_top(&b), hs_iheap_top(&a));
        uint32_t id = hs_iheap_top(&a);
        hs_iheap_set(&a, id, INFINITY, 0);
        hs_iheap_set(&b, id, INFINITY, 0);
    }
    ck_assert(hs_iheap_empty(&b));
    gsl_rng_free(r);
    hs_iheap_free(&a);
    hs_iheap_free(&b);
}
END_TEST

START_TEST(test_queue_delivery_order)
{
    hs_dheap d;
    ck_assert_int_eq(hs_dheap_init(&d, 2), 0);   /* tiny: forces growth */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    for (uint64_t k = 0; k < 1000; k++) {
        hs_delivery x = {.t = floor(gsl_rng_uniform(r) * 20), .seq = k, .pre = (uint32_t)k};
        ck_assert_int_eq(hs_dheap_push(&d, &x), 0);
    }
    double lt = -1;
    uint64_t ls = 0;
    for (int k = 0; k < 1000; k++) {
        hs_delivery x;
        hs_dheap_pop(&d, &x);
        ck_assert(lt < x.t || (lt == x.t && ls < x.seq));
        ck_assert_uint_eq(x.pre, (uint32_t)x.seq);   /* payload travels with its key */
        lt = x.t;
        ls = x.seq;
    }
    ck_assert_uint_eq(d.n, 0);
    gsl_rng_free(r);
    hs_dheap_free(&d);
}
END_TEST

/* The FIFO of a one-delay projection: entries come out in the order they went in, through
 * growth while the ring has wrapped (head in the middle), with pushes and pops interleaved at
 * random against a reference array. */
START_TEST(test_queue_fifo_wraps_and_grows)
{
    enum { OPS = 50000 };
    hs_fifo f = {0};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 17);
    uint64_t *ref = malloc(OPS * sizeof *ref);
    ck_assert_ptr_nonnull(ref);
    size_t in = 0, out = 0, grew = 0, cap = 0, maxn = 0;
    for (int op = 0; op < OPS; op++) {
        /* phases of net growth and net shrinkage, so the ring wraps at several sizes */
        double p_push = (op / 5000) % 2 ? 0.35 : 0.7;
        if (f.n == 0 || gsl_rng_uniform(r) < p_push) {
            hs_fent e = {.t = (double)in, .seq = in, .pre = (uint32_t)(in * 7), .sign = 1};
            ref[in++] = e.seq;
            size_t head = f.head;
            ck_assert_int_eq(hs_fifo_push(&f, &e), 0);
            if (f.cap != cap) {
                grew += head != 0;   /* grown while wrapped */
                cap = f.cap;
            }
        } else {
            const hs_fent *h = hs_fifo_head(&f);
            ck_assert_uint_eq(h->seq, ref[out]);
            ck_assert_uint_eq(h->pre, (uint32_t)(ref[out] * 7));
            ck_assert_double_eq(h->t, (double)ref[out]);
            hs_fifo_pop(&f);
            out++;
        }
        ck_assert_uint_eq(f.n, in - out);
        if (f.n > maxn)
            maxn = f.n;
    }
    ck_assert_uint_gt(grew, 0);
    ck_assert_uint_ge(maxn, 1000);
    while (f.n) {
        ck_assert_uint_eq(hs_fifo_head(&f)->seq, ref[out++]);
        hs_fifo_pop(&f);
    }
    ck_assert_uint_eq(out, in);
    free(ref);
    gsl_rng_free(r);
    hs_fifo_free(&f);
}
END_TEST

static Suite *queue_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_queue_ties_by_sequence, 0, 2);
    tcase_add_loop_test(tc, test_queue_random_updates, 0, 2);
    tcase_add_test(tc, test_queue_calendar_matches_heap);
    tcase_add_test(tc, test_queue_delivery_order);
    tcase_add_test(tc, test_queue_fifo_wraps_and_grows);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(queue_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
