/* check_data.c -- the data module: IDX and TSV loading, shuffles, whitening, PNG I/O, patches */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <png.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>

#include "data/dataset.h"
#include "data/image.h"
#include "util/rng.h"
#include "testutil.h"

/* A scratch directory for the whole test case: made before the first test, emptied and removed
 * after the last, so files left by a failing test are removed too. */
static char tmpdir[64];

static void tmpdir_setup(void) { scratch_make(tmpdir, sizeof tmpdir, "data"); }

static void tmpdir_teardown(void) { scratch_remove(tmpdir); }

/* path of name in the scratch directory (a static buffer per slot, so two can be live) */
static const char *tpath(int slot, const char *name)
{
    static char buf[4][512];
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
    return buf[slot];
}

static void write_bytes(const char *path, const void *data, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(gzwrite(f, data, (unsigned)len), (int)len);
        ck_assert_int_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
    }
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text), 0);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void truncate_file(const char *path, long len)
{
    ck_assert_int_eq(truncate(path, len), 0);
}

/* Does the scratch directory hold a temporary file left by an atomic write? */
static int temporaries_left(void)
{
    DIR *dir = opendir(tmpdir);
    ck_assert_ptr_nonnull(dir);
    struct dirent *e;
    int found = 0;
    while ((e = readdir(dir)))
        found |= strstr(e->d_name, ".tmp-") != NULL;
    closedir(dir);
    return found;
}

/* rc is want and err names path with text in its message */
#define ck_assert_error(rc, err, want, path, text)                                          \
    do {                                                                                    \
        ck_assert_int_eq((rc), (want));                                                     \
        ck_assert_int_eq((err).code, (want));                                               \
        ck_assert_str_eq((err).file, (path));                                               \
        ck_assert_msg(strstr((err).msg, (text)), "message '%s' lacks '%s'", (err).msg,      \
                      (text));                                                              \
    } while (0)

/* ---- IDX -------------------------------------------------------------------------------- */

enum { IDX_N = 5, IDX_ROWS = 3, IDX_COLS = 4, IDX_DIM = IDX_ROWS * IDX_COLS };
static const unsigned char idx_labels_ref[IDX_N] = {3, 1, 4, 1, 5};

static unsigned char idx_pixel(size_t i)
{
    return (unsigned char)((i * 37 + 11) % 256);
}

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* The reference images file with the given magic and item count in its header. */
static void write_idx_images(const char *path, int gz, uint32_t magic, uint32_t n)
{
    unsigned char b[16 + IDX_N * IDX_DIM];
    put_be32(b, magic);
    put_be32(b + 4, n);
    put_be32(b + 8, IDX_ROWS);
    put_be32(b + 12, IDX_COLS);
    for (size_t i = 0; i < IDX_N * IDX_DIM; i++)
        b[16 + i] = idx_pixel(i);
    write_bytes(path, b, sizeof b, gz);
}

static void write_idx_labels(const char *path, int gz, uint32_t magic, uint32_t n)
{
    unsigned char b[8 + IDX_N];
    put_be32(b, magic);
    put_be32(b + 4, n);
    memcpy(b + 8, idx_labels_ref, IDX_N);
    write_bytes(path, b, 8 + (n < IDX_N ? n : IDX_N), gz);
}

static void check_idx_items(const hs_dataset *d, size_t n, int labels)
{
    ck_assert_uint_eq(d->n, n);
    ck_assert_uint_eq(d->dim, IDX_DIM);
    ck_assert_uint_eq(d->rows, IDX_ROWS);
    ck_assert_uint_eq(d->cols, IDX_COLS);
    for (size_t i = 0; i < n * IDX_DIM; i++)
        ck_assert_double_eq(d->x[i], idx_pixel(i));
    if (!labels) {
        ck_assert_ptr_null(d->labels);
        return;
    }
    ck_assert_ptr_nonnull(d->labels);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(d->labels[i], idx_labels_ref[i]);
}

START_TEST(test_data_idx_roundtrip)
{
    const char *img_plain = tpath(0, "img-idx3-ubyte"), *img_gz = tpath(1, "img-idx3-ubyte.gz");
    const char *lab_plain = tpath(2, "lab-idx1-ubyte"), *lab_gz = tpath(3, "lab-idx1-ubyte.gz");
    write_idx_images(img_plain, 0, 0x803, IDX_N);
    write_idx_images(img_gz, 1, 0x803, IDX_N);
    write_idx_labels(lab_plain, 0, 0x801, IDX_N);
    write_idx_labels(lab_gz, 1, 0x801, IDX_N);
    /* the gzip file really is compressed: it starts with the gzip magic bytes */
    FILE *f = fopen(img_gz, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fgetc(f), 0x1f);
    ck_assert_int_eq(fgetc(f), 0x8b);
    fclose(f);

    hs_error err = {0};
    hs_dataset *d;
    ck_assert_int_eq(hs_data_load_idx(img_plain, lab_gz, 0, &d, &err), HS_OK);
    check_idx_items(d, IDX_N, 1);
    hs_dataset_free(d);
    ck_assert_int_eq(hs_data_load_idx(img_gz, lab_plain, 0, &d, &err), HS_OK);
    check_idx_items(d, IDX_N, 1);
    hs_dataset_free(d);
    ck_assert_int_eq(hs_data_load_idx(img_gz, NULL, 2, &d, &err), HS_OK);
    check_idx_items(d, 2, 0);
    hs_dataset_free(d);
    ck_assert_int_eq(hs_data_load_idx(img_plain, lab_plain, 3, &d, &err), HS_OK);
    check_idx_items(d, 3, 1);
    hs_dataset_free(d);
    ck_assert_int_eq(hs_data_load_idx(img_plain, lab_plain, 100, &d, &err), HS_OK);
    check_idx_items(d, IDX_N, 1);
    hs_dataset_free(d);
}
END_TEST

