#!/bin/sh
# doc-snippets.sh -- every ```yaml block in README.md and doc/*.md must validate with hee-snn,
# so the documentation cannot drift from the loader.  A block whose first line is
# "# invalid: SUBSTRING" must instead fail (exit 2) with SUBSTRING in the message.
#
# Run by `make check` with HEE_SNN (the binary) and HS_SRCDIR (the source tree) set.
set -u
: "${HEE_SNN:=./src/hee-snn}"
: "${HS_SRCDIR:=.}"
T=$(mktemp -d "${TMPDIR:-/tmp}/hee-doc.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
ln -s "$(cd "$HS_SRCDIR" && pwd)/examples" "$T/examples"   # snippets name examples/data/...
n=0
fails=0
for md in "$HS_SRCDIR"/README.md "$HS_SRCDIR"/doc/*.md; do
    [ -e "$md" ] || continue
    base=$(basename "$md" .md)
    awk -v dir="$T" -v base="$base" '
        /^```yaml[ \t]*$/ { k++; f = dir "/" base "-" k ".yaml"; on = 1; next }
        /^```/ { if (on) close(f); on = 0; next }
        on { print > f }' "$md"
done
for f in "$T"/*.yaml; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    name=$(basename "$f" .yaml)
    want=$(sed -n '1s/^# invalid: //p' "$f")
    "$HEE_SNN" validate "$f" >"$T/out" 2>"$T/err"
    st=$?
    if [ -z "$want" ] && [ "$st" = 0 ]; then
        echo "ok $n - $name validates"
    elif [ -n "$want" ] && [ "$st" = 2 ] && grep -qF "$want" "$T/err"; then
        echo "ok $n - $name is rejected as documented"
    else
        fails=$((fails + 1))
        echo "not ok $n - $name (exit $st)"
        sed 's/^/#   /' "$T/err"
    fi
done
echo "1..$n"
[ "$n" -ge 5 ] || { echo "# only $n yaml blocks found in the documentation"; exit 1; }
[ "$fails" = 0 ]
