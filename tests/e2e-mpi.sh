#!/bin/sh
# e2e-mpi.sh -- runs split across MPI processes (issue 11): the same spikes.tsv, byte for byte,
# for 1, 2, 3 and 4 processes, with and without threads; a network that cannot be split runs
# whole on process 0 with a note saying why; Ctrl-C to one process stops every process at one
# synchronisation and the files are complete.  Runs when hee-snn was configured --with-mpi
# (make check sets HS_MPIRUN); skipped (77) otherwise.  On a 2-core machine the processes are
# oversubscribed.
set -u
if [ -z "${HS_MPIRUN:-}" ]; then echo "# not configured --with-mpi: skipped"; exit 77; fi
. "${HS_SRCDIR:-.}/tests/tap.sh"
# mpirun as root (CI containers) and with more processes than cores
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { # mpi NP ARGS...: hee-snn on NP processes (a hang of any is a failure, not a wait)
    np=$1; shift
    timeout 120 "$HS_MPIRUN" -np "$np" "$HEE_SNN" "$@"
}
body() { grep -v '^#' "$1"; }   # a raster's lines without its comments
same() { # same DESCRIPTION A B: the two rasters' lines are identical
    body "$2" >"$T/same.a"; body "$3" >"$T/same.b"
    if cmp -s "$T/same.a" "$T/same.b"; then ok "$1"; else not_ok "$1"; fi
}

ex=$HS_SRCDIR/examples/brunel-drive.yaml
"$HEE_SNN" run "$ex" --duration '300 ms' --output "$T/one" --quiet || exit 99
for np in 1 2 4; do
    mpi $np run "$ex" --duration '300 ms' --output "$T/np$np" --quiet 2>"$T/err"
    same "brunel-drive on $np processes: the one-process spikes" "$T/np$np/spikes.tsv" "$T/one/spikes.tsv"
done
mpi 3 run "$ex" --duration '300 ms' --output "$T/np3t2" --threads 2 >"$T/out" 2>"$T/err"
same "brunel-drive on 3 processes of 2 threads: the one-process spikes" "$T/np3t2/spikes.tsv" "$T/one/spikes.tsv"
check "the summary names the split" grep -q 'engine: slices of 1.5 ms, 2 threads, 3 processes' "$T/out"
check "the summary counts the exchange (200 synchronisations in 300 ms of 1.5 ms slices)" \
    grep -q '^exchange: 200 synchronisations' "$T/out"
check "one summary, from process 0" test "$(grep -c '^engine:' "$T/out")" = 1
check "the directory holds the files of a one-process run, no more" \
    test "$(ls -A "$T/np3t2" | tr '\n' ' ')" = "$(ls -A "$T/one" | tr '\n' ' ')"

# the exchange's one collective: blocks too small for a slice's spikes take a second collective
# and grow, then shrink in quiet; two collectives throughout (sizes first): the same spikes
HEE_SNN_EXCHANGE_BLOCK=32 mpi 4 run "$ex" --duration '300 ms' --output "$T/blk32" >"$T/out" 2>"$T/err"
same "blocks of 32 bytes on 4 processes: the one-process spikes" "$T/blk32/spikes.tsv" "$T/one/spikes.tsv"
check "the summary counts every slice once (200 synchronisations)" \
    grep -q '^exchange: 200 synchronisations' "$T/out"
HEE_SNN_EXCHANGE=sizes mpi 2 run "$ex" --duration '300 ms' --output "$T/sizes" --quiet 2>"$T/err"
same "sizes then spikes (two collectives) on 2 processes: the one-process spikes" \
    "$T/sizes/spikes.tsv" "$T/one/spikes.tsv"

# more processes than bins of neurons: a process with no neuron of its own
cat >"$T/tiny.yaml" <<'Y'
hee-snn: 1
seed: 4
duration: 200 ms
populations:
  a: {model: lif, size: 3, params: {drive_rate: 2 kHz, drive_weight: 4 mV}}
projections:
  - {from: a, to: a, connect: all_to_all, weight: 3 mV, delay: 0.5 ms}
