/* spikes.c -- figures of a spike raster file: the raster itself, population rates, ISI and CV
 *
 * spikes.tsv is read in passes and never held in memory: the first pass finds the populations
 * (in order of first appearance), their largest neuron index and the time range, a second
 * pass draws or bins.  Memory is O(populations + neurons + bins).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot.h"
#include "plot/plot_int.h"
#include "util/error.h"
#include "util/infile.h"

#define NAME_MAX_LEN 72
#define MAX_POPS 4096
#define RASTER_CAP 2000000       /* dots drawn at most */
#define SVG_VECTOR_DOTS 100000   /* above this, SVG dots go into an embedded image */
#define MAX_BINS 1000000
#define ISI_DECADE_LO (-4)       /* ISI histogram grid: 1e-4 .. 1e8 ms, 20 bins a decade */
#define ISI_DECADES 12
#define ISI_FINE 20

typedef struct sp_pop {
    char name[NAME_MAX_LEN];
    uint32_t max_id;
    uint64_t n;
} sp_pop;

typedef struct sp_file {
    const char *path;
    FILE *f;
    char *line;
    size_t cap;
    int lineno;
    sp_pop *pop;
    int npop, last;
    double duration, t_max;   /* "# duration_ms:" (NaN if absent), last spike time */
    uint64_t n;
    char network[128];
} sp_file;

typedef struct spike {
    double t;
    int pop;
    uint32_t id;
} spike;

static int sp_open(sp_file *s, const char *path, hs_error *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->duration = NAN;
    s->t_max = -INFINITY;
    int nr;
    if (!(s->f = hs_fopen_regular(path, "r", &nr)))
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", hs_fopen_why(nr));
    return HS_OK;
}

static void sp_close(sp_file *s)
{
    if (s->f)
        fclose(s->f);
    free(s->line);
    free(s->pop);
    memset(s, 0, sizeof *s);
}

static int sp_rewind(sp_file *s, hs_error *err)
{
    s->lineno = 0;
    if (fseek(s->f, 0, SEEK_SET) != 0)
        return hs_error_set(err, HS_EIO, s->path, 0, 0, "cannot rewind: %s", strerror(errno));
    return HS_OK;
}

/* Find (or, when learning, add) the population named p[0..len); -code on error. */
static int sp_find(sp_file *s, const char *p, size_t len, int learn, hs_error *err)
{
    if (s->last < s->npop && !strncmp(s->pop[s->last].name, p, len) &&
        !s->pop[s->last].name[len])
        return s->last;
    for (int i = 0; i < s->npop; i++)
        if (!strncmp(s->pop[i].name, p, len) && !s->pop[i].name[len])
            return s->last = i;
    if (!learn)
        return -hs_error_set(err, HS_EIO, s->path, s->lineno, 0, "population '%.*s' was not "
                             "there on the first pass (file changed?)", (int)len, p);
    if (s->npop == MAX_POPS)
        return -hs_error_set(err, HS_ECONFIG, s->path, s->lineno, 0,
                             "more than %d populations", MAX_POPS);
    if (s->npop % 16 == 0) {
        sp_pop *q = realloc(s->pop, (size_t)(s->npop + 16) * sizeof *q);
        if (!q)
            return -hs_nomem(err, s->path);
        s->pop = q;
    }
    sp_pop *np = &s->pop[s->npop];
    memset(np, 0, sizeof *np);
    memcpy(np->name, p, len);
    return s->last = s->npop++;
}

/* Header comments the figures use: the run's duration and the network's name. */
static void sp_comment(sp_file *s, const char *c)
{
    c += strspn(c, "# ");
    if (!strncmp(c, "duration_ms:", 12))
        s->duration = strtod(c + 12, NULL);
    else if (!strncmp(c, "network:", 8))
        snprintf(s->network, sizeof s->network, "%s", c + 8 + strspn(c + 8, " "));
}

/* The next spike: 1, 0 at the end of the file, minus the error code on error.  learn adds
 * unknown populations and records the header; otherwise they are errors. */
