/* hee-snn.h -- public API of the hee-snn event-driven spiking network simulator
 *
 * The pipeline is: YAML text -> hs_config (validated configuration) -> hs_net (compiled flat
 * arrays, neuron state and event queues) -> hs_net_run() -> recorders.  Every fallible function
 * returns HS_OK or an error code and fills an hs_error that names the file, line and column of
 * the offending YAML node where there is one.  Nothing here prints or exits.
 *
 * GSL: the library checks the status codes of the GSL functions it calls and reports their
 * failures in its hs_error; it does not change GSL's error handler, which is global to the
 * process.  GSL's default handler aborts the process on any error, so a program that embeds
 * hee-snn should call gsl_set_error_handler_off() (<gsl/gsl_errno.h>) once before it uses
 * the library, as the hee-snn program and examples/embed.c do.
 *
 * OpenBLAS: the hee-snn program runs OpenBLAS on one thread (the same bytes on every machine).
 * A hee: block with chains split among threads (threads: N > 1) sets OpenBLAS to one thread
 * when it is compiled, since its threads each call the products for their own chains (threaded
 * OpenBLAS called from two threads at once would make them wait on each other); otherwise the
 * library leaves OpenBLAS's thread count to the embedding program.
 */
#ifndef HEE_SNN_H
#define HEE_SNN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_API __attribute__((visibility("default")))

/* Status codes. */
enum {
    HS_OK = 0,
    HS_ECONFIG = 1,   /* invalid configuration or command line (exit status 2) */
    HS_EIO = 2,       /* a file could not be read or written */
    HS_ENOMEM = 3,    /* out of memory, or a size beyond the built-in limits */
    HS_ERUNTIME = 4,  /* numerical or internal failure during a run */
    HS_EINTR = 5      /* the run was interrupted */
};

typedef struct hs_error {
    int code;
    int line, col;     /* 1-based position in file, 0 when unknown */
    char file[1024];   /* the file the error is about, "" when none */
    char msg[1024];
} hs_error;

/* Format err GNU style ("FILE:LINE:COL: error: MSG") into buf; returns buf. */
HS_API const char *hs_error_format(const hs_error *err, char *buf, size_t n);

/* Version string of the library, e.g. "0.1.0". */
HS_API const char *hs_version(void);

/* ---- configuration -------------------------------------------------------------------- */

typedef struct hs_config hs_config;

/* Command-line overrides applied while loading; a field left at its "unset" value is ignored. */
typedef struct hs_overrides {
    int has_seed;
    uint64_t seed;
    const char *duration;  /* a quantity string such as "10 s", or NULL */
    const char *output;    /* output directory, or NULL */
    int threads;           /* threads for the engine (> 0), or 0 */
    const char *const *sets;   /* nsets "PATH=VALUE" strings (--set): the value at PATH of */
    int nsets;                 /* the file replaced or added, before it is read */
} hs_overrides;

/* Load and validate the network file at path.  On success *out owns a new configuration
 * (free with hs_config_free).  ov may be NULL. */
HS_API int hs_config_load(const char *path, const hs_overrides *ov, hs_config **out,
                          hs_error *err);
/* Same, from a string; name is used in error messages and to resolve relative file paths
 * (relative to the directory of name). */
HS_API int hs_config_load_string(const char *text, size_t len, const char *name,
                                 const hs_overrides *ov, hs_config **out, hs_error *err);
HS_API void hs_config_free(hs_config *cfg);

HS_API const char *hs_config_name(const hs_config *cfg);
HS_API const char *hs_config_output(const hs_config *cfg);
HS_API uint64_t hs_config_seed(const hs_config *cfg);
HS_API int hs_config_seed_generated(const hs_config *cfg);
HS_API double hs_config_duration(const hs_config *cfg);   /* ms */

/* Write the resolved configuration (all defaults filled in, seed included) as YAML. */
HS_API int hs_config_write(const hs_config *cfg, FILE *f, hs_error *err);

/* ---- run control ------------------------------------------------------------------------ */

/* Shared between a caller and a running command: the caller may set stop at any time (a signal
 * handler, another thread) to end the run early with complete output; the run keeps now_ms, the
 * model time reached, end_ms and phase current, so that another thread can show progress. */
typedef struct hs_control {
    volatile int stop;
    volatile double now_ms, end_ms;
    const char *volatile phase;   /* "simulating", "training", "generating", "sampling" */
} hs_control;

/* ---- compiled network and simulation ------------------------------------------------- */

typedef struct hs_net hs_net;

