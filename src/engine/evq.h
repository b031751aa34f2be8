/* evq.h -- the engine's event queues (private to src/engine)
 *
 * One indexed queue holds the next event of every neuron (ids 0..nneurons-1), of every process
 * (nneurons + k) and the head of every one-delay projection's FIFO (nneurons + nprocs +
 * projection); a heap holds the deliveries of synapses with differing delays.  They are made
 * when the first event is scheduled (a model's init, while the network is compiled) or the
 * first run starts, so src/net, which owns the network, needs no queue type.
 */
#ifndef HS_ENGINE_EVQ_H
#define HS_ENGINE_EVQ_H

#include <pthread.h>

#include "net/net.h"
#include "sched/queue.h"
#include "util/comm.h"

/* Slices (engine.c).  A spike's synapses of one projection and one delay arrive at one time:
 * an arrival, kept once in the table of the slice it lands in. */
typedef struct hs_arrival {
    double t;        /* arrival time */
    double x;        /* the target model's token for t (computed when the slice begins) */
    uint32_t proj;   /* the projection */
} hs_arrival;

/* One input: its target (global id), arrival (index into its slice's table) and synapse
 * (index into the projection's arrays, for a weight that differs per synapse). */
typedef struct hs_inref {
    uint32_t gid, arr, syn;
} hs_inref;

/* The inputs that arrive within one slice at the neurons of one bin (2^shift consecutive
 * global ids), in the order they were sent. */
typedef struct hs_bin {
    hs_inref *a;
    uint32_t n, cap;
} hs_bin;

/* The arrivals of one slice. */
typedef struct hs_artab {
    hs_arrival *a;
    uint32_t n, cap;
} hs_artab;

/* A spike of the current slice: time and global neuron id. */
typedef struct hs_sspike {
    double t;
    uint32_t gid;
} hs_sspike;

/* The synapses [k, e) of projection proj that one spike sends with one delay: arrival ai in
 * slot `slot`'s table. */
typedef struct hs_sgroup {
    uint64_t k, e;
    uint32_t proj, slot, ai;
} hs_sgroup;

struct hs_slices;

/* One thread's share of the slices: the bins [b0, b1) (their neurons, and the inputs sent to
 * them), and its room to work in. */
typedef struct hs_sworker {
    struct hs_slices *S;
    hs_net *net;
    uint32_t b0, b1;
    hs_sspike *sp;     /* its neurons' spikes in the current window */
    size_t nsp, capsp;
    hs_input *in, *tmp;   /* one neuron's inputs, and room to sort them */
    uint32_t capin;
    uint32_t *cnt;     /* room to sort a bin's inputs by neuron: 2^shift + 1 counts */
    hs_inref *sorted;  /* and the sorted inputs */
    uint32_t capsorted;
    uint64_t events;   /* neuron events handled */
    int rc;            /* an error of its part of a phase (err says which) */
    hs_error err;
    pthread_t th;
    int started;
} hs_sworker;

typedef struct hs_slices {
    double h;          /* slice length: the network's smallest delay */
    uint64_t k;        /* the current slice, [k h, (k + 1) h) */
    int begun;         /* slice k has begun (models told, tokens computed) */
    uint32_t nslots;   /* slices whose inputs are kept: a ring, slot (k mod nslots) */
    uint32_t shift;    /* bin of neuron g: g >> shift */
    uint32_t nbins;
    hs_bin *bin;       /* nslots x nbins */
    uint32_t *pos;     /* per neuron: its inputs of the current slice already absorbed (a run
                        * may end inside a slice) */
    hs_artab *arr;     /* nslots tables of arrivals */
    uint8_t *ascending;  /* per projection: the targets of every row's delay group ascend (a
                          * thread finds its own by bisection) */
    hs_sspike *sp;     /* the current window's spikes, all threads' */
    size_t nsp, capsp;
    hs_sgroup *grp;    /* the current window's spikes' synapse groups, to send */
    size_t ngrp, capgrp;
    /* threads: worker 0 is the calling thread; the others wait at the barrier for a phase */
    int nthreads;
    hs_sworker *w;
    pthread_barrier_t bar;
    int sync;          /* bar, mu and cv are made */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int go;            /* 1: all threads started; -1: one could not be, the others quit */
    int phase;         /* what the workers do next: 1 advance, 2 send, 0 quit */
    double stop, T1;   /* the current window's end, the slice's end */
    const char *why;   /* when the network cannot run in slices: why not */
    /* a run split across processes: the other buffer of the spikes' exchange (bytes) */
    hs_sspike *xsp;
    size_t capx;
    hs_comm_xstate xst;   /* the exchanges' block size (util/comm.h) */
    int stop_asked;    /* a process was asked to stop (told at the last exchange) */
} hs_slices;

/* Why the network cannot run in slices, or NULL (slices.c). */
const char *hs_engine_slices_why(const hs_net *net);
/* Slices (slices.c): set up when the network can run in them (0), -1 when it cannot, or an
 * error code; run to t_end; free. */
int hs_engine_slices_init(hs_net *net, hs_slices *S, hs_error *err);
int hs_engine_slices_run(hs_net *net, hs_slices *S, double t_end, hs_control *ctl,
                         hs_error *err);
void hs_engine_slices_free(hs_slices *S);

typedef struct hs_evq {
    hs_iheap q;      /* next event of every neuron, process and FIFO head */
    hs_dheap dq;     /* deliveries of synapses with differing delays */
    hs_fifo *fifo;   /* per projection: deliveries when it has one delay > 0 */
    size_t nfifo;    /* projections */
    int mode;        /* 0: not chosen yet; 1: the event queue; 2: slices */
    hs_slices sl;
} hs_evq;

#endif
