/* datafile.c -- reading numeric text files: matrices, vectors and edge lists */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/datafile.h"
#include "util/error.h"
#include "util/infile.h"

int hs_file_slurp(const char *path, size_t max, char **text, size_t *len, hs_error *err)
{
    *text = NULL;
    int nr;
    FILE *f = hs_fopen_regular(path, "rb", &nr);
    if (!f)
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", hs_fopen_why(nr));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return hs_error_set(err, HS_EIO, path, 0, 0, "not a regular file");
    }
    if ((uintmax_t)st.st_size > max) {
        fclose(f);
        return hs_error_set(err, HS_EIO, path, 0, 0, "file too large (%jd bytes, limit %zu)",
                            (intmax_t)st.st_size, max);
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        fclose(f);
        return hs_error_set(err, HS_ENOMEM, path, 0, 0, "out of memory reading the file");
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        return hs_error_set(err, HS_EIO, path, 0, 0, "read error");
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return HS_OK;
}

/* Tokeniser over lines: calls back for each number with its line and column. */
typedef struct scan {
    const char *path;
    char *p;
    int line;
    char *line_start;
} scan;

/* Next token on the current line (skipping spaces and comments); NULL at end of line.
 * Advances over the newline when the line ends. */
static char *next_token(scan *s, int *col, int *eol)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == ',')
        s->p++;
    if (*s->p == '#')
        while (*s->p && *s->p != '\n')
            s->p++;
    if (*s->p == '\n' || !*s->p) {
        *eol = 1;
        if (*s->p == '\n') {
            s->p++;
            s->line++;
            s->line_start = s->p;
        }
        return NULL;
    }
    *eol = 0;
    char *tok = s->p;
    *col = (int)(tok - s->line_start) + 1;
    while (*s->p && *s->p != ' ' && *s->p != '\t' && *s->p != '\r' && *s->p != '\n' &&
           *s->p != ',' && *s->p != '#')
        s->p++;
    return tok;
}

static int parse_tok(const char *tok, const char *end, double *v)
{
    char buf[128];
    size_t n = (size_t)(end - tok);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, tok, n);
    buf[n] = '\0';
    char *e;
    errno = 0;
    *v = strtod(buf, &e);
    return (e == buf || *e || errno == ERANGE || !isfinite(*v)) ? -1 : 0;
}

int hs_datafile_read(const char *path, hs_datafile *out, hs_error *err)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    int rc = hs_file_slurp(path, HS_MAX_DATAFILE_BYTES, &text, &len, err);
    if (rc)
        return rc;
    size_t cap = 1024;
    double *data = malloc(cap * sizeof *data);
    if (!data) {
        free(text);
        return hs_nomem(err, path);
    }
    scan s = {.path = path, .p = text, .line = 1, .line_start = text};
    out->rectangular = 1;
    size_t on_line = 0;
    while (*s.p || on_line) {
        int col, eol, line = s.line;
        char *tok = next_token(&s, &col, &eol);
        if (eol) {
            if (on_line) {
                if (out->rows == 0)
                    out->cols = on_line;
                else if (on_line != out->cols && out->rectangular) {
                    out->rectangular = 0;
                    out->bad_line = line;
                }
                out->rows++;
            }
            on_line = 0;
            if (!*s.p)
                break;
            continue;
        }
        double v;
        if (parse_tok(tok, s.p, &v) != 0) {
            char save = *s.p;
            *s.p = '\0';
            hs_error_set(err, HS_ECONFIG, path, line, col, "expected a finite number, got '%s'",
                         tok);
            *s.p = save;
            free(data);
            free(text);
            return HS_ECONFIG;
        }
        if (out->count == cap) {
            cap *= 2;
            double *d = realloc(data, cap * sizeof *d);
            if (!d) {
                free(data);
                free(text);
                return hs_nomem(err, path);
            }
            data = d;
        }
        data[out->count++] = v;
        on_line++;
    }
    free(text);
    if (out->count == 0) {
        free(data);
        return hs_error_set(err, HS_ECONFIG, path, 0, 0, "the file holds no numbers");
    }
    out->data = data;
    return HS_OK;
}

void hs_datafile_release(hs_datafile *df)
{
    free(df->data);
    df->data = NULL;
}

/* Grow the array *a of elements of size bytes to cap elements; -1 (and *a kept) when out of
 * memory.  (The line readers below keep parallel arrays growing together.) */
static int grow(void *a, size_t size, size_t cap)
{
    void *p, *q;
    memcpy(&p, a, sizeof p);   /* (a is a T **: copied, not read through a void **) */
    if (!(q = realloc(p, cap * size)))
        return -1;
    memcpy(a, &q, sizeof q);
    return 0;
}

/* The numbers of the next line (at most max; shape names them for the error), their columns,
 * and the line's number; *nf = 0 for an empty or comment line. */
static int line_fields(scan *s, const char *path, int max, const char *shape, double *f,
                       int *cols, int *nf, int *line, hs_error *err)
{
    int eol = 0;
    *nf = 0;
    *line = s->line;
    while (!eol) {
        int col;
        char *tok = next_token(s, &col, &eol);
        if (eol)
            break;
        if (*nf == max)
            return hs_error_set(err, HS_ECONFIG, path, *line, col,
                                "too many fields (expected: %s)", shape);
        if (parse_tok(tok, s->p, &f[*nf]) != 0)
            return hs_error_set(err, HS_ECONFIG, path, *line, col, "expected a number");
        cols[(*nf)++] = col;
    }
    return HS_OK;
}

