/* error.h -- status codes and the error record every fallible function fills */
#ifndef HS_UTIL_ERROR_H
#define HS_UTIL_ERROR_H

#include <stddef.h>
#include "hee-snn/hee-snn.h"

/* Fill err (if non-NULL) and return code.  file may be NULL; line/col are 1-based, 0 = unknown. */
int hs_error_set(hs_error *err, int code, const char *file, int line, int col,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Same with an explicit va_list. */
int hs_error_vset(hs_error *err, int code, const char *file, int line, int col,
                  const char *fmt, va_list ap);

#endif
