/* export.c -- streaming conversion of spikes.tsv to NEST ASCII and SONATA HDF5 spike files */
#include "hs-config.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/export.h"
#include "util/atomic.h"
#include "util/error.h"

#define RASTER_HEADER "time_ms\tpopulation\tneuron"
#define COMMENTS_MAX (64 * 1024)

/* ---- reading the raster, one line at a time ------------------------------------------------ */

enum { REC_END, REC_COMMENT, REC_HEADER, REC_SPIKE };

typedef struct name_ix {
    const char *name;
    int pop;
} name_ix;

typedef struct raster {
    const char *path;
    FILE *f;
    const hs_export_pop *pops;
    int npops;
    name_ix *by_name;      /* pops sorted by name, for bsearch */
    uint64_t *first;       /* 0-based global id of each population's neuron 0 */
    int line, seen_header;
    double last_t;
    char last_time[32];    /* the previous spike's time text, for the "not sorted" message */
    char buf[HS_EXPORT_LINE_MAX + 1];
    /* the record just read: a comment or header is the text in buf, a spike is these fields */
    const char *time;      /* points into buf */
    size_t time_len;
    double t;
    int pop;
    uint64_t index;
} raster;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

static void raster_close(raster *r)
{
    if (r->f)
        fclose(r->f);
    free(r->by_name);
    free(r->first);
}

/* Check the population list, then open the raster.  r is released by raster_close() in every
 * case. */
static int raster_open(raster *r, const char *path, const hs_export_pop *pops, int npops,
                       hs_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->pops = pops;
    r->npops = npops;
    r->last_t = -INFINITY;
    if (!path || !pops || npops <= 0)
        return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "no raster or no populations given");
    r->by_name = malloc((size_t)npops * sizeof *r->by_name);
    r->first = malloc((size_t)npops * sizeof *r->first);
    if (!r->by_name || !r->first)
        return hs_nomem(err, NULL);
    uint64_t next = 0;
    for (int i = 0; i < npops; i++) {
        const char *name = pops[i].name;
        if (!name || !*name || strchr(name, '/') || strchr(name, '\t') || strchr(name, '\n') ||
            !strcmp(name, ".") || !strcmp(name, ".."))
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                "population %d has no usable name ('%s')", i, name ? name : "");
        if (pops[i].size > UINT64_MAX - 1 - next)
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0,
                                "population sizes overflow 64-bit ids at '%s'", name);
        r->first[i] = next;
        next += pops[i].size;
        r->by_name[i] = (name_ix){name, i};
    }
    qsort(r->by_name, (size_t)npops, sizeof *r->by_name, cmp_name);
    for (int i = 1; i < npops; i++)
        if (!strcmp(r->by_name[i].name, r->by_name[i - 1].name))
            return hs_error_set(err, HS_ECONFIG, NULL, 0, 0, "population '%s' is listed twice",
                                r->by_name[i].name);
    if (!(r->f = fopen(path, "r")))
        return hs_error_set(err, HS_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    return HS_OK;
}

/* Strict unsigned decimal; *overflow is set when it exceeds 64 bits. */
static int parse_index(const char *s, uint64_t *v, int *overflow)
{
    *v = 0;
    *overflow = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (*v > (UINT64_MAX - d) / 10)
            *overflow = 1;
        else
            *v = *v * 10 + d;
    }
    return 0;
}

static int parse_spike(raster *r, hs_error *err)
{
    char *line = r->buf;
    char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2 || strchr(tab2 + 1, '\t'))
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, 1,
                            "expected three tab-separated fields 'time_ms<TAB>population<TAB>"
                            "neuron', got '%.200s'", line);
    *tab1 = *tab2 = '\0';
    char *name = tab1 + 1, *index = tab2 + 1, *end;
    int name_col = (int)(name - line) + 1, index_col = (int)(index - line) + 1;

    r->t = strtod(line, &end);
    if (end == line || *end || !isfinite(r->t) || *line == ' ' || *line == '\t')
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, 1,
                            "expected a finite time in ms, got '%.200s'", line);
    if (r->t < r->last_t)
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, 1,
                            "spikes are not sorted by time: %.200s ms follows %s ms", line,
                            r->last_time);
    r->last_t = r->t;
    r->time = line;
    r->time_len = (size_t)(tab1 - line);
    size_t keep = r->time_len < sizeof r->last_time ? r->time_len : sizeof r->last_time - 1;
    memcpy(r->last_time, line, keep);
    r->last_time[keep] = '\0';

    name_ix key = {name, 0};
    const name_ix *hit = bsearch(&key, r->by_name, (size_t)r->npops, sizeof key, cmp_name);
    if (!hit)
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, name_col,
                            "unknown population '%.200s'", name);
    r->pop = hit->pop;

    int overflow;
    if (parse_index(index, &r->index, &overflow) != 0)
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, index_col,
                            "expected a neuron index (an integer >= 0), got '%.200s'", index);
    uint64_t size = r->pops[r->pop].size;
    if (overflow || r->index >= size)
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, index_col,
                            "neuron %.200s is out of range: population '%s' has %llu neurons",
                            index, name, (unsigned long long)size);
    return HS_OK;
}

