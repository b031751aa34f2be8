/* config_int.h -- reading helpers shared by the parts of the configuration loader
 *
 * Each helper checks one YAML node and, on failure, fills the context's error with the file,
 * line and column of that node and returns HS_ECONFIG (HS_ENOMEM when out of memory).
 */
#ifndef HS_CONFIG_CONFIG_INT_H
#define HS_CONFIG_CONFIG_INT_H

#include "config/config.h"
#include "config/ytree.h"

typedef struct hs_cfgctx {
    const char *file;
    hs_config *cfg;
    hs_error *err;
    const hs_catalogue *cat;   /* the model schemas populations are validated against */
    const char *const *sets;   /* "--set PATH=VALUE" of the nodes marked -(k + 1), or NULL */
} hs_cfgctx;

/* Set a configuration error at node n (n may be NULL); returns HS_ECONFIG. */
int hs_cfg_at(hs_cfgctx *c, const hs_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set an error about the file named at node n from inner, that file's own error
 * (hs_error_within: "WHAT FILE:LINE:COL: MSG" at n); returns HS_ECONFIG or HS_ENOMEM. */
int hs_cfg_within(hs_cfgctx *c, const hs_ynode *n, const hs_error *inner, const char *what);
int hs_cfg_want_kind(hs_cfgctx *c, const hs_ynode *n, hs_ykind k, const char *what);
/* Reject keys of map that are not in allowed (NULL-terminated); where names the block. */
int hs_cfg_check_keys(hs_cfgctx *c, const hs_ynode *map, const char *const *allowed,
                      const char *where);
/* *out receives a new string (caller frees; a previous *out is freed). */
int hs_cfg_read_string(hs_cfgctx *c, const hs_ynode *n, const char *what, char **out);
int hs_cfg_read_number(hs_cfgctx *c, const hs_ynode *n, const char *what, double *out);
int hs_cfg_read_quantity(hs_cfgctx *c, const hs_ynode *n, const char *what, hs_dim dim,
                         double *out);
int hs_cfg_read_uint(hs_cfgctx *c, const hs_ynode *n, const char *what, uint64_t max,
                     uint64_t *out);
/* The optional time parent[key] (def when absent), positive or at least 0. */
int hs_cfg_read_time(hs_cfgctx *c, const hs_ynode *parent, const char *key, double def,
                     int positive, double *out);
int hs_cfg_read_time_pos(hs_cfgctx *c, const hs_ynode *parent, const char *key, double def,
                         double *out);
int hs_cfg_read_bool(hs_cfgctx *c, const hs_ynode *n, const char *what, int *out);
/* A path relative to the configuration file's directory; caller frees; NULL if no memory. */
char *hs_cfg_resolve_path(hs_cfgctx *c, const char *p);
int hs_cfg_read_file_values(hs_cfgctx *c, const hs_ynode *n, const char *what, int matrix,
                            hs_valspec *v);
/* A value specification (see hs_valspec); allow_matrix: weights rather than per-neuron. */
int hs_cfg_read_valspec(hs_cfgctx *c, const hs_ynode *n, const char *what, hs_dim dim,
                        int allow_matrix, hs_valspec *v);

/* record: variables and rates (config_monitor.c). */
int hs_cfg_read_variables(hs_cfgctx *c, const hs_ynode *n);
int hs_cfg_read_rates(hs_cfgctx *c, const hs_ynode *n);

/* The hee: block (config_hee.c). */
int hs_cfg_read_hee(hs_cfgctx *c, const hs_ynode *n);
/* record: states and every (after the hee: block was read). */
int hs_cfg_read_hee_record(hs_cfgctx *c, const hs_ynode *rec);
void hs_heecfg_free(hs_heecfg *h);
/* hee: data: and learn: (config_learn.c), read by hs_cfg_read_hee. */
int hs_cfg_read_hee_data(hs_cfgctx *c, const hs_ynode *n, hs_heecfg *h);
int hs_cfg_read_hee_learn(hs_cfgctx *c, const hs_ynode *n, hs_heecfg *h);
void hs_datacfg_free(hs_datacfg *d);
/* The rbm: block (config_rbm.c). */
int hs_cfg_read_rbm(hs_cfgctx *c, const hs_ynode *n);
void hs_rbmcfg_free(hs_rbmcfg *r);
/* record: spikes naming a population of the hee: block's spike realisation: flag it and
 * return 1; 0 if name is no such population.  all != 0 flags every one. */
int hs_cfg_hee_spikes(hs_cfgctx *c, const char *name, int all);

#endif
