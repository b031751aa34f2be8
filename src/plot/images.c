/* images.c -- tiled image figures: data samples on one gray scale, receptive fields each on
 * its own diverging scale, both with a colour bar */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "plot/plot.h"
#include "plot/plot_int.h"
#include "util/error.h"

/* How tile values become colours: gray from lo (black) to hi (white), or diverging blue -
 * white - red over [-m, m] with m = max |value| of each tile. */
typedef struct tile_map {
    int diverging;
    double lo, hi;
} tile_map;

/* Tile i's pixel p is at v[i * istride + p * pstride]. */
typedef struct tiles {
    const double *v;
    size_t n, istride, pstride;
    uint32_t rows, cols;
} tiles;

static uint32_t pack(double r, double g, double b)
{
    return (uint32_t)lround(r * 255) << 16 | (uint32_t)lround(g * 255) << 8 |
           (uint32_t)lround(b * 255);
}

/* Colour of u in [0, 1] (clipped; NaN is mid-gray): gray ramp or diverging through white. */
static uint32_t colour_of(int diverging, double u)
{
    static const double blue[3] = {0.129, 0.400, 0.675}, red[3] = {0.698, 0.094, 0.169};
    if (isnan(u))
        return pack(0.5, 0.5, 0.5);
    u = fmin(fmax(u, 0), 1);
    if (!diverging)
        return pack(u, u, u);
    const double *e = u < 0.5 ? blue : red;
    double a = fabs(2 * u - 1);   /* 0 at white, 1 at the end colour */
    return pack(1 + a * (e[0] - 1), 1 + a * (e[1] - 1), 1 + a * (e[2] - 1));
}

/* The scale of tile i: [lo, hi] for gray, [-m, m] for diverging (1 when the tile is 0). */
static void tile_scale(const tiles *t, const tile_map *m, size_t i, double *lo, double *hi)
{
    if (!m->diverging) {
        *lo = m->lo;
        *hi = m->hi;
        return;
    }
    double a = 0;
    for (size_t p = 0; p < (size_t)t->rows * t->cols; p++) {
        double v = t->v[i * t->istride + p * t->pstride];
        if (isfinite(v))
            a = fmax(a, fabs(v));
    }
    *lo = a > 0 ? -a : -1;
    *hi = -*lo;
}

/* Paint an image of w x h pixels, nearest neighbour, into the rectangle (x, y, dw, dh). */
static void paint_pixels(cairo_t *cr, cairo_surface_t *img, double x, double y, double dw,
                         double dh, int w, int h)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, dw / w, dh / h);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
}

/* Tile i as an RGB image, each pixel replicated k x k times so that viewers that smooth
 * scaled images (SVG) still show sharp pixels. */
static cairo_surface_t *tile_image(const tiles *t, const tile_map *m, size_t i, int k)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)t->cols * k,
                                                      (int)t->rows * k);
    if (cairo_surface_status(img))
        return img;
    double lo, hi;
    tile_scale(t, m, i, &lo, &hi);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (uint32_t r = 0; r < t->rows * (uint32_t)k; r++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * (size_t)stride);
        for (uint32_t c = 0; c < t->cols * (uint32_t)k; c++) {
            size_t p = (size_t)(r / (uint32_t)k) * t->cols + c / (uint32_t)k;
            row[c] = colour_of(m->diverging, (t->v[i * t->istride + p * t->pstride] - lo) /
                                                 (hi - lo));
        }
    }
    cairo_surface_mark_dirty(img);
    return img;
}

/* A vertical colour bar at (x, y), h high, with tick labels from axis a. */
static void colour_bar(cairo_t *cr, double x, double y, double h, int diverging,
                       const hs_pl_axis *a, const char *label)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 256);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int r = 0; r < 256 && !cairo_surface_status(img); r++)
        *(uint32_t *)(void *)(data + r * stride) = colour_of(diverging, 1 - r / 255.0);
    cairo_surface_mark_dirty(img);
    paint_pixels(cr, img, x, y, 12, h, 1, 256);
    cairo_surface_destroy(img);
    cairo_set_source_rgb(cr, hs_pl_ink.r, hs_pl_ink.g, hs_pl_ink.b);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, x, y, 12, h);
    cairo_stroke(cr);
    double wmax = 0;
    for (int i = 0; i < a->ntick; i++) {
        double ty = y + h * (1 - (a->tick[i] - a->lo) / (a->hi - a->lo));
        cairo_move_to(cr, x + 12, ty);
        cairo_line_to(cr, x + 15, ty);
        cairo_stroke(cr);
        hs_pl_text(cr, x + 18, ty, a->text[i], HS_PL_TICK_PT, 0, 0, 0.5, 0);
        wmax = fmax(wmax, hs_pl_text_width(cr, a->text[i], HS_PL_TICK_PT, 0));
    }
    if (label)
        hs_pl_text(cr, x + 24 + wmax, y + h / 2, label, HS_PL_LABEL_PT, 0, 0.5, 1, 1);
}

/* Lay the tiles out in the box (x0, y0)-(x1, y1) as large as they fit, with captions (index
 * and scale) when asked; returns non-zero when cairo ran out of memory. */
