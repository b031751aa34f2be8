/* hee_train.c -- the training command: the loop, checkpoints, the learning curve and the
 * trained model file (the plasticity itself is the process's: src/proc/hee_plast.c)
 *
 * Phase order of one training step (the same as a run's, plus plasticity):
 *   1. at the first step of an item: the next item on layer 0 (hs_hee_rt_item)
 *   2. the learning-curve row, when due (model time a multiple of `log`)
 *   3. the checkpoint, when due; or, when asked to stop, a checkpoint and the end
 *   4. the engine runs the network up to the next row or checkpoint: at each step of the
 *      process the membranes advance by dt (hs_hee_rt_advance) and then, once the item has
 *      settled, every parameter moves by lr(t) dt times its local term, computed from the
 *      statistics of that advance (the state at t) -- the process's after-step hook
 *      (learn_after); spikes of the spike realisation are the engine's events in between
 *
 * checkpoint.bin holds everything the rest of the run depends on: the parameters, every state
 * variable, the random stream, the step and the learning curve so far; so a run resumed from it
 * continues bit for bit as if it had never stopped (in the spike realisation: every neuron's
 * state and random stream too).  It is native-endian binary, for the machine that wrote it:
 * "HSCKPT" and two digits of format version (CKPT_VERSION), the contents, "HSCKEND\n", and the
 * SHA-256 of everything before it as 64 hex digits, so that a flipped bit or a file of another
 * format is refused instead of resumed from (doc/learning.md).
 */
#include "hs-config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/stat.h>

#include "data/dataset.h"
#include "data/image.h"
#include "app/hee_train.h"
#include "config/config.h"
#include "net/hee_spec.h"
#include "net/net.h"
#include "record/output.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/rng.h"
#include "util/infile.h"
#include "util/sha256.h"


/* The magic, then the format version (two digits: version 01 had no checksum). */
static const char CKPT_MAGIC[6] = {'H', 'S', 'C', 'K', 'P', 'T'};
static const char CKPT_VERSION[2] = {'0', '2'};
static const char CKPT_END[8] = {'H', 'S', 'C', 'K', 'E', 'N', 'D', '\n'};
enum { CKPT_SUM = 64 };   /* the SHA-256 at the end, in hex */

/* ---- the learning curve --------------------------------------------------------------------- */

enum {
    COL_T, COL_EPOCH, COL_ITEM, COL_LR, COL_WNORM, COL_DW, COL_RELAX, COL_SEP, COL_LLTRAIN,
    COL_LLHOLD, NCOL
};

typedef struct curve {
    size_t n, cap;
    double *rows;        /* n x NCOL */
    double ais_se[2];    /* the last row's log-likelihoods by AIS: their standard errors */
    size_t ais_n[2];     /* and the items they were taken over */
    double *Wprev;       /* all W concatenated, at the previous row */
    size_t nW;
} curve;

static int curve_push(curve *c, const double *row)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        double *r = realloc(c->rows, cap * NCOL * sizeof *r);
        if (!r)
            return -1;
        c->rows = r;
        c->cap = cap;
    }
    memcpy(c->rows + c->n++ * NCOL, row, NCOL * sizeof *row);
    return 0;
}

/* At most this many items enter each log-likelihood evaluation. */
#define LL_ITEMS 2000

/* Items presented by step rt->step: presentations, each of one item per chain. */
static uint64_t items_presented(const hs_hee_rt *rt)
{
    return rt->step / rt->present_steps * rt->B;
}

static int curve_row(curve *c, const hs_hee_rt *rt, double lr, int *has_ll)
{
    const hs_hee *m = &rt->m;
    const hs_dataset *ds = rt->ds;
    double row[NCOL];
    const uint64_t k = items_presented(rt);
    row[COL_T] = (double)rt->step * rt->dt;
    row[COL_EPOCH] = (double)(k / rt->ntrain);
    row[COL_ITEM] = (double)k;
    row[COL_LR] = lr * 1e3;
    double wn = 0, dw = 0;
    size_t q = 0;
    for (int l = 1; l < m->L; l++) {
        size_t cells = (size_t)m->layer[l - 1].n * m->layer[l].n;
        for (size_t i = 0; i < cells; i++, q++) {
            double w = m->W[l][i];
            wn += w * w;
            dw += (w - c->Wprev[q]) * (w - c->Wprev[q]);
            c->Wprev[q] = w;
        }
    }
    row[COL_WNORM] = sqrt(wn);
    row[COL_DW] = c->n ? sqrt(dw) : NAN;
    if (hs_hee_timescales(m, rt->par.tau_x, rt->par.tau_eps, &row[COL_RELAX], &row[COL_SEP]))
        row[COL_RELAX] = row[COL_SEP] = NAN;
    row[COL_LLTRAIN] = row[COL_LLHOLD] = NAN;
    *has_ll = hs_hee_loglik_available(m);
    if (*has_ll) {
        size_t ntr = rt->ntrain < LL_ITEMS ? rt->ntrain : LL_ITEMS;
        size_t nho = ds->n - rt->ntrain;
        if (nho > LL_ITEMS)
            nho = LL_ITEMS;
        if (hs_hee_loglik(m, ds->x, ntr, &row[COL_LLTRAIN]))
            row[COL_LLTRAIN] = NAN;
        if (nho && hs_hee_loglik(m, ds->x + rt->ntrain * ds->dim, nho, &row[COL_LLHOLD]))
            row[COL_LLHOLD] = NAN;
    }
    return curve_push(c, row);
}

