#!/usr/bin/python3
"""Brette et al. (2007) benchmark 4 (LIF with delta-current synapses) in Brian2 standalone mode.

The same network as examples/brette-bench4.yaml: 4000 LIF neurons (3200 excitatory, 800
inhibitory), tau_m 20 ms, v_rest -49 mV (above threshold, so every neuron fires on its own),
v_thresh -50 mV, v_reset -60 mV, t_ref 5 ms, v(0) uniform in [-60, -50] mV, random connectivity
with p = 0.02 and no self-connections (hee-snn's default 'autapses: false'; exc and inh are
disjoint, so 'i != j' over the whole group is exactly that), voltage jumps +0.25 mV (exc) and
-2.25 mV (inh), zero delay, 10 s, time step 0.1 ms.

--scale S --fixed-indegree is the scaled network of bench/engine.sh (S = 100: 400,000 neurons,
320,000 exc and 80,000 inh, 1 s): both populations multiplied by S, and every neuron receives
exactly the 4000-neuron network's expected in-degree, 64 excitatory (0.02 x 3200) and 16
inhibitory (0.02 x 800) inputs, without self-connections (hee-snn: 'fixed_indegree: 64' and
'fixed_indegree: 16').  Brian2 draws them with its generator syntax over the postsynaptic
neuron, i='k for k in sample(N_pre, size=64)', in the compiled binary (so building the network
is part of the timed run, as in hee-snn); within a population the source index k of N_pre - 1
is shifted past the target.  --scale without --fixed-indegree is refused (at p = 0.02 the
in-degree would grow with the size).

Input arriving during the refractory period is lost, as in hee-snn's lif model (models/lif.c):
Brian2 gives a variable marked '(unless refractory)' a conditional write on not_refractory, so
the generated synaptic code for 'v_post += w' is 'if (not_refractory) v_post += w'.

The C++ project is generated and compiled once (not timed); then the compiled binary 'main' is
run --reps times and each run is timed alone with time.perf_counter (whole process: network
construction, 10 s of simulation, writing the results), under /usr/bin/time -v when it exists,
for the peak resident memory.  The median is reported as wall_s, the median of Brian2's own
timing of the network run (results/last_run_info.txt, simulation loop only) as run_s, and the
largest peak as maxrss_kb (0 without /usr/bin/time).  Last line printed, machine-readable:

    brian2 wall_s=... run_s=... spikes=... rate_hz=... syn_events=... synapses=... reps=...
           neurons=... maxrss_kb=...

(on one line).

syn_events is the number of delivered synaptic events: the sum over all spikes of the
out-degree of the spiking neuron.

Use /usr/bin/python3 (Debian's python3-brian), e.g.
    /usr/bin/python3 bench/brian2_bench4.py --dir /tmp/b2 --reps 3
"""
import numpy as np

import brian2_common as bc

def main():
    ap = bc.arguments(__doc__, 10.0)
    ap.add_argument('--scale', type=int, default=1,
                    help='multiply both population sizes (needs --fixed-indegree)')
    ap.add_argument('--fixed-indegree', action='store_true',
                    help='exactly 64 exc and 16 inh inputs per neuron instead of p = 0.02')
    args = ap.parse_args()
    if args.scale < 1 or (args.scale != 1 and not args.fixed_indegree):
        ap.error('--scale must be a positive integer, and other than 1 only with --fixed-indegree')
    b2, directory = bc.standalone(args, 'brian2-bench4-')
    from brian2 import ms, mV

    n_exc, n_inh = 3200 * args.scale, 800 * args.scale
    n = n_exc + n_inh
    tau_m = 20 * ms
    v_rest, v_thresh, v_reset = -49 * mV, -50 * mV, -60 * mV
    t_ref = 5 * ms
    w_exc, w_inh = 0.25 * mV, -2.25 * mV
    p = 0.02
    k_exc, k_inh = round(p * 3200), round(p * 800)   # 64, 16: the 4000-neuron network's mean

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
    # syns: (Synapses, global index of its first source, of its first target)
    if not args.fixed_indegree:
        s_exc = b2.Synapses(exc, g, 'w : volt (constant, shared)', on_pre=on_pre, name='syn_exc')
        s_exc.connect(condition='i != j', p=p)   # source index i, target j in the whole group
        s_exc.w = w_exc
        s_inh = b2.Synapses(inh, g, 'w : volt (constant, shared)', on_pre=on_pre, name='syn_inh')
        s_inh.connect(condition=f'i + {n_exc} != j', p=p)   # i counts from 0 inside inh
        s_inh.w = w_inh
        syns = [(s_exc, 0, 0), (s_inh, n_exc, 0)]
    else:
        syns = bc.fixed_indegree(b2, [(exc, 'exc', k_exc, w_exc, 0),
                                      (inh, 'inh', k_inh, w_inh, n_exc)], on_pre)
    mon = b2.SpikeMonitor(g, name='spikemon')

    # An explicit Network: b2.run() would collect only the objects named by local variables.
    net = b2.Network(g, mon, *(s for s, _, _ in syns))
    timing = bc.build_and_time(b2, net, args, directory, locals())
    spikes_i = np.asarray(mon.i[:])
    outdeg = bc.outdegrees(syns, n, args.fixed_indegree)
    nsyn = int(outdeg.sum())
    nspk = int(spikes_i.size)
    nspk_exc = int((spikes_i < n_exc).sum())
    syn_events = int(outdeg[spikes_i].sum())
    rate = nspk / (n * args.duration)
    bc.report(b2, directory, timing,
              f'exc {nspk_exc} spikes ({nspk_exc / (n_exc * args.duration):.4f} Hz), '
              f'inh {nspk - nspk_exc} spikes ({(nspk - nspk_exc) / (n_inh * args.duration):.4f} '
              f'Hz), {nsyn} synapses',
              f'spikes={nspk} rate_hz={rate:.4f} syn_events={syn_events} synapses={nsyn} '
              f'neurons={n}', args.reps)

if __name__ == '__main__':
    main()