static int sp_next(sp_file *s, int learn, spike *sp, hs_error *err)
{
    ssize_t len;
    while ((len = getline(&s->line, &s->cap, s->f)) >= 0) {
        s->lineno++;
        char *l = s->line;
        while (len > 0 && (l[len - 1] == '\n' || l[len - 1] == '\r' || l[len - 1] == ' '))
            l[--len] = '\0';
        if (l[0] == '#') {
            if (learn)
                sp_comment(s, l);
            continue;
        }
        if (!len || !strncmp(l, "time_ms\t", 8))
            continue;
        char *end, *name = strchr(l, '\t');
        errno = 0;
        sp->t = strtod(l, &end);
        if (end == l || end != name || !isfinite(sp->t) || sp->t < 0)
            return -hs_error_set(err, HS_ECONFIG, s->path, s->lineno, 1,
                                 "expected 'time_ms<TAB>population<TAB>neuron' with a time "
                                 ">= 0, got '%.40s'", l);
        name++;
        char *tab = strchr(name, '\t');
        if (!tab || tab == name || tab - name >= NAME_MAX_LEN)
            return -hs_error_set(err, HS_ECONFIG, s->path, s->lineno, (int)(name - l) + 1,
                                 "expected a population name (1 to %d bytes) and a tab",
                                 NAME_MAX_LEN - 1);
        unsigned long long id = tab[1] >= '0' && tab[1] <= '9' ? strtoull(tab + 1, &end, 10)
                                                                 : 0;
        if (tab[1] < '0' || tab[1] > '9' || *end || errno || id > UINT32_MAX)
            return -hs_error_set(err, HS_ECONFIG, s->path, s->lineno, (int)(tab - l) + 2,
                                 "expected a neuron index (0 to 4294967295), got '%.40s'",
                                 tab + 1);
        if ((sp->pop = sp_find(s, name, (size_t)(tab - name), learn, err)) < 0)
            return sp->pop;
        sp->id = (uint32_t)id;
        if (learn) {
            sp_pop *p = &s->pop[sp->pop];
            if (id > p->max_id || !p->n)
                p->max_id = (uint32_t)id;
            p->n++;
            s->n++;
            s->t_max = fmax(s->t_max, sp->t);
        } else if (sp->id > s->pop[sp->pop].max_id) {
            return -hs_error_set(err, HS_EIO, s->path, s->lineno, 0,
                                 "neuron index beyond the first pass (file changed?)");
        }
        return 1;
    }
    if (ferror(s->f))
        return -hs_error_set(err, HS_EIO, s->path, 0, 0, "read error: %s", strerror(errno));
    return 0;
}

/* Open path and read it once; counts the spikes in [t0, t1] into *nwin (all when t1 <= t0). */
static int sp_scan(sp_file *s, const char *path, double t0, double t1, uint64_t *nwin,
                   hs_error *err)
{
    int rc = sp_open(s, path, err), r;
    if (rc)
        return rc;
    spike sp;
    uint64_t n = 0;
    while ((r = sp_next(s, 1, &sp, err)) > 0)
        n += t1 <= t0 || (sp.t >= t0 && sp.t <= t1);
    if (r < 0)
        rc = -r;
    else if (!s->n)
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "nothing to draw: the raster holds no "
                          "spike (the run recorded none: its populations were silent, or "
                          "'record: spikes' named none of those that fired)");
    else
        rc = sp_rewind(s, err);
    if (rc) {
        sp_close(s);
        return rc;
    }
    if (nwin)
        *nwin = n;
    return HS_OK;
}

/* The run's end: the header's duration, or the last spike. */
static double sp_end(const sp_file *s)
{
    double T = isfinite(s->duration) ? fmax(s->duration, s->t_max) : s->t_max;
    return T > 0 ? T : 1;
}

/* " of NET" when the header names the network. */
static const char *of_network(const sp_file *s, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", s->network[0] ? ", " : "", s->network);
    return buf;
}

