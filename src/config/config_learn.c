/* config_learn.c -- the data: and learn: keys of a hee: block (doc/learning.md)
 *
 *   hee:
 *     data:                              # layer 0 clamped to a data set, item after item
 *       tsv: train.tsv                   # or idx: {images: F.gz, labels: F.gz}
 *                                        # or patches: {images: [a.png, ...], size: 12, count: N}
 *       limit: 1000                      # the first items only
 *       holdout: 100                     # the last items are never trained on
 *       scale: 1.0                       # x <- x * scale + offset
 *       offset: 0.0
 *       threshold: 0.5                   # after scaling: x <- 1 if x >= threshold else 0
 *       whiten: false                    # ZCA whitening after scaling
 *       whiten_eps: 1e-3                 # its regulariser (relative to the largest eigenvalue)
 *       shuffle: true                    # a new order every epoch, from the seed
 *       present: 100 ms                  # presentation time per item
 *     learn:
 *       learning_rate: 1 Hz              # d theta / dt = learning_rate * (local term)
 *       decay: 100 s                     # learning_rate / (1 + t / decay); absent: constant
 *       settle: 20 ms                    # after each new item, inference before plasticity
 *       params: [W, b, J]                # which parameters learn
 *       checkpoint: 10 s                 # model time between checkpoints
 *       log: 1 s                         # model time between rows of learning.tsv
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "util/error.h"
#include "util/infile.h"


/* A path key: resolved against the file's directory and checked to be readable now, so that
 * the error points at the YAML line rather than surfacing later. */
static int read_path(hs_cfgctx *c, const hs_ynode *n, const char *what, char **out, int at[2])
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    at[0] = n->line;
    at[1] = n->col;
    free(*out);
    *out = hs_cfg_resolve_path(c, n->str);
    if (!*out)
        return hs_nomem(c->err, c->file);
    int nr;
    FILE *f = hs_fopen_regular(*out, "rb", &nr);
    if (!f)
        return hs_cfg_at(c, n, "cannot read %s '%s': %s", what, n->str, hs_fopen_why(nr));
    fclose(f);
    return HS_OK;
}

static int read_source(hs_cfgctx *c, const hs_ynode *n, hs_datacfg *d)
{
    static const char *const sources[] = {"tsv", "idx", "patches"};
    const hs_ynode *src = NULL;
    int nsrc = 0;
    for (int k = 0; k < 3; k++)
        if (hs_ymap_get(n, sources[k])) {
            src = hs_ymap_get(n, sources[k]);
            d->kind = (hs_data_kind)k;
            nsrc++;
        }
    if (nsrc != 1)
        return hs_cfg_at(c, nsrc ? src : n, "'data' needs exactly one source: tsv, idx or "
                                            "patches");
    int rc;
    if (d->kind == HS_DATA_TSV)
        return read_path(c, src, "tsv", &d->path, d->path_at);
    if (d->kind == HS_DATA_IDX) {
        static const char *const keys[] = {"images", "labels", NULL};
        if ((rc = hs_cfg_want_kind(c, src, HS_Y_MAP, "idx")) ||
            (rc = hs_cfg_check_keys(c, src, keys, "'idx'")))
            return rc;
        const hs_ynode *im = hs_ymap_get(src, "images"), *lb = hs_ymap_get(src, "labels");
        if (!im)
            return hs_cfg_at(c, src, "'idx' needs 'images' (an IDX file, .gz or plain)");
        if ((rc = read_path(c, im, "images", &d->path, d->path_at)))
            return rc;
        return lb ? read_path(c, lb, "labels", &d->labels, d->labels_at) : HS_OK;
    }
    static const char *const keys[] = {"images", "size", "count", NULL};
    if ((rc = hs_cfg_want_kind(c, src, HS_Y_MAP, "patches")) ||
        (rc = hs_cfg_check_keys(c, src, keys, "'patches'")))
        return rc;
    const hs_ynode *im = hs_ymap_get(src, "images"), *sz = hs_ymap_get(src, "size"),
                   *ct = hs_ymap_get(src, "count");
    if (!im || !sz || !ct)
        return hs_cfg_at(c, src, "'patches' needs 'images' (PNG files), 'size' (pixels) and "
                                 "'count'");
    if ((rc = hs_cfg_want_kind(c, im, HS_Y_SEQ, "images")))
        return rc;
    if (im->n < 1)
        return hs_cfg_at(c, im, "'images' lists no file");
    d->images = calloc(im->n, sizeof *d->images);
    d->images_at = calloc(im->n, sizeof *d->images_at);
    if (!d->images || !d->images_at)
        return hs_nomem(c->err, c->file);
    for (size_t i = 0; i < im->n; i++) {
        d->nimages++;
        if ((rc = read_path(c, im->items[i], "image", &d->images[i], d->images_at[i])))
            return rc;
    }
    uint64_t side;
    if ((rc = hs_cfg_read_uint(c, sz, "size", 4096, &side)) ||
        (rc = hs_cfg_read_uint(c, ct, "count", 100000000, &d->count)))
        return rc;
    if (side < 1 || d->count < 1)
        return hs_cfg_at(c, side < 1 ? sz : ct, "'%s' must be at least 1",
                         side < 1 ? "size" : "count");
    d->patch = (uint32_t)side;
    return HS_OK;
}

