/* hee_rt.h -- the process of a hee: block: Langevin membranes stepped by the engine
 *
 * The process steps every dt (hs_hee_proc_ops, one slot of the engine's queue); each step
 * advances every membrane of every layer synchronously from the state at t to the state at
 * t + dt (doc/hee.md gives the equations and the integrator).  In the spike realisation the
 * units hear each other only through the synaptic traces of stochastic spiking neurons
 * (models/point_process.c): each step reads the traces at t and then sets every neuron's
 * hazard from the new membranes; the spikes themselves are events of the engine.
 *
 * A runtime is built from a parameter block, hs_hee_spec, with every value concrete (biases,
 * weights and couplings drawn); src/net compiles a hee: block of the configuration into one
 * (net/hee_spec.h).
 */
#ifndef HS_HEE_HEE_RT_H
#define HS_HEE_HEE_RT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "hee/hee.h"
#include "models/model.h"
#include "proc/proc.h"
#include "util/rng.h"

struct hs_net;
typedef struct hs_hee_rt hs_hee_rt;

/* Neurons per unit when not given: the smallest P whose predicted budget load (the largest
 * eigenvalue of the spike noise's diffusion over the intended one, at the initial state) is at
 * most HS_HEE_BUDGET_LOAD; never more than HS_HEE_MAX_P. */
#define HS_HEE_BUDGET_LOAD 0.5
/* ... and never fewer than HS_HEE_MIN_P: below about 10 neurons per side a unit's input is a
 * few large jumps per interneuron time constant rather than a diffusion (the budget's model). */
#define HS_HEE_MIN_P 10u
#define HS_HEE_MAX_P 100000u
/* The push-pull gain is lowered at the floor of P (fewer spikes for the same load), but never
 * below this rate (Hz) per unit of rho summed over a side's P neurons (10 neurons at 225 Hz,
 * where the correlated posteriors of tests/check_hee.c were measured). */
#define HS_HEE_MIN_SIDE_RATE 2250.0
/* Up to this many free units the budget is the full covariance (a dense factor applied at
 * every step); beyond it, its diagonal. */
#define HS_HEE_BUDGET_FULL_MAX 64

/* Plasticity (hee: learn:, doc/learning.md). */
typedef struct hs_hee_learn {
    int on;                    /* the block learns */
    double lr;                 /* per ms */
    double decay;              /* ms: lr(t) = lr / (1 + t / decay); 0: constant */
    int W, b, J;               /* which parameters learn */
} hs_hee_learn;

/* What a bernoulli unit hears from the layer below (doc/hee.md, "Bernoulli layers"):
 * W^T (T(x) - T(eps)) from the layer's interneurons; the exact difference of the
 * log-normaliser (the reference, hs_hee_rt_use_exact_grad); or W^T (T(x) - T(pool_k)) from a
 * pool of interneurons of its own that sample the layer below at the unit's flipped state
 * (the exchange algorithm: exact as tau_eps / tau_x -> 0). */
typedef enum { HS_BU_INTERNEURONS = 0, HS_BU_EXACT = 1, HS_BU_EXCHANGE = 2 } hs_hee_bottom_up;

/* The parameters of the dynamics that the runtime keeps (times in ms). */
typedef struct hs_hee_par {
    double tau_x, tau_eps, dt;
    double adapt_m, adapt_tau_c;       /* adaptation; m = 0: none */
    int feedforward;                   /* init: the bottom-up pass; else every membrane at 0 */
    int noise_budget;                  /* count interneuron and spike noise toward x's noise */
    int bottom_up;                     /* hs_hee_bottom_up */
    hs_hee_learn learn;
} hs_hee_par;

/* The data set clamped on layer 0, one item after another (doc/learning.md). */
typedef enum { HS_HEE_DATA_TSV, HS_HEE_DATA_IDX, HS_HEE_DATA_PATCHES } hs_hee_data_kind;

