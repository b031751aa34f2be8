/* rbm.c -- restricted Boltzmann machine: block Gibbs sampling, CD-k/PCD training, enumeration */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "rbm/rbm.h"
#include "data/image.h"
#include "util/error.h"
#include "util/logexp.h"
#include "util/rng.h"

#define SAMPLE_BLOCK 256     /* chains advanced together by hs_rbm_sample */
#define ENUM_MAX_BITS 24     /* largest layer hs_rbm_log_partition enumerates */
#define ENUM_REFRESH 4096    /* Gray-code steps between exact recomputations of the inputs */

static void bernoulli(gsl_rng *r, const double *p, size_t n, double *out)
{
    for (size_t t = 0; t < n; t++)
        out[t] = gsl_rng_uniform(r) < p[t];
}

/* The conditional probabilities of one layer given n rows of the other:
 * to_hidden: out (n x nh) = sigmoid(in W + b), else out (n x nv) = sigmoid(in W^T + a). */
static void layer_probs(const hs_rbm *m, const double *in, size_t n, int to_hidden, double *out)
{
    size_t din = to_hidden ? m->nv : m->nh, dout = to_hidden ? m->nh : m->nv;
    const double *bias = to_hidden ? m->b : m->a;
    if (n == 0)   /* GSL refuses empty views */
        return;
    for (size_t s = 0; s < n; s++)
        memcpy(out + s * dout, bias, dout * sizeof *out);
    gsl_matrix_const_view x = gsl_matrix_const_view_array(in, n, din);
    gsl_matrix_const_view w = gsl_matrix_const_view_array(m->W, m->nv, m->nh);
    gsl_matrix_view y = gsl_matrix_view_array(out, n, dout);
    gsl_blas_dgemm(CblasNoTrans, to_hidden ? CblasNoTrans : CblasTrans, 1.0, &x.matrix,
                   &w.matrix, 1.0, &y.matrix);
    for (size_t t = 0; t < n * dout; t++)
        out[t] = hs_sigmoid(out[t]);
}

void hs_rbm_hidden_probs(const hs_rbm *m, const double *v, size_t n, double *h)
{
    layer_probs(m, v, n, 1, h);
}

void hs_rbm_visible_probs(const hs_rbm *m, const double *h, size_t n, double *v)
{
    layer_probs(m, h, n, 0, v);
}

/* *r = a * b + c, or non-zero on overflow */
static int size_muladd(size_t a, size_t b, size_t c, size_t *r)
{
    return __builtin_mul_overflow(a, b, r) || __builtin_add_overflow(*r, c, r);
}

/* ---- the model ------------------------------------------------------------------------- */

int hs_rbm_alloc(size_t nv, size_t nh, hs_rbm **out, hs_error *err)
{
    *out = NULL;
    if (nv == 0 || nh == 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "an RBM needs at least one visible and one hidden unit");
    size_t np;
    if (size_muladd(nv, nh, nv + nh, &np) || np > SIZE_MAX / sizeof(double))
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "RBM of %zu x %zu units is too large",
                            nv, nh);
    hs_rbm *m = calloc(1, sizeof *m);
    double *p = calloc(np, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return hs_nomem(err, NULL);
    }
    /* one block: W, then a, then b (hs_rbm_free frees W) */
    *m = (hs_rbm){.nv = nv, .nh = nh, .W = p, .a = p + nv * nh, .b = p + nv * nh + nv};
    *out = m;
    return HS_OK;
}

void hs_rbm_free(hs_rbm *m)
{
    if (!m)
        return;
    free(m->W);
    free(m);
}

int hs_rbm_init(hs_rbm *m, gsl_rng *r, double sd, hs_error *err)
{
    if (!(sd >= 0) || !isfinite(sd))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "weight standard deviation %g is not a finite value >= 0", sd);
    for (size_t t = 0; t < m->nv * m->nh; t++)
        m->W[t] = gsl_ran_gaussian(r, sd);
    memset(m->a, 0, m->nv * sizeof *m->a);
    memset(m->b, 0, m->nh * sizeof *m->b);
    return HS_OK;
}

