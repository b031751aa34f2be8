/* mem.h -- the memory of the process: transparent huge pages for the big tables (synapses,
 * inputs), and how much memory it may use */
#ifndef HS_UTIL_MEM_H
#define HS_UTIL_MEM_H

#include <stddef.h>

/* Ask the kernel for transparent huge pages (2 MB) for the whole 2 MB pages inside [p, p + n),
 * best before they are first touched: a table of gigabytes then costs 512 times fewer page
 * faults and TLB misses.  Only for blocks of 4 MB or more (malloc maps those on their own);
 * does nothing where the kernel has no such pages or only gives them when asked system-wide. */
void hs_mem_huge(void *p, size_t n);

/* The bytes this process may use at most: the smallest of the machine's physical memory, the
 * address-space and data-segment limits (ulimit -v, -d) and the cgroup's memory.max (cgroup
 * v2, when readable); *what names the one that binds ("physical memory", "ulimit -v",
 * "ulimit -d", "cgroup memory.max").  SIZE_MAX when none is known. */
size_t hs_mem_limit(const char **what);

#endif
