/* check_export.c -- spike raster export to NEST ASCII and SONATA HDF5
 *
 * A small raster is exported and compared exactly: the NEST file as text, the SONATA file read
 * back through the HDF5 C API (types, attributes, per-population timestamps and node_ids).  A
 * 2e6-spike raster checks that the export streams: peak memory grows by far less than the
 * raster.  Every input error names the file, line and column and leaves no file behind; a
 * failed export leaves an existing output untouched.
 */
#include "hs-config.h"

#include <check.h>
#include <dirent.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/export.h"
#include "testutil.h"

#define ERRBUF 2300

typedef int (*export_fn)(const char *, const hs_export_pop *, int, const char *, hs_error *);

static const struct {
    const char *name;
    export_fn fn;
} exporters[] = {{"nest", hs_export_nest}, {"sonata", hs_export_sonata}};

/* ---- scratch files ------------------------------------------------------------------------- */

static char tmproot[64];

static void tmproot_setup(void) { scratch_make(tmproot, sizeof tmproot, "export"); }

static void tmproot_teardown(void) { scratch_remove(tmproot); }

/* A fresh directory for one test; returns its path (static). */
static const char *test_dir(const char *name)
{
    static char dir[256];
    snprintf(dir, sizeof dir, "%s/%s", tmproot, name);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    return dir;
}

static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Entries in dir other than "." and "..". */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void expect_ok(int rc, const hs_error *err)
{
    char buf[ERRBUF];
    ck_assert_msg(rc == HS_OK, "%s", hs_error_format(err, buf, sizeof buf));
}

/* ---- reading SONATA back ------------------------------------------------------------------- */

static void attr_str(hid_t obj, const char *name, char *out, size_t n)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t t = H5Aget_type(a);
    ck_assert_int_eq(H5Tget_class(t), H5T_STRING);
    ck_assert(H5Tis_variable_str(t) > 0);
    ck_assert_int_eq(H5Tget_cset(t), H5T_CSET_UTF8);
    char *s = NULL;
    ck_assert_int_ge(H5Aread(a, t, &s), 0);
    snprintf(out, n, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

static void attr_u32(hid_t obj, const char *name, uint32_t *v, hssize_t n)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    ck_assert(H5Tequal(t, H5T_STD_U32LE) > 0);
    ck_assert_int_eq(H5Sget_simple_extent_npoints(sp), n);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_UINT32, v), 0);
    H5Sclose(sp);
    H5Tclose(t);
    H5Aclose(a);
}

/* The sorting attribute's enum name. */
static void attr_sorting(hid_t grp, char *out, size_t n)
{
    hid_t a = H5Aopen(grp, "sorting", H5P_DEFAULT);
    ck_assert(a >= 0);
    hid_t t = H5Aget_type(a);
    ck_assert_int_eq(H5Tget_class(t), H5T_ENUM);
    ck_assert_int_eq(H5Tget_size(t), 1);
    ck_assert_int_eq(H5Tget_nmembers(t), 3);
    signed char v;
    ck_assert_int_ge(H5Aread(a, t, &v), 0);
    ck_assert_int_ge(H5Tenum_nameof(t, &v, out, n), 0);
    H5Tclose(t);
    H5Aclose(a);
}

/* A whole 1-D dataset of file type ftype, read as mtype (caller frees); *n its length. */
static void *read_dataset(hid_t grp, const char *name, hid_t ftype, hid_t mtype, size_t *n,
                          hsize_t *chunk)
{
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "no dataset %s", name);
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
    ck_assert(H5Tequal(t, ftype) > 0);
    hsize_t dim, max;
    ck_assert_int_eq(H5Sget_simple_extent_dims(sp, &dim, &max), 1);
    ck_assert(max == H5S_UNLIMITED);
    ck_assert_int_eq(H5Pget_layout(dcpl), H5D_CHUNKED);
    ck_assert_int_eq(H5Pget_chunk(dcpl, 1, chunk), 1);
    *n = (size_t)dim;
    void *buf = malloc(((size_t)dim + 1) * 8);
    ck_assert_ptr_nonnull(buf);
    if (dim)
        ck_assert_int_ge(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    return buf;
}

