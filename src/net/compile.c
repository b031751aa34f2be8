/* compile.c -- hs_config -> hs_net: neuron arrays, CSR synapse tables, random streams */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "config/config.h"
#include "net/net.h"
#include "models/point_process.h"
#include "net/hee_spec.h"
#include "proc/hee_rt.h"
#include "proc/varmon.h"
#include "util/comm.h"
#include "util/error.h"
#include "util/mem.h"
#include "util/rng.h"

/* A growing list of synapses (pre, post, weight, delay) in generation order. */
typedef struct coo {
    size_t n, cap;
    uint32_t *pre, *post;
    double *w, *d;
    int with_delay;
} coo;

/* Room for cap synapses; nonzero when out of memory. */
static int coo_reserve(coo *c, size_t cap)
{
    if (cap <= c->cap)
        return 0;
    uint32_t *a = realloc(c->pre, cap * sizeof *a);
    if (!a)
        return -1;
    c->pre = a;
    uint32_t *b = realloc(c->post, cap * sizeof *b);
    if (!b)
        return -1;
    c->post = b;
    double *x = realloc(c->w, cap * sizeof *x);
    if (!x)
        return -1;
    c->w = x;
    if (c->with_delay) {
        double *y = realloc(c->d, cap * sizeof *y);
        if (!y)
            return -1;
        c->d = y;
        hs_mem_huge(c->d, cap * sizeof *y);
    }
    hs_mem_huge(c->pre, cap * sizeof *a);
    hs_mem_huge(c->post, cap * sizeof *b);
    hs_mem_huge(c->w, cap * sizeof *x);
    c->cap = cap;
    return 0;
}

static int coo_push(coo *c, uint32_t pre, uint32_t post, double w, double d)
{
    if (c->n == c->cap && coo_reserve(c, c->cap ? 2 * c->cap : 4096))
        return -1;
    c->pre[c->n] = pre;
    c->post[c->n] = post;
    c->w[c->n] = w;
    if (c->with_delay)
        c->d[c->n] = d;
    c->n++;
    return 0;
}

static void coo_free(coo *c)
{
    free(c->pre);
    free(c->post);
    free(c->w);
    free(c->d);
}

static int fill_values(const hs_valspec *v, double def, uint32_t n, uint64_t seed,
                       const char *pop, const char *what, double **out, hs_error *err)
{
    double *a = malloc((size_t)n * sizeof *a);
    if (!a)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for '%s' of '%s'", what,
                            pop);
    if (v->kind == HS_VAL_UNSET) {
        for (uint32_t i = 0; i < n; i++)
            a[i] = def;
    } else {
        gsl_rng *r = hs_rng_stream(seed, pop, what);
        if (!r) {
            free(a);
            return hs_nomem(err, NULL);
        }
        for (uint32_t i = 0; i < n; i++)
            a[i] = hs_valspec_value(v, r, i, 0);
        gsl_rng_free(r);
    }
    *out = a;
    return HS_OK;
}

/* Run fn on each of the n (at most HS_MAX_THREADS) jobs of size bytes at jobs: job 0 on the
 * calling thread, the others on threads of their own (or here, after, when one cannot be
 * started); returns when all are done. */
static void run_jobs(void *jobs, size_t size, int n, void *(*fn)(void *))
{
    pthread_t th[HS_MAX_THREADS];
    int started[HS_MAX_THREADS] = {0};
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&th[t], NULL, fn, (char *)jobs + (size_t)t * size) == 0;
    fn(jobs);
    for (int t = 1; t < n; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            fn((char *)jobs + (size_t)t * size);
    }
}

/* fixed_indegree, the targets [j0, j1) of one thread: each target's sources and weights from
 * its own counter-based stream (the projection's key, stream j), so that the synapses do not
 * depend on how the targets are split among threads or processes.  Floyd's algorithm: a
 * uniform subset of k of the m candidates in k draws; a candidate drawn again is replaced by
 * the top of the range (which no earlier draw could reach).  The candidates drawn for the
 * current target are kept in a small hash set (twice k slots, each stamped with the target,
 * so that it needs no clearing), in the cache however many sources there are.  Without
 * autapses the candidates are the sources other than j: candidate x stands for source
 * x + (x >= j).  Run twice with the same draws: first counting each source's synapses
 * (fill[i]), then placing each synapse at fill[i]++ of the table (fill then holds the
 * thread's first slot in each row).
 *
 * Counting or placing in draw order would touch a random place of an array far larger than
 * the cache for every synapse (at 32 M synapses most of the time of building).  The synapses
 * of a batch of targets are instead gathered, sorted stably by source into INDEG_BINS bins
 * of consecutive sources, and counted or placed bin by bin: each bin's counters and rows are
 * a slice small enough to stay in the cache meanwhile.  Rows get their synapses in the same
 * order as before (targets ascending): the same table. */
typedef struct indeg_job {
    const hs_projcfg *pc;
    uint32_t npre, j0, j1;
    uint64_t key;
    uint64_t *fill;   /* per source: count, then next slot */
    hs_proj *pr;      /* the table, when placing */
    int failed;
} indeg_job;

#define INDEG_BINS 256
#define INDEG_BATCH ((size_t)1 << 20)   /* synapses gathered before they are counted or placed */

typedef struct indeg_syn {
    uint32_t i, j;   /* source, target */
    double w;
} indeg_syn;

typedef struct indeg_slot {   /* a slot of the set of drawn candidates */
    uint32_t x, mark;         /* the candidate, and the target's stamp (j + 1) */
} indeg_slot;

/* Count (table NULL) or place the gathered synapses b[0..n) (tmp: room for n more). */
static void indeg_flush(indeg_job *jb, indeg_syn *b, indeg_syn *tmp, size_t n, int shift)
{
    size_t at[INDEG_BINS + 1] = {0};
    for (size_t e = 0; e < n; e++)
        at[(b[e].i >> shift) + 1]++;
    for (int k = 0; k < INDEG_BINS; k++)
        at[k + 1] += at[k];
    for (size_t e = 0; e < n; e++)
        tmp[at[b[e].i >> shift]++] = b[e];
    uint64_t *fill = jb->fill;
    if (!jb->pr) {
        for (size_t e = 0; e < n; e++)
            fill[tmp[e].i]++;
        return;
    }
    uint32_t *col = jb->pr->col;
    double *wt = jb->pr->w;
    for (size_t e = 0; e < n; e++) {
        const uint64_t s = fill[tmp[e].i]++;
        col[s] = tmp[e].j;
        if (wt)
            wt[s] = tmp[e].w;
    }
}

static void *indeg_run(void *arg)
{
    indeg_job *jb = arg;
    const hs_projcfg *pc = jb->pc;
    const int self = pc->from == pc->to && !pc->autapses;
    const uint32_t kk = pc->indegree, m = jb->npre - (self ? 1u : 0u);
    uint32_t hmask = 1;
    while (hmask < 2 * (uint64_t)kk)
        hmask = 2 * hmask;
    hmask--;
    indeg_slot *set = calloc((size_t)hmask + 1, sizeof *set);
    uint32_t *pick = malloc(((size_t)kk + 1) * sizeof *pick);
    gsl_rng *r = gsl_rng_alloc(hs_rng_counter);
    /* a batch of synapses (at least one target's), and room to sort it */
    const size_t total = (size_t)(jb->j1 - jb->j0) * kk;
    size_t cap = kk > INDEG_BATCH ? kk : INDEG_BATCH;
    cap = cap < total ? cap : total;
    indeg_syn *batch = cap ? malloc(2 * cap * sizeof *batch) : NULL;
    int shift = 0;
    while ((jb->npre >> shift) >= INDEG_BINS)
        shift++;
    size_t nbatch = 0;
    jb->failed = !set || !pick || !r || (cap && !batch);
    for (uint32_t j = jb->j0; !jb->failed && j < jb->j1; j++) {
        hs_rng_counter_seek(r, jb->key, j);
        const uint32_t mark = j + 1;
        for (uint32_t q = 0; q < kk; q++) {
            uint32_t top = m - kk + q;   /* draw from 0..top */
            uint32_t x = (uint32_t)gsl_rng_uniform_int(r, (unsigned long)top + 1);
            uint32_t h = (x * 0x9E3779B1u) >> 7 & hmask;
            while (set[h].mark == mark && set[h].x != x)
                h = (h + 1) & hmask;
            if (set[h].mark == mark) {   /* taken: top itself is new */
                x = top;
                h = (x * 0x9E3779B1u) >> 7 & hmask;
                while (set[h].mark == mark)
                    h = (h + 1) & hmask;
            }
            set[h] = (indeg_slot){.x = x, .mark = mark};
            pick[q] = x;
        }
        if (nbatch + kk > cap) {
            indeg_flush(jb, batch, batch + cap, nbatch, shift);
            nbatch = 0;
        }
        for (uint32_t q = 0; q < kk; q++) {
            uint32_t i = pick[q] + (self && pick[q] >= j ? 1u : 0u);
            double w = hs_valspec_value(&pc->weight, r, i, j);
            if (w != 0.0)
                batch[nbatch++] = (indeg_syn){.i = i, .j = j, .w = w};
        }
    }
    if (nbatch && !jb->failed)
        indeg_flush(jb, batch, batch + cap, nbatch, shift);
    free(batch);
    free(set);
    free(pick);
    if (r)
        gsl_rng_free(r);
    return NULL;
}

