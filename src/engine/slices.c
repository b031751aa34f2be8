/* slices.c -- the event loop in slices of the smallest delay, on one thread or several
 *
 * When every synapse has a delay of at least h > 0, no spike emitted in [k h, (k + 1) h)
 * arrives before (k + 1) h: within a slice every neuron evolves on its own, from inputs all
 * known when the slice starts (the phase order is written in engine.c).  The neurons are
 * split into bins of 2^shift consecutive global ids, and the bins among threads (worker w owns
 * bins [b0, b1)): each thread advances its own neurons and writes the inputs sent to them, so
 * no two threads write one place.  What must be in one order -- the slice's spikes, recorded
 * and turned into arrivals and synapse groups -- is done by the calling thread between the
 * two parallel phases, and every thread writes its inputs in that order: the same inputs in
 * the same order, hence the same spikes, byte for byte, whatever the number of threads.
 * Random draws belong to neurons (counter-based streams), never to threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/evq.h"
#include "util/comm.h"
#include "util/error.h"

/* A ring of more slots than this is not worth it (delays spread over many slices): use the
 * event queue. */
#define HS_SLICE_MAX_SLOTS 4096
/* Inputs are sent into the bins of consecutive neurons that split the network among processes
 * and threads (HS_NET_BINS per process, of a power of two of neurons each, net.h): few enough
 * that the bins' current cache lines stay in the first-level cache while a spike's synapses
 * are sent (propagation blocking), so sending writes sequentially. */

/* Slice k is [k h, (k + 1) h): the slice of time t, the same products as the loop's bounds. */
static uint64_t slice_of(double h, double t)
{
    uint64_t j = t > 0 ? (uint64_t)(t / h) : 0;
    if (j > 0 && (double)j * h > t)
        j--;
    else if ((double)(j + 1) * h <= t)
        j++;
    return j;
}

/* Array a (room for *cap elements of size sz, all used) grown to twice the room; NULL when out
 * of memory (a is kept). */
static void *grow(void *a, uint32_t *cap, size_t sz)
{
    if (*cap >= UINT32_MAX / 2)
        return NULL;
    uint32_t c = *cap ? 2 * *cap : 8;
    void *b = realloc(a, (size_t)c * sz);
    if (b)
        *cap = c;
    return b;
}

/* Sort one neuron's inputs by arrival time, stably: inputs of one instant keep the order they
 * were sent in, which is that of the spikes (time, global id) and of the synapses in a row, so
 * it does not depend on how the neurons are split.  Usually already in order (one delay: sent
 * in time order), checked first; a short unsorted tail is inserted, a long one merged (tmp:
 * room for n inputs). */
static void inputs_sort(hs_input *a, uint32_t n, hs_input *tmp)
{
    hs_input *const a0 = a;
    uint32_t k = 1;
    while (k < n && !(a[k].t < a[k - 1].t))
        k++;
    if (k >= n)
        return;
    if (n - k <= 32) {   /* insertion */
        for (; k < n; k++) {
            hs_input x = a[k];
            uint32_t j = k;
            while (j > 0 && x.t < a[j - 1].t) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    for (uint32_t w = 1; w < n; w *= 2) {   /* bottom-up merge, a <-> tmp */
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                tmp[o++] = a[j].t < a[i].t ? a[j++] : a[i++];
            while (i < mid)
                tmp[o++] = a[i++];
            while (j < hi)
                tmp[o++] = a[j++];
        }
        hs_input *x = a;
        a = tmp;
        tmp = x;
    }
    if (a != a0)
        memcpy(a0, a, (size_t)n * sizeof *a);
}

static int sspike_cmp(const void *a, const void *b)
{
    const hs_sspike *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->gid > y->gid) - (x->gid < y->gid);
}

typedef struct slice_ctx {
    hs_sworker *w;
    uint32_t gid;
} slice_ctx;

/* hs_spike_out: keep a spike of the neuron being advanced. */
static int slice_spike(void *ctx, double t)
{
    slice_ctx *c = ctx;
    hs_sworker *w = c->w;
    if (w->nsp == w->capsp) {
        size_t cap = w->capsp ? 2 * w->capsp : 1024;
        hs_sspike *sp = realloc(w->sp, cap * sizeof *sp);
        if (!sp) {
            w->rc = hs_error_set(&w->err, HS_ENOMEM, NULL, 0, 0, "out of memory keeping spikes");
            return 1;
        }
        w->sp = sp;
        w->capsp = cap;
    }
    w->sp[w->nsp++] = (hs_sspike){t, c->gid};
    return 0;
}

