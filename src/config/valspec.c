/* valspec.c -- drawing the values of a value specification (scalars, vectors, matrices,
 * distributions) */
#include <gsl/gsl_randist.h>

#include "config/config.h"

double hs_valspec_value(const hs_valspec *v, gsl_rng *r, size_t i, size_t j)
{
    switch (v->kind) {
    case HS_VAL_SCALAR: return v->a;
    case HS_VAL_VECTOR: return v->data[i];
    case HS_VAL_MATRIX: return v->data[i * v->cols + j];
    case HS_VAL_NORMAL: return v->a + gsl_ran_gaussian_ziggurat(r, v->b);
    case HS_VAL_UNIFORM: return v->a + (v->b - v->a) * gsl_rng_uniform(r);
    default: return 0.0;
    }
}

void hs_valspec_draw(const hs_valspec *v, gsl_rng *r, size_t rows, size_t cols, double *out)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            out[i * cols + j] = v->kind == HS_VAL_VECTOR ? v->data[i] : hs_valspec_value(v, r, i, j);
}
