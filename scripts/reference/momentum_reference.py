#!/usr/bin/env python3
"""Independent reference implementation of Inertia's online update rule.

Plain Python 3, standard library only, IEEE-754 float64 throughout. This file
is the executable form of the spec; the Java implementation is tested against
the JSONL files it produces (see src/test/resources/golden/README.md).

Model
-----
One linear model per model key over NAMED features: a weight w_j per feature
name and a bias b. Every parameter theta (each w_j and b) has a velocity v.
All parameters and velocities start at 0.

Per event (features x: name -> float, label y, sample weight s = 1.0), in
order:

    score       z = sum_j w_j * x_j + b
                (the sum runs over the known feature names in sorted order,
                 starting from 0.0, and b is added last)

    loss "squared":   L = 0.5 * (z - y)^2                     dL/dz = z - y
    loss "logistic":  y in {0, 1}
                      p = 1 / (1 + exp(-z))          if z >= 0
                      p = exp(z) / (1 + exp(z))      if z <  0
                      L = log(1 + exp(-|z|)) + max(z, 0) - y*z
                          (= -y*log(p) - (1-y)*log(1-p), computed stably)
                                                               dL/dz = p - y

    gradients   g_j = s * dL/dz * x_j          g_b = s * dL/dz

    momentum    v     <- beta * v + eta * g    (every weight and the bias)
                theta <- theta - v
                beta = 0 gives plain SGD.

    A feature name seen for the first time starts at w = 0, v = 0. A feature
    that is already known but absent from an event has g = 0 and is STILL
    updated (v <- beta*v, w <- w - v): dense semantics.

    version     number of events applied so far to that model (1 after the
                first event).

    running loss r = L on the first event, afterwards
                 r <- (1 - alpha) * r + alpha * L,  alpha = 0.01,
                 where L is the loss of the event computed BEFORE its update.

Snapshots
---------
After the event that makes version a multiple of N (--snapshot-every), emit
{modelKey, version, weights: {name: w}, bias, runningLoss}. After the last
event, a model whose last emitted snapshot is not at its final version emits
its final state too.

CLI
---
    python3 scripts/reference/momentum_reference.py --input FILE.csv \
        --label COLUMN [--model-key default] [--loss squared|logistic] \
        [--learning-rate 0.01] [--momentum 0.9] [--epochs 1] \
        [--snapshot-every 1000] --output OUT.jsonl

The CSV has a header row; the column named by --label is the label, every
other column is a numeric feature named by its header. Events are applied in
file order, repeated for --epochs passes. Output is one JSON object per line
with keys modelKey, version, weights (sorted by name), bias, runningLoss;
floats are written with repr() precision (shortest round-trip form).
"""

import argparse
import csv
import json
import math
import sys

RUNNING_LOSS_ALPHA = 0.01


def sigmoid(z):
    """Numerically stable logistic function."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def loss_and_dz(loss, z, y):
    """Return (L, dL/dz) for the given loss name, score z and label y."""
    if loss == "squared":
        d = z - y
        return 0.5 * d * d, d
    if loss == "logistic":
        p = sigmoid(z)
        # log(1 + exp(-|z|)) evaluated with log1p (same quantity, fewer
        # rounding steps); the difference is far below the 1e-9 tolerance.
        L = math.log1p(math.exp(-abs(z))) + max(z, 0.0) - y * z
        return L, p - y
    raise ValueError("unknown loss: %r" % (loss,))


class MomentumModel:
    """State of one model key."""

    def __init__(self, key):
        self.key = key
        self.weights = {}     # name -> w
        self.velocity = {}    # name -> v
        self.bias = 0.0
        self.bias_velocity = 0.0
        self.version = 0
        self.running_loss = None

    def score(self, features):
        z = 0.0
        for name in sorted(self.weights):
            x = features.get(name)
            if x is not None:
                z += self.weights[name] * x
        return z + self.bias

    def update(self, features, y, loss, eta, beta, s=1.0):
        """Apply one event. Returns the pre-update loss L."""
        # New feature names start at w = 0, v = 0. They do not change z
        # (w = 0), so registering them before scoring is equivalent.
        for name in features:
            if name not in self.weights:
                self.weights[name] = 0.0
                self.velocity[name] = 0.0

        z = self.score(features)
        L, dz = loss_and_dz(loss, z, y)
        scaled = s * dz

        # Dense update: every known weight, g = 0 when absent from the event.
        for name in self.weights:
            g = scaled * features.get(name, 0.0)
            v = beta * self.velocity[name] + eta * g
            self.velocity[name] = v
            self.weights[name] = self.weights[name] - v

        vb = beta * self.bias_velocity + eta * scaled
        self.bias_velocity = vb
        self.bias = self.bias - vb

        self.version += 1
        if self.running_loss is None:
            self.running_loss = L
        else:
            self.running_loss = ((1.0 - RUNNING_LOSS_ALPHA) * self.running_loss
                                 + RUNNING_LOSS_ALPHA * L)
        return L

    def snapshot(self):
        return {
            "modelKey": self.key,
            "version": self.version,
            "weights": {n: self.weights[n] for n in sorted(self.weights)},
            "bias": self.bias,
            "runningLoss": self.running_loss,
        }


def train(events, loss="squared", eta=0.01, beta=0.9, snapshot_every=1000):
    """Run the update rule over an iterable of (model_key, features, label).

    Yields snapshot dicts in emission order, including the final-state
    snapshots (in order of first appearance of each model key).
    """
    if snapshot_every < 1:
        raise ValueError("snapshot-every must be >= 1")
    models = {}
    last_emitted = {}
    for key, features, y in events:
        model = models.get(key)
        if model is None:
            model = models[key] = MomentumModel(key)
            last_emitted[key] = 0
        model.update(features, y, loss, eta, beta)
        if model.version % snapshot_every == 0:
            last_emitted[key] = model.version
            yield model.snapshot()
    for key, model in models.items():
        if last_emitted[key] != model.version:
            last_emitted[key] = model.version
            yield model.snapshot()


def read_csv(path, label):
    """Read a CSV with header; returns a list of (features, label)."""
    rows = []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if label not in header:
            raise SystemExit("label column %r not in header %r" % (label, header))
        li = header.index(label)
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise SystemExit("%s:%d: expected %d columns, got %d"
                                 % (path, lineno, len(header), len(row)))
            features = {}
            for i, (name, cell) in enumerate(zip(header, row)):
                if i != li:
                    features[name] = float(cell)
            rows.append((features, float(row[li])))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="CSV file with header")
    ap.add_argument("--label", required=True, help="name of the label column")
    ap.add_argument("--model-key", default="default")
    ap.add_argument("--loss", choices=("squared", "logistic"), default="squared")
    ap.add_argument("--learning-rate", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--snapshot-every", type=int, default=1000)
    ap.add_argument("--output", required=True, help="JSONL output ('-' = stdout)")
    args = ap.parse_args(argv)

    rows = read_csv(args.input, args.label)

    def events():
        for _ in range(args.epochs):
            for features, y in rows:
                yield args.model_key, features, y

    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="\n")
    try:
        for snap in train(events(), args.loss, args.learning_rate,
                          args.momentum, args.snapshot_every):
            out.write(json.dumps(snap) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
