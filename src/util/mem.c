/* mem.c -- madvise(MADV_HUGEPAGE) on the aligned inside of a big block; the memory a
 * process may use */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/mem.h"

void hs_mem_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (!p || n < 2 * huge)
        return;
    const uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    const uintptr_t b = ((uintptr_t)p + n) & ~(huge - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE);   /* advice: failure changes nothing */
#else
    (void)p;
    (void)n;
#endif
}

size_t hs_mem_limit(const char **what)
{
    size_t lim = SIZE_MAX;
    const char *why = "no limit";
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && (unsigned long)pages < SIZE_MAX / (unsigned long)page) {
        lim = (size_t)pages * (size_t)page;
        why = "physical memory";
    }
    static const struct {
        int res;
        const char *name;
    } rl[] = {{RLIMIT_AS, "ulimit -v"}, {RLIMIT_DATA, "ulimit -d"}};
    for (size_t k = 0; k < sizeof rl / sizeof *rl; k++) {
        struct rlimit r;
        if (getrlimit(rl[k].res, &r) == 0 && r.rlim_cur != RLIM_INFINITY &&
            r.rlim_cur < (rlim_t)lim) {
            lim = (size_t)r.rlim_cur;
            why = rl[k].name;
        }
    }
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");   /* "max" or a number of bytes */
    if (f) {
        unsigned long long v;
        if (fscanf(f, "%llu", &v) == 1 && v < lim) {
            lim = (size_t)v;
            why = "cgroup memory.max";
        }
        fclose(f);
    }
    if (what)
        *what = why;
    return lim;
}
