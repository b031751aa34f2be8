/* tables.c -- figures of the small result tables: KL against time, compare, learning curve */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot.h"
#include "plot/plot_int.h"
#include "util/error.h"

/* Index of column name, or minus HS_ECONFIG with an error naming the file. */
static int need_col(const hs_pl_table *t, const char *name, hs_error *err)
{
    int c = hs_pl_table_col(t, name);
    return c >= 0 ? c : -hs_error_set(err, HS_ECONFIG, t->path, 0, 0, "no column '%s'", name);
}

/* Column name as numbers into *v, or an error code. */
static int num_col(const hs_pl_table *t, const char *name, double **v, hs_error *err)
{
    int c = need_col(t, name, err);
    return c < 0 ? -c : hs_pl_table_num(t, c, v, err);
}

/* Rows whose time x[r] (ms) lies outside [t0, t1] (when t1 > t0) become NaN in x and in every
 * column of cols (NULLs skipped): left out of ranges and lines.  The rows left. */
static size_t keep_window(double *x, size_t n, double t0, double t1, double **cols, int ncols)
{
    size_t kept = 0;
    for (size_t r = 0; r < n; r++) {
        if (!(t1 > t0) || (x[r] >= t0 && x[r] <= t1)) {
            kept++;
            continue;
        }
        x[r] = NAN;
        for (int c = 0; c < ncols; c++)
            if (cols[c])
                cols[c][r] = NAN;
    }
    return kept;
}

static void range(const double *v, size_t n, int positive, double *lo, double *hi)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && (!positive || v[i] > 0)) {
            *lo = fmin(*lo, v[i]);
            *hi = fmax(*hi, v[i]);
        }
}

/* The frame of a one-panel figure under its title, leaving room for a legend of nk keys. */
static void one_panel(hs_pl_canvas *cv, hs_pl_frame *f, const char *title, const hs_pl_key *k,
                      size_t nk)
{
    double top = hs_pl_title(cv, title);
    double lw = nk > 1 ? hs_pl_legend_width(cv->cr, k, nk) + 18 : 0;
    hs_pl_fit(cv->cr, f, 10, top, cv->w - lw - 8, cv->h - 8);
    hs_pl_frame_draw(cv->cr, f, 1);
    if (nk > 1)
        hs_pl_legend(cv->cr, f->x + f->w + 18, f->y, k, nk);
}

/* ---- KL --------------------------------------------------------------------------------- */

int hs_plot_kl(const char *kl_tsv, const char *out, double t0, double t1, hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    hs_pl_table t;
    if ((rc = hs_pl_table_read(kl_tsv, "T_ms", 1, &t, err)))
        return rc;
    double *T = NULL, *K = NULL;
    hs_pl_canvas cv = {0};
    if ((rc = num_col(&t, "T_ms", &T, err)) || (rc = num_col(&t, "KL", &K, err)))
        goto done;
    (void)keep_window(T, t.nrow, t0, t1, &K, 1);
    size_t n = 0, last = 0;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t r = 0; r < t.nrow; r++)
        if (T[r] > 0 && K[r] > 0 && isfinite(T[r]) && isfinite(K[r])) {
            n++;
            last = r;
        }
    if (!n) {
        rc = t1 > t0 ? hs_error_set(err, HS_ECONFIG, kl_tsv, 0, 0, "no row with T_ms > 0 and "
                                    "KL > 0 in the window [%g, %g] ms", t0, t1)
                     : hs_error_set(err, HS_ECONFIG, kl_tsv, 0, 0, "no row with T_ms > 0 and KL > 0");
        goto done;
    }
    range(T, t.nrow, 1, &x0, &x1);
    range(K, t.nrow, 1, &y0, &y1);
    double rx[2] = {x0, x1}, ry[2] = {K[last] * T[last] / x0, K[last] * T[last] / x1};
    range(ry, 2, 1, &y0, &y1);
    if ((rc = hs_pl_open(&cv, out, HS_PL_W, HS_PL_H, err)))
        goto done;
    hs_pl_frame f = {0};
    hs_pl_axis_set(&f.ax, x0, x1, 1, 1);
    hs_pl_axis_set(&f.ay, y0, y1, 1, 1);
    f.ax.label = "simulated time T (ms)";
    f.ay.label = "KL(sampled \xe2\x80\x96 exact) (nats)";
    hs_pl_key keys[2] = {{"sampled", hs_pl_color(0), HS_PL_KEY_DOTLINE},
                         {"1/T", hs_pl_ink, HS_PL_KEY_DASH}};
    one_panel(&cv, &f, "KL divergence of the sampled distribution", keys, 2);
    hs_pl_line(cv.cr, &f, rx, ry, 2, hs_pl_ink, 1.1, 1);
    hs_pl_line(cv.cr, &f, T, K, t.nrow, hs_pl_color(0), 1.6, 0);
    hs_pl_dots(cv.cr, &f, T, K, t.nrow, hs_pl_color(0), 3);
    rc = hs_pl_commit(&cv, out, err);
