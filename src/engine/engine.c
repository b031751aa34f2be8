/* engine.c -- the discrete-event loop
 *
 * Phase order, the one place it is written down:
 *   1. Take the earliest event: the head of the neuron queue or of the delivery queue,
 *      compared by (time, sequence number); stop when it is at or after t_end.
 *   2. A neuron event: the model's fire() updates the neuron, reschedules it and says what it
 *      emits (nothing, a spike onset, or the offset of a binary state).
 *   3. An emission is counted, recorded (spikes only), seen by the state monitor, and sent
 *      along every outgoing projection: synapses with zero delay receive it at once, in row
 *      order (targets hit above threshold are scheduled at the current time and fire after
 *      this cascade, in sequence order); later groups are queued as deliveries.
 *   4. A delivery event hands its group of synapses to the target model's receive() and
 *      queues the row's next delay group, if any.  A projection whose synapses share one
 *      delay keeps its deliveries in a FIFO (they arrive in the order they were sent); the
 *      FIFO's head is an entry of the neuron queue (id after the processes), so its spikes
 *      cost O(1) each and no delivery-heap entry.
 *   5. A process event (queue id = number of neurons + process index): the process's step()
 *      does its work at t (for clocked membranes: record, advance, set the hazards of the
 *      neurons they drive) and says when it steps next.  At equal times
 *      its place among neuron events is its sequence number, like any other event.
 * Nothing is allocated in the loop (the delivery heap only grows if a burst exceeds its
 * pre-sized capacity).
 *
 * Slices.  When every synapse has a delay of at least h > 0 (the smallest), no spike emitted in
 * [k h, (k + 1) h) arrives before (k + 1) h: within a slice every neuron evolves on its own,
 * from inputs all known at the slice's start.  The same events then need no common queue, and
 * the loop runs slice by slice (used when every population's model can advance a neuron on
 * its own, hs_model.advance, and there is no process and no state monitor):
 *   0. The slice begins: models are told (hs_model.slice_begin), and each arrival of the slice
 *      (the synapses of one spike with one delay) gets its target model's token once
 *      (hs_model.token: lif's anchor E(t), which its inputs need).
 *   1. Each neuron, in global id order, is advanced through the slice by its model: it takes
 *      the inputs that arrive in the slice (sorted stably by time: inputs of one instant in
 *      the order of their spikes' (time, global id), then of their synapses) and its own
 *      events (crossings, drive arrivals) in time order, inputs first at equal times, and
 *      reports its spikes.
 *   2. The slice's spikes, sorted by (time, global id), are counted, recorded and sent: each
 *      synapse appends (target, arrival, synapse) to the bin of its target (HS_SLICE_BINS
 *      bins of consecutive neurons, so that the writes go to few places at once) for the
 *      slice of arrival, one of a ring of ceil(largest delay / h) + 3 slices.  A bin is
 *      sorted by neuron (counting sort, stable) when its neurons are advanced.
 * A run that ends inside a slice advances neurons to its end and keeps the rest of their inboxes
 * for the next run.  Same spikes as the event queue: the same arithmetic on the same inputs, up
 * to the order of the summands of simultaneous inputs and the spikes' order at equal times.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/evq.h"
#include "net/net.h"
#include "proc/proc.h"
#include "util/error.h"

/* Free the queues and every FIFO's ring. */
static void evq_destroy(struct hs_evq *e)
{
    if (!e)
        return;
    if (e->sl.bin)
        for (size_t k = 0; k < (size_t)e->sl.nslots * e->sl.nbins; k++)
            free(e->sl.bin[k].a);
    if (e->sl.arr)
        for (uint32_t k = 0; k < e->sl.nslots; k++)
            free(e->sl.arr[k].a);
    free(e->sl.bin);
    free(e->sl.pos);
    free(e->sl.cnt);
    free(e->sl.sorted);
    free(e->sl.arr);
    free(e->sl.wconst);
    free(e->sl.sp);
    free(e->sl.in);
    free(e->sl.tmp);
    for (size_t k = 0; e->fifo && k < e->nfifo; k++)
        hs_fifo_free(&e->fifo[k]);
    free(e->fifo);
    hs_iheap_free(&e->q);
    hs_dheap_free(&e->dq);
    free(e);
}

