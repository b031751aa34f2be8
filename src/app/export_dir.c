/* export_dir.c -- a run's raster in NEST's or SONATA's format (hee-snn export, record: format:)
 *
 * The populations and their sizes come from the run's config.yaml: the file's populations in
 * order, then the spike realisation's populations of a hee: block (LAYER and LAYER_eps for each
 * layer, P neurons per side and unit, as the block's process resolves them), the order the
 * engine numbers them in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "net/hee_spec.h"
#include "proc/hee_rt.h"
#include "record/export.h"
#include "util/error.h"

/* The populations of cfg, names owned by cfg (hee names in the caller-freed buffer *names). */
static int pops_of(const hs_config *cfg, hs_export_pop **out, int *n, char **names,
                   hs_error *err)
{
    const hs_heecfg *h = cfg->hee;
    int nh = h && h->realisation == HS_HEE_SPIKE ? 2 * h->nlayers : 0;
    hs_export_pop *p = calloc((size_t)(cfg->npops + nh) + 1, sizeof *p);
    char *buf = calloc((size_t)nh + 1, 72);
    if (!p || !buf) {
        free(p);
        free(buf);
        return hs_nomem(err, NULL);
    }
    int k = 0;
    for (int i = 0; i < cfg->npops; i++, k++)
        p[k] = (hs_export_pop){cfg->pops[i].name, cfg->pops[i].size, !cfg->record_spikes[i]};
    uint64_t per_unit = 0;
    if (nh) {   /* neurons per unit: chosen from the network unless given */
        hs_hee_rt *rt;
        int rc = hs_net_hee_rt(cfg, &rt, err);
        if (rc) {
            free(p);
            free(buf);
            return rc;
        }
        per_unit = (uint64_t)rt->P * (rt->pushpull ? 2 : 1);
        hs_hee_rt_free(rt);
    }
    for (int l = 0; l < nh / 2; l++)
        for (int e = 0; e < 2; e++, k++) {
            char *nm = buf + 72 * (size_t)(2 * l + e);
            snprintf(nm, 72, "%s%s", h->layers[l].name, e ? "_eps" : "");
            p[k] = (hs_export_pop){nm, (uint64_t)h->layers[l].size * per_unit,
                                   !(e ? h->spikes_eps[l] : h->spikes_x[l])};
        }
    *out = p;
    *n = k;
    *names = buf;
    return HS_OK;
}

int hs_export_raster(const hs_config *cfg, const char *spikes_tsv, int format,
                     const char *out_path, hs_error *err)
{
    hs_export_pop *pops = NULL;
    int n = 0;
    char *names = NULL;
    int rc = pops_of(cfg, &pops, &n, &names, err);
    if (rc)
        return rc;
    rc = format == HS_FORMAT_NEST  ? hs_export_nest(spikes_tsv, pops, n, out_path, err)
         : format == HS_FORMAT_GDF ? hs_export_gdf(spikes_tsv, pops, n, out_path, err)
                                   : hs_export_sonata(spikes_tsv, pops, n, out_path, err);
    free(pops);
    free(names);
    return rc;
}

const char *hs_export_default_name(int format)
{
    return format == HS_FORMAT_NEST  ? "spikes.nest.dat"
           : format == HS_FORMAT_GDF ? "spikes.gdf"
                                     : "spikes.sonata.h5";
}

/* Does the raster at path hold no spike (only '#' lines and its header)? */
static int raster_empty(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    int rows = 0;
    while (rows < 2 && fgets(line, sizeof line, f))
        rows += line[0] != '#';
    fclose(f);
    return rows < 2;
}

int hs_export_dir(const char *outdir, const char *format, const char *out_path, char *written,
                  size_t written_len, hs_error *err)
{
    int f = !strcmp(format, "nest")     ? HS_FORMAT_NEST
            : !strcmp(format, "gdf")    ? HS_FORMAT_GDF
            : !strcmp(format, "sonata") ? HS_FORMAT_SONATA
                                        : -1;
    if (f < 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "unknown export format '%s' (known: nest, gdf, sonata)", format);
    char cfgpath[4096], tsv[4096], def[4096];
    snprintf(cfgpath, sizeof cfgpath, "%s/config.yaml", outdir);
    snprintf(tsv, sizeof tsv, "%s/spikes.tsv", outdir);
    snprintf(def, sizeof def, "%s/%s", outdir, hs_export_default_name(f));
    hs_config *cfg = NULL;
    int rc = hs_config_load(cfgpath, NULL, &cfg, err);
    if (rc)
        return rc;
    if (!out_path)
        out_path = def;
    if (written)   /* also when the export fails: the caller can tell its errors from others */
        snprintf(written, written_len, "%s", out_path);
    rc = hs_export_raster(cfg, tsv, f, out_path, err);
    hs_config_free(cfg);
    if (rc == HS_OK && written && raster_empty(tsv))   /* say so, in plain words */
        snprintf(written, written_len, "%s (no spikes: the run's raster holds none, so the file "
                 "has its header only)", out_path);
    return rc;
}
