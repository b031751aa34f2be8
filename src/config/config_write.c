/* config_write.c -- the resolved configuration written back as YAML (config.yaml)
 *
 * Every default is filled in and the seed is included, so that running the written file
 * reproduces the run bit for bit.  Numbers are printed with 17 significant digits, which
 * round-trips doubles exactly; data files are referred to by absolute path.
 */
#include "hs-config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/error.h"

static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Shortest of %.15g, %.16g, %.17g that reads back as the same double. */
static void put_num(FILE *f, double v, hs_dim d)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (d == HS_DIM_NONE)
        fputs(buf, f);
    else
        fprintf(f, "%s %s", buf, hs_dim_unit(d));
}

/* A spike_generator's times as given: the file, one list for every neuron, or a list per
 * neuron. */
static void put_times(FILE *f, const hs_popcfg *p)
{
    fputs("    times: ", f);
    if (p->time_file) {
        fputs("{file: ", f);
        put_str(f, p->time_file);
        fputs("}\n", f);
        return;
    }
    const size_t lists = p->times_shared ? 1 : p->size;
    if (!p->times_shared)
        fputc('[', f);
    size_t k = 0;
    for (size_t i = 0; i < lists; i++) {
        fputs(i ? ",\n            [" : "[", f);
        for (size_t j = 0; k < p->ntimes && (p->times_shared ? j < p->ntimes_shared
                                                              : p->time_nr[k] == i); j++) {
            fputs(j ? ", " : "", f);
            put_num(f, p->time_t[k], HS_DIM_TIME);
            k += p->times_shared ? p->size : 1;   /* shared: neuron 0's copy of each */
        }
        fputc(']', f);
    }
    fputs(p->times_shared ? "\n" : "]\n", f);
}

static void put_valspec(FILE *f, const hs_valspec *v)
{
    switch (v->kind) {
    case HS_VAL_SCALAR:
        put_num(f, v->a, v->dim);
        break;
    case HS_VAL_NORMAL:
        fputs("{normal: {mean: ", f);
        put_num(f, v->a, v->dim);
        fputs(", sd: ", f);
        put_num(f, v->b, v->dim);
        fputs("}}", f);
        break;
    case HS_VAL_UNIFORM:
        fputs("{uniform: {low: ", f);
        put_num(f, v->a, v->dim);
        fputs(", high: ", f);
        put_num(f, v->b, v->dim);
        fputs("}}", f);
        break;
    case HS_VAL_VECTOR:
    case HS_VAL_MATRIX:
        if (v->file) {
            fputs("{file: ", f);
            put_str(f, v->file);
            fputs("}", f);
            break;
        }
        fputc('[', f);
        for (size_t i = 0; i < v->rows; i++) {
            if (i)
                fputs(v->kind == HS_VAL_MATRIX ? ",\n      " : ", ", f);
            if (v->kind == HS_VAL_MATRIX) {
                fputc('[', f);
                for (size_t j = 0; j < v->cols; j++) {
                    if (j)
                        fputs(", ", f);
                    put_num(f, v->data[i * v->cols + j], v->dim);
                }
                fputc(']', f);
            } else {
                put_num(f, v->data[i], v->dim);
            }
        }
        fputc(']', f);
        break;
    default:
        fputs("0", f);
    }
}

static void put_poplist(FILE *f, const hs_config *cfg, const int *flags)
{
    fputc('[', f);
    int first = 1;
    for (int i = 0; i < cfg->npops; i++)
        if (flags[i]) {
            fprintf(f, "%s%s", first ? "" : ", ", cfg->pops[i].name);
            first = 0;
        }
    if (flags == cfg->record_spikes && cfg->hee)   /* the spike realisation's populations */
        for (int l = 0; l < cfg->hee->nlayers; l++) {
            if (cfg->hee->spikes_x[l])
                fprintf(f, "%s%s", first ? "" : ", ", cfg->hee->layers[l].name), first = 0;
            if (cfg->hee->spikes_eps[l])
                fprintf(f, "%s%s_eps", first ? "" : ", ", cfg->hee->layers[l].name), first = 0;
        }
    fputc(']', f);
}

/* A concrete n x m matrix (m = 1: a vector) as a YAML flow sequence, one row per line. */
static void put_matrix(FILE *f, const double *a, size_t n, size_t m, int indent)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (m > 1)
            fprintf(f, "%s%*s[", i ? ",\n" : "", i ? indent + 1 : 0, "");
        else if (i)
            fputs(", ", f);
        for (size_t j = 0; j < m; j++) {
            if (j)
                fputs(", ", f);
            put_num(f, a[i * m + j], HS_DIM_NONE);
        }
        if (m > 1)
            fputc(']', f);
    }
    fputc(']', f);
}

