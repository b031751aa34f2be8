/* check_config.c -- the configuration loader: every malformed file of tests/data/ fails with
 * its expected line, column and message; good files load; defaults, overrides, round trip */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/ytree.h"
#include "testutil.h"

#ifndef HS_SRCDIR
#define HS_SRCDIR "."
#endif

/* Names of tests/data files starting with prefix, sorted; returns the count. */
static size_t list_data(const char *prefix, char names[][128], size_t max)
{
    DIR *d = opendir(HS_SRCDIR "/tests/data");
    ck_assert_msg(d != NULL, "cannot open %s/tests/data", HS_SRCDIR);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) || len < 5 ||
            strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        ck_assert_uint_lt(n, max);
        snprintf(names[n++], 128, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, n, 128, (int (*)(const void *, const void *))strcmp);
    return n;
}

static char names[256][128];

/* Every bad-*.yaml starts with "# expect: LINE:COL: SUBSTRING". */
START_TEST(test_config_bad_corpus)
{
    size_t n = list_data("bad-", names, 256);
    ck_assert_msg(n >= 40, "only %zu malformed files in tests/data (at least 40 expected)", n);
    for (size_t i = 0; i < n; i++) {
        char path[512], first[512] = "";
        snprintf(path, sizeof path, "%s/tests/data/%s", HS_SRCDIR, names[i]);
        FILE *f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(fgets(first, sizeof first, f));
        fclose(f);
        first[strcspn(first, "\n")] = '\0';
        int line, col, off = 0;
        ck_assert_msg(sscanf(first, "# expect: %d:%d: %n", &line, &col, &off) == 2 && off > 0,
                      "%s: first line must be '# expect: LINE:COL: SUBSTRING'", names[i]);
        const char *want = first + off;
        hs_config *cfg = NULL;
        hs_error err = {0};
        int rc = hs_config_load(path, NULL, &cfg, &err);
        if (rc == HS_OK) {   /* some errors are found only when compiling */
            hs_net *net = NULL;
            rc = hs_net_compile(cfg, &net, &err);
            hs_net_free(net);
            hs_config_free(cfg);
        }
        char buf[2300];
        hs_error_format(&err, buf, sizeof buf);
        ck_assert_msg(rc == HS_ECONFIG, "%s: status %d, want HS_ECONFIG (%s)", names[i], rc,
                      buf);
        ck_assert_msg(err.line == line && err.col == col, "%s: error at %d:%d, want %d:%d (%s)",
                      names[i], err.line, err.col, line, col, buf);
        ck_assert_msg(strstr(err.file, names[i]) != NULL, "%s: error names file '%s'", names[i],
                      err.file);
        ck_assert_msg(strstr(err.msg, want) != NULL, "%s: message '%s' lacks '%s'", names[i],
                      err.msg, want);
    }
}
END_TEST

START_TEST(test_config_good_files)
{
    size_t n = list_data("good-", names, 256);
    ck_assert_uint_ge(n, 3);
    for (size_t i = 0; i < n; i++) {
        char path[512], buf[2300];
        snprintf(path, sizeof path, "%s/tests/data/%s", HS_SRCDIR, names[i]);
        hs_config *cfg;
        hs_error err = {0};
        int rc = hs_config_load(path, NULL, &cfg, &err);
        ck_assert_msg(rc == HS_OK, "%s", hs_error_format(&err, buf, sizeof buf));
        hs_net *net;
        rc = hs_net_compile(cfg, &net, &err);
        ck_assert_msg(rc == HS_OK, "%s", hs_error_format(&err, buf, sizeof buf));
        hs_net_free(net);
        hs_config_free(cfg);
    }
}
END_TEST

static const char *minimal = "hee-snn: 1\nduration: 2 s\npopulations:\n"
                             "  z: {model: neural_sampling, size: 2}\n";

START_TEST(test_config_defaults)
{
    hs_config *cfg;
    hs_error err = {0};
    ck_assert_int_eq(hs_config_load_string(minimal, strlen(minimal), "dir/net.yaml", NULL, &cfg,
                                           &err), HS_OK);
    ck_assert_str_eq(hs_config_name(cfg), "net");                /* from the file name */
    ck_assert_str_eq(hs_config_output(cfg), "out/net");
    ck_assert_int_eq(hs_config_seed_generated(cfg), 1);          /* no seed: one is made */
    ck_assert_double_eq(hs_config_duration(cfg), 2000.0);
    ck_assert_double_eq(cfg->pops[0].params[0], 20.0);           /* tau_ref 20 ms */
    ck_assert_int_eq(cfg->record_spikes[0], 0);                  /* nothing recorded unasked */
    hs_config_free(cfg);
}
END_TEST

