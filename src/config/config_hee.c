/* config_hee.c -- the hee: block of a network file (doc/hee.md)
 *
 *   hee:
 *     realisation: rate            # rate | spike
 *     tau_x: 10 ms                 # principal neurons
 *     tau_eps: 0.2 ms              # interneurons
 *     dt: 0.01 ms                  # integration step of the rate realisation
 *     init: zero                   # zero | feedforward
 *     adaptation: {m: 1.0, tau_c: 50 ms}
 *     layers: [{name, size, rho, sigma, bias}, ...]     # layer 0 (observed) first
 *             ({name, size, family: bernoulli, bias}: x in {0, 1}, Glauber dynamics)
 *     weights: {LAYER: matrix n_below x n_layer, or a value or distribution}
 *     lateral: {LAYER: symmetric n x n matrix, zero diagonal}
 *     clamp: {LAYER0: vector}
 *     bottom_up: interneurons      # | exact: the reference without interneurons | exchange:
 *                                  # per-unit pools of interneurons at the flipped state
 *     chains: 1                    # independent copies (rate realisation, gaussian layers)
 *
 * record: {states: [LAYER, LAYER_eps, ...] | all, every: 1 ms} is read here too, because it
 * names the units this block creates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "util/error.h"


const char *const hs_cfg_rho_names[] = {"identity", "sigmoid", "tanh", "softplus", NULL};

static int find_layer(const hs_heecfg *h, const char *name)
{
    for (int l = 0; l < h->nlayers; l++)
        if (h->layers[l].name && !strcmp(h->layers[l].name, name))
            return l;
    return -1;
}

static int read_layer(hs_cfgctx *c, const hs_ynode *n, hs_heelayer_cfg *ly)
{
    static const char *const keys[] = {"name", "size", "rho",   "sigma",
                                       "bias", "family", "shape", NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "a layer")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "a layer")))
        return rc;
    ly->line = n->line;
    ly->col = n->col;
    const hs_ynode *nn = hs_ymap_get(n, "name");
    if (!nn)
        return hs_cfg_at(c, n, "a layer needs a 'name'");
    if ((rc = hs_cfg_read_string(c, nn, "name", &ly->name)))
        return rc;
    for (const char *s = ly->name; *s; s++)
        if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
              (s != ly->name && s[0] >= '0' && s[0] <= '9')))
            return hs_cfg_at(c, nn, "layer name '%s': use letters, digits and '_', starting "
                             "with a letter", ly->name);
    if (strlen(ly->name) > 40)
        return hs_cfg_at(c, nn, "layer name '%s' is longer than 40 characters", ly->name);
    const hs_ynode *fn = hs_ymap_get(n, "family");
    if (fn) {
        if ((rc = hs_cfg_want_kind(c, fn, HS_Y_SCALAR, "family")))
            return rc;
        if (!strcmp(fn->str, "bernoulli"))
            ly->bernoulli = 1;
        else if (strcmp(fn->str, "gaussian"))
            return hs_cfg_at(c, fn, "unknown family '%s' (known: gaussian, bernoulli)",
                             fn->str);
        static const char *const gauss_only[] = {"rho", "sigma", NULL};
        for (int k = 0; ly->bernoulli && gauss_only[k]; k++) {
            const hs_ynode *g = hs_ymap_get(n, gauss_only[k]);
            if (g)
                return hs_cfg_at(c, g, "'%s' applies to gaussian layers; layer '%s' is "
                                 "bernoulli (x in {0, 1}, T(x) = x)", gauss_only[k], ly->name);
        }
    }
    const hs_ynode *sn = hs_ymap_get(n, "size");
    if (!sn)
        return hs_cfg_at(c, n, "layer '%s' needs a 'size'", ly->name);
    uint64_t size;
    if ((rc = hs_cfg_read_uint(c, sn, "size", 1000000, &size)))
        return rc;
    if (size < 1)
        return hs_cfg_at(c, sn, "'size' must be at least 1, got %s", sn->str);
    ly->size = (uint32_t)size;
    const hs_ynode *shn = hs_ymap_get(n, "shape");   /* images: rows x cols, for pictures */
    if (shn) {
        uint64_t rc2[2];
        if ((rc = hs_cfg_want_kind(c, shn, HS_Y_SEQ, "shape")))
            return rc;
        if (shn->n != 2)
            return hs_cfg_at(c, shn, "'shape' takes two numbers, [rows, cols]");
        for (int k = 0; k < 2; k++)
            if ((rc = hs_cfg_read_uint(c, shn->items[k], "shape", 1000000, &rc2[k])))
                return rc;
        if (rc2[0] * rc2[1] != size)
            return hs_cfg_at(c, shn, "'shape' %llu x %llu does not match the %u units of '%s'",
                             (unsigned long long)rc2[0], (unsigned long long)rc2[1],
                             ly->size, ly->name);
        ly->rows = (uint32_t)rc2[0];
        ly->cols = (uint32_t)rc2[1];
    }
    ly->rho = 0;   /* identity */
    const hs_ynode *rn = hs_ymap_get(n, "rho");
    if (rn) {
        if ((rc = hs_cfg_want_kind(c, rn, HS_Y_SCALAR, "rho")))
            return rc;
        int r = 0;
        while (hs_cfg_rho_names[r] && strcmp(hs_cfg_rho_names[r], rn->str))
            r++;
        if (!hs_cfg_rho_names[r])
            return hs_cfg_at(c, rn, "unknown rho '%s' (known: identity, sigmoid, tanh, "
                             "softplus)", rn->str);
        ly->rho = r;
    }
    ly->sigma = 1.0;
    const hs_ynode *gn = hs_ymap_get(n, "sigma");
    if (gn) {
        if ((rc = hs_cfg_read_number(c, gn, "sigma", &ly->sigma)))
            return rc;
        if (!(ly->sigma > 0))
            return hs_cfg_at(c, gn, "'sigma' must be positive, got %s", gn->str);
    }
    const hs_ynode *bn = hs_ymap_get(n, "bias");
    if (bn) {
        if ((rc = hs_cfg_read_valspec(c, bn, "bias", HS_DIM_NONE, 0, &ly->bias)))
            return rc;
        if (ly->bias.kind == HS_VAL_VECTOR && ly->bias.rows != ly->size)
            return hs_cfg_at(c, bn, "'bias' of layer '%s' has %zu values for %u units",
                             ly->name, ly->bias.rows, ly->size);
    } else {
        ly->bias.kind = HS_VAL_SCALAR;
        ly->bias.a = 0.0;
        ly->bias.line = n->line;
        ly->bias.col = n->col;
    }
    return HS_OK;
}