/* The queue: the network's choice (net->queue_kind, set from the environment when it is
 * compiled: doc/cli.md), else a calendar queue when a population's model says its keys mostly
 * move later by random intervals (hs_model.drifting_keys: e.g. a Poisson drive), else a 4-ary
 * heap.  Same events in the same order either way. */
static int queue_kind(const hs_net *net)
{
    if (net->queue_kind)
        return net->queue_kind;
    for (int p = 0; p < net->npops; p++) {
        const hs_pop *pop = &net->pops[p];
        if (pop->model && pop->model->drifting_keys && pop->model->drifting_keys(pop))
            return 1;
    }
    return -1;
}

/* The network's queues, made on first use; NULL (and evq_failed) when out of memory. */
static hs_evq *evq(hs_net *net)
{
    if (net->evq || net->evq_failed)
        return net->evq;
    hs_evq *e = calloc(1, sizeof *e);
    const uint32_t slots = (uint32_t)(sizeof net->procs / sizeof net->procs[0]);
    const size_t nf = (size_t)(net->nprojs > 0 ? net->nprojs : 0);
    if (e) {
        e->nfifo = nf;
        e->fifo = calloc(nf + 1, sizeof *e->fifo);
    }
    if (!e || !e->fifo ||
        hs_iheap_init_kind(&e->q, net->nneurons + slots + (uint32_t)nf, queue_kind(net)) ||
        hs_dheap_init(&e->dq, 4096)) {
        evq_destroy(e);
        net->evq_failed = 1;
        return NULL;
    }
    net->evq = e;
    net->evq_free = evq_destroy;
    return e;
}

void hs_sched(hs_net *net, uint32_t gid, double t)
{
    hs_evq *e = evq(net);
    if (e)
        hs_iheap_set(&e->q, gid, t, net->seq++);
}

/* Deliver synapses [k, end) of row `pre` that share the delay of synapse k; returns the first
 * synapse of the next delay group (or end). */
static uint64_t deliver_group(hs_net *net, const hs_proj *pr, uint64_t k, uint64_t end,
                              double t, int sign)
{
    uint64_t e = end;
    if (pr->delay) {
        double dk = pr->delay[k];
        e = k + 1;
        while (e < end && pr->delay[e] == dk)
            e++;
    }
    hs_pop *tp = &net->pops[pr->to];
    tp->model->receive(tp, t, pr->col + k, pr->w + k, pr->ew ? pr->ew + k : NULL,
                       (size_t)(e - k), (double)sign, net);
    net->syn_events += e - k;
    return e;
}

static int queue_delivery(hs_net *net, uint32_t proj, uint32_t pre, uint64_t k, double t0,
                          int sign, hs_error *err)
{
    const hs_proj *pr = &net->projs[proj];
    if (!pr->delay) {   /* one delay: the projection's FIFO, its head keyed in the queue */
        hs_fifo *f = &net->evq->fifo[proj];
        hs_fent e = {.t = t0 + pr->d, .seq = net->seq++, .pre = pre, .sign = sign};
        if (hs_fifo_push(f, &e))
            return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory queueing a delivery");
        if (f->n == 1)
            hs_iheap_set(&net->evq->q, net->nneurons + (uint32_t)net->nprocs + proj, e.t, e.seq);
        return HS_OK;
    }
    hs_delivery d = {.t = t0 + (pr->delay ? pr->delay[k] : pr->d), .seq = net->seq++,
                     .t0 = t0, .proj = proj, .pre = pre,
                     .k = (uint32_t)(k - pr->row[pre]), .sign = sign};
    if (hs_dheap_push(&net->evq->dq, &d))
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory queueing a delivery");
    return HS_OK;
}

