#!/bin/sh
# engine.sh -- hee-snn against Brian2 on networks of every size, one table
#
#   bench/engine.sh [/path/to/hee-snn]        (make bench passes the built binary)
#
# Networks (hee-snn file; Brian2 script; simulated time):
#   bench4-4k     Brette et al. (2007) benchmark 4, 4000 LIF, p = 0.02
#                 examples/brette-bench4.yaml; brian2_bench4.py; 10 s
#   bench4-400k   the same at 400,000 LIF (x100), fixed in-degree 64 exc + 16 inh
#                 examples/brette-bench4.yaml rewritten by sed; brian2_bench4.py --scale 100
#                 --fixed-indegree; 1 s
#   brunel-12.5k  Brunel (2000) Fig. 8 C, 12,500 LIF, in-degree 1000 + 250, delays 1.5 ms,
#                 20 kHz Poisson drive per neuron; bench/brunel-2000.yaml; brian2_brunel.py; 1 s
#   brunel-125k   the same at 125,000 LIF (x10), same in-degrees (only with HS_BENCH_BIG=1)
#                 bench/brunel-2000.yaml rewritten by sed; brian2_brunel.py --scale 10; 1 s
#   ns-1000       1000 neural-sampling units, p = 0.02 (fan-out 20); bench/ns-1000.yaml;
#                 brian2_ns.py; 100 s
#
# Each network runs in hee-snn REPS times and in Brian2 (C++ standalone, one thread: generated
# and compiled once, untimed, then the compiled binary run REPS times); one after the other,
# never two at once.  "wall" is the whole process, as in bench4.sh: building the network,
# simulating, writing the spikes (hee-snn: the hee-snn process; Brian2: the compiled 'main'
# binary alone), median of REPS.  Columns of the table:
#   neurons, synapses   as hee-snn builds them (validate --describe): LIF or sampling neurons
#                       and their recurrent synapses, not the Poisson sources of Brunel's drive
#                       and their one_to_one synapses (Brian2's PoissonInput has neither)
#   hee_s, brian2_s     median wall time (s)
#   hee/b2              hee_s / brian2_s (below 1: hee-snn is faster)
#   hee_ev/s, b2_ev/s   delivered synaptic events per wall second: hee-snn's summary line
#                       'synaptic events' (for Brunel plus the drive's expected arrivals,
#                       neurons x 20 kHz x T: lif's drive delivers through no synapse);
#                       Brian2's scripts count spikes x out-degree (neural sampling: x 2, onset
#                       and offset) plus, for Brunel, the expected external input events
#   hee_MB, b2_MB       peak resident memory of the process (/usr/bin/time -v 'Maximum resident
#                       set size'; largest of the REPS runs; '-' without /usr/bin/time)
#   hee_B/syn, b2_B/syn peak resident memory in bytes per synapse (Brian2: per its own synapses)
# Under the table: mean rates (a check that both simulate the same network) and each
# simulator's own timing of the run without building the network (hee-snn: summary 'wall
# time'; Brian2: results/last_run_info.txt).
#
# Environment: PYTHON (default /usr/bin/python3, which must import brian2: Debian package
# python3-brian), REPS (default 3; 1 with HS_BENCH_QUICK), HS_BENCH_QUICK=1 (every network for
# 50 ms only, to test this script in about a minute, most of it compiling Brian2),
# HS_BENCH_BIG=1 (add brunel-125k: several GB of memory), NETS (names of the networks to run,
# space-separated; default all of the above), BRIAN2_DIR (keep the Brian2 projects there, one
# directory per network: an unchanged project is not compiled again; default: in the temporary
# directory), KEEP=1 keeps the temporary directory, THREADS (hee-snn's --threads, default 1:
# the targets compare one thread with one; networks that do not run in slices use one anyway).
# Exit status: 0 success; 1 a run failed, a rewritten network has the wrong size, or the mean
# rates of a network differ by more than 10%; 2 Brian2 or hee-snn unavailable, or an unknown
# network name.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
hee=${1:-$srcdir/src/hee-snn}
py=${PYTHON:-/usr/bin/python3}
quick=${HS_BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then reps=${REPS:-1}; else reps=${REPS:-3}; fi
nets=${NETS:-bench4-4k bench4-400k brunel-12.5k ns-1000}
if [ -z "${NETS:-}" ] && [ "${HS_BENCH_BIG:-0}" = 1 ]; then
    nets="bench4-4k bench4-400k brunel-12.5k brunel-125k ns-1000"
fi
TIME=/usr/bin/time

if [ ! -x "$hee" ]; then
    echo "engine.sh: hee-snn binary '$hee' not found or not executable (run make first)" >&2
    exit 2
fi
if ! "$py" -W ignore -c 'import brian2' >/dev/null 2>&1; then
    echo "engine.sh: Brian2 is not importable by $py; install it with" >&2
    echo "    apt-get install python3-brian      (or set PYTHON to an interpreter with brian2)" >&2
    exit 2
fi
for net in $nets; do
    case $net in
        bench4-4k|bench4-400k|brunel-12.5k|brunel-125k|ns-1000) ;;
        *) echo "engine.sh: unknown network '$net' in NETS" >&2; exit 2 ;;
    esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hee-engine.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "engine.sh: keeping $tmp" >&2