START_TEST(test_data_idx_truncated)
{
    hs_error err = {0};
    hs_dataset sentinel, *d = &sentinel;
    const char *p = tpath(0, "trunc-idx3-ubyte");
    write_idx_images(p, 0, 0x803, IDX_N);
    truncate_file(p, 16 + IDX_N * IDX_DIM - 7);   /* the last image loses 7 of 12 bytes */
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_EIO, p, "truncated");
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(err.msg, "image 5 of 5"));
    /* the first four images are complete, so a limit of 4 reads them */
    ck_assert_int_eq(hs_data_load_idx(p, NULL, 4, &d, &err), HS_OK);
    check_idx_items(d, 4, 0);
    hs_dataset_free(d);

    truncate_file(p, 10);
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_EIO, p, "header");

    const char *pz = tpath(1, "trunc-idx3-ubyte.gz");
    write_idx_images(pz, 1, 0x803, IDX_N);
    truncate_file(pz, file_size(pz) / 2);
    ck_assert_error(hs_data_load_idx(pz, NULL, 0, &d, &err), err, HS_EIO, pz, "truncated");

    const char *img = tpath(2, "img-idx3-ubyte"), *lab = tpath(3, "lab-idx1-ubyte");
    write_idx_images(img, 0, 0x803, IDX_N);
    write_idx_labels(lab, 0, 0x801, IDX_N);
    truncate_file(lab, 8 + IDX_N - 1);
    ck_assert_error(hs_data_load_idx(img, lab, 0, &d, &err), err, HS_EIO, lab, "truncated");
    ck_assert_ptr_null(d);
}
END_TEST

/* Audit defect 4 (issue 14): an IDX header may announce far more images than the file holds.
 * (a) More values than a data set may hold (2^28 images: 3.2e9 values): refused at once, saying
 *     to give 'limit:'.  (b) 16,000,000 images (1.9e8 values, 1.5 GB as doubles) in a file of
 *     5: the error is the truncation at image 6, with the address space capped at 1 GB (the
 *     old loader allocated for all announced images first and failed with "do not fit in
 *     memory"; not under AddressSanitizer, whose shadow memory needs the address space). */
START_TEST(test_data_idx_announces_more)
{
    hs_error err = {0};
    hs_dataset sentinel, *d = &sentinel;
    const char *p = tpath(0, "lying-idx3-ubyte.gz");
    write_idx_images(p, 1, 0x803, 1u << 28);
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_ECONFIG, p, "give 'limit:'");
    ck_assert_ptr_null(d);
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit lim = {(rlim_t)1 << 30, (rlim_t)1 << 30};
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
#endif
    write_idx_images(p, 1, 0x803, 16000000);
    d = &sentinel;
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_EIO, p, "truncated");
    ck_assert_ptr_nonnull(strstr(err.msg, "image 6 of 16000000"));
    ck_assert_ptr_null(d);
}
END_TEST

/* Fuzzing found that one huge announced image cost memory before its bytes were read: a file
 * of 21 bytes announcing 1 image of 14000x14000 (1.96e8 values, within the limit) allocated
 * 1.8 GB and, with the address space capped at 1 GB, failed with "do not fit in memory".  Now
 * the error is the truncation inside image 1. */
START_TEST(test_data_idx_one_huge_image)
{
    hs_error err = {0};
    hs_dataset sentinel, *d = &sentinel;
    const char *p = tpath(0, "huge-image-idx3-ubyte");
    unsigned char b[21] = {0};
    put_be32(b, 0x803);
    put_be32(b + 4, 1);
    put_be32(b + 8, 14000);
    put_be32(b + 12, 14000);
    write_bytes(p, b, sizeof b, 0);
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit lim = {(rlim_t)1 << 30, (rlim_t)1 << 30};
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
#endif
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_EIO, p, "truncated");
    ck_assert_ptr_nonnull(strstr(err.msg, "image 1 of 1 (14000x14000"));
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_data_idx_integrity)
{
    hs_error err = {0};
    hs_dataset *d;
    const char *p = tpath(0, "img-idx3-ubyte.gz");
    /* a damaged gzip checksum (the trailer's first byte) is caught when the file is read
     * to its end */
    write_idx_images(p, 1, 0x803, IDX_N);
    long size = file_size(p);
    FILE *f = fopen(p, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, size - 8, SEEK_SET);
    int c = fgetc(f);
    fseek(f, size - 8, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_EIO, p, "corrupt gzip");
    /* every item present but the gzip trailer cut off */
    write_idx_images(p, 1, 0x803, IDX_N);
    truncate_file(p, size - 4);
    ck_assert_error(hs_data_load_idx(p, NULL, 0, &d, &err), err, HS_EIO, p, "truncated");
    /* more data than the header announces */
    const char *q = tpath(1, "img-idx3-ubyte");
    write_idx_images(q, 0, 0x803, IDX_N - 1);
    ck_assert_error(hs_data_load_idx(q, NULL, 0, &d, &err), err, HS_ECONFIG, q,
                    "after the 4 items");
    ck_assert_int_eq(hs_data_load_idx(q, NULL, 4, &d, &err), HS_ECONFIG);
    ck_assert_int_eq(hs_data_load_idx(q, NULL, 3, &d, &err), HS_OK);
    check_idx_items(d, 3, 0);
    hs_dataset_free(d);
}
END_TEST

