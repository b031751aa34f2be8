/* analyze.c -- sampled vs exact distributions of binary units ('hee-snn analyze') */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "config/config.h"
#include "config/datafile.h"
#include "net/net.h"
#include "util/error.h"

void hs_boltzmann_probs(uint32_t K, const double *b, const double *W, double *p)
{
    size_t S = (size_t)1 << K;
    double mx = -INFINITY;
    for (size_t s = 0; s < S; s++) {
        double e = 0;
        for (uint32_t i = 0; i < K; i++) {
            if (!((s >> i) & 1))
                continue;
            e += b[i];
            for (uint32_t j = i + 1; j < K; j++)
                if ((s >> j) & 1)
                    e += W[i * K + j];
        }
        p[s] = e;
        if (e > mx)
            mx = e;
    }
    double z = 0;
    for (size_t s = 0; s < S; s++)
        z += (p[s] = exp(p[s] - mx));
    for (size_t s = 0; s < S; s++)
        p[s] /= z;
}

double hs_kl(const double *q, const double *p, size_t S)
{
    double kl = 0;
    for (size_t s = 0; s < S; s++)
        if (q[s] > 0)
            kl += q[s] * log(q[s] / p[s]);
    return kl;
}

int hs_raster_state_times(uint32_t K, double tau, const double *t, const uint32_t *neuron,
                          size_t nspikes, const double *checkpoints, int ncheck, double *times)
{
    size_t S = (size_t)1 << K;
    double *acc = calloc(S, sizeof *acc);
    if (!acc)
        return -1;
    uint32_t state = 0;
    double tl = 0;
    size_t on = 0, off = 0;   /* next onset; next offset (offsets follow onsets in order) */
    int c = 0, rc = 0;
    for (;;) {
        double ton = on < nspikes ? t[on] : INFINITY;
        double toff = off < on ? t[off] + tau : INFINITY;
        double tn = toff <= ton ? toff : ton;   /* offsets first at equal times */
        while (c < ncheck && checkpoints[c] <= tn) {
            acc[state] += checkpoints[c] - tl;
            tl = checkpoints[c];
            memcpy(times + (size_t)c * S, acc, S * sizeof *acc);
            c++;
        }
        if (c == ncheck || tn == INFINITY)
            break;
        acc[state] += tn - tl;
        tl = tn;
        if (toff <= ton) {
            state &= ~(1u << neuron[off]);
            off++;
        } else {
            if (state & (1u << neuron[on]))
                rc = -1;
            state |= 1u << neuron[on];
            on++;
        }
    }
    for (; c < ncheck; c++) {   /* checkpoints after the last event */
        acc[state] += checkpoints[c] - tl;
        tl = checkpoints[c];
        memcpy(times + (size_t)c * S, acc, S * sizeof *acc);
    }
    free(acc);
    return rc;
}

/* Read the spikes of population `pop` (npop neurons) from a spikes.tsv raster.  A raster
 * that cannot be this run's -- a neuron index outside the population, a time that is not a
 * number, negative, after the end of the run or before the spike above it -- is an error at
 * its line: the state monitor indexes by neuron and walks the spikes in time order. */