/* weights: or lateral: -- a map from layer names to matrices of the expected shape. */
static int read_layer_matrices(hs_cfgctx *c, const hs_ynode *n, const char *what, int lateral,
                               hs_valspec *out)
{
    hs_heecfg *h = c->cfg->hee;
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, what)))
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        const hs_ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        int l = find_layer(h, k->str);
        if (l < 0)
            return hs_cfg_at(c, k, "'%s': no layer named '%s'", what, k->str);
        if (!lateral && l == 0)
            return hs_cfg_at(c, k, "'%s': layer 0 ('%s') has no layer below it; weights are "
                             "given under the name of the upper layer", what, k->str);
        hs_valspec *vs = &out[l];
        if ((rc = hs_cfg_read_valspec(c, v, what, HS_DIM_NONE, 1, vs)))
            return rc;
        size_t rows = lateral ? h->layers[l].size : h->layers[l - 1].size;
        size_t cols = h->layers[l].size;
        if (vs->kind == HS_VAL_MATRIX && (vs->rows != rows || vs->cols != cols))
            return hs_cfg_at(c, v, "'%s' of layer '%s' is %zu x %zu; it must be %zu x %zu (%s)",
                             what, k->str, vs->rows, vs->cols, rows, cols,
                             lateral ? "units x units"
                                     : "units of the layer below x units of this layer");
        if (lateral) {
            if (vs->kind != HS_VAL_MATRIX)
                return hs_cfg_at(c, v, "'lateral' couplings must be a matrix");
            for (size_t a = 0; a < rows; a++)
                for (size_t b = 0; b < rows; b++) {
                    double x = vs->data[a * rows + b], y = vs->data[b * rows + a];
                    if (a == b && x != 0)
                        return hs_cfg_at(c, v, "'lateral' of '%s': the diagonal must be zero "
                                         "(J[%zu][%zu] = %g)", k->str, a, a, x);
                    if (x != y)
                        return hs_cfg_at(c, v, "'lateral' of '%s' is not symmetric: J[%zu][%zu]"
                                         " = %g but J[%zu][%zu] = %g", k->str, a, b, x, b, a, y);
                }
        }
    }
    return HS_OK;
}

