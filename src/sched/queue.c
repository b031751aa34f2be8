/* queue.c -- indexed min-heap of neuron events and min-heap of delayed deliveries */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sched/queue.h"

#define ABSENT UINT32_MAX

int hs_iheap_init(hs_iheap *h, uint32_t ids) { return hs_iheap_init_kind(h, ids, 0); }

int hs_iheap_init_kind(hs_iheap *h, uint32_t ids, int kind)
{
    if (kind > 0)
        return hs_cal_init(h, ids);
    memset(h, 0, sizeof *h);
    h->cap = ids;
    size_t n = ids ? ids : 1;
    /* nodes 4i + 1 .. 4i + 4 (the children of i) on one line: node 1 on a line's start */
    _Static_assert(sizeof(hs_hnode) == 16, "four nodes fill a cache line");
    size_t bytes = (n + 3) * sizeof(hs_hnode);
    bytes = (bytes + 63) / 64 * 64;
    h->mem = aligned_alloc(64, bytes);
    h->seq = malloc(n * sizeof *h->seq);
    h->pos = malloc(n * sizeof *h->pos);
    if (!h->mem || !h->seq || !h->pos) {
        hs_iheap_free(h);
        return -1;
    }
    h->heap = (hs_hnode *)h->mem + 3;
    for (uint32_t i = 0; i < ids; i++)
        h->pos[i] = ABSENT;
    return 0;
}

void hs_iheap_free(hs_iheap *h)
{
    if (h->cal) {
        hs_cal_free(h);
        return;
    }
    free(h->mem);
    free(h->seq);
    free(h->pos);
    memset(h, 0, sizeof *h);
}

/* (time, seq) order: ties in time, rare, look the sequence numbers up; otherwise the times
 * alone decide, so that picking the least of four children compiles to conditional moves. */
static inline int node_less(const hs_iheap *h, const hs_hnode *a, const hs_hnode *b)
{
    if (__builtin_expect(a->t == b->t, 0))
        return h->seq[a->id] < h->seq[b->id];
    return a->t < b->t;
}

/* Move entry e up from hole i. */
static void sift_up(hs_iheap *h, uint32_t i, hs_hnode e)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 4;
        if (!node_less(h, &e, &h->heap[p]))
            break;
        h->heap[i] = h->heap[p];
        h->pos[h->heap[i].id] = i;
        i = p;
    }
    h->heap[i] = e;
    h->pos[e.id] = i;
}

/* Move entry e down from hole i. */
static void sift_down(hs_iheap *h, uint32_t i, hs_hnode e)
{
    const uint32_t n = h->n;
    for (;;) {
        uint32_t c = 4 * i + 1;
        if (c >= n)
            break;
        uint32_t m = c;
        if (c + 3 < n) {   /* all four children: a tournament */
            uint32_t m1 = node_less(h, &h->heap[c + 1], &h->heap[c]) ? c + 1 : c;
            uint32_t m2 = node_less(h, &h->heap[c + 3], &h->heap[c + 2]) ? c + 3 : c + 2;
            m = node_less(h, &h->heap[m2], &h->heap[m1]) ? m2 : m1;
        } else {
            for (uint32_t k = c + 1; k < n; k++)
                if (node_less(h, &h->heap[k], &h->heap[m]))
                    m = k;
        }
        if (!node_less(h, &h->heap[m], &e))
            break;
        h->heap[i] = h->heap[m];
        h->pos[h->heap[i].id] = i;
        i = m;
    }
    h->heap[i] = e;
    h->pos[e.id] = i;
}

/* The least entry into top (after any change). */
static inline void set_top(hs_iheap *h)
{
    if (h->n)
        h->top = (hs_hent){.t = h->heap[0].t, .seq = h->seq[h->heap[0].id],
                           .id = h->heap[0].id};
}

void hs_iheap_set(hs_iheap *h, uint32_t id, double t, uint64_t seq)
{
    if (h->cal) {
        hs_cal_set(h, id, t, seq);
        return;
    }
    uint32_t i = h->pos[id];
    if (t == INFINITY) {
        if (i == ABSENT)
            return;
        h->pos[id] = ABSENT;
        hs_hnode last = h->heap[--h->n];
        if (i != h->n) {
            if (i > 0 && node_less(h, &last, &h->heap[(i - 1) / 4]))
                sift_up(h, i, last);
            else
                sift_down(h, i, last);
        }
        set_top(h);
        return;
    }
    h->seq[id] = seq;
    hs_hnode e = {.t = t, .id = id};
    if (i == ABSENT)
        sift_up(h, h->n++, e);
    else if (node_less(h, &e, &h->heap[i]))
        sift_up(h, i, e);
    else
        sift_down(h, i, e);
    set_top(h);
}

int hs_dheap_init(hs_dheap *h, size_t cap)
{
    h->n = 0;
    h->cap = cap ? cap : 16;
    h->a = malloc(h->cap * sizeof *h->a);
    return h->a ? 0 : -1;
}

void hs_dheap_free(hs_dheap *h)
{
    free(h->a);
    memset(h, 0, sizeof *h);
}

int hs_dheap_push(hs_dheap *h, const hs_delivery *d)
{
    if (h->n == h->cap) {
        hs_delivery *a = realloc(h->a, 2 * h->cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap *= 2;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hs_key_less(d->t, d->seq, h->a[p].t, h->a[p].seq))
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = *d;
    return 0;
}

void hs_dheap_pop(hs_dheap *h, hs_delivery *out)
{
    *out = h->a[0];
    hs_delivery last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && hs_key_less(h->a[c + 1].t, h->a[c + 1].seq, h->a[c].t, h->a[c].seq))
            c++;
        if (!hs_key_less(h->a[c].t, h->a[c].seq, last.t, last.seq))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n)
        h->a[i] = last;
}

int hs_fifo_push(hs_fifo *f, const hs_fent *e)
{
    if (f->n == f->cap) {   /* full: unroll the ring into twice the room */
        size_t cap = f->cap ? 2 * f->cap : 64;
        hs_fent *a = malloc(cap * sizeof *a);
        if (!a)
            return -1;
        for (size_t k = 0; k < f->n; k++)
            a[k] = f->a[(f->head + k) & (f->cap - 1)];
        free(f->a);
        f->a = a;
        f->head = 0;
        f->cap = cap;
    }
    f->a[(f->head + f->n) & (f->cap - 1)] = *e;
    f->n++;
    return 0;
}

void hs_fifo_free(hs_fifo *f)
{
    free(f->a);
    memset(f, 0, sizeof *f);
}
