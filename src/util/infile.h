/* infile.h -- opening an input file without waiting: regular files only
 *
 * fopen() on a FIFO waits for a writer, and a device may never end; every reader of user
 * input (network files, {file:} values, data sets, images, checkpoints, files hashed for
 * provenance) opens through hs_fopen_regular, which opens without blocking, refuses anything
 * but a regular file, and only then hands back an ordinary blocking FILE *.
 */
#ifndef HS_UTIL_INFILE_H
#define HS_UTIL_INFILE_H

#include <stdio.h>

/* path opened for reading ("r" or "rb"), or NULL with errno set; *not_regular (may be NULL)
 * is 1 when the path exists but is not a regular file (a FIFO, a device, a directory). */
FILE *hs_fopen_regular(const char *path, const char *mode, int *not_regular);
/* Why hs_fopen_regular failed, for an error message (errno as it left it). */
const char *hs_fopen_why(int not_regular);

#endif
