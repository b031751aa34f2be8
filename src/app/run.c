/* run.c -- a whole run into its output directory: raster, resolved configuration, monitors */
#include "hs-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "net/net.h"
#include "proc/hee_rt.h"
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
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory");
    double tot = hs_net_state_times(net, times);
    fprintf(f, "# population: %s\n# units: %u\n# total_time_ms: %.17g\n", net->pops[p].name,
            K, tot);
    fputs("# state: bit k of the index is unit k; 'bits' lists unit 0 first\n", f);
    fputs("state\tbits\ttime_ms\tp_sampled\n", f);
    char *bits = malloc((size_t)K + 1);
    if (!bits) {
        free(times);
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory");
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
        any |= cfg->hee->record_x[l] | cfg->hee->record_eps[l];
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
        return hs_error_set(err, HS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int p = 0; p < net->npops; p++)
        names[p] = net->pops[p].name;
    hs_raster_writer w = {.f = fs, .pop_names = names};
    hs_raster_header(fs, PACKAGE_VERSION, cfg->seed, cfg->name, cfg->duration);
    hs_net_set_spike_sink(net, hs_raster_write, &w);
    FILE *fst = NULL;
    hs_hee_rt *rt = hs_net_proc(net, &hs_hee_proc_ops);
    if (rt && (rc = open_states(cfg, rt, &out, &fst, err))) {
        free(names);
        hs_out_abort(&out);
        return rc;
    }
    rc = hs_config_write(cfg, fc, err);
    if (rc == HS_OK)
    {
        if (ctl) {
            ctl->phase = "simulating";
            ctl->end_ms = cfg->duration;
        }
        rc = hs_net_run(net, cfg->duration, ctl, err);
        if (rc && w.failed) {   /* the engine knows only that the sink failed: say what and why */
            char path[sizeof err->file];
            snprintf(path, sizeof path, "%s/spikes.tsv", cfg->output);
            rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot write: %s",
                              strerror(w.err_no ? w.err_no : EIO));
        }
    }
    hs_net_set_spike_sink(net, NULL, NULL);
    free(names);
    if (rt)
        rt->sink = NULL;
    if (rc == HS_EINTR) {
        res->interrupted = 1;
        fprintf(fs, "# interrupted_at_ms: %.17g\n", net->t);
        if (fst)
            fprintf(fst, "# interrupted_at_ms: %.17g\n", net->t);
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
