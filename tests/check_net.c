/* check_net.c -- compilation into CSR tables: connection rules, weights, delays, autapses */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

START_TEST(test_net_edges_file_sorted_by_delay)
{
    char dir[] = "/tmp/hs-check-net-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], yaml_name[256];
    snprintf(path, sizeof path, "%s/edges.tsv", dir);
    FILE *f = fopen(path, "w");
    fputs("# pre post weight delay\n0 1 0.5 3.0\n0 2 0.25 1.0\n0 0 2.0 2.0\n1 2 1.0 0.0\n", f);
    fclose(f);
    snprintf(yaml_name, sizeof yaml_name, "%s/net.yaml", dir);
    const char *yaml = "hee-snn: 1\nduration: 1 s\npopulations:\n  a: {model: lif, size: 3}\n"
                       "projections:\n  - {from: a, to: a, connect: {file: edges.tsv}}\n";
    hs_config *cfg;
    hs_error err = {0};
    ck_assert_int_eq(hs_config_load_string(yaml, strlen(yaml), yaml_name, NULL, &cfg, &err), 0);
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
    unlink(path);
    rmdir(dir);
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

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_net_all_to_all_matrix);
    tcase_add_test(tc, test_net_fixed_probability);
    tcase_add_test(tc, test_net_fixed_indegree);
    tcase_add_test(tc, test_net_one_to_one_and_autapses);
    tcase_add_test(tc, test_net_edges_file_sorted_by_delay);
    tcase_add_test(tc, test_net_same_seed_same_network);
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(net_suite)
