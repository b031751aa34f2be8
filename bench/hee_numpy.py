#!/usr/bin/python3
"""hee_numpy.py -- the NumPy anchor of issue 12: the rate realisation of
examples/hee-fashion.yaml written as an ML user would write it, to measure hee-snn's training
throughput side by side (bench/hee-chains.sh runs both).

    /usr/bin/python3 bench/hee_numpy.py [--chains B] [--presentations K] [--float64]

The same dynamics as src/proc/hee_rt.c with `chains: B` (doc/hee.md gives the equations):
784 identity units (sigma 0.3) clamped to the images, their interneurons, 100 tanh units
(sigma 1) and theirs; exponential Euler with dt 0.02 ms, tau_x 2 ms, tau_eps 0.1 ms; each
presentation 10 ms, the local rule from 5 ms on, its increments averaged over the B chains
(learning rate 5 Hz, decay 20 s).  Not included (hee-snn does them): the noise budget, the
learning curve, checkpoints.  NumPy's matrix products go to the BLAS NumPy is linked with
(Debian: OpenBLAS when libopenblas0 is installed).  Prints images per wall second.
"""
import argparse
import gzip
import time

import numpy as np


def load_images(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[4 * k:4 * k + 4], "big") for k in (1, 2, 3))
    x = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return x[:limit] / 255.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chains", type=int, default=100)
    ap.add_argument("--presentations", type=int, default=20)
    ap.add_argument("--float64", action="store_true", help="double precision (default float32)")
    ap.add_argument("--images", default="/usr/share/datasets/fashion-mnist/"
                    "train-images-idx3-ubyte.gz")
    a = ap.parse_args()
    ft = np.float64 if a.float64 else np.float32
    B, n0, n1 = a.chains, 784, 100
    X = load_images(a.images, a.presentations * a.chains).astype(ft)   # the images it shows
    rng = np.random.default_rng(1)
    dt, tau_x, tau_e = 0.02, 2.0, 0.1           # ms
    s0, s1 = 0.3, 1.0
    present, settle = 500, 250                   # steps
    lr, decay = 5e-3, 20000.0                    # per ms; ms
    W = (0.01 * rng.standard_normal((n0, n1))).astype(ft)
    b0 = np.zeros(n0, ft)
    b1 = np.zeros(n1, ft)

    def consts(s2, tau):
        d = np.exp(-dt / (tau * s2))
        return ft(d), ft(np.sqrt(s2) * np.sqrt(-np.expm1(-2 * dt / (tau * s2))))
    de0, ne0 = consts(s0 * s0, tau_e)
    de1, ne1 = consts(s1 * s1, tau_e)
    dx1, nx1 = consts(s1 * s1, tau_x)
    x1 = np.zeros((B, n1), ft)
    e0 = np.zeros((B, n0), ft)
    e1 = np.zeros((B, n1), ft)
    step = 0
    t0 = time.perf_counter()
    for k in range(a.presentations):
        idx = (k * B + np.arange(B)) % X.shape[0]
        x0 = X[idx]
        for s in range(present):
            r1 = np.tanh(x1)
            q1 = np.tanh(e1)
            eta0 = r1 @ W.T + b0
            d0 = x0 - e0
            bu1 = d0 @ W
            e0 = e0 * de0 + (1 - de0) * s0 * s0 * eta0 + ne0 * rng.standard_normal((B, n0), ft)
            e1 = (e1 * de1 + (1 - de1) * s1 * s1 * (1 - q1 * q1) * b1 +
                  ne1 * rng.standard_normal((B, n1), ft))
            x1 = (x1 * dx1 + (1 - dx1) * s1 * s1 * (1 - r1 * r1) * (b1 + bu1) +
                  nx1 * rng.standard_normal((B, n1), ft))
            if s >= settle:
                g = ft(lr / (1 + step * dt / decay) * dt / B)
                W += g * (d0.T @ r1)
                b0 += g * d0.sum(0)
                b1 += g * (r1 - q1).sum(0)
            step += 1
    wall = time.perf_counter() - t0
    images = a.presentations * B
    print(f"numpy ({np.dtype(ft).name}, {B} chains): {images} images in {wall:.2f} s, "
          f"{images / wall:.1f} images per wall second; |W| {np.linalg.norm(W):.3f}")


if __name__ == "__main__":
    main()
