/* canvas.c -- pages in PNG or SVG, text, 1-2-5 axes, frames, lines, histograms and legends */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cairo-svg.h>

#include "plot/plot.h"
#include "plot/plot_int.h"
#include "util/atomic.h"
#include "util/error.h"

#define PNG_SCALE 2.0
#define TICK_LEN 4.0
#define PANEL_TITLE_PT (HS_PL_LABEL_PT + 0.5)
#define MINUS "\xe2\x88\x92"   /* U+2212 */

/* Okabe & Ito (2008), ordered so that the first colours are the most distinct on white. */
static const uint32_t palette[8] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
                                    0xE69F00, 0x56B4E9, 0xF0E442, 0x000000};

const hs_pl_rgb hs_pl_ink = {0.15, 0.15, 0.15};

uint32_t hs_plot_palette(size_t i)
{
    return palette[i % 8];
}

hs_pl_rgb hs_pl_color(size_t i)
{
    uint32_t c = palette[i % 8];
    return (hs_pl_rgb){(c >> 16) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0};
}

static void set_rgb(cairo_t *cr, hs_pl_rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

/* ---- canvas ----------------------------------------------------------------------------- */

int hs_pl_format(const char *path, int *svg, hs_error *err)
{
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base : path, '.');
    if (dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".svg"))) {
        *svg = !strcasecmp(dot, ".svg");
        return HS_OK;
    }
    return hs_error_set(err, HS_ECONFIG, path, 0, 0,
                        "unknown output format '%s' (the name must end in .png or .svg)",
                        dot ? dot : "");
}

static cairo_status_t svg_append(void *ctx, const unsigned char *data, unsigned int len)
{
    hs_pl_canvas *cv = ctx;
    if (cv->len + len > cv->cap) {
        size_t cap = cv->cap ? cv->cap : 1 << 16;
        while (cap < cv->len + len)
            cap *= 2;
        unsigned char *b = realloc(cv->buf, cap);
        if (!b) {
            cv->oom = 1;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        cv->buf = b;
        cv->cap = cap;
    }
    memcpy(cv->buf + cv->len, data, len);
    cv->len += len;
    return CAIRO_STATUS_SUCCESS;
}

int hs_pl_open(hs_pl_canvas *cv, const char *path, double w, double h, hs_error *err)
{
    memset(cv, 0, sizeof *cv);
    int rc = hs_pl_format(path, &cv->svg, err);
    if (rc)
        return rc;
    cv->w = w;
    cv->h = h;
    if (cv->svg)
        cv->surf = cairo_svg_surface_create_for_stream(svg_append, cv, w, h);
    else
        cv->surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * PNG_SCALE),
                                              (int)ceil(h * PNG_SCALE));
    cv->cr = cairo_create(cv->surf);
    if (cairo_status(cv->cr)) {
        hs_pl_discard(cv);
        return hs_error_set(err, HS_ENOMEM, path, 0, 0, "cannot create a %gx%g pt page", w, h);
    }
    if (!cv->svg)
        cairo_scale(cv->cr, PNG_SCALE, PNG_SCALE);
    cairo_set_source_rgb(cv->cr, 1, 1, 1);
    cairo_paint(cv->cr);
    cairo_set_line_join(cv->cr, CAIRO_LINE_JOIN_ROUND);
    return HS_OK;
}

void hs_pl_discard(hs_pl_canvas *cv)
{
    if (cv->cr)
        cairo_destroy(cv->cr);
    if (cv->surf)
        cairo_surface_destroy(cv->surf);
    free(cv->buf);
    memset(cv, 0, sizeof *cv);
}

