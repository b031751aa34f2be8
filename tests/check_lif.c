/* check_lif.c -- the LIF model against closed-form solutions: free decay, threshold crossing
 * (including a resting potential above threshold), delivered jumps and delays */
#include <check.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "models/lif.h"
#include "config/config.h"
#include "net/net.h"
#include "proc/varmon.h"
#include "testutil.h"
#include "util/rng.h"

START_TEST(test_lif_decay_closed_form)
{
    /* v(t) = v_rest + (v0 - v_rest) exp(-t/tau) */
    ck_assert_double_eq_tol(hs_lif_decay(-60, -70, 10, 10), -70 + 10 * exp(-1.0), 1e-12);
    ck_assert_double_eq(hs_lif_decay(-60, -70, 10, 0), -60);
    ck_assert_double_eq_tol(hs_lif_decay(-60, -70, 10, 1e4), -70, 1e-12);
}
END_TEST

START_TEST(test_lif_crossing_closed_form)
{
    /* v_rest above threshold: from -60 mV to -50 mV towards -49 mV takes 20 ln 11 ms */
    ck_assert_double_eq_tol(hs_lif_crossing(-60, -49, -50, 20), 20 * log(11.0), 1e-12);
    /* the crossing time really puts v on the threshold */
    double t = hs_lif_crossing(-55.5, -49, -50, 20);
    ck_assert_double_eq_tol(hs_lif_decay(-55.5, -49, 20, t), -50, 1e-12);
    /* rest below threshold: never; at or above threshold: now */
    ck_assert(isinf(hs_lif_crossing(-60, -70, -55, 10)));
    ck_assert_double_eq(hs_lif_crossing(-50, -49, -50, 20), 0);
    ck_assert_double_eq(hs_lif_crossing(-40, -70, -55, 10), 0);
}
END_TEST

START_TEST(test_lif_spontaneous_spike_train)
{
    /* One neuron with v_rest > v_thresh: spikes at t1 = 20 ln 11 (from -60 mV), then every
     * t_ref + 20 ln 11 (reset to -60 mV after 5 ms refractory). */
    const char *yaml = "hee-snn: 1\nduration: 1 s\nseed: 1\n"
                       "populations:\n  a:\n    model: lif\n    size: 1\n"
                       "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV,"
                       " v_reset: -60 mV, t_ref: 5 ms}\n    init: {v: -60 mV}\n"
                       "record: {spikes: all}\n";
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    run_to(net, 1000);
    double isi = 20 * log(11.0), period = 5 + isi;
    ck_assert_uint_eq(s.n, (size_t)floor((1000 - isi) / period) + 1);
    for (size_t k = 0; k < s.n; k++)
        ck_assert_double_eq_tol(s.t[k], isi + k * period, 1e-9);
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* Neuron a fires periodically (as above); b (tau_m 100 ms) rests at -70 mV below threshold
 * -55 mV and gets a 7 mV jump from each spike of a, after `delay`.  Its first spike is when
 * the summed decaying jumps reach threshold, v_b(t_k) = -70 + 7 sum_{i<=k} exp(-(t_k - t_i)/100),
 * here at the fifth spike of a. */
static const char *const driven_net =   /* delay, more under record: */
        "hee-snn: 1\nduration: 400 ms\nseed: 1\n"
        "populations:\n  a:\n    model: lif\n    size: 1\n"
        "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV,"
        " v_reset: -60 mV, t_ref: 5 ms}\n    init: {v: -60 mV}\n"
        "  b:\n    model: lif\n    size: 1\n"
        "    params: {tau_m: 100 ms, v_rest: -70 mV, v_thresh: -55 mV,"
        " v_reset: -70 mV, t_ref: 2 ms}\n"
        "projections:\n  - {from: a, to: b, connect: all_to_all, weight: 7 mV, delay: %s}\n"
        "record: {spikes: all%s}\n";

static void check_driven(const char *delay, double d)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, driven_net, delay, "");
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    run_to(net, 400);
    double isi = 20 * log(11.0), period = 5 + isi;
    /* closed form: first k with v_b >= -55 */
    double expect = -1;
    for (int k = 0; k < 20 && expect < 0; k++) {
        double tk = isi + k * period, v = -70;
        for (int i = 0; i <= k; i++)
            v += 7 * exp(-(tk - (isi + i * period)) / 100);
        if (v >= -55)
            expect = tk + d;
    }
    ck_assert_double_eq_tol((expect - d), (isi + 4 * period), 1e-9);   /* the fifth spike */
    double first_b = -1;
    for (size_t k = 0; k < s.n && first_b < 0; k++)
        if (s.pop[k] == 1)
            first_b = s.t[k];
    ck_assert_double_eq_tol(first_b, expect, 1e-9);
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);
}

