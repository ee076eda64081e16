#!/usr/bin/env python3
"""Hand-written reference for Inertia's optimizers, schedules and L2 penalty.

Plain Python 3, standard library only, IEEE-754 float64 throughout. This file
is written from the formulas below. It does not use momentum_reference.py or
torch_reference.py. It extends the rule in momentum_reference.py: with
--optimizer momentum --schedule constant --l2 0 it performs the same
arithmetic as that script. The Java implementation is tested against the
JSONL files it produces (see src/test/resources/golden/README.md).

Model
-----
One linear model per model key over NAMED features: a weight w_j per feature
name and a bias b. Every parameter theta (each w_j and b) has an optimizer
state: a list of floats whose length depends on the optimizer. Parameters and
all state values start at 0.

Per event (features x: name -> float, label y, sample weight s = 1.0):

    t           update count of this model INCLUDING this event (1, 2, ...).
                It is also the version after the event.

    score       z = sum_j w_j * x_j + b
                (the sum runs over the known feature names in sorted order,
                 starting from 0.0, and b is added last; a known feature
                 absent from the event has x_j = 0 and adds nothing)

    loss "squared":   L = 0.5 * (z - y)^2                     dL/dz = z - y
    loss "logistic":  y in {0, 1}
                      p = 1 / (1 + exp(-z))          if z >= 0
                      p = exp(z) / (1 + exp(z))      if z <  0
                      L = log(1 + exp(-|z|)) + max(z, 0) - y*z   dL/dz = p - y

    gradients   g_j = s * dL/dz * x_j + l2 * w_j     (w_j BEFORE the update)
                g_b = s * dL/dz                      (the bias is never
                                                      regularised)

    schedule    constant:    eta_t = eta
                invscaling:  eta_t = eta / t^p              (--power-t p)
                optimal:     eta_t = 1 / (alpha * (t + t0)) (--alpha, --t0;
                                                      --learning-rate unused)

    optimizer   (applied to EVERY parameter of the model on every event,
                 including weights of features absent from the event, whose
                 g is then l2 * w_j: dense semantics)

      sgd           theta <- theta - eta_t * g                    state []
      momentum      v <- beta*v + eta_t*g
                    theta <- theta - v                            state [v]
      nesterov      v <- beta*v + eta_t*g
                    theta <- theta - (beta*v + eta_t*g)  (new v)  state [v]
      ema-momentum  v <- beta*v + (1 - beta)*g
                    theta <- theta - eta_t*v                      state [v]
      adagrad       G <- G + g^2
                    theta <- theta - eta_t*g / (sqrt(G) + eps)    state [G]
      adam          m <- beta1*m + (1 - beta1)*g
                    u <- beta2*u + (1 - beta2)*g^2
                    mhat = m / (1 - beta1^t)
                    uhat = u / (1 - beta2^t)
                    theta <- theta - eta_t*mhat / (sqrt(uhat) + eps)
                                                                  state [m, u]

      beta = --momentum, beta1 = --beta1, beta2 = --beta2, eps = --epsilon.

    A feature name seen for the first time starts with w = 0 and its state
    all 0. It joins the model before scoring (w = 0, so z is unchanged).

    running loss r = L on the first event, afterwards
                 r <- (1 - 0.01) * r + 0.01 * L,
                 where L is the loss of the event computed BEFORE its update
                 (without the L2 term).

Snapshots
---------
After the event that makes version a multiple of N (--snapshot-every), emit
{modelKey, version, weights: {name: w}, bias, runningLoss, state}. After the
last event, a model whose last emitted snapshot is not at its final version
emits its final state too. "state" maps every feature name (sorted) and then
"bias" to the list of that parameter's state values, in the order given in
the table above (sgd: []). A feature may therefore not be called "bias".

CLI
---
    python3 scripts/reference/optimizer_reference.py --input FILE.csv \
        --label COLUMN [--model-key default] [--loss squared|logistic] \
        [--optimizer sgd|momentum|nesterov|ema-momentum|adagrad|adam] \
        [--schedule constant|invscaling|optimal] [--learning-rate 0.01] \
        [--power-t 0.5] [--alpha 0.0001] [--t0 1000] [--momentum 0.9] \
        [--beta1 0.9] [--beta2 0.999] [--epsilon 1e-8] [--l2 0] \
        [--epochs 1] [--snapshot-every 1000] --output OUT.jsonl

The CSV has a header row; the column named by --label is the label, every
other column is a numeric feature named by its header. Events are applied in
file order, repeated for --epochs passes. Output is one JSON object per line;
floats are written with repr() precision (shortest round-trip form).
"""