/* The learning curve; t_int >= 0: the training was interrupted at t_int ms (the step it
 * stopped at, as model.yaml says, not the last row's time). */
static void curve_write(const curve *c, const hs_config *cfg, FILE *f, int has_ll,
                        double llmax, double t_int)
{
    fprintf(f, "# hee-snn %s\n# seed: %llu\n# network: %s\n# realisation: %s\n", PACKAGE_VERSION,
            (unsigned long long)cfg->seed, cfg->name,
            cfg->hee->realisation == HS_HEE_SPIKE ? "spike" : "rate");
    if (has_ll == 2)
        fprintf(f, "# loglik_*: only the last row, by annealed importance sampling (learn: ais): "
                   "training %.6g +- %.3g over its first %zu items, held out %.6g +- %.3g over "
                   "%zu\n", c->rows[(c->n - 1) * NCOL + COL_LLTRAIN], c->ais_se[0], c->ais_n[0],
                c->rows[(c->n - 1) * NCOL + COL_LLHOLD], c->ais_se[1], c->ais_n[1]);
    else if (has_ll)
        fputs("# loglik_*: mean log-likelihood per item (nats), exact; training items: the "
              "first up to 2000\n", f);
    if (has_ll && isfinite(llmax))
        fprintf(f, "# loglik_max: %.9g (the maximum over all parameters on the same training "
                   "items: probabilistic PCA, closed form)\n", llmax);
    if (cfg->hee->chains > 1)
        fprintf(f, "# chains: %u, each on its own item; items counts those of every chain\n",
                cfg->hee->chains);
    if (cfg->hee->learn->wake_sleep)
        fputs("# learning: wake-sleep (Hinton et al. 1995): no dynamics; time_ms = items x "
              "present\n", f);
    fputs("# relax_ms: slowest relaxation of the latent layers; separation: principal over "
          "interneuron time scale (doc/learning.md)\n", f);
    fputs("time_ms\tepoch\titems\tlearning_rate_hz\tw_norm\tdw_norm\trelax_ms\tseparation", f);
    if (has_ll)
        fputs("\tloglik_train\tloglik_holdout", f);
    fputc('\n', f);
    for (size_t i = 0; i < c->n; i++) {
        const double *r = c->rows + i * NCOL;
        fprintf(f, "%.6f\t%.0f\t%.0f\t%.9g\t%.9g\t%.9g\t%.4g\t%.4g", r[COL_T], r[COL_EPOCH],
                r[COL_ITEM], r[COL_LR], r[COL_WNORM], r[COL_DW], r[COL_RELAX], r[COL_SEP]);
        if (has_ll)
            fprintf(f, "\t%.9g\t%.9g", r[COL_LLTRAIN], r[COL_LLHOLD]);
        fputc('\n', f);
    }
    if (t_int >= 0)
        fprintf(f, "# interrupted_at_ms: %.17g\n", t_int);
}

/* ---- checkpoints ---------------------------------------------------------------------------- */

/* What a checkpoint must match: the resolved configuration without its duration and output,
 * which may change between an interrupted run and its resumption. */
static int config_hash(const hs_config *cfg, uint64_t *hash, hs_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return hs_nomem(err, NULL);
    int rc = hs_config_write(cfg, f, err);
    fclose(f);
    if (rc) {
        free(text);
        return rc;
    }
    uint64_t hv = 0xcbf29ce484222325ULL;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "duration:", 9) && strncmp(line, "output:", 7) && line[0] != '#')
            hv = hs_fnv1a64(hv, line);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    *hash = hv;
    return HS_OK;
}

/* Every array of the runtime a continuation depends on, in a fixed order. */
typedef struct span {
    void *p;
    size_t n;
    size_t sz;          /* bytes per element: doubles, and the uint64 clocks of bernoulli units */
} span;

#define SPAN(ptr, count) ((span){(ptr), (count), sizeof *(ptr)})

