/* check_plot.c -- the plot module: every figure as PNG and SVG from small generated inputs,
 * its pixels read back, error messages with their lines, atomic replacement, tick choice */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cairo.h>

#include "plot/plot.h"
#include "plot/plot_int.h"
#include "testutil.h"

/* A scratch directory per test case, emptied and removed after the last test. */
static char tmpdir[64];

static void tmpdir_setup(void) { scratch_make(tmpdir, sizeof tmpdir, "plot"); }

static void tmpdir_teardown(void) { scratch_remove(tmpdir); }

static const char *tpath(int slot, const char *name)
{
    static char buf[4][512];
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
    return buf[slot];
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void ok(int rc, const hs_error *err)
{
    char buf[2300];
    ck_assert_msg(rc == HS_OK, "%s", hs_error_format(err, buf, sizeof buf));
}

/* Files in the scratch directory whose name marks a temporary. */
static int temporaries(void)
{
    DIR *dir = opendir(tmpdir);
    ck_assert_ptr_nonnull(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)))
        n += strstr(e->d_name, ".tmp-") != NULL;
    closedir(dir);
    return n;
}

/* ---- reading the figures back ------------------------------------------------------------ */

typedef struct png_stats {
    int w, h;
    long non_white;
} png_stats;

/* Read path with cairo; count the non-white pixels and, for each of the ncol colours
 * (0xRRGGBB), the pixels within 3 per channel of it in columns [0, xmax). */
static png_stats png_read(const char *path, const uint32_t *colour, long *count, int ncol,
                          int xmax)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    ck_assert_msg(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "%s: %s", path,
                  cairo_status_to_string(cairo_surface_status(s)));
    png_stats st = {cairo_image_surface_get_width(s), cairo_image_surface_get_height(s), 0};
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int k = 0; k < ncol; k++)
        count[k] = 0;
    for (int y = 0; y < st.h; y++)
        for (int x = 0; x < st.w; x++) {
            uint32_t p = ((const uint32_t *)(const void *)(data + y * stride))[x] & 0xffffff;
            st.non_white += p != 0xffffff;
            for (int k = 0; k < ncol && x < xmax; k++) {
                int close = 1;
                for (int sh = 0; sh < 24; sh += 8)
                    close &= abs((int)((p >> sh) & 255) - (int)((colour[k] >> sh) & 255)) <= 3;
                count[k] += close;
            }
        }
    cairo_surface_destroy(s);
    return st;
}

/* A 1600 x 1000 PNG, far from blank, in which each colour covers at least min_px pixels left
 * of column xmax (1300 leaves the legends out: the data themselves must show it). */
static void check_png(const char *path, const uint32_t *colour, int ncol, long min_px, int xmax)
{
    long count[8];
    png_stats st = png_read(path, colour, count, ncol, xmax);
    ck_assert_int_eq(st.w, 1600);
    ck_assert_int_eq(st.h, 1000);
    ck_assert_msg(st.non_white > 20000, "%s: only %ld non-white pixels", path, st.non_white);
    for (int k = 0; k < ncol; k++)
        ck_assert_msg(count[k] >= min_px, "%s: colour %06x on %ld pixels, expected >= %ld",
                      path, colour[k], count[k], min_px);
}

static void check_svg(const char *path)
{
    size_t n;
    char *b = slurp(path, &n);
    ck_assert_msg(!strncmp(b, "<?xml", 5), "%s does not start with <?xml", path);
    ck_assert_ptr_nonnull(strstr(b, "<svg"));
    const char *end = strstr(b, "</svg>");
    ck_assert_ptr_nonnull(end);
    ck_assert_msg(!strstr(end + 6, "<"), "%s: markup after </svg>", path);
    ck_assert_ptr_nonnull(strstr(b, "<path"));   /* glyphs and lines as vectors */
    free(b);
}

/* ---- inputs ----------------------------------------------------------------------------- */

/* Three populations (exc 40, inh 10, aux 5 neurons) firing regularly with jitter over 1 s,
 * written in time order like the simulator does. */
