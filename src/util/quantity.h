/* quantity.h -- physical quantities written as "<number> <unit>" and their dimensions
 *
 * Internal units: time ms, voltage mV, rate Hz, capacitance pF, conductance nS, current pA.
 */
#ifndef HS_UTIL_QUANTITY_H
#define HS_UTIL_QUANTITY_H

#include <stddef.h>

typedef enum {
    HS_DIM_NONE = 0,   /* dimensionless: a bare number */
    HS_DIM_TIME,
    HS_DIM_VOLTAGE,
    HS_DIM_RATE,
    HS_DIM_CAPACITANCE,
    HS_DIM_CONDUCTANCE,
    HS_DIM_CURRENT
} hs_dim;

/* Name of a dimension ("time", ...) and its internal unit ("ms", ...; "" for none). */
const char *hs_dim_name(hs_dim d);
const char *hs_dim_unit(hs_dim d);

/* Parse a finite number written in full (no trailing text); returns 0 on success. */
int hs_parse_number(const char *s, double *out);

/* Parse s as a quantity of dimension want into internal units.  For HS_DIM_NONE a bare number
 * is expected.  On failure returns non-zero and writes a reason into why. */
int hs_quantity_parse(const char *s, hs_dim want, double *out, char *why, size_t whylen);

#endif
