/* main.c -- the hee-snn command line: run, train, validate, analyze, compare
 *
 * The only place that prints to the user or exits.  Exit status: 0 success, 1 runtime
 * failure, 2 usage or configuration error, 130 interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>

#include "hs-config.h"
#include "hee-snn/hee-snn.h"
#include "util/blas.h"
#include "util/clock.h"
#include "util/comm.h"

static hs_control g_ctl;
/* A run split across MPI processes is under way: an error in one process must end them all
 * (the others would wait for it at the next exchange). */
static int g_split;

static void on_signal(int sig)
{
    (void)sig;
    g_ctl.stop = 1;
}

/* ---- the progress line: stderr, when it is a terminal and --quiet is not given ----------- */

static pthread_t g_progress;
static volatile int g_progress_on;

static void fmt_dur(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e7)
        snprintf(buf, n, "?");
    else if (s < 60)
        snprintf(buf, n, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

static void *progress_loop(void *arg)
{
    (void)arg;
    const char *phase = NULL;
    double t0 = hs_wall_s(), x0 = 0;
    while (g_progress_on) {
        struct timespec ts = {0, 250000000};
        nanosleep(&ts, NULL);
        const char *ph = g_ctl.phase;
        double now = g_ctl.now_ms, end = g_ctl.end_ms, w = hs_wall_s();
        if (!ph || !(end > 0))
            continue;
        if (ph != phase) {   /* a new phase: its own rate and ETA */
            phase = ph;
            t0 = w;
            x0 = now;
        }
        int samples = !strcmp(ph, "generating");
        double rate = w > t0 ? (now - x0) / (w - t0) : 0;   /* per wall second */
        char eta[32], line[256];
        fmt_dur(eta, sizeof eta, rate > 0 ? (end - now) / rate : -1);
        if (samples)
            snprintf(line, sizeof line, "%s %5.1f%%  %.0f of %.0f samples  ETA %s", ph,
                     100 * now / end, now, end, eta);
        else
            snprintf(line, sizeof line, "%s %5.1f%%  %.4g of %.4g s model time  "
                     "real-time factor %.3g  ETA %s", ph, 100 * now / end, now * 1e-3,
                     end * 1e-3, rate * 1e-3, eta);
        fprintf(stderr, "\r%-78.78s", line);
        fflush(stderr);
    }
    return NULL;
}

static void progress_start(int quiet)
{
    if (quiet || !isatty(STDERR_FILENO))
        return;
    g_progress_on = 1;
    if (pthread_create(&g_progress, NULL, progress_loop, NULL) != 0)
        g_progress_on = 0;
}

static void progress_stop(void)
{
    if (!g_progress_on)
        return;
    g_progress_on = 0;
    pthread_join(g_progress, NULL);
    fprintf(stderr, "\r%78s\r", "");
}

/* The command line, for run.yaml. */
static char g_cmdline[4096];

static void keep_cmdline(int argc, char **argv)
{
    size_t used = 0;
    for (int i = 0; i < argc && used + 4 < sizeof g_cmdline; i++) {
        int q = strpbrk(argv[i], " \t'\"") != NULL || !argv[i][0];
        int k = snprintf(g_cmdline + used, sizeof g_cmdline - used, "%s%s%s%s", i ? " " : "",
                         q ? "'" : "", argv[i], q ? "'" : "");
        if (k < 0)
            break;
        used += (size_t)k;
    }
    if (used >= sizeof g_cmdline)
        g_cmdline[sizeof g_cmdline - 1] = '\0';
}

/* run.yaml beside the results; a failure to write it is reported but does not fail the run. */
static void provenance(const hs_config *cfg, const char *dir, int interrupted, double wall)
{
    hs_error err = {0};
    char buf[2300];
    if (hs_write_provenance(cfg, dir, g_cmdline, interrupted ? "interrupted" : "complete", wall,
                            &err))
        fprintf(stderr, "hee-snn: warning: run.yaml: %s\n", hs_error_format(&err, buf,
                                                                            sizeof buf));
}

static const char usage_text[] =
    "Usage: hee-snn COMMAND [OPTIONS]\n"
    "\n"
    "Event-driven spiking network simulator for sampling-based neural computation.\n"
    "\n"
    "Commands:\n"
    "  run NET.yaml [--seed N | --seeds N|S1,S2,...] [--duration T] [--output DIR]\n"
    "               [--threads N] [--set PATH=VALUE ...] [--quiet]\n"
    "      Simulate the network; write spikes.tsv and config.yaml into the output\n"
    "      directory (default out/<name>) and print a summary; with 'record:\n"
    "      variables:' also variables.tsv (state variables such as a LIF's v sampled\n"
    "      every T), with 'record: rates:' rates.tsv (population rates in bins).\n"
    "      e.g. record: {variables: {every: 1 ms, populations: {exc: [0, 1]}},\n"
    "                    rates: {bin: 10 ms}}\n"
    "      A file whose hee: block has data: and learn: is trained (as by 'train').\n"
    "  train NET.yaml [--resume] [--seed N] [--duration T] [--output DIR]\n"
    "                 [--threads N] [--set PATH=VALUE ...] [--quiet]\n"
    "      Train the hee: block on its data set with local plasticity; write\n"
    "      model.yaml (the trained network), learning.tsv (learning curve with exact\n"
    "      log-likelihoods where computable), config.yaml and checkpoint.bin.\n"
    "      --resume continues from OUTDIR/checkpoint.bin, bit for bit; a longer\n"
    "      --duration extends a finished run.  hee: chains: B trains B copies at\n"
    "      once, each on its own item, the rule averaged over them (a minibatch),\n"
    "      split among --threads N (the same model for any N); e.g.\n"
    "      --set hee.chains=100 --threads 2.  An rbm: file trains a restricted\n"
    "      Boltzmann machine (CD-k, PCD, mean-field; hidden: [n1, n2] stacks a deep\n"
    "      belief net) for its epochs: learning.tsv (exact or AIS log-likelihood),\n"
    "      weights.tsv, biases.tsv, samples.tsv.\n"
    "  generate NET.yaml [--mode marginal|joint] [--samples N] [--settle T]\n"
    "           [--every T] [--burnin T] [--means] [--seed N] [--output DIR]\n"
    "           [--threads N] [--set PATH=VALUE ...] [--quiet]\n"
    "      Generate data from the hee: block (e.g. a trained model.yaml) with layer 0\n"
    "      free: marginal = ancestral through the interneurons, top layer first, each\n"
    "      layer for --settle (default 10 tau_eps); joint = the whole network run free,\n"
    "      layer 0 read every --every (default 10 tau_x) after --burnin (20 tau_x).\n"
    "      --means writes E[T(x_0) | the layer above] instead of the noisy sample.\n"
    "      Writes samples.tsv, and samples.png when layer 0 has a shape.  With\n"
    "      hee: chains: B every round takes one sample from each of the B chains.\n"
    "  export OUTDIR --format nest|gdf|sonata [--output FILE] [--quiet]\n"
    "      Write a run's spikes.tsv in NEST 3's ASCII spike-recorder layout (global ids\n"
    "      from 1), NEST 2's GDF (what Neo's NestIO reads) or as a SONATA HDF5 spike\n"
    "      file (a group per recorded population); default OUTDIR/spikes.nest.dat,\n"
    "      OUTDIR/spikes.gdf or OUTDIR/spikes.sonata.h5. (record: {format: ...} does it\n"
    "      at the end of a run.) Example: hee-snn export out/brunel-small --format gdf\n"
    "  plot OUTDIR|FILE [--kind K] [--output FILE.png|.svg] [--window T0:T1]\n"
    "       [--bin T] [--population NAME] [--quiet]\n"
    "      Draw K = raster (default), rate, isi (ISI and CV histograms), kl (from\n"
    "      analyze), compare, learning, samples or fields; default OUTDIR/plot-K.png.\n"
    "      --window restricts raster, rate, isi, kl and learning to those times, e.g.\n"
    "      hee-snn plot out/hee-learn-ppca --kind learning --window '10 s:40 s'\n"
    "  validate NET.yaml [--describe] [--set PATH=VALUE ...]\n"
    "      Parse and compile only; print the errors, or what it compiled into.\n"
    "  analyze OUTDIR [--population NAME] [--points N]\n"
    "      Compare the sampled joint state of a population of binary units with the\n"
    "      exact Boltzmann distribution: KL divergence at successive times, marginals.\n"
    "  compare NET.yaml [--sweep KEY=V1,V2,...] [--seed N] [--duration T] [--output DIR]\n"
    "          [--set PATH=VALUE ...] [--quiet]\n"
    "      Sample the file's hee: block several ways (rate and spike realisations, each\n"
    "      with and without adaptation, a sweep over m, tau_eps, neurons_per_unit,\n"
    "      tau_syn, rate_per_unit or r_max, and for linear models the exact answer,\n"
    "      Langevin, underdamped Langevin and Gibbs); write compare.tsv and compare.txt:\n"
    "      mean, variance and correlation errors with their Monte Carlo errors, KL,\n"
    "      autocorrelation time, effective samples per second and per spike.  A model\n"
    "      with bernoulli layers is compared with its enumerated distribution: Gibbs,\n"
    "      Glauber, exchange pools, neural-sampling spikes, DLP, perturb-and-MAP\n"
    "      (--sweep tau_eps=...).\n"
    "  --help, --version\n"
    "\n"
    "Options:\n"
    "  --seed N         master random seed (overrides the file); 0 is a valid seed\n"
    "  --duration T     simulated time with a unit, e.g. '10 s' (overrides the file)\n"
    "  --threads N      threads for a network that runs in slices (every synapse with a\n"
    "                   delay; the same spikes for any N), e.g. --threads 2 (overrides\n"
    "                   the file's 'threads:'; default 1)\n"
    "  --output DIR     output directory (overrides the file)\n"
    "  --set PATH=VALUE replace a value of the network file by its path (keys joined by\n"
    "                   '.', list items by index; repeatable; run, train, generate,\n"
    "                   validate, compare), e.g. --set 'populations.exc.params.tau_m=25 ms'\n"
    "  --seeds N|S1,... (run) one trial per seed into OUT/seed-S, summed up in\n"
    "                   OUT/trials.tsv; N: seeds S..S+N-1 from --seed, the file's, or 1\n"
    "  --quiet          no summary on standard output\n"
    "  --resume         (train) continue from the output directory's checkpoint\n"
    "\n"
    "While a run, train or generate runs, a progress line on standard error shows the\n"
    "phase, percent, model time, real-time factor and ETA (only when standard error is a\n"
    "terminal, and not with --quiet). Every output directory gets run.yaml: version,\n"
    "command line, date, host, seed and the SHA-256 of every input file.\n"
    "\n"
    "Environment: HEE_SNN_QUEUE=heap|calendar makes the engine use its event queue of\n"
    "that kind, not slices (same spikes; by default a network whose synapses all have\n"
    "delays runs in slices of its smallest delay, doc/network-format.md; the summary's\n"
    "'engine:' line says which ran).\n"
    "  HEE_SNN_QUEUE=heap hee-snn run bench/brunel-2000.yaml --duration '100 ms'\n"
    "\n"
    "Processes: in a build configured --with-mpi, 'run' under mpirun splits a network\n"
    "that runs in slices across the processes (each owns a range of neurons and builds\n"
    "the synapses onto them; spikes are exchanged once per slice, in one collective):\n"
    "the same spikes for any number of processes and threads; process 0 writes the\n"
    "output directory. HEE_SNN_MPI=1 starts MPI under a launcher other than mpirun;\n"
    "HEE_SNN_EXCHANGE=sizes exchanges sizes then spikes (two collectives) and\n"
    "HEE_SNN_EXCHANGE_BLOCK=BYTES sets the first, smallest block of the one (doc/cli.md).\n"
    "  mpirun -np 2 hee-snn run examples/brunel-drive.yaml --threads 2\n\n"
    "Exit status: 0 success; 1 runtime failure (including output that cannot be\n"
    "written, a corrupt checkpoint, and a network that cannot fit in the memory the\n"
    "process may use, refused before it is built: doc/network-format.md); 2 usage\n"
    "or configuration error, or input that cannot be read (a data file's errors at\n"
    "the line of the network file that names it); 130 interrupted (the output files\n"
    "hold what was simulated).\n"
    "\n"
    "Example:\n"
    "  hee-snn run examples/boltzmann.yaml && hee-snn analyze out/boltzmann\n"
    "  hee-snn compare examples/hee-linear-gaussian.yaml --sweep m=0.5,2\n"
    "  hee-snn validate --describe examples/hee-spike.yaml   # spiking neurons per unit, noise load\n"
    "  hee-snn train examples/hee-learn-ppca.yaml && hee-snn run out/hee-learn-ppca/model.yaml\n"
    "  hee-snn train examples/hee-fashion.yaml --set hee.chains=100 --threads 2\n"
    "  hee-snn train examples/rbm-bars-stripes.yaml --set rbm.method=pcd\n"
    "  hee-snn generate out/hee-learn-ppca/model.yaml --mode joint --samples 500\n"
    "  hee-snn run examples/brunel-small.yaml     # LIF, delays 1.5 ms, Poisson drive\n"
    "\n"
    "Models: lif, poisson, spike_generator, inhomogeneous_poisson, neural_sampling,\n"
    "glauber, point_process; their parameters, e.g. lif's drive_rate and drive_weight\n"
    "(a Poisson drive per neuron), are in doc/models.md.  A spike_generator fires\n"
    "at given times:\n"
    "  stim: {model: spike_generator, size: 2, times: [[1 ms, 5 ms], [2 ms]]}\n"
    "and an inhomogeneous_poisson at a rate that changes over time:\n"
    "  in: {model: inhomogeneous_poisson, size: 100,\n"
    "       rates: {times: [0 ms, 200 ms], values: [5 Hz, 40 Hz]}}\n"
    "Documentation: doc/ in the source tree (doc/network-format.md for the YAML keys).\n";

/* hee-snn CMD --help: that command's entry of the usage text, then the options and an
 * example; the whole text for an unknown command. */
static void command_help(const char *cmd)
{
    char key[64];
    snprintf(key, sizeof key, "\n  %s ", cmd);
    const char *a = strstr(usage_text, key);
    if (!a) {
        fputs(usage_text, stdout);
        return;
    }
    a++;
    /* the entry ends at the next line that starts a command: two spaces, then a letter */
    const char *b = a + 1;
    for (;;) {
        b = strchr(b, '\n');
        if (!b || (b[1] == ' ' && b[2] == ' ' && (b[3] == '-' || (b[3] >= 'a' && b[3] <= 'z'))))
            break;
        b++;
    }
    printf("Usage: hee-snn %.*s\n\n", (int)(b ? b - a - 2 : (long)strlen(a) - 2), a + 2);
    const char *opts = strstr(usage_text, "\nOptions:");
    const char *end = opts ? strstr(opts, "\n\nExit status") : NULL;
    if (opts && end)
        printf("%.*s\n", (int)(end - opts - 1), opts + 1);
    printf("\nSee 'hee-snn --help' for every command, and doc/cli.md.\n");
}

static int report(const hs_error *err)
{
    char buf[2300];
    if (g_split)   /* say which process */
        fprintf(stderr, "hee-snn (process %d of %d): %s\n", hs_comm_rank(), hs_comm_size(),
                hs_error_format(err, buf, sizeof buf));
    else if (hs_comm_rank() == 0)   /* every process read the same file: one says it */
        fprintf(stderr, "hee-snn: %s\n", hs_error_format(err, buf, sizeof buf));
    return err->code == HS_ECONFIG ? 2 : err->code == HS_EINTR ? 130 : 1;
}

/* Errors in reading the user's input (the network file, its data files, a results directory to
 * analyse) are usage errors: exit status 2, as for an invalid configuration. */
static int report_input(const hs_error *err)
{
    int st = report(err);
    return err->code == HS_EIO ? 2 : st;
}

/* export and plot: an error about the output file out (it cannot be created or written) is a
 * runtime failure, exit status 1; one about what they read is an input error, as above. */
static int report_output(const hs_error *err, const char *out)
{
    if (err->code == HS_EIO && out[0] && !strcmp(err->file, out))
        return report(err);
    return report_input(err);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "hee-snn: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'hee-snn --help'.\n");
    return 2;
}

