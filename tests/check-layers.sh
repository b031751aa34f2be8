#!/bin/sh
# check-layers.sh -- the include graph of the library must follow the layer table of
# doc/architecture.md ("Layers, top to bottom" and rules R1, R2).
#
# What it enforces, over every *.c and *.h under src/, models/ and include/ (tests/, bench/ and
# examples/ are not library code and are not read):
#   R1  a file includes only headers of its own folder, of the folders its layer "may use" in
#       the table below, and of the floor (include/ and src/util).  It also reports every
#       circle in the include graph, between folders and between files.
#   R2  src/engine names no HEE symbol (no identifier with a "hee" part such as hs_hee_rt_step
#       or net->hee, no string literal with a word "hee" such as "HEE_SNN_QUEUE"; no include of a src/hee header or of a header named hee*, such as
#       "proc/hee_rt.h"; the public <hee-snn/hee-snn.h> is fine) and no model (no identifier,
#       string or include naming a model registered in models/*.c: hs_model_lif, "lif"); nor
#       do the headers src/engine includes directly (the structs the engine works on, such as
#       hs_net in net/net.h).
#   Every file must live in a folder that the table knows, and every quoted include must
#   resolve to a file in the tree.
#
# Usage: tests/check-layers.sh [SOURCE-ROOT]
#   SOURCE-ROOT defaults to the folder above this script, else $HS_SRCDIR or $srcdir (as set
#   by `make check`), so it works in-tree and in VPATH builds (`make distcheck`).
#   Prints one line per violation and a summary; exits 0 if clean, 1 on violations, 99 on a
#   hard error (no source tree).
#
# How an include is resolved (as the compiler does with AM_CPPFLAGS = -I$(top_builddir)
# -I$(top_srcdir)/include -I$(top_srcdir)/src -I$(top_srcdir)): "x.h" is looked up in the
# including file's folder, then include/, src/, the top of the tree.  <hee-snn/...> counts as
# include/; other <...> includes are system headers and are ignored; so is "hs-config.h",
# the header configure generates.
#
# Readings of the table taken here (change the TABLE or FLOOR below if the doc changes):
#   - "may use" is taken literally and is not transitive: a layer may use the folders it
#     names, and "below"/"everything below" means every folder of every lower layer.  Folders
#     of one layer (src/analyze, src/rbm, src/plot; the ground folders) may not include
#     each other, since "below" is strictly below.
#   - The floor, usable by every folder: include/ (the table says so for ground) and src/util.
#     src/util is the bottom of ground (errors, rng, hashing, atomic files) and the config row
#     names it; without it models/, src/record, src/data, src/engine and src/net could not
#     report an error.  So ground folders may include src/util and include/ only.
#   - models/ is ground: it may not include src/config (models/model.h including
#     "config/quantity.h" is a violation: the quantity type has to move down or out).
#   - engine "queues" is src/sched, "procs" is src/proc; processes "hee maths" is src/hee.
#     Processes are not given src/sched: R3 hands them a queue handle (hs_sched), which a
#     lower header must declare.
#   - Circles: an upward include is already a violation, so a circle always comes with one;
#     it is reported as well, because it says which moves break it.  Circles are searched
#     over all includes, allowed or not.
#   - R2 ignores comments; HEE names and model names are searched in identifiers and string
#     literals (hs_model, the registry's interface, is fine).
set -u