done:
    if (cv.cr)
        hs_pl_discard(&cv);
    free(T);
    free(K);
    hs_pl_table_free(&t);
    return rc;
}

/* ---- compare ---------------------------------------------------------------------------- */

#define LABEL_LEN 200

/* One panel of horizontal bars from the left edge of the axis to v[i] (NaN or, on a log
 * axis, v <= 0 leaves row i empty), with error bars of half-width e[i] when e is not NULL. */
static void bars(cairo_t *cr, const hs_pl_frame *f, const double *v, const double *e,
                 const int *colour, size_t n)
{
    double half = fmin(0.3 * f->h / (double)n, 9);
    double base = hs_pl_px(f, f->ax.log ? f->ax.lo : 0);
    hs_pl_clip(cr, f);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (f->ax.log && v[i] <= 0))
            continue;
        hs_pl_rgb c = hs_pl_color((size_t)colour[i]);
        double y = hs_pl_py(f, (double)i), x = hs_pl_px(f, v[i]);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_rectangle(cr, base, y - half, x - base, 2 * half);
        cairo_fill(cr);
        if (!e || !(e[i] > 0))
            continue;
        double a = hs_pl_px(f, fmax(v[i] - e[i], f->ax.lo)), b = hs_pl_px(f, v[i] + e[i]);
        cairo_move_to(cr, a, y);
        cairo_line_to(cr, b, y);
        cairo_move_to(cr, a, y - 0.5 * half);
        cairo_line_to(cr, a, y + 0.5 * half);
        cairo_move_to(cr, b, y - 0.5 * half);
        cairo_line_to(cr, b, y + 0.5 * half);
        cairo_set_source_rgb(cr, 1, 1, 1);   /* a white halo keeps it visible on any bar */
        cairo_set_line_width(cr, 2.6);
        cairo_stroke_preserve(cr);
        cairo_set_source_rgb(cr, hs_pl_ink.r, hs_pl_ink.g, hs_pl_ink.b);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

