/* varmon.c -- the state monitor (varmon.h) */
#include <stdlib.h>

#include "proc/varmon.h"
#include "util/error.h"

hs_varmon *hs_varmon_new(double every, size_t ncol)
{
    hs_varmon *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->every = every;
    m->ncol = ncol;
    m->col = calloc(ncol ? ncol : 1, sizeof *m->col);
    m->row = calloc(ncol ? ncol : 1, sizeof *m->row);
    if (!m->col || !m->row) {
        free(m->col);
        free(m->row);
        free(m);
        return NULL;
    }
    return m;
}

/* A sample at t, then the next at (k + 1) every: exact multiples, no summed drift. */
static int vm_step(void *self, double t, struct hs_net *q, double *next, hs_error *err)
{
    (void)q;
    hs_varmon *m = self;
    if (m->sink) {
        for (size_t c = 0; c < m->ncol; c++) {
            const hs_varmon_col *k = &m->col[c];
            m->row[c] = k->pop->model->state(k->pop, k->i, k->var, t);
        }
        if (m->sink(m->sink_ctx, t, m->row, m->ncol))
            return hs_error_set(err, HS_EIO, NULL, 0, 0, "cannot record the state variables");
    }
    m->k++;
    *next = (double)m->k * m->every;
    return HS_OK;
}

static void vm_describe(const void *self, FILE *f)
{
    const hs_varmon *m = self;
    fprintf(f, "state monitor: %zu variable%s sampled every %g ms into variables.tsv\n",
            m->ncol, m->ncol == 1 ? "" : "s", m->every);
}

static void vm_free(void *self)
{
    hs_varmon *m = self;
    if (!m)
        return;
    free(m->col);
    free(m->row);
    free(m);
}

const hs_proc_ops hs_varmon_ops = {
    .name = "variables",
    .step = vm_step,
    .describe = vm_describe,
    .free = vm_free,
};
