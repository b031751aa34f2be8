/* config_read.c -- the readers every part of the configuration shares: errors at a node,
 * kinds and allowed keys, strings, numbers, quantities with units, whole numbers, booleans,
 * times, paths relative to the file, {file: ...} values and value specifications.  config.c,
 * config_hee.c and config_learn.c call down to these and not to each other's readers, so the
 * files of src/config form no circle.
 */
#include "hs-config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_int.h"
#include "config/datafile.h"
#include "config/ytree.h"
#include "util/error.h"

/* Where node n came from: the file and its position, or the --set that put it there. */
static const char *origin(const hs_cfgctx *c, const hs_ynode *n, int *line, int *col)
{
    if (n && n->line < 0 && c->sets) {
        *line = *col = 0;
        return c->sets[-n->line - 1];
    }
    *line = n ? n->line : 0;
    *col = n ? n->col : 0;
    return c->file;
}

int hs_cfg_at(hs_cfgctx *c, const hs_ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int line, col;
    const char *file = origin(c, n, &line, &col);
    hs_error_vset(c->err, HS_ECONFIG, file, line, col, fmt, ap);
    va_end(ap);
    return HS_ECONFIG;
}

int hs_cfg_within(hs_cfgctx *c, const hs_ynode *n, const hs_error *inner, const char *what)
{
    hs_error e = *inner;
    int line, col;
    const char *file = origin(c, n, &line, &col);
    int rc = hs_error_within(&e, HS_ECONFIG, file, line, col, what);
    if (c->err)
        *c->err = e;
    return rc;
}

int hs_cfg_want_kind(hs_cfgctx *c, const hs_ynode *n, hs_ykind k, const char *what)
{
    if (n->kind == k)
        return HS_OK;
    return hs_cfg_at(c, n, "'%s' must be %s, got %s", what, hs_ykind_name(k), hs_ykind_name(n->kind));
}

/* Reject keys of map that are not in allowed (NULL-terminated). */
int hs_cfg_check_keys(hs_cfgctx *c, const hs_ynode *map, const char *const *allowed, const char *where)
{
    for (size_t i = 0; i < map->n; i++) {
        const hs_ynode *k = map->items[2 * i];
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k->str) == 0)
                ok = 1;
        if (!ok) {
            char known[512] = "";
            size_t used = 0;
            for (const char *const *a = allowed; *a && used < sizeof known; a++) {
                int w = snprintf(known + used, sizeof known - used, "%s%s",
                                 a == allowed ? "" : ", ", *a);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            return hs_cfg_at(c, k, "unknown key '%s' in %s (known: %s)", k->str, where, known);
        }
    }
    return HS_OK;
}

int hs_cfg_read_string(hs_cfgctx *c, const hs_ynode *n, const char *what, char **out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    if (!n->len)
        return hs_cfg_at(c, n, "'%s' must not be empty", what);
    free(*out);
    *out = strdup(n->str);
    if (!*out)
        return hs_nomem(c->err, c->file);
    return HS_OK;
}

int hs_cfg_read_number(hs_cfgctx *c, const hs_ynode *n, const char *what, double *out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    if (hs_parse_number(n->str, out) != 0)
        return hs_cfg_at(c, n, "'%s' must be a finite number, got '%s'", what, n->str);
    return HS_OK;
}

int hs_cfg_read_quantity(hs_cfgctx *c, const hs_ynode *n, const char *what, hs_dim dim, double *out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    char why[256];
    if (hs_quantity_parse(n->str, dim, out, why, sizeof why) != 0)
        return hs_cfg_at(c, n, "%s: %s", what, why);
    return HS_OK;
}

int hs_cfg_read_uint(hs_cfgctx *c, const hs_ynode *n, const char *what, uint64_t max, uint64_t *out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    const char *s = n->str;
    if (!*s || !isdigit((unsigned char)*s)) {
        double d;
        if (hs_parse_number(s, &d) == 0 && d < 0)
            return hs_cfg_at(c, n, "'%s' must not be negative, got %s", what, s);
        return hs_cfg_at(c, n, "'%s' must be a whole number, got '%s'", what, s);
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) {
        double d;
        if (hs_parse_number(s, &d) == 0 && d == floor(d) && d >= 0 && d <= (double)max) {
            *out = (uint64_t)d;   /* "1e6" written for a count */
            return HS_OK;
        }
        return hs_cfg_at(c, n, "'%s' must be a whole number, got '%s'", what, s);
    }
    if (errno == ERANGE || v > max)
        return hs_cfg_at(c, n, "'%s' is too large: %s (at most %llu)", what, s,
                  (unsigned long long)max);
    *out = v;
    return HS_OK;
}

