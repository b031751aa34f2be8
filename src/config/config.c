/* config.c -- YAML tree -> validated hs_config (format version 1, see doc/network-format.md)
 *
 * Every check reports the file, line and column of the node it is about.  Data files named by
 * {file: ...} are read here, so their errors name the file and line too.  A population is
 * validated against its model's schema (util/schema.h), found in the catalogue the caller
 * hands to hs_cfg_load: this file sees no model.
 */
#include "hs-config.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/datafile.h"
#include "config/ytree.h"
#include "util/error.h"

#define HS_MAX_YAML_BYTES (64u << 20)

static int check_range(hs_cfgctx *c, const hs_ynode *n, const hs_param_desc *d, double v)
{
    int low = d->lo_open ? !(v > d->lo) : !(v >= d->lo);
    if (low || v > d->hi) {
        const char *u = hs_dim_unit(d->dim);
        if (d->hi < HUGE_VAL)
            return hs_cfg_at(c, n, "parameter '%s' = %s is out of range [%g, %g]%s%s", d->name,
                      n->str, d->lo, d->hi, *u ? " " : "", u);
        return hs_cfg_at(c, n, "parameter '%s' = %s must be %s %g%s%s", d->name, n->str,
                  d->lo_open ? ">" : ">=", d->lo, *u ? " " : "", u);
    }
    return HS_OK;
}

/* Append spike (neuron i, time t) to p's times. */
static int push_time(hs_cfgctx *c, hs_popcfg *p, size_t *cap, uint32_t i, double t)
{
    if (p->ntimes == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        uint32_t *nr = realloc(p->time_nr, *cap * sizeof *nr);
        if (nr)
            p->time_nr = nr;
        double *tt = realloc(p->time_t, *cap * sizeof *tt);
        if (tt)
            p->time_t = tt;
        if (!nr || !tt)
            return hs_nomem(c->err, c->file);
    }
    p->time_nr[p->ntimes] = i;
    p->time_t[p->ntimes++] = t;
    return HS_OK;
}

/* One list of spike times (quantities, each >= 0 and finite) for neuron i, or for every
 * neuron when i is UINT32_MAX. */
static int read_time_list(hs_cfgctx *c, const hs_ynode *n, hs_popcfg *p, uint32_t i,
                          size_t *cap)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SEQ, "times");
    for (size_t k = 0; rc == HS_OK && k < n->n; k++) {
        double t;
        if ((rc = hs_cfg_read_quantity(c, n->items[k], "spike time", HS_DIM_TIME, &t)))
            break;
        if (!(t >= 0) || !isfinite(t))
            return hs_cfg_at(c, n->items[k], "spike time %s is not a finite time >= 0",
                             n->items[k]->str);
        for (uint32_t j = i == UINT32_MAX ? 0 : i; rc == HS_OK && j <= (i == UINT32_MAX ?
                                                                         p->size - 1 : i); j++)
            rc = push_time(c, p, cap, j, t);
    }
    return rc;
}

/* times: [t, ...] (every neuron), [[t, ...], ...] (one list per neuron) or {file: F}. */
static int read_times(hs_cfgctx *c, const hs_ynode *n, hs_popcfg *p)
{
    size_t cap = 0;
    if (n->kind == HS_Y_MAP) {
        static const char *const keys[] = {"file", NULL};
        const hs_ynode *f = hs_ymap_get(n, "file");
        int rc = hs_cfg_check_keys(c, n, keys, "'times'");
        if (rc)
            return rc;
        if (!f)
            return hs_cfg_at(c, n, "'times' as a map is {file: times.tsv}");
        if ((rc = hs_cfg_want_kind(c, f, HS_Y_SCALAR, "file")))
            return rc;
        if (!(p->time_file = hs_cfg_resolve_path(c, f->str)))
            return hs_nomem(c->err, c->file);
        hs_times tm;
        hs_error ferr;
        if ((rc = hs_times_read(p->time_file, p->size, &tm, &ferr)))
            return hs_cfg_within(c, f, &ferr, "times: spike-times file");
        p->ntimes = tm.n;
        p->time_nr = tm.neuron;
        p->time_t = tm.t;
        return HS_OK;
    }
    if (n->kind != HS_Y_SEQ)
        return hs_cfg_at(c, n, "'times' is a list of spike times, one list per neuron, or "
                         "{file: times.tsv}");
    int nested = n->n > 0 && n->items[0]->kind == HS_Y_SEQ;
    if (!nested) {
        if ((double)p->size * (double)n->n > HS_MAX_SPIKE_TIMES)
            return hs_cfg_at(c, n, "'times' would give %.3g spikes in all (%u neurons x %zu), "
                             "more than %.0f", (double)p->size * (double)n->n, p->size, n->n,
                             HS_MAX_SPIKE_TIMES);
        p->times_shared = 1;
        int rc = read_time_list(c, n, p, UINT32_MAX, &cap);
        p->ntimes_shared = n->n;
        return rc;
    }
    if (n->n != p->size)
        return hs_cfg_at(c, n, "'times' has %zu lists but population '%s' has %u neurons",
                         n->n, p->name, p->size);
    for (size_t i = 0; i < n->n; i++) {
        int rc = read_time_list(c, n->items[i], p, (uint32_t)i, &cap);
        if (rc)
            return rc;
    }
    return HS_OK;
}