/* fixed_indegree of projection k onto its targets [lo, hi) (this process's own), straight into
 * the CSR table, on the network's threads (each a range of targets, 1024 at least): counted,
 * then placed by the same draws, thread t's synapses of a row after those of threads before
 * it, so that rows are in target order as if drawn on one thread.  No intermediate list: the
 * table is all the memory it takes, and each thread writes its own slots. */
static int indegree_csr(const hs_config *cfg, int k, uint32_t npre, uint32_t lo, uint32_t hi,
                        uint64_t key, int weights, hs_proj *pr, hs_error *err)
{
    const hs_projcfg *pc = &cfg->projs[k];
    const uint32_t npost = hi - lo;
    if ((double)npost * pc->indegree > HS_MAX_SYNAPSES)
        return hs_error_set(err, HS_ENOMEM, cfg->path, pc->line, pc->col,
                            "fixed_indegree would make %.3g synapses (limit %.3g)",
                            (double)npost * pc->indegree, HS_MAX_SYNAPSES);
    int T = cfg->threads > 1 ? cfg->threads : 1;
    if ((uint32_t)T > npost / 1024 + 1)
        T = (int)(npost / 1024 + 1);
    indeg_job *jobs = calloc((size_t)T, sizeof *jobs);
    int failed = !jobs;
    for (int t = 0; !failed && t < T; t++) {
        jobs[t] = (indeg_job){
            .pc = pc, .npre = npre, .key = key,
            .j0 = lo + (uint32_t)((uint64_t)npost * (uint64_t)t / (uint64_t)T),
            .j1 = lo + (uint32_t)((uint64_t)npost * (uint64_t)(t + 1) / (uint64_t)T),
            .fill = calloc((size_t)npre + 1, sizeof(uint64_t))};
        failed = !jobs[t].fill;
    }
    pr->npre = npre;
    pr->d = pc->delay;
    if (!failed && !(pr->row = calloc((size_t)npre + 1, sizeof *pr->row)))
        failed = 1;
    if (!failed) {
        run_jobs(jobs, sizeof *jobs, T, indeg_run);
        for (int t = 0; t < T; t++)
            failed |= jobs[t].failed;
    }
    if (!failed) {   /* rows from the counts; each thread's first slot in each row */
        uint64_t at = 0;
        for (uint32_t i = 0; i < npre; i++) {
            pr->row[i] = at;
            for (int t = 0; t < T; t++) {
                const uint64_t c = jobs[t].fill[i];
                jobs[t].fill[i] = at;
                at += c;
            }
        }
        pr->row[npre] = at;
        pr->col = malloc((at ? at : 1) * sizeof *pr->col);
        pr->w = weights ? malloc((at ? at : 1) * sizeof *pr->w) : NULL;
        failed = !pr->col || (weights && !pr->w);
    }
    if (!failed) {
        hs_mem_huge(pr->col, pr->row[npre] * sizeof *pr->col);
        if (pr->w)
            hs_mem_huge(pr->w, pr->row[npre] * sizeof *pr->w);
        for (int t = 0; t < T; t++)
            jobs[t].pr = pr;
        run_jobs(jobs, sizeof *jobs, T, indeg_run);
        for (int t = 0; t < T; t++)
            failed |= jobs[t].failed;
    }
    for (int t = 0; jobs && t < T; t++)
        free(jobs[t].fill);
    free(jobs);
    if (failed)
        return hs_error_set(err, HS_ENOMEM, cfg->path, pc->line, pc->col, "out of memory");
    return HS_OK;
}

/* Generate the synapses of projection k (npre -> npost neurons) onto its targets [lo, hi) (the
 * process's own; all of them when the run is not split) in pre-major order where the rule
 * allows it, from the projection's stream r: every synapse is drawn, so that the stream is the
 * same in every process, and the own are kept (fixed_indegree is built by indegree_csr). */
static int generate(const hs_config *cfg, int k, uint32_t npre, uint32_t npost, uint32_t lo,
                    uint32_t hi, coo *c, gsl_rng *r, hs_error *err)
{
    const hs_projcfg *pc = &cfg->projs[k];
    int self = pc->from == pc->to && !pc->autapses;
    const hs_valspec *wv = &pc->weight;
    const char *file = cfg->path;
#define PUSH(i, j)                                                                         \
    do {                                                                                   \
        double w_ = hs_valspec_value(wv, r, (i), (j));                                     \
        if (w_ != 0.0 && (j) >= lo && (j) < hi && coo_push(c, (i), (j), w_, pc->delay))    \
            return hs_error_set(err, HS_ENOMEM, file, pc->line, pc->col,                   \
                                "out of memory building the projection");                 \
    } while (0)
    switch (pc->conn) {
    case HS_CONN_ALL:
        if ((double)npre * npost > HS_MAX_SYNAPSES)
            return hs_error_set(err, HS_ENOMEM, file, pc->line, pc->col,
                                "all_to_all would make %.3g synapses (limit %.3g)",
                                (double)npre * npost, HS_MAX_SYNAPSES);
        for (uint32_t i = 0; i < npre; i++)
            for (uint32_t j = 0; j < npost; j++)
                if (!(self && i == j))
                    PUSH(i, j);
        break;
    case HS_CONN_ONE:
        for (uint32_t i = 0; i < npre; i++)
            if (!self)
                PUSH(i, i);
        break;
    case HS_CONN_PROB:
        if ((double)npre * npost * pc->p > HS_MAX_SYNAPSES)
            return hs_error_set(err, HS_ENOMEM, file, pc->line, pc->col,
                                "fixed_probability would make about %.3g synapses (limit %.3g)",
                                (double)npre * npost * pc->p, HS_MAX_SYNAPSES);
        if (pc->p <= 0)
            break;
        for (uint32_t i = 0; i < npre; i++) {
            /* geometric skips: the gap to the next connected target */
            uint64_t j = 0;
            for (;;) {
                if (pc->p < 1.0)
                    j += gsl_ran_geometric(r, pc->p) - 1;
                if (j >= npost)
                    break;
                if (!(self && i == j))
                    PUSH(i, (uint32_t)j);
                j++;
            }
        }
        break;
    case HS_CONN_INDEG:   /* indegree_csr */
        break;
    case HS_CONN_FILE:
        for (size_t e = 0; e < pc->nedges; e++)
            if (pc->epost[e] >= lo && pc->epost[e] < hi &&
                coo_push(c, pc->epre[e], pc->epost[e], pc->ew[e],
                         pc->edelay ? pc->edelay[e] : 0.0))
                return hs_error_set(err, HS_ENOMEM, file, pc->line, pc->col, "out of memory");
        break;
    }
#undef PUSH
    return HS_OK;
}