int hs_cfg_hee_spikes(hs_cfgctx *c, const char *name, int all)
{
    hs_heecfg *h = c->cfg->hee;
    if (!h || h->realisation != HS_HEE_SPIKE)
        return 0;
    for (int l = 0; l < h->nlayers; l++) {
        if (all) {
            h->spikes_x[l] = h->spikes_eps[l] = 1;
            continue;
        }
        const char *ln = h->layers[l].name;
        size_t len = strlen(ln);
        if (!strcmp(name, ln)) {
            h->spikes_x[l] = 1;
            return 1;
        }
        if (!strncmp(name, ln, len) && !strcmp(name + len, "_eps")) {
            h->spikes_eps[l] = 1;
            return 1;
        }
    }
    return all;
}

static int read_spike_params(hs_cfgctx *c, const hs_ynode *n, hs_heecfg *h)
{
    static const char *const keys[] = {"neurons_per_unit", "r_max", "rate_per_unit",
                                       "baseline", "tau_syn", "tau_ref", "encoding", NULL};
    int rc;
    h->P = 0;   /* chosen from the network (proc/hee_budget.c) */
    h->r0 = 100;
    h->r1 = 0;   /* push-pull: from the network (proc/hee_rt.c); baseline: 30 Hz */
    h->encoding = HS_ENC_PUSHPULL;
    h->rmax = 1000;
    h->tau_syn = 0.0;   /* dt (proc/hee_rt.c) */
    h->tau_ref = 0.0;
    if (!n)
        return HS_OK;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "spike")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'spike'")))
        return rc;
    const hs_ynode *k;
    if ((k = hs_ymap_get(n, "encoding"))) {
        if (k->kind != HS_Y_SCALAR ||
            (strcmp(k->str, "push-pull") && strcmp(k->str, "baseline")))
            return hs_cfg_at(c, k, "'encoding' must be 'push-pull' or 'baseline', got '%s'",
                             k->kind == HS_Y_SCALAR ? k->str : "a collection");
        h->encoding = strcmp(k->str, "push-pull") ? HS_ENC_BASELINE : HS_ENC_PUSHPULL;
    }
    if (h->encoding == HS_ENC_PUSHPULL && (k = hs_ymap_get(n, "baseline")))
        return hs_cfg_at(c, k, "'baseline' applies to 'encoding: baseline' only (push-pull "
                               "units are silent at 0)");
    if ((k = hs_ymap_get(n, "neurons_per_unit"))) {
        uint64_t P;
        if ((rc = hs_cfg_read_uint(c, k, "neurons_per_unit", 100000, &P)))
            return rc;
        if (P < 1)
            return hs_cfg_at(c, k, "'neurons_per_unit' must be at least 1");
        h->P = (uint32_t)P;
    }
    struct {
        const char *key;
        double *v;
        int positive;
    } rates[] = {{"r_max", &h->rmax, 1}, {"rate_per_unit", &h->r1, 1}, {"baseline", &h->r0, 0}};
    for (int i = 0; i < 3; i++)
        if ((k = hs_ymap_get(n, rates[i].key))) {
            if ((rc = hs_cfg_read_quantity(c, k, rates[i].key, HS_DIM_RATE, rates[i].v)))
                return rc;
            if (rates[i].positive ? !(*rates[i].v > 0) : *rates[i].v < 0)
                return hs_cfg_at(c, k, "'%s' must be %s, got %s", rates[i].key,
                                 rates[i].positive ? "positive" : "at least 0", k->str);
        }
    if ((rc = hs_cfg_read_time_pos(c, n, "tau_syn", 0.0, &h->tau_syn)))
        return rc;
    if (h->encoding == HS_ENC_BASELINE && h->r0 >= h->rmax)
        return hs_cfg_at(c, n, "'baseline' (%g Hz) must be below 'r_max' (%g Hz)", h->r0,
                         h->rmax);
    if ((rc = hs_cfg_read_time(c, n, "tau_ref", 0.0, 0, &h->tau_ref)))
        return rc;
    if (!(h->tau_ref * h->rmax * 1e-3 < 1))
        return hs_cfg_at(c, hs_ymap_get(n, "tau_ref"), "'tau_ref' (%g ms) must be below 1 / r_max "
                         "(%g ms)", h->tau_ref, 1e3 / h->rmax);
    return HS_OK;
}

