#!/usr/bin/env python3
"""Seeded synthetic data sets for Inertia (standard library only).

    regression:      x1, x2 ~ N(0, 1), noise ~ N(0, sigma = 0.1)
                     y = 3*x1 - 2*x2 + 0.5 + noise        columns x1,x2,y
    classification:  x1, x2 ~ N(0, 1)
                     label = 1 if 2*x1 - x2 + 0.3 > 0 else 0
                     (linearly separable, no label noise)  columns x1,x2,label

All randomness comes from one random.Random(seed), drawn row by row in the
order x1, x2[, noise], so a (kind, rows, seed) triple always gives the same
file. Floats are written with repr(), the shortest string that parses back to
the identical float64, so Java's Double.parseDouble sees exactly the same
values as Python.

Usage:
    python3 scripts/reference/generate_data.py regression --rows 5000 --seed 42 --output examples/linear.csv
    python3 scripts/reference/generate_data.py classification --rows 40 --seed 11 --output out.csv
"""

import argparse
import random

TRUE_WEIGHTS = {"x1": 3.0, "x2": -2.0}
TRUE_BIAS = 0.5
NOISE_SIGMA = 0.1

CLASS_WEIGHTS = {"x1": 2.0, "x2": -1.0}
CLASS_BIAS = 0.3


def regression_rows(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        x1 = rng.gauss(0.0, 1.0)
        x2 = rng.gauss(0.0, 1.0)
        noise = rng.gauss(0.0, NOISE_SIGMA)
        y = TRUE_WEIGHTS["x1"] * x1 + TRUE_WEIGHTS["x2"] * x2 + TRUE_BIAS + noise
        yield (repr(x1), repr(x2), repr(y))


def classification_rows(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        x1 = rng.gauss(0.0, 1.0)
        x2 = rng.gauss(0.0, 1.0)
        margin = CLASS_WEIGHTS["x1"] * x1 + CLASS_WEIGHTS["x2"] * x2 + CLASS_BIAS
        yield (repr(x1), repr(x2), "1" if margin > 0 else "0")


GENERATORS = {
    "regression": (("x1", "x2", "y"), regression_rows),
    "classification": (("x1", "x2", "label"), classification_rows),
}


def write_csv(path, header, rows):
    with open(path, "w", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Seeded synthetic CSV data for Inertia")
    ap.add_argument("kind", choices=sorted(GENERATORS))
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    header, gen = GENERATORS[args.kind]
    write_csv(args.output, header, gen(args.rows, args.seed))


if __name__ == "__main__":
    main()
