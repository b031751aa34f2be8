"""What the Brian2 benchmark scripts (brian2_bench4.py, brian2_brunel.py, brian2_ns.py) share.

The command line (--dir, --reps, --duration, --seed), the cpp_standalone setup (one thread,
dt 0.1 ms, a one-job compile that is not timed), building and timing the compiled binary, the
fixed in-degree projections between an excitatory and an inhibitory group, the synapse count
read back from the binary's results, and the result lines bench/engine.sh reads.
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


def arguments(doc, duration):
    """The common command line; the caller adds its own options and parses."""
    ap = argparse.ArgumentParser(description=doc.split('\n')[0])
    ap.add_argument('--dir', default=None,
                    help='standalone project directory (default: a new temporary directory)')
    ap.add_argument('--reps', type=int, default=3, help='runs of the compiled binary (median)')
    ap.add_argument('--duration', type=float, default=duration, help='simulated time in s')
    ap.add_argument('--seed', type=int, default=1)
    return ap


def standalone(args, prefix):
    """Import Brian2 and set up the cpp_standalone device; returns (brian2, project dir)."""
    import warnings
    warnings.filterwarnings('ignore', category=FutureWarning)   # numpy/pythran noise on import
    import brian2 as b2
    b2.prefs.logging.console_log_level = 'WARNING'
    directory = args.dir or tempfile.mkdtemp(prefix=prefix)
    b2.set_device('cpp_standalone', directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0   # single thread, like hee-snn
    # The build is not timed: one compiler at a time leaves the machine's other core alone.
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ['-j1']
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(args.seed)
    return b2, directory


def fixed_indegree(b2, groups, on_pre, delay=None):
    """Synapses from each of groups [(group, name, in-degree, weight, first global index)] to
    each, every target with exactly its in-degree of distinct sources (none itself); returns
    [(Synapses, global index of the first source, of the first target)]."""
    syns = []
    for src, src_name, kin, weight, src0 in groups:
        for dst, dst_name, _, _, dst0 in groups:
            kw = {} if delay is None else {'delay': delay}
            s = b2.Synapses(src, dst, 'w : volt (constant, shared)', on_pre=on_pre,
                            name=f'syn_{src_name}_{dst_name}', **kw)
            if src_name == dst_name:   # no self-connections: skip the target's own index
                s.connect(i=f'k + int(k >= j) for k in sample(N_pre - 1, size={kin})')
            else:
                s.connect(i=f'k for k in sample(N_pre, size={kin})')
            s.w = weight
            syns.append((s, src0, dst0))
    return syns


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


def build_and_time(b2, net, args, directory, namespace):
    """Run net for args.duration (generating code; its equations' constants come from
    namespace, the caller's locals()), compile it untimed, time the binary args.reps times and
    let the device read its results back; returns a dict of timings."""
    net.run(args.duration * b2.second, namespace=namespace)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False)
    timing = {'build': time.perf_counter() - t0, 'walls': [], 'runs': [], 'rss': []}
    binary = os.path.join(directory, 'main')
    for _ in range(args.reps):
        wall, kb = run_timed(binary, directory)
        timing['walls'].append(wall)
        timing['rss'].append(kb)
        with open(os.path.join(directory, 'results', 'last_run_info.txt')) as f:
            run_time, _completed = f.read().split()
        timing['runs'].append(float(run_time))
    from brian2.devices.device import get_device
    get_device().has_been_run = True   # the binary's results are on disk
    return timing


def outdegrees(syns, n, check_indegree):
    """Out-degree of every neuron (global index) over syns, with no self-connection and, when
    check_indegree, every target's in-degree the same within each Synapses."""
    outdeg = np.zeros(n, dtype=np.int64)
    for s, pre0, post0 in syns:
        pre, post = np.asarray(s.i[:]) + pre0, np.asarray(s.j[:]) + post0   # global indices
        assert not (pre == post).any(), 'self-connection'
        if check_indegree:
            indeg = np.bincount(post - post0, minlength=len(s.target))
            assert (indeg == indeg[0]).all(), 'in-degree not fixed'
        outdeg += np.bincount(pre, minlength=n)
    return outdeg


def report(b2, directory, timing, detail, fields, reps):
    """The notes on standard error (lines starting '# ') and the result line engine.sh reads:
    'brian2 wall_s=... run_s=... FIELDS maxrss_kb=... reps=...'."""
    walls, runs, rss = timing['walls'], timing['runs'], timing['rss']
    print(f'# brian2 {b2.__version__}, project {directory}, build {timing["build"]:.1f} s '
          f'(not timed)', file=sys.stderr)
    print(f'# binary wall times (s): {" ".join(f"{x:.3f}" for x in walls)}; '
          f'network run times (s): {" ".join(f"{x:.3f}" for x in runs)}', file=sys.stderr)
    print(f'# {detail}', file=sys.stderr)
    print(f'brian2 wall_s={statistics.median(walls):.4f} run_s={statistics.median(runs):.4f} '
          f'{fields} maxrss_kb={max(rss) if rss else 0} reps={reps}')
