/* model.h -- the interface between the event engine and neuron models
 *
 * Every neuron model is one file in models/ that defines a const hs_model and is listed in the
 * registry (models/registry.c).  Its schema (util/schema.h), embedded first, declares what a
 * network file may say about its populations.  The engine knows models only through this
 * table: it asks a model to initialise a population, to handle a neuron's scheduled event
 * (fire), and to take a batch of synaptic input (receive).  Models schedule their neurons'
 * next events with hs_sched().  A model keeps its state as arrays (struct of arrays) hanging
 * off hs_pop.state.
 */
#ifndef HS_MODELS_MODEL_H
#define HS_MODELS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "hee-snn/hee-snn.h"
#include "util/schema.h"

/* What a neuron's event sends to its targets. */
typedef enum {
    HS_EMIT_NONE = 0,
    HS_EMIT_ONSET = 1,   /* a spike; for binary units also z: 0 -> 1 */
    HS_EMIT_OFFSET = 2   /* binary units only: z: 1 -> 0 */
} hs_emit;

typedef struct hs_pop hs_pop;
typedef struct hs_net hs_net;

/* One synaptic input of a neuron, for advance(): its arrival time, signed weight, and the
 * target model's token for that time (token(), computed once per arrival for all targets;
 * 0 when the model has none). */
typedef struct hs_input {
    double t, w, x;
} hs_input;

/* Where advance() reports a spike of the neuron it advances, at time t; nonzero when it could
 * not be kept (out of memory). */
typedef int (*hs_spike_out)(void *ctx, double t);

typedef struct hs_model {
    hs_schema schema;      /* the declarative half: name, parameters, bias, init, weights, ...
                            * (util/schema.h), all that a network file is validated against */
    int exp_weights;       /* receive() also gets exp(w) of every synapse (compiled once) */
    int uniform_weight;    /* receive() takes w NULL for a projection whose synapses all weigh
                            * the same: sign is then that weight, signed (no w[k] to read) */
    /* Allocate state, draw the initial state from r, schedule first events. */
    int (*init)(hs_pop *p, hs_net *net, gsl_rng *r, hs_error *err);
    void (*free_state)(hs_pop *p);
    /* The neuron's scheduled event at time t; reschedules it and says what it emits. */
    hs_emit (*fire)(hs_pop *p, uint32_t i, double t, hs_net *net);
    /* Synaptic input at time t: target j of tgt[k] gets sign * w[k] (w NULL, with
     * uniform_weight: sign); ew[k] = exp(w[k]) when the model has exp_weights, else ew is
     * NULL. */
    void (*receive)(hs_pop *p, double t, const uint32_t *tgt, const double *w,
                    const double *ew, size_t n, double sign, hs_net *net);
    /* Optional: 1 when most of the population's queue updates move a key later by a random
     * interval (e.g. a Poisson drive), which a calendar queue serves faster than a heap. */
    int (*drifting_keys)(const hs_pop *p);
    /* Optional: advance neuron i alone through [its time, t1), without the event queue:
     * absorb the inputs in[0..n) (nondecreasing times, all before t1; those of one instant
     * all before the threshold is tested), handle its own events before t1 in time order,
     * and report each spike with out(ctx, t).  The model keeps its next event in its own state
     * (it still calls hs_sched for the event queue when fire() and receive() are used).
     * Returns the number of its own events handled.  The engine uses it when every
     * population has it and every synapse has a delay (doc/network-format.md, "Delays and the engine"). */
    uint64_t (*advance)(hs_pop *p, uint32_t i, double t1, const hs_input *in, size_t n,
                        hs_spike_out out, void *ctx);
    /* Optional, with advance: the slice [t0, t1) begins (before any neuron is advanced in it
     * and before token() is asked for its arrivals); e.g. move a time anchor. */
    void (*slice_begin)(hs_pop *p, double t0, double t1);
    /* Optional, with advance: a value that every input arriving at t will need (e.g. an
     * exponential of t), computed once per arrival time and handed to advance() in
     * hs_input.x; valid until the slice ends. */
    double (*token)(const hs_pop *p, double t);
    /* Current binary state of neuron i (binary models only: those whose schema says
     * has_zstate). */
    int (*zstate)(const hs_pop *p, uint32_t i);
    /* With schema.vars: the value of state variable var (an index into schema.vars) of neuron
     * i at time t, the engine's current time (every event before t handled), in the
     * variable's internal unit.  Reads only: sampling a neuron never changes its future. */
    double (*state)(const hs_pop *p, uint32_t i, int var, double t);
    /* Optional: the population's dynamic state as bytes (checkpoints of hee-snn train):
     * state_bytes() of them written by save(); load() replaces the state with a save of the
     * same population and reschedules every neuron's event. */
    size_t (*state_bytes)(const hs_pop *p);
    void (*save)(const hs_pop *p, void *buf);
    void (*load)(hs_pop *p, const void *buf, hs_net *net);
} hs_model;

