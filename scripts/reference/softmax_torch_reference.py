#!/usr/bin/python3
"""PyTorch reference for Inertia's softmax (multiclass logistic) models.

A second implementation that shares no code with the Java side: autograd
computes the gradients, torch.optim applies the updates, everything in
torch.float64. Run it with Debian's interpreter (python3-torch,
python3-sklearn):

    /usr/bin/python3 scripts/reference/softmax_torch_reference.py \\
        --input FILE.csv|FILE.jsonl --label label [--dense] [--class-names a,b,c] \\
        --classes K --optimizer momentum|sgd|adam|adagrad [--learning-rate 0.01] \\
        [--momentum 0.9] [--beta1 0.9] [--beta2 0.999] [--epsilon 1e-8] \\
        [--epochs 1] [--rows N] [--checkpoint-every 100] [--window 100] \\
        --output OUT.jsonl

Model
-----
torch.nn.Linear(d, K) in float64 with weight (K x d) and bias (K) set to 0,
torch.nn.CrossEntropyLoss on one sample per step (a batch of one):

    logits = model(x)                     (1 x K)
    p      = softmax(logits)              the probabilities before the update
    L      = CrossEntropyLoss(logits, y)  = -log p_y
    L.backward(); optimizer.step()

Features: a CSV's columns other than the label, in header order (--dense), or
a JSON line's "features" object, names sorted; either way feature j is column
j of the weight matrix, and the output names it as Inertia does (dense index j,
or the feature's name). Labels: integers 0..K-1, or with --class-names the
name of a class, read as its index.

Optimizers (lr = --learning-rate, constant):
    sgd       torch.optim.SGD(lr, momentum=0)
    momentum  torch.optim.SGD(lr, momentum=beta, dampening=0): buf <- beta*buf + g,
              theta <- theta - lr*buf, which is Inertia's v <- beta*v + lr*g,
              theta <- theta - v with v = lr*buf at every step
    adam      torch.optim.Adam(lr, betas=(beta1, beta2), eps=epsilon)
    adagrad   torch.optim.Adagrad(lr, lr_decay=0, initial_accumulator_value=0,
              eps=epsilon) (torch's default eps is 1e-10; Inertia's 1e-8 is
              passed explicitly)
foreach=False throughout.

Output: one JSON line per step t = 1, 2, ... (the model's version after it):
    {"version": t, "label": y, "loss": L, "probabilities": [p_0, ..., p_K-1]}
with L and p taken before the update. Every --checkpoint-every steps and after
the last step the line also holds the model after the update:
    "model": {"bias": [b_0..b_K-1], "weights": {name: [w_0..w_K-1]}}
         or  {"bias": [...], "denseWeights": [[w_0..w_K-1] per feature j]}
A last line {"final": {...}} holds metrics of the prequential predictions
(argmax of p before each update, the lowest index on a tie, as numpy.argmax
takes it) computed by scikit-learn: accuracy_score, f1_score(average="macro")
over the whole run and over its last --window steps, and the mean loss.
"""

import argparse
import csv
import json

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score


def read_rows(path, label, dense, class_names):
    def class_of(value):
        if isinstance(value, str) and class_names:
            return class_names.index(value)
        number = float(value)
        if number != int(number):
            raise SystemExit("label %r is not a class index" % value)
        return int(number)

    rows = []
    if path.endswith(".jsonl"):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        names = sorted({name for line in lines for name in line["features"]})
        for line in lines:
            rows.append(([float(line["features"].get(name, 0.0)) for name in names], class_of(line[label])))
        return names, rows, False
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        at = header.index(label)
        columns = [i for i in range(len(header)) if i != at]
        names = [header[i] for i in columns]
        for record in reader:
            rows.append(([float(record[i]) for i in columns], class_of(record[at])))
    return names, rows, dense


def optimizer_of(args, params):
    if args.optimizer == "sgd":
        return torch.optim.SGD(params, lr=args.learning_rate, momentum=0, foreach=False)
    if args.optimizer == "momentum":
        return torch.optim.SGD(params, lr=args.learning_rate, momentum=args.momentum, dampening=0, foreach=False)
    if args.optimizer == "adam":
        return torch.optim.Adam(params, lr=args.learning_rate, betas=(args.beta1, args.beta2), eps=args.epsilon,
                                amsgrad=False, foreach=False)
    if args.optimizer == "adagrad":
        return torch.optim.Adagrad(params, lr=args.learning_rate, lr_decay=0, initial_accumulator_value=0,
                                   eps=args.epsilon, foreach=False)
    raise SystemExit("unknown optimizer " + args.optimizer)


def model_line(model, names, dense):
    weight = model.weight.detach().numpy()
    bias = model.bias.detach().numpy()
    line = {"bias": [float(b) for b in bias]}
    per_feature = [[float(w) for w in weight[:, j]] for j in range(weight.shape[1])]
    if dense:
        line["denseWeights"] = per_feature
    else:
        line["weights"] = {name: per_feature[j] for j, name in enumerate(names)}
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--label", default="label")
    parser.add_argument("--dense", action="store_true")
    parser.add_argument("--class-names", default="")
    parser.add_argument("--classes", type=int, required=True)
    parser.add_argument("--optimizer", required=True)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--beta1", type=float, default=0.9)
    parser.add_argument("--beta2", type=float, default=0.999)
    parser.add_argument("--epsilon", type=float, default=1e-8)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rows", type=int, default=0, help="use only the first N rows (0: all)")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    torch.set_default_dtype(torch.float64)
    class_names = [name for name in args.class_names.split(",") if name]
    names, rows, dense = read_rows(args.input, args.label, args.dense, class_names)
    if args.rows:
        rows = rows[:args.rows]
    model = torch.nn.Linear(len(names), args.classes, dtype=torch.float64)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    optimizer = optimizer_of(args, model.parameters())
    criterion = torch.nn.CrossEntropyLoss()

    steps = len(rows) * args.epochs
    labels, predicted, losses = [], [], []
    with open(args.output, "w") as out:
        t = 0
        for _ in range(args.epochs):
            for features, label in rows:
                t += 1
                x = torch.tensor([features], dtype=torch.float64)
                y = torch.tensor([label])
                optimizer.zero_grad()
                logits = model(x)
                loss = criterion(logits, y)
                probabilities = torch.softmax(logits.detach(), dim=1)[0].numpy()
                loss.backward()
                optimizer.step()
                line = {"version": t, "label": label, "loss": float(loss.item()),
                        "probabilities": [float(p) for p in probabilities]}
                if t % args.checkpoint_every == 0 or t == steps:
                    line["model"] = model_line(model, names, dense)
                out.write(json.dumps(line) + "\n")
                labels.append(label)
                predicted.append(int(np.argmax(probabilities)))
                losses.append(float(loss.item()))
        w = args.window
        final = {
            "accuracy": accuracy_score(labels, predicted),
            "macroF1": f1_score(labels, predicted, average="macro"),
            "windowAccuracy": accuracy_score(labels[-w:], predicted[-w:]),
            "windowMacroF1": f1_score(labels[-w:], predicted[-w:], average="macro"),
            "meanLoss": sum(losses) / len(losses),
        }
        out.write(json.dumps({"final": final}) + "\n")


if __name__ == "__main__":
    main()