static int read_raster(const char *path, const char *pop, uint32_t npop, double **t,
                       uint32_t **nid, size_t *n, double *duration, hs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, cnt = 0;
    double *tt = malloc(cap * sizeof *tt);
    uint32_t *nn = malloc(cap * sizeof *nn);
    char line[512];
    int lineno = 0, header = 0, rc = HS_OK;
    *duration = NAN;
    while (rc == HS_OK && tt && nn && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#') {
            double d;
            if (sscanf(line, "# interrupted_at_ms: %lf", &d) == 1)
                *duration = d;
            else if (isnan(*duration) && sscanf(line, "# duration_ms: %lf", &d) == 1)
                *duration = d;
            continue;
        }
        if (!header) {
            header = 1;
            if (strncmp(line, "time_ms\tpopulation\tneuron", 25))
                rc = hs_error_set(err, HS_ECONFIG, path, lineno, 1,
                                  "expected the header 'time_ms<TAB>population<TAB>neuron'");
            continue;
        }
        char name[128];
        double ts;
        unsigned long id;
        if (sscanf(line, "%lf\t%127[^\t]\t%lu", &ts, name, &id) != 3) {
            rc = hs_error_set(err, HS_ECONFIG, path, lineno, 1, "malformed spike line");
            break;
        }
        if (strcmp(name, pop))
            continue;
        if (id >= npop) {
            rc = hs_error_set(err, HS_ECONFIG, path, lineno, 1,
                              "neuron %lu of '%s' is out of range: the population has %u neurons",
                              id, pop, npop);
            break;
        }
        if (!(ts >= 0) || !isfinite(ts) || (cnt && ts < tt[cnt - 1]) ||
            (!isnan(*duration) && ts > *duration)) {
            rc = hs_error_set(err, HS_ECONFIG, path, lineno, 1,
                              "spike time %.17g ms of '%s' is not in order in [0, %g] ms (the "
                              "spike before it is at %.17g ms)", ts, pop, *duration,
                              cnt ? tt[cnt - 1] : 0.0);
            break;
        }
        if (cnt == cap) {
            cap *= 2;
            double *a = realloc(tt, cap * sizeof *a);
            uint32_t *b = a ? realloc(nn, cap * sizeof *b) : NULL;
            if (a)
                tt = a;
            if (b)
                nn = b;
            if (!a || !b) {
                rc = hs_nomem(err, path);
                break;
            }
        }
        tt[cnt] = ts;
        nn[cnt] = (uint32_t)id;
        cnt++;
    }
    fclose(f);
    if (rc == HS_OK && (!tt || !nn))
        rc = hs_nomem(err, path);
    if (rc == HS_OK && isnan(*duration))
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "no '# duration_ms:' line in the raster");
    if (rc) {
        free(tt);
        free(nn);
        return rc;
    }
    *t = tt;
    *nid = nn;
    *n = cnt;
    return HS_OK;
}

/* Read p_sampled from distribution.tsv (written by record: {distribution: ...}). */
static int read_distribution(const char *path, size_t S, double *q, double *total,
                             hs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    char line[512];
    size_t got = 0;
    int lineno = 0;
    *total = NAN;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#') {
            sscanf(line, "# total_time_ms: %lf", total);
            continue;
        }
        if (!strncmp(line, "state\t", 6))
            continue;
        size_t s;
        char bits[64];
        double tms, p;
        if (sscanf(line, "%zu\t%63s\t%lf\t%lf", &s, bits, &tms, &p) != 4 || s >= S) {
            fclose(f);
            return hs_error_set(err, HS_ECONFIG, path, lineno, 1, "malformed line");
        }
        q[s] = p;
        got++;
    }
    fclose(f);
    if (got != S)
        return hs_error_set(err, HS_ECONFIG, path, 0, 0, "expected %zu states, found %zu", S,
                            got);
    return HS_OK;
}

static void report(FILE *out, uint32_t K, const double *p, const double *q, double T)
{
    size_t S = (size_t)1 << K;
    fprintf(out, "\nmarginals at T = %.6g ms:\nunit\tp_exact\tp_sampled\tdiff\n", T);
    for (uint32_t k = 0; k < K; k++) {
        double pe = 0, ps = 0;
        for (size_t s = 0; s < S; s++)
            if ((s >> k) & 1) {
                pe += p[s];
                ps += q[s];
            }
        fprintf(out, "%u\t%.6f\t%.6f\t%+.6f\n", k, pe, ps, ps - pe);
    }
}