/* v with thousands separated by commas. */
static const char *grouped(uint64_t v, char *buf, size_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v), j = 0;
    for (int i = 0; i < len && (size_t)j + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = '\0';
    return buf;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Legend keys "name (N)" for every population, and room for one more; the text lives in buf
 * (NAME_MAX_LEN + 24 bytes each). */
static int pop_keys(const sp_file *s, const size_t *size, int style, hs_pl_key **keys,
                    char **buf)
{
    *keys = malloc((size_t)(s->npop + 1) * sizeof **keys);
    *buf = malloc((size_t)s->npop * (NAME_MAX_LEN + 24));
    if (!*keys || !*buf)
        return -1;
    for (int i = 0; i < s->npop; i++) {
        char *t = *buf + (size_t)i * (NAME_MAX_LEN + 24);
        snprintf(t, NAME_MAX_LEN + 24, "%s (%zu)", s->pop[i].name, size[i]);
        (*keys)[i] = (hs_pl_key){t, hs_pl_color((size_t)i), style};
    }
    return 0;
}

/* ---- raster ----------------------------------------------------------------------------- */

/* Second pass: draw the spikes in [t0, t1] keeping each with probability keep; returns the
 * number drawn, or minus the error code. */
static int64_t raster_dots(sp_file *s, cairo_t *cr, const hs_pl_frame *f, const size_t *off,
                           double t0, double t1, double tscale, double keep, hs_error *err)
{
    size_t ntot = off[s->npop];
    double row = f->h / (double)ntot;
    double dh = fmin(fmax(0.8 * row, 0.6), 12), dw = fmin(fmax(0.5 * dh, 1), 1.2);
    uint64_t k = 0, thresh = keep >= 1 ? UINT64_MAX : (uint64_t)(keep * 18446744073709551615.0);
    int64_t drawn = 0, batch = 0;
    int cur = -1, r;
    spike sp;
    while ((r = sp_next(s, 0, &sp, err)) > 0) {
        if (sp.t < t0 || sp.t > t1)
            continue;
        if (splitmix64(k++) > thresh)
            continue;
        if (sp.pop != cur || batch == 4096) {
            cairo_fill(cr);
            hs_pl_rgb c = hs_pl_color((size_t)sp.pop);
            cairo_set_source_rgb(cr, c.r, c.g, c.b);
            cur = sp.pop;
            batch = 0;
        }
        double x = hs_pl_px(f, sp.t * tscale), y = hs_pl_py(f, off[sp.pop] + sp.id + 0.5);
        cairo_rectangle(cr, x - dw / 2, y - dh / 2, dw, dh);
        batch++;
        drawn++;
    }
    cairo_fill(cr);
    return r < 0 ? r : drawn;
}

int hs_plot_raster(const char *spikes_tsv, const char *out, double t0, double t1,
                   hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    if (!isfinite(t0) || !isfinite(t1))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "the time window must be finite");
    int whole = t1 <= t0;
    sp_file s;
    uint64_t nwin;
    if ((rc = sp_scan(&s, spikes_tsv, t0, t1, &nwin, err)))
        return rc;
    if (whole) {
        t0 = 0;
        t1 = sp_end(&s);
    }
    size_t *off = malloc((size_t)(s.npop + 1) * sizeof *off);
    size_t *size = off ? malloc((size_t)s.npop * sizeof *size) : NULL;
    hs_pl_key *keys = NULL;
    char *kbuf = NULL;
    hs_pl_canvas cv = {0};
    if (!nwin) {
        rc = hs_error_set(err, HS_ECONFIG, spikes_tsv, 0, 0, "no spikes between %g and %g ms",
                          t0, t1);
        goto done;
    }
    if (!size)
        goto nomem;
    off[0] = 0;
    for (int i = 0; i < s.npop; i++) {
        size[i] = (size_t)s.pop[i].max_id + 1;
        off[i + 1] = off[i] + size[i];
    }
    if (pop_keys(&s, size, HS_PL_KEY_BOX, &keys, &kbuf))
        goto nomem;
    if ((rc = hs_pl_open(&cv, out, HS_PL_W, HS_PL_H, err)))
        goto done;
    cairo_t *cr = cv.cr;
    int secs = t1 - t0 > 10000;
    double tscale = secs ? 1e-3 : 1, top = HS_PL_TITLE_PT + 30;
    hs_pl_frame f = {0};
    hs_pl_axis_set(&f.ax, t0 * tscale, t1 * tscale, 0, 0);
    f.ax.label = secs ? "time (s)" : "time (ms)";
    hs_pl_axis_set(&f.ay, 0, (double)off[s.npop], 0, 0);
    if (off[s.npop] <= 10) {   /* few rows: label each at its centre */
        f.ay.ntick = (int)off[s.npop];
        for (int i = 0; i < f.ay.ntick; i++) {
            f.ay.tick[i] = i + 0.5;
            snprintf(f.ay.text[i], sizeof f.ay.text[i], "%d", i);
        }
    }
    f.ay.label = "neuron (populations stacked)";
    double lw = hs_pl_legend_width(cr, keys, (size_t)s.npop);
    hs_pl_fit(cr, &f, 10, top, cv.w - lw - 24, cv.h - 8);
    hs_pl_frame_draw(cr, &f, 0);
    hs_pl_legend(cr, f.x + f.w + 18, f.y, keys, (size_t)s.npop);

    cairo_save(cr);   /* population boundaries */
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 0.5);
    for (int i = 1; i < s.npop; i++) {
        cairo_move_to(cr, f.x, hs_pl_py(&f, (double)off[i]));
        cairo_line_to(cr, f.x + f.w, hs_pl_py(&f, (double)off[i]));
    }
    cairo_stroke(cr);
    cairo_restore(cr);

    double keep = nwin > RASTER_CAP ? (double)RASTER_CAP / (double)nwin : 1;
    cairo_surface_t *layer = NULL;
    cairo_t *dc = cr;
    if (svg && keep * (double)nwin > SVG_VECTOR_DOTS) {   /* an image inside the SVG */
        layer = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(3 * f.w),
                                           (int)ceil(3 * f.h));
        dc = cairo_create(layer);
        cairo_scale(dc, 3, 3);
        cairo_translate(dc, -f.x, -f.y);
    } else {
        hs_pl_clip(cr, &f);
    }
    int64_t drawn = raster_dots(&s, dc, &f, off, t0, t1, tscale, keep, err);
    if (layer) {
        cairo_destroy(dc);
        cairo_save(cr);
        cairo_translate(cr, f.x, f.y);
        cairo_scale(cr, 1.0 / 3, 1.0 / 3);
        cairo_set_source_surface(cr, layer, 0, 0);
        cairo_paint(cr);
        cairo_surface_destroy(layer);
    }
    cairo_restore(cr);
    if (drawn < 0) {
        rc = (int)-drawn;
        goto done;
    }
    char title[512], net[160], a[32], b[32];
    int len = snprintf(title, sizeof title, "Spike raster%s", of_network(&s, net, sizeof net));
    if (keep < 1)
        snprintf(title + len, sizeof title - (size_t)len,
                 " \xe2\x80\x94 %s of %s spikes drawn, chosen at random",
                 grouped((uint64_t)drawn, a, sizeof a), grouped(nwin, b, sizeof b));
    hs_pl_title(&cv, title);
    rc = hs_pl_commit(&cv, out, err);
    goto done;