/* rbm: without the keys of hee: blocks only (whiten, present). */
static void put_data(FILE *f, const hs_datacfg *d, int rbm)
{
    fputs("  data:\n    ", f);
    if (d->kind == HS_DATA_TSV) {
        fputs("tsv: ", f);
        put_str(f, d->path);
    } else if (d->kind == HS_DATA_IDX) {
        fputs("idx: {images: ", f);
        put_str(f, d->path);
        if (d->labels) {
            fputs(", labels: ", f);
            put_str(f, d->labels);
        }
        fputc('}', f);
    } else {
        fputs("patches: {images: [", f);
        for (size_t i = 0; i < d->nimages; i++) {
            if (i)
                fputs(", ", f);
            put_str(f, d->images[i]);
        }
        fprintf(f, "], size: %u, count: %llu}", d->patch, (unsigned long long)d->count);
    }
    fprintf(f, "\n    limit: %llu\n    holdout: %llu\n    scale: ", (unsigned long long)d->limit,
            (unsigned long long)d->holdout);
    put_num(f, d->scale, HS_DIM_NONE);
    fputs("\n    offset: ", f);
    put_num(f, d->offset, HS_DIM_NONE);
    if (d->threshold == d->threshold) {
        fputs("\n    threshold: ", f);
        put_num(f, d->threshold, HS_DIM_NONE);
    }
    if (!rbm) {
        fprintf(f, "\n    whiten: %s\n    whiten_eps: ", d->whiten ? "true" : "false");
        put_num(f, d->whiten_eps, HS_DIM_NONE);
    }
    fprintf(f, "\n    shuffle: %s", d->shuffle ? "true" : "false");
    if (!rbm) {
        fputs("\n    present: ", f);
        put_num(f, d->present, HS_DIM_TIME);
    }
    fputc('\n', f);
}

static void put_learn(FILE *f, const hs_learncfg *L)
{
    fputs("  learn:\n    learning_rate: ", f);
    put_num(f, L->lr * 1e3, HS_DIM_RATE);
    if (L->decay > 0) {
        fputs("\n    decay: ", f);
        put_num(f, L->decay, HS_DIM_TIME);
    }
    fputs("\n    settle: ", f);
    put_num(f, L->settle, HS_DIM_TIME);
    fprintf(f, "\n    params: [%s%s%s]", L->learn_W ? "W" : "",
            L->learn_b ? (L->learn_W ? ", b" : "b") : "",
            L->learn_J ? (L->learn_W || L->learn_b ? ", J" : "J") : "");
    if (L->checkpoint > 0) {
        fputs("\n    checkpoint: ", f);
        put_num(f, L->checkpoint, HS_DIM_TIME);
    }
    if (L->log_every > 0) {
        fputs("\n    log: ", f);
        put_num(f, L->log_every, HS_DIM_TIME);
    }
    if (L->wake_sleep)
        fputs("\n    method: wake-sleep", f);
    if (L->ais_runs)
        fprintf(f, "\n    ais: {runs: %llu, betas: %llu, items: %llu}",
                (unsigned long long)L->ais_runs, (unsigned long long)L->ais_betas,
                (unsigned long long)L->ais_items);
    fputc('\n', f);
}

/* The hee: block; with p, its parameters are p's concrete values and the data, clamp and
 * learning keys are left out (a trained model). */
