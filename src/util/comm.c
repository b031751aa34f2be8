/* comm.c -- MPI, when the program is built with it (HAVE_MPI) and started by a launcher */
#include "hs-config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/comm.h"

/* Room for n bytes in *out (room *cap); 0, or -1 when out of memory. */
static int room(void **out, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    void *b = realloc(*out, n);
    if (!b)
        return -1;
    *out = b;
    *cap = n;
    return 0;
}

/* One process: its own block is all there is. */
static int keep_own(const void *send, size_t n, int flag, void **out, size_t *cap, size_t *len,
                    int *flags)
{
    if (room(out, cap, n))
        return -1;
    if (n)
        memcpy(*out, send, n);
    *len = n;
    *flags = flag;
    return 0;
}

#ifdef HAVE_MPI
#include <mpi.h>

static int g_on;   /* MPI_Init_thread done here */

/* MPI is running (started here or by a program that embeds the library). */
static int up(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

/* Started by an MPI launcher: Open MPI, MPICH/Hydra and PMIx set these.  A program started
 * alone does not initialise MPI at all (a singleton start costs most of a second). */
static int launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                       "HEE_SNN_MPI"};
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++)
        if (getenv(vars[k]))
            return 1;
    return 0;
}

int hs_comm_init(int *argc, char ***argv)
{
    if (g_on || !launched())
        return 0;
    int provided;
    /* only the thread that called this one talks to MPI (the engine's workers never do) */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return -1;
    g_on = 1;
    return 0;
}

void hs_comm_finalize(void)
{
    if (g_on)
        MPI_Finalize();
    g_on = 0;
}

void hs_comm_abort(int code)
{
    if (hs_comm_size() > 1)
        MPI_Abort(MPI_COMM_WORLD, code);
}

int hs_comm_rank(void)
{
    int r = 0;
    if (up())
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int hs_comm_size(void)
{
    int n = 1;
    if (up())
        MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}
int hs_comm_available(void) { return 1; }

int hs_comm_allgather(const void *send, size_t n, int flag, void **out, size_t *cap,
                      size_t *len, int *flags, uint64_t *bytes)
{
    const int R = hs_comm_size();
    if (R == 1)
        return keep_own(send, n, flag, out, cap, len, flags);
    /* first the sizes and flags of every rank, then the blocks */
    int mine[2] = {n > INT_MAX ? -1 : (int)n, flag};
    int *all = malloc((size_t)R * 4 * sizeof *all);
    if (!all)
        return -1;
    int *counts = all + 2 * R, *displ = counts + R;
    if (MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, MPI_COMM_WORLD) != MPI_SUCCESS) {
        free(all);
        return -1;
    }
    size_t total = 0;
    int f = 0, bad = 0;
    for (int r = 0; r < R; r++) {
        bad |= all[2 * r] < 0 || total + (size_t)all[2 * r] > INT_MAX;
        counts[r] = all[2 * r];
        displ[r] = (int)total;
        total += (size_t)(all[2 * r] > 0 ? all[2 * r] : 0);
        f |= all[2 * r + 1];
    }
    if (bad) {   /* every rank sees it: all return the error, none waits */
        free(all);
        return -1;
    }
    if (room(out, cap, total)) {
        free(all);
        return -1;
    }
    int rc = MPI_Allgatherv(send, (int)n, MPI_BYTE, *out, counts, displ, MPI_BYTE,
                            MPI_COMM_WORLD);
    free(all);
    if (rc != MPI_SUCCESS)
        return -1;
    *len = total;
    *flags = f;
    *bytes += total + (uint64_t)R * sizeof mine;
    return 0;
}

int hs_comm_sum_u64(uint64_t *v, int n)
{
    if (hs_comm_size() == 1)
        return 0;
    return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD) ==
                   MPI_SUCCESS ? 0 : -1;
}

int hs_comm_bcast_u64(uint64_t *v)
{
    if (hs_comm_size() == 1)
        return 0;
    return MPI_Bcast(v, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

int hs_comm_min_max(double *lo, double *hi)
{
    if (hs_comm_size() == 1)
        return 0;
    double v[2] = {*lo, -*hi};
    if (MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return -1;
    *lo = v[0];
    *hi = -v[1];
    return 0;
}

#else /* one process */

int hs_comm_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
void hs_comm_finalize(void) {}
void hs_comm_abort(int code) { (void)code; }
int hs_comm_rank(void) { return 0; }
int hs_comm_size(void) { return 1; }
int hs_comm_available(void) { return 0; }

int hs_comm_allgather(const void *send, size_t n, int flag, void **out, size_t *cap,
                      size_t *len, int *flags, uint64_t *bytes)
{
    (void)bytes;
    return keep_own(send, n, flag, out, cap, len, flags);
}

int hs_comm_sum_u64(uint64_t *v, int n)
{
    (void)v;
    (void)n;
    return 0;
}

int hs_comm_bcast_u64(uint64_t *v)
{
    (void)v;
    return 0;
}

int hs_comm_min_max(double *lo, double *hi)
{
    (void)lo;
    (void)hi;
    return 0;
}

#endif
