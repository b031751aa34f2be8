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
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/image.h"
#include "proc/hee_rt.h"
#include "util/error.h"

/* ---- data ----------------------------------------------------------------------------------- */

int hs_hee_load_data(const hs_config *cfg, hs_dataset **out, hs_error *err)
{
    const hs_heecfg *h = cfg->hee;
    const hs_datacfg *d = h->data;
    int rc;
    *out = NULL;
    switch (d->kind) {
    case HS_DATA_TSV:
        rc = hs_data_load_tsv(d->path, d->limit, out, err);
        break;
    case HS_DATA_IDX:
        rc = hs_data_load_idx(d->path, d->labels, d->limit, out, err);
        break;
    default:
        rc = hs_data_patches((const char *const *)d->images, d->nimages, d->patch, d->count,
                             cfg->seed, out, err);
        break;
    }
    if (rc)
        return rc;
    hs_dataset *ds = *out;
    if (ds->dim != h->layers[0].size) {
        rc = hs_error_set(err, HS_ECONFIG, cfg->path, d->line, d->col,
                          "the data items have %zu values, layer '%s' has %u units", ds->dim,
                          h->layers[0].name, h->layers[0].size);
        goto fail;
    }
    if (d->holdout >= ds->n) {
        rc = hs_error_set(err, HS_ECONFIG, cfg->path, d->line, d->col,
                          "'holdout' (%llu) leaves no item to present out of %zu",
                          (unsigned long long)d->holdout, ds->n);
        goto fail;
    }
    hs_data_scale(ds, d->scale, d->offset);
    if (d->whiten && (rc = hs_data_whiten(ds, d->whiten_eps, err)))
        goto fail;
    return HS_OK;
fail:
    hs_dataset_free(ds);
    *out = NULL;
    return rc;
}

/* ---- plasticity ----------------------------------------------------------------------------- */

double hs_hee_learning_rate(const hs_learncfg *L, double t)
{
    return L->decay > 0 ? L->lr / (1.0 + t / L->decay) : L->lr;
}

void hs_hee_rt_learn(hs_hee_rt *rt, double g)
{
    hs_hee *m = &rt->m;
    const hs_learncfg *L = rt->cfg->learn;
    /* the rate realisation: rho of the membranes; the spike realisation: the spike counts of
     * the step, whose noise is fresh in every factor (doc/hee.md) */
    const double *rx = rt->px, *re = rt->pe;
    for (int l = 0; l < m->L; l++) {
        hs_hee_layer *ly = &m->layer[l];
        const double *tx = rx + ly->off, *te = re + ly->off;
        if (L->learn_W && l > 0) {
            const hs_hee_layer *lo = &m->layer[l - 1];
            double *restrict W = m->W[l];
            for (uint32_t k = 0; k < lo->n; k++) {
                double d = g * (rx[lo->off + k] - re[lo->off + k]);
                double *restrict row = W + (size_t)k * ly->n;
                for (uint32_t i = 0; i < ly->n; i++)
                    row[i] += d * tx[i];
            }
        }
        if (L->learn_b)
            for (uint32_t i = 0; i < ly->n; i++)
                ly->b[i] += g * (tx[i] - te[i]);
        if (L->learn_J && ly->J)
            for (uint32_t i = 0; i < ly->n; i++)
                for (uint32_t j = 0; j < ly->n; j++)
                    if (i != j)
                        ly->J[(size_t)i * ly->n + j] += g * (tx[i] * tx[j] - te[i] * te[j]);
    }
}