nomem:
    rc = hs_nomem(err, spikes_tsv);
done:
    if (cv.cr)
        hs_pl_discard(&cv);
    free(off);
    free(size);
    free(keys);
    free(kbuf);
    sp_close(&s);
    return rc;
}

/* ---- rates ------------------------------------------------------------------------------ */

/* Neurons per population: the given sizes, else the largest index + 1. */
static int pop_sizes(const sp_file *s, const char *const *names, const size_t *sizes,
                     size_t n, size_t *size, hs_error *err)
{
    for (int i = 0; i < s->npop; i++) {
        size[i] = (size_t)s->pop[i].max_id + 1;
        for (size_t j = 0; j < n; j++)
            if (!strcmp(names[j], s->pop[i].name)) {
                if (sizes[j] < size[i])
                    return hs_error_set(err, HS_ECONFIG, s->path, 0, 0, "population '%s' "
                                        "has neuron %u but a given size of %zu", names[j],
                                        s->pop[i].max_id, sizes[j]);
                size[i] = sizes[j];
            }
    }
    return HS_OK;
}

int hs_plot_rate_sized(const char *spikes_tsv, const char *out, double bin_ms, double t0,
                       double t1, const char *const *names, const size_t *sizes, size_t n,
                       hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    if (!(bin_ms > 0) || !isfinite(bin_ms))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "the bin width must be > 0 ms");
    if (!isfinite(t0) || !isfinite(t1))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "the window must be finite");
    sp_file s;
    if ((rc = sp_scan(&s, spikes_tsv, 0, 0, NULL, err)))
        return rc;
    const double T = sp_end(&s);
    if (t1 <= t0) {   /* the whole run */
        t0 = 0;
        t1 = T;
    } else if (t0 >= T) {
        rc = hs_error_set(err, HS_ECONFIG, spikes_tsv, 0, 0, "the window starts at %g ms, at "
                          "or after the run's end (%g ms)", t0, T);
        sp_close(&s);
        return rc;
    }
    t1 = fmin(t1, T);
    double nbd = ceil((t1 - t0) / bin_ms - 1e-9);
    double *cnt = NULL, *x = NULL;
    size_t *size = NULL;
    hs_pl_key *keys = NULL;
    char *kbuf = NULL;
    hs_pl_canvas cv = {0};
    if (nbd > MAX_BINS) {   /* before nbd becomes a size_t, which it may not fit (fuzzing) */
        rc = hs_error_set(err, HS_ECONFIG, spikes_tsv, 0, 0, "bins of %g ms over %g ms make "
                          "more than %d bins", bin_ms, t1 - t0, MAX_BINS);
        goto done;
    }
    size_t nb = nbd < 1 ? 1 : (size_t)nbd, np = (size_t)s.npop;
    cnt = calloc(np * nb, sizeof *cnt);
    x = malloc(nb * sizeof *x);
    size = malloc(np * sizeof *size);
    if (!cnt || !x || !size) {
        rc = hs_nomem(err, spikes_tsv);
        goto done;
    }
    if ((rc = pop_sizes(&s, names, sizes, n, size, err)))
        goto done;
    spike sp;
    int r;
    while ((r = sp_next(&s, 0, &sp, err)) > 0) {
        if (sp.t < t0 || sp.t > t1 || (sp.t == t1 && t1 < T))   /* [t0, t1), the run's end in */
            continue;
        size_t b = (size_t)((sp.t - t0) / bin_ms);
        cnt[(size_t)sp.pop * nb + (b < nb ? b : nb - 1)] += 1;
    }
    if (r < 0) {
        rc = -r;
        goto done;
    }
    int secs = t1 - t0 > 10000;
    double tscale = secs ? 1e-3 : 1, ymax = 0;
    for (size_t b = 0; b < nb; b++) {
        double lo = t0 + b * bin_ms, hi = fmin(t0 + (b + 1) * bin_ms, t1);
        x[b] = 0.5 * (lo + hi) * tscale;
        for (size_t p = 0; p < np; p++) {
            double *c = &cnt[p * nb + b];
            *c = hi > lo ? *c / (size[p] * (hi - lo) * 1e-3) : NAN;
            ymax = fmax(ymax, *c);
        }
    }
    if (pop_keys(&s, size, nb > 60 ? HS_PL_KEY_LINE : HS_PL_KEY_DOTLINE, &keys, &kbuf)) {
        rc = hs_nomem(err, spikes_tsv);
        goto done;
    }
    if ((rc = hs_pl_open(&cv, out, HS_PL_W, HS_PL_H, err)))
        goto done;
    cairo_t *cr = cv.cr;
    char title[512], net[160];
    snprintf(title, sizeof title, "Population rates%s (bins of %g ms)",
             of_network(&s, net, sizeof net), bin_ms);
    double top = hs_pl_title(&cv, title);
    hs_pl_frame f = {0};
    hs_pl_axis_set(&f.ax, t0 * tscale, t1 * tscale, 0, 0);
    f.ax.label = secs ? "time (s)" : "time (ms)";
    hs_pl_axis_set(&f.ay, 0, ymax > 0 ? ymax : 1, 0, 1);
    f.ay.label = "rate per neuron (Hz)";
    double lw = np > 1 ? hs_pl_legend_width(cr, keys, np) + 18 : 0;
    hs_pl_fit(cr, &f, 10, top, cv.w - lw - 6, cv.h - 8);
    hs_pl_frame_draw(cr, &f, 1);
    for (size_t p = 0; p < np; p++) {
        hs_pl_line(cr, &f, x, cnt + p * nb, nb, hs_pl_color(p), nb > 400 ? 1 : 1.5, 0);
        if (nb <= 60)
            hs_pl_dots(cr, &f, x, cnt + p * nb, nb, hs_pl_color(p), 2.2);
    }
    if (np > 1)
        hs_pl_legend(cr, f.x + f.w + 18, f.y, keys, np);
    rc = hs_pl_commit(&cv, out, err);