int hs_plot_compare(const char *compare_tsv, const char *out, hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    hs_pl_table t;
    if ((rc = hs_pl_table_read(compare_tsv, "sampler", 0, &t, err)))
        return rc;
    enum { MEAN, MEAN_MC, VAR, VAR_MC, ESS, NV };
    static const char *const name[NV] = {"mean_err", "mean_mc", "var_err", "var_mc",
                                         "ess_per_s"};
    double *v[NV] = {0}, ehi[NV] = {0};
    char *text = malloc(t.nrow * LABEL_LEN);
    const char **label = malloc(t.nrow * sizeof *label);
    int *colour = malloc(t.nrow * sizeof *colour), cd = need_col(&t, "detail", err);
    hs_pl_canvas cv = {0};
    if (cd < 0) {
        rc = -cd;
        goto done;
    }
    for (int k = 0; k < NV; k++)
        if ((rc = num_col(&t, name[k], &v[k], err)))
            goto done;
    if (!text || !label || !colour) {
        rc = hs_nomem(err, compare_tsv);
        goto done;
    }
    int ncolour = 0;
    for (size_t r = 0; r < t.nrow; r++) {   /* labels; one colour per sampler name */
        const char *s = t.cell[r * t.ncol], *d = t.cell[r * t.ncol + (size_t)cd];
        snprintf(text + r * LABEL_LEN, LABEL_LEN, "%s%s%s", s, strstr(s, "sweep") ? " " : "",
                 strstr(s, "sweep") ? d : "");
        label[r] = text + r * LABEL_LEN;
        colour[r] = -1;
        for (size_t q = 0; q < r && colour[r] < 0; q++)
            if (!strcmp(t.cell[q * t.ncol], s))
                colour[r] = colour[q];
        if (colour[r] < 0)
            colour[r] = ncolour++;
    }
    double elo = INFINITY;
    for (size_t r = 0; r < t.nrow; r++) {
        ehi[MEAN] = fmax(ehi[MEAN], v[MEAN][r] + (isfinite(v[MEAN_MC][r]) ? v[MEAN_MC][r] : 0));
        ehi[VAR] = fmax(ehi[VAR], v[VAR][r] + (isfinite(v[VAR_MC][r]) ? v[VAR_MC][r] : 0));
    }
    range(v[ESS], t.nrow, 1, &elo, &ehi[ESS]);
    int has_ess = isfinite(elo);
    if ((rc = hs_pl_open(&cv, out, HS_PL_W, fmax(HS_PL_H, 150 + 22.0 * t.nrow), err)))
        goto done;
    char title[512];
    const char *net = hs_pl_table_meta(&t, "network"), *ref = hs_pl_table_meta(&t, "reference");
    snprintf(title, sizeof title, "Sampler comparison%s%s%s%s", net ? ", " : "",
             net ? net : "", ref ? " \xe2\x80\x94 reference: " : "", ref ? ref : "");
    double top = hs_pl_title(&cv, title) + 4;
    int np = has_ess ? 3 : 2;
    hs_pl_frame f[3] = {{0}};
    static const char *const ptitle[3] = {"Mean error", "Variance error",
                                          "Effective samples per s"};
    static const char *const xlabel[3] = {"|mean error| (reference sd)", "relative error",
                                          "ESS per wall second (1/s)"};
    for (int k = 0; k < np; k++) {
        hs_pl_axis_cats(&f[k].ay, label, t.nrow);
        f[k].ay.no_ticklabels = k > 0;
        if (k < 2)
            hs_pl_axis_set(&f[k].ax, 0, ehi[k ? VAR : MEAN] > 0 ? ehi[k ? VAR : MEAN] : 1, 0, 1);
        else
            hs_pl_axis_set(&f[k].ax, elo, ehi[ESS], 1, 1);
        f[k].ax.label = xlabel[k];
        f[k].title = ptitle[k];
    }
    /* fit the first panel (it carries the row labels), then share its width out equally;
     * the last panel's last tick label sets the right margin */
    hs_pl_fit(cv.cr, &f[0], 10, top, cv.w - 10, cv.h - 8);
    double gap = 30, right = 12;
    for (int pass = 0; pass < 2; pass++) {
        double pw = (cv.w - right - f[0].x - (np - 1) * gap) / np;
        for (int k = 0; k < np; k++) {
            f[k].x = f[0].x + k * (pw + gap);
            f[k].y = f[0].y;
            f[k].h = f[0].h;
            f[k].w = pw;
            hs_pl_fit_ticks(cv.cr, &f[k]);
        }
        const hs_pl_axis *a = &f[np - 1].ax;
        right = fmax(right, 4 + 0.5 * hs_pl_text_width(cv.cr, a->text[a->ntick - 1],
                                                        HS_PL_TICK_PT, 0));
    }
    for (int k = 0; k < np; k++)
        hs_pl_frame_draw(cv.cr, &f[k], 0);
    bars(cv.cr, &f[0], v[MEAN], v[MEAN_MC], colour, t.nrow);
    bars(cv.cr, &f[1], v[VAR], v[VAR_MC], colour, t.nrow);
    if (has_ess)
        bars(cv.cr, &f[2], v[ESS], NULL, colour, t.nrow);
    rc = hs_pl_commit(&cv, out, err);
done:
    if (cv.cr)
        hs_pl_discard(&cv);
    for (int k = 0; k < NV; k++)
        free(v[k]);
    free(text);
    free(label);
    free(colour);
    hs_pl_table_free(&t);
    return rc;
}

/* ---- learning curve --------------------------------------------------------------------- */

static int any_finite(const double *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(v[i]))
            return 1;
    return 0;
}