/* COO -> CSR by presynaptic neuron (stable), rows sorted by delay when delays vary. */
/* Placing synapses into CSR rows: one thread's share, the rows [p0, p1), in COO order (so the
 * tables are the same for any number of threads). */
typedef struct csr_job {
    const coo *c;
    hs_proj *pr;
    uint64_t *fill;
    uint32_t p0, p1;
    int vary;
} csr_job;

static void *csr_fill(void *arg)
{
    csr_job *jb = arg;
    const coo *c = jb->c;
    hs_proj *pr = jb->pr;
    for (size_t e = 0; e < c->n; e++) {
        const uint32_t i = c->pre[e];
        if (i < jb->p0 || i >= jb->p1)
            continue;
        uint64_t at = jb->fill[i]++;
        pr->col[at] = c->post[e];
        pr->w[at] = c->w[e];
        if (jb->vary)
            pr->delay[at] = c->d[e];
    }
    return NULL;
}

/* COO -> CSR, the synapses placed on `threads` threads (rows split by synapses) when there are
 * many. */
static int to_csr(const coo *c, uint32_t npre, hs_proj *pr, int threads, hs_error *err)
{
    pr->npre = npre;
    pr->row = calloc((size_t)npre + 1, sizeof *pr->row);
    pr->col = malloc((c->n ? c->n : 1) * sizeof *pr->col);
    pr->w = malloc((c->n ? c->n : 1) * sizeof *pr->w);
    int vary = 0;
    if (c->with_delay)
        for (size_t e = 1; e < c->n; e++)
            vary |= c->d[e] != c->d[0];
    pr->d = c->with_delay && c->n ? c->d[0] : pr->d;
    if (vary)
        pr->delay = malloc(c->n * sizeof *pr->delay);
    if (!pr->row || !pr->col || !pr->w || (vary && !pr->delay))
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory building CSR tables");
    hs_mem_huge(pr->col, c->n * sizeof *pr->col);
    hs_mem_huge(pr->w, c->n * sizeof *pr->w);
    if (vary)
        hs_mem_huge(pr->delay, c->n * sizeof *pr->delay);
    for (size_t e = 0; e < c->n; e++)
        pr->row[c->pre[e] + 1]++;
    for (uint32_t i = 0; i < npre; i++)
        pr->row[i + 1] += pr->row[i];
    uint64_t *fill = malloc(((size_t)npre + 1) * sizeof *fill);
    if (!fill)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory building CSR tables");
    memcpy(fill, pr->row, ((size_t)npre + 1) * sizeof *fill);
    int T = c->n >= ((size_t)1 << 20) && threads > 1 ? threads : 1;
    csr_job jobs[HS_MAX_THREADS];
    if (T > HS_MAX_THREADS)
        T = HS_MAX_THREADS;
    uint32_t i0 = 0;
    for (int t = 0; t < T; t++) {   /* rows with about n / T synapses each */
        const uint64_t want = (uint64_t)c->n * (uint64_t)(t + 1) / (uint64_t)T;
        uint32_t i1 = i0;
        while (i1 < npre && (t == T - 1 || pr->row[i1 + 1] <= want))
            i1++;
        jobs[t] = (csr_job){.c = c, .pr = pr, .fill = fill, .p0 = i0, .p1 = i1, .vary = vary};
        i0 = i1;
    }
    run_jobs(jobs, sizeof *jobs, T, csr_fill);
    free(fill);
    if (vary) {
        /* insertion sort of each row by delay (stable; rows are short) */
        for (uint32_t i = 0; i < npre; i++)
            for (uint64_t a = pr->row[i] + 1; a < pr->row[i + 1]; a++) {
                double d = pr->delay[a], w = pr->w[a];
                uint32_t cl = pr->col[a];
                uint64_t b = a;
                while (b > pr->row[i] && pr->delay[b - 1] > d) {
                    pr->delay[b] = pr->delay[b - 1];
                    pr->w[b] = pr->w[b - 1];
                    pr->col[b] = pr->col[b - 1];
                    b--;
                }
                pr->delay[b] = d;
                pr->w[b] = w;
                pr->col[b] = cl;
            }
    }
    return HS_OK;
}

/* The smallest and largest delay of the process's synapses (INFINITY and 0 without any). */
static void delay_range(const hs_net *net, double *dmin, double *dmax)
{
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        const uint64_t ns = pr->row[pr->npre];
        if (ns == 0)
            continue;
        if (!pr->delay) {
            lo = fmin(lo, pr->d);
            hi = fmax(hi, pr->d);
        } else {
            for (uint64_t q = 0; q < ns; q++) {
                lo = fmin(lo, pr->delay[q]);
                hi = fmax(hi, pr->delay[q]);
            }
        }
    }
    *dmin = lo;
    *dmax = hi;
}

static void hee_wire_free(struct hs_couplings *w);

void hs_net_free(hs_net *net)
{
    if (!net)
        return;
    hee_wire_free(net->couplings);
    for (int p = 0; p < net->npops; p++) {
        hs_pop *pop = &net->pops[p];
        if (pop->model && pop->model->free_state)
            pop->model->free_state(pop);
        free(pop->bias);
        free(pop->init);
        free(pop->times);
        free(pop->trow);
        free(pop->rate_t);
        free(pop->rate_r);
        if (pop->rng)
            gsl_rng_free(pop->rng);
        if (net->out_projs)
            free(net->out_projs[p]);
    }
    for (int k = 0; k < net->nprojs; k++) {
        free(net->projs[k].row);
        free(net->projs[k].col);
        free(net->projs[k].w);
        free(net->projs[k].ew);
        free(net->projs[k].delay);
    }
    free(net->out_projs);
    free(net->pops);
    free(net->projs);
    free(net->pop_of);
    free(net->spikes);
    free(net->record);
    free(net->mon_times);
    for (int k = 0; k < net->nprocs; k++)
        net->procs[k].ops->free(net->procs[k].self);
    if (net->evq_free)
        net->evq_free(net->evq);
    free(net);
}

/* ---- bernoulli layers in the spike realisation (doc/hee.md) ----------------------------------
 * Every unit and interneuron is a neural-sampling neuron (refractory tau_x, tau_eps), and the
 * log-odds of the rate realisation, u = eta + J z + W^T (x_below - eps_below) for a unit and
 * eta + J eps for an interneuron, are sums over the other neurons' binary states: synapses of
 * rectangular PSPs, as long as the presynaptic neuron's refractory period.  A clamped layer 0
 * never fires; its input W_1^T x_0 is part of the biases of layer 1. */

/* The biases of hee: population k (2 l: layer l's units, 2 l + 1: its interneurons, 2 L + l - 1:
 * the pools of layer l). */
static int hee_binary_bias(const hs_hee_rt *rt, int k, hs_pop *pop, hs_error *err)
{
    const hs_hee *m = &rt->m;
    const int l = k / 2;
    if (k >= 2 * m->L) {   /* pool neuron (j, i) of layer p: b_{p-1, i} + W_p[i][j] (x_j on) */
        const int p = k - 2 * m->L + 1;
        const hs_hee_layer *lo = &m->layer[p - 1], *ly = &m->layer[p];
        if (!pop->bias && !(pop->bias = malloc((size_t)ly->n * lo->n * sizeof *pop->bias)))
            return hs_nomem(err, NULL);
        for (uint32_t j = 0; j < ly->n; j++)
            for (uint32_t i = 0; i < lo->n; i++)
                pop->bias[(size_t)j * lo->n + i] = lo->b[i] + m->W[p][(size_t)i * ly->n + j];
        return HS_OK;
    }
    const hs_hee_layer *ly = &m->layer[l];
    if (!pop->bias && !(pop->bias = malloc((ly->n ? ly->n : 1) * sizeof *pop->bias)))
        return hs_nomem(err, NULL);
    for (uint32_t i = 0; i < ly->n; i++) {
        double b = ly->b[i];
        if (k == 0 && rt->clamp)
            b = -INFINITY;   /* held at its clamp: never fires */
        else if (k == 2 && rt->clamp)   /* the clamp's bottom-up input, W_1^T x_0 */
            for (uint32_t j = 0; j < m->layer[0].n; j++)
                b += m->W[1][(size_t)j * ly->n + i] * rt->clamp[j];
        pop->bias[i] = b;
    }
    return HS_OK;
}

