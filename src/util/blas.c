/* blas.c -- the CBLAS behind GSL's BLAS calls */
#include "hs-config.h"
#include "util/blas.h"

#ifdef HS_OPENBLAS
void openblas_set_num_threads(int num_threads);   /* (OpenBLAS's cblas.h, not included: it
                                                   * would clash with GSL's CBLAS prototypes) */
#endif

void hs_blas_threads(int n)
{
#ifdef HS_OPENBLAS
    openblas_set_num_threads(n < 1 ? 1 : n);
#else
    (void)n;
#endif
}

const char *hs_blas_name(void) { return HS_BLAS; }