typedef struct hs_hee_data {
    int on;                    /* layer 0 takes the items of a data set */
    hs_hee_data_kind kind;
    const char *path;          /* tsv file or idx images */
    const char *labels;        /* idx labels, or NULL */
    const char *const *images; /* patches: PNG files */
    size_t nimages;
    uint32_t patch;            /* patches: side in pixels */
    uint64_t count;            /* patches: how many */
    uint64_t limit;            /* the first items only; 0: all */
    uint64_t holdout;          /* the last items are held out of training, for evaluation */
    double scale, offset;      /* x <- x scale + offset */
    double threshold;          /* then x <- (x >= threshold); NaN: not binarised */
    int whiten;                /* ZCA, after scaling */
    double whiten_eps;         /* its regulariser, relative to the largest eigenvalue */
    int shuffle;               /* a new order every epoch, from the seed */
    double present;            /* ms per item */
    int line, col;             /* where it was given (errors name file:line:col) */
    const int *path_at, *labels_at;    /* where path and labels were named: line, column */
    const int (*images_at)[2];         /* and each image */
} hs_hee_data;

/* What a runtime is built from: the model with concrete parameters and how to run it.  The
 * arrays of m and clamp are the spec's (malloc'd; hs_hee_spec_free) until hs_hee_rt_create
 * takes them; names, flags and file names are borrowed and read only by hs_hee_rt_create. */
typedef struct hs_hee_spec {
    hs_hee m;                  /* layers (name, n, rho, sigma, b, J or NULL) and W, drawn */
    double *clamp;             /* layer 0's values when clamped (not data), or NULL */
    hs_hee_par par;
    double every;              /* ms between recorded states */
    const int *record_x, *record_eps;   /* per layer: its units, its interneurons in states.tsv */
    const int *record_c;                /* per layer: its adaptation currents (or NULL) */
    /* spike realisation: P neurons per side and unit firing at r0 + r1 rho(x) (baseline) or
     * r1 [+-rho(x)]+ (push-pull), clipped to [0, rmax], read out by traces of tau_syn */
    int spike;
    int pushpull;
    uint32_t P;                /* 0: chosen from the noise budget */
    double r0, r1, rmax;       /* Hz; r1 <= 0: chosen */
    double tau_syn;            /* ms; <= 0: dt */
    double tau_ref;            /* ms: each neuron's absolute refractory period */
    double max_neurons;        /* the spike realisation may not need more */
    hs_hee_data data;
    uint64_t seed;             /* the run's: the dynamics' stream, patches, data orders */
    uint32_t chains;           /* independent copies (rate realisation, gaussian layers) */
    int threads;               /* ... split among this many threads */
    const char *file;          /* the file the block came from and its place, for errors */
    int line, col;
} hs_hee_spec;

/* Free the arrays a spec still holds (m, clamp) and empty it. */
void hs_hee_spec_free(hs_hee_spec *s);

/* Called at every recording time (multiples of record every) with the state at t. */
typedef int (*hs_hee_sink)(void *ctx, double t, const hs_hee_rt *rt);

/* One layer's exponential-Euler factors over dt (fixed for a runtime): the decay and the
 * noise sd of its membranes (x) and interneurons (e), exp(-dt / (tau sigma^2)) and
 * sigma sqrt(1 - exp(-2 dt / (tau sigma^2))). */
typedef struct hs_hee_ou {
    double dx, de, nx, ne;
} hs_hee_ou;

