/* hugemem.c -- madvise(MADV_HUGEPAGE) on the aligned inside of a big block */
#include <stdint.h>
#include <sys/mman.h>

#include "util/hugemem.h"

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