/* Read the next record into r and its kind into *kind. */
static int raster_next(raster *r, int *kind, hs_error *err)
{
    if (!fgets(r->buf, sizeof r->buf, r->f)) {
        if (ferror(r->f))
            return hs_error_set(err, HS_EIO, r->path, 0, 0, "read error: %s", strerror(errno));
        if (!r->seen_header)
            return hs_error_set(err, HS_ECONFIG, r->path, r->line + 1, 0,
                                "no '" RASTER_HEADER "' header line (is this a spike raster?)");
        *kind = REC_END;
        return HS_OK;
    }
    r->line++;
    size_t len = strlen(r->buf);
    if (len > 0 && r->buf[len - 1] == '\n')
        r->buf[--len] = '\0';
    else if (len == HS_EXPORT_LINE_MAX)
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, 0,
                            "line is longer than %d bytes", HS_EXPORT_LINE_MAX);
    else if (!feof(r->f))   /* fgets stopped early without a newline: a NUL byte */
        return hs_error_set(err, HS_ECONFIG, r->path, r->line, (int)len + 1,
                            "line holds a NUL byte");
    if (r->buf[0] == '#') {
        *kind = REC_COMMENT;
        return HS_OK;
    }
    if (!r->seen_header) {
        if (strcmp(r->buf, RASTER_HEADER) != 0)
            return hs_error_set(err, HS_ECONFIG, r->path, r->line, 1,
                                "expected the header '" RASTER_HEADER "', got '%.200s'",
                                r->buf);
        r->seen_header = 1;
        *kind = REC_HEADER;
        return HS_OK;
    }
    *kind = REC_SPIKE;
    return parse_spike(r, err);
}

/* ---- atomic output ------------------------------------------------------------------------- */

/* ---- NEST ---------------------------------------------------------------------------------- */

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* NEST's ASCII layouts: NEST 3's (gdf = 0) and NEST 2's GDF (gdf = 1). */
static int export_ascii(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                        const char *out_path, int gdf, hs_error *err)
{
    raster r;
    char *tmp = NULL, *iobuf = NULL;
    FILE *f = NULL;
    int rc = raster_open(&r, spikes_tsv, pops, npops, err);
    if (rc || (rc = hs_atomic_tmp(out_path, &tmp, err)))
        goto done;
    if (!(iobuf = malloc(1 << 20)) || !(f = fopen(tmp, "w"))) {
        rc = iobuf ? hs_error_set(err, HS_EIO, out_path, 0, 0, "cannot create '%s': %s", tmp,
                                  strerror(errno))
                   : hs_nomem(err, NULL);
        goto done;
    }
    setvbuf(f, iobuf, _IOFBF, 1 << 20);
    if (gdf)
        fprintf(f, "# hee-snn version: %s, source: %s\n", PACKAGE_VERSION, spikes_tsv);
    else
        fprintf(f, "# hee-snn version: %s, source: %s\n# RecordingBackendASCII version: 2\n"
                   "sender\ttime_ms\n", PACKAGE_VERSION, spikes_tsv);

    char line[HS_EXPORT_LINE_MAX + 32];
    for (;;) {
        int kind;
        if ((rc = raster_next(&r, &kind, err)) || kind == REC_END)
            break;
        if (kind != REC_SPIKE)
            continue;
        char *p = put_u64(line, 1 + r.first[r.pop] + r.index);
        *p++ = '\t';
        memcpy(p, r.time, r.time_len);
        p += r.time_len;
        if (gdf && !memchr(r.time, '.', r.time_len) && !memchr(r.time, 'e', r.time_len) &&
            !memchr(r.time, 'E', r.time_len)) {
            *p++ = '.';
            *p++ = '0';
        }
        *p++ = '\n';
        fwrite(line, 1, (size_t)(p - line), f);
        if ((r.line & 0xffff) == 0 && ferror(f))   /* a full disk: stop early */
            break;
    }
    if (!rc && (fflush(f) != 0 || ferror(f)))
        rc = hs_error_set(err, HS_EIO, out_path, 0, 0, "write error on '%s': %s", tmp,
                          strerror(errno));
    if (fclose(f) != 0 && !rc)
        rc = hs_error_set(err, HS_EIO, out_path, 0, 0, "write error on '%s': %s", tmp,
                          strerror(errno));
    if (!rc)
        rc = hs_atomic_commit(tmp, out_path, 1, err);
    else
        unlink(tmp);
done:
    free(iobuf);
    free(tmp);
    raster_close(&r);
    return rc;
}