/* The first ntrain items of d as training data for m: shapes and values in [0, 1]. */
static int check_data(const hs_rbm *m, const hs_dataset *d, size_t ntrain, hs_error *err)
{
    if (d->dim != m->nv)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "data of dimension %zu for an RBM of %zu visible units", d->dim,
                            m->nv);
    if (ntrain == 0 || ntrain > d->n)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "%zu training items requested from a dataset of %zu", ntrain, d->n);
    for (size_t t = 0; t < ntrain * d->dim; t++)
        if (!(d->x[t] >= 0 && d->x[t] <= 1))
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                "item %zu, value %zu is %g: RBM data must lie in [0, 1]",
                                t / d->dim, t % d->dim, d->x[t]);
    return HS_OK;
}

int hs_rbm_init_from_data(hs_rbm *m, const hs_dataset *d, size_t ntrain, hs_error *err)
{
    int rc = check_data(m, d, ntrain, err);
    if (rc != HS_OK)
        return rc;
    for (size_t i = 0; i < m->nv; i++) {
        double s = 0;
        for (size_t t = 0; t < ntrain; t++)
            s += d->x[t * d->dim + i];
        double p = (s + 1) / ((double)ntrain + 2);
        m->a[i] = log(p / (1 - p));
    }
    return HS_OK;
}

/* ---- training -------------------------------------------------------------------------- */

hs_rbm_train_opts hs_rbm_train_defaults(void)
{
    return (hs_rbm_train_opts){.k = 1, .persistent = 0, .batch = 100, .nchains = 0,
                               .lr = 0.05, .momentum = 0.5, .weight_decay = 2e-4, .epochs = 10};
}

static int check_opts(const hs_rbm_train_opts *o, hs_error *err)
{
    const char *bad = NULL;
    if (o->k < 1)
        bad = "k must be at least 1";
    else if (o->batch == 0)
        bad = "batch must be at least 1";
    else if (o->epochs == 0 || o->epochs > UINT_MAX)
        bad = "epochs must be between 1 and UINT_MAX";
    else if (!(o->lr > 0) || !isfinite(o->lr))
        bad = "lr must be a finite value > 0";
    else if (!(o->momentum >= 0 && o->momentum < 1))
        bad = "momentum must lie in [0, 1)";
    else if (!(o->weight_decay >= 0) || !isfinite(o->weight_decay))
        bad = "weight_decay must be a finite value >= 0";
    else if (o->meanfield && o->persistent)
        bad = "mean-field negative phases have no persistent chains";
    return bad ? hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "RBM training: %s", bad) : HS_OK;
}

/* Buffers of one training run, carved from one allocation. */
typedef struct train_ws {
    size_t nchains;              /* PCD chains; 0 for CD, whose chains are the batch rows */
    double *x, *hp;              /* batch x nv data, batch x nh p(h | x) */
    double *v, *vp, *h, *hq;     /* chain states, p(v | h), hidden states, p(h | v) */
    double *gW, *ga, *gb;        /* gradient */
    double *dW, *da, *db;        /* velocity */
    size_t *perm;                /* epoch order */
    double *mem;
} train_ws;

static double *carve(double **p, size_t n)
{
    double *r = *p;
    *p += n;
    return r;
}

static int ws_alloc(train_ws *w, const hs_rbm *m, size_t batch, size_t nchains, size_t ntrain)
{
    const size_t nv = m->nv, nh = m->nh, rows = batch > nchains ? batch : nchains;
    const size_t npar = nv * nh + nv + nh;   /* checked by hs_rbm_alloc */
    size_t total;
    memset(w, 0, sizeof *w);
    w->nchains = nchains;
    if (size_muladd(rows, 2 * (nv + nh), 2 * npar, &total)
        || size_muladd(batch, nv + nh, total, &total) || total > SIZE_MAX / sizeof(double)
        || ntrain > SIZE_MAX / sizeof(size_t))
        return HS_ENOMEM;
    w->mem = calloc(total, sizeof *w->mem);
    w->perm = malloc(ntrain * sizeof *w->perm);
    if (!w->mem || !w->perm) {
        free(w->mem);
        free(w->perm);
        return HS_ENOMEM;
    }
    double *p = w->mem;
    w->x = carve(&p, batch * nv);
    w->hp = carve(&p, batch * nh);
    w->v = carve(&p, rows * nv);
    w->vp = carve(&p, rows * nv);
    w->h = carve(&p, rows * nh);
    w->hq = carve(&p, rows * nh);
    w->gW = carve(&p, nv * nh);
    w->ga = carve(&p, nv);
    w->gb = carve(&p, nh);
    w->dW = carve(&p, nv * nh);
    w->da = carve(&p, nv);
    w->db = carve(&p, nh);
    return HS_OK;
}