START_TEST(test_data_idx_bad_magic)
{
    hs_error err = {0};
    hs_dataset *d;
    const char *img = tpath(0, "img-idx3-ubyte"), *lab = tpath(1, "lab-idx1-ubyte");
    write_idx_images(img, 0, 0x801, IDX_N);
    ck_assert_error(hs_data_load_idx(img, NULL, 0, &d, &err), err, HS_ECONFIG, img,
                    "magic number 0x00000801");
    /* images and labels swapped: the labels file is checked too */
    write_idx_images(img, 1, 0x803, IDX_N);
    write_idx_labels(lab, 0, 0x803, IDX_N);
    ck_assert_error(hs_data_load_idx(img, lab, 0, &d, &err), err, HS_ECONFIG, lab, "magic");
    /* a file that is neither IDX nor gzip */
    write_text(img, "hello, world\n");
    ck_assert_error(hs_data_load_idx(img, NULL, 0, &d, &err), err, HS_ECONFIG, img, "magic");
    /* zero items */
    write_idx_images(img, 0, 0x803, 0);
    ck_assert_error(hs_data_load_idx(img, NULL, 0, &d, &err), err, HS_ECONFIG, img, "zero");
    const char *missing = tpath(2, "missing-idx3-ubyte.gz");
    ck_assert_error(hs_data_load_idx(missing, NULL, 0, &d, &err), err, HS_EIO, missing,
                    "cannot open");
}
END_TEST

START_TEST(test_data_idx_label_mismatch)
{
    hs_error err = {0};
    hs_dataset sentinel, *d = &sentinel;
    const char *img = tpath(0, "img-idx3-ubyte.gz"), *lab = tpath(1, "lab-idx1-ubyte.gz");
    write_idx_images(img, 1, 0x803, IDX_N);
    write_idx_labels(lab, 1, 0x801, IDX_N - 1);
    ck_assert_error(hs_data_load_idx(img, lab, 0, &d, &err), err, HS_ECONFIG, lab,
                    "holds 4 labels");
    ck_assert_ptr_nonnull(strstr(err.msg, "holds 5 images"));
    ck_assert_ptr_null(d);
    /* the counts of the files must agree even when a limit reads fewer items */
    ck_assert_int_eq(hs_data_load_idx(img, lab, 2, &d, &err), HS_ECONFIG);
}
END_TEST

/* ---- TSV -------------------------------------------------------------------------------- */

START_TEST(test_data_tsv_header_comments)
{
    const char *p = tpath(0, "vectors.tsv");
    write_text(p, "# vectors\n"
                  "\n"
                  "x\ty\tz\n"
                  "  # an indented comment\n"
                  "1 2 3\n"
                  "\t \n"
                  "4\t5   6e0\r\n"
                  "  -7.5 0x10 1e-3  \n");
    hs_error err = {0};
    hs_dataset *d;
    ck_assert_int_eq(hs_data_load_tsv(p, 0, &d, &err), HS_OK);
    const double want[] = {1, 2, 3, 4, 5, 6, -7.5, 16, 1e-3};
    ck_assert_uint_eq(d->n, 3);
    ck_assert_uint_eq(d->dim, 3);
    ck_assert_ptr_null(d->labels);
    ck_assert_uint_eq(d->rows, 0);
    ck_assert_uint_eq(d->cols, 0);
    for (int i = 0; i < 9; i++)
        ck_assert_double_eq(d->x[i], want[i]);
    hs_dataset_free(d);

    /* without a header the first line is data; limit stops before a bad line */
    write_text(p, "1 2\n3 4\nbad line\n");
    ck_assert_int_eq(hs_data_load_tsv(p, 2, &d, &err), HS_OK);
    ck_assert_uint_eq(d->n, 2);
    ck_assert_double_eq(d->x[3], 4);
    hs_dataset_free(d);
}
END_TEST

START_TEST(test_data_tsv_bad_token)
{
    const char *p = tpath(0, "bad.tsv");
    hs_error err = {0};
    hs_dataset sentinel, *d = &sentinel;
    write_text(p, "# comment\n"
                  "a b c\n"
                  "1 2 3\n"
                  "\n"
                  "4  5 six\n");
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "'six'");
    ck_assert_int_eq(err.line, 5);
    ck_assert_int_eq(err.col, 6);
    ck_assert_ptr_null(d);

    write_text(p, "1\t2\tnan\n");   /* a number, but not finite */
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "finite");
    ck_assert_int_eq(err.line, 1);
    ck_assert_int_eq(err.col, 5);

    write_text(p, "1 2\n3 1e999\n");   /* overflows to infinity */
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "'1e999'");
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 3);

    write_text(p, "a b\n1 2\nc d\n");   /* only the first line may be a header */
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "'c'");
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 1);

    write_text(p, "# nothing\nx y\n\n");
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "no data");
    const char *missing = tpath(1, "missing.tsv");
    ck_assert_error(hs_data_load_tsv(missing, 0, &d, &err), err, HS_EIO, missing,
                    "cannot open");
}
END_TEST

