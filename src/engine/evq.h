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

#include "net/net.h"
#include "sched/queue.h"

/* Slices (engine.c): the inputs of one neuron that arrive within one slice. */
typedef struct hs_inbox {
    hs_input *a;
    uint32_t n, cap;  /* inputs, room */
    uint32_t pos;     /* inputs already absorbed (a run may end inside a slice) */
} hs_inbox;

/* A spike of the current slice: time and global neuron id. */
typedef struct hs_sspike {
    double t;
    uint32_t gid;
} hs_sspike;

typedef struct hs_slices {
    double h;          /* slice length: the network's smallest delay */
    uint64_t k;        /* the current slice, [k h, (k + 1) h) */
    uint32_t nslots;   /* slices whose inputs are kept: a ring, slot (k mod nslots) */
    hs_inbox *box;     /* nslots x nneurons */
    size_t nboxes;
    hs_sspike *sp;     /* the current window's spikes */
    size_t nsp, capsp;
    hs_input *tmp;     /* room to sort an inbox */
    uint32_t captmp;
    int nomem;         /* a spike could not be kept */
} hs_slices;

typedef struct hs_evq {
    hs_iheap q;      /* next event of every neuron, process and FIFO head */
    hs_dheap dq;     /* deliveries of synapses with differing delays */
    hs_fifo *fifo;   /* per projection: deliveries when it has one delay > 0 */
    size_t nfifo;    /* projections */
    int mode;        /* 0: not chosen yet; 1: the event queue; 2: slices */
    hs_slices sl;
} hs_evq;

#endif