START_TEST(test_config_overrides)
{
    hs_config *cfg;
    hs_error err = {0};
    hs_overrides ov = {.has_seed = 1, .seed = 0, .duration = "250 ms", .output = "elsewhere"};
    ck_assert_int_eq(hs_config_load_string(minimal, strlen(minimal), "net.yaml", &ov, &cfg,
                                           &err), HS_OK);
    ck_assert_uint_eq(hs_config_seed(cfg), 0);                   /* 0 is a valid seed */
    ck_assert_int_eq(hs_config_seed_generated(cfg), 0);
    ck_assert_double_eq(hs_config_duration(cfg), 250.0);
    ck_assert_str_eq(hs_config_output(cfg), "elsewhere");
    hs_config_free(cfg);
    ov.duration = "5 mV";
    ck_assert_int_eq(hs_config_load_string(minimal, strlen(minimal), "net.yaml", &ov, &cfg,
                                           &err), HS_ECONFIG);
    ck_assert_str_eq(err.file, "--duration");
}
END_TEST

/* load -> write -> load -> write gives the same text: nothing is lost or changed. */
START_TEST(test_config_round_trip)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/good-everything.yaml", HS_SRCDIR);
    const char *files[] = {path, NULL, NULL, NULL};
    char hee[512], src[512], mon[512];
    snprintf(hee, sizeof hee, "%s/tests/data/good-hee.yaml", HS_SRCDIR);
    files[1] = hee;
    /* spike times and rates from YAML and from files; variables and rates monitors */
    snprintf(src, sizeof src, "%s/tests/data/good-sources.yaml", HS_SRCDIR);
    files[2] = src;
    snprintf(mon, sizeof mon, "%s/tests/data/good-monitors.yaml", HS_SRCDIR);
    files[3] = mon;
    for (int k = 0; k < 4; k++) {
        hs_config *a, *b;
        hs_error err = {0};
        ck_assert_int_eq(hs_config_load(files[k], NULL, &a, &err), HS_OK);
        char *t1 = NULL, *t2 = NULL;
        size_t n1 = 0, n2 = 0;
        FILE *f = open_memstream(&t1, &n1);
        ck_assert_int_eq(hs_config_write(a, f, &err), HS_OK);
        fclose(f);
        ck_assert_int_eq(hs_config_load_string(t1, n1, "/tmp/x/config.yaml", NULL, &b, &err),
                         HS_OK);
        f = open_memstream(&t2, &n2);
        ck_assert_int_eq(hs_config_write(b, f, &err), HS_OK);
        fclose(f);
        ck_assert_str_eq(t1, t2);
        ck_assert_uint_eq(hs_config_seed(a), hs_config_seed(b));
        for (int p = 0; p < a->npops; p++) {   /* the values themselves came back */
            const hs_popcfg *pa = &a->pops[p], *pb = &b->pops[p];
            ck_assert_uint_eq(pa->ntimes, pb->ntimes);
            for (size_t i = 0; i < pa->ntimes; i++)
                ck_assert(pa->time_nr[i] == pb->time_nr[i] && pa->time_t[i] == pb->time_t[i]);
            ck_assert_uint_eq(pa->nrates, pb->nrates);
            for (size_t i = 0; i < pa->nrates; i++)
                ck_assert(pa->rate_t[i] == pb->rate_t[i] && pa->rate_v[i] == pb->rate_v[i]);
            ck_assert_uint_eq(a->var_sel[p].mask, b->var_sel[p].mask);
            ck_assert_uint_eq(a->var_sel[p].n, b->var_sel[p].n);
            ck_assert_int_eq(a->record_rates[p], b->record_rates[p]);
        }
        ck_assert(a->var_every == b->var_every && a->rate_bin == b->rate_bin);
        free(t1);
        free(t2);
        hs_config_free(a);
        hs_config_free(b);
    }
}
END_TEST