/* g = mean of the n rows of x (n x dim) times s, added to g */
static void add_colmean(double *g, const double *x, size_t n, size_t dim, double s)
{
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < dim; i++)
            g[i] += s * x[r * dim + i] / (double)n;
}

/* dp = momentum dp + lr (g - decay p);  p += dp */
static void step_params(double *p, double *dp, const double *g, size_t n,
                        const hs_rbm_train_opts *o, double decay)
{
    for (size_t t = 0; t < n; t++) {
        dp[t] = o->momentum * dp[t] + o->lr * (g[t] - decay * p[t]);
        p[t] += dp[t];
    }
}

/* One update on the n items in w->x. */
static void update(hs_rbm *m, train_ws *w, size_t n, const hs_rbm_train_opts *o, gsl_rng *r)
{
    const size_t nv = m->nv, nh = m->nh, nc = o->persistent ? w->nchains : n;
    layer_probs(m, w->x, n, 1, w->hp);
    if (o->meanfield) {   /* deterministic: probabilities in place of samples, from the data */
        memcpy(w->h, w->hp, n * nh * sizeof *w->h);
        for (int s = 0; s < o->k; s++) {
            layer_probs(m, w->h, n, 0, w->vp);
            memcpy(w->v, w->vp, n * nv * sizeof *w->v);
            layer_probs(m, w->v, n, 1, w->hq);
            memcpy(w->h, w->hq, n * nh * sizeof *w->h);
        }
    } else if (o->persistent) {
        layer_probs(m, w->v, nc, 1, w->hq);
        bernoulli(r, w->hq, nc * nh, w->h);
    } else {
        bernoulli(r, w->hp, n * nh, w->h);   /* CD: the chains start at the data */
    }
    for (int s = 0; s < o->k && !o->meanfield; s++) {
        layer_probs(m, w->h, nc, 0, w->vp);
        bernoulli(r, w->vp, nc * nv, w->v);
        layer_probs(m, w->v, nc, 1, w->hq);
        if (s + 1 < o->k)
            bernoulli(r, w->hq, nc * nh, w->h);
    }
    /* <v h>_data - <v h>_model, with p(h | v) in place of sampled h on both sides */
    gsl_matrix_const_view x = gsl_matrix_const_view_array(w->x, n, nv);
    gsl_matrix_const_view hp = gsl_matrix_const_view_array(w->hp, n, nh);
    gsl_matrix_const_view v = gsl_matrix_const_view_array(w->v, nc, nv);
    gsl_matrix_const_view hq = gsl_matrix_const_view_array(w->hq, nc, nh);
    gsl_matrix_view g = gsl_matrix_view_array(w->gW, nv, nh);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)n, &x.matrix, &hp.matrix, 0.0,
                   &g.matrix);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, -1.0 / (double)nc, &v.matrix, &hq.matrix, 1.0,
                   &g.matrix);
    memset(w->ga, 0, nv * sizeof *w->ga);
    memset(w->gb, 0, nh * sizeof *w->gb);
    add_colmean(w->ga, w->x, n, nv, 1);
    add_colmean(w->ga, w->v, nc, nv, -1);
    add_colmean(w->gb, w->hp, n, nh, 1);
    add_colmean(w->gb, w->hq, nc, nh, -1);
    step_params(m->W, w->dW, w->gW, nv * nh, o, o->weight_decay);
    step_params(m->a, w->da, w->ga, nv, o, 0);
    step_params(m->b, w->db, w->gb, nh, o, 0);
}

static int all_finite(const double *x, size_t n)
{
    for (size_t t = 0; t < n; t++)
        if (!isfinite(x[t]))
            return 0;
    return 1;
}