/* rates: {times: [...], values: [...]} (as many of each; times ascending from >= 0) or
 * {file: F} of "time_ms rate_hz" lines. */
static int read_rates(hs_cfgctx *c, const hs_ynode *n, hs_popcfg *p)
{
    static const char *const keys[] = {"times", "values", "file", NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "rates")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'rates'")))
        return rc;
    const hs_ynode *f = hs_ymap_get(n, "file"), *tn = hs_ymap_get(n, "times"),
                   *vn = hs_ymap_get(n, "values");
    if (f) {
        if (tn || vn)
            return hs_cfg_at(c, f, "'rates' is {file: ...} or {times: ..., values: ...}, not "
                             "both");
        if ((rc = hs_cfg_want_kind(c, f, HS_Y_SCALAR, "file")))
            return rc;
        if (!(p->rate_file = hs_cfg_resolve_path(c, f->str)))
            return hs_nomem(c->err, c->file);
        hs_error ferr;
        if ((rc = hs_rates_read(p->rate_file, HS_MAX_RATE_HZ, &p->nrates, &p->rate_t,
                                &p->rate_v, &ferr)))
            return hs_cfg_within(c, f, &ferr, "rates: rates file");
        return HS_OK;
    }
    if (!tn || !vn)
        return hs_cfg_at(c, n, "'rates' needs 'times' and 'values' (or 'file')");
    if ((rc = hs_cfg_want_kind(c, tn, HS_Y_SEQ, "times")) ||
        (rc = hs_cfg_want_kind(c, vn, HS_Y_SEQ, "values")))
        return rc;
    if (tn->n == 0 || tn->n != vn->n)
        return hs_cfg_at(c, vn, "'rates' has %zu times and %zu values: as many of each, at "
                         "least one", tn->n, vn->n);
    p->rate_t = malloc(tn->n * sizeof *p->rate_t);
    p->rate_v = malloc(tn->n * sizeof *p->rate_v);
    if (!p->rate_t || !p->rate_v)
        return hs_nomem(c->err, c->file);
    for (size_t k = 0; k < tn->n; k++, p->nrates++) {
        double t, v;
        if ((rc = hs_cfg_read_quantity(c, tn->items[k], "time", HS_DIM_TIME, &t)) ||
            (rc = hs_cfg_read_quantity(c, vn->items[k], "rate", HS_DIM_RATE, &v)))
            return rc;
        if (!(t >= 0) || !isfinite(t) || (k > 0 && !(t > p->rate_t[k - 1])))
            return hs_cfg_at(c, tn->items[k], "time %s: times are finite, >= 0 and ascending",
                             tn->items[k]->str);
        if (!(v >= 0) || !(v <= HS_MAX_RATE_HZ))
            return hs_cfg_at(c, vn->items[k], "rate %s is not in [0, %g] Hz", vn->items[k]->str,
                             HS_MAX_RATE_HZ);
        p->rate_t[k] = t;
        p->rate_v[k] = v;
    }
    return HS_OK;
}

