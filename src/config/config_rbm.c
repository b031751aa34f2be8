/* config_rbm.c -- the rbm: block of a network file: a restricted Boltzmann machine trained on
 * a data set (doc/rbm.md)
 *
 *   rbm:
 *     visible: 784                 # or taken from shape: [28, 28]
 *     hidden: 100                  # or a list, [100, 50]: RBMs stacked greedily (a DBN)
 *     finetune: 0                  # DBN: epochs of contrastive wake-sleep (up-down) after it
 *     finetune_rate: 0.005         #      its learning rate (default learning_rate / 10)
 *     method: cd                   # cd | pcd | meanfield
 *     k: 1                         # Gibbs steps (cd, pcd) or mean-field updates (meanfield)
 *     batch: 100
 *     chains: 100                  # pcd: persistent chains (default: batch)
 *     learning_rate: 0.05
 *     momentum: 0.5
 *     weight_decay: 2e-4
 *     epochs: 10
 *     init_sd: 0.01                # initial weights N(0, sd^2); visible biases from the data
 *     loglik: auto                 # auto | exact | ais | none
 *     ais: {runs: 100, betas: 10000, items: 100, item_runs: 16, item_betas: 1000}
 *     samples: 100                 # binary samples of the trained model (samples.tsv)
 *     data: {tsv: ..., ...}        # as under hee: (doc/learning.md), without 'present'
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "util/error.h"


void hs_rbmcfg_free(hs_rbmcfg *r)
{
    if (!r)
        return;
    hs_datacfg_free(r->data);
    free(r);
}

static int read_count(hs_cfgctx *c, const hs_ynode *n, const char *key, uint64_t min,
                      uint64_t max, uint64_t *out)
{
    const hs_ynode *k = hs_ymap_get(n, key);
    if (!k)
        return HS_OK;
    int rc = hs_cfg_read_uint(c, k, key, max, out);
    if (rc == HS_OK && *out < min)
        return hs_cfg_at(c, k, "'%s' must be at least %llu, got %s", key,
                         (unsigned long long)min, k->str);
    return rc;
}

static int read_real(hs_cfgctx *c, const hs_ynode *n, const char *key, double lo, int lo_open,
                     double hi, double *out)
{
    const hs_ynode *k = hs_ymap_get(n, key);
    if (!k)
        return HS_OK;
    int rc = hs_cfg_read_number(c, k, key, out);
    if (rc == HS_OK && (lo_open ? !(*out > lo) : !(*out >= lo)))
        return hs_cfg_at(c, k, "'%s' must be %s %g, got %s", key, lo_open ? "above" : "at least",
                         lo, k->str);
    if (rc == HS_OK && !(*out < hi))
        return hs_cfg_at(c, k, "'%s' must be below %g, got %s", key, hi, k->str);
    return rc;
}

int hs_cfg_read_rbm(hs_cfgctx *c, const hs_ynode *n)
{
    static const char *const keys[] = {"visible", "hidden",   "method",        "k",
                                       "batch",   "chains",   "learning_rate", "momentum",
                                       "weight_decay", "epochs", "init_sd",     "loglik",
                                       "ais",     "samples",  "data",          "shape",
                                       "finetune", "finetune_rate", NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "rbm")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'rbm'")))
        return rc;
    hs_rbmcfg *r = calloc(1, sizeof *r);
    if (!r)
        return hs_nomem(c->err, c->file);
    c->cfg->rbm = r;
    r->line = n->line;
    r->col = n->col;
    *r = (hs_rbmcfg){.line = n->line, .col = n->col, .k = 1, .batch = 100, .lr = 0.05,
                     .momentum = 0.5, .weight_decay = 2e-4, .epochs = 10, .init_sd = 0.01,
                     .ais_runs = 100, .ais_betas = 10000, .ais_items = 100,
                     .ais_item_runs = 16, .ais_item_betas = 1000, .samples = 100};
    uint64_t v = 0, h = 0, k = 1;
    const hs_ynode *sh = hs_ymap_get(n, "shape");
    if (sh) {
        uint64_t rcv[2];
        if ((rc = hs_cfg_want_kind(c, sh, HS_Y_SEQ, "shape")))
            return rc;
        if (sh->n != 2)
            return hs_cfg_at(c, sh, "'shape' takes two numbers, [rows, cols]");
        for (int q = 0; q < 2; q++)
            if ((rc = hs_cfg_read_uint(c, sh->items[q], "shape", 100000, &rcv[q])))
                return rc;
        r->rows = (uint32_t)rcv[0];
        r->cols = (uint32_t)rcv[1];
        v = rcv[0] * rcv[1];
    }
    if ((rc = read_count(c, n, "visible", 1, 1000000, &v)) ||

        (rc = read_count(c, n, "k", 1, 100000, &k)) ||
        (rc = read_count(c, n, "batch", 1, 100000000, &r->batch)) ||
        (rc = read_count(c, n, "chains", 1, 100000000, &r->chains)) ||
        (rc = read_count(c, n, "epochs", 1, 100000000, &r->epochs)) ||
        (rc = read_count(c, n, "samples", 0, 1000000, &r->samples)) ||
        (rc = read_real(c, n, "learning_rate", 0, 1, HUGE_VAL, &r->lr)) ||
        (rc = read_real(c, n, "momentum", 0, 0, 1, &r->momentum)) ||
        (rc = read_real(c, n, "weight_decay", 0, 0, HUGE_VAL, &r->weight_decay)) ||
        (rc = read_real(c, n, "init_sd", 0, 0, HUGE_VAL, &r->init_sd)) ||
        (rc = read_count(c, n, "finetune", 0, 100000000, &r->finetune)) ||
        (rc = read_real(c, n, "finetune_rate", 0, 1, HUGE_VAL, &r->finetune_rate)))
        return rc;
    if (!v)
        return hs_cfg_at(c, n, "'rbm' needs 'visible' (or 'shape')");
    if (sh && hs_ymap_get(n, "visible") && v != (uint64_t)r->rows * r->cols)
        return hs_cfg_at(c, hs_ymap_get(n, "visible"), "'visible' (%llu) does not match "
                         "'shape' %u x %u", (unsigned long long)v, r->rows, r->cols);
    const hs_ynode *hn = hs_ymap_get(n, "hidden");
    if (!hn)
        return hs_cfg_at(c, n, "'rbm' needs 'hidden'");
    if (hn->kind == HS_Y_SEQ) {   /* a deep belief net */
        if (hn->n < 1 || hn->n > 8)
            return hs_cfg_at(c, hn, "'hidden' takes 1 to 8 layer sizes, got %zu", hn->n);
        for (size_t q = 0; q < hn->n; q++) {
            uint64_t sz;
            if ((rc = hs_cfg_read_uint(c, hn->items[q], "hidden", 1000000, &sz)))
                return rc;
            if (sz < 1)
                return hs_cfg_at(c, hn->items[q], "a hidden layer needs at least 1 unit");
            r->hidden[r->nhidden++] = (uint32_t)sz;
        }
        h = r->hidden[0];
    } else {
        if ((rc = hs_cfg_read_uint(c, hn, "hidden", 1000000, &h)))
            return rc;
        if (h < 1)
            return hs_cfg_at(c, hn, "'hidden' must be at least 1, got %s", hn->str);
        r->hidden[r->nhidden++] = (uint32_t)h;
    }
    r->nv = (uint32_t)v;
    r->nh = (uint32_t)h;
    if (r->finetune && r->nhidden < 2)
        return hs_cfg_at(c, hs_ymap_get(n, "finetune"), "'finetune' is the up-down fine-tuning "
                         "of a deep belief net: give 'hidden' a list of layer sizes");
    r->k = (int)k;
    if ((double)r->nv * r->nh > 5e8)
        return hs_cfg_at(c, n, "the RBM would have %.0f weights (at most 5e8)",
                         (double)r->nv * r->nh);
    const hs_ynode *mn = hs_ymap_get(n, "method");
    if (mn) {
        static const char *const methods[] = {"cd", "pcd", "meanfield", NULL};
        int q = 0;
        if ((rc = hs_cfg_want_kind(c, mn, HS_Y_SCALAR, "method")))
            return rc;
        while (methods[q] && strcmp(methods[q], mn->str))
            q++;
        if (!methods[q])
            return hs_cfg_at(c, mn, "unknown method '%s' (known: cd, pcd, meanfield)", mn->str);
        r->method = q;
    }
    if (hs_ymap_get(n, "chains") && r->method != HS_RBM_PCD)
        return hs_cfg_at(c, hs_ymap_get(n, "chains"), "'chains' are the persistent chains of "
                         "'method: pcd'");
    const hs_ynode *ln = hs_ymap_get(n, "loglik");
    if (ln) {
        static const char *const modes[] = {"auto", "exact", "ais", "none", NULL};
        int q = 0;
        if ((rc = hs_cfg_want_kind(c, ln, HS_Y_SCALAR, "loglik")))
            return rc;
        while (modes[q] && strcmp(modes[q], ln->str))
            q++;
        if (!modes[q])
            return hs_cfg_at(c, ln, "unknown loglik '%s' (known: auto, exact, ais, none)",
                             ln->str);
        r->loglik = q;
        if (q == HS_RBM_LL_EXACT && (r->nv < r->nh ? r->nv : r->nh) > 24)
            return hs_cfg_at(c, ln, "'loglik: exact' sums over the 2^%u states of the smaller "
                             "layer; at most 24 (use 'ais')", r->nv < r->nh ? r->nv : r->nh);
    }
    const hs_ynode *an = hs_ymap_get(n, "ais");
    if (an) {
        static const char *const akeys[] = {"runs",      "betas",      "items",
                                            "item_runs", "item_betas", NULL};
        if ((rc = hs_cfg_want_kind(c, an, HS_Y_MAP, "ais")) ||
            (rc = hs_cfg_check_keys(c, an, akeys, "'ais'")) ||
            (rc = read_count(c, an, "runs", 2, 100000000, &r->ais_runs)) ||
            (rc = read_count(c, an, "betas", 1, 100000000, &r->ais_betas)) ||
            (rc = read_count(c, an, "items", 1, 100000000, &r->ais_items)) ||
            (rc = read_count(c, an, "item_runs", 2, 100000000, &r->ais_item_runs)) ||
            (rc = read_count(c, an, "item_betas", 1, 100000000, &r->ais_item_betas)))
            return rc;
    }
    const hs_ynode *dn = hs_ymap_get(n, "data");
    if (!dn)
        return hs_cfg_at(c, n, "'rbm' needs 'data' (the set it is trained on)");
    if ((rc = hs_cfg_want_kind(c, dn, HS_Y_MAP, "data")))
        return rc;
    if (hs_ymap_get(dn, "present"))
        return hs_cfg_at(c, hs_ymap_get(dn, "present"), "'present' is for hee: blocks (an RBM "
                         "is trained on batches of items)");
    if (hs_ymap_get(dn, "whiten"))
        return hs_cfg_at(c, hs_ymap_get(dn, "whiten"), "an RBM's visible units are binary: "
                         "binarise with 'threshold', or give values in [0, 1]");
    hs_heecfg scratch = {.dt = 1e-300};   /* (the data reader of hee: blocks) */
    rc = hs_cfg_read_hee_data(c, dn, &scratch);
    r->data = scratch.data;
    return rc;
}
