/* comm.h -- the processes of one run (MPI ranks) and what they exchange
 *
 * A run may be split across R processes started by mpirun (built with --with-mpi): each owns a
 * range of neurons, and the engine exchanges the spikes of every slice with one collective.
 * Everything MPI is in comm.c; without MPI, or when the program was not started by a
 * launcher, there is one process (rank 0 of 1) and every call here is trivial.
 */
#ifndef HS_UTIL_COMM_H
#define HS_UTIL_COMM_H

#include <stddef.h>
#include <stdint.h>

/* Start the processes' communication when the program was started by an MPI launcher (the
 * environment says so); call once, first thing in main.  0, or -1 when MPI cannot start. */
int hs_comm_init(int *argc, char ***argv);
/* End it (every process, last thing). */
void hs_comm_finalize(void);
/* End every process of the run at once with status code (after an error on one of them). */
void hs_comm_abort(int code);
int hs_comm_rank(void);
int hs_comm_size(void);
/* Built with MPI (whether or not this run was started by a launcher). */
int hs_comm_available(void);

/* The state of a run's exchanges, the same on every process (every process sees the same
 * sizes at every exchange): zero before the first.  blk is the bytes each process sends in the
 * one collective of an exchange (a 16-byte header and the start of its block); quiet counts the
 * exchanges in a row whose blocks would fit a smaller one, peak their largest block. */
typedef struct hs_comm_xstate {
    size_t blk, min;   /* min: the first and smallest block */
    size_t peak;
    unsigned quiet;
    int sizes;         /* always two collectives (HEE_SNN_EXCHANGE=sizes) */
} hs_comm_xstate;

/* x for a run's first exchange, from the environment (HEE_SNN_EXCHANGE, HEE_SNN_EXCHANGE_BLOCK;
 * empty values are unset); -1 with the message in msg (room n; may be NULL) when a value is
 * neither. */
int hs_comm_xstate_init(hs_comm_xstate *x, char *msg, size_t n);

/* Every process's block of bytes, concatenated in rank order, to every process: each sends n
 * bytes at `send` and a flag; *out (grown with realloc, room *cap) receives the blocks, *len
 * their total, and *flags the OR of the flags.  One collective (MPI_Allgather of fixed-size
 * blocks, x->blk bytes, headed by each process's size and flag) when every block fits, and a
 * second (MPI_Allgatherv of what did not) when one does not; the block size then grows for the
 * next exchanges (to 1.25 times the largest block), and shrinks after 64 exchanges in a row
 * that would all fit a smaller one (never below 256 bytes, or
 * HEE_SNN_EXCHANGE_BLOCK, at least 32, from the environment).  With x NULL, or
 * HEE_SNN_EXCHANGE=sizes in the environment, always two: the sizes, then MPI_Allgatherv of the
 * blocks.  Counts the bytes
 * each process receives in *bytes.  0, or -1 when out of memory or MPI fails. */
int hs_comm_allgather(const void *send, size_t n, int flag, hs_comm_xstate *x, void **out,
                      size_t *cap, size_t *len, int *flags, uint64_t *bytes);
/* Process 0's value to every process. */
int hs_comm_bcast_u64(uint64_t *v);
/* Sums and extremes over the processes, in place (n values). */
int hs_comm_sum_u64(uint64_t *v, int n);
int hs_comm_min_max(double *lo, double *hi);

#endif