/* Sort bin b's inputs by neuron, stably (each neuron's in the order they were sent), into
 * w->sorted; w->cnt[j] is then where neuron g0 + j starts (nb neurons). */
static int bin_sort(hs_sworker *w, const hs_bin *b, uint32_t g0, uint32_t nb)
{
    if (b->n > w->capsorted) {
        hs_inref *x = realloc(w->sorted, (size_t)b->n * sizeof *x);
        if (!x)
            return hs_error_set(&w->err, HS_ENOMEM, NULL, 0, 0, "out of memory for inputs");
        w->sorted = x;
        w->capsorted = b->n;
    }
    uint32_t *cnt = w->cnt;
    memset(cnt, 0, ((size_t)nb + 1) * sizeof *cnt);
    for (uint32_t q = 0; q < b->n; q++)
        cnt[b->a[q].gid - g0 + 1]++;
    for (uint32_t j = 0; j < nb; j++)
        cnt[j + 1] += cnt[j];
    for (uint32_t q = 0; q < b->n; q++)
        w->sorted[cnt[b->a[q].gid - g0]++] = b->a[q];
    for (uint32_t j = nb; j > 0; j--)   /* back to starts */
        cnt[j] = cnt[j - 1];
    cnt[0] = 0;
    return HS_OK;
}

/* The n inputs ref[0..n) of one neuron, sorted by time, into w->in. */
static int gather(hs_sworker *w, const hs_inref *ref, uint32_t n, const hs_artab *at)
{
    if (n > w->capin) {
        hs_input *in = realloc(w->in, (size_t)n * sizeof *in);
        hs_input *tmp = in ? realloc(w->tmp, (size_t)n * sizeof *tmp) : NULL;
        if (in)
            w->in = in;
        if (!tmp)
            return hs_error_set(&w->err, HS_ENOMEM, NULL, 0, 0, "out of memory for inputs");
        w->tmp = tmp;
        w->capin = n;
    }
    for (uint32_t q = 0; q < n; q++) {
        const hs_arrival *a = &at->a[ref[q].arr];
        const hs_proj *pr = &w->net->projs[a->proj];   /* one weight: inputs need not say it */
        w->in[q] = (hs_input){a->t, isnan(pr->w0) ? pr->w[ref[q].syn] : pr->w0, a->x};
    }
    inputs_sort(w->in, n, w->tmp);
    return HS_OK;
}

/* Phase 1, one worker: advance its neurons through [now, S->stop); at the slice's end, empty
 * its bins of the slice and their neurons' counts. */
static int phase_advance(hs_sworker *w)
{
    hs_slices *S = w->S;
    hs_net *net = w->net;
    const uint32_t N = net->nneurons, slot = (uint32_t)(S->k % S->nslots);
    hs_bin *bins = S->bin + (size_t)slot * S->nbins;
    const hs_artab *at = &S->arr[slot];
    const double stop = S->stop, T1 = S->T1;
    w->nsp = 0;
    for (uint32_t bi = w->b0; bi < w->b1; bi++) {
        const uint32_t g0 = bi << S->shift;
        if (g0 >= N)
            break;
        const uint32_t nb = N - g0 < (1u << S->shift) ? N - g0 : 1u << S->shift;
        int rc = bin_sort(w, &bins[bi], g0, nb);
        if (rc)
            return rc;
        for (uint32_t j = 0; j < nb; j++) {
            slice_ctx c = {w, g0 + j};
            hs_pop *pop = &net->pops[net->pop_of[c.gid]];
            const uint32_t n = w->cnt[j + 1] - w->cnt[j], pos = S->pos[c.gid];
            uint32_t m = 0;
            if (n > pos) {
                if ((rc = gather(w, w->sorted + w->cnt[j], n, at)))
                    return rc;
                m = n - pos;
                if (stop < T1)   /* the run ends inside the slice */
                    for (m = 0; pos + m < n && w->in[pos + m].t < stop;)
                        m++;
            }
            w->events += pop->model->advance(pop, c.gid - pop->gid0, stop, w->in + pos, m,
                                             slice_spike, &c);
            if (w->rc)
                return w->rc;
            S->pos[c.gid] = pos + m;
        }
        if (stop == T1) {   /* the slice is done: its slot takes a later one's inputs */
            bins[bi].n = 0;
            memset(S->pos + g0, 0, (size_t)nb * sizeof *S->pos);
        }
    }
    return HS_OK;
}

