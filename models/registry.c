/* registry.c -- the table of neuron models; the engine knows models only through it, and the
 * configuration only through their schemas (hs_model_catalogue) */
#include <string.h>

#include "models/model.h"

extern const hs_model hs_model_neural_sampling;
extern const hs_model hs_model_glauber;
extern const hs_model hs_model_lif;
extern const hs_model hs_model_poisson;
extern const hs_model hs_model_spike_generator;
extern const hs_model hs_model_inhomogeneous_poisson;

static const hs_model *const registry[] = {
    &hs_model_neural_sampling,
    &hs_model_glauber,
    &hs_model_lif,
    &hs_model_poisson,
    &hs_model_spike_generator,
    &hs_model_inhomogeneous_poisson,
};

#define NMODELS (sizeof registry / sizeof registry[0])

size_t hs_model_count(void) { return NMODELS; }
const hs_model *hs_model_at(size_t i) { return i < NMODELS ? registry[i] : NULL; }

const hs_model *hs_model_find(const char *name)
{
    for (size_t i = 0; i < NMODELS; i++)
        if (!strcmp(registry[i]->schema.name, name))
            return registry[i];
    return NULL;
}

const char *hs_model_names(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NMODELS; i++) {
        size_t len = strlen(registry[i]->schema.name);
        if (used + len + 3 > n)
            break;
        if (i) {
            memcpy(buf + used, ", ", 2);
            used += 2;
        }
        memcpy(buf + used, registry[i]->schema.name, len);
        used += len;
        buf[used] = '\0';
    }
    return buf;
}

const hs_model *hs_model_of(const hs_schema *s)
{
    for (size_t i = 0; i < NMODELS; i++)
        if (&registry[i]->schema == s)
            return registry[i];
    return NULL;
}

static const hs_schema *find_schema(const char *name)
{
    const hs_model *m = hs_model_find(name);
    return m ? &m->schema : NULL;
}

const hs_catalogue hs_model_catalogue = {find_schema, hs_model_names};
