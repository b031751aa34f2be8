/* table.c -- small tab-separated tables with a header line, read whole, for the plots */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_int.h"
#include "util/error.h"
#include "util/infile.h"

#define MAX_COLS 256

/* Split s at tabs in place, trimming spaces around fields; up to max fields are stored with
 * their byte offsets from s.  Returns the number of fields (which may exceed max). */
static size_t split(char *s, char **field, int *off, size_t max)
{
    size_t n = 0;
    char *p = s;
    for (;;) {
        char *end = strchr(p, '\t');
        if (end)
            *end = '\0';
        while (*p == ' ')
            p++;
        for (char *q = p + strlen(p); q > p && q[-1] == ' ';)
            *--q = '\0';
        if (n < max) {
            field[n] = p;
            off[n] = (int)(p - s);
        }
        n++;
        if (!end)
            return n;
        p = end + 1;
    }
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int starts_header(const char *s, const char *first)
{
    size_t n = strlen(first);
    return !strncmp(s, first, n) && (s[n] == '\0' || s[n] == '\t' || s[n] == ' ');
}

int hs_pl_table_read(const char *path, const char *first, int skip_preamble, hs_pl_table *t,
                     hs_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    int nr;
    FILE *f = hs_fopen_regular(path, "r", &nr);
    if (!f)
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", hs_fopen_why(nr));
    char *line = NULL, *field[MAX_COLS];
    int off[MAX_COLS], lineno = 0, rc = HS_OK;
    size_t cap = 0, kcap = 0, rcap = 0, lcap = 0, ccap = 0, ocap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *s = line + strspn(line, " \t");
        if (*s == '#') {
            char *c = strdup(s + 1 + strspn(s + 1, " "));
            if (!c || grow((void **)&t->comment, &kcap, t->ncomment + 1, sizeof(char *))) {
                free(c);
                goto nomem;
            }
            t->comment[t->ncomment++] = c;
            continue;
        }
        if (!*s) {
            if (t->nrow && skip_preamble)
                break;
            continue;
        }
        if (!t->head) {
            if (first && !starts_header(s, first)) {
                if (skip_preamble)
                    continue;
                rc = hs_error_set(err, HS_ECONFIG, path, lineno, (int)(s - line) + 1,
                                  "expected the header line, starting with '%s'", first);
                goto out;
            }
            size_t n = split(s, field, off, MAX_COLS);
            if (n > MAX_COLS) {
                rc = hs_error_set(err, HS_ECONFIG, path, lineno, 0, "more than %d columns",
                                  MAX_COLS);
                goto out;
            }
            if (!(t->head = calloc(n, sizeof *t->head)))
                goto nomem;
            t->ncol = n;
            for (size_t i = 0; i < n; i++)
                if (!(t->head[i] = strdup(field[i])))
                    goto nomem;
            continue;
        }
        char *text = strdup(line);
        if (!text)
            goto nomem;
        size_t n = split(text + (s - line), field, off, MAX_COLS);
        if (n != t->ncol) {   /* point at the end of a short line, or the first extra field */
            int col = n < t->ncol || n > MAX_COLS ? (int)len + 1
                                                  : (int)(s - line) + off[t->ncol] + 1;
            free(text);
            rc = hs_error_set(err, HS_ECONFIG, path, lineno, col,
                              "%zu fields where the header has %zu", n, t->ncol);
            goto out;
        }
        size_t r = t->nrow;
        if (grow((void **)&t->text, &rcap, r + 1, sizeof *t->text) ||
            grow((void **)&t->line, &lcap, r + 1, sizeof *t->line) ||
            grow((void **)&t->cell, &ccap, (r + 1) * t->ncol, sizeof *t->cell) ||
            grow((void **)&t->col0, &ocap, (r + 1) * t->ncol, sizeof *t->col0)) {
            free(text);
            goto nomem;
        }
        t->text[r] = text;
        t->line[r] = lineno;
        for (size_t i = 0; i < n; i++) {
            t->cell[r * t->ncol + i] = field[i];
            t->col0[r * t->ncol + i] = (int)(s - line) + off[i] + 1;
        }
        t->nrow = r + 1;
    }
    if (ferror(f))
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "read error: %s", strerror(errno));
    else if (!t->head)
        rc = first ? hs_error_set(err, HS_ECONFIG, path, 0, 0,
                                  "no header line starting with '%s'", first)
                   : hs_error_set(err, HS_ECONFIG, path, 0, 0, "no header line");
    else if (!t->nrow)
        rc = hs_error_set(err, HS_ECONFIG, path, 0, 0, "no data lines");
    goto out;
nomem:
    rc = hs_nomem(err, path);
out:
    free(line);
    fclose(f);
    if (rc)
        hs_pl_table_free(t);
    return rc;
}

void hs_pl_table_free(hs_pl_table *t)
{
    for (size_t i = 0; t->head && i < t->ncol; i++)
        free(t->head[i]);
    for (size_t i = 0; i < t->nrow; i++)
        free(t->text[i]);
    for (size_t i = 0; i < t->ncomment; i++)
        free(t->comment[i]);
    free(t->head);
    free(t->text);
    free(t->cell);
    free(t->col0);
    free(t->line);
    free(t->comment);
    memset(t, 0, sizeof *t);
}

int hs_pl_table_col(const hs_pl_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncol; i++)
        if (!strcmp(t->head[i], name))
            return (int)i;
    return -1;
}

int hs_pl_table_num(const hs_pl_table *t, int c, double **out, hs_error *err)
{
    double *v = malloc(t->nrow * sizeof *v);
    if (!v)
        return hs_nomem(err, t->path);
    for (size_t r = 0; r < t->nrow; r++) {
        const char *s = t->cell[r * t->ncol + (size_t)c];
        char *end;
        if (!strcmp(s, "-") || !*s) {
            v[r] = NAN;
            continue;
        }
        v[r] = strtod(s, &end);
        if (*end) {
            free(v);
            return hs_error_set(err, HS_ECONFIG, t->path, t->line[r],
                                t->col0[r * t->ncol + (size_t)c],
                                "column '%s': '%s' is not a number", t->head[c], s);
        }
    }
    *out = v;
    return HS_OK;
}

const char *hs_pl_table_meta(const hs_pl_table *t, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < t->ncomment; i++)
        if (!strncmp(t->comment[i], key, n) && t->comment[i][n] == ':')
            return t->comment[i] + n + 1 + strspn(t->comment[i] + n + 1, " ");
    return NULL;
}