/* The weight of a synapse from neuron a of one hee: population to neuron b of another (NaN:
 * none; a weight of 0 is a synapse, which learning may change). */
typedef double (*hee_weight_fn)(const void *ctx, uint32_t a, uint32_t b);

typedef struct hee_mat {
    const double *M;        /* row-major */
    uint32_t ncols;
    int transposed;         /* weight M[b][a], else M[a][b] */
    double sign;
    /* pools (bottom_up: exchange): pool neuron k * nlo + i is unit k's interneuron i */
    uint32_t nlo;
    int lateral;            /* J: no synapse from a neuron to itself */
} hee_mat;

static double w_mat(const void *ctx, uint32_t a, uint32_t b)
{
    const hee_mat *m = ctx;
    if (m->lateral && a == b)
        return NAN;
    return m->sign * (m->transposed ? m->M[(size_t)b * m->ncols + a]
                                    : m->M[(size_t)a * m->ncols + b]);
}

/* units j of layer l -> pool neuron (k, i): W_l[i][j] for every k but j itself */
static double w_to_pool(const void *ctx, uint32_t j, uint32_t b)
{
    const hee_mat *m = ctx;
    const uint32_t k = b / m->nlo, i = b % m->nlo;
    return k == j ? NAN : m->M[(size_t)i * m->ncols + j];
}

/* pool neuron (k, i) -> unit k of layer l: -W_l[i][k] */
static double w_from_pool(const void *ctx, uint32_t a, uint32_t k)
{
    const hee_mat *m = ctx;
    const uint32_t kk = a / m->nlo, i = a % m->nlo;
    return kk == k ? -m->M[(size_t)i * m->ncols + k] : NAN;
}

/* pool neuron (k, i) -> (k, i'): J_{l-1}[i][i'] */
static double w_pool_lateral(const void *ctx, uint32_t a, uint32_t b)
{
    const hee_mat *m = ctx;
    return a / m->nlo == b / m->nlo && a != b ? m->M[(size_t)(a % m->nlo) * m->nlo + b % m->nlo]
                                              : NAN;
}

/* One projection between hee: populations `from` and `to` (indices among the populations,
 * after the configuration's), weights from wf; zero weights make no synapse.  blk > 0: neuron
 * a reaches only the targets of its own block of blk (the pools' lateral couplings).  Only the
 * targets this process owns. */
/* The hee: projections and how their weights follow the parameters: hee_sync recomputes
 * every weight from wf and moves the membranes of the targets of neurons that are on by the
 * change. */
struct hs_couplings {
    int n;
    struct {
        int proj;
        hee_weight_fn wf;
        hee_mat ctx;
    } w[64 * 8];
    double *delta;    /* per hee: neuron (gid - gid0 of the first hee: population) */
    double *bias;     /* scratch for one population's new biases */
    int pop0, npops;  /* the hee: populations */
};

static void hee_wire_free(struct hs_couplings *w)
{
    if (!w)
        return;
    free(w->delta);
    free(w->bias);
    free(w);
}

static int hee_binary_proj(hs_net *net, int from, int to, hee_weight_fn wf, const void *ctx,
                           uint32_t blk, hs_error *err)
{
    hs_proj *pr = &net->projs[net->nprojs];
    struct hs_couplings *hw = net->couplings;
    hw->w[hw->n].proj = net->nprojs;
    hw->w[hw->n].wf = wf;
    hw->w[hw->n].ctx = *(const hee_mat *)ctx;
    hw->n++;
    const hs_pop *src = &net->pops[from], *dst = &net->pops[to];
    const uint32_t na = src->n, nb = dst->n;
    pr->from = from;
    pr->to = to;
    pr->npre = na;
    pr->d = 0;
    pr->offsets = 1;
    pr->row = calloc((size_t)na + 1, sizeof *pr->row);
    uint64_t ns = 0;
    for (int pass = 0; pr->row && pass < 2; pass++) {
        ns = 0;
        for (uint32_t a = 0; a < na; a++) {
            const uint32_t b0 = blk ? a / blk * blk : 0, b1 = blk ? b0 + blk : nb;
            for (uint32_t b = b0; b < b1; b++) {
                const uint32_t g = dst->gid0 + b;
                const double w = wf(ctx, a, b);
                if (isnan(w) || g < net->own_lo || g >= net->own_hi)
                    continue;
                if (pass) {
                    pr->col[ns] = b;
                    pr->w[ns] = w;
                    pr->ew[ns] = exp(w);
                }
                ns++;
            }
            if (pass)
                pr->row[a + 1] = ns;
        }
        if (!pass) {
            pr->col = malloc((ns ? ns : 1) * sizeof *pr->col);
            pr->w = malloc((ns ? ns : 1) * sizeof *pr->w);
            pr->ew = malloc((ns ? ns : 1) * sizeof *pr->ew);
            if (!pr->col || !pr->w || !pr->ew)
                break;
        }
    }
    net->nprojs++;   /* (counted before a failure, so that hs_net_free frees its arrays) */
    if (!pr->row || !pr->col || !pr->w || !pr->ew)
        return hs_nomem(err, NULL);
    pr->w0 = NAN;
    return HS_OK;
}

/* The couplings of a HEE of bernoulli layers as synapses, after the configuration's
 * projections: top-down W_l (units of l to units and interneurons of l - 1), bottom-up W_l^T
 * from the units of l - 1 and -W_l^T from its interneurons (not from a clamped layer 0), and
 * the lateral J_l among the units and among the interneurons of l. */
static int hee_binary_wire(hs_net *net, const hs_config *cfg, const hs_hee_rt *rt,
                           hs_error *err)
{
    const hs_hee *m = &rt->m;
    const int base = cfg->npops, pools = base + 2 * m->L - 1;   /* + l: layer l's pools */
    int rc = HS_OK;
    for (int l = 0; l < m->L && rc == HS_OK; l++) {
        const int X = base + 2 * l, E = X + 1;
        const hs_hee_layer *ly = &m->layer[l];
        if (l > 0) {
            const hs_hee_layer *lo = &m->layer[l - 1];
            const hee_mat down = {.M = m->W[l], .ncols = ly->n, .transposed = 1, .sign = 1};
            const hee_mat up = {.M = m->W[l], .ncols = ly->n, .sign = 1};
            const hee_mat neg = {.M = m->W[l], .ncols = ly->n, .sign = -1};
            const hee_mat pw = {.M = m->W[l], .ncols = ly->n, .sign = 1, .nlo = lo->n};
            if (l > 1 || !rt->clamp)
                rc = hee_binary_proj(net, X, X - 2, w_mat, &down, 0, err);
            if (rc == HS_OK)
                rc = hee_binary_proj(net, X, E - 2, w_mat, &down, 0, err);
            if (rc == HS_OK && (l > 1 || !rt->clamp))
                rc = hee_binary_proj(net, X - 2, X, w_mat, &up, 0, err);
            const int exchange = rt->par.bottom_up == HS_BU_EXCHANGE;
            if (rc == HS_OK && !exchange)
                rc = hee_binary_proj(net, E - 2, X, w_mat, &neg, 0, err);
            if (rc == HS_OK && exchange) {
                rc = hee_binary_proj(net, X, pools + l, w_to_pool, &pw, 0, err);
                if (rc == HS_OK)
                    rc = hee_binary_proj(net, pools + l, X, w_from_pool, &pw, 0, err);
                const hee_mat pj = {.M = lo->J, .ncols = lo->n, .sign = 1, .nlo = lo->n};
                if (rc == HS_OK && lo->J)
                    rc = hee_binary_proj(net, pools + l, pools + l, w_pool_lateral, &pj, lo->n,
                                         err);
            }
        }
        const hee_mat J = {.M = ly->J, .ncols = ly->n, .sign = 1, .lateral = 1};
        if (ly->J && (l > 0 || !rt->clamp) && rc == HS_OK)
            rc = hee_binary_proj(net, X, X, w_mat, &J, 0, err);
        if (ly->J && rc == HS_OK)
            rc = hee_binary_proj(net, E, E, w_mat, &J, 0, err);
    }
    return rc;
}

