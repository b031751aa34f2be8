/* ytree.c -- libyaml event stream -> hs_ydoc tree with source positions */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/ytree.h"
#include "util/error.h"
#include "util/rng.h"

/* A string -> index table (open addressing, FNV-1a): anchors by name, and the keys of a large
 * mapping, so that loading stays linear in the number of keys and aliases. */
typedef struct sent {
    uint64_t h;
    const char *key;   /* NULL: empty slot */
    size_t val;
} sent;

typedef struct smap {
    sent *e;
    size_t cap, n;   /* cap: a power of two, at most half full */
} smap;

static sent *smap_slot(const smap *m, const char *key, uint64_t h)
{
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
        if (!m->e[i].key || (m->e[i].h == h && strcmp(m->e[i].key, key) == 0))
            return &m->e[i];
}

/* Set key's index to val; *had (when not NULL) says whether it was there, and *old its index
 * then.  Nonzero when out of memory. */
static int smap_put(smap *m, const char *key, size_t val, int *had, size_t *old)
{
    if (2 * (m->n + 1) > m->cap) {
        smap g = {calloc(m->cap ? 2 * m->cap : 64, sizeof *g.e), m->cap ? 2 * m->cap : 64, 0};
        if (!g.e)
            return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key) {
                *smap_slot(&g, m->e[i].key, m->e[i].h) = m->e[i];
                g.n++;
            }
        free(m->e);
        *m = g;
    }
    const uint64_t h = hs_fnv1a64(0xcbf29ce484222325ull, key);
    sent *e = smap_slot(m, key, h);
    if (had)
        *had = e->key != NULL;
    if (e->key && old)
        *old = e->val;
    if (!e->key)
        m->n++;
    *e = (sent){h, key, val};
    return 0;
}

static const sent *smap_get(const smap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    const sent *e = smap_slot(m, key, hs_fnv1a64(0xcbf29ce484222325ull, key));
    return e->key ? e : NULL;
}

static void smap_free(smap *m)
{
    free(m->e);
    memset(m, 0, sizeof *m);
}

typedef struct anchor {
    char *name;
    hs_ynode *node;
} anchor;

typedef struct builder {
    hs_ydoc *doc;
    anchor *anchors;
    size_t nanchors, capanchors;
    smap byname;   /* anchor name -> its latest definition */
    hs_ynode *stack[HS_Y_MAX_DEPTH + 1];
    int depth;
    hs_error *err;
} builder;

const char *hs_ykind_name(hs_ykind k)
{
    switch (k) {
    case HS_Y_SCALAR: return "a scalar";
    case HS_Y_SEQ: return "a sequence";
    default: return "a mapping";
    }
}

/* Room in d's list of every node for one more; -1 when out of memory. */
static int doc_room(hs_ydoc *d)
{
    if (d->nall < d->capall)
        return 0;
    size_t cap = d->capall ? 2 * d->capall : 64;
    hs_ynode **all = realloc(d->all, cap * sizeof *all);
    if (!all)
        return -1;
    d->all = all;
    d->capall = cap;
    return 0;
}

static hs_ynode *node_new(builder *b, hs_ykind kind, const yaml_mark_t *m)
{
    hs_ydoc *d = b->doc;
    if (doc_room(d))
        return NULL;
    hs_ynode *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)m->line + 1;
    n->col = (int)m->column + 1;
    n->expanded = 1;
    d->all[d->nall++] = n;
    return n;
}

/* Append child to sequence parent, counting its expanded size. */
static int add_child(builder *b, hs_ynode *parent, hs_ynode *child, const yaml_mark_t *m)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 8;
        hs_ynode **items = realloc(parent->items, cap * sizeof *items);
        if (!items)
            return hs_nomem(b->err, b->doc->name);
        parent->items = items;
        parent->cap = cap;
    }
    parent->expanded += child->expanded;
    if (parent->expanded > HS_Y_MAX_EXPANDED)
        return hs_error_set(b->err, HS_ECONFIG, b->doc->name, (int)m->line + 1,
                            (int)m->column + 1,
                            "document too large after alias expansion (more than %.0f nodes)",
                            HS_Y_MAX_EXPANDED);
    parent->items[parent->n++] = child;
    return HS_OK;
}

/* Mapping children arrive key, value, key, value...; we track parity in a side field, and
 * index the keys of a mapping that grows large. */
typedef struct mapstate {
    int have_key;
    smap keys;   /* key -> pair index, once the mapping has HS_Y_INDEX_KEYS keys */
} mapstate;

#define HS_Y_INDEX_KEYS 16

