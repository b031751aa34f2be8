/* config.h -- the validated configuration: what a network file says, defaults filled in */
#ifndef HS_CONFIG_CONFIG_H
#define HS_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "hee-snn/hee-snn.h"
#include "util/quantity.h"
#include "util/schema.h"

/* Load and validate the network file at path (hs_cfg_load) or text (hs_cfg_load_string, name
 * as for hs_config_load_string) against the model schemas of cat.  The public hs_config_load
 * and hs_config_load_string (src/net/load.c) call these with the registry's models. */
int hs_cfg_load(const char *path, const hs_catalogue *cat, const hs_overrides *ov,
                hs_config **out, hs_error *err);
int hs_cfg_load_string(const char *text, size_t len, const char *name, const hs_catalogue *cat,
                       const hs_overrides *ov, hs_config **out, hs_error *err);

/* Raster formats (record: format:). */
typedef enum {
    HS_FORMAT_TSV = 0,
    HS_FORMAT_NEST = 1,
    HS_FORMAT_SONATA = 2,
    HS_FORMAT_GDF = 3
} hs_format;

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

/* The names of the sufficient statistics rho, in the order of hs_rho (hee/hee.h; tests/check_hee.c
 * checks the two agree), NULL-terminated. */
extern const char *const hs_cfg_rho_names[];

/* The spike realisation's populations of cfg's hee: block (2 per layer, numbered after the
 * file's), 0 without one. */
int hs_config_hee_pops(const hs_config *cfg);
/* The name of population p (a file's, or a hee: one), in buf when it must be built. */
const char *hs_config_pop_name(const hs_config *cfg, int p, char *buf, size_t n);

/* The value of element (i, j) of a value specification: matrices and vectors are looked up,
 * distributions drawn from r (valspec.c). */
double hs_valspec_value(const hs_valspec *v, gsl_rng *r, size_t i, size_t j);
/* Fill out (rows x cols, row-major): vectors give row i to every column, distributions are
 * drawn from r in row-major order. */
void hs_valspec_draw(const hs_valspec *v, gsl_rng *r, size_t rows, size_t cols, double *out);

typedef enum { HS_CONN_ALL, HS_CONN_ONE, HS_CONN_PROB, HS_CONN_INDEG, HS_CONN_FILE } hs_conn_kind;

