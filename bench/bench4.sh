#!/bin/sh
# bench4.sh -- hee-snn against Brian2 on Brette et al. (2007) benchmark 4
#
#   bench/bench4.sh [/path/to/hee-snn]        (make bench passes the built binary)
#
# Runs examples/brette-bench4.yaml with hee-snn REPS times (default 3) and the same network in
# Brian2 (bench/brian2_bench4.py, C++ standalone; generated and compiled once, untimed, then the
# compiled binary run REPS times), and prints a table of median wall times, spikes, mean rates
# and delivered synaptic events per wall second.
#
# "wall" is the whole process for both: network construction, 10 s simulated, spikes written
# (hee-snn: the hee-snn process; Brian2: the compiled 'main' binary alone).  "sim" is each
# simulator's own timing of its run (hee-snn: the summary's 'wall time', run and output, without
# building the network; Brian2: results/last_run_info.txt, the network run loop alone).
#
# Environment: PYTHON (default /usr/bin/python3, which must import brian2: Debian package
# python3-brian), REPS (default 3), KEEP=1 keeps the temporary directory.
# Exit status: 0 success; 1 a run failed or the mean rates differ by more than 10%;
# 2 Brian2 or hee-snn unavailable.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
hee=${1:-$srcdir/src/hee-snn}
net=$srcdir/examples/brette-bench4.yaml
py=${PYTHON:-/usr/bin/python3}
reps=${REPS:-3}

if [ ! -x "$hee" ]; then
    echo "bench4.sh: hee-snn binary '$hee' not found or not executable (run make first)" >&2
    exit 2
fi
if ! "$py" -W ignore -c 'import brian2' >/dev/null 2>&1; then
    echo "bench4.sh: Brian2 is not importable by $py; install it with" >&2
    echo "    apt-get install python3-brian      (or set PYTHON to an interpreter with brian2)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hee-bench4.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "bench4.sh: keeping $tmp" >&2
else
    trap 'rm -rf "$tmp"' EXIT
fi

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

# --- hee-snn ---------------------------------------------------------------------------------
: >"$tmp/hee-wall"
: >"$tmp/hee-sim"
i=1
while [ "$i" -le "$reps" ]; do
    rm -rf "$tmp/hee-out"
    t0=$(date +%s.%N)
    "$hee" run "$net" --output "$tmp/hee-out" >"$tmp/hee-summary" 2>"$tmp/hee-stderr" || {
        echo "bench4.sh: hee-snn failed:" >&2; cat "$tmp/hee-stderr" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >>"$tmp/hee-wall"
    sed -n 's/^wall time: \([0-9.]*\) s.*/\1/p' "$tmp/hee-summary" >>"$tmp/hee-sim"
    i=$((i + 1))
done
hee_wall=$(median <"$tmp/hee-wall")
hee_sim=$(median <"$tmp/hee-sim")
# Summary of the last run: "hee-snn V: network 'N', seed S, T ms simulated", one row per
# population (name model neurons spikes rate_hz), "synaptic events: E (...)".
hee_T=$(sed -n '1s/.*, \([0-9.e+]*\) ms simulated.*/\1/p' "$tmp/hee-summary")
hee_neurons=$(awk '$1 == "population" { p = 1; next } p && NF == 5 { n += $3 } END { print n }' \
    "$tmp/hee-summary")
hee_spikes=$(awk '$1 == "population" { p = 1; next } p && NF == 5 { s += $4 } END { print s }' \
    "$tmp/hee-summary")
hee_events=$(sed -n 's/^synaptic events: \([0-9]*\).*/\1/p' "$tmp/hee-summary")
# Cross-check against spikes.tsv: '#' comments, one header line, one spike per line.
tsv_spikes=$(grep -vc '^#' "$tmp/hee-out/spikes.tsv")
tsv_spikes=$((tsv_spikes - 1))
if [ -z "$hee_spikes" ] || [ -z "$hee_events" ] || [ -z "$hee_T" ] ||
   [ "$tsv_spikes" -ne "$hee_spikes" ]; then
    echo "bench4.sh: cannot read the hee-snn summary (or spikes.tsv has $tsv_spikes spikes):" >&2
    cat "$tmp/hee-summary" >&2
    exit 1
fi
hee_rate=$(echo "$hee_spikes $hee_neurons $hee_T" | awk '{ printf "%.4f", $1 / ($2 * $3 * 1e-3) }')

# --- Brian2 ----------------------------------------------------------------------------------
"$py" "$here/brian2_bench4.py" --dir "$tmp/brian2" --reps "$reps" \
    --duration "$(echo "$hee_T" | awk '{ print $1 / 1000 }')" \
    >"$tmp/b2-out" 2>"$tmp/b2-err" || {
    echo "bench4.sh: the Brian2 script failed:" >&2; cat "$tmp/b2-err" "$tmp/b2-out" >&2; exit 1; }
b2line=$(grep '^brian2 ' "$tmp/b2-out" | tail -n 1)
field() { echo "$b2line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
b2_wall=$(field wall_s)
b2_sim=$(field run_s)
b2_spikes=$(field spikes)
b2_rate=$(field rate_hz)
b2_events=$(field syn_events)
if [ -z "$b2_wall" ] || [ -z "$b2_spikes" ] || [ -z "$b2_events" ]; then
    echo "bench4.sh: cannot read the Brian2 result line:" >&2; cat "$tmp/b2-out" "$tmp/b2-err" >&2
    exit 1
fi

echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hee-snn wall per run (s): $(tr '\n' ' ' <"$tmp/hee-wall")"
grep '^# ' "$tmp/b2-err" | sed 's/^# /brian2: /'
echo
echo "Brette et al. (2007) benchmark 4: $hee_neurons LIF neurons, ${hee_T} ms simulated," \
     "median of $reps runs"
awk -v hw="$hee_wall" -v hs="$hee_sim" -v hn="$hee_spikes" -v hr="$hee_rate" -v he="$hee_events" \
    -v bw="$b2_wall" -v bs="$b2_sim" -v bn="$b2_spikes" -v br="$b2_rate" -v be="$b2_events" '
BEGIN {
    fmt = "%-10s %10s %9s %10s %11s %16s\n"
    printf fmt, "simulator", "wall_s", "sim_s", "spikes", "rate_hz", "syn_events/s"
    printf "%-10s %10.3f %9.3f %10d %11.4f %16.4g\n", "hee-snn", hw, hs, hn, hr, he / hw
    printf "%-10s %10.3f %9.3f %10d %11.4f %16.4g\n", "brian2", bw, bs, bn, br, be / bw
    printf "\nsynaptic events: hee-snn %d, brian2 %d\n", he, be
    printf "wall ratio brian2/hee-snn: %.3f   (sim ratio %.3f)\n", bw / hw, bs / hs
    d = (hr - br) / br
    printf "relative rate difference (hee-snn - brian2) / brian2: %+.2f%%\n", 100 * d
    if (d < 0) d = -d
    exit d > 0.10
}' || { echo "bench4.sh: mean rates differ by more than 10%" >&2; exit 1; }
