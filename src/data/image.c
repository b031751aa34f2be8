/* image.c -- gray PNG reading and atomic writing through libpng, tiled grids, random patches
 *
 * libpng reports errors by calling on_error, which must not return: it keeps the message and
 * longjmps back to the setjmp of the function driving libpng.  Buffers are allocated before
 * the setjmp that guards their use and are not reassigned after it, so they are still valid
 * when the jump lands (C11 7.13.2.1).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <png.h>

#include "data/image.h"
#include "util/atomic.h"
#include "util/error.h"
#include "util/rng.h"
#include "util/infile.h"

#define MID_GRAY 128
#define PNG_MAX_SIDE 0x7fffffffu   /* the PNG format's limit on width and height */

typedef struct png_ctx {
    jmp_buf jmp;
    char msg[256];
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    longjmp(c->jmp, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;   /* the library prints nothing; warnings are not errors */
    (void)msg;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* Decode the image data (transforms set, header read) into doubles. */
static int decode_rows(png_structp png, png_ctx *ctx, const char *path, uint32_t w, uint32_t h,
                       size_t rowbytes, int channels, double **pix, hs_error *err)
{
    if ((size_t)w > SIZE_MAX / sizeof(double) / h || rowbytes > SIZE_MAX / h)
        return hs_error_set(err, HS_ENOMEM, path, 0, 0, "image of %ux%u is too large", w, h);
    png_bytep img = malloc(rowbytes * h);
    png_bytepp rows = malloc(h * sizeof *rows);
    double *out = malloc((size_t)w * h * sizeof *out);
    if (!img || !rows || !out) {
        free(img);
        free(rows);
        free(out);
        return hs_error_set(err, HS_ENOMEM, path, 0, 0, "out of memory for a %ux%u image", w,
                            h);
    }
    for (uint32_t y = 0; y < h; y++)
        rows[y] = img + (size_t)y * rowbytes;
    if (setjmp(ctx->jmp)) {
        free(img);
        free(rows);
        free(out);
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot read PNG: %s", ctx->msg);
    }
    png_read_image(png, rows);
    png_read_end(png, NULL);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            const png_byte *p = rows[y] + (size_t)x * channels;
            /* integer luminance, rounded half up; the weights sum to 1000 */
            out[(size_t)y * w + x] =
                channels == 1 ? p[0] : (299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u;
        }
    free(img);
    free(rows);
    *pix = out;
    return HS_OK;
}

/* Read the header, ask libpng for 8-bit gray or RGB without alpha, and decode. */
static int read_png(png_structp png, png_infop info, png_ctx *ctx, const char *path,
                    double **pix, uint32_t *w, uint32_t *h, hs_error *err)
{
    if (setjmp(ctx->jmp))
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot read PNG: %s", ctx->msg);
    png_read_info(png, info);
    *w = png_get_image_width(png, info);
    *h = png_get_image_height(png, info);
    if ((uint64_t)*w * *h > HS_PNG_MAX_PIXELS)
        return hs_error_set(err, HS_ECONFIG, path, 0, 0,
                            "image of %ux%u pixels is too large: at most %llu pixels "
                            "(8192x8192) are read", *w, *h, (unsigned long long)HS_PNG_MAX_PIXELS);
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_scale_16(png);
    if (type & PNG_COLOR_MASK_ALPHA)
        png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3))
        return hs_error_set(err, HS_ECONFIG, path, 0, 0,
                            "unsupported PNG layout (%d channels of %d bits after conversion)",
                            channels, png_get_bit_depth(png, info));
    return decode_rows(png, ctx, path, *w, *h, png_get_rowbytes(png, info), channels, pix, err);
}

