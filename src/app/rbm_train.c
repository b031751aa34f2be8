/* rbm_train.c -- the training command of an rbm: file (hs_rbm_train_to_dir; doc/rbm.md)
 *
 * The data set is read as for a hee: block (the same keys, the same errors), its values must
 * lie in [0, 1] (binary, or probabilities of 1).  The visible biases start at the data's
 * log-odds and the weights at N(0, init_sd^2), from the run's seed.  After every epoch the
 * exact log-likelihood of the training and held-out items is a row of learning.tsv when the
 * smaller layer has at most 20 units; otherwise the last row carries log Z by annealed
 * importance sampling, with its standard error.
 */
#include "hs-config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "data/dataset.h"
#include "data/image.h"
#include "net/hee_spec.h"
#include "proc/hee_rt.h"
#include "rbm/rbm.h"
#include "record/output.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/rng.h"

#define NOMEM(err) hs_error_set((err), HS_ENOMEM, NULL, 0, 0, "out of memory")

/* Enumerate log Z per epoch up to this many units in the smaller layer. */
#define EXACT_EVERY_EPOCH 20

int hs_config_is_rbm(const hs_config *cfg) { return cfg->rbm != NULL; }

typedef struct curve {
    const hs_config *cfg;
    const hs_dataset *ds;
    size_t ntrain;
    int exact;
    hs_control *ctl;
    double t0;
    size_t n, cap;
    double *rows;   /* epoch, loglik_train, loglik_holdout, wall_s */
} curve;

static double mean_loglik(const hs_rbm *m, const hs_dataset *ds, size_t lo, size_t hi,
                          double logz)
{
    if (hi <= lo)
        return NAN;
    double f = 0;
    for (size_t s = lo; s < hi; s++)
        f += hs_rbm_free_energy(m, ds->x + s * ds->dim);
    return -f / (double)(hi - lo) - logz;
}

static int push(curve *c, double epoch, double ltr, double lho)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        double *r = realloc(c->rows, cap * 4 * sizeof *r);
        if (!r)
            return -1;
        c->rows = r;
        c->cap = cap;
    }
    double *r = c->rows + 4 * c->n++;
    r[0] = epoch;
    r[1] = ltr;
    r[2] = lho;
    r[3] = hs_wall_s() - c->t0;
    return 0;
}

static int on_epoch(void *ctx, const hs_rbm *m, size_t epoch)
{
    curve *c = ctx;
    double ltr = NAN, lho = NAN;
    if (c->exact) {
        double logz = hs_rbm_log_partition(m);
        ltr = mean_loglik(m, c->ds, 0, c->ntrain, logz);
        lho = mean_loglik(m, c->ds, c->ntrain, c->ds->n, logz);
    }
    if (push(c, (double)epoch, ltr, lho))
        return -1;
    if (c->ctl) {
        c->ctl->now_ms = (double)epoch;
        if (c->ctl->stop)
            return 1;
    }
    return 0;
}

static int load_data(const hs_config *cfg, hs_dataset **ds, hs_error *err)
{
    const hs_rbmcfg *r = cfg->rbm;
    hs_hee_layer v = {.n = r->nv};
    snprintf(v.name, sizeof v.name, "visible");
    hs_hee_spec s = {.m = {.L = 1, .layer = &v, .ntotal = r->nv},
                     .data = hs_net_hee_data(r->data),
                     .seed = cfg->seed,
                     .file = cfg->path,
                     .line = r->line,
                     .col = r->col};
    int rc = hs_hee_load_data(&s, ds, err);
    if (rc)
        return rc;
    for (size_t k = 0; k < (*ds)->n * (*ds)->dim; k++)
        if (!((*ds)->x[k] >= 0 && (*ds)->x[k] <= 1)) {
            rc = hs_error_set(err, HS_ECONFIG, r->data->path ? r->data->path : cfg->path, 0, 0,
                              "item %zu, value %zu of the data is %g, outside [0, 1]: an RBM's "
                              "visible units are binary (scale the data, or binarise it with "
                              "'threshold:' under 'data:')", k / (*ds)->dim + 1,
                              k % (*ds)->dim + 1, (*ds)->x[k]);
            hs_dataset_free(*ds);
            *ds = NULL;
            return rc;
        }
    return HS_OK;
}