static int read_states(hs_cfgctx *c, const hs_ynode *n)
{
    hs_heecfg *h = c->cfg->hee;
    int rc;
    if (n->kind == HS_Y_SCALAR && !strcmp(n->str, "all")) {
        for (int l = 0; l < h->nlayers; l++)
            h->record_x[l] = h->record_eps[l] = 1;   /* (adaptation currents only by name) */
        return HS_OK;
    }
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_SEQ, "states")))
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        const hs_ynode *it = n->items[i];
        if ((rc = hs_cfg_want_kind(c, it, HS_Y_SCALAR, "states")))
            return rc;
        int l = find_layer(h, it->str);
        if (l >= 0) {
            h->record_x[l] = 1;
            continue;
        }
        size_t len = strlen(it->str);
        if (len > 2 && !strcmp(it->str + len - 2, "_c")) {
            char base[64];
            snprintf(base, sizeof base, "%.*s", (int)(len - 2), it->str);
            if ((l = find_layer(h, base)) >= 0) {
                if (h->layers[l].bernoulli)
                    return hs_cfg_at(c, it, "'states': layer '%s' is bernoulli and has no "
                                     "adaptation current (adaptation acts on gaussian layers)",
                                     base);
                if (!(h->adapt_m > 0))
                    return hs_cfg_at(c, it, "'states': '%s' is the adaptation current of layer "
                                     "'%s', but the block has no adaptation (adaptation: m is "
                                     "0)", it->str, base);
                h->record_c[l] = 1;
                continue;
            }
        }
        if (len > 4 && !strcmp(it->str + len - 4, "_eps")) {
            char base[64];
            snprintf(base, sizeof base, "%.*s", (int)(len - 4), it->str);
            if ((l = find_layer(h, base)) >= 0) {
                h->record_eps[l] = 1;
                continue;
            }
        }
        return hs_cfg_at(c, it, "'states': no layer or interneuron population named '%s' "
                         "(layers are recorded by name, their interneurons as NAME_eps, their "
                         "adaptation currents as NAME_c)", it->str);
    }
    return HS_OK;
}

/* chains: B independent copies of the network (doc/learning.md, "Parallel chains"): the rate
 * realisation of gaussian layers with interneurons.  The other dynamics keep one chain, and
 * say so here rather than run it silently. */
static int read_chains(hs_cfgctx *c, const hs_ynode *cn, hs_heecfg *h, size_t nbern)
{
    h->chains = 1;
    if (!cn)
        return HS_OK;
    uint64_t b;
    int rc = hs_cfg_read_uint(c, cn, "chains", HS_HEE_MAX_CHAINS, &b);
    if (rc)
        return rc;
    if (b < 1)
        return hs_cfg_at(c, cn, "'chains' must be at least 1, got %s", cn->str);
    h->chains = (uint32_t)b;
    if (b == 1)
        return HS_OK;
    const char *why = h->realisation == HS_HEE_SPIKE ? "the spike realisation"
                      : nbern                        ? "bernoulli layers"
                      : h->bottom_up                 ? "'bottom_up: exact'"
                      : h->learn && h->learn->wake_sleep ? "wake-sleep"
                                                         : NULL;
    if (why)
        return hs_cfg_at(c, cn, "'chains: %u' is implemented for the rate realisation of "
                         "gaussian layers with interneurons; %s runs one chain (remove "
                         "'chains' or set it to 1)", h->chains, why);
    return HS_OK;
}

