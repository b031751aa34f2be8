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
    const hs_rbm *gen0;       /* while fine-tuning: the generative weights of layer 1 */
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

/* The last row of a DBN too large to sum over: log Z of the top RBM (summed when its smaller
 * layer has at most EXACT_EVERY_EPOCH units, else AIS), then log p(v) + log Z by AIS over the
 * latent layers (hs_dbn_ais_loglik) of the first ais_items training and held-out items; the
 * standard errors add those of the items' AIS and of log Z in quadrature. */
static int dbn_ais_row(const hs_config *cfg, hs_rbm *const *gen, hs_rbm *const *rec, int L,
                       curve *c, hs_rbm_result *res, hs_error *err)
{
    const hs_rbmcfg *r = cfg->rbm;
    const hs_rbm *top = gen[L - 1];
    int rc = HS_OK;
    if ((top->nv < top->nh ? top->nv : top->nh) <= EXACT_EVERY_EPOCH) {
        res->logz = hs_rbm_log_partition(top);
        res->logz_se = 0;
    } else if ((rc = hs_rbm_ais(top, r->ais_runs, r->ais_betas, cfg->seed, &res->logz,
                                &res->logz_se, err))) {
        return rc;
    }
    gsl_rng *g = hs_rng_stream(cfg->seed, "rbm", "dbn-ais");
    if (!g)
        return hs_nomem(err, NULL);
    const hs_rbm *G[8], *Q[8];
    for (int l = 0; l < L; l++)
        G[l] = gen[l], Q[l] = rec ? rec[l] : gen[l];
    const size_t nset[2] = {c->ntrain, c->ds->n - c->ntrain};
    double ll[2] = {NAN, NAN}, se[2] = {NAN, NAN};
    for (int k = 0; k < 2 && rc == HS_OK; k++) {
        const size_t n = nset[k] < r->ais_items ? nset[k] : (size_t)r->ais_items;
        res->ais_items[k] = n;
        if (n)
            rc = hs_dbn_ais_loglik(G, Q, L, c->ds->x + (k ? c->ntrain * c->ds->dim : 0), n,
                                   r->ais_item_runs, r->ais_item_betas, g, &ll[k], &se[k], err);
        ll[k] -= res->logz;
        se[k] = sqrt(se[k] * se[k] + res->logz_se * res->logz_se);
    }
    gsl_rng_free(g);
    if (rc)
        return rc;
    double *row = c->rows + NCOLS * (c->n - 1);
    row[1] = res->loglik_train = ll[0];
    row[2] = res->loglik_holdout = ll[1];
    res->loglik_se = se[0];
    res->loglik_holdout_se = se[1];
    return HS_OK;
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
    } else if (c->layer == 2 || (c->layer == 3 && c->gen0)) {   /* (3: fine-tuning) */
        const hs_rbm *g = c->gen0 ? c->gen0 : c->rbm[0];
        *ltr = dbn_loglik(g, c->rbm[1], c->ds, 0, c->ntrain, c->scratch);
        *lho = dbn_loglik(g, c->rbm[1], c->ds, c->ntrain, c->ds->n, c->scratch);
    }
}