/* An n x cols table with a commented header of column names prefix0.., prefix(cols-1). */
static void put_table(FILE *f, const char *comment, const double *x, size_t n, size_t cols,
                      const char *prefix)
{
    fprintf(f, "# %s\n", comment);
    for (size_t j = 0; j < cols; j++)
        fprintf(f, "%s%s%zu", j ? "\t" : "", prefix, j);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cols; j++)
            fprintf(f, "%.17g%c", x[i * cols + j], j + 1 < cols ? '\t' : '\n');
}

static int write_outputs(const hs_config *cfg, const hs_rbm *m, const curve *c,
                         const hs_rbm_result *res, const double *samples, hs_error *err)
{
    const hs_rbmcfg *r = cfg->rbm;
    hs_out out;
    int rc = hs_out_open(&out, cfg->output, err);
    if (rc)
        return rc;
    FILE *fl = hs_out_file(&out, "learning.tsv", err);
    FILE *fw = fl ? hs_out_file(&out, "weights.tsv", err) : NULL;
    FILE *fb = fw ? hs_out_file(&out, "biases.tsv", err) : NULL;
    FILE *fs = fb ? hs_out_file(&out, "samples.tsv", err) : NULL;
    FILE *fc = fs ? hs_out_file(&out, "config.yaml", err) : NULL;
    if (!fc) {
        hs_out_abort(&out);
        return err->code;
    }
    static const char *const methods[] = {"CD", "PCD", "mean-field CD"};
    fprintf(fl, "# hee-snn %s\n# seed: %llu\n# network: %s\n# rbm: %u visible, %u hidden, %s-%d, "
                "batch %llu, learning rate %.17g, momentum %.17g, weight decay %.17g\n",
            PACKAGE_VERSION, (unsigned long long)cfg->seed, cfg->name, r->nv, r->nh,
            methods[r->method], r->k, (unsigned long long)r->batch, r->lr, r->momentum,
            r->weight_decay);
    fprintf(fl, "# training items: %zu, held out: %zu\n", c->ntrain, c->ds->n - c->ntrain);
    if (res->exact)
        fputs("# loglik_*: mean log-likelihood per item (nats), exact (log Z by enumeration)\n",
              fl);
    else if (!isnan(res->logz))
        fprintf(fl, "# loglik_*: the last row, log Z by annealed importance sampling: %.9g +- "
                    "%.3g (standard error)\n", res->logz, res->logz_se);
    else
        fputs("# loglik_*: not computed (loglik: none)\n", fl);
    if (res->interrupted)
        fprintf(fl, "# interrupted after epoch %llu\n", (unsigned long long)res->epochs);
    fputs("epoch\tloglik_train\tloglik_holdout\twall_s\n", fl);
    for (size_t k = 0; k < c->n; k++) {
        const double *row = c->rows + 4 * k;
        fprintf(fl, "%.0f", row[0]);
        for (int q = 1; q < 4; q++) {
            if (isnan(row[q]))
                fputs("\tnan", fl);
            else
                fprintf(fl, "\t%.9g", row[q]);
        }
        fputc('\n', fl);
    }
    put_table(fw, "W: visible unit i (row) x hidden unit j (column)", m->W, m->nv, m->nh, "h");
    fputs("# biases of the visible units (layer 'visible') and the hidden ones ('hidden')\n"
          "layer\tunit\tbias\n", fb);
    for (size_t i = 0; i < m->nv; i++)
        fprintf(fb, "visible\t%zu\t%.17g\n", i, m->a[i]);
    for (size_t j = 0; j < m->nh; j++)
        fprintf(fb, "hidden\t%zu\t%.17g\n", j, m->b[j]);
    put_table(fs, "binary samples of the trained model: one Gibbs chain each, 1000 sweeps from "
                  "a random state", samples, r->samples, m->nv, "v");
    if ((rc = hs_config_write(cfg, fc, err))) {
        hs_out_abort(&out);
        return rc;
    }
    if ((rc = hs_out_commit(&out, err)))
        return rc;
    if (r->rows && r->samples) {
        char path[4096];
        snprintf(path, sizeof path, "%s/samples.png", cfg->output);
        if ((rc = hs_png_write_grid(path, samples, r->samples < 100 ? r->samples : 100, r->rows,
                                    r->cols, 0, 1, 0, err)))
            return rc;
        snprintf(path, sizeof path, "%s/filters.png", cfg->output);
        if ((rc = hs_rbm_write_filters(m, r->rows, r->cols, path, err)))
            return rc;
    }
    return HS_OK;
}