static int attach(builder *b, hs_ynode *child, const yaml_mark_t *m, mapstate *ms)
{
    if (b->depth == 0) {
        if (b->doc->root)
            return hs_error_set(b->err, HS_ECONFIG, b->doc->name, child->line, child->col,
                                "more than one YAML document in the file");
        b->doc->root = child;
        return HS_OK;
    }
    hs_ynode *p = b->stack[b->depth - 1];
    if (p->kind == HS_Y_SEQ)
        return add_child(b, p, child, m);
    /* mapping */
    mapstate *st = &ms[b->depth - 1];
    if (!st->have_key) {
        if (child->kind != HS_Y_SCALAR)
            return hs_error_set(b->err, HS_ECONFIG, b->doc->name, child->line, child->col,
                                "mapping keys must be scalars");
        size_t first = p->n;
        if (p->n < HS_Y_INDEX_KEYS) {
            for (size_t i = 0; i < p->n && first == p->n; i++)
                if (strcmp(p->items[2 * i]->str, child->str) == 0)
                    first = i;
        } else {
            for (size_t i = st->keys.n; i < p->n; i++)   /* index the keys so far, once */
                if (smap_put(&st->keys, p->items[2 * i]->str, i, NULL, NULL))
                    return hs_nomem(b->err, b->doc->name);
            const sent *e = smap_get(&st->keys, child->str);
            if (e)
                first = e->val;
            else if (smap_put(&st->keys, child->str, p->n, NULL, NULL))
                return hs_nomem(b->err, b->doc->name);
        }
        if (first < p->n)
            return hs_error_set(b->err, HS_ECONFIG, b->doc->name, child->line, child->col,
                                "duplicate key '%s' (first given at line %d)", child->str,
                                p->items[2 * first]->line);
    }
    if (2 * p->n + 2 > p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        hs_ynode **items = realloc(p->items, cap * sizeof *items);
        if (!items)
            return hs_nomem(b->err, b->doc->name);
        p->items = items;
        p->cap = cap;
    }
    p->items[2 * p->n + (st->have_key ? 1 : 0)] = child;
    p->expanded += child->expanded;
    if (p->expanded > HS_Y_MAX_EXPANDED)
        return hs_error_set(b->err, HS_ECONFIG, b->doc->name, child->line, child->col,
                            "document too large after alias expansion (more than %.0f nodes)",
                            HS_Y_MAX_EXPANDED);
    if (st->have_key)
        p->n++;
    st->have_key = !st->have_key;
    return HS_OK;
}

static int register_anchor(builder *b, const yaml_char_t *name, hs_ynode *n)
{
    if (!name)
        return HS_OK;
    if (b->nanchors == b->capanchors) {
        size_t cap = b->capanchors ? 2 * b->capanchors : 16;
        anchor *a = realloc(b->anchors, cap * sizeof *a);
        if (!a)
            return hs_nomem(b->err, b->doc->name);
        b->anchors = a;
        b->capanchors = cap;
    }
    char *s = strdup((const char *)name);
    if (!s)
        return hs_nomem(b->err, b->doc->name);
    b->anchors[b->nanchors].name = s;
    b->anchors[b->nanchors].node = n;
    if (smap_put(&b->byname, s, b->nanchors, NULL, NULL)) {   /* the latest definition wins */
        free(s);
        return hs_nomem(b->err, b->doc->name);
    }
    b->nanchors++;
    return HS_OK;
}

static hs_ynode *find_anchor(builder *b, const char *name)
{
    const sent *e = smap_get(&b->byname, name);
    return e ? b->anchors[e->val].node : NULL;
}

static int parse_events_in(builder *b, yaml_parser_t *parser, mapstate *ms);

static int parse_events(builder *b, yaml_parser_t *parser)
{
    mapstate ms[HS_Y_MAX_DEPTH + 1];
    memset(ms, 0, sizeof ms);
    int rc = parse_events_in(b, parser, ms);
    for (int i = 0; i <= HS_Y_MAX_DEPTH; i++)
        smap_free(&ms[i].keys);
    return rc;
}

