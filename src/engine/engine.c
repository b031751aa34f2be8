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
 *   2. The slice's spikes -- in a run split across processes, every process's, exchanged at
 *      this point with one all-gather (util/comm.c), which also carries a stop request, so that
 *      all processes stop at the same slice -- sorted by (time, global id), are counted,
 *      recorded (by process 0) and sent: each of the process's synapses appends (target,
 *      arrival, synapse) to the bin of its target (bins of consecutive neurons, HS_NET_BINS
 *      per process, so that the writes go to few places at once; each thread writes its own
 *      bins) for the slice of arrival, one of a ring of ceil(largest delay / h) + 3 slices.  A
 *      bin is sorted by neuron (counting sort, stable) when its neurons are advanced.
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
#include "util/comm.h"
#include "util/error.h"

/* Free the queues and every FIFO's ring. */
static void evq_destroy(struct hs_evq *e)
{
    if (!e)
        return;
    hs_engine_slices_free(&e->sl);
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
    /* the hints of hs_sched_prefetch, for a heap larger than the cache (1 MB and more: at
     * 4,000 neurons they cost more than they save) */
    for (int p = 0; !e->q.cal && net->nneurons >= (1u << 16) && p < net->npops; p++) {
        net->pops[p].qpos = e->q.pos + net->pops[p].gid0;
        net->pops[p].qnode = (const char *)e->q.heap;
        net->pops[p].qstride = sizeof *e->q.heap;
    }
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
    if (tp->model->uniform_weight && !isnan(pr->w0))   /* (the same product as sign * w[k]) */
        tp->model->receive(tp, t, pr->col + k, NULL, NULL, (size_t)(e - k),
                           (double)sign * pr->w0, net);
    else
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

/* ---- the loop -------------------------------------------------------------------------- */

int hs_net_run(hs_net *net, double t_end, hs_control *ctl, hs_error *err)
{
    hs_evq *ev = evq(net);
    if (!ev)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for the event queues");
    if (net->nranks > 1 && net->nranks != hs_comm_size())
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "a network split across %d processes runs on %d MPI processes, "
                            "but this run has %d%s", net->nranks, net->nranks, hs_comm_size(),
                            hs_comm_available() ? "" : " (built without MPI: --with-mpi)");
    if (!ev->mode) {
        int rc = hs_engine_slices_init(net, &ev->sl, err);
        if (rc > 0)
            return rc;
        ev->mode = rc == 0 ? 2 : 1;
    }
    if (ev->mode == 2) {
        const uint64_t e0 = net->events, s0 = net->syn_events;
        int rc = hs_engine_slices_run(net, &ev->sl, t_end, ctl, err);
        if (rc == HS_OK && t_end > net->t)
            net->t = t_end;
        if ((rc == HS_OK || rc == HS_EINTR) && net->nranks > 1) {
            /* every process ends here together: the counts are the whole network's */
            uint64_t d[2] = {net->events - e0, net->syn_events - s0};
            if (hs_comm_sum_u64(d, 2))
                return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "MPI: cannot sum the counts");
            net->events = e0 + d[0];
            net->syn_events = s0 + d[1];
        }
        return rc;
    }
    if (net->nranks > 1)   /* each process holds only the synapses onto its own neurons */
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "this network cannot be split across processes: %s", ev->sl.why);
    hs_iheap *q = &ev->q;
    hs_dheap *dq = &ev->dq;
    uint64_t polls = 0;
    /* Events at one instant: a cascade reaches each neuron a bounded number of times, so far
     * more than that means spikes that feed themselves with no time passing (zero delays and
     * no refractory period): an error, not a run that never ends (issue 14, audit defect 6). */
    const uint64_t same_max = 64 * (uint64_t)net->nneurons + 1000000;
    uint64_t same = 0;
    double t_last = -INFINITY;
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
        if (t != t_last) {
            t_last = t;
            same = 0;
        } else if (++same > same_max) {
            return hs_error_set(err, HS_ERUNTIME, NULL, 0, 0,
                                "the network does not advance: more than %llu events at "
                                "t = %.17g ms (spikes that excite each other with zero delay "
                                "and no refractory period?)", (unsigned long long)same_max, t);
        }
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

int hs_net_set_threads(hs_net *net, int n)
{
    if (n < 1 || n > HS_MAX_THREADS || (net->evq && net->evq->mode))
        return HS_ECONFIG;
    net->threads = n;
    return HS_OK;
}

const char *hs_net_split_why(const hs_net *net) { return hs_engine_slices_why(net); }

void hs_net_exchange(const hs_net *net, uint64_t *syncs, uint64_t *bytes)
{
    *syncs = net->xsyncs;
    *bytes = net->xbytes;
}

const char *hs_net_engine(const hs_net *net, char *buf, size_t n)
{
    const hs_evq *e = net->evq;
    char ranks[48] = "";
    if (net->nranks > 1)
        snprintf(ranks, sizeof ranks, ", %d processes", net->nranks);
    if (!e || !e->mode)
        snprintf(buf, n, "not chosen yet");
    else if (e->mode == 2 && e->sl.nthreads > 1)
        snprintf(buf, n, "slices of %g ms, %d threads%s", e->sl.h, e->sl.nthreads, ranks);
    else if (e->mode == 2)
        snprintf(buf, n, "slices of %g ms%s", e->sl.h, ranks);
    else if (net->threads > 1)   /* threads asked for, and why they were not used */
        snprintf(buf, n, "event queue (%s), one thread: %s", e->q.cal ? "calendar queue" :
                 "4-ary heap", e->sl.why ? e->sl.why : "the network cannot run in slices");
    else
        snprintf(buf, n, "event queue (%s)", e->q.cal ? "calendar queue" : "4-ary heap");
    return buf;
}
