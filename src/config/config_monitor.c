/* config_monitor.c -- record: variables: and record: rates: (doc/network-format.md,
 * "Recording state variables and rates")
 *
 *   record:
 *     variables:                          # variables.tsv: neuron state sampled on a clock
 *       every: 0.1 ms                     # (default 1 ms)
 *       populations:
 *         exc: [0, 1, 2]                  # these neurons, every state variable of the model
 *         z: {neurons: all, variables: [u]}
 *     rates: {bin: 10 ms, populations: all}   # rates.tsv: spikes per neuron per second
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "util/error.h"

/* Columns variables.tsv may have, and rows (samples) or bins a run may write. */
#define HS_MAX_VAR_COLUMNS 100000u
#define HS_MAX_ROWS 1e8

/* A population of the file by name, or an error listing them. */
static int file_pop(hs_cfgctx *c, const hs_ynode *n, const char *what, int *out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    for (int i = 0; i < c->cfg->npops; i++)
        if (!strcmp(c->cfg->pops[i].name, n->str)) {
            *out = i;
            return HS_OK;
        }
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; i < c->cfg->npops && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 c->cfg->pops[i].name);
    return hs_cfg_at(c, n, "%s: no population '%s' in the file (known: %s)", what, n->str,
                     known);
}

/* How many samples of `every` fit into the run; an error when more than HS_MAX_ROWS. */
static int rows_ok(hs_cfgctx *c, const hs_ynode *n, const char *what, double every)
{
    const double rows = ceil(c->cfg->duration / every);
    if (rows > HS_MAX_ROWS)
        return hs_cfg_at(c, n, "'%s' of %g ms over %g ms would write %.3g rows (at most %.0f): "
                         "choose a longer one", what, every, c->cfg->duration, rows,
                         HS_MAX_ROWS);
    return HS_OK;
}

/* The neurons of one population: all, or a list of distinct indices below its size. */
static int read_neurons(hs_cfgctx *c, const hs_ynode *n, const hs_popcfg *p, hs_varsel *s)
{
    if (n->kind == HS_Y_SCALAR && !strcmp(n->str, "all")) {
        s->idx = NULL;
        s->n = p->size;
        return HS_OK;
    }
    if (n->kind != HS_Y_SEQ || n->n == 0)
        return hs_cfg_at(c, n, "the neurons of '%s' are 'all' or a list of indices, e.g. [0, 1, "
                         "2]", p->name);
    s->idx = malloc(n->n * sizeof *s->idx);
    unsigned char *seen = calloc(p->size ? p->size : 1, 1);
    if (!s->idx || !seen) {
        free(seen);
        return hs_nomem(c->err, c->file);
    }
    for (size_t k = 0; k < n->n; k++) {
        uint64_t v;
        int rc = hs_cfg_read_uint(c, n->items[k], "neuron index", UINT32_MAX, &v);
        if (!rc && v >= p->size)
            rc = hs_cfg_at(c, n->items[k], "neuron %llu of '%s', which has %u (indices from 0)",
                           (unsigned long long)v, p->name, p->size);
        if (!rc && seen[v])
            rc = hs_cfg_at(c, n->items[k], "neuron %llu of '%s' is listed twice",
                           (unsigned long long)v, p->name);
        if (rc) {
            free(seen);
            return rc;
        }
        seen[v] = 1;
        s->idx[k] = (uint32_t)v;
    }
    free(seen);
    s->n = (uint32_t)n->n;
    return HS_OK;
}

/* The variables of one population's model: a list of its state variables' names. */
static int read_vars(hs_cfgctx *c, const hs_ynode *n, const hs_popcfg *p, unsigned *mask)
{
    const hs_schema *sc = p->schema;
    if (n->kind != HS_Y_SEQ || n->n == 0)
        return hs_cfg_at(c, n, "'variables' of '%s' is a list of names, e.g. [%s]", p->name,
                         sc->vars[0].name);
    *mask = 0;
    for (size_t k = 0; k < n->n; k++) {
        int rc = hs_cfg_want_kind(c, n->items[k], HS_Y_SCALAR, "variable");
        if (rc)
            return rc;
        int v = -1;
        for (int j = 0; j < sc->nvars; j++)
            if (!strcmp(sc->vars[j].name, n->items[k]->str))
                v = j;
        if (v < 0) {
            char known[128] = "";
            size_t used = 0;
            for (int j = 0; j < sc->nvars && used < sizeof known; j++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                         j ? ", " : "", sc->vars[j].name);
            return hs_cfg_at(c, n->items[k], "model '%s' of '%s' has no state variable '%s' "
                             "(known: %s)", sc->name, p->name, n->items[k]->str, known);
        }
        if (*mask & (1u << v))
            return hs_cfg_at(c, n->items[k], "variable '%s' is listed twice", sc->vars[v].name);
        *mask |= 1u << v;
    }
    return HS_OK;
}

