/* rbm_train.c -- the training command of an rbm: file (hs_rbm_train_to_dir; doc/rbm.md)
 *
 * The data set is read as for a hee: block (the same keys, the same errors), its values must
 * lie in [0, 1] (binary, or probabilities of 1).  The visible biases start at the data's
 * log-odds and the weights at N(0, init_sd^2), from the run's seed.  After every epoch the
 * exact log-likelihood of the training and held-out items is a row of learning.tsv (about 100
 * rows per RBM) when the smaller layer has at most 20 units; otherwise the last row carries
 * log Z by annealed importance sampling, with its standard error.  With a list of hidden sizes
 * the RBMs are stacked greedily into a deep belief net (Hinton, Osindero and Teh 2006): RBM k
 * learns p(h | v) of RBM k - 1 on the items, and the generative model is the top RBM over the
 * sigmoid layers p(h_{k-1} | h_k) = sigmoid(a_k + W_k h_k); its exact log-likelihood is
 * computed for two hidden layers, the first of at most 20 units.
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
    const hs_dataset *ds;     /* the data set (layer 0) */
    size_t ntrain;
    int exact;                /* per epoch: the exact log-likelihood of the model so far */
    hs_control *ctl;
    double t0;
    int layer;                /* the RBM being trained, 1-based */
    uint64_t every;           /* a row every this many epochs (about 100 rows per RBM) */
    hs_rbm *const *rbm;       /* the RBMs trained so far and the current one */
    double *scratch;          /* 2^nh1 (x) ... for the DBN's sum */
    size_t n, cap;
    double *rows;             /* epoch, loglik_train, loglik_holdout, wall_s, layer */
} curve;

#define NCOLS 5

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

/* The exact mean log-likelihood of a DBN of two hidden layers, the sigmoid layer of RBM 1
 * (p(v | h1) = sigmoid(a1 + W1 h1)) under the top RBM 2 over (h1, h2): log p(v) =
 * log sum over h1 of p(v | h1) exp(-F2(h1)) / Z2.  top holds 2^nh1 log p2(h1). */
static double dbn_loglik(const hs_rbm *m1, const hs_rbm *m2, const hs_dataset *ds, size_t lo,
                         size_t hi, double *top)
{
    if (hi <= lo)
        return NAN;
    const size_t H = m1->nh, S = (size_t)1 << H;
    const double logz2 = hs_rbm_log_partition(m2);
    double h[32], acc = 0;
    for (size_t st = 0; st < S; st++) {
        for (size_t j = 0; j < H; j++)
            h[j] = (double)((st >> j) & 1);
        top[st] = -hs_rbm_free_energy(m2, h) - logz2;
    }
    for (size_t s = lo; s < hi; s++) {
        const double *v = ds->x + s * ds->dim;
        double mx = -INFINITY, sum = 0;
        for (size_t st = 0; st < S; st++) {
            double lp = top[st];
            for (size_t i = 0; i < m1->nv; i++) {
                double a = m1->a[i];
                for (size_t j = 0; j < H; j++)
                    if ((st >> j) & 1)
                        a += m1->W[i * m1->nh + j];
                lp += v[i] * a - (a > 0 ? a + log1p(exp(-a)) : log1p(exp(a)));
            }
            if (lp > mx) {
                sum = sum * exp(mx - lp) + 1;
                mx = lp;
            } else {
                sum += exp(lp - mx);
            }
        }
        acc += mx + log(sum);
    }
    return acc / (double)(hi - lo);
}

static int push(curve *c, double epoch, double ltr, double lho)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        double *r = realloc(c->rows, cap * NCOLS * sizeof *r);
        if (!r)
            return -1;
        c->rows = r;
        c->cap = cap;
    }
    double *r = c->rows + NCOLS * c->n++;
    r[0] = epoch;
    r[1] = ltr;
    r[2] = lho;
    r[3] = hs_wall_s() - c->t0;
    r[4] = c->layer;
    return 0;
}

