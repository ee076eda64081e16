#!/usr/bin/env python3
"""Hand-written reference for Inertia's optimizers, schedules and penalties.

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
    loss "logistic":  y in {0, 1}; a label -1 is class 0
                      p = 1 / (1 + exp(-z))          if z >= 0
                      p = exp(z) / (1 + exp(z))      if z <  0
                      L = log(1 + exp(-|z|)) + max(z, 0) - y*z   dL/dz = p - y
    loss "absolute":  L = |z - y|        dL/dz = sign(z - y)  (0 if z = y)
    loss "huber":     r = z - y, delta = --huber-delta
                      L = 0.5 * r^2                  if |r| <= delta
                      L = delta * (|r| - 0.5*delta)  otherwise
                      dL/dz = clamp(r, -delta, delta)
    loss "quantile":  tau = --quantile-tau
                      L = tau * (y - z)              if y >= z
                      L = (1 - tau) * (z - y)        otherwise
                      dL/dz = -tau if z < y, 1 - tau if z > y, 0 if z = y
    loss "hinge":     label 1 -> t = +1; label 0 or -1 -> t = -1
                      L = max(0, 1 - t*z)
                      dL/dz = -t if t*z < 1, else 0
    loss "poisson":   y >= 0 (a count)
                      L = exp(z) - y*z                 dL/dz = exp(z) - y

    gradients   G   = s * dL/dz                      (loss gradient)
                clip-norm c > 0 (--clip-norm):
                      norm = |G| * sqrt(sum_j x_j^2 + 1)
                             (sum over the event's features, sorted, from
                              0.0, then + 1 for the bias)
                      if norm > c:  G <- G * c / norm
                clip-value c > 0 (--clip-value):
                      each component G*x_j and the bias's G is clamped
                      to [-c, c]
                g_j = clampv(G * x_j) + l2 * w_j     (w_j BEFORE the update)
                g_b = clampv(G)                      (the bias is never
                                                      regularised)
                Clipping acts on the loss gradient only, before L2.

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

    L1          (--l1 lambda1 > 0; cumulative penalty, Tsuruoka, Tsujii and
                 Ananiadou 2009). The model keeps u (starts 0); every weight
                 (never the bias) keeps q (starts 0, also for a newly seen
                 feature).
                At the START of update t:  u <- u + eta_t * lambda1.
                After the optimizer step of a weight gave w (the value
                before the penalty):
                      w' = max(0, w - (u + q))   if w > 0
                      w' = min(0, w + (u - q))   if w < 0
                      w' = 0                     if w = 0
                      q  <- q + (w' - w);  w <- w'
                q is appended LAST to each parameter's state list (the bias
                too has a q, always 0): momentum with L1 -> [v, q], sgd with
                L1 -> [q], adam with L1 -> [m, u, q]. With lambda1 = 0 there
                is no q.

    A feature name seen for the first time starts with w = 0 and its state
    all 0. It joins the model before scoring (w = 0, so z is unchanged).

    running loss r = L on the first event, afterwards
                 r <- (1 - 0.01) * r + 0.01 * L,
                 where L is the loss of the event computed BEFORE its update
                 (without the L1 and L2 terms).

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
        --label COLUMN [--model-key default] \
        [--loss squared|logistic|absolute|huber|quantile|hinge|poisson] \
        [--huber-delta 1] [--quantile-tau 0.5] \
        [--optimizer sgd|momentum|nesterov|ema-momentum|adagrad|adam] \
        [--schedule constant|invscaling|optimal] [--learning-rate 0.01] \
        [--power-t 0.5] [--alpha 0.0001] [--t0 1000] [--momentum 0.9] \
        [--beta1 0.9] [--beta2 0.999] [--epsilon 1e-8] [--l2 0] [--l1 0] \
        [--clip-norm 0] [--clip-value 0] \
        [--epochs 1] [--snapshot-every 1000] --output OUT.jsonl

A clip setting of 0 (the default) is off.

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
    if y == -1.0:
        y = 0.0
    if y != 0.0 and y != 1.0:
        raise ValueError("logistic loss needs a label 0, 1 or -1, got %r" % (y,))
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


def _absolute(z, y):
    r = z - y
    if r > 0.0:
        d = 1.0
    elif r < 0.0:
        d = -1.0
    else:
        d = 0.0
    return abs(r), d


def _make_huber(delta):
    def huber(z, y):
        r = z - y
        a = abs(r)
        if a <= delta:
            loss = 0.5 * r * r
        else:
            loss = delta * (a - 0.5 * delta)
        return loss, max(-delta, min(delta, r))
    return huber


def _make_quantile(tau):
    def quantile(z, y):
        if y >= z:
            loss = tau * (y - z)
        else:
            loss = (1.0 - tau) * (z - y)
        if z < y:
            d = -tau
        elif z > y:
            d = 1.0 - tau
        else:
            d = 0.0
        return loss, d
    return quantile


def _hinge(z, y):
    if y == 1.0:
        t = 1.0
    elif y == 0.0 or y == -1.0:
        t = -1.0
    else:
        raise ValueError("hinge loss needs a label 0, 1 or -1, got %r" % (y,))
    margin = t * z
    loss = max(0.0, 1.0 - margin)
    return loss, (-t if margin < 1.0 else 0.0)


def _poisson(z, y):
    if y < 0.0:
        raise ValueError("poisson loss needs a label >= 0, got %r" % (y,))
    ez = math.exp(z)
    return ez - y * z, ez - y


LOSS_NAMES = ("squared", "logistic", "absolute", "huber", "quantile", "hinge",
              "poisson")


def make_loss(name, huber_delta=1.0, quantile_tau=0.5):
    """Return a function (z, y) -> (L, dL/dz)."""
    if name == "squared":
        return _squared
    if name == "logistic":
        return _logistic
    if name == "absolute":
        return _absolute
    if name == "huber":
        if not huber_delta > 0.0:
            raise ValueError("huber delta must be > 0")
        return _make_huber(huber_delta)
    if name == "quantile":
        if not 0.0 < quantile_tau < 1.0:
            raise ValueError("quantile tau must be in (0, 1)")
        return _make_quantile(quantile_tau)
    if name == "hinge":
        return _hinge
    if name == "poisson":
        return _poisson
    raise ValueError("unknown loss: %r" % (name,))


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

    def __init__(self, key, state_size, l1=False):
        self.key = key
        self.state_size = state_size
        self.l1 = l1                       # keep q (L1 cumulative penalty)?
        self.weights = {}                  # name -> w
        self.states = {}                   # name -> [state values]
        self.qs = {}                       # name -> q (only with L1)
        self.bias = 0.0
        self.bias_state = [0.0] * state_size
        self.u = 0.0                       # L1: total penalty per weight so far
        self.version = 0
        self.running_loss = None

    def score(self, features):
        z = 0.0
        for name in sorted(self.weights):
            x = features.get(name)
            if x is not None:
                z += self.weights[name] * x
        return z + self.bias

    def update(self, features, y, loss_fn, schedule, step, l2, s=1.0,
               l1=0.0, clip_norm=0.0, clip_value=0.0):
        """Apply one event; returns the pre-update loss L."""
        for name in features:
            if name == BIAS:
                raise ValueError("a feature may not be named %r" % BIAS)
            if name not in self.weights:
                self.weights[name] = 0.0
                self.states[name] = [0.0] * self.state_size
                self.qs[name] = 0.0

        z = self.score(features)
        L, dz = loss_fn(z, y)
        scaled = s * dz

        if clip_norm > 0.0:
            sq = 0.0
            for name in sorted(features):
                x = features[name]
                sq += x * x
            norm = abs(scaled) * math.sqrt(sq + 1.0)
            if norm > clip_norm:
                scaled = scaled * clip_norm / norm

        def clamp(g):
            if clip_value > 0.0:
                return max(-clip_value, min(clip_value, g))
            return g

        t = self.version + 1
        eta_t = schedule(t)
        if self.l1:
            self.u += eta_t * l1

        for name in sorted(self.weights):
            w = self.weights[name]
            g = clamp(scaled * features.get(name, 0.0)) + l2 * w
            w = step(w, g, self.states[name], eta_t, t)
            if self.l1:
                q = self.qs[name]
                if w > 0.0:
                    penalised = max(0.0, w - (self.u + q))
                elif w < 0.0:
                    penalised = min(0.0, w + (self.u - q))
                else:
                    penalised = 0.0
                self.qs[name] = q + (penalised - w)
                w = penalised
            self.weights[name] = w

        self.bias = step(self.bias, clamp(scaled), self.bias_state, eta_t, t)

        self.version = t
        if self.running_loss is None:
            self.running_loss = L
        else:
            self.running_loss = ((1.0 - RUNNING_LOSS_ALPHA) * self.running_loss
                                 + RUNNING_LOSS_ALPHA * L)
        return L

    def snapshot(self):
        names = sorted(self.weights)
        if self.l1:
            state = {n: list(self.states[n]) + [self.qs[n]] for n in names}
            state[BIAS] = list(self.bias_state) + [0.0]
        else:
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
          beta1=0.9, beta2=0.999, eps=1e-8, l2=0.0, snapshot_every=1000,
          huber_delta=1.0, quantile_tau=0.5, l1=0.0, clip_norm=0.0,
          clip_value=0.0):
    """Run the update rule over an iterable of (model_key, features, label).

    Yields snapshot dicts in emission order, including the final-state
    snapshots (in order of first appearance of each model key).
    """
    if snapshot_every < 1:
        raise ValueError("snapshot-every must be >= 1")
    for name, value in (("l1", l1), ("l2", l2), ("clip-norm", clip_norm),
                        ("clip-value", clip_value)):
        if not value >= 0.0:
            raise ValueError("%s must be >= 0" % name)
    loss_fn = make_loss(loss, huber_delta, quantile_tau)
    sched = make_schedule(schedule, eta, power_t, alpha, t0)
    state_size, step = make_optimizer(optimizer, beta, beta1, beta2, eps)
    models = {}
    last_emitted = {}
    for key, features, y in events:
        model = models.get(key)
        if model is None:
            model = models[key] = Model(key, state_size, l1 > 0.0)
            last_emitted[key] = 0
        model.update(features, y, loss_fn, sched, step, l2, l1=l1,
                     clip_norm=clip_norm, clip_value=clip_value)
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
    ap.add_argument("--loss", choices=LOSS_NAMES, default="squared")
    ap.add_argument("--huber-delta", type=float, default=1.0,
                    help="delta > 0 of the huber loss")
    ap.add_argument("--quantile-tau", type=float, default=0.5,
                    help="tau in (0, 1) of the quantile loss")
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
    ap.add_argument("--l1", type=float, default=0.0,
                    help="L1 strength lambda1, cumulative penalty (weights only)")
    ap.add_argument("--clip-norm", type=float, default=0.0,
                    help="c > 0: scale the loss gradient to L2 norm <= c (0 = off)")
    ap.add_argument("--clip-value", type=float, default=0.0,
                    help="c > 0: clamp each loss-gradient component to [-c, c] (0 = off)")
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
                          snapshot_every=args.snapshot_every,
                          huber_delta=args.huber_delta,
                          quantile_tau=args.quantile_tau, l1=args.l1,
                          clip_norm=args.clip_norm,
                          clip_value=args.clip_value):
            out.write(json.dumps(snap) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