static size_t state_spans(hs_hee_rt *rt, span *s)
{
    hs_hee *m = &rt->m;
    const size_t N = m->ntotal, NB = N * rt->B;   /* every chain's state */
    size_t k = 0;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        s[k++] = SPAN(ly->b, ly->n);
        if (ly->J)
            s[k++] = SPAN(ly->J, (size_t)ly->n * ly->n);
        if (l > 0)
            s[k++] = SPAN(m->W[l], (size_t)m->layer[l - 1].n * ly->n);
    }
    s[k++] = SPAN(rt->x, NB);
    s[k++] = SPAN(rt->eps, NB);
    s[k++] = SPAN(rt->c, NB);
    s[k++] = SPAN(rt->kappa, NB);
    if (rt->tick_x) {   /* bernoulli units: their clocks, and the exchange pools */
        s[k++] = SPAN(rt->tick_x, N);
        s[k++] = SPAN(rt->tick_e, N);
        for (int l = 1; rt->pool && l < m->L; l++) {
            s[k++] = SPAN(rt->pool[l], (size_t)m->layer[l].n * m->layer[l - 1].n);
            s[k++] = SPAN(rt->tick_p[l], (size_t)m->layer[l].n * m->layer[l - 1].n);
        }
    }
    if (rt->spike && !rt->binary) {   /* the budget between its updates */
        s[k++] = SPAN(rt->bL, rt->nfree * rt->nfree);
        s[k++] = SPAN(rt->ebeta, N);
    }
    return k;
}

/* The spike realisation's neurons: per population its state, random stream and spike count,
 * then the engine's sequence counter. */
static int pops_write(hs_net *net, FILE *f)
{
    for (int p = net->cfg->npops; p < net->npops; p++) {
        hs_pop *pop = &net->pops[p];
        size_t nb = pop->model->state_bytes(pop);
        char *buf = malloc(nb);
        if (!buf)
            return -1;
        pop->model->save(pop, buf);
        size_t w = fwrite(buf, 1, nb, f);
        free(buf);
        if (w != nb || gsl_rng_fwrite(f, pop->rng) ||
            fwrite(&net->spikes[p], sizeof net->spikes[p], 1, f) != 1)
            return -1;
    }
    return fwrite(&net->seq, sizeof net->seq, 1, f) == 1 ? 0 : -1;
}

static int pops_read(hs_net *net, FILE *f)
{
    for (int p = net->cfg->npops; p < net->npops; p++) {
        hs_pop *pop = &net->pops[p];
        size_t nb = pop->model->state_bytes(pop);
        char *buf = malloc(nb);
        if (!buf)
            return -1;
        int bad = fread(buf, 1, nb, f) != nb;
        if (!bad)
            pop->model->load(pop, buf, net);
        free(buf);
        if (bad || gsl_rng_fread(f, pop->rng) || !hs_rng_state_ok(pop->rng) ||
            fread(&net->spikes[p], sizeof net->spikes[p], 1, f) != 1)
            return -1;
    }
    return fread(&net->seq, sizeof net->seq, 1, f) == 1 ? 0 : -1;
}

static uint64_t hee_spikes(const hs_net *net)
{
    uint64_t n = 0;
    for (int p = net->cfg->npops; p < net->npops; p++)
        n += net->spikes[p];
    return n;
}

/* The checksum of a checkpoint's n bytes b, as its last 64 bytes hold it. */
static void ckpt_sum(const char *b, size_t n, char sum[65])
{
    hs_sha256 h;
    hs_sha256_init(&h);
    hs_sha256_update(&h, b, n);
    hs_sha256_final(&h, sum);
}

static int ckpt_write(hs_net *net, const curve *c, uint64_t hash, const char *dir,
                      hs_error *err)
{
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    /* pending parameter changes into the synapses first, in a run that stops here and in one
     * that goes on alike (spike realisation of bernoulli layers; nothing otherwise) */
    if (hs_hee_rt_settle(rt, (double)rt->step * rt->dt))
        return hs_nomem(err, NULL);
    hs_out out;
    int rc = hs_out_open(&out, dir, err);
    if (rc)
        return rc;
    FILE *f = hs_out_file(&out, "checkpoint.bin", err);
    if (!f) {
        hs_out_abort(&out);
        return err->code;
    }
    /* the contents in memory first, for their checksum */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        hs_out_abort(&out);
        return hs_nomem(err, NULL);
    }
    span s[5 * 64 + 16];
    size_t ns = state_spans(rt, s);
    uint64_t hdr[5] = {hash, rt->step, hee_spikes(net), rt->m.ntotal, c->n};
    fwrite(CKPT_MAGIC, 1, sizeof CKPT_MAGIC, m);
    fwrite(CKPT_VERSION, 1, sizeof CKPT_VERSION, m);
    fwrite(hdr, sizeof hdr[0], 5, m);
    for (size_t i = 0; i < ns; i++)
        fwrite(s[i].p, s[i].sz, s[i].n, m);
    fwrite(c->rows, sizeof(double), c->n * NCOL, m);
    fwrite(c->Wprev, sizeof(double), c->nW, m);
    int bad = gsl_rng_fwrite(m, rt->rng) || pops_write(net, m);
    if (rt->B > 1)   /* the chains' streams */
        fwrite(rt->xo, sizeof *rt->xo, rt->B, m);
    fwrite(CKPT_END, 1, sizeof CKPT_END, m);
    bad |= ferror(m) != 0;
    if (fclose(m) != 0 || bad) {
        free(buf);
        hs_out_abort(&out);
        return hs_nomem(err, NULL);   /* (a memory stream fails only for memory) */
    }
    char sum[65];
    ckpt_sum(buf, len, sum);
    fwrite(buf, 1, len, f);
    fwrite(sum, 1, CKPT_SUM, f);
    free(buf);
    return hs_out_commit(&out, err);
}

