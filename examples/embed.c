/* embed.c -- hee-snn as a library: load a network from a string, run it, read the counts
 *
 * Build against an installed hee-snn:
 *   cc embed.c $(pkg-config --cflags --libs hee-snn) -o embed
 * (make check builds it against the tree's library and runs it.)
 */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <hee-snn/hee-snn.h>

static const char net_yaml[] =
    "hee-snn: 1\n"
    "name: embedded\n"
    "seed: 3\n"
    "duration: 10 s\n"
    "populations:\n"
    "  z: {model: neural_sampling, size: 3, params: {tau_ref: 20 ms}, bias: -0.5}\n"
    "projections:\n"
    "  - {from: z, to: z, connect: all_to_all, weight: 0.3}\n";

int main(void)
{
    hs_error err = {0};
    char msg[2300];
    hs_config *cfg = NULL;
    hs_net *net = NULL;
    gsl_set_error_handler_off();   /* the library checks GSL's status codes (hee-snn.h) */
    if (hs_config_load_string(net_yaml, strlen(net_yaml), "embedded.yaml", NULL, &cfg, &err) ||
        hs_net_compile(cfg, &net, &err) ||
        hs_net_run(net, hs_config_duration(cfg), NULL, &err)) {
        fprintf(stderr, "embed: %s\n", hs_error_format(&err, msg, sizeof msg));
        hs_net_free(net);
        hs_config_free(cfg);
        return 1;
    }
    printf("hee-snn %s: %g ms simulated\n", hs_version(), hs_net_time(net));
    for (int p = 0; p < hs_net_npops(net); p++)
        printf("%s: %zu neurons, %llu spikes\n", hs_net_pop_name(net, p),
               hs_net_pop_size(net, p), (unsigned long long)hs_net_pop_spikes(net, p));
    int ok = hs_net_pop_spikes(net, 0) > 0;
    hs_net_free(net);
    hs_config_free(cfg);
    return ok ? 0 : 1;
}
