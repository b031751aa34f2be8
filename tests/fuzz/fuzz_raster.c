/* fuzz_raster.c -- libFuzzer harness: spikes.tsv as analyze, export and plot read it
 *
 * The input is written as the spikes.tsv of a run directory whose config.yaml (written once)
 * has a 3-unit neural-sampling population z and a 5-neuron Poisson population p.  Each run
 * analyzes z, exports the raster to NEST ASCII and draws the raster, rate and ISI plots as SVG,
 * all inside the harness's temporary directory. */
#include <stdio.h>
#include <stdlib.h>

#include "hee-snn/hee-snn.h"
#include "plot/plot.h"
#include "record/export.h"
#include "fuzz.h"

static const char CONFIG[] =
    "hee-snn: 1\n"
    "name: fuzz\n"
    "seed: 1\n"
    "duration: 200 ms\n"
    "populations:\n"
    "  z: {model: neural_sampling, size: 3, params: {tau_ref: 10 ms}, bias: [0, 0.5, -0.5]}\n"
    "  p: {model: poisson, size: 5, params: {rate: 50 Hz}}\n"
    "projections:\n"
    "  - {from: z, to: z, connect: all_to_all,\n"
    "     weight: [[0, 0.5, 0], [0.5, 0, -0.5], [0, -0.5, 0]]}\n"
    "record: {spikes: all}\n";

static FILE *sink;   /* analyze's report, discarded */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char cfg[4200], spikes[4200], out[4200];
    if (!sink) {
        hs_fuzz_file("config.yaml", (const uint8_t *)CONFIG, sizeof CONFIG - 1, cfg,
                     sizeof cfg);
        if (!(sink = fopen("/dev/null", "w")))
            abort();
    }
    hs_fuzz_file("spikes.tsv", data, size, spikes, sizeof spikes);
    hs_error err;
    (void)hs_analyze_dir(hs_fuzz_dir(), NULL, 3, sink, &err);
    static const hs_export_pop pops[] = {{"z", 3, 0}, {"p", 5, 0}};
    (void)hs_export_nest(spikes, pops, 2, hs_fuzz_path("spikes.nest.dat", out, sizeof out),
                         &err);
    hs_fuzz_path("plot.svg", out, sizeof out);
    (void)hs_plot_raster(spikes, out, 0, 0, &err);
    static const char *const names[] = {"z", "p"};
    static const size_t sizes[] = {3, 5};
    (void)hs_plot_rate_sized(spikes, out, 5, 0, 0, names, sizes, 2, &err);
    (void)hs_plot_isi(spikes, out, NULL, 0, 0, &err);
    return 0;
}
