/* fuzz.h -- what the libFuzzer harnesses share: a private temporary directory per process
 *
 * Readers that take a path get the fuzz input through a file in this directory, so a harness
 * writes nowhere else.  The directory is created on first use under $TMPDIR (else /tmp) and
 * removed with everything in it when the process exits normally.  LLVMFuzzerInitialize (in
 * fuzz_util.c, linked into every harness) makes it and turns GSL's error handler off, as the
 * CLI does, so that the library sees GSL's status codes.
 */
#ifndef HS_FUZZ_FUZZ_H
#define HS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The harness's directory (created on the first call; exits the process if it cannot be). */
const char *hs_fuzz_dir(void);

/* "DIR/name" in the harness's directory, into buf of n bytes; returns buf. */
char *hs_fuzz_path(const char *name, char *buf, size_t n);

/* Write data[0..size-1] to DIR/name, replacing it, and return its path (a static buffer per
 * call site is the caller's: buf of n bytes).  Exits the process if the file cannot be
 * written, since then no input reaches the reader. */
char *hs_fuzz_file(const char *name, const uint8_t *data, size_t size, char *buf, size_t n);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
