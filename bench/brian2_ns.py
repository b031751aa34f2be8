#!/usr/bin/python3
"""Sparse neural-sampling network of 1,000 units (Buesing et al. 2011) in Brian2 standalone mode.

The same network as bench/ns-1000.yaml: 1000 binary units, each pair connected with
probability 0.02 (no self-connections), weights N(0, 0.2^2) per synapse, biases N(-1, 0.5^2),
tau = 10 ms, 100 s, time step 0.1 ms.  Unit k has the membrane u_k = b_k + sum_i w_ki z_i, where
z_i = 1 for tau after each spike of unit i; while not refractory it fires with hazard
exp(u_k) / tau, after a spike it is refractory for tau.

In Brian2: u is b + I, the threshold 'rand() < -expm1(-exp(u) dt / tau)' (the probability of a
spike in one step of the constant hazard), refractory=tau, and every synapse has two pathways,
'onset' (I_post += w, no delay) and 'offset' (I_post -= w, delay tau): the rectangular PSP.
hee-snn simulates the same process exactly in continuous time (doc/models.md); Brian2 puts the
spikes and the refractory period on the 0.1 ms grid.

The C++ project is generated and compiled once (not timed); then the compiled binary 'main' is
run --reps times and each run is timed alone with time.perf_counter (whole process: network
construction, simulation, writing the results), under /usr/bin/time -v when it exists, for the
peak resident memory.  The median is reported as wall_s, the median of Brian2's own timing of
the network run (results/last_run_info.txt, simulation loop only) as run_s, and the largest
peak as maxrss_kb (0 without /usr/bin/time).  Last line printed, machine-readable:

    brian2 wall_s=... run_s=... neurons=... spikes=... rate_hz=... syn_events=... synapses=...
           maxrss_kb=... reps=...

(on one line).  syn_events counts two delivered events per synapse and spike, the onset and the
offset, as hee-snn's summary does (offsets due after the end are counted too).

Use /usr/bin/python3 (Debian's python3-brian), e.g.
    /usr/bin/python3 bench/brian2_ns.py --dir /tmp/b2 --reps 3
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

TIME = '/usr/bin/time'


def run_timed(binary, directory):
    """Run the compiled binary once; return (wall seconds, peak RSS in kB or 0)."""
    cmd = [binary]
    rss_file = os.path.join(directory, 'time-v.txt')
    if os.access(TIME, os.X_OK):
        cmd = [TIME, '-v', '-o', rss_file, binary]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=directory, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    rss = 0
    if cmd[0] == TIME:
        with open(rss_file) as f:
            for line in f:
                if 'Maximum resident set size' in line:
                    rss = int(line.split(':')[1])
    return wall, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', default=None,
                    help='standalone project directory (default: a new temporary directory)')
    ap.add_argument('--reps', type=int, default=3, help='runs of the compiled binary (median)')
    ap.add_argument('--duration', type=float, default=100.0, help='simulated time in s')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()

    import warnings
    warnings.filterwarnings('ignore', category=FutureWarning)   # numpy/pythran noise on import
    import brian2 as b2
    from brian2 import ms, second
    from brian2.devices.device import get_device

    b2.prefs.logging.console_log_level = 'WARNING'
    directory = args.dir or tempfile.mkdtemp(prefix='brian2-ns-')
    b2.set_device('cpp_standalone', directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0   # single thread, like hee-snn
    # The build is not timed: one compiler at a time leaves the machine's other core alone.
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ['-j1']
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(args.seed)

    n = 1000
    tau = 10 * ms
    p = 0.02
    w_sd = 0.2
    b_mean, b_sd = -1.0, 0.5

    eqs = '''u = b + I : 1
             I : 1
             b : 1 (constant)'''
    grp = b2.NeuronGroup(n, eqs, threshold='rand() < -expm1(-exp(u) * dt / tau)',
                         refractory=tau, name='units')
    grp.b = 'b_mean + b_sd * randn()'
    syn = b2.Synapses(grp, grp, 'w : 1 (constant)',
                      on_pre={'onset': 'I_post += w', 'offset': 'I_post -= w'},
                      delay={'offset': tau}, name='syn')
    syn.connect(condition='i != j', p=p)
    syn.w = 'w_sd * randn()'
    mon = b2.SpikeMonitor(grp, name='spikemon')

    b2.run(args.duration * second)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False)
    t_build = time.perf_counter() - t0

    binary = os.path.join(directory, 'main')
    walls, runs, rss = [], [], []
    for _ in range(args.reps):
        wall, kb = run_timed(binary, directory)
        walls.append(wall)
        rss.append(kb)
        with open(os.path.join(directory, 'results', 'last_run_info.txt')) as f:
            run_time, completed = f.read().split()
        runs.append(float(run_time))

    # The binary's results are on disk; let the device read them back.
    get_device().has_been_run = True
    spikes_i = np.asarray(mon.i[:])
    pre, post = np.asarray(syn.i[:]), np.asarray(syn.j[:])
    assert not (pre == post).any(), 'self-connection'
    outdeg = np.bincount(pre, minlength=n)
    nsyn = int(outdeg.sum())
    nspk = int(spikes_i.size)
    syn_events = 2 * int(outdeg[spikes_i].sum())
    rate = nspk / (n * args.duration)

    wall, run_s = statistics.median(walls), statistics.median(runs)
    print(f'# brian2 {b2.__version__}, project {directory}, build {t_build:.1f} s (not timed)',
          file=sys.stderr)
    print(f'# binary wall times (s): {" ".join(f"{x:.3f}" for x in walls)}; '
          f'network run times (s): {" ".join(f"{x:.3f}" for x in runs)}', file=sys.stderr)
    print(f'# {nspk} spikes ({rate:.4f} Hz), {nsyn} synapses', file=sys.stderr)
    print(f'brian2 wall_s={wall:.4f} run_s={run_s:.4f} neurons={n} spikes={nspk} '
          f'rate_hz={rate:.4f} syn_events={syn_events} synapses={nsyn} '
          f'maxrss_kb={max(rss) if rss else 0} reps={args.reps}')


if __name__ == '__main__':
    main()