static cairo_status_t file_write(void *ctx, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, ctx) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Write the finished page to ".NAME.tmp-PID" next to path and rename it into place. */
static int write_atomic(hs_pl_canvas *cv, const char *path, hs_error *err)
{
    char *tmp;
    int rc = hs_atomic_tmp(path, &tmp, err);
    if (rc)
        return rc;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot create '%s': %s", tmp,
                          strerror(errno));
        free(tmp);
        return rc;
    }
    errno = 0;
    cairo_status_t st = CAIRO_STATUS_SUCCESS;
    if (cv->svg)
        st = fwrite(cv->buf, 1, cv->len, f) == cv->len ? st : CAIRO_STATUS_WRITE_ERROR;
    else
        st = cairo_surface_write_to_png_stream(cv->surf, file_write, f);
    int saved = errno;
    if (fclose(f) != 0 && st == CAIRO_STATUS_SUCCESS) {
        st = CAIRO_STATUS_WRITE_ERROR;
        saved = errno;
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = hs_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? HS_ENOMEM : HS_EIO, path, 0, 0,
                          "cannot write '%s': %s", tmp,
                          saved ? strerror(saved) : cairo_status_to_string(st));
        unlink(tmp);
    } else {
        rc = hs_atomic_commit(tmp, path, 0, err);
    }
    free(tmp);
    return rc;
}

int hs_pl_commit(hs_pl_canvas *cv, const char *path, hs_error *err)
{
    int rc = HS_OK;
    cairo_status_t st = cairo_status(cv->cr);
    cairo_destroy(cv->cr);
    cv->cr = NULL;
    if (st == CAIRO_STATUS_SUCCESS && cv->svg) {
        cairo_surface_finish(cv->surf);   /* flushes the SVG document into buf */
        st = cairo_surface_status(cv->surf);
    }
    if (cv->oom || st == CAIRO_STATUS_NO_MEMORY)
        rc = hs_error_set(err, HS_ENOMEM, path, 0, 0, "out of memory while drawing");
    else if (st != CAIRO_STATUS_SUCCESS)
        rc = hs_error_set(err, HS_ERUNTIME, path, 0, 0, "drawing failed: %s",
                          cairo_status_to_string(st));
    else
        rc = write_atomic(cv, path, err);
    hs_pl_discard(cv);
    return rc;
}

/* ---- text ------------------------------------------------------------------------------- */

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double hs_pl_text_width(cairo_t *cr, const char *s, double size, int bold)
{
    cairo_text_extents_t te;
    font(cr, size, bold);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

void hs_pl_text(cairo_t *cr, double x, double y, const char *s, double size, int bold,
                double ax, double ay, int vertical)
{
    double w = hs_pl_text_width(cr, s, size, bold);
    cairo_save(cr);
    set_rgb(cr, hs_pl_ink);
    cairo_translate(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -M_PI / 2);
    cairo_move_to(cr, -ax * w, (1 - ay) * 0.73 * size);   /* 0.73 em: cap height of sans */
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

double hs_pl_title(hs_pl_canvas *cv, const char *title)
{
    double size = HS_PL_TITLE_PT, w = hs_pl_text_width(cv->cr, title, size, 1);
    if (w > cv->w - 40)
        size *= (cv->w - 40) / w;
    hs_pl_text(cv->cr, cv->w / 2, 14, title, size, 1, 0.5, 0, 0);
    return 14 + size + 8;
}

/* ---- numbers ---------------------------------------------------------------------------- */

double hs_pl_nice_step(double span, int target)
{
    if (!(span > 0) || !isfinite(span))
        return 1;
    double raw = span / target, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < M_SQRT2 ? 1 : m < sqrt(10) ? 2 : m < sqrt(50) ? 5 : 10) * p;   /* geometric */
}

static char *put_super(char *p, const char *end, int k)
{
    static const char *const digit[10] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3",
                                          "\xe2\x81\xb4", "\xe2\x81\xb5", "\xe2\x81\xb6",
                                          "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9"};
    char num[16];
    snprintf(num, sizeof num, "%d", k);
    for (const char *d = num; *d && end - p > 4; d++) {
        const char *g = *d == '-' ? "\xe2\x81\xbb" : digit[*d - '0'];
        size_t len = strlen(g);
        memcpy(p, g, len);
        p += len;
    }
    *p = '\0';
    return p;
}

/* Replace a leading '-' of buf by U+2212. */
static void typeset_minus(char *buf, size_t n)
{
    if (buf[0] != '-' || strlen(buf) + 3 > n)
        return;
    memmove(buf + 3, buf + 1, strlen(buf));
    memcpy(buf, MINUS, 3);
}

