/* atomic.h -- files written completely or not at all: a temporary beside the final name,
 * renamed into place once complete
 *
 * Every writer of results (record/output.c, record/export.c, data/image.c, plot/canvas.c)
 * writes "DIR/.BASE.tmp-PID" and renames it onto "DIR/BASE" only when it is complete, so a
 * failed or interrupted write never leaves a half-written file and never touches an earlier one.
 */
#ifndef HS_UTIL_ATOMIC_H
#define HS_UTIL_ATOMIC_H

#include "hee-snn/hee-snn.h"

/* *tmp = "DIR/.BASE.tmp-PID" for path "DIR/BASE" (caller frees).  Errors: HS_EIO if path names
 * no file (empty, or ending in '/'), HS_ENOMEM. */
int hs_atomic_tmp(const char *path, char **tmp, hs_error *err);

/* Rename the complete temporary tmp onto path, after syncing it to disk when sync is non-zero.
 * On failure tmp is removed and err names path. */
int hs_atomic_commit(const char *tmp, const char *path, int sync, hs_error *err);

/* Remove the temporaries of dead writers from dir: regular files named ".BASE.tmp-PID" (this
 * protocol's pattern, nothing else) whose PID names no process (kill(PID, 0) fails with
 * ESRCH), left by a writer killed with SIGKILL or by a crash.  A live process's temporary, or
 * one of another user's process, is kept.  Best effort: errors are ignored.  (A writer in
 * another PID namespace sharing the directory would look dead: not a supported setup.) */
void hs_atomic_sweep(const char *dir);

#endif