static int emit(hs_net *net, int p, uint32_t i, double t, hs_emit what, hs_error *err)
{
    int sign = what == HS_EMIT_ONSET ? 1 : -1;
    if (what == HS_EMIT_ONSET) {
        net->spikes[p]++;
        if (net->record[p] && net->sink) {
            int rc = net->sink(net->sink_ctx, t, p, i);
            if (rc)
                return hs_error_set(err, rc, NULL, 0, 0, "cannot record a spike");
        }
    }
    if (net->mon_pop == p) {
        net->mon_times[net->mon_state] += t - net->mon_tlast;
        net->mon_tlast = t;
        net->mon_state ^= 1u << i;
    }
    for (const int *o = net->out_projs[p]; *o >= 0; o++) {
        const hs_proj *pr = &net->projs[*o];
        if (sign < 0 && !pr->offsets)
            continue;
        uint64_t k = pr->row[i], end = pr->row[i + 1];
        if (k == end)
            continue;
        if (pr->delay) {
            while (k < end && pr->delay[k] == 0.0)
                k = deliver_group(net, pr, k, end, t, sign);
        } else if (pr->d == 0.0) {
            deliver_group(net, pr, k, end, t, sign);
            continue;
        }
        if (k < end) {
            int rc = queue_delivery(net, (uint32_t)*o, i, k, t, sign, err);
            if (rc)
                return rc;
        }
    }
    return HS_OK;
}

/* ---- slices ------------------------------------------------------------------------- */

/* A ring of more slots than this is not worth it (delays spread over many slices): use the
 * event queue. */
#define HS_SLICE_MAX_SLOTS 4096
/* Inputs are sent into bins of consecutive neurons, about this many bins (a power of two of
 * neurons each): few enough that the bins' current cache lines stay in the first-level cache
 * while a spike's synapses are sent (propagation blocking), so sending writes sequentially. */
#define HS_SLICE_BINS 256

/* The smallest and the largest delay of any synapse (0 and 0 without synapses). */
static void delay_range(const hs_net *net, double *dmin, double *dmax)
{
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        const uint64_t ns = pr->row[pr->npre];
        if (ns == 0)
            continue;
        if (!pr->delay) {
            lo = fmin(lo, pr->d);
            hi = fmax(hi, pr->d);
        } else {
            for (uint64_t q = 0; q < ns; q++) {
                lo = fmin(lo, pr->delay[q]);
                hi = fmax(hi, pr->delay[q]);
            }
        }
    }
    *dmin = lo == INFINITY ? 0 : lo;
    *dmax = hi;
}

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

/* Can the network run in slices?  Then set them up (0); -1 when it cannot (or the network
 * asks for the event queue: net->queue_kind); an error code when out of memory. */
static int slices_init(hs_net *net, hs_slices *S, hs_error *err)
{
    if (net->nprocs > 0 || net->mon_pop >= 0 || net->queue_kind == -1 || net->queue_kind == 1)
        return -1;
    for (int p = 0; p < net->npops; p++)
        if (!net->pops[p].model->advance)
            return -1;
    for (int k = 0; k < net->nprojs; k++)
        if (net->projs[k].offsets)
            return -1;
    double dmin, dmax;
    delay_range(net, &dmin, &dmax);
    if (!(dmin > 0))   /* a zero delay (or no synapse at all: nothing to gain) */
        return -1;
    const double slots = ceil(dmax / dmin) + 3;
    if (slots > HS_SLICE_MAX_SLOTS)
        return -1;
    S->h = dmin;
    S->nslots = (uint32_t)slots;
    S->shift = 0;
    while (((uint64_t)net->nneurons >> S->shift) > HS_SLICE_BINS)
        S->shift++;
    S->nbins = (uint32_t)((net->nneurons >> S->shift) + 1);
    S->k = slice_of(dmin, net->t);
    S->bin = calloc((size_t)S->nslots * S->nbins, sizeof *S->bin);
    S->pos = calloc((size_t)net->nneurons + 1, sizeof *S->pos);
    S->cnt = calloc(((size_t)1 << S->shift) + 1, sizeof *S->cnt);
    S->arr = calloc(S->nslots, sizeof *S->arr);
    S->wconst = calloc((size_t)net->nprojs + 1, sizeof *S->wconst);
    if (!S->bin || !S->pos || !S->cnt || !S->arr || !S->wconst)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for the slices' inputs");
    for (int k = 0; k < net->nprojs; k++) {   /* one weight: inputs need not say theirs */
        const hs_proj *pr = &net->projs[k];
        const uint64_t ns = pr->row[pr->npre];
        double w = ns ? pr->w[0] : 0;
        for (uint64_t q = 1; q < ns && !isnan(w); q++)
            if (pr->w[q] != w)
                w = NAN;
        S->wconst[k] = w;
    }
    return 0;
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

static int sspike_cmp(const void *a, const void *b)
{
    const hs_sspike *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->gid > y->gid) - (x->gid < y->gid);
}