enum {
    OPT_SEED = 256, OPT_DURATION, OPT_OUTPUT, OPT_QUIET, OPT_DESCRIBE, OPT_POP, OPT_POINTS,
    OPT_SWEEP, OPT_RESUME, OPT_MODE, OPT_SAMPLES, OPT_SETTLE, OPT_EVERY, OPT_BURNIN, OPT_MEANS,
    OPT_FORMAT, OPT_KIND, OPT_WINDOW, OPT_BIN, OPT_THREADS, OPT_SET, OPT_SEEDS
};

#define MAX_SETS 64     /* --set options on one command line */
#define MAX_SEEDS 10000 /* trials of one --seeds */

static const struct option long_opts[] = {
    {"seed", required_argument, NULL, OPT_SEED},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"describe", no_argument, NULL, OPT_DESCRIBE},
    {"population", required_argument, NULL, OPT_POP},
    {"points", required_argument, NULL, OPT_POINTS},
    {"sweep", required_argument, NULL, OPT_SWEEP},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"mode", required_argument, NULL, OPT_MODE},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"settle", required_argument, NULL, OPT_SETTLE},
    {"every", required_argument, NULL, OPT_EVERY},
    {"burnin", required_argument, NULL, OPT_BURNIN},
    {"means", no_argument, NULL, OPT_MEANS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"kind", required_argument, NULL, OPT_KIND},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"bin", required_argument, NULL, OPT_BIN},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"set", required_argument, NULL, OPT_SET},
    {"seeds", required_argument, NULL, OPT_SEEDS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct opts {
    hs_overrides ov;
    int quiet, describe, points, resume;
    const char *pop;
    const char *sweep;
    const char *file;
    hs_gen_opts gen;
    const char *format, *kind;
    double t0, t1, bin;
    const char *sets[MAX_SETS];   /* --set PATH=VALUE, in order (ov.sets points here) */
    uint64_t *seeds;               /* --seeds: the trials' seeds (malloc'd), or NULL */
    size_t nseeds;
} opts;

/* A time option ("10 ms", "1 s") into ms; 0 and the value, or a usage error. */
static int time_opt(const char *opt, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    while (*end == ' ')
        end++;
    double unit = !strcmp(end, "ms") ? 1 : !strcmp(end, "s") ? 1e3 : !strcmp(end, "us") ? 1e-3
                                                                                       : -1;
    if (end == arg || unit < 0 || !(v >= 0) || !isfinite(v)) {
        fprintf(stderr, "hee-snn: %s takes a time with a unit (us, ms, s), e.g. '10 ms', got "
                        "'%s'\nTry 'hee-snn --help'.\n", opt, arg);
        return 2;
    }
    *out = v * unit;
    return 0;
}

/* The options each command takes (as its synopsis in --help lists them); any other is a usage
 * error rather than silently ignored. */
static const struct {
    const char *cmd;
    int opts[12];   /* ended by 0 */
} cmd_opts[] = {
    {"run", {OPT_SEED, OPT_SEEDS, OPT_DURATION, OPT_OUTPUT, OPT_THREADS, OPT_SET, OPT_QUIET}},
    {"train", {OPT_RESUME, OPT_SEED, OPT_DURATION, OPT_OUTPUT, OPT_THREADS, OPT_SET, OPT_QUIET}},
    {"generate", {OPT_MODE, OPT_SAMPLES, OPT_SETTLE, OPT_EVERY, OPT_BURNIN, OPT_MEANS, OPT_SEED,
                  OPT_OUTPUT, OPT_THREADS, OPT_SET, OPT_QUIET}},
    {"export", {OPT_FORMAT, OPT_OUTPUT, OPT_QUIET}},
    {"plot", {OPT_KIND, OPT_OUTPUT, OPT_WINDOW, OPT_BIN, OPT_POP, OPT_QUIET}},
    {"validate", {OPT_DESCRIBE, OPT_SET}},
    {"analyze", {OPT_POP, OPT_POINTS}},
    {"compare", {OPT_SWEEP, OPT_SEED, OPT_DURATION, OPT_OUTPUT, OPT_SET, OPT_QUIET}},
};

/* 0 when command cmd takes option code c, else a usage error that lists what it takes. */
static int opt_allowed(const char *cmd, int c)
{
    for (size_t k = 0; k < sizeof cmd_opts / sizeof *cmd_opts; k++) {
        if (strcmp(cmd_opts[k].cmd, cmd))
            continue;
        const int *a = cmd_opts[k].opts;
        for (int j = 0; a[j]; j++)
            if (a[j] == c)
                return 0;
        const char *name = "?";
        for (const struct option *lo = long_opts; lo->name; lo++)
            if (lo->val == c)
                name = lo->name;
        fprintf(stderr, "hee-snn: '%s' does not take --%s; its options:", cmd, name);
        for (int j = 0; a[j]; j++)
            for (const struct option *lo = long_opts; lo->name; lo++)
                if (lo->val == a[j])
                    fprintf(stderr, " --%s", lo->name);
        fprintf(stderr, "\nTry 'hee-snn %s --help'.\n", cmd);
        return 2;
    }
    return 0;   /* (every command is in the table: tests/e2e.sh checks each) */
}

/* --seeds N (the seeds S .. S + N - 1, S from --seed, the file or 1) or a list 3,7,11. */
static int parse_seeds(const char *arg, opts *o)
{
    free(o->seeds);
    o->seeds = NULL;
    o->nseeds = 0;
    const int list = strchr(arg, ',') != NULL;
    size_t cap = list ? 1 : 0;
    for (const char *c = arg; *c; c++)
        cap += *c == ',';
    if (!list) {   /* a count: the seeds are chosen once the base is known (o->nseeds only) */
        char *end;
        errno = 0;
        unsigned long long v = strtoull(arg, &end, 10);
        if (!arg[0] || arg[0] == '-' || *end || errno || v < 1 || v > MAX_SEEDS)
            return usage_error("--seeds takes a count from 1 to 10000 or a list of seeds "
                               "such as 3,7,11, got '%s'", arg);
        o->nseeds = (size_t)v;
        return 0;
    }
    if (cap > MAX_SEEDS || !(o->seeds = malloc(cap * sizeof *o->seeds)))
        return usage_error("--seeds: at most 10000 seeds, got '%s'", arg);
    for (const char *c = arg;;) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(c, &end, 10);
        if (end == c || *c == '-' || *c == '+' || errno || (*end && *end != ','))
            return usage_error("--seeds: a list of whole numbers >= 0 such as 3,7,11, got "
                               "'%s'", arg);
        for (size_t k = 0; k < o->nseeds; k++)
            if (o->seeds[k] == v)
                return usage_error("--seeds: seed listed twice in '%s'", arg);
        o->seeds[o->nseeds++] = v;
        if (!*end)
            break;
        c = end + 1;
    }
    return 0;
}

