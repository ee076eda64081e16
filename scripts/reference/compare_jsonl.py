#!/usr/bin/env python3
"""Compare two snapshot JSONL files line by line (standard library only).

    python3 scripts/reference/compare_jsonl.py A.jsonl B.jsonl [--tolerance 1e-12] [--relative] [--name LABEL]

The two files must have the same number of lines. On each line, modelKey,
version and the set of weight names must be equal. The script prints the
largest absolute difference over all weights, the bias and runningLoss, and
also over "state" when both files have it. It exits with status 1 if that
largest difference is above --tolerance. With --relative, each difference
|a - b| is divided by max(1, |b|). Use this for trajectories whose values grow
large.
"""

import argparse
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def compare(a_lines, b_lines, relative=False):
    """Return a dict part -> (max difference, version where it occurs)."""
    if len(a_lines) != len(b_lines):
        raise SystemExit("line counts differ: %d vs %d" % (len(a_lines), len(b_lines)))
    worst = {}

    def diff(x, y):
        d = abs(x - y)
        return d / max(1.0, abs(y)) if relative else d

    def note(part, d, version):
        if part not in worst or d > worst[part][0]:
            worst[part] = (d, version)

    for a, b in zip(a_lines, b_lines):
        for k in ("modelKey", "version"):
            if a[k] != b[k]:
                raise SystemExit("%s differs: %r vs %r" % (k, a[k], b[k]))
        v = a["version"]
        if sorted(a["weights"]) != sorted(b["weights"]):
            raise SystemExit("weight names differ at version %d" % v)
        for n in a["weights"]:
            note("weights", diff(a["weights"][n], b["weights"][n]), v)
        note("bias", diff(a["bias"], b["bias"]), v)
        note("runningLoss", diff(a["runningLoss"], b["runningLoss"]), v)
        if "state" in a and "state" in b:
            if sorted(a["state"]) != sorted(b["state"]):
                raise SystemExit("state names differ at version %d" % v)
            for n in a["state"]:
                sa, sb = a["state"][n], b["state"][n]
                if len(sa) != len(sb):
                    raise SystemExit("state length differs at version %d" % v)
                for x, y in zip(sa, sb):
                    note("state", diff(x, y), v)
    return worst


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--tolerance", type=float, default=1e-12)
    ap.add_argument("--name", help="label printed instead of the two paths")
    ap.add_argument("--relative", action="store_true",
                    help="divide each difference by max(1, |b|)")
    args = ap.parse_args(argv)
    worst = compare(load(args.a), load(args.b), args.relative)
    overall = max(d for d, _ in worst.values())
    parts = ", ".join("%s %.3g (v%d)" % (p, d, v) for p, (d, v) in sorted(worst.items()))
    what = "max rel diff" if args.relative else "max |diff|"
    name = args.name or "%s vs %s" % (args.a, args.b)
    print("%s: %s %.3g  [%s]" % (name, what, overall, parts))
    sys.exit(0 if overall <= args.tolerance else 1)


if __name__ == "__main__":
    main()