static int parse_events_in(builder *b, yaml_parser_t *parser, mapstate *ms)
{
    hs_error *err = b->err;
    const char *name = b->doc->name;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(parser, &ev)) {
            const yaml_mark_t *m = &parser->problem_mark;
            return hs_error_set(err, HS_ECONFIG, name, (int)m->line + 1, (int)m->column + 1,
                                "YAML syntax error: %s%s%s",
                                parser->problem ? parser->problem : "unknown problem",
                                parser->context ? " " : "",
                                parser->context ? parser->context : "");
        }
        int rc = HS_OK;
        const yaml_mark_t *m = &ev.start_mark;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            return HS_OK;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = hs_error_set(err, HS_ECONFIG, name, (int)m->line + 1, (int)m->column + 1,
                                  "more than one YAML document in the file");
            break;
        case YAML_SCALAR_EVENT: {
            hs_ynode *n = node_new(b, HS_Y_SCALAR, m);
            if (!n) {
                rc = hs_nomem(err, name);
                break;
            }
            n->str = malloc(ev.data.scalar.length + 1);
            if (!n->str) {
                rc = hs_nomem(err, name);
                break;
            }
            memcpy(n->str, ev.data.scalar.value, ev.data.scalar.length);
            n->str[ev.data.scalar.length] = '\0';
            n->len = ev.data.scalar.length;
            n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            if (strlen(n->str) != n->len)
                rc = hs_error_set(err, HS_ECONFIG, name, n->line, n->col,
                                  "scalar contains a NUL character");
            if (rc == HS_OK)
                rc = register_anchor(b, ev.data.scalar.anchor, n);
            if (rc == HS_OK)
                rc = attach(b, n, m, ms);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            if (b->depth >= HS_Y_MAX_DEPTH) {
                rc = hs_error_set(err, HS_ECONFIG, name, (int)m->line + 1, (int)m->column + 1,
                                  "nesting deeper than %d levels", HS_Y_MAX_DEPTH);
                break;
            }
            int seq = ev.type == YAML_SEQUENCE_START_EVENT;
            hs_ynode *n = node_new(b, seq ? HS_Y_SEQ : HS_Y_MAP, m);
            if (!n) {
                rc = hs_nomem(err, name);
                break;
            }
            rc = register_anchor(b, seq ? ev.data.sequence_start.anchor
                                        : ev.data.mapping_start.anchor, n);
            b->stack[b->depth] = n;
            ms[b->depth].have_key = 0;
            smap_free(&ms[b->depth].keys);
            b->depth++;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            hs_ynode *n = b->stack[--b->depth];
            smap_free(&ms[b->depth].keys);
            rc = attach(b, n, m, ms);
            break;
        }
        case YAML_ALIAS_EVENT: {
            hs_ynode *target = find_anchor(b, (const char *)ev.data.alias.anchor);
            if (!target) {
                rc = hs_error_set(err, HS_ECONFIG, name, (int)m->line + 1, (int)m->column + 1,
                                  "unknown alias '*%s'", (const char *)ev.data.alias.anchor);
                break;
            }
            /* An alias to a node still being built would make a cycle. */
            for (int i = 0; i < b->depth; i++)
                if (b->stack[i] == target) {
                    rc = hs_error_set(err, HS_ECONFIG, name, (int)m->line + 1,
                                      (int)m->column + 1, "recursive alias '*%s'",
                                      (const char *)ev.data.alias.anchor);
                    break;
                }
            if (rc == HS_OK)
                rc = attach(b, target, m, ms);
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc != HS_OK)
            return rc;
    }
}

int hs_ydoc_parse(const char *text, size_t len, const char *name, hs_ydoc **out,
                  hs_error *err)
{
    *out = NULL;
    hs_ydoc *doc = calloc(1, sizeof *doc);
    if (!doc || !(doc->name = strdup(name ? name : "<string>"))) {
        free(doc);
        return hs_nomem(err, name);
    }
    builder b = {.doc = doc, .err = err};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        hs_ydoc_free(doc);
        return hs_error_set(err, HS_ENOMEM, name, 0, 0, "cannot initialise the YAML parser");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = parse_events(&b, &parser);
    yaml_parser_delete(&parser);
    for (size_t i = 0; i < b.nanchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    smap_free(&b.byname);
    if (rc != HS_OK) {
        hs_ydoc_free(doc);
        return rc;
    }
    *out = doc;
    return HS_OK;
}

void hs_ydoc_free(hs_ydoc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->nall; i++) {
        free(doc->all[i]->str);
        free(doc->all[i]->items);
        free(doc->all[i]);
    }
    free(doc->all);
    free(doc->name);
    free(doc);
}

const hs_ynode *hs_ymap_get(const hs_ynode *map, const char *key)
{
    if (!map || map->kind != HS_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->items[2 * i]->str, key) == 0)
            return map->items[2 * i + 1];
    return NULL;
}

/* A new node of doc outside the parser (for hs_ydoc_set), marked. */
static hs_ynode *set_node(hs_ydoc *d, hs_ykind kind, const char *str, size_t len, int mark)
{
    builder b = {.doc = d};
    const yaml_mark_t m = {0};
    hs_ynode *n = node_new(&b, kind, &m);
    if (!n)
        return NULL;
    n->line = mark;
    n->col = 0;
    if (str) {
        if (!(n->str = malloc(len + 1)))
            return NULL;   /* (freed with the document) */
        memcpy(n->str, str, len);
        n->str[len] = '\0';
        n->len = len;
    }
    return n;
}