struct hs_hee_rt {
    hs_hee m;                 /* parameters, drawn at compile time (owned) */
    hs_hee_ou *ou;            /* per layer */
    hs_hee_par par;           /* time constants, adaptation, init, noise budget, learning */
    int *record;              /* states.tsv: per layer l, record[3 l] its units, record[3 l + 1]
                               * its interneurons, record[3 l + 2] its adaptation currents */
    double *x, *eps, *c;      /* principal membranes, interneurons, adaptation (ntotal each) */
    double *rx, *reps;        /* rho(x), rho(eps) */
    /* rho'(x), rho'(eps), and the membranes they belong to: computed with rho (hs_rho_fd) and
     * used while the membrane still holds that value (an exact comparison: NaN at start) */
    double *dx, *de, *dx_at, *de_at;
    double *eta, *bu, *tmp;   /* eta_l; bottom-up W_l^T (rho(x_{l-1}) - rho(eps_{l-1})) */
    double *kappa;            /* noise budget: fraction of x's noise the inputs already carry */
    double *kpow;             /* per unit: the noise power it feeds into the layer above */
    int kappa_fixed;          /* kappa does not depend on the state: computed once */
    uint64_t kappa_every;     /* otherwise recomputed every this many steps */
    double *clamp;            /* layer 0 data (B x n_0 with a data set), or NULL */
    /* data: (doc/learning.md): layer 0 clamped to item after item, each for `present` */
    struct hs_dataset *ds;    /* owned, or NULL */
    size_t ntrain;            /* the first ntrain items are presented; the rest are held out */
    size_t *order;            /* this epoch's order of the ntrain items */
    long long order_epoch;    /* the epoch order[] belongs to, -1 before the first */
    int shuffle;              /* a new order every epoch (else the file's) */
    uint64_t present_steps;   /* steps per item */
    uint64_t seed;            /* the run's seed: the shuffles derive from it */
    gsl_rng *rng;
    /* chains (hee: chains, doc/learning.md): B independent copies of the state.  Every state
     * array (x, eps, c, rx, reps, dx, de, their _at, eta, bu, kappa, kpow) holds B x ntotal
     * values, chain c's units from c ntotal; with a data set clamp holds B x n_0 values, chain
     * c's item from c n_0.  One chain draws from rng; with B > 1 chain c draws its normal
     * deviates in bulk from its own stream xo[c] (hs_rng_derive(seed, "hee", "chain/c")), so
     * its draws do not depend on the other chains or on how chains are split among threads.
     * B > 1 only in the rate realisation of gaussian layers with interneurons (the
     * configuration refuses the rest). */
    uint32_t B;
    hs_xo *xo;                /* B > 1: the chains' streams */
    double *zbuf;             /* B > 1: one chain's deviates of a step, per thread */
    size_t nz;                /* ... their number */
    double *dd;               /* B > 1: T(x) - T(eps) of every chain, for the matrix products */
    double *w2;               /* B > 1: every W_l squared cell by cell, for the noise budget */
    struct hs_team *team;     /* B > 1: the threads the chains are split among (hee: threads) */
    double dt;
    uint64_t step;            /* steps taken */
    uint64_t every;           /* record every this many steps */
    hs_hee_sink sink;
    void *sink_ctx;
    /* reference mode (hee-snn compare): the bottom-up term uses the exact grad A_{l-1} =
     * P_{l-1}^-1 eta_{l-1} of identity layers instead of the interneurons' sample */
    int exact_grad;
    double **Pinv;            /* per layer n_l x n_l, when exact_grad */
    /* spike realisation: every unit is P neurons firing at r = r0 + r1 rho(x) in [0, rmax];
     * downstream reads traces a (Hz), decoded as rho-hat = (a - r0) / r1 */
    int spike;
    uint32_t P;
    double r0, r1, rmax, tau_syn, tau_ref;
    int pushpull;             /* rectified push-pull: two sides of P neurons per unit */
    int learning;             /* the spike realisation reads spike counts for plasticity */
    int inputs;               /* projections end on the block's populations: */
    double *inx, *ine;        /* each unit's input, added to its natural parameter */
    /* the statistics plasticity reads: rho of the membranes (rate realisation: rx, reps) or
     * the decoded spike counts of the last step (spike realisation, when learning) */
    double *px, *pe;
    uint32_t *nzbuf;          /* 2 ntotal: the units that spiked in a step (plasticity) */
    double *trbuf;            /* 2 n_max: one layer's raw traces */
    char (*popname)[72];      /* 2L population names: layer, then its interneurons */
    /* the full-covariance noise budget (hee_budget.c) over the nfree free units, which start
     * at unit off0: the factor bL of the membranes' injected noise, the interneurons' noise
     * shares ebeta, scratch; budget_load = largest eigenvalue of D / (2 tau_x) */
    size_t off0, nfree;
    double *bC, *bL, *bg, *bz, *ebeta, *bS;
    void *eig;                /* gsl_eigen_symmv_workspace (an anonymous struct in GSL) */
    gsl_matrix *eigV;         /* nfree x nfree eigenvectors */
    gsl_vector *eigval;       /* nfree eigenvalues */
    double budget_load;
    int P_auto;               /* P was chosen from the network */
    int budget_expect;
    uint64_t budget_every;    /* recomputed every this many steps */        /* the budget at the expected, not the current, rates */
    hs_pop **xpop, **epop;    /* per layer: the neurons of its units and interneurons */
    /* bernoulli layers (continuous-time Glauber, doc/hee.md): each unit and interneuron is
     * resampled at the ticks of a Poisson clock of rate 1/tau_x (1/tau_eps), kept as the
     * step of its next tick; NULL when every layer is gaussian */
    uint64_t *tick_x, *tick_e;
    double ltick_x, ltick_e;  /* log(1 - q) of the tick probability q per step */
    int nbern;                /* bernoulli layers */
    int binary;               /* spike realisation of bernoulli layers: neural-sampling neurons
                               * wired by the compiler (src/net), z read at recording times */
    hs_pop **ppop;            /* ... and with bottom_up: exchange, per layer l >= 1 its pools
                               * (NULL for l = 0) */
    /* ... the compiler's hook that puts the parameters (and layer 0's item) into the neurons'
     * synapses and biases: apply, the change of each membrane is applied at t; else the
     * membranes are taken to hold them already (a checkpoint just loaded).  0, or -1. */
    int (*sync)(void *ctx, double t, int apply);
    void *sync_ctx;
    uint64_t sync_every;      /* steps between syncs while learning */
    int stepping;             /* with data or learning: a step every dt (else every `every`) */
    double *fscratch;         /* 2 n_max: the exact reference's log-odds */
    /* bottom_up: exchange: per layer l >= 1, unit k's pool of n_{l-1} interneurons (row k of
     * an n_l x n_{l-1} array), which hears layer l with x_k flipped; and their clocks */
    double **pool;
    uint64_t **tick_p;
    /* what a step does: -1 every layer; l >= 0 only layer l's interneurons (ancestral) */
    int ancestral;
    /* called after every step (plasticity), or NULL */
    int (*after)(hs_hee_rt *rt, void *ctx, hs_error *err);
    void *after_ctx;
};