/* Compile cfg into flat arrays and initial state.  cfg must outlive the network. */
HS_API int hs_net_compile(const hs_config *cfg, hs_net **out, hs_error *err);
/* The same network split across the nranks processes of MPI_COMM_WORLD (a build configured
 * --with-mpi, MPI initialised by the caller or by mpirun's environment): this process, `rank`,
 * owns a range of neurons and builds only the synapses onto them; hs_net_run exchanges spikes
 * with the other processes at every slice, so every process must run the same calls.  Spikes
 * are the same, byte for byte, for any split.  Every process sees every spike (counts and the
 * spike sink: usually rank 0 records).  A network that cannot be split (hs_net_split_why)
 * still compiles; run it whole (nranks 1) on one process.  hs_net_run returns HS_ECONFIG when
 * nranks is not the number of MPI processes. */
HS_API int hs_net_compile_split(const hs_config *cfg, int rank, int nranks, hs_net **out,
                                hs_error *err);
/* Why the network cannot run in slices, and so neither on several threads nor split across
 * processes (a zero delay, a process stepping on a clock, ...), or NULL when it can. */
HS_API const char *hs_net_split_why(const hs_net *net);
/* The processes' exchange so far: synchronisations and bytes received (every process's
 * spikes), 0 when not split. */
HS_API void hs_net_exchange(const hs_net *net, uint64_t *syncs, uint64_t *bytes);
HS_API void hs_net_free(hs_net *net);

/* Print what the configuration compiled into (populations, sizes, synapse counts). */
HS_API void hs_net_describe(const hs_net *net, FILE *f);

/* Spike sink: called for each recorded spike, in time order. */
typedef int (*hs_spike_fn)(void *ctx, double t_ms, int pop, uint32_t neuron);
HS_API void hs_net_set_spike_sink(hs_net *net, hs_spike_fn fn, void *ctx);

/* Advance the simulation to time t_end (ms); events at times < t_end are processed.
 * Can be called repeatedly with increasing t_end.  *stop, if non-NULL, is polled and ends the
 * run early with HS_EINTR when it becomes non-zero. */
HS_API int hs_net_run(hs_net *net, double t_end, hs_control *ctl, hs_error *err);

HS_API double hs_net_time(const hs_net *net);
/* How the engine runs the network, chosen at the first hs_net_run (doc/network-format.md,
 * "Delays"): "slices of H ms" or "event queue (4-ary heap)" / "(calendar queue)", written to
 * buf; "not chosen yet" before the first run.  Returns buf. */
HS_API const char *hs_net_engine(const hs_net *net, char *buf, size_t n);
/* Threads at most, for hs_net_set_threads, 'threads:' and --threads. */
#define HS_MAX_THREADS 64
/* Threads the engine may use, before the first run (1 to 64; the file's 'threads:' when
 * compiled).  Only a network that runs in slices uses more than one; its spikes are the same,
 * byte for byte, for any number.  HS_ECONFIG after the first run or out of range. */
HS_API int hs_net_set_threads(hs_net *net, int n);
HS_API int hs_net_npops(const hs_net *net);
HS_API const char *hs_net_pop_name(const hs_net *net, int pop);
HS_API const char *hs_net_pop_model(const hs_net *net, int pop);
HS_API size_t hs_net_pop_size(const hs_net *net, int pop);
HS_API int hs_net_pop_find(const hs_net *net, const char *name);
HS_API uint64_t hs_net_pop_spikes(const hs_net *net, int pop);
HS_API uint64_t hs_net_events(const hs_net *net);         /* neuron events processed */
HS_API uint64_t hs_net_syn_events(const hs_net *net);     /* synaptic events delivered */
HS_API size_t hs_net_synapses(const hs_net *net);
/* Units of the hee: block's rate network (0 when there is none; per chain), its chains (1
 * without chains: or a hee: block) and update steps taken. */
HS_API size_t hs_net_hee_units(const hs_net *net);
HS_API unsigned hs_net_hee_chains(const hs_net *net);
HS_API uint64_t hs_net_hee_steps(const hs_net *net);

/* Boltzmann energy of a population of binary units: its bias vector and its recurrent
 * coupling (symmetric K x K, row-major, zero diagonal) as compiled.  Fails with HS_ECONFIG
 * if the population is not a binary sampling population or receives input from another
 * population.  Buffers are allocated by the callee; the caller frees them with free(). */
HS_API int hs_net_boltzmann(const hs_net *net, int pop, double **bias, double **w,
                            hs_error *err);

/* Exact continuous-time monitor of the joint binary state of one population (K <= 24):
 * time spent in each of the 2^K states since the monitor was enabled. */