static int parse_opts_in(int argc, char **argv, const char *cmd, opts *o);

/* The options of cmd into o; on a usage error nothing stays allocated (o->seeds). */
static int parse_opts(int argc, char **argv, const char *cmd, opts *o)
{
    int rc = parse_opts_in(argc, argv, cmd, o);
    if (rc) {
        free(o->seeds);
        o->seeds = NULL;
    }
    return rc;
}

static int parse_opts_in(int argc, char **argv, const char *cmd, opts *o)
{
    memset(o, 0, sizeof *o);
    o->points = 10;
    o->gen.burnin = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (c >= OPT_SEED && opt_allowed(cmd, c))
            return 2;
        switch (c) {
        case OPT_SEED: {
            char *end;
            errno = 0;
            if (optarg[0] == '-' || !optarg[0])
                return usage_error("--seed takes a whole number >= 0, got '%s'", optarg);
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || errno)
                return usage_error("--seed takes a whole number >= 0, got '%s'", optarg);
            o->ov.has_seed = 1;
            o->ov.seed = v;
            break;
        }
        case OPT_DURATION: o->ov.duration = optarg; break;
        case OPT_THREADS: {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (*end || errno || v < 1 || v > HS_MAX_THREADS || !optarg[0])
                return usage_error("--threads takes a whole number from 1 to 64, got '%s'",
                                   optarg);
            _Static_assert(HS_MAX_THREADS == 64, "the message above names the limit");
            o->ov.threads = (int)v;
            break;
        }
        case OPT_OUTPUT: o->ov.output = optarg; break;
        case OPT_SET:
            if (o->ov.nsets == MAX_SETS)
                return usage_error("at most %s --set options", "64");
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return usage_error("--set takes PATH=VALUE, e.g. --set "
                                   "populations.exc.size=800, got '%s'", optarg);
            o->sets[o->ov.nsets++] = optarg;
            o->ov.sets = o->sets;
            break;
        case OPT_SEEDS:
            if (parse_seeds(optarg, o))
                return 2;
            break;
        case OPT_QUIET: o->quiet = 1; break;
        case OPT_DESCRIBE: o->describe = 1; break;
        case OPT_POP: o->pop = optarg; break;
        case OPT_SWEEP: o->sweep = optarg; break;
        case OPT_RESUME: o->resume = 1; break;
        case OPT_MODE:
            if (!strcmp(optarg, "marginal"))
                o->gen.mode = HS_GEN_MARGINAL;
            else if (!strcmp(optarg, "joint"))
                o->gen.mode = HS_GEN_JOINT;
            else
                return usage_error("--mode is 'marginal' or 'joint', got '%s'", optarg);
            break;
        case OPT_SAMPLES: {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 1 || v > 100000000)
                return usage_error("--samples takes a number from 1 to 1e8, got '%s'", optarg);
            o->gen.samples = (size_t)v;
            break;
        }
        case OPT_MEANS: o->gen.means = 1; break;
        case OPT_FORMAT: o->format = optarg; break;
        case OPT_KIND: o->kind = optarg; break;
        case OPT_BIN:
            if (time_opt("--bin", optarg, &o->bin))
                return 2;
            break;
        case OPT_WINDOW: {
            char a[64], b[64];
            const char *colon = strchr(optarg, ':');
            if (!colon || colon - optarg >= 63 || strlen(colon + 1) >= 63)
                return usage_error("--window takes T0:T1 with units, e.g. '1 s:2 s', got '%s'",
                                   optarg);
            snprintf(a, sizeof a, "%.*s", (int)(colon - optarg), optarg);
            snprintf(b, sizeof b, "%s", colon + 1);
            if (time_opt("--window", a, &o->t0) || time_opt("--window", b, &o->t1))
                return 2;
            if (!(o->t1 > o->t0))
                return usage_error("--window needs T1 after T0, got '%s'", optarg);
            break;
        }
        case OPT_SETTLE:
            if (time_opt("--settle", optarg, &o->gen.settle))
                return 2;
            break;
        case OPT_EVERY:
            if (time_opt("--every", optarg, &o->gen.every))
                return 2;
            break;
        case OPT_BURNIN:
            if (time_opt("--burnin", optarg, &o->gen.burnin))
                return 2;
            break;
        case OPT_POINTS: {   /* (issue 14, audit defect 11: '5abc' was taken as 5) */
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || errno || v < 1 || v > 60)
                return usage_error("--points takes a number from 1 to 60, got '%s'", optarg);
            o->points = (int)v;
            break;
        }
        case 'h': command_help(cmd); exit(0);
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error("'%s' takes exactly one file or directory argument", cmd);
    o->file = argv[optind];
    return 0;
}