int hs_cfg_read_hee(hs_cfgctx *c, const hs_ynode *n)
{
    static const char *const keys[] = {"realisation", "tau_x",  "tau_eps", "dt",
                                       "layers",      "weights", "lateral", "clamp",
                                       "adaptation",  "init",    "spike",   "noise_budget",
                                       "data",        "learn",   "bottom_up", "chains",  NULL};
    int rc;
    if ((rc = hs_cfg_want_kind(c, n, HS_Y_MAP, "hee")) ||
        (rc = hs_cfg_check_keys(c, n, keys, "'hee'")))
        return rc;
    hs_heecfg *h = calloc(1, sizeof *h);
    if (!h)
        return hs_nomem(c->err, c->file);
    c->cfg->hee = h;
    h->line = n->line;
    h->col = n->col;

    const hs_ynode *rn = hs_ymap_get(n, "realisation");
    if (rn) {
        if ((rc = hs_cfg_want_kind(c, rn, HS_Y_SCALAR, "realisation")))
            return rc;
        if (!strcmp(rn->str, "rate"))
            h->realisation = HS_HEE_RATE;
        else if (!strcmp(rn->str, "spike"))
            h->realisation = HS_HEE_SPIKE;
        else
            return hs_cfg_at(c, rn, "unknown realisation '%s' (known: rate, spike)", rn->str);
    }
    if ((rc = hs_cfg_read_time_pos(c, n, "tau_x", 10.0, &h->tau_x)) ||
        (rc = hs_cfg_read_time_pos(c, n, "tau_eps", 0.2, &h->tau_eps)) ||
        (rc = hs_cfg_read_time_pos(c, n, "dt", 0.01, &h->dt)))
        return rc;
    if (h->dt < 1e-6)   /* (issue 14, audit defect 6: dt 1e-300 ms was accepted) */
        return hs_cfg_at(c, hs_ymap_get(n, "dt"), "'dt' (%g ms) must be at least 1e-6 ms", h->dt);
    if (h->dt > h->tau_eps || h->dt > h->tau_x)
        return hs_cfg_at(c, hs_ymap_get(n, "dt") ? hs_ymap_get(n, "dt") : n,
                         "'dt' (%g ms) must not exceed tau_eps (%g ms) or tau_x (%g ms); "
                         "a tenth of tau_eps or less is accurate", h->dt, h->tau_eps, h->tau_x);

    const hs_ynode *ln = hs_ymap_get(n, "layers");
    if (!ln)
        return hs_cfg_at(c, n, "'hee' needs 'layers' (layer 0, the observed one, first)");
    if ((rc = hs_cfg_want_kind(c, ln, HS_Y_SEQ, "layers")))
        return rc;
    if (ln->n < 2)
        return hs_cfg_at(c, ln, "'layers' needs at least two layers (observed and latent)");
    if (ln->n > 64)
        return hs_cfg_at(c, ln, "'layers': at most 64 layers");
    h->layers = calloc(ln->n, sizeof *h->layers);
    h->weights = calloc(ln->n, sizeof *h->weights);
    h->lateral = calloc(ln->n, sizeof *h->lateral);
    h->record_x = calloc(ln->n, sizeof *h->record_x);
    h->record_eps = calloc(ln->n, sizeof *h->record_eps);
    h->record_c = calloc(ln->n, sizeof *h->record_c);
    h->spikes_x = calloc(ln->n, sizeof *h->spikes_x);
    h->spikes_eps = calloc(ln->n, sizeof *h->spikes_eps);
    if (!h->layers || !h->weights || !h->lateral || !h->record_x || !h->record_eps || !h->record_c ||
        !h->spikes_x || !h->spikes_eps)
        return hs_nomem(c->err, c->file);
    double units = 0;
    size_t nbern = 0;
    for (size_t i = 0; i < ln->n; i++) {
        h->nlayers++;
        if ((rc = read_layer(c, ln->items[i], &h->layers[i])))
            return rc;
        if (find_layer(h, h->layers[i].name) != (int)i)
            return hs_cfg_at(c, ln->items[i], "duplicate layer name '%s'", h->layers[i].name);
        for (int p = 0; p < c->cfg->npops; p++)
            if (!strcmp(c->cfg->pops[p].name, h->layers[i].name))
                return hs_cfg_at(c, ln->items[i], "layer '%s' has the name of a population",
                                 h->layers[i].name);
        nbern += h->layers[i].bernoulli;
        if (h->realisation == HS_HEE_SPIKE && nbern && nbern <= i)
            return hs_cfg_at(c, ln->items[i], "layer '%s': in the spike realisation either "
                             "every layer is bernoulli or none is (mixed layers are not "
                             "implemented yet)", h->layers[i].name);
        units += h->layers[i].size;
        if (units > 1e7)
            return hs_cfg_at(c, ln->items[i], "more than 1e7 units in all layers");
    }

    const hs_ynode *wn = hs_ymap_get(n, "weights");
    if (!wn)
        return hs_cfg_at(c, n, "'hee' needs 'weights' for every layer above layer 0");
    if ((rc = read_layer_matrices(c, wn, "weights", 0, h->weights)))
        return rc;
    for (int l = 1; l < h->nlayers; l++) {
        if (h->weights[l].kind == HS_VAL_UNSET)
            return hs_cfg_at(c, wn, "'weights' has no entry for layer '%s'", h->layers[l].name);
        double cells = (double)h->layers[l - 1].size * h->layers[l].size;
        if (cells > 5e8)
            return hs_cfg_at(c, wn, "weights of layer '%s' would have %.0f entries (at most "
                             "5e8)", h->layers[l].name, cells);
    }
    const hs_ynode *jn = hs_ymap_get(n, "lateral");
    if (jn && (rc = read_layer_matrices(c, jn, "lateral", 1, h->lateral)))
        return rc;

    const hs_ynode *cn = hs_ymap_get(n, "clamp");
    if (cn) {
        if ((rc = hs_cfg_want_kind(c, cn, HS_Y_MAP, "clamp")))
            return rc;
        if (cn->n != 1)
            return hs_cfg_at(c, cn, "'clamp' takes exactly one entry, for layer 0 ('%s')",
                             h->layers[0].name);
        const hs_ynode *k = cn->items[0], *v = cn->items[1];
        if (strcmp(k->str, h->layers[0].name))
            return hs_cfg_at(c, k, "'clamp': only layer 0 ('%s') can be clamped, not '%s'",
                             h->layers[0].name, k->str);
        if ((rc = hs_cfg_read_valspec(c, v, "clamp", HS_DIM_NONE, 0, &h->clamp)))
            return rc;
        if (h->clamp.kind == HS_VAL_VECTOR && h->clamp.rows != h->layers[0].size)
            return hs_cfg_at(c, v, "'clamp' has %zu values for the %u units of '%s'",
                             h->clamp.rows, h->layers[0].size, h->layers[0].name);
        for (size_t u = 0; h->layers[0].bernoulli && h->clamp.kind == HS_VAL_VECTOR &&
                           u < h->clamp.rows; u++)
            if (h->clamp.data[u] != 0 && h->clamp.data[u] != 1)
                return hs_cfg_at(c, v->kind == HS_Y_SEQ && u < v->n ? v->items[u] : v,
                                 "layer '%s' is bernoulli, but its clamp holds %g (unit %zu); "
                                 "clamp it to 0 or 1", h->layers[0].name, h->clamp.data[u], u);
        h->clamped = 1;
    }

    const hs_ynode *dn = hs_ymap_get(n, "data");
    if (dn) {
        if (cn)
            return hs_cfg_at(c, dn, "'data' and 'clamp' both set layer 0; keep one");
        if ((rc = hs_cfg_read_hee_data(c, dn, h)))
            return rc;
        h->clamped = 1;
    }
    const hs_ynode *lrn = hs_ymap_get(n, "learn");
    if (lrn && (rc = hs_cfg_read_hee_learn(c, lrn, h)))
        return rc;

    const hs_ynode *an = hs_ymap_get(n, "adaptation");
    if (an) {
        static const char *const akeys[] = {"m", "tau_c", NULL};
        if ((rc = hs_cfg_want_kind(c, an, HS_Y_MAP, "adaptation")) ||
            (rc = hs_cfg_check_keys(c, an, akeys, "'adaptation'")))
            return rc;
        const hs_ynode *mn = hs_ymap_get(an, "m");
        if (!mn)
            return hs_cfg_at(c, an, "'adaptation' needs 'm' (its strength; 0 turns it off)");
        if ((rc = hs_cfg_read_number(c, mn, "m", &h->adapt_m)))
            return rc;
        if (h->adapt_m < 0)
            return hs_cfg_at(c, mn, "'m' must not be negative, got %s", mn->str);
        if ((rc = hs_cfg_read_time_pos(c, an, "tau_c", 5 * h->tau_x, &h->adapt_tau_c)))
            return rc;
    }

    const hs_ynode *in = hs_ymap_get(n, "init");
    if (in) {
        if ((rc = hs_cfg_want_kind(c, in, HS_Y_SCALAR, "init")))
            return rc;
        if (!strcmp(in->str, "zero"))
            h->init = HS_HEE_INIT_ZERO;
        else if (!strcmp(in->str, "feedforward"))
            h->init = HS_HEE_INIT_FEEDFORWARD;
        else
            return hs_cfg_at(c, in, "unknown init '%s' (known: zero, feedforward)",
                             in->str);
        if (h->init == HS_HEE_INIT_FEEDFORWARD && !h->clamped)
            return hs_cfg_at(c, in, "'init: feedforward' starts from clamped data; add "
                             "'clamp' or 'data'");
    }
    h->noise_budget = 1;
    const hs_ynode *nb = hs_ymap_get(n, "noise_budget");
    if (nb && (rc = hs_cfg_read_bool(c, nb, "noise_budget", &h->noise_budget)))
        return rc;
    const hs_ynode *bu = hs_ymap_get(n, "bottom_up");
    if (bu) {
        if ((rc = hs_cfg_want_kind(c, bu, HS_Y_SCALAR, "bottom_up")))
            return rc;
        static const char *const modes[] = {"interneurons", "exact", "exchange", NULL};
        int k = 0;
        while (modes[k] && strcmp(modes[k], bu->str))
            k++;
        if (!modes[k])
            return hs_cfg_at(c, bu, "unknown bottom_up '%s' (known: interneurons, exact, "
                             "exchange)", bu->str);
        h->bottom_up = k;
        for (int l = 0; k == 2 && l < h->nlayers; l++)
            if (!h->layers[l].bernoulli)
                return hs_cfg_at(c, bu, "'bottom_up: exchange' needs every layer bernoulli "
                                 "(layer '%s' is gaussian)", h->layers[l].name);
        if (h->bottom_up == 1 && h->realisation == HS_HEE_SPIKE)
            return hs_cfg_at(c, bu, "'bottom_up: exact' is a reference of the rate realisation;"
                             " the spike realisation has interneurons");
    }
    const hs_ynode *spn = hs_ymap_get(n, "spike");
    if (h->realisation == HS_HEE_SPIKE && nbern) {   /* neural sampling: one neuron per unit */
        if (spn)
            return hs_cfg_at(c, spn, "'spike' parameters are for gaussian layers; bernoulli "
                             "layers spike as one neural-sampling neuron per unit");
    }
    if (spn && h->realisation != HS_HEE_SPIKE)
        return hs_cfg_at(c, spn, "'spike' parameters need 'realisation: spike'");
    if ((rc = read_spike_params(c, spn, h)))
        return rc;
    if ((rc = read_chains(c, hs_ymap_get(n, "chains"), h, nbern)))
        return rc;
    h->every = 1.0;
    return HS_OK;
}

