/* check_net.c -- compilation into CSR tables: connection rules, weights, delays, autapses */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/point_process.h"
#include "config/config.h"
#include "net/net.h"
#include "testutil.h"

static const char *head = "hee-snn: 1\nduration: 1 s\nseed: 3\npopulations:\n"
                          "  a: {model: lif, size: 200}\n  b: {model: lif, size: 300}\n";

static hs_net *compile_with(const char *proj, hs_config **cfg)
{
    static char yaml[4096];
    snprintf(yaml, sizeof yaml, "%sprojections:\n%s", head, proj);
    return net_from_string(yaml, cfg);
}

static size_t nsyn(const hs_proj *p) { return (size_t)p->row[p->npre]; }

START_TEST(test_net_all_to_all_matrix)
{
    const char *yaml = "hee-snn: 1\nduration: 1 s\npopulations:\n"
                       "  z: {model: neural_sampling, size: 3}\n"
                       "projections:\n  - from: z\n    to: z\n    connect: all_to_all\n"
                       "    weight: [[9, 0.5, 0], [0.5, 9, -1], [0, -1, 9]]\n";
    hs_config *cfg;
    hs_net *net = net_from_string(yaml, &cfg);
    const hs_proj *p = &net->projs[0];
    /* diagonal dropped (no autapses), zeros make no synapse: 0->1, 1->0, 1->2, 2->1 */
    ck_assert_uint_eq(nsyn(p), 4);
    ck_assert_uint_eq(p->row[1] - p->row[0], 1);
    ck_assert_uint_eq(p->col[p->row[0]], 1);
    ck_assert_double_eq(p->w[p->row[0]], 0.5);
    ck_assert_uint_eq(p->row[2] - p->row[1], 2);
    ck_assert_uint_eq(p->col[p->row[1] + 1], 2);
    ck_assert_double_eq(p->w[p->row[1] + 1], -1);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

START_TEST(test_net_fixed_probability)
{
    hs_config *cfg;
    hs_net *net = compile_with("  - {from: a, to: a, connect: {fixed_probability: 0.1}, "
                               "weight: 1 mV}\n  - {from: a, to: b, connect: "
                               "{fixed_probability: 0.1}, weight: 1 mV}\n", &cfg);
    /* Binomial counts; 5 sd tolerance: a->a has 200*199 candidates, a->b 200*300 */
    double n1 = 200.0 * 199, n2 = 200.0 * 300;
    ck_assert(fabs(nsyn(&net->projs[0]) - 0.1 * n1) < 5 * sqrt(n1 * 0.09));
    ck_assert(fabs(nsyn(&net->projs[1]) - 0.1 * n2) < 5 * sqrt(n2 * 0.09));
    const hs_proj *p = &net->projs[0];
    for (uint32_t i = 0; i < p->npre; i++)
        for (uint64_t s = p->row[i]; s < p->row[i + 1]; s++) {
            ck_assert_uint_ne(p->col[s], i);   /* no autapses */
            ck_assert_uint_lt(p->col[s], 200);
            if (s > p->row[i])
                ck_assert_uint_gt(p->col[s], p->col[s - 1]);   /* no multapses */
        }
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

START_TEST(test_net_fixed_indegree)
{
    hs_config *cfg;
    hs_net *net = compile_with("  - {from: b, to: a, connect: {fixed_indegree: 17}, "
                               "weight: {normal: {mean: 1 mV, sd: 0.1 mV}}}\n", &cfg);
    const hs_proj *p = &net->projs[0];
    ck_assert_uint_eq(nsyn(p), 200 * 17);
    int indeg[200] = {0};
    char seen[300][200] = {{0}};
    double sum = 0, sum2 = 0;
    for (uint32_t i = 0; i < p->npre; i++)
        for (uint64_t s = p->row[i]; s < p->row[i + 1]; s++) {
            indeg[p->col[s]]++;
            ck_assert(!seen[i][p->col[s]]);
            seen[i][p->col[s]] = 1;
            sum += p->w[s];
            sum2 += p->w[s] * p->w[s];
        }
    for (int j = 0; j < 200; j++)
        ck_assert_int_eq(indeg[j], 17);
    /* weights ~ N(1, 0.1^2): the mean of 3400 is within 5 standard errors */
    double n = 3400, mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    ck_assert(fabs(mean - 1) < 5 * 0.1 / sqrt(n));
    ck_assert(fabs(sd - 0.1) < 0.01);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* fixed_indegree draws each target's sources as a uniform subset (Floyd's algorithm).
 * (a) 2 of 4 sources for each of 3000 targets: the 6 pairs are equally likely, 500 each;
 *     Pearson's chi-square with 5 degrees of freedom stays below 25.7 (p = 1e-4).
 * (b) without autapses, 2 of the 3 other neurons of a population of 4, over 600 seeds: per
 *     target the 3 pairs are equally likely (200 each), chi-square with 4 x 2 = 8 degrees of
 *     freedom below 33.7 (p = 1e-4); a neuron never projects to itself. */
static int pair_index(uint32_t a, uint32_t b, uint32_t n)
{
    /* the index of the pair {a < b} among the n (n - 1) / 2 pairs in lexicographic order */
    return (int)(a * n - a * (a + 1) / 2 + (b - a - 1));
}

START_TEST(test_net_fixed_indegree_uniform)
{
    hs_config *cfg;
    const char *yaml = "hee-snn: 1\nduration: 1 s\nseed: 11\npopulations:\n"
                       "  s: {model: lif, size: 4}\n  t: {model: lif, size: 3000}\n"
                       "projections:\n  - {from: s, to: t, connect: {fixed_indegree: 2}, "
                       "weight: 1 mV}\n";
    hs_net *net = net_from_string(yaml, &cfg);
    const hs_proj *p = &net->projs[0];
    ck_assert_uint_eq(nsyn(p), 6000);
    uint32_t first[3000];
    int nseen[3000] = {0};
    double cnt[6] = {0};
    for (uint32_t i = 0; i < p->npre; i++)
        for (uint64_t k = p->row[i]; k < p->row[i + 1]; k++) {
            uint32_t j = p->col[k];
            if (nseen[j]++ == 0)
                first[j] = i;
            else   /* rows are visited in source order: first[j] < i */
                cnt[pair_index(first[j], i, 4)]++;
        }
    double chi2 = 0;
    for (int q = 0; q < 6; q++)
        chi2 += (cnt[q] - 500) * (cnt[q] - 500) / 500;
    ck_assert_msg(chi2 < 25.7, "pairs of sources: chi-square %g (5 dof)", chi2);
    hs_net_free(net);
    hs_config_free(cfg);

    double c2[4][3] = {{0}};
    for (int seed = 1; seed <= 600; seed++) {
        char y[512];
        snprintf(y, sizeof y, "hee-snn: 1\nduration: 1 s\nseed: %d\npopulations:\n"
                 "  c: {model: lif, size: 4}\nprojections:\n  - {from: c, to: c, connect: "
                 "{fixed_indegree: 2}, weight: 1 mV}\n", seed);
        net = net_from_string(y, &cfg);
        p = &net->projs[0];
        uint32_t src[4][2];
        int n[4] = {0};
        for (uint32_t i = 0; i < 4; i++)
            for (uint64_t k = p->row[i]; k < p->row[i + 1]; k++) {
                uint32_t j = p->col[k];
                ck_assert_uint_ne(i, j);
                ck_assert_int_lt(n[j], 2);
                src[j][n[j]++] = i;
            }
        for (uint32_t j = 0; j < 4; j++) {
            ck_assert_int_eq(n[j], 2);
            /* the pair is the two others than j and the one left out: index by it */
            uint32_t out = 6 - j - src[j][0] - src[j][1];
            c2[j][out - (out > j)]++;
        }
        hs_net_free(net);
        hs_config_free(cfg);
    }
    chi2 = 0;
    for (int j = 0; j < 4; j++)
        for (int q = 0; q < 3; q++)
            chi2 += (c2[j][q] - 200) * (c2[j][q] - 200) / 200;
    ck_assert_msg(chi2 < 33.7, "pairs without autapses: chi-square %g (8 dof)", chi2);
}
END_TEST

START_TEST(test_net_one_to_one_and_autapses)
{
    hs_config *cfg;
    hs_net *net = compile_with("  - {from: a, to: a, connect: one_to_one, weight: 1 mV, "
                               "autapses: true}\n  - {from: a, to: a, connect: one_to_one, "
                               "weight: 1 mV}\n", &cfg);
    ck_assert_uint_eq(nsyn(&net->projs[0]), 200);
    for (uint32_t i = 0; i < 200; i++)
        ck_assert_uint_eq(net->projs[0].col[net->projs[0].row[i]], i);
    ck_assert_uint_eq(nsyn(&net->projs[1]), 0);   /* a self-projection without autapses */
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* The network yaml, loaded as if it were dir/net.yaml beside dir/edges.tsv holding `edges`
 * (dir: a new temporary folder, "/tmp/hs-check-net-XXXXXX" on entry; drop_edges removes it). */
static hs_config *load_with_edges(char *dir, const char *edges, const char *yaml)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], yaml_name[256];
    snprintf(path, sizeof path, "%s/edges.tsv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(edges, f);
    fclose(f);
    snprintf(yaml_name, sizeof yaml_name, "%s/net.yaml", dir);
    hs_config *cfg;
    hs_error err = {0};
    ck_assert_int_eq(hs_config_load_string(yaml, strlen(yaml), yaml_name, NULL, &cfg, &err), 0);
    return cfg;
}

static void drop_edges(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/edges.tsv", dir);
    unlink(path);
    rmdir(dir);
}

START_TEST(test_net_edges_file_sorted_by_delay)
{
    char dir[] = "/tmp/hs-check-net-XXXXXX";
    hs_config *cfg = load_with_edges(
        dir, "# pre post weight delay\n0 1 0.5 3.0\n0 2 0.25 1.0\n0 0 2.0 2.0\n1 2 1.0 0.0\n",
        "hee-snn: 1\nduration: 1 s\npopulations:\n  a: {model: lif, size: 3}\n"
        "projections:\n  - {from: a, to: a, connect: {file: edges.tsv}}\n");
    hs_error err = {0};
    hs_net *net;
    ck_assert_int_eq(hs_net_compile(cfg, &net, &err), 0);
    const hs_proj *p = &net->projs[0];
    ck_assert_uint_eq(nsyn(p), 4);   /* an edges file may hold autapses explicitly */
    ck_assert_ptr_nonnull(p->delay);
    ck_assert_double_eq(p->delay[0], 1.0);
    ck_assert_uint_eq(p->col[0], 2);
    ck_assert_double_eq(p->delay[1], 2.0);
    ck_assert_double_eq(p->delay[2], 3.0);
    ck_assert_double_eq(p->w[2], 0.5);
    ck_assert_uint_eq(p->col[3], 2);
    hs_net_free(net);
    hs_config_free(cfg);
    drop_edges(dir);
}
END_TEST

START_TEST(test_net_same_seed_same_network)
{
    hs_config *c1, *c2;
    const char *proj = "  - {from: a, to: b, connect: {fixed_probability: 0.05}, "
                       "weight: {uniform: {low: 0 mV, high: 1 mV}}}\n";
    hs_net *n1 = compile_with(proj, &c1), *n2 = compile_with(proj, &c2);
    ck_assert_uint_eq(nsyn(&n1->projs[0]), nsyn(&n2->projs[0]));
    for (size_t s = 0; s < nsyn(&n1->projs[0]); s++) {
        ck_assert_uint_eq(n1->projs[0].col[s], n2->projs[0].col[s]);
        ck_assert_double_eq(n1->projs[0].w[s], n2->projs[0].w[s]);
    }
    hs_net_free(n1);
    hs_net_free(n2);
    hs_config_free(c1);
    hs_config_free(c2);
}
END_TEST

/* The schema a configuration is validated against agrees with the model's dynamics: 'record:
 * distribution' is accepted for a model exactly when it reports binary states. */
static void check_schema_of(const hs_model *m)
{
    ck_assert_msg(m->schema.has_zstate == (m->zstate != NULL), "%s: has_zstate", m->schema.name);
    ck_assert_int_le(m->schema.nparams, HS_MAX_PARAMS);
}

/* ... and the registry's catalogue, which the public loaders hand the configuration, gives
 * back each registered model by its schema. */
START_TEST(test_net_model_schemas)
{
    char names[256];
    hs_model_catalogue.names(names, sizeof names);
    for (size_t i = 0; i < hs_model_count(); i++) {
        const hs_model *m = hs_model_at(i);
        check_schema_of(m);
        ck_assert_ptr_eq(hs_model_catalogue.find(m->schema.name), &m->schema);
        ck_assert_ptr_eq(hs_model_of(&m->schema), m);
        ck_assert_ptr_nonnull(strstr(names, m->schema.name));
    }
    /* made by a hee: block only, never named in a file */
    check_schema_of(&hs_model_point_process);
    ck_assert_ptr_null(hs_model_catalogue.find("point_process"));
    ck_assert_ptr_null(hs_model_of(&hs_model_point_process.schema));
}
END_TEST

/* The configuration validates against the catalogue it is handed, not the registry; the
 * network refuses a schema that no registered model has. */
static const hs_param_desc toy_params[] = {
    {"gain", HS_DIM_NONE, 1.0, 0, 0.0, 10.0, 0, "a gain"},
};
static const hs_schema toy = {.name = "toy", .params = toy_params, .nparams = 1};

static const hs_schema *toy_find(const char *name) { return strcmp(name, "toy") ? NULL : &toy; }

static const char *toy_names(char *buf, size_t n)
{
    snprintf(buf, n, "toy");
    return buf;
}

START_TEST(test_net_config_catalogue)
{
    const hs_catalogue cat = {toy_find, toy_names};
    const char *yaml = "hee-snn: 1\nduration: 1 s\npopulations:\n"
                       "  t: {model: toy, size: 2, params: {gain: 3}}\n";
    hs_config *cfg;
    hs_net *net;
    hs_error err = {0};
    ck_assert_int_eq(hs_cfg_load_string(yaml, strlen(yaml), "toy.yaml", &cat, NULL, &cfg, &err),
                     HS_OK);
    ck_assert_ptr_eq(cfg->pops[0].schema, &toy);
    ck_assert_double_eq(cfg->pops[0].params[0], 3.0);
    ck_assert_int_eq(hs_net_compile(cfg, &net, &err), HS_ECONFIG);
    ck_assert_str_eq(err.msg, "population 't': model 'toy' is not in the registry");
    ck_assert_int_eq(err.line, 4);
    hs_config_free(cfg);
    const char *lif = "hee-snn: 1\nduration: 1 s\npopulations:\n  a: {model: lif, size: 2}\n";
    ck_assert_int_eq(hs_cfg_load_string(lif, strlen(lif), "lif.yaml", &cat, NULL, &cfg, &err),
                     HS_ECONFIG);
    ck_assert_str_eq(err.msg, "unknown neuron model 'lif' (known: toy)");
}
END_TEST

/* fixed_indegree is built on the network's threads, each target from its own stream, and its
 * synapses placed into rows on them: the synapses (rows, targets, drawn weights) are the same,
 * bit for bit, on 1 and on 3 threads (5000 targets: 3 ranges of at least 1024; 1.05 M synapses:
 * placed on 3 threads). */
START_TEST(test_net_fixed_indegree_threads)
{
    const hs_proj *p[2];
    hs_net *net[2];
    hs_config *cfg[2];
    for (int k = 0; k < 2; k++) {
        char y[512];
        snprintf(y, sizeof y, "hee-snn: 1\nduration: 1 s\nseed: 5\nthreads: %d\npopulations:\n"
                 "  s: {model: lif, size: 300}\n  t: {model: lif, size: 5000}\nprojections:\n"
                 "  - {from: s, to: t, connect: {fixed_indegree: 210}, "
                 "weight: {normal: {mean: 1 mV, sd: 0.1 mV}}}\n", k ? 3 : 1);
        net[k] = net_from_string(y, &cfg[k]);
        p[k] = &net[k]->projs[0];
    }
    const size_t n = 5000 * 210;
    ck_assert_uint_eq(nsyn(p[0]), n);
    ck_assert_uint_eq(nsyn(p[1]), n);
    ck_assert(!memcmp(p[0]->row, p[1]->row, 301 * sizeof *p[0]->row));
    ck_assert(!memcmp(p[0]->col, p[1]->col, n * sizeof *p[0]->col));
    ck_assert(!memcmp(p[0]->w, p[1]->w, n * sizeof *p[0]->w));
    for (int k = 0; k < 2; k++) {
        hs_net_free(net[k]);
        hs_config_free(cfg[k]);
    }
}
END_TEST

/* A projection whose synapses all weigh the same onto a model that takes one weight as such
 * (lif) keeps no table of weights, only w0: 4 bytes a synapse instead of 12; a drawn weight, or
 * a model that needs exp(w) per synapse, keeps the table. */
START_TEST(test_net_fixed_indegree_one_weight)
{
    hs_net *net;
    hs_config *cfg;
    net = net_from_string("hee-snn: 1\nduration: 1 s\nseed: 5\npopulations:\n"
                          "  s: {model: lif, size: 300}\n  t: {model: lif, size: 500}\n"
                          "  u: {model: neural_sampling, size: 50}\nprojections:\n"
                          "  - {from: s, to: t, connect: {fixed_indegree: 20}, weight: -2 mV}\n"
                          "  - {from: s, to: t, connect: {fixed_indegree: 20}, "
                          "weight: {normal: {mean: 1 mV, sd: 0.1 mV}}}\n"
                          "  - {from: u, to: u, connect: {fixed_indegree: 5}, weight: 0.5}\n",
                          &cfg);
    const hs_proj *p = &net->projs[0];
    ck_assert_ptr_null(p->w);
    ck_assert_double_eq(p->w0, -2.0);
    ck_assert_uint_eq(nsyn(p), 500 * 20);
    ck_assert_double_eq(hs_proj_weight(p, 17), -2.0);
    ck_assert_ptr_nonnull(net->projs[1].w);
    ck_assert(isnan(net->projs[1].w0));
    ck_assert_ptr_nonnull(net->projs[2].w);   /* exp_weights */
    ck_assert_ptr_nonnull(net->projs[2].ew);
    ck_assert_double_eq(net->projs[2].w0, 0.5);
    hs_net_free(net);
    hs_config_free(cfg);
}
END_TEST

/* A network split among R processes: the processes' own neurons are consecutive ranges that
 * cover the network, and each builds exactly the synapses onto its own neurons, row by row in
 * the order of the whole network's (targets, weights and delays bit for bit), for every rule:
 * fixed_indegree (drawn for the own targets only), fixed_probability, all_to_all and
 * one_to_one (drawn whole, kept own), an edges file with per-synapse delays.  Checked in one
 * process (the split does not need MPI to be built), for R = 2, 3 and 7. */
START_TEST(test_net_split_builds_own_synapses)
{
    static char edges[3000 * 32];   /* a -> b, pre-major with delays 1..4 ms */
    size_t len = 0;
    for (int e = 0; e < 3000; e++)
        len += (size_t)snprintf(edges + len, sizeof edges - len, "%d %d %g %g\n", (e * 7) % 700,
                                (e * 13) % 1300, 0.01 * (e % 17), 1.0 + (e % 4));
    char dir[] = "/tmp/hs-check-net-XXXXXX";
    hs_config *cfg = load_with_edges(
        dir, edges,
        "hee-snn: 1\nduration: 1 s\nseed: 11\npopulations:\n"
        "  a: {model: lif, size: 700}\n  b: {model: lif, size: 1300}\n"
        "  c: {model: lif, size: 700}\nprojections:\n"
        "  - {from: a, to: b, connect: {fixed_indegree: 50}, "
        "weight: {normal: {mean: 1 mV, sd: 0.3 mV}}, delay: 1 ms}\n"
        "  - {from: b, to: a, connect: {fixed_probability: 0.05}, "
        "weight: {uniform: {low: -1 mV, high: 1 mV}}, delay: 2 ms}\n"
        "  - {from: a, to: a, connect: all_to_all, weight: {normal: {mean: 0 mV, sd: 1 mV}}}\n"
        "  - {from: a, to: c, connect: one_to_one, weight: 2 mV, delay: 3 ms}\n"
        "  - {from: a, to: b, connect: {file: edges.tsv}}\n");
    hs_error err = {0};
    hs_net *whole;
    ck_assert_int_eq(hs_net_compile(cfg, &whole, &err), 0);
    ck_assert_ptr_nonnull(whole->projs[4].delay);
    const int splits[] = {2, 3, 7};
    for (size_t si = 0; si < sizeof splits / sizeof splits[0]; si++) {
        const int R = splits[si];
        uint32_t next = 0;
        uint64_t total = 0;
        for (int r = 0; r < R; r++) {
            hs_net *part;
            ck_assert_int_eq(hs_net_compile_split(cfg, r, R, &part, &err), 0);
            ck_assert_uint_eq(part->own_lo, next);
            ck_assert_uint_ge(part->own_hi, part->own_lo);
            next = part->own_hi;
            for (int k = 0; k < whole->nprojs; k++) {
                const hs_proj *pw = &whole->projs[k], *pp = &part->projs[k];
                const uint32_t g0 = whole->pops[pw->to].gid0;
                ck_assert_uint_eq(pp->npre, pw->npre);
                uint64_t bad = 0;   /* counted, not asserted one by one: 1.6 M synapses */
                for (uint32_t i = 0; i < pw->npre; i++) {
                    uint64_t q = pp->row[i];
                    for (uint64_t e = pw->row[i]; e < pw->row[i + 1]; e++) {
                        const uint32_t g = g0 + pw->col[e];
                        if (g < part->own_lo || g >= part->own_hi)
                            continue;
                        if (q >= pp->row[i + 1]) {
                            bad++;
                            break;
                        }
                        const double dw = pw->delay ? pw->delay[e] : pw->d;
                        const double dp = pp->delay ? pp->delay[q] : pp->d;
                        bad += pp->col[q] != pw->col[e] ||
                               hs_proj_weight(pp, q) != hs_proj_weight(pw, e) || dp != dw;
                        q++;
                    }
                    bad += q != pp->row[i + 1];
                }
                ck_assert_msg(bad == 0, "projection %d, process %d of %d: %llu rows or synapses "
                              "differ from the whole network's", k, r, R,
                              (unsigned long long)bad);
                total += nsyn(pp);
            }
            hs_net_free(part);
        }
        ck_assert_uint_eq(next, whole->nneurons);
        uint64_t all = 0;
        for (int k = 0; k < whole->nprojs; k++)
            all += nsyn(&whole->projs[k]);
        ck_assert_uint_eq(total, all);
    }
    hs_net_free(whole);
    hs_config_free(cfg);
    drop_edges(dir);
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_net_all_to_all_matrix);
    tcase_add_test(tc, test_net_fixed_probability);
    tcase_add_test(tc, test_net_fixed_indegree);
    tcase_add_test(tc, test_net_fixed_indegree_uniform);
    tcase_add_test(tc, test_net_fixed_indegree_threads);
    tcase_add_test(tc, test_net_fixed_indegree_one_weight);
    tcase_add_test(tc, test_net_split_builds_own_synapses);
    tcase_add_test(tc, test_net_one_to_one_and_autapses);
    tcase_add_test(tc, test_net_edges_file_sorted_by_delay);
    tcase_add_test(tc, test_net_same_seed_same_network);
    tcase_add_test(tc, test_net_model_schemas);
    tcase_add_test(tc, test_net_config_catalogue);
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(net_suite)
