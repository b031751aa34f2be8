/* atomic.c -- the temporary-then-rename protocol of every result file (atomic.h) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
        return hs_nomem(err, path);
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

/* The PID of a temporary's name ".BASE.tmp-PID", or 0 when name is not one. */
static long tmp_pid(const char *name)
{
    const char *t = strstr(name, ".tmp-");
    if (name[0] != '.' || !t || t == name + 1)
        return 0;
    for (const char *e = strstr(t + 5, ".tmp-"); e; e = strstr(e + 5, ".tmp-"))
        t = e;   /* the last one: BASE may hold ".tmp-" itself */
    char *end;
    errno = 0;
    long pid = strtol(t + 5, &end, 10);
    return t[5] >= '0' && t[5] <= '9' && !*end && !errno && pid > 0 ? pid : 0;
}

void hs_atomic_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        long pid = tmp_pid(e->d_name);
        if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}
