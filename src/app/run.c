/* run.c -- a whole run into its output directory: raster, resolved configuration, monitors */
#include "hs-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <math.h>

#include "config/config.h"
#include "net/net.h"
#include "proc/hee_rt.h"
#include "proc/varmon.h"
#include "record/export.h"
#include "record/output.h"
#include "util/error.h"

const char *hs_version(void) { return PACKAGE_VERSION; }

static int write_distribution(const hs_net *net, FILE *f, hs_error *err)
{
    int p = net->mon_pop;
    uint32_t K = net->pops[p].n;
    size_t S = (size_t)1 << K;
    double *times = malloc(S * sizeof *times);
    if (!times)
        return hs_nomem(err, NULL);
    double tot = hs_net_state_times(net, times);
    fprintf(f, "# population: %s\n# units: %u\n# total_time_ms: %.17g\n", net->pops[p].name,
            K, tot);
    fputs("# state: bit k of the index is unit k; 'bits' lists unit 0 first\n", f);
    fputs("state\tbits\ttime_ms\tp_sampled\n", f);
    char *bits = malloc((size_t)K + 1);
    if (!bits) {
        free(times);
        return hs_nomem(err, NULL);
    }
    for (size_t s = 0; s < S; s++) {
        for (uint32_t k = 0; k < K; k++)
            bits[k] = (char)('0' + ((s >> k) & 1));
        bits[K] = '\0';
        fprintf(f, "%zu\t%s\t%.17g\t%.17g\n", s, bits, times[s], tot > 0 ? times[s] / tot : 0);
    }
    free(bits);
    free(times);
    return HS_OK;
}

static int states_row(void *ctx, double t, const hs_hee_rt *rt)
{
    FILE *f = ctx;
    hs_hee_rt_row(rt, t, f);
    return ferror(f) ? -1 : 0;
}

/* states.tsv: comment lines, the header, one row per 'every' of the hee: block's process. */
static int open_states(const hs_config *cfg, hs_hee_rt *rt, hs_out *out, FILE **fp,
                       hs_error *err)
{
    *fp = NULL;
    int any = 0;
    for (int l = 0; l < cfg->hee->nlayers; l++)
        any |= cfg->hee->record_x[l] | cfg->hee->record_eps[l] | cfg->hee->record_c[l];
    if (!any)
        return HS_OK;
    FILE *f = hs_out_file(out, "states.tsv", err);
    if (!f)
        return err->code;
    fprintf(f, "# hee-snn %s\n# seed: %llu\n# network: %s\n# duration_ms: %.17g\n"
               "# every_ms: %.17g\n# realisation: %s\n",
            PACKAGE_VERSION, (unsigned long long)cfg->seed, cfg->name, cfg->duration,
            (double)rt->every * rt->dt, rt->spike ? "spike" : "rate");
    hs_hee_rt_header(rt, f);
    rt->sink = states_row;
    rt->sink_ctx = f;
    *fp = f;
    return HS_OK;
}

/* The comment lines every monitor file starts with. */
static void monitor_header(FILE *f, const hs_config *cfg)
{
    fprintf(f, "# hee-snn %s\n# seed: %llu\n# network: %s\n# duration_ms: %.17g\n",
            PACKAGE_VERSION, (unsigned long long)cfg->seed, cfg->name, cfg->duration);
}

