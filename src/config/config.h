/* config.h -- the validated configuration: what a network file says, defaults filled in */
#ifndef HS_CONFIG_CONFIG_H
#define HS_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hee-snn/hee-snn.h"
#include "config/quantity.h"
#include "models/model.h"

/* A value specification: a scalar, per-element values, or a distribution to draw from. */
typedef enum {
    HS_VAL_UNSET = 0,
    HS_VAL_SCALAR,
    HS_VAL_VECTOR,   /* data[rows] */
    HS_VAL_MATRIX,   /* data[rows * cols], row-major */
    HS_VAL_NORMAL,   /* a = mean, b = sd */
    HS_VAL_UNIFORM   /* a = low, b = high */
} hs_val_kind;

typedef struct hs_valspec {
    hs_val_kind kind;
    hs_dim dim;
    double a, b;
    double *data;
    size_t rows, cols;
    char *file;       /* absolute path when the data came from {file: ...} */
    int line, col;    /* where it was given */
} hs_valspec;

typedef enum { HS_CONN_ALL, HS_CONN_ONE, HS_CONN_PROB, HS_CONN_INDEG, HS_CONN_FILE } hs_conn_kind;

typedef struct hs_popcfg {
    char *name;
    int line, col;
    const hs_model *model;
    uint32_t size;
    double params[HS_MAX_PARAMS];
    hs_valspec bias;
    hs_valspec init;
} hs_popcfg;

typedef struct hs_projcfg {
    int from, to;              /* population indices */
    int line, col;
    hs_conn_kind conn;
    double p;                  /* fixed_probability */
    uint32_t indegree;         /* fixed_indegree */
    hs_valspec weight;
    double delay;              /* ms */
    int autapses;
    /* edges file: pre, post, weight, delay (ms; NaN where not given) */
    char *edges_file;
    size_t nedges;
    uint32_t *epre, *epost;
    double *ew, *edelay;
} hs_projcfg;

struct hs_config {
    char *path;                /* the file as given */
    char *dir;                 /* its directory, for relative paths */
    char *name;
    uint64_t seed;
    int seed_generated;
    double duration;           /* ms */
    char *output;
    hs_popcfg *pops;
    int npops;
    hs_projcfg *projs;
    int nprojs;
    int *record_spikes;        /* npops flags */
    int *record_dist;          /* npops flags: exact state-distribution monitor */
    int has_hee;               /* a hee: block was given (rejected until it is implemented) */
};

/* Limits on sizes a file may ask for. */
#define HS_MAX_POP_SIZE 100000000u
#define HS_MAX_SYNAPSES 2000000000.0
#define HS_MAX_NEURONS 200000000.0

#endif
