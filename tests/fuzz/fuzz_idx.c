/* fuzz_idx.c -- libFuzzer harness: the IDX reader, plain or gzip-compressed, with labels
 *
 * The input is an images file, optionally followed by the separator "#LABELS#" and a labels
 * file; each part is written to its own file and read in full and with limit 1. */
#include <string.h>

#include "data/dataset.h"
#include "fuzz.h"

#define SEP "#LABELS#"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memmem(data, size, SEP, strlen(SEP));
    size_t nimg = sep ? (size_t)(sep - data) : size;
    char ipath[4200], lpath[4200];
    hs_fuzz_file("images.idx", data, nimg, ipath, sizeof ipath);
    if (sep)
        hs_fuzz_file("labels.idx", sep + strlen(SEP), size - nimg - strlen(SEP), lpath,
                     sizeof lpath);
    hs_error err;
    for (size_t limit = 0; limit <= 1; limit++) {
        hs_dataset *d;
        if (hs_data_load_idx(ipath, sep ? lpath : NULL, limit, &d, &err) == HS_OK)
            hs_dataset_free(d);
    }
    return 0;
}
