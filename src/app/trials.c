/* trials.c -- the summary table of run --seeds (trials.tsv) */
#include "hs-config.h"

#include <inttypes.h>
#include <stdio.h>

#include "record/output.h"
#include "util/error.h"

int hs_trials_write(const char *dir, const char *network, const hs_trial *t, size_t n,
                    const char *const *names, const size_t *sizes, int npops, hs_error *err)
{
    hs_out out;
    int rc = hs_out_open(&out, dir, err);
    if (rc)
        return rc;
    FILE *f = hs_out_file(&out, "trials.tsv", err);
    if (!f) {
        hs_out_abort(&out);
        return err->code;
    }
    fprintf(f, "# hee-snn %s\n# network: %s\n# trials: %zu (one output directory each: "
               "seed-SEED)\n", PACKAGE_VERSION, network, n);
    fputs("seed\tstatus\twall_s\tsimulated_ms", f);
    for (int p = 0; p < npops; p++)
        fprintf(f, "\t%s_spikes\t%s_rate_hz", names[p], names[p]);
    fputc('\n', f);
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "%" PRIu64 "\t%s\t%.3f\t%.17g", t[k].seed, t[k].status, t[k].wall_s,
                t[k].simulated_ms);
        for (int p = 0; p < npops; p++) {
            if (!t[k].spikes) {   /* (numpy and pandas read nan) */
                fputs("\tnan\tnan", f);
                continue;
            }
            const double T = t[k].simulated_ms * 1e-3;
            fprintf(f, "\t%" PRIu64 "\t%.9g", t[k].spikes[p],
                    T > 0 && sizes[p] ? (double)t[k].spikes[p] / ((double)sizes[p] * T) : 0.0);
        }
        fputc('\n', f);
    }
    return hs_out_commit(&out, err);
}