int hs_png_read_gray(const char *path, double **pix, uint32_t *w, uint32_t *h, hs_error *err)
{
    *pix = NULL;
    int nr;
    FILE *f = hs_fopen_regular(path, "rb", &nr);
    if (!f)
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", hs_fopen_why(nr));
    unsigned char sig[8];
    if (fread(sig, 1, sizeof sig, f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        int rc = ferror(f) ? hs_error_set(err, HS_EIO, path, 0, 0, "read error")
                           : hs_error_set(err, HS_ECONFIG, path, 0, 0, "not a PNG file");
        fclose(f);
        return rc;
    }
    png_ctx ctx;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc;
    if (!info)
        rc = hs_nomem(err, path);
    else {
        png_init_io(png, f);
        png_set_sig_bytes(png, sizeof sig);
        rc = read_png(png, info, &ctx, path, pix, w, h, err);
    }
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    fclose(f);
    return rc;
}

/* ---- writing ---------------------------------------------------------------------------- */

/* v mapped from [lo, hi] onto 0..255, rounded to nearest, clipped; NaN gives 0 and an empty
 * range (lo == hi, or no finite values) gives mid-gray. */
static png_byte to_byte(double v, double lo, double hi)
{
    if (!(hi > lo))
        return MID_GRAY;
    double t = (v - lo) * 255.0 / (hi - lo);   /* exact for integer data with lo=0, hi=255 */
    if (!(t > 0))
        return 0;
    if (t >= 255)
        return 255;
    return (png_byte)(t + 0.5);
}

/* The smallest and largest finite values of v[0..n-1] (0 and 0 when there are none). */
static void finite_range(const double *v, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            *lo = v[i] < *lo ? v[i] : *lo;
            *hi = v[i] > *hi ? v[i] : *hi;
        }
    if (*lo > *hi)
        *lo = *hi = 0;
}

/* Encode gray (w x h bytes) into the open stream f. */
static int encode(FILE *f, png_bytep gray, uint32_t w, uint32_t h, const char *path,
                  hs_error *err)
{
    png_bytepp rows = malloc(h * sizeof *rows);
    if (!rows)
        return hs_nomem(err, path);
    for (uint32_t y = 0; y < h; y++)
        rows[y] = gray + (size_t)y * w;
    png_ctx ctx;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = HS_OK;
    if (!info)
        rc = hs_nomem(err, path);
    else if (setjmp(ctx.jmp))
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot write PNG: %s", ctx.msg);
    else {
        png_init_io(png, f);
        png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        png_write_image(png, rows);
        png_write_end(png, NULL);
    }
    png_destroy_write_struct(&png, info ? &info : NULL);
    free(rows);
    return rc;
}

/* Write gray as a PNG at ".NAME.tmp-PID" next to path, then rename it to path. */
static int write_atomic(const char *path, png_bytep gray, uint32_t w, uint32_t h,
                        hs_error *err)
{
    char *tmp;
    int rc = hs_atomic_tmp(path, &tmp, err);
    if (rc)
        return rc;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot create '%s': %s", tmp,
                          strerror(errno));
    else {
        rc = encode(f, gray, w, h, path, err);
        int bad = ferror(f);
        if ((fclose(f) != 0 || bad) && rc == HS_OK)
            rc = hs_error_set(err, HS_EIO, path, 0, 0, "write error: %s", strerror(errno));
        if (rc == HS_OK)
            rc = hs_atomic_commit(tmp, path, 0, err);
        else
            unlink(tmp);
    }
    free(tmp);
    return rc;
}

static int check_size(const char *path, uint64_t w, uint64_t h, hs_error *err)
{
    if (w == 0 || h == 0 || w > PNG_MAX_SIDE || h > PNG_MAX_SIDE)
        return hs_error_set(err, HS_ECONFIG, path, 0, 0,
                            "cannot write a PNG of %llux%llu pixels (each side 1..%u)",
                            (unsigned long long)w, (unsigned long long)h, PNG_MAX_SIDE);
    if (w > SIZE_MAX / h || h > SIZE_MAX / sizeof(png_bytep))
        return hs_error_set(err, HS_ENOMEM, path, 0, 0, "image of %llux%llu is too large",
                            (unsigned long long)w, (unsigned long long)h);
    return HS_OK;
}

int hs_png_write_gray(const char *path, const double *pix, uint32_t w, uint32_t h, double lo,
                      double hi, hs_error *err)
{
    int rc = check_size(path, w, h, err);
    if (rc)
        return rc;
    if (!(lo < hi))
        return hs_error_set(err, HS_ECONFIG, path, 0, 0, "need lo < hi, got [%g, %g]", lo, hi);
    size_t n = (size_t)w * h;
    png_bytep gray = malloc(n);
    if (!gray)
        return hs_nomem(err, path);
    for (size_t i = 0; i < n; i++)
        gray[i] = to_byte(pix[i], lo, hi);
    rc = write_atomic(path, gray, w, h, err);
    free(gray);
    return rc;
}