/* path's contents into *buf (caller frees), checked: the magic, the format version and the
 * checksum; *len excludes the checksum.  Errors name path: HS_ECONFIG when there is no file,
 * HS_EIO when it cannot be read or is not an intact checkpoint of this version. */
static int ckpt_load(const char *path, char **buf, size_t *len, hs_error *err)
{
    *buf = NULL;
    FILE *f = hs_fopen_regular(path, "rb", NULL);
    if (!f)
        return hs_error_set(err, HS_ECONFIG, path, 0, 0, "no checkpoint to resume from");
    struct stat st;
    size_t n = 0;
    char *b = NULL;
    int rc = HS_OK;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0)
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot read the checkpoint");
    else if (!(b = malloc((n = (size_t)st.st_size) + 1)))
        rc = hs_nomem(err, NULL);
    else if (fread(b, 1, n, f) != n)
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot read the checkpoint");
    fclose(f);
    if (rc == HS_OK && (n < sizeof CKPT_MAGIC + sizeof CKPT_VERSION + CKPT_SUM ||
                        memcmp(b, CKPT_MAGIC, sizeof CKPT_MAGIC)))
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "not a hee-snn checkpoint");
    else if (rc == HS_OK && memcmp(b + sizeof CKPT_MAGIC, CKPT_VERSION, sizeof CKPT_VERSION))
        rc = hs_error_set(err, HS_EIO, path, 0, 0,
                          "checkpoint format version %.2s; this hee-snn reads version %.2s "
                          "(train again without --resume)", b + sizeof CKPT_MAGIC, CKPT_VERSION);
    if (rc == HS_OK) {
        char sum[65];
        ckpt_sum(b, n - CKPT_SUM, sum);
        if (memcmp(sum, b + n - CKPT_SUM, CKPT_SUM))
            rc = hs_error_set(err, HS_EIO, path, 0, 0,
                              "the checkpoint is corrupt: its SHA-256 checksum does not match "
                              "its contents");
    }
    if (rc) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n - CKPT_SUM;
    return HS_OK;
}

/* The bytes of a checkpoint of net with rows curve rows, whose state is the spans s[0..ns-1],
 * without its checksum. */
static uint64_t ckpt_bytes(hs_net *net, const span *s, size_t ns, const curve *c, uint64_t rows)
{
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    uint64_t n = sizeof CKPT_MAGIC + sizeof CKPT_VERSION + 5 * sizeof(uint64_t) + sizeof CKPT_END;
    for (size_t i = 0; i < ns; i++)
        n += s[i].n * s[i].sz;
    n += (rows * NCOL + c->nW) * sizeof(double) + gsl_rng_size(rt->rng) + sizeof net->seq;
    if (rt->B > 1)
        n += rt->B * sizeof *rt->xo;
    for (int p = net->cfg->npops; p < net->npops; p++)
        n += net->pops[p].model->state_bytes(&net->pops[p]) + gsl_rng_size(net->pops[p].rng) +
             sizeof net->spikes[p];
    return n;
}

