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

typedef struct hs_evq {
    hs_iheap q;      /* next event of every neuron, process and FIFO head */
    hs_dheap dq;     /* deliveries of synapses with differing delays */
    hs_fifo *fifo;   /* per projection: deliveries when it has one delay > 0 */
    size_t nfifo;    /* projections */
} hs_evq;

#endif
