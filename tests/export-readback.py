#!/usr/bin/env python3
"""export-readback.py OUTDIR POP[:SIZE] ... -- read a run's exported rasters back with the
readers users use and check them against spikes.tsv (read with numpy by the rule of
doc/formats.md):

  spikes.gdf        with Neo's NestIO (python3-neo): every spike, NEST global ids from 1
  spikes.sonata.h5  with h5py (python3-h5py): magic, version, one group per recorded
                    population and no other, timestamps (ms) and node_ids of each equal to the
                    raster's, sorting by_time
  spikes.nest.dat   with numpy as NEST's own reader does (skiprows=3)

POP:SIZE lists the network's populations in order (global ids run population after
population); a population marked POP:SIZE:- is not recorded.  Prints one line per check and
'skip ...' for a reader that is not installed; exits 1 on the first mismatch."""
import os
import sys

import numpy as np


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def main():
    d = sys.argv[1]
    pops = []
    for a in sys.argv[2:]:
        f = a.split(":")
        pops.append((f[0], int(f[1]), len(f) < 3))
    first, k = {}, 0
    for name, size, _ in pops:
        first[name] = k
        k += size
    with open(os.path.join(d, "spikes.tsv"), encoding="utf-8") as f:   # doc/formats.md's rule
        r = np.genfromtxt((l for l in f if not l.startswith("#")), delimiter="\t", names=True,
                          dtype=None, encoding="utf-8")
    r = np.atleast_1d(r)
    t, pop, idx = r["time_ms"].astype(float), r["population"].astype(str), r["neuron"]
    gid = np.array([first[p] + 1 + i for p, i in zip(pop, idx)], dtype=np.int64)
    print("ok raster: %d spikes" % len(t))

    nest = os.path.join(d, "spikes.nest.dat")
    if os.path.exists(nest):
        a = np.loadtxt(nest, skiprows=3, ndmin=2)
        if a.shape[0] != len(t) or not (a[:, 0] == gid).all() or not (a[:, 1] == t).all():
            fail("spikes.nest.dat (numpy, skiprows=3) differs from the raster")
        print("ok spikes.nest.dat: %d spikes, ids and times as the raster's" % a.shape[0])

    gdf = os.path.join(d, "spikes.gdf")
    if os.path.exists(gdf):
        try:
            import neo
            import quantities as pq
        except ImportError:
            print("skip spikes.gdf: Neo is not installed (apt-get install python3-neo)")
        else:
            io = neo.io.NestIO(filenames=gdf)
            tmax = float(t.max()) + 1 if len(t) else 1.0
            seg = io.read_segment(gid_list=[], t_start=0 * pq.ms, t_stop=tmax * pq.ms,
                                  id_column_gdf=0, time_column_gdf=1)
            got = {int(st.annotations["id"]): np.sort(st.rescale(pq.ms).magnitude)
                   for st in seg.spiketrains}
            for g in np.unique(gid):
                want = np.sort(t[gid == g])
                if g not in got or len(got[g]) != len(want) or not np.allclose(got[g], want,
                                                                             rtol=0, atol=0):
                    fail("spikes.gdf (Neo NestIO): the spike train of global id %d differs" % g)
            if sum(len(v) for v in got.values()) != len(t):
                fail("spikes.gdf (Neo NestIO): %d spikes, the raster has %d"
                     % (sum(len(v) for v in got.values()), len(t)))
            print("ok spikes.gdf (Neo %s NestIO): %d spike trains, %d spikes, times exact"
                  % (neo.__version__, len(got), len(t)))

    son = os.path.join(d, "spikes.sonata.h5")
    if os.path.exists(son):
        try:
            import h5py
        except ImportError:
            print("skip spikes.sonata.h5: h5py is not installed (apt-get install python3-h5py)")
        else:
            with h5py.File(son, "r") as f:
                if int(f.attrs["magic"]) != 0x0A7A or list(f.attrs["version"]) != [0, 1]:
                    fail("spikes.sonata.h5: magic or version")
                want = sorted(n for n, _, rec in pops if rec)
                have = sorted(f["spikes"].keys())
                if have != want:
                    fail("spikes.sonata.h5: groups %s, recorded populations %s" % (have, want))
                n = 0
                for name in have:
                    g = f["spikes"][name]
                    ts, ids = g["timestamps"][()], g["node_ids"][()]
                    sel = pop == name
                    if g["timestamps"].attrs["units"] != "ms":
                        fail("spikes.sonata.h5: /spikes/%s/timestamps units" % name)
                    if h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype) is None:
                        fail("spikes.sonata.h5: /spikes/%s sorting is not an enum" % name)
                    if int(g.attrs["sorting"]) != 2:
                        fail("spikes.sonata.h5: /spikes/%s not sorted by_time" % name)
                    if not (np.array_equal(ts, t[sel]) and np.array_equal(ids, idx[sel])):
                        fail("spikes.sonata.h5: /spikes/%s differs from the raster" % name)
                    n += len(ts)
                if n != len(t):
                    fail("spikes.sonata.h5: %d spikes, the raster has %d" % (n, len(t)))
            print("ok spikes.sonata.h5 (h5py %s): groups %s, %d spikes as the raster's"
                  % (h5py.__version__, ",".join(have), n))


main()