void hs_pl_fmt(char *buf, size_t n, double v, double step)
{
    double a = fabs(v);
    if (v == 0 || !isfinite(v)) {
        snprintf(buf, n, v == 0 ? "0" : "%g", v);
        return;
    }
    if (a < 1e5 && a >= 1e-3) {
        int dec = step > 0 && step < 1 ? (int)ceil(-log10(step) - 1e-9) : 0;
        if (step > 0)
            snprintf(buf, n, "%.*f", dec, v);
        else
            snprintf(buf, n, "%.3g", v);
    } else {
        int k = (int)floor(log10(a) + 1e-12);
        double m = v / pow(10, k);
        int dec = step > 0 ? k - (int)floor(log10(step) + 1e-9) : 2;
        if (dec < 0)
            dec = 0;
        char *p = buf;
        if (fabs(m - 1) < 1e-9)
            p += snprintf(buf, n, "10");
        else if (fabs(m + 1) < 1e-9)
            p += snprintf(buf, n, "-10");
        else
            p += snprintf(buf, n, "%.*g\xc3\x97" "10", step > 0 ? dec + 1 : 3, m);
        put_super(p, buf + n, k);
    }
    typeset_minus(buf, n);
}

/* ---- axes ------------------------------------------------------------------------------- */

static void add_tick(hs_pl_axis *a, double v, double step)
{
    if (a->ntick == HS_PL_MAXTICK)
        return;
    a->tick[a->ntick] = v;
    hs_pl_fmt(a->text[a->ntick], sizeof a->text[0], v, step);
    a->ntick++;
}

void hs_pl_axis_set(hs_pl_axis *a, double dmin, double dmax, int log, int round_out)
{
    a->log = log;
    a->cats = NULL;
    a->ncat = 0;
    a->ntick = 0;
    a->minor = 0;
    a->dmin = dmin;
    a->dmax = dmax;
    a->round_out = round_out;
    int target = a->target > 0 ? a->target : 5;
    if (!(dmin <= dmax) || !isfinite(dmin) || !isfinite(dmax))
        dmin = dmax = log ? 1 : 0;
    if (log) {
        if (!(dmin > 0))
            dmin = dmax > 0 ? dmax : 1;
        if (!(dmax > 0))
            dmax = dmin;
        double e0 = floor(log10(dmin) + 1e-9), e1 = ceil(log10(dmax) - 1e-9);
        if (e1 <= e0)
            e1 = e0 + 1;
        a->lo = round_out ? pow(10, e0) : dmin;
        a->hi = round_out ? pow(10, e1) : dmax;
        if (a->hi <= a->lo * 1.0001) {
            a->lo /= 2;
            a->hi *= 2;
        }
        int every = (int)ceil((e1 - e0 + 1) / (target + 3.0));
        int powers = e0 < -3 || e1 > 4;   /* all decades as 10^k, or all written out */
        a->minor = e1 - e0 <= 6;
        for (double e = e0; e <= e1; e++) {
            double d = pow(10, e);
            if (fmod(e, every) == 0 && d >= a->lo * 0.999 && d <= a->hi * 1.001) {
                int had = a->ntick;
                add_tick(a, d, d);
                if (powers && a->ntick > had) {
                    char *p = a->text[had];
                    put_super(p + snprintf(p, sizeof a->text[0], "10"), p + sizeof a->text[0],
                              (int)e);
                }
            }
            for (int m = 2; e1 - e0 <= 1 && m <= 5; m += 3)
                if (m * d >= a->lo && m * d <= a->hi)
                    add_tick(a, m * d, d);
        }
        return;
    }
    if (dmin == dmax) {
        double pad = dmin != 0 ? 0.1 * fabs(dmin) : 1;
        dmin -= pad;
        dmax += pad;
    }
    double step = hs_pl_nice_step(dmax - dmin, target);
    a->lo = round_out ? floor(dmin / step + 1e-9) * step : dmin;
    a->hi = round_out ? ceil(dmax / step - 1e-9) * step : dmax;
    for (double v = ceil(a->lo / step - 1e-9) * step; v <= a->hi + 1e-9 * step; v += step)
        add_tick(a, fabs(v) < 1e-9 * step ? 0 : v, step);
}