/* record: variables samples the exact membrane.  The network of check_driven (a fires on its
 * own every 5 + 20 ln 11 ms, each spike a 7 mV jump into b after `delay`), sampled every
 * 0.25 ms, against the closed form between events: v_a decays from -60 mV towards -49 mV and
 * is held at -60 mV while refractory; v_b decays towards -70 mV from the jumps, resets at its
 * spikes (after a jump reaches -55 mV) and is held 2 ms.  Tolerance 1e-9 mV: the engine's
 * values are exact up to rounding (about 1e-13 mV here).  The spikes are those of the same
 * network without the monitor, bit for bit. */
typedef struct rows {
    size_t n, cap, ncol;
    double *t, *v;
} rows;

static int collect_row(void *ctx, double t, const double *row, size_t n)
{
    rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->t = realloc(r->t, r->cap * sizeof *r->t);
        r->v = realloc(r->v, r->cap * n * sizeof *r->v);
        ck_assert(r->t && r->v);
    }
    r->ncol = n;
    r->t[r->n] = t;
    memcpy(r->v + r->n * n, row, n * sizeof *row);
    r->n++;
    return 0;
}

static void check_sampled_membranes(const char *delay, double d)
{
    char yaml[2048];
    spikes s[2] = {{0}};
    rows r = {0};
    for (int mon = 0; mon < 2; mon++) {
        snprintf(yaml, sizeof yaml, driven_net, delay,
                 mon ? ", variables: {every: 0.25 ms, populations: {b: all, a: [0]}}" : "");
        hs_config *cfg;
        hs_net *net = net_from_string(yaml, &cfg);
        hs_varmon *vm = hs_net_proc(net, &hs_varmon_ops);
        ck_assert(mon ? vm != NULL : vm == NULL);
        if (vm) {
            vm->sink = collect_row;
            vm->sink_ctx = &r;
        }
        hs_net_set_spike_sink(net, collect_spike, &s[mon]);
        run_to(net, 400);
        hs_net_free(net);
        hs_config_free(cfg);
    }
    /* the monitor changed nothing */
    ck_assert_uint_eq(s[0].n, s[1].n);
    for (size_t k = 0; k < s[0].n; k++) {
        ck_assert(s[0].t[k] == s[1].t[k]);
        ck_assert(s[0].pop[k] == s[1].pop[k] && s[0].id[k] == s[1].id[k]);
    }
    /* 1600 samples at k / 4 ms; columns a[0].v then b[0].v (population order) */
    ck_assert_uint_eq(r.n, 1600);
    ck_assert_uint_eq(r.ncol, 2);
    const double isi = 20 * log(11.0), period = 5 + isi;
    /* b, event by event: its state after the inputs before t */
    double vb = -70, tb = 0, refr_b = -INFINITY;
    int next_in = 0, b_spikes = 0;
    for (size_t k = 0; k < r.n; k++) {
        const double t = 0.25 * (double)k;
        ck_assert(r.t[k] == t);
        /* a */
        double va;
        int m = t < isi ? -1 : (int)floor((t - isi) / period);
        double sk = isi + m * period;
        if (m < 0)
            va = -49 - 11 * exp(-t / 20);
        else if (t < sk + 5)
            va = -60;
        else
            va = -49 - 11 * exp(-(t - sk - 5) / 20);
        ck_assert_msg(fabs(r.v[2 * k] - va) < 1e-9, "a at %g ms: %.15g, want %.15g", t,
                      r.v[2 * k], va);
        /* b: the jumps that arrived before t */
        for (;;) {
            double ta = isi + next_in * period + d;
            if (!(ta < t))
                break;
            next_in++;
            if (ta < refr_b)
                continue;   /* lost while refractory */
            vb = -70 + (vb + 70) * exp(-(ta - tb) / 100) + 7;
            tb = ta;
            if (vb >= -55) {
                vb = -70;
                tb = ta + 2;
                refr_b = ta + 2;
                b_spikes++;
            }
        }
        double want = t < refr_b ? -70 : -70 + (vb + 70) * exp(-(t - tb) / 100);
        ck_assert_msg(fabs(r.v[2 * k + 1] - want) < 1e-9, "b at %g ms: %.15g, want %.15g", t,
                      r.v[2 * k + 1], want);
    }
    ck_assert_int_ge(b_spikes, 1);   /* the hard part, a reset, was sampled */
    free(r.t);
    free(r.v);
    spikes_free(&s[0]);
    spikes_free(&s[1]);
}

START_TEST(test_lif_sampled_membranes)
{
    check_sampled_membranes("0 ms", 0.0);
    check_sampled_membranes("1.5 ms", 1.5);   /* delays: the event queue instead of slices */
}
END_TEST

START_TEST(test_lif_driven_by_jumps)
{
    check_driven("0 ms", 0.0);
}
END_TEST

/* Input during the refractory period is lost.  a fires every 5 + 20 ln 11 = 52.96 ms; each of
 * its spikes alone lifts b (20 mV jump, threshold 15 mV above rest) over threshold, but b's
 * refractory period (60 ms) swallows every second one, so b fires exactly at a's spikes
 * 0, 2, 4, ...  A model that kept the jump for after the refractory period would fire at its
 * end instead. */
