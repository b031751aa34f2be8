/* fuzz_yaml.c -- libFuzzer harness: a network file through the public in-memory loader
 *
 * The input is the YAML text; relative {file:} and data paths resolve in the harness's
 * temporary directory, which holds nothing but what other runs of this harness left there. */
#include "hee-snn/hee-snn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[4200];
    hs_fuzz_path("net.yaml", name, sizeof name);
    hs_config *cfg = NULL;
    hs_error err;
    if (hs_config_load_string((const char *)data, size, name, NULL, &cfg, &err) == HS_OK)
        hs_config_free(cfg);
    return 0;
}
