/* check_quantity.c -- quantities with units: every unit's conversion, dimension checks, and
 * the strings that must be refused */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include "util/quantity.h"
#include "testutil.h"

typedef struct known {
    const char *text;
    hs_dim dim;
    double value;   /* internal units: ms, mV, Hz, pF, nS, pA */
} known;

static const known knowns[] = {
    {"20 ms", HS_DIM_TIME, 20.0},          {"1.5 s", HS_DIM_TIME, 1500.0},
    {"250 us", HS_DIM_TIME, 0.25},         {"2 min", HS_DIM_TIME, 120000.0},
    {"1 h", HS_DIM_TIME, 3600000.0},       {"10ms", HS_DIM_TIME, 10.0},
    {"  7 ms ", HS_DIM_TIME, 7.0},         {"1e3 ms", HS_DIM_TIME, 1000.0},
    {"-65 mV", HS_DIM_VOLTAGE, -65.0},     {"0.07 V", HS_DIM_VOLTAGE, 70.0},
    {"500 uV", HS_DIM_VOLTAGE, 0.5},       {"+0.25 mV", HS_DIM_VOLTAGE, 0.25},
    {"5 Hz", HS_DIM_RATE, 5.0},            {"1.2 kHz", HS_DIM_RATE, 1200.0},
    {"250 pF", HS_DIM_CAPACITANCE, 250.0}, {"1 nF", HS_DIM_CAPACITANCE, 1000.0},
    {"2 uF", HS_DIM_CAPACITANCE, 2e6},     {"3 nS", HS_DIM_CONDUCTANCE, 3.0},
    {"0.5 uS", HS_DIM_CONDUCTANCE, 500.0}, {"200 pS", HS_DIM_CONDUCTANCE, 0.2},
    {"1 mS", HS_DIM_CONDUCTANCE, 1e6},     {"100 pA", HS_DIM_CURRENT, 100.0},
    {"1.5 nA", HS_DIM_CURRENT, 1500.0},    {"2 uA", HS_DIM_CURRENT, 2e6},
    {"0.8", HS_DIM_NONE, 0.8},             {"-1.5e-2", HS_DIM_NONE, -0.015},
};

START_TEST(test_quantity_known_answers)
{
    for (size_t i = 0; i < sizeof knowns / sizeof *knowns; i++) {
        double v;
        char why[256];
        int rc = hs_quantity_parse(knowns[i].text, knowns[i].dim, &v, why, sizeof why);
        ck_assert_msg(rc == 0, "'%s': %s", knowns[i].text, why);
        /* conversions are one multiplication: equal to within one rounding */
        ck_assert_msg(fabs(v - knowns[i].value) <= 1e-15 * fabs(knowns[i].value),
                      "'%s' -> %.17g, want %.17g", knowns[i].text, v, knowns[i].value);
    }
}
END_TEST

typedef struct bad {
    const char *text;
    hs_dim dim;
    const char *why;   /* substring of the reason */
} bad;

static const bad bads[] = {
    {"10 mV", HS_DIM_TIME, "voltage"},    {"10 ms", HS_DIM_VOLTAGE, "time"},
    {"5 Hz", HS_DIM_TIME, "rate"},        {"10 parsecs", HS_DIM_TIME, "unknown unit"},
    {"ms", HS_DIM_TIME, ""},              {"", HS_DIM_TIME, ""},
    {"1e400 ms", HS_DIM_TIME, ""},        {"nan ms", HS_DIM_TIME, ""},
    {"inf s", HS_DIM_TIME, ""},           {".inf", HS_DIM_NONE, ""},
    {"10", HS_DIM_TIME, "no unit"},       {"0.5", HS_DIM_VOLTAGE, "no unit"},
    {"3 ms", HS_DIM_NONE, ""},            {"1 2 ms", HS_DIM_TIME, ""},
    {"10 msec", HS_DIM_TIME, "unknown unit"}, {"0x10 ms", HS_DIM_TIME, ""},
};

START_TEST(test_quantity_refused)
{
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        double v = 42;
        char why[256] = "";
        int rc = hs_quantity_parse(bads[i].text, bads[i].dim, &v, why, sizeof why);
        ck_assert_msg(rc != 0, "'%s' as %s was accepted (%.17g)", bads[i].text,
                      hs_dim_name(bads[i].dim), v);
        ck_assert_msg(why[0] != '\0', "'%s': no reason given", bads[i].text);
        ck_assert_msg(strstr(why, bads[i].why), "'%s': reason '%s' lacks '%s'", bads[i].text,
                      why, bads[i].why);
    }
}
END_TEST

START_TEST(test_quantity_plain_numbers)
{
    double v;
    ck_assert_int_eq(hs_parse_number("2.5", &v), 0);
    ck_assert_double_eq(v, 2.5);
    ck_assert_int_eq(hs_parse_number("-0", &v), 0);
    ck_assert_int_ne(hs_parse_number("2.5x", &v), 0);
    ck_assert_int_ne(hs_parse_number("nan", &v), 0);
    ck_assert_int_ne(hs_parse_number("1e309", &v), 0);
    ck_assert_int_ne(hs_parse_number("", &v), 0);
    ck_assert_str_eq(hs_dim_unit(HS_DIM_TIME), "ms");
    ck_assert_str_eq(hs_dim_unit(HS_DIM_VOLTAGE), "mV");
    ck_assert_str_eq(hs_dim_unit(HS_DIM_NONE), "");
}
END_TEST

static Suite *quantity_suite(void)
{
    Suite *s = suite_create("quantity");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_quantity_known_answers);
    tcase_add_test(tc, test_quantity_refused);
    tcase_add_test(tc, test_quantity_plain_numbers);
    suite_add_tcase(s, tc);
    return s;
}

RUN_SUITE(quantity_suite)