START_TEST(test_lif_input_lost_while_refractory)
{
    const char *yaml = "hee-snn: 1\nduration: 1 s\nseed: 1\n"
                       "populations:\n  a:\n    model: lif\n    size: 1\n"
                       "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV,"
                       " v_reset: -60 mV, t_ref: 5 ms}\n    init: {v: -60 mV}\n"
                       "  b:\n    model: lif\n    size: 1\n"
                       "    params: {tau_m: 10 ms, v_rest: -70 mV, v_thresh: -55 mV,"
                       " v_reset: -70 mV, t_ref: 60 ms}\n"
                       "projections:\n  - {from: a, to: b, connect: all_to_all, weight: 20 mV}\n"
                       "record: {spikes: all}\n";
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    run_to(net, 1000);
    double isi = 20 * log(11.0), period = 5 + isi;
    size_t na = 0, nb = 0;
    for (size_t k = 0; k < s.n; k++) {
        if (s.pop[k] == 0) {
            ck_assert_double_eq_tol(s.t[k], isi + na * period, 1e-9);
            na++;
        } else {
            ck_assert_double_eq_tol(s.t[k], isi + 2 * nb * period, 1e-9);
            nb++;
        }
    }
    ck_assert_uint_eq(na, 18);   /* 47.96 + 17 * 52.96 = 948.3 ms */
    ck_assert_uint_eq(nb, 9);    /* a's spikes 0, 2, ..., 16 */
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

START_TEST(test_lif_driven_with_delay)
{
    check_driven("1.5 ms", 1.5);
}
END_TEST


/* The event-driven model (lazy queue keys, anchored membrane, one event per spike) against a
 * brute-force reference written from the closed forms alone: every step scans all neurons for
 * the earliest crossing, decays each target explicitly, and applies the jumps.  Zero-delay
 * cascades follow the documented convention: neurons brought to threshold at the same instant
 * fire in the order they got there, each after the spike that brought it there has reached all
 * its targets (so simultaneous inhibition can still hold it back).  A recurrent
 * excitatory-inhibitory network in the regime of benchmark 4 (rest above threshold), stronger
 * weights so that inhibition often postpones crossings that lazy keys must catch up with.
 * Spike trains must agree spike for spike, times to 1e-9 ms (rounding differs; the network is
 * chaotic, so the run is kept short enough for rounding not to grow to that size). */
#define REF_N 100
#define REF_MAX 20000
typedef struct tspike {
    double t;
    uint32_t g;
} tspike;

static int tspike_cmp(const void *a, const void *b)
{
    const tspike *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->g > y->g) - (x->g < y->g);
}

static tspike ref[REF_MAX];
/* The reference's state, by global index: v at time tl, refractory until re, the next drive
 * arrival ta, the stamp of the moment it was brought to threshold (cascades fire in that
 * order). */
typedef struct lif_ref {
    double v[REF_N], tl[REF_N], re[REF_N], tau[REF_N], tref[REF_N], ta[REF_N];
    uint64_t order[REF_N], stamp;
    hs_rng_ctr nd[REF_N];   /* cursors on the drive's streams */
} lif_ref;

/* The next drive interval of neuron k of population pop (mean interval m), by the definition:
 * the next standard exponential deviate of its own stream (cursor c), times m. */
static double ref_interval(const hs_pop *pop, uint32_t k, hs_rng_ctr *c, double m)
{
    return m * hs_rng_exp(pop->key, k, c);
}

/* From the compiled populations' initial values; the first drive arrival of every neuron (mean
 * interval mean[p]), or none when mean is NULL. */
static void ref_init(lif_ref *r, const hs_net *net, const double *mean)
{
    memset(r, 0, sizeof *r);
    for (int p = 0; p < 2; p++) {
        const hs_pop *pop = &net->pops[p];
        for (uint32_t k = 0; k < pop->n; k++) {
            uint32_t g = pop->gid0 + k;
            r->v[g] = pop->init[k];
            r->re[g] = -INFINITY;
            r->tau[g] = pop->params[0];
            r->tref[g] = pop->params[4];
            r->nd[g] = (hs_rng_ctr){0, 0};
            r->ta[g] = mean ? ref_interval(pop, k, &r->nd[g], mean[p]) : INFINITY;
        }
    }
}

/* A spike of global neuron `best` (population bp, local bi) at tb: every target not refractory
 * decays to tb and jumps; one brought to threshold gets the next stamp. */