int hs_cfg_read_bool(hs_cfgctx *c, const hs_ynode *n, const char *what, int *out)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    if (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "yes")) {
        *out = 1;
        return HS_OK;
    }
    if (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "no")) {
        *out = 0;
        return HS_OK;
    }
    return hs_cfg_at(c, n, "'%s' must be true or false, got '%s'", what, n->str);
}

int hs_cfg_read_time(hs_cfgctx *c, const hs_ynode *parent, const char *key, double def,
                     int positive, double *out)
{
    const hs_ynode *n = hs_ymap_get(parent, key);
    *out = def;
    if (!n)
        return HS_OK;
    int rc = hs_cfg_read_quantity(c, n, key, HS_DIM_TIME, out);
    if (rc)
        return rc;
    if (positive ? !(*out > 0) : *out < 0)
        return hs_cfg_at(c, n, "'%s' must be %s, got %s", key,
                         positive ? "positive" : "at least 0", n->str);
    return HS_OK;
}

int hs_cfg_read_time_pos(hs_cfgctx *c, const hs_ynode *parent, const char *key, double def,
                         double *out)
{
    return hs_cfg_read_time(c, parent, key, def, 1, out);
}

/* Resolve a path relative to the configuration file's directory; caller frees. */
char *hs_cfg_resolve_path(hs_cfgctx *c, const char *p)
{
    if (p[0] == '/')
        return strdup(p);
    /* Absolute, so that the config.yaml written beside the results still finds the file. */
    char cwd[PATH_MAX] = "";
    const char *dir = c->cfg->dir;
    if (dir[0] != '/' && !getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    if (!strcmp(dir, "."))
        dir = "";
    size_t n = strlen(cwd) + strlen(dir) + strlen(p) + 3;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s%s%s%s%s", cwd, cwd[0] && dir[0] ? "/" : "", dir,
                 cwd[0] || dir[0] ? "/" : "", p);
    return r;
}

int hs_cfg_read_file_values(hs_cfgctx *c, const hs_ynode *n, const char *what, int matrix,
                            hs_valspec *v)
{
    int rc = hs_cfg_want_kind(c, n, HS_Y_SCALAR, what);
    if (rc)
        return rc;
    char *path = hs_cfg_resolve_path(c, n->str);
    if (!path)
        return hs_nomem(c->err, c->file);
    hs_error ferr;
    hs_datafile df;
    rc = hs_datafile_read(path, &df, &ferr);
    if (rc) {
        free(path);
        char w[128];
        snprintf(w, sizeof w, "%s: data file", what);
        return hs_cfg_within(c, n, &ferr, w);
    }
    v->file = path;
    v->data = df.data;
    if (matrix) {
        if (!df.rectangular) {
            int line = df.bad_line;
            hs_datafile_release(&df);
            return hs_cfg_at(c, n, "%s: data file %s is not a matrix: line %d has a different "
                      "number of columns", what, v->file, line);
        }
        v->kind = HS_VAL_MATRIX;
        v->rows = df.rows;
        v->cols = df.cols;
    } else {
        v->kind = HS_VAL_VECTOR;
        v->rows = df.count;
        v->cols = 1;
    }
    return HS_OK;
}

/* Parse a value specification (see hs_valspec).  dim applies to every number in it; numbers
 * in data files are in internal units.  allow_matrix selects matrix (weights) vs vector
 * (per-neuron values). */