/* The full-covariance noise budget of the spike realisation (hee_budget.c): allocate (0, or -1
 * when out of memory), free, recompute from the current state, and the smallest P (at most
 * Pmax) whose load (largest eigenvalue of D / (2 tau_x)) is at most f at the current state. */
int hs_hee_budget_alloc(hs_hee_rt *rt);
void hs_hee_budget_free(hs_hee_rt *rt);
void hs_hee_budget_update(hs_hee_rt *rt);
uint32_t hs_hee_budget_auto_P(hs_hee_rt *rt, double f, uint32_t Pmax);
/* The smallest push-pull gain r1 (Hz; at most the current one, at least 1/16 of it and
 * HS_HEE_MIN_SIDE_RATE / P) whose load at the expected rates with rt->P neurons per side is at
 * most f. */
double hs_hee_budget_auto_gain(hs_hee_rt *rt, double f);

/* The process table of a hee: block (self = hs_hee_rt). */
extern const hs_proc_ops hs_hee_proc_ops;

/* Steps of dt in model time t, at least 1. */
static inline uint64_t hs_hee_steps(double t, double dt)
{
    uint64_t s = (uint64_t)llround(t / dt);
    return s ? s : 1;
}

/* Load, scale and whiten the data set of s->data for layer 0 of s->m (hee_plast.c).  Errors
 * name the data file, or s->file at the line of data: when the sizes disagree. */
