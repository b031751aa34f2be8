/* comm.c -- MPI, when the program is built with it (HAVE_MPI) and started by a launcher */
#include "hs-config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
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

#define XBLK_MIN 256       /* the smallest block, and the block of the first exchange */
#define XBLK_MAX (1u << 30)

int hs_comm_xstate_init(hs_comm_xstate *x, char *msg, size_t n)
{
    const char *how = getenv("HEE_SNN_EXCHANGE"), *b = getenv("HEE_SNN_EXCHANGE_BLOCK");
    *x = (hs_comm_xstate){.min = XBLK_MIN};
    if (how && *how && strcmp(how, "one") && strcmp(how, "sizes")) {
        if (msg)
            snprintf(msg, n, "HEE_SNN_EXCHANGE='%s': want one or sizes", how);
        return -1;
    }
    x->sizes = how && !strcmp(how, "sizes");
    if (b && *b) {   /* empty: unset */
        char *end;
        errno = 0;
        const unsigned long long v = strtoull(b, &end, 10);
        if (*end || errno || *b == '-' || v < 32 || v > XBLK_MAX) {
            if (msg)
                snprintf(msg, n, "HEE_SNN_EXCHANGE_BLOCK='%s': want bytes from 32 to %u", b,
                         XBLK_MAX);
            return -1;
        }
        x->min = (size_t)v / 8 * 8;
    }
    x->blk = x->min;
    return 0;
}

#ifdef HAVE_MPI
#include <mpi.h>

static int g_on;   /* MPI_Init_thread done here */
/* The exchange's scratch: the block this process sends and every process's blocks. */
static unsigned char *g_scr;
static size_t g_scrcap;

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
    free(g_scr);
    g_scr = NULL;
    g_scrcap = 0;
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

/* The exchange in two collectives: every process's size and flag, then the blocks. */
static int allgather_sizes(const void *send, size_t n, int flag, void **out, size_t *cap,
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

#define XHDR 16            /* a block's header: its size and flag, two uint64_t */
#define XQUIET 64          /* exchanges in a row with room to spare: the block shrinks */

/* The block for blocks of up to `most` bytes and a quarter more, in whole multiples of the
 * smallest (the present block when R of those would pass MPI's int counts). */
static size_t fit(const hs_comm_xstate *x, int R, size_t most)
{
    size_t nb = XHDR + most + most / 4;
    nb = (nb + x->min - 1) / x->min * x->min;
    return nb <= (size_t)INT_MAX / (size_t)(R + 1) ? nb : x->blk;
}

int hs_comm_allgather(const void *send, size_t n, int flag, hs_comm_xstate *x, void **out,
                      size_t *cap, size_t *len, int *flags, uint64_t *bytes)
{
    const int R = hs_comm_size();
    if (R == 1)
        return keep_own(send, n, flag, out, cap, len, flags);
    if (x && !x->blk)   /* the first exchange: the environment's choices (checked by main) */
        (void)hs_comm_xstate_init(x, NULL, 0);
    if (!x || x->sizes)
        return allgather_sizes(send, n, flag, out, cap, len, flags, bytes);
    const size_t B = x->blk, room0 = B - XHDR;
    if (B > (size_t)INT_MAX / (size_t)(R + 1))
        return -1;
    void *scr = g_scr;
    if (room(&scr, &g_scrcap, (size_t)(R + 1) * B))
        return -1;
    g_scr = scr;
    unsigned char *sb = g_scr, *rb = g_scr + B;
    const uint64_t hdr[2] = {n, (uint64_t)(flag != 0)};
    memcpy(sb, hdr, sizeof hdr);
    if (n)
        memcpy(sb + XHDR, send, n < room0 ? n : room0);
    if (MPI_Allgather(sb, (int)B, MPI_BYTE, rb, (int)B, MPI_BYTE, MPI_COMM_WORLD) != MPI_SUCCESS)
        return -1;
    size_t total = 0, most = 0, over = 0;
    int f = 0;
    for (int r = 0; r < R; r++) {
        uint64_t h[2];
        memcpy(h, rb + (size_t)r * B, sizeof h);
        if (h[0] > INT_MAX || total + h[0] > INT_MAX)
            return -1;   /* every process sees it: all return the error, none waits */
        total += h[0];
        most = h[0] > most ? h[0] : most;
        over += h[0] > room0 ? h[0] - room0 : 0;
        f |= h[1] != 0;
    }
    if (room(out, cap, total))
        return -1;
    int *counts = NULL, *displ = NULL;
    if (over && !(counts = malloc(2 * (size_t)R * sizeof *counts)))
        return -1;
    displ = counts ? counts + R : NULL;
    size_t at = 0;
    for (int r = 0; r < R; r++) {   /* the blocks' starts, in rank order, and where the rest go */
        uint64_t m;
        memcpy(&m, rb + (size_t)r * B, sizeof m);
        const size_t first = m < room0 ? (size_t)m : room0;
        if (first)
            memcpy((unsigned char *)*out + at, rb + (size_t)r * B + XHDR, first);
        if (counts) {
            counts[r] = (int)(m - first);
            displ[r] = (int)(at + first);
        }
        at += (size_t)m;
    }
    if (counts) {   /* a block did not fit: the rest of every block, and a larger block */
        const size_t mine = n > room0 ? n - room0 : 0;
        const int rc = MPI_Allgatherv(mine ? (const unsigned char *)send + room0 : sb,
                                      (int)mine, MPI_BYTE, *out, counts, displ, MPI_BYTE,
                                      MPI_COMM_WORLD);
        free(counts);
        if (rc != MPI_SUCCESS)
            return -1;
        x->blk = fit(x, R, most);
        x->quiet = 0;
        x->peak = 0;
    } else if (fit(x, R, most) < B) {   /* room to spare: after a while, the quiet's largest */
        x->peak = most > x->peak ? most : x->peak;
        if (++x->quiet == XQUIET) {
            x->blk = fit(x, R, x->peak);
            x->quiet = 0;
            x->peak = 0;
        }
    } else {
        x->quiet = 0;
        x->peak = 0;
    }
    *len = total;
    *flags = f;
    *bytes += (uint64_t)R * B + over;
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

int hs_comm_allgather(const void *send, size_t n, int flag, hs_comm_xstate *x, void **out,
                      size_t *cap, size_t *len, int *flags, uint64_t *bytes)
{
    (void)x;
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