int hs_cfg_read_hee_data(hs_cfgctx *c, const hs_ynode *n, hs_heecfg *h)
{
    static const char *const keys[] = {"tsv",   "idx",    "patches", "limit",   "holdout",
                                       "scale", "offset", "whiten",  "shuffle", "present",
                                       "whiten_eps", "threshold", NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "data")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'data'")))
        return rc;
    hs_datacfg *d = calloc(1, sizeof *d);
    if (!d)
        return hs_nomem(c->err, c->file);
    h->data = d;
    d->line = n->line;
    d->col = n->col;
    d->scale = 1.0;
    d->shuffle = 1;
    if ((rc = read_source(c, n, d)))
        return rc;
    const hs_ynode *k;
    if ((k = hs_ymap_get(n, "limit")) && (rc = hs_cfg_read_uint(c, k, "limit", UINT64_MAX,
                                                                 &d->limit)))
        return rc;
    if ((k = hs_ymap_get(n, "holdout")) &&
        (rc = hs_cfg_read_uint(c, k, "holdout", UINT64_MAX, &d->holdout)))
        return rc;
    if ((k = hs_ymap_get(n, "scale")) && (rc = hs_cfg_read_number(c, k, "scale", &d->scale)))
        return rc;
    if ((k = hs_ymap_get(n, "offset")) &&
        (rc = hs_cfg_read_number(c, k, "offset", &d->offset)))
        return rc;
    if ((k = hs_ymap_get(n, "whiten")) && (rc = hs_cfg_read_bool(c, k, "whiten", &d->whiten)))
        return rc;
    d->threshold = NAN;
    if ((k = hs_ymap_get(n, "threshold"))) {
        if ((rc = hs_cfg_read_number(c, k, "threshold", &d->threshold)))
            return rc;
        if (d->whiten)
            return hs_cfg_at(c, k, "'threshold' makes the items binary; 'whiten' would make "
                             "them real again: keep one");
    }
    d->whiten_eps = 1e-3;
    if ((k = hs_ymap_get(n, "whiten_eps"))) {
        if ((rc = hs_cfg_read_number(c, k, "whiten_eps", &d->whiten_eps)))
            return rc;
        if (!(d->whiten_eps >= 0 && d->whiten_eps <= 1))
            return hs_cfg_at(c, k, "'whiten_eps' must be between 0 and 1, got %s", k->str);
    }
    if ((k = hs_ymap_get(n, "shuffle")) &&
        (rc = hs_cfg_read_bool(c, k, "shuffle", &d->shuffle)))
        return rc;
    if ((rc = hs_cfg_read_time(c, n, "present", 100.0, 1, &d->present)))
        return rc;
    if (d->present < h->dt)
        return hs_cfg_at(c, hs_ymap_get(n, "present"), "'present' (%g ms) is shorter than dt "
                                                       "(%g ms)", d->present, h->dt);
    return HS_OK;
}

static int read_params(hs_cfgctx *c, const hs_ynode *n, hs_learncfg *L)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SEQ, "params");
    if (rc)
        return rc;
    L->learn_W = L->learn_b = L->learn_J = 0;
    for (size_t i = 0; i < n->n; i++) {
        const hs_ynode *it = n->items[i];
        if ((rc = hs_cfg_want_kind(c, it, HS_Y_SCALAR, "a parameter")))
            return rc;
        int *flag = !strcmp(it->str, "W")   ? &L->learn_W
                    : !strcmp(it->str, "b") ? &L->learn_b
                    : !strcmp(it->str, "J") ? &L->learn_J
                                            : NULL;
        if (!flag)
            return hs_cfg_at(c, it, "unknown parameter '%s' (known: W, b, J)", it->str);
        if (*flag)
            return hs_cfg_at(c, it, "parameter '%s' listed twice", it->str);
        *flag = 1;
    }
    return HS_OK;
}

