/* atomic.c -- the temporary-then-rename protocol of every result file (atomic.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/atomic.h"
#include "util/error.h"

int hs_atomic_tmp(const char *path, char **tmp, hs_error *err)
{
    *tmp = NULL;
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    if (!path[dirlen])
        return hs_error_set(err, HS_EIO, path, 0, 0, "not a file name");
    size_t n = strlen(path) + 32;
    if (!(*tmp = malloc(n)))
        return hs_error_set(err, HS_ENOMEM, path, 0, 0, "out of memory");
    snprintf(*tmp, n, "%.*s.%s.tmp-%ld", dirlen, path, path + dirlen, (long)getpid());
    return HS_OK;
}

int hs_atomic_commit(const char *tmp, const char *path, int sync, hs_error *err)
{
    int rc = HS_OK;
    if (sync) {
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot sync '%s': %s", tmp,
                              strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (rc == HS_OK && rename(tmp, path) != 0)
        rc = hs_error_set(err, HS_EIO, path, 0, 0, "cannot rename '%s' into place: %s", tmp,
                          strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}
