/* plot_int.h -- what the plot files share: the canvas, axes, legends and a table reader
 *
 * Lengths are in points; a canvas is w x h points, drawn at 2 pixels per point for PNG.
 * Frames map data to the page: a frame is a plot area with an x and a y axis; hs_pl_fit
 * places it inside a box leaving room for tick labels, axis labels and a panel title.
 */
#ifndef HS_PLOT_PLOT_INT_H
#define HS_PLOT_PLOT_INT_H

#include <stddef.h>
#include <stdio.h>
#include <cairo.h>

#include "hee-snn/hee-snn.h"

#define HS_PL_W 800.0      /* default page, points */
#define HS_PL_H 500.0
#define HS_PL_MAXTICK 24

typedef struct hs_pl_rgb {
    double r, g, b;
} hs_pl_rgb;

/* Palette colour i (cycled), and the dark gray of axes and text. */
hs_pl_rgb hs_pl_color(size_t i);
extern const hs_pl_rgb hs_pl_ink;

/* ---- canvas ----------------------------------------------------------------------------- */

typedef struct hs_pl_canvas {
    cairo_surface_t *surf;
    cairo_t *cr;
    int svg;
    double w, h;
    unsigned char *buf;   /* the SVG document as cairo streams it */
    size_t len, cap;
    int oom;
} hs_pl_canvas;

/* Check that path ends in .png or .svg (any case); *svg tells which. */
int hs_pl_format(const char *path, int *svg, hs_error *err);
/* A white page of w x h points for path's format.  Free with hs_pl_commit or hs_pl_discard. */
int hs_pl_open(hs_pl_canvas *cv, const char *path, double w, double h, hs_error *err);
/* Finish the drawing, write it to path atomically and free the canvas. */
int hs_pl_commit(hs_pl_canvas *cv, const char *path, hs_error *err);
void hs_pl_discard(hs_pl_canvas *cv);

/* ---- text ------------------------------------------------------------------------------- */

enum { HS_PL_TICK_PT = 10, HS_PL_LABEL_PT = 11, HS_PL_TITLE_PT = 14 };

/* Draw s at (x, y) anchored by ax (0 left .. 1 right) and ay (0 cap top .. 1 baseline);
 * vertical text runs upwards and is anchored the same way in its own frame. */
void hs_pl_text(cairo_t *cr, double x, double y, const char *s, double size, int bold,
                double ax, double ay, int vertical);
double hs_pl_text_width(cairo_t *cr, const char *s, double size, int bold);
/* The page title, centred at the top; returns the y below it. */
double hs_pl_title(hs_pl_canvas *cv, const char *title);

/* ---- axes and frames -------------------------------------------------------------------- */

typedef struct hs_pl_axis {
    double lo, hi;                 /* shown range (log axes: positive) */
    int log;
    const char *label;             /* with its unit; NULL for none */
    const char *const *cats;       /* categorical axis: ncat names at 0..ncat-1, first on top */
    size_t ncat;
    int no_ticklabels;
    double tick[HS_PL_MAXTICK];    /* major ticks (set by hs_pl_axis_set) */
    int ntick;
    char text[HS_PL_MAXTICK][32];  /* their labels */
    int minor;                     /* log axes: draw 2..9 minor ticks */
    double dmin, dmax;             /* the data range asked for, and how */
    int round_out;
    int target;                    /* intervals wanted (0: 5); hs_pl_fit_ticks lowers it */
} hs_pl_axis;

/* Choose the range and ticks for data in [dmin, dmax]: round_out widens the range to whole
 * tick steps (decades on log axes), otherwise it is kept and ticks fall inside. */
void hs_pl_axis_set(hs_pl_axis *a, double dmin, double dmax, int log, int round_out);
/* A categorical axis of n names. */
void hs_pl_axis_cats(hs_pl_axis *a, const char *const *names, size_t n);

typedef struct hs_pl_frame {
    double x, y, w, h;             /* plot area */
    hs_pl_axis ax, ay;
    const char *title;             /* panel title, or NULL */
} hs_pl_frame;

