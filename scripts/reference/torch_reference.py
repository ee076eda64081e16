#!/usr/bin/python3
"""PyTorch reference for Inertia's optimizers, schedules and L2 weight decay.

This is a second implementation that shares no code with the Java side or
with the hand-written scripts. Autograd computes the gradients and
torch.optim applies the updates. It needs PyTorch. On Debian that is the
package python3-torch, which installs into the system interpreter, so run it
with /usr/bin/python3 (a pyenv `python3` on PATH will not see torch):

    apt-get install -y python3-torch
    /usr/bin/python3 scripts/reference/torch_reference.py --input FILE.csv \
        --label COLUMN [--model-key default] [--loss squared|logistic] \
        [--optimizer sgd|momentum|nesterov|ema-momentum|adagrad|adam] \
        [--schedule constant|invscaling|optimal] [--learning-rate 0.01] \
        [--power-t 0.5] [--alpha 0.0001] [--t0 1000] \
        [--momentum 0.9] [--weight-decay 0] \
        [--beta1 0.9] [--beta2 0.999] [--epsilon 1e-8] \
        [--with-state] [--epochs 1] [--snapshot-every 1000] --output OUT.jsonl

Model
-----
One linear model: the CSV's feature columns, sorted by name, form a
float64 weight vector w of shape (n,), and the bias b is a float64 scalar.
Both start at 0. Each event is one step. In float64:

    z = dot(w, x) + b
    squared:  L = 0.5 * (z - y)^2
    logistic: L = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
              (labels 0/1)
    L.backward(); optimizer.step()

The optimizer has two parameter groups. The group [w] uses
weight_decay = --weight-decay. The group [b] uses weight_decay = 0, so the
bias is never regularised. torch adds weight_decay * w to the gradient of
every parameter in the group, and it does so before the momentum or moment
update. torch updates EVERY parameter on each step (dense semantics).

Mapping to Inertia's optimizers (beta = --momentum)
---------------------------------------------------
    sgd       torch.optim.SGD(lr=eta, momentum=0)
              theta <- theta - eta*g
    momentum  torch.optim.SGD(lr=eta, momentum=beta, dampening=0)
              torch keeps buf <- beta*buf + g (buf = g on the first step)
              and applies theta <- theta - eta*buf. With Inertia's
              v <- beta*v + eta*g, theta <- theta - v, we have v = eta*buf at
              every step (induction: v_1 = eta*g_1 = eta*buf_1), so the
              trajectories are equal. They differ only in rounding. This
              holds ONLY for a constant eta: with a schedule, torch would
              rescale the whole accumulated buffer by the current lr.
    nesterov  torch.optim.SGD(lr=eta, momentum=beta, dampening=0,
              nesterov=True)
              theta <- theta - eta*(g + beta*buf_new)
                     = theta - (eta*g + beta*v_new)
              This is Inertia's v <- beta*v + eta*g,
              theta <- theta - (beta*v + eta*g). It also needs a constant
              eta.
    weight decay lambda
              g = dL/dtheta + lambda*w for the weights; the bias gets no
              penalty. This is Inertia's L2 with strength lambda.

Used only for cross-checks (the golden files for these come from
optimizer_reference.py):
    ema-momentum  torch.optim.SGD(momentum=beta, dampening=0) with
              lr_t = (1-beta)*eta_t. Inertia's v <- beta*v + (1-beta)*g
              equals (1-beta)*buf at every step, so
              theta <- theta - eta_t*v = theta - lr_t*buf. This holds for ANY
              schedule, because buf does not depend on lr. (Do not use
              SGD(dampening=1-beta): it sets buf = g on the first step, not
              (1-beta)*g.)
    adagrad   torch.optim.Adagrad(lr=eta_t, lr_decay=0,
              initial_accumulator_value=0, eps=eps)
              G <- G + g^2, theta <- theta - eta_t*g/(sqrt(G) + eps)
    adam      torch.optim.Adam(lr=eta_t, betas=(beta1, beta2), eps=eps,
              amsgrad=False)
              torch computes theta <- theta - (eta_t/(1-beta1^t)) * m /
              (sqrt(u)/sqrt(1-beta2^t) + eps). That is the same quantity as
              eta_t*mhat/(sqrt(uhat) + eps).

Schedules (t = version after the event = 1, 2, ...): constant eta_t = eta;
invscaling eta_t = eta / t^power_t; optimal eta_t = 1/(alpha*(t + t0)).
Before each step, the script writes the lr above into every parameter group.
momentum and nesterov accept only the constant schedule.

Version and running loss (same as momentum_reference.py)
---------------------------------------------------------
version = number of events applied so far (1 after the first event).
runningLoss r = L on the first event, afterwards r <- 0.99*r + 0.01*L, where
L is the loss of the event computed BEFORE its update.

Output
------
After the event that makes version a multiple of N (--snapshot-every), one
JSON line {modelKey, version, weights: {name: w} (sorted), bias,
runningLoss}. The final state is also written if the last snapshot was not at
the final version. Floats use repr() precision. With --with-state, each line
also gets the "state" object of optimizer_reference.py: {name: [values],
"bias": [values]}. Its values are momentum/nesterov [eta*momentum_buffer],
ema-momentum [(1-beta)*momentum_buffer], adagrad [sum],
adam [exp_avg, exp_avg_sq] and sgd []. The golden torch files are written
without it.
"""