typedef struct pop_data {
    size_t n;
    double *t;
    uint64_t *id;
    hsize_t chunk;
} pop_data;

/* Read /spikes/NAME, checking its layout and attributes. */
static pop_data read_pop(hid_t file, const char *name)
{
    char path[128], s[64];
    snprintf(path, sizeof path, "/spikes/%s", name);
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    ck_assert_msg(g >= 0, "no group %s", path);
    attr_sorting(g, s, sizeof s);
    ck_assert_str_eq(s, "by_time");
    pop_data p;
    size_t n2;
    hsize_t chunk2;
    p.t = read_dataset(g, "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &p.n, &p.chunk);
    p.id = read_dataset(g, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, &n2, &chunk2);
    ck_assert_uint_eq(n2, p.n);
    ck_assert_uint_eq(chunk2, p.chunk);
    hid_t d = H5Dopen2(g, "timestamps", H5P_DEFAULT);
    attr_str(d, "units", s, sizeof s);
    ck_assert_str_eq(s, "ms");
    H5Dclose(d);
    H5Gclose(g);
    return p;
}

static void pop_free(pop_data *p)
{
    free(p->t);
    free(p->id);
}

/* Number of links in group path. */
static hsize_t group_size(hid_t file, const char *path)
{
    H5G_info_t info;
    ck_assert_int_ge(H5Gget_info_by_name(file, path, &info, H5P_DEFAULT), 0);
    return info.nlinks;
}

/* ---- the small raster ---------------------------------------------------------------------- */

static const hs_export_pop small_pops[] = {{"exc", 4, 0}, {"silent", 5, 0}, {"inh", 3, 0}};

static const char small_tsv[] =
    "# hee-snn 0.1.0\n"
    "# seed: 7\n"
    "# network: tiny\n"
    "# duration_ms: 10\n"
    "time_ms\tpopulation\tneuron\n"
    "0.100000\texc\t0\n"
    "0.100000\tinh\t2\n"
    "0.250000\texc\t3\n"
    "1.000001\texc\t0\n"
    "5.500000\tinh\t0\n"
    "9.999999\texc\t1\n"
    "# interrupted_at_ms: 10\n";

START_TEST(test_export_nest_exact)
{
    const char *dir = test_dir("nest");
    char *in = join(dir, "spikes.tsv"), *out = join(dir, "spikes.nest.dat");
    write_text(in, small_tsv);
    hs_error err = {0};
    expect_ok(hs_export_nest(in, small_pops, 3, out, &err), &err);
    char want[4096];
    /* gids: exc 1-4, silent 5-9, inh 10-12 */
    snprintf(want, sizeof want,
             "# hee-snn version: %s, source: %s\n"
             "# RecordingBackendASCII version: 2\n"
             "sender\ttime_ms\n"
             "1\t0.100000\n"
             "12\t0.100000\n"
             "4\t0.250000\n"
             "1\t1.000001\n"
             "10\t5.500000\n"
             "2\t9.999999\n",
             PACKAGE_VERSION, in);
    char *got = slurp(out, NULL);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(count_entries(dir), 2);   /* no temporary left */
    free(got);
    free(in);
    free(out);
}
END_TEST

/* NEST 2's GDF: one comment line, no column header, the same ids; a time without '.' gets
 * ".0" (Neo reads a file whose first data line has no '.' as integers). */
START_TEST(test_export_gdf_exact)
{
    const char *dir = test_dir("gdf");
    char *in = join(dir, "spikes.tsv"), *out = join(dir, "spikes.gdf");
    write_text(in, "# hee-snn 0.1.0\ntime_ms\tpopulation\tneuron\n2\texc\t1\n2.5\tinh\t0\n"
                   "1e3\texc\t3\n");
    hs_error err = {0};
    expect_ok(hs_export_gdf(in, small_pops, 3, out, &err), &err);
    char want[4096];
    snprintf(want, sizeof want, "# hee-snn version: %s, source: %s\n2\t2.0\n10\t2.5\n4\t1e3\n",
             PACKAGE_VERSION, in);
    char *got = slurp(out, NULL);
    ck_assert_str_eq(got, want);
    free(got);
    free(in);
    free(out);
}
END_TEST

/* A population marked unrecorded gets no SONATA group (the groups say what was recorded),
 * unless the raster holds its spikes after all; recorded ones keep theirs, empty or not. */
START_TEST(test_export_sonata_unrecorded)
{
    const char *dir = test_dir("sonata-rec");
    char *in = join(dir, "spikes.tsv"), *out = join(dir, "spikes.h5");
    write_text(in, small_tsv);
    const hs_export_pop pops[] = {{"exc", 4, 0}, {"silent", 5, 1}, {"inh", 3, 1}};
    hs_error err = {0};
    expect_ok(hs_export_sonata(in, pops, 3, out, &err), &err);
    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    ck_assert_uint_eq(group_size(f, "/spikes"), 2);   /* exc, and inh for its spikes */
    ck_assert_int_eq(H5Lexists(f, "/spikes/silent", H5P_DEFAULT), 0);
    pop_data exc = read_pop(f, "exc"), inh = read_pop(f, "inh");
    ck_assert_uint_eq(exc.n, 4);
    ck_assert_uint_eq(inh.n, 2);
    pop_free(&exc);
    pop_free(&inh);
    H5Fclose(f);
    free(in);
    free(out);
}
END_TEST

START_TEST(test_export_sonata_roundtrip)
{
    const char *dir = test_dir("sonata");
    char *in = join(dir, "spikes.tsv"), *out = join(dir, "spikes.h5");
    write_text(in, small_tsv);
    hs_error err = {0};
    expect_ok(hs_export_sonata(in, small_pops, 3, out, &err), &err);
    ck_assert_int_eq(count_entries(dir), 2);

    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    uint32_t magic, version[2];
    attr_u32(f, "magic", &magic, 1);
    attr_u32(f, "version", version, 2);
    ck_assert_uint_eq(magic, 0x0A7A);
    ck_assert_uint_eq(version[0], 0);
    ck_assert_uint_eq(version[1], 1);
    char s[1024], want[256];
    attr_str(f, "generator", s, sizeof s);
    snprintf(want, sizeof want, "hee-snn %s", PACKAGE_VERSION);
    ck_assert_str_eq(s, want);
    attr_str(f, "source", s, sizeof s);
    ck_assert_str_eq(s, in);
    attr_str(f, "source_comments", s, sizeof s);
    ck_assert_str_eq(s, "hee-snn 0.1.0\nseed: 7\nnetwork: tiny\nduration_ms: 10\n"
                        "interrupted_at_ms: 10");
    ck_assert_uint_eq(group_size(f, "/"), 1);
    ck_assert_uint_eq(group_size(f, "/spikes"), 3);

    pop_data exc = read_pop(f, "exc"), silent = read_pop(f, "silent"), inh = read_pop(f, "inh");
    static const double exc_t[] = {0.1, 0.25, 1.000001, 9.999999}, inh_t[] = {0.1, 5.5};
    static const uint64_t exc_id[] = {0, 3, 0, 1}, inh_id[] = {2, 0};
    ck_assert_uint_eq(exc.n, 4);
    ck_assert_uint_eq(silent.n, 0);
    ck_assert_uint_eq(inh.n, 2);
    for (size_t i = 0; i < exc.n; i++) {
        ck_assert(exc.t[i] == exc_t[i]);   /* the same decimal text parses to the same double */
        ck_assert_uint_eq(exc.id[i], exc_id[i]);
    }
    for (size_t i = 0; i < inh.n; i++) {
        ck_assert(inh.t[i] == inh_t[i]);
        ck_assert_uint_eq(inh.id[i], inh_id[i]);
    }
    /* populations that never filled a buffer are chunked by their size (at least 1) */
    ck_assert_uint_eq(exc.chunk, 4);
    ck_assert_uint_eq(silent.chunk, 1);
    ck_assert_uint_eq(inh.chunk, 2);
    pop_free(&exc);
    pop_free(&silent);
    pop_free(&inh);
    H5Fclose(f);
    free(in);
    free(out);
}
END_TEST

START_TEST(test_export_no_spikes)
{
    const char *dir = test_dir("empty");
    char *in = join(dir, "spikes.tsv"), *nest = join(dir, "x.dat"), *h5 = join(dir, "x.h5");
    write_text(in, "time_ms\tpopulation\tneuron\n");
    hs_error err = {0};
    expect_ok(hs_export_nest(in, small_pops, 3, nest, &err), &err);
    expect_ok(hs_export_sonata(in, small_pops, 3, h5, &err), &err);
    char *got = slurp(nest, NULL), want[1024];
    snprintf(want, sizeof want,
             "# hee-snn version: %s, source: %s\n# RecordingBackendASCII version: 2\n"
             "sender\ttime_ms\n", PACKAGE_VERSION, in);
    ck_assert_str_eq(got, want);
    hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    for (int k = 0; k < 3; k++) {
        pop_data p = read_pop(f, small_pops[k].name);
        ck_assert_uint_eq(p.n, 0);
        pop_free(&p);
    }
    char s[64];
    attr_str(f, "source_comments", s, sizeof s);
    ck_assert_str_eq(s, "");
    H5Fclose(f);
    free(got);
    free(in);
    free(nest);
    free(h5);
}
END_TEST

/* ---- a large raster: streaming with bounded memory ----------------------------------------- */

#define BIG_SPIKES 2000000

static const hs_export_pop big_pops[] = {
    {"a", 1000, 0}, {"quiet", 10, 0}, {"b", 37, 0}, {"c", 100000, 0}};

/* The k-th spike of the generated raster: a fixed LCG picks population and neuron, times are
 * whole microseconds, three spikes per time step. */
typedef struct gen {
    uint64_t x, k;
} gen;

static void gen_next(gen *g, char *time, int *pop, uint64_t *index)
{
    static const int spiking[] = {0, 2, 3, 3};
    g->x = g->x * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t us = g->k++ / 3 * 7;
    sprintf(time, "%llu.%06llu", (unsigned long long)(us / 1000000),
            (unsigned long long)(us % 1000000));
    *pop = spiking[(g->x >> 33) % 4];
    *index = (g->x >> 40) % big_pops[*pop].size;
}

static long maxrss_kib(void)
{
    struct rusage ru;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
    return ru.ru_maxrss;
}

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

/* Under valgrind or AddressSanitizer (shadow memory, quarantine of freed blocks) the peak RSS
 * says nothing about the program's own memory. */
static int rss_meaningful(void)
{
#ifdef ASAN
    return 0;
#else
    const char *p = getenv("LD_PRELOAD");
    return !(p && strstr(p, "vgpreload"));
#endif
}

START_TEST(test_export_large_bounded_memory)
{
    const char *dir = test_dir("large");
    char *in = join(dir, "spikes.tsv"), *nest = join(dir, "x.dat"), *h5 = join(dir, "x.h5");
    FILE *f = fopen(in, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# hee-snn 0.1.0\ntime_ms\tpopulation\tneuron\n", f);
    gen g = {12345, 0};
    char time[32];
    int pop;
    uint64_t index, count[4] = {0};
    for (int i = 0; i < BIG_SPIKES; i++) {
        gen_next(&g, time, &pop, &index);
        fprintf(f, "%s\t%s\t%llu\n", time, big_pops[pop].name, (unsigned long long)index);
        count[pop]++;
    }
    ck_assert_int_eq(fclose(f), 0);

    /* a first, small export pages in the HDF5 library and sets up its free lists (about
     * 4 MiB), so that the measurement below sees only what grows with the raster */
    char *warm_in = join(dir, "small.tsv"), *warm_out = join(dir, "small.out");
    write_text(warm_in, small_tsv);
    hs_error err = {0};
    expect_ok(hs_export_sonata(warm_in, small_pops, 3, warm_out, &err), &err);
    expect_ok(hs_export_nest(warm_in, small_pops, 3, warm_out, &err), &err);
    long before = maxrss_kib();
    expect_ok(hs_export_sonata(in, big_pops, 4, h5, &err), &err);
    expect_ok(hs_export_nest(in, big_pops, 4, nest, &err), &err);
    long grown = maxrss_kib() - before;
    /* The raster holds 2e6 (time, id) pairs = 32 MB as binary, 31 MB as text.  The export
     * keeps 3 buffers of HS_EXPORT_CHUNK pairs (768 KiB), a 1 MiB stdio buffer for NEST and
     * HDF5's metadata: measured, the peak grows by about 0.9 MiB (HDF5 1.10.8, glibc 2.36).
     * 4 MiB leaves room for other versions and is an eighth of the raster; holding the raster,
     * even as 4-byte times and ids, would take 16 MB. */
    if (rss_meaningful())
        ck_assert_msg(grown < 4 * 1024, "peak RSS grew by %ld KiB", grown);
    free(warm_in);
    free(warm_out);

    /* SONATA: every spike, in order, per population */
    hid_t h = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(h >= 0);
    pop_data p[4];
    for (int k = 0; k < 4; k++) {
        p[k] = read_pop(h, big_pops[k].name);
        ck_assert_uint_eq(p[k].n, count[k]);
        ck_assert_uint_eq(p[k].chunk, count[k] >= HS_EXPORT_CHUNK ? HS_EXPORT_CHUNK
                                      : count[k] ? count[k] : 1);
    }
    H5Fclose(h);
    /* NEST: the same spikes with global ids 1 + offset + index */
    static const uint64_t first[] = {1, 1001, 1011, 1048};
    f = fopen(nest, "r");
    ck_assert_ptr_nonnull(f);
    char line[256], want[256];
    for (int i = 0; i < 3; i++)   /* the header: two comment lines, the column names */
        ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "sender\ttime_ms\n");
    g = (gen){12345, 0};
    size_t at[4] = {0};
    long first_bad = -1;   /* checked once at the end: a Check assertion per spike is slow */
    for (int i = 0; i < BIG_SPIKES && first_bad < 0; i++) {
        gen_next(&g, time, &pop, &index);
        snprintf(want, sizeof want, "%llu\t%s\n",
                 (unsigned long long)(first[pop] + index), time);
        if (p[pop].t[at[pop]] != strtod(time, NULL) || p[pop].id[at[pop]] != index ||
            !fgets(line, sizeof line, f) || strcmp(line, want) != 0)
            first_bad = i;
        at[pop]++;
    }
    ck_assert_msg(first_bad < 0, "spike %ld differs", first_bad);
    ck_assert_ptr_null(fgets(line, sizeof line, f));
    fclose(f);
    for (int k = 0; k < 4; k++)
        pop_free(&p[k]);
    free(in);
    free(nest);
    free(h5);
}
END_TEST

/* ---- errors -------------------------------------------------------------------------------- */

#define HDR "# hee-snn 0.1.0\ntime_ms\tpopulation\tneuron\n"

static const struct bad_case {
    const char *text;
    int line, col;
    const char *msg;
} bad_cases[] = {
    {HDR "0.5\texc\n", 3, 1, "three tab-separated fields"},
    {HDR "0.5\texc\t1\t2\n", 3, 1, "three tab-separated fields"},
    {HDR "\n", 3, 1, "three tab-separated fields"},
    {HDR "0.5\texc\t1\nabc\texc\t1\n", 4, 1, "expected a finite time in ms, got 'abc'"},
    {HDR "nan\texc\t0\n", 3, 1, "finite time"},
    {HDR "0.5\texc\t1x\n", 3, 9, "expected a neuron index (an integer >= 0), got '1x'"},
    {HDR "0.5\texc\t-1\n", 3, 9, "neuron index"},
    {HDR "0.5\texc\t\n", 3, 9, "neuron index"},
    {HDR "0.5\tfoo\t1\n", 3, 5, "unknown population 'foo'"},
    {HDR "0.5\tinh\t3\n", 3, 9, "neuron 3 is out of range: population 'inh' has 3 neurons"},
    {HDR "0.5\tinh\t99999999999999999999999\n", 3, 9, "out of range"},
    {HDR "0.500000\texc\t1\n0.500000\tinh\t1\n0.499999\texc\t1\n", 5, 1,
     "spikes are not sorted by time: 0.499999 ms follows 0.500000 ms"},
    {"# hee-snn 0.1.0\n0.5\texc\t1\n", 2, 1, "expected the header"},
    {"", 1, 0, "no 'time_ms\tpopulation\tneuron' header line"},
};

START_TEST(test_export_bad_input)
{
    const struct bad_case *c = &bad_cases[_i];
    for (size_t e = 0; e < sizeof exporters / sizeof *exporters; e++) {
        char name[32];
        snprintf(name, sizeof name, "bad%d-%s", _i, exporters[e].name);
        const char *dir = test_dir(name);
        char *in = join(dir, "spikes.tsv"), *out = join(dir, "out");
        write_text(in, c->text);
        hs_error err = {0};
        int rc = exporters[e].fn(in, small_pops, 3, out, &err);
        ck_assert_int_eq(rc, HS_ECONFIG);
        ck_assert_int_eq(err.code, HS_ECONFIG);
        ck_assert_str_eq(err.file, in);
        ck_assert_int_eq(err.line, c->line);
        ck_assert_int_eq(err.col, c->col);
        ck_assert_msg(strstr(err.msg, c->msg), "%s: message '%s' lacks '%s'",
                      exporters[e].name, err.msg, c->msg);
        ck_assert_int_eq(count_entries(dir), 1);   /* nothing but the input */
        free(in);
        free(out);
    }
}
END_TEST

START_TEST(test_export_unreadable_input)
{
    const char *dir = test_dir("unreadable");
    char *missing = join(dir, "missing.tsv"), *out = join(dir, "out");
    for (size_t e = 0; e < sizeof exporters / sizeof *exporters; e++) {
        hs_error err = {0};
        ck_assert_int_eq(exporters[e].fn(missing, small_pops, 3, out, &err), HS_EIO);
        ck_assert_str_eq(err.file, missing);
        ck_assert_int_eq(err.line, 0);
        ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
        /* a directory opens but cannot be read */
        ck_assert_int_eq(exporters[e].fn(dir, small_pops, 3, out, &err), HS_EIO);
        ck_assert_str_eq(err.file, dir);
        ck_assert_ptr_nonnull(strstr(err.msg, "read error"));
        ck_assert_int_eq(count_entries(dir), 0);
    }
    free(missing);
    free(out);
}
END_TEST

START_TEST(test_export_bad_populations)
{
    const char *dir = test_dir("pops");
    char *in = join(dir, "spikes.tsv"), *out = join(dir, "out");
    write_text(in, small_tsv);
    static const hs_export_pop dup[] = {{"exc", 4, 0}, {"inh", 3, 0}, {"exc", 2, 0}};
    static const hs_export_pop slash[] = {{"exc", 4, 0}, {"a/b", 3, 0}};
    static const hs_export_pop dot[] = {{".", 4, 0}};
    static const hs_export_pop huge[] = {{"exc", UINT64_MAX / 2, 0}, {"inh", UINT64_MAX / 2 + 1, 0}};
    const struct {
        const hs_export_pop *pops;
        int n;
        const char *msg;
    } cases[] = {{dup, 3, "population 'exc' is listed twice"},
                 {slash, 2, "no usable name ('a/b')"},
                 {dot, 1, "no usable name ('.')"},
                 {huge, 2, "overflow"},
                 {small_pops, 0, "no populations"}};
    for (size_t e = 0; e < sizeof exporters / sizeof *exporters; e++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            hs_error err = {0};
            ck_assert_int_eq(exporters[e].fn(in, cases[i].pops, cases[i].n, out, &err),
                             HS_ECONFIG);
            ck_assert_msg(strstr(err.msg, cases[i].msg), "'%s' lacks '%s'", err.msg,
                          cases[i].msg);
            ck_assert_int_eq(count_entries(dir), 1);
        }
    free(in);
    free(out);
}
END_TEST

/* ---- atomicity ----------------------------------------------------------------------------- */

/* A failure after many spikes (several SONATA chunks and NEST buffers already written) removes
 * the temporary and leaves the existing output as it was. */
START_TEST(test_export_failure_keeps_existing)
{
    enum { GOOD = 100000 };
    for (size_t e = 0; e < sizeof exporters / sizeof *exporters; e++) {
        char name[32];
        snprintf(name, sizeof name, "keep-%s", exporters[e].name);
        const char *dir = test_dir(name);
        char *in = join(dir, "spikes.tsv"), *out = join(dir, "out");
        FILE *f = fopen(in, "w");
        ck_assert_ptr_nonnull(f);
        fputs(HDR, f);
        for (int i = 0; i < GOOD; i++)
            fprintf(f, "%d.000000\texc\t%d\n", i, i % 4);
        fputs("1.000000\texc\t0\n", f);   /* not sorted */
        ck_assert_int_eq(fclose(f), 0);
        write_text(out, "precious\n");
        hs_error err = {0};
        ck_assert_int_eq(exporters[e].fn(in, small_pops, 3, out, &err), HS_ECONFIG);
        ck_assert_int_eq(err.line, GOOD + 3);
        char *kept = slurp(out, NULL);
        ck_assert_str_eq(kept, "precious\n");
        ck_assert_int_eq(count_entries(dir), 2);
        free(kept);
        free(in);
        free(out);
    }
}
END_TEST

START_TEST(test_export_replaces_existing)
{
    for (size_t e = 0; e < sizeof exporters / sizeof *exporters; e++) {
        char name[32];
        snprintf(name, sizeof name, "replace-%s", exporters[e].name);
        const char *dir = test_dir(name);
        char *in = join(dir, "spikes.tsv"), *out = join(dir, "out");
        write_text(in, small_tsv);
        write_text(out, "old\n");
        hs_error err = {0};
        expect_ok(exporters[e].fn(in, small_pops, 3, out, &err), &err);
        char *got = slurp(out, NULL);
        ck_assert_str_ne(got, "old\n");
        ck_assert_int_eq(count_entries(dir), 2);
        free(got);
        free(in);
        free(out);
    }
}
END_TEST

START_TEST(test_export_unwritable_output)
{
    const char *dir = test_dir("unwritable");
    char *in = join(dir, "spikes.tsv"), *out = join(dir, "no/such/dir/out");
    write_text(in, small_tsv);
    for (size_t e = 0; e < sizeof exporters / sizeof *exporters; e++) {
        hs_error err = {0};
        ck_assert_int_eq(exporters[e].fn(in, small_pops, 3, out, &err), HS_EIO);
        ck_assert_str_eq(err.file, out);
        ck_assert_msg(strstr(err.msg, "cannot create"), "%s", err.msg);
        ck_assert_int_eq(count_entries(dir), 1);
    }
    free(in);
    free(out);
}
END_TEST

static Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tmproot_setup, tmproot_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_export_nest_exact);
    tcase_add_test(tc, test_export_sonata_roundtrip);
    tcase_add_test(tc, test_export_gdf_exact);
    tcase_add_test(tc, test_export_sonata_unrecorded);
    tcase_add_test(tc, test_export_no_spikes);
    tcase_add_test(tc, test_export_large_bounded_memory);
    tcase_add_loop_test(tc, test_export_bad_input, 0, sizeof bad_cases / sizeof *bad_cases);
    tcase_add_test(tc, test_export_unreadable_input);
    tcase_add_test(tc, test_export_bad_populations);
    tcase_add_test(tc, test_export_failure_keeps_existing);
    tcase_add_test(tc, test_export_replaces_existing);
    tcase_add_test(tc, test_export_unwritable_output);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(export_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