int hs_cfg_read_hee_learn(hs_cfgctx *c, const hs_ynode *n, hs_heecfg *h)
{
    static const char *const keys[] = {"learning_rate", "decay", "settle", "params",
                                       "checkpoint",    "log",   "method", "ais", NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "learn")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'learn'")))
        return rc;
    if (!h->data)
        return hs_cfg_at(c, n, "'learn' needs a data set on layer 0: add 'data' to the 'hee' "
                               "block");
    hs_learncfg *L = calloc(1, sizeof *L);
    if (!L)
        return hs_nomem(c->err, c->file);
    h->learn = L;
    L->line = n->line;
    L->col = n->col;
    const hs_ynode *k = hs_ymap_get(n, "learning_rate");
    if (!k)
        return hs_cfg_at(c, n, "'learn' needs 'learning_rate' (a rate, e.g. '1 Hz': parameters "
                               "change by that much per second per unit of the local term)");
    if ((rc = hs_cfg_read_quantity(c, k, "learning_rate", HS_DIM_RATE, &L->lr)))
        return rc;
    if (!(L->lr > 0))
        return hs_cfg_at(c, k, "'learning_rate' must be positive, got %s", k->str);
    L->lr *= 1e-3;   /* Hz -> per ms */
    L->learn_W = L->learn_b = L->learn_J = 1;
    if ((k = hs_ymap_get(n, "params")) && (rc = read_params(c, k, L)))
        return rc;
    if ((rc = hs_cfg_read_time(c, n, "decay", 0.0, 1, &L->decay)) ||
        (rc = hs_cfg_read_time(c, n, "settle", 0.2 * h->data->present, 0, &L->settle)) ||
        (rc = hs_cfg_read_time(c, n, "checkpoint", 0.0, 1, &L->checkpoint)) ||
        (rc = hs_cfg_read_time(c, n, "log", 0.0, 1, &L->log_every)))
        return rc;
    if (L->settle >= h->data->present)
        return hs_cfg_at(c, hs_ymap_get(n, "settle") ? hs_ymap_get(n, "settle") : n,
                         "'settle' (%g ms) leaves no time for plasticity within 'present' "
                         "(%g ms)", L->settle, h->data->present);
    if ((k = hs_ymap_get(n, "method"))) {
        if ((rc = hs_cfg_want_kind(c, k, HS_Y_SCALAR, "method")))
            return rc;
        if (!strcmp(k->str, "wake-sleep"))
            L->wake_sleep = 1;
        else if (strcmp(k->str, "local"))
            return hs_cfg_at(c, k, "unknown learning method '%s' (known: local, wake-sleep)",
                             k->str);
        for (int l = 0; L->wake_sleep && l < h->nlayers; l++) {
            if (!h->layers[l].bernoulli)
                return hs_cfg_at(c, k, "wake-sleep learns a sigmoid belief net: every layer "
                                 "bernoulli ('%s' is gaussian)", h->layers[l].name);
            if (h->lateral[l].kind != HS_VAL_UNSET)
                return hs_cfg_at(c, k, "wake-sleep here learns layers without lateral couplings "
                                 "('%s' has some)", h->layers[l].name);
        }
        if (L->wake_sleep && h->realisation == HS_HEE_SPIKE)
            return hs_cfg_at(c, k, "wake-sleep is no dynamics: give it 'realisation: rate'");
    }
    if ((k = hs_ymap_get(n, "ais"))) {
        static const char *const akeys[] = {"runs", "betas", "items", NULL};
        if ((rc = hs_cfg_want_kind(c, k, HS_Y_MAP, "ais")) ||
            (rc = hs_cfg_check_keys(c, k, akeys, "'ais'")))
            return rc;
        L->ais_runs = 16;
        L->ais_betas = 1000;
        L->ais_items = 100;
        const char *const names[3] = {"runs", "betas", "items"};
        uint64_t *const dst[3] = {&L->ais_runs, &L->ais_betas, &L->ais_items};
        for (int q = 0; q < 3; q++) {
            const hs_ynode *a = hs_ymap_get(k, names[q]);
            if (a && (rc = hs_cfg_read_uint(c, a, names[q], 100000000, dst[q])))
                return rc;
            if (*dst[q] < (q == 0 ? 2u : 1u))
                return hs_cfg_at(c, a, "'%s' must be at least %d", names[q], q == 0 ? 2 : 1);
        }
        for (int l = 0; l < h->nlayers; l++)
            if (!h->layers[l].bernoulli || h->lateral[l].kind != HS_VAL_UNSET)
                return hs_cfg_at(c, k, "'ais' estimates the log-likelihood of a sigmoid belief "
                                 "net: every layer bernoulli, no lateral couplings ('%s')",
                                 h->layers[l].name);
    }
    return HS_OK;
}

void hs_datacfg_free(hs_datacfg *d)
{
    if (!d)
        return;
    free(d->path);
    free(d->labels);
    for (size_t i = 0; i < d->nimages; i++)
        free(d->images[i]);
    free(d->images);
    free(d->images_at);
    free(d);
}