static void write_raster(const char *path)
{
    static const char *const name[3] = {"exc", "inh", "aux"};
    static const int size[3] = {40, 10, 5};
    static const double period[3] = {100, 50, 200};
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# hee-snn test\n# seed: 1\n# network: three-pops\n# duration_ms: 1000\n"
          "time_ms\tpopulation\tneuron\n", f);
    uint64_t lcg = 12345;
    for (int step = 0; step < 1000; step++)   /* 1 ms slots, neuron phases staggered */
        for (int p = 0; p < 3; p++)
            for (int i = 0; i < size[p]; i++) {
                int phase = (int)(period[p] * i / size[p]);
                if ((step + phase) % (int)period[p])
                    continue;
                lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
                double t = step + (double)(lcg >> 40) / (double)(1ULL << 24);
                fprintf(f, "%.6f\t%s\t%d\n", t, name[p], i);
            }
    ck_assert_int_eq(fclose(f), 0);
}

static const char compare_tsv[] =
    "# hee-snn 0.1.0 compare\n# seed: 3\n# network: hee-test\n# reference: exact\n"
    "sampler\tdetail\tmean_err\tmean_mc\tmean_z\tvar_err\tvar_mc\tvar_z\tkl\ttau_int\t"
    "ess_per_s\tess_per_spike\twall_s\tsamples\n"
    "exact\tclosed-form Gaussian\t0\t0\t0\t0\t0\t0\t0\t-\t-\t-\t0\t0\n"
    "rate\ttau_eps 0.2 ms\t0.0193\t0.0118\t1.67\t0.0351\t0.0149\t2.56\t0.00066\t6.9\t2799\t-\t2.5"
    "\t50000\n"
    "spike\t100 neurons/unit\t0.0279\t0.0124\t2.34\t0.166\t0.0146\t12.7\t0.39\t8.7\t912\t0.0005"
    "\t5.9\t50000\n"
    "spike-sweep\tneurons_per_unit = 10\t0.061\t0.02\t3.1\t0.31\t0.03\t10\t0.5\t9\t3100\t0.001"
    "\t1.2\t50000\n"
    "spike-sweep\tneurons_per_unit = 1000\t0.011\t0.009\t1.2\t0.05\t0.012\t4\t0.1\t8\t95\t0.0001"
    "\t40\t50000\n";

static const char learning_tsv[] =
    "# hee-snn 0.1.0\n# network: ppca-test\n# loglik_*: mean log-likelihood per item (nats)\n"
    "# loglik_max: -6.25 (the maximum over all parameters: probabilistic PCA, closed form)\n"
    "time_ms\tepoch\titems\tlearning_rate_hz\tw_norm\tdw_norm\trelax_ms\tseparation\t"
    "loglik_train\tloglik_holdout\n"
    "0.000000\t0\t0\t10\t1.2\tnan\t2\t80\t-19.2\t-18.2\n"
    "5000.000000\t0\t500\t5\t5.5\t4.8\t2\t25\t-7.9\t-7.95\n"
    "10000.000000\t0\t1000\t3.3\t5.7\t1.6\t2\t25\t-7.4\t-7.5\n"
    "15000.000000\t1\t1500\t2.5\t5.6\t1.7\t2\t22\t-7.0\t-7.2\n"
    "20000.000000\t1\t2000\t2\t5.4\t1.0\t2\t21\t-6.8\t-7.0\n";

/* As 'hee-snn analyze' prints it: text before the table and a section after it. */
static const char kl_txt[] =
    "population z (neural_sampling), 3 units, 8 states\n\n"
    "T_ms\tKL\tvisited\tunvisited\tunvisited_mass\n"
    "195.312\t1.700665e-01\t6\t2\t1.136e-01\n"
    "781.25\t1.625712e-02\t8\t0\t0.000e+00\n"
    "3125\t1.406036e-02\t8\t0\t0.000e+00\n"
    "12500\t3.826676e-03\t8\t0\t0.000e+00\n"
    "50000\t3.556253e-04\t8\t0\t0.000e+00\n"
    "100000\t2.362484e-04\t8\t0\t0.000e+00\n\n"
    "marginals at T = 100000 ms:\nunit\tp_exact\tp_sampled\tdiff\n0\t0.48\t0.47\t-0.005\n";

