/* quantity.c -- parsing "20 ms", "1.5 s", "300 Hz" into internal units */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/quantity.h"

typedef struct unit {
    const char *sym;
    hs_dim dim;
    double scale;   /* value in internal units of 1 sym */
} unit;

static const unit units[] = {
    {"ms", HS_DIM_TIME, 1.0},        {"s", HS_DIM_TIME, 1e3},
    {"us", HS_DIM_TIME, 1e-3},       {"min", HS_DIM_TIME, 6e4},
    {"h", HS_DIM_TIME, 3.6e6},
    {"mV", HS_DIM_VOLTAGE, 1.0},     {"V", HS_DIM_VOLTAGE, 1e3},
    {"uV", HS_DIM_VOLTAGE, 1e-3},
    {"Hz", HS_DIM_RATE, 1.0},        {"kHz", HS_DIM_RATE, 1e3},
    {"pF", HS_DIM_CAPACITANCE, 1.0}, {"nF", HS_DIM_CAPACITANCE, 1e3},
    {"uF", HS_DIM_CAPACITANCE, 1e6},
    {"nS", HS_DIM_CONDUCTANCE, 1.0}, {"uS", HS_DIM_CONDUCTANCE, 1e3},
    {"pS", HS_DIM_CONDUCTANCE, 1e-3}, {"mS", HS_DIM_CONDUCTANCE, 1e6},
    {"pA", HS_DIM_CURRENT, 1.0},     {"nA", HS_DIM_CURRENT, 1e3},
    {"uA", HS_DIM_CURRENT, 1e6},
};

const char *hs_dim_name(hs_dim d)
{
    static const char *names[] = {"dimensionless", "time", "voltage", "rate",
                                  "capacitance", "conductance", "current"};
    return names[d];
}

const char *hs_dim_unit(hs_dim d)
{
    static const char *u[] = {"", "ms", "mV", "Hz", "pF", "nS", "pA"};
    return u[d];
}

/* strtod for decimal numbers only: hexadecimal ("0x10") is refused by ending the parse at
 * the 'x', so the caller sees trailing garbage. */
static double dec_strtod(const char *p, char **end)
{
    const char *q = p + (*p == '+' || *p == '-');
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        *end = (char *)q + 1;
        return 0.0;
    }
    return strtod(p, end);
}

int hs_parse_number(const char *s, double *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    errno = 0;
    double v = dec_strtod(s, &end);
    if (end == s || errno == ERANGE)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static const char *units_of(hs_dim d, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (units[i].dim == d) {
            int k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", units[i].sym);
            if (k < 0 || (size_t)k >= n - used)
                break;
            used += (size_t)k;
        }
    return buf;
}

int hs_quantity_parse(const char *s, hs_dim want, double *out, char *why, size_t whylen)
{
    char ubuf[128];
    if (want == HS_DIM_NONE) {
        if (hs_parse_number(s, out) == 0)
            return 0;
        snprintf(why, whylen, "expected a finite number, got '%s'", s);
        return -1;
    }
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    char *end;
    errno = 0;
    double v = dec_strtod(p, &end);
    if (end == p) {
        snprintf(why, whylen, "expected a %s such as '20 %s', got '%s'", hs_dim_name(want),
                 hs_dim_unit(want), s);
        return -1;
    }
    if (errno == ERANGE || !isfinite(v)) {
        snprintf(why, whylen, "'%s' is not a finite %s", s, hs_dim_name(want));
        return -1;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (!*end) {
        snprintf(why, whylen, "'%s' has no unit; a %s needs one (%s)", s, hs_dim_name(want),
                 units_of(want, ubuf, sizeof ubuf));
        return -1;
    }
    char sym[16];
    size_t k = 0;
    while (end[k] && !isspace((unsigned char)end[k]) && k + 1 < sizeof sym) {
        sym[k] = end[k];
        k++;
    }
    sym[k] = '\0';
    const char *rest = end + k;
    while (isspace((unsigned char)*rest))
        rest++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(units[i].sym, sym) != 0 || *rest)
            continue;
        if (units[i].dim != want) {
            snprintf(why, whylen, "'%s' is a %s, expected a %s (%s)", s,
                     hs_dim_name(units[i].dim), hs_dim_name(want),
                     units_of(want, ubuf, sizeof ubuf));
            return -1;
        }
        double r = v * units[i].scale;
        if (!isfinite(r)) {
            snprintf(why, whylen, "'%s' is not a finite %s", s, hs_dim_name(want));
            return -1;
        }
        *out = r;
        return 0;
    }
    snprintf(why, whylen, "unknown unit in '%s' (a %s takes %s)", s, hs_dim_name(want),
             units_of(want, ubuf, sizeof ubuf));
    return -1;
}