Y
"$HEE_SNN" run "$T/tiny.yaml" --output "$T/tiny1" --quiet || exit 99
mpi 4 run "$T/tiny.yaml" --output "$T/tiny4" --quiet 2>"$T/err"
same "3 neurons on 4 processes (one owns none): the one-process spikes" "$T/tiny4/spikes.tsv" "$T/tiny1/spikes.tsv"

# no seed given: process 0 draws it and every process uses it
grep -v '^seed:' "$T/tiny.yaml" >"$T/noseed.yaml"
mpi 2 run "$T/noseed.yaml" --output "$T/noseed" --quiet 2>"$T/err"
check "no seed: one note, from process 0" test "$(grep -c 'no seed given' "$T/err")" = 1
seed=$(sed -n 's/^seed: //p' "$T/noseed/config.yaml")
"$HEE_SNN" run "$T/noseed.yaml" --seed "$seed" --output "$T/noseed1" --quiet 2>/dev/null
same "no seed: the spikes of one process with process 0's seed" "$T/noseed/spikes.tsv" "$T/noseed1/spikes.tsv"

# zero delays: the network cannot be split; it runs whole on process 0, and says so
b4=$HS_SRCDIR/examples/brette-bench4.yaml
"$HEE_SNN" run "$b4" --duration '100 ms' --output "$T/b4one" --quiet || exit 99
status_is 0 "a network with zero delays on 2 processes" mpi 2 run "$b4" --duration '100 ms' --output "$T/b4two" --quiet
check "... says it runs whole on process 0, and why" grep -q 'runs whole on process 0 of 2: it cannot be split (a synapse has zero delay)' "$T/err"
same "... with the one-process spikes" "$T/b4two/spikes.tsv" "$T/b4one/spikes.tsv"

# Ctrl-C to one process (the last): every process stops at the same synchronisation
"$HS_MPIRUN" -np 2 "$HEE_SNN" run "$ex" --duration '100 s' --output "$T/int" --quiet \
    >"$T/out" 2>"$T/err" &
mp=$!
(sleep 120; kill $mp 2>/dev/null) &   # a process left waiting fails the test, not make check
dog=$!
i=0   # wait for both processes and some simulated time
while [ "$(pgrep -P $mp | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# ... until process 0 has written spikes (its raster's first buffer is out): both processes
# have then passed the synchronisations of the run loop, so both catch the signal (a fixed
# sleep was too short on a loaded machine: the signal came before the handlers)
i=0
while [ $i -lt 600 ]; do
    f=$(ls "$T/int"/.spikes.tsv.tmp-* 2>/dev/null | head -n 1)
    [ -n "$f" ] && [ "$(wc -c <"$f" 2>/dev/null || echo 0)" -gt 0 ] && break
    sleep 0.1
    i=$((i + 1))
done
kill -INT "$(pgrep -P $mp | tail -n 1)"
wait $mp
kill $dog 2>/dev/null
check "interrupted: the raster ends with its interrupt time" grep -q '^# interrupted_at_ms: ' "$T/int/spikes.tsv"
tint=$(sed -n 's/^# interrupted_at_ms: //p' "$T/int/spikes.tsv")
check "interrupted: the interrupt time is a synchronisation (a multiple of 1.5 ms)" \
    awk -v t="$tint" 'BEGIN { k = t / 1.5; exit !(t > 0 && (k - int(k + 0.5)) ^ 2 < 1e-12) }'
check "interrupted: process 0 says so once" test "$(grep -c 'interrupted; results so far' "$T/err")" = 1
# the spikes before min(interrupt, 300 ms) are the one-process run's (a loaded machine may be
# interrupted before 300 ms)
lim=$(awk -v t="$tint" 'BEGIN { print (t < 300 ? t : 300) }')
body "$T/int/spikes.tsv" | awk -v l="$lim" 'NR == 1 || $1 < l' >"$T/int.a"
body "$T/one/spikes.tsv" | awk -v l="$lim" 'NR == 1 || $1 < l' >"$T/int.b"
check "interrupted: the spikes before min($tint, 300) ms are the one-process run's" cmp -s "$T/int.a" "$T/int.b"

echo "1..$n"
[ "$fails" = 0 ]