else
    trap 'rm -rf "$tmp"' EXIT
fi
b2dir=${BRIAN2_DIR:-$tmp/brian2}
mkdir -p "$b2dir"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
fail() { echo "engine.sh: $*" >&2; exit 1; }
field() { echo "$b2line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }   # KEY=value of the Brian2 line

# network NAME: set yaml (the hee-snn file), dur_ms (simulated time), b2script, b2args, and
# want_n, want_syn (the expected neurons and synapses of a rewritten file, else empty).
network() {
    want_n=
    want_syn=
    case $1 in
    bench4-4k)
        yaml=$srcdir/examples/brette-bench4.yaml dur_ms=10000
        b2script=brian2_bench4.py b2args= ;;
    bench4-400k)
        yaml=$tmp/bench4-400k.yaml dur_ms=1000
        b2script=brian2_bench4.py b2args="--scale 100 --fixed-indegree"
        want_n=400000 want_syn=32000000
        sed -e 's/^name: brette-bench4$/name: brette-bench4-400k/' \
            -e 's/size: 3200$/size: 320000/' -e 's/size: 800$/size: 80000/' \
            -e '/from: exc,/s/{fixed_probability: 0\.02}/{fixed_indegree: 64}/' \
            -e '/from: inh,/s/{fixed_probability: 0\.02}/{fixed_indegree: 16}/' \
            "$srcdir/examples/brette-bench4.yaml" >"$yaml" ;;
    brunel-12.5k)
        yaml=$here/brunel-2000.yaml dur_ms=1000
        b2script=brian2_brunel.py b2args= ;;
    brunel-125k)
        yaml=$tmp/brunel-125k.yaml dur_ms=1000
        b2script=brian2_brunel.py b2args="--scale 10"
        want_n=125000 want_syn=156250000
        sed -e 's/^name: brunel-2000$/name: brunel-2000-125k/' \
            -e 's/size: 10000$/size: 100000/' -e 's/size: 10000,/size: 100000,/' \
            -e 's/size: 2500$/size: 25000/' -e 's/size: 2500,/size: 25000,/' \
            "$here/brunel-2000.yaml" >"$yaml" ;;
    ns-1000)
        yaml=$here/ns-1000.yaml dur_ms=100000
        b2script=brian2_ns.py b2args= ;;
    esac
    if [ "$quick" = 1 ]; then dur_ms=50; fi
}

