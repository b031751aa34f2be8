/* image.h -- gray PNG images: reading, atomic writing, tiled grids, random patches
 *
 * Pixels are doubles, row-major, one per pixel, 0..255 for 8-bit gray.  Writers never leave a
 * half-written file under the final name: they write ".NAME.tmp-PID" in the same directory and
 * rename it into place on success, deleting it on failure (no fsync).  Codes as in dataset.h:
 * HS_EIO for files that cannot be opened, read, written or renamed, or are corrupt; HS_ECONFIG
 * for invalid content or arguments; HS_ENOMEM.
 */
#ifndef HS_DATA_IMAGE_H
#define HS_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hee-snn/hee-snn.h"
#include "data/dataset.h"

/* Pixels a PNG that is read may have (8192 x 8192): a larger image is refused from its header,
 * before anything is allocated, since it takes 8 bytes a pixel in memory and up to 3 more while
 * decoding (a 389 KB PNG of 20000 x 20000 took 3.4 GB). */
#define HS_PNG_MAX_PIXELS ((uint64_t)1 << 26)

/* Read the PNG at path as 8-bit gray: palette images are expanded, 16-bit samples scaled to 8
 * bits, alpha ignored, and colour reduced to round(0.299 R + 0.587 G + 0.114 B); no gamma
 * correction.  On success *pix (w * h values 0..255, allocated here, the caller frees it with
 * free()), *w and *h are set; on failure *pix is NULL.  Errors name path: HS_EIO (cannot open,
 * corrupt or truncated), HS_ECONFIG (not a PNG file, more than HS_PNG_MAX_PIXELS pixels),
 * HS_ENOMEM. */
int hs_png_read_gray(const char *path, double **pix, uint32_t *w, uint32_t *h, hs_error *err);

/* Write pix (w x h, row-major) as an 8-bit gray PNG, mapping [lo, hi] linearly onto 0..255,
 * rounding to nearest and clipping values outside (NaN becomes 0), atomically (see above).
 * Errors: HS_ECONFIG if w or h is 0 or above 2^31 - 1 or lo < hi fails; HS_EIO naming path;
 * HS_ENOMEM. */
int hs_png_write_gray(const char *path, const double *pix, uint32_t w, uint32_t h, double lo,
                      double hi, hs_error *err);

/* Write n images of rows x cols (row-major, one after the other in items) as one gray PNG,
 * tiled left to right and top to bottom in grid_cols columns (0: ceil(sqrt(n))) and
 * ceil(n / grid_cols) rows, separated by pad pixels of mid-gray (128); unused cells are
 * mid-gray too.  The image is grid_cols * cols + (grid_cols - 1) * pad pixels wide and
 * grid_rows * rows + (grid_rows - 1) * pad high.  per_item_scale = 1 maps each tile's own
 * min..max onto 0..255 (for receptive fields), 0 maps the global min..max; the extremes are
 * taken over finite values, and a tile (or grid) whose values are all equal is drawn mid-gray.
 * Written atomically.  Errors as hs_png_write_gray, and HS_ECONFIG if n, rows or cols is 0. */
int hs_png_write_grid(const char *path, const double *items, size_t n, uint32_t rows,
                      uint32_t cols, uint32_t grid_cols, uint32_t pad, int per_item_scale,
                      hs_error *err);

/* Cut count square patches of size x size from the gray PNG images image_paths[0..nimages-1]
 * (read with hs_png_read_gray, all held in memory at once).  For each patch the stream
 * hs_rng_stream(seed, "data", "patches") draws, in this order, the image (uniformly), the
 * left column and the top row (uniformly among the positions where the patch fits), so the
 * patches depend only on (seed, the images, size, count).  On success *out owns a dataset of
 * count items, dim = size * size, rows = cols = size, no labels.  Errors: those of
 * hs_png_read_gray; HS_ECONFIG naming the image if one is smaller than size x size, and
 * without a file if nimages, size or count is 0 or nimages exceeds 2^32 - 1; HS_ENOMEM. */
int hs_data_patches(const char *const *image_paths, size_t nimages, uint32_t size, size_t count,
                    uint64_t seed, hs_dataset **out, hs_error *err);

#endif