int hs_edges_read(const char *path, uint32_t npre, uint32_t npost, hs_dim wdim, hs_edges *out,
                  hs_error *err)
{
    (void)wdim;
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    int rc = hs_file_slurp(path, HS_MAX_DATAFILE_BYTES, &text, &len, err);
    if (rc)
        return rc;
    scan s = {.path = path, .p = text, .line = 1, .line_start = text};
    size_t cap = 0;
    int has_delay = -1;   /* unknown until the first edge */
    rc = HS_OK;
    while (*s.p && rc == HS_OK) {
        double f[4];
        int cols[4], nf, line;
        rc = line_fields(&s, path, 4, "pre post weight [delay]", f, cols, &nf, &line, err);
        if (rc || nf == 0)
            continue;
        if (nf < 3) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, 1,
                              "expected 'pre post weight [delay]', got %d fields", nf);
            break;
        }
        if (has_delay < 0)
            has_delay = nf == 4;
        if (has_delay != (nf == 4)) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, 1,
                              "every edge line must give a delay, or none");
            break;
        }
        if (f[0] < 0 || f[0] != floor(f[0]) || f[0] >= npre) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[0],
                              "presynaptic index %g is not in 0..%u", f[0], npre - 1);
            break;
        }
        if (f[1] < 0 || f[1] != floor(f[1]) || f[1] >= npost) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[1],
                              "postsynaptic index %g is not in 0..%u", f[1], npost - 1);
            break;
        }
        if (nf == 4 && f[3] < 0) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[3], "negative delay %g", f[3]);
            break;
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 1024;
            if (grow(&out->pre, sizeof *out->pre, cap) || grow(&out->post, sizeof *out->post, cap) ||
                grow(&out->w, sizeof *out->w, cap) ||
                (has_delay && grow(&out->delay, sizeof *out->delay, cap))) {
                rc = hs_nomem(err, path);
                break;
            }
        }
        out->pre[out->n] = (uint32_t)f[0];
        out->post[out->n] = (uint32_t)f[1];
        out->w[out->n] = f[2];
        if (has_delay)
            out->delay[out->n] = f[3];
        out->n++;
    }
    free(text);
    if (rc == HS_OK && out->n == 0)
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "the edges file holds no edges");
    if (rc) {
        free(out->pre);
        free(out->post);
        free(out->w);
        free(out->delay);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

int hs_times_read(const char *path, uint32_t n, hs_times *out, hs_error *err)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    int rc = hs_file_slurp(path, HS_MAX_DATAFILE_BYTES, &text, &len, err);
    if (rc)
        return rc;
    scan s = {.path = path, .p = text, .line = 1, .line_start = text};
    size_t cap = 0;
    while (*s.p && rc == HS_OK) {
        double f[2];
        int cols[2], nf, line;
        rc = line_fields(&s, path, 2, "neuron time_ms", f, cols, &nf, &line, err);
        if (rc || nf == 0)
            continue;
        if (nf < 2) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, 1,
                              "expected 'neuron time_ms', got one field");
            break;
        }
        if (f[0] < 0 || f[0] != floor(f[0]) || f[0] >= n) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[0],
                              "neuron %g is not in 0..%u", f[0], n - 1);
            break;
        }
        if (!(f[1] >= 0) || !isfinite(f[1])) {
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[1],
                              "spike time %g ms is not a finite time >= 0", f[1]);
            break;
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 1024;
            if (grow(&out->neuron, sizeof *out->neuron, cap) || grow(&out->t, sizeof *out->t, cap)) {
                rc = hs_nomem(err, path);
                break;
            }
        }
        out->neuron[out->n] = (uint32_t)f[0];
        out->t[out->n] = f[1];
        out->n++;
    }
    free(text);
    if (rc)
        hs_times_release(out);
    return rc;
}

void hs_times_release(hs_times *t)
{
    free(t->neuron);
    free(t->t);
    memset(t, 0, sizeof *t);
}

int hs_rates_read(const char *path, double max_hz, size_t *n, double **t, double **v,
                  hs_error *err)
{
    *n = 0;
    *t = *v = NULL;
    char *text;
    size_t len, cap = 0;
    int rc = hs_file_slurp(path, HS_MAX_DATAFILE_BYTES, &text, &len, err);
    if (rc)
        return rc;
    scan s = {.path = path, .p = text, .line = 1, .line_start = text};
    while (*s.p && rc == HS_OK) {
        double f[2];
        int cols[2], nf, line;
        rc = line_fields(&s, path, 2, "time_ms rate_hz", f, cols, &nf, &line, err);
        if (rc || nf == 0)
            continue;
        if (nf < 2)
            rc = hs_error_set(err, HS_ECONFIG, path, line, 1,
                              "expected 'time_ms rate_hz', got one field");
        else if (!(f[0] >= 0) || !isfinite(f[0]) || (*n > 0 && !(f[0] > (*t)[*n - 1])))
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[0],
                              "time %g ms: times are finite, >= 0 and ascending", f[0]);
        else if (!(f[1] >= 0) || !(f[1] <= max_hz))
            rc = hs_error_set(err, HS_ECONFIG, path, line, cols[1],
                              "rate %g Hz is not in [0, %g] Hz", f[1], max_hz);
        if (rc)
            break;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            if (grow(t, sizeof **t, cap) || grow(v, sizeof **v, cap)) {
                rc = hs_nomem(err, path);
                break;
            }
        }
        (*t)[*n] = f[0];
        (*v)[(*n)++] = f[1];
    }
    free(text);
    if (rc == HS_OK && *n == 0)
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "the rates file holds no rates");
    if (rc) {
        free(*t);
        free(*v);
        *t = *v = NULL;
        *n = 0;
    }
    return rc;
}
