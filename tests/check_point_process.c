/* check_point_process.c -- the point_process model (stochastic neurons driven by a hazard)
 * against the laws of the processes it realises
 *
 * Networks are built by hand (the model is not in the YAML registry): populations of U units
 * x P neurons, no projections, hazards set with hs_pp_set_hazard() before a run or by a
 * test-only driver process (queue id nneurons) that changes them at given times.  Spike
 * statistics are compared with renewal theory (Poisson counts and exponential ISIs for
 * tau_ref = 0; ISI = tau_ref + Exp(h), rate h/(1 + h tau_ref), Fano factor CV^2 otherwise;
 * counts following the integrated hazard under a time-varying one); spike trains under a
 * piecewise hazard spike for spike with a brute-force reference that draws the same random
 * numbers; traces, trace means and inputs with their closed forms; a restored state with the
 * run it was saved from.  Seeds are fixed; every statistical tolerance is 4 Monte Carlo
 * standard deviations (a correct model fails such a check with probability 6e-5) unless a
 * comment says otherwise (the KS checks: 1e-3).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/point_process.h"
#include "config/config.h"
#include "net/net.h"
#include "testutil.h"

/* ---- a network of point_process populations, built by hand ----------------------------- */

typedef struct pspec {
    uint32_t U, P;
    double tau_ref, tau_syn;
} pspec;

static const char *const pop_names[] = {"pp0", "pp1", "pp2", "pp3"};

/* One population per spec, neurons numbered consecutively; the dynamics streams are seeded
 * from seed, the initial thresholds drawn from a separate init stream.  Every spike goes to
 * the sink s (if not NULL).  Room for one process (queue id nneurons). */
static hs_net *pp_build(const pspec *ps, int npops, unsigned long seed, spikes *s)
{
    hs_net *net = calloc(1, sizeof *net);
    ck_assert_ptr_nonnull(net);
    net->mon_pop = -1;
    net->npops = npops;
    net->pops = calloc((size_t)npops, sizeof *net->pops);
    net->spikes = calloc((size_t)npops, sizeof *net->spikes);
    net->record = calloc((size_t)npops, sizeof *net->record);
    net->out_projs = calloc((size_t)npops, sizeof *net->out_projs);
    ck_assert(net->pops && net->spikes && net->record && net->out_projs);
    uint32_t gid = 0;
    for (int p = 0; p < npops; p++) {
        hs_pop *pop = &net->pops[p];
        pop->model = &hs_model_point_process;
        pop->name = pop_names[p];
        pop->n = ps[p].U * ps[p].P;
        pop->gid0 = gid;
        gid += pop->n;
        pop->params[HS_PP_P] = ps[p].P;
        pop->params[HS_PP_TAU_REF] = ps[p].tau_ref;
        pop->params[HS_PP_TAU_SYN] = ps[p].tau_syn;
        pop->rng = gsl_rng_alloc(gsl_rng_mt19937);
        ck_assert_ptr_nonnull(pop->rng);
        gsl_rng_set(pop->rng, seed * 16 + (unsigned long)p + 1);
        net->record[p] = 1;
        net->out_projs[p] = malloc(sizeof(int));
        ck_assert_ptr_nonnull(net->out_projs[p]);
        net->out_projs[p][0] = -1;
    }
    net->nneurons = gid;
    net->pop_of = malloc(gid * sizeof *net->pop_of);
    ck_assert_ptr_nonnull(net->pop_of);
    for (int p = 0; p < npops; p++)
        for (uint32_t i = 0; i < net->pops[p].n; i++)
            net->pop_of[net->pops[p].gid0 + i] = (uint16_t)p;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    ck_assert_ptr_nonnull(r);
    gsl_rng_set(r, seed);
    hs_error err = {0};
    for (int p = 0; p < npops; p++)
        ck_assert_int_eq(net->pops[p].model->init(&net->pops[p], net, r, &err), HS_OK);
    gsl_rng_free(r);
    if (s)
        hs_net_set_spike_sink(net, collect_spike, s);
    return net;
}

/* Set every unit of population p to h[u] at time t. */
static void set_hazards(hs_net *net, int p, const double *h, double t)
{
    hs_pop *pop = &net->pops[p];
    uint32_t U = pop->n / (uint32_t)pop->params[HS_PP_P];
    for (uint32_t u = 0; u < U; u++)
        hs_pp_set_hazard(pop, u, h[u], t, net);
}

/* ---- a driver process: sets the hazards of every unit at its steps ---------------------- */

typedef struct driver {
    /* the hazard of unit u of population p from step k on */
    double (*hazard)(const struct driver *d, int p, uint32_t u, size_t k);
    const double *tk;   /* step times tk[0..nk-1], or NULL: every dt from t = 0 */
    size_t nk;
    double dt, t_stop;  /* periodic steps: none at or after t_stop */
    const double *hk;   /* for hazard_table: hk[k * U + u], one population */
    uint32_t U;
    int promise;        /* set the hazards until the next step (hs_pp_set_hazard_until) */
    size_t k;           /* steps taken */
    double *ts;         /* the times of the steps taken */
    size_t cap;
} driver;

static int driver_step(void *self, double t, struct hs_net *net, double *next, hs_error *err)
{
    (void)err;
    driver *d = self;
    if (d->k == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 1024;
        d->ts = realloc(d->ts, d->cap * sizeof *d->ts);
        ck_assert_ptr_nonnull(d->ts);
    }
    d->ts[d->k] = t;
    const size_t k = d->k++;
    if (d->tk)
        *next = d->k < d->nk ? d->tk[d->k] : INFINITY;
    else
        *next = t + d->dt < d->t_stop ? t + d->dt : INFINITY;
    for (int p = 0; p < net->npops; p++) {
        hs_pop *pop = &net->pops[p];
        uint32_t U = pop->n / (uint32_t)pop->params[HS_PP_P];
        for (uint32_t u = 0; u < U; u++)
            if (d->promise)
                hs_pp_set_hazard_until(pop, u, d->hazard(d, p, u, k), t, *next, net);
            else
                hs_pp_set_hazard(pop, u, d->hazard(d, p, u, k), t, net);
    }
    return HS_OK;
}

static void driver_free(void *self)
{
    driver *d = self;
    free(d->ts);
    d->ts = NULL;
}