int hs_export_nest(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                   const char *out_path, hs_error *err)
{
    return export_ascii(spikes_tsv, pops, npops, out_path, 0, err);
}

int hs_export_gdf(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                  const char *out_path, hs_error *err)
{
    return export_ascii(spikes_tsv, pops, npops, out_path, 1, err);
}

/* ---- SONATA -------------------------------------------------------------------------------- */

typedef struct spop {
    hid_t grp, ts, ids;   /* the datasets are created at the first flush (-1 before) */
    hsize_t n;            /* spikes written */
    size_t fill;          /* spikes buffered */
    double *t;            /* HS_EXPORT_CHUNK each, allocated at the population's first spike */
    uint64_t *id;
} spop;

typedef struct sonata {
    const char *out_path;
    hs_error *err;
    hid_t file, dapl, str_t, sort_t, spikes;
    spop *p;
    int np;
    char comments[COMMENTS_MAX];
    size_t clen;
} sonata;

/* The reason of an HDF5 failure, from its error stack: the system's (strerror of the errno a
 * file driver's message gives, e.g. "File too large" on a full disk), or else the innermost
 * message's first line. */
typedef struct h5_reason {
    int sys_errno;
    char msg[256];
} h5_reason;

static herr_t h5_reason_of(unsigned n, const H5E_error2_t *e, void *arg)
{
    h5_reason *r = arg;
    const char *at = e->desc ? strstr(e->desc, "errno = ") : NULL;
    if (at && !r->sys_errno)
        r->sys_errno = atoi(at + 8);
    if (n == 0 && e->desc)
        snprintf(r->msg, sizeof r->msg, "%.*s", (int)strcspn(e->desc, "\n"), e->desc);
    return 0;
}

/* Record an HDF5 failure.  Must run before the next HDF5 call, which clears the error stack. */
static int h5_fail(sonata *s, const char *fmt, const char *arg)
{
    char what[512];
    h5_reason r = {0, ""};
    snprintf(what, sizeof what, fmt, arg);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_reason_of, &r);
    const char *why = r.sys_errno > 0 ? strerror(r.sys_errno) : r.msg;
    return hs_error_set(s->err, HS_EIO, s->out_path, 0, 0, "HDF5: %s%s%s", what,
                        why[0] ? ": " : "", why);
}

/* Attribute name on obj: n values (0 = a scalar) of file type ftype, given in memory type
 * mtype. */