static void put_hee(FILE *f, const hs_heecfg *h, const hs_hee_values *p)
{
    static const char *const inits[] = {"zero", "feedforward"};
    fprintf(f, "hee:\n  realisation: %s\n  tau_x: ", h->realisation == HS_HEE_RATE ? "rate"
                                                                                 : "spike");
    put_num(f, h->tau_x, HS_DIM_TIME);
    fputs("\n  tau_eps: ", f);
    put_num(f, h->tau_eps, HS_DIM_TIME);
    fputs("\n  dt: ", f);
    put_num(f, h->dt, HS_DIM_TIME);
    fprintf(f, "\n  init: %s\n  noise_budget: %s\n", inits[p ? HS_HEE_INIT_ZERO : h->init],
            h->noise_budget ? "true" : "false");
    if (h->bottom_up)
        fprintf(f, "  bottom_up: %s\n", h->bottom_up == 1 ? "exact" : "exchange");
    if (h->chains > 1)
        fprintf(f, "  chains: %u\n", h->chains);
    if (h->realisation == HS_HEE_SPIKE && !h->layers[0].bernoulli) {   /* (bernoulli: none) */
        fprintf(f, "  spike: {encoding: %s, ",
                h->encoding == HS_ENC_PUSHPULL ? "push-pull" : "baseline");
        if (h->P)
            fprintf(f, "neurons_per_unit: %u, ", h->P);
        fputs("r_max: ", f);
        put_num(f, h->rmax, HS_DIM_RATE);
        if (h->r1 > 0) {
            fputs(", rate_per_unit: ", f);
            put_num(f, h->r1, HS_DIM_RATE);
        }
        if (h->encoding == HS_ENC_BASELINE) {
            fputs(", baseline: ", f);
            put_num(f, h->r0, HS_DIM_RATE);
        }
        if (h->tau_syn > 0) {
            fputs(", tau_syn: ", f);
            put_num(f, h->tau_syn, HS_DIM_TIME);
        }
        fputs(", tau_ref: ", f);
        put_num(f, h->tau_ref, HS_DIM_TIME);
        fputs("}\n", f);
    }
    if (h->adapt_m > 0) {
        fputs("  adaptation: {m: ", f);
        put_num(f, h->adapt_m, HS_DIM_NONE);
        fputs(", tau_c: ", f);
        put_num(f, h->adapt_tau_c, HS_DIM_TIME);
        fputs("}\n", f);
    }
    fputs("  layers:\n", f);
    for (int l = 0; l < h->nlayers; l++) {
        const hs_heelayer_cfg *ly = &h->layers[l];
        if (ly->bernoulli) {
            fprintf(f, "    - {name: %s, size: %u, family: bernoulli", ly->name, ly->size);
        } else {
            fprintf(f, "    - {name: %s, size: %u, rho: %s, sigma: ", ly->name, ly->size,
                    hs_cfg_rho_names[ly->rho]);
            put_num(f, ly->sigma, HS_DIM_NONE);
        }
        uint32_t rows = ly->rows, cols = ly->cols;
        if (p && l == 0 && p->rows)
            rows = p->rows, cols = p->cols;
        if (rows)
            fprintf(f, ", shape: [%u, %u]", rows, cols);
        fputs(", bias: ", f);
        if (p)
            put_matrix(f, p->b[l], ly->size, 1, 0);
        else
            put_valspec(f, &ly->bias);
        fputs("}\n", f);
    }
    fputs("  weights:\n", f);
    for (int l = 1; l < h->nlayers; l++) {
        fprintf(f, "    %s: ", h->layers[l].name);
        if (p)
            put_matrix(f, p->W[l], h->layers[l - 1].size, h->layers[l].size,
                       (int)strlen(h->layers[l].name) + 6);
        else
            put_valspec(f, &h->weights[l]);
        fputc('\n', f);
    }
    int any = 0;
    for (int l = 0; l < h->nlayers; l++)
        any |= h->lateral[l].kind != HS_VAL_UNSET;
    if (any) {
        fputs("  lateral:\n", f);
        for (int l = 0; l < h->nlayers; l++)
            if (h->lateral[l].kind != HS_VAL_UNSET) {
                fprintf(f, "    %s: ", h->layers[l].name);
                if (p)
                    put_matrix(f, p->J[l], h->layers[l].size, h->layers[l].size,
                               (int)strlen(h->layers[l].name) + 6);
                else
                    put_valspec(f, &h->lateral[l]);
                fputc('\n', f);
            }
    }
    if (p)
        return;
    if (h->data)
        put_data(f, h->data, 0);
    else if (h->clamped) {
        fprintf(f, "  clamp:\n    %s: ", h->layers[0].name);
        put_valspec(f, &h->clamp);
        fputc('\n', f);
    }
    if (h->learn)
        put_learn(f, h->learn);
}

