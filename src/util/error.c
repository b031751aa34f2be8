/* error.c -- filling and formatting hs_error records */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

int hs_error_vset(hs_error *err, int code, const char *file, int line, int col,
                  const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line;
    err->col = col;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int hs_error_set(hs_error *err, int code, const char *file, int line, int col,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hs_error_vset(err, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

int hs_error_within(hs_error *err, int code, const char *file, int line, int col,
                    const char *what)
{
    if (!err)
        return code;
    hs_error in = *err;
    char where[sizeof in.file + 32] = "";
    if (in.file[0] && in.line > 0 && in.col > 0)
        snprintf(where, sizeof where, " %s:%d:%d", in.file, in.line, in.col);
    else if (in.file[0] && in.line > 0)
        snprintf(where, sizeof where, " %s:%d", in.file, in.line);
    else if (in.file[0])
        snprintf(where, sizeof where, " %s", in.file);
    return hs_error_set(err, in.code == HS_ENOMEM ? HS_ENOMEM : code, file, line, col,
                        "%s%s: %s", what, where, in.msg);
}

HS_API const char *hs_error_format(const hs_error *err, char *buf, size_t n)
{
    if (!err->file[0])
        snprintf(buf, n, "error: %s", err->msg);
    else if (err->line > 0 && err->col > 0)
        snprintf(buf, n, "%s:%d:%d: error: %s", err->file, err->line, err->col, err->msg);
    else if (err->line > 0)
        snprintf(buf, n, "%s:%d: error: %s", err->file, err->line, err->msg);
    else
        snprintf(buf, n, "%s: error: %s", err->file, err->msg);
    return buf;
}

int hs_nomem(hs_error *err, const char *file)
{
    return hs_error_set(err, HS_ENOMEM, file, 0, 0, "out of memory");
}
