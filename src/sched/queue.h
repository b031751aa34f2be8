/* queue.h -- the engine's two priority queues, both ordered by (time, sequence number)
 *
 * hs_iheap: an indexed 4-ary min-heap with one slot per neuron (its next scheduled event);
 *   update moves an entry in place (decrease or increase key), INFINITY removes it.  Keys
 *   live in the heap array itself, so a sift compares neighbouring memory, and four children
 *   per node halve the depth (measured on benchmark 4: 4-ary with inline keys against binary
 *   with keys indexed by neuron, see doc/benchmarks.md).
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

typedef struct hs_iheap {
    uint32_t n, cap;    /* entries in the heap, neurons */
    hs_hent *heap;      /* the heap, keys inline */
    uint32_t *pos;      /* id -> heap position, UINT32_MAX when absent */
} hs_iheap;

int hs_iheap_init(hs_iheap *h, uint32_t ids);
void hs_iheap_free(hs_iheap *h);
/* Set id's key to (t, seq); t = INFINITY removes it. */
void hs_iheap_set(hs_iheap *h, uint32_t id, double t, uint64_t seq);
static inline int hs_iheap_empty(const hs_iheap *h) { return h->n == 0; }
static inline uint32_t hs_iheap_top(const hs_iheap *h) { return h->heap[0].id; }
static inline const hs_hent *hs_iheap_head(const hs_iheap *h) { return &h->heap[0]; }

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