void hs_pl_axis_cats(hs_pl_axis *a, const char *const *names, size_t n)
{
    a->log = 0;
    a->cats = names;
    a->ncat = n;
    a->ntick = 0;
    a->minor = 0;
    a->lo = -0.5;
    a->hi = (double)n - 0.5;
}

static double axis_frac(const hs_pl_axis *a, double v)
{
    if (a->log)
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    return (v - a->lo) / (a->hi - a->lo);
}

double hs_pl_px(const hs_pl_frame *f, double x)
{
    return f->x + f->w * axis_frac(&f->ax, x);
}

double hs_pl_py(const hs_pl_frame *f, double y)
{
    double t = axis_frac(&f->ay, y);
    return f->ay.cats ? f->y + f->h * t : f->y + f->h * (1 - t);
}

void hs_pl_clip(cairo_t *cr, const hs_pl_frame *f)
{
    cairo_save(cr);
    cairo_rectangle(cr, f->x, f->y, f->w, f->h);
    cairo_clip(cr);
}

/* Widest y tick (or category) label. */
static double ylabels_width(cairo_t *cr, const hs_pl_axis *a)
{
    double w = 0;
    if (a->no_ticklabels)
        return 0;
    for (size_t i = 0; i < a->ncat; i++)
        w = fmax(w, hs_pl_text_width(cr, a->cats[i], HS_PL_TICK_PT, 0));
    for (int i = 0; i < a->ntick; i++)
        w = fmax(w, hs_pl_text_width(cr, a->text[i], HS_PL_TICK_PT, 0));
    return w;
}

/* Do neighbouring x tick labels come closer than 8 pt? */
static int xlabels_collide(cairo_t *cr, const hs_pl_frame *f)
{
    const hs_pl_axis *a = &f->ax;
    for (int i = 1; i < a->ntick && !a->no_ticklabels; i++) {
        double half = 0.5 * (hs_pl_text_width(cr, a->text[i - 1], HS_PL_TICK_PT, 0) +
                             hs_pl_text_width(cr, a->text[i], HS_PL_TICK_PT, 0));
        if (hs_pl_px(f, a->tick[i]) - hs_pl_px(f, a->tick[i - 1]) < half + 8)
            return 1;
    }
    return 0;
}

void hs_pl_fit_ticks(cairo_t *cr, hs_pl_frame *f)
{
    hs_pl_axis *a = &f->ax;
    if (a->cats)
        return;
    for (a->target = a->target > 0 ? a->target : 5; a->target > 1 && xlabels_collide(cr, f);) {
        a->target--;
        hs_pl_axis_set(a, a->dmin, a->dmax, a->log, a->round_out);
    }
}

static void place(cairo_t *cr, hs_pl_frame *f, double x0, double y0, double x1, double y1)
{
    double left = x0 + ylabels_width(cr, &f->ay) + TICK_LEN + 4;
    if (f->ay.label)
        left += HS_PL_LABEL_PT + 8;
    double bottom = y1 - TICK_LEN - (f->ax.no_ticklabels ? 0 : HS_PL_TICK_PT + 4);
    if (f->ax.label)
        bottom -= HS_PL_LABEL_PT + 8;
    double right = x1 - 4;
    if (f->ax.ntick && !f->ax.no_ticklabels && !f->ax.cats)
        right = x1 - 0.5 * hs_pl_text_width(cr, f->ax.text[f->ax.ntick - 1], HS_PL_TICK_PT, 0);
    double top = y0 + (f->title ? PANEL_TITLE_PT + 10 : 6);
    f->x = left;
    f->y = top;
    f->w = right - left;
    f->h = bottom - top;
}

void hs_pl_fit(cairo_t *cr, hs_pl_frame *f, double x0, double y0, double x1, double y1)
{
    place(cr, f, x0, y0, x1, y1);
    hs_pl_fit_ticks(cr, f);
    place(cr, f, x0, y0, x1, y1);   /* the last label may have changed */
}