int hs_hee_load_data(const hs_hee_spec *s, struct hs_dataset **out, hs_error *err);
/* The item on layer 0 during step `step` (data: only): sets rt->clamp and, when reset, the
 * membranes of layer 0 (and the feedforward pass of init: feedforward).  0, or -1 when out of
 * memory. */
int hs_hee_rt_item(hs_hee_rt *rt, uint64_t step, int reset);

/* The learning rate (per ms) at model time t (ms) (hee_plast.c). */
double hs_hee_learning_rate(const hs_hee_learn *L, double t);
/* One step of plasticity with increment g = learning rate x dt, on the statistics rt->rx and
 * rt->reps of the step just taken (hee_plast.c; the rules are written there). */
void hs_hee_rt_learn(hs_hee_rt *rt, double g);

/* Build the runtime of s: load the data set, set the initial state, choose what the spike
 * realisation leaves open (neurons per unit, gain).  Takes over the arrays of s->m and
 * s->clamp (leaving them NULL) once the data set is loaded; hs_hee_spec_free(s) afterwards
 * either way. */
int hs_hee_rt_create(hs_hee_spec *s, hs_hee_rt **out, hs_error *err);
/* Spike realisation: drive the populations xpop[l], epop[l] (model point_process, P neurons
 * per side and unit), start their traces at the mean of the initial state and set their
 * hazards at t = 0; inputs: projections end on them (their units' input currents join the
 * membranes' drift).  0, or -1 when out of memory. */
int hs_hee_rt_attach(hs_hee_rt *rt, hs_pop **xpop, hs_pop **epop, int inputs,
                     struct hs_net *q);
void hs_hee_rt_free(hs_hee_rt *rt);
/* Switch to the exact-gradient reference dynamics (identity layers only; -1 otherwise). */
int hs_hee_rt_use_exact_grad(hs_hee_rt *rt);
/* Advance every membrane from t to t + dt (no recording); in the spike realisation read the
 * traces at t and set the hazards from the new state (q: the queue handle). */
void hs_hee_rt_advance(hs_hee_rt *rt, struct hs_net *q);
/* Free layer 0 of a clamp or data set (generation). */
void hs_hee_rt_unclamp(hs_hee_rt *rt);
/* One step of ancestral sampling through the interneurons: only layer l's interneurons move,
 * with eta_l = W_{l+1} T(eps_{l+1}) + b_l from the interneurons above (b_l at the top). */
void hs_hee_rt_advance_ancestral(hs_hee_rt *rt, int l, struct hs_net *q);
/* After a checkpoint has been loaded into the runtime and the neurons at time t: bring what is
 * derived from the saved state up to date (T(x) of bernoulli units; the synapses of their
 * spike realisation).  0, or -1 when out of memory. */
int hs_hee_rt_restored(hs_hee_rt *rt, double t);
/* The spike realisation of bernoulli layers: the states z of its neurons now into x and eps
 * (nothing otherwise). */
void hs_hee_rt_read_z(hs_hee_rt *rt);
/* Before a checkpoint is written at t: put pending parameter changes into the synapses of the
 * spike realisation of bernoulli layers (nothing otherwise).  0, or -1. */
int hs_hee_rt_settle(hs_hee_rt *rt, double t);
/* Print layers, interneurons and couplings (hee-snn validate --describe). */
void hs_hee_rt_describe(const hs_hee_rt *rt, FILE *f);
/* Write the states.tsv column header for the recorded units; returns the column count. */
size_t hs_hee_rt_header(const hs_hee_rt *rt, FILE *f);
/* Write one states.tsv row. */
void hs_hee_rt_row(const hs_hee_rt *rt, double t, FILE *f);

#endif