/* The first of the synapses [k, e) whose target is at least c (targets ascending). */
static uint64_t first_at_least(const uint32_t *col, uint64_t k, uint64_t e, uint32_t c)
{
    while (k < e) {
        const uint64_t m = k + (e - k) / 2;
        if (col[m] < c)
            k = m + 1;
        else
            e = m;
    }
    return k;
}

/* Phase 2, one worker: the inputs of the window's synapse groups whose targets are its own,
 * into its bins, in the groups' order.  Where a group's targets ascend, the worker reads only
 * its own stretch of the group (found by bisection) rather than all of it. */
static int phase_send(hs_sworker *w)
{
    const hs_slices *S = w->S;
    const hs_net *net = w->net;
    const uint32_t g_lo = w->b0 << S->shift;
    const uint64_t g_hi = (uint64_t)w->b1 << S->shift;
    for (size_t q = 0; q < S->ngrp; q++) {
        const hs_sgroup *gr = &S->grp[q];
        const hs_proj *pr = &net->projs[gr->proj];
        const uint32_t g0 = net->pops[pr->to].gid0, n = net->pops[pr->to].n;
        if (g_hi <= g0 || g_lo >= (uint64_t)g0 + n)
            continue;   /* none of the targets is this worker's */
        hs_bin *bins = S->bin + (size_t)gr->slot * S->nbins;
        uint64_t k = gr->k;
        const int asc = S->ascending[gr->proj];
        if (asc && g_lo > g0)
            k = first_at_least(pr->col, k, gr->e, g_lo - g0);
        for (; k < gr->e; k++) {
            const uint32_t g = g0 + pr->col[k];
            if (g >= g_hi) {
                if (asc)
                    break;
                continue;
            }
            if (g < g_lo)
                continue;
            hs_bin *b = &bins[g >> S->shift];
            if (b->n == b->cap) {
                hs_inref *a = grow(b->a, &b->cap, sizeof *a);
                if (!a)
                    return hs_error_set(&w->err, HS_ENOMEM, NULL, 0, 0,
                                        "out of memory for a neuron's inputs");
                b->a = a;
            }
            b->a[b->n++] = (hs_inref){g, gr->ai, (uint32_t)k};
        }
    }
    return HS_OK;
}

static void phase_run(hs_sworker *w, int phase)
{
    int rc = phase == 1 ? phase_advance(w) : phase_send(w);
    if (rc && !w->rc)
        w->rc = rc;
}

static void *worker_main(void *arg)
{
    hs_sworker *w = arg;
    hs_slices *S = w->S;
    pthread_mutex_lock(&S->mu);   /* every thread started, or one could not be */
    while (!S->go)
        pthread_cond_wait(&S->cv, &S->mu);
    const int go = S->go;
    pthread_mutex_unlock(&S->mu);
    if (go < 0)
        return NULL;
    for (;;) {
        pthread_barrier_wait(&S->bar);
        const int phase = S->phase;
        if (!phase)
            return NULL;
        phase_run(w, phase);
        pthread_barrier_wait(&S->bar);
    }
}

/* Run a phase on every worker (the caller is worker 0); the first error, if any. */
static int phase_all(hs_slices *S, int phase, hs_error *err)
{
    S->phase = phase;
    if (S->nthreads > 1)
        pthread_barrier_wait(&S->bar);
    phase_run(&S->w[0], phase);
    if (S->nthreads > 1)
        pthread_barrier_wait(&S->bar);
    for (int t = 0; t < S->nthreads; t++)
        if (S->w[t].rc) {
            *err = S->w[t].err;
            return S->w[t].rc;
        }
    return HS_OK;
}

