/* dataset.h -- training data as flat arrays: IDX and TSV loaders, epoch shuffles, whitening
 *
 * An hs_dataset holds n items of dim doubles each, row-major, with optional integer labels and,
 * for images, their shape.  Loaders return status codes and fill an hs_error naming the file
 * (and, for text, the 1-based line and column); nothing here prints, exits or keeps state.
 * Codes: HS_EIO when a file cannot be opened or read or ends early, HS_ECONFIG when its content
 * or an argument is invalid, HS_ENOMEM when memory runs out or a size overflows.
 */
#ifndef HS_DATA_DATASET_H
#define HS_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "hee-snn/hee-snn.h"

/* Values a data set may hold (8 bytes each): a file announcing more is refused, and a text file
 * holding more is refused at the first value beyond. */
#define HS_DATA_MAX_VALUES 2e8

/* Longest line of a text data set, newline included (16 MiB): a longer line is refused before
 * more of it is held in memory. */
#define HS_DATA_MAX_LINE ((size_t)1 << 24)

typedef struct hs_dataset {
    size_t n, dim;         /* n >= 1 items of dim >= 1 values */
    double *x;             /* n * dim values, item i at x + i * dim */
    int *labels;           /* n labels, or NULL when the data has none */
    uint32_t rows, cols;   /* image shape (rows * cols == dim), 0 and 0 when not images */
} hs_dataset;

/* A new dataset of n items of dimension dim, values zeroed, labels allocated (zeroed) when
 * with_labels is non-zero, rows = cols = 0.  On success *out owns it; free with
 * hs_dataset_free.  Errors: HS_ECONFIG if n or dim is 0, HS_ENOMEM. */
int hs_dataset_alloc(size_t n, size_t dim, int with_labels, hs_dataset **out, hs_error *err);

/* Free d and its arrays; NULL is allowed. */
void hs_dataset_free(hs_dataset *d);

/* Read IDX files (the MNIST format): images_path holds unsigned-byte images (magic 0x00000803,
 * then big-endian counts n, rows, cols, then n*rows*cols bytes); labels_path, unless NULL,
 * holds unsigned-byte labels (magic 0x00000801, count n, n bytes).  Either file may be
 * gzip-compressed or plain; zlib tells them apart by content.  Values are the raw pixels
 * 0..255 as doubles (scaling is the caller's); rows and cols are set.  limit = 0 reads every
 * item, otherwise the first min(limit, n).  A file read to its last item must end there
 * (which also lets zlib verify the gzip checksum); with a smaller limit the rest is not read.
 * On success *out owns the dataset (hs_dataset_free).  Errors name the offending file:
 * HS_EIO (cannot open, read error, corrupt gzip data, truncated header or data), HS_ECONFIG
 * (bad magic, a zero count or dimension, data beyond the announced items, a label count that
 * differs from the image count), HS_ENOMEM. */
int hs_data_load_idx(const char *images_path, const char *labels_path, size_t limit,
                     hs_dataset **out, hs_error *err);

/* Read a text file of vectors, one item per line, values separated by spaces or tabs.  Blank
 * lines and lines whose first non-blank character is '#' are skipped; the first remaining line
 * is a header, and skipped, if any of its tokens is not a number.  Every data line must hold
 * the same number of values, each a finite number in C strtod syntax.  limit = 0 reads every
 * line, otherwise the first `limit` data lines.  No labels, rows = cols = 0.  On success *out
 * owns the dataset.  Errors: HS_EIO (cannot open or read), HS_ECONFIG with the 1-based line and
 * byte column of a bad token, of the first surplus value, of the end of a short line (ragged
 * rows) or of the value beyond HS_DATA_MAX_VALUES, with the line of a line longer than
 * HS_DATA_MAX_LINE, or without a position when there are no data lines; HS_ENOMEM. */
int hs_data_load_tsv(const char *path, size_t limit, hs_dataset **out, hs_error *err);

/* Fill perm[0..n-1] with a permutation of 0..n-1 for the given epoch: the identity shuffled by
 * gsl_ran_shuffle with the stream hs_rng_stream(seed, "data", "shuffle-<epoch>"), so the order
 * depends only on (seed, epoch, n).  Returns HS_OK, or HS_ENOMEM if the stream cannot be
 * allocated (perm is then unspecified). */
int hs_data_shuffle_order(uint64_t seed, unsigned epoch, size_t n, size_t *perm);

/* ZCA whitening in place: subtract the mean of each dimension, then multiply every item by
 * W = C'^{-1/2}, where C = (1/n) sum_i (x_i - mean)(x_i - mean)^T is the covariance and C' has
 * C's eigenvectors (gsl_eigen_symmv) with eigenvalues lambda + eps_rel * lambda_max (negative
 * rounding noise clamped to 0).  W is symmetric, so the result stays as close as possible to
 * the input (unlike PCA whitening, which also rotates); with eps_rel = 0 the sample covariance
 * becomes the identity.  Costs O(n dim^2 + dim^3) time and 2 dim^2 + 258 dim doubles of work
 * space (dim <= 2^24).  Errors, leaving d unchanged: HS_ECONFIG if eps_rel is negative or not
 * finite, n < 2, the data are constant, or a regularised eigenvalue is below
 * (n + dim) * DBL_EPSILON * lambda_max (C singular to working precision: use eps_rel > 0);
 * HS_ENOMEM; HS_ERUNTIME if the eigensolver fails.  Under GSL's default error handler an
 * out-of-memory inside GSL aborts; callers that want a status code turn it off first. */
int hs_data_whiten(hs_dataset *d, double eps_rel, hs_error *err);

/* x = x * scale + offset for every value of d. */
void hs_data_scale(hs_dataset *d, double scale, double offset);

#endif
