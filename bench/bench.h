/* bench.h -- what the benchmark programs share: fail loudly, allocate or die, load networks */
#ifndef HS_BENCH_BENCH_H
#define HS_BENCH_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hee-snn/hee-snn.h"

/* Print the error with the program's name and exit 1: a benchmark has no one to report to. */
static inline void die(const hs_error *err)
{
    char buf[2300];
    fprintf(stderr, "%s: %s\n", program_invocation_short_name,
            hs_error_format(err, buf, sizeof buf));
    exit(1);
}

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
        exit(1);
    }
    return p;
}

/* A network from text; name is its file name for messages and relative paths. */
static inline hs_config *load_string(const char *yaml, const char *name)
{
    hs_error err = {0};
    hs_config *cfg = NULL;
    if (hs_config_load_string(yaml, strlen(yaml), name, NULL, &cfg, &err))
        die(&err);
    return cfg;
}

static inline hs_config *load_file(const char *path)
{
    hs_error err = {0};
    hs_config *cfg = NULL;
    if (hs_config_load(path, NULL, &cfg, &err))
        die(&err);
    return cfg;
}

#endif
