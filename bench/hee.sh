#!/bin/sh
# hee.sh -- benchmarks of the HEE rate realisation
#
#   bench/hee.sh [/path/to/hee-snn]        (make bench passes the built binary)
#
# 1. Wall time per simulated second of a 784-256-64 HEE (rate realisation, dt 0.01 ms).
# 2. Effective samples per wall second of every sampler on examples/hee-linear-gaussian.yaml
#    (hee-snn compare, 100 s per sampler).
# 3. Burn-in saved by feedforward initialisation on examples/hee-deep.yaml: over 40 seeds, the
#    mean distance of the latent state from its long-run posterior mean, at times after the
#    start, with init: zero and init: feedforward.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
hee=${1:-$srcdir/src/hee-snn}
[ -x "$hee" ] || { echo "hee.sh: '$hee' not found (run make first)" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/hee-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

echo "== 1. 784-256-64 HEE, rate and spike realisations (spike: the defaults), 0.2 s simulated"
cp "$here/hee-784-256-64.yaml" "$T/big.yaml"
for real in rate spike; do
    sed "s/^hee:/hee:\n  realisation: $real/" "$T/big.yaml" >"$T/big-$real.yaml"
    start=$(date +%s.%N)
    "$hee" run "$T/big-$real.yaml" --quiet --output "$T/big-$real"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" -v r=$real 'BEGIN { w = b - a; printf "%-5s realisation: wall %.2f s for 0.2 s simulated: %.1f s of wall time per simulated second (%d units, 2e4 steps)\n", r, w, w / 0.2, 784 + 256 + 64 }'
done

echo
echo "== 2. effective samples per second on the linear-Gaussian example (100 s per sampler)"
"$hee" compare "$srcdir/examples/hee-linear-gaussian.yaml" --duration '100 s' \
    --output "$T/cmp" | sed -n '3,12p'

echo
echo "== 3. burn-in with init: zero and init: feedforward (200 seeds each)"
# distance of the ensemble mean E[x(t)] (over seeds) from the posterior mean, which a long run
# gives; the ensemble mean relaxes deterministically, so this measures burn-in, not spread
burnin() { # burnin EXAMPLE NUNITS
    ex=$1 nu=$2 name=$(basename "$1" .yaml)
    "$hee" run "$ex" --quiet --duration '200 s' --output "$T/ref-$name"
    awk -F'\t' -v nu=$nu '!/^#/ && !/^time/ && $1 > 1000 { n++; for (i = 2; i <= nu + 1; i++) s[i] += $i }
        END { for (i = 2; i <= nu + 1; i++) printf "%.6f%s", s[i] / n, i <= nu ? " " : "\n" }' \
        "$T/ref-$name/states.tsv" >"$T/mu-$name"
    for init in zero feedforward; do
        sed "s/^  init: .*//; s/^hee:/hee:\n  init: $init/; s/^  every: 1 ms/  every: 0.5 ms/" \
            "$ex" >"$T/$name-$init.yaml"
        : >"$T/$name-$init.all"
        seed=1
        while [ $seed -le 200 ]; do
            "$hee" run "$T/$name-$init.yaml" --quiet --seed $seed --duration '41 ms' \
                --output "$T/run"
            grep -v '^#' "$T/run/states.tsv" | tail -n +2 >>"$T/$name-$init.all"
            seed=$((seed + 1))
        done
    done
    echo "$name: |E[x(t)] - posterior mean| over its $nu latent units"
    printf "%8s %10s %12s\n" "t_ms" "zero" "feedforward"
    for tt in 0 1 2 5 10 20 40; do
        line=$(printf "%8s" $tt)
        for init in zero feedforward; do
            d=$(awk -F'\t' -v t=$tt -v nu=$nu -v mu="$(cat "$T/mu-$name")" '
                BEGIN { split(mu, m, " ") } $1 + 0 == t { n++; for (i = 2; i <= nu + 1; i++) s[i] += $i }
                END { d = 0; for (i = 2; i <= nu + 1; i++) d += (s[i] / n - m[i - 1]) ^ 2; printf "%.3f", sqrt(d) }' \
                "$T/$name-$init.all")
            line="$line $(printf "%10s" "$d")"
        done
        echo "$line"
    done
}
burnin "$srcdir/examples/hee-linear-gaussian.yaml" 2
burnin "$srcdir/examples/hee-deep.yaml" 12
echo "(200 seeds: the ensemble mean carries a sampling error of about the posterior spread / 14)"