/* The hee-specific keys of record: (states, every), once the block is known. */
int hs_cfg_read_hee_record(hs_cfgctx *c, const hs_ynode *rec)
{
    hs_heecfg *h = c->cfg->hee;
    const hs_ynode *sn = hs_ymap_get(rec, "states"), *en = hs_ymap_get(rec, "every");
    int rc;
    if (!h) {
        if (sn)
            return hs_cfg_at(c, sn, "'states' records the units of a 'hee:' block, and there "
                             "is none");
        if (en)
            return hs_cfg_at(c, en, "'every' sets the interval of 'states'; there is no "
                             "'hee:' block");
        return HS_OK;
    }
    if (sn && (rc = read_states(c, sn)))
        return rc;
    if (en) {
        if ((rc = hs_cfg_read_quantity(c, en, "every", HS_DIM_TIME, &h->every)))
            return rc;
        if (!(h->every >= h->dt))
            return hs_cfg_at(c, en, "'every' (%s) must be at least dt (%g ms)", en->str, h->dt);
    }
    return HS_OK;
}

static void vs_free(hs_valspec *v)
{
    free(v->data);
    free(v->file);
}

void hs_heecfg_free(hs_heecfg *h)
{
    if (!h)
        return;
    for (int l = 0; l < h->nlayers; l++) {
        free(h->layers[l].name);
        vs_free(&h->layers[l].bias);
        vs_free(&h->weights[l]);
        vs_free(&h->lateral[l]);
    }
    vs_free(&h->clamp);
    hs_datacfg_free(h->data);
    free(h->learn);
    free(h->layers);
    free(h->weights);
    free(h->lateral);
    free(h->record_x);
    free(h->record_eps);
    free(h->record_c);
    free(h->spikes_x);
    free(h->spikes_eps);
    free(h);
}
