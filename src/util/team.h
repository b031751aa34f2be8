/* team.h -- a team of threads that runs one function on all of them, again and again
 *
 * For work split into a fixed number of parts, many times a second (the chains of a hee: block
 * are stepped every 0.02 ms of model time): the threads are started once and sleep between
 * runs, so a run costs a wake-up and a wait, not thread creation.  Part t of a run is always
 * done by thread t (part 0 and any part whose thread could not start by the caller), so what
 * a part computes does not depend on timing.
 */
#ifndef HS_UTIL_TEAM_H
#define HS_UTIL_TEAM_H

typedef struct hs_team hs_team;

/* fn(ctx, t, n) does part t of n. */
typedef void (*hs_team_fn)(void *ctx, int t, int n);

/* A team of n threads (the caller and n - 1 started here); n < 2 gives a team that runs every
 * part on the caller, as does a system that cannot start the threads.  0, or -1 when out of
 * memory. */
int hs_team_create(int n, hs_team **out);
/* The team's parts (its threads, or the n asked for when it runs them on the caller). */
int hs_team_size(const hs_team *tm);
/* Run fn(ctx, t, n) for every part t; returns when all are done.  Not reentrant. */
void hs_team_run(hs_team *tm, hs_team_fn fn, void *ctx);
/* Stop and join the threads; NULL is a no-op. */
void hs_team_free(hs_team *tm);

/* Part t of n owns the items [hs_team_share(k, t, n), hs_team_share(k, t + 1, n)) of k. */
static inline unsigned hs_team_share(unsigned k, int t, int n)
{
    return (unsigned)((unsigned long long)k * (unsigned)t / (unsigned)n);
}

#endif