static int cmd_validate(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "validate", &o);
    if (rc)
        return rc;
    hs_error err = {0};
    hs_config *cfg;
    hs_net *net;
    if (hs_config_load(o.file, &o.ov, &cfg, &err))
        return report_input(&err);
    if (hs_config_is_rbm(cfg)) {
        printf("%s: ok (rbm: trained with 'hee-snn train')\n", o.file);
        hs_config_free(cfg);
        return 0;
    }
    if (hs_net_compile(cfg, &net, &err)) {
        hs_config_free(cfg);
        return report(&err);
    }
    if (o.describe) {
        hs_net_describe(net, stdout);
    } else {   /* what it compiled into: populations, their neurons, synapses, hee: units */
        size_t neurons = 0;
        for (int p = 0; p < hs_net_npops(net); p++)
            neurons += hs_net_pop_size(net, p);
        printf("%s: ok (%d population%s, %zu neuron%s, %zu synapse%s", o.file,
               hs_net_npops(net), hs_net_npops(net) == 1 ? "" : "s", neurons,
               neurons == 1 ? "" : "s", hs_net_synapses(net),
               hs_net_synapses(net) == 1 ? "" : "s");
        const size_t units = hs_net_hee_units(net);
        if (units)
            printf("; hee: %zu unit%s", units, units == 1 ? "" : "s");
        if (units && hs_net_hee_chains(net) > 1)
            printf(" in each of %u chains", hs_net_hee_chains(net));
        printf(")\n");
    }
    hs_net_free(net);
    hs_config_free(cfg);
    return 0;
}

