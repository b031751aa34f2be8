/* ytree.h -- a YAML document loaded into a tree of nodes that keep their source positions
 *
 * Built from libyaml's event stream.  Limits protect against hostile input: nesting depth,
 * the number of nodes after alias expansion, and scalar length.  Duplicate mapping keys are
 * rejected.  Aliases share the anchored node (no copy), and their expanded size is counted.
 */
#ifndef HS_CONFIG_YTREE_H
#define HS_CONFIG_YTREE_H

#include <stddef.h>
#include "hee-snn/hee-snn.h"

typedef enum { HS_Y_SCALAR, HS_Y_SEQ, HS_Y_MAP } hs_ykind;

typedef struct hs_ynode {
    hs_ykind kind;
    int line, col;            /* 1-based start position */
    char *str;                /* scalar text (NUL-terminated), NULL otherwise */
    size_t len;               /* scalar length */
    int quoted;               /* scalar was quoted (single, double, literal or folded) */
    size_t n;                 /* sequence items, or mapping pairs */
    struct hs_ynode **items;  /* sequence: items[i]; mapping: key items[2i], value items[2i+1] */
    size_t cap;
    double expanded;          /* node count with aliases expanded */
} hs_ynode;

typedef struct hs_ydoc {
    hs_ynode *root;           /* NULL for an empty document */
    char *name;               /* file name used in error messages */
    hs_ynode **all;           /* every node, for freeing */
    size_t nall, capall;
} hs_ydoc;

#define HS_Y_MAX_DEPTH 64
#define HS_Y_MAX_EXPANDED 20000000.0

/* Parse the YAML text (one document).  *out is owned by the caller (hs_ydoc_free). */
int hs_ydoc_parse(const char *text, size_t len, const char *name, hs_ydoc **out,
                  hs_error *err);
void hs_ydoc_free(hs_ydoc *doc);

/* --set PATH=VALUE: replace (or add) the value at PATH -- mapping keys and sequence indices
 * joined by '.', a key that itself holds dots matched whole (the longest that fits) -- by the
 * YAML value text (a scalar, or a flow sequence or mapping).  The last key may be new (it is
 * added); every one before it must exist.  The new nodes are marked with line `mark` (negative: not from the file) and
 * column 0.  Returns HS_OK, or HS_ECONFIG with the reason in why. */
int hs_ydoc_set(hs_ydoc *doc, const char *path, const char *value, int mark, char *why,
                size_t nwhy);

/* Mapping lookup; NULL if absent. */
const hs_ynode *hs_ymap_get(const hs_ynode *map, const char *key);

/* Human name of a node kind ("a mapping", "a sequence", "a scalar"). */
const char *hs_ykind_name(hs_ykind k);

#endif