done:
    if (cv.cr)
        hs_pl_discard(&cv);
    free(cnt);
    free(x);
    free(size);
    free(keys);
    free(kbuf);
    sp_close(&s);
    return rc;
}

int hs_plot_rate(const char *spikes_tsv, const char *out, double bin_ms, double t0, double t1,
                 hs_error *err)
{
    return hs_plot_rate_sized(spikes_tsv, out, bin_ms, t0, t1, NULL, NULL, 0, err);
}

/* ---- ISI and CV ------------------------------------------------------------------------- */

#define ISI_NH (ISI_DECADES * ISI_FINE)
#define CV_MAXBINS 64

typedef struct isi_state {
    int only;             /* the population plotted, -1 for all */
    double t0, t1;        /* the window (all spikes when t1 <= t0) */
    size_t *off;          /* first neuron slot of each population (npop + 1) */
    /* A population whose largest neuron index exceeds its spikes (a sparse raster: a few
     * neurons with large indices) gets a slot per spiking neuron, found by hashing (pop, id),
     * instead of a slot per index: memory follows the spikes, not the indices. */
    unsigned char *sparse;
    size_t *used;         /* per sparse population: slots handed out */
    uint64_t *hkey;       /* (pop << 32 | id) + 1, 0 when empty */
    size_t *hval, hcap;   /* slot of each key; capacity, a power of two */
    double *last, *mean, *m2;
    uint32_t *cnt;        /* intervals per neuron */
    double *hist;         /* npop x ISI_NH interval counts on the fine grid */
    uint64_t *nisi;
} isi_state;

