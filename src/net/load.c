/* load.c -- the public loaders: a network file validated against the registry's models
 *
 * The configuration (src/config) sees no model: it validates populations against the schemas
 * of the catalogue it is handed (util/schema.h).  This layer may use both, so the public entry
 * points of include/hee-snn/hee-snn.h hand it the registry's (hs_model_catalogue); hs_net_compile
 * then finds each population's model by its schema (hs_model_of).  Their names are the public
 * API's, hence hs_config_ rather than hs_net_.
 */
#include "config/config.h"
#include "models/model.h"

int hs_config_load(const char *path, const hs_overrides *ov, hs_config **out, hs_error *err)
{
    return hs_cfg_load(path, &hs_model_catalogue, ov, out, err);
}

int hs_config_load_string(const char *text, size_t len, const char *name,
                          const hs_overrides *ov, hs_config **out, hs_error *err)
{
    return hs_cfg_load_string(text, len, name, &hs_model_catalogue, ov, out, err);
}