static int read_population(hs_cfgctx *c, const hs_ynode *key, const hs_ynode *n, hs_popcfg *p)
{
    static const char *const base_keys[] = {"model", "size", "params", "bias", "init", "times",
                                            "rates", NULL};
    int rc;
    p->line = key->line;
    p->col = key->col;
    if (!(p->name = strdup(key->str)))
        return hs_nomem(c->err, c->file);
    if (strlen(p->name) > 64)
        return hs_cfg_at(c, key, "population name is longer than 64 characters");
    for (const char *s = p->name; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.'))
            return hs_cfg_at(c, key, "population name '%s' may use only letters, digits, '_', '-' "
                      "and '.'", p->name);
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, p->name)) ||
        (rc = hs_cfg_check_keys(c, n, base_keys, "a population")))
        return rc;
    const hs_ynode *mn = hs_ymap_get(n, "model");
    if (!mn)
        return hs_cfg_at(c, n, "population '%s' has no 'model'", p->name);
    if ((rc = hs_cfg_want_kind(c, mn, HS_Y_SCALAR, "model")))
        return rc;
    p->schema = c->cat->find(mn->str);
    if (!p->schema) {
        char names[256];
        return hs_cfg_at(c, mn, "unknown neuron model '%s' (known: %s)", mn->str,
                  c->cat->names(names, sizeof names));
    }
    const hs_schema *m = p->schema;
    const hs_ynode *sn = hs_ymap_get(n, "size");
    if (!sn)
        return hs_cfg_at(c, n, "population '%s' has no 'size'", p->name);
    uint64_t size;
    if ((rc = hs_cfg_read_uint(c, sn, "size", UINT64_MAX, &size)))
        return rc;
    if (size < 1)
        return hs_cfg_at(c, sn, "'size' must be at least 1, got %s", sn->str);
    if (size > HS_MAX_POP_SIZE)
        return hs_cfg_at(c, sn, "'size' %s is larger than the limit of %u neurons per population",
                  sn->str, HS_MAX_POP_SIZE);
    p->size = (uint32_t)size;

    /* parameters: defaults, then the given ones */
    const hs_ynode *pn = hs_ymap_get(n, "params");
    if (pn && (rc = hs_cfg_want_kind(c, pn, HS_Y_MAP, "params")))
        return rc;
    for (int i = 0; i < m->nparams; i++) {
        const hs_param_desc *d = &m->params[i];
        const hs_ynode *v = pn ? hs_ymap_get(pn, d->name) : NULL;
        if (!v) {
            if (d->required)
                return hs_cfg_at(c, pn ? pn : n, "model '%s' needs parameter '%s' (%s)", m->name,
                          d->name, d->doc);
            p->params[i] = d->def;
            continue;
        }
        char what[96];
        snprintf(what, sizeof what, "parameter '%s'", d->name);
        if ((rc = hs_cfg_read_quantity(c, v, what, d->dim, &p->params[i])) ||
            (rc = check_range(c, v, d, p->params[i])))
            return rc;
    }
    if (pn)
        for (size_t i = 0; i < pn->n; i++) {
            const hs_ynode *k = pn->items[2 * i];
            int known = 0;
            for (int j = 0; j < m->nparams; j++)
                known |= !strcmp(m->params[j].name, k->str);
            if (!known) {
                char names[256] = "";
                size_t used = 0;
                for (int j = 0; j < m->nparams && used < sizeof names; j++) {
                    int w = snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                                     m->params[j].name);
                    if (w < 0)
                        break;
                    used += (size_t)w;
                }
                return hs_cfg_at(c, k, "unknown parameter '%s' for model '%s' (known: %s)", k->str,
                          m->name, m->nparams ? names : "none");
            }
        }
    if (m->check) {
        char why[256];
        int bad = m->check(p->params, why, sizeof why);
        if (bad != -2) {
            const hs_ynode *where = pn && bad >= 0 ? hs_ymap_get(pn, m->params[bad].name) : NULL;
            return hs_cfg_at(c, where ? where : (pn ? pn : n), "population '%s': %s", p->name, why);
        }
    }

    const hs_ynode *bn = hs_ymap_get(n, "bias");
    if (bn) {
        if (!m->has_bias)
            return hs_cfg_at(c, hs_ymap_get(n, "model"), "model '%s' takes no 'bias'", m->name);
        if ((rc = hs_cfg_read_valspec(c, bn, "bias", HS_DIM_NONE, 0, &p->bias)))
            return rc;
    } else if (m->has_bias) {
        p->bias.kind = HS_VAL_SCALAR;
        p->bias.a = 0.0;
    }
    if (p->bias.kind == HS_VAL_VECTOR && p->bias.rows != p->size)
        return hs_cfg_at(c, bn, "'bias' has %zu values but population '%s' has %u neurons",
                  p->bias.rows, p->name, p->size);

    const hs_ynode *tn = hs_ymap_get(n, "times");
    if (tn && !m->takes_times)
        return hs_cfg_at(c, tn, "model '%s' takes no 'times' (spike_generator does)", m->name);
    if (m->takes_times && !tn)
        return hs_cfg_at(c, n, "population '%s' (%s) needs 'times': a list of spike times for "
                         "every neuron, one list per neuron, or {file: times.tsv}", p->name,
                         m->name);
    if (tn && (rc = read_times(c, tn, p)))
        return rc;
    const hs_ynode *rn = hs_ymap_get(n, "rates");
    if (rn && !m->takes_rates)
        return hs_cfg_at(c, rn, "model '%s' takes no 'rates' (inhomogeneous_poisson does)",
                         m->name);
    if (m->takes_rates && !rn)
        return hs_cfg_at(c, n, "population '%s' (%s) needs 'rates': {times: [0 ms, ...], "
                         "values: [5 Hz, ...]} or {file: rates.tsv}", p->name, m->name);
    if (rn && (rc = read_rates(c, rn, p)))
        return rc;

    const hs_ynode *in = hs_ymap_get(n, "init");
    if (in) {
        if (!m->init_var)
            return hs_cfg_at(c, in, "model '%s' takes no 'init'", m->name);
        const char *const keys[] = {m->init_var, NULL};
        if ((rc = hs_cfg_want_kind(c, in, HS_Y_MAP, "init")) ||
            (rc = hs_cfg_check_keys(c, in, keys, "init")))
            return rc;
        const hs_ynode *v = hs_ymap_get(in, m->init_var);
        if (v) {
            if ((rc = hs_cfg_read_valspec(c, v, m->init_var, m->init_dim, 0, &p->init)))
                return rc;
            if (p->init.kind == HS_VAL_VECTOR && p->init.rows != p->size)
                return hs_cfg_at(c, v, "'init: %s' has %zu values but population '%s' has %u "
                          "neurons", m->init_var, p->init.rows, p->name, p->size);
        }
    }
    return HS_OK;
}

int hs_config_hee_pops(const hs_config *cfg)
{
    return cfg->hee && cfg->hee->realisation == HS_HEE_SPIKE ? 2 * cfg->hee->nlayers : 0;
}

