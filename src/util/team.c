/* team.c -- persistent threads woken by a generation counter (util/team.h)
 *
 * A run bumps the generation; a worker that sees it runs its part and counts itself done.
 * Waiting spins for a while before it sleeps on a condition variable: a chains' step takes a
 * fraction of a millisecond, so a sleep and a wake-up per run (tens of microseconds) would eat
 * much of what a second thread gains, while a wait between runs is usually short. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util/team.h"

/* Polls before sleeping (each a pause: about 20 to 100 microseconds in all). */
#define SPIN 4000

struct hs_team {
    int n;                  /* parts */
    int started;            /* threads running parts 1..started; the caller runs the rest */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_ulong gen;       /* runs so far: a worker waits for the next */
    atomic_int pending;     /* workers still in the current run */
    atomic_int quit;
    hs_team_fn fn;          /* the current run's (written before gen is bumped) */
    void *ctx;
    pthread_t th[];
};

typedef struct worker {
    hs_team *tm;
    int t;
} worker;

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The generation after seen, or seen when told to quit. */
static unsigned long next_gen(hs_team *tm, unsigned long seen)
{
    unsigned long g = seen;
    for (int k = 0; k < SPIN; k++) {
        if ((g = atomic_load_explicit(&tm->gen, memory_order_acquire)) != seen ||
            atomic_load_explicit(&tm->quit, memory_order_relaxed))
            return g;
        relax();
    }
    pthread_mutex_lock(&tm->mu);
    while ((g = atomic_load(&tm->gen)) == seen && !atomic_load(&tm->quit))
        pthread_cond_wait(&tm->go, &tm->mu);
    pthread_mutex_unlock(&tm->mu);
    return g;
}

static void *worker_main(void *arg)
{
    hs_team *tm = ((worker *)arg)->tm;
    const int t = ((worker *)arg)->t;
    free(arg);
    unsigned long seen = 0;
    for (;;) {
        seen = next_gen(tm, seen);
        if (atomic_load(&tm->quit))
            return NULL;
        tm->fn(tm->ctx, t, tm->n);
        if (atomic_fetch_sub_explicit(&tm->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&tm->mu);
            pthread_cond_signal(&tm->done);
            pthread_mutex_unlock(&tm->mu);
        }
    }
}

int hs_team_create(int n, hs_team **out)
{
    if (n < 1)
        n = 1;
    hs_team *tm = calloc(1, sizeof *tm + (size_t)n * sizeof(pthread_t));
    if (!(*out = tm))
        return -1;
    tm->n = n;
    pthread_mutex_init(&tm->mu, NULL);
    pthread_cond_init(&tm->go, NULL);
    pthread_cond_init(&tm->done, NULL);
    atomic_init(&tm->gen, 0);
    atomic_init(&tm->pending, 0);
    atomic_init(&tm->quit, 0);
    for (int t = 1; t < n; t++) {   /* a thread that cannot start leaves its parts to the caller */
        worker *w = malloc(sizeof *w);
        if (!w)
            break;
        *w = (worker){tm, t};
        if (pthread_create(&tm->th[t], NULL, worker_main, w)) {
            free(w);
            break;
        }
        tm->started = t;
    }
    return 0;
}

int hs_team_size(const hs_team *tm) { return tm->n; }

void hs_team_run(hs_team *tm, hs_team_fn fn, void *ctx)
{
    if (tm->started) {
        tm->fn = fn;
        tm->ctx = ctx;
        atomic_store_explicit(&tm->pending, tm->started, memory_order_relaxed);
        pthread_mutex_lock(&tm->mu);   /* (a worker asleep checks gen under the lock) */
        atomic_fetch_add_explicit(&tm->gen, 1, memory_order_release);
        pthread_cond_broadcast(&tm->go);
        pthread_mutex_unlock(&tm->mu);
    }
    fn(ctx, 0, tm->n);
    for (int t = tm->started + 1; t < tm->n; t++)
        fn(ctx, t, tm->n);
    if (!tm->started)
        return;
    for (int k = 0; k < SPIN; k++) {
        if (!atomic_load_explicit(&tm->pending, memory_order_acquire))
            return;
        relax();
    }
    pthread_mutex_lock(&tm->mu);
    while (atomic_load_explicit(&tm->pending, memory_order_acquire))
        pthread_cond_wait(&tm->done, &tm->mu);
    pthread_mutex_unlock(&tm->mu);
}

void hs_team_free(hs_team *tm)
{
    if (!tm)
        return;
    pthread_mutex_lock(&tm->mu);
    atomic_store(&tm->quit, 1);
    pthread_cond_broadcast(&tm->go);
    pthread_mutex_unlock(&tm->mu);
    for (int t = 1; t <= tm->started; t++)
        pthread_join(tm->th[t], NULL);
    pthread_cond_destroy(&tm->go);
    pthread_cond_destroy(&tm->done);
    pthread_mutex_destroy(&tm->mu);
    free(tm);
}