static void put_rbm(FILE *f, const hs_rbmcfg *r)
{
    static const char *const methods[] = {"cd", "pcd", "meanfield"};
    static const char *const ll[] = {"auto", "exact", "ais", "none"};
    fprintf(f, "rbm:\n  visible: %u\n  hidden: ", r->nv);
    for (int l = 0; l < r->nhidden; l++)
        fprintf(f, "%s%u", r->nhidden == 1 ? "" : l ? ", " : "[", r->hidden[l]);
    fputs(r->nhidden > 1 ? "]\n" : "\n", f);
    if (r->rows)
        fprintf(f, "  shape: [%u, %u]\n", r->rows, r->cols);
    fprintf(f, "  method: %s\n  k: %d\n  batch: %llu\n", methods[r->method], r->k,
            (unsigned long long)r->batch);
    if (r->method == HS_RBM_PCD && r->chains)
        fprintf(f, "  chains: %llu\n", (unsigned long long)r->chains);
    const struct {
        const char *key;
        double v;
    } nums[] = {{"learning_rate", r->lr}, {"momentum", r->momentum},
                {"weight_decay", r->weight_decay}, {"init_sd", r->init_sd}};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
        fprintf(f, "  %s: ", nums[k].key);
        put_num(f, nums[k].v, HS_DIM_NONE);
        fputc('\n', f);
    }
    fprintf(f, "  epochs: %llu\n  loglik: %s\n  ais: {runs: %llu, betas: %llu, items: %llu, "
               "item_runs: %llu, item_betas: %llu}\n  samples: %llu\n",
            (unsigned long long)r->epochs, ll[r->loglik], (unsigned long long)r->ais_runs,
            (unsigned long long)r->ais_betas, (unsigned long long)r->ais_items,
            (unsigned long long)r->ais_item_runs, (unsigned long long)r->ais_item_betas,
            (unsigned long long)r->samples);
    if (r->finetune) {
        fprintf(f, "  finetune: %llu\n", (unsigned long long)r->finetune);
        if (r->finetune_rate > 0) {
            fputs("  finetune_rate: ", f);
            put_num(f, r->finetune_rate, HS_DIM_NONE);
            fputc('\n', f);
        }
    }
    put_data(f, r->data, 1);
}