int hs_rbm_train(hs_rbm *m, const hs_dataset *d, size_t ntrain, const hs_rbm_train_opts *o,
                 uint64_t seed, hs_rbm_progress_fn cb, void *ctx, hs_error *err)
{
    int rc = check_data(m, d, ntrain, err);
    if (rc == HS_OK)
        rc = check_opts(o, err);
    if (rc != HS_OK)
        return rc;
    const size_t nv = m->nv, batch = o->batch < ntrain ? o->batch : ntrain;
    const size_t nchains = o->persistent ? (o->nchains ? o->nchains : batch) : 0;
    train_ws w;
    if (ws_alloc(&w, m, batch, nchains, ntrain) != HS_OK)
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory for RBM training");
    gsl_rng *gibbs = hs_rng_stream(seed, "rbm", "gibbs");
    gsl_rng *chains = hs_rng_stream(seed, "rbm", "chains");
    if (!gibbs || !chains) {
        rc = hs_nomem(err, NULL);
        goto done;
    }
    /* fantasy chains start at binary samples of random training items */
    for (size_t c = 0; c < nchains; c++) {
        size_t item = (size_t)(gsl_rng_uniform(chains) * (double)ntrain);
        if (item >= ntrain)   /* rounding of the product for huge ntrain */
            item = ntrain - 1;
        bernoulli(chains, d->x + item * nv, nv, w.v + c * nv);
    }
    for (size_t epoch = 0; epoch < o->epochs; epoch++) {
        if (hs_data_shuffle_order(seed, (unsigned)epoch, ntrain, w.perm) != HS_OK) {
            rc = hs_nomem(err, NULL);
            goto done;
        }
        for (size_t s0 = 0; s0 < ntrain; s0 += batch) {
            size_t n = ntrain - s0 < batch ? ntrain - s0 : batch;
            for (size_t s = 0; s < n; s++)
                memcpy(w.x + s * nv, d->x + w.perm[s0 + s] * nv, nv * sizeof *w.x);
            update(m, &w, n, o, gibbs);
        }
        if (!all_finite(m->W, m->nv * m->nh) || !all_finite(m->a, m->nv)
            || !all_finite(m->b, m->nh)) {
            rc = hs_error_set(err, HS_ERUNTIME, NULL, 0, 0,
                              "RBM training diverged in epoch %zu (lr %g is too large)",
                              epoch + 1, o->lr);
            goto done;
        }
        if (cb && cb(ctx, m, epoch + 1)) {
            rc = hs_error_set(err, HS_EINTR, NULL, 0, 0,
                              "RBM training stopped by the progress callback after epoch %zu",
                              epoch + 1);
            goto done;
        }
    }
done:
    gsl_rng_free(gibbs);
    gsl_rng_free(chains);
    free(w.mem);
    free(w.perm);
    return rc;
}

/* ---- sampling -------------------------------------------------------------------------- */

static int sample_chains(const hs_rbm *m, size_t nsamples, size_t nchains, size_t burnin,
                         size_t thin, uint64_t seed, int binary, double *out, hs_error *err)
{
    const size_t nv = m->nv, nh = m->nh;
    if (nsamples == 0 || nchains == 0 || thin == 0 || nsamples % nchains)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "RBM sampling: %zu samples from %zu chains, thinning %zu: all must "
                            "be >= 1 and the chains must divide the samples",
                            nsamples, nchains, thin);
    const size_t per = nsamples / nchains, blk = nchains < SAMPLE_BLOCK ? nchains : SAMPLE_BLOCK;
    double *v = malloc(2 * blk * (nv + nh) * sizeof *v);
    gsl_rng *r = hs_rng_stream(seed, "rbm", "sample");
    if (!v || !r) {
        free(v);
        gsl_rng_free(r);
        return hs_nomem(err, NULL);
    }
    double *vp = v + blk * nv, *h = vp + blk * nv, *hq = h + blk * nh;
    for (size_t c0 = 0; c0 < nchains; c0 += blk) {
        size_t nc = nchains - c0 < blk ? nchains - c0 : blk;
        for (size_t t = 0; t < nc * nv; t++)
            v[t] = gsl_rng_uniform(r) < 0.5;
        for (size_t t = 0; t < per; t++) {
            for (size_t s = 0; s < (t ? 0 : burnin) + thin; s++) {
                layer_probs(m, v, nc, 1, hq);
                bernoulli(r, hq, nc * nh, h);
                layer_probs(m, h, nc, 0, vp);
                bernoulli(r, vp, nc * nv, v);
            }
            for (size_t c = 0; c < nc; c++)
                memcpy(out + ((c0 + c) * per + t) * nv, (binary ? v : vp) + c * nv,
                       nv * sizeof *out);
        }
    }
    free(v);
    gsl_rng_free(r);
    return HS_OK;
}

int hs_rbm_sample(const hs_rbm *m, size_t nsamples, size_t nchains, size_t burnin, size_t thin,
                  uint64_t seed, double *out, hs_error *err)
{
    return sample_chains(m, nsamples, nchains, burnin, thin, seed, 0, out, err);
}