/* The synapse groups of a spike of neuron i of population p at t: each group of synapses with
 * one delay is an arrival in the table of the slice it lands in. */
static int spike_groups(hs_net *net, hs_slices *S, int p, uint32_t i, double t, hs_error *err)
{
    for (const int *o = net->out_projs[p]; *o >= 0; o++) {
        const hs_proj *pr = &net->projs[*o];
        uint64_t k = pr->row[i];
        const uint64_t end = pr->row[i + 1];
        net->syn_events += end - k;
        while (k < end) {   /* one group of synapses with one delay at a time */
            const double ta = t + (pr->delay ? pr->delay[k] : pr->d);
            uint64_t e = end;
            if (pr->delay)
                for (e = k + 1; e < end && pr->delay[e] == pr->delay[k];)
                    e++;
            uint64_t j = slice_of(S->h, ta);
            if (j <= S->k)   /* t + d rounded below the next slice's start */
                j = S->k + 1;
            const uint32_t slot = (uint32_t)(j % S->nslots);
            hs_artab *at = &S->arr[slot];
            if (at->n == at->cap) {
                hs_arrival *a = grow(at->a, &at->cap, sizeof *a);
                if (!a)
                    return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for arrivals");
                at->a = a;
            }
            if (S->ngrp == S->capgrp) {
                size_t cap = S->capgrp ? 2 * S->capgrp : 1024;
                hs_sgroup *g = realloc(S->grp, cap * sizeof *g);
                if (!g)
                    return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for spikes");
                S->grp = g;
                S->capgrp = cap;
            }
            const uint32_t ai = at->n++;
            at->a[ai] = (hs_arrival){.t = ta, .proj = (uint32_t)*o};
            S->grp[S->ngrp++] = (hs_sgroup){k, e, (uint32_t)*o, slot, ai};
            k = e;
        }
    }
    return HS_OK;
}

/* Slice k begins: models told, the token of every arrival in it computed once. */
static void slice_begin(hs_net *net, hs_slices *S, double T0, double T1)
{
    for (int p = 0; p < net->npops; p++)
        if (net->pops[p].model->slice_begin)
            net->pops[p].model->slice_begin(&net->pops[p], T0, T1);
    hs_artab *at = &S->arr[S->k % S->nslots];
    for (uint32_t q = 0; q < at->n; q++) {
        const hs_pop *tp = &net->pops[net->projs[at->a[q].proj].to];
        at->a[q].x = tp->model->token ? tp->model->token(tp, at->a[q].t) : 0.0;
    }
    S->begun = 1;
}

/* Gather the workers' spikes of the window into S->sp, and when the run is split across
 * processes every process's (one collective, which also tells whether any process was asked
 * to stop: S->stop_asked); in (time, global id) order. */
static int collect_spikes(hs_net *net, hs_slices *S, int stop, hs_error *err)
{
    size_t n = 0;
    for (int t = 0; t < S->nthreads; t++)
        n += S->w[t].nsp;
    if (n > S->capsp) {
        hs_sspike *sp = realloc(S->sp, n * sizeof *sp);
        if (!sp)
            return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory keeping spikes");
        S->sp = sp;
        S->capsp = n;
    }
    S->nsp = 0;
    for (int t = 0; t < S->nthreads; t++) {
        if (S->w[t].nsp)   /* (a thread with no spike may have no buffer yet: NULL) */
            memcpy(S->sp + S->nsp, S->w[t].sp, S->w[t].nsp * sizeof *S->sp);
        S->nsp += S->w[t].nsp;
    }
    if (net->nranks > 1) {
        void *all = S->xsp;
        size_t len, cap = S->capx;
        if (hs_comm_allgather(S->sp, S->nsp * sizeof *S->sp, stop, &S->xst, &all, &cap, &len,
                              &S->stop_asked, &net->xbytes))
            return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0,
                                "MPI: cannot exchange the spikes of %.17g ms", S->T1);
        /* the gathered spikes are the window's; the own buffer takes the next exchange */
        S->xsp = S->sp;
        S->capx = S->capsp * sizeof *S->sp;
        S->sp = all;
        S->capsp = cap / sizeof *S->sp;
        S->nsp = len / sizeof *S->sp;
        net->xsyncs++;
    }
    if (S->nsp > 1)
        qsort(S->sp, S->nsp, sizeof *S->sp, sspike_cmp);
    return HS_OK;
}

