/* testutil.h -- helpers shared by the test suites: compile a network from a string, collect
 * its spikes */
#ifndef HS_TESTS_TESTUTIL_H
#define HS_TESTS_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hee-snn/hee-snn.h"

typedef struct spikes {
    size_t n, cap;
    double *t;
    int *pop;
    uint32_t *id;
} spikes;

static inline int collect_spike(void *ctx, double t, int pop, uint32_t id)
{
    spikes *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->t = realloc(s->t, s->cap * sizeof *s->t);
        s->pop = realloc(s->pop, s->cap * sizeof *s->pop);
        s->id = realloc(s->id, s->cap * sizeof *s->id);
        ck_assert(s->t && s->pop && s->id);
    }
    s->t[s->n] = t;
    s->pop[s->n] = pop;
    s->id[s->n] = id;
    s->n++;
    return 0;
}

static inline void spikes_free(spikes *s)
{
    free(s->t);
    free(s->pop);
    free(s->id);
    memset(s, 0, sizeof *s);
}

/* Load and compile; fails the test with the error text on failure. */
static inline hs_net *net_from_string(const char *yaml, hs_config **cfg)
{
    hs_error err = {0};
    char buf[2300];
    int rc = hs_config_load_string(yaml, strlen(yaml), "test.yaml", NULL, cfg, &err);
    ck_assert_msg(rc == HS_OK, "%s", hs_error_format(&err, buf, sizeof buf));
    hs_net *net;
    rc = hs_net_compile(*cfg, &net, &err);
    ck_assert_msg(rc == HS_OK, "%s", hs_error_format(&err, buf, sizeof buf));
    return net;
}

static inline void run_to(hs_net *net, double t)
{
    hs_error err = {0};
    char buf[2300];
    int rc = hs_net_run(net, t, NULL, &err);
    ck_assert_msg(rc == HS_OK, "%s", hs_error_format(&err, buf, sizeof buf));
}

/* The whole file as a NUL-terminated buffer (caller frees); its length into *len (may be NULL).
 * Fails the test if it cannot be read. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(fread(b, 1, (size_t)n, f), n);
    b[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

/* A scratch directory "/tmp/hs-check-TAG-XXXXXX" into buf (at least 64 bytes). */
static inline void scratch_make(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/hs-check-%s-XXXXXX", tag);
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static inline int scratch_remove_entry(const char *path, const struct stat *st, int flag,
                                       struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove dir and everything in it (what a failing test left included). */
static inline void scratch_remove(const char *dir)
{
    nftw(dir, scratch_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define RUN_SUITE(make_suite)                                                              \
    int main(void)                                                                         \
    {                                                                                      \
        SRunner *sr = srunner_create(make_suite());                                        \
        srunner_run_all(sr, CK_NORMAL);                                                    \
        int failed = srunner_ntests_failed(sr);                                            \
        srunner_free(sr);                                                                  \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
    }

#endif