static int ckpt_read(hs_net *net, curve *c, uint64_t hash, const char *dir, hs_error *err)
{
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    char *buf;
    size_t len = 0;
    int rc = ckpt_load(path, &buf, &len, err);
    if (rc)
        return rc;
    FILE *f = fmemopen(buf, len, "rb");
    if (!f) {
        free(buf);
        return hs_nomem(err, NULL);
    }
    char end[8];
    uint64_t hdr[5];
    if (fseek(f, sizeof CKPT_MAGIC + sizeof CKPT_VERSION, SEEK_SET) != 0 ||
        fread(hdr, sizeof hdr[0], 5, f) != 5) {
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "the checkpoint is truncated");
        goto done;
    }
    if (hdr[0] != hash || hdr[3] != rt->m.ntotal) {
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0,
                          "the checkpoint was written for a different network or seed; only "
                          "'duration' and 'output' may change before --resume");
        goto done;
    }
    span s[5 * 64 + 16];
    size_t ns = state_spans(rt, s);
    /* The size the header implies, checked before reading on: gsl_rng_fread on a short file
     * calls GSL's error handler, whose default aborts (found by fuzzing). */
    if (hdr[4] > (uint64_t)len / (NCOL * sizeof(double)) ||
        (uint64_t)len != ckpt_bytes(net, s, ns, c, hdr[4])) {
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "the checkpoint is truncated or corrupt "
                          "(%zu bytes, not the size its header implies)", len + CKPT_SUM);
        goto done;
    }
    for (size_t i = 0; i < ns && rc == HS_OK; i++)
        if (fread(s[i].p, s[i].sz, s[i].n, f) != s[i].n)
            rc = -1;
    c->n = 0;
    for (uint64_t r = 0; r < hdr[4] && rc == HS_OK; r++) {
        double row[NCOL];
        if (fread(row, sizeof(double), NCOL, f) != NCOL)
            rc = -1;
        else if (curve_push(c, row))
            rc = hs_nomem(err, NULL);
    }
    if (rc == HS_OK && fread(c->Wprev, sizeof(double), c->nW, f) != c->nW)
        rc = -1;
    if (rc == HS_OK &&
        (gsl_rng_fread(f, rt->rng) || !hs_rng_state_ok(rt->rng) || pops_read(net, f)))
        rc = -1;
    if (rc == HS_OK && rt->B > 1) {
        if (fread(rt->xo, sizeof *rt->xo, rt->B, f) != rt->B)
            rc = -1;
        for (uint32_t ch = 0; ch < rt->B && rc == HS_OK; ch++)
            if (!hs_xo_ok(&rt->xo[ch]))
                rc = -1;
    }
    if (rc == HS_OK && (fread(end, 1, 8, f) != 8 || memcmp(end, CKPT_END, 8)))
        rc = -1;
    if (rc == -1)
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "the checkpoint is truncated or corrupt");
    if (rc == HS_OK) {
        rt->step = hdr[1];
        hs_sched(net, net->nneurons, (double)rt->step * rt->dt);   /* the process's next step */
        if (hs_hee_rt_restored(rt, (double)rt->step * rt->dt))
            rc = hs_nomem(err, NULL);
    }
done:
    fclose(f);
    free(buf);
    return rc;
}

/* ---- the trained model ---------------------------------------------------------------------- */

/* learn: ais: the last row's log-likelihoods by annealed importance sampling, for a sigmoid belief
 * net too large to sum over (*has_ll 0 -> 2).  0, or -1 when out of memory. */
static int ais_last_row(const hs_config *cfg, const hs_hee_rt *rt, curve *c, int *has_ll)
{
    const hs_learncfg *L = cfg->hee->learn;
    if (*has_ll || !L->ais_runs || !c->n)
        return 0;
    const hs_dataset *ds = rt->ds;
    gsl_rng *r = hs_rng_stream(cfg->seed, "hee", "ais");
    if (!r)
        return -1;
    double *row = c->rows + (c->n - 1) * NCOL;
    const size_t nh = ds->n - rt->ntrain;
    c->ais_n[0] = rt->ntrain < L->ais_items ? rt->ntrain : L->ais_items;
    c->ais_n[1] = nh < L->ais_items ? nh : L->ais_items;
    row[COL_LLTRAIN] = row[COL_LLHOLD] = NAN;
    c->ais_se[0] = c->ais_se[1] = NAN;
    int bad = hs_hee_ais_loglik(&rt->m, ds->x, c->ais_n[0], L->ais_runs, L->ais_betas, r,
                                &row[COL_LLTRAIN], &c->ais_se[0]);
    if (!bad && c->ais_n[1])
        bad = hs_hee_ais_loglik(&rt->m, ds->x + rt->ntrain * ds->dim, c->ais_n[1], L->ais_runs,
                                L->ais_betas, r, &row[COL_LLHOLD], &c->ais_se[1]);
    gsl_rng_free(r);
    if (bad)
        return -1;
    *has_ll = 2;
    return 0;
}

/* model.yaml, learning.tsv (its last row by AIS first, when asked: *has_ll may become 2) and
 * config.yaml. */
static int write_outputs(const hs_config *cfg, hs_hee_rt *rt, curve *c, int *has_ll,
                         double llmax, int interrupted, hs_error *err)
{
    if (!interrupted && ais_last_row(cfg, rt, c, has_ll))
        return hs_nomem(err, NULL);
    const hs_hee *m = &rt->m;
    double *b[64], *W[64], *J[64];
    for (int l = 0; l < m->L; l++) {
        b[l] = m->layer[l].b;
        J[l] = m->layer[l].J;
        W[l] = m->W[l];
    }
    hs_hee_values p = {b, W, J, rt->ds->rows, rt->ds->cols};
    hs_out out;
    int rc = hs_out_open(&out, cfg->output, err);
    if (rc)
        return rc;
    FILE *fm = hs_out_file(&out, "model.yaml", err);
    FILE *fl = fm ? hs_out_file(&out, "learning.tsv", err) : NULL;
    FILE *fc = fl ? hs_out_file(&out, "config.yaml", err) : NULL;
    if (!fc) {
        hs_out_abort(&out);
        return err->code;
    }
    const double t_int = (double)rt->step * rt->dt;
    if (interrupted)
        fprintf(fm, "# interrupted at %.17g ms of %.17g ms; hee-snn train --resume continues\n",
                t_int, cfg->duration);
    if ((rc = hs_config_write_model(cfg, &p, fm, err)) || (rc = hs_config_write(cfg, fc, err))) {
        hs_out_abort(&out);
        return rc;
    }
    curve_write(c, cfg, fl, *has_ll, llmax, interrupted ? t_int : -1.0);
    return hs_out_commit(&out, err);
}

