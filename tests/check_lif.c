/* check_lif.c -- the LIF model against closed-form solutions: free decay, threshold crossing
 * (including a resting potential above threshold), delivered jumps and delays */
#include <check.h>
#include <math.h>

#include "models/lif.h"
#include "testutil.h"

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
static void check_driven(const char *delay, double d)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "hee-snn: 1\nduration: 400 ms\nseed: 1\n"
             "populations:\n  a:\n    model: lif\n    size: 1\n"
             "    params: {tau_m: 20 ms, v_rest: -49 mV, v_thresh: -50 mV,"
             " v_reset: -60 mV, t_ref: 5 ms}\n    init: {v: -60 mV}\n"
             "  b:\n    model: lif\n    size: 1\n"
             "    params: {tau_m: 100 ms, v_rest: -70 mV, v_thresh: -55 mV,"
             " v_reset: -70 mV, t_ref: 2 ms}\n"
             "projections:\n  - {from: a, to: b, connect: all_to_all, weight: 7 mV, delay: %s}\n"
             "record: {spikes: all}\n", delay);
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

static Suite *lif_suite(void)
{
    Suite *s = suite_create("lif");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_lif_decay_closed_form);
    tcase_add_test(tc, test_lif_crossing_closed_form);
    tcase_add_test(tc, test_lif_spontaneous_spike_train);
    tcase_add_test(tc, test_lif_driven_by_jumps);
    tcase_add_test(tc, test_lif_driven_with_delay);
    tcase_add_test(tc, test_lif_input_lost_while_refractory);
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(lif_suite)
