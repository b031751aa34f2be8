/* error.h -- status codes and the error record every fallible function fills */
#ifndef HS_UTIL_ERROR_H
#define HS_UTIL_ERROR_H

#include <stddef.h>
#include "hee-snn/hee-snn.h"

/* Fill err (if non-NULL) and return code.  file may be NULL; line/col are 1-based, 0 = unknown. */
int hs_error_set(hs_error *err, int code, const char *file, int line, int col,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* An allocation failed: err (if non-NULL) gets HS_ENOMEM and "out of memory", about file when
 * it is not NULL; returns HS_ENOMEM.  The one way the code says so. */
int hs_nomem(hs_error *err, const char *file);

/* Same with an explicit va_list. */
int hs_error_vset(hs_error *err, int code, const char *file, int line, int col,
                  const char *fmt, va_list ap);

/* Readdress err, an error about a file that another file named (a data set, a {file:} value, an
 * edges file), to the place that named it: file:line:col becomes err's position, and its
 * message "WHAT INNER:L:C: MSG" (INNER the data file and MSG its own problem, with as much of
 * the inner position as err had).  The code becomes code unless it was HS_ENOMEM, which is
 * kept (memory, not the input).  Returns the new code. */
int hs_error_within(hs_error *err, int code, const char *file, int line, int col,
                    const char *what);

#endif
