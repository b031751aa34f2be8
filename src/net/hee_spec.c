/* hee_spec.c -- hs_config's hee: block -> hs_hee_spec: the values drawn, the enums of the
 * configuration turned into the process's parameters */
#include <stdio.h>
#include <stdlib.h>

#include "net/hee_spec.h"
#include "util/error.h"
#include "util/rng.h"


/* rows x cols values of v (row-major) into a new *out, drawn from the stream ("hee:LAYER",
 * what) of the run's seed. */
static int draw(const hs_config *cfg, const char *layer, const char *what, const hs_valspec *v,
                size_t rows, size_t cols, double **out, hs_error *err)
{
    char id[96];
    snprintf(id, sizeof id, "hee:%s", layer);
    gsl_rng *r = hs_rng_stream(cfg->seed, id, what);
    *out = malloc(rows * cols * sizeof **out);
    if (!r || !*out) {
        if (r)
            gsl_rng_free(r);
        return hs_nomem(err, NULL);
    }
    hs_valspec_draw(v, r, rows, cols, *out);
    gsl_rng_free(r);
    return HS_OK;
}

hs_hee_data hs_net_hee_data(const hs_datacfg *d)
{
    return (hs_hee_data){
        .on = 1,
        .kind = d->kind == HS_DATA_TSV   ? HS_HEE_DATA_TSV
                : d->kind == HS_DATA_IDX ? HS_HEE_DATA_IDX
                                         : HS_HEE_DATA_PATCHES,
        .path = d->path,
        .labels = d->labels,
        .images = (const char *const *)d->images,
        .nimages = d->nimages,
        .patch = d->patch,
        .count = d->count,
        .limit = d->limit,
        .holdout = d->holdout,
        .scale = d->scale,
        .offset = d->offset,
        .threshold = d->threshold,
        .whiten = d->whiten,
        .whiten_eps = d->whiten_eps,
        .shuffle = d->shuffle,
        .present = d->present,
        .line = d->line,
        .col = d->col,
        .path_at = d->path_at,
        .labels_at = d->labels_at,
        .images_at = (const int (*)[2])d->images_at,
    };
}

int hs_net_hee_spec(const hs_config *cfg, hs_hee_spec *s, hs_error *err)
{
    const hs_heecfg *h = cfg->hee;
    *s = (hs_hee_spec){
        .par = {.tau_x = h->tau_x, .tau_eps = h->tau_eps, .dt = h->dt, .adapt_m = h->adapt_m,
                .adapt_tau_c = h->adapt_tau_c, .feedforward = h->init == HS_HEE_INIT_FEEDFORWARD,
                .noise_budget = h->noise_budget, .bottom_up = h->bottom_up},
        .every = h->every,
        .record_x = h->record_x,
        .record_eps = h->record_eps,
        .record_c = h->record_c,
        .spike = h->realisation == HS_HEE_SPIKE,
        .pushpull = h->encoding == HS_ENC_PUSHPULL,
        .P = h->P,
        .r0 = h->r0,
        .r1 = h->r1,
        .rmax = h->rmax,
        .tau_syn = h->tau_syn,
        .tau_ref = h->tau_ref,
        .max_neurons = HS_MAX_NEURONS,
        .seed = cfg->seed,
        .chains = h->chains ? h->chains : 1,
        .threads = cfg->threads,
        .file = cfg->path,
        .line = h->line,
        .col = h->col,
    };
    if (h->learn)
        s->par.learn = (hs_hee_learn){.on = 1, .lr = h->learn->lr, .decay = h->learn->decay,
                                      .W = h->learn->learn_W, .b = h->learn->learn_b,
                                      .J = h->learn->learn_J};
    if (h->data)
        s->data = hs_net_hee_data(h->data);
    hs_hee *m = &s->m;
    m->L = h->nlayers;
    m->layer = calloc((size_t)m->L, sizeof *m->layer);
    m->W = calloc((size_t)m->L, sizeof *m->W);
    int rc = HS_OK;
    if (!m->layer || !m->W) {
        rc = hs_nomem(err, NULL);
        goto fail;
    }
    uint32_t off = 0;
    for (int l = 0; l < m->L; l++) {
        const hs_heelayer_cfg *lc = &h->layers[l];
        hs_hee_layer *ly = &m->layer[l];
        snprintf(ly->name, sizeof ly->name, "%s", lc->name);
        ly->n = lc->size;
        ly->family = lc->bernoulli ? HS_FAMILY_BERNOULLI : HS_FAMILY_GAUSSIAN;
        ly->rho = (hs_rho)lc->rho;
        ly->sigma = lc->sigma;
        ly->off = off;
        off += ly->n;
        if ((rc = draw(cfg, lc->name, "bias", &lc->bias, ly->n, 1, &ly->b, err)))
            goto fail;
        if (h->lateral[l].kind != HS_VAL_UNSET &&
            (rc = draw(cfg, lc->name, "lateral", &h->lateral[l], ly->n, ly->n, &ly->J, err)))
            goto fail;
        if (l > 0 && (rc = draw(cfg, lc->name, "weights", &h->weights[l],
                                h->layers[l - 1].size, ly->n, &m->W[l], err)))
            goto fail;
    }
    m->ntotal = off;
    if (!h->data && h->clamped &&
        (rc = draw(cfg, h->layers[0].name, "clamp", &h->clamp, m->layer[0].n, 1, &s->clamp,
                   err)))
        goto fail;
    return HS_OK;
fail:
    hs_hee_spec_free(s);
    return rc;
}

int hs_net_hee_rt(const hs_config *cfg, hs_hee_rt **out, hs_error *err)
{
    hs_hee_spec s;
    *out = NULL;
    int rc = hs_net_hee_spec(cfg, &s, err);
    if (rc == HS_OK)
        rc = hs_hee_rt_create(&s, out, err);
    hs_hee_spec_free(&s);
    return rc;
}
