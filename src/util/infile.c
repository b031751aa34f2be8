/* infile.c -- open input files without waiting (infile.h) */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/infile.h"

FILE *hs_fopen_regular(const char *path, const char *mode, int *not_regular)
{
    if (not_regular)
        *not_regular = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);   /* a FIFO opens at once */
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        if (not_regular)
            *not_regular = 1;
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, mode);
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

const char *hs_fopen_why(int not_regular)
{
    return not_regular ? "not a regular file (a FIFO, a device or a directory)" : strerror(errno);
}
