/* datafile.h -- whitespace-separated numeric text files ('#' comments) named by {file: ...} */
#ifndef HS_CONFIG_DATAFILE_H
#define HS_CONFIG_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

#include "hee-snn/hee-snn.h"
#include "util/quantity.h"

typedef struct hs_datafile {
    double *data;        /* count numbers in reading order (caller owns) */
    size_t count;
    size_t rows, cols;   /* non-empty lines, numbers on the first of them */
    int rectangular;     /* every non-empty line has cols numbers */
    int bad_line;        /* first line that breaks the shape, when not rectangular */
} hs_datafile;

typedef struct hs_edges {
    size_t n;
    uint32_t *pre, *post;
    double *w;
    double *delay;       /* ms, or NULL when no line gives a delay */
} hs_edges;

/* Spike times of a spike_generator: "neuron time_ms" per line. */
typedef struct hs_times {
    size_t n;
    uint32_t *neuron;
    double *t;           /* ms */
} hs_times;

#define HS_MAX_DATAFILE_BYTES ((size_t)1 << 32)

/* Read a whole file into a NUL-terminated buffer (caller frees).  Files above max bytes are
 * refused. */
int hs_file_slurp(const char *path, size_t max, char **text, size_t *len, hs_error *err);

/* Read numbers; errors carry the data file's line and column. */
int hs_datafile_read(const char *path, hs_datafile *out, hs_error *err);
void hs_datafile_release(hs_datafile *df);

/* Read an edges file: "pre post weight [delay]" per line, 0-based indices below npre/npost,
 * weight a number in the target's internal unit, delay in ms (>= 0).  Every line gives a delay
 * or none does. */
int hs_edges_read(const char *path, uint32_t npre, uint32_t npost, hs_dim wdim, hs_edges *out,
                  hs_error *err);

/* Read a rates file: "time_ms rate_hz" per line ('#' comments), times >= 0 strictly
 * ascending, rates finite, >= 0 and at most max_hz.  Errors carry the file's line and column.
 * *t and *v are the caller's (free). */
int hs_rates_read(const char *path, double max_hz, size_t *n, double **t, double **v,
                  hs_error *err);

/* Read a spike-times file: "neuron time_ms" per line ('#' comments), 0-based neuron indices
 * below n, finite times >= 0, in any order.  Errors carry the file's line and column. */
int hs_times_read(const char *path, uint32_t n, hs_times *out, hs_error *err);
void hs_times_release(hs_times *t);

#endif
