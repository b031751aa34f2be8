/* fuzz_edges.c -- libFuzzer harness: the edges reader ("pre post weight [delay]" lines)
 *
 * The input is written to a file and read for a 100 x 7 projection. */
#include <stdlib.h>

#include "config/datafile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200];
    hs_fuzz_file("edges.tsv", data, size, path, sizeof path);
    hs_edges e;
    hs_error err;
    if (hs_edges_read(path, 100, 7, HS_DIM_NONE, &e, &err) == HS_OK) {
        free(e.pre);
        free(e.post);
        free(e.w);
        free(e.delay);
    }
    return 0;
}
