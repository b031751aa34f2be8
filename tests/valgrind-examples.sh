#!/bin/sh
# valgrind-examples.sh -- every example, and the commands that read its results, run clean
# under valgrind's memcheck: no invalid read or write, no use of an uninitialised value, no
# definite or indirect leak (exit status 1 names the command and keeps its log).  Short runs:
# --duration is cut so the whole takes a few minutes.  Run by .ci/run after make check, and by
# hand with `make check-valgrind` (doc/development.md).
#
#   HEE_SNN=src/hee-snn HS_SRCDIR=. sh tests/valgrind-examples.sh
set -u
. "${HS_SRCDIR:-.}/tests/tap.sh"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "1..0 # SKIP valgrind is not installed (apt-get install valgrind)"
    exit 0
fi
# memcheck; leaks of definite or indirect kind are errors, the still-reachable ones of the
# libraries (fontconfig under cairo, Open MPI) are not
vg() {
    log=$1; shift
    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --suppressions="$HS_SRCDIR/tests/valgrind.supp" \
        --show-leak-kinds=definite,indirect --log-file="$log" "$@" >/dev/null 2>"$log.err"
}
clean() { # clean DESCRIPTION COMMAND...: exit 0 under valgrind, or the log is shown
    d=$1; shift
    n_log="$T/vg.$((n + 1)).log"
    if vg "$n_log" "$@"; then ok "$d"; else
        not_ok "$d (exit $?)"; sed 's/^/#   /' "$n_log" | head -40; sed 's/^/#   /' "$n_log.err" | head -5; fi
}
ex="$HS_SRCDIR/examples"
for f in "$ex"/*.yaml; do   # every example that runs (training ones: train below), briefly
    name=$(basename "$f" .yaml)
    grep -q '^  learn:' "$f" && continue
    grep -q '^rbm:' "$f" && continue
    if grep -q '/usr/share/datasets/' "$f" && ! [ -d /usr/share/datasets/fashion-mnist ]; then
        ok "# SKIP $name: its data set package is not installed"
        continue
    fi
    case $name in boltzmann|bm3) dur='2 s' ;; hee-*) dur='100 ms' ;; *) dur='20 ms' ;; esac
    clean "run $name ($dur)" "$HEE_SNN" run "$f" --duration "$dur" --quiet --output "$T/$name"
done
clean "run brunel-drive on 2 threads" "$HEE_SNN" run "$ex/brunel-drive.yaml" --duration '20 ms' \
    --threads 2 --quiet --output "$T/bd2"
clean "run with variables and rates monitors" \
    "$HEE_SNN" run "$HS_SRCDIR/tests/data/good-monitors.yaml" --quiet --output "$T/mon"
clean "run spike generators and inhomogeneous Poisson sources (from YAML and from files)" \
    "$HEE_SNN" run "$HS_SRCDIR/tests/data/good-sources.yaml" --quiet --output "$T/src"
clean "run --seeds 2 with --set" "$HEE_SNN" run "$ex/brette-bench4.yaml" --duration '20 ms' \
    --seeds 2 --set 'projections.0.weight=0.3 mV' --quiet --output "$T/trials"
clean "validate --describe a hee: block" "$HEE_SNN" validate --describe "$ex/hee-spike.yaml"
n_log="$T/vg.bad.log"
vg "$n_log" "$HEE_SNN" validate "$HS_SRCDIR/tests/data/bad-times-file-neuron.yaml"; st=$?
check "a bad file is refused cleanly (exit 2, no memory error: got $st)" test "$st" = 2
clean "analyze" "$HEE_SNN" analyze "$T/boltzmann" --points 4
clean "export nest" "$HEE_SNN" export "$T/brette-bench4" --format nest --quiet
clean "export sonata" "$HEE_SNN" export "$T/brette-bench4" --format sonata --quiet
clean "plot raster" "$HEE_SNN" plot "$T/brette-bench4" --quiet
clean "plot rate" "$HEE_SNN" plot "$T/brette-bench4" --kind rate --bin '5 ms' --quiet
clean "compare (1 s)" "$HEE_SNN" compare "$ex/hee-linear-gaussian.yaml" --duration '1 s' \
    --quiet --output "$T/cmp"
clean "train (200 ms)" "$HEE_SNN" train "$ex/hee-learn-ppca.yaml" --duration '200 ms' --quiet \
    --output "$T/train"
clean "generate 20 samples" "$HEE_SNN" generate "$T/train/model.yaml" --samples 20 --quiet \
    --output "$T/gen"
clean "train an RBM (20 epochs, AIS)" "$HEE_SNN" train "$ex/rbm-bars-stripes.yaml" \
    --set rbm.epochs=20 --set rbm.loglik=ais --set 'rbm.ais={runs: 4, betas: 50}' --quiet \
    --output "$T/rbm"
clean "train a binary HEE, spike realisation with exchange pools (100 ms)" "$HEE_SNN" train \
    "$ex/hee-bars-stripes.yaml" --duration '100 ms' --set hee.realisation=spike \
    --set hee.bottom_up=exchange --quiet --output "$T/bas-spike"
clean "compare a binary model (100 ms)" "$HEE_SNN" compare "$ex/hee-bars-posterior.yaml" \
    --duration '100 ms' --quiet --output "$T/bcmp"
echo "1..$n"
[ "$fails" = 0 ]