/* rt->sync of the spike realisation of bernoulli layers (hee_rt.h): every hee: synapse takes
 * its weight from the parameters and every neuron its bias (with layer 0's current item);
 * when apply, each membrane moves by the change of its bias and of the weights of the synapses
 * from neurons that are on, an input at t through the model's receive(). */
static int hee_sync(void *ctx, double t, int apply)
{
    hs_net *net = ctx;
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    struct hs_couplings *hw = net->couplings;
    const uint32_t g0 = net->pops[hw->pop0].gid0;
    memset(hw->delta, 0, (net->nneurons - g0) * sizeof *hw->delta);
    for (int k = 0; k < hw->npops; k++) {
        hs_pop *pop = &net->pops[hw->pop0 + k];
        double *cur = pop->bias;
        if (k == 0 && rt->clamp)
            continue;   /* never fires */
        pop->bias = hw->bias;   /* the new biases into the scratch array */
        int rc = hee_binary_bias(rt, k, pop, NULL);
        pop->bias = cur;
        if (rc)
            return -1;
        for (uint32_t i = 0; i < pop->n; i++) {
            hw->delta[pop->gid0 - g0 + i] += hw->bias[i] - cur[i];
            cur[i] = hw->bias[i];
        }
    }
    for (int e = 0; e < hw->n; e++) {
        hs_proj *pr = &net->projs[hw->w[e].proj];
        const hs_pop *src = &net->pops[pr->from], *dst = &net->pops[pr->to];
        for (uint32_t a = 0; a < pr->npre; a++) {
            const int on = src->model->zstate(src, a);
            for (uint64_t q = pr->row[a]; q < pr->row[a + 1]; q++) {
                const double w = hw->w[e].wf(&hw->w[e].ctx, a, pr->col[q]);
                if (w == pr->w[q])
                    continue;   /* most: the rule moves only the weights of units that spiked */
                if (on)
                    hw->delta[dst->gid0 - g0 + pr->col[q]] += w - pr->w[q];
                pr->w[q] = w;
                pr->ew[q] = exp(w);
            }
        }
    }
    for (int k = 0; apply && k < hw->npops; k++) {
        hs_pop *pop = &net->pops[hw->pop0 + k];
        for (uint32_t i = 0; i < pop->n; i++) {
            const double d = hw->delta[pop->gid0 - g0 + i], ed = exp(d);
            if (d != 0)
                pop->model->receive(pop, t, &i, &d, &ed, 1, 1.0, net);
        }
    }
    return 0;
}

int hs_net_compile(const hs_config *cfg, hs_net **out, hs_error *err)
{
    return hs_net_compile_split(cfg, 0, 1, out, err);
}

/* Global id g as an index into the population of n neurons from g0, clamped to [0, n] (the
 * bounds of a range of global ids, cut to the population; in order when the range is). */