/* ten 4 x 5 images: a ramp from -1 (item 0, pixel 0) to +2 (item 9, last pixel) */
static void write_samples(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# samples\n", f);
    for (int p = 0; p < 20; p++)
        fprintf(f, "%sv[%d]", p ? "\t" : "", p);
    fputc('\n', f);
    for (int i = 0; i < 10; i++)
        for (int p = 0; p < 20; p++)
            fprintf(f, "%.6f%c", -1 + 3.0 * (i * 20 + p) / 199, p < 19 ? '\t' : '\n');
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- figures ---------------------------------------------------------------------------- */

START_TEST(test_plot_raster)
{
    hs_error err = {0};
    write_raster(tpath(0, "spikes.tsv"));
    uint32_t pops[3] = {hs_plot_palette(0), hs_plot_palette(1), hs_plot_palette(2)};
    ok(hs_plot_raster(tpath(0, "spikes.tsv"), tpath(1, "raster.png"), 0, 0, &err), &err);
    check_png(tpath(1, "raster.png"), pops, 3, 200, 1300);   /* dots, not just the legend */
    ok(hs_plot_raster(tpath(0, "spikes.tsv"), tpath(1, "raster.svg"), 0, 0, &err), &err);
    check_svg(tpath(1, "raster.svg"));
    ok(hs_plot_raster(tpath(0, "spikes.tsv"), tpath(1, "window.PNG"), 200, 450, &err), &err);
    check_png(tpath(1, "window.PNG"), pops, 3, 50, 1300);
    ck_assert_int_eq(temporaries(), 0);
}
END_TEST

START_TEST(test_plot_rate)
{
    hs_error err = {0};
    write_raster(tpath(0, "spikes.tsv"));
    uint32_t pops[3] = {hs_plot_palette(0), hs_plot_palette(1), hs_plot_palette(2)};
    ok(hs_plot_rate(tpath(0, "spikes.tsv"), tpath(1, "rate.png"), 50, 0, 0, &err), &err);
    check_png(tpath(1, "rate.png"), pops, 3, 100, 1300);
    ok(hs_plot_rate(tpath(0, "spikes.tsv"), tpath(1, "rate.svg"), 50, 0, 0, &err), &err);
    check_svg(tpath(1, "rate.svg"));
    const char *names[1] = {"inh"};
    size_t sizes[1] = {20};
    ok(hs_plot_rate_sized(tpath(0, "spikes.tsv"), tpath(1, "rate2.png"), 50, 0, 0, names,
                          sizes, 1, &err), &err);
    sizes[0] = 5;   /* inh has neuron 9 */
    ck_assert_int_eq(hs_plot_rate_sized(tpath(0, "spikes.tsv"), tpath(1, "rate3.png"), 50, 0,
                                        0, names, sizes, 1, &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "inh"));
    ck_assert_int_eq(hs_plot_rate(tpath(0, "spikes.tsv"), tpath(1, "rate4.png"), 0, 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(access(tpath(1, "rate3.png"), F_OK), -1);
    /* a window: drawn within it; one that starts at the run's end (1000 ms) is refused */
    ok(hs_plot_rate(tpath(0, "spikes.tsv"), tpath(1, "rate5.png"), 50, 200, 450, &err), &err);
    check_png(tpath(1, "rate5.png"), pops, 3, 100, 1300);
    ck_assert_int_eq(hs_plot_rate(tpath(0, "spikes.tsv"), tpath(1, "rate6.png"), 50, 1000,
                                  2000, &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "after the run's end"));
    ck_assert_int_eq(access(tpath(1, "rate6.png"), F_OK), -1);
}
END_TEST

START_TEST(test_plot_isi)
{
    hs_error err = {0};
    write_raster(tpath(0, "spikes.tsv"));
    uint32_t pops[3] = {hs_plot_palette(0), hs_plot_palette(1), hs_plot_palette(2)};
    ok(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "isi.png"), NULL, 0, 0, &err), &err);
    check_png(tpath(1, "isi.png"), pops, 3, 100, 1300);
    ok(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "isi.svg"), NULL, 0, 0, &err), &err);
    check_svg(tpath(1, "isi.svg"));
    ok(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "inh.png"), "inh", 0, 0, &err), &err);
    long count[1];
    uint32_t exc = hs_plot_palette(0);
    png_read(tpath(1, "inh.png"), &exc, count, 1, 1600);
    ck_assert_int_eq(count[0], 0);   /* only inh is drawn */
    ck_assert_int_eq(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "x.png"), "nope", 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "'nope'"));
    /* the window counts: exc fires every 100 ms, so 80 ms of it hold no interval of exc (and
     * 40 ms none of anyone's, inh's period being 50 ms); 300 ms hold some */
    ck_assert_int_eq(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "w1.png"), "exc", 300, 380,
                                 &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "spiked twice in the window [300, 380] ms"));
    ck_assert_int_eq(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "w2.png"), NULL, 300, 340,
                                 &err), HS_ECONFIG);
    ok(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "w3.png"), "exc", 300, 600, &err), &err);
    ok(hs_plot_isi(tpath(0, "spikes.tsv"), tpath(1, "w4.png"), NULL, 300, 420, &err), &err);
}
END_TEST