/* Place f's plot area inside the box (x0, y0)-(x1, y1); the axes must be set.  Fewer x ticks
 * are chosen when their labels would not fit side by side. */
void hs_pl_fit(cairo_t *cr, hs_pl_frame *f, double x0, double y0, double x1, double y1);
/* Thin the x ticks of a placed frame until their labels fit its width. */
void hs_pl_fit_ticks(cairo_t *cr, hs_pl_frame *f);
/* Spines, ticks, labels and the panel title; grid draws light lines at the y ticks. */
void hs_pl_frame_draw(cairo_t *cr, const hs_pl_frame *f, int grid);
double hs_pl_px(const hs_pl_frame *f, double x);
double hs_pl_py(const hs_pl_frame *f, double y);
/* Clip to the plot area (cairo_save first, cairo_restore to undo). */
void hs_pl_clip(cairo_t *cr, const hs_pl_frame *f);

/* A line through (x[i], y[i]), broken at non-finite or (log axes) non-positive points. */
void hs_pl_line(cairo_t *cr, const hs_pl_frame *f, const double *x, const double *y, size_t n,
                hs_pl_rgb c, double width, int dashed);
void hs_pl_dots(cairo_t *cr, const hs_pl_frame *f, const double *x, const double *y, size_t n,
                hs_pl_rgb c, double radius);
/* Histogram of bins [edge[i], edge[i+1]) of height v[i]: outlines of the non-empty bins,
 * filled with the colour at alpha fill. */
void hs_pl_hist(cairo_t *cr, const hs_pl_frame *f, const double *edge, const double *v,
                size_t n, hs_pl_rgb c, double fill);

/* ---- legend ----------------------------------------------------------------------------- */

enum { HS_PL_KEY_LINE, HS_PL_KEY_DASH, HS_PL_KEY_BOX, HS_PL_KEY_DOTLINE };

typedef struct hs_pl_key {
    const char *text;
    hs_pl_rgb c;
    int style;
} hs_pl_key;

double hs_pl_legend_width(cairo_t *cr, const hs_pl_key *k, size_t n);
/* Keys listed downwards from (x, y), the top left corner. */
void hs_pl_legend(cairo_t *cr, double x, double y, const hs_pl_key *k, size_t n);

/* ---- numbers and tables ----------------------------------------------------------------- */

/* v as text, with a U+2212 minus and, outside 1e-3 <= |v| < 1e5, as m x 10^k in superscripts;
 * step (a tick step) sets the decimals, 0 means 3 significant digits. */
void hs_pl_fmt(char *buf, size_t n, double v, double step);
/* The 1-2-5 step giving about target intervals over span. */
double hs_pl_nice_step(double span, int target);

/* A tab-separated text table read whole: '#' lines are comments (kept), the header names the
 * columns and every row has as many fields.  '-' and "nan" read as NaN. */
typedef struct hs_pl_table {
    size_t ncol, nrow;
    char **head;          /* ncol names */
    char **cell;          /* nrow * ncol fields, row-major */
    int *line;            /* 1-based line of each row */
    int *col0;            /* 1-based byte column of each field */
    char **comment;       /* the comment lines, '#' and blanks stripped */
    size_t ncomment;
    char **text;          /* each row's line, split in place; cells point into it */
    const char *path;
} hs_pl_table;

/* Read path.  first, if not NULL, must be the header's first name; with skip_preamble, lines
 * before that header are skipped and a blank line after the data ends the table.  Errors:
 * HS_EIO, HS_ECONFIG (no header, ragged row, no rows), HS_ENOMEM. */
int hs_pl_table_read(const char *path, const char *first, int skip_preamble, hs_pl_table *t,
                     hs_error *err);
void hs_pl_table_free(hs_pl_table *t);
/* Index of column name, or -1. */
int hs_pl_table_col(const hs_pl_table *t, const char *name);
/* Column c of every row as numbers (allocated, caller frees); HS_ECONFIG with line and column
 * at a field that is not a number. */
int hs_pl_table_num(const hs_pl_table *t, int c, double **out, hs_error *err);
/* The value after "key:" in a comment line, or NULL. */
const char *hs_pl_table_meta(const hs_pl_table *t, const char *key);

#endif
