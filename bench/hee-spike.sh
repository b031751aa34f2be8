#!/bin/sh
# hee-spike.sh -- cost and accuracy of the spike realisation, optionally against another build
#
#   bench/hee-spike.sh [/path/to/hee-snn [/path/to/other/hee-snn]]
#
# For each example (turned into the spike realisation at its defaults) `hee-snn compare` runs
# 20 s of model time; the spike row gives wall seconds, effective samples per wall second and
# per spike, and the largest mean / variance errors.  Then the 784-256-64 network (0.1 s of
# model time): wall seconds per simulated second.  With a second binary every figure is
# measured for both, one after the other, in the same run.  About 3 minutes per binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/hee-spike.XXXXXX")
trap 'rm -rf "$T"' EXIT
bins=${1:-$srcdir/src/hee-snn}
[ $# -ge 2 ] && bins="$bins $2"

row() { # row BIN YAML LABEL: the spike row of compare.tsv, by column name
    "$1" compare "$2" --duration '20 s' --output "$T/cmp" >/dev/null
    awk -F'\t' -v lab="$3" -v bin="$(basename "$(dirname "$(dirname "$1")")")" '
        /^#/ { next }
        !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
        $1 == "spike" { printf "%-22s %-10s %8.2f %10.3g %11.3g %9.3f %9.3f %9s\n", lab, bin,
            $c["wall_s"] / 22, $c["ess_per_s"], $c["ess_per_spike"], $c["mean_err"],
            $c["var_err"], ("corr_err" in c) ? sprintf("%.3f", $c["corr_err"]) : "-" }' \
        "$T/cmp/compare.tsv"
}

printf "%-22s %-10s %8s %10s %11s %9s %9s %9s\n" example build "wall/s" "ESS/s" "ESS/spike" \
    "mean err" "var err" "corr err"
for ex in hee-linear-gaussian hee-spike hee-adaptation hee-deep; do
    sed 's/^  realisation: rate/  realisation: spike/' "$srcdir/examples/$ex.yaml" >"$T/$ex.yaml"
    for b in $bins; do row "$b" "$T/$ex.yaml" "$ex"; done
done

echo
echo "784-256-64 network, spike realisation at the defaults, 0.1 s simulated"
sed 's/^duration: .*/duration: 100 ms/; s/^hee:/hee:\n  realisation: spike/' \
    "$here/hee-784-256-64.yaml" >"$T/big.yaml"
for b in $bins; do
    for k in 1 2 3; do
        start=$(date +%s.%N)
        "$b" run "$T/big.yaml" --quiet --output "$T/big"
        end=$(date +%s.%N)
        echo "$start $end" | awk '{ printf "%.3f\n", $2 - $1 }'
    done | sort -n | sed -n 2p | awk -v b="$b" '{ printf "%s: median of 3 wall %.2f s for 0.1 s (%.1f s per simulated second)\n", b, $1, $1 / 0.1 }'
done