HS_API int hs_net_monitor_states(hs_net *net, int pop, hs_error *err);
/* Copy the accumulated times (2^K doubles, ms) into out; returns the total time. */
HS_API double hs_net_state_times(const hs_net *net, double *out);

/* ---- running into an output directory ------------------------------------------------- */

typedef struct hs_run_result {
    char outdir[1024];
    int interrupted;
} hs_run_result;

/* Run net (compiled from cfg) for the configured duration and write spikes.tsv, config.yaml
 * and (if asked for) distribution.tsv into the configured output directory.  Files are
 * written under temporary names and renamed into place at the end, so earlier results are
 * never left half-overwritten.  If *stop becomes non-zero the run ends early, the files hold
 * what was simulated and are marked as interrupted, and HS_EINTR is returned.  In a run split
 * across processes (hs_net_compile_split) every process calls it; process 0 writes the files,
 * the others only run. */
HS_API int hs_run_to_dir(const hs_config *cfg, hs_net *net, hs_control *ctl,
                         hs_run_result *res, hs_error *err);

/* One trial of run --seeds: its seed, how it ended, and its spike counts per population. */
typedef struct hs_trial {
    uint64_t seed;
    const char *status;        /* "complete", "interrupted" or "failed" */
    double wall_s, simulated_ms;
    uint64_t *spikes;          /* per population (npops), or NULL when it failed early */
} hs_trial;

/* trials.tsv in dir (written under a temporary name, renamed into place): one row per trial,
 * seed, status, wall and simulated time, then spikes and rate (Hz per neuron) of each of the
 * npops populations (names, sizes). */
HS_API int hs_trials_write(const char *dir, const char *network, const hs_trial *t, size_t n,
                           const char *const *names, const size_t *sizes, int npops,
                           hs_error *err);

/* ---- comparing samplers ------------------------------------------------------------------ */

/* Sample the hee: block of cfg with every sampler that applies (its rate realisation as written
 * and with adaptation toggled, an optional sweep "KEY=V1,V2,..." over m or tau_eps (ms), and for
 * linear models the exact answer, plain and underdamped Langevin and Gibbs), each for cfg's
 * duration; write compare.tsv and compare.txt into cfg's output directory and the readable
 * table to out (may be NULL).  doc/hee.md explains the columns. */
HS_API int hs_compare_to_dir(const hs_config *cfg, const char *sweep, FILE *out,
                             hs_error *err);

/* ---- analysis ---------------------------------------------------------------------------- */

/* Analyse the output directory of a run: for a population of binary units (pop, or the only
 * one when NULL), compare the sampled joint distribution with the exact Boltzmann
 * distribution by enumeration; print a report with the KL divergence at `points` successive
 * times (T/2^k), visited and unvisited states, and the marginals. */
HS_API int hs_analyze_dir(const char *outdir, const char *pop, int points, FILE *out,
                          hs_error *err);

/* ---- learning (doc/learning.md) -------------------------------------------------------- */

typedef struct hs_train_result {
    char outdir[1024];
    uint64_t steps, items, epochs;         /* at the end */
    double t_start, t_end;                 /* model time, ms (t_start > 0 after resume) */
    int has_loglik;                        /* the model's exact log-likelihood is computable
                                            * (1), or estimated at the end by AIS (2) */
    double loglik_train, loglik_holdout;   /* the last evaluation (nats per item); NaN if none */
    double loglik_max;                     /* the best any parameters reach on the training
                                            * items, where a closed form exists (probabilistic
                                            * PCA); NaN otherwise */
    double wall;                           /* seconds */
    int interrupted, resumed;
    int no_checkpoint;                     /* (learn: method: wake-sleep writes none) */
} hs_train_result;

/* Does cfg train (a hee: block with data: and learn:)? */
HS_API int hs_config_trains(const hs_config *cfg);

/* Train cfg's hee: block with local plasticity for cfg's duration of model time and write into
 * its output directory model.yaml (the trained network, loadable by hs_config_load),
 * learning.tsv (the learning curve), config.yaml and checkpoint.bin, each atomically.  With
 * resume, continue from the directory's checkpoint.bin: the result is bit for bit that of an
 * uninterrupted run.  ctl (may be NULL): ctl->stop ends the run early with a checkpoint and
 * complete files; the return is then HS_EINTR. */
HS_API int hs_train_to_dir(const hs_config *cfg, int resume, hs_control *ctl,
                           hs_train_result *res, hs_error *err);

/* ---- restricted Boltzmann machines (doc/rbm.md) ---------------------------------------- */