static const hs_proc_ops driver_ops = {
    .name = "test-driver", .step = driver_step, .describe = NULL, .free = driver_free};

/* Register d as the net's process, first step at t0. */
static void driver_attach(hs_net *net, driver *d, double t0)
{
    net->procs[0] = (hs_proc){.ops = &driver_ops, .self = d};
    net->nprocs = 1;
    hs_sched(net, net->nneurons, t0);
}

static double hazard_table(const driver *d, int p, uint32_t u, size_t k)
{
    (void)p;
    return d->hk[k * d->U + u];
}

/* int_a^b of the hazard the driver gave unit u of population p (0 before its first step). */
static double driver_integral(const driver *d, int p, uint32_t u, double a, double b)
{
    double I = 0;
    for (size_t k = 0; k < d->k; k++) {
        double lo = fmax(d->ts[k], a), hi = fmin(k + 1 < d->k ? d->ts[k + 1] : INFINITY, b);
        if (hi > lo)
            I += d->hazard(d, p, u, k) * (hi - lo);
    }
    return I;
}

/* The step in force at time t (the last one at or before t). */
static size_t driver_step_at(const driver *d, double t)
{
    size_t lo = 0, hi = d->k;   /* ts[lo] <= t < ts[hi] */
    while (hi - lo > 1) {
        size_t m = (lo + hi) / 2;
        if (d->ts[m] <= t)
            lo = m;
        else
            hi = m;
    }
    return lo;
}

/* ---- statistics ------------------------------------------------------------------------ */

/* Spike counts per neuron of population p in [a, b), into c[0..n-1].  (Loops over spikes
 * assert once at the end: a Check assertion costs a message to the parent process.) */
static void counts(const spikes *s, int p, uint32_t n, double a, double b, double *c)
{
    memset(c, 0, n * sizeof *c);
    uint32_t bad = 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->pop[k] == p && s->t[k] >= a && s->t[k] < b) {
            if (s->id[k] < n)
                c[s->id[k]]++;
            else
                bad++;
        }
    ck_assert_msg(bad == 0, "%u spikes of neurons beyond %u", bad, n);
}

static void mean_var(const double *x, size_t n, double *mean, double *var)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = v / (double)(n - 1);
}

/* The interspike intervals of every neuron i in [i0, i0 + m) of population p (or, pooled,
 * of their superposition) whose first spike is in [a, b); at most cap.  The interval after a
 * spike is independent of the spike's time (renewal), so selecting intervals by where they
 * start does not bias them; they must end before the end of the run (the caller leaves a
 * margin after b that the interval exceeds with negligible probability). */
static size_t isis(const spikes *s, int p, uint32_t i0, uint32_t m, int pooled, double a,
                   double b, double *out, size_t cap)
{
    double *last = malloc(m * sizeof *last);
    ck_assert_ptr_nonnull(last);
    for (uint32_t i = 0; i < m; i++)
        last[i] = -INFINITY;
    size_t n = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (s->pop[k] != p || s->id[k] < i0 || s->id[k] >= i0 + m)
            continue;
        uint32_t i = pooled ? 0 : s->id[k] - i0;
        if (last[i] >= a && last[i] < b && n < cap)
            out[n++] = s->t[k] - last[i];
        last[i] = s->t[k];
    }
    free(last);
    return n;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* sqrt(n) times the Kolmogorov-Smirnov distance between x[0..n-1] (sorted in place) and
 * Exp(rate).  Under the null hypothesis it exceeds 1.95 with probability 1e-3 (Kolmogorov
 * distribution: P(K > 1.95) = 0.001); n is large here, so the asymptotic law applies. */
static double ks_exponential(double *x, size_t n, double rate)
{
    qsort(x, n, sizeof *x, dcmp);
    double D = 0;
    for (size_t i = 0; i < n; i++) {
        double F = 1 - exp(-rate * x[i]);
        D = fmax(D, fmax(F - (double)i / (double)n, (double)(i + 1) / (double)n - F));
    }
    return sqrt((double)n) * D;
}

/* Checks on a sample of n Exp(h) intervals: mean 1/h (sd of the mean (1/h)/sqrt(n)),
 * variance 1/h^2 (fourth central moment of Exp(h) is 9/h^4, so the sample variance has sd
 * sqrt((9 - 1)/n)/h^2), and the KS statistic. */
static void check_exponential(double *x, size_t n, double h, const char *what)
{
    double m, v;
    mean_var(x, n, &m, &v);
    ck_assert_msg(fabs(m - 1 / h) < 4 / h / sqrt((double)n), "%s: mean ISI %g, expected %g",
                  what, m, 1 / h);
    ck_assert_msg(fabs(v - 1 / (h * h)) < 4 * sqrt(8.0 / (double)n) / (h * h),
                  "%s: ISI variance %g, expected %g", what, v, 1 / (h * h));
    double K = ks_exponential(x, n, h);
    ck_assert_msg(K < 1.95, "%s: KS sqrt(n) D = %g over %zu ISIs", what, K, n);
}

/* Dispersion index var/mean of n Poisson(lambda) counts: under the null hypothesis its sd is
 * sqrt((2 + 1/lambda)/(n - 1)) (variance of the sample variance: (mu4 - sigma^4)/n with
 * mu4 = lambda + 3 lambda^2). */
static void check_poisson_counts(const double *c, size_t n, double lambda, const char *what)
{
    double m, v;
    mean_var(c, n, &m, &v);
    /* the sum of the counts is Poisson(n lambda): sd of the mean sqrt(lambda/n) */
    ck_assert_msg(fabs(m - lambda) < 4 * sqrt(lambda / (double)n),
                  "%s: mean count %g, expected %g", what, m, lambda);
    double sd = sqrt((2 + 1 / lambda) / (double)(n - 1));
    ck_assert_msg(fabs(v / m - 1) < 4 * sd, "%s: dispersion index %g (sd %g)", what, v / m,
                  sd);
}

/* ---- 1. constant hazard, no refractoriness: independent Poisson processes --------------- */