int hs_cfg_read_valspec(hs_cfgctx *c, const hs_ynode *n, const char *what, hs_dim dim,
                        int allow_matrix, hs_valspec *v)
{
    memset(v, 0, sizeof *v);
    v->dim = dim;
    v->line = n->line;
    v->col = n->col;
    int rc;
    if (n->kind == HS_Y_SCALAR) {
        v->kind = HS_VAL_SCALAR;
        return hs_cfg_read_quantity(c, n, what, dim, &v->a);
    }
    if (n->kind == HS_Y_SEQ) {
        if (n->n == 0)
            return hs_cfg_at(c, n, "'%s' must not be an empty list", what);
        if (n->items[0]->kind == HS_Y_SEQ) {
            if (!allow_matrix)
                return hs_cfg_at(c, n, "'%s' takes one value per neuron, not a matrix", what);
            size_t cols = n->items[0]->n;
            if (cols == 0)
                return hs_cfg_at(c, n->items[0], "'%s': matrix rows must not be empty", what);
            if ((double)n->n * (double)cols > HS_MAX_SYNAPSES)
                return hs_cfg_at(c, n, "'%s': matrix too large", what);
            v->data = malloc(n->n * cols * sizeof *v->data);
            if (!v->data)
                return hs_nomem(c->err, c->file);
            v->kind = HS_VAL_MATRIX;
            v->rows = n->n;
            v->cols = cols;
            for (size_t i = 0; i < n->n; i++) {
                const hs_ynode *row = n->items[i];
                if (row->kind != HS_Y_SEQ)
                    return hs_cfg_at(c, row, "'%s': every matrix row must be a list", what);
                if (row->n != cols)
                    return hs_cfg_at(c, row, "'%s': matrix row %zu has %zu values, row 0 has %zu",
                              what, i, row->n, cols);
                for (size_t j = 0; j < cols; j++)
                    if ((rc = hs_cfg_read_quantity(c, row->items[j], what, dim,
                                            &v->data[i * cols + j])))
                        return rc;
            }
            return HS_OK;
        }
        if (allow_matrix)
            return hs_cfg_at(c, n, "'%s': a list of weights must be a matrix (a list of rows, one "
                      "per presynaptic neuron)", what);
        v->data = malloc(n->n * sizeof *v->data);
        if (!v->data)
            return hs_nomem(c->err, c->file);
        v->kind = HS_VAL_VECTOR;
        v->rows = n->n;
        v->cols = 1;
        for (size_t i = 0; i < n->n; i++)
            if ((rc = hs_cfg_read_quantity(c, n->items[i], what, dim, &v->data[i])))
                return rc;
        return HS_OK;
    }
    /* mapping: one of normal, uniform, file */
    if (n->n != 1)
        return hs_cfg_at(c, n, "'%s' must be a value, a list, or one of {normal: ...}, "
                  "{uniform: ...}, {file: ...}", what);
    const hs_ynode *k = n->items[0], *body = n->items[1];
    if (!strcmp(k->str, "normal")) {
        static const char *const keys[] = {"mean", "sd", NULL};
        if ((rc = hs_cfg_want_kind(c, body, HS_Y_MAP, "normal")) ||
            (rc = hs_cfg_check_keys(c, body, keys, "normal")))
            return rc;
        const hs_ynode *m = hs_ymap_get(body, "mean"), *s = hs_ymap_get(body, "sd");
        if (!m || !s)
            return hs_cfg_at(c, body, "'normal' needs both 'mean' and 'sd'");
        if ((rc = hs_cfg_read_quantity(c, m, "mean", dim, &v->a)) ||
            (rc = hs_cfg_read_quantity(c, s, "sd", dim, &v->b)))
            return rc;
        if (v->b < 0)
            return hs_cfg_at(c, s, "'sd' must not be negative, got %s", s->str);
        v->kind = HS_VAL_NORMAL;
        return HS_OK;
    }
    if (!strcmp(k->str, "uniform")) {
        static const char *const keys[] = {"low", "high", NULL};
        if ((rc = hs_cfg_want_kind(c, body, HS_Y_MAP, "uniform")) ||
            (rc = hs_cfg_check_keys(c, body, keys, "uniform")))
            return rc;
        const hs_ynode *lo = hs_ymap_get(body, "low"), *hi = hs_ymap_get(body, "high");
        if (!lo || !hi)
            return hs_cfg_at(c, body, "'uniform' needs both 'low' and 'high'");
        if ((rc = hs_cfg_read_quantity(c, lo, "low", dim, &v->a)) ||
            (rc = hs_cfg_read_quantity(c, hi, "high", dim, &v->b)))
            return rc;
        if (v->b < v->a)
            return hs_cfg_at(c, hi, "'high' (%s) must not be below 'low' (%s)", hi->str, lo->str);
        v->kind = HS_VAL_UNIFORM;
        return HS_OK;
    }
    if (!strcmp(k->str, "file"))
        return hs_cfg_read_file_values(c, body, what, allow_matrix, v);
    return hs_cfg_at(c, k, "unknown value form '%s' for '%s' (known: normal, uniform, file)", k->str,
              what);
}