/* Hostile input fails fast and cleanly (the corpus has the file forms; these are larger). */
START_TEST(test_config_hostile)
{
    size_t depth = 200000;
    char *deep = malloc(2 * depth + 8);
    ck_assert_ptr_nonnull(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    hs_config *cfg;
    hs_error err = {0};
    ck_assert_int_eq(hs_config_load_string(deep, 2 * depth, "deep.yaml", NULL, &cfg, &err),
                     HS_ECONFIG);
    ck_assert(strstr(err.msg, "nesting") != NULL);
    free(deep);
    const char *huge = "hee-snn: 1\nduration: 1 s\npopulations:\n"
                       "  a: {model: lif, size: 100000000}\n  b: {model: lif, size: 100000000}\n"
                       "  c: {model: lif, size: 100000000}\n";
    ck_assert_int_eq(hs_config_load_string(huge, strlen(huge), "huge.yaml", NULL, &cfg, &err),
                     HS_ECONFIG);
    ck_assert_int_eq(err.line, 6);   /* the population that crosses the limit */
}
END_TEST

/* Audit defect 3 (issue 14): loading was quadratic in the keys of one mapping and in the
 * aliases (80,000 of either took 10 s and 20 s); with indexed keys and anchors, 100,000 of each
 * load within the test's timeout (4 s here; about 0.1 s on this machine).  A duplicate key
 * past the indexing threshold is still caught with the line of its first occurrence; a
 * redefined anchor still means its latest definition. */
static char *big_yaml(int nkeys, int naliases, size_t *len)
{
    size_t cap = (size_t)(nkeys + 2 * naliases) * 32 + 256, n = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    n += (size_t)snprintf(t + n, cap - n, "m:\n");
    for (int i = 0; i < nkeys; i++)
        n += (size_t)snprintf(t + n, cap - n, "  k%d: %d\n", i, i);
    n += (size_t)snprintf(t + n, cap - n, "a:\n");
    for (int i = 0; i < naliases; i++)
        n += (size_t)snprintf(t + n, cap - n, "  - &x%d %d\n", i, i);
    n += (size_t)snprintf(t + n, cap - n, "b:\n");
    for (int i = 0; i < naliases; i++)
        n += (size_t)snprintf(t + n, cap - n, "  - *x%d\n", i);
    *len = n;
    return t;
}

START_TEST(test_config_yaml_linear)
{
    size_t len;
    char *t = big_yaml(100000, 100000, &len);
    hs_ydoc *doc = NULL;
    hs_error err = {0};
    ck_assert_int_eq(hs_ydoc_parse(t, len, "big.yaml", &doc, &err), HS_OK);
    const hs_ynode *m = hs_ymap_get(doc->root, "m"), *b = hs_ymap_get(doc->root, "b");
    ck_assert(m && m->n == 100000 && b && b->n == 100000);
    ck_assert_str_eq(b->items[99999]->str, "99999");   /* *x99999 is &x99999's node */
    hs_ydoc_free(doc);
    free(t);
    /* a duplicate among many keys: at its line, naming the first */
    const char *dup = "m:\n  k0: 0\n  k1: 1\n  k2: 2\n  k3: 3\n  k4: 4\n  k5: 5\n  k6: 6\n"
                      "  k7: 7\n  k8: 8\n  k9: 9\n  k10: 10\n  k11: 11\n  k12: 12\n  k13: 13\n"
                      "  k14: 14\n  k15: 15\n  k16: 16\n  k17: 17\n  k3: 99\n";
    ck_assert_int_eq(hs_ydoc_parse(dup, strlen(dup), "dup.yaml", &doc, &err), HS_ECONFIG);
    ck_assert_int_eq(err.line, 20);
    ck_assert_msg(strstr(err.msg, "duplicate key 'k3' (first given at line 5)"), "%s", err.msg);
    /* the latest definition of an anchor wins */
    const char *re = "a: &x 1\nb: &x 2\nc: *x\n";
    ck_assert_int_eq(hs_ydoc_parse(re, strlen(re), "re.yaml", &doc, &err), HS_OK);
    ck_assert_str_eq(hs_ymap_get(doc->root, "c")->str, "2");
    hs_ydoc_free(doc);
}
END_TEST

/* Audit defect 8 (issue 14): a name taken from the file name must be a valid name too ("my
 * net.yaml" ran, and its export, analyze and replay failed); with 'name:' the file loads. */
START_TEST(test_config_name_from_file)
{
    char dir[64], path[128];
    scratch_make(dir, sizeof dir, "name");
    snprintf(path, sizeof path, "%s/my net.yaml", dir);
    const char *pops = "populations:\n  a: {model: poisson, size: 1, params: {rate: 1 Hz}}\n";
    char body[2][256];
    snprintf(body[0], sizeof body[0], "hee-snn: 1\nduration: 1 s\n%s", pops);
    snprintf(body[1], sizeof body[1], "hee-snn: 1\nname: mynet\nduration: 1 s\n%s", pops);
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(body[k], f);
        fclose(f);
        hs_config *cfg = NULL;
        hs_error err = {0};
        int rc = hs_config_load(path, NULL, &cfg, &err);
        if (k == 0) {
            ck_assert_int_eq(rc, HS_ECONFIG);
            ck_assert(err.line == 1 && err.col == 1);
            ck_assert_msg(strstr(err.msg, "name 'my net' comes from the file name"), "%s", err.msg);
        } else {
            ck_assert_int_eq(rc, HS_OK);
            ck_assert_str_eq(hs_config_name(cfg), "mynet");
        }
        hs_config_free(cfg);
    }
    scratch_remove(dir);
}
END_TEST

