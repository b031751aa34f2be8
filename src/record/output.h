/* output.h -- the output directory: files written under temporary names, renamed on success
 *
 * A run never leaves a half-written file under a final name and never touches earlier results
 * before it has finished: every file is written as ".NAME.tmp-PID" and renamed into place by
 * hs_out_commit().  hs_out_abort() removes the temporaries.
 */
#ifndef HS_RECORD_OUTPUT_H
#define HS_RECORD_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "hee-snn/hee-snn.h"

#define HS_OUT_MAX_FILES 8

typedef struct hs_outfile {
    char *final_path, *tmp_path;
    FILE *f;
    char *buf;
} hs_outfile;

typedef struct hs_out {
    char *dir;
    hs_outfile files[HS_OUT_MAX_FILES];
    int nfiles;
} hs_out;

/* Hold dir for writing: create it (and parents) if needed and take DIR/.hee-snn.lock (flock:
 * released when the process ends, however it ends).  Another process holding it is an error
 * (HS_EIO, naming that process); this process may take it again (counted).  hs_out_unlock
 * gives one hold back. */
int hs_out_lock(const char *dir, hs_error *err);
void hs_out_unlock(const char *dir);
/* Hold dir (hs_out_lock) until commit or abort, and remove the temporaries of writers that no
 * longer run (hs_atomic_sweep: a run killed with SIGKILL leaves its ".NAME.tmp-PID" files). */
int hs_out_open(hs_out *o, const char *dir, hs_error *err);
/* Open NAME for writing under its temporary name; returns the stream (owned by o). */
FILE *hs_out_file(hs_out *o, const char *name, hs_error *err);
/* Flush, close and rename every file into place. */
int hs_out_commit(hs_out *o, hs_error *err);
/* Close and delete the temporaries. */
void hs_out_abort(hs_out *o);

/* Spike raster writer: "time_ms<TAB>population<TAB>neuron" lines. */
typedef struct hs_raster_writer {
    FILE *f;
    const char *const *pop_names;
    int failed;
    int err_no;      /* errno of the write that failed */
} hs_raster_writer;

/* Write the comment header and the column header. */
void hs_raster_header(FILE *f, const char *version, uint64_t seed, const char *name,
                      double duration_ms);
/* hs_spike_fn for hs_net_set_spike_sink; ctx is an hs_raster_writer. */
int hs_raster_write(void *ctx, double t_ms, int pop, uint32_t neuron);

#endif