static void catch_signals(void);

/* A command other than train and validate given an rbm: file: exit 2 saying what to do. */
static int rbm_refused(hs_config *cfg, const char *file, const char *cmd)
{
    fprintf(stderr, "hee-snn: %s: error: an rbm: file is trained, not %s: hee-snn train %s "
                    "(doc/rbm.md)\n", file, cmd, file);
    hs_config_free(cfg);
    return 2;
}

/* Train an rbm: file; frees cfg. */
static int train_rbm(hs_config *cfg, const opts *o)
{
    hs_error err = {0};
    hs_rbm_result res;
    if (o->resume) {
        hs_config_free(cfg);
        return usage_error("%s", "--resume: an RBM trains from the start (its epochs take "
                                 "seconds to minutes; there is no checkpoint)");
    }
    catch_signals();
    progress_start(o->quiet);
    int rc = hs_rbm_train_to_dir(cfg, &g_ctl, &res, &err);
    progress_stop();
    if (rc && rc != HS_EINTR) {
        hs_config_free(cfg);
        return report(&err);
    }
    provenance(cfg, res.outdir, rc == HS_EINTR, res.wall);
    if (!o->quiet) {
        printf("hee-snn %s: trained the RBM of '%s', seed %" PRIu64 ", %" PRIu64 " epochs%s\n",
               hs_version(), hs_config_name(cfg), hs_config_seed(cfg), res.epochs,
               rc == HS_EINTR ? " (interrupted)" : "");
        if (res.exact)
            printf("log-likelihood per item (exact): training %.6g, held out %.6g\n",
                   res.loglik_train, res.loglik_holdout);
        else if (res.ais_items[0] || res.ais_items[1])
        {
            printf("log-likelihood per item (AIS over the latent layers): training %.6g +- %.3g "
                   "(first %" PRIu64 " items)", res.loglik_train, res.loglik_se, res.ais_items[0]);
            if (res.ais_items[1])
                printf(", held out %.6g +- %.3g (first %" PRIu64 ")", res.loglik_holdout,
                       res.loglik_holdout_se, res.ais_items[1]);
            putchar('\n');
        }
        else if (!isnan(res.logz))
            printf("log-likelihood per item (log Z by AIS, +- %.3g): training %.6g, held out "
                   "%.6g\n", res.logz_se, res.loglik_train, res.loglik_holdout);
        printf("wall time: %.3f s\n", res.wall);
        printf("output: %s (learning.tsv, weights.tsv, biases.tsv, samples.tsv, config.yaml)\n",
               res.outdir);
    }
    hs_config_free(cfg);
    if (rc == HS_EINTR) {
        fprintf(stderr, "hee-snn: interrupted; the files hold the epochs trained\n");
        return 130;
    }
    return 0;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Train a loaded configuration (train, or run on a file that learns); frees cfg. */
static int train(hs_config *cfg, const opts *o)
{
    hs_error err = {0};
    hs_train_result res;
    catch_signals();
    progress_start(o->quiet);
    int rc = hs_train_to_dir(cfg, o->resume, &g_ctl, &res, &err);
    progress_stop();
    if (rc && rc != HS_EINTR) {
        hs_config_free(cfg);
        return report(&err);
    }
    provenance(cfg, res.outdir, rc == HS_EINTR, res.wall);
    if (!o->quiet) {
        printf("hee-snn %s: trained '%s', seed %" PRIu64 ", %g ms to %g ms of model time%s%s\n",
               hs_version(), hs_config_name(cfg), hs_config_seed(cfg), res.t_start, res.t_end,
               res.resumed ? " (resumed)" : "", rc == HS_EINTR ? " (interrupted)" : "");
        printf("items presented: %" PRIu64 " (%" PRIu64 " full epochs), %" PRIu64 " steps\n",
               res.items, res.epochs, res.steps);
        if (res.has_loglik)
            printf("log-likelihood per item (%s): training %.6g, held out %.6g\n",
                   res.has_loglik == 2 ? "annealed importance sampling, learning.tsv gives "
                                         "its standard errors" : "exact",
                   res.loglik_train, res.loglik_holdout);
        if (res.loglik_max == res.loglik_max)
            printf("maximum on the training items (closed form): %.6g, %.3g below it\n",
                   res.loglik_max, res.loglik_max - res.loglik_train);
        printf("wall time: %.3f s, real-time factor: %.3g (simulated/wall)\n", res.wall,
               res.wall > 0 ? (res.t_end - res.t_start) * 1e-3 / res.wall : 0.0);
        printf("output: %s (model.yaml, learning.tsv%s)\n", res.outdir,
               res.no_checkpoint ? "" : ", checkpoint.bin");
    }
    hs_config_free(cfg);
    if (rc == HS_EINTR) {
        fprintf(stderr, "hee-snn: interrupted; checkpoint written, continue with "
                        "'hee-snn train --resume'\n");
        return 130;
    }
    return 0;
}

/* Load the file named on the command line; 0, or the exit status of the error. */
static int load(const opts *o, hs_config **cfg)
{
    hs_error err = {0};
    if (hs_config_load(o->file, &o->ov, cfg, &err))
        return report_input(&err);
    if (hs_config_seed_generated(*cfg) && hs_comm_rank() == 0)
        fprintf(stderr, "hee-snn: no seed given; using seed %" PRIu64 "\n",
                hs_config_seed(*cfg));
    return 0;
}

static int cmd_train(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "train", &o);
    if (rc)
        return rc;
    hs_config *cfg = NULL;
    if ((rc = load(&o, &cfg)))
        return rc;
    if (hs_config_is_rbm(cfg))
        return train_rbm(cfg, &o);
    if (!hs_config_trains(cfg)) {
        hs_config_free(cfg);
        return usage_error("'%s' has nothing to train: its hee: block needs data: and learn: "
                           "(doc/learning.md)", o.file);
    }
    return train(cfg, &o);
}

