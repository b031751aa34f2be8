/* blas.h -- the CBLAS behind GSL's BLAS calls (configure: OpenBLAS when found, else GSL's) */
#ifndef HS_UTIL_BLAS_H
#define HS_UTIL_BLAS_H

/* Threads OpenBLAS may use (n >= 1); nothing with GSL's reference CBLAS.  OpenBLAS splits a
 * product differently for another thread count, which changes the last bits of its sums, so
 * results are the same across machines only at a fixed count: the program sets 1 at start
 * (an embedder that wants the program's bytes does the same before training an RBM). */
void hs_blas_threads(int n);

/* "OpenBLAS" or "GSL CBLAS". */
const char *hs_blas_name(void);

#endif
