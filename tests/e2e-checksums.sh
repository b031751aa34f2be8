#!/bin/sh
# e2e-checksums.sh -- refactors keep results: short runs of every example, hashed.
#
# Each line of tests/ref/checksums.txt is "SHA-256  EXAMPLE/FILE": the SHA-256 of the data
# lines (comment lines left out, so a version bump changes nothing) of FILE written by a short
# run of examples/EXAMPLE.yaml.  A commit that changes a byte of these says why in its message
# and updates the file with
#     HS_UPDATE_CHECKSUMS=1 make check TESTS=tests/e2e-checksums.sh
set -u
. "${HS_SRCDIR:-.}/tests/tap.sh"
ref="$HS_SRCDIR/tests/ref/checksums.txt"
new="$T/checksums.txt"
: >"$new"
run() { # run EXAMPLE COMMAND DURATION FILES...
    ex=$1 cmd=$2 dur=$3; shift 3
    if ! "$HEE_SNN" "$cmd" "$HS_SRCDIR/examples/$ex.yaml" --duration "$dur" \
        --output "$T/$ex" --quiet >"$T/out" 2>"$T/err"; then
        not_ok "$cmd $ex"; sed 's/^/#   /' "$T/err" | head -5; return
    fi
    for f in "$@"; do
        s=$(grep -v '^#' "$T/$ex/$f" | sha256sum | cut -d' ' -f1)
        echo "$s  $ex/$f" >>"$new"
        want=$(grep " $ex/$f\$" "$ref" 2>/dev/null | cut -d' ' -f1)
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
# The calendar queue gives the same events in the same order as the heap (HEE_SNN_QUEUE,
# doc/cli.md): the heap's reference sum of brunel-small, run on the calendar queue.
if HEE_SNN_QUEUE=calendar "$HEE_SNN" run "$HS_SRCDIR/examples/brunel-small.yaml" \
    --duration '200 ms' --output "$T/cal" --quiet >/dev/null 2>"$T/err"; then
    s=$(grep -v '^#' "$T/cal/spikes.tsv" | sha256sum | cut -d' ' -f1)
    want=$(grep " brunel-small/spikes.tsv\$" "$ref" | cut -d' ' -f1)
    if [ "$s" = "$want" ]; then ok "calendar queue: brunel-small as on the heap"; else
        not_ok "calendar queue: brunel-small sha256 $s, heap reference $want"; fi
else
    not_ok "calendar queue: brunel-small run"; sed 's/^/#   /' "$T/err" | head -5
fi
if [ "${HS_UPDATE_CHECKSUMS:-0}" = 1 ]; then cp "$new" "$ref"; echo "# wrote $ref"; fi
echo "1..$n"
[ "$fails" = 0 ]