const char *hs_config_pop_name(const hs_config *cfg, int p, char *buf, size_t n)
{
    if (p < cfg->npops)
        return cfg->pops[p].name;
    int k = p - cfg->npops;
    snprintf(buf, n, "%s%s", cfg->hee->layers[k / 2].name, k % 2 ? "_eps" : "");
    return buf;
}

/* A population by name: the file's (index < npops), or a spike realisation's layer or its
 * interneurons (npops + 2 l, npops + 2 l + 1), numbered as the engine numbers them. */
static int find_pop(hs_cfgctx *c, const hs_ynode *n, const char *what, int *out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    const hs_config *cfg = c->cfg;
    const int total = cfg->npops + hs_config_hee_pops(cfg);
    char buf[96];
    for (int i = 0; i < total; i++)
        if (!strcmp(hs_config_pop_name(cfg, i, buf, sizeof buf), n->str)) {
            *out = i;
            return HS_OK;
        }
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; i < total && used < sizeof known; i++) {
        int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                         hs_config_pop_name(cfg, i, buf, sizeof buf));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (cfg->hee && cfg->hee->realisation == HS_HEE_RATE)
        for (int l = 0; l < cfg->hee->nlayers; l++)
            if (!strcmp(cfg->hee->layers[l].name, n->str))
                return hs_cfg_at(c, n, "'%s' is a layer of the rate realisation, which has no "
                                       "neurons; projections can name the layers of "
                                       "'realisation: spike'", n->str);
    return hs_cfg_at(c, n, "unknown population '%s' (known: %s)", n->str, known);
}

static int read_edges(hs_cfgctx *c, const hs_ynode *n, hs_projcfg *pr)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, "file");
    if (rc)
        return rc;
    char *path = hs_cfg_resolve_path(c, n->str);
    if (!path)
        return hs_nomem(c->err, c->file);
    pr->edges_file = path;
    const hs_popcfg *src = &c->cfg->pops[pr->from], *dst = &c->cfg->pops[pr->to];
    hs_error ferr;
    hs_edges e;
    rc = hs_edges_read(path, src->size, dst->size, dst->schema->weight_dim, &e, &ferr);
    if (rc)
        return hs_cfg_within(c, n, &ferr, "edges file");
    pr->nedges = e.n;
    pr->epre = e.pre;
    pr->epost = e.post;
    pr->ew = e.w;
    pr->edelay = e.delay;
    return HS_OK;
}

/* The optional 'delay' of a projection (node dn, or NULL). */
static int read_delay(hs_cfgctx *c, const hs_ynode *dn, hs_projcfg *pr)
{
    if (!dn)
        return HS_OK;
    int rc = hs_cfg_read_quantity(c, dn, "delay", HS_DIM_TIME, &pr->delay);
    if (rc)
        return rc;
    if (pr->delay < 0)
        return hs_cfg_at(c, dn, "'delay' must not be negative, got %s", dn->str);
    return HS_OK;
}

