/* plot_dir.c -- hee-snn plot: the right input file of a results directory to the right plot
 *
 * KIND and what it reads (INPUT is a results directory, or the file itself):
 *   raster, rate, isi   spikes.tsv (and config.yaml for the population sizes of rate)
 *   kl                  the KL table of 'hee-snn analyze' on the directory
 *   compare             compare.tsv
 *   learning            learning.tsv
 *   samples             samples.tsv (its '# shape: ROWS COLS' line gives the image shape)
 *   fields              model.yaml: the columns of W_1 as images of layer 0's shape
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "net/hee_spec.h"
#include "proc/hee_rt.h"
#include "plot/plot.h"
#include "util/error.h"
#include "util/infile.h"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* INPUT/NAME when INPUT is a directory, INPUT itself otherwise. */
static void input_file(const char *input, const char *name, char *buf, size_t n)
{
    if (is_dir(input))
        snprintf(buf, n, "%s/%s", input, name);
    else
        snprintf(buf, n, "%s", input);
}

static int shape_of(const char *samples, uint32_t *rows, uint32_t *cols, hs_error *err)
{
    int nr;
    FILE *f = hs_fopen_regular(samples, "r", &nr);
    if (!f)
        return hs_error_set(err, HS_EIO, samples, 0, 0, "cannot open: %s", hs_fopen_why(nr));
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f) && line[0] == '#')
        found = sscanf(line, "# shape: %u %u", rows, cols) == 2;
    fclose(f);
    if (!found)
        return hs_error_set(err, HS_ECONFIG, samples, 0, 0,
                            "no '# shape: ROWS COLS' line: the samples are not images (give "
                            "layer 0 a shape)");
    return HS_OK;
}

static int plot_kl(const char *input, const char *out, double t0, double t1, hs_error *err)
{
    const char *dir = getenv("TMPDIR");   /* the user's choice of scratch space, as mkstemp users honour */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s/hee-snn-kl.XXXXXX", dir && *dir ? dir : "/tmp") >=
        (int)sizeof tmp)
        return hs_error_set(err, HS_EIO, dir, 0, 0, "TMPDIR is too long a path");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return hs_error_set(err, HS_EIO, tmp, 0, 0, "cannot create a temporary file");
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return hs_error_set(err, HS_EIO, tmp, 0, 0, "cannot create a temporary file");
    }
    int rc = hs_analyze_dir(input, NULL, 12, f, err);
    if (fclose(f) != 0 && rc == HS_OK)
        rc = hs_error_set(err, HS_EIO, tmp, 0, 0, "write error");
    if (rc == HS_OK)
        rc = hs_plot_kl(tmp, out, t0, t1, err);
    unlink(tmp);
    return rc;
}

static int plot_fields(const char *input, const char *out, hs_error *err)
{
    char path[4096];
    input_file(input, "model.yaml", path, sizeof path);
    hs_config *cfg = NULL;
    hs_hee_rt *rt = NULL;
    int rc = hs_config_load(path, NULL, &cfg, err);
    if (rc == HS_OK && !cfg->hee)
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "no 'hee:' block: no receptive fields");
    if (rc == HS_OK)
        rc = hs_net_hee_rt(cfg, &rt, err);
    if (rc == HS_OK) {
        const hs_heelayer_cfg *v = &cfg->hee->layers[0];
        if (!v->rows)
            rc = hs_error_set(err, HS_ECONFIG, path, v->line, v->col,
                              "layer '%s' has no 'shape': its receptive fields are not images",
                              v->name);
        else
            rc = hs_plot_fields(rt->m.W[1], rt->m.layer[0].n, rt->m.layer[1].n, v->rows,
                                v->cols, out, err);
    }
    hs_hee_rt_free(rt);
    hs_config_free(cfg);
    return rc;
}

int hs_plot_dir(const char *kind, const char *input, const char *out, double t0, double t1,
                double bin_ms, const char *population, hs_error *err)
{
    char path[4096];
    if (!strcmp(kind, "raster") || !strcmp(kind, "rate") || !strcmp(kind, "isi")) {
        input_file(input, "spikes.tsv", path, sizeof path);
        if (!strcmp(kind, "raster"))
            return hs_plot_raster(path, out, t0, t1, err);
        if (!strcmp(kind, "isi"))
            return hs_plot_isi(path, out, population, t0, t1, err);
        return hs_plot_rate(path, out, bin_ms > 0 ? bin_ms : 100, t0, t1, err);
    }
    if (!strcmp(kind, "kl"))
        return plot_kl(input, out, t0, t1, err);
    if (!strcmp(kind, "compare")) {
        input_file(input, "compare.tsv", path, sizeof path);
        return hs_plot_compare(path, out, err);
    }
    if (!strcmp(kind, "learning")) {
        input_file(input, "learning.tsv", path, sizeof path);
        return hs_plot_learning(path, out, t0, t1, err);
    }
    if (!strcmp(kind, "samples")) {
        uint32_t rows, cols;
        input_file(input, "samples.tsv", path, sizeof path);
        int rc = shape_of(path, &rows, &cols, err);
        return rc ? rc : hs_plot_grid(path, out, rows, cols, 100, err);
    }
    if (!strcmp(kind, "fields"))
        return plot_fields(input, out, err);
    return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                        "unknown plot '%s' (known: raster, rate, isi, kl, compare, learning, "
                        "samples, fields)", kind);
}