static int isi_shown(const isi_state *st, int p)
{
    return st->only < 0 || p == st->only;
}

/* The slot of neuron id of population p. */
static size_t isi_slot(isi_state *st, int p, uint32_t id)
{
    if (!st->sparse[p])
        return st->off[p] + id;
    const uint64_t key = ((uint64_t)(uint32_t)p << 32 | id) + 1;
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (st->hcap - 1);
    while (st->hkey[h] && st->hkey[h] != key)
        h = (h + 1) & (st->hcap - 1);
    if (!st->hkey[h]) {   /* its first spike (a population's spikes bound its slots) */
        st->hkey[h] = key;
        st->hval[h] = st->off[p] + st->used[p]++;
    }
    return st->hval[h];
}

/* Second pass: per-neuron interval statistics (Welford) and the fine log histogram. */
static int isi_pass(sp_file *s, isi_state *st, hs_error *err)
{
    spike sp;
    int r;
    while ((r = sp_next(s, 0, &sp, err)) > 0) {
        if (!isi_shown(st, sp.pop) || (st->t1 > st->t0 && (sp.t < st->t0 || sp.t > st->t1)))
            continue;
        size_t j = isi_slot(st, sp.pop, sp.id);
        double prev = st->last[j], d = sp.t - prev;
        st->last[j] = sp.t;
        if (isnan(prev) || d == 0)   /* a first spike; a zero interval has no log */
            continue;
        if (d < 0)
            return hs_error_set(err, HS_ECONFIG, s->path, s->lineno, 1, "spike of %s %u "
                                "earlier than its previous one", s->pop[sp.pop].name, sp.id);
        double k = floor((log10(d) - ISI_DECADE_LO) * ISI_FINE);
        size_t b = k < 0 ? 0 : k >= ISI_NH ? ISI_NH - 1 : (size_t)k;
        st->hist[(size_t)sp.pop * ISI_NH + b] += 1;
        st->nisi[sp.pop]++;
        uint32_t c = ++st->cnt[j];
        double delta = d - st->mean[j];
        st->mean[j] += delta / c;
        st->m2[j] += delta * (d - st->mean[j]);
    }
    return r < 0 ? -r : HS_OK;
}

/* Left panel: the fine grid cropped to the bins with data, merged to 10 bins a decade unless
 * there are 20000 intervals or more; each population as fractions of its intervals. */
static void isi_panel(cairo_t *cr, const sp_file *s, const isi_state *st, double x0, double y0,
                      double x1, double y1)
{
    size_t b0 = ISI_NH, b1 = 0;
    uint64_t total = 0;
    for (int p = 0; p < s->npop; p++) {
        total += st->nisi[p];
        for (size_t b = 0; b < ISI_NH; b++)
            if (st->hist[(size_t)p * ISI_NH + b] > 0) {
                b0 = b < b0 ? b : b0;
                b1 = b > b1 ? b : b1;
            }
    }
    size_t merge = total >= 20000 ? 1 : 2;
    b0 -= b0 % merge;
    size_t nb = (b1 - b0) / merge + 1;
    double edge[ISI_NH + 1], v[ISI_NH], ymax = 0;
    for (size_t i = 0; i <= nb; i++)
        edge[i] = pow(10, ISI_DECADE_LO + (double)(b0 + i * merge) / ISI_FINE);
    for (int pass = 0; pass < 2; pass++) {   /* find the y range, then draw */
        hs_pl_frame f = {0};
        if (pass) {
            hs_pl_axis_set(&f.ax, edge[0], edge[nb], 1, 1);
            hs_pl_axis_set(&f.ay, 0, ymax, 0, 1);
            f.ax.label = "inter-spike interval (ms)";
            f.ay.label = "fraction of intervals";
            f.title = merge == 1 ? "ISI distribution (20 bins per decade)"
                                 : "ISI distribution (10 bins per decade)";
            hs_pl_fit(cr, &f, x0, y0, x1, y1);
            hs_pl_frame_draw(cr, &f, 0);
        }
        for (int p = 0; p < s->npop; p++) {
            if (!st->nisi[p])
                continue;
            for (size_t i = 0; i < nb; i++) {
                v[i] = 0;
                for (size_t m = 0; m < merge && b0 + i * merge + m < ISI_NH; m++)
                    v[i] += st->hist[(size_t)p * ISI_NH + b0 + i * merge + m];
                v[i] /= (double)st->nisi[p];
                ymax = fmax(ymax, v[i]);
            }
            if (pass)
                hs_pl_hist(cr, &f, edge, v, nb, hs_pl_color((size_t)p),
                           st->only >= 0 ? 0.25 : 0.12);
        }
    }
}