START_TEST(test_data_tsv_ragged)
{
    const char *p = tpath(0, "ragged.tsv");
    hs_error err = {0};
    hs_dataset sentinel, *d = &sentinel;
    write_text(p, "# short row\n1 2 3\n4 5\n");
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "too few");
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 4);   /* just after "4 5" */
    ck_assert_ptr_nonnull(strstr(err.msg, "line 2"));
    ck_assert_ptr_null(d);

    write_text(p, "1 2\n3 4\n5\t6\t7\n");
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "too many");
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 5);
}
END_TEST

/* A file of "0.5\n" and a second line of n bytes (newline included): blanks, then "1\n". */
static void write_long_line(const char *path, size_t n)
{
    char *buf = malloc(n + 4);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, "0.5\n", 4);
    memset(buf + 4, ' ', n - 2);
    memcpy(buf + 4 + n - 2, "1\n", 2);
    write_bytes(path, buf, n + 4, 0);
    free(buf);
}

/* Audit defect 4: a line's length had no limit (getline holds it whole). */
START_TEST(test_data_tsv_line_limit)
{
    const char *p = tpath(0, "long.tsv");
    hs_error err = {0};
    hs_dataset *d;
    write_long_line(p, HS_DATA_MAX_LINE);
    ck_assert_int_eq(hs_data_load_tsv(p, 0, &d, &err), HS_OK);
    ck_assert_uint_eq(d->n, 2);
    ck_assert_double_eq(d->x[1], 1);
    hs_dataset_free(d);
    write_long_line(p, HS_DATA_MAX_LINE + 1);
    ck_assert_error(hs_data_load_tsv(p, 0, &d, &err), err, HS_ECONFIG, p, "longer than");
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_null(d);
}
END_TEST

/* ---- shuffling -------------------------------------------------------------------------- */

START_TEST(test_data_shuffle_permutation)
{
    enum { N = 1000 };
    size_t a[N], b[N], c[N], s[N];
    ck_assert_int_eq(hs_data_shuffle_order(42, 0, N, a), HS_OK);
    ck_assert_int_eq(hs_data_shuffle_order(42, 0, N, b), HS_OK);
    ck_assert_int_eq(hs_data_shuffle_order(42, 1, N, c), HS_OK);
    ck_assert_int_eq(hs_data_shuffle_order(43, 0, N, s), HS_OK);
    char seen[N] = {0};
    size_t fixed = 0;
    for (size_t i = 0; i < N; i++) {
        ck_assert_uint_lt(a[i], N);
        ck_assert_int_eq(seen[a[i]], 0);
        seen[a[i]] = 1;
        fixed += a[i] == i;
    }
    /* a uniform permutation has Poisson(1) fixed points: P(more than 10) < 1e-7 */
    ck_assert_uint_le(fixed, 10);
    ck_assert_mem_eq(a, b, sizeof a);
    /* two independent uniform permutations of 1000 agree with probability 1/1000! */
    ck_assert(memcmp(a, c, sizeof a) != 0);
    ck_assert(memcmp(a, s, sizeof a) != 0);

    size_t one = 7;
    ck_assert_int_eq(hs_data_shuffle_order(42, 0, 1, &one), HS_OK);
    ck_assert_uint_eq(one, 0);
    ck_assert_int_eq(hs_data_shuffle_order(42, 0, 0, NULL), HS_OK);
}
END_TEST

/* ---- whitening and scaling -------------------------------------------------------------- */

/* 2000 draws of A z + mu, z standard normal in 3-d: strongly correlated components. */
static hs_dataset *correlated_gaussian(void)
{
    static const double A[3][3] = {{2, 0, 0}, {1.5, 1, 0}, {-0.5, 0.8, 0.3}};
    static const double mu[3] = {1, -2, 3};
    hs_dataset *d;
    hs_error err = {0};
    ck_assert_int_eq(hs_dataset_alloc(2000, 3, 0, &d, &err), HS_OK);
    gsl_rng *r = hs_rng_stream(2024, "test", "whiten");
    for (size_t i = 0; i < d->n; i++) {
        double z[3] = {gsl_ran_gaussian(r, 1), gsl_ran_gaussian(r, 1), gsl_ran_gaussian(r, 1)};
        for (int j = 0; j < 3; j++)
            d->x[i * 3 + j] = mu[j] + A[j][0] * z[0] + A[j][1] * z[1] + A[j][2] * z[2];
    }
    gsl_rng_free(r);
    return d;
}

