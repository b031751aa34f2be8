/* provenance.c -- run.yaml: what produced the results beside it
 *
 * Every command that writes an output directory also writes run.yaml: the hee-snn version, the
 * command line, the date (UTC), the host, the seed and network, how the run ended, its wall time,
 * and the SHA-256 of every input file (the network file and every data file it names).  The
 * result files themselves carry only the version, seed and network in their headers, so that
 * the same seed gives byte-identical results on any day and host.
 */
#include "hs-config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "record/output.h"
#include "util/error.h"
#include "util/sha256.h"

static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void put_input(FILE *f, const char *role, const char *path)
{
    char hex[65], *abs = realpath(path, NULL);
    fprintf(f, "  - {role: %s, path: ", role);
    put_quoted(f, abs ? abs : path);
    free(abs);
    if (hs_sha256_file(path, hex) == 0)
        fprintf(f, ", sha256: %s}\n", hex);
    else
        fputs(", sha256: unreadable}\n", f);
}

static void put_valspec_file(FILE *f, const char *role, const hs_valspec *v)
{
    if (v->file)
        put_input(f, role, v->file);
}

int hs_write_provenance(const hs_config *cfg, const char *dir, const char *command,
                        const char *status, double wall_s, hs_error *err)
{
    hs_out out;
    int rc = hs_out_open(&out, dir, err);
    if (rc)
        return rc;
    FILE *f = hs_out_file(&out, "run.yaml", err);
    if (!f) {
        hs_out_abort(&out);
        return err->code;
    }
    char date[64] = "unknown", host[256] = "unknown";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    fprintf(f, "# provenance of the results in this directory (doc/network-format.md)\n"
               "hee-snn: %s\ncommand: ", PACKAGE_VERSION);
    put_quoted(f, command ? command : "");
    fprintf(f, "\ndate: %s\nhost: ", date);
    put_quoted(f, host);
    fprintf(f, "\nseed: %llu\nnetwork: ", (unsigned long long)cfg->seed);
    put_quoted(f, cfg->name);
    fprintf(f, "\nstatus: %s\nwall_s: %.3f\ninputs:\n", status, wall_s);
    put_input(f, "network", cfg->path);
    for (int p = 0; p < cfg->npops; p++) {
        put_valspec_file(f, "bias", &cfg->pops[p].bias);
        put_valspec_file(f, "init", &cfg->pops[p].init);
    }
    for (int p = 0; p < cfg->nprojs; p++) {
        put_valspec_file(f, "weight", &cfg->projs[p].weight);
        if (cfg->projs[p].edges_file)
            put_input(f, "edges", cfg->projs[p].edges_file);
    }
    const hs_heecfg *h = cfg->hee;
    if (h) {
        for (int l = 0; l < h->nlayers; l++) {
            put_valspec_file(f, "bias", &h->layers[l].bias);
            put_valspec_file(f, "weights", &h->weights[l]);
            put_valspec_file(f, "lateral", &h->lateral[l]);
        }
        put_valspec_file(f, "clamp", &h->clamp);
        if (h->data) {
            if (h->data->path)
                put_input(f, "data", h->data->path);
            if (h->data->labels)
                put_input(f, "labels", h->data->labels);
            for (size_t i = 0; i < h->data->nimages; i++)
                put_input(f, "image", h->data->images[i]);
        }
    }
    return hs_out_commit(&out, err);
}
