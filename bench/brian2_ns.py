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
import numpy as np

import brian2_common as bc

def main():
    args = bc.arguments(__doc__, 100.0).parse_args()
    b2, directory = bc.standalone(args, 'brian2-ns-')
    from brian2 import ms

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

    timing = bc.build_and_time(b2, b2.Network(grp, syn, mon), args, directory, locals())
    spikes_i = np.asarray(mon.i[:])
    outdeg = bc.outdegrees([(syn, 0, 0)], n, False)
    nsyn = int(outdeg.sum())
    nspk = int(spikes_i.size)
    syn_events = 2 * int(outdeg[spikes_i].sum())
    rate = nspk / (n * args.duration)
    bc.report(b2, directory, timing, f'{nspk} spikes ({rate:.4f} Hz), {nsyn} synapses',
              f'neurons={n} spikes={nspk} rate_hz={rate:.4f} syn_events={syn_events} '
              f'synapses={nsyn}', args.reps)

if __name__ == '__main__':
    main()