static double neuron_cv(const isi_state *st, size_t j)
{
    return sqrt(st->m2[j] / (st->cnt[j] - 1)) / st->mean[j];
}

/* Right panel: histograms of the CV of neurons with 2 or more intervals, fractions of each
 * population's such neurons, with the Poisson value 1 dashed. */
static void cv_panel(cairo_t *cr, const sp_file *s, const isi_state *st, double *h, double x0,
                     double y0, double x1, double y1)
{
    double cmax = 0, ymax = 0;
    size_t ncv = 0;
    for (int p = 0; p < s->npop; p++)
        for (size_t j = st->off[p]; j < st->off[p + 1]; j++)
            if (st->cnt[j] >= 2) {
                cmax = fmax(cmax, neuron_cv(st, j));
                ncv++;
            }
    double step = hs_pl_nice_step(fmax(cmax, 1.2), 25);
    size_t nb = (size_t)ceil(fmax(cmax, 1.2) / step - 1e-9);
    double edge[CV_MAXBINS + 1];
    for (size_t i = 0; i <= nb; i++)
        edge[i] = (double)i * step;
    for (int p = 0; p < s->npop; p++) {
        double *hp = h + (size_t)p * CV_MAXBINS, np = 0;
        for (size_t j = st->off[p]; j < st->off[p + 1]; j++)
            if (st->cnt[j] >= 2) {
                size_t b = (size_t)(neuron_cv(st, j) / step);
                hp[b < nb ? b : nb - 1] += 1;
                np++;
            }
        for (size_t b = 0; b < nb && np > 0; b++)
            ymax = fmax(ymax, hp[b] /= np);
    }
    hs_pl_frame f = {0};
    char title[96];
    snprintf(title, sizeof title, "CV per neuron (%zu with \xe2\x89\xa5 2 intervals)", ncv);
    f.title = title;
    hs_pl_axis_set(&f.ax, 0, edge[nb], 0, 1);
    hs_pl_axis_set(&f.ay, 0, ymax > 0 ? ymax : 1, 0, 1);
    f.ax.label = "CV of the inter-spike interval";
    f.ay.label = "fraction of neurons";
    hs_pl_fit(cr, &f, x0, y0, x1, y1);
    hs_pl_frame_draw(cr, &f, 0);
    for (int p = 0; p < s->npop; p++)
        if (isi_shown(st, p) && st->off[p + 1] > st->off[p])
            hs_pl_hist(cr, &f, edge, h + (size_t)p * CV_MAXBINS, nb, hs_pl_color((size_t)p),
                       st->only >= 0 ? 0.25 : 0.12);
    double xs[2] = {1, 1}, ys[2] = {f.ay.lo, f.ay.hi};
    hs_pl_line(cr, &f, xs, ys, 2, hs_pl_ink, 1.1, 1);
}