/* (1/n) sum_i (a_i - mean a)(b_i - mean b)^T for two n x 3 datasets. */
static void cross_cov(const hs_dataset *a, const hs_dataset *b, double c[3][3])
{
    double ma[3] = {0}, mb[3] = {0};
    for (size_t i = 0; i < a->n; i++)
        for (int j = 0; j < 3; j++) {
            ma[j] += a->x[i * 3 + j] / (double)a->n;
            mb[j] += b->x[i * 3 + j] / (double)a->n;
        }
    memset(c, 0, 9 * sizeof(double));
    for (size_t i = 0; i < a->n; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                c[j][k] += (a->x[i * 3 + j] - ma[j]) * (b->x[i * 3 + k] - mb[k]) / (double)a->n;
}

START_TEST(test_data_whiten_identity)
{
    hs_dataset *x = correlated_gaussian(), *y = correlated_gaussian();
    hs_error err = {0};
    ck_assert_int_eq(hs_data_whiten(y, 0, &err), HS_OK);
    /* The sample mean and covariance of the result are exact up to rounding (about 1e-15
     * relative), so 1e-9 leaves room for accumulation over 2000 items and nothing else. */
    double mean[3] = {0};
    for (size_t i = 0; i < y->n; i++)
        for (int j = 0; j < 3; j++)
            mean[j] += y->x[i * 3 + j] / (double)y->n;
    double c[3][3], m[3][3];
    cross_cov(y, y, c);
    for (int j = 0; j < 3; j++) {
        ck_assert_double_eq_tol(mean[j], 0, 1e-9);
        for (int k = 0; k < 3; k++)
            ck_assert_double_eq_tol(c[j][k], j == k, 1e-9);
    }
    /* ZCA, not PCA: y = C^{-1/2} (x - mean) gives cov(y, x) = C^{1/2}, symmetric with a
     * positive diagonal; PCA whitening, y = L^{-1/2} E^T (x - mean) with C = E L E^T, gives
     * L^{1/2} E^T, which is not symmetric when the components are correlated. */
    cross_cov(y, x, m);
    for (int j = 0; j < 3; j++) {
        ck_assert_double_gt(m[j][j], 0.1);
        for (int k = 0; k < j; k++)
            ck_assert_double_eq_tol(m[j][k], m[k][j], 1e-9);
    }
    hs_dataset_free(x);
    hs_dataset_free(y);
}
END_TEST

START_TEST(test_data_whiten_regularised)
{
    /* With eps_rel the eigenvalues of the output covariance are l / (l + eps_rel * l_max):
     * the largest is exactly 1 / (1 + eps_rel). */
    hs_dataset *y = correlated_gaussian();
    hs_error err = {0};
    ck_assert_int_eq(hs_data_whiten(y, 0.1, &err), HS_OK);
    double c[3][3];
    cross_cov(y, y, c);
    gsl_matrix_view cv = gsl_matrix_view_array(&c[0][0], 3, 3);
    gsl_vector *ev = gsl_vector_alloc(3);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(3);
    ck_assert_int_eq(gsl_eigen_symm(&cv.matrix, ev, ws), 0);
    ck_assert_double_eq_tol(gsl_vector_max(ev), 1 / 1.1, 1e-9);
    ck_assert_double_lt(gsl_vector_min(ev), 1 / 1.1 - 0.01);
    gsl_eigen_symm_free(ws);
    gsl_vector_free(ev);
    hs_dataset_free(y);
}
END_TEST

START_TEST(test_data_whiten_errors)
{
    hs_error err = {0};
    hs_dataset *d;
    ck_assert_int_eq(hs_dataset_alloc(50, 3, 0, &d, &err), HS_OK);
    /* third column = first + second: singular covariance */
    for (size_t i = 0; i < d->n; i++) {
        d->x[i * 3] = sin((double)i);
        d->x[i * 3 + 1] = cos(3.0 * (double)i);
        d->x[i * 3 + 2] = d->x[i * 3] + d->x[i * 3 + 1];
    }
    double before[150];
    memcpy(before, d->x, sizeof before);
    ck_assert_int_eq(hs_data_whiten(d, 0, &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "singular"));
    ck_assert_mem_eq(d->x, before, sizeof before);   /* untouched on failure */
    ck_assert_int_eq(hs_data_whiten(d, -1, &err), HS_ECONFIG);
    ck_assert_int_eq(hs_data_whiten(d, NAN, &err), HS_ECONFIG);
    ck_assert_int_eq(hs_data_whiten(d, 1e-6, &err), HS_OK);
    for (size_t i = 0; i < 150; i++)
        ck_assert(isfinite(d->x[i]));
    /* constant data, and a single item */
    for (size_t i = 0; i < 150; i++)
        d->x[i] = 2.5;
    ck_assert_int_eq(hs_data_whiten(d, 0.1, &err), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "constant"));
    d->n = 1;
    ck_assert_int_eq(hs_data_whiten(d, 0.1, &err), HS_ECONFIG);
    hs_dataset_free(d);
    ck_assert_int_eq(hs_dataset_alloc(0, 3, 0, &d, &err), HS_ECONFIG);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_data_scale)
{
    hs_error err = {0};
    hs_dataset *d;
    ck_assert_int_eq(hs_dataset_alloc(2, 2, 1, &d, &err), HS_OK);
    ck_assert_ptr_nonnull(d->labels);
    const double v[4] = {0, 255, 51, -1};
    memcpy(d->x, v, sizeof v);
    hs_data_scale(d, 1 / 255.0, -0.5);
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(d->x[i], v[i] * (1 / 255.0) - 0.5);
    hs_dataset_free(d);
    hs_dataset_free(NULL);
}
END_TEST

/* ---- PNG -------------------------------------------------------------------------------- */