static uint32_t index_in(uint32_t g, uint32_t g0, uint32_t n)
{
    return g <= g0 ? 0 : g - g0 < n ? g - g0 : n;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A spike_generator's times, per neuron and ascending (pop->times, pop->trow): a counting
 * sort by neuron, then each neuron's sorted. */
static int compile_times(const hs_popcfg *pc, hs_pop *pop, hs_error *err)
{
    pop->trow = calloc((size_t)pc->size + 1, sizeof *pop->trow);
    pop->times = malloc((pc->ntimes ? pc->ntimes : 1) * sizeof *pop->times);
    if (!pop->trow || !pop->times)
        return hs_nomem(err, NULL);
    for (size_t k = 0; k < pc->ntimes; k++)
        pop->trow[pc->time_nr[k] + 1]++;
    for (uint32_t i = 0; i < pc->size; i++)
        pop->trow[i + 1] += pop->trow[i];
    uint64_t *fill = malloc(((size_t)pc->size ? pc->size : 1) * sizeof *fill);
    if (!fill)
        return hs_nomem(err, NULL);
    memcpy(fill, pop->trow, (size_t)pc->size * sizeof *fill);
    for (size_t k = 0; k < pc->ntimes; k++)
        pop->times[fill[pc->time_nr[k]]++] = pc->time_t[k];
    free(fill);
    for (uint32_t i = 0; i < pc->size; i++)
        qsort(pop->times + pop->trow[i], pop->trow[i + 1] - pop->trow[i], sizeof *pop->times,
              cmp_double);
    return HS_OK;
}

/* record: variables: the state monitor, a process with one column per variable of each chosen
 * neuron (population order, then the neurons as listed, then the model's variable order:
 * the order of variables.tsv's columns). */
static int add_varmon(const hs_config *cfg, hs_net *net, hs_error *err)
{
    size_t ncol = 0;
    for (int p = 0; p < cfg->npops; p++)
        ncol += (size_t)cfg->var_sel[p].n * (size_t)__builtin_popcount(cfg->var_sel[p].mask);
    hs_varmon *m = hs_varmon_new(cfg->var_every, ncol);
    if (!m)
        return hs_nomem(err, NULL);
    size_t c = 0;
    for (int p = 0; p < cfg->npops; p++) {
        const hs_varsel *s = &cfg->var_sel[p];
        for (uint32_t k = 0; s->mask && k < s->n; k++)
            for (int v = 0; v < cfg->pops[p].schema->nvars; v++)
                if (s->mask & (1u << v))
                    m->col[c++] = (hs_varmon_col){&net->pops[p], s->idx ? s->idx[k] : k, v};
    }
    net->procs[net->nprocs++] = (hs_proc){&hs_varmon_ops, m};
    return HS_OK;
}

/* This process's neurons when the network's n are split among nranks: a range of whole bins
 * (net.h: HS_NET_BINS per process), as even as bins allow. */
static void own_range(uint32_t n, int rank, int nranks, uint32_t *lo, uint32_t *hi)
{
    const uint32_t shift = hs_net_bin_shift(n, (uint64_t)HS_NET_BINS * (uint64_t)nranks);
    const uint64_t nbins = ((uint64_t)n >> shift) + 1;
    const uint64_t b0 = nbins * (uint64_t)rank / (uint64_t)nranks;
    const uint64_t b1 = nbins * (uint64_t)(rank + 1) / (uint64_t)nranks;
    *lo = (uint32_t)(b0 << shift < n ? b0 << shift : n);
    *hi = (uint32_t)(b1 << shift < n ? b1 << shift : n);
}

/* Bytes the network certainly takes in one of nranks processes (each builds the synapses onto
 * its own targets): per synapse its target (4) and weight (8), per projection and presynaptic
 * neuron a row offset (8), per neuron 32 bytes of state and queue; the expected count for
 * fixed_probability.  A lower bound: building the tables takes more for a while. */
/* A projection that keeps no table of weights, only w0 (indegree_csr): fixed_indegree with one
 * scalar weight onto a model that takes one weight as such (uniform_weight, not exp_weights). */
static int one_weight(const hs_projcfg *pc, const hs_model *tm)
{
    return pc->conn == HS_CONN_INDEG && pc->weight.kind == HS_VAL_SCALAR && tm &&
           tm->uniform_weight && !tm->exp_weights;
}

static double bytes_needed(const hs_config *cfg, int nranks, double *neurons, double *synapses,
                           double *units, double *hee)
{
    double n = 0, s = 0, rows = 0, wbytes = 0;
    for (int p = 0; p < cfg->npops; p++)
        n += cfg->pops[p].size;
    for (int k = 0; k < cfg->nprojs; k++) {
        const hs_projcfg *pc = &cfg->projs[k];
        if (pc->from >= cfg->npops || pc->to >= cfg->npops)
            continue;   /* (to or from a hee: layer's population: not counted, a lower bound) */
        const double na = cfg->pops[pc->from].size, nb = cfg->pops[pc->to].size;
        const double self = pc->from == pc->to && !pc->autapses;
        rows += na + 1;
        const double sk = pc->conn == HS_CONN_ALL     ? na * (nb - self)
                          : pc->conn == HS_CONN_ONE   ? (na < nb ? na : nb)
                          : pc->conn == HS_CONN_PROB  ? pc->p * na * (nb - self)
                          : pc->conn == HS_CONN_INDEG ? (double)pc->indegree * nb
                                                      : (double)pc->nedges;
        s += sk;   /* a target and (unless one_weight) a weight each */
        wbytes += one_weight(pc, hs_model_of(cfg->pops[pc->to].schema)) ? 0 : 8 * sk;
    }
    /* a hee: block's runtime: 15 doubles a unit in every chain (membranes, interneurons,
     * adaptation, rho and rho' with their values, eta, the bottom-up term, the noise budget,
     * the chains' differences and deviates), and its weights twice with chains (squared for
     * the noise budget) */
    *units = *hee = 0;
    if (cfg->hee) {
        const hs_heecfg *h = cfg->hee;
        double N = 0, cells = 0;
        for (int l = 0; l < h->nlayers; l++) {
            N += h->layers[l].size;
            if (h->lateral && h->lateral[l].kind != HS_VAL_UNSET)
                cells += (double)h->layers[l].size * h->layers[l].size;
            if (l > 0)
                cells += (double)h->layers[l - 1].size * h->layers[l].size;
        }
        const double B = h->chains > 1 ? h->chains : 1;
        *units = B * N;
        *hee = 8 * (15 * B * N + (B > 1 ? 2 : 1) * cells);
    }
    *neurons = n;
    *synapses = s;
    return 32 * n + *hee + (4 * s + wbytes + 8 * rows) / nranks;
}

/* A network that cannot fit is refused before anything is allocated, with the figures, instead
 * of being killed by the kernel part-way (or building for hours). */
static int memory_check(const hs_config *cfg, int nranks, hs_error *err)
{
    const char *why;
    double n, s, u, hb;
    const double need = bytes_needed(cfg, nranks, &n, &s, &u, &hb);
    const double lim = (double)hs_mem_limit(&why);
    if (need <= lim)
        return HS_OK;
    char hee[96] = "";
    if (cfg->hee)
        snprintf(hee, sizeof hee, ", %.4g hee: units in %u chain%s", u, cfg->hee->chains,
                 cfg->hee->chains == 1 ? "" : "s");
    /* a hee: block runs whole in one process: more processes do not help it */
    const char *hint = hb > need / 2 ? " (fewer chains or units)"
                       : nranks > 1       ? " or use more processes"
                                          : " or split it across MPI processes";
    return hs_error_set(err, HS_ENOMEM, cfg->path, 0, 0,
                        "the network needs at least %.3g GB (%.4g neurons, %.4g synapses%s%s), "
                        "more than the %.3g GB this process may use (%s): make it smaller%s",
                        need / 1e9, n, s, hee, nranks > 1 ? " over the processes" : "",
                        lim / 1e9, why, hint);
}

int hs_net_compile_split(const hs_config *cfg, int rank, int nranks, hs_net **out,
                         hs_error *err)
{
    *out = NULL;
    if (nranks < 1 || rank < 0 || rank >= nranks)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "process %d of %d does not exist",
                            rank, nranks);
    int mrc = memory_check(cfg, nranks, err);
    if (mrc)
        return mrc;
    hs_net *net = calloc(1, sizeof *net);
    if (!net)
        return hs_nomem(err, NULL);
    net->rank = rank;
    net->nranks = nranks;
    net->cfg = cfg;
    net->mon_pop = -1;
    /* the event queue, when the environment chooses it (doc/cli.md: for benchmarks; results
     * are the same either way) */
    const char *qk = getenv("HEE_SNN_QUEUE");
    net->queue_kind = !qk ? 0 : !strcmp(qk, "heap") ? -1 : !strcmp(qk, "calendar") ? 1 : 0;
    net->threads = cfg->threads > 0 ? cfg->threads : 1;
    /* a hee: block is a process (its membranes); in the spike realisation it adds two
     * populations of stochastic spiking neurons per layer (units and interneurons) */
    hs_hee_rt *rt = NULL;
    int rc = HS_OK;
    if (cfg->hee) {
        if ((rc = hs_net_hee_rt(cfg, &rt, err))) {
            free(net);
            return rc;
        }
        net->procs[0] = (hs_proc){&hs_hee_proc_ops, rt};
        net->nprocs = 1;
    }
    int hee_pops = rt && rt->spike ? 2 * cfg->hee->nlayers : 0;
    /* bernoulli layers in the spike realisation: couplings are synapses (hee_binary_wire),
     * and with bottom_up: exchange every layer above 0 adds its pools */
    if (rt && rt->binary && rt->par.bottom_up == HS_BU_EXCHANGE)
        hee_pops += cfg->hee->nlayers - 1;
    size_t np = (size_t)cfg->npops + (size_t)hee_pops;
    const int hee_projs = rt && rt->binary ? 8 * cfg->hee->nlayers : 0;
    net->npops = (int)np;
    net->nprojs = cfg->nprojs;
    net->pops = calloc(np + 1, sizeof *net->pops);
    net->projs = calloc((size_t)cfg->nprojs + (size_t)hee_projs + 1, sizeof *net->projs);
    net->spikes = calloc(np + 1, sizeof *net->spikes);
    net->record = calloc(np + 1, sizeof *net->record);
    net->out_projs = calloc(np + 1, sizeof *net->out_projs);
    if (!net->pops || !net->projs || !net->spikes || !net->record || !net->out_projs) {
        rc = hs_nomem(err, NULL);
        goto fail;
    }
    uint64_t gid = 0;
    for (int p = 0; p < cfg->npops; p++) {
        const hs_popcfg *pc = &cfg->pops[p];
        hs_pop *pop = &net->pops[p];
        /* the configuration names the model by its schema; one that is no registered model's
         * (from another catalogue handed to hs_cfg_load) has no dynamics to run */
        if (!(pop->model = hs_model_of(pc->schema))) {
            rc = hs_error_set(err, HS_ECONFIG, cfg->path, pc->line, pc->col,
                              "population '%s': model '%s' is not in the registry", pc->name,
                              pc->schema->name);
            goto fail;
        }
        pop->name = pc->name;
        pop->n = pc->size;
        pop->gid0 = (uint32_t)gid;
        gid += pc->size;
        memcpy(pop->params, pc->params, sizeof pop->params);
        /* (the rates of rates.tsv are counted from the same stream of spikes) */
        net->record[p] = cfg->record_spikes[p] || cfg->record_rates[p];
        if (pc->schema->has_bias &&
            (rc = fill_values(&pc->bias, 0.0, pc->size, cfg->seed, pc->name, "bias",
                              &pop->bias, err)))
            goto fail;
        if (pc->schema->init_var && pc->init.kind != HS_VAL_UNSET &&
            (rc = fill_values(&pc->init, 0.0, pc->size, cfg->seed, pc->name, "init",
                              &pop->init, err)))
            goto fail;
        if (pc->schema->takes_times && (rc = compile_times(pc, pop, err)))
            goto fail;
        if (pc->schema->takes_rates) {   /* Hz -> per ms */
            pop->nrate = pc->nrates;
            pop->rate_t = malloc(pc->nrates * sizeof *pop->rate_t);
            pop->rate_r = malloc(pc->nrates * sizeof *pop->rate_r);
            if (!pop->rate_t || !pop->rate_r) {
                rc = hs_nomem(err, NULL);
                goto fail;
            }
            for (size_t k = 0; k < pc->nrates; k++) {
                pop->rate_t[k] = pc->rate_t[k];
                pop->rate_r[k] = pc->rate_v[k] * 1e-3;
            }
        }
        if (!(pop->rng = hs_rng_stream(cfg->seed, pc->name, "dynamics"))) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        pop->key = hs_rng_derive(cfg->seed, pc->name, "neurons");
    }
    for (int k = 0; k < hee_pops && rt->binary; k++) {
        const hs_heecfg *h = cfg->hee;
        hs_pop *pop = &net->pops[cfg->npops + k];
        const int pool = k >= 2 * h->nlayers, l = pool ? k - 2 * h->nlayers + 1 : k / 2;
        pop->model = hs_model_find("neural_sampling");
        pop->name = rt->popname[k];
        pop->n = h->layers[l].size * (pool ? h->layers[l - 1].size : 1);
        pop->gid0 = (uint32_t)gid;
        gid += pop->n;
        pop->params[0] = k % 2 || pool ? h->tau_eps : h->tau_x;   /* its tau_ref */
        net->record[cfg->npops + k] = pool ? 0 : k % 2 ? h->spikes_eps[l] : h->spikes_x[l];
        if (!(pop->rng = hs_rng_stream(cfg->seed, pop->name, "dynamics")) ||
            (rc = hee_binary_bias(rt, k, pop, err))) {
            rc = rc ? rc : hs_nomem(err, NULL);
            goto fail;
        }
    }
    for (int k = 0; k < hee_pops && !rt->binary; k++) {
        const hs_heecfg *h = cfg->hee;
        hs_pop *pop = &net->pops[cfg->npops + k];
        pop->model = &hs_model_point_process;
        pop->name = rt->popname[k];
        pop->n = (rt->pushpull ? 2 : 1) * rt->P * h->layers[k / 2].size;
        pop->gid0 = (uint32_t)gid;
        gid += pop->n;
        pop->params[HS_PP_P] = rt->P;
        pop->params[HS_PP_TAU_REF] = rt->tau_ref;
        pop->params[HS_PP_TAU_SYN] = rt->tau_syn;
        net->record[cfg->npops + k] = k % 2 ? h->spikes_eps[k / 2] : h->spikes_x[k / 2];
        if (!(pop->rng = hs_rng_stream(cfg->seed, pop->name, "dynamics"))) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
    }
    if (gid >= UINT32_MAX) {
        rc = hs_error_set(err, HS_ENOMEM, cfg->path, 0, 0, "too many neurons");
        goto fail;
    }
    net->nneurons = (uint32_t)gid;
    net->pop_of = malloc((gid ? gid : 1) * sizeof *net->pop_of);
    if (!net->pop_of || cfg->npops > UINT16_MAX) {
        rc = hs_nomem(err, NULL);
        goto fail;
    }
    for (int p = 0; p < net->npops; p++)
        for (uint32_t i = 0; i < net->pops[p].n; i++)
            net->pop_of[net->pops[p].gid0 + i] = (uint16_t)p;
    own_range(net->nneurons, rank, nranks, &net->own_lo, &net->own_hi);

    for (int k = 0; k < cfg->nprojs; k++) {
        const hs_projcfg *pc = &cfg->projs[k];
        hs_proj *pr = &net->projs[k];
        pr->from = pc->from;
        pr->to = pc->to;
        pr->d = pc->delay;
        pr->offsets = net->pops[pc->to].model->schema.needs_offsets;
        const uint32_t npre = net->pops[pc->from].n, npost = net->pops[pc->to].n;
        /* a hee: population's size is known only now (neurons per unit) */
        if (pc->conn == HS_CONN_ONE && npre != npost) {
            rc = hs_error_set(err, HS_ECONFIG, cfg->path, pc->line, pc->col,
                              "one_to_one needs equal sizes, but '%s' has %u and '%s' has %u "
                              "neurons", net->pops[pc->from].name, npre, net->pops[pc->to].name,
                              npost);
            goto fail;
        }
        if (pc->conn == HS_CONN_INDEG &&
            pc->indegree > npre - (pc->from == pc->to && !pc->autapses ? 1u : 0u)) {
            rc = hs_error_set(err, HS_ECONFIG, cfg->path, pc->line, pc->col,
                              "'fixed_indegree' %u exceeds the %u neurons of '%s'", pc->indegree,
                              npre, net->pops[pc->from].name);
            goto fail;
        }
        char id[64];
        snprintf(id, sizeof id, "projection:%d", k);
        gsl_rng *r = hs_rng_stream(cfg->seed, id, "connect");
        coo c = {.with_delay = pc->conn == HS_CONN_FILE && pc->edelay};
        if (!r) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        /* the targets this process owns, as indices into the target population */
        const uint32_t g0 = net->pops[pc->to].gid0;
        const uint32_t lo = index_in(net->own_lo, g0, npost), hi = index_in(net->own_hi, g0, npost);
        if (pc->conn == HS_CONN_INDEG) {
            rc = indegree_csr(cfg, k, npre, lo, hi, hs_rng_derive(cfg->seed, id, "sources"),
                              !one_weight(pc, net->pops[pc->to].model), pr, err);
        } else {
            rc = generate(cfg, k, npre, npost, lo, hi, &c, r, err);
            if (rc == HS_OK)
                rc = to_csr(&c, npre, pr, cfg->threads, err);
        }
        gsl_rng_free(r);
        if (rc == HS_OK && !pr->w) {
            pr->w0 = pc->weight.a;
        } else if (rc == HS_OK) {   /* one weight for all? (NaN compares unequal: stays NaN) */
            const uint64_t ns = pr->row[npre];
            pr->w0 = ns ? pr->w[0] : NAN;
            for (uint64_t e = 1; e < ns && !isnan(pr->w0); e++)
                if (!(pr->w[e] == pr->w0))
                    pr->w0 = NAN;
        }
        if (rc == HS_OK && net->pops[pc->to].model->exp_weights) {
            const uint64_t ns = pr->row[npre];
            if (!(pr->ew = malloc((ns ? ns : 1) * sizeof *pr->ew)))
                rc = hs_nomem(err, NULL);
            for (uint64_t e = 0; rc == HS_OK && e < ns; e++)
                pr->ew[e] = exp(pr->w[e]);
        }
        coo_free(&c);
        if (rc)
            goto fail;
    }
    if (hee_projs) {
        struct hs_couplings *hw = calloc(1, sizeof *hw);
        uint32_t nmax = 1;
        for (int k = 0; k < hee_pops; k++)
            nmax = net->pops[cfg->npops + k].n > nmax ? net->pops[cfg->npops + k].n : nmax;
        if (hw) {
            net->couplings = hw;
            hw->pop0 = cfg->npops;
            hw->npops = hee_pops;
            hw->delta = malloc(((size_t)net->nneurons - net->pops[cfg->npops].gid0 + 1) *
                               sizeof *hw->delta);
            hw->bias = malloc(nmax * sizeof *hw->bias);
        }
        if (!hw || !hw->delta || !hw->bias) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        if ((rc = hee_binary_wire(net, cfg, rt, err)))
            goto fail;
        rt->sync = hee_sync;
        rt->sync_ctx = net;
    }
    /* the delays of the whole network: the engine's slices must be the same in every process */
    delay_range(net, &net->dmin, &net->dmax);
    if (nranks > 1 && hs_comm_min_max(&net->dmin, &net->dmax)) {
        rc = hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "MPI: cannot gather the delays");
        goto fail;
    }
    if (net->dmin == INFINITY)
        net->dmin = 0;
    for (int p = 0; p < net->npops; p++) {
        int n = 0;
        for (int k = 0; k < net->nprojs; k++)
            n += net->projs[k].from == p;
        if (!(net->out_projs[p] = malloc(((size_t)n + 1) * sizeof(int)))) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
        n = 0;
        for (int k = 0; k < net->nprojs; k++)
            if (net->projs[k].from == p)
                net->out_projs[p][n++] = k;
        net->out_projs[p][n] = -1;
    }
    for (int p = 0; p < net->npops; p++) {
        hs_pop *pop = &net->pops[p];
        if ((rc = pop->model->init(pop, net, pop->rng, err)))
            goto fail;
    }
    /* Initial input: binary units that start on send their onset through the couplings. */
    for (int p = 0; p < cfg->npops; p++) {
        hs_pop *pop = &net->pops[p];
        if (!pop->model->zstate)
            continue;
        for (uint32_t i = 0; i < pop->n; i++)
            if (pop->model->zstate(pop, i))
                for (const int *o = net->out_projs[p]; *o >= 0; o++) {
                    const hs_proj *pr = &net->projs[*o];
                    hs_pop *tp = &net->pops[pr->to];
                    if (!pr->offsets)
                        continue;   /* a state, not a spike: only state-driven targets */
                    tp->model->receive(tp, 0.0, pr->col + pr->row[i],
                                       pr->w ? pr->w + pr->row[i] : NULL,
                                       pr->ew ? pr->ew + pr->row[i] : NULL,
                                       (size_t)(pr->row[i + 1] - pr->row[i]),
                                       pr->w ? 1.0 : pr->w0, net);
                }
    }
    for (int p = 0; p < cfg->npops; p++)
        if (cfg->record_dist[p] && (rc = hs_net_monitor_states(net, p, err)))
            goto fail;
    if (hee_pops) {
        size_t L = (size_t)cfg->hee->nlayers;
        hs_pop **xp = malloc(2 * L * sizeof *xp), **ep = xp + L;
        for (size_t l = 0; xp && l < L; l++) {
            xp[l] = &net->pops[cfg->npops + 2 * l];
            ep[l] = &net->pops[cfg->npops + 2 * l + 1];
        }
        int inputs = 0;
        for (int k = 0; k < cfg->nprojs; k++)
            inputs |= cfg->projs[k].to >= cfg->npops;
        int bad = !xp || hs_hee_rt_attach(rt, xp, ep, inputs, net);
        free(xp);
        if (!bad && hee_pops > 2 * (int)L) {   /* bottom_up: exchange, the pools */
            bad = !(rt->ppop = calloc(L, sizeof *rt->ppop));
            for (size_t l = 1; !bad && l < L; l++)
                rt->ppop[l] = &net->pops[cfg->npops + 2 * (int)L + (int)l - 1];
        }
        if (bad) {
            rc = hs_nomem(err, NULL);
            goto fail;
        }
    }
    if (cfg->var_every > 0 && (rc = add_varmon(cfg, net, err)))
        goto fail;
    for (int k = 0; k < net->nprocs; k++)
        hs_sched(net, net->nneurons + (uint32_t)k, 0.0);
    if (net->evq_failed) {   /* the engine could not make the event queues */
        rc = hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for the event queues");
        goto fail;
    }
    *out = net;
    return HS_OK;