int hs_engine_slices_run(hs_net *net, hs_slices *S, double t_end, hs_control *ctl,
                         hs_error *err)
{
    while (net->t < t_end) {
        if (ctl)
            ctl->now_ms = net->t;
        /* a split run stops where every process learnt of it, at the last exchange */
        if (net->nranks > 1 ? S->stop_asked : ctl && ctl->stop)
            return hs_error_set(err, HS_EINTR, NULL, 0, 0, "interrupted");
        const double T0 = (double)S->k * S->h, T1 = (double)(S->k + 1) * S->h;
        S->T1 = T1;
        S->stop = T1 < t_end ? T1 : t_end;
        if (!S->begun)
            slice_begin(net, S, T0, T1);
        int rc = phase_all(S, 1, err);   /* 1. every neuron on its own */
        if (rc)
            return rc;
        if ((rc = collect_spikes(net, S, ctl && ctl->stop, err)))
            return rc;
        S->ngrp = 0;   /* 2. the spikes in order: recorded, their synapses sent */
        for (size_t q = 0; q < S->nsp; q++) {
            const uint32_t gid = S->sp[q].gid;
            const int p = net->pop_of[gid];
            const uint32_t i = gid - net->pops[p].gid0;
            net->t = S->sp[q].t;
            net->spikes[p]++;
            if (net->record[p] && net->sink) {
                rc = net->sink(net->sink_ctx, S->sp[q].t, p, i);
                if (rc)
                    return hs_error_set(err, rc, NULL, 0, 0, "cannot record a spike");
            }
            if ((rc = spike_groups(net, S, p, i, S->sp[q].t, err)))
                return rc;
        }
        if (S->ngrp && (rc = phase_all(S, 2, err)))
            return rc;
        for (int t = 0; t < S->nthreads; t++) {
            net->events += S->w[t].events;
            S->w[t].events = 0;
        }
        net->t = S->stop;
        if (S->stop == T1) {   /* the slice is done (its bins were emptied in phase 1) */
            S->arr[S->k % S->nslots].n = 0;
            S->begun = 0;
            S->k++;
        }
    }
    return HS_OK;
}

const char *hs_engine_slices_why(const hs_net *net)
{
    if (net->queue_kind == -1 || net->queue_kind == 1)
        return "the event queue was asked for (environment)";
    if (net->nprocs > 0)
        return "a process steps on a clock";
    if (net->mon_pop >= 0)
        return "the state monitor follows every event";
    for (int p = 0; p < net->npops; p++)
        if (!net->pops[p].model->advance)
            return "a population's model cannot advance its neurons alone";
    for (int k = 0; k < net->nprojs; k++)
        if (net->projs[k].offsets)
            return "a projection sends binary states";
    if (!(net->dmin > 0))   /* a zero delay (or no synapse at all: nothing to gain) */
        return net->dmax > 0 || net->dmin == 0 ? "a synapse has zero delay"
                                                : "there is no synapse";
    if (ceil(net->dmax / net->dmin) + 3 > HS_SLICE_MAX_SLOTS)
        return "its delays span more than 4096 of its smallest";
    return NULL;
}

