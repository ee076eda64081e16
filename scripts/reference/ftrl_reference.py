#!/usr/bin/env python3
"""FTRL-Proximal with the logistic loss: a plain transcription of Algorithm 1 of
McMahan et al., "Ad Click Prediction: a View from the Trenches" (KDD 2013),
standard library only, shares no code with the Java side.

    python3 scripts/reference/ftrl_reference.py --input FILE.csv --label label \\
        --alpha 0.1 --beta 1.0 --l1 1.0 --l2 0.5 [--epochs 1] [--weights-every 10] \\
        [--state-every 50] --output OUT.jsonl

Algorithm 1 (per-coordinate learning rates, L1 and L2), for t = 1, 2, ...:
    receive the feature vector x_t; let I = {i | x_i != 0}
    for i in I:
        w_i = 0                                                  if |z_i| <= l1
        w_i = -(z_i - sgn(z_i) * l1) / ((beta + sqrt(n_i)) / alpha + l2)   otherwise
    predict p_t = sigma(x_t . w) using the w_i above
    observe y_t in {0, 1}
    for i in I:
        g_i = (p_t - y_t) * x_i
        sigma_i = (sqrt(n_i + g_i^2) - sqrt(n_i)) / alpha
        z_i <- z_i + g_i - sigma_i * w_i
        n_i <- n_i + g_i^2

Inertia's bias is one more coordinate with x = 1 in every event and with
l1 = l2 = 0: it is never regularised. The dot product runs over the CSV's
feature columns in sorted name order and adds the bias last, as Inertia sums.
Every z and n starts at 0 (so every w at 0).

The loss before the update (for the running loss r <- 0.99 r + 0.01 L, r = L
after the first event) is the logistic loss of the score s = x . w + b:
L = log(1 + exp(-|s|)) + max(s, 0) - y*s, and p = 1/(1 + exp(-s)) for s >= 0,
exp(s)/(1 + exp(s)) otherwise.

Output: one JSON line per event, {"modelKey": "default", "version": t,
"prediction": p, "loss": L, "runningLoss": r, "bias": b}, p and L before the
update, b after it. Every --weights-every events and on the last line also
"weights": {name: w} (after the update, from the new z and n with the formula
above), every --state-every events and on the last line "state": {name: [z, n],
..., "bias": [z, n]}.
"""

import argparse
import csv
import json
import math


def weight(z, n, alpha, beta, l1, l2):
    if abs(z) <= l1:
        return 0.0
    sign = 1.0 if z > 0 else -1.0
    return -(z - sign * l1) / ((beta + math.sqrt(n)) / alpha + l2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--label", default="label")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--l1", type=float, default=0.0)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--weights-every", type=int, default=10)
    parser.add_argument("--state-every", type=int, default=50)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    with open(args.input, newline="") as f:
        reader = csv.DictReader(f)
        names = sorted(name for name in reader.fieldnames if name != args.label)
        rows = [({name: float(row[name]) for name in names}, float(row[args.label])) for row in reader]

    z = {name: 0.0 for name in names}
    n = {name: 0.0 for name in names}
    w = {name: 0.0 for name in names}
    bias = {"z": 0.0, "n": 0.0, "w": 0.0}
    running = 0.0
    total = len(rows) * args.epochs
    t = 0
    with open(args.output, "w") as out:
        for _ in range(args.epochs):
            for x, y in rows:
                t += 1
                touched = [name for name in names if x[name] != 0.0]
                for name in touched:
                    w[name] = weight(z[name], n[name], args.alpha, args.beta, args.l1, args.l2)
                bias["w"] = weight(bias["z"], bias["n"], args.alpha, args.beta, 0.0, 0.0)
                s = 0.0
                for name in touched:
                    s += w[name] * x[name]
                s += bias["w"]
                p = 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))
                loss = math.log1p(math.exp(-abs(s))) + max(s, 0.0) - y * s
                running = loss if t == 1 else 0.99 * running + 0.01 * loss
                for name in touched:
                    g = (p - y) * x[name]
                    sigma = (math.sqrt(n[name] + g * g) - math.sqrt(n[name])) / args.alpha
                    z[name] += g - sigma * w[name]
                    n[name] += g * g
                    w[name] = weight(z[name], n[name], args.alpha, args.beta, args.l1, args.l2)
                g = p - y
                sigma = (math.sqrt(bias["n"] + g * g) - math.sqrt(bias["n"])) / args.alpha
                bias["z"] += g - sigma * bias["w"]
                bias["n"] += g * g
                bias["w"] = weight(bias["z"], bias["n"], args.alpha, args.beta, 0.0, 0.0)
                line = {"modelKey": "default", "version": t, "prediction": p, "loss": loss, "runningLoss": running,
                        "bias": bias["w"]}
                if t % args.weights_every == 0 or t == total:
                    line["weights"] = {name: w[name] for name in names}
                if t % args.state_every == 0 or t == total:
                    state = {name: [z[name], n[name]] for name in names}
                    state["bias"] = [bias["z"], bias["n"]]
                    line["state"] = state
                out.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