fail:
    hs_net_free(net);
    return rc;
}

void hs_net_set_spike_sink(hs_net *net, hs_spike_fn fn, void *ctx)
{
    net->sink = fn;
    net->sink_ctx = ctx;
}

int hs_net_npops(const hs_net *net) { return net->npops; }
const char *hs_net_pop_name(const hs_net *net, int p) { return net->pops[p].name; }
const char *hs_net_pop_model(const hs_net *net, int p)
{
    return net->pops[p].model->schema.name;
}
size_t hs_net_pop_size(const hs_net *net, int p) { return net->pops[p].n; }
uint64_t hs_net_pop_spikes(const hs_net *net, int p) { return net->spikes[p]; }
uint64_t hs_net_events(const hs_net *net) { return net->events; }
uint64_t hs_net_syn_events(const hs_net *net) { return net->syn_events; }

int hs_net_pop_find(const hs_net *net, const char *name)
{
    for (int p = 0; p < net->npops; p++)
        if (!strcmp(net->pops[p].name, name))
            return p;
    return -1;
}

void *hs_net_proc(const hs_net *net, const hs_proc_ops *ops)
{
    for (int k = 0; k < net->nprocs; k++)
        if (net->procs[k].ops == ops)
            return net->procs[k].self;
    return NULL;
}

