/* net.h -- the compiled network: flat arrays, neuron state, monitors (the event queues are the
 * engine's: an opaque handle here) */
#ifndef HS_NET_NET_H
#define HS_NET_NET_H

#include <stdint.h>

#include "models/model.h"
#include "proc/proc.h"

/* One projection as a CSR table indexed by presynaptic neuron.  Within a row, synapses are
 * sorted by delay when delays differ per synapse. */
typedef struct hs_proj {
    int from, to;
    uint32_t npre;
    uint64_t *row;     /* npre + 1 offsets */
    uint32_t *col;     /* postsynaptic neuron */
    double *w;         /* weight, target's internal unit; NULL when every synapse has w0 and
                        * the target model takes it so (uniform_weight): read hs_proj_weight */
    double *ew;        /* exp(w), for targets that multiply a hazard by it (exp_weights) */
    double w0;         /* the weight of every synapse (of this process), or NaN when they
                        * differ: a target model with uniform_weight then reads no w[k] */
    double *delay;     /* per-synapse delay (ms), or NULL when all equal 'd' */
    double d;          /* the common delay */
    int offsets;       /* deliver offset events too (the target takes binary states) */
} hs_proj;

/* The weight of synapse s of pr. */
static inline double hs_proj_weight(const hs_proj *pr, uint64_t s)
{
    return pr->w ? pr->w[s] : pr->w0;
}


struct hs_net {
    const hs_config *cfg;
    int npops, nprojs;
    hs_pop *pops;
    hs_proj *projs;
    uint32_t nneurons;
    uint16_t *pop_of;        /* global id -> population */
    int **out_projs;         /* per population: indices of projections leaving it, -1 ended */
    /* the engine's event queues (src/engine/evq.h), made at the first hs_sched or run;
     * evq_free frees them (set by the engine), evq_failed says they could not be made */
    struct hs_evq *evq;
    void (*evq_free)(struct hs_evq *);
    int evq_failed;
    int queue_kind;          /* 0: the engine chooses; -1 a heap, 1 a calendar queue */
    int threads;             /* threads the engine may use (slices only; 1 otherwise) */
    /* a run split across MPI processes: this one is `rank` of `nranks`, owns the neurons
     * [own_lo, own_hi) and holds only the synapses onto them (all neurons' state is kept, only
     * its own advance); 0 of 1 owning all otherwise */
    int rank, nranks;
    uint32_t own_lo, own_hi;
    /* the smallest and largest delay of any synapse of the whole network (every process's;
     * 0 and 0 without synapses) */
    double dmin, dmax;
    uint64_t xsyncs, xbytes;  /* the processes' exchange: synchronisations, bytes received */
    uint64_t seq;            /* sequence counter for ties */
    double t;                /* current time (ms) */
    uint64_t *spikes;        /* per population */
    uint64_t events, syn_events;
    int *record;             /* per population */
    hs_spike_fn sink;
    void *sink_ctx;
    /* exact state-distribution monitor */
    int mon_pop;             /* -1: none */
    uint32_t mon_state;
    double mon_tlast;
    double *mon_times;
    /* processes, stepped by the engine as queue ids nneurons + k (k < nprocs) */
    int nprocs;
    hs_proc procs[2];       /* a hee: block's membranes, the state monitor */
    /* bernoulli layers in the spike realisation: which projections carry which couplings, for
     * putting learnt parameters into the synapses (compile.c, hee_sync) */
    struct hs_couplings *couplings;
};

/* Neurons are split among processes and threads in bins of 2^shift consecutive global ids:
 * about HS_NET_BINS of them per process (and per 8 threads of a process, so that up to 64
 * threads still share them evenly).  Few bins keep few places written at once when spikes are
 * sent (each bin's current lines stay in cache, and the write streams are few enough to be
 * prefetched): 64 per process rather than 256 made Brunel's 12,500 neurons 13% faster on one
 * thread and 3% on two, and 400,000 neurons 3% on either (doc/benchmarks.md).
 * hs_net_bin_shift(n, nbins): the smallest shift that cuts n neurons into at most nbins bins
 * (n >> shift of them, plus one); a larger nbins gives bins that subdivide a smaller one's. */
#define HS_NET_BINS 64
static inline uint32_t hs_net_bin_shift(uint32_t nneurons, uint64_t nbins)
{
    uint32_t s = 0;
    while (((uint64_t)nneurons >> s) > nbins)
        s++;
    return s;
}

/* The state of the network's first process with the table ops (the caller names the ops of
 * the process it looks for), or NULL when it has none. */
void *hs_net_proc(const hs_net *net, const hs_proc_ops *ops);

#endif