static int cmd_generate(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "generate", &o);
    if (rc)
        return rc;
    hs_error err = {0};
    hs_config *cfg = NULL;
    if ((rc = load(&o, &cfg)))
        return rc;
    if (hs_config_is_rbm(cfg))
        return rbm_refused(cfg, o.file, "generate (its samples.tsv holds samples)");
    catch_signals();
    hs_gen_result res;
    progress_start(o.quiet);
    rc = hs_generate_to_dir(cfg, &o.gen, &g_ctl, &res, &err);
    progress_stop();
    if (rc && rc != HS_EINTR) {
        hs_config_free(cfg);
        return report(&err);
    }
    provenance(cfg, res.outdir, rc == HS_EINTR, res.wall);
    if (!o.quiet) {
        printf("hee-snn %s: %zu samples from '%s' (%s generation), seed %" PRIu64 "%s\n",
               hs_version(), res.samples, hs_config_name(cfg),
               o.gen.mode == HS_GEN_JOINT ? "joint" : "marginal", hs_config_seed(cfg),
               rc == HS_EINTR ? " (interrupted)" : "");
        printf("model time: %g ms, wall time: %.3f s\n", res.model_ms, res.wall);
        printf("output: %s/samples.tsv%s\n", res.outdir, res.png ? " and samples.png" : "");
    }
    hs_config_free(cfg);
    return rc == HS_EINTR ? 130 : 0;
}

static int cmd_export(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "export", &o);
    if (rc)
        return rc;
    if (!o.format)
        return usage_error("%s", "export needs --format nest or --format sonata");
    hs_error err = {0};
    char written[4096] = "";
    if (hs_export_dir(o.file, o.format, o.ov.output, written, sizeof written, &err))
        return report_output(&err, written);
    if (!o.quiet)
        printf("written: %s\n", written);
    return 0;
}

static int cmd_plot(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "plot", &o);
    if (rc)
        return rc;
    const char *kind = o.kind ? o.kind : "raster";
    /* the options that shape one kind only: given to another, an error rather than ignored */
    static const struct {
        const char *opt, *kinds[6];   /* (NULL-ended) */
    } only[] = {{"--window", {"raster", "rate", "isi", "kl", "learning"}}, {"--bin", {"rate"}},
                {"--population", {"isi"}}};
    const int given[] = {o.t1 > o.t0, o.bin > 0, o.pop != NULL};
    for (int k = 0; k < 3; k++) {
        int takes = 0;
        for (int j = 0; only[k].kinds[j]; j++)
            takes |= !strcmp(kind, only[k].kinds[j]);
        if (given[k] && !takes) {
            fprintf(stderr, "hee-snn: %s applies to --kind", only[k].opt);
            for (int j = 0; only[k].kinds[j]; j++)
                fprintf(stderr, "%s %s", j ? (only[k].kinds[j + 1] ? "," : " or") : "",
                        only[k].kinds[j]);
            fprintf(stderr, " only, not to --kind %s\nTry 'hee-snn plot --help'.\n", kind);
            return 2;
        }
    }
    char out[4096];
    if (o.ov.output) {
        snprintf(out, sizeof out, "%s", o.ov.output);
    } else {
        struct stat st;
        int dir = stat(o.file, &st) == 0 && S_ISDIR(st.st_mode);
        if (dir) {
            snprintf(out, sizeof out, "%s/plot-%s.png", o.file, kind);
        } else {
            const char *slash = strrchr(o.file, '/');
            snprintf(out, sizeof out, "%.*splot-%s.png", slash ? (int)(slash - o.file + 1) : 0,
                     o.file, kind);
        }
    }
    hs_error err = {0};
    if (hs_plot_dir(kind, o.file, out, o.t0, o.t1, o.bin, o.pop, &err))
        return report_output(&err, out);
    if (!o.quiet)
        printf("written: %s\n", out);
    return 0;
}

/* Load the network file in every process of a split run alike: a seed drawn because the file
 * and the command line give none is process 0's.  0, or the exit status of the error. */
static int load_everywhere(const opts *o, hs_config **cfg)
{
    int rc = load(o, cfg);
    if (rc || hs_comm_size() == 1 || !hs_config_seed_generated(*cfg))
        return rc;
    hs_overrides ov = o->ov;
    ov.has_seed = 1;
    ov.seed = hs_config_seed(*cfg);
    hs_config_free(*cfg);
    *cfg = NULL;
    hs_error err = {0};
    if (hs_comm_bcast_u64(&ov.seed)) {
        fprintf(stderr, "hee-snn: MPI: cannot share the seed\n");
        return 1;
    }
    return hs_config_load(o->file, &ov, cfg, &err) ? report_input(&err) : 0;
}

/* Compile the network for this process: its share when the run is split across processes,
 * or the whole network on process 0 alone (the others get NULL) when it cannot be split. */
static int compile_share(const hs_config *cfg, hs_net **net, hs_error *err)
{
    const int R = hs_comm_size(), me = hs_comm_rank();
    if (R > 1)
        g_split = 1;
    if (hs_net_compile_split(cfg, me, R, net, err))
        return -1;
    const char *why = R > 1 ? hs_net_split_why(*net) : NULL;
    if (!why)
        return 0;
    hs_net_free(*net);
    *net = NULL;
    g_split = 0;
    if (me > 0)
        return 0;
    fprintf(stderr, "hee-snn: the network runs whole on process 0 of %d: it cannot be split "
            "(%s)\n", R, why);
    return hs_net_compile(cfg, net, err) ? -1 : 0;
}

/* run --seeds: one run per seed, each into OUT/seed-SEED with its own run.yaml, then
 * OUT/trials.tsv.  Ctrl-C ends the current trial (its files marked interrupted) and keeps the
 * rows of the finished ones; a trial that fails ends the series (exit 1), its row says so. */