typedef struct slice_ctx {
    hs_slices *S;
    uint32_t gid;
} slice_ctx;

/* hs_spike_out: keep a spike of the neuron being advanced. */
static int slice_spike(void *ctx, double t)
{
    slice_ctx *c = ctx;
    hs_slices *S = c->S;
    if (S->nsp == S->capsp) {
        size_t cap = S->capsp ? 2 * S->capsp : 1024;
        hs_sspike *sp = realloc(S->sp, cap * sizeof *sp);
        if (!sp) {
            S->nomem = 1;
            return 1;
        }
        S->sp = sp;
        S->capsp = cap;
    }
    S->sp[S->nsp++] = (hs_sspike){t, c->gid};
    return 0;
}

/* Send a spike of neuron i of population p at t: each group of synapses with one delay is an
 * arrival in the table of the slice it lands in, and each synapse an input (target, arrival,
 * synapse) in its target's bin for that slice. */
static int slice_send(hs_net *net, hs_slices *S, int p, uint32_t i, double t, hs_error *err)
{
    for (const int *o = net->out_projs[p]; *o >= 0; o++) {
        const hs_proj *pr = &net->projs[*o];
        uint64_t k = pr->row[i];
        const uint64_t end = pr->row[i + 1];
        net->syn_events += end - k;
        const uint32_t g0 = net->pops[pr->to].gid0;
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
            const uint32_t ai = at->n++;
            at->a[ai] = (hs_arrival){.t = ta, .proj = (uint32_t)*o};
            hs_bin *bins = S->bin + (size_t)slot * S->nbins;
            for (; k < e; k++) {
                const uint32_t g = g0 + pr->col[k];
                hs_bin *b = &bins[g >> S->shift];
                if (b->n == b->cap) {
                    hs_inref *a = grow(b->a, &b->cap, sizeof *a);
                    if (!a)
                        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0,
                                            "out of memory for a neuron's inputs");
                    b->a = a;
                }
                b->a[b->n++] = (hs_inref){g, ai, (uint32_t)k};
            }
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

/* Sort bin b's inputs by neuron, stably (each neuron's in the order they were sent), into
 * S->sorted; S->cnt[j] is then where neuron (b << shift) + j starts. */
static int bin_sort(hs_slices *S, const hs_bin *b, uint32_t g0, uint32_t nb, hs_error *err)
{
    if (b->n > S->capsorted) {
        hs_inref *x = realloc(S->sorted, (size_t)b->n * sizeof *x);
        if (!x)
            return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for inputs");
        S->sorted = x;
        S->capsorted = b->n;
    }
    uint32_t *cnt = S->cnt;
    memset(cnt, 0, ((size_t)nb + 1) * sizeof *cnt);
    for (uint32_t q = 0; q < b->n; q++)
        cnt[b->a[q].gid - g0 + 1]++;
    for (uint32_t j = 0; j < nb; j++)
        cnt[j + 1] += cnt[j];
    for (uint32_t q = 0; q < b->n; q++)
        S->sorted[cnt[b->a[q].gid - g0]++] = b->a[q];
    for (uint32_t j = nb; j > 0; j--)   /* back to starts */
        cnt[j] = cnt[j - 1];
    cnt[0] = 0;
    return HS_OK;
}

/* The n inputs ref[0..n) of one neuron, sorted by time, into S->in. */
static int gather(const hs_net *net, hs_slices *S, const hs_inref *ref, uint32_t n,
                  const hs_artab *at, hs_error *err)
{
    if (n > S->capin) {
        hs_input *in = realloc(S->in, (size_t)n * sizeof *in);
        hs_input *tmp = in ? realloc(S->tmp, (size_t)n * sizeof *tmp) : NULL;
        if (in)
            S->in = in;
        if (!tmp)
            return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for inputs");
        S->tmp = tmp;
        S->capin = n;
    }
    for (uint32_t q = 0; q < n; q++) {
        const hs_arrival *a = &at->a[ref[q].arr];
        const double wc = S->wconst[a->proj];
        S->in[q] = (hs_input){a->t, isnan(wc) ? net->projs[a->proj].w[ref[q].syn] : wc, a->x};
    }
    inputs_sort(S->in, n, S->tmp);
    return HS_OK;
}

static int run_slices(hs_net *net, hs_slices *S, double t_end, hs_control *ctl, hs_error *err)
{
    const uint32_t N = net->nneurons;
    while (net->t < t_end) {
        if (ctl) {
            ctl->now_ms = net->t;
            if (ctl->stop)
                return hs_error_set(err, HS_EINTR, NULL, 0, 0, "interrupted");
        }
        const double T0 = (double)S->k * S->h, T1 = (double)(S->k + 1) * S->h;
        const double stop = T1 < t_end ? T1 : t_end;
        if (!S->begun)
            slice_begin(net, S, T0, T1);
        const uint32_t slot = (uint32_t)(S->k % S->nslots);
        hs_bin *bins = S->bin + (size_t)slot * S->nbins;
        const hs_artab *at = &S->arr[slot];
        S->nsp = 0;
        for (uint32_t bi = 0; bi < S->nbins; bi++) {   /* 1. every neuron on its own */
            const uint32_t g0 = bi << S->shift;
            if (g0 >= N)
                break;
            const uint32_t nb = N - g0 < (1u << S->shift) ? N - g0 : 1u << S->shift;
            int rc = bin_sort(S, &bins[bi], g0, nb, err);
            if (rc)
                return rc;
            for (uint32_t j = 0; j < nb; j++) {
                slice_ctx c = {S, g0 + j};
                const int p = net->pop_of[c.gid];
                hs_pop *pop = &net->pops[p];
                const uint32_t n = S->cnt[j + 1] - S->cnt[j], pos = S->pos[c.gid];
                uint32_t m = 0;
                if (n > pos) {
                    rc = gather(net, S, S->sorted + S->cnt[j], n, at, err);
                    if (rc)
                        return rc;
                    m = n - pos;
                    if (stop < T1)   /* the run ends inside the slice */
                        for (m = 0; pos + m < n && S->in[pos + m].t < stop;)
                            m++;
                }
                net->events += pop->model->advance(pop, c.gid - pop->gid0, stop, S->in + pos, m,
                                                   slice_spike, &c);
                S->pos[c.gid] = pos + m;
            }
        }
        if (S->nomem)
            return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory keeping spikes");
        if (S->nsp > 1)   /* 2. the slice's spikes in order, recorded and sent */
            qsort(S->sp, S->nsp, sizeof *S->sp, sspike_cmp);
        for (size_t q = 0; q < S->nsp; q++) {
            const uint32_t gid = S->sp[q].gid;
            const int p = net->pop_of[gid];
            const uint32_t i = gid - net->pops[p].gid0;
            net->t = S->sp[q].t;
            net->spikes[p]++;
            if (net->record[p] && net->sink) {
                int rc = net->sink(net->sink_ctx, S->sp[q].t, p, i);
                if (rc)
                    return hs_error_set(err, rc, NULL, 0, 0, "cannot record a spike");
            }
            int rc = slice_send(net, S, p, i, S->sp[q].t, err);
            if (rc)
                return rc;
        }
        net->t = stop;
        if (stop == T1) {   /* the slice is done: its slot takes a later one's inputs */
            for (uint32_t bi = 0; bi < S->nbins; bi++)
                bins[bi].n = 0;
            memset(S->pos, 0, (size_t)N * sizeof *S->pos);
            S->arr[slot].n = 0;
            S->begun = 0;
            S->k++;
        }
    }
    return HS_OK;
}

/* ---- the loop -------------------------------------------------------------------------- */

int hs_net_run(hs_net *net, double t_end, hs_control *ctl, hs_error *err)
{
    hs_evq *ev = evq(net);
    if (!ev)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for the event queues");
    if (!ev->mode) {
        int rc = slices_init(net, &ev->sl, err);
        if (rc > 0)
            return rc;
        ev->mode = rc == 0 ? 2 : 1;
    }
    if (ev->mode == 2) {
        int rc = run_slices(net, &ev->sl, t_end, ctl, err);
        if (rc == HS_OK && t_end > net->t)
            net->t = t_end;
        return rc;
    }
    hs_iheap *q = &ev->q;
    hs_dheap *dq = &ev->dq;
    uint64_t polls = 0;
    for (;;) {
        int neuron;
        if (!hs_iheap_empty(q)) {
            const hs_hent *h = hs_iheap_head(q);
            neuron = dq->n == 0 || hs_key_less(h->t, h->seq, dq->a[0].t, dq->a[0].seq);
        } else if (dq->n) {
            neuron = 0;
        } else {
            break;
        }
        double t = neuron ? hs_iheap_head(q)->t : dq->a[0].t;
        if (!(t < t_end))
            break;
        if (ctl && (++polls & 1023) == 0) {
            ctl->now_ms = t;
            if (ctl->stop) {
                net->t = t;
                return hs_error_set(err, HS_EINTR, NULL, 0, 0, "interrupted");
            }
        }
        net->t = t;
        if (neuron && hs_iheap_top(q) >= net->nneurons + (uint32_t)net->nprocs) {
            /* the head of a projection's FIFO: deliver it, key the next */
            uint32_t id = hs_iheap_top(q), proj = id - net->nneurons - (uint32_t)net->nprocs;
            hs_fifo *f = &ev->fifo[proj];
            const hs_fent e = *hs_fifo_head(f);
            hs_fifo_pop(f);
            if (f->n)
                hs_iheap_set(q, id, hs_fifo_head(f)->t, hs_fifo_head(f)->seq);
            else
                hs_iheap_set(q, id, INFINITY, 0);
            const hs_proj *pr = &net->projs[proj];
            deliver_group(net, pr, pr->row[e.pre], pr->row[e.pre + 1], t, e.sign);
        } else if (neuron && hs_iheap_top(q) >= net->nneurons) {   /* a process */
            uint32_t id = hs_iheap_top(q);
            const hs_proc *pc = &net->procs[id - net->nneurons];
            double next = INFINITY;
            int rc = pc->ops->step(pc->self, t, net, &next, err);
            if (rc)
                return rc;
            hs_sched(net, id, next);
        } else if (neuron) {
            uint32_t gid = hs_iheap_top(q);
            int p = net->pop_of[gid];
            hs_pop *pop = &net->pops[p];
            uint32_t i = gid - pop->gid0;
            net->events++;
            hs_emit what = pop->model->fire(pop, i, t, net);
            if (what != HS_EMIT_NONE) {
                int rc = emit(net, p, i, t, what, err);
                if (rc)
                    return rc;
            }
        } else {
            hs_delivery d;
            hs_dheap_pop(dq, &d);
            const hs_proj *pr = &net->projs[d.proj];
            uint64_t end = pr->row[d.pre + 1];
            uint64_t next = deliver_group(net, pr, pr->row[d.pre] + d.k, end, t, d.sign);
            if (next < end) {
                int rc = queue_delivery(net, d.proj, d.pre, next, d.t0, d.sign, err);
                if (rc)
                    return rc;
            }
        }
    }
    if (t_end > net->t)
        net->t = t_end;
    return HS_OK;
}

double hs_net_time(const hs_net *net) { return net->t; }

const char *hs_net_engine(const hs_net *net, char *buf, size_t n)
{
    const hs_evq *e = net->evq;
    if (!e || !e->mode)
        snprintf(buf, n, "not chosen yet");
    else if (e->mode == 2)
        snprintf(buf, n, "slices of %g ms", e->sl.h);
    else
        snprintf(buf, n, "event queue (%s)", e->q.cal ? "calendar queue" : "4-ary heap");
    return buf;
}