/* A raster whose neuron indices are huge and few (issue 14, audit defect 7: a 170-byte file
 * made plot --kind isi allocate by the largest index, 4e9 slots): the ISI plot takes a slot
 * per spiking neuron, so two neurons of 'exc' with indices 4,000,000,000 and 7, 60 spikes
 * each, plot at once; both populations' colours are drawn. */
START_TEST(test_plot_isi_sparse_indices)
{
    hs_error err = {0};
    char *text = malloc(1 << 16);
    ck_assert_ptr_nonnull(text);
    int n = snprintf(text, 1 << 16, "# duration_ms: 1000\ntime_ms\tpopulation\tneuron\n");
    for (int k = 0; k < 60; k++) {
        double t = 15.0 * k + 3.0 * sin(k);
        n += snprintf(text + n, (size_t)(1 << 16) - (size_t)n,
                      "%.3f\texc\t4000000000\n%.3f\texc\t7\n%.3f\tinh\t%d\n", t, t + 1.3 * (k % 5),
                      t + 0.7, k % 3);
    }
    write_text(tpath(0, "sparse.tsv"), text);
    free(text);
    uint32_t pops[2] = {hs_plot_palette(0), hs_plot_palette(1)};
    ok(hs_plot_isi(tpath(0, "sparse.tsv"), tpath(1, "sparse.png"), NULL, 0, 0, &err), &err);
    check_png(tpath(1, "sparse.png"), pops, 2, 50, 1300);
}
END_TEST

START_TEST(test_plot_kl)
{
    hs_error err = {0};
    write_text(tpath(0, "kl.txt"), kl_txt);
    uint32_t c[1] = {hs_plot_palette(0)};
    ok(hs_plot_kl(tpath(0, "kl.txt"), tpath(1, "kl.png"), 0, 0, &err), &err);
    check_png(tpath(1, "kl.png"), c, 1, 300, 1300);
    ok(hs_plot_kl(tpath(0, "kl.txt"), tpath(1, "kl.svg"), 0, 0, &err), &err);
    check_svg(tpath(1, "kl.svg"));
    write_text(tpath(0, "nokl.tsv"), "T_ms\tKL\n100\t0\n200\t0\n");
    ck_assert_int_eq(hs_plot_kl(tpath(0, "nokl.tsv"), tpath(1, "nokl.png"), 0, 0, &err), HS_ECONFIG);
    ck_assert_str_eq(err.file, tpath(0, "nokl.tsv"));
}
END_TEST