/* ---- the loop ------------------------------------------------------------------------------- */

typedef struct learn_ctx {
    uint64_t settle;
} learn_ctx;

/* The process's after-step hook: plasticity from the statistics of the step just taken. */
static int learn_after(hs_hee_rt *rt, void *ctx, hs_error *err)
{
    (void)err;
    const learn_ctx *lc = ctx;
    const uint64_t s = rt->step - 1;
    if (s % rt->present_steps >= lc->settle)
        hs_hee_rt_learn(rt, hs_hee_learning_rate(&rt->par.learn, (double)s * rt->dt) * rt->dt);
    return HS_OK;
}

static uint64_t next_multiple(uint64_t s, uint64_t k) { return (s / k + 1) * k; }

/* The result of a training that ended at rt->step, its curve c. */
static void finish(hs_train_result *res, const hs_hee_rt *rt, const curve *c, int has_ll)
{
    res->steps = rt->step;
    res->t_end = (double)rt->step * rt->dt;
    res->items = items_presented(rt);
    res->epochs = res->items / rt->ntrain;
    res->has_loglik = has_ll;
    if (c->n) {
        res->loglik_train = c->rows[(c->n - 1) * NCOL + COL_LLTRAIN];
        res->loglik_holdout = c->rows[(c->n - 1) * NCOL + COL_LLHOLD];
    }
}

/* ---- wake-sleep (learn: method: wake-sleep) ------------------------------------------------
 * The sigmoid belief net of a hee: block of bernoulli layers without lateral couplings, learnt
 * by the wake-sleep algorithm (Hinton, Dayan, Frey and Neal 1995, Science 268:1158) as the
 * baseline of the HEE's local rule: a recognition net q(x_l = 1 | x_{l-1}) =
 * sigmoid(R_l^T x_{l-1} + c_l), R_l shaped like W_l, both starting at 0.  Per item v, with step
 * g = learning rate x (present - settle) (the HEE's learning per item):
 *   wake:  x_0 = v, x_l ~ q(. | x_{l-1}) upwards; W_{l+1} += g (x_l - sigmoid(eta_l)) x_{l+1}^T,
 *          b_l += g (x_l - sigmoid(eta_l)), eta_l = W_{l+1} x_{l+1} + b_l;
 *   sleep: y ~ the generative model (ancestral, top down); R_l += g y_{l-1} (y_l - q_l)^T,
 *          c_l += g (y_l - q_l), q_l = sigmoid(R_l^T y_{l-1} + c_l).
 * No dynamics run; the learning curve has the local rule's columns at the same item counts
 * (time_ms = items x present).  No checkpoint: --resume is refused. */

static void ws_up(const hs_hee *m, double *const *R, double *const *cb, double *x, int l,
                  gsl_rng *r, double *q, int sample)
{
    const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
    for (uint32_t j = 0; j < ly->n; j++) {
        double a = cb[l][j];
        for (uint32_t i = 0; i < lo->n; i++)
            a += R[l][(size_t)i * ly->n + j] * x[lo->off + i];
        q[j] = hs_sigmoid(a);
        if (sample)
            x[ly->off + j] = gsl_rng_uniform(r) < q[j] ? 1.0 : 0.0;
    }
}

