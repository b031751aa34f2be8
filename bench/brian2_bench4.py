#!/usr/bin/python3
"""Brette et al. (2007) benchmark 4 (LIF with delta-current synapses) in Brian2 standalone mode.

The same network as examples/brette-bench4.yaml: 4000 LIF neurons (3200 excitatory, 800
inhibitory), tau_m 20 ms, v_rest -49 mV (above threshold, so every neuron fires on its own),
v_thresh -50 mV, v_reset -60 mV, t_ref 5 ms, v(0) uniform in [-60, -50] mV, random connectivity
with p = 0.02 and no self-connections (hee-snn's default 'autapses: false'; exc and inh are
disjoint, so 'i != j' over the whole group is exactly that), voltage jumps +0.25 mV (exc) and
-2.25 mV (inh), zero delay, 10 s, time step 0.1 ms.

Input arriving during the refractory period is lost, as in hee-snn's lif model (models/lif.c):
Brian2 gives a variable marked '(unless refractory)' a conditional write on not_refractory, so
the generated synaptic code for 'v_post += w' is 'if (not_refractory) v_post += w'.

The C++ project is generated and compiled once (not timed); then the compiled binary 'main' is
run --reps times and each run is timed alone with time.perf_counter (whole process: network
construction, 10 s of simulation, writing the results).  The median is reported as wall_s, and the
median of Brian2's own timing of the network run (results/last_run_info.txt, simulation loop
only) as run_s.  Last line printed, machine-readable:

    brian2 wall_s=... run_s=... spikes=... rate_hz=... syn_events=... synapses=... reps=...

syn_events is the number of delivered synaptic events: the sum over all spikes of the
out-degree of the spiking neuron.

Use /usr/bin/python3 (Debian's python3-brian), e.g.
    /usr/bin/python3 bench/brian2_bench4.py --dir /tmp/b2 --reps 3
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', default=None,
                    help='standalone project directory (default: a new temporary directory)')
    ap.add_argument('--reps', type=int, default=3, help='runs of the compiled binary (median)')
    ap.add_argument('--duration', type=float, default=10.0, help='simulated time in s')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()

    import warnings
    warnings.filterwarnings('ignore', category=FutureWarning)   # numpy/pythran noise on import
    import brian2 as b2
    from brian2 import ms, mV, second
    from brian2.devices.device import get_device

    b2.prefs.logging.console_log_level = 'WARNING'
    directory = args.dir or tempfile.mkdtemp(prefix='brian2-bench4-')
    b2.set_device('cpp_standalone', directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0   # single thread, like hee-snn
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(args.seed)

    n_exc, n_inh = 3200, 800
    n = n_exc + n_inh
    tau_m = 20 * ms
    v_rest, v_thresh, v_reset = -49 * mV, -50 * mV, -60 * mV
    t_ref = 5 * ms
    w_exc, w_inh = 0.25 * mV, -2.25 * mV
    p = 0.02

    eqs = 'dv/dt = (v_rest - v) / tau_m : volt (unless refractory)'
    g = b2.NeuronGroup(n, eqs, threshold='v > v_thresh', reset='v = v_reset',
                       refractory=t_ref, method='exact', name='neurons')
    g.v = 'v_reset + rand() * (v_thresh - v_reset)'
    exc = g[:n_exc]
    inh = g[n_exc:]

    # v is '(unless refractory)', so Brian2 applies this only to non-refractory targets.
    on_pre = 'v_post += w'
    # No delay argument: Brian2's default is zero delay (the no-delay code path; an explicit
    # 'delay=0*ms' is accepted too and gives the same result).
    s_exc = b2.Synapses(exc, g, 'w : volt (constant, shared)', on_pre=on_pre, name='syn_exc')
    s_exc.connect(condition='i != j', p=p)   # source index i, target j in the whole group
    s_exc.w = w_exc
    s_inh = b2.Synapses(inh, g, 'w : volt (constant, shared)', on_pre=on_pre, name='syn_inh')
    s_inh.connect(condition=f'i + {n_exc} != j', p=p)   # i counts from 0 inside inh
    s_inh.w = w_inh
    mon = b2.SpikeMonitor(g, name='spikemon')

    b2.run(args.duration * second)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False)
    t_build = time.perf_counter() - t0

    binary = os.path.join(directory, 'main')
    walls, runs = [], []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        subprocess.run([binary], cwd=directory, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        with open(os.path.join(directory, 'results', 'last_run_info.txt')) as f:
            run_time, completed = f.read().split()
        runs.append(float(run_time))

    # The binary's results are on disk; let the device read them back.
    get_device().has_been_run = True
    spikes_i = np.asarray(mon.i[:])
    pre_exc, pre_inh = np.asarray(s_exc.i[:]), np.asarray(s_inh.i[:]) + n_exc   # global indices
    assert not (pre_exc == np.asarray(s_exc.j[:])).any(), 'self-connection'
    assert not (pre_inh == np.asarray(s_inh.j[:])).any(), 'self-connection'
    deg = np.bincount(pre_exc, minlength=n_exc)
    deg_inh = np.bincount(pre_inh - n_exc, minlength=n_inh)
    outdeg = np.concatenate([deg, deg_inh])
    nsyn = int(outdeg.sum())
    nspk = int(spikes_i.size)
    nspk_exc = int((spikes_i < n_exc).sum())
    syn_events = int(outdeg[spikes_i].sum())
    rate = nspk / (n * args.duration)

    wall, run_s = statistics.median(walls), statistics.median(runs)
    print(f'# brian2 {b2.__version__}, project {directory}, build {t_build:.1f} s (not timed)',
          file=sys.stderr)
    print(f'# binary wall times (s): {" ".join(f"{x:.3f}" for x in walls)}; '
          f'network run times (s): {" ".join(f"{x:.3f}" for x in runs)}', file=sys.stderr)
    print(f'# exc {nspk_exc} spikes ({nspk_exc / (n_exc * args.duration):.4f} Hz), '
          f'inh {nspk - nspk_exc} spikes ({(nspk - nspk_exc) / (n_inh * args.duration):.4f} Hz), '
          f'{nsyn} synapses', file=sys.stderr)
    print(f'brian2 wall_s={wall:.4f} run_s={run_s:.4f} spikes={nspk} rate_hz={rate:.4f} '
          f'syn_events={syn_events} synapses={nsyn} reps={args.reps}')


if __name__ == '__main__':
    main()