static int write_config(const hs_config *cfg, const hs_hee_values *vals, FILE *f,
                        hs_error *err)
{
    if (vals)
        fprintf(f, "# model trained by hee-snn %s from '%s' (seed %llu); add 'clamp' or 'data' "
                   "to infer, run it free to generate\n",
                PACKAGE_VERSION, cfg->path, (unsigned long long)cfg->seed);
    else
        fprintf(f, "# resolved configuration written by hee-snn %s; run it to reproduce the "
                   "run\n", PACKAGE_VERSION);
    fputs("hee-snn: 1\nname: ", f);
    if (vals) {
        size_t n = strlen(cfg->name) + 7;
        char *name = malloc(n);
        if (!name)
            return hs_nomem(err, NULL);
        snprintf(name, n, "%s-model", cfg->name);
        put_str(f, name);
        free(name);
    } else {
        put_str(f, cfg->name);
    }
    fprintf(f, "\nseed: %llu", (unsigned long long)cfg->seed);
    if (!cfg->rbm) {   /* (an RBM trains for epochs) */
        fputs("\nduration: ", f);
        put_num(f, cfg->duration, HS_DIM_TIME);
    }
    if (!vals) {
        fputs("\noutput: ", f);
        put_str(f, cfg->output);
    }
    fputc('\n', f);
    if (cfg->rbm) {
        put_rbm(f, cfg->rbm);
        return ferror(f) ? hs_error_set(err, HS_EIO, NULL, 0, 0, "write error") : HS_OK;
    }
    if (cfg->npops)
        fputs("populations:\n", f);
    for (int i = 0; i < cfg->npops; i++) {
        const hs_popcfg *p = &cfg->pops[i];
        const hs_schema *m = p->schema;
        fprintf(f, "  %s:\n    model: %s\n    size: %u\n    params: {", p->name, m->name,
                p->size);
        int first = 1;
        for (int k = 0; k < m->nparams; k++) {
            if (isinf(p->params[k]))
                continue;   /* "never": the key's absence says it */
            fprintf(f, "%s%s: ", first ? "" : ", ", m->params[k].name);
            put_num(f, p->params[k], m->params[k].dim);
            first = 0;
        }
        fputs("}\n", f);
        if (m->has_bias) {
            fputs("    bias: ", f);
            put_valspec(f, &p->bias);
            fputc('\n', f);
        }
        if (m->init_var && p->init.kind != HS_VAL_UNSET) {
            fprintf(f, "    init: {%s: ", m->init_var);
            put_valspec(f, &p->init);
            fputs("}\n", f);
        }
        if (m->takes_times)
            put_times(f, p);
        if (m->takes_rates) {
            fputs("    rates: ", f);
            if (p->rate_file) {
                fputs("{file: ", f);
                put_str(f, p->rate_file);
                fputs("}\n", f);
            } else {
                for (int k = 0; k < 2; k++) {
                    fputs(k ? "],\n            values: [" : "{times: [", f);
                    for (size_t r = 0; r < p->nrates; r++) {
                        fputs(r ? ", " : "", f);
                        put_num(f, k ? p->rate_v[r] : p->rate_t[r], k ? HS_DIM_RATE : HS_DIM_TIME);
                    }
                }
                fputs("]}\n", f);
            }
        }
    }
    if (cfg->nprojs)
        fputs("projections:\n", f);
    for (int k = 0; k < cfg->nprojs; k++) {
        const hs_projcfg *pr = &cfg->projs[k];
        char b1[96], b2[96];
        fprintf(f, "  - from: %s\n    to: %s\n    connect: ",
                hs_config_pop_name(cfg, pr->from, b1, sizeof b1),
                hs_config_pop_name(cfg, pr->to, b2, sizeof b2));
        switch (pr->conn) {
        case HS_CONN_ALL: fputs("all_to_all", f); break;
        case HS_CONN_ONE: fputs("one_to_one", f); break;
        case HS_CONN_PROB: fprintf(f, "{fixed_probability: %.17g}", pr->p); break;
        case HS_CONN_INDEG: fprintf(f, "{fixed_indegree: %u}", pr->indegree); break;
        case HS_CONN_FILE:
            fputs("{file: ", f);
            put_str(f, pr->edges_file);
            fputs("}", f);
            break;
        }
        fputc('\n', f);
        if (pr->conn != HS_CONN_FILE) {
            fputs("    weight: ", f);
            put_valspec(f, &pr->weight);
            fputs("\n    delay: ", f);
            put_num(f, pr->delay, HS_DIM_TIME);
            fputc('\n', f);
        }
        fprintf(f, "    autapses: %s\n", pr->autapses ? "true" : "false");
    }
    if (cfg->hee)
        put_hee(f, cfg->hee, vals);
    fputs("record:\n  spikes: ", f);
    put_poplist(f, cfg, cfg->record_spikes);
    static const char *const formats[] = {"tsv", "nest", "sonata", "gdf"};
    fprintf(f, "\n  format: %s\n", formats[cfg->record_format]);
    int any = 0;
    for (int i = 0; i < cfg->npops; i++)
        any |= cfg->record_dist[i];
    if (any) {
        fputs("  distribution: ", f);
        put_poplist(f, cfg, cfg->record_dist);
        fputc('\n', f);
    }
    if (cfg->var_every > 0) {
        fputs("  variables:\n    every: ", f);
        put_num(f, cfg->var_every, HS_DIM_TIME);
        fputs("\n    populations:\n", f);
        for (int i = 0; i < cfg->npops; i++) {
            const hs_varsel *s = &cfg->var_sel[i];
            if (!s->mask)
                continue;
            fprintf(f, "      %s: {neurons: ", cfg->pops[i].name);
            if (!s->idx)
                fputs("all", f);
            for (uint32_t k = 0; s->idx && k < s->n; k++)
                fprintf(f, "%s%u", k ? ", " : "[", s->idx[k]);
            fputs(s->idx ? "], variables: [" : ", variables: [", f);
            for (int v = 0, first = 1; v < cfg->pops[i].schema->nvars; v++)
                if (s->mask & (1u << v))
                    fprintf(f, "%s%s", first ? "" : ", ", cfg->pops[i].schema->vars[v].name),
                        first = 0;
            fputs("]}\n", f);
        }
    }
    if (cfg->rate_bin > 0) {
        fputs("  rates:\n    bin: ", f);
        put_num(f, cfg->rate_bin, HS_DIM_TIME);
        fputs("\n    populations: ", f);
        put_poplist(f, cfg, cfg->record_rates);
        fputc('\n', f);
    }
    if (cfg->hee) {
        const hs_heecfg *h = cfg->hee;
        fputs("  states: [", f);
        int first = 1;
        for (int l = 0; l < h->nlayers; l++) {
            if (h->record_x[l])
                fprintf(f, "%s%s", first ? "" : ", ", h->layers[l].name), first = 0;
            if (h->record_eps[l])
                fprintf(f, "%s%s_eps", first ? "" : ", ", h->layers[l].name), first = 0;
            if (h->record_c[l])
                fprintf(f, "%s%s_c", first ? "" : ", ", h->layers[l].name), first = 0;
        }
        fputs("]\n  every: ", f);
        put_num(f, h->every, HS_DIM_TIME);
        fputc('\n', f);
    }
    if (ferror(f))
        return hs_error_set(err, HS_EIO, NULL, 0, 0, "write error");
    return HS_OK;
}

int hs_config_write(const hs_config *cfg, FILE *f, hs_error *err)
{
    return write_config(cfg, NULL, f, err);
}

int hs_config_write_model(const hs_config *cfg, const hs_hee_values *p, FILE *f, hs_error *err)
{
    return write_config(cfg, p, f, err);
}