/* Per-population data the engine owns and models use. */
struct hs_pop {
    const hs_model *model;
    const char *name;
    uint32_t n;
    uint32_t gid0;           /* global id of neuron 0 (index into the engine's event queue) */
    /* where the event queue keeps its neurons' keys, for hs_sched_prefetch (set by the engine,
     * NULL when it has no such place): neuron i's place is qpos[i] (UINT32_MAX: none), its key
     * at qnode + place * qstride */
    const uint32_t *qpos;
    const char *qnode;
    size_t qstride;
    double params[HS_MAX_PARAMS];
    double *bias;            /* n values, or NULL */
    double *init;            /* n initial values of init_var, or NULL */
    double *times;           /* schema.takes_times: neuron i's spike times (ms, ascending) are */
    uint64_t *trow;          /* times[trow[i]] .. times[trow[i + 1] - 1]; NULL otherwise */
    double *rate_t, *rate_r; /* schema.takes_rates: rate rate_r[k] (per ms) from rate_t[k] ms */
    size_t nrate;            /* on (ascending; 0 before the first); NULL otherwise */
    gsl_rng *rng;            /* this population's dynamics stream */
    uint64_t key;            /* key of its neurons' own counter-based streams (hs_rng_u01:
                              * stream i is neuron i's), from the seed and its name */
    void *state;             /* model-owned */
};

/* Schedule (or move) the next event of global neuron gid at time t (INFINITY: none). */
void hs_sched(hs_net *net, uint32_t gid, double t);

/* Hints that neuron i of p may soon be scheduled, in two stages: first its place in the event
 * queue is fetched into the cache, some inputs later (when it has arrived) its key.  In a
 * large network each is otherwise a miss, one after the other, at every update of a key. */
static inline void hs_sched_prefetch_place(const hs_pop *p, uint32_t i)
{
#if defined(__GNUC__)
    if (p->qpos)
        __builtin_prefetch(&p->qpos[i], 0);
#endif
    (void)p;
    (void)i;
}

static inline void hs_sched_prefetch_key(const hs_pop *p, uint32_t i)
{
#if defined(__GNUC__)
    if (p->qpos && p->qpos[i] != UINT32_MAX)
        __builtin_prefetch(p->qnode + (size_t)p->qpos[i] * p->qstride, 1);
#endif
    (void)p;
    (void)i;
}

/* The registry. */
const hs_model *hs_model_find(const char *name);
/* Comma-separated list of known model names, written into buf; returns buf. */
const char *hs_model_names(char *buf, size_t n);
size_t hs_model_count(void);
const hs_model *hs_model_at(size_t i);
/* The registered model whose schema s is (the same object, not a namesake), or NULL. */
const hs_model *hs_model_of(const hs_schema *s);
/* The registered models' schemas, for the configuration loader (hs_cfg_load). */
extern const hs_catalogue hs_model_catalogue;

#endif