static int on_epoch(void *ctx, const hs_rbm *m, size_t epoch)
{
    (void)m;
    curve *c = ctx;
    double ltr, lho;
    const uint64_t last = c->gen0 ? c->cfg->rbm->finetune : c->cfg->rbm->epochs;
    const uint64_t every = c->gen0 ? (last > 100 ? last / 100 : 1) : c->every;
    if (epoch % every == 0 || epoch == last) {   /* a row */
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

static int write_outputs(const hs_config *cfg, hs_rbm *const *rbm, hs_rbm *const *rec,
                         const curve *c, const hs_rbm_result *res, const double *samples,
                         hs_error *err)
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
    else if (res->ais_items[0] || res->ais_items[1])
        fprintf(fl, "# loglik_*: the last row, by annealed importance sampling over the latent "
                    "layers (%llu runs of %llu steps per item): training %.6g +- %.3g over its "
                    "first %llu items, held out %.6g +- %.3g over %llu; log Z of the top RBM "
                    "%.9g +- %.3g\n", (unsigned long long)r->ais_item_runs,
                (unsigned long long)r->ais_item_betas, res->loglik_train, res->loglik_se,
                (unsigned long long)res->ais_items[0], res->loglik_holdout,
                res->loglik_holdout_se, (unsigned long long)res->ais_items[1], res->logz,
                res->logz_se);
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
        for (int l = 0; rec && l < r->nhidden - 1; l++) {   /* fine-tuned: recognition too */
            char name[32], what[96];
            snprintf(name, sizeof name, "recognition-%d.tsv", l + 1);
            snprintf(what, sizeof what, "recognition weights of layer %d after fine-tuning: "
                     "unit below (row) x unit above", l + 1);
            FILE *f = hs_out_file(&out, name, err);
            if (!f) {
                hs_out_abort(&out);
                return err->code;
            }
            put_table(f, what, rec[l]->W, rec[l]->nv, rec[l]->nh, "h");
        }
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

/* ---- contrastive wake-sleep ------------------------------------------------------------------
 * The up-down fine-tuning of a DBN (Hinton, Osindero and Teh 2006, section 5): the weights
 * below the top RBM are untied into recognition weights (the RBMs' W and hidden biases b,
 * upwards) and generative ones (a copy of W and the visible biases a, downwards).  Per item:
 * up, sampling each layer from the recognition weights; the generative weights learn to
 * reconstruct each layer from the one above (wake); the top RBM takes one CD-k step from the
 * penultimate layer's state; down from its negative sample through the generative weights
 * (sleep); the recognition weights learn to recognise that dream.  Step: finetune_rate. */

static double logistic(double a) { return 1.0 / (1.0 + exp(-a)); }

/* y (m->nh) sampled from the hidden units of m given x (m->nv): sigmoid(b + W^T x); p gets the
 * probabilities (may alias nothing). */
static void up_layer(const hs_rbm *m, const double *x, double *p, double *y, gsl_rng *r)
{
    for (size_t j = 0; j < m->nh; j++) {
        double a = m->b[j];
        for (size_t i = 0; i < m->nv; i++)
            a += m->W[i * m->nh + j] * x[i];
        p[j] = logistic(a);
        if (y)
            y[j] = gsl_rng_uniform(r) < p[j] ? 1.0 : 0.0;
    }
}

/* x (m->nv) from the visible units of m given y (m->nh): sigmoid(a + W y). */
static void down_layer(const hs_rbm *m, const double *y, double *p, double *x, gsl_rng *r)
{
    for (size_t i = 0; i < m->nv; i++) {
        double a = m->a[i];
        for (size_t j = 0; j < m->nh; j++)
            a += m->W[i * m->nh + j] * y[j];
        p[i] = logistic(a);
        if (x)
            x[i] = gsl_rng_uniform(r) < p[i] ? 1.0 : 0.0;
    }
}

static int finetune(const hs_config *cfg, hs_rbm **rbm, hs_rbm **gen, int L, curve *c,
                    hs_rbm_result *res, hs_error *err)
{
    const hs_rbmcfg *r = cfg->rbm;
    const hs_dataset *ds = c->ds;
    const double eps = r->finetune_rate > 0 ? r->finetune_rate : r->lr / 10;
    size_t wmax = r->nv;
    for (int l = 0; l < L; l++)
        wmax = rbm[l]->nh > wmax ? rbm[l]->nh : wmax;
    double *buf = malloc((3 * (size_t)(L + 1) + 2) * wmax * sizeof *buf);
    size_t *order = malloc(c->ntrain * sizeof *order);
    gsl_rng *g = hs_rng_stream(cfg->seed, "rbm", "finetune");
    int rc = HS_OK;
    if (!buf || !order || !g) {
        rc = hs_nomem(err, NULL);
        goto out;
    }
    double *x[9], *y[9], *p = buf + 2 * (size_t)(L + 1) * wmax, *q = p + wmax;
    for (int l = 0; l <= L; l++) {
        x[l] = buf + (size_t)l * wmax;
        y[l] = buf + (size_t)(L + 1 + l) * wmax;
    }
    const hs_rbm *top = rbm[L - 1];
    c->layer = L + 1;
    c->gen0 = gen[0];
    for (uint64_t e = 1; e <= r->finetune; e++) {
        if ((rc = hs_data_shuffle_order(cfg->seed ^ 0x5eed, (unsigned)e, c->ntrain, order))) {
            rc = hs_nomem(err, NULL);
            goto out;
        }
        for (size_t it = 0; it < c->ntrain; it++) {
            memcpy(x[0], ds->x + order[it] * ds->dim, r->nv * sizeof *x[0]);
            for (int l = 0; l < L - 1; l++)   /* up */
                up_layer(rbm[l], x[l], p, x[l + 1], g);
            for (int l = 0; l < L - 1; l++) {   /* wake: generative weights */
                down_layer(gen[l], x[l + 1], p, NULL, g);
                for (size_t i = 0; i < gen[l]->nv; i++) {
                    const double d = eps * (x[l][i] - p[i]);
                    gen[l]->a[i] += d;
                    for (size_t j = 0; j < gen[l]->nh; j++)
                        gen[l]->W[i * gen[l]->nh + j] += d * x[l + 1][j];
                }
            }
            /* the top RBM: CD-k from the penultimate layer's state */
            double *vt = x[L - 1], *hp = q, *vn = y[L - 1], *hn = y[L];
            up_layer(top, vt, hp, hn, g);
            for (int k = 0; k < r->k; k++) {
                down_layer(top, hn, p, vn, g);
                up_layer(top, vn, p, k + 1 < r->k ? hn : NULL, g);
            }
            hs_rbm *tm = rbm[L - 1];
            for (size_t i = 0; i < tm->nv; i++) {
                tm->a[i] += eps * (vt[i] - vn[i]);
                for (size_t j = 0; j < tm->nh; j++)
                    tm->W[i * tm->nh + j] += eps * (vt[i] * hp[j] - vn[i] * p[j]);
            }
            for (size_t j = 0; j < tm->nh; j++)
                tm->b[j] += eps * (hp[j] - p[j]);
            for (int l = L - 2; l >= 0; l--)   /* sleep: down from the top RBM's sample */
                down_layer(gen[l], y[l + 1], p, y[l], g);
            for (int l = 0; l < L - 1; l++) {   /* recognition weights learn the dream */
                up_layer(rbm[l], y[l], p, NULL, g);
                for (size_t j = 0; j < rbm[l]->nh; j++) {
                    const double d = eps * (y[l + 1][j] - p[j]);
                    rbm[l]->b[j] += d;
                    for (size_t i = 0; i < rbm[l]->nv; i++)
                        rbm[l]->W[i * rbm[l]->nh + j] += y[l][i] * d;
                }
            }
        }
        if (on_epoch(c, NULL, (size_t)e)) {
            res->interrupted = 1;
            break;
        }
    }
out:
    free(buf);
    free(order);
    if (g)
        gsl_rng_free(g);
    return rc;
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
        rc = hs_nomem(err, NULL);
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
        rc = hs_nomem(err, NULL);
        goto out;
    }
    gsl_rng *g = hs_rng_stream(cfg->seed, "rbm", "init");
    if (!g) {
        rc = hs_nomem(err, NULL);
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
                rc = hs_nomem(err, NULL);
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
            rc = hs_nomem(err, NULL);
            goto out;
        }
        if ((rc = sample_model(cfg, rbm, L, samples, err)))
            goto out;
    }
    hs_rbm *gen[8] = {0}, *rec[8] = {0};
    if (r->finetune && trained == L && !res->interrupted) {
        for (int l = 0; l < L - 1 && rc == HS_OK; l++)
            if ((rc = hs_rbm_alloc(rbm[l]->nv, rbm[l]->nh, &gen[l], err)) == HS_OK) {
                memcpy(gen[l]->W, rbm[l]->W, rbm[l]->nv * rbm[l]->nh * sizeof *gen[l]->W);
                memcpy(gen[l]->a, rbm[l]->a, rbm[l]->nv * sizeof *gen[l]->a);
                memcpy(gen[l]->b, rbm[l]->b, rbm[l]->nh * sizeof *gen[l]->b);
            }
        if (rc == HS_OK)
            rc = finetune(cfg, rbm, gen, L, &c, res, err);
        if (rc) {
            for (int l = 0; l < L - 1; l++)
                hs_rbm_free(gen[l]);
            goto out;
        }
        /* from here the model is generative below the top: rbm[l] <- its generative half */
        for (int l = 0; l < L - 1; l++) {
            memcpy(gen[l]->b, rbm[l]->b, rbm[l]->nh * sizeof *gen[l]->b);   /* (recognition) */
            rec[l] = rbm[l];
            rbm[l] = gen[l];
        }
        res->wall = hs_wall_s() - c.t0;
        res->epochs = (uint64_t)c.rows[NCOLS * (c.n - 1)];
        res->logz = hs_rbm_log_partition(rbm[L - 1]);
        res->loglik_train = c.rows[NCOLS * (c.n - 1) + 1];
        res->loglik_holdout = c.rows[NCOLS * (c.n - 1) + 2];
        if (r->samples && (rc = sample_model(cfg, rbm, L, samples, err)))
            goto out_rec;
    }
    if (L > 1 && trained == L && !res->exact && r->loglik != HS_RBM_LL_NONE &&
        !res->interrupted && c.n && (rc = dbn_ais_row(cfg, rbm, rec[0] ? rec : NULL, L, &c, res, err)))
        goto out_rec;
    if (trained < L) {   /* interrupted before the upper layers: write what there is */
        rc = hs_error_set(err, HS_EIO, cfg->output, 0, 0, "interrupted while training RBM %d "
                          "of %d: nothing written", trained, L);
        goto out;
    }
    int wrc = write_outputs(cfg, rbm, rec[0] ? rec : NULL, &c, res, samples, err);
    rc = wrc ? wrc : res->interrupted ? HS_EINTR : HS_OK;
out_rec:
    for (int l = 0; l < 8; l++)
        hs_rbm_free(rec[l]);
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