static int read_projection(hs_cfgctx *c, const hs_ynode *n, hs_projcfg *pr)
{
    static const char *const keys[] = {"from", "to", "connect", "weight", "delay", "autapses",
                                       NULL};
    int rc;
    pr->line = n->line;
    pr->col = n->col;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "projection")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "a projection")))
        return rc;
    const hs_ynode *fn = hs_ymap_get(n, "from"), *tn = hs_ymap_get(n, "to");
    if (!fn)
        return hs_cfg_at(c, n, "projection has no 'from'");
    if (!tn)
        return hs_cfg_at(c, n, "projection has no 'to'");
    if ((rc = find_pop(c, fn, "from", &pr->from)) || (rc = find_pop(c, tn, "to", &pr->to)))
        return rc;
    /* a spike realisation's population (index >= npops) has its size chosen when the network
     * is compiled: the rules that need sizes here (edges files, weight matrices) are refused,
     * and one_to_one and fixed_indegree are checked at compile time with this line; it emits
     * spikes and takes dimensionless input into its units' membranes */
    const int np = c->cfg->npops;
    const hs_popcfg *src = pr->from < np ? &c->cfg->pops[pr->from] : NULL;
    const hs_popcfg *dst = pr->to < np ? &c->cfg->pops[pr->to] : NULL;
    const int sized = src && dst;
    static const char hee_size[] = "(its size is chosen at compile time)";
    if (dst && !dst->schema->can_receive)
        return hs_cfg_at(c, tn, "population '%s' (model '%s') cannot receive synaptic input",
                  dst->name, dst->schema->name);
    if (dst && dst->schema->needs_offsets && !(src && src->schema->emits_offsets))
        return hs_cfg_at(c, fn, "population '%s' (model '%s') is driven by the binary state of its "
                  "inputs, but '%s' (model '%s') emits spikes without a state",
                  dst->name, dst->schema->name, src ? src->name : fn->str,
                  src ? src->schema->name : "point_process");

    const hs_ynode *an = hs_ymap_get(n, "autapses");
    if (an && (rc = hs_cfg_read_bool(c, an, "autapses", &pr->autapses)))
        return rc;

    const hs_ynode *cn = hs_ymap_get(n, "connect");
    if (!cn)
        return hs_cfg_at(c, n, "projection has no 'connect'");
    int edges = 0;
    if (cn->kind == HS_Y_SCALAR) {
        if (!strcmp(cn->str, "all_to_all"))
            pr->conn = HS_CONN_ALL;
        else if (!strcmp(cn->str, "one_to_one"))
            pr->conn = HS_CONN_ONE;
        else
            return hs_cfg_at(c, cn, "unknown connection rule '%s' (known: all_to_all, one_to_one, "
                      "fixed_probability, fixed_indegree, file)", cn->str);
    } else if (cn->kind == HS_Y_MAP && cn->n == 1) {
        const hs_ynode *k = cn->items[0], *v = cn->items[1];
        if (!strcmp(k->str, "fixed_probability")) {
            pr->conn = HS_CONN_PROB;
            if ((rc = hs_cfg_read_number(c, v, "fixed_probability", &pr->p)))
                return rc;
            if (pr->p < 0 || pr->p > 1)
                return hs_cfg_at(c, v, "'fixed_probability' must be in [0, 1], got %s", v->str);
        } else if (!strcmp(k->str, "fixed_indegree")) {
            uint64_t kd;
            pr->conn = HS_CONN_INDEG;
            if ((rc = hs_cfg_read_uint(c, v, "fixed_indegree", UINT32_MAX, &kd)))
                return rc;
            uint64_t avail = src ? src->size - (pr->from == pr->to && !pr->autapses ? 1 : 0)
                                 : UINT32_MAX;
            if (kd > avail)
                return hs_cfg_at(c, v, "'fixed_indegree' %s exceeds the %llu possible presynaptic "
                          "neurons", v->str, (unsigned long long)avail);
            pr->indegree = (uint32_t)kd;
        } else if (!strcmp(k->str, "file")) {
            if (!sized)
                return hs_cfg_at(c, k, "a hee: population takes no edges file %s",
                                 hee_size);
            pr->conn = HS_CONN_FILE;
            edges = 1;
        } else {
            return hs_cfg_at(c, k, "unknown connection rule '%s' (known: all_to_all, one_to_one, "
                      "fixed_probability, fixed_indegree, file)", k->str);
        }
    } else {
        return hs_cfg_at(c, cn, "'connect' must be all_to_all, one_to_one, {fixed_probability: p}, "
                  "{fixed_indegree: k} or {file: edges.tsv}");
    }
    if (pr->conn == HS_CONN_ONE && sized && src->size != dst->size)
        return hs_cfg_at(c, cn, "one_to_one needs equal sizes, but '%s' has %u and '%s' has %u",
                  src->name, src->size, dst->name, dst->size);

    const hs_ynode *wn = hs_ymap_get(n, "weight"), *dn = hs_ymap_get(n, "delay");
    if (edges) {
        if (wn)
            return hs_cfg_at(c, wn, "'weight' is not given with an edges file (weights are in it)");
        if (dn)
            return hs_cfg_at(c, dn, "'delay' is not given with an edges file (delays are in it)");
        return read_edges(c, cn->items[1], pr);
    }
    if (!wn)
        return hs_cfg_at(c, n, "projection has no 'weight'");
    if ((rc = hs_cfg_read_valspec(c, wn, "weight", dst ? dst->schema->weight_dim : HS_DIM_NONE,
                                  1, &pr->weight)))
        return rc;
    if (!sized && (pr->weight.kind == HS_VAL_MATRIX || pr->weight.kind == HS_VAL_VECTOR))
        return hs_cfg_at(c, wn, "a projection from or to a hee: population takes a scalar or "
                         "a distribution as 'weight' %s", hee_size);
    if (pr->weight.kind == HS_VAL_MATRIX &&
        (pr->weight.rows != src->size || pr->weight.cols != dst->size))
        return hs_cfg_at(c, wn, "weight matrix is %zu x %zu but '%s' -> '%s' needs %u x %u (rows = "
                  "presynaptic neurons)", pr->weight.rows, pr->weight.cols, src->name,
                  dst->name, src->size, dst->size);
    return read_delay(c, dn, pr);
}

static int read_pop_list(hs_cfgctx *c, const hs_ynode *n, const char *what, int *flags)
{
    int rc, idx;
    int spikes = !strcmp(what, "spikes");   /* spikes may also name hee: populations */
    if (n->kind == HS_Y_SCALAR && !strcmp(n->str, "all")) {
        for (int i = 0; i < c->cfg->npops; i++)
            flags[i] = 1;
        if (spikes)
            hs_cfg_hee_spikes(c, NULL, 1);
        return HS_OK;
    }
    if (n->kind != HS_Y_SEQ)
        return hs_cfg_at(c, n, "'%s' must be a list of population names or 'all'", what);
    for (size_t i = 0; i < n->n; i++) {
        if (spikes && n->items[i]->kind == HS_Y_SCALAR &&
            hs_cfg_hee_spikes(c, n->items[i]->str, 0))
            continue;
        if ((rc = find_pop(c, n->items[i], what, &idx)))
            return rc;
        flags[idx] = 1;
    }
    return HS_OK;
}

