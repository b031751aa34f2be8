/* queue.h -- the engine's two priority queues, both ordered by (time, sequence number)
 *
 * hs_iheap: an indexed 4-ary min-heap with one slot per neuron (its next scheduled event);
 *   update moves an entry in place (decrease or increase key), INFINITY removes it.  Keys
 *   live in the heap array itself, so a sift compares neighbouring memory, and four children
 *   per node halve the depth (measured on benchmark 4: 4-ary with inline keys against binary
 *   with keys indexed by neuron, see doc/benchmarks.md).  A node is 16 bytes (time and id;
 *   the sequence number, needed only for ties, is kept per id), and the array is placed so
 *   that a node's four children fill one cache line.
 * hs_dheap: a binary min-heap of pending delayed spike deliveries (synapses with delays
 *   that differ within a projection).
 * hs_fifo: the pending deliveries of a projection with one delay.
 * Ties in time are broken by the sequence number given when the entry was scheduled, so the
 * order of simultaneous events is fixed and runs are reproducible.
 */
#ifndef HS_SCHED_QUEUE_H
#define HS_SCHED_QUEUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_hent {
    double t;           /* time */
    uint64_t seq;       /* sequence number (ties) */
    uint32_t id;
} hs_hent;

typedef struct hs_hnode {   /* a node of the heap: its key's sequence number is seq[id] */
    double t;
    uint32_t id;
} hs_hnode;

/* The calendar queue (Brown 1988) behind hs_iheap for many ids (queue_cal.c): buckets of
 * width w in time, a year of nb buckets, each bucket a list sorted by (time, seq); an update
 * is an unlink and a sorted insertion into a bucket of a few entries, O(1) on average however
 * many ids there are.  Its minimum is kept in top for the inline accessors. */
typedef struct hs_cnode {
    double t;
    uint64_t seq;
    uint32_t next, prev;   /* in its bucket's list; prev of a head is HS_CAL_HEAD */
} hs_cnode;

typedef struct hs_cal {
    hs_cnode *node;        /* per id */
    uint32_t *head, *tail; /* per bucket: first and last id, or UINT32_MAX */
    uint32_t nb;           /* buckets, a power of two */
    double w, iw;          /* bucket width (ms) and 1 / w */
    uint64_t vcur;         /* no entry lies in a virtual bucket floor(t / w) before vcur */
    uint64_t ops, steps;   /* updates and list/bucket steps since the width was chosen */
} hs_cal;

typedef struct hs_iheap {
    uint32_t n, cap;    /* entries in the queue, neurons */
    hs_hent top;        /* the least entry, when n > 0 (for the inline accessors) */
    hs_hnode *heap;     /* the heap, times inline (NULL with the calendar) */
    void *mem;          /* heap's allocation (heap + 1 is 64-byte aligned) */
    uint64_t *seq;      /* id -> its key's sequence number */
    uint32_t *pos;      /* id -> heap position, UINT32_MAX when absent */
    hs_cal *cal;        /* the calendar queue in use instead of the heap, or NULL */
} hs_iheap;

/* A queue for ids 0..ids-1: kind 1 a calendar queue, otherwise a 4-ary heap; the same
 * (time, seq) order either way.  Which is faster depends on the updates, not on the size
 * (doc/benchmarks.md): a small move of a key costs the heap a comparison or two with its
 * neighbours in one array, the calendar an unlink and a link among nodes spread in memory;
 * a key moved far later costs the heap a sift through every level, the calendar the same
 * unlink and link. */
int hs_iheap_init_kind(hs_iheap *h, uint32_t ids, int kind);
int hs_iheap_init(hs_iheap *h, uint32_t ids);
void hs_iheap_free(hs_iheap *h);
/* Set id's key to (t, seq); t = INFINITY removes it. */
void hs_iheap_set(hs_iheap *h, uint32_t id, double t, uint64_t seq);
int hs_cal_init(hs_iheap *h, uint32_t ids);
void hs_cal_free(hs_iheap *h);
void hs_cal_set(hs_iheap *h, uint32_t id, double t, uint64_t seq);
static inline int hs_iheap_empty(const hs_iheap *h) { return h->n == 0; }
static inline uint32_t hs_iheap_top(const hs_iheap *h) { return h->top.id; }
static inline const hs_hent *hs_iheap_head(const hs_iheap *h) { return &h->top; }

typedef struct hs_delivery {
    double t;           /* delivery time */
    uint64_t seq;
    double t0;          /* emission time */
    uint32_t proj, pre; /* projection and presynaptic neuron */
    uint32_t k;         /* first synapse of the group in the row */
    int32_t sign;       /* +1 onset, -1 offset */
} hs_delivery;

typedef struct hs_dheap {
    size_t n, cap;
    hs_delivery *a;
} hs_dheap;

int hs_dheap_init(hs_dheap *h, size_t cap);
void hs_dheap_free(hs_dheap *h);
/* Push; grows geometrically when full (so a steady state never allocates).  Returns non-zero
 * when out of memory. */
int hs_dheap_push(hs_dheap *h, const hs_delivery *d);
void hs_dheap_pop(hs_dheap *h, hs_delivery *out);

/* hs_fifo: the pending deliveries of one projection whose synapses share one delay.  Spikes
 * are queued in the order they are emitted, at nondecreasing times, so they arrive in that
 * order: a ring buffer holds them, O(1) per spike, and only its head is keyed in the neuron
 * queue (as id fifo_id0 + projection).  Same (time, sequence) order as a heap. */
typedef struct hs_fent {
    double t;           /* delivery time */
    uint64_t seq;
    uint32_t pre;       /* presynaptic neuron */
    int32_t sign;       /* +1 onset, -1 offset */
} hs_fent;

typedef struct hs_fifo {
    size_t head, n, cap;    /* cap a power of two, or 0 */
    hs_fent *a;
} hs_fifo;

/* Push at the tail; grows by doubling when full.  Returns non-zero when out of memory. */
int hs_fifo_push(hs_fifo *f, const hs_fent *e);
void hs_fifo_free(hs_fifo *f);
static inline const hs_fent *hs_fifo_head(const hs_fifo *f) { return &f->a[f->head]; }
static inline void hs_fifo_pop(hs_fifo *f)
{
    f->head = (f->head + 1) & (f->cap - 1);
    f->n--;
}

static inline int hs_key_less(double ta, uint64_t sa, double tb, uint64_t sb)
{
    return ta < tb || (ta == tb && sa < sb);
}

#endif