static int variables_row(void *ctx, double t, const double *row, size_t n)
{
    FILE *f = ctx;
    fprintf(f, "%.6f", t);
    for (size_t c = 0; c < n; c++)
        fprintf(f, "\t%.9g", row[c]);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

/* variables.tsv (record: variables:): comment lines, the units, the header POP[i].VAR, one
 * row per sample of the state monitor. */
static int open_variables(const hs_config *cfg, hs_varmon *m, hs_out *out, FILE **fp,
                          hs_error *err)
{
    FILE *f = *fp = hs_out_file(out, "variables.tsv", err);
    if (!f)
        return err->code;
    monitor_header(f, cfg);
    fprintf(f, "# every_ms: %.17g\n# units:", m->every);
    for (int p = 0; p < cfg->npops; p++)
        for (int v = 0; cfg->var_sel[p].mask && v < cfg->pops[p].schema->nvars; v++)
            if (cfg->var_sel[p].mask & (1u << v))
                fprintf(f, " %s.%s %s;", cfg->pops[p].name, cfg->pops[p].schema->vars[v].name,
                        *hs_dim_unit(cfg->pops[p].schema->vars[v].dim)
                            ? hs_dim_unit(cfg->pops[p].schema->vars[v].dim) : "1");
    fputs("\ntime_ms", f);
    for (size_t c = 0; c < m->ncol; c++)
        fprintf(f, "\t%s[%u].%s", m->col[c].pop->name, m->col[c].i,
                m->col[c].pop->model->schema.vars[m->col[c].var].name);
    fputc('\n', f);
    m->sink = variables_row;
    m->sink_ctx = f;
    return HS_OK;
}

/* The spike sink of a run: the raster (populations recorded in it) and rates.tsv's counts,
 * streamed: spikes come in time order, so a bin is written as soon as a later spike (or the
 * end) closes it. */
typedef struct run_sink {
    hs_raster_writer w;
    const hs_config *cfg;
    FILE *fr;              /* rates.tsv, or NULL */
    uint64_t bin;          /* the open bin: [bin b, (bin + 1) b) */
    uint64_t *count;       /* its spikes per population */
    int failed;
} run_sink;

/* Write bins up to (not including) `upto`, the last one ending at t_end at the latest. */
static void rates_flush(run_sink *r, uint64_t upto, double t_end)
{
    const hs_config *cfg = r->cfg;
    const double b = cfg->rate_bin;
    for (; r->bin < upto; r->bin++) {
        const double t0 = (double)r->bin * b, t1 = fmin((double)(r->bin + 1) * b, t_end);
        fprintf(r->fr, "%.6f", t0);
        for (int p = 0; p < cfg->npops; p++)
            if (cfg->record_rates[p]) {
                const double n = cfg->pops[p].size, w = (t1 - t0) * 1e-3;
                fprintf(r->fr, "\t%.9g", n > 0 && w > 0 ? (double)r->count[p] / (n * w) : 0.0);
                r->count[p] = 0;
            }
        fputc('\n', r->fr);
    }
}

static int run_spike(void *ctx, double t, int pop, uint32_t neuron)
{
    run_sink *r = ctx;
    const hs_config *cfg = r->cfg;
    if (r->fr && pop < cfg->npops && cfg->record_rates[pop]) {
        uint64_t k = (uint64_t)(t / cfg->rate_bin);
        if (k > r->bin)
            rates_flush(r, k, cfg->duration);
        r->count[pop]++;
        if (ferror(r->fr)) {
            r->failed = 1;
            return HS_EIO;
        }
    }
    if (pop >= cfg->npops || cfg->record_spikes[pop])
        return hs_raster_write(&r->w, t, pop, neuron);
    return 0;
}

int hs_run_to_dir(const hs_config *cfg, hs_net *net, hs_control *ctl, hs_run_result *res,
                  hs_error *err)
{
    memset(res, 0, sizeof *res);
    snprintf(res->outdir, sizeof res->outdir, "%s", cfg->output);
    if (net->rank > 0)   /* a run split across processes: process 0 records every spike */
        return hs_net_run(net, cfg->duration, ctl, err);
    hs_out out;
    int rc = hs_out_open(&out, cfg->output, err);
    if (rc)
        return rc;
    FILE *fs = hs_out_file(&out, "spikes.tsv", err);
    FILE *fc = fs ? hs_out_file(&out, "config.yaml", err) : NULL;
    if (!fs || !fc) {
        hs_out_abort(&out);
        return err->code;
    }
    const char **names = malloc((size_t)net->npops * sizeof *names);
    if (!names) {
        hs_out_abort(&out);
        return hs_nomem(err, NULL);
    }
    for (int p = 0; p < net->npops; p++)
        names[p] = net->pops[p].name;
    run_sink rs = {.w = {.f = fs, .pop_names = names}, .cfg = cfg};
    hs_raster_writer *w = &rs.w;
    hs_raster_header(fs, PACKAGE_VERSION, cfg->seed, cfg->name, cfg->duration);
    FILE *fst = NULL, *fv = NULL;
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    hs_varmon *vm = hs_net_proc(net, &hs_varmon_ops);
    if (cfg->rate_bin > 0) {
        rs.count = calloc((size_t)cfg->npops, sizeof *rs.count);
        rs.fr = rs.count ? hs_out_file(&out, "rates.tsv", err) : NULL;
        if (!rs.count)
            rc = hs_nomem(err, NULL);
        else if (!rs.fr)
            rc = err->code;
        else {
            monitor_header(rs.fr, cfg);
            fprintf(rs.fr, "# bin_ms: %.17g\n# rate: spikes per neuron per second (Hz) in "
                           "[time_ms, time_ms + bin_ms), the last bin cut at the end\ntime_ms",
                    cfg->rate_bin);
            for (int p = 0; p < cfg->npops; p++)
                if (cfg->record_rates[p])
                    fprintf(rs.fr, "\t%s", cfg->pops[p].name);
            fputc('\n', rs.fr);
        }
    }
    if (rc == HS_OK && rt)
        rc = open_states(cfg, rt, &out, &fst, err);
    if (rc == HS_OK && vm)
        rc = open_variables(cfg, vm, &out, &fv, err);
    if (rc) {
        free(names);
        free(rs.count);
        hs_out_abort(&out);
        return rc;
    }
    hs_net_set_spike_sink(net, run_spike, &rs);
    rc = hs_config_write(cfg, fc, err);
    if (rc == HS_OK)
    {
        if (ctl) {
            ctl->phase = "simulating";
            ctl->end_ms = cfg->duration;
        }
        rc = hs_net_run(net, cfg->duration, ctl, err);
        if (rc && (w->failed || rs.failed)) {   /* the engine knows only that the sink failed:
                                                  * say what and why */
            char path[sizeof err->file];
            snprintf(path, sizeof path, "%s/%s", cfg->output,
                     w->failed ? "spikes.tsv" : "rates.tsv");
            rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot write: %s",
                              strerror(w->failed && w->err_no ? w->err_no : EIO));
        }
    }
    hs_net_set_spike_sink(net, NULL, NULL);
    free(names);
    if (rt)
        rt->sink = NULL;
    if (vm)
        vm->sink = NULL;
    if (rs.fr && (rc == HS_OK || rc == HS_EINTR)) {   /* the bins up to where the run stopped */
        const double tend = rc == HS_EINTR ? net->t : cfg->duration;
        rates_flush(&rs, (uint64_t)ceil(tend / cfg->rate_bin), tend);
    }
    free(rs.count);
    if (rc == HS_EINTR) {
        res->interrupted = 1;
        fprintf(fs, "# interrupted_at_ms: %.17g\n", net->t);
        if (fst)
            fprintf(fst, "# interrupted_at_ms: %.17g\n", net->t);
        if (fv)
            fprintf(fv, "# interrupted_at_ms: %.17g\n", net->t);
        if (rs.fr)
            fprintf(rs.fr, "# interrupted_at_ms: %.17g\n", net->t);
    }
    if ((rc == HS_OK || rc == HS_EINTR) && net->mon_pop >= 0) {
        FILE *fd = hs_out_file(&out, "distribution.tsv", err);
        int rc2 = fd ? write_distribution(net, fd, err) : err->code;
        if (rc2)
            rc = rc2;
    }
    if (rc != HS_OK && rc != HS_EINTR) {
        hs_out_abort(&out);
        return rc;
    }
    hs_error cerr;
    int crc = hs_out_commit(&out, &cerr);
    if (crc) {
        *err = cerr;
        return crc;
    }
    if (cfg->record_format != HS_FORMAT_TSV) {   /* the raster in the format asked for too */
        char tsv[4096], dst[4096];
        snprintf(tsv, sizeof tsv, "%s/spikes.tsv", cfg->output);
        snprintf(dst, sizeof dst, "%s/%s", cfg->output,
                 hs_export_default_name(cfg->record_format));
        if ((crc = hs_export_raster(cfg, tsv, cfg->record_format, dst, &cerr))) {
            *err = cerr;
            return crc;
        }
    }
    return rc;
}