static int read_record(hs_cfgctx *c, const hs_ynode *n)
{
    static const char *const keys[] = {"spikes", "format", "distribution", "states", "every",
                                       "variables", "rates", NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "record")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'record'")))
        return rc;
    const hs_ynode *s = hs_ymap_get(n, "spikes");
    if (s && (rc = read_pop_list(c, s, "spikes", c->cfg->record_spikes)))
        return rc;
    const hs_ynode *f = hs_ymap_get(n, "format");
    if (f) {
        if ((rc = hs_cfg_want_kind(c, f, HS_Y_SCALAR, "format")))
            return rc;
        if (!strcmp(f->str, "tsv"))
            c->cfg->record_format = HS_FORMAT_TSV;
        else if (!strcmp(f->str, "nest"))
            c->cfg->record_format = HS_FORMAT_NEST;
        else if (!strcmp(f->str, "sonata"))
            c->cfg->record_format = HS_FORMAT_SONATA;
        else if (!strcmp(f->str, "gdf"))
            c->cfg->record_format = HS_FORMAT_GDF;
        else
            return hs_cfg_at(c, f, "unknown record format '%s' (known: tsv, nest, gdf, sonata)",
                             f->str);
    }
    const hs_ynode *d = hs_ymap_get(n, "distribution");
    if (d) {
        if ((rc = read_pop_list(c, d, "distribution", c->cfg->record_dist)))
            return rc;
        int count = 0;
        for (int i = 0; i < c->cfg->npops; i++) {
            if (!c->cfg->record_dist[i])
                continue;
            const hs_popcfg *p = &c->cfg->pops[i];
            if (!p->schema->has_zstate)
                return hs_cfg_at(c, d, "'distribution' needs binary units, but '%s' is a '%s' "
                          "population", p->name, p->schema->name);
            if (p->size > 24)
                return hs_cfg_at(c, d, "'distribution' of '%s' would have 2^%u states (at most "
                          "24 units)", p->name, p->size);
            count++;
        }
        if (count > 1)
            return hs_cfg_at(c, d, "'distribution' records one population");
    }
    const hs_ynode *v = hs_ymap_get(n, "variables"), *r = hs_ymap_get(n, "rates");
    if ((v && (rc = hs_cfg_read_variables(c, v))) || (r && (rc = hs_cfg_read_rates(c, r))))
        return rc;
    return hs_cfg_read_hee_record(c, n);
}

/* A network's name: one or more letters, digits, '_', '-' and '.' (it names files and
 * directories, and stands in file headers). */