int hs_cfg_read_variables(hs_cfgctx *c, const hs_ynode *n)
{
    static const char *const keys[] = {"every", "populations", NULL};
    static const char *const sel_keys[] = {"neurons", "variables", NULL};
    hs_config *cfg = c->cfg;
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "variables")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'variables'")))
        return rc;
    double every = 1.0;
    const hs_ynode *en = hs_ymap_get(n, "every"), *pn = hs_ymap_get(n, "populations");
    if (en && (rc = hs_cfg_read_quantity(c, en, "every", HS_DIM_TIME, &every)))
        return rc;
    if (!(every >= 1e-6))
        return hs_cfg_at(c, en, "'every' must be at least 1e-6 ms, not %g ms", every);
    if ((rc = rows_ok(c, en ? en : n, "every", every)))
        return rc;
    if (!pn)
        return hs_cfg_at(c, n, "'variables' needs 'populations', e.g. {exc: [0, 1, 2]}");
    if ((rc = hs_cfg_want_kind(c, pn, HS_Y_MAP, "populations")))
        return rc;
    if (pn->n == 0)
        return hs_cfg_at(c, pn, "'populations' of 'variables' is empty");
    double columns = 0;
    for (size_t k = 0; k < pn->n; k++) {
        int p;
        if ((rc = file_pop(c, pn->items[2 * k], "variables", &p)))
            return rc;
        const hs_popcfg *pc = &cfg->pops[p];
        hs_varsel *s = &cfg->var_sel[p];
        if (s->mask)
            return hs_cfg_at(c, pn->items[2 * k], "'%s' is named twice", pc->name);
        if (pc->schema->nvars == 0)
            return hs_cfg_at(c, pn->items[2 * k], "model '%s' of '%s' has no state variables "
                             "to record", pc->schema->name, pc->name);
        const hs_ynode *v = pn->items[2 * k + 1], *nn = v, *vn = NULL;
        if (v->kind == HS_Y_MAP) {
            if ((rc = hs_cfg_check_keys(c, v, sel_keys, "a population of 'variables'")))
                return rc;
            nn = hs_ymap_get(v, "neurons");
            vn = hs_ymap_get(v, "variables");
            if (!nn)
                return hs_cfg_at(c, v, "'%s' needs 'neurons' (all, or a list of indices)",
                                 pc->name);
        }
        if ((rc = read_neurons(c, nn, pc, s)))
            return rc;
        s->mask = (1u << pc->schema->nvars) - 1;
        if (vn && (rc = read_vars(c, vn, pc, &s->mask)))
            return rc;
        columns += (double)s->n * __builtin_popcount(s->mask);
        if (columns > HS_MAX_VAR_COLUMNS)
            return hs_cfg_at(c, pn->items[2 * k + 1], "'variables' would have %.0f columns (at "
                             "most %u): sample fewer neurons", columns, HS_MAX_VAR_COLUMNS);
    }
    cfg->var_every = every;
    return HS_OK;
}

int hs_cfg_read_rates(hs_cfgctx *c, const hs_ynode *n)
{
    static const char *const keys[] = {"bin", "populations", NULL};
    hs_config *cfg = c->cfg;
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "rates")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'rates'")))
        return rc;
    double bin = 10.0;
    const hs_ynode *bn = hs_ymap_get(n, "bin"), *pn = hs_ymap_get(n, "populations");
    if (bn && (rc = hs_cfg_read_quantity(c, bn, "bin", HS_DIM_TIME, &bin)))
        return rc;
    if (!(bin >= 1e-6))
        return hs_cfg_at(c, bn, "'bin' must be at least 1e-6 ms, not %g ms", bin);
    if ((rc = rows_ok(c, bn ? bn : n, "bin", bin)))
        return rc;
    if (!pn || (pn->kind == HS_Y_SCALAR && !strcmp(pn->str, "all"))) {
        for (int p = 0; p < cfg->npops; p++)
            cfg->record_rates[p] = 1;
    } else {
        if (pn->kind != HS_Y_SEQ || pn->n == 0)
            return hs_cfg_at(c, pn, "'populations' of 'rates' is 'all' or a list of names");
        for (size_t k = 0; k < pn->n; k++) {
            int p;
            if ((rc = file_pop(c, pn->items[k], "rates", &p)))
                return rc;
            if (cfg->record_rates[p])
                return hs_cfg_at(c, pn->items[k], "'%s' is named twice", cfg->pops[p].name);
            cfg->record_rates[p] = 1;
        }
    }
    if (cfg->npops == 0)
        return hs_cfg_at(c, n, "'rates' needs populations of the file (a hee: block's have "
                         "none)");
    cfg->rate_bin = bin;
    return HS_OK;
}