static void ref_deliver(const hs_net *net, lif_ref *r, int bp, uint32_t bi, double tb)
{
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        if (pr->from != bp)
            continue;
        for (uint64_t q = pr->row[bi]; q < pr->row[bi + 1]; q++) {
            uint32_t g = net->pops[pr->to].gid0 + pr->col[q];
            if (tb < r->re[g])
                continue;
            double vb = hs_lif_decay(r->v[g], -49, r->tau[g], tb - r->tl[g]);
            r->v[g] = vb + hs_proj_weight(pr, q);
            r->tl[g] = tb;
            if (vb < -50 && r->v[g] >= -50)
                r->order[g] = ++r->stamp;
        }
    }
}

static lif_ref R;

START_TEST(test_lif_matches_brute_force)
{
    const char *yaml =
        "hee-snn: 1\nduration: 1 s\nseed: 11\npopulations:\n"
        "  e:\n    model: lif\n    size: 80\n"
        "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV, v_reset: -60 mV, "
        "t_ref: 5 ms}\n    init: {v: {uniform: {low: -60 mV, high: -50 mV}}}\n"
        "  i:\n    model: lif\n    size: 20\n"
        "    params: {tau_m: 10 ms, v_rest: -49 mV, v_thresh: -50 mV, v_reset: -60 mV, "
        "t_ref: 2 ms}\n    init: {v: {uniform: {low: -60 mV, high: -50 mV}}}\n"
        "projections:\n"
        "  - {from: e, to: e, connect: {fixed_probability: 0.1}, weight: 1 mV}\n"
        "  - {from: e, to: i, connect: {fixed_probability: 0.1}, weight: 1 mV}\n"
        "  - {from: i, to: e, connect: {fixed_probability: 0.2}, weight: -4 mV}\n"
        "  - {from: i, to: i, connect: {fixed_probability: 0.2}, weight: -4 mV}\n"
        "record: {spikes: all}\n";
    const double T = 1000;
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    ref_init(&R, net, NULL);
    double *v = R.v, *tl = R.tl, *re = R.re, *tau = R.tau, *tref = R.tref;
    uint64_t *order = R.order;
    run_to(net, T);
    size_t nref = 0;
    double now = 0;
    for (;;) {
        int best = -1;
        double tb = INFINITY;
        for (int g = 0; g < REF_N; g++) {
            double tc = tl[g] + hs_lif_crossing(v[g], -49, -50, tau[g]);
            if (tc < tb || (tc == tb && order[g] < order[best])) {
                tb = tc;
                best = g;
            }
        }
        if (!(tb < T))
            break;
        ck_assert(tb >= now - 1e-12);
        now = tb;
        int bp = best < 80 ? 0 : 1;
        uint32_t bi = (uint32_t)best - net->pops[bp].gid0;
        ck_assert_uint_lt(nref, REF_MAX);
        ref[nref] = (tspike){tb, (uint32_t)best};
        nref++;
        v[best] = -60;
        tl[best] = re[best] = tb + tref[best];
        ref_deliver(net, &R, bp, bi, tb);
    }
    /* Neurons that cross together in a cascade fire at the same time in an order that is a
     * convention (the engine's sequence numbers); compare in (time, index) order. */
    tspike *eng = malloc(s.n * sizeof *eng);
    ck_assert(eng);
    for (size_t k = 0; k < s.n; k++)
        eng[k] = (tspike){s.t[k], net->pops[s.pop[k]].gid0 + s.id[k]};
    qsort(eng, s.n, sizeof *eng, tspike_cmp);
    qsort(ref, nref, sizeof *ref, tspike_cmp);
    for (size_t k = 0; k < nref && k < s.n; k++)
        ck_assert_msg(eng[k].g == ref[k].g && fabs(eng[k].t - ref[k].t) < 1e-9,
                      "spike %zu: engine (%u, %.12f), reference (%u, %.12f)", k, eng[k].g,
                      eng[k].t, ref[k].g, ref[k].t);
    ck_assert_uint_eq(s.n, nref);
    ck_assert_uint_gt(nref, 500);
    free(eng);
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* The Poisson drive (drive_rate, drive_weight) spike for spike against a brute-force
 * reference: as test_lif_matches_brute_force, plus each neuron's own Poisson train of jumps
 * taken from its own counter-based stream exactly as the definition orders the draws (the
 * intervals of neuron k are the standard exponential deviates hs_rng_exp(population key, k) in
 * order, / rate; the first arrival counted from 0, at each arrival the next one, at each spike
 * the first arrival after the refractory period, counted from its end).  Excitatory
 * neurons get an excitatory drive (their crossings move earlier: keys move), inhibitory ones
 * an inhibitory drive (crossings move later: lazy keys).  Times to 1e-9 ms. */
START_TEST(test_lif_drive_matches_brute_force)
{
    const char *yaml =
        "hee-snn: 1\nduration: 1 s\nseed: 12\npopulations:\n"
        "  e:\n    model: lif\n    size: 80\n"
        "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV, v_reset: -60 mV, "
        "t_ref: 5 ms, drive_rate: 400 Hz, drive_weight: 0.7 mV}\n"
        "    init: {v: {uniform: {low: -60 mV, high: -50 mV}}}\n"
        "  i:\n    model: lif\n    size: 20\n"
        "    params: {tau_m: 10 ms, v_rest: -49 mV, v_thresh: -50 mV, v_reset: -60 mV, "
        "t_ref: 2 ms, drive_rate: 1 kHz, drive_weight: -0.4 mV}\n"
        "    init: {v: {uniform: {low: -60 mV, high: -50 mV}}}\n"
        "projections:\n"
        "  - {from: e, to: e, connect: {fixed_probability: 0.1}, weight: 1 mV}\n"
        "  - {from: e, to: i, connect: {fixed_probability: 0.1}, weight: 1 mV}\n"
        "  - {from: i, to: e, connect: {fixed_probability: 0.2}, weight: -4 mV}\n"
        "record: {spikes: all}\n";
    const double T = 200;   /* chaotic: rounding reaches 1e-9 ms by 230 ms */
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    const double mean[2] = {1000.0 / 400, 1000.0 / 1000}, dw[2] = {0.7, -0.4};
    ref_init(&R, net, mean);
    double *v = R.v, *tl = R.tl, *re = R.re, *tau = R.tau, *tref = R.tref, *ta = R.ta;
    uint64_t *order = R.order;
    run_to(net, T);
    size_t nref = 0;
    for (;;) {
        int best = -1, arrival = 0;
        double tb = INFINITY;
        for (int g = 0; g < REF_N; g++) {
            double tc = tl[g] + hs_lif_crossing(v[g], -49, -50, tau[g]);
            if (tc < tb || (tc == tb && !arrival && order[g] < order[best])) {
                tb = tc;
                best = g;
                arrival = 0;
            }
            if (ta[g] < tb) {
                tb = ta[g];
                best = g;
                arrival = 1;
            }
        }
        if (!(tb < T))
            break;
        int bp = best < 80 ? 0 : 1;
        if (arrival) {   /* never while refractory: the first one after it is drawn from its end */
            ck_assert(tb >= re[best]);
            ta[best] = tb + ref_interval(&net->pops[bp], (uint32_t)best - net->pops[bp].gid0,
                                         &R.nd[best], mean[bp]);
            v[best] = hs_lif_decay(v[best], -49, tau[best], tb - tl[best]) + dw[bp];
            tl[best] = tb;
            if (v[best] < -50)
                continue;
        }
        uint32_t bi = (uint32_t)best - net->pops[bp].gid0;
        ck_assert_uint_lt(nref, REF_MAX);
        ref[nref++] = (tspike){tb, (uint32_t)best};
        v[best] = -60;
        tl[best] = re[best] = tb + tref[best];
        ta[best] = re[best] + ref_interval(&net->pops[bp], bi, &R.nd[best], mean[bp]);
        ref_deliver(net, &R, bp, bi, tb);
    }
    for (size_t k = 0; k < nref && k < s.n; k++) {   /* in event order: the draws depend on it */
        uint32_t g = net->pops[s.pop[k]].gid0 + s.id[k];
        ck_assert_msg(g == ref[k].g && fabs(s.t[k] - ref[k].t) < 1e-9,
                      "spike %zu: engine (%u, %.12f), reference (%u, %.12f)", k, g, s.t[k],
                      ref[k].g, ref[k].t);
    }
    ck_assert_uint_eq(s.n, nref);
    ck_assert_uint_gt(nref, 400);
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* With a drive jump that always reaches threshold (v never falls below v_rest = 0, and a jump
 * of 20 mV takes it from there to v_thresh), every first arrival after the refractory period
 * fires the neuron: the inter-spike intervals are t_ref + Exp(drive_rate), exactly.  1000
 * neurons for 2 s at 500 Hz (about 500 intervals each): the mean of interval - t_ref is
 * 2 ms within 4 standard errors (sd 2 ms / sqrt(n)), its variance 4 ms^2 within 4 standard
 * errors (the variance of a squared exponential deviation: 20 / rate^4 - 4 / rate^4 ... for
 * Exp(mean m): Var((x-m)^2) = 8 m^4), and no interval is shorter than t_ref. */
START_TEST(test_lif_drive_intervals)
{
    const char *yaml = "hee-snn: 1\nduration: 2 s\nseed: 5\npopulations:\n"
                       "  a:\n    model: lif\n    size: 1000\n"
                       "    params: {tau_m: 20 ms, v_rest: 0 mV, v_thresh: 20 mV, v_reset: 10 mV, "
                       "t_ref: 2 ms, drive_rate: 500 Hz, drive_weight: 20 mV}\n"
                       "record: {spikes: all}\n";
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    run_to(net, 2000);
    double *last = malloc(1000 * sizeof *last);
    ck_assert_ptr_nonnull(last);
    for (int i = 0; i < 1000; i++)
        last[i] = NAN;
    double n = 0, sum = 0, sum2 = 0, shortest = INFINITY;
    const double m = 2.0;
    for (size_t k = 0; k < s.n; k++) {
        uint32_t i = s.id[k];
        if (!isnan(last[i])) {
            double x = s.t[k] - last[i] - 2.0;
            shortest = fmin(shortest, x);
            n++;
            sum += x;
            sum2 += (x - m) * (x - m);
        }
        last[i] = s.t[k];
    }
    ck_assert_double_ge(shortest, -1e-12);
    ck_assert_double_gt(n, 450000);
    double mean = sum / n, var = sum2 / n;
    ck_assert_msg(fabs(mean - m) < 4 * m / sqrt(n), "mean interval - t_ref %g, expected %g",
                  mean, m);
    ck_assert_msg(fabs(var - m * m) < 4 * sqrt(8 * m * m * m * m / n),
                  "variance %g, expected %g", var, m * m);
    free(last);
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* ---- slices against the event queue ------------------------------------------------------ */

/* Run yaml to T once with the event queue (a heap) and as the engine chooses, which must be
 * slices, on 1 and on 3 threads; the spike trains, in (time, neuron) order, must agree spike
 * for spike with times to 1e-9 ms (the same arithmetic: in practice equal; only the summation
 * order of inputs of one instant may differ), and the sliced runs on 1 and 3 threads must be
 * the same bit for bit, in the order recorded.  Splits the sliced runs at the times in cut[]
 * (ncut of them) to exercise runs that end inside a slice.  Returns the number of spikes. */
static size_t slices_vs_queue(const char *yaml, double T, const double *cut, int ncut)
{
    tspike *tr[3] = {NULL, NULL, NULL};
    size_t n[3];
    for (int mode = 0; mode < 3; mode++) {
        hs_config *cfg;
        hs_net *net = net_from_string(yaml, &cfg);
        spikes s = {0};
        hs_net_set_spike_sink(net, collect_spike, &s);
        if (mode == 0)
            net->queue_kind = -1;
        if (mode == 2)
            ck_assert_int_eq(hs_net_set_threads(net, 3), HS_OK);
        for (int c = 0; mode > 0 && c < ncut; c++)
            run_to(net, cut[c]);
        run_to(net, T);
        ck_assert_int_eq(hs_net_set_threads(net, 2), HS_ECONFIG);   /* not after a run */
        char eng[64];
        hs_net_engine(net, eng, sizeof eng);
        ck_assert_msg(mode == 0   ? !strncmp(eng, "event queue", 11)
                      : mode == 1 ? !strncmp(eng, "slices", 6) && !strstr(eng, "threads")
                                  : !strncmp(eng, "slices", 6) && strstr(eng, "3 threads"),
                      "engine: %s", eng);
        for (size_t k = 1; k < s.n; k++)   /* recorded in time order */
            ck_assert(s.t[k] >= s.t[k - 1]);
        tr[mode] = malloc((s.n ? s.n : 1) * sizeof **tr);
        ck_assert(tr[mode]);
        for (size_t k = 0; k < s.n; k++)
            tr[mode][k] = (tspike){s.t[k], net->pops[s.pop[k]].gid0 + s.id[k]};
        n[mode] = s.n;
        if (mode == 0)
            qsort(tr[mode], s.n, sizeof **tr, tspike_cmp);
        spikes_free(&s);
        hs_net_free(net);
        hs_config_free(cfg);
    }
    ck_assert_uint_eq(n[1], n[2]);   /* threads: the same, in the same order */
    for (size_t k = 0; k < n[1]; k++)
        ck_assert_msg(tr[1][k].g == tr[2][k].g && tr[1][k].t == tr[2][k].t,
                      "spike %zu: 1 thread (%u, %.17g), 3 threads (%u, %.17g)", k, tr[1][k].g,
                      tr[1][k].t, tr[2][k].g, tr[2][k].t);
    qsort(tr[1], n[1], sizeof **tr, tspike_cmp);
    for (size_t k = 0; k < n[0] && k < n[1]; k++)
        ck_assert_msg(tr[0][k].g == tr[1][k].g && fabs(tr[0][k].t - tr[1][k].t) < 1e-9,
                      "spike %zu: queue (%u, %.12f), slices (%u, %.12f)", k, tr[0][k].g,
                      tr[0][k].t, tr[1][k].g, tr[1][k].t);
    ck_assert_uint_eq(n[0], n[1]);
    free(tr[0]);
    free(tr[1]);
    free(tr[2]);
    return n[0];
}

/* Brunel's network in small (400 + 100 neurons, in-degrees 40 and 10, J = 0.5 mV, g = 5,
 * delays 1.5 ms) with every neuron's own Poisson drive: near-synchronous spikes, inputs of
 * one instant from excitatory and inhibitory neurons at once, the drive's draws from each
 * neuron's own stream whatever the order neurons are advanced in.  Runs cut inside slices. */
START_TEST(test_lif_slices_match_queue_brunel)
{
    const char *yaml =
        "hee-snn: 1\nseed: 21\nduration: 300 ms\npopulations:\n"
        "  e:\n    model: lif\n    size: 400\n"
        "    params: {tau_m: 20 ms, v_rest: 0 mV, v_thresh: 20 mV, v_reset: 10 mV, t_ref: 2 ms,"
        " drive_rate: 3 kHz, drive_weight: 0.5 mV}\n"
        "    init: {v: {uniform: {low: 0 mV, high: 20 mV}}}\n"
        "  i:\n    model: lif\n    size: 100\n"
        "    params: {tau_m: 20 ms, v_rest: 0 mV, v_thresh: 20 mV, v_reset: 10 mV, t_ref: 2 ms,"
        " drive_rate: 3 kHz, drive_weight: 0.5 mV}\n"
        "    init: {v: {uniform: {low: 0 mV, high: 20 mV}}}\n"
        "projections:\n"
        "  - {from: e, to: e, connect: {fixed_indegree: 40}, weight: 0.5 mV, delay: 1.5 ms}\n"
        "  - {from: e, to: i, connect: {fixed_indegree: 40}, weight: 0.5 mV, delay: 1.5 ms}\n"
        "  - {from: i, to: e, connect: {fixed_indegree: 10}, weight: -2.5 mV, delay: 1.5 ms}\n"
        "  - {from: i, to: i, connect: {fixed_indegree: 10}, weight: -2.5 mV, delay: 1.5 ms}\n"
        "record: {spikes: all}\n";
    const double cut[] = {0.75, 37.3, 37.3, 100.0, 151.23456};
    size_t n = slices_vs_queue(yaml, 300, cut, 5);
    ck_assert_uint_gt(n, 3000);
}
END_TEST

/* Per-synapse delays from an edges file, uniform in [1, 8] ms (slices of about 1 ms, a ring of
 * 10), in-degree 1000 with repeats (some 40 inputs per neuron and slice, sent by spikes of up
 * to 8 earlier slices: inboxes filled out of order, sorted by insertion and by merging),
 * self-firing neurons (rest above threshold) whose lazy keys inhibition postpones and
 * excitation moves earlier. */
START_TEST(test_lif_slices_match_queue_delays)
{
    char dir[64], path[128], yaml[1024];
    scratch_make(dir, sizeof dir, "slices");
    snprintf(path, sizeof path, "%s/edges.tsv", dir);
    FILE *f = fopen(path, "w");
    ck_assert(f);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    for (uint32_t post = 0; post < 200; post++)
        for (int k = 0; k < 1000; k++) {
            uint32_t pre = (uint32_t)gsl_rng_uniform_int(r, 200);
            fprintf(f, "%u\t%u\t%s\t%.17g\n", pre, post, pre < 160 ? "0.2" : "-0.75",
                    1 + 7 * gsl_rng_uniform(r));
        }
    gsl_rng_free(r);
    fclose(f);
    snprintf(yaml, sizeof yaml,
             "hee-snn: 1\nseed: 4\nduration: 400 ms\npopulations:\n"
             "  a:\n    model: lif\n    size: 200\n"
             "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV, v_reset: -60 mV, "
             "t_ref: 3 ms}\n    init: {v: {uniform: {low: -60 mV, high: -50 mV}}}\n"
             "projections:\n  - {from: a, to: a, connect: {file: %s}}\n"
             "record: {spikes: all}\n", path);
    const double cut[] = {10.25, 99.9};
    size_t n = slices_vs_queue(yaml, 400, cut, 2);
    ck_assert_uint_gt(n, 2000);   /* (about 2,650) */
    scratch_remove(dir);
}
END_TEST

/* spike_generator: its spikes are the given times, sorted per neuron, repeats kept; a LIF
 * neuron it drives fires exactly where the closed form says (b rests at -70 mV, threshold
 * -55 mV, tau_m 100 ms; 8 mV jumps 1 ms after 1, 3.5, 10 and 10 ms: the second jump reaches
 * -70 + 8 e^(-2.5/100) + 8 = -54.2 mV, so b fires at 4.5 ms, is reset, and the two jumps at
 * 11 ms fire it again); and a generator-driven network runs the same in slices (1 and 3
 * threads, runs cut inside slices) as in the event queue. */
START_TEST(test_spike_generator)
{
    const char *yaml =
        "hee-snn: 1\nduration: 30 ms\nseed: 1\npopulations:\n"
        "  g: {model: spike_generator, size: 3, times: [[10 ms, 1 ms, 10 ms], [3.5 ms], []]}\n"
        "  b:\n    model: lif\n    size: 1\n"
        "    params: {tau_m: 100 ms, v_rest: -70 mV, v_thresh: -55 mV, v_reset: -70 mV,"
        " t_ref: 2 ms}\n"
        "projections:\n  - {from: g, to: b, connect: all_to_all, weight: 8 mV, delay: 1 ms}\n"
        "record: {spikes: all}\n";
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    spikes s = {0};
    hs_net_set_spike_sink(net, collect_spike, &s);
    run_to(net, 30);
    const double want_t[] = {1, 3.5, 4.5, 10, 10, 11};
    const int want_pop[] = {0, 0, 1, 0, 0, 1};
    const uint32_t want_id[] = {0, 1, 0, 0, 0, 0};
    ck_assert_uint_eq(s.n, 6);
    for (size_t k = 0; k < s.n; k++)
        ck_assert_msg(s.t[k] == want_t[k] && s.pop[k] == want_pop[k] && s.id[k] == want_id[k],
                      "spike %zu: %g %d %u", k, s.t[k], s.pop[k], s.id[k]);
    spikes_free(&s);
    hs_net_free(net);
    hs_config_free(cfg);

    /* 40 generators with 25 random times each drive 200 LIF neurons that also excite each
     * other, every synapse with a delay */
    char big[32768];
    size_t used = (size_t)snprintf(big, sizeof big,
                                   "hee-snn: 1\nduration: 300 ms\nseed: 5\npopulations:\n"
                                   "  g:\n    model: spike_generator\n    size: 40\n    times: [");
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 9);
    for (int i = 0; i < 40; i++) {
        /* (the first also fires where runs are cut and at the end: not in the runs) */
        used += (size_t)snprintf(big + used, sizeof big - used, "%s[%s", i ? ", " : "",
                                 i ? "" : "150.75 ms, 300 ms, 3 ms, ");
        for (int k = 0; k < 25; k++)
            used += (size_t)snprintf(big + used, sizeof big - used, "%s%.6f ms", k ? ", " : "",
                                     300 * gsl_rng_uniform(r));
        used += (size_t)snprintf(big + used, sizeof big - used, "]");
    }
    gsl_rng_free(r);
    snprintf(big + used, sizeof big - used,
             "]\n  a:\n    model: lif\n    size: 200\n"
             "    params: {tau_m: 20 ms, v_rest: -65 mV, v_thresh: -50 mV, v_reset: -65 mV, "
             "t_ref: 2 ms}\n    init: {v: {uniform: {low: -65 mV, high: -50 mV}}}\n"
             "projections:\n"
             "  - {from: g, to: a, connect: {fixed_probability: 0.3}, weight: 4 mV, "
             "delay: 1.5 ms}\n"
             "  - {from: a, to: a, connect: {fixed_probability: 0.05}, weight: 1 mV, "
             "delay: 2 ms}\n"
             "record: {spikes: all}\n");
    const double cut[] = {3.2, 150.75};
    ck_assert_uint_gt(slices_vs_queue(big, 300, cut, 2), 1002);   /* generators' own: 1002 */

    /* the same with inhomogeneous Poisson sources (each neuron its own stream) */
    const char *ip =
        "hee-snn: 1\nduration: 300 ms\nseed: 5\npopulations:\n"
        "  s: {model: inhomogeneous_poisson, size: 100, rates: {times: [10 ms, 120 ms, 200 ms],"
        " values: [200 Hz, 0 Hz, 50 Hz]}}\n"
        "  a:\n    model: lif\n    size: 200\n"
        "    params: {tau_m: 20 ms, v_rest: -65 mV, v_thresh: -50 mV, v_reset: -65 mV, "
        "t_ref: 2 ms}\n    init: {v: {uniform: {low: -65 mV, high: -50 mV}}}\n"
        "projections:\n"
        "  - {from: s, to: a, connect: {fixed_probability: 0.1}, weight: 2 mV, delay: 1.5 ms}\n"
        "  - {from: a, to: a, connect: {fixed_probability: 0.05}, weight: 1 mV, delay: 2 ms}\n"
        "record: {spikes: all}\n";
    ck_assert_uint_gt(slices_vs_queue(ip, 300, cut, 2), 2500);   /* sources' own: about 2700 */
}
END_TEST

static Suite *lif_suite(void)
{
    Suite *s = suite_create("lif");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);   /* the brute-force references and the slices-against-queue runs */
    tcase_add_test(tc, test_lif_decay_closed_form);
    tcase_add_test(tc, test_lif_crossing_closed_form);
    tcase_add_test(tc, test_lif_spontaneous_spike_train);
    tcase_add_test(tc, test_lif_driven_by_jumps);
    tcase_add_test(tc, test_lif_driven_with_delay);
    tcase_add_test(tc, test_lif_sampled_membranes);
    tcase_add_test(tc, test_lif_input_lost_while_refractory);
    tcase_add_test(tc, test_lif_matches_brute_force);
    tcase_add_test(tc, test_lif_drive_matches_brute_force);
    tcase_add_test(tc, test_lif_drive_intervals);
    tcase_add_test(tc, test_lif_slices_match_queue_brunel);
    tcase_add_test(tc, test_lif_slices_match_queue_delays);
    tcase_add_test(tc, test_spike_generator);
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(lif_suite)
