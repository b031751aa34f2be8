/* export.h -- the spike raster (spikes.tsv) converted to other simulators' formats
 *
 * Input: a raster as hs_raster_header()/hs_raster_write() write it: '#' comment lines, the
 * header "time_ms<TAB>population<TAB>neuron", then "t<TAB>name<TAB>index" lines sorted by time
 * (index 0-based within its population).  '#' lines may also follow the data (a run that was
 * stopped ends with "# interrupted_at_ms: T").  The caller lists the populations in network
 * order with their sizes; global ids run population after population in that order.
 *
 * Both exporters stream: the raster is read one line at a time (lines up to HS_EXPORT_LINE_MAX
 * bytes) and written as it is read, so memory does not grow with the number of spikes.
 *
 * Both write atomically: the result goes to ".NAME.tmp-PID" next to out_path, which is synced
 * and renamed to out_path on success and removed on failure, so a failed export leaves no new
 * file behind and an existing out_path untouched.
 *
 * Errors (return value, and err filled when non-NULL):
 *   HS_ECONFIG  bad population list (none, NULL or duplicate names, a name that is empty or
 *               holds '/' or is "." or "..", sizes whose sum overflows); in the raster, a
 *               missing or wrong column header, a malformed line, an unknown population, an
 *               index >= its population's size, or a time earlier than the line before -- with
 *               err->file = spikes_tsv and err->line/col at the offending field;
 *   HS_EIO      the raster cannot be read, or out_path cannot be written (err->file names it);
 *   HS_ENOMEM   out of memory.
 */
#ifndef HS_RECORD_EXPORT_H
#define HS_RECORD_EXPORT_H

#include <stdint.h>

#include "hee-snn/hee-snn.h"

/* One population of the network, in network order. */
typedef struct hs_export_pop {
    const char *name;
    uint64_t size;
    int unrecorded;   /* its spikes were not recorded (SONATA: no group); 0: recorded */
} hs_export_pop;

/* Longest raster line accepted, newline included. */
#define HS_EXPORT_LINE_MAX 4096

/* SONATA datasets are chunked in HS_EXPORT_CHUNK elements, and each population that spikes has
 * one buffer of that many (time, id) pairs: the export holds at most
 * npops * HS_EXPORT_CHUNK * 16 bytes of spikes (256 KiB per population), whatever the raster's
 * length.  HDF5's chunk cache is switched off for these datasets, since whole chunks are
 * written once and never read back. */
#define HS_EXPORT_CHUNK 16384

/* NEST 3 ASCII spike_recorder layout (RecordingBackendASCII version 2, record_to "ascii",
 * time_in_steps false):
 *
 *     # hee-snn version: VERSION, source: SPIKES_TSV
 *     # RecordingBackendASCII version: 2
 *     sender<TAB>time_ms
 *     GID<TAB>TIME                 one line per spike, in the raster's order
 *
 * GID = 1 + (sizes of the populations before this one) + index, as NEST counts node ids from
 * 1; TIME is the raster's text copied unchanged, so its precision is kept exactly.  NEST writes
 * "# NEST version: X" as the first line; otherwise the layout is NEST's to the line, because
 * NEST's own reader (nest.raster_plot.from_file: pandas header=2, or numpy skiprows=3) and
 * Neo's NestIO count on exactly two comment lines before the column header.  So the raster's
 * '#' lines (seed, network, duration, interrupted_at_ms) are not carried over; the SONATA
 * export keeps them. */
int hs_export_nest(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                   const char *out_path, hs_error *err);

/* NEST 2's GDF layout (spike_detector, to_file), which NEST 2's tools and Neo's NestIO read
 * (Neo 0.11, Debian's, does not read NEST 3's column header):
 *
 *     # hee-snn version: VERSION, source: SPIKES_TSV
 *     GID<TAB>TIME                 one line per spike, in the raster's order
 *
 * GID as above; TIME the raster's text, with ".0" appended when it has neither a '.' nor an
 * exponent (Neo reads the whole file as integers when its first data line has no '.'). */
int hs_export_gdf(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                  const char *out_path, hs_error *err);

/* SONATA spike file (SONATA developer guide, "Spike file") through the HDF5 C API:
 *
 *     /                   attributes magic (uint32 0x0A7A), version (uint32[2] = {0, 1}),
 *                         generator ("hee-snn VERSION"), source (SPIKES_TSV) and
 *                         source_comments (the raster's '#' lines, '#' and one blank
 *                         stripped, joined by newlines; at most 64 KiB kept)
 *     /spikes/NAME        one group per recorded population in pops (!unrecorded), also for
 *                         those that never spiked (a population not recorded has none, so the
 *                         groups say what was recorded); attribute sorting, an HDF5 enum over int8
 *                         {none = 0, by_id = 1, by_time = 2} holding by_time
 *     /spikes/NAME/timestamps   float64 (H5T_IEEE_F64LE), ms; attribute units = "ms"
 *     /spikes/NAME/node_ids     uint64 (H5T_STD_U64LE), the 0-based index in NAME
 *
 * Strings are variable-length UTF-8 (what h5py writes).  Datasets are one-dimensional,
 * unlimited and chunked: HS_EXPORT_CHUNK elements once a population has filled a buffer,
 * otherwise its exact spike count (at least 1), so small populations stay small on disk.
 * The file is in the HDF5 1.10 format (readers need HDF5 1.10 or newer), whose chunk index for
 * growing datasets keeps the writer's memory flat; the 1.8 format's B-tree did not. */
int hs_export_sonata(const char *spikes_tsv, const hs_export_pop *pops, int npops,
                     const char *out_path, hs_error *err);

/* The raster spikes_tsv of a run of cfg into out_path in format (HS_FORMAT_NEST, _GDF or
 * _SONATA), with cfg's populations and what it records (export_dir.c). */
struct hs_config;
int hs_export_raster(const struct hs_config *cfg, const char *spikes_tsv, int format,
                     const char *out_path, hs_error *err);
/* "spikes.nest.dat", "spikes.gdf" or "spikes.sonata.h5". */
const char *hs_export_default_name(int format);

#endif
