/* hee_plast.c -- the plasticity of a hee: block and the data it learns from
 *
 * The rules of model.md section 2, applied at every step after an item has settled, on the same
 * statistics the dynamics use (rho of the membranes in the rate realisation, the synaptic
 * traces in the spike realisation):
 *
 *   dW_l/dt = lr (T(x_{l-1}) - T(eps_{l-1})) T(x_l)^T
 *   db_l/dt = lr (T(x_l) - T(eps_l))
 *   dJ_l/dt = lr (T(x_l) T(x_l)^T - T(eps_l) T(eps_l)^T), diagonal kept at zero
 *
 * A synapse W_l[k][i] uses only its presynaptic trace T(x_l,i), its postsynaptic unit's trace
 * T(x_{l-1},k) and that unit's interneuron's trace T(eps_{l-1},k): local in space and time.
 * With B chains (hee: chains) the increments are averaged over the chains at every step (a
 * minibatch of B items): the sums over the chains are matrix products.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>

#include "data/dataset.h"
#include "data/image.h"
#include "proc/hee_rt.h"
#include "util/error.h"
#include "util/team.h"

/* ---- data ----------------------------------------------------------------------------------- */

/* An error in reading or preparing the data set, told at the place of the network file that
 * named the file it is about (the data: block when it is about none): exit status 2 for the
 * command line, as for any input that cannot be read, unless memory ran out. */
static int data_error(const hs_hee_spec *s, hs_error *err)
{
    const hs_hee_data *d = &s->data;
    const int *at = NULL;
    if (d->path && !strcmp(err->file, d->path))
        at = d->path_at;
    else if (d->labels && !strcmp(err->file, d->labels))
        at = d->labels_at;
    for (size_t i = 0; !at && i < d->nimages; i++)
        if (!strcmp(err->file, d->images[i]))
            at = d->images_at[i];
    return hs_error_within(err, HS_ECONFIG, s->file, at ? at[0] : d->line, at ? at[1] : d->col,
                           err->file[0] ? "data file" : "data set");
}

int hs_hee_load_data(const hs_hee_spec *s, hs_dataset **out, hs_error *err)
{
    const hs_hee_data *d = &s->data;
    const hs_hee_layer *in = &s->m.layer[0];
    int rc;
    *out = NULL;
    switch (d->kind) {
    case HS_HEE_DATA_TSV:
        rc = hs_data_load_tsv(d->path, d->limit, out, err);
        break;
    case HS_HEE_DATA_IDX:
        rc = hs_data_load_idx(d->path, d->labels, d->limit, out, err);
        break;
    default:
        rc = hs_data_patches(d->images, d->nimages, d->patch, d->count, s->seed, out, err);
        break;
    }
    if (rc)
        return data_error(s, err);
    hs_dataset *ds = *out;
    if (ds->dim != in->n) {
        rc = hs_error_set(err, HS_ECONFIG, s->file, d->line, d->col,
                          "the data items have %zu values, layer '%s' has %u units", ds->dim,
                          in->name, in->n);
        goto fail;
    }
    if (d->holdout >= ds->n) {
        rc = hs_error_set(err, HS_ECONFIG, s->file, d->line, d->col,
                          "'holdout' (%llu) leaves no item to present out of %zu",
                          (unsigned long long)d->holdout, ds->n);
        goto fail;
    }
    hs_data_scale(ds, d->scale, d->offset);
    if (d->threshold == d->threshold)
        for (size_t i = 0; i < ds->n * ds->dim; i++)
            ds->x[i] = ds->x[i] >= d->threshold ? 1.0 : 0.0;
    if (d->whiten && (rc = hs_data_whiten(ds, d->whiten_eps, err))) {
        rc = data_error(s, err);
        goto fail;
    }
    return HS_OK;
fail:
    hs_dataset_free(ds);
    *out = NULL;
    return rc;
}

/* ---- plasticity ----------------------------------------------------------------------------- */

