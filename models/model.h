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

typedef struct hs_model {
    hs_schema schema;      /* the declarative half: name, parameters, bias, init, weights, ...
                            * (util/schema.h), all that a network file is validated against */
    int exp_weights;       /* receive() also gets exp(w) of every synapse (compiled once) */
    /* Allocate state, draw the initial state from r, schedule first events. */
    int (*init)(hs_pop *p, hs_net *net, gsl_rng *r, hs_error *err);
    void (*free_state)(hs_pop *p);
    /* The neuron's scheduled event at time t; reschedules it and says what it emits. */
    hs_emit (*fire)(hs_pop *p, uint32_t i, double t, hs_net *net);
    /* Synaptic input at time t: target j of tgt[k] gets sign * w[k]; ew[k] = exp(w[k]) when
     * the model has exp_weights, else ew is NULL. */
    void (*receive)(hs_pop *p, double t, const uint32_t *tgt, const double *w,
                    const double *ew, size_t n, double sign, hs_net *net);
    /* Optional: 1 when most of the population's queue updates move a key later by a random
     * interval (e.g. a Poisson drive), which a calendar queue serves faster than a heap. */
    int (*drifting_keys)(const hs_pop *p);
    /* Current binary state of neuron i (binary models only: those whose schema says
     * has_zstate). */
    int (*zstate)(const hs_pop *p, uint32_t i);
} hs_model;

/* Per-population data the engine owns and models use. */
struct hs_pop {
    const hs_model *model;
    const char *name;
    uint32_t n;
    uint32_t gid0;           /* global id of neuron 0 (index into the engine's event queue) */
    double params[HS_MAX_PARAMS];
    double *bias;            /* n values, or NULL */
    double *init;            /* n initial values of init_var, or NULL */
    gsl_rng *rng;            /* this population's dynamics stream */
    void *state;             /* model-owned */
};

/* Schedule (or move) the next event of global neuron gid at time t (INFINITY: none). */
void hs_sched(hs_net *net, uint32_t gid, double t);

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