static double *read_png_ok(const char *path, uint32_t *w, uint32_t *h)
{
    hs_error err = {0};
    double *pix;
    ck_assert_msg(hs_png_read_gray(path, &pix, w, h, &err) == HS_OK, "%s", err.msg);
    return pix;
}

START_TEST(test_data_png_roundtrip)
{
    enum { W = 37, H = 11 };
    double pix[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            pix[y * W + x] = (x * 7 + y * 23) % 256;   /* integers 0..255 */
    const char *p = tpath(0, "gradient.png");
    hs_error err = {0};
    ck_assert_int_eq(hs_png_write_gray(p, pix, W, H, 0, 255, &err), HS_OK);
    ck_assert(!temporaries_left());
    uint32_t w, h;
    double *back = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w, W);
    ck_assert_uint_eq(h, H);
    for (int i = 0; i < W * H; i++)
        ck_assert_double_eq(back[i], pix[i]);
    free(back);

    /* linear map with rounding and clipping; overwriting replaces the old file */
    const double v[6] = {-5, 10, 15, 20, 30, NAN}, want[6] = {0, 0, 128, 255, 255, 0};
    ck_assert_int_eq(hs_png_write_gray(p, v, 3, 2, 10, 20, &err), HS_OK);
    back = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w * h, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq(back[i], want[i]);
    free(back);
}
END_TEST

START_TEST(test_data_png_errors)
{
    hs_error err = {0};
    double pix[4] = {0, 1, 2, 3}, *out = pix;
    uint32_t w, h;
    const char *p = tpath(0, "x.png");
    ck_assert_error(hs_png_write_gray(p, pix, 2, 2, 1, 1, &err), err, HS_ECONFIG, p, "lo < hi");
    ck_assert_int_eq(hs_png_write_gray(p, pix, 0, 2, 0, 1, &err), HS_ECONFIG);
    char nodir[600];
    snprintf(nodir, sizeof nodir, "%s/no/such/dir/x.png", tmpdir);
    ck_assert_error(hs_png_write_gray(nodir, pix, 2, 2, 0, 3, &err), err, HS_EIO, nodir,
                    "cannot create");
    /* rename onto a directory fails after the data were written: the temporary goes */
    ck_assert_int_eq(mkdir(tpath(1, "adir"), 0777), 0);
    ck_assert_error(hs_png_write_gray(tpath(1, "adir"), pix, 2, 2, 0, 3, &err), err, HS_EIO,
                    tpath(1, "adir"), "rename");
    ck_assert(!temporaries_left());
    rmdir(tpath(1, "adir"));

    write_text(p, "not a png at all\n");
    ck_assert_error(hs_png_read_gray(p, &out, &w, &h, &err), err, HS_ECONFIG, p, "not a PNG");
    ck_assert_ptr_null(out);
    ck_assert_int_eq(hs_png_write_gray(p, pix, 2, 2, 0, 3, &err), HS_OK);
    truncate_file(p, file_size(p) - 20);
    ck_assert_error(hs_png_read_gray(p, &out, &w, &h, &err), err, HS_EIO, p, "cannot read");
    ck_assert_ptr_null(out);
    const char *missing = tpath(2, "missing.png");
    ck_assert_error(hs_png_read_gray(missing, &out, &w, &h, &err), err, HS_EIO, missing,
                    "cannot open");
}
END_TEST

/* Audit defect 4: the header's size was trusted (a 389 KB PNG of 20000x20000 took 3.4 GB).
 * A valid 8x8 PNG is given another size in its IHDR chunk (and the chunk's CRC redone). */
START_TEST(test_data_png_pixel_limit)
{
    hs_error err = {0};
    double pix[64] = {0}, *out;
    uint32_t w, h;
    const char *p = tpath(0, "huge.png");
    const uint32_t sizes[][2] = {{20000, 20000}, {8193, 8192}, {65536, 1025}};
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(hs_png_write_gray(p, pix, 8, 8, 0, 1, &err), HS_OK);
        unsigned char b[33];
        FILE *f = fopen(p, "r+b");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fread(b, 1, sizeof b, f), sizeof b);
        ck_assert_int_eq(memcmp(b + 12, "IHDR", 4), 0);
        put_be32(b + 16, sizes[k][0]);
        put_be32(b + 20, sizes[k][1]);
        put_be32(b + 29, (uint32_t)crc32(0, b + 12, 17));
        ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
        ck_assert_uint_eq(fwrite(b, 1, sizeof b, f), sizeof b);
        ck_assert_int_eq(fclose(f), 0);
        char want[64];
        snprintf(want, sizeof want, "image of %ux%u pixels is too large", sizes[k][0],
                 sizes[k][1]);
        ck_assert_error(hs_png_read_gray(p, &out, &w, &h, &err), err, HS_ECONFIG, p, want);
        ck_assert_ptr_null(out);
    }
}
END_TEST

/* Write a PNG with libpng's simplified API in the given format. */
static void write_png_format(const char *path, uint32_t format, uint32_t w, uint32_t h,
                             const void *buf, const void *colormap, uint32_t ncolors)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = w;
    im.height = h;
    im.format = format;
    im.colormap_entries = ncolors;
    ck_assert_msg(png_image_write_to_file(&im, path, 0, buf, 0, colormap), "%s", im.message);
}