import argparse
import csv
import json
import sys

import torch
import torch.nn.functional as F

RUNNING_LOSS_ALPHA = 0.01
DTYPE = torch.float64


def read_csv(path, label):
    """Return (sorted feature names, X rows as float lists, labels)."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if label not in header:
            raise SystemExit("label column %r not in header %r" % (label, header))
        names = sorted(h for h in header if h != label)
        cols = [header.index(n) for n in names]
        li = header.index(label)
        xs, ys = [], []
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise SystemExit("%s:%d: expected %d columns, got %d"
                                 % (path, lineno, len(header), len(row)))
            xs.append([float(row[c]) for c in cols])
            ys.append(float(row[li]))
    return names, xs, ys


def build_optimizer(kind, w, b, lr, beta, weight_decay, beta1, beta2, eps):
    groups = [
        {"params": [w], "weight_decay": weight_decay},
        {"params": [b], "weight_decay": 0.0},
    ]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.0, dampening=0.0,
                               nesterov=False, foreach=False)
    if kind == "momentum":
        return torch.optim.SGD(groups, lr=lr, momentum=beta, dampening=0.0,
                               nesterov=False, foreach=False)
    if kind == "nesterov":
        return torch.optim.SGD(groups, lr=lr, momentum=beta, dampening=0.0,
                               nesterov=True, foreach=False)
    if kind == "ema-momentum":
        return torch.optim.SGD(groups, lr=lr, momentum=beta, dampening=0.0,
                               nesterov=False, foreach=False)
    if kind == "adagrad":
        return torch.optim.Adagrad(groups, lr=lr, lr_decay=0.0,
                                   initial_accumulator_value=0.0, eps=eps,
                                   foreach=False)
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lr, betas=(beta1, beta2), eps=eps,
                                amsgrad=False, foreach=False)
    raise ValueError("unknown optimizer: %r" % (kind,))


def make_schedule(args):
    """Return t -> eta_t."""
    if args.schedule == "constant":
        return lambda t: args.learning_rate
    if args.schedule == "invscaling":
        return lambda t: args.learning_rate / t ** args.power_t
    if args.schedule == "optimal":
        return lambda t: 1.0 / (args.alpha * (t + args.t0))
    raise ValueError("unknown schedule: %r" % (args.schedule,))


def loss_of(kind, z, y):
    if kind == "squared":
        return 0.5 * (z - y) ** 2
    if kind == "logistic":
        return F.binary_cross_entropy_with_logits(z, y)
    raise ValueError("unknown loss: %r" % (kind,))


def run(args, out):
    torch.set_num_threads(1)
    names, xs, ys = read_csv(args.input, args.label)
    X = torch.tensor(xs, dtype=DTYPE)
    Y = torch.tensor(ys, dtype=DTYPE)

    w = torch.zeros(len(names), dtype=DTYPE, requires_grad=True)
    b = torch.zeros((), dtype=DTYPE, requires_grad=True)
    opt = build_optimizer(args.optimizer, w, b, args.learning_rate,
                          args.momentum, args.weight_decay,
                          args.beta1, args.beta2, args.epsilon)

    def state_lists(param):
        """Per-element state of one parameter tensor in the hand reference's
        layout: momentum/nesterov [eta*buf] (= Inertia's v), ema-momentum
        [(1-beta)*buf], adagrad [sum], adam [exp_avg, exp_avg_sq], sgd []."""
        st = opt.state.get(param, {})
        n = param.numel()
        if args.optimizer == "sgd":
            cols = []
        elif args.optimizer in ("momentum", "nesterov", "ema-momentum"):
            scale = (args.learning_rate if args.optimizer != "ema-momentum"
                     else 1.0 - args.momentum)
            buf = st.get("momentum_buffer")
            cols = [[0.0] * n if buf is None
                    else (scale * buf).reshape(-1).tolist()]
        elif args.optimizer == "adagrad":
            cols = [st["sum"].reshape(-1).tolist()]
        else:
            cols = [st["exp_avg"].reshape(-1).tolist(),
                    st["exp_avg_sq"].reshape(-1).tolist()]
        return [[c[i] for c in cols] for i in range(n)]

    def snapshot(version, running):
        wl = w.detach().tolist()
        snap = {
            "modelKey": args.model_key,
            "version": version,
            "weights": {n: wl[i] for i, n in enumerate(names)},
            "bias": b.detach().item(),
            "runningLoss": running,
        }
        if args.with_state:
            ws = state_lists(w)
            state = {n: ws[i] for i, n in enumerate(names)}
            state["bias"] = state_lists(b)[0]
            snap["state"] = state
        return snap

    eta_of = make_schedule(args)
    lr_scale = 1.0 - args.momentum if args.optimizer == "ema-momentum" else 1.0

    version = 0
    running = None
    last_emitted = 0
    for _ in range(args.epochs):
        for i in range(X.shape[0]):
            opt.zero_grad(set_to_none=False)
            z = torch.dot(w, X[i]) + b
            loss = loss_of(args.loss, z, Y[i])
            L = loss.item()
            loss.backward()
            lr_t = lr_scale * eta_of(version + 1)
            for group in opt.param_groups:
                group["lr"] = lr_t
            opt.step()

            version += 1
            if running is None:
                running = L
            else:
                running = ((1.0 - RUNNING_LOSS_ALPHA) * running
                           + RUNNING_LOSS_ALPHA * L)
            if version % args.snapshot_every == 0:
                last_emitted = version
                out.write(json.dumps(snapshot(version, running)) + "\n")
    if version > 0 and last_emitted != version:
        out.write(json.dumps(snapshot(version, running)) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="CSV file with header")
    ap.add_argument("--label", required=True, help="name of the label column")
    ap.add_argument("--model-key", default="default")
    ap.add_argument("--loss", choices=("squared", "logistic"), default="squared")
    ap.add_argument("--optimizer",
                    choices=("sgd", "momentum", "nesterov", "ema-momentum",
                             "adagrad", "adam"),
                    default="momentum")
    ap.add_argument("--schedule", choices=("constant", "invscaling", "optimal"),
                    default="constant")
    ap.add_argument("--learning-rate", type=float, default=0.01)
    ap.add_argument("--power-t", type=float, default=0.5)
    ap.add_argument("--alpha", type=float, default=0.0001)
    ap.add_argument("--t0", type=float, default=1000.0)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=0.0,
                    help="L2 strength on the weights (never the bias)")
    ap.add_argument("--beta1", type=float, default=0.9, help="adam only")
    ap.add_argument("--beta2", type=float, default=0.999, help="adam only")
    ap.add_argument("--epsilon", type=float, default=1e-8,
                    help="adagrad and adam only")
    ap.add_argument("--with-state", action="store_true",
                    help="add a 'state' object like optimizer_reference.py "
                         "(cross-checks only; momentum/nesterov state is "
                         "eta*momentum_buffer)")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--snapshot-every", type=int, default=1000)
    ap.add_argument("--output", required=True, help="JSONL output ('-' = stdout)")
    args = ap.parse_args(argv)
    if args.snapshot_every < 1:
        raise SystemExit("snapshot-every must be >= 1")
    if args.optimizer in ("momentum", "nesterov") and args.schedule != "constant":
        raise SystemExit("torch.optim.SGD equals Inertia's %s only at a constant "
                         "learning rate" % args.optimizer)

    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="\n")
    try:
        run(args, out)
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