here=$(dirname "$0")
root=
if [ $# -gt 0 ]; then
    root=$1
else
    for c in "$here/.." "${HS_SRCDIR:-}" "${srcdir:-}" "${srcdir:+$srcdir/..}"; do
        if [ -n "$c" ] && [ -d "$c/src" ] && [ -d "$c/models" ]; then root=$c; break; fi
    done
fi
if [ -z "$root" ] || ! [ -d "$root/src" ]; then
    echo "check-layers: no source tree (give its root as the first argument)" >&2
    exit 99
fi
cd "$root" || exit 99

# ---- the layer table of doc/architecture.md ---------------------------------------------
# layer      folders                                            : may use (layers or folders)
TABLE='
program    src/cli                                              : commands analysis engine network processes config ground
commands   src/app                                              : analysis engine network processes config ground
analysis   src/analyze src/rbm src/plot                         : engine network processes config ground
engine     src/engine                                           : src/net models src/proc src/sched
network    src/net                                              : src/config models src/proc
processes  src/proc                                             : src/hee src/data models
config     src/config                                           : src/util
ground     models src/record src/data src/hee src/sched src/util :
include    include                                              :
'
# usable by every folder, besides its own
FLOOR='include src/util'

files=$(find src models include -type f -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
if [ -z "$files" ]; then
    echo "check-layers: no *.c or *.h under $root/src" >&2
    exit 99
fi

# $files is split into words on purpose (paths without blanks); no globbing
set -f
# shellcheck disable=SC2086
out=$(printf '%s\n' "$TABLE" | awk -v floor="$FLOOR" '
function violation(msg) { print "check-layers: " msg; nviol++ }

function folder_of(p,    n, c) {
    n = split(p, c, "/")
    if (c[1] == "src" && n >= 3) return "src/" c[2]
    if (n >= 2) return c[1]
    return "(top)"
}
function lname(fold) { return ((fold in layer) ? layer[fold] : "unknown folder") " " fold }

function dirname_of(p) { return sub(/\/[^\/]*$/, "", p) ? p : "." }

# collapse "." and ".." components
function norm(p,    n, c, i, out, k, s) {
    n = split(p, c, "/"); k = 0
    for (i = 1; i <= n; i++) {
        if (c[i] == "" || c[i] == ".") continue
        if (c[i] == ".." && k > 0 && out[k] != "..") { k--; continue }
        out[++k] = c[i]
    }
    s = ""
    for (i = 1; i <= k; i++) s = s (i > 1 ? "/" : "") out[i]
    return s
}
function exists(p,    r, tmp) {
    if (p in known) return known[p]
    r = (getline tmp < p)
    if (r >= 0) close(p)
    return known[p] = (r >= 0)
}
function resolve(from, hdr, quoted,    p) {
    if (quoted) { p = norm(dirname_of(from) "/" hdr); if (exists(p)) return p }
    p = norm("include/" hdr); if (exists(p)) return p
    p = norm("src/" hdr);     if (exists(p)) return p
    p = norm(hdr);            if (exists(p)) return p
    return ""
}

# ---- depth-first search for circles (color: 1 on the stack, 2 done) ----------------------
function dfs(g, v,    i, w, j, s) {
    color[g, v] = 1; stack[g, ++depth] = v; pos[g, v] = depth
    for (i = 1; i <= deg[g, v]; i++) {
        w = adj[g, v, i]
        if (color[g, w] == 1) {
            s = ""
            for (j = pos[g, w]; j <= depth; j++) s = s stack[g, j] " -> "
            violation("circle between " g ": " s w)
        } else if (color[g, w] != 2)
            dfs(g, w)
    }
    depth--; color[g, v] = 2
}
function add_edge(g, a, b) {
    if ((g, a, b) in seen_edge) return
    seen_edge[g, a, b] = 1
    if (!((g, a) in deg)) { deg[g, a] = 0; nodes[g, ++nnodes[g]] = a }
    adj[g, a, ++deg[g, a]] = b
}
function circles(g,    i) {
    depth = 0
    for (i = 1; i <= nnodes[g]; i++) if (color[g, nodes[g, i]] != 2) dfs(g, nodes[g, i])
}

# ---- R2: strip comments, then look at identifiers and string literals --------------------
function r2_line(f, ln, s,    code, strs, i, c, n, t, id, ids, k, nm, where) {
    code = ""; strs = ""; n = length(s); i = 1
    while (i <= n) {
        c = substr(s, i, 1)
        if (in_comment) {
            if (substr(s, i, 2) == "*/") { in_comment = 0; i += 2 } else i++
            continue
        }
        if (substr(s, i, 2) == "/*") { in_comment = 1; i += 2; code = code " "; continue }
        if (substr(s, i, 2) == "//") break
        if (c == "\"" || c == "\047") {
            t = c; i++
            while (i <= n && substr(s, i, 1) != t) {
                if (substr(s, i, 1) == "\\") i++
                else if (t == "\"") strs = strs substr(s, i, 1)
                i++
            }
            if (t == "\"") strs = strs "\n"
            i++; code = code " "; continue
        }
        code = code c; i++
    }
    where = "a string"
    if (code ~ /^[ \t]*#[ \t]*include/) {
        # a HEE header is checked in the main pass; a header named after a model names it
        where = "an include"; strs = strs "\n" code; code = ""
    }
    # identifiers: a part "hee" (split at "_") is a HEE name; a part sequence equal to a
    # model name is a model name
    k = split(code, ids, /[^A-Za-z0-9_]+/)
    for (i = 1; i <= k; i++) {
        id = ids[i]; if (id == "" || id ~ /^[0-9]/) continue
        t = "_" tolower(id) "_"
        if (t ~ /_hee_/)
            violation(f ":" ln ": names HEE symbol \"" id "\" (R2: src/engine names no HEE symbol)")
        for (nm in model)
            if (index(t, "_" nm "_"))
                violation(f ":" ln ": names model \"" nm "\" in \"" id "\" (R2: src/engine names no model)")
    }
    t = tolower(strs)
    # string literals: a word "hee" (split at anything not a letter or digit, "_" included) is
    # a HEE name too, e.g. an environment variable "HEE_SNN_QUEUE" read by the engine
    if (where == "a string" && ("\n" t "\n") ~ /(^|[^a-z0-9])hee([^a-z0-9]|$)/)
        violation(f ":" ln ": names HEE in a string (R2: src/engine names no HEE symbol)")
    for (nm in model)
        if (t ~ ("(^|[^a-z0-9])" nm "([^a-z0-9]|$)"))
            violation(f ":" ln ": names model \"" nm "\" in " where " (R2: src/engine names no model)")
}

# ---- the table (stdin) -------------------------------------------------------------------
FILENAME == "-" {
    if ($0 !~ /:/) next
    nrows++
    split($0, half, ":"); rowuse[nrows] = half[2]
    m = split(half[1], w, " ")
    for (i = 2; i <= m; i++) {
        layer[w[i]] = w[1]; rowfolders[nrows] = rowfolders[nrows] " " w[i]
        layerfolders[w[1]] = layerfolders[w[1]] " " w[i]
    }
    next
}

# ---- the sources -------------------------------------------------------------------------
FNR == 1 {
    if (!tabled) {
        tabled = 1
        nf = split(floor, fl, " ")
        for (r = 1; r <= nrows; r++) {
            nu = split(rowuse[r], use, " "); nt = 0; delete targets
            for (i = 1; i <= nu; i++) {
                if (use[i] in layerfolders) {
                    m = split(layerfolders[use[i]], lf, " ")
                    for (j = 1; j <= m; j++) targets[++nt] = lf[j]
                } else targets[++nt] = use[i]
            }
            for (i = 1; i <= nf; i++) targets[++nt] = fl[i]
            m = split(rowfolders[r], rf, " ")
            for (j = 1; j <= m; j++) {
                allowed[rf[j], rf[j]] = 1
                for (i = 1; i <= nt; i++) allowed[rf[j], targets[i]] = 1
            }
        }
    }
    f = FILENAME; nfiles++; ffold = folder_of(f); known[f] = 1
    inknown = (ffold in layer)
    if (!inknown) violation(f ": folder \"" ffold "\" is not in the layer table")
    if (ffold == "src/engine") engine[++nengine] = f
}
{ eline[f, FNR] = $0; elen[f] = FNR }
ffold == "models" && /\.name[ \t]*=[ \t]*"/ {
    s = $0; sub(/^.*\.name[ \t]*=[ \t]*"/, "", s); sub(/".*$/, "", s)
    if (s != "") model[tolower(s)] = 1
}
/^[ \t]*#[ \t]*include[ \t]*["<]/ {
    s = $0; sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
    quoted = (substr(s, 1, 1) == "\"")
    s = substr(s, 2); e = index(s, quoted ? "\"" : ">")
    if (!e) next
    hdr = substr(s, 1, e - 1)
    if (!quoted && hdr !~ /^hee-snn\//) next      # a system header
    if (hdr == "hs-config.h") next                  # generated by configure
    nincl++
    t = resolve(f, hdr, quoted)
    if (t == "") {
        violation(f ": includes \"" hdr "\" (no such file in its folder, include/, src/ or the top)")
        next
    }
    tfold = folder_of(t)
    add_edge("files", f, t)
    if (tfold != ffold) add_edge("folders", ffold, tfold)
    if (ffold == "src/engine" && tfold != "include" && tfold != "src/engine" && !(t in r2seen)) {
        r2seen[t] = 1; r2hdr[++nr2hdr] = t   # what the engine sees: checked for R2 too
    }
    b = tolower(t); sub(/^.*\//, "", b)
    if (ffold == "src/engine" && tfold != "include" &&
        (tfold == "src/hee" || b ~ /(^|[^a-z0-9])hee([^a-z0-9]|$)/))
        violation(f ": includes \"" hdr "\" (R2: src/engine names no HEE symbol)")
    if (inknown && !((ffold, tfold) in allowed))
        violation(f ": includes \"" hdr "\" (" lname(ffold) " may not use " lname(tfold) ")")
}

END {
    for (e = 1; e <= nengine; e++) {
        in_comment = 0
        for (ln = 1; ln <= elen[engine[e]]; ln++) r2_line(engine[e], ln, eline[engine[e], ln])
    }
    for (e = 1; e <= nr2hdr; e++) {
        in_comment = 0
        for (ln = 1; ln <= elen[r2hdr[e]]; ln++) r2_line(r2hdr[e], ln, eline[r2hdr[e], ln])
    }
    circles("folders")
    circles("files")
    printf "check-layers: %d files, %d includes checked, %d violation%s\n",
        nfiles, nincl, nviol, nviol == 1 ? "" : "s"
    exit (nviol > 0)
}
' - $files)
rc=$?
case $rc in 0|1) ;; *) echo "check-layers: awk failed ($rc)" >&2; exit 99 ;; esac

# ---- known debt: tests/layers-exceptions.txt --------------------------------------------
# Each non-comment line is one violation, exactly as printed above, that the code still has
# and the file says why.  A violation not listed fails; so does a listed one that is gone
# (the list only shrinks).
exc="tests/layers-exceptions.txt"
known=$(grep -v '^#' "$exc" 2>/dev/null | grep -v '^[[:space:]]*$')
bad=0
summary=$(printf '%s\n' "$out" | tail -n 1)
viol=$(printf '%s\n' "$out" | sed '$d')
if [ -n "$viol" ]; then
    while IFS= read -r v; do
        if printf '%s\n' "$known" | grep -qxF -- "$v"; then
            echo "$v (known, $exc)"
        else
            echo "$v"; bad=1
        fi
    done <<EOV
$viol
EOV
fi
if [ -n "$known" ]; then
    while IFS= read -r k; do
        if ! printf '%s\n' "$viol" | grep -qxF -- "$k"; then
            echo "check-layers: $exc lists a violation that is gone; remove it: $k"; bad=1
        fi
    done <<EOK
$known
EOK
fi
echo "$summary"
exit $bad