int hs_png_write_grid(const char *path, const double *items, size_t n, uint32_t rows,
                      uint32_t cols, uint32_t grid_cols, uint32_t pad, int per_item_scale,
                      hs_error *err)
{
    if (n == 0 || rows == 0 || cols == 0)
        return hs_error_set(err, HS_ECONFIG, path, 0, 0,
                            "a grid needs at least one item of at least 1x1 (got %zu of %ux%u)",
                            n, rows, cols);
    uint64_t gc = grid_cols;
    if (gc == 0) {   /* the smallest gc with gc * gc >= n */
        gc = (uint64_t)sqrt((double)n);
        while (gc * gc < n)
            gc++;
        while (gc > 1 && (gc - 1) * (gc - 1) >= n)
            gc--;
    }
    uint64_t gr = (n + gc - 1) / gc;
    /* bounding gc and gr first keeps the products below 2^64 */
    int rc = check_size(path, gc, gr, err);
    uint64_t W = gc * cols + (gc - 1) * pad, H = gr * rows + (gr - 1) * pad;
    if (rc == HS_OK)
        rc = check_size(path, W, H, err);
    if (rc)
        return rc;
    size_t dim = (size_t)rows * cols;
    png_bytep gray = malloc((size_t)W * H);
    if (!gray)
        return hs_nomem(err, path);
    memset(gray, MID_GRAY, (size_t)W * H);
    double lo, hi;
    if (!per_item_scale)
        finite_range(items, n * dim, &lo, &hi);
    for (size_t k = 0; k < n; k++) {
        const double *item = items + k * dim;
        if (per_item_scale)
            finite_range(item, dim, &lo, &hi);
        size_t top = (size_t)(k / gc) * (rows + pad), left = (size_t)(k % gc) * (cols + pad);
        for (uint32_t y = 0; y < rows; y++)
            for (uint32_t x = 0; x < cols; x++)
                gray[(top + y) * W + left + x] = to_byte(item[(size_t)y * cols + x], lo, hi);
    }
    rc = write_atomic(path, gray, (uint32_t)W, (uint32_t)H, err);
    free(gray);
    return rc;
}

/* ---- patches ---------------------------------------------------------------------------- */

typedef struct gray_image {
    double *pix;
    uint32_t w, h;
} gray_image;

int hs_data_patches(const char *const *image_paths, size_t nimages, uint32_t size, size_t count,
                    uint64_t seed, hs_dataset **out, hs_error *err)
{
    *out = NULL;
    if (nimages == 0 || size == 0 || count == 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                            "patches need images, a size and a count (got %zu, %u, %zu)",
                            nimages, size, count);
    if (nimages > UINT32_MAX)   /* gsl_rng_uniform_int's limit for MT19937 */
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "too many images (%zu)", nimages);
    gray_image *img = calloc(nimages, sizeof *img);
    if (!img)
        return hs_nomem(err, NULL);
    int rc = HS_OK;
    for (size_t i = 0; i < nimages && rc == HS_OK; i++) {
        rc = hs_png_read_gray(image_paths[i], &img[i].pix, &img[i].w, &img[i].h, err);
        if (rc == HS_OK && (img[i].w < size || img[i].h < size))
            rc = hs_error_set(err, HS_ECONFIG, image_paths[i], 0, 0,
                              "image is %ux%u, smaller than a %ux%u patch", img[i].w, img[i].h,
                              size, size);
    }
    hs_dataset *d = NULL;
    size_t dim = (size_t)size * size;
    if (rc == HS_OK)
        rc = hs_dataset_alloc(count, dim, 0, &d, err);
    gsl_rng *r = NULL;
    if (rc == HS_OK && !(r = hs_rng_stream(seed, "data", "patches")))
        rc = hs_nomem(err, NULL);
    for (size_t k = 0; k < count && rc == HS_OK; k++) {
        const gray_image *im = &img[gsl_rng_uniform_int(r, nimages)];
        size_t x0 = gsl_rng_uniform_int(r, im->w - size + 1);
        size_t y0 = gsl_rng_uniform_int(r, im->h - size + 1);
        for (uint32_t y = 0; y < size; y++)
            memcpy(d->x + k * dim + (size_t)y * size, im->pix + (y0 + y) * im->w + x0,
                   size * sizeof *d->x);
    }
    gsl_rng_free(r);
    for (size_t i = 0; i < nimages; i++)
        free(img[i].pix);
    free(img);
    if (rc) {
        hs_dataset_free(d);
        return rc;
    }
    d->rows = d->cols = size;
    *out = d;
    return HS_OK;
}
