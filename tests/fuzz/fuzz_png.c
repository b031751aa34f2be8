/* fuzz_png.c -- libFuzzer harness: the gray PNG reader (images and patches) */
#include <stdlib.h>

#include "data/image.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200];
    hs_fuzz_file("image.png", data, size, path, sizeof path);
    double *pix;
    uint32_t w, h;
    hs_error err;
    if (hs_png_read_gray(path, &pix, &w, &h, &err) == HS_OK)
        free(pix);
    return 0;
}