int hs_plot_learning(const char *learning_tsv, const char *out, double t0, double t1,
                     hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    hs_pl_table t;
    /* a hee: block's curve (model time), or an RBM's (epochs: hee-snn train of an rbm: file,
     * the epochs of a DBN's RBMs one after another) */
    int epochs = 0;
    if ((rc = hs_pl_table_read(learning_tsv, "time_ms", 0, &t, err))) {
        hs_error first = *err;
        if (hs_pl_table_read(learning_tsv, "epoch", 0, &t, err)) {
            *err = first;
            return rc;
        }
        epochs = 1;
        rc = HS_OK;
    }
    double *x = NULL, *tr = NULL, *ho = NULL, *w = NULL, *lay = NULL;
    hs_pl_canvas cv = {0};
    if ((rc = num_col(&t, epochs ? "epoch" : "time_ms", &x, err)))
        goto done;
    if (epochs) {   /* epochs of the later RBMs after those of the earlier ones */
        int cl = hs_pl_table_col(&t, "layer");
        if (cl >= 0 && (rc = hs_pl_table_num(&t, cl, &lay, err)))
            goto done;
        double off = 0, last = 0;
        for (size_t r = 0; r < t.nrow; r++) {
            if (lay && r > 0 && lay[r] != lay[r - 1])
                off += last;
            last = x[r];
            x[r] = (x[r] + off) * 1e3;   /* (scaled back below, as model time is) */
        }
    }
    int ctr = hs_pl_table_col(&t, "loglik_train"), cho = hs_pl_table_col(&t, "loglik_holdout");
    if ((ctr >= 0 && (rc = hs_pl_table_num(&t, ctr, &tr, err))) ||
        (cho >= 0 && (rc = hs_pl_table_num(&t, cho, &ho, err))))
        goto done;
    int has_ll = any_finite(tr, t.nrow) || any_finite(ho, t.nrow);
    if (!has_ll && (rc = num_col(&t, "w_norm", &w, err)))
        goto done;
    if (t1 > t0 && epochs) {
        rc = hs_error_set(err, HS_ECONFIG, learning_tsv, 0, 0, "--window selects model time; "
                          "an RBM's curve runs over epochs");
        goto done;
    }
    double *cols[3] = {tr, ho, w};
    if (!keep_window(x, t.nrow, t0, t1, cols, 3)) {
        rc = hs_error_set(err, HS_ECONFIG, learning_tsv, 0, 0, "no row in the window [%g, %g] ms",
                          t0, t1);
        goto done;
    }
    const char *meta = hs_pl_table_meta(&t, "loglik_max");
    double llmax = meta && has_ll ? strtod(meta, NULL) : NAN;
    double x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY, xmin = INFINITY;
    for (size_t r = 0; r < t.nrow; r++)
        x[r] *= 1e-3;
    range(x, t.nrow, 0, &xmin, &x1);
    if (has_ll) {
        if (tr)
            range(tr, t.nrow, 0, &y0, &y1);
        if (ho)
            range(ho, t.nrow, 0, &y0, &y1);
        range(&llmax, 1, 0, &y0, &y1);
    } else {
        range(w, t.nrow, 0, &y0, &y1);
    }
    if (!isfinite(y0) || !isfinite(x1)) {
        rc = hs_error_set(err, HS_ECONFIG, learning_tsv, 0, 0, "no finite %s values to plot",
                          has_ll ? "log-likelihood" : "w_norm");
        goto done;
    }
    if ((rc = hs_pl_open(&cv, out, HS_PL_W, HS_PL_H, err)))
        goto done;
    hs_pl_key keys[3];
    size_t nk = 0;
    if (tr && any_finite(tr, t.nrow))
        keys[nk++] = (hs_pl_key){"training items", hs_pl_color(0), HS_PL_KEY_LINE};
    if (ho && any_finite(ho, t.nrow))
        keys[nk++] = (hs_pl_key){"held-out items", hs_pl_color(1), HS_PL_KEY_LINE};
    if (isfinite(llmax))
        keys[nk++] = (hs_pl_key){"maximum (closed form)", hs_pl_ink, HS_PL_KEY_DASH};
    for (size_t k = 0; k < nk && t.nrow <= 60; k++)
        keys[k].style = keys[k].style == HS_PL_KEY_LINE ? HS_PL_KEY_DOTLINE : keys[k].style;
    const char *net = hs_pl_table_meta(&t, "network");
    char title[512];
    snprintf(title, sizeof title, "Learning curve%s%s", net ? ", " : "", net ? net : "");
    hs_pl_frame f = {0};
    hs_pl_axis_set(&f.ax, t1 > t0 ? xmin : fmin(xmin, 0), x1, 0, 0);   /* (window: its rows) */
    hs_pl_axis_set(&f.ay, y0, y1, 0, 1);
    f.ax.label = epochs ? "epoch" : "model time (s)";
    f.ay.label = has_ll ? "mean log-likelihood per item (nats)" : "weight norm w_norm";
    one_panel(&cv, &f, title, keys, nk);
    if (isfinite(llmax)) {
        double lx[2] = {f.ax.lo, f.ax.hi}, ly[2] = {llmax, llmax};
        hs_pl_line(cv.cr, &f, lx, ly, 2, hs_pl_ink, 1.1, 1);
    }
    const double *ys[3] = {has_ll ? tr : w, has_ll ? ho : NULL, NULL};
    for (int k = 0; k < 2; k++)
        if (ys[k]) {
            hs_pl_line(cv.cr, &f, x, ys[k], t.nrow, hs_pl_color((size_t)k), 1.6, 0);
            if (t.nrow <= 60)
                hs_pl_dots(cv.cr, &f, x, ys[k], t.nrow, hs_pl_color((size_t)k), 2.5);
        }
    rc = hs_pl_commit(&cv, out, err);
done:
    if (cv.cr)
        hs_pl_discard(&cv);
    free(x);
    free(tr);
    free(ho);
    free(w);
    free(lay);
    hs_pl_table_free(&t);
    return rc;
}