int hs_engine_slices_init(hs_net *net, hs_slices *S, hs_error *err)
{
    if ((S->why = hs_engine_slices_why(net)))
        return -1;
    const double dmin = net->dmin, dmax = net->dmax;
    S->h = dmin;
    S->nslots = (uint32_t)(ceil(dmax / dmin) + 3);
    int T = net->threads > 0 ? net->threads : 1;
    if (T > HS_MAX_THREADS)
        T = HS_MAX_THREADS;
    /* HS_NET_BINS per process and per 8 threads: bins within the process's own (net.h) */
    S->shift = hs_net_bin_shift(net->nneurons, (uint64_t)HS_NET_BINS * (uint64_t)net->nranks *
                                                   (uint64_t)((T + 7) / 8));
    S->nbins = (uint32_t)((net->nneurons >> S->shift) + 1);
    S->k = slice_of(dmin, net->t);
    /* this process's bins (all of them unless the run is split), shared among its threads */
    const uint32_t own_b0 = net->own_lo >> S->shift;
    uint64_t own_b1 = ((uint64_t)net->own_hi + (1u << S->shift) - 1) >> S->shift;
    if (net->own_hi == net->nneurons || own_b1 > S->nbins)
        own_b1 = S->nbins;
    const uint32_t own_nb = (uint32_t)own_b1 - own_b0;
    if ((uint32_t)T > own_nb)
        T = own_nb > 0 ? (int)own_nb : 1;
    S->bin = calloc((size_t)S->nslots * S->nbins, sizeof *S->bin);
    S->pos = calloc((size_t)net->nneurons + 1, sizeof *S->pos);
    S->arr = calloc(S->nslots, sizeof *S->arr);
    S->ascending = calloc((size_t)net->nprojs + 1, sizeof *S->ascending);
    S->w = calloc((size_t)T, sizeof *S->w);
    if (!S->bin || !S->pos || !S->arr || !S->ascending || !S->w)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for the slices' inputs");
    S->nthreads = T;
    for (int t = 0; t < T; t++) {
        hs_sworker *w = &S->w[t];
        w->S = S;
        w->net = net;
        w->b0 = own_b0 + (uint32_t)((uint64_t)own_nb * (uint64_t)t / (uint64_t)T);
        w->b1 = own_b0 + (uint32_t)((uint64_t)own_nb * (uint64_t)(t + 1) / (uint64_t)T);
        if (!(w->cnt = calloc(((size_t)1 << S->shift) + 1, sizeof *w->cnt)))
            return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for the slices");
    }
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        int asc = T > 1;   /* targets ascend within each row's delay groups */
        for (uint32_t i = 0; asc && i < pr->npre; i++)
            for (uint64_t q = pr->row[i] + 1; asc && q < pr->row[i + 1]; q++)
                asc = pr->col[q] > pr->col[q - 1] ||
                      (pr->delay && pr->delay[q] != pr->delay[q - 1]);
        S->ascending[k] = (uint8_t)asc;
    }
    if (T > 1) {   /* workers wait for go: 1 when all have started, -1 when one cannot */
        if (pthread_barrier_init(&S->bar, NULL, (unsigned)T))
            return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "cannot make a thread barrier");
        if (pthread_mutex_init(&S->mu, NULL) || pthread_cond_init(&S->cv, NULL)) {
            pthread_barrier_destroy(&S->bar);
            return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "cannot make a thread barrier");
        }
        S->sync = 1;
        int t = 1;
        while (t < T && !pthread_create(&S->w[t].th, NULL, worker_main, &S->w[t]))
            S->w[t++].started = 1;
        pthread_mutex_lock(&S->mu);
        S->go = t == T ? 1 : -1;
        pthread_cond_broadcast(&S->cv);
        pthread_mutex_unlock(&S->mu);
        if (t < T)
            return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "cannot start thread %d of %d",
                                t + 1, T);
    }
    return 0;
}

void hs_engine_slices_free(hs_slices *S)
{
    if (S->sync) {   /* the workers wait at the barrier (or have quit): let them go */
        if (S->go > 0) {
            S->phase = 0;
            pthread_barrier_wait(&S->bar);
        }
        for (int t = 1; t < S->nthreads; t++)
            if (S->w[t].started)
                pthread_join(S->w[t].th, NULL);
        pthread_barrier_destroy(&S->bar);
        pthread_mutex_destroy(&S->mu);
        pthread_cond_destroy(&S->cv);
    }
    if (S->bin)
        for (size_t k = 0; k < (size_t)S->nslots * S->nbins; k++)
            free(S->bin[k].a);
    if (S->arr)
        for (uint32_t k = 0; k < S->nslots; k++)
            free(S->arr[k].a);
    for (int t = 0; S->w && t < S->nthreads; t++) {
        free(S->w[t].sp);
        free(S->w[t].in);
        free(S->w[t].tmp);
        free(S->w[t].cnt);
        free(S->w[t].sorted);
    }
    free(S->w);
    free(S->bin);
    free(S->pos);
    free(S->arr);
    free(S->ascending);
    free(S->sp);
    free(S->xsp);
    free(S->grp);
}