START_TEST(test_pp_poisson_constant_hazard)
{
    enum { U = 4, P = 250, N = U * P };
    const double h = 0.05, T = 1000;   /* 50 Hz for 1 s: 50 spikes per neuron */
    pspec ps = {U, P, 0.0, 5.0};
    spikes s = {0};
    hs_net *net = pp_build(&ps, 1, 101, &s);
    double hz[U] = {h, h, h, h};
    set_hazards(net, 0, hz, 0.0);
    run_to(net, T);

    /* counts: every neuron's count in [0, T) is Poisson(hT), all independent */
    double *c = malloc(N * sizeof *c);
    ck_assert_ptr_nonnull(c);
    counts(&s, 0, N, 0, T, c);
    check_poisson_counts(c, N, h * T, "all neurons");
    for (int u = 0; u < U; u++) {
        /* a unit's total is Poisson(P h T): sd sqrt(P h T) */
        double tot = 0;
        for (int j = 0; j < P; j++)
            tot += c[u * P + j];
        ck_assert_msg(fabs(tot - P * h * T) < 4 * sqrt(P * h * T), "unit %d: %g spikes", u,
                      tot);
    }
    ck_assert_uint_eq(net->spikes[0], s.n);

    /* ISIs: each neuron's are iid Exp(h); pooled over all neurons (iid, so the pooled sample
     * tests each one's law with N times the data), starting in [0, 500): the run goes on
     * 500 ms = 25/h after, P(ISI > 500) = e^-25 */
    size_t cap = s.n;
    double *x = malloc(cap * sizeof *x);
    ck_assert_ptr_nonnull(x);
    size_t n = isis(&s, 0, 0, N, 0, 0, T - 25 / h, x, cap);
    ck_assert_uint_gt(n, 20000);
    check_exponential(x, n, h, "neuron ISIs");
    /* one neuron alone (50 spikes): only a coarse check, 4 sd of its mean ISI */
    size_t n1 = isis(&s, 0, 17, 1, 0, 0, T - 25 / h, x, cap);
    double m1, v1;
    mean_var(x, n1, &m1, &v1);
    ck_assert_double_lt(fabs(m1 - 1 / h), 4 / h / sqrt((double)n1));
    /* the P neurons of a unit are independent: their superposition is Poisson(P h), ISIs
     * Exp(P h), here unit 2 from 0 to T - 2 ms (2 ms = 25/(P h)) */
    n = isis(&s, 0, 2 * P, P, 1, 0, T - 25 / (P * h), x, cap);
    ck_assert_uint_gt(n, 10000);
    check_exponential(x, n, P * h, "unit superposition ISIs");

    /* no two spikes of one unit at one time; times in [0, T) in order */
    double last[U] = {-1, -1, -1, -1}, tprev = 0;
    size_t on_grid = 0, twice = 0, disorder = 0;
    for (size_t k = 0; k < s.n; k++) {
        uint32_t u = s.id[k] / P;
        twice += !(s.t[k] > last[u]);
        disorder += !(s.t[k] >= tprev && s.t[k] < T);
        last[u] = tprev = s.t[k];
        /* exact times: no 0.01 ms grid.  A continuous time is within 1e-7 (in units of the
         * grid) of a grid point with probability 2e-7: expected 0.01 of 50000 spikes, and
         * P(more than 1) = 5e-5 */
        double g = s.t[k] / 0.01;
        if (fabs(g - rint(g)) < 1e-7)
            on_grid++;
    }
    ck_assert_msg(twice == 0, "%zu spikes at the time of their unit's previous one", twice);
    ck_assert_msg(disorder == 0, "%zu spikes out of order or outside [0, T)", disorder);
    ck_assert_uint_le(on_grid, 1);
    free(x);
    free(c);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* ---- 2. refractoriness: the renewal process of hazard h with dead time tau_ref --------- */

START_TEST(test_pp_refractory_renewal)
{
    enum { U = 2, P = 500, N = U * P };
    const double h = 0.2, tr = 2.0;
    /* ISI = tr + Exp(h): mean mu = tr + 1/h = 7 ms, variance 1/h^2 = 25 ms^2 */
    const double mu = tr + 1 / h, rate = h / (1 + h * tr), F = 1 / ((1 + h * tr) * (1 + h * tr));
    /* Every neuron starts free with an Exp(1) threshold, not in the renewal process's
     * equilibrium; the deviation decays like exp(Re(s) t) for the roots s != 0 of
     * h exp(-s tr) = s + h, the slowest with Re(s) = -1.24/ms: 50 ms of burn-in leave e^-60. */
    const double T0 = 50, T = 2000, margin = tr + 25 / h;
    pspec ps = {U, P, tr, 5.0};
    spikes s = {0};
    hs_net *net = pp_build(&ps, 1, 202, &s);
    double hz[U] = {h, h};
    set_hazards(net, 0, hz, 0.0);
    run_to(net, T0 + T);

    /* the refractory period is exact: the next spike is at or after t + tau_ref, computed
     * as the model does */
    double *last = malloc(N * sizeof *last);
    ck_assert_ptr_nonnull(last);
    for (int i = 0; i < N; i++)
        last[i] = -INFINITY;
    size_t short_isi = 0;
    double shortest = INFINITY;
    for (size_t k = 0; k < s.n; k++) {
        uint32_t i = s.id[k];
        short_isi += !(s.t[k] >= last[i] + tr);
        shortest = fmin(shortest, s.t[k] - last[i]);
        last[i] = s.t[k];
    }
    ck_assert_msg(short_isi == 0, "%zu ISIs shorter than tau_ref (shortest %.17g)", short_isi,
                  shortest);
    ck_assert_double_ge(shortest, tr);
    free(last);

    /* rate: the stationary renewal process has E N(T) = T/mu exactly; Var N(T) =
     * F T/mu + O(1) (the O(1) term, 1/6 + sigma^4/(2 mu^4) - mu_3/(3 mu^3) = 0.05, is
     * negligible), so the total over N neurons has sd sqrt(N F T/mu) */
    double *c = malloc(N * sizeof *c);
    ck_assert_ptr_nonnull(c);
    counts(&s, 0, N, T0, T0 + T, c);
    double tot = 0;
    for (int i = 0; i < N; i++)
        tot += c[i];
    ck_assert_msg(fabs(tot - N * rate * T) < 4 * sqrt(N * F * rate * T),
                  "%g spikes, expected %g", tot, N * rate * T);

    /* Fano factor of the counts in T (286 mean ISIs) -> CV^2 = 1/(1 + h tr)^2 = 0.51;
     * finite-window correction 0.05/286, negligible.  The counts are near Gaussian, so the
     * sample variance has relative sd sqrt(2/(N - 1)) = 4.5%, the sample mean 0.1% */
    double m, v;
    mean_var(c, N, &m, &v);
    double sdF = F * sqrt(2.0 / (N - 1));
    ck_assert_msg(fabs(v / m - F) < 4 * sdF, "Fano factor %g, expected %g (sd %g)", v / m, F,
                  sdF);
    /* power: Poisson (1) and the rate ratio 1/(1 + h tr) = 0.71 are both beyond 4 sd */
    ck_assert_double_gt(1 / (1 + h * tr) - F, 4 * sdF);

    /* ISI - tau_ref ~ Exp(h), for intervals starting in [T0, T0 + T - margin): the run
     * goes on `margin` = tau_ref + 25/h after, P(ISI > margin) = e^-25 */
    double *x = malloc(s.n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    size_t n = isis(&s, 0, 0, N, 0, T0, T0 + T - margin, x, s.n);
    ck_assert_uint_gt(n, 200000);
    double mi, vi;
    mean_var(x, n, &mi, &vi);
    ck_assert_double_lt(fabs(mi - mu), 4 / h / sqrt((double)n));   /* sd of ISI 1/h */
    for (size_t k = 0; k < n; k++)
        x[k] -= tr;
    check_exponential(x, n, h, "ISI - tau_ref");
    free(x);
    free(c);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* ---- 3. time-varying hazard: the time-rescaling property ------------------------------ */

/* Piecewise constant: unit 0 gets 0.1, 0.03, then 0; unit 1 gets 0.04, 0.08, then 0. */
START_TEST(test_pp_piecewise_hazard)
{
    enum { U = 2, P = 500 };
    static const double tk[3] = {0, 200, 500};
    static const double hk[3 * U] = {0.1, 0.04, 0.03, 0.08, 0.0, 0.0};
    const double T = 700;
    pspec ps = {U, P, 0.0, 5.0};
    spikes s = {0};
    hs_net *net = pp_build(&ps, 1, 303, &s);
    driver d = {.hazard = hazard_table, .tk = tk, .nk = 3, .hk = hk, .U = U};
    driver_attach(net, &d, tk[0]);
    run_to(net, T);
    ck_assert_uint_eq(d.k, 3);
    double n[U][3] = {{0}};
    for (size_t k = 0; k < s.n; k++) {
        int seg = s.t[k] < tk[1] ? 0 : s.t[k] < tk[2] ? 1 : 2;
        n[s.id[k] / P][seg]++;
    }
    for (int u = 0; u < U; u++) {
        for (int seg = 0; seg < 2; seg++) {
            /* Poisson(P h_k (t_k+1 - t_k)): sd = sqrt(mean) */
            double mean = P * hk[seg * U + u] * (tk[seg + 1] - tk[seg]);
            ck_assert_msg(fabs(n[u][seg] - mean) < 4 * sqrt(mean),
                          "unit %d, interval %d: %g spikes, expected %g", u, seg, n[u][seg],
                          mean);
        }
        ck_assert_msg(n[u][2] == 0, "unit %d: %g spikes at zero hazard", u, n[u][2]);
    }
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* Hazards reset every 0.013 ms (76924 times in 1 s, many times within every ISI).  Unit 0
 * of population 0 is always set to the same 0.05: a model that lost the elapsed integrated
 * hazard at a change would slow down, one that ignored changes would be unaffected, so unit
 * 1 alternates between 0.02 and 0.08 (mean 0.05), where spikes must follow h(t) step by
 * step.  Population 1 (tau_ref = 2 ms) is always set to the same 0.2: the refractory
 * release must not be disturbed either.  Loop 1: the driver promises to set every hazard
 * again at its next step (hs_pp_set_hazard_until), so units firing after it are not keyed. */
static double hazard_alternating(const driver *d, int p, uint32_t u, size_t k)
{
    (void)d;
    if (p == 1)
        return 0.2;
    return u == 0 ? 0.05 : (k % 2 ? 0.08 : 0.02);
}

START_TEST(test_pp_hazard_changes_mid_isi)
{
    enum { U = 2, P = 500, N = U * P, P1 = 400 };
    const double T = 1000, dt = 0.013;
    pspec ps[2] = {{U, P, 0.0, 5.0}, {1, P1, 2.0, 5.0}};
    spikes s = {0};
    hs_net *net = pp_build(ps, 2, 404, &s);
    driver d = {.hazard = hazard_alternating, .dt = dt, .t_stop = INFINITY, .promise = _i};
    driver_attach(net, &d, 0.0);
    run_to(net, T);
    ck_assert_uint_le(labs((long)d.k - (long)ceil(T / dt)), 1);   /* t += dt rounds */

    /* unit 0: Poisson(0.05 T) per neuron, independent */
    double *c = malloc(N * sizeof *c);
    ck_assert_ptr_nonnull(c);
    counts(&s, 0, N, 0, T, c);
    check_poisson_counts(c, P, 0.05 * T, "unit 0, same hazard reset");
    /* unit 1: Poisson(int_0^T h) per neuron */
    double L1 = driver_integral(&d, 0, 1, 0, T);
    ck_assert_double_eq_tol(L1, 0.05 * T, 0.08 * dt);
    check_poisson_counts(c + P, P, L1, "unit 1, alternating hazard");
    /* ... and the spikes follow h(t): counts in the 0.08 steps and in the 0.02 steps are
     * Poisson(P * 0.08 * (their total time)) and Poisson(P * 0.02 * ...): sd sqrt(mean) */
    double nhi = 0, nlo = 0;
    for (size_t k = 0; k < s.n; k++)
        if (s.pop[k] == 0 && s.id[k] >= P) {
            if (driver_step_at(&d, s.t[k]) % 2)
                nhi++;
            else
                nlo++;
        }
    double thi = 0, tlo = 0;
    for (size_t k = 0; k < d.k; k++) {
        double len = (k + 1 < d.k ? d.ts[k + 1] : T) - d.ts[k];
        if (k % 2)
            thi += len;
        else
            tlo += len;
    }
    ck_assert_msg(fabs(nhi - P * 0.08 * thi) < 4 * sqrt(P * 0.08 * thi), "%g spikes at 0.08",
                  nhi);
    ck_assert_msg(fabs(nlo - P * 0.02 * tlo) < 4 * sqrt(P * 0.02 * tlo), "%g spikes at 0.02",
                  nlo);

    /* population 1: the renewal rate h/(1 + h tau_ref) after 50 ms burn-in (see
     * test_pp_refractory_renewal), total sd sqrt(P1 F T'/mu) */
    const double h = 0.2, tr = 2.0, T0 = 50, rate = h / (1 + h * tr);
    const double F = 1 / ((1 + h * tr) * (1 + h * tr));
    counts(&s, 1, P1, T0, T, c);
    double tot = 0;
    for (int i = 0; i < P1; i++)
        tot += c[i];
    ck_assert_msg(fabs(tot - P1 * rate * (T - T0)) < 4 * sqrt(P1 * F * rate * (T - T0)),
                  "refractory population: %g spikes, expected %g", tot,
                  P1 * rate * (T - T0));
    free(c);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* The spike trains themselves, against a brute-force reference written from the definition
 * alone: unit u's integrated hazard Lambda_u(t) is piecewise linear (computed from the
 * schedule), a free neuron fires when Lambda_u reaches its threshold, a refractory one is
 * released at t_spike + tau_ref with threshold Lambda_u(release) + E, where E ~ Exp(1) is
 * drawn at the spike (tau_ref = 0: threshold Lambda_u(t_spike) + E at once).  The reference
 * takes the same random numbers in the same order: the initial thresholds from the init
 * stream (unit by unit, neuron by neuron, population by population), one draw from the
 * population's stream per spike in time order.  The earliest event of all neurons is found
 * by scanning them.  Hazards change at 31 times, often to 0, also while neurons are
 * refractory.  Spike trains agree spike for spike, times to 1e-9 ms.  Loop 1: the driver
 * sets the hazards until its next step (hs_pp_set_hazard_until: no key beyond it). */
enum { BF_U = 3, BF_P = 20, BF_N = BF_U * BF_P, BF_K = 31 };

static double bf_tk[BF_K], bf_hk[BF_K * BF_U];

static void bf_schedule(void)
{
    for (int k = 0; k < BF_K; k++) {
        bf_tk[k] = k == 0 ? 0 : 20.0 * k + 7 * sin(k);
        for (int u = 0; u < BF_U; u++)
            bf_hk[k * BF_U + u] = k == BF_K - 1 || (k + u) % 6 == 0
                                      ? 0.0
                                      : 0.02 * (1 + (k * 7 + u * 3) % 5);
    }
}

/* Lambda_u(t) and its inverse (the first time it reaches L; INFINITY if never). */
static double bf_lambda(uint32_t u, double t)
{
    double L = 0;
    for (int k = 0; k < BF_K && bf_tk[k] < t; k++) {
        double end = k + 1 < BF_K ? fmin(bf_tk[k + 1], t) : t;
        L += bf_hk[k * BF_U + u] * (end - bf_tk[k]);
    }
    return L;
}

static double bf_reach(uint32_t u, double L)
{
    double Lk = 0;
    for (int k = 0; k < BF_K; k++) {
        double h = bf_hk[k * BF_U + u];
        double end = k + 1 < BF_K ? bf_tk[k + 1] : INFINITY;
        if (h > 0 && Lk + h * (end - bf_tk[k]) >= L)
            return bf_tk[k] + fmax(L - Lk, 0.0) / h;
        if (k + 1 < BF_K)
            Lk += h * (end - bf_tk[k]);
    }
    return INFINITY;
}

/* The reference run of population p (tau_ref tr) to T: spikes into out (time, local id). */
static size_t bf_run(gsl_rng *init, gsl_rng *dyn, double tr, double T, double *ot,
                     uint32_t *oi, size_t cap)
{
    double theta[BF_N], rel[BF_N], E[BF_N];
    for (int i = 0; i < BF_N; i++) {
        theta[i] = gsl_ran_exponential(init, 1.0);
        rel[i] = -INFINITY;   /* free */
    }
    size_t n = 0;
    for (;;) {
        int best = -1, spike = 0;
        double tb = INFINITY;
        for (int i = 0; i < BF_N; i++) {
            int free_ = rel[i] == -INFINITY;
            double t = free_ ? bf_reach((uint32_t)i / BF_P, theta[i]) : rel[i];
            if (t < tb || (t == tb && free_ && !spike)) {
                tb = t;
                best = i;
                spike = free_;
            }
        }
        if (!(tb < T))
            break;
        uint32_t u = (uint32_t)best / BF_P;
        if (!spike) {   /* the end of a refractory period */
            theta[best] = bf_lambda(u, tb) + E[best];
            rel[best] = -INFINITY;
            continue;
        }
        ck_assert_uint_lt(n, cap);
        ot[n] = tb;
        oi[n++] = (uint32_t)best;
        double e = gsl_ran_exponential(dyn, 1.0);
        if (tr > 0) {
            E[best] = e;
            rel[best] = tb + tr;
        } else {
            theta[best] += e;   /* Lambda_u(tb) = theta */
        }
    }
    return n;
}

START_TEST(test_pp_matches_brute_force)
{
    bf_schedule();
    const double T = 700, tr[2] = {1.5, 0.0};
    pspec ps[2] = {{BF_U, BF_P, tr[0], 5.0}, {BF_U, BF_P, tr[1], 5.0}};
    spikes s = {0};
    hs_net *net = pp_build(ps, 2, 909, &s);
    /* the streams as they are before the run; the init stream as pp_build seeds it */
    gsl_rng *dyn[2] = {gsl_rng_clone(net->pops[0].rng), gsl_rng_clone(net->pops[1].rng)};
    gsl_rng *init = gsl_rng_alloc(gsl_rng_mt19937);
    ck_assert(dyn[0] && dyn[1] && init);
    gsl_rng_set(init, 909);
    /* the same table for both populations */
    driver d = {.hazard = hazard_table, .tk = bf_tk, .nk = BF_K, .hk = bf_hk, .U = BF_U,
                .promise = _i};
    driver_attach(net, &d, bf_tk[0]);
    run_to(net, T);
    ck_assert_uint_eq(d.k, BF_K);
    enum { CAP = 20000 };
    double *rt = malloc(CAP * sizeof *rt);
    uint32_t *ri = malloc(CAP * sizeof *ri);
    ck_assert(rt && ri);
    for (int p = 0; p < 2; p++) {
        size_t nr = bf_run(init, dyn[p], tr[p], T, rt, ri, CAP);
        size_t k = 0, bad = SIZE_MAX;
        for (size_t q = 0; q < s.n && bad == SIZE_MAX; q++) {
            if (s.pop[q] != p)
                continue;
            if (k >= nr || s.id[q] != ri[k] || fabs(s.t[q] - rt[k]) > 1e-9)
                bad = k;
            k++;
        }
        ck_assert_msg(bad == SIZE_MAX, "population %d, spike %zu: engine differs from the "
                      "reference (%u, %.12f)", p, bad, bad < nr ? ri[bad] : 0,
                      bad < nr ? rt[bad] : -1.0);
        ck_assert_uint_eq(k, nr);
        ck_assert_uint_gt(nr, 1000);
    }
    free(rt);
    free(ri);
    gsl_rng_free(dyn[0]);
    gsl_rng_free(dyn[1]);
    gsl_rng_free(init);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* ---- 4. traces ------------------------------------------------------------------------- */

/* Closed form of unit u's trace at t: v0 exp(-(t - t0)/tau) + sum over its spikes in
 * (t0, t] of exp(-(t - t_s)/tau)/(P tau). */
static double trace_ref(const spikes *s, int p, uint32_t u, uint32_t P, double tau, double t0,
                        double v0, double t)
{
    double a = v0 * exp(-(t - t0) / tau);
    for (size_t k = 0; k < s->n; k++)
        if (s->pop[k] == p && s->id[k] / P == u && s->t[k] > t0 && s->t[k] <= t)
            a += exp(-(t - s->t[k]) / tau) / (P * tau);
    return a;
}

static void check_traces(hs_net *net, const spikes *s, double t, double t0, const double *v0)
{
    hs_pop *pop = &net->pops[0];
    uint32_t P = (uint32_t)pop->params[HS_PP_P], U = pop->n / P;
    double tau = pop->params[HS_PP_TAU_SYN];
    double a[8], b[8];
    ck_assert_uint_le(U, 8);
    hs_pp_traces(pop, t, a);
    hs_pp_traces(pop, t, b);   /* reading again at the same time changes nothing */
    for (uint32_t u = 0; u < U; u++) {
        double ref = trace_ref(s, 0, u, P, tau, t0, v0 ? v0[u] : 0.0, t);
        ck_assert_msg(ref > 0, "unit %u: no trace at %g", u, t);
        ck_assert_msg(fabs(a[u] - ref) <= 1e-12 * ref, "unit %u at %g: %.17g, expected %.17g",
                      u, t, a[u], ref);
        ck_assert_msg(b[u] == a[u], "unit %u: second read at %g differs", u, t);
    }
}

START_TEST(test_pp_traces_closed_form)
{
    enum { U = 3, P = 20 };
    const double tau = 5.0;
    pspec ps = {U, P, 1.0, tau};
    spikes s = {0};
    hs_net *net = pp_build(&ps, 1, 505, &s);
    const double hz[U] = {0.02, 0.05, 0.1}, zero[U] = {0, 0, 0};
    set_hazards(net, 0, hz, 0.0);
    /* reads close together */
    run_to(net, 37.3);
    check_traces(net, &s, 37.3, 0, NULL);
    check_traces(net, &s, 37.3, 0, NULL);
    run_to(net, 40);
    check_traces(net, &s, 40, 0, NULL);
    check_traces(net, &s, 40.25, 0, NULL);   /* between spikes, ahead of the net */
    /* no read for 360 ms > 30 tau_syn: spikes after 40 + 150 ms rebase the traces */
    run_to(net, 400);
    check_traces(net, &s, 400, 0, NULL);
    /* silence, then a read 200 ms (40 tau_syn) later: the traces have decayed by e^-40 */
    set_hazards(net, 0, zero, 400);
    run_to(net, 600);
    check_traces(net, &s, 600, 0, NULL);
    /* on again: the first spikes come 160 ms or more after the last read */
    set_hazards(net, 0, hz, 760);
    run_to(net, 1000);
    check_traces(net, &s, 1000, 0, NULL);
    /* set the traces, let spikes add to them */
    const double v[U] = {1.0, 2.0, 3.0};
    hs_pp_set_traces(&net->pops[0], 1000, v);
    run_to(net, 1010);
    check_traces(net, &s, 1010, 1000, v);
    /* set them with no spikes to come: pure decay v exp(-dt/tau) */
    set_hazards(net, 0, zero, 1010);
    hs_pp_set_traces(&net->pops[0], 1010, v);
    run_to(net, 1100);
    double a[U];
    hs_pp_traces(&net->pops[0], 1017.5, a);
    for (int u = 0; u < U; u++)
        ck_assert_double_eq_tol(a[u], v[u] * exp(-7.5 / tau), 1e-12 * v[u]);
    hs_pp_traces(&net->pops[0], 1017.5 + 40 * tau, a);
    for (int u = 0; u < U; u++)
        ck_assert_double_eq_tol(a[u], v[u] * exp(-7.5 / tau - 40), 1e-12 * v[u] * exp(-40));
    /* spikes again, unread for 4000 ms = 800 tau_syn: without the rebase the scale factor
     * exp((t - t_read)/tau_syn) of the last spikes would overflow (e^709 is the largest) */
    set_hazards(net, 0, hz, 1100);
    run_to(net, 5200);
    check_traces(net, &s, 5200, 1010, v);
    ck_assert_uint_gt(s.n, 400);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* hs_pp_trace_means: the mean of the closed-form trace over [t0, t], t0 the previous call
 * (or hs_pp_set_traces): a spike at t_s contributes (1/P)(e^-(max(t0, t_s) - t_s)/tau -
 * e^-(t - t_s)/tau), the set value v at t_set contributes v tau (e^-(t0 - t_set)/tau -
 * e^-(t - t_set)/tau), all divided by t - t0; at t = t0 the trace itself. */
static double trace_mean_ref(const spikes *s, uint32_t u, uint32_t P, double tau, double tset,
                             double v, double t0, double t)
{
    if (t == t0)
        return trace_ref(s, 0, u, P, tau, tset, v, t);
    /* e^-x - e^-y = -e^-x expm1(-(y - x)), no cancellation */
    double I = -v * tau * exp(-(t0 - tset) / tau) * expm1(-(t - t0) / tau);
    for (size_t k = 0; k < s->n; k++)
        if (s->pop[k] == 0 && s->id[k] / P == u && s->t[k] > tset && s->t[k] <= t) {
            double x = fmax(t0, s->t[k]) - s->t[k];
            I += -exp(-x / tau) * expm1(-(t - s->t[k] - x) / tau) / P;
        }
    return I / (t - t0);
}

START_TEST(test_pp_trace_means_closed_form)
{
    enum { U = 3, P = 20 };
    const double tau = 5.0;
    pspec ps = {U, P, 1.0, tau};
    spikes s = {0};
    hs_net *net = pp_build(&ps, 1, 515, &s);
    hs_pop *pop = &net->pops[0];
    const double hz[U] = {0.02, 0.05, 0.1}, v[U] = {0.02, 0.05, 0.1};
    set_hazards(net, 0, hz, 0.0);
    hs_pp_set_traces(pop, 0.0, v);
    /* windows: empty (the trace), short, several tau, after a plain trace read (which must
     * not disturb the window), 340 ms unread (the traces are rebased by spikes in between),
     * 1 us, after hs_pp_set_traces at 700 ms (a new window: the spikes before are gone),
     * and empty again */
    static const double reads[] = {0.0, 10.0, 10.0, 37.3, 60.0, 400.0, 400.001, 700.0,
                                   720.0, 1000.0, 1000.0};
    const double v2[U] = {0.5, 0.0, 0.25};
    double t0 = 0, tset = 0, m[U], a[U];
    const double *vset = v;
    for (size_t r = 0; r < sizeof reads / sizeof *reads; r++) {
        double t = reads[r];
        if (t == 60.0) {   /* a read inside the window */
            run_to(net, 50.0);
            hs_pp_traces(pop, 50.0, a);
        }
        run_to(net, t);
        if (t == 700.0) {
            hs_pp_set_traces(pop, t, v2);
            t0 = tset = t;
            vset = v2;
            continue;
        }
        hs_pp_trace_means(pop, t, m, NULL);
        for (uint32_t u = 0; u < U; u++) {
            double ref = trace_mean_ref(&s, u, P, tau, tset, vset[u], t0, t);
            /* the model takes the integral as tau (a(t0) - a(t)) + spikes / P: the
             * difference loses about tau / (t - t0) ulps */
            double tol = 1e-12 * (1 + (t > t0 ? tau / (t - t0) : 0));
            ck_assert_msg(fabs(m[u] - ref) <= tol * ref, "unit %u over [%g, %g]: %.17g, "
                          "expected %.17g", u, t0, t, m[u], ref);
        }
        t0 = t;
    }
    ck_assert_uint_gt(s.n, 2000);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

/* ---- 5. inputs ------------------------------------------------------------------------- */

typedef struct delivery {
    double t;
    size_t n;
    uint32_t tgt[4];
    double w[4];
    double sign;
} delivery;

/* Unit u's input at t from deliveries dl[0..nd-1] at or before t, and the sum of the
 * magnitudes of its terms (the scale of rounding). */
static double input_ref(const delivery *dl, size_t nd, uint32_t P, double tau, uint32_t u,
                        double t, double *mag)
{
    double x = 0;
    *mag = 0;
    for (size_t k = 0; k < nd; k++)
        for (size_t q = 0; q < dl[k].n; q++)
            if (dl[k].t <= t && dl[k].tgt[q] / P == u) {
                double term = dl[k].sign * dl[k].w[q] * exp(-(t - dl[k].t) / tau) / tau;
                x += term;
                *mag += fabs(term);
            }
    return x;
}

START_TEST(test_pp_inputs_closed_form)
{
    enum { U = 4, P = 3 };
    const double tau = 2.0;
    pspec ps = {U, P, 0.0, tau};
    hs_net *net = pp_build(&ps, 1, 606, NULL);
    hs_pop *pop = &net->pops[0];
    static const delivery dl[] = {
        {1.0, 3, {0, 5, 11}, {0.5, -0.25, 2.0}, 1},
        {1.7, 2, {1, 2}, {1.0, 1.0}, -1},
        {3.2, 1, {7}, {0.75}, 1},
        {3.2, 2, {6, 0}, {1.5, 0.125}, 1},   /* same time again */
        {100, 4, {3, 4, 6, 9}, {0.3, -0.6, 0.9, 1.2}, 1},   /* 96.8 ms later: > 30 tau */
        {100.4, 2, {10, 4}, {2.0, 0.5}, -1},
        {250, 3, {0, 1, 11}, {1.0, 1.0, -3.0}, 1},   /* 70 ms after the last read */
        /* 1748 ms = 874 tau after the last read: unscaled, exp(874) would overflow */
        {2000, 2, {2, 8}, {0.25, 4.0}, 1},
    };
    const size_t nd = sizeof dl / sizeof *dl;
    /* reads (before the next delivery): at each delivery, between them, far after */
    static const double reads[] = {1.0, 1.5, 3.2, 3.2, 100, 100.5, 101, 180, 250, 252,
                                   2000, 2001};
    size_t k = 0;
    for (size_t r = 0; r < sizeof reads / sizeof *reads; r++) {
        while (k < nd && dl[k].t <= reads[r]) {
            pop->model->receive(pop, dl[k].t, dl[k].tgt, dl[k].w, NULL, dl[k].n, dl[k].sign,
                                net);
            k++;
        }
        double in[U], again[U];
        hs_pp_inputs(pop, reads[r], in);
        hs_pp_inputs(pop, reads[r], again);
        for (uint32_t u = 0; u < U; u++) {
            double mag, ref = input_ref(dl, nd, P, tau, u, reads[r], &mag);
            ck_assert_msg(fabs(in[u] - ref) <= 1e-12 * mag + 1e-300,
                          "unit %u at %g: %.17g, expected %.17g", u, reads[r], in[u], ref);
            ck_assert(again[u] == in[u]);
        }
    }
    ck_assert_uint_eq(k, nd);
    /* the inputs are not the traces: no spikes, so the traces are 0 */
    double a[U];
    hs_pp_traces(pop, 2001, a);
    for (int u = 0; u < U; u++)
        ck_assert_double_eq(a[u], 0);
    hs_net_free(net);
}
END_TEST

/* ---- 6. save and restore --------------------------------------------------------------- */

/* Net A runs to T1, saves its state and random stream, and runs on to T2.  Net B, the same
 * populations but another seed and other hazards (so that nothing of its own state can
 * pass for A's), runs to T1, loads A's state and stream, and runs on to T2: its spikes after
 * T1 are A's, bit for bit, and so are its traces, trace means and inputs at T2.  A's unit 1
 * is silenced at 100 ms (nothing keyed at T1), B's is not: loading must drop B's key for it.
 * A's trace-mean window starts at 100 ms, B's at 120 ms: loading must restore A's. */
START_TEST(test_pp_save_restore)
{
    enum { U = 3, P = 50 };
    const double T1 = 150, T2 = 400;
    pspec ps = {U, P, 1.5, 3.0};
    const double ha[U] = {0.1, 0.05, 0.2}, hb[U] = {0.3, 0.3, 0.3};
    spikes sa = {0}, sb = {0};
    hs_net *a = pp_build(&ps, 1, 707, &sa), *b = pp_build(&ps, 1, 708, &sb);
    hs_pop *pa = &a->pops[0], *pb = &b->pops[0];
    set_hazards(a, 0, ha, 0);
    set_hazards(b, 0, hb, 0);
    /* some input, so that the inputs are part of the state */
    const uint32_t tgt[2] = {3, 120};
    const double w[2] = {0.5, -1.0};
    pa->model->receive(pa, 10, tgt, w, NULL, 2, 1, a);
    run_to(a, 100);
    double ma[U], mb[U];
    hs_pp_trace_means(pa, 100, ma, NULL);
    hs_pp_set_hazard(pa, 1, 0.0, 100, a);
    run_to(a, T1);
    size_t nb = hs_pp_state_bytes(pa);
    ck_assert_uint_eq(nb, hs_pp_state_bytes(pb));
    char *buf = malloc(nb);
    ck_assert_ptr_nonnull(buf);
    hs_pp_save(pa, buf);
    gsl_rng *rcopy = gsl_rng_clone(pa->rng);
    ck_assert_ptr_nonnull(rcopy);
    size_t a1 = sa.n;
    run_to(a, T2);

    run_to(b, 120);
    hs_pp_trace_means(pb, 120, mb, NULL);
    run_to(b, T1);
    size_t b1 = sb.n;
    hs_pp_load(pb, buf, b);
    gsl_rng_memcpy(pb->rng, rcopy);
    run_to(b, T2);

    ck_assert_uint_gt(sa.n - a1, 1000);
    ck_assert_uint_eq(sb.n - b1, sa.n - a1);
    size_t k = 0;
    while (k < sa.n - a1 && sa.t[a1 + k] == sb.t[b1 + k] && sa.id[a1 + k] == sb.id[b1 + k])
        k++;
    ck_assert_msg(k == sa.n - a1, "spike %zu after restore: A (%u, %.17g), B (%u, %.17g)", k,
                  sa.id[a1 + k], sa.t[a1 + k], sb.id[b1 + k], sb.t[b1 + k]);
    double ta[U], tb[U], ia[U], ib[U];
    hs_pp_traces(pa, T2, ta);
    hs_pp_traces(pb, T2, tb);
    hs_pp_inputs(pa, T2, ia);
    hs_pp_inputs(pb, T2, ib);
    hs_pp_trace_means(pa, T2, ma, NULL);
    hs_pp_trace_means(pb, T2, mb, NULL);
    for (int u = 0; u < U; u++) {
        ck_assert(ta[u] == tb[u]);
        ck_assert(ia[u] == ib[u]);
        ck_assert(ma[u] == mb[u]);
    }
    ck_assert_double_ne(ia[0], 0);
    ck_assert_double_ne(ia[2], 0);
    free(buf);
    gsl_rng_free(rcopy);
    spikes_free(&sa);
    spikes_free(&sb);
    hs_net_free(a);
    hs_net_free(b);
}
END_TEST

/* ---- 7. many neurons per unit --------------------------------------------------------- */

START_TEST(test_pp_many_neurons_rates)
{
    enum { U = 3, P = 1000, N = U * P };
    const double hz[U] = {0.01, 0.03, 0.1}, T = 2000;
    pspec ps = {U, P, 0.0, 5.0};
    spikes s = {0};
    hs_net *net = pp_build(&ps, 1, 808, &s);
    set_hazards(net, 0, hz, 0);
    run_to(net, T);
    double *c = malloc(N * sizeof *c);
    ck_assert_ptr_nonnull(c);
    counts(&s, 0, N, 0, T, c);
    for (int u = 0; u < U; u++) {
        double tot = 0;
        uint32_t silent = 0;
        for (int j = 0; j < P; j++) {
            tot += c[u * P + j];
            silent += c[u * P + j] == 0;
        }
        /* the unit's count is Poisson(P h T): sd sqrt(P h T) */
        ck_assert_msg(fabs(tot - P * hz[u] * T) < 4 * sqrt(P * hz[u] * T),
                      "unit %d: %g spikes, expected %g", u, tot, P * hz[u] * T);
        /* every neuron of the unit fires: P(silent) = exp(-h T) <= e^-20, expected number
         * of silent neurons <= 1000 e^-20 = 2e-6 */
        ck_assert_msg(silent == 0, "unit %d: %u silent neurons", u, silent);
        check_poisson_counts(c + u * P, P, hz[u] * T, "many neurons");
    }
    free(c);
    spikes_free(&s);
    hs_net_free(net);
}
END_TEST

static Suite *point_process_suite(void)
{
    Suite *s = suite_create("point_process");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pp_poisson_constant_hazard);
    tcase_add_test(tc, test_pp_refractory_renewal);
    tcase_add_test(tc, test_pp_piecewise_hazard);
    tcase_add_loop_test(tc, test_pp_hazard_changes_mid_isi, 0, 2);
    tcase_add_loop_test(tc, test_pp_matches_brute_force, 0, 2);
    tcase_add_test(tc, test_pp_traces_closed_form);
    tcase_add_test(tc, test_pp_trace_means_closed_form);
    tcase_add_test(tc, test_pp_inputs_closed_form);
    tcase_add_test(tc, test_pp_save_restore);
    tcase_add_test(tc, test_pp_many_neurons_rates);
    tcase_set_timeout(tc, 120);   /* slower under valgrind */
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(point_process_suite)