static int run_trials(opts *o)
{
    if (hs_comm_size() > 1)
        return usage_error("%s", "--seeds runs its trials one after another in one process: "
                           "run it without mpirun");
    hs_error err = {0};
    hs_config *cfg;
    if (hs_config_load(o->file, &o->ov, &cfg, &err))
        return report_input(&err);
    if (hs_config_trains(cfg)) {
        hs_config_free(cfg);
        return usage_error("--seeds: '%s' trains (its hee: block learns); train one seed at a "
                           "time with --seed", o->file);
    }
    char base[1024], name[256];
    snprintf(base, sizeof base, "%s", hs_config_output(cfg));
    snprintf(name, sizeof name, "%s", hs_config_name(cfg));
    if (!o->seeds) {   /* a count: from --seed, else the file's seed, else 1 */
        const uint64_t s0 = o->ov.has_seed ? o->ov.seed
                            : hs_config_seed_generated(cfg) ? 1 : hs_config_seed(cfg);
        if (!(o->seeds = malloc(o->nseeds * sizeof *o->seeds))) {
            hs_config_free(cfg);
            fprintf(stderr, "hee-snn: out of memory\n");
            return 1;
        }
        for (size_t k = 0; k < o->nseeds; k++)
            o->seeds[k] = s0 + k;
    }
    hs_config_free(cfg);
    hs_trial *t = calloc(o->nseeds, sizeof *t);
    const char **names = NULL;
    size_t *sizes = NULL;
    int npops = -1, rc = 0;
    size_t n = 0;
    catch_signals();
    for (; n < o->nseeds && t; n++) {
        char out[1100];
        snprintf(out, sizeof out, "%s/seed-%" PRIu64, base, o->seeds[n]);
        hs_overrides ov = o->ov;
        ov.has_seed = 1;
        ov.seed = o->seeds[n];
        ov.output = out;
        t[n] = (hs_trial){.seed = o->seeds[n], .status = "failed"};
        hs_net *net = NULL;
        hs_run_result res;
        double w0 = hs_wall_s();
        if (hs_config_load(o->file, &ov, &cfg, &err)) {
            rc = report_input(&err);
            n++;
            break;
        }
        if (hs_net_compile(cfg, &net, &err)) {
            hs_config_free(cfg);
            rc = report(&err);
            n++;
            break;
        }
        if (npops < 0) {   /* (every trial compiles the same populations) */
            npops = hs_net_npops(net);
            names = calloc((size_t)npops + 1, sizeof *names);
            sizes = calloc((size_t)npops + 1, sizeof *sizes);
            for (int p = 0; names && p < npops; p++)
                names[p] = strdup(hs_net_pop_name(net, p));
            for (int p = 0; sizes && p < npops; p++)
                sizes[p] = hs_net_pop_size(net, p);
        }
        progress_start(o->quiet);
        int r = hs_run_to_dir(cfg, net, &g_ctl, &res, &err);
        progress_stop();
        t[n].wall_s = hs_wall_s() - w0;
        t[n].simulated_ms = hs_net_time(net);
        if (r == HS_OK || r == HS_EINTR) {
            t[n].status = r == HS_OK ? "complete" : "interrupted";
            provenance(cfg, res.outdir, r == HS_EINTR, t[n].wall_s);
            if ((t[n].spikes = calloc((size_t)npops + 1, sizeof *t[n].spikes)))
                for (int p = 0; p < npops; p++)
                    t[n].spikes[p] = hs_net_pop_spikes(net, p);
            uint64_t all = 0;
            for (int p = 0; p < npops; p++)
                all += hs_net_pop_spikes(net, p);
            if (!o->quiet)
                printf("seed %" PRIu64 ": %s, %" PRIu64 " spikes, %.3f s -> %s\n", t[n].seed,
                       t[n].status, all, t[n].wall_s, res.outdir);
        } else {
            rc = report(&err);
        }
        hs_net_free(net);
        hs_config_free(cfg);
        if (r != HS_OK) {
            n++;
            if (r == HS_EINTR)
                rc = 130;
            break;
        }
    }
    if (!t || (npops >= 0 && (!names || !sizes))) {
        fprintf(stderr, "hee-snn: out of memory\n");
        rc = 1;
    } else if (npops >= 0) {
        if (hs_trials_write(base, name, t, n, names, sizes, npops, &err))
            rc = report(&err);
        else if (!o->quiet)
            printf("trials: %zu of %zu, summary: %s/trials.tsv\n", n, o->nseeds, base);
    }
    for (size_t k = 0; t && k < n; k++)
        free(t[k].spikes);
    for (int p = 0; names && p < npops; p++)
        free((char *)names[p]);
    free(names);
    free(sizes);
    free(t);
    if (rc == 130)
        fprintf(stderr, "hee-snn: interrupted; the finished trials are in %s/trials.tsv\n", base);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "run", &o);
    if (rc)
        return rc;
    if (o.nseeds) {
        if (o.ov.has_seed && o.seeds) {
            free(o.seeds);
            return usage_error("%s", "--seed and a list of --seeds: give the list alone");
        }
        rc = run_trials(&o);
        free(o.seeds);
        return rc;
    }
    hs_error err = {0};
    hs_config *cfg = NULL;
    hs_net *net = NULL;
    hs_run_result res;
    if ((rc = load_everywhere(&o, &cfg)))
        return rc;
    if (hs_config_is_rbm(cfg))
        return rbm_refused(cfg, o.file, "run");
    if (hs_config_trains(cfg)) {
        if (hs_comm_rank() > 0) {   /* training runs on process 0 (main says so) */
            hs_config_free(cfg);
            return 0;
        }
        return train(cfg, &o);
    }
    if (compile_share(cfg, &net, &err)) {
        hs_config_free(cfg);
        return report(&err);
    }
    if (!net) {   /* a network process 0 runs whole */
        hs_config_free(cfg);
        return 0;
    }
    const int quiet = o.quiet || hs_comm_rank() > 0;   /* process 0 speaks for the run */
    catch_signals();
    double t0 = hs_wall_s();
    progress_start(quiet);
    rc = hs_run_to_dir(cfg, net, &g_ctl, &res, &err);
    progress_stop();
    double wall = hs_wall_s() - t0;
    if (rc && rc != HS_EINTR) {
        hs_net_free(net);
        hs_config_free(cfg);
        return report(&err);
    }
    if (hs_comm_rank() == 0)
        provenance(cfg, res.outdir, rc == HS_EINTR, wall);
    if (!quiet) {
        double T = hs_net_time(net);
        printf("hee-snn %s: network '%s', seed %" PRIu64 ", %g ms simulated%s\n", hs_version(),
               hs_config_name(cfg), hs_config_seed(cfg), T,
               rc == HS_EINTR ? " (interrupted)" : "");
        int wm = 16;   /* the model column fits its longest name (inhomogeneous_poisson) */
        for (int p = 0; p < hs_net_npops(net); p++)
            if ((int)strlen(hs_net_pop_model(net, p)) > wm)
                wm = (int)strlen(hs_net_pop_model(net, p));
        if (hs_net_npops(net))
            printf("%-16s %-*s %10s %12s %12s\n", "population", wm, "model", "neurons", "spikes",
                   "rate_hz");
        for (int p = 0; p < hs_net_npops(net); p++) {
            size_t n = hs_net_pop_size(net, p);
            uint64_t s = hs_net_pop_spikes(net, p);
            printf("%-16s %-*s %10zu %12" PRIu64 " %12.4f\n", hs_net_pop_name(net, p), wm,
                   hs_net_pop_model(net, p), n, s, T > 0 ? s / (n * T * 1e-3) : 0.0);
        }
        if (hs_net_npops(net)) {
            char eng[192];
            printf("synaptic events: %" PRIu64 " (%.3g per wall second)\n",
                   hs_net_syn_events(net), wall > 0 ? hs_net_syn_events(net) / wall : 0.0);
            printf("engine: %s\n", hs_net_engine(net, eng, sizeof eng));
        }
        uint64_t xs, xb;
        hs_net_exchange(net, &xs, &xb);
        if (xs)
            printf("exchange: %" PRIu64 " synchronisations, %.4g MB (%.3g per simulated "
                   "second)\n", xs, xb * 1e-6, T > 0 ? xs / (T * 1e-3) : 0.0);
        if (hs_net_hee_units(net) && !hs_net_hee_steps(net))
            printf("hee network: %zu units, each unit and interneuron a neural-sampling "
                   "neuron (event-driven: no update steps)\n", hs_net_hee_units(net));
        else if (hs_net_hee_units(net)) {   /* (units and interneurons, in every chain) */
            const unsigned B = hs_net_hee_chains(net);
            char ch[48] = "";
            if (B > 1)
                snprintf(ch, sizeof ch, " in each of %u chains", B);
            printf("hee network: %zu units%s, %" PRIu64 " update steps (%.3g unit updates "
                   "per wall second)\n", hs_net_hee_units(net), ch, hs_net_hee_steps(net),
                   wall > 0 ? 2.0 * hs_net_hee_units(net) * B * hs_net_hee_steps(net) / wall
                            : 0.0);
        }
        printf("wall time: %.3f s, real-time factor: %.3g (simulated/wall)\n", wall,
               wall > 0 ? T * 1e-3 / wall : 0.0);
        printf("output: %s\n", hs_config_output(cfg));
    }
    hs_net_free(net);
    hs_config_free(cfg);
    g_split = 0;
    if (rc == HS_EINTR) {
        if (hs_comm_rank() == 0)
            fprintf(stderr, "hee-snn: interrupted; results so far written to %s\n",
                    res.outdir[0] ? res.outdir : "the output directory");
        return 130;
    }
    return 0;
}

