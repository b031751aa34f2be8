/* queue.c -- indexed min-heap of neuron events and min-heap of delayed deliveries */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/queue.h"

#define ABSENT UINT32_MAX

int hs_iheap_init(hs_iheap *h, uint32_t ids)
{
    memset(h, 0, sizeof *h);
    h->cap = ids;
    size_t n = ids ? ids : 1;
    h->heap = malloc(n * sizeof *h->heap);
    h->pos = malloc(n * sizeof *h->pos);
    h->t = malloc(n * sizeof *h->t);
    h->seq = malloc(n * sizeof *h->seq);
    if (!h->heap || !h->pos || !h->t || !h->seq) {
        hs_iheap_free(h);
        return -1;
    }
    for (uint32_t i = 0; i < ids; i++) {
        h->pos[i] = ABSENT;
        h->t[i] = INFINITY;
        h->seq[i] = 0;
    }
    return 0;
}

void hs_iheap_free(hs_iheap *h)
{
    free(h->heap);
    free(h->pos);
    free(h->t);
    free(h->seq);
    memset(h, 0, sizeof *h);
}

static inline int less_id(const hs_iheap *h, uint32_t a, uint32_t b)
{
    return hs_key_less(h->t[a], h->seq[a], h->t[b], h->seq[b]);
}

static void sift_up(hs_iheap *h, uint32_t i)
{
    uint32_t id = h->heap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        uint32_t pid = h->heap[p];
        if (!less_id(h, id, pid))
            break;
        h->heap[i] = pid;
        h->pos[pid] = i;
        i = p;
    }
    h->heap[i] = id;
    h->pos[id] = i;
}

static void sift_down(hs_iheap *h, uint32_t i)
{
    uint32_t id = h->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && less_id(h, h->heap[c + 1], h->heap[c]))
            c++;
        uint32_t cid = h->heap[c];
        if (!less_id(h, cid, id))
            break;
        h->heap[i] = cid;
        h->pos[cid] = i;
        i = c;
    }
    h->heap[i] = id;
    h->pos[id] = i;
}

void hs_iheap_set(hs_iheap *h, uint32_t id, double t, uint64_t seq)
{
    uint32_t i = h->pos[id];
    if (t == INFINITY) {
        if (i == ABSENT)
            return;
        h->t[id] = INFINITY;
        h->pos[id] = ABSENT;
        uint32_t last = h->heap[--h->n];
        if (i == h->n)
            return;
        h->heap[i] = last;
        h->pos[last] = i;
        sift_down(h, i);
        sift_up(h, h->pos[last]);
        return;
    }
    double old = h->t[id];
    uint64_t olds = h->seq[id];
    h->t[id] = t;
    h->seq[id] = seq;
    if (i == ABSENT) {
        i = h->n++;
        h->heap[i] = id;
        h->pos[id] = i;
        sift_up(h, i);
    } else if (hs_key_less(t, seq, old, olds)) {
        sift_up(h, i);
    } else {
        sift_down(h, i);
    }
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