import argparse
import csv
import json
import math
import sys

RUNNING_LOSS_ALPHA = 0.01
BIAS = "bias"


# ---------------------------------------------------------------- losses

def _logistic(z, y):
    if z >= 0.0:
        p = 1.0 / (1.0 + math.exp(-z))
    else:
        ez = math.exp(z)
        p = ez / (1.0 + ez)
    loss = math.log1p(math.exp(-abs(z))) + max(z, 0.0) - y * z
    return loss, p - y


def _squared(z, y):
    r = z - y
    return 0.5 * r * r, r


# name -> function (z, y) -> (L, dL/dz)
LOSSES = {
    "squared": _squared,
    "logistic": _logistic,
}


# ------------------------------------------------------------- schedules

def make_schedule(name, eta, power_t, alpha, t0):
    """Return a function t -> eta_t (t = 1, 2, ...)."""
    if name == "constant":
        return lambda t: eta
    if name == "invscaling":
        return lambda t: eta / math.pow(t, power_t)
    if name == "optimal":
        return lambda t: 1.0 / (alpha * (t + t0))
    raise ValueError("unknown schedule: %r" % (name,))


# ------------------------------------------------------------ optimizers
#
# Each optimizer is (state_size, step) where step(theta, g, state, eta_t, t)
# updates the list `state` in place and returns the new theta.

def make_optimizer(name, beta, beta1, beta2, eps):
    if name == "sgd":
        def step(theta, g, st, eta_t, t):
            return theta - eta_t * g
        return 0, step

    if name == "momentum":
        def step(theta, g, st, eta_t, t):
            v = beta * st[0] + eta_t * g
            st[0] = v
            return theta - v
        return 1, step

    if name == "nesterov":
        def step(theta, g, st, eta_t, t):
            v = beta * st[0] + eta_t * g
            st[0] = v
            return theta - (beta * v + eta_t * g)
        return 1, step

    if name == "ema-momentum":
        def step(theta, g, st, eta_t, t):
            v = beta * st[0] + (1.0 - beta) * g
            st[0] = v
            return theta - eta_t * v
        return 1, step

    if name == "adagrad":
        def step(theta, g, st, eta_t, t):
            acc = st[0] + g * g
            st[0] = acc
            return theta - eta_t * g / (math.sqrt(acc) + eps)
        return 1, step

    if name == "adam":
        def step(theta, g, st, eta_t, t):
            m = beta1 * st[0] + (1.0 - beta1) * g
            u = beta2 * st[1] + (1.0 - beta2) * (g * g)
            st[0] = m
            st[1] = u
            m_hat = m / (1.0 - math.pow(beta1, t))
            u_hat = u / (1.0 - math.pow(beta2, t))
            return theta - eta_t * m_hat / (math.sqrt(u_hat) + eps)
        return 2, step

    raise ValueError("unknown optimizer: %r" % (name,))


OPTIMIZERS = ("sgd", "momentum", "nesterov", "ema-momentum", "adagrad", "adam")
SCHEDULES = ("constant", "invscaling", "optimal")


# ----------------------------------------------------------------- model