size_t hs_net_hee_units(const hs_net *net)
{
    const hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    return rt ? rt->m.ntotal : 0;
}

unsigned hs_net_hee_chains(const hs_net *net)
{
    const hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    return rt ? rt->B : 1;
}

uint64_t hs_net_hee_steps(const hs_net *net)
{
    const hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    return rt && !rt->binary ? rt->step : 0;   /* (bernoulli spiking: event-driven neurons) */
}

size_t hs_net_synapses(const hs_net *net)
{
    size_t n = 0;
    for (int k = 0; k < net->nprojs; k++)
        n += net->projs[k].row[net->projs[k].npre];
    return n;
}

void hs_net_describe(const hs_net *net, FILE *f)
{
    fprintf(f, "network '%s': %u neurons, %zu synapses\n", net->cfg->name, net->nneurons,
            hs_net_synapses(net));
    for (int p = 0; p < net->npops; p++)
        fprintf(f, "  population %-16s %-16s %10u neurons\n", net->pops[p].name,
                net->pops[p].model->schema.name, net->pops[p].n);
    for (int k = 0; k < net->nprocs; k++)
        net->procs[k].ops->describe(net->procs[k].self, f);
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        fprintf(f, "  projection %s -> %s: %llu synapses, delay %s%g ms\n",
                net->pops[pr->from].name, net->pops[pr->to].name,
                (unsigned long long)pr->row[pr->npre], pr->delay ? "per synapse, first " : "",
                pr->delay ? pr->delay[0] : pr->d);
    }
}

int hs_net_boltzmann(const hs_net *net, int p, double **bias, double **w, hs_error *err)
{
    *bias = *w = NULL;
    const hs_pop *pop = &net->pops[p];
    if (!pop->model->zstate || !pop->bias)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "population '%s' (model '%s') is not a binary sampling population",
                            pop->name, pop->model->schema.name);
    size_t K = pop->n;
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        if (pr->to == p && pr->from != p && pr->row[pr->npre] > 0)
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                "population '%s' receives input from '%s'; its distribution "
                                "is not the Boltzmann distribution of its own couplings",
                                pop->name, net->pops[pr->from].name);
    }
    double *b = malloc(K * sizeof *b), *W = calloc(K * K, sizeof *W);
    if (!b || !W) {
        free(b);
        free(W);
        return hs_nomem(err, NULL);
    }
    memcpy(b, pop->bias, K * sizeof *b);
    for (int k = 0; k < net->nprojs; k++) {
        const hs_proj *pr = &net->projs[k];
        if (pr->from != p || pr->to != p)
            continue;
        for (uint32_t i = 0; i < pr->npre; i++)
            for (uint64_t s = pr->row[i]; s < pr->row[i + 1]; s++)
                if (pr->col[s] != i)
                    W[i * K + pr->col[s]] += hs_proj_weight(pr, s);
    }
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < i; j++)
            if (fabs(W[i * K + j] - W[j * K + i]) > 1e-12 * (1 + fabs(W[i * K + j]))) {
                int rc = hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                      "the couplings of '%s' are not symmetric: W[%zu][%zu] = "
                                      "%g but W[%zu][%zu] = %g", pop->name, i, j,
                                      W[i * K + j], j, i, W[j * K + i]);
                free(b);
                free(W);
                return rc;
            }
    *bias = b;
    *w = W;
    return HS_OK;
}

int hs_net_monitor_states(hs_net *net, int p, hs_error *err)
{
    const hs_pop *pop = &net->pops[p];
    if (!pop->model->zstate || pop->n > 24)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "cannot monitor the joint state of '%s' (binary units, at most 24)",
                            pop->name);
    free(net->mon_times);
    net->mon_times = calloc((size_t)1 << pop->n, sizeof *net->mon_times);
    if (!net->mon_times)
        return hs_nomem(err, NULL);
    net->mon_pop = p;
    net->mon_tlast = net->t;
    net->mon_state = 0;
    for (uint32_t i = 0; i < pop->n; i++)
        if (pop->model->zstate(pop, i))
            net->mon_state |= 1u << i;
    return HS_OK;
}

double hs_net_state_times(const hs_net *net, double *out)
{
    if (net->mon_pop < 0)
        return 0.0;
    size_t S = (size_t)1 << net->pops[net->mon_pop].n;
    memcpy(out, net->mon_times, S * sizeof *out);
    out[net->mon_state] += net->t - net->mon_tlast;
    double tot = 0;
    for (size_t s = 0; s < S; s++)
        tot += out[s];
    return tot;
}