typedef struct hs_rbm_result {
    char outdir[1024];
    uint64_t epochs;                       /* trained */
    double loglik_train, loglik_holdout;   /* nats per item at the end; NaN if not computed */
    double loglik_se;                      /* their standard error from AIS (0: exact);
                                            * a DBN by AIS: loglik_train's */
    double loglik_holdout_se;              /* a DBN by AIS: loglik_holdout's */
    uint64_t ais_items[2];                 /* a DBN by AIS: the training and held-out items
                                            * scored (else 0) */
    double logz, logz_se;                  /* log Z and its standard error (0: exact) */
    int exact;                             /* log Z by enumeration (else AIS, or none) */
    double wall;                           /* seconds of training */
    int interrupted;
} hs_rbm_result;

/* Is cfg an rbm: file? */
HS_API int hs_config_is_rbm(const hs_config *cfg);

/* Train cfg's rbm: block on its data set for its epochs and write into its output directory
 * learning.tsv (one row per epoch: the exact log-likelihood where the smaller layer has at most
 * 20 units, else at the end by AIS), weights.tsv, biases.tsv, samples.tsv (and samples.png,
 * filters.png for pictures) and config.yaml, each atomically.  ctl->stop ends training after
 * the current epoch with complete files (return HS_EINTR). */
HS_API int hs_rbm_train_to_dir(const hs_config *cfg, hs_control *ctl, hs_rbm_result *res,
                               hs_error *err);

/* ---- generation (doc/learning.md) ------------------------------------------------------ */

typedef enum { HS_GEN_MARGINAL = 0, HS_GEN_JOINT = 1 } hs_gen_mode;

typedef struct hs_gen_opts {
    hs_gen_mode mode;
    size_t samples;      /* how many (0: 100) */
    double every;        /* joint: model time between samples, ms (<= 0: 10 tau_x) */
    double burnin;       /* joint: model time before the first, ms (< 0: 20 tau_x) */
    double settle;       /* marginal: model time per layer per sample, ms (<= 0: 10 tau_eps) */
    int means;           /* write E[T(x_0) | the layer above] instead of the sampled x_0 */
} hs_gen_opts;

typedef struct hs_gen_result {
    char outdir[1024];
    size_t samples;
    double model_ms, wall;
    int png;             /* samples.png was written (layer 0 has a shape) */
    int interrupted;
} hs_gen_result;

/* Generate data from cfg's hee: block with layer 0 free (a clamp or data set is ignored):
 * marginal generation samples ancestrally through the interneurons, top layer first, each layer
 * given the one above, for `settle` each; joint generation runs the whole network and reads
 * layer 0 every `every`.  Writes samples.tsv (and samples.png, a grid of up to 100, when layer 0
 * has a shape) into cfg's output directory, atomically.  ctl->stop (ctl may be NULL) ends early
 * with the samples so far (HS_EINTR). */
HS_API int hs_generate_to_dir(const hs_config *cfg, const hs_gen_opts *o, hs_control *ctl,
                              hs_gen_result *res, hs_error *err);

/* ---- provenance ------------------------------------------------------------------------ */

/* Write DIR/run.yaml (atomically): version, command line, UTC date, host, seed, network,
 * status ("complete", "interrupted"), wall time and the SHA-256 of every input file cfg names.
 * command may be NULL. */
HS_API int hs_write_provenance(const hs_config *cfg, const char *dir, const char *command,
                               const char *status, double wall_s, hs_error *err);

/* ---- export and plots (doc/formats.md) ------------------------------------------------- */

/* Convert OUTDIR/spikes.tsv of a finished run into format "nest" (NEST's ASCII spike recorder)
 * or "sonata" (SONATA HDF5), written atomically to out_path, or by default OUTDIR/
 * spikes.nest.dat or spikes.sonata.h5; the path written goes to written (may be NULL), also
 * when writing it fails (an error about that file then names it). */
HS_API int hs_export_dir(const char *outdir, const char *format, const char *out_path,
                         char *written, size_t written_len, hs_error *err);

/* Draw KIND ("raster", "rate", "isi", "kl", "compare", "learning", "samples", "fields") from a
 * results directory or the file itself into out (.png or .svg, written atomically): raster in
 * the window [t0, t1) ms (t1 <= t0: all), rate in bins of bin_ms (<= 0: 100 ms), isi of one
 * population (NULL: each). */
HS_API int hs_plot_dir(const char *kind, const char *input, const char *out, double t0,
                       double t1, double bin_ms, const char *population, hs_error *err);

#ifdef __cplusplus
}
#endif
#endif