static void stroke_line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

/* Minor ticks at 2..9 times each power of ten of a log axis (y_axis: the vertical one). */
static void minor_ticks(cairo_t *cr, const hs_pl_frame *f, int y_axis)
{
    const hs_pl_axis *a = y_axis ? &f->ay : &f->ax;
    for (double d = pow(10, floor(log10(a->lo))); d < a->hi; d *= 10)
        for (int m = 2; m <= 9; m++) {
            double v = m * d;
            if (v < a->lo || v > a->hi)
                continue;
            if (y_axis)
                stroke_line(cr, f->x, hs_pl_py(f, v), f->x - 0.6 * TICK_LEN, hs_pl_py(f, v));
            else
                stroke_line(cr, hs_pl_px(f, v), f->y + f->h, hs_pl_px(f, v),
                            f->y + f->h + 0.6 * TICK_LEN);
        }
}

void hs_pl_frame_draw(cairo_t *cr, const hs_pl_frame *f, int grid)
{
    const hs_pl_axis *ax = &f->ax, *ay = &f->ay;
    double bottom = f->y + f->h;
    cairo_save(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    if (grid) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_set_line_width(cr, 0.6);
        for (int i = 0; i < ay->ntick; i++)
            stroke_line(cr, f->x, hs_pl_py(f, ay->tick[i]), f->x + f->w,
                        hs_pl_py(f, ay->tick[i]));
    }
    set_rgb(cr, hs_pl_ink);
    cairo_set_line_width(cr, 0.8);
    stroke_line(cr, f->x, f->y, f->x, bottom);
    stroke_line(cr, f->x, bottom, f->x + f->w, bottom);
    for (int i = 0; i < ax->ntick; i++) {
        double x = hs_pl_px(f, ax->tick[i]);
        stroke_line(cr, x, bottom, x, bottom + TICK_LEN);
        if (!ax->no_ticklabels)
            hs_pl_text(cr, x, bottom + TICK_LEN + 3, ax->text[i], HS_PL_TICK_PT, 0, 0.5, 0, 0);
    }
    for (int i = 0; i < ay->ntick; i++) {
        double y = hs_pl_py(f, ay->tick[i]);
        stroke_line(cr, f->x, y, f->x - TICK_LEN, y);
        if (!ay->no_ticklabels)
            hs_pl_text(cr, f->x - TICK_LEN - 3, y, ay->text[i], HS_PL_TICK_PT, 0, 1, 0.5, 0);
    }
    for (size_t i = 0; i < ay->ncat && !ay->no_ticklabels; i++)
        hs_pl_text(cr, f->x - 6, hs_pl_py(f, (double)i), ay->cats[i], HS_PL_TICK_PT, 0, 1,
                   0.5, 0);
    cairo_set_line_width(cr, 0.6);
    if (ax->log && ax->minor)
        minor_ticks(cr, f, 0);
    if (ay->log && ay->minor)
        minor_ticks(cr, f, 1);
    if (ax->label)
        hs_pl_text(cr, f->x + f->w / 2,
                   bottom + TICK_LEN + (ax->no_ticklabels ? 0 : HS_PL_TICK_PT + 4) + 5,
                   ax->label, HS_PL_LABEL_PT, 0, 0.5, 0, 0);
    if (ay->label) {
        double x = f->x - TICK_LEN - 4 - ylabels_width(cr, ay) - 8 - HS_PL_LABEL_PT;
        hs_pl_text(cr, x, f->y + f->h / 2, ay->label, HS_PL_LABEL_PT, 0, 0.5, 0, 1);
    }
    if (f->title)
        hs_pl_text(cr, f->x, f->y - 9, f->title, PANEL_TITLE_PT, 1, 0, 1, 0);
    cairo_restore(cr);
}

/* ---- series ----------------------------------------------------------------------------- */

static int drawable(const hs_pl_frame *f, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!f->ax.log || x > 0) && (!f->ay.log || y > 0);
}

