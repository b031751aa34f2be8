#!/bin/sh
# e2e-checksums.sh -- refactors keep results: short runs of every example, hashed.
#
# Each line of tests/ref/checksums.txt is "SHA-256  EXAMPLE/FILE": the SHA-256 of the data
# lines (comment lines left out, so a version bump changes nothing) of FILE written by a short
# run of examples/EXAMPLE.yaml.  A commit that changes a byte of these says why in its message
# and updates the file with
#     HS_UPDATE_CHECKSUMS=1 make check TESTS=tests/e2e-checksums.sh
#
# A build whose dense algebra is OpenBLAS (hee-snn --version) sums in another order than GSL's
# reference CBLAS, so the examples that use GSL's linear algebra (the noise budget's Cholesky
# and eigendecompositions) differ in their last bits: tests/ref/checksums-openblas.txt holds
# their sums for that build and overrides checksums.txt line by line (the update writes there
# the lines that differ from checksums.txt).
set -u
. "${HS_SRCDIR:-.}/tests/tap.sh"
ref="$HS_SRCDIR/tests/ref/checksums.txt"
alt=
"$HEE_SNN" --version | grep -q 'dense algebra: OpenBLAS' && alt="$HS_SRCDIR/tests/ref/checksums-openblas.txt"
new="$T/checksums.txt"
: >"$new"
# want EXAMPLE/FILE: the reference sum of this build
want_of() {
    w=
    [ -n "$alt" ] && w=$(grep " $1\$" "$alt" 2>/dev/null | cut -d' ' -f1)
    [ -n "$w" ] || w=$(grep " $1\$" "$ref" 2>/dev/null | cut -d' ' -f1)
    echo "$w"
}
run() { # run EXAMPLE COMMAND DURATION FILES...
    ex=$1 cmd=$2 dur=$3; shift 3
    if ! "$HEE_SNN" "$cmd" "$HS_SRCDIR/examples/$ex.yaml" --duration "$dur" \
        --output "$T/$ex" --quiet >"$T/out" 2>"$T/err"; then
        not_ok "$cmd $ex"; sed 's/^/#   /' "$T/err" | head -5; return
    fi
    for f in "$@"; do
        s=$(grep -v '^#' "$T/$ex/$f" | sha256sum | cut -d' ' -f1)
        echo "$s  $ex/$f" >>"$new"
        want=$(want_of "$ex/$f")
        if [ "$s" = "$want" ]; then ok "$ex/$f unchanged"; else
            not_ok "$ex/$f: sha256 $s, reference ${want:-none}"; fi
    done
}
run boltzmann run '2 s' spikes.tsv
run bm3 run '2 s' spikes.tsv
run brette-bench4 run '200 ms' spikes.tsv
run hee-linear-gaussian run '200 ms' states.tsv
run hee-adaptation run '200 ms' states.tsv
run hee-deep run '200 ms' states.tsv
run hee-learn-ppca train '500 ms' learning.tsv
run hee-spike run '200 ms' spikes.tsv states.tsv
run brunel-small run '200 ms' spikes.tsv
run brunel-drive run '200 ms' spikes.tsv
# same_as EXAMPLE WHAT ENV=VALUE [OPTION...]: a 200 ms run of EXAMPLE another way (WHAT says
# how: in that environment, with those options) must give its reference sum of spikes.tsv.
same_as() {
    ex=$1 what=$2 var=$3; shift 3
    if env "$var" "$HEE_SNN" run "$HS_SRCDIR/examples/$ex.yaml" --duration '200 ms' \
        --output "$T/alt-$ex" --quiet "$@" >/dev/null 2>"$T/err"; then
        s=$(grep -v '^#' "$T/alt-$ex/spikes.tsv" | sha256sum | cut -d' ' -f1)
        want=$(want_of "$ex/spikes.tsv")
        if [ "$s" = "$want" ]; then ok "$what: $ex as the reference"; else
            not_ok "$what: $ex sha256 $s, reference $want"; fi
    else
        not_ok "$what: $ex run"; sed 's/^/#   /' "$T/err" | head -5
    fi
}
# The calendar queue gives the same events in the same order as the heap (HEE_SNN_QUEUE,
# doc/cli.md); slices on 2, 3 and 4 threads the same spikes, byte for byte, as on one
# (processes: tests/e2e-mpi.sh).
same_as brunel-small "calendar queue" HEE_SNN_QUEUE=calendar
for th in 2 3 4; do
    same_as brunel-drive "$th threads" HEE_SNN_QUEUE= --threads $th
done
if [ "${HS_UPDATE_CHECKSUMS:-0}" = 1 ]; then
    if [ -n "$alt" ]; then   # only the lines where this build differs from the reference
        awk 'FNR == NR { base[$2] = $1; next } base[$2] != $1' "$ref" "$new" >"$alt"
        echo "# wrote $alt"
    else
        cp "$new" "$ref"; echo "# wrote $ref"
    fi
fi
echo "1..$n"
[ "$fails" = 0 ]
