/* queue_cal.c -- the calendar queue behind hs_iheap for large networks (Brown 1988)
 *
 * Time is cut into buckets of width w; virtual bucket v = floor(t / w) lives in bucket
 * v mod nb (nb a power of two: a "year" is nb buckets).  Each bucket is a doubly linked list of
 * ids sorted by (time, seq), so within a bucket, and therefore overall, the order is the heap's
 * exact (time, seq) order and runs are reproducible bit for bit whichever queue is used.  An
 * insertion walks back from the bucket's tail: a new key is usually the latest of its bucket
 * (its sequence number is larger than every other), so thousands of equal times -- neurons
 * that fired together in a cascade and share their next crossing -- append in O(1).
 *
 * Invariant: no entry lies in a virtual bucket before vcur.  The minimum is the head of the
 * first bucket from vcur on whose head lies in the current year; a year without one (a lull)
 * falls back to a scan of all heads.  The minimum is cached in top, where the inline
 * accessors of queue.h read it.
 *
 * nb follows the number of entries (doubled above 2 nb, halved below nb / 2) and w their spread
 * (two entries per bucket over the span of the earliest 90%, from a sample of offsets); both
 * are re-chosen when the average work per update grows (a change of regime, e.g. the initial
 * spread of keys giving way to the network's own rhythm).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sched/queue.h"

#define NIL UINT32_MAX          /* end of a list */
#define ABSENT UINT32_MAX       /* prev of an id that is not queued */
#define HEAD (UINT32_MAX - 1)   /* prev of a list's first id */
#define VMAX 1.8e19             /* virtual bucket numbers stay below 2^64 */

static inline int less(double ta, uint64_t sa, double tb, uint64_t sb)
{
    return ta < tb || (ta == tb && sa < sb);
}

static inline uint64_t vbucket(const hs_cal *c, double t)
{
    double x = t * c->iw;
    return x <= 0 ? 0 : x >= VMAX ? (uint64_t)VMAX : (uint64_t)x;
}

static void unlink_id(hs_cal *c, uint32_t id)
{
    hs_cnode *n = &c->node[id];
    const uint64_t b = vbucket(c, n->t) & (c->nb - 1);
    if (n->prev == HEAD)
        c->head[b] = n->next;
    else
        c->node[n->prev].next = n->next;
    if (n->next != NIL)
        c->node[n->next].prev = n->prev;
    else
        c->tail[b] = n->prev == HEAD ? NIL : n->prev;
    n->prev = ABSENT;
}

/* Link id with key (t, seq) into bucket b, searching from the adjacent pair p, q of that
 * bucket (p may be HEAD, q NIL): back past every later key, forward past every earlier one. */
static void link_from(hs_cal *c, uint32_t id, double t, uint64_t seq, uint64_t b, uint32_t p,
                      uint32_t q)
{
    while (p != HEAD && less(t, seq, c->node[p].t, c->node[p].seq)) {
        q = p;
        p = c->node[p].prev;
        c->steps++;
    }
    while (q != NIL && less(c->node[q].t, c->node[q].seq, t, seq)) {
        p = q;
        q = c->node[q].next;
        c->steps++;
    }
    hs_cnode *n = &c->node[id];
    n->t = t;
    n->seq = seq;
    n->prev = p;
    n->next = q;
    if (p == HEAD)
        c->head[b] = id;
    else
        c->node[p].next = id;
    if (q != NIL)
        c->node[q].prev = id;
    else
        c->tail[b] = id;
}

static void insert_id(hs_cal *c, uint32_t id, double t, uint64_t seq)
{
    const uint64_t v = vbucket(c, t), b = v & (c->nb - 1);
    /* a new key is usually the latest of its bucket: from the tail */
    link_from(c, id, t, seq, b, c->tail[b] == NIL ? HEAD : c->tail[b], NIL);
    if (v < c->vcur)
        c->vcur = v;
}