static int draw_tiles(cairo_t *cr, const tiles *t, const tile_map *m, int captions, double x0,
                      double y0, double x1, double y1)
{
    double bw = x1 - x0, bh = y1 - y0, best = 0, pad = 4, cap = captions ? 12 : 0;
    size_t gc = 1;
    for (size_t c = 1; c <= t->n; c++) {   /* the column count giving the largest pixels */
        size_t r = (t->n + c - 1) / c;
        double s = fmin((bw - (c - 1) * pad) / (c * t->cols),
                        (bh - r * cap - (r - 1) * pad) / (r * t->rows));
        if (s > best) {
            best = s;
            gc = c;
        }
    }
    size_t gr = (t->n + gc - 1) / gc;
    double tw = best * t->cols, th = best * t->rows;
    double ox = x0 + (bw - gc * tw - (gc - 1) * pad) / 2;
    double oy = y0 + (bh - gr * (th + cap) - (gr - 1) * pad) / 2;
    int k = (int)fmax(1, ceil(3 * best));   /* up to 3 image pixels per point */
    for (size_t i = 0; i < t->n; i++) {
        double x = ox + (double)(i % gc) * (tw + pad), y = oy + (double)(i / gc) * (th + cap + pad);
        if (captions) {
            char buf[64], num[32];
            double lo, hi;
            tile_scale(t, m, i, &lo, &hi);
            hs_pl_fmt(num, sizeof num, hi, 0);
            snprintf(buf, sizeof buf, "%zu  \xc2\xb1%s", i, num);
            hs_pl_text(cr, x + tw / 2, y + cap - 3, buf, 8, 0, 0.5, 1, 0);
        }
        cairo_surface_t *img = tile_image(t, m, i, k);
        if (cairo_surface_status(img)) {
            cairo_surface_destroy(img);
            return -1;
        }
        paint_pixels(cr, img, x, y + cap, tw, th, (int)t->cols * k, (int)t->rows * k);
        cairo_surface_destroy(img);
        cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
        cairo_set_line_width(cr, 0.4);
        cairo_rectangle(cr, x, y + cap, tw, th);
        cairo_stroke(cr);
    }
    return 0;
}

/* The page: title, tiles, colour bar on the right. */
static int tile_page(const char *out, const char *title, const tiles *t, const tile_map *m,
                     const char *bar_label, hs_error *err)
{
    hs_pl_canvas cv;
    int rc = hs_pl_open(&cv, out, HS_PL_W, HS_PL_H, err);
    if (rc)
        return rc;
    double top = hs_pl_title(&cv, title), barx = cv.w - 80;
    hs_pl_axis a = {0};
    if (m->diverging) {   /* each tile has its own scale: label the bar in units of it */
        a.lo = -1;
        a.hi = 1;
        double ticks[3] = {-1, 0, 1};
        static const char *const txt[3] = {"\xe2\x88\x92max |w|", "0", "+max |w|"};
        for (int i = 0; i < 3; i++) {
            a.tick[i] = ticks[i];
            snprintf(a.text[i], sizeof a.text[i], "%s", txt[i]);
        }
        a.ntick = 3;
        barx = cv.w - 100;
    } else {
        hs_pl_axis_set(&a, m->lo, m->hi, 0, 0);
    }
    if (draw_tiles(cv.cr, t, m, m->diverging && t->n <= 48, 14, top, barx - 24, cv.h - 14)) {
        hs_pl_discard(&cv);
        return hs_error_set(err, HS_ENOMEM, out, 0, 0, "out of memory for the tiles");
    }
    colour_bar(cv.cr, barx, top + 10, cv.h - top - 40, m->diverging, &a, bar_label);
    return hs_pl_commit(&cv, out, err);
}

int hs_plot_grid(const char *samples_tsv, const char *out, uint32_t rows, uint32_t cols,
                 size_t max_items, hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    if (!rows || !cols || rows > 4096 || cols > 4096)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "tile shape %u x %u: rows and cols "
                            "must be 1 to 4096", rows, cols);
    hs_dataset *d;
    if ((rc = hs_data_load_tsv(samples_tsv, max_items, &d, err)))
        return rc;
    if (d->dim != (size_t)rows * cols) {
        rc = hs_error_set(err, HS_ECONFIG, samples_tsv, 0, 0, "lines hold %zu values, not "
                          "rows x cols = %u x %u = %zu", d->dim, rows, cols, (size_t)rows * cols);
    } else {
        tile_map m = {0, INFINITY, -INFINITY};
        for (size_t i = 0; i < d->n * d->dim; i++) {
            m.lo = fmin(m.lo, d->x[i]);
            m.hi = fmax(m.hi, d->x[i]);
        }
        if (!(m.hi > m.lo)) {   /* constant data: put it mid-scale */
            m.lo -= 0.5;
            m.hi += 0.5;
        }
        tiles t = {d->x, d->n, d->dim, 1, rows, cols};
        char title[128];
        snprintf(title, sizeof title, "%zu sample%s of %u \xc3\x97 %u, one gray scale", d->n,
                 d->n == 1 ? "" : "s", rows, cols);
        rc = tile_page(out, title, &t, &m, "value", err);
    }
    hs_dataset_free(d);
    return rc;
}

int hs_plot_fields(const double *W, size_t n_in, size_t n_out, uint32_t rows, uint32_t cols,
                   const char *out, hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    if (!W || !n_out || !rows || !cols || rows > 4096 || cols > 4096 ||
        n_in != (size_t)rows * cols)
        return hs_error_set(err, HS_ECONFIG, out, 0, 0, "receptive fields: need n_out >= 1 "
                            "and n_in = rows x cols (got n_in %zu, %u x %u)", n_in, rows, cols);
    tiles t = {W, n_out, 1, n_out, rows, cols};
    tile_map m = {1, -1, 1};
    char title[160];
    snprintf(title, sizeof title, "Receptive fields: the %zu columns of W (%zu \xc3\x97 %zu), "
             "each on its own scale", n_out, n_in, n_out);
    return tile_page(out, title, &t, &m, NULL, err);
}