int hs_rbm_sample_binary(const hs_rbm *m, size_t nsamples, size_t nchains, size_t burnin,
                         size_t thin, uint64_t seed, double *out, hs_error *err)
{
    return sample_chains(m, nsamples, nchains, burnin, thin, seed, 1, out, err);
}

/* ---- exact quantities ------------------------------------------------------------------ */

double hs_rbm_free_energy(const hs_rbm *m, const double *v)
{
    double f = 0;
    for (size_t i = 0; i < m->nv; i++)
        f -= m->a[i] * v[i];
    for (size_t j = 0; j < m->nh; j++) {
        double x = m->b[j];
        for (size_t i = 0; i < m->nv; i++)
            x += v[i] * m->W[i * m->nh + j];
        f -= hs_softplus(x);
    }
    return f;
}

/* log sum over the 2^K binary states s of one layer of
 *   exp(c.s + sum_o softplus(bias_o + sum_k s_k J[k * sk + o * so])),
 * the other layer (O units with biases bias) summed out.  States are visited in Gray-code order,
 * so each step flips one unit and updates the O inputs by one coupling row; the inputs are
 * recomputed exactly every ENUM_REFRESH steps so that rounding cannot accumulate. */
static double log_sum_states(size_t K, size_t O, const double *c, const double *bias,
                             const double *J, size_t sk, size_t so)
{
    double *in = malloc(O * sizeof *in);
    if (!in)
        return NAN;
    double lin = 0, mx = -INFINITY, sum = 0;
    for (uint64_t t = 0; t < (UINT64_C(1) << K); t++) {
        uint64_t g = t ^ (t >> 1);
        if (t % ENUM_REFRESH == 0) {
            lin = 0;
            for (size_t o = 0; o < O; o++)
                in[o] = bias[o];
            for (size_t k = 0; k < K; k++)
                if (g >> k & 1) {
                    lin += c[k];
                    for (size_t o = 0; o < O; o++)
                        in[o] += J[k * sk + o * so];
                }
        } else {
            size_t k = (size_t)__builtin_ctzll(t);   /* the bit that flips from t - 1 to t */
            double sgn = g >> k & 1 ? 1 : -1;
            lin += sgn * c[k];
            for (size_t o = 0; o < O; o++)
                in[o] += sgn * J[k * sk + o * so];
        }
        double e = lin;
        for (size_t o = 0; o < O; o++)
            e += hs_softplus(in[o]);
        if (e > mx) {   /* running log-sum-exp: rescale the sum to the new maximum */
            sum = sum * exp(mx - e) + 1;
            mx = e;
        } else {
            sum += exp(e - mx);
        }
    }
    free(in);
    return mx + log(sum);
}

double hs_rbm_log_partition(const hs_rbm *m)
{
    if (m->nh <= m->nv)
        return m->nh > ENUM_MAX_BITS
                   ? NAN
                   : log_sum_states(m->nh, m->nv, m->b, m->a, m->W, 1, m->nh);
    return m->nv > ENUM_MAX_BITS ? NAN
                                 : log_sum_states(m->nv, m->nh, m->a, m->b, m->W, m->nh, 1);
}

double hs_rbm_loglik(const hs_rbm *m, const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double logz = hs_rbm_log_partition(m), f = 0;
    for (size_t s = 0; s < n; s++)
        f += hs_rbm_free_energy(m, v + s * m->nv);
    return -f / (double)n - logz;
}

/* ---- pictures -------------------------------------------------------------------------- */

int hs_rbm_write_filters(const hs_rbm *m, uint32_t rows, uint32_t cols, const char *path,
                         hs_error *err)
{
    if ((uint64_t)rows * cols != m->nv)
        return hs_error_set(err, HS_ECONFIG, path, 0, 0,
                            "filters of %u x %u pixels for an RBM of %zu visible units", rows,
                            cols, m->nv);
    double *f = malloc(m->nv * m->nh * sizeof *f);
    if (!f)
        return hs_nomem(err, path);
    for (size_t i = 0; i < m->nv; i++)
        for (size_t j = 0; j < m->nh; j++)
            f[j * m->nv + i] = m->W[i * m->nh + j];
    int rc = hs_png_write_grid(path, f, m->nh, rows, cols, 0, 1, 1, err);
    free(f);
    return rc;
}