static int put_attr(sonata *s, hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                    hsize_t n, const void *value)
{
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), a = -1;
    int rc = HS_OK;
    if (sp < 0 || (a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(a, mtype, value) < 0)
        rc = h5_fail(s, "cannot write attribute '%s'", name);
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

static int put_str(sonata *s, hid_t obj, const char *name, const char *value)
{
    return put_attr(s, obj, name, s->str_t, s->str_t, 0, &value);
}

static hid_t make_dataset(sonata *s, spop *p, const char *name, hid_t ftype, hsize_t chunk)
{
    hsize_t dim = 0, max = H5S_UNLIMITED;
    hid_t sp = H5Screate_simple(1, &dim, &max), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    if (sp < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0 ||
        (d = H5Dcreate2(p->grp, name, ftype, sp, H5P_DEFAULT, dcpl, s->dapl)) < 0)
        h5_fail(s, "cannot create dataset '%s'", name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    return d;
}

static int append(sonata *s, hid_t d, hid_t mtype, hsize_t start, hsize_t count,
                  const void *buf)
{
    hsize_t total = start + count;
    hid_t fs = -1, ms = -1;
    int rc = HS_OK;
    if (H5Dset_extent(d, &total) < 0 || (fs = H5Dget_space(d)) < 0 ||
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
        (ms = H5Screate_simple(1, &count, NULL)) < 0 ||
        H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, buf) < 0)
        rc = h5_fail(s, "%s", "cannot append spikes");
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return rc;
}

/* Write population k's buffer.  The datasets are made here: with HS_EXPORT_CHUNK chunks when
 * the buffer ran full, sized to the population's spikes when it never did (final). */
static int flush_pop(sonata *s, int k, int final)
{
    spop *p = &s->p[k];
    int rc;
    if (p->ts < 0) {
        hsize_t chunk = !final ? HS_EXPORT_CHUNK : p->fill ? p->fill : 1;
        if ((p->ts = make_dataset(s, p, "timestamps", H5T_IEEE_F64LE, chunk)) < 0 ||
            (p->ids = make_dataset(s, p, "node_ids", H5T_STD_U64LE, chunk)) < 0)
            return HS_EIO;
        if ((rc = put_str(s, p->ts, "units", "ms")))
            return rc;
    }
    if (p->fill == 0)
        return HS_OK;
    if ((rc = append(s, p->ts, H5T_NATIVE_DOUBLE, p->n, p->fill, p->t)) ||
        (rc = append(s, p->ids, H5T_NATIVE_UINT64, p->n, p->fill, p->id)))
        return rc;
    p->n += p->fill;
    p->fill = 0;
    return HS_OK;
}

/* Keep a '#' line for the source_comments attribute, up to COMMENTS_MAX bytes. */
static void keep_comment(sonata *s, const char *line)
{
    const char *text = line + (line[1] == ' ' ? 2 : 1);
    size_t len = strlen(text);
    if (s->clen + len + 2 > sizeof s->comments)
        return;
    if (s->clen)
        s->comments[s->clen++] = '\n';
    memcpy(s->comments + s->clen, text, len + 1);
    s->clen += len;
}

/* Population k's group, with its sorting attribute. */
static int make_group(sonata *s, hid_t spikes, int k, const char *name)
{
    signed char by_time = 2;
    if ((s->p[k].grp = H5Gcreate2(spikes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        return h5_fail(s, "cannot create group /spikes/%s", name);
    return put_attr(s, s->p[k].grp, "sorting", s->sort_t, s->sort_t, 0, &by_time);
}

/* The file, its types, and a group per recorded population. */
static int sonata_open(sonata *s, const char *tmp, const hs_export_pop *pops)
{
    static const char *const sortings[] = {"none", "by_id", "by_time"};
    /* The HDF5 1.10 file format: its chunk index for datasets that grow (an extensible array)
     * keeps memory flat, where the 1.8 format's B-tree held about 320 bytes per chunk written
     * (+3.8 MB over 1e8 spikes).  Readers need HDF5 1.10 (2016) or newer. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    int rc = HS_OK;
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) < 0)
        rc = h5_fail(s, "%s", "cannot select the HDF5 1.10 file format");
    else if ((s->file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0)
        rc = h5_fail(s, "cannot create '%s'", tmp);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc)
        return rc;
    if ((s->dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0 ||
        H5Pset_chunk_cache(s->dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
                           H5D_CHUNK_CACHE_W0_DEFAULT) < 0 ||
        (s->str_t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(s->str_t, H5T_VARIABLE) < 0 ||
        H5Tset_cset(s->str_t, H5T_CSET_UTF8) < 0 ||
        (s->sort_t = H5Tenum_create(H5T_NATIVE_SCHAR)) < 0)
        return h5_fail(s, "%s", "cannot set up types");
    for (signed char v = 0; v < 3; v++)
        if (H5Tenum_insert(s->sort_t, sortings[v], &v) < 0)
            return h5_fail(s, "%s", "cannot set up types");
    if ((s->spikes = H5Gcreate2(s->file, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        return h5_fail(s, "%s", "cannot create group /spikes");
    for (int k = 0; k < s->np && !rc; k++)
        if (!pops[k].unrecorded)
            rc = make_group(s, s->spikes, k, pops[k].name);
    return rc;
}

/* Flush every population (empty ones get empty datasets) and write the root attributes. */
static int sonata_finish(sonata *s, const char *source)
{
    int rc = HS_OK;
    for (int k = 0; k < s->np && !rc; k++)
        if (s->p[k].grp >= 0)
            rc = flush_pop(s, k, 1);
    uint32_t magic = 0x0A7A, version[2] = {0, 1};
    char generator[64];
    snprintf(generator, sizeof generator, "hee-snn %s", PACKAGE_VERSION);
    if (rc ||
        (rc = put_attr(s, s->file, "magic", H5T_STD_U32LE, H5T_NATIVE_UINT32, 0, &magic)) ||
        (rc = put_attr(s, s->file, "version", H5T_STD_U32LE, H5T_NATIVE_UINT32, 2, version)) ||
        (rc = put_str(s, s->file, "generator", generator)) ||
        (rc = put_str(s, s->file, "source", source)))
        return rc;
    s->comments[s->clen] = '\0';
    return put_str(s, s->file, "source_comments", s->comments);
}

/* Close every handle and free s.  Returns rc, or HS_EIO when closing the file failed. */
static int sonata_close(sonata *s, int rc)
{
    for (int k = 0; k < s->np; k++) {
        spop *p = &s->p[k];
        if (p->ids >= 0)
            H5Dclose(p->ids);
        if (p->ts >= 0)
            H5Dclose(p->ts);
        if (p->grp >= 0)
            H5Gclose(p->grp);
        free(p->t);
        free(p->id);
    }
    if (s->spikes >= 0)
        H5Gclose(s->spikes);
    if (s->sort_t >= 0)
        H5Tclose(s->sort_t);
    if (s->str_t >= 0)
        H5Tclose(s->str_t);
    if (s->dapl >= 0)
        H5Pclose(s->dapl);
    if (s->file >= 0 && H5Fclose(s->file) < 0 && !rc)
        rc = h5_fail(s, "%s", "cannot close the file");
    free(s->p);
    free(s);
    return rc;
}

int hs_export_sonata(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                     const char *out_path, hs_error *err)
{
    raster r;
    char *tmp = NULL;
    sonata *s = NULL;
    /* Before HDF5's first use in the process: no clean-up at exit.  A file whose last write
     * failed (a full disk) cannot be closed, and HDF5's own clean-up at exit crashes on it
     * (SIGSEGV in H5F__close_cb, HDF5 1.10); the process ends anyway.  Once HDF5 is in use this
     * call does nothing. */
    H5dont_atexit();
    int rc = raster_open(&r, spikes_tsv, pops, npops, err);
    if (rc || (rc = hs_atomic_tmp(out_path, &tmp, err)))
        goto done;
    if (!(s = calloc(1, sizeof *s)) || !(s->p = calloc((size_t)npops, sizeof *s->p))) {
        free(s);
        rc = hs_nomem(err, NULL);
        goto done;
    }
    s->out_path = out_path;
    s->err = err;
    s->np = npops;
    s->file = s->dapl = s->str_t = s->sort_t = s->spikes = -1;
    for (int k = 0; k < npops; k++)
        s->p[k].grp = s->p[k].ts = s->p[k].ids = -1;

    /* HDF5 prints its error stack by default; failures are reported through err instead */
    H5E_auto2_t old_fn;
    void *old_data;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    rc = sonata_open(s, tmp, pops);
    while (!rc) {
        int kind;
        if ((rc = raster_next(&r, &kind, err)) || kind == REC_END)
            break;
        if (kind == REC_COMMENT) {
            keep_comment(s, r.buf);
        } else if (kind == REC_SPIKE) {
            spop *p = &s->p[r.pop];
            if (p->grp < 0 && (rc = make_group(s, s->spikes, r.pop, pops[r.pop].name)))
                break;   /* (spikes of a population the configuration does not record) */
            if (!p->t && (!(p->t = malloc(HS_EXPORT_CHUNK * sizeof *p->t)) ||
                          !(p->id = malloc(HS_EXPORT_CHUNK * sizeof *p->id)))) {
                rc = hs_nomem(err, NULL);
                break;
            }
            p->t[p->fill] = r.t;
            p->id[p->fill] = r.index;
            if (++p->fill == HS_EXPORT_CHUNK)
                rc = flush_pop(s, r.pop, 0);
        }
    }
    if (!rc)
        rc = sonata_finish(s, spikes_tsv);
    rc = sonata_close(s, rc);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    if (!rc)
        rc = hs_atomic_commit(tmp, out_path, 1, err);
    else
        unlink(tmp);
done:
    free(tmp);
    raster_close(&r);
    return rc;
}