class Model:
    """Parameters and optimizer state of one model key."""

    def __init__(self, key, state_size):
        self.key = key
        self.state_size = state_size
        self.weights = {}                  # name -> w
        self.states = {}                   # name -> [state values]
        self.bias = 0.0
        self.bias_state = [0.0] * state_size
        self.version = 0
        self.running_loss = None

    def score(self, features):
        z = 0.0
        for name in sorted(self.weights):
            x = features.get(name)
            if x is not None:
                z += self.weights[name] * x
        return z + self.bias

    def update(self, features, y, loss_fn, schedule, step, l2, s=1.0):
        """Apply one event; returns the pre-update loss L."""
        for name in features:
            if name == BIAS:
                raise ValueError("a feature may not be named %r" % BIAS)
            if name not in self.weights:
                self.weights[name] = 0.0
                self.states[name] = [0.0] * self.state_size

        z = self.score(features)
        L, dz = loss_fn(z, y)
        scaled = s * dz

        t = self.version + 1
        eta_t = schedule(t)

        for name in sorted(self.weights):
            w = self.weights[name]
            g = scaled * features.get(name, 0.0) + l2 * w
            self.weights[name] = step(w, g, self.states[name], eta_t, t)

        self.bias = step(self.bias, scaled, self.bias_state, eta_t, t)

        self.version = t
        if self.running_loss is None:
            self.running_loss = L
        else:
            self.running_loss = ((1.0 - RUNNING_LOSS_ALPHA) * self.running_loss
                                 + RUNNING_LOSS_ALPHA * L)
        return L

    def snapshot(self):
        names = sorted(self.weights)
        state = {n: list(self.states[n]) for n in names}
        state[BIAS] = list(self.bias_state)
        return {
            "modelKey": self.key,
            "version": self.version,
            "weights": {n: self.weights[n] for n in names},
            "bias": self.bias,
            "runningLoss": self.running_loss,
            "state": state,
        }


def train(events, loss="squared", optimizer="momentum", schedule="constant",
          eta=0.01, power_t=0.5, alpha=0.0001, t0=1000.0, beta=0.9,
          beta1=0.9, beta2=0.999, eps=1e-8, l2=0.0, snapshot_every=1000):
    """Run the update rule over an iterable of (model_key, features, label).

    Yields snapshot dicts in emission order, including the final-state
    snapshots (in order of first appearance of each model key).
    """
    if snapshot_every < 1:
        raise ValueError("snapshot-every must be >= 1")
    loss_fn = LOSSES[loss]
    sched = make_schedule(schedule, eta, power_t, alpha, t0)
    state_size, step = make_optimizer(optimizer, beta, beta1, beta2, eps)
    models = {}
    last_emitted = {}
    for key, features, y in events:
        model = models.get(key)
        if model is None:
            model = models[key] = Model(key, state_size)
            last_emitted[key] = 0
        model.update(features, y, loss_fn, sched, step, l2)
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
            features = {name: float(cell)
                        for i, (name, cell) in enumerate(zip(header, row))
                        if i != li}
            rows.append((features, float(row[li])))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="CSV file with header")
    ap.add_argument("--label", required=True, help="name of the label column")
    ap.add_argument("--model-key", default="default")
    ap.add_argument("--loss", choices=sorted(LOSSES), default="squared")
    ap.add_argument("--optimizer", choices=OPTIMIZERS, default="momentum")
    ap.add_argument("--schedule", choices=SCHEDULES, default="constant")
    ap.add_argument("--learning-rate", type=float, default=0.01,
                    help="eta (constant and invscaling schedules)")
    ap.add_argument("--power-t", type=float, default=0.5,
                    help="p of the invscaling schedule")
    ap.add_argument("--alpha", type=float, default=0.0001,
                    help="alpha of the optimal schedule")
    ap.add_argument("--t0", type=float, default=1000.0,
                    help="t0 of the optimal schedule")
    ap.add_argument("--momentum", type=float, default=0.9,
                    help="beta of momentum, nesterov and ema-momentum")
    ap.add_argument("--beta1", type=float, default=0.9, help="adam beta1")
    ap.add_argument("--beta2", type=float, default=0.999, help="adam beta2")
    ap.add_argument("--epsilon", type=float, default=1e-8,
                    help="eps of adagrad and adam")
    ap.add_argument("--l2", "--weight-decay", dest="l2", type=float, default=0.0,
                    help="L2 strength lambda (weights only, never the bias)")
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
        for snap in train(events(), loss=args.loss, optimizer=args.optimizer,
                          schedule=args.schedule, eta=args.learning_rate,
                          power_t=args.power_t, alpha=args.alpha, t0=args.t0,
                          beta=args.momentum, beta1=args.beta1,
                          beta2=args.beta2, eps=args.epsilon, l2=args.l2,
                          snapshot_every=args.snapshot_every):
            out.write(json.dumps(snap) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
