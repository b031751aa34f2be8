/* output.c -- atomic output files and the spike raster writer */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/output.h"
#include "util/atomic.h"
#include "util/error.h"

static int mkdir_p(const char *dir, hs_error *err)
{
    char *p = strdup(dir);
    if (!p)
        return hs_nomem(err, NULL);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int rc = hs_error_set(err, HS_EIO, p, 0, 0, "cannot create directory: %s",
                                  strerror(errno));
            free(p);
            return rc;
        }
        *s = '/';
    }
    int rc = HS_OK;
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        rc = hs_error_set(err, HS_EIO, p, 0, 0, "cannot create directory: %s", strerror(errno));
    struct stat st;
    if (rc == HS_OK && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = hs_error_set(err, HS_EIO, p, 0, 0, "exists and is not a directory");
    free(p);
    return rc;
}

/* The directories this process holds the lock of: DIR/.hee-snn.lock, flock()ed, counted so
 * that a command may hold a directory for its whole run and open it for writing within. */
#define HS_OUT_MAX_LOCKS 16
static struct held {
    char *dir;
    int fd, count;
} held[HS_OUT_MAX_LOCKS];

int hs_out_lock(const char *dir, hs_error *err)
{
    for (int k = 0; k < HS_OUT_MAX_LOCKS; k++)
        if (held[k].dir && !strcmp(held[k].dir, dir)) {
            held[k].count++;
            return HS_OK;
        }
    int k = 0;
    while (k < HS_OUT_MAX_LOCKS && held[k].dir)
        k++;
    if (k == HS_OUT_MAX_LOCKS)
        return hs_error_set(err, HS_ERUNTIME, dir, 0, 0, "too many output directories at once");
    int rc = mkdir_p(dir, err);
    if (rc)
        return rc;
    size_t n = strlen(dir) + 16;
    char *path = malloc(n);
    if (!path || !(held[k].dir = strdup(dir))) {
        free(path);
        return hs_nomem(err, NULL);
    }
    snprintf(path, n, "%s/.hee-snn.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(path);
    if (fd < 0) {
        rc = hs_error_set(err, HS_EIO, dir, 0, 0, "cannot create its lock file .hee-snn.lock: "
                          "%s", strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char who[32] = "";
        ssize_t got = pread(fd, who, sizeof who - 1, 0);
        who[got > 0 ? got : 0] = '\0';
        who[strcspn(who, "\n")] = '\0';
        rc = errno == EWOULDBLOCK
                 ? hs_error_set(err, HS_EIO, dir, 0, 0, "another hee-snn%s%s%s is writing into "
                                "this directory; wait until it ends, or give another --output",
                                *who ? " (process " : "", who, *who ? ")" : "")
                 : hs_error_set(err, HS_EIO, dir, 0, 0, "cannot lock it: %s", strerror(errno));
        close(fd);
    } else {   /* who holds it, for the message of a second writer */
        char me[32];
        int len = snprintf(me, sizeof me, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, me, (size_t)len, 0) != len) {
            /* (only the message of a second writer would lack the process number) */
        }
        held[k].fd = fd;
        held[k].count = 1;
        return HS_OK;
    }
    free(held[k].dir);
    held[k].dir = NULL;
    return rc;
}

void hs_out_unlock(const char *dir)
{
    for (int k = 0; k < HS_OUT_MAX_LOCKS; k++)
        if (held[k].dir && !strcmp(held[k].dir, dir) && --held[k].count == 0) {
            close(held[k].fd);   /* (releases the flock) */
            free(held[k].dir);
            held[k].dir = NULL;
        }
}

int hs_out_open(hs_out *o, const char *dir, hs_error *err)
{
    memset(o, 0, sizeof *o);
    int rc = hs_out_lock(dir, err);
    if (rc)
        return rc;
    hs_atomic_sweep(dir);   /* what writers killed earlier left here */
    if (!(o->dir = strdup(dir))) {
        hs_out_unlock(dir);
        return hs_nomem(err, NULL);
    }
    return HS_OK;
}

FILE *hs_out_file(hs_out *o, const char *name, hs_error *err)
{
    if (o->nfiles == HS_OUT_MAX_FILES) {
        hs_error_set(err, HS_ERUNTIME, NULL, 0, 0, "too many output files");
        return NULL;
    }
    hs_outfile *of = &o->files[o->nfiles];
    size_t n = strlen(o->dir) + strlen(name) + 2;
    of->final_path = malloc(n);
    of->tmp_path = NULL;
    of->buf = malloc(1 << 20);
    if (of->final_path)
        snprintf(of->final_path, n, "%s/%s", o->dir, name);
    int rc = !of->final_path || !of->buf
                 ? hs_nomem(err, NULL)
                 : hs_atomic_tmp(of->final_path, &of->tmp_path, err);
    if (rc) {
        free(of->final_path);
        free(of->tmp_path);
        free(of->buf);
        return NULL;
    }
    of->f = fopen(of->tmp_path, "w");
    if (!of->f) {
        hs_error_set(err, HS_EIO, of->tmp_path, 0, 0, "cannot create: %s", strerror(errno));
        free(of->final_path);
        free(of->tmp_path);
        free(of->buf);
        return NULL;
    }
    setvbuf(of->f, of->buf, _IOFBF, 1 << 20);
    o->nfiles++;
    return of->f;
}

static void release(hs_out *o)
{
    for (int i = 0; i < o->nfiles; i++) {
        free(o->files[i].final_path);
        free(o->files[i].tmp_path);
        free(o->files[i].buf);
    }
    if (o->dir)
        hs_out_unlock(o->dir);
    free(o->dir);
    memset(o, 0, sizeof *o);
}

int hs_out_commit(hs_out *o, hs_error *err)
{
    int rc = HS_OK;
    for (int i = 0; i < o->nfiles; i++) {
        hs_outfile *of = &o->files[i];
        if (of->f && (fflush(of->f) != 0 || ferror(of->f) || fsync(fileno(of->f)) != 0) &&
            rc == HS_OK)
            rc = hs_error_set(err, HS_EIO, of->final_path, 0, 0, "write error: %s",
                              strerror(errno));
        if (of->f && fclose(of->f) != 0 && rc == HS_OK)
            rc = hs_error_set(err, HS_EIO, of->final_path, 0, 0, "write error: %s",
                              strerror(errno));
        of->f = NULL;
    }
    for (int i = 0; i < o->nfiles && rc == HS_OK; i++)   /* synced above */
        rc = hs_atomic_commit(o->files[i].tmp_path, o->files[i].final_path, 0, err);
    if (rc) {
        for (int i = 0; i < o->nfiles; i++)
            unlink(o->files[i].tmp_path);
    }
    release(o);
    return rc;
}

void hs_out_abort(hs_out *o)
{
    for (int i = 0; i < o->nfiles; i++) {
        if (o->files[i].f)
            fclose(o->files[i].f);
        unlink(o->files[i].tmp_path);
    }
    release(o);
}

void hs_raster_header(FILE *f, const char *version, uint64_t seed, const char *name,
                      double duration_ms)
{
    fprintf(f, "# hee-snn %s\n# seed: %llu\n# network: %s\n# duration_ms: %.17g\n", version,
            (unsigned long long)seed, name, duration_ms);
    fputs("time_ms\tpopulation\tneuron\n", f);
}

/* Format t with exactly 6 decimals, without printf (the raster's hot path). */
static char *fmt_time(char *p, double t)
{
    double r = t * 1e6 + 0.5;
    if (!(r < 1.8e19) || t < 0) {   /* out of integer range: fall back */
        return p + sprintf(p, "%.6f", t);
    }
    uint64_t v = (uint64_t)r;
    uint64_t ip = v / 1000000, fp = v % 1000000;
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n)
        *p++ = tmp[--n];
    *p++ = '.';
    for (int k = 5; k >= 0; k--) {
        p[k] = (char)('0' + fp % 10);
        fp /= 10;
    }
    return p + 6;
}

int hs_raster_write(void *ctx, double t_ms, int pop, uint32_t neuron)
{
    hs_raster_writer *w = ctx;
    char line[128];
    char *p = fmt_time(line, t_ms);
    *p++ = '\t';
    const char *name = w->pop_names[pop];
    size_t len = strlen(name);
    if (len > 64)
        len = 64;
    memcpy(p, name, len);
    p += len;
    *p++ = '\t';
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + neuron % 10);
        neuron /= 10;
    } while (neuron);
    while (n)
        *p++ = tmp[--n];
    *p++ = '\n';
    if (fwrite(line, 1, (size_t)(p - line), w->f) != (size_t)(p - line)) {
        w->failed = 1;
        w->err_no = errno;
        return HS_EIO;
    }
    return HS_OK;
}
