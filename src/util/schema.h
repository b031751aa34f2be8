/* schema.h -- what a network file may say about a population of one neuron model
 *
 * A neuron model has two halves.  Its schema, here, is declarative: its name, its parameters
 * (name, dimension, default, range), what 'bias' and 'init' it takes, whether it can be the
 * target of a projection and in what unit its weights are, whether it sends and takes binary
 * states, and a check across its parameters.  The configuration (src/config) validates a
 * network file against schemas alone.  Its dynamics (init, fire, receive, ...) are the rest of
 * hs_model (models/model.h), which embeds its schema; the network (src/net) finds the model of
 * a schema in the registry when it compiles.
 *
 * The schemas a file is validated against come as a catalogue, handed to the configuration
 * loader by its caller (the registry's is hs_model_catalogue), so that the configuration never
 * sees the models.
 */
#ifndef HS_UTIL_SCHEMA_H
#define HS_UTIL_SCHEMA_H

#include <stddef.h>

#include "util/quantity.h"

#define HS_MAX_PARAMS 12

typedef struct hs_param_desc {
    const char *name;
    hs_dim dim;
    double def;         /* default value, internal units */
    int required;       /* no default: the key must be given */
    double lo, hi;      /* allowed range */
    int lo_open;        /* 1: value must be > lo; 0: >= lo */
    const char *doc;
} hs_param_desc;

/* A state variable that 'record: variables' may sample (hs_model.state gives its value). */
typedef struct hs_var_desc {
    const char *name;
    hs_dim dim;         /* written in the dimension's internal unit (mV, ms, 1) */
    const char *doc;
} hs_var_desc;

#define HS_MAX_VARS 8

typedef struct hs_schema {
    const char *name;
    const char *summary;
    const hs_param_desc *params;
    int nparams;           /* at most HS_MAX_PARAMS */
    int has_bias;          /* takes a per-neuron dimensionless 'bias' */
    const char *init_var;  /* name of the initial-state variable under 'init:', or NULL */
    hs_dim init_dim;
    int can_receive;       /* can be the target of a projection */
    hs_dim weight_dim;     /* dimension of incoming weights */
    int needs_offsets;     /* its input is the binary state of the sources (onsets+offsets) */
    int emits_offsets;     /* its output is a binary state z */
    int has_zstate;        /* the model reports each unit's binary state (hs_model.zstate):
                            * 'record: distribution' applies */
    int takes_times;       /* its neurons fire at given times: a 'times' key (required) */
    int takes_rates;       /* a piecewise-constant rate over time: a 'rates' key (required) */
    const hs_var_desc *vars;   /* its state variables (hs_model.state), or NULL */
    int nvars;             /* at most HS_MAX_VARS */
    /* Cross-parameter checks; returns the index of the offending parameter (or -1 when
     * none is to blame) and writes the reason, or returns -2 when all is well. */
    int (*check)(const double *params, char *why, size_t n);
} hs_schema;

/* The schemas known by name: find returns the one called name, or NULL; names writes the
 * comma-separated list of their names into buf (for "known: ..." in errors) and returns
 * buf. */
typedef struct hs_catalogue {
    const hs_schema *(*find)(const char *name);
    const char *(*names)(char *buf, size_t n);
} hs_catalogue;

#endif