int hs_analyze_dir(const char *outdir, const char *popname, int points, FILE *out,
                   hs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.yaml", outdir);
    hs_config *cfg;
    int rc = hs_config_load(path, NULL, &cfg, err);
    if (rc)
        return rc;
    hs_net *net = NULL;
    double *b = NULL, *W = NULL, *p = NULL, *q = NULL, *times = NULL, *cps = NULL, *t = NULL;
    uint32_t *nid = NULL;
    if ((rc = hs_net_compile(cfg, &net, err)))
        goto done;
    int pi = -1;
    if (popname) {
        pi = hs_net_pop_find(net, popname);
        if (pi < 0) {
            rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "no population '%s'", popname);
            goto done;
        }
    } else {
        for (int i = 0; i < net->npops; i++)
            if (net->pops[i].model->zstate) {
                if (pi >= 0) {
                    rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "several populations of "
                                      "binary units; choose one with --population");
                    goto done;
                }
                pi = i;
            }
        if (pi < 0) {
            rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "no population of binary units");
            goto done;
        }
    }
    const hs_pop *pop = &net->pops[pi];
    if (pop->n > 20) {
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "'%s' has %u units; enumeration is "
                          "limited to 20", pop->name, pop->n);
        goto done;
    }
    if ((rc = hs_net_boltzmann(net, pi, &b, &W, err)))
        goto done;
    uint32_t K = pop->n;
    size_t S = (size_t)1 << K;
    p = malloc(S * sizeof *p);
    q = calloc(S, sizeof *q);
    if (!p || !q) {
        rc = hs_nomem(err, NULL);
        goto done;
    }
    hs_boltzmann_probs(K, b, W, p);
    fprintf(out, "population %s (%s), %u units, %zu states\n", pop->name,
            pop->model->schema.name, K, S);
    double T;
    if (!strcmp(pop->model->schema.name, "neural_sampling")) {
        size_t n = 0;
        snprintf(path, sizeof path, "%s/spikes.tsv", outdir);
        if (!cfg->record_spikes[pi]) {
            rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "spikes of '%s' were not recorded",
                              pop->name);
            goto done;
        }
        if ((rc = read_raster(path, pop->name, pop->n, &t, &nid, &n, &T, err)))
            goto done;
        cps = calloc((size_t)points, sizeof *cps);
        times = malloc((size_t)points * S * sizeof *times);
        if (!cps || !times) {
            rc = hs_nomem(err, NULL);
            goto done;
        }
        for (int c = 0; c < points; c++)
            cps[c] = T / pow(2.0, points - 1 - c);
        if (hs_raster_state_times(K, pop->params[0], t, nid, n, cps, points, times) != 0)
            fprintf(out, "warning: some unit spiked while refractory; raster and tau_ref "
                    "disagree\n");
        fprintf(out, "\nT_ms\tKL\tvisited\tunvisited\tunvisited_mass\n");
        for (int c = 0; c < points; c++) {
            double *tc = times + (size_t)c * S, tot = 0, miss = 0;
            size_t vis = 0;
            for (size_t s = 0; s < S; s++)
                tot += tc[s];
            for (size_t s = 0; s < S; s++) {
                q[s] = tot > 0 ? tc[s] / tot : 0;
                vis += q[s] > 0;
                if (q[s] == 0)
                    miss += p[s];
            }
            fprintf(out, "%.6g\t%.6e\t%zu\t%zu\t%.3e\n", cps[c], hs_kl(q, p, S), vis, S - vis,
                    miss);
        }
    } else {
        snprintf(path, sizeof path, "%s/distribution.tsv", outdir);
        if (!cfg->record_dist[pi]) {
            rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "'%s' (model '%s') has no fixed "
                              "refractory window, so its states cannot be read from the "
                              "raster; record them with 'record: {distribution: [%s]}'",
                              pop->name, pop->model->schema.name, pop->name);
            goto done;
        }
        if ((rc = read_distribution(path, S, q, &T, err)))
            goto done;
        size_t vis = 0;
        double miss = 0;
        for (size_t s = 0; s < S; s++) {
            vis += q[s] > 0;
            if (q[s] == 0)
                miss += p[s];
        }
        fprintf(out, "\nT_ms\tKL\tvisited\tunvisited\tunvisited_mass\n%.6g\t%.6e\t%zu\t%zu\t"
                "%.3e\n", T, hs_kl(q, p, S), vis, S - vis, miss);
    }
    report(out, K, p, q, T);
done:
    free(b);
    free(W);
    free(p);
    free(q);
    free(times);
    free(cps);
    free(t);
    free(nid);
    hs_net_free(net);
    hs_config_free(cfg);
    return rc;
}