START_TEST(test_plot_compare)
{
    hs_error err = {0};
    write_text(tpath(0, "compare.tsv"), compare_tsv);
    /* colours by sampler name in order of appearance: exact 0, rate 1, spike 2, sweep 3 */
    uint32_t c[3] = {hs_plot_palette(1), hs_plot_palette(2), hs_plot_palette(3)};
    ok(hs_plot_compare(tpath(0, "compare.tsv"), tpath(1, "compare.png"), &err), &err);
    check_png(tpath(1, "compare.png"), c, 3, 500, 1300);
    ok(hs_plot_compare(tpath(0, "compare.tsv"), tpath(1, "compare.svg"), &err), &err);
    check_svg(tpath(1, "compare.svg"));
}
END_TEST

START_TEST(test_plot_learning)
{
    hs_error err = {0};
    write_text(tpath(0, "learning.tsv"), learning_tsv);
    uint32_t c[2] = {hs_plot_palette(0), hs_plot_palette(1)};
    ok(hs_plot_learning(tpath(0, "learning.tsv"), tpath(1, "learning.png"), 0, 0, &err), &err);
    check_png(tpath(1, "learning.png"), c, 2, 200, 1300);
    ok(hs_plot_learning(tpath(0, "learning.tsv"), tpath(1, "learning.svg"), 0, 0, &err), &err);
    check_svg(tpath(1, "learning.svg"));
    write_text(tpath(0, "wnorm.tsv"), "time_ms\tepoch\tw_norm\n0\t0\t1\n1000\t0\t2\n"
                                      "2000\t0\t2.5\n");   /* no log-likelihoods */
    ok(hs_plot_learning(tpath(0, "wnorm.tsv"), tpath(1, "wnorm.png"), 0, 0, &err), &err);
    check_png(tpath(1, "wnorm.png"), c, 1, 200, 1300);
}
END_TEST

START_TEST(test_plot_grid)
{
    hs_error err = {0};
    write_samples(tpath(0, "samples.tsv"));
    uint32_t ends[2] = {0x000000, 0xffffff};   /* the minimum is black, the maximum white */
    ok(hs_plot_grid(tpath(0, "samples.tsv"), tpath(1, "grid.png"), 4, 5, 0, &err), &err);
    long count[2];
    png_stats st = png_read(tpath(1, "grid.png"), ends, count, 2, 1400);
    ck_assert_int_eq(st.w, 1600);
    ck_assert_int_gt(count[0], 100);
    ok(hs_plot_grid(tpath(0, "samples.tsv"), tpath(1, "grid.svg"), 4, 5, 3, &err), &err);
    check_svg(tpath(1, "grid.svg"));
    ck_assert_int_eq(hs_plot_grid(tpath(0, "samples.tsv"), tpath(1, "bad.png"), 4, 4, 0, &err),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "20 values"));
}
END_TEST

START_TEST(test_plot_fields)
{
    hs_error err = {0};
    enum { R = 4, C = 5, NOUT = 6 };
    double W[R * C * NOUT];
    for (int i = 0; i < R * C; i++)   /* field j: a ramp from -(j + 1) to j + 1 */
        for (int j = 0; j < NOUT; j++)
            W[i * NOUT + j] = (j + 1) * (2.0 * i / (R * C - 1) - 1);
    /* the ends of the diverging map: blue #2166ac, red #b2182b */
    uint32_t ends[2] = {0x2166ac, 0xb2182b};
    ok(hs_plot_fields(W, R * C, NOUT, R, C, tpath(1, "fields.png"), &err), &err);
    check_png(tpath(1, "fields.png"), ends, 2, 200, 1400);
    ok(hs_plot_fields(W, R * C, NOUT, R, C, tpath(1, "fields.svg"), &err), &err);
    check_svg(tpath(1, "fields.svg"));
    ck_assert_int_eq(hs_plot_fields(W, R * C, NOUT, R, R, tpath(1, "x.png"), &err), HS_ECONFIG);
}
END_TEST

/* ---- errors and atomic output ------------------------------------------------------------ */