void hs_pl_line(cairo_t *cr, const hs_pl_frame *f, const double *x, const double *y, size_t n,
                hs_pl_rgb c, double width, int dashed)
{
    static const double dash[] = {5, 3};
    hs_pl_clip(cr, f);
    set_rgb(cr, c);
    cairo_set_line_width(cr, width);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    if (dashed)
        cairo_set_dash(cr, dash, 2, 0);
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!drawable(f, x[i], y[i])) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(cr, hs_pl_px(f, x[i]), hs_pl_py(f, y[i]));
        else
            cairo_move_to(cr, hs_pl_px(f, x[i]), hs_pl_py(f, y[i]));
        pen = 1;
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

void hs_pl_dots(cairo_t *cr, const hs_pl_frame *f, const double *x, const double *y, size_t n,
                hs_pl_rgb c, double radius)
{
    cairo_save(cr);   /* dots on the frame's edge are drawn whole */
    cairo_rectangle(cr, f->x - radius, f->y - radius, f->w + 2 * radius, f->h + 2 * radius);
    cairo_clip(cr);
    set_rgb(cr, c);
    for (size_t i = 0; i < n; i++)
        if (drawable(f, x[i], y[i])) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, hs_pl_px(f, x[i]), hs_pl_py(f, y[i]), radius, 0, 2 * M_PI);
        }
    cairo_fill(cr);
    cairo_restore(cr);
}

void hs_pl_hist(cairo_t *cr, const hs_pl_frame *f, const double *edge, const double *v,
                size_t n, hs_pl_rgb c, double fill)
{
    hs_pl_clip(cr, f);
    double base = hs_pl_py(f, f->ay.log ? f->ay.lo : fmax(f->ay.lo, 0));
    for (size_t i = 0; i < n;) {   /* each run of non-empty bins as one outline */
        if (!(v[i] > 0)) {
            i++;
            continue;
        }
        cairo_move_to(cr, hs_pl_px(f, edge[i]), base);
        for (; i < n && v[i] > 0; i++) {
            cairo_line_to(cr, hs_pl_px(f, edge[i]), hs_pl_py(f, v[i]));
            cairo_line_to(cr, hs_pl_px(f, edge[i + 1]), hs_pl_py(f, v[i]));
        }
        cairo_line_to(cr, hs_pl_px(f, edge[i]), base);
    }
    cairo_set_source_rgba(cr, c.r, c.g, c.b, fill);
    cairo_fill_preserve(cr);
    set_rgb(cr, c);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* ---- legend ----------------------------------------------------------------------------- */

#define KEY_W 22.0
#define KEY_ROW 16.0
#define KEY_PT 10.0

double hs_pl_legend_width(cairo_t *cr, const hs_pl_key *k, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, hs_pl_text_width(cr, k[i].text, KEY_PT, 0));
    return KEY_W + 6 + w;
}

void hs_pl_legend(cairo_t *cr, double x, double y, const hs_pl_key *k, size_t n)
{
    static const double dash[] = {5, 3};
    for (size_t i = 0; i < n; i++) {
        double yc = y + (i + 0.5) * KEY_ROW;
        cairo_save(cr);
        set_rgb(cr, k[i].c);
        if (k[i].style == HS_PL_KEY_BOX) {
            cairo_rectangle(cr, x + KEY_W / 2 - 5, yc - 5, 10, 10);
            cairo_fill(cr);
        } else {
            cairo_set_line_width(cr, k[i].style == HS_PL_KEY_DASH ? 1.2 : 1.8);
            if (k[i].style == HS_PL_KEY_DASH)
                cairo_set_dash(cr, dash, 2, 0);
            stroke_line(cr, x, yc, x + KEY_W, yc);
            if (k[i].style == HS_PL_KEY_DOTLINE) {
                cairo_arc(cr, x + KEY_W / 2, yc, 2.8, 0, 2 * M_PI);
                cairo_fill(cr);
            }
        }
        cairo_restore(cr);
        hs_pl_text(cr, x + KEY_W + 6, yc, k[i].text, KEY_PT, 0, 0, 0.5, 0);
    }
}