int hs_plot_isi(const char *spikes_tsv, const char *out, const char *population, double t0,
                double t1, hs_error *err)
{
    int svg, rc = hs_pl_format(out, &svg, err);
    if (rc)
        return rc;
    if (!isfinite(t0) || !isfinite(t1))
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "the window must be finite");
    sp_file s;
    if ((rc = sp_scan(&s, spikes_tsv, 0, 0, NULL, err)))
        return rc;
    isi_state st = {.only = -1, .t0 = t0, .t1 = t1};
    size_t np = (size_t)s.npop, *size = NULL, nk = 0;
    hs_pl_key *keys = NULL;
    char *kbuf = NULL;
    double *cvh = NULL;
    hs_pl_canvas cv = {0};
    for (int p = 0; population && p < s.npop && st.only < 0; p++)
        if (!strcmp(s.pop[p].name, population))
            st.only = p;
    if (population && st.only < 0) {
        rc = hs_error_set(err, HS_ECONFIG, spikes_tsv, 0, 0,
                          "no spikes of a population '%s' in the file", population);
        goto done;
    }
    st.off = malloc((np + 1) * sizeof *st.off);
    size = malloc(np * sizeof *size);
    st.sparse = calloc(np + 1, 1);
    st.used = calloc(np + 1, sizeof *st.used);
    if (!st.off || !size || !st.sparse || !st.used)
        goto nomem;
    st.off[0] = 0;
    size_t nsparse = 0;
    for (size_t p = 0; p < np; p++) {
        size[p] = (size_t)s.pop[p].max_id + 1;
        size_t slots = size[p];
        if (isi_shown(&st, (int)p) && s.pop[p].n < size[p]) {
            st.sparse[p] = 1;
            slots = (size_t)s.pop[p].n;
            nsparse += slots;
        }
        st.off[p + 1] = st.off[p] + (isi_shown(&st, (int)p) ? slots : 0);
    }
    for (st.hcap = 16; st.hcap < 2 * nsparse; st.hcap *= 2)
        ;
    st.hkey = calloc(st.hcap, sizeof *st.hkey);
    st.hval = malloc(st.hcap * sizeof *st.hval);
    if (!st.hkey || !st.hval)
        goto nomem;
    size_t nn = st.off[np];
    st.last = malloc(nn * sizeof *st.last);
    st.mean = calloc(nn, sizeof *st.mean);
    st.m2 = calloc(nn, sizeof *st.m2);
    st.cnt = calloc(nn, sizeof *st.cnt);
    st.hist = calloc(np * ISI_NH, sizeof *st.hist);
    st.nisi = calloc(np, sizeof *st.nisi);
    cvh = calloc(np * CV_MAXBINS, sizeof *cvh);
    if (!st.last || !st.mean || !st.m2 || !st.cnt || !st.hist || !st.nisi || !cvh)
        goto nomem;
    for (size_t j = 0; j < nn; j++)
        st.last[j] = NAN;
    if ((rc = isi_pass(&s, &st, err)))
        goto done;
    uint64_t total = 0;
    for (size_t p = 0; p < np; p++)
        total += st.nisi[p];
    if (!total) {
        char win[96] = "";
        if (t1 > t0)
            snprintf(win, sizeof win, " in the window [%g, %g] ms", t0, t1);
        rc = hs_error_set(err, HS_ECONFIG, spikes_tsv, 0, 0, "no neuron%s%s spiked twice%s",
                          population ? " of " : "", population ? population : "", win);
        goto done;
    }
    if (pop_keys(&s, size, HS_PL_KEY_BOX, &keys, &kbuf))
        goto nomem;
    for (size_t p = 0; p < np; p++)   /* the populations drawn, then the CV = 1 line */
        if (isi_shown(&st, (int)p))
            keys[nk++] = keys[p];
    keys[nk++] = (hs_pl_key){"CV = 1 (Poisson)", hs_pl_ink, HS_PL_KEY_DASH};
    if ((rc = hs_pl_open(&cv, out, HS_PL_W, HS_PL_H, err)))
        goto done;
    char title[512], net[160];
    snprintf(title, sizeof title, "Inter-spike intervals%s%s%s",
             of_network(&s, net, sizeof net), population ? ", population " : "",
             population ? population : "");
    double top = hs_pl_title(&cv, title) + 4;
    double right = cv.w - hs_pl_legend_width(cv.cr, keys, nk) - 24, mid = 10 + (right - 10) / 2;
    isi_panel(cv.cr, &s, &st, 10, top, mid - 12, cv.h - 8);
    cv_panel(cv.cr, &s, &st, cvh, mid + 12, top, right, cv.h - 8);
    hs_pl_legend(cv.cr, right + 18, top + HS_PL_LABEL_PT + 10, keys, nk);
    rc = hs_pl_commit(&cv, out, err);
    goto done;
nomem:
    rc = hs_nomem(err, spikes_tsv);
done:
    if (cv.cr)
        hs_pl_discard(&cv);
    free(st.off);
    free(st.sparse);
    free(st.used);
    free(st.hkey);
    free(st.hval);
    free(st.last);
    free(st.mean);
    free(st.m2);
    free(st.cnt);
    free(st.hist);
    free(st.nisi);
    free(cvh);
    free(size);
    free(keys);
    free(kbuf);
    sp_close(&s);
    return rc;
}