static int ws_train(const hs_config *cfg, hs_control *ctl, hs_train_result *res, hs_error *err)
{
    const hs_learncfg *L = cfg->hee->learn;
    hs_hee_rt *rt = NULL;
    int rc = hs_net_hee_rt(cfg, &rt, err), locked = 0;
    if (rc)
        return rc;
    hs_hee *m = &rt->m;
    curve c = {0};
    double *R[64] = {0}, *cb[64] = {0};
    double *x = calloc(m->ntotal, sizeof *x), *eta = calloc(m->ntotal, sizeof *eta);
    double *q = calloc(m->ntotal, sizeof *q);
    gsl_rng *r = hs_rng_stream(cfg->seed, "wake-sleep", "samples");
    for (int l = 1; l < m->L; l++)
        c.nW += (size_t)m->layer[l - 1].n * m->layer[l].n;
    c.Wprev = calloc(c.nW ? c.nW : 1, sizeof *c.Wprev);
    int bad = !x || !eta || !q || !r || !c.Wprev;
    for (int l = 1; l < m->L && !bad; l++) {
        R[l] = calloc((size_t)m->layer[l - 1].n * m->layer[l].n, sizeof **R);
        cb[l] = calloc(m->layer[l].n, sizeof **cb);
        bad = !R[l] || !cb[l];
    }
    if (bad) {
        rc = hs_nomem(err, NULL);
        goto done;
    }
    if ((rc = hs_out_lock(cfg->output, err)))
        goto done;
    locked = 1;
    const double dt = rt->dt, present = (double)rt->present_steps * dt;
    const uint64_t total = (uint64_t)llround(cfg->duration / present);
    uint64_t log_items = (uint64_t)llround((L->log_every > 0 ? L->log_every
                                                             : cfg->duration / 100) / present);
    if (log_items < 1)
        log_items = 1;
    if (ctl) {
        ctl->phase = "training";
        ctl->end_ms = cfg->duration;
    }
    int has_ll = hs_hee_loglik_available(m);
    const double t0 = hs_wall_s();
    const size_t n0 = m->layer[0].n;
    for (uint64_t k = 0;; k++) {
        rt->step = k * rt->present_steps;
        const double t = (double)rt->step * dt, lr = hs_hee_learning_rate(&rt->par.learn, t);
        if ((k % log_items == 0 || k == total) && curve_row(&c, rt, lr, &has_ll)) {
            rc = hs_nomem(err, NULL);
            goto done;
        }
        if (k == total)
            break;
        if (ctl && ctl->stop) {
            res->interrupted = 1;
            break;
        }
        if (ctl)
            ctl->now_ms = t;
        if (hs_hee_rt_item(rt, rt->step, 0)) {
            rc = hs_nomem(err, NULL);
            goto done;
        }
        const double g = lr * (present - L->settle);
        /* wake: recognise the item, then learn to generate it */
        memcpy(x, rt->clamp, n0 * sizeof *x);
        for (int l = 1; l < m->L; l++)
            ws_up(m, R, cb, x, l, r, q, 1);
        for (int l = 0; l < m->L; l++) {
            hs_hee_layer *ly = &m->layer[l];
            hs_hee_eta(m, l, x, eta);
            for (uint32_t i = 0; i < ly->n; i++) {
                const double d = g * (x[ly->off + i] - hs_sigmoid(eta[i]));
                if (L->learn_b)
                    ly->b[i] += d;
                if (L->learn_W && l + 1 < m->L) {
                    const hs_hee_layer *up = &m->layer[l + 1];
                    double *row = m->W[l + 1] + (size_t)i * up->n;
                    for (uint32_t j = 0; j < up->n; j++)
                        row[j] += d * x[up->off + j];
                }
            }
        }
        /* sleep: dream from the generative model, then learn to recognise the dream */
        for (int l = m->L - 1; l >= 0; l--) {
            const hs_hee_layer *ly = &m->layer[l];
            hs_hee_eta(m, l, x, eta);
            for (uint32_t i = 0; i < ly->n; i++)
                x[ly->off + i] = gsl_rng_uniform(r) < hs_sigmoid(eta[i]) ? 1.0 : 0.0;
        }
        for (int l = 1; l < m->L; l++) {
            const hs_hee_layer *lo = &m->layer[l - 1], *ly = &m->layer[l];
            ws_up(m, R, cb, x, l, r, q, 0);
            for (uint32_t j = 0; j < ly->n; j++) {
                const double d = g * (x[ly->off + j] - q[j]);
                cb[l][j] += d;
                for (uint32_t i = 0; i < lo->n; i++)
                    R[l][(size_t)i * ly->n + j] += d * x[lo->off + i];
            }
        }
    }
    res->wall = hs_wall_s() - t0;
    res->no_checkpoint = 1;
    if ((rc = write_outputs(cfg, rt, &c, &has_ll, NAN, res->interrupted, err)))
        goto done;
    finish(res, rt, &c, has_ll);
    rc = res->interrupted ? HS_EINTR : HS_OK;
done:
    if (locked)
        hs_out_unlock(cfg->output);
    for (int l = 0; l < 64; l++) {
        free(R[l]);
        free(cb[l]);
    }
    free(x);
    free(eta);
    free(q);
    if (r)
        gsl_rng_free(r);
    free(c.rows);
    free(c.Wprev);
    hs_hee_rt_free(rt);
    return rc;
}