/* The minimum into top (n > 0). */
static void find_min(hs_iheap *h)
{
    hs_cal *c = h->cal;
    const uint64_t mask = c->nb - 1;
    for (uint64_t k = 0; k < c->nb; k++) {
        const uint64_t v = c->vcur + k;
        uint32_t q = c->head[v & mask];
        if (q != NIL && vbucket(c, c->node[q].t) <= v) {
            c->vcur = v;
            c->steps += k;
            h->top = (hs_hent){.t = c->node[q].t, .seq = c->node[q].seq, .id = q};
            return;
        }
    }
    c->steps += c->nb;
    /* a year without an entry: the least head of all */
    uint32_t best = NIL;
    for (uint32_t b = 0; b < c->nb; b++) {
        uint32_t q = c->head[b];
        if (q != NIL && (best == NIL || less(c->node[q].t, c->node[q].seq, c->node[best].t,
                                             c->node[best].seq)))
            best = q;
    }
    c->vcur = vbucket(c, c->node[best].t);
    h->top = (hs_hent){.t = c->node[best].t, .seq = c->node[best].seq, .id = best};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rebuild with nb buckets and a width from the spread of the entries. */
static int rebuild(hs_iheap *h, uint32_t nb)
{
    hs_cal *c = h->cal;
    uint32_t *ids = malloc(((size_t)h->n + 1) * sizeof *ids);
    uint32_t *head = malloc((size_t)nb * sizeof *head), *tail = malloc((size_t)nb * sizeof *tail);
    if (!ids || !head || !tail) {
        free(ids);
        free(head);
        free(tail);
        return -1;   /* keep the old layout: still correct, only slower */
    }
    size_t m = 0;
    double tmin = INFINITY;
    for (uint32_t b = 0; b < c->nb; b++)
        for (uint32_t q = c->head[b]; q != NIL; q = c->node[q].next) {
            ids[m++] = q;
            tmin = fmin(tmin, c->node[q].t);
        }
    /* the width: two entries per bucket where 90% of them lie, from a sample of up to 1024
     * offsets (robust to a tail of far-future keys) */
    enum { SAMPLE = 1024 };
    double off[SAMPLE];
    size_t ns = 0, stride = m / SAMPLE + 1;
    for (size_t k = 0; k < m && ns < SAMPLE; k += stride)
        off[ns++] = c->node[ids[k]].t - tmin;
    if (ns >= 8) {
        qsort(off, ns, sizeof *off, cmp_double);
        double q90 = off[(size_t)(0.9 * (double)(ns - 1))];
        if (q90 > 0 && q90 < HUGE_VAL) {
            c->w = 2.0 * q90 / (0.9 * (double)m);
            c->iw = 1.0 / c->w;
        }
    }
    free(c->head);
    free(c->tail);
    c->head = head;
    c->tail = tail;
    c->nb = nb;
    for (uint32_t b = 0; b < nb; b++)
        head[b] = tail[b] = NIL;
    c->vcur = (uint64_t)VMAX;
    for (size_t k = 0; k < m; k++)
        insert_id(c, ids[k], c->node[ids[k]].t, c->node[ids[k]].seq);
    free(ids);
    if (h->n)
        find_min(h);
    c->ops = c->steps = 0;
    return 0;
}

int hs_cal_init(hs_iheap *h, uint32_t ids)
{
    memset(h, 0, sizeof *h);
    h->cap = ids;
    h->cal = calloc(1, sizeof *h->cal);
    if (!h->cal) {
        hs_cal_free(h);
        return -1;
    }
    hs_cal *c = h->cal;
    c->node = malloc((ids ? ids : 1) * sizeof *c->node);
    c->nb = 16;
    c->head = malloc(c->nb * sizeof *c->head);
    c->tail = malloc(c->nb * sizeof *c->tail);
    if (!c->node || !c->head || !c->tail) {
        hs_cal_free(h);
        return -1;
    }
    for (uint32_t i = 0; i < ids; i++)
        c->node[i].prev = ABSENT;
    for (uint32_t b = 0; b < c->nb; b++)
        c->head[b] = c->tail[b] = NIL;
    c->w = 1.0;   /* ms, until entries tell better */
    c->iw = 1.0;
    return 0;
}

void hs_cal_free(hs_iheap *h)
{
    if (h->cal) {
        free(h->cal->node);
        free(h->cal->head);
        free(h->cal->tail);
        free(h->cal);
    }
    memset(h, 0, sizeof *h);
}

void hs_cal_set(hs_iheap *h, uint32_t id, double t, uint64_t seq)
{
    hs_cal *c = h->cal;
    const int present = c->node[id].prev != ABSENT;
    const int was_min = present && h->top.id == id;
    if (present && t != INFINITY && vbucket(c, t) == vbucket(c, c->node[id].t)) {
        /* a move within its bucket (most are small): search from where it was */
        const uint64_t b = vbucket(c, t) & (c->nb - 1);
        uint32_t p = c->node[id].prev, q = c->node[id].next;
        unlink_id(c, id);
        link_from(c, id, t, seq, b, p, q);
    } else {
        if (present) {
            unlink_id(c, id);
            h->n--;
        }
        if (t != INFINITY) {
            if (h->n == 0)
                c->vcur = vbucket(c, t);
            insert_id(c, id, t, seq);
            h->n++;
        }
    }
    c->ops++;
    if (h->n == 0)
        return;
    if (was_min)
        find_min(h);
    else if (t != INFINITY && (h->n == 1 || less(t, seq, h->top.t, h->top.seq)))
        h->top = (hs_hent){.t = t, .seq = seq, .id = id};
    if (h->n > 2 * c->nb)
        (void)rebuild(h, 2 * c->nb);
    else if (h->n < c->nb / 2 && c->nb > 16)
        (void)rebuild(h, c->nb / 2);
    else if (c->ops >= 4 * (uint64_t)c->nb + 1024 && c->steps > 8 * c->ops)
        (void)rebuild(h, c->nb);   /* a change of regime: choose the width again */
    else if (c->ops >= 4 * (uint64_t)c->nb + 1024)
        c->ops = c->steps = 0;
}