/* --set: a value by its path (a population name holding dots matched whole, a list item by
 * index, a new last key), errors naming the option; applied in order. */
START_TEST(test_config_set_paths)
{
    const char *yaml = "hee-snn: 1\nduration: 1 s\nseed: 1\npopulations:\n"
                       "  a.b: {model: lif, size: 4}\n  c: {model: poisson, size: 2, "
                       "params: {rate: 5 Hz}}\n"
                       "projections:\n  - {from: c, to: a.b, connect: all_to_all, weight: 1 mV}\n";
    const char *sets[] = {"populations.a.b.size=7", "projections.0.weight=2.5 mV",
                          "populations.c.params.start=30 ms", "duration=2 s", "duration=3 s"};
    hs_overrides ov = {.sets = sets, .nsets = 5};
    hs_config *cfg;
    hs_error err = {0};
    char buf[2300];
    int rc = hs_config_load_string(yaml, strlen(yaml), "net.yaml", &ov, &cfg, &err);
    ck_assert_msg(rc == HS_OK, "%s", hs_error_format(&err, buf, sizeof buf));
    ck_assert_uint_eq(cfg->pops[0].size, 7);
    ck_assert_double_eq(cfg->projs[0].weight.a, 2.5);
    ck_assert_double_eq(cfg->pops[1].params[1], 30.0);   /* start, new in the file */
    ck_assert_double_eq(cfg->duration, 3000.0);          /* the last of two wins */
    hs_config_free(cfg);
    const struct { const char *set, *want; } bad[] = {
        {"populations.a.size=3", "no key 'a' in 'populations' (it has: a.b, c)"},
        {"projections.1.weight=1 mV", "'1' is not an index of the list 'projections'"},
        {"populations.c.size=-1", "'size'"},
        {"seed.x=1", "'seed' is a scalar"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *one[] = {bad[k].set};
        hs_overrides o1 = {.sets = one, .nsets = 1};
        rc = hs_config_load_string(yaml, strlen(yaml), "net.yaml", &o1, &cfg, &err);
        ck_assert_int_eq(rc, HS_ECONFIG);
        char want_file[128];
        snprintf(want_file, sizeof want_file, "--set %s", bad[k].set);
        ck_assert_str_eq(err.file, want_file);
        ck_assert_int_eq(err.line, 0);
        ck_assert_msg(strstr(err.msg, bad[k].want), "'%s': %s", bad[k].set, err.msg);
    }
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_config_bad_corpus);
    tcase_add_test(tc, test_config_good_files);
    tcase_add_test(tc, test_config_defaults);
    tcase_add_test(tc, test_config_overrides);
    tcase_add_test(tc, test_config_round_trip);
    tcase_add_test(tc, test_config_hostile);
    tcase_add_test(tc, test_config_yaml_linear);
    tcase_add_test(tc, test_config_name_from_file);
    tcase_add_test(tc, test_config_set_paths);
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(config_suite)