typedef struct hs_popcfg {
    char *name;
    int line, col;
    const hs_schema *schema;   /* its model's, from the catalogue it was validated against */
    uint32_t size;
    double params[HS_MAX_PARAMS];
    hs_valspec bias;
    hs_valspec init;
    /* 'times' (spike_generator): spike i is neuron time_nr[i] at time_t[i] ms, in the order
     * given; from the file time_file (absolute), or inline: one list for every neuron
     * (times_shared, ntimes_shared of them first) or one per neuron */
    size_t ntimes;
    uint32_t *time_nr;
    double *time_t;
    char *time_file;
    int times_shared;
    size_t ntimes_shared;
    /* 'rates' (inhomogeneous_poisson): rate_v[k] Hz from rate_t[k] ms (ascending) on; from
     * the file rate_file (absolute), or inline */
    size_t nrates;
    double *rate_t, *rate_v;
    char *rate_file;
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

/* The hee: block (doc/hee.md). */
typedef struct hs_heelayer_cfg {
    char *name;
    int line, col;
    uint32_t size;
    int bernoulli;             /* family: bernoulli (else gaussian) */
    int rho;                   /* hs_rho: an index into hs_cfg_rho_names */
    double sigma;
    hs_valspec bias;
    uint32_t rows, cols;       /* shape: [rows, cols] of image units; 0 when not given */
} hs_heelayer_cfg;

typedef enum { HS_HEE_RATE = 0, HS_HEE_SPIKE = 1 } hs_hee_realisation;
/* How a unit's value is carried by spikes: rectified push-pull (an on and an off side) or a
 * single population with a baseline rate. */
typedef enum { HS_ENC_PUSHPULL = 0, HS_ENC_BASELINE = 1 } hs_hee_encoding;
typedef enum { HS_HEE_INIT_ZERO = 0, HS_HEE_INIT_FEEDFORWARD = 1 } hs_hee_init;

/* hee: data: a data set clamped on layer 0, one item after another (doc/learning.md). */
typedef enum { HS_DATA_TSV = 0, HS_DATA_IDX = 1, HS_DATA_PATCHES = 2 } hs_data_kind;

typedef struct hs_datacfg {
    int line, col;
    hs_data_kind kind;
    char *path;                /* tsv file or idx images (absolute) */
    char *labels;              /* idx labels, or NULL */
    char **images;             /* patches: PNG files (absolute) */
    size_t nimages;
    /* where each file was named, for the errors of reading it later: line and column */
    int path_at[2], labels_at[2];
    int (*images_at)[2];       /* patches: one per image */
    uint32_t patch;            /* patches: side in pixels */
    uint64_t count;            /* patches: how many */
    uint64_t limit;            /* first items only; 0: all */
    uint64_t holdout;          /* the last items are held out of training, for evaluation */
    double scale, offset;      /* x <- x scale + offset */
    double threshold;          /* then x <- (x >= threshold); NaN: not binarised */
    int whiten;                /* ZCA, after scaling */
    double whiten_eps;         /* its regulariser, relative to the largest eigenvalue */
    int shuffle;               /* a new order every epoch, from the run's seed */
    double present;            /* ms per item */
} hs_datacfg;

/* hee: learn: local plasticity (doc/learning.md). */
typedef struct hs_learncfg {
    int line, col;
    double lr;                 /* per ms (written in Hz) */
    double decay;              /* lr(t) = lr / (1 + t / decay); 0: constant */
    double settle;             /* ms after each new item before plasticity counts */
    int learn_W, learn_b, learn_J;
    double checkpoint;         /* ms of model time between checkpoints */
    double log_every;          /* ms between rows of learning.tsv */
    int wake_sleep;            /* method: wake-sleep (hee_train.c), not the local rule */
    /* ais: {runs, betas, items}: the last row's log-likelihood by AIS (0 runs: none) */
    uint64_t ais_runs, ais_betas, ais_items;
} hs_learncfg;

typedef struct hs_heecfg {
    int line, col;
    hs_hee_realisation realisation;
    double tau_x, tau_eps, dt;          /* ms */
    int nlayers;
    hs_heelayer_cfg *layers;
    hs_valspec *weights;                /* [l], l >= 1: n_{l-1} x n_l */
    hs_valspec *lateral;                /* [l]: n_l x n_l, kind UNSET when absent */
    int clamped;
    hs_valspec clamp;                   /* layer 0's data when clamped */
    double adapt_m, adapt_tau_c;        /* adaptation; m = 0: none */
    hs_hee_init init;
    int noise_budget;                   /* count interneuron and spike noise toward x's noise */
    int bottom_up;                      /* hs_hee_bottom_up (proc/hee_rt.h): interneurons,
                                         * exact (the reference), exchange (per-unit pools) */
    /* spike realisation: P neurons per unit firing at r = baseline + rate_per_unit rho(x),
     * clipped to [0, r_max]; read out by traces of time constant tau_syn */
    uint32_t P;
    double r0, r1, rmax;                /* Hz */
    double tau_syn;                     /* ms */
    double tau_ref;                     /* ms: each neuron's absolute refractory period */
    hs_hee_encoding encoding;
    /* recording: states.tsv, and spikes of the spike realisation's populations */
    int *record_x, *record_eps;         /* per layer flags */
    int *record_c;                      /* per layer: its adaptation currents (NAME_c) */
    int *spikes_x, *spikes_eps;         /* per layer flags */
    double every;                       /* ms */
    hs_datacfg *data;                   /* or NULL */
    hs_learncfg *learn;                 /* or NULL */
    uint32_t chains;                    /* independent copies of the network, >= 1 */
} hs_heecfg;

/* The most chains a hee: block may run. */
#define HS_HEE_MAX_CHAINS 100000

/* The rbm: block (doc/rbm.md): a restricted Boltzmann machine trained on a data set. */
enum { HS_RBM_CD = 0, HS_RBM_PCD = 1, HS_RBM_MEANFIELD = 2 };
enum { HS_RBM_LL_AUTO = 0, HS_RBM_LL_EXACT = 1, HS_RBM_LL_AIS = 2, HS_RBM_LL_NONE = 3 };
typedef struct hs_rbmcfg {
    int line, col;
    uint32_t nv, nh;           /* nh: the first hidden layer's */
    uint32_t hidden[8];        /* a deep belief net: hidden[0] = nh, hidden[1..nhidden-1] */
    int nhidden;               /* 1: an RBM; more: RBMs stacked greedily (a DBN) */
    uint32_t rows, cols;       /* shape of the visible layer (pictures), or 0 */
    int method;                /* HS_RBM_CD, _PCD, _MEANFIELD */
    int k;
    uint64_t batch, chains, epochs, samples;
    double lr, momentum, weight_decay, init_sd;
    int loglik;                /* HS_RBM_LL_* */
    uint64_t ais_runs, ais_betas;
    /* a DBN's log p(v) per item, by AIS over its latent layers: the first ais_items training
     * and held-out items, ais_item_runs runs of ais_item_betas steps each */
    uint64_t ais_items, ais_item_runs, ais_item_betas;
    uint64_t finetune;         /* DBN: epochs of contrastive wake-sleep after the stacking */
    double finetune_rate;      /* its learning rate (0: learning_rate / 10) */
    hs_datacfg *data;
} hs_rbmcfg;

/* record: variables: of one population (doc/network-format.md, "Recording state and rates"). */
typedef struct hs_varsel {
    uint32_t *idx;             /* the neurons sampled, in the order given; NULL: all */
    uint32_t n;                /* how many (the population's size when idx is NULL) */
    unsigned mask;             /* bit k: the model's state variable k; 0: not sampled */
} hs_varsel;

struct hs_config {
    char *path;                /* the file as given */
    char *dir;                 /* its directory, for relative paths */
    char *name;
    uint64_t seed;
    int seed_generated;
    double duration;           /* ms */
    char *output;
    int threads;               /* threads the engine may use (threads:, --threads; 1) */
    hs_popcfg *pops;
    int npops;
    hs_projcfg *projs;
    int nprojs;
    int *record_spikes;        /* npops flags */
    int *record_dist;          /* npops flags: exact state-distribution monitor */
    hs_format record_format;   /* spikes.tsv always; nest or sonata adds that file */
    double var_every;          /* variables.tsv every this many ms; 0: none */
    hs_varsel *var_sel;        /* npops: what variables.tsv samples of each population */
    double rate_bin;           /* rates.tsv in bins of this many ms; 0: none */
    int *record_rates;         /* npops flags: populations in rates.tsv */
    hs_heecfg *hee;            /* the hee: block, or NULL */
    hs_rbmcfg *rbm;            /* the rbm: block (a file of its own), or NULL */
};

/* Concrete parameters of a hee: block, per layer (b[l], W[l] for l >= 1, J[l] or NULL). */
typedef struct hs_hee_values {
    double *const *b, *const *W, *const *J;
    uint32_t rows, cols;       /* layer 0's image shape (from the data), or 0 */
} hs_hee_values;

/* config.yaml of a trained model: the hee: block with the values in p instead of its value
 * specifications, without data, clamp and learning; named NAME-model. */
int hs_config_write_model(const hs_config *cfg, const hs_hee_values *p, FILE *f, hs_error *err);

/* Limits on sizes a file may ask for. */
#define HS_MAX_POP_SIZE 100000000u
#define HS_MAX_SYNAPSES 2000000000.0
#define HS_MAX_NEURONS 200000000.0
#define HS_MAX_SPIKE_TIMES 1e9   /* spikes given to a spike_generator population */
#define HS_MAX_RATE_HZ 1e7       /* an inhomogeneous_poisson rate (as poisson's) */

#endif
