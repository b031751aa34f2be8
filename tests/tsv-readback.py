#!/usr/bin/env python3
"""tsv-readback.py -- every .tsv that hee-snn wrote under the given directories loads with
numpy by the one documented rule (doc/formats.md, "Reading the tables"): drop the lines that
start with '#', then numpy.genfromtxt(..., delimiter='\\t', names=True, dtype=None,
encoding='utf-8').  Checks for each file: every row has the header's number of fields, the
names are unique, and every column holds numbers (nan allowed) except the few that are text
by design (a population name, a trial's status).  Prints one line per file; exits 1 if any
file fails, 0 otherwise (2 when numpy is missing).

    tests/tsv-readback.py DIR...
"""
import os
import sys

try:
    import numpy as np
except ImportError:
    print("numpy is not installed", file=sys.stderr)
    sys.exit(2)

TEXT = {"population", "status", "sampler", "detail"}


def table_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l for l in f if not l.startswith("#")]


def check(path):
    lines = table_lines(path)
    if not lines:
        return "no header line"
    header = lines[0].rstrip("\n").split("\t")
    if len(set(header)) != len(header):
        return "column names repeat: %s" % header
    for k, l in enumerate(lines[1:], 2):
        if len(l.rstrip("\n").split("\t")) != len(header):
            return "table line %d has %d fields, the header %d" % (
                k, len(l.rstrip("\n").split("\t")), len(header))
    a = np.genfromtxt(lines, delimiter="\t", names=True, dtype=None, encoding="utf-8")
    a = np.atleast_1d(a)
    if len(a.dtype.names) != len(header):
        return "numpy read %d columns of %d" % (len(a.dtype.names), len(header))
    for name, col in zip(header, a.dtype.names):
        kind = a.dtype[col].kind
        if name in TEXT or name.endswith("_status"):
            continue
        if kind not in "fiub":
            return "column '%s' is not numbers (numpy: %s)" % (name, a.dtype[col])
    return None


def main():
    paths = []
    for d in sys.argv[1:]:
        for root, _, files in os.walk(d):
            for f in files:
                if f.endswith(".tsv") and not f.startswith("."):
                    p = os.path.join(root, f)
                    with open(p, encoding="utf-8", errors="replace") as fh:
                        if fh.readline().startswith("# hee-snn"):
                            paths.append(p)
    bad = 0
    for p in sorted(paths):
        why = check(p)
        print(("ok   " if why is None else "FAIL ") + p + ("" if why is None else ": " + why))
        bad += why is not None
    print("%d tables read, %d failed" % (len(paths), bad))
    sys.exit(1 if bad or not paths else 0)


if __name__ == "__main__":
    main()