int hs_hee_train(const hs_config *cfg, int resume, hs_control *ctl, hs_train_result *res,
                 hs_error *err)
{
    memset(res, 0, sizeof *res);
    snprintf(res->outdir, sizeof res->outdir, "%s", cfg->output);
    res->loglik_train = res->loglik_holdout = res->loglik_max = NAN;
    const hs_heecfg *h = cfg->hee;
    if (!h || !h->learn)
        return hs_error_set(err, HS_ECONFIG, cfg->path, h ? h->line : 0, h ? h->col : 0,
                            "nothing to train: add 'data' and 'learn' to the 'hee' block");
    const hs_learncfg *L = h->learn;
    if (L->wake_sleep) {
        if (resume)
            return hs_error_set(err, HS_ECONFIG, cfg->path, L->line, L->col,
                                "wake-sleep training writes no checkpoint: --resume cannot "
                                "continue it (it takes seconds; train it again)");
        return ws_train(cfg, ctl, res, err);
    }
    hs_net *net = NULL;
    int rc = hs_net_compile(cfg, &net, err), locked = 0;
    if (rc)
        return rc;
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    curve c = {0};
    uint64_t hash = 0;
    for (int l = 1; l < rt->m.L; l++)
        c.nW += (size_t)rt->m.layer[l - 1].n * rt->m.layer[l].n;
    c.Wprev = calloc(c.nW ? c.nW : 1, sizeof *c.Wprev);
    if (!c.Wprev) {
        rc = hs_nomem(err, NULL);
        goto done;
    }
    if ((rc = config_hash(cfg, &hash, err)))
        goto done;
    const double dt = rt->dt;
    const uint64_t total = (uint64_t)llround(cfg->duration / dt);
    const uint64_t settle = (uint64_t)llround(L->settle / dt);
    const uint64_t log_steps = hs_hee_steps(L->log_every > 0 ? L->log_every : cfg->duration / 100,
                                        dt);
    const uint64_t ck_steps = hs_hee_steps(L->checkpoint > 0 ? L->checkpoint : cfg->duration / 10,
                                       dt);
    int first = 0;   /* the first step of a resumed run: its row and checkpoint exist */
    /* the output directory is held (record/output.h) from here, once the network and its
     * data have been read, to the end: a second training into it, whose checkpoints would
     * interleave with these, is refused before it begins */
    if ((rc = hs_out_lock(cfg->output, err)))
        goto done;
    locked = 1;
    if (resume) {
        if ((rc = ckpt_read(net, &c, hash, cfg->output, err)))
            goto done;
        if (rt->step > total) {
            rc = hs_error_set(err, HS_ECONFIG, cfg->path, 0, 0,
                              "the checkpoint is at %.17g ms, beyond the duration (%.17g ms)",
                              (double)rt->step * dt, cfg->duration);
            goto done;
        }
        if (hs_hee_rt_item(rt, rt->step, 0)) {
            rc = hs_nomem(err, NULL);
            goto done;
        }
        res->resumed = first = 1;
    }
    res->t_start = (double)rt->step * dt;
    if (ctl) {
        ctl->phase = "training";
        ctl->end_ms = cfg->duration;
    }
    int has_ll = hs_hee_loglik_available(&rt->m);
    if (hs_hee_ppca_ml(&rt->m, rt->ds->x, rt->ntrain < LL_ITEMS ? rt->ntrain : LL_ITEMS,
                       &res->loglik_max))
        res->loglik_max = NAN;
    learn_ctx lctx = {settle};
    rt->after = learn_after;
    rt->after_ctx = &lctx;
    const double t0 = hs_wall_s();
    for (;;) {
        const uint64_t s = rt->step;
        const double lr = hs_hee_learning_rate(&rt->par.learn, (double)s * dt);
        if (!first && (s % log_steps == 0 || s == total) && curve_row(&c, rt, lr, &has_ll)) {
            rc = hs_nomem(err, NULL);
            goto done;
        }
        if (s == total)
            break;
        if (ctl && ctl->stop) {
            res->interrupted = 1;
            break;
        }
        if (!first && s % ck_steps == 0 && s > 0 &&
            (rc = ckpt_write(net, &c, hash, cfg->output, err)))
            goto done;
        first = 0;
        uint64_t stop = next_multiple(s, log_steps);
        if (next_multiple(s, ck_steps) < stop)
            stop = next_multiple(s, ck_steps);
        if (total < stop)
            stop = total;
        rc = hs_net_run(net, (double)stop * dt, ctl, err);
        if (rc == HS_EINTR) {
            res->interrupted = 1;
            break;
        }
        if (rc)
            goto done;
    }
    res->wall = hs_wall_s() - t0;
    if ((rc = ckpt_write(net, &c, hash, cfg->output, err)))
        goto done;
    if ((rc = write_outputs(cfg, rt, &c, &has_ll, res->loglik_max, res->interrupted, err)))
        goto done;
    finish(res, rt, &c, has_ll);
    rc = res->interrupted ? HS_EINTR : HS_OK;
done:
    if (locked)
        hs_out_unlock(cfg->output);
    free(c.rows);
    free(c.Wprev);
    hs_net_free(net);
    return rc;
}

int hs_config_trains(const hs_config *cfg)
{
    return cfg->hee && cfg->hee->learn;
}

int hs_train_to_dir(const hs_config *cfg, int resume, hs_control *ctl, hs_train_result *res,
                    hs_error *err)
{
    return hs_hee_train(cfg, resume, ctl, res, err);
}
