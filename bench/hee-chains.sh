#!/bin/sh
# hee-chains.sh -- training throughput of parallel chains (issue 12), beside the NumPy anchor
#
#   bench/hee-chains.sh [/path/to/hee-snn] [IMAGES]      (make bench passes the built binary)
#
# examples/hee-fashion.yaml (784 identity units, 100 tanh units, dt 0.02 ms, 10 ms per image)
# trained on Fashion-MNIST with hee: chains: B for B = 1, 10, 100 and --threads 1 and 2, each
# for IMAGES images (default 2000; one chain: a tenth of them), then bench/hee_numpy.py, the
# same dynamics in NumPy (float32 and float64, 100 chains), on the same machine in the same run.
# Prints images per wall second.  Needs dataset-fashion-mnist (and python3-numpy for the
# anchor); about 3 minutes at the defaults on 2 cores.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
hee=${1:-$srcdir/src/hee-snn}
images=${2:-2000}
[ -x "$hee" ] || { echo "hee-chains.sh: '$hee' not found (run make first)" >&2; exit 2; }
idx=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
[ -r "$idx" ] || { echo "hee-chains.sh: $idx missing (apt-get install dataset-fashion-mnist)" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/hee-chains.XXXXXX")
trap 'rm -rf "$T"' EXIT

printf '%-34s %8s %9s %12s\n' "trainer" "images" "wall_s" "images_per_s"
for b in 1 10 100; do
    for th in 1 2; do
        n=$images
        [ "$b" -eq 1 ] && n=$((images / 10))
        [ "$b" -eq 1 ] && [ "$th" -eq 2 ] && continue
        pres=$(( (n + b - 1) / b ))
        dur=$(awk -v p=$pres 'BEGIN { printf "%g ms", p * 10 }')
        start=$(date +%s.%N)
        "$hee" train "$srcdir/examples/hee-fashion.yaml" --quiet --set hee.chains=$b \
            --set hee.data.limit=$((pres * b)) --duration "$dur" --threads $th --output "$T/b$b-$th"
        end=$(date +%s.%N)
        awk -v a="$start" -v z="$end" -v b=$b -v th=$th -v n=$((pres * b)) 'BEGIN {
            w = z - a; printf "%-34s %8d %9.2f %12.1f\n",
            sprintf("hee-snn, chains %d, threads %d", b, th), n, w, n / w }'
    done
done
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    for prec in "" --float64; do
        /usr/bin/python3 "$here/hee_numpy.py" --chains 100 --presentations $((images / 100)) $prec |
            awk '{ w = $0; sub(/.* in /, "", w); sub(/ s,.*/, "", w); n = $0; sub(/.*: /, "", n);
                   sub(/ images.*/, "", n); name = $0; sub(/:.*/, "", name);
                   printf "%-34s %8d %9.2f %12.1f\n", name, n, w, n / w }'
    done
else
    echo "(python3-numpy missing: no NumPy anchor)"
fi
