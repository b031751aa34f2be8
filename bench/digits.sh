#!/bin/sh
# digits.sh -- the binary models of hee-snn on real data: the 1797 8x8 handwritten digits that
# Debian's python3-sklearn ships (sklearn/datasets/data/digits.csv.gz, grey levels 0..16),
# binarised at 8; the first 1500 for training, the last 297 held out.  One table of the exact
# mean log-likelihood per image (nats; training and held-out items) and wall time.  Not a test:
# figures for doc/learning.md.  Needs: apt-get install python3-sklearn (for the data file only).
#
#   bench/digits.sh [/path/to/hee-snn]              (about 10 minutes on one core)
#
# Rows (the latent spaces are small enough for log p(v) to be summed exactly):
#   hee, hee-exchange, hee-spike, gibbs, wake-sleep   a sigmoid belief net of 64-8-4 binary units
#       trained for 2 epochs (60 s of model time, 20 ms per image, learning rate 10 Hz), by the
#       HEE's local rule with interneurons, with exchange pools (rate and spike realisations),
#       on exact Gibbs samples, and by wake-sleep
#   rbm-cd1, rbm-cd10, rbm-pcd1   an RBM of 64 visible and 20 hidden units, 200 epochs
set -u
HEE=${1:-src/hee-snn}
CSV=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
[ -x "$HEE" ] || { echo "digits.sh: no hee-snn at $HEE" >&2; exit 2; }
[ -r "$CSV" ] || { echo "digits.sh: $CSV missing: apt-get install python3-sklearn" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/hs-digits.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
zcat "$CSV" | cut -d, -f1-64 | tr ',' '\t' >"$T/digits.tsv"
cat >"$T/hee.yaml" <<YAML
hee-snn: 1
name: digits-hee
seed: 1
duration: 60 s
hee:
  tau_x: 1 ms
  tau_eps: 0.05 ms
  dt: 0.01 ms
  layers:
    - {name: v, size: 64, family: bernoulli, shape: [8, 8]}
    - {name: h, size: 8, family: bernoulli}
    - {name: top, size: 4, family: bernoulli}
  weights:
    h: {normal: {mean: 0, sd: 0.3}}
    top: {normal: {mean: 0, sd: 0.3}}
  data:
    tsv: $T/digits.tsv
    threshold: 8
    holdout: 297
    present: 20 ms
  learn:
    learning_rate: 10 Hz
    settle: 2 ms
    log: 30 s
YAML
cat >"$T/rbm.yaml" <<YAML
hee-snn: 1
name: digits-rbm
seed: 1
rbm:
  shape: [8, 8]
  hidden: 20
  method: cd
  k: 1
  batch: 20
  learning_rate: 0.05
  momentum: 0.5
  epochs: 200
  init_sd: 0.01
  data:
    tsv: $T/digits.tsv
    threshold: 8
    holdout: 297
YAML
printf 'model\tloglik_train\tloglik_holdout\twall_s\n'
run() {   # name, file, extra options...
    name=$1 file=$2
    shift 2
    t0=$(date +%s.%N)
    "$HEE" train "$file" --quiet --output "$T/$name" "$@" >/dev/null 2>"$T/err" ||
        { echo "digits.sh: $name failed:" >&2; cat "$T/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -F'\t' -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" -v n="$name" '
        /^#/ { next } /^time_ms/ { c = 9; next } /^epoch/ { c = 2; next } { tr = $c; ho = $(c + 1) }
        END { printf "%s\t%.3f\t%.3f\t%s\n", n, tr, ho, w }' "$T/$name/learning.tsv"
}
run hee "$T/hee.yaml"
run hee-exchange "$T/hee.yaml" --set hee.bottom_up=exchange
run hee-spike "$T/hee.yaml" --set hee.realisation=spike --set hee.bottom_up=exchange
run gibbs "$T/hee.yaml" --set hee.bottom_up=exact
run wake-sleep "$T/hee.yaml" --set hee.learn.method=wake-sleep
run rbm-cd1 "$T/rbm.yaml"
run rbm-cd10 "$T/rbm.yaml" --set rbm.k=10
run rbm-pcd1 "$T/rbm.yaml" --set rbm.method=pcd --set rbm.chains=100 --set rbm.learning_rate=0.02
