#!/bin/sh
# bars-stripes.sh -- the binary models of hee-snn on bars and stripes, with the exact
# log-likelihood of each trained model (nats per image; the optimum is -log 14 = -2.64 on 3x3,
# -log 30 = -3.40 on 4x4), one table.  Not a test: figures for doc/learning.md.
#
#   bench/bars-stripes.sh [/path/to/hee-snn]       (about 5 minutes on one core)
#
# Rows, on the same data with the same seed:
#   hee            the binary HEE with its interneurons (the local rule), rate realisation
#   hee-exchange   the same with per-unit pools at the flipped state (bottom_up: exchange)
#   hee-spike      the same in the spike realisation (neural sampling), with pools
#   gibbs          the same local rule on exact Gibbs samples (bottom_up: exact; Neal 1992)
#   wake-sleep     the same sigmoid belief net by wake-sleep (Hinton et al. 1995)
#   rbm-cd3        an RBM, CD-3, 16 hidden units, 3000 epochs (examples/rbm-bars-stripes.yaml)
#   rbm-pcd1       the same by PCD-1 (100 chains, learning rate 0.02: at 0.05 the chains cannot
#                  follow the parameters and the model does not learn, -6.2 nats)
#   dbn            two RBMs stacked, [10, 8] (3x3) or [12, 8] (4x4)
# The HEE rows train for 40 s of model time (2000 images of 20 ms), with 9-8-4 units (3x3)
# or 16-12-4 (4x4), learning rate 20 Hz.  wall_s: the whole process, one run (the exact
# log-likelihood rows of learning.tsv are part of it).
set -u
HEE=${1:-src/hee-snn}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/hs-bas.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
[ -x "$HEE" ] || { echo "bars-stripes.sh: no hee-snn at $HEE" >&2; exit 2; }
hee="$SRC/examples/hee-bars-stripes.yaml"
rbm="$SRC/examples/rbm-bars-stripes.yaml"
printf 'size\tmodel\tloglik\twall_s\n'
for size in 3 4; do
    if [ "$size" = 3 ]; then
        H=""; R=""; dbn='[10, 8]'
    else
        H="--set hee.data.tsv=$SRC/examples/data/bars-stripes-4x4.tsv --set hee.layers.0.size=16
           --set hee.layers.0.shape=[4,4] --set hee.layers.1.size=12"
        R="--set rbm.data.tsv=$SRC/examples/data/bars-stripes-4x4.tsv --set rbm.shape=[4,4]
           --set rbm.batch=30"
        dbn='[12, 8]'
    fi
    run() {   # name, file, extra options...
        name=$1 file=$2
        shift 2
        t0=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$HEE" train "$file" --quiet --output "$T/$size-$name" "$@" >/dev/null 2>"$T/err" ||
            { echo "bars-stripes.sh: $name failed:" >&2; cat "$T/err" >&2; exit 1; }
        t1=$(date +%s.%N)
        ll=$(awk -F'\t' '/^#/ { next } /^time_ms/ { c = 9; next } /^epoch/ { c = 2; next }
             { v = $c } END { print v }' "$T/$size-$name/learning.tsv")
        printf '%sx%s\t%s\t%.3f\t%s\n' "$size" "$size" "$name" "$ll" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    }
    # shellcheck disable=SC2086
    run hee "$hee" $H
    # shellcheck disable=SC2086
    run hee-exchange "$hee" $H --set hee.bottom_up=exchange
    # shellcheck disable=SC2086
    run hee-spike "$hee" $H --set hee.realisation=spike --set hee.bottom_up=exchange
    # shellcheck disable=SC2086
    run gibbs "$hee" $H --set hee.bottom_up=exact
    # shellcheck disable=SC2086
    run wake-sleep "$hee" $H --set hee.learn.method=wake-sleep
    # shellcheck disable=SC2086
    run rbm-cd3 "$rbm" $R
    # shellcheck disable=SC2086
    run rbm-pcd1 "$rbm" $R --set rbm.method=pcd --set rbm.k=1 --set rbm.chains=100 \
        --set rbm.learning_rate=0.02
    # shellcheck disable=SC2086
    run dbn "$rbm" $R --set "rbm.hidden=$dbn"
done