/* The exact log-likelihood of the model so far: RBM 1 alone, or the DBN of RBMs 1 and 2. */
static void exact_ll(const curve *c, double *ltr, double *lho)
{
    *ltr = *lho = NAN;
    if (!c->exact)
        return;
    if (c->layer == 1) {
        double logz = hs_rbm_log_partition(c->rbm[0]);
        *ltr = mean_loglik(c->rbm[0], c->ds, 0, c->ntrain, logz);
        *lho = mean_loglik(c->rbm[0], c->ds, c->ntrain, c->ds->n, logz);
    } else if (c->layer == 2) {
        *ltr = dbn_loglik(c->rbm[0], c->rbm[1], c->ds, 0, c->ntrain, c->scratch);
        *lho = dbn_loglik(c->rbm[0], c->rbm[1], c->ds, c->ntrain, c->ds->n, c->scratch);
    }
}

static int on_epoch(void *ctx, const hs_rbm *m, size_t epoch)
{
    (void)m;
    curve *c = ctx;
    double ltr, lho;
    if (epoch % c->every == 0 || epoch == c->cfg->rbm->epochs) {   /* a row */
        exact_ll(c, &ltr, &lho);
        if (push(c, (double)epoch, ltr, lho))
            return -1;
    }
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

static int write_outputs(const hs_config *cfg, hs_rbm *const *rbm, const curve *c,
                         const hs_rbm_result *res, const double *samples, hs_error *err)
{
    const hs_rbmcfg *r = cfg->rbm;
    const hs_rbm *m = rbm[0];
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
    fprintf(fl, "# hee-snn %s\n# seed: %llu\n# network: %s\n# %s: %u visible, hidden", PACKAGE_VERSION,
            (unsigned long long)cfg->seed, cfg->name, r->nhidden > 1 ? "dbn" : "rbm", r->nv);
    for (int l = 0; l < r->nhidden; l++)
        fprintf(fl, "%s%u", l ? " x " : " ", r->hidden[l]);
    fprintf(fl, ", %s-%d, batch %llu, learning rate %.17g, momentum %.17g, weight decay "
                "%.17g\n", methods[r->method], r->k, (unsigned long long)r->batch, r->lr,
            r->momentum, r->weight_decay);
    fprintf(fl, "# training items: %zu, held out: %zu\n", c->ntrain, c->ds->n - c->ntrain);
    if (r->nhidden > 1)
        fputs("# a deep belief net: RBM 1 on the data, RBM k on p(h | v) of RBM k - 1; its rows "
              "carry the exact log-likelihood of the model trained so far (RBM 1 alone, then the "
              "sigmoid layer of RBM 1 under RBM 2) where it can be summed, else nan\n", fl);
    if (res->exact)
        fputs("# loglik_*: mean log-likelihood per item (nats), exact\n", fl);
    else if (!isnan(res->logz))
        fprintf(fl, "# loglik_*: the last row, log Z by annealed importance sampling: %.9g +- "
                    "%.3g (standard error)\n", res->logz, res->logz_se);
    else
        fputs("# loglik_*: not computed (loglik: none, or a DBN too large to sum over)\n", fl);
    if (res->interrupted)
        fprintf(fl, "# interrupted after epoch %llu\n", (unsigned long long)res->epochs);
    fputs("epoch\tloglik_train\tloglik_holdout\twall_s\tlayer\n", fl);
    for (size_t k = 0; k < c->n; k++) {
        const double *row = c->rows + NCOLS * k;
        fprintf(fl, "%.0f", row[0]);
        for (int q = 1; q < 4; q++) {
            if (isnan(row[q]))
                fputs("\tnan", fl);
            else
                fprintf(fl, "\t%.9g", row[q]);
        }
        fprintf(fl, "\t%.0f\n", row[4]);
    }
    put_table(fw, "W of RBM 1: visible unit i (row) x hidden unit j (column); RBM k > 1 in "
                  "weights-K.tsv", m->W, m->nv, m->nh, "h");
    fputs("# biases of each RBM: its visible units and its hidden ones (in a DBN the generative "
          "model uses the visible biases of RBM k for layer k - 1 and both of the top RBM)\n"
          "rbm\tlayer\tunit\tbias\n", fb);
    for (int l = 0; l < r->nhidden; l++) {
        for (size_t i = 0; i < rbm[l]->nv; i++)
            fprintf(fb, "%d\tvisible\t%zu\t%.17g\n", l + 1, i, rbm[l]->a[i]);
        for (size_t j = 0; j < rbm[l]->nh; j++)
            fprintf(fb, "%d\thidden\t%zu\t%.17g\n", l + 1, j, rbm[l]->b[j]);
    }
    put_table(fs, r->nhidden > 1 ? "binary samples of the trained DBN: the top RBM's Gibbs chain "
                                   "(1000 sweeps from a random state), then down the sigmoid "
                                   "layers"
                                 : "binary samples of the trained model: one Gibbs chain each, "
                                   "1000 sweeps from a random state",
              samples, r->samples, m->nv, "v");
    if ((rc = hs_config_write(cfg, fc, err))) {
        hs_out_abort(&out);
        return rc;
    }
    if ((rc = hs_out_commit(&out, err)))
        return rc;
    if (r->nhidden > 1) {   /* the upper RBMs' weights, one file each */
        if ((rc = hs_out_open(&out, cfg->output, err)))
            return rc;
        for (int l = 1; l < r->nhidden; l++) {
            char name[32], what[64];
            snprintf(name, sizeof name, "weights-%d.tsv", l + 1);
            snprintf(what, sizeof what, "W of RBM %d: its visible unit (row) x hidden unit", l + 1);
            FILE *f = hs_out_file(&out, name, err);
            if (!f) {
                hs_out_abort(&out);
                return err->code;
            }
            put_table(f, what, rbm[l]->W, rbm[l]->nv, rbm[l]->nh, "h");
        }
        if ((rc = hs_out_commit(&out, err)))
            return rc;
    }
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

/* Samples of the whole model: the top RBM's chains, then down the sigmoid layers. */
static int sample_model(const hs_config *cfg, hs_rbm *const *rbm, int L, double *out,
                        hs_error *err)
{
    const hs_rbmcfg *r = cfg->rbm;
    const size_t n = r->samples;
    size_t wmax = r->nv;
    for (int l = 0; l < L; l++)
        wmax = rbm[l]->nv > wmax ? rbm[l]->nv : wmax;
    double *a = malloc(n * wmax * sizeof *a), *b = malloc(n * wmax * sizeof *b);
    gsl_rng *g = hs_rng_stream(cfg->seed, "rbm", "down");
    int rc = HS_OK;
    if (!a || !b || !g) {
        rc = NOMEM(err);
        goto out;
    }
    if ((rc = hs_rbm_sample_binary(rbm[L - 1], n, n, 1000, 1, cfg->seed, a, err)))
        goto out;
    for (int l = L - 2; l >= 0; l--) {   /* a holds n states of RBM l's hidden layer */
        hs_rbm_visible_probs(rbm[l], a, n, b);
        for (size_t q = 0; q < n * rbm[l]->nv; q++)
            a[q] = gsl_rng_uniform(g) < b[q] ? 1.0 : 0.0;
    }
    memcpy(out, a, n * r->nv * sizeof *out);
out:
    free(a);
    free(b);
    if (g)
        gsl_rng_free(g);
    return rc;
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
    const int L = r->nhidden;
    if (ctl)
        ctl->phase = "training", ctl->end_ms = (double)r->epochs * L, ctl->now_ms = 0;
    hs_dataset *ds = NULL;
    int rc = load_data(cfg, &ds, err);
    if (rc)
        return rc;
    const size_t ntrain = ds->n - r->data->holdout;
    hs_rbm *rbm[8] = {0};
    hs_dataset *up = NULL;   /* the input of the RBM being trained, above layer 0 */
    double *samples = NULL;
    curve c = {.cfg = cfg, .ds = ds, .ntrain = ntrain, .ctl = ctl, .t0 = hs_wall_s(),
               .rbm = rbm, .every = r->epochs > 100 ? r->epochs / 100 : 1};
    const uint32_t small = r->nv < r->nh ? r->nv : r->nh;
    c.exact = r->loglik == HS_RBM_LL_EXACT ||
              (r->loglik == HS_RBM_LL_AUTO && small <= EXACT_EVERY_EPOCH &&
               (L == 1 || r->hidden[0] <= EXACT_EVERY_EPOCH));
    if (L > 1 && c.exact && r->hidden[0] > EXACT_EVERY_EPOCH) {
        rc = hs_error_set(err, HS_ECONFIG, cfg->path, r->line, r->col,
                          "'loglik: exact' of a DBN sums over its first hidden layer: at most "
                          "%d units", EXACT_EVERY_EPOCH);
        goto out;
    }
    if (L > 1 && c.exact &&
        !(c.scratch = malloc(((size_t)1 << r->hidden[0]) * sizeof *c.scratch))) {
        rc = NOMEM(err);
        goto out;
    }
    gsl_rng *g = hs_rng_stream(cfg->seed, "rbm", "init");
    if (!g) {
        rc = NOMEM(err);
        goto out;
    }
    for (int l = 0; l < L && !res->interrupted; l++) {
        const hs_dataset *in = l ? up : ds;
        c.layer = l + 1;
        if ((rc = hs_rbm_alloc(in->dim, r->hidden[l], &rbm[l], err)) ||
            (rc = hs_rbm_init(rbm[l], g, r->init_sd, err)) ||
            (rc = hs_rbm_init_from_data(rbm[l], in, ntrain, err)))
            break;
        double ltr, lho;
        if (l == 0 && c.exact) {   /* the starting point */
            exact_ll(&c, &ltr, &lho);
            if (push(&c, 0, ltr, lho)) {
                rc = NOMEM(err);
                break;
            }
        }
        hs_rbm_train_opts o = {.k = r->k, .persistent = r->method == HS_RBM_PCD,
                               .meanfield = r->method == HS_RBM_MEANFIELD, .batch = r->batch,
                               .nchains = r->chains, .lr = r->lr, .momentum = r->momentum,
                               .weight_decay = r->weight_decay, .epochs = r->epochs};
        rc = hs_rbm_train(rbm[l], in, ntrain, &o, cfg->seed + (uint64_t)l, on_epoch, &c, err);
        if (rc == HS_EINTR) {
            res->interrupted = 1;
            rc = HS_OK;
        }
        if (rc)
            break;
        if (l + 1 < L && !res->interrupted) {   /* the next RBM's data: p(h | v) of this one */
            hs_dataset *next;
            if ((rc = hs_dataset_alloc(in->n, rbm[l]->nh, 0, &next, err)))
                break;
            hs_rbm_hidden_probs(rbm[l], in->x, in->n, next->x);
            hs_dataset_free(up);
            up = next;
        }
    }
    gsl_rng_free(g);
    if (rc)
        goto out;
    int trained = 0;
    while (trained < L && rbm[trained])
        trained++;
    res->wall = hs_wall_s() - c.t0;
    res->epochs = c.n ? (uint64_t)c.rows[NCOLS * (c.n - 1)] : 0;
    res->exact = c.exact && trained <= 2;
    if (res->exact) {
        res->logz = trained == 1 ? hs_rbm_log_partition(rbm[0]) : hs_rbm_log_partition(rbm[1]);
        res->logz_se = 0;
    } else if (L == 1 && r->loglik != HS_RBM_LL_NONE && !res->interrupted) {
        if ((rc = hs_rbm_ais(rbm[0], r->ais_runs, r->ais_betas, cfg->seed, &res->logz,
                             &res->logz_se, err)))
            goto out;
        if (c.n) {   /* the last row: AIS */
            c.rows[NCOLS * (c.n - 1) + 1] = mean_loglik(rbm[0], ds, 0, ntrain, res->logz);
            c.rows[NCOLS * (c.n - 1) + 2] = mean_loglik(rbm[0], ds, ntrain, ds->n, res->logz);
        }
    }
    if (c.n) {
        res->loglik_train = c.rows[NCOLS * (c.n - 1) + 1];
        res->loglik_holdout = c.rows[NCOLS * (c.n - 1) + 2];
    }
    res->loglik_se = res->logz_se;
    if (r->samples && trained == L) {
        if (!(samples = malloc(r->samples * r->nv * sizeof *samples))) {
            rc = NOMEM(err);
            goto out;
        }
        if ((rc = sample_model(cfg, rbm, L, samples, err)))
            goto out;
    }
    if (trained < L) {   /* interrupted before the upper layers: write what there is */
        rc = hs_error_set(err, HS_EIO, cfg->output, 0, 0, "interrupted while training RBM %d "
                          "of %d: nothing written", trained, L);
        goto out;
    }
    int wrc = write_outputs(cfg, rbm, &c, res, samples, err);
    rc = wrc ? wrc : res->interrupted ? HS_EINTR : HS_OK;
out:
    free(samples);
    free(c.rows);
    free(c.scratch);
    for (int l = 0; l < 8; l++)
        hs_rbm_free(rbm[l]);
    hs_dataset_free(up);
    hs_dataset_free(ds);
    return rc;
}
