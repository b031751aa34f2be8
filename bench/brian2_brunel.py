#!/usr/bin/python3
"""Brunel (2000) sparse network, Fig. 8 C (g = 5, nu_ext = 2 nu_thr), in Brian2 standalone mode.

The same network as bench/brunel-2000.yaml: 12,500 LIF neurons (10,000 excitatory, 2,500
inhibitory) with delta-current synapses, tau_m 20 ms, rest 0 mV, threshold 20 mV, reset 10 mV,
refractory 2 ms, v(0) uniform in [0, 20) mV.  Every neuron receives exactly C_E = 1000
excitatory and C_I = 250 inhibitory inputs, no self-connections (hee-snn's fixed_indegree with
'autapses: false'), J = 0.1 mV, -g J = -0.5 mV, every delay 1.5 ms, time step 0.1 ms.  External
drive: PoissonInput of C_E = 1000 inputs at nu_ext = 20 Hz each (20 kHz per neuron), each a
+0.1 mV jump (hee-snn: one 20 kHz Poisson source per neuron).

--scale S multiplies both populations by S and keeps the in-degrees: --scale 10 is the
125,000-neuron network with the same C_E and C_I (hee-snn: bench/engine.sh scales the sizes).

Input arriving during the refractory period is lost, as in hee-snn's lif model: v is
'(unless refractory)', so Brian2 makes both the synaptic 'v_post += w' and PoissonInput's
'v += ...' conditional on not_refractory.

Fixed in-degree is Brian2's generator syntax over the postsynaptic neuron,
i='k for k in sample(N_pre, size=C)', drawn by the compiled binary (so, as in hee-snn, building
the network is part of the timed run); within a population the source index k of N_pre - 1 is
shifted past the target to exclude self-connections.

The C++ project is generated and compiled once (not timed); then the compiled binary 'main' is
run --reps times and each run is timed alone with time.perf_counter (whole process: network
construction, simulation, writing the results), under /usr/bin/time -v when it exists, for the
peak resident memory.  The median is reported as wall_s, the median of Brian2's own timing of
the network run (results/last_run_info.txt, simulation loop only) as run_s, and the largest
peak as maxrss_kb (0 without /usr/bin/time).  Last line printed, machine-readable:

    brian2 wall_s=... run_s=... neurons=... spikes=... rate_hz=... syn_events=... rec_events=...
           synapses=... maxrss_kb=... reps=...

(on one line).  rec_events is the number of delivered recurrent synaptic events: the sum over all
spikes of the out-degree of the spiking neuron (spikes in the last 1.5 ms arrive after the end and
are counted too); syn_events adds the expected number of external input spikes, neurons x 20 kHz
x duration, which hee-snn delivers as synaptic events from its Poisson sources and Brian2 draws
as one binomial per neuron and step.

Use /usr/bin/python3 (Debian's python3-brian), e.g.
    /usr/bin/python3 bench/brian2_brunel.py --dir /tmp/b2 --reps 3 [--scale 10]
"""
import numpy as np

import brian2_common as bc

def main():
    ap = bc.arguments(__doc__, 1.0)
    ap.add_argument('--scale', type=int, default=1,
                    help='multiply both population sizes, in-degrees fixed (10: 125,000 neurons)')
    args = ap.parse_args()
    b2, directory = bc.standalone(args, 'brian2-brunel-')
    from brian2 import ms, mV, Hz

    n_exc, n_inh = 10000 * args.scale, 2500 * args.scale
    n = n_exc + n_inh
    c_exc, c_inh = 1000, 250
    tau_m = 20 * ms
    theta, v_reset = 20 * mV, 10 * mV
    t_ref = 2 * ms
    J, g = 0.1 * mV, 5.0
    delay = 1.5 * ms
    nu_thr = theta / (J * c_exc * tau_m)   # 10 Hz
    nu_ext = 2 * nu_thr

    eqs = 'dv/dt = -v / tau_m : volt (unless refractory)'
    grp = b2.NeuronGroup(n, eqs, threshold='v > theta', reset='v = v_reset',
                         refractory=t_ref, method='exact', name='neurons')
    grp.v = 'rand() * theta'
    exc = grp[:n_exc]
    inh = grp[n_exc:]

    syns = bc.fixed_indegree(b2, [(exc, 'exc', c_exc, J, 0), (inh, 'inh', c_inh, -g * J, n_exc)],
                             'v_post += w', delay)
    drive = b2.PoissonInput(grp, 'v', N=c_exc, rate=nu_ext, weight=J)
    mon = b2.SpikeMonitor(grp, name='spikemon')

    # An explicit Network: b2.run() would collect only the objects named by local variables,
    # not the Synapses in the list.
    net = b2.Network(grp, drive, mon, *(s for s, _, _ in syns))
    timing = bc.build_and_time(b2, net, args, directory, locals())
    spikes_i = np.asarray(mon.i[:])
    outdeg = bc.outdegrees(syns, n, True)
    nsyn = int(outdeg.sum())
    nspk = int(spikes_i.size)
    nspk_exc = int((spikes_i < n_exc).sum())
    rec_events = int(outdeg[spikes_i].sum())
    ext_events = int(round(n * float(c_exc * nu_ext / Hz) * args.duration))
    rate = nspk / (n * args.duration)
    bc.report(b2, directory, timing,
              f'exc {nspk_exc} spikes ({nspk_exc / (n_exc * args.duration):.4f} Hz), '
              f'inh {nspk - nspk_exc} spikes ({(nspk - nspk_exc) / (n_inh * args.duration):.4f} '
              f'Hz), {nsyn} synapses',
              f'neurons={n} spikes={nspk} rate_hz={rate:.4f} '
              f'syn_events={rec_events + ext_events} rec_events={rec_events} synapses={nsyn}',
              args.reps)

if __name__ == '__main__':
    main()