START_TEST(test_data_png_read_converts)
{
    uint32_t w, h;
    const char *p = tpath(0, "colour.png");
    /* RGB: round(0.299 R + 0.587 G + 0.114 B) */
    const png_byte rgb[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    write_png_format(p, PNG_FORMAT_RGB, 4, 1, rgb, NULL, 0);
    double *g = read_png_ok(p, &w, &h);
    const double want_rgb[] = {76, 150, 29, 18};
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(g[i], want_rgb[i]);
    free(g);
    /* alpha is ignored */
    const png_byte rgba[] = {100, 100, 100, 0, 0, 0, 200, 255};
    write_png_format(p, PNG_FORMAT_RGBA, 2, 1, rgba, NULL, 0);
    g = read_png_ok(p, &w, &h);
    ck_assert_double_eq(g[0], 100);
    ck_assert_double_eq(g[1], 23);   /* 0.114 * 200 = 22.8 */
    free(g);
    /* 16-bit gray is scaled to 8 bits: v16 = 257 * v8 maps back to v8 */
    const uint16_t gray16[] = {0, 257 * 77, 65535};
    write_png_format(p, PNG_FORMAT_LINEAR_Y, 3, 1, gray16, NULL, 0);
    g = read_png_ok(p, &w, &h);
    ck_assert_double_eq(g[0], 0);
    ck_assert_double_eq(g[1], 77);
    ck_assert_double_eq(g[2], 255);
    free(g);
    /* palette */
    const png_byte map[] = {0, 0, 0, 255, 255, 255, 0, 255, 0};
    const png_byte idx[] = {2, 0, 1, 2};
    write_png_format(p, PNG_FORMAT_RGB_COLORMAP, 2, 2, idx, map, 3);
    g = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w, 2);
    ck_assert_uint_eq(h, 2);
    const double want_pal[] = {150, 0, 255, 150};
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(g[i], want_pal[i]);
    free(g);
}
END_TEST

START_TEST(test_data_png_grid)
{
    enum { N = 5, R = 3, C = 4, D = R * C };
    double items[N * D];
    for (int i = 0; i < N * D; i++)
        items[i] = i;   /* item k holds 12k .. 12k + 11 */
    const char *p = tpath(0, "grid.png");
    hs_error err = {0};
    uint32_t w, h;
    /* 3 columns, 2 rows of tiles, 1 pixel of padding */
    ck_assert_int_eq(hs_png_write_grid(p, items, N, R, C, 3, 1, 1, &err), HS_OK);
    ck_assert(!temporaries_left());
    double *g = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w, 3 * C + 2);
    ck_assert_uint_eq(h, 2 * R + 1);
    for (int k = 0; k < N; k++) {   /* per item: each tile spans 0..255 */
        int top = (k / 3) * (R + 1), left = (k % 3) * (C + 1);
        ck_assert_double_eq(g[top * w + left], 0);
        ck_assert_double_eq(g[(top + R - 1) * w + left + C - 1], 255);
    }
    ck_assert_double_eq(g[C], 128);               /* padding column */
    ck_assert_double_eq(g[R * w], 128);           /* padding row */
    ck_assert_double_eq(g[(h - 1) * w + w - 1], 128);   /* the empty sixth cell */
    free(g);

    /* global scale: 0..59 onto 0..255; item 2 starts at 24 -> 103.7 -> 104 */
    ck_assert_int_eq(hs_png_write_grid(p, items, N, R, C, 3, 1, 0, &err), HS_OK);
    g = read_png_ok(p, &w, &h);
    ck_assert_double_eq(g[0], 0);
    ck_assert_double_eq(g[2 * (C + 1)], 104);
    ck_assert_double_eq(g[(R + 1 + R - 1) * w + (C + 1) + C - 1], 255);
    free(g);

    /* automatic columns (ceil(sqrt(n))), no padding; a constant tile is mid-gray */
    double flat[4 * D];
    for (int i = 0; i < 4 * D; i++)
        flat[i] = 7;
    ck_assert_int_eq(hs_png_write_grid(p, flat, 4, R, C, 0, 0, 1, &err), HS_OK);
    g = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w, 2 * C);
    ck_assert_uint_eq(h, 2 * R);
    ck_assert_double_eq(g[0], 128);
    free(g);
    ck_assert_int_eq(hs_png_write_grid(p, items, N, R, C, 0, 2, 1, &err), HS_OK);
    g = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w, 3 * C + 2 * 2);
    ck_assert_uint_eq(h, 2 * R + 2);
    free(g);
    ck_assert_int_eq(hs_png_write_grid(p, items, N, 1, 1, 1, 0, 0, &err), HS_OK);
    g = read_png_ok(p, &w, &h);
    ck_assert_uint_eq(w, 1);
    ck_assert_uint_eq(h, N);
    free(g);
    ck_assert_int_eq(hs_png_write_grid(p, items, 0, R, C, 3, 1, 1, &err), HS_ECONFIG);
}
END_TEST

/* ---- patches ---------------------------------------------------------------------------- */

static double pattern(int img, size_t x, size_t y)
{
    return img == 0 ? (double)((3 * x + 5 * y) % 256) : (double)((7 * x + 11 * y + 1) % 256);
}