double hs_hee_learning_rate(const hs_hee_learn *L, double t)
{
    return L->decay > 0 ? L->lr / (1.0 + t / L->decay) : L->lr;
}

/* The spike realisation's plasticity, at the units that spiked: a decoded count is zero for a
 * unit that did not spike in the step, so a synapse changes only in the steps both its units
 * spike (W, J) or one of them does (b); the same rules as the dense sweep, without visiting
 * the synapses whose change is zero. */
static void learn_sparse(hs_hee_rt *rt, double g)
{
    hs_hee *m = &rt->m;
    const hs_hee_learn *L = &rt->par.learn;
    const double *rx = rt->px, *re = rt->pe;
    uint32_t *nzx = rt->nzbuf, *nze = rt->nzbuf + m->ntotal;
    for (int l = 0; l < m->L; l++) {
        hs_hee_layer *ly = &m->layer[l];
        const double *tx = rx + ly->off, *te = re + ly->off;
        uint32_t nx = 0, ne = 0;
        for (uint32_t i = 0; i < ly->n; i++) {
            if (tx[i] != 0.0)
                nzx[nx++] = i;
            if (te[i] != 0.0)
                nze[ne++] = i;
        }
        if (L->W && l > 0 && nx) {
            const hs_hee_layer *lo = &m->layer[l - 1];
            double *restrict W = m->W[l];
            for (uint32_t k = 0; k < lo->n; k++) {
                double d = rx[lo->off + k] - re[lo->off + k];
                if (d == 0.0)
                    continue;
                d *= g;
                double *restrict row = W + (size_t)k * ly->n;
                for (uint32_t a = 0; a < nx; a++)
                    row[nzx[a]] += d * tx[nzx[a]];
            }
        }
        if (L->b) {
            for (uint32_t a = 0; a < nx; a++)
                ly->b[nzx[a]] += g * tx[nzx[a]];
            for (uint32_t a = 0; a < ne; a++)
                ly->b[nze[a]] -= g * te[nze[a]];
        }
        if (L->J && ly->J) {
            for (uint32_t a = 0; a < nx; a++)
                for (uint32_t b = 0; b < nx; b++)
                    if (a != b)
                        ly->J[(size_t)nzx[a] * ly->n + nzx[b]] += g * tx[nzx[a]] * tx[nzx[b]];
            for (uint32_t a = 0; a < ne; a++)
                for (uint32_t b = 0; b < ne; b++)
                    if (a != b)
                        ly->J[(size_t)nze[a] * ly->n + nze[b]] -= g * te[nze[a]] * te[nze[b]];
        }
    }
}

/* The rate realisation's rules averaged over B > 1 chains (gaussian layers): with T the B x n
 * blocks of the chains' statistics and D = T(x) - T(eps) (rt->dd, left by the step's
 * bottom-up products),
 *   W_l += g/B D_{l-1}^T T(x_l),  b_l += g/B sum_c D_l[c],  J_l += g/B (T(x_l)^T T(x_l) -
 *   T(eps_l)^T T(eps_l)) with its diagonal put back to 0;
 * part t of n of the team updates its share of the rows of every W_l, b_l and J_l, so that no
 * two threads write one place and each sum runs over the chains in order. */
typedef struct learn_job {
    hs_hee_rt *rt;
    double gb;    /* g / B */
} learn_job;