int hs_rbm_train_to_dir(const hs_config *cfg, hs_control *ctl, hs_rbm_result *res,
                        hs_error *err)
{
    memset(res, 0, sizeof *res);
    res->loglik_train = res->loglik_holdout = res->logz = NAN;
    snprintf(res->outdir, sizeof res->outdir, "%s", cfg->output);
    const hs_rbmcfg *r = cfg->rbm;
    if (!r)
        return hs_error_set(err, HS_ECONFIG, cfg->path, 0, 0, "the file has no 'rbm:' block");
    if (ctl)
        ctl->phase = "training", ctl->end_ms = (double)r->epochs, ctl->now_ms = 0;
    hs_dataset *ds = NULL;
    int rc = load_data(cfg, &ds, err);
    if (rc)
        return rc;
    const size_t ntrain = ds->n - r->data->holdout;
    hs_rbm *m = NULL;
    double *samples = NULL;
    curve c = {.cfg = cfg, .ds = ds, .ntrain = ntrain, .ctl = ctl, .t0 = hs_wall_s()};
    const uint32_t small = r->nv < r->nh ? r->nv : r->nh;
    c.exact = r->loglik == HS_RBM_LL_EXACT ||
              (r->loglik == HS_RBM_LL_AUTO && small <= EXACT_EVERY_EPOCH);
    gsl_rng *g = hs_rng_stream(cfg->seed, "rbm", "init");
    if (!g || (rc = hs_rbm_alloc(r->nv, r->nh, &m, err)) ||
        (rc = hs_rbm_init(m, g, r->init_sd, err)) ||
        (rc = hs_rbm_init_from_data(m, ds, ntrain, err))) {
        rc = rc ? rc : NOMEM(err);
        goto out;
    }
    if (c.exact && push(&c, 0, mean_loglik(m, ds, 0, ntrain, hs_rbm_log_partition(m)),
                        mean_loglik(m, ds, ntrain, ds->n, hs_rbm_log_partition(m)))) {
        rc = NOMEM(err);
        goto out;
    }
    hs_rbm_train_opts o = {.k = r->k, .persistent = r->method == HS_RBM_PCD,
                           .meanfield = r->method == HS_RBM_MEANFIELD, .batch = r->batch,
                           .nchains = r->chains, .lr = r->lr, .momentum = r->momentum,
                           .weight_decay = r->weight_decay, .epochs = r->epochs};
    rc = hs_rbm_train(m, ds, ntrain, &o, cfg->seed, on_epoch, &c, err);
    res->wall = hs_wall_s() - c.t0;
    if (rc == HS_EINTR)
        res->interrupted = 1;
    else if (rc)
        goto out;
    res->epochs = c.n ? (uint64_t)c.rows[4 * (c.n - 1)] : 0;
    res->exact = c.exact;
    if (c.exact) {
        res->logz = hs_rbm_log_partition(m);
        res->logz_se = 0;
    } else if (r->loglik != HS_RBM_LL_NONE && !res->interrupted) {
        if ((rc = hs_rbm_ais(m, r->ais_runs, r->ais_betas, cfg->seed, &res->logz,
                             &res->logz_se, err)))
            goto out;
        if (c.n) {   /* the last row: AIS */
            c.rows[4 * (c.n - 1) + 1] = mean_loglik(m, ds, 0, ntrain, res->logz);
            c.rows[4 * (c.n - 1) + 2] = mean_loglik(m, ds, ntrain, ds->n, res->logz);
        }
    }
    if (c.n) {
        res->loglik_train = c.rows[4 * (c.n - 1) + 1];
        res->loglik_holdout = c.rows[4 * (c.n - 1) + 2];
    }
    res->loglik_se = res->logz_se;
    if (r->samples) {
        if (!(samples = malloc(r->samples * r->nv * sizeof *samples))) {
            rc = NOMEM(err);
            goto out;
        }
        if ((rc = hs_rbm_sample_binary(m, r->samples, r->samples, 1000, 1, cfg->seed, samples,
                                       err)))
            goto out;
    }
    int wrc = write_outputs(cfg, m, &c, res, samples, err);
    rc = wrc ? wrc : res->interrupted ? HS_EINTR : HS_OK;
out:
    if (g)
        gsl_rng_free(g);
    free(samples);
    free(c.rows);
    hs_rbm_free(m);
    hs_dataset_free(ds);
    return rc;
}
