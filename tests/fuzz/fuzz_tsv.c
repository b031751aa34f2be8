/* fuzz_tsv.c -- libFuzzer harness: the numeric text readers (data sets and {file:} values)
 *
 * The input is written to a file and read as a TSV data set (all lines, then the first two) and
 * as a {file:} matrix. */
#include <stdlib.h>

#include "config/datafile.h"
#include "data/dataset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200];
    hs_fuzz_file("data.tsv", data, size, path, sizeof path);
    hs_error err;
    for (size_t limit = 0; limit <= 2; limit += 2) {
        hs_dataset *d;
        if (hs_data_load_tsv(path, limit, &d, &err) == HS_OK)
            hs_dataset_free(d);
    }
    hs_datafile df;
    if (hs_datafile_read(path, &df, &err) == HS_OK)
        hs_datafile_release(&df);
    return 0;
}