static int cmd_compare(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "compare", &o);
    if (rc)
        return rc;
    hs_error err = {0};
    hs_config *cfg;
    if (hs_config_load(o.file, &o.ov, &cfg, &err))
        return report_input(&err);
    if (hs_config_is_rbm(cfg))
        return rbm_refused(cfg, o.file, "compare");
    double t0 = hs_wall_s();
    rc = hs_compare_to_dir(cfg, o.sweep, o.quiet ? NULL : stdout, &err);
    if (rc == HS_OK)
        provenance(cfg, hs_config_output(cfg), 0, hs_wall_s() - t0);
    if (rc == HS_OK && !o.quiet)
        printf("\nwritten: %s/compare.tsv, %s/compare.txt\n", hs_config_output(cfg),
               hs_config_output(cfg));
    hs_config_free(cfg);
    return rc ? report(&err) : 0;
}

static int cmd_analyze(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, "analyze", &o);
    if (rc)
        return rc;
    hs_error err = {0};
    if (hs_analyze_dir(o.file, o.pop, o.points, stdout, &err))
        return report_input(&err);
    return 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing command (run, train, generate, validate, analyze, compare, export, plot)");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
#ifdef HAVE_MPI
        printf("hee-snn %s (dense algebra: %s; MPI: yes)\n", hs_version(), hs_blas_name());
#else
        printf("hee-snn %s (dense algebra: %s; MPI: no)\n", hs_version(), hs_blas_name());
#endif
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (hs_comm_rank() > 0)   /* only 'run' splits across processes: process 0 does the rest */
        return 0;
    if (hs_comm_size() > 1)
        fprintf(stderr, "hee-snn: '%s' runs on process 0 alone (only 'run' is split across "
                "processes)\n", cmd);
    if (!strcmp(cmd, "train"))
        return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "generate"))
        return cmd_generate(argc - 1, argv + 1);
    if (!strcmp(cmd, "export"))
        return cmd_export(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "validate"))
        return cmd_validate(argc - 1, argv + 1);
    if (!strcmp(cmd, "analyze"))
        return cmd_analyze(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return cmd_compare(argc - 1, argv + 1);
    return usage_error("unknown command '%s' (run, train, generate, validate, analyze, compare, export, plot)", cmd);
}

/* The environment's settings for the engine (doc/cli.md, Environment): a value the program
 * would not use is an error, not silently ignored.  NULL when all are good; else the message. */
static const char *env_check(char *msg, size_t n)
{
    const char *q = getenv("HEE_SNN_QUEUE");
    if (q && *q && strcmp(q, "heap") && strcmp(q, "calendar")) {   /* empty: unset */
        snprintf(msg, n, "HEE_SNN_QUEUE='%s': want heap or calendar", q);
        return msg;
    }
    hs_comm_xstate x;
    return hs_comm_xstate_init(&x, msg, n) ? msg : NULL;
}

int main(int argc, char **argv)
{
    char emsg[512];
    if (env_check(emsg, sizeof emsg)) {
        fprintf(stderr, "hee-snn: error: %s\n", emsg);
        return 2;
    }
    gsl_set_error_handler_off();   /* GSL reports status codes; the library checks them */
    hs_blas_threads(1);            /* the same bytes on every machine (util/blas.h) */
    /* A file-size limit (ulimit -f) makes a write fail with EFBIG, reported with the file's
     * name like a full disk, instead of killing the process with SIGXFSZ (every command that
     * writes: run, train, generate, compare, export, plot). */
    signal(SIGXFSZ, SIG_IGN);
    if (hs_comm_init(&argc, &argv)) {
        fprintf(stderr, "hee-snn: MPI cannot start\n");
        return 1;
    }
    keep_cmdline(argc, argv);
    int rc = dispatch(argc, argv);
    if (rc != 0 && rc != 130 && g_split)   /* the other processes would wait for this one */
        hs_comm_abort(rc);
    hs_comm_finalize();
    return rc;
}
