/* fuzz_util.c -- the harnesses' temporary directory and input files (fuzz.h) */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "fuzz.h"

static char dir[4096];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) != 0;
}

static void remove_dir(void)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *hs_fuzz_dir(void)
{
    if (dir[0])
        return dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/hee-snn-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("hee-snn fuzz: mkdtemp");
        exit(1);
    }
    atexit(remove_dir);
    return dir;
}

char *hs_fuzz_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", hs_fuzz_dir(), name);
    return buf;
}

char *hs_fuzz_file(const char *name, const uint8_t *data, size_t size, char *buf, size_t n)
{
    hs_fuzz_path(name, buf, n);
    FILE *f = fopen(buf, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(buf);
        exit(1);
    }
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();   /* as the CLI does: the library checks GSL's status codes */
    hs_fuzz_dir();
    return 0;
}