/* Append the pair (key, value) to map m. */
static int map_append(hs_ynode *m, hs_ynode *key, hs_ynode *value)
{
    if (m->cap < 2 * m->n + 2) {
        size_t cap = m->cap ? 2 * m->cap : 8;
        hs_ynode **items = realloc(m->items, cap * sizeof *items);
        if (!items)
            return -1;
        m->items = items;
        m->cap = cap;
    }
    m->items[2 * m->n] = key;
    m->items[2 * m->n + 1] = value;
    m->n++;
    return 0;
}

int hs_ydoc_set(hs_ydoc *doc, const char *path, const char *value, int mark, char *why,
                size_t nwhy)
{
    if (!doc->root || doc->root->kind != HS_Y_MAP) {
        snprintf(why, nwhy, "the file is not a mapping");
        return HS_ECONFIG;
    }
    if (!*path) {
        snprintf(why, nwhy, "no key before '='");
        return HS_ECONFIG;
    }
    /* the value: a document of its own, its nodes moved into doc and marked */
    hs_ydoc *v;
    hs_error verr = {0};
    if (hs_ydoc_parse(value, strlen(value), "--set", &v, &verr)) {
        snprintf(why, nwhy, "the value '%s' is not YAML: %s", value, verr.msg);
        return verr.code ? verr.code : HS_ECONFIG;
    }
    if (!v->root) {
        hs_ydoc_free(v);
        snprintf(why, nwhy, "no value after '='");
        return HS_ECONFIG;
    }
    hs_ynode *vroot = v->root;
    for (size_t i = 0; i < v->nall; i++) {
        if (doc_room(doc)) {
            hs_ydoc_free(v);
            snprintf(why, nwhy, "out of memory");
            return HS_ENOMEM;
        }
        v->all[i]->line = mark;
        v->all[i]->col = 0;
        doc->all[doc->nall++] = v->all[i];
    }
    v->nall = 0;   /* the nodes are doc's now */
    hs_ydoc_free(v);

    hs_ynode *n = doc->root;
    const char *p = path;
    for (;;) {
        if (n->kind == HS_Y_SEQ) {
            char *end;
            errno = 0;
            unsigned long long k = strtoull(p, &end, 10);
            if (end == p || (*end && *end != '.') || errno || k >= n->n || *p == '-' ||
                *p == '+') {
                const int at = p == path ? 0 : (int)(p - path - 1);
                snprintf(why, nwhy, "'%.*s' is not an index of the list '%.*s' (it has %zu "
                         "items, from 0)", (int)strcspn(p, "."), p, at, path, n->n);
                return HS_ECONFIG;
            }
            if (!*end) {
                n->items[k] = vroot;
                return HS_OK;
            }
            n = n->items[k];
            p = end + 1;
            continue;
        }
        if (n->kind != HS_Y_MAP) {
            snprintf(why, nwhy, "'%.*s' is a scalar, with no key '%s' in it",
                     (int)(p - path - 1), path, p);
            return HS_ECONFIG;
        }
        /* the longest key that is all of the rest or is followed by '.' in it */
        size_t best = SIZE_MAX, blen = 0;
        for (size_t i = 0; i < n->n; i++) {
            const char *k = n->items[2 * i]->str;
            size_t kl = k ? strlen(k) : 0;
            if (k && kl > blen && !strncmp(p, k, kl) && (p[kl] == '\0' || p[kl] == '.')) {
                best = i;
                blen = kl;
            }
        }
        if (best == SIZE_MAX && strchr(p, '.')) {   /* (a typo, not a new branch) */
            const int at = p == path ? 0 : (int)(p - path - 1);
            char known[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < n->n && used < sizeof known; i++)
                if (n->items[2 * i]->str)
                    used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                             used ? ", " : "", n->items[2 * i]->str);
            snprintf(why, nwhy, "no key '%.*s' in '%.*s' (it has: %s); only the last key of a "
                     "path may be new", (int)strcspn(p, "."), p, at, p == path ? "the file" :
                     path, known);
            return HS_ECONFIG;
        }
        if (best == SIZE_MAX) {   /* the last key, new: added */
            hs_ynode *key = set_node(doc, HS_Y_SCALAR, p, strlen(p), mark);
            if (!key || map_append(n, key, vroot)) {
                snprintf(why, nwhy, "out of memory");
                return HS_ENOMEM;
            }
            return HS_OK;
        }
        if (!p[blen]) {
            n->items[2 * best + 1] = vroot;
            return HS_OK;
        }
        n = n->items[2 * best + 1];
        p += blen + 1;
    }
}
