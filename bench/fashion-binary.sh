#!/bin/sh
# fashion-binary.sh -- the binary models of hee-snn on binarised Fashion-MNIST: the first
# N + 100 training images of Debian's dataset-fashion-mnist, pixels thresholded at 0.5; the
# first N to train on, the last 100 held out.  One table of the mean log-likelihood per image
# (nats) by annealed importance sampling, with its standard error, the training wall time and
# the time the scoring took.
# Not a test: figures for doc/learning.md.  Needs: apt-get install dataset-fashion-mnist.
#
#   bench/fashion-binary.sh [/path/to/hee-snn] [N]        (N = 500: about 60 minutes, one core)
#   ROWS='rbm-cd1 dbn' bench/fashion-binary.sh ...          (only those rows)
#   HEE_EPOCHS=10 ROWS='hee gibbs' bench/fashion-binary.sh   (the HEE rows for 10 passes)
#
# Every model has 20 binary latent units (784 visible):
#   hee, hee-exchange, hee-spike, hee-spike-exchange, gibbs, wake-sleep
#       a sigmoid belief net of 784-16-4 units trained in one pass (20 ms per image, learning
#       rate 10 Hz) by the HEE's local rule with interneurons and with exchange pools, in the
#       rate and the spike realisation; on exact Gibbs samples (Neal 1992); by wake-sleep.
#       log p(v) of the first 100 training and the 100 held-out images by AIS over the latent
#       layers (learn: ais, 16 runs of 500 steps per image)
#   rbm-cd1, rbm-cd10, rbm-pcd   an RBM of 20 hidden units, 3000 epochs, batch 20; log Z summed
#       over the 2^20 hidden states every 30 epochs (loglik: exact; AIS of log Z missed 200 nats
#       of a CD-1 RBM here, doc/learning.md), the log-likelihood of every image (the sums are
#       part of the training wall time)
#   dbn   RBMs of 16 and 4 hidden units stacked greedily (CD-1, 3000 epochs each), scored like the
#       HEE rows (AIS over its latent layers, 16 runs of 500 steps per image; log Z of the top
#       RBM summed)
set -u
HEE=${1:-src/hee-snn}
N=${2:-500}
E=${HEE_EPOCHS:-1}
D=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
[ -x "$HEE" ] || { echo "fashion-binary.sh: no hee-snn at $HEE" >&2; exit 2; }
[ -r "$D" ] || { echo "fashion-binary.sh: $D missing: apt-get install dataset-fashion-mnist" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/hs-fashion.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
DATA="    idx: {images: $D}
    limit: $((N + 100))
    holdout: 100
    scale: 0.00392156862745098
    threshold: 0.5"
cat >"$T/hee.yaml" <<YAML
hee-snn: 1
name: fashion-binary-hee
seed: 1
duration: $((N * 20 * E)) ms
hee:
  tau_x: 1 ms
  tau_eps: 0.05 ms
  dt: 0.01 ms
  layers:
    - {name: v, size: 784, family: bernoulli, shape: [28, 28]}
    - {name: h, size: 16, family: bernoulli}
    - {name: top, size: 4, family: bernoulli}
  weights:
    h: {normal: {mean: 0, sd: 0.05}}
    top: {normal: {mean: 0, sd: 0.3}}
  data:
$DATA
    present: 20 ms
  learn:
    learning_rate: 10 Hz
    settle: 2 ms
    log: $((N * 20 * E)) ms
    ais: {runs: 16, betas: 500, items: 100}
YAML
cat >"$T/rbm.yaml" <<YAML
hee-snn: 1
name: fashion-binary-rbm
seed: 1
rbm:
  shape: [28, 28]
  hidden: 20
  method: cd
  k: 1
  batch: 20
  learning_rate: 0.05
  momentum: 0.5
  epochs: 3000
  init_sd: 0.01
  loglik: ais
  ais: {runs: 100, betas: 10000, items: 100, item_runs: 16, item_betas: 500}
  samples: 0
  data:
$DATA
YAML
printf 'model\tloglik_train\tse\tloglik_holdout\tse\ttrain_s\tscore_s\n'
run() {   # name, file, extra options...: training wall time from the summary, the rest scoring
    name=$1 file=$2
    shift 2
    case " ${ROWS:-$name} " in *" $name "*) ;; *) return ;; esac
    t0=$(date +%s.%N)
    "$HEE" train "$file" --output "$T/$name" "$@" >"$T/out" 2>"$T/err" ||
        { echo "fashion-binary.sh: $name failed:" >&2; cat "$T/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    tr=$(sed -n 's/^wall time: \([0-9.]*\) s.*/\1/p' "$T/out")
    awk -F'\t' -v w="$tr" -v a="$t0" -v b="$t1" -v n="$name" '
        /^# loglik_\*: .*(annealed|AIS)/ {   # the standard errors: "... X +- SE ..."
            s = $0; k = 0
            while ((i = index(s, "+- ")) > 0) { s = substr(s, i + 3); split(s, q, /[ ;,]/); se[++k] = q[1] }
            next }
        /^#/ { next } /^time_ms/ { c = 9; next } /^epoch/ { c = 2; next } { tr = $c; ho = $(c + 1) }
        END { if (!(1 in se)) se[1] = se[2] = "";
              if (n ~ /^rbm/) se[2] = se[1];   # (an RBM: the error of log Z, shared)
              printf "%s\t%.2f\t%s\t%.2f\t%s\t%.0f\t%.0f\n", n, tr, se[1], ho, se[2], w, b - a - w }' \
        "$T/$name/learning.tsv"
}
run hee "$T/hee.yaml"
run hee-exchange "$T/hee.yaml" --set hee.bottom_up=exchange
run hee-spike "$T/hee.yaml" --set hee.realisation=spike
run hee-spike-exchange "$T/hee.yaml" --set hee.realisation=spike --set hee.bottom_up=exchange
run gibbs "$T/hee.yaml" --set hee.bottom_up=exact
run wake-sleep "$T/hee.yaml" --set hee.learn.method=wake-sleep
run rbm-cd1 "$T/rbm.yaml" --set rbm.loglik=exact
run rbm-cd10 "$T/rbm.yaml" --set rbm.loglik=exact --set rbm.k=10
run rbm-pcd "$T/rbm.yaml" --set rbm.loglik=exact --set rbm.method=pcd --set rbm.chains=100 \
    --set rbm.learning_rate=0.02
run dbn "$T/rbm.yaml" --set 'rbm.hidden=[16, 4]'