static void write_pattern(const char *path, int img, uint32_t w, uint32_t h)
{
    double *pix = malloc((size_t)w * h * sizeof *pix);
    ck_assert_ptr_nonnull(pix);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            pix[y * w + x] = pattern(img, x, y);
    hs_error err = {0};
    ck_assert_int_eq(hs_png_write_gray(path, pix, w, h, 0, 255, &err), HS_OK);
    free(pix);
}

/* The image whose region at some offset equals patch p (size s), or -1. */
static int patch_source(const double *p, uint32_t s, const uint32_t *w, const uint32_t *h)
{
    for (int img = 0; img < 2; img++)
        for (uint32_t y0 = 0; y0 + s <= h[img]; y0++)
            for (uint32_t x0 = 0; x0 + s <= w[img]; x0++) {
                int ok = 1;
                for (uint32_t k = 0; k < s * s && ok; k++)
                    ok = p[k] == pattern(img, x0 + k % s, y0 + k / s);
                if (ok)
                    return img;
            }
    return -1;
}

START_TEST(test_data_patches)
{
    const uint32_t w[2] = {40, 25}, h[2] = {30, 20};
    const char *paths[2] = {tpath(0, "a.png"), tpath(1, "b.png")};
    write_pattern(paths[0], 0, w[0], h[0]);
    write_pattern(paths[1], 1, w[1], h[1]);
    enum { S = 5, COUNT = 400 };
    hs_error err = {0};
    hs_dataset *d, *again;
    ck_assert_int_eq(hs_data_patches(paths, 2, S, COUNT, 11, &d, &err), HS_OK);
    ck_assert_uint_eq(d->n, COUNT);
    ck_assert_uint_eq(d->dim, S * S);
    ck_assert_uint_eq(d->rows, S);
    ck_assert_uint_eq(d->cols, S);
    ck_assert_ptr_null(d->labels);
    int from[2] = {0, 0};
    for (size_t k = 0; k < COUNT; k++) {
        int src = patch_source(d->x + k * S * S, S, w, h);
        ck_assert_msg(src >= 0, "patch %zu is not a region of either image", k);
        from[src]++;
    }
    /* images are picked with probability 1/2: 200 +- 10 (one s.d.); 5 s.d. allowed */
    ck_assert_int_lt(abs(from[0] - COUNT / 2), 50);

    ck_assert_int_eq(hs_data_patches(paths, 2, S, COUNT, 11, &again, &err), HS_OK);
    ck_assert_mem_eq(d->x, again->x, COUNT * S * S * sizeof *d->x);
    hs_dataset_free(again);
    ck_assert_int_eq(hs_data_patches(paths, 2, S, COUNT, 12, &again, &err), HS_OK);
    ck_assert(memcmp(d->x, again->x, COUNT * S * S * sizeof *d->x) != 0);
    hs_dataset_free(again);
    hs_dataset_free(d);

    /* a patch as large as the image has one position */
    const char *whole[1] = {tpath(2, "c.png")};
    write_pattern(whole[0], 1, 6, 6);
    ck_assert_int_eq(hs_data_patches(whole, 1, 6, 3, 1, &d, &err), HS_OK);
    for (size_t k = 0; k < 3 * 36; k++)
        ck_assert_double_eq(d->x[k], pattern(1, k % 6, (k % 36) / 6));
    hs_dataset_free(d);

    ck_assert_error(hs_data_patches(paths, 2, 21, 3, 1, &d, &err), err, HS_ECONFIG, paths[1],
                    "smaller than a 21x21 patch");
    ck_assert_ptr_null(d);
    ck_assert_int_eq(hs_data_patches(paths, 2, S, 0, 1, &d, &err), HS_ECONFIG);
    const char *bad[1] = {tpath(3, "missing.png")};
    ck_assert_error(hs_data_patches(bad, 1, S, 3, 1, &d, &err), err, HS_EIO, bad[0],
                    "cannot open");
}
END_TEST

static Suite *data_suite(void)
{
    Suite *s = suite_create("data");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_add_test(tc, test_data_idx_roundtrip);
    tcase_add_test(tc, test_data_idx_truncated);
    tcase_add_test(tc, test_data_idx_announces_more);
    tcase_add_test(tc, test_data_idx_one_huge_image);
    tcase_add_test(tc, test_data_idx_integrity);
    tcase_add_test(tc, test_data_idx_bad_magic);
    tcase_add_test(tc, test_data_idx_label_mismatch);
    tcase_add_test(tc, test_data_tsv_header_comments);
    tcase_add_test(tc, test_data_tsv_bad_token);
    tcase_add_test(tc, test_data_tsv_ragged);
    tcase_add_test(tc, test_data_tsv_line_limit);
    tcase_add_test(tc, test_data_shuffle_permutation);
    tcase_add_test(tc, test_data_whiten_identity);
    tcase_add_test(tc, test_data_whiten_regularised);
    tcase_add_test(tc, test_data_whiten_errors);
    tcase_add_test(tc, test_data_scale);
    tcase_add_test(tc, test_data_png_roundtrip);
    tcase_add_test(tc, test_data_png_errors);
    tcase_add_test(tc, test_data_png_pixel_limit);
    tcase_add_test(tc, test_data_png_read_converts);
    tcase_add_test(tc, test_data_png_grid);
    tcase_add_test(tc, test_data_patches);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(data_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