static void learn_part(void *ctx, int t, int nt)
{
    const learn_job *j = ctx;
    hs_hee_rt *rt = j->rt;
    hs_hee *m = &rt->m;
    const hs_hee_learn *L = &rt->par.learn;
    const size_t N = m->ntotal;
    const int B = (int)rt->B, ld = (int)N;
    for (int l = 0; l < m->L; l++) {
        hs_hee_layer *ly = &m->layer[l];
        const int n = (int)ly->n;
        if (L->W && l > 0) {
            const hs_hee_layer *lo = &m->layer[l - 1];
            const unsigned k0 = hs_team_share(lo->n, t, nt), k1 = hs_team_share(lo->n, t + 1, nt);
            if (k1 > k0)
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(k1 - k0), n, B, j->gb,
                            rt->dd + lo->off + k0, ld, rt->px + ly->off, ld, 1.0,
                            m->W[l] + (size_t)k0 * ly->n, n);
        }
        const unsigned i0 = hs_team_share(ly->n, t, nt), i1 = hs_team_share(ly->n, t + 1, nt);
        if (L->b)
            for (unsigned i = i0; i < i1; i++) {
                double s = 0;
                for (size_t c = 0; c < rt->B; c++)
                    s += rt->dd[c * N + ly->off + i];
                ly->b[i] += j->gb * s;
            }
        if (L->J && ly->J && i1 > i0) {
            const int r = (int)(i1 - i0);
            double *J = ly->J + (size_t)i0 * ly->n;
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, n, B, j->gb,
                        rt->px + ly->off + i0, ld, rt->px + ly->off, ld, 1.0, J, n);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, n, B, -j->gb,
                        rt->pe + ly->off + i0, ld, rt->pe + ly->off, ld, 1.0, J, n);
            for (unsigned i = i0; i < i1; i++)
                ly->J[(size_t)i * ly->n + i] = 0.0;
        }
    }
}

void hs_hee_rt_learn(hs_hee_rt *rt, double g)
{
    if (rt->spike && rt->learning) {
        learn_sparse(rt, g);
        return;
    }
    if (rt->B > 1) {
        learn_job j = {rt, g / rt->B};
        hs_team_run(rt->team, learn_part, &j);
        /* J stays symmetric: cell (i, j) and (j, i) came from different products, whose sums
         * may round differently (their mean is the cell itself when they agree) */
        for (int l = 0; l < rt->m.L && rt->par.learn.J; l++) {
            hs_hee_layer *ly = &rt->m.layer[l];
            for (uint32_t a = 0; ly->J && a < ly->n; a++)
                for (uint32_t b = a + 1; b < ly->n; b++) {
                    double *ab = &ly->J[(size_t)a * ly->n + b];
                    double *ba = &ly->J[(size_t)b * ly->n + a];
                    *ab = *ba = 0.5 * (*ab + *ba);
                }
        }
        return;
    }
    hs_hee *m = &rt->m;
    const hs_hee_learn *L = &rt->par.learn;
    /* the rate realisation: rho of the membranes, a dense sweep */
    const double *rx = rt->px, *re = rt->pe;
    for (int l = 0; l < m->L; l++) {
        hs_hee_layer *ly = &m->layer[l];
        const double *tx = rx + ly->off, *te = re + ly->off;
        if (L->W && l > 0) {
            const hs_hee_layer *lo = &m->layer[l - 1];
            double *restrict W = m->W[l];
            /* a zero factor adds +0 and is skipped: a binary unit whose interneuron agrees
             * with it (d = 0), a binary unit above that is off (tx = 0); same bytes */
            for (uint32_t k = 0; k < lo->n; k++) {
                double d = g * (rx[lo->off + k] - re[lo->off + k]);
                if (d == 0.0)
                    continue;
                double *restrict row = W + (size_t)k * ly->n;
                if (ly->family == HS_FAMILY_BERNOULLI) {
                    for (uint32_t i = 0; i < ly->n; i++)
                        if (tx[i] != 0.0)
                            row[i] += d;
                } else {
                    for (uint32_t i = 0; i < ly->n; i++)
                        row[i] += d * tx[i];
                }
            }
        }
        if (L->b)
            for (uint32_t i = 0; i < ly->n; i++)
                ly->b[i] += g * (tx[i] - te[i]);
        if (L->J && ly->J)
            for (uint32_t i = 0; i < ly->n; i++)
                for (uint32_t j = 0; j < ly->n; j++)
                    if (i != j)
                        ly->J[(size_t)i * ly->n + j] += g * (tx[i] * tx[j] - te[i] * te[j]);
    }
}