START_TEST(test_plot_errors)
{
    hs_error err = {0};
    const char *missing = tpath(0, "missing.tsv");
    ck_assert_int_eq(hs_plot_raster(missing, tpath(1, "r.png"), 0, 0, &err), HS_EIO);
    ck_assert_str_eq(err.file, missing);
    ck_assert_int_eq(hs_plot_compare(missing, tpath(1, "c.png"), &err), HS_EIO);
    ck_assert_str_eq(err.file, missing);

    write_text(tpath(0, "bad.tsv"), "# comment\ntime_ms\tpopulation\tneuron\n1.5\texc\t0\n"
                                    "2.5\texc\t1\n\n3.5\tinh\tx7\n");
    ck_assert_int_eq(hs_plot_raster(tpath(0, "bad.tsv"), tpath(1, "r.png"), 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(err.line, 6);
    ck_assert_int_eq(err.col, 9);
    ck_assert_str_eq(err.file, tpath(0, "bad.tsv"));
    write_text(tpath(0, "badt.tsv"), "1.5\texc\t0\nabc\texc\t1\n");
    ck_assert_int_eq(hs_plot_isi(tpath(0, "badt.tsv"), tpath(1, "r.png"), NULL, 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(err.line, 2);

    char *bad = strdup(compare_tsv);   /* spike's var_err on line 8 becomes "0.x66" */
    char *p = strstr(bad, "\t0.166\t");
    p[3] = 'x';
    write_text(tpath(0, "compare.tsv"), bad);
    free(bad);
    ck_assert_int_eq(hs_plot_compare(tpath(0, "compare.tsv"), tpath(1, "c.png"), &err),
                     HS_ECONFIG);
    ck_assert_int_eq(err.line, 8);
    ck_assert_ptr_nonnull(strstr(err.msg, "var_err"));
    write_text(tpath(0, "ragged.tsv"), "time_ms\tw_norm\n0\t1\n1000\n");
    ck_assert_int_eq(hs_plot_learning(tpath(0, "ragged.tsv"), tpath(1, "l.png"), 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(err.line, 3);
    write_text(tpath(0, "nohead.tsv"), "# nothing\n0\t1\n");
    ck_assert_int_eq(hs_plot_learning(tpath(0, "nohead.tsv"), tpath(1, "l.png"), 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(err.line, 2);

    write_raster(tpath(0, "spikes.tsv"));
    ck_assert_int_eq(hs_plot_raster(tpath(0, "spikes.tsv"), tpath(1, "r.pdf"), 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, ".pdf"));
    ck_assert_str_eq(err.file, tpath(1, "r.pdf"));
    ck_assert_int_eq(hs_plot_raster(tpath(0, "spikes.tsv"), tpath(1, "noext"), 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(hs_plot_raster(tpath(0, "spikes.tsv"), tpath(1, "r.png"), 2000, 3000, &err),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "no spikes between"));
    write_text(tpath(0, "empty.tsv"), "# only a header\ntime_ms\tpopulation\tneuron\n");
    ck_assert_int_eq(hs_plot_rate(tpath(0, "empty.tsv"), tpath(1, "r.png"), 10, 0, 0, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(access(tpath(1, "r.png"), F_OK), -1);
    /* found by fuzzing: a spike at 5.6e81 ms asks for 1.1e81 bins of 5 ms, a count that was
     * converted to size_t (undefined behaviour, reported by UBSan) before it was refused */
    write_text(tpath(0, "far.tsv"), "time_ms\tpopulation\tneuron\n1\tz\t0\n"
               "5555555555555555555555555555555555555555555555555555555555555555555555555555555558"
               "\tz\t1\n");
    ck_assert_int_eq(hs_plot_rate(tpath(0, "far.tsv"), tpath(1, "r.png"), 5, 0, 0, &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than 1000000 bins"));
    ck_assert_int_eq(access(tpath(1, "r.png"), F_OK), -1);
    ck_assert_int_eq(temporaries(), 0);
}
END_TEST

START_TEST(test_plot_atomic)
{
    hs_error err = {0};
    write_text(tpath(0, "kl.txt"), kl_txt);
    ok(hs_plot_kl(tpath(0, "kl.txt"), tpath(1, "kl.png"), 0, 0, &err), &err);
    size_t n0, n1;
    char *before = slurp(tpath(1, "kl.png"), &n0);
    write_text(tpath(0, "bad.txt"), "T_ms\tKL\n100\t0.1\n200\toops\n");
    ck_assert_int_eq(hs_plot_kl(tpath(0, "bad.txt"), tpath(1, "kl.png"), 0, 0, &err), HS_ECONFIG);
    ck_assert_int_eq(err.line, 3);
    char *after = slurp(tpath(1, "kl.png"), &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_int_eq(memcmp(before, after, n0), 0);
    free(before);
    free(after);
    ck_assert_int_eq(temporaries(), 0);

    /* replacing works, and a directory that does not exist fails without leftovers */
    ok(hs_plot_kl(tpath(0, "kl.txt"), tpath(1, "kl.png"), 0, 0, &err), &err);
    ck_assert_int_eq(hs_plot_kl(tpath(0, "kl.txt"), tpath(1, "no/such/dir/kl.svg"), 0, 0, &err),
                     HS_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot create"));
    ck_assert_int_eq(temporaries(), 0);
}
END_TEST

/* ---- ticks ------------------------------------------------------------------------------- */

START_TEST(test_plot_ticks)
{
    hs_pl_axis a = {0};
    hs_pl_axis_set(&a, 0, 7.3, 0, 1);   /* step 2, range rounded out to 8 */
    ck_assert_int_eq(a.ntick, 5);
    ck_assert_double_eq_tol(a.hi, 8, 1e-12);
    ck_assert_str_eq(a.text[4], "8");
    hs_pl_axis_set(&a, 0.013, 0.087, 0, 0);   /* step 0.02 inside the range */
    ck_assert_int_eq(a.ntick, 4);
    ck_assert_str_eq(a.text[0], "0.02");
    ck_assert_str_eq(a.text[3], "0.08");
    hs_pl_axis_set(&a, -1.5, 1.5, 0, 1);   /* step 0.5 with a typographic minus */
    ck_assert_int_eq(a.ntick, 7);
    ck_assert_str_eq(a.text[0], "\xe2\x88\x92" "1.5");
    ck_assert_str_eq(a.text[3], "0");
    hs_pl_axis_set(&a, 3, 4e5, 1, 1);   /* log: decades 1 .. 1e6, written as powers */
    ck_assert_int_eq(a.ntick, 7);
    ck_assert_double_eq_tol(a.lo, 1, 1e-12);
    ck_assert_double_eq_tol(a.hi, 1e6, 1e-6);
    ck_assert_str_eq(a.text[6], "10\xe2\x81\xb6");
    hs_pl_axis_set(&a, 20, 800, 1, 1);   /* log within 1e-3 .. 1e4: plain numbers */
    ck_assert_str_eq(a.text[0], "10");
    ck_assert_str_eq(a.text[2], "1000");
    hs_pl_axis_set(&a, 0, 2e6, 0, 1);   /* large linear ticks as m x 10^k */
    ck_assert_str_eq(a.text[1], "5\xc3\x97" "10\xe2\x81\xb5");
    ck_assert_str_eq(a.text[2], "10\xe2\x81\xb6");
    for (double span = 1e-3; span < 1e6; span *= 1.37) {   /* always a 1-2-5 step */
        double s = hs_pl_nice_step(span, 5), m = s / pow(10, floor(log10(s) + 1e-9));
        ck_assert_msg(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9,
                      "span %g: step %g", span, s);
        ck_assert(span / s > 3.1 && span / s < 8);
    }
}
END_TEST

static Suite *plot_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("figures");
    tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plot_raster);
    tcase_add_test(tc, test_plot_rate);
    tcase_add_test(tc, test_plot_isi);
    tcase_add_test(tc, test_plot_isi_sparse_indices);
    tcase_add_test(tc, test_plot_kl);
    tcase_add_test(tc, test_plot_compare);
    tcase_add_test(tc, test_plot_learning);
    tcase_add_test(tc, test_plot_grid);
    tcase_add_test(tc, test_plot_fields);
    tcase_add_test(tc, test_plot_errors);
    tcase_add_test(tc, test_plot_atomic);
    tcase_add_test(tc, test_plot_ticks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(plot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