static int name_ok(const char *name)
{
    if (!*name)
        return 0;
    for (const char *s = name; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static int read_top(hs_cfgctx *c, const hs_ynode *root, const hs_overrides *ov)
{
    static const char *const keys[] = {"hee-snn", "name", "seed", "duration", "output",
                                       "threads", "populations", "projections", "record",
                                       "hee", "rbm", NULL};
    hs_config *cfg = c->cfg;
    int rc;
    if (!root)
        return hs_error_set(c->err, HS_ECONFIG, c->file, 1, 1, "the file is empty");
    if ((rc = hs_cfg_want_kind(c, root, HS_Y_MAP, "the top level")) ||
        (rc = hs_cfg_check_keys(c, root, keys, "the top level")))
        return rc;
    const hs_ynode *vn = hs_ymap_get(root, "hee-snn");
    if (!vn)
        return hs_cfg_at(c, root, "missing 'hee-snn: 1' (the format version)");
    double ver;
    if ((rc = hs_cfg_read_number(c, vn, "hee-snn", &ver)))
        return rc;
    if (ver != 1)
        return hs_cfg_at(c, vn, "unsupported format version %s (this hee-snn reads version 1)",
                  vn->str);

    const hs_ynode *nn = hs_ymap_get(root, "name");
    if (nn) {
        if ((rc = hs_cfg_read_string(c, nn, "name", &cfg->name)))
            return rc;
        if (!name_ok(cfg->name))
            return hs_cfg_at(c, nn, "'name' may use only letters, digits, '_', '-' and '.'");
    } else {
        char *tmp = strdup(cfg->path);
        if (!tmp)
            return hs_nomem(c->err, c->file);
        char *base = basename(tmp);
        char *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = '\0';
        cfg->name = strdup(base);
        free(tmp);
        if (!cfg->name)
            return hs_nomem(c->err, c->file);
        /* (issue 14, audit defect 8: "my net.yaml" ran, but its export, analyze and replay
         * failed, and a newline in the name broke the raster's header) */
        if (!name_ok(cfg->name))
            return hs_error_set(c->err, HS_ECONFIG, c->file, 1, 1,
                                "the network's name '%s' comes from the file name and may use "
                                "only letters, digits, '_', '-' and '.': give it with 'name:'",
                                cfg->name);
    }

    const hs_ynode *tn = hs_ymap_get(root, "threads");
    cfg->threads = 1;
    if (ov && ov->threads > 0) {
        cfg->threads = ov->threads;
    } else if (tn) {
        uint64_t t;
        if ((rc = hs_cfg_read_uint(c, tn, "threads", HS_MAX_THREADS, &t)))
            return rc;
        if (t < 1)
            return hs_cfg_at(c, tn, "'threads' must be at least 1");
        cfg->threads = (int)t;
    }

    const hs_ynode *sn = hs_ymap_get(root, "seed");
    if (ov && ov->has_seed) {
        cfg->seed = ov->seed;
    } else if (sn) {
        uint64_t s;
        if ((rc = hs_cfg_read_uint(c, sn, "seed", UINT64_MAX, &s)))
            return rc;
        cfg->seed = s;
    } else {
        /* No seed anywhere: make one from the clock and the process id, and say so. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
                     ((uint64_t)getpid() << 32);
        x ^= x >> 31;
        x *= 0x9e3779b97f4a7c15ull;
        cfg->seed = (x ^ (x >> 29)) % 4294967296ull;
        cfg->seed_generated = 1;
    }

    const hs_ynode *dn = hs_ymap_get(root, "duration");
    if (ov && ov->duration) {
        char why[256];
        if (hs_quantity_parse(ov->duration, HS_DIM_TIME, &cfg->duration, why, sizeof why))
            return hs_error_set(c->err, HS_ECONFIG, "--duration", 0, 0, "%s", why);
        if (!(cfg->duration > 0))
            return hs_error_set(c->err, HS_ECONFIG, "--duration", 0, 0,
                                "the duration must be positive");
    } else if (dn) {
        if ((rc = hs_cfg_read_quantity(c, dn, "duration", HS_DIM_TIME, &cfg->duration)))
            return rc;
        if (!(cfg->duration > 0))
            return hs_cfg_at(c, dn, "'duration' must be positive, got %s", dn->str);
    } else if (hs_ymap_get(root, "rbm")) {
        cfg->duration = 1;   /* (an RBM trains for epochs, not model time) */
    } else {
        return hs_cfg_at(c, root, "missing 'duration' (give it in the file or with --duration)");
    }
    if (cfg->duration > 1e12)
        return hs_cfg_at(c, dn, "'duration' is beyond the supported 1e12 ms");

    const hs_ynode *on = hs_ymap_get(root, "output");
    if (ov && ov->output) {
        if (!(cfg->output = strdup(ov->output)))
            return hs_nomem(c->err, c->file);
    } else if (on) {
        if ((rc = hs_cfg_read_string(c, on, "output", &cfg->output)))
            return rc;
    } else {
        size_t len = strlen(cfg->name) + 5;
        if (!(cfg->output = malloc(len)))
            return hs_nomem(c->err, c->file);
        snprintf(cfg->output, len, "out/%s", cfg->name);
    }

    const hs_ynode *pn = hs_ymap_get(root, "populations"), *hn = hs_ymap_get(root, "hee");
    const hs_ynode *rbn = hs_ymap_get(root, "rbm");
    if (rbn && (pn || hn || hs_ymap_get(root, "projections") || hs_ymap_get(root, "record")))
        return hs_cfg_at(c, rbn, "an 'rbm:' block is a file of its own (no populations, "
                         "projections, record or hee: block beside it)");
    if (rbn && dn && !(ov && ov->duration))
        return hs_cfg_at(c, dn, "an RBM trains for 'epochs' (under 'rbm:'), not a duration");
    if (rbn)
        return hs_cfg_read_rbm(c, rbn);
    if (!pn && !hn)
        return hs_cfg_at(c, root, "missing 'populations' (or a 'hee:' or 'rbm:' block)");
    if (pn && (rc = hs_cfg_want_kind(c, pn, HS_Y_MAP, "populations")))
        return rc;
    if (pn && pn->n == 0)
        return hs_cfg_at(c, pn, "'populations' is empty");
    size_t np = pn ? pn->n : 0;
    cfg->pops = calloc(np ? np : 1, sizeof *cfg->pops);
    cfg->record_spikes = calloc(np ? np : 1, sizeof *cfg->record_spikes);
    cfg->record_dist = calloc(np ? np : 1, sizeof *cfg->record_dist);
    cfg->var_sel = calloc(np ? np : 1, sizeof *cfg->var_sel);
    cfg->record_rates = calloc(np ? np : 1, sizeof *cfg->record_rates);
    if (!cfg->pops || !cfg->record_spikes || !cfg->record_dist || !cfg->var_sel ||
        !cfg->record_rates)
        return hs_nomem(c->err, c->file);
    double neurons = 0;
    for (size_t i = 0; i < np; i++) {
        cfg->npops++;
        if ((rc = read_population(c, pn->items[2 * i], pn->items[2 * i + 1],
                                  &cfg->pops[i])))
            return rc;
        neurons += cfg->pops[i].size;
        if (neurons > HS_MAX_NEURONS)
            return hs_cfg_at(c, pn->items[2 * i], "more than %.0f neurons in all", HS_MAX_NEURONS);
    }
    if (hn && (rc = hs_cfg_read_hee(c, hn)))
        return rc;

    const hs_ynode *prn = hs_ymap_get(root, "projections");
    if (prn) {
        if ((rc = hs_cfg_want_kind(c, prn, HS_Y_SEQ, "projections")))
            return rc;
        cfg->projs = calloc(prn->n ? prn->n : 1, sizeof *cfg->projs);
        if (!cfg->projs)
            return hs_nomem(c->err, c->file);
        for (size_t i = 0; i < prn->n; i++) {
            cfg->nprojs++;
            if ((rc = read_projection(c, prn->items[i], &cfg->projs[i])))
                return rc;
        }
    }

    const hs_ynode *rn = hs_ymap_get(root, "record");
    if (rn && (rc = read_record(c, rn)))
        return rc;
    return HS_OK;
}

static void valspec_free(hs_valspec *v)
{
    free(v->data);
    free(v->file);
}

void hs_config_free(hs_config *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < cfg->npops; i++) {
        free(cfg->pops[i].name);
        valspec_free(&cfg->pops[i].bias);
        valspec_free(&cfg->pops[i].init);
        free(cfg->pops[i].time_nr);
        free(cfg->pops[i].time_t);
        free(cfg->pops[i].time_file);
        free(cfg->pops[i].rate_t);
        free(cfg->pops[i].rate_v);
        free(cfg->pops[i].rate_file);
    }
    for (int i = 0; i < cfg->nprojs; i++) {
        hs_projcfg *p = &cfg->projs[i];
        valspec_free(&p->weight);
        free(p->edges_file);
        free(p->epre);
        free(p->epost);
        free(p->ew);
        free(p->edelay);
    }
    free(cfg->pops);
    free(cfg->projs);
    free(cfg->record_spikes);
    free(cfg->record_dist);
    for (int i = 0; cfg->var_sel && i < cfg->npops; i++)
        free(cfg->var_sel[i].idx);
    free(cfg->var_sel);
    free(cfg->record_rates);
    hs_heecfg_free(cfg->hee);
    hs_rbmcfg_free(cfg->rbm);
    free(cfg->path);
    free(cfg->dir);
    free(cfg->name);
    free(cfg->output);
    free(cfg);
}

/* --set PATH=VALUE, each in turn, on the document before it is read; *sets receives the
 * "--set PATH=VALUE" texts that errors about their nodes name (caller frees). */
static int apply_sets(hs_ydoc *doc, const hs_overrides *ov, char ***sets, hs_error *err)
{
    *sets = calloc((size_t)ov->nsets, sizeof **sets);
    if (!*sets)
        return hs_nomem(err, NULL);
    for (int k = 0; k < ov->nsets; k++) {
        const char *s = ov->sets[k];
        size_t len = strlen(s) + 7;
        if (!((*sets)[k] = malloc(len)))
            return hs_nomem(err, NULL);
        snprintf((*sets)[k], len, "--set %s", s);
        const char *eq = strchr(s, '=');
        if (!eq)
            return hs_error_set(err, HS_ECONFIG, (*sets)[k], 0, 0,
                                "want PATH=VALUE, e.g. --set populations.exc.size=800");
        char *path = strndup(s, (size_t)(eq - s)), why[512];
        if (!path)
            return hs_nomem(err, NULL);
        int rc = hs_ydoc_set(doc, path, eq + 1, -(k + 1), why, sizeof why);
        free(path);
        if (rc)
            return hs_error_set(err, rc, (*sets)[k], 0, 0, "%s", why);
    }
    return HS_OK;
}

int hs_cfg_load_string(const char *text, size_t len, const char *name, const hs_catalogue *cat,
                       const hs_overrides *ov, hs_config **out, hs_error *err)
{
    *out = NULL;
    hs_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return hs_nomem(err, name);
    cfg->path = strdup(name ? name : "<string>");
    char *tmp = strdup(cfg->path ? cfg->path : "");
    cfg->dir = tmp ? strdup(dirname(tmp)) : NULL;
    free(tmp);
    if (!cfg->path || !cfg->dir) {
        hs_config_free(cfg);
        return hs_nomem(err, name);
    }
    hs_ydoc *doc;
    int rc = hs_ydoc_parse(text, len, cfg->path, &doc, err);
    if (rc) {
        hs_config_free(cfg);
        return rc;
    }
    hs_cfgctx c = {.file = cfg->path, .cfg = cfg, .err = err, .cat = cat};
    char **sets = NULL;
    if (ov && ov->nsets > 0)
        rc = apply_sets(doc, ov, &sets, err);
    c.sets = (const char *const *)sets;
    if (rc == HS_OK)
        rc = read_top(&c, doc->root, ov);
    hs_ydoc_free(doc);
    for (int k = 0; sets && k < ov->nsets; k++)
        free(sets[k]);
    free(sets);
    if (rc) {
        hs_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return HS_OK;
}

int hs_cfg_load(const char *path, const hs_catalogue *cat, const hs_overrides *ov,
                hs_config **out, hs_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = hs_file_slurp(path, HS_MAX_YAML_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = hs_cfg_load_string(text, len, path, cat, ov, out, err);
    free(text);
    return rc;
}

const char *hs_config_name(const hs_config *cfg) { return cfg->name; }
const char *hs_config_output(const hs_config *cfg) { return cfg->output; }
uint64_t hs_config_seed(const hs_config *cfg) { return cfg->seed; }
int hs_config_seed_generated(const hs_config *cfg) { return cfg->seed_generated; }
double hs_config_duration(const hs_config *cfg) { return cfg->duration; }