# timed OUT CMD...: run CMD with standard output to OUT.stdout and error to OUT.stderr; append
# its wall time (s) to OUT.wall and its peak resident memory (kB) to OUT.rss.
timed() {
    out=$1
    shift
    t0=$(date +%s.%N)
    if [ -x "$TIME" ]; then
        "$TIME" -v -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr" || return 1
    else
        "$@" >"$out.stdout" 2>"$out.stderr" || return 1
    fi
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >>"$out.wall"
    if [ -x "$TIME" ]; then
        sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$out.time" >>"$out.rss"
    fi
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
if [ "$quick" = 1 ]; then
    echo "HS_BENCH_QUICK=1: every network for 50 ms only (not a measurement)"
fi
: >"$tmp/rows"
: >"$tmp/notes"
for net in $nets; do
    network "$net"
    d=$tmp/$net
    mkdir -p "$d"
    # --- hee-snn: size of the network, then REPS runs ---------------------------------------
    "$hee" validate --describe "$yaml" >"$d/describe" 2>"$d/describe.err" || {
        cat "$d/describe.err" >&2; fail "$net: hee-snn validate failed"; }
    # "  population NAME MODEL N neurons", "  projection A -> B: S synapses, delay D ms"
    n=$(awk '$1 == "population" { model[$2] = $3; if ($3 != "poisson") n += $4 }
             END { print n + 0 }' "$d/describe")
    syn=$(awk '$1 == "population" { model[$2] = $3 }
               $1 == "projection" && model[$2] != "poisson" { s += $5 }
               END { printf "%d\n", s }' "$d/describe")
    if [ -n "$want_n" ] && { [ "$n" != "$want_n" ] || [ "$syn" != "$want_syn" ]; }; then
        cat "$d/describe" >&2
        fail "$net: the rewritten network has $n neurons and $syn synapses" \
             "(want $want_n and $want_syn): has examples/ changed?"
    fi
    echo "engine.sh: $net: $n neurons, $syn synapses, $dur_ms ms; hee-snn x $reps" >&2
    i=1
    while [ "$i" -le "$reps" ]; do
        rm -rf "$d/hee-out"
        timed "$d/hee" "$hee" run "$yaml" --duration "$dur_ms ms" --output "$d/hee-out" \
            --threads "${THREADS:-1}" || {
            cat "$d/hee.stderr" >&2; fail "$net: hee-snn failed"; }
        sed -n 's/^wall time: \([0-9.]*\) s.*/\1/p' "$d/hee.stdout" >>"$d/hee.sim"
        i=$((i + 1))
    done
    hee_wall=$(median <"$d/hee.wall")
    hee_sim=$(median <"$d/hee.sim")
    hee_rss=$( { sort -g "$d/hee.rss" 2>/dev/null || true; } | tail -n 1)
    # Summary: one row per population (name model neurons spikes rate_hz), then
    # "synaptic events: E (...)".  Spikes of the Poisson sources are not counted in the rate.
    hee_spikes=$(awk '$1 == "population" { p = 1; next }
                      p && NF == 5 && $2 != "poisson" { s += $4 } END { print s + 0 }' \
        "$d/hee.stdout")
    hee_events=$(sed -n 's/^synaptic events: \([0-9]*\).*/\1/p' "$d/hee.stdout")
    case $net in   # lif's own Poisson drive delivers through no synapse: its expected arrivals,
    brunel-*)      # counted as Brian2's script counts its PoissonInput
        [ -n "$hee_events" ] &&
            hee_events=$(echo "$hee_events $n $dur_ms" | awk '{ printf "%.0f", $1 + $2 * 20 * $3 }') ;;
    esac
    if [ -z "$hee_events" ] || [ -z "$hee_sim" ]; then
        cat "$d/hee.stdout" >&2; fail "$net: cannot read the hee-snn summary"
    fi

    # --- Brian2 ------------------------------------------------------------------------------
    echo "engine.sh: $net: Brian2 (build, then x $reps)" >&2
    # shellcheck disable=SC2086  # b2args: words on purpose
    "$py" "$here/$b2script" --dir "$b2dir/$net" --reps "$reps" \
        --duration "$(echo "$dur_ms" | awk '{ print $1 / 1000 }')" $b2args \
        >"$d/b2.out" 2>"$d/b2.err" || {
        cat "$d/b2.err" "$d/b2.out" >&2; fail "$net: the Brian2 script failed"; }
    b2line=$(grep '^brian2 ' "$d/b2.out" | tail -n 1)
    b2_wall=$(field wall_s)
    b2_sim=$(field run_s)
    b2_spikes=$(field spikes)
    b2_events=$(field syn_events)
    b2_syn=$(field synapses)
    b2_rss=$(field maxrss_kb)
    if [ -z "$b2_wall" ] || [ -z "$b2_spikes" ] || [ -z "$b2_events" ] || [ -z "$b2_syn" ]; then
        cat "$d/b2.out" "$d/b2.err" >&2; fail "$net: cannot read the Brian2 result line"
    fi
    grep '^# ' "$d/b2.err" | sed "s/^# /brian2 $net: /" >>"$tmp/notes"

    echo "$net $n $syn $dur_ms $hee_wall $b2_wall $hee_events $b2_events ${hee_rss:-0}" \
         "${b2_rss:-0} $b2_syn $hee_spikes $b2_spikes $hee_sim $b2_sim" >>"$tmp/rows"
done

echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$tmp/notes"
echo
echo "hee-snn $("$hee" --version 2>/dev/null | head -n 1 | sed 's/^hee-snn //') against Brian2," \
     "one thread each, median wall time of $reps run(s), whole process"
awk '
function mb(kb) { return kb > 0 ? sprintf("%.1f", kb / 1024) : "-" }
function bps(kb, s) { return kb > 0 && s > 0 ? sprintf("%.1f", kb * 1024 / s) : "-" }
BEGIN {
    fmt = "%-13s %8s %11s %7s %9s %9s %7s %9s %9s %8s %8s %9s %9s\n"
    printf fmt, "network", "neurons", "synapses", "T_s", "hee_s", "brian2_s", "hee/b2", \
        "hee_ev/s", "b2_ev/s", "hee_MB", "b2_MB", "hee_B/syn", "b2_B/syn"
}
{
    printf fmt, $1, $2, $3, $4 / 1000, sprintf("%.3f", $5), sprintf("%.3f", $6), \
        sprintf("%.3f", $5 / $6), sprintf("%.3g", $7 / $5), sprintf("%.3g", $8 / $6), \
        mb($9), mb($10), bps($9, $3), bps($10, $11)
}' "$tmp/rows"
echo
echo "mean rate (Hz) hee-snn / brian2, and own timing of the run without building (s):"
awk '{
    hr = $12 / ($2 * $4 / 1000); br = $13 / ($2 * $4 / 1000); d = (hr - br) / br
    printf "  %-13s %10.4f / %-10.4f (%+6.2f%%)   run %.3f / %.3f%s\n", $1, hr, br, 100 * d, \
        $14, $15, (d > 0.10 || d < -0.10) ? "   RATES DIFFER BY MORE THAN 10%" : ""
    if (d > 0.10 || d < -0.10) bad = 1
} END { exit bad }' "$tmp/rows" || fail "mean rates differ by more than 10%"
