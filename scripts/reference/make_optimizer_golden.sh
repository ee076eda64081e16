#!/bin/sh
# Regenerate the optimizer / schedule / penalty / loss golden files (and
# poisson-small.csv) and run the cross-checks. Run it from the repository root:
#
#     sh scripts/reference/make_optimizer_golden.sh
#
# The torch files need /usr/bin/python3 with python3-torch (Debian). The hand
# files need any Python 3. The cross-check outputs go to a temporary
# directory, and only the golden files are written to the repository.
# The script exits non-zero if a cross-check exceeds its tolerance.
set -eu

R=scripts/reference
G=src/test/resources/golden
PY=${PY:-python3}
TORCH_PY=${TORCH_PY:-/usr/bin/python3}
REG="--input $G/regression-small.csv --label y --loss squared --snapshot-every 1"
CLS="--input $G/classification-small.csv --label label --loss logistic --snapshot-every 1"

# ---- A. PyTorch (torch.optim.SGD, float64)
$TORCH_PY $R/torch_reference.py $REG --optimizer sgd --learning-rate 0.05 --epochs 1 \
    --output $G/regression-small.torch-sgd.jsonl
$TORCH_PY $R/torch_reference.py $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 2 \
    --output $G/regression-small.torch-momentum.jsonl
$TORCH_PY $R/torch_reference.py $REG --optimizer nesterov --learning-rate 0.01 --momentum 0.9 --epochs 2 \
    --output $G/regression-small.torch-nesterov.jsonl
$TORCH_PY $R/torch_reference.py $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --weight-decay 0.1 --epochs 2 \
    --output $G/regression-small.torch-momentum-l2.jsonl
$TORCH_PY $R/torch_reference.py $REG --optimizer nesterov --learning-rate 0.01 --momentum 0.9 --weight-decay 0.1 --epochs 2 \
    --output $G/regression-small.torch-nesterov-l2.jsonl
$TORCH_PY $R/torch_reference.py $CLS --optimizer nesterov --learning-rate 0.1 --momentum 0.9 --epochs 2 \
    --output $G/classification-small.torch-nesterov.jsonl

# ---- B. Hand-written reference (standard library)
$PY $R/optimizer_reference.py $REG --optimizer ema-momentum --learning-rate 0.1 --momentum 0.9 --epochs 2 \
    --output $G/regression-small.hand-ema-momentum.jsonl
$PY $R/optimizer_reference.py $REG --optimizer adagrad --learning-rate 0.5 --epochs 2 \
    --output $G/regression-small.hand-adagrad.jsonl
$PY $R/optimizer_reference.py $REG --optimizer adam --learning-rate 0.05 --epochs 2 \
    --output $G/regression-small.hand-adam.jsonl
$PY $R/optimizer_reference.py $REG --optimizer momentum --schedule invscaling --learning-rate 0.05 --power-t 0.5 \
    --momentum 0.9 --epochs 2 --output $G/regression-small.hand-momentum-invscaling.jsonl
$PY $R/optimizer_reference.py $REG --optimizer nesterov --schedule optimal --alpha 0.01 --t0 100 \
    --momentum 0.9 --epochs 2 --output $G/regression-small.hand-nesterov-optimal.jsonl
$PY $R/optimizer_reference.py $REG --optimizer ema-momentum --schedule invscaling --learning-rate 0.2 --power-t 0.25 \
    --momentum 0.9 --epochs 2 --output $G/regression-small.hand-ema-invscaling.jsonl
$PY $R/optimizer_reference.py $CLS --optimizer adam --learning-rate 0.05 --epochs 2 \
    --output $G/classification-small.hand-adam.jsonl
$PY $R/optimizer_reference.py $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --l2 0.1 --epochs 2 \
    --output $G/regression-small.hand-momentum-l2.jsonl

# Stable variant of the nesterov + optimal schedule run (the one above diverges).
$PY $R/optimizer_reference.py $REG --optimizer nesterov --schedule optimal --alpha 0.1 --t0 100 \
    --momentum 0.9 --epochs 2 --output $G/regression-small.hand-nesterov-optimal-stable.jsonl

# ---- C. Losses, clipping and L1 (hand-written reference)
# Count data for the poisson loss: x1, x2 ~ N(0, 0.5^2) from random.gauss, and
# y ~ Poisson(exp(0.3*x1 - 0.2*x2 + 0.5)) by Knuth's product-of-uniforms method,
# all drawn from one random.Random(23), row by row in the order x1, x2, y.
$PY - 40 23 $G/poisson-small.csv <<'EOF'
import math, random, sys
rows, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)

def poisson(lam):
    # Knuth: the number of uniforms multiplied before the product drops to exp(-lam) or below
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k

with open(out, "w", newline="\n") as f:
    f.write("x1,x2,y\n")
    for _ in range(rows):
        x1 = rng.gauss(0.0, 0.5)
        x2 = rng.gauss(0.0, 0.5)
        y = poisson(math.exp(0.3 * x1 - 0.2 * x2 + 0.5))
        f.write("%r,%r,%d\n" % (x1, x2, y))
EOF

RG="--input $G/regression-small.csv --label y --snapshot-every 1 --epochs 2"
CL="--input $G/classification-small.csv --label label --snapshot-every 1 --epochs 2"
PO="--input $G/poisson-small.csv --label y --snapshot-every 1 --epochs 2"
$PY $R/optimizer_reference.py $RG --loss absolute --optimizer sgd --learning-rate 0.05 \
    --output $G/regression-small.hand-absolute.jsonl
$PY $R/optimizer_reference.py $RG --loss huber --huber-delta 0.5 --optimizer momentum --momentum 0.9 --learning-rate 0.01 \
    --output $G/regression-small.hand-huber.jsonl
$PY $R/optimizer_reference.py $RG --loss quantile --quantile-tau 0.8 --optimizer momentum --momentum 0.9 --learning-rate 0.02 \
    --output $G/regression-small.hand-quantile.jsonl
$PY $R/optimizer_reference.py $CL --loss hinge --optimizer nesterov --momentum 0.9 --learning-rate 0.05 \
    --output $G/classification-small.hand-hinge.jsonl
$PY $R/optimizer_reference.py $PO --loss poisson --optimizer adagrad --learning-rate 0.1 \
    --output $G/poisson-small.hand-poisson.jsonl
$PY $R/optimizer_reference.py $RG --loss squared --optimizer momentum --momentum 0.9 --learning-rate 0.01 --l1 0.05 \
    --output $G/regression-small.hand-momentum-l1.jsonl
$PY $R/optimizer_reference.py $RG --loss squared --optimizer sgd --learning-rate 0.05 --l1 0.02 --l2 0.1 \
    --output $G/regression-small.hand-sgd-elasticnet.jsonl
$PY $R/optimizer_reference.py $RG --loss squared --optimizer momentum --momentum 0.9 --learning-rate 0.01 --clip-norm 1.0 \
    --output $G/regression-small.hand-momentum-clipnorm.jsonl
$PY $R/optimizer_reference.py $RG --loss squared --optimizer adam --learning-rate 0.05 --clip-value 0.5 \
    --output $G/regression-small.hand-adam-clipvalue.jsonl
# Strong L1: weights are truncated at 0 (x2 is exactly 0 on 49 of 80 lines), so q departs from -u.
$PY $R/optimizer_reference.py $RG --loss squared --optimizer sgd --learning-rate 0.05 --l1 2.0 \
    --output $G/regression-small.hand-sgd-l1-strong.jsonl

# ---- Cross-checks (absolute tolerance 1e-12 unless stated; the differences are printed)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
C="$PY $R/compare_jsonl.py"
TR="$TORCH_PY $R/torch_reference.py"
HR="$PY $R/optimizer_reference.py"

echo "== torch vs momentum_reference.py (existing golden files)"
$TR $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 3 --output $T/torch-momentum-3.jsonl
$C --name "torch momentum 3 epochs vs regression-small.momentum" $T/torch-momentum-3.jsonl $G/regression-small.momentum.jsonl
$C --name "torch-sgd vs regression-small.sgd" $G/regression-small.torch-sgd.jsonl $G/regression-small.sgd.jsonl
$TR $REG --optimizer momentum --learning-rate 0.001 --momentum 0.99 --epochs 2 --output $T/torch-heavy.jsonl
$C --name "torch momentum eta 0.001 beta 0.99 vs regression-small.heavy" $T/torch-heavy.jsonl $G/regression-small.heavy.jsonl
$TR $CLS --optimizer momentum --learning-rate 0.1 --momentum 0.9 --epochs 2 --output $T/torch-logistic.jsonl
$C --name "torch logistic momentum vs classification-small.logistic" $T/torch-logistic.jsonl $G/classification-small.logistic.jsonl

echo "== hand golden vs torch golden (weights, bias, runningLoss)"
$C --name "hand-momentum-l2 vs torch-momentum-l2 (golden files)" $G/regression-small.hand-momentum-l2.jsonl $G/regression-small.torch-momentum-l2.jsonl

echo "== hand vs torch --with-state (also compares the optimizer state)"
$TR $REG --with-state --optimizer momentum --learning-rate 0.01 --momentum 0.9 --weight-decay 0.1 --epochs 2 --output $T/t.jsonl
$C --name "hand-momentum-l2 vs torch momentum-l2 with state" $G/regression-small.hand-momentum-l2.jsonl $T/t.jsonl
$HR $REG --optimizer sgd --learning-rate 0.05 --epochs 1 --output $T/h.jsonl
$TR $REG --with-state --optimizer sgd --learning-rate 0.05 --epochs 1 --output $T/t.jsonl
$C --name "hand sgd vs torch sgd with state" $T/h.jsonl $T/t.jsonl
$C --name "hand sgd vs torch-sgd golden" $T/h.jsonl $G/regression-small.torch-sgd.jsonl
$HR $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 2 --output $T/t.jsonl
$C --name "hand momentum vs torch momentum with state" $T/h.jsonl $T/t.jsonl
$C --name "hand momentum vs torch-momentum golden" $T/h.jsonl $G/regression-small.torch-momentum.jsonl
$HR $REG --optimizer nesterov --learning-rate 0.01 --momentum 0.9 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer nesterov --learning-rate 0.01 --momentum 0.9 --epochs 2 --output $T/t.jsonl
$C --name "hand nesterov vs torch nesterov with state" $T/h.jsonl $T/t.jsonl
$C --name "hand nesterov vs torch-nesterov golden" $T/h.jsonl $G/regression-small.torch-nesterov.jsonl
$HR $REG --optimizer nesterov --learning-rate 0.01 --momentum 0.9 --l2 0.1 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer nesterov --learning-rate 0.01 --momentum 0.9 --weight-decay 0.1 --epochs 2 --output $T/t.jsonl
$C --name "hand nesterov-l2 vs torch nesterov-l2 with state" $T/h.jsonl $T/t.jsonl
$C --name "hand nesterov-l2 vs torch-nesterov-l2 golden" $T/h.jsonl $G/regression-small.torch-nesterov-l2.jsonl
$HR $CLS --optimizer nesterov --learning-rate 0.1 --momentum 0.9 --epochs 2 --output $T/h.jsonl
$TR $CLS --with-state --optimizer nesterov --learning-rate 0.1 --momentum 0.9 --epochs 2 --output $T/t.jsonl
$C --name "hand logistic nesterov vs torch with state" $T/h.jsonl $T/t.jsonl
$C --name "hand logistic nesterov vs classification torch-nesterov golden" $T/h.jsonl $G/classification-small.torch-nesterov.jsonl
$TR $REG --with-state --optimizer adagrad --learning-rate 0.5 --epochs 2 --output $T/t.jsonl
$C --name "hand-adagrad vs torch Adagrad with state" $G/regression-small.hand-adagrad.jsonl $T/t.jsonl
$TR $REG --with-state --optimizer adam --learning-rate 0.05 --epochs 2 --output $T/t.jsonl
$C --name "hand-adam vs torch Adam with state" $G/regression-small.hand-adam.jsonl $T/t.jsonl
$TR $CLS --with-state --optimizer adam --learning-rate 0.05 --epochs 2 --output $T/t.jsonl
$C --name "classification hand-adam vs torch Adam with state" $G/classification-small.hand-adam.jsonl $T/t.jsonl
$HR $REG --optimizer adam --learning-rate 0.05 --l2 0.1 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer adam --learning-rate 0.05 --weight-decay 0.1 --epochs 2 --output $T/t.jsonl
$C --name "hand adam l2 0.1 vs torch Adam weight_decay 0.1 with state" $T/h.jsonl $T/t.jsonl
$HR $REG --optimizer adagrad --learning-rate 0.5 --l2 0.1 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer adagrad --learning-rate 0.5 --weight-decay 0.1 --epochs 2 --output $T/t.jsonl
$C --name "hand adagrad l2 0.1 vs torch Adagrad weight_decay 0.1 with state" $T/h.jsonl $T/t.jsonl

echo "== schedules and ema-momentum: hand vs torch with lr_t written per step, with state"
$TR $REG --with-state --optimizer ema-momentum --learning-rate 0.1 --momentum 0.9 --epochs 2 --output $T/t.jsonl
$C --name "hand-ema-momentum vs torch SGD lr (1-beta)*eta with state" $G/regression-small.hand-ema-momentum.jsonl $T/t.jsonl
$TR $REG --with-state --optimizer ema-momentum --schedule invscaling --learning-rate 0.2 --power-t 0.25 --momentum 0.9 \
    --epochs 2 --output $T/t.jsonl
$C --name "hand-ema-invscaling vs torch SGD lr (1-beta)*eta/t^p with state" $G/regression-small.hand-ema-invscaling.jsonl $T/t.jsonl
$HR $REG --optimizer sgd --schedule invscaling --learning-rate 0.05 --power-t 0.5 --l2 0.1 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer sgd --schedule invscaling --learning-rate 0.05 --power-t 0.5 --weight-decay 0.1 \
    --epochs 2 --output $T/t.jsonl
$C --name "hand sgd invscaling l2 0.1 vs torch" $T/h.jsonl $T/t.jsonl
$HR $REG --optimizer adam --schedule optimal --alpha 0.5 --t0 10 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer adam --schedule optimal --alpha 0.5 --t0 10 --epochs 2 --output $T/t.jsonl
$C --name "hand adam optimal (alpha 0.5, t0 10) vs torch" $T/h.jsonl $T/t.jsonl
$HR $REG --optimizer adagrad --schedule invscaling --learning-rate 0.5 --power-t 0.25 --epochs 2 --output $T/h.jsonl
$TR $REG --with-state --optimizer adagrad --schedule invscaling --learning-rate 0.5 --power-t 0.25 --epochs 2 --output $T/t.jsonl
$C --name "hand adagrad invscaling (p 0.25) vs torch" $T/h.jsonl $T/t.jsonl
$HR $CLS --optimizer ema-momentum --schedule optimal --alpha 0.1 --t0 10 --momentum 0.9 --l2 0.01 --epochs 2 --output $T/h.jsonl
$TR $CLS --with-state --optimizer ema-momentum --schedule optimal --alpha 0.1 --t0 10 --momentum 0.9 --weight-decay 0.01 \
    --epochs 2 --output $T/t.jsonl
$C --name "hand logistic ema-momentum optimal l2 0.01 vs torch" $T/h.jsonl $T/t.jsonl

echo "== ema-momentum at constant eta = momentum at eta*(1-beta) (weights; state differs by design)"
$C --name "hand-ema-momentum (eta 0.1) vs torch-momentum (eta 0.01)" $G/regression-small.hand-ema-momentum.jsonl $G/regression-small.torch-momentum.jsonl

echo "== hand vs momentum_reference.py (same arithmetic: expect exactly 0)"
$HR $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 3 --output $T/h.jsonl
$C --name "hand momentum 3 epochs vs regression-small.momentum" $T/h.jsonl $G/regression-small.momentum.jsonl --tolerance 0
$HR $REG --optimizer momentum --learning-rate 0.05 --momentum 0 --epochs 1 --output $T/h.jsonl
$C --name "hand momentum beta 0 vs regression-small.sgd" $T/h.jsonl $G/regression-small.sgd.jsonl --tolerance 0
$HR $REG --optimizer momentum --learning-rate 0.001 --momentum 0.99 --epochs 2 --output $T/h.jsonl
$C --name "hand vs regression-small.heavy" $T/h.jsonl $G/regression-small.heavy.jsonl --tolerance 0
$HR $CLS --optimizer momentum --learning-rate 0.1 --momentum 0.9 --epochs 2 --output $T/h.jsonl
$C --name "hand vs classification-small.logistic" $T/h.jsonl $G/classification-small.logistic.jsonl --tolerance 0
$HR --input $G/hand-3step.csv --label y --loss squared --optimizer momentum --learning-rate 0.1 --momentum 0.9 \
    --epochs 1 --snapshot-every 1 --output $T/h.jsonl
$C --name "hand vs hand-3step" $T/h.jsonl $G/hand-3step.jsonl --tolerance 0
$HR $REG --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 3 --snapshot-every 7 --output $T/h.jsonl
$C --name "hand vs regression-small.every7" $T/h.jsonl $G/regression-small.every7.jsonl --tolerance 0

echo "== schedules at their degenerate settings (expect exactly 0)"
$HR $REG --optimizer momentum --schedule invscaling --learning-rate 0.01 --power-t 0 --momentum 0.9 --epochs 3 --output $T/h.jsonl
$C --name "hand invscaling p 0 vs regression-small.momentum" $T/h.jsonl $G/regression-small.momentum.jsonl --tolerance 0

echo "== losses, clipping and L1"
# Every dL/dz agrees with a central difference of L, away from the kinks.
PYTHONPATH=$R $PY - <<'EOF'
import optimizer_reference as ref
cases = [("squared", {}), ("logistic", {}), ("absolute", {}), ("huber", {"huber_delta": 0.5}),
         ("quantile", {"quantile_tau": 0.8}), ("hinge", {}), ("poisson", {})]
worst = 0.0
for name, kw in cases:
    fn = ref.make_loss(name, **kw)
    labels = {"logistic": (0.0, 1.0, -1.0), "hinge": (0.0, 1.0, -1.0), "poisson": (0.0, 1.0, 3.0)}.get(name, (-1.3, 0.0, 2.5))
    for y in labels:
        for z in (-2.1, -0.7, -0.3, 0.2, 0.45, 0.8, 1.6, 2.9):
            h = 1e-6
            numeric = (fn(z + h, y)[0] - fn(z - h, y)[0]) / (2 * h)
            d = abs(numeric - fn(z, y)[1]) / max(1.0, abs(numeric))
            worst = max(worst, d)
            if d > 1e-6:
                raise SystemExit("%s z=%r y=%r: dL/dz %r vs central difference %r" % (name, z, y, fn(z, y)[1], numeric))
print("dL/dz vs central difference, 7 losses x 3 labels x 8 scores: max rel diff %.3g" % worst)
EOF
# The new golden files are finite and their loss falls from epoch 1 to epoch 2.
$PY - $G/regression-small.hand-absolute.jsonl $G/regression-small.hand-huber.jsonl \
    $G/regression-small.hand-quantile.jsonl $G/classification-small.hand-hinge.jsonl $G/poisson-small.hand-poisson.jsonl \
    $G/regression-small.hand-momentum-l1.jsonl $G/regression-small.hand-sgd-elasticnet.jsonl \
    $G/regression-small.hand-momentum-clipnorm.jsonl $G/regression-small.hand-adam-clipvalue.jsonl \
    $G/regression-small.hand-sgd-l1-strong.jsonl <<'EOF'
import json, math, os, sys
for path in sys.argv[1:]:
    lines = [json.loads(l) for l in open(path)]
    values = [v for d in lines for v in list(d["weights"].values()) + [d["bias"], d["runningLoss"]]
              + [x for s in d["state"].values() for x in s]]
    if len(lines) != 80 or [d["version"] for d in lines] != list(range(1, 81)):
        raise SystemExit("%s: expected versions 1..80" % path)
    if not all(math.isfinite(v) for v in values):
        raise SystemExit("%s: non-finite value" % path)
    r = [d["runningLoss"] for d in lines]
    loss = [r[0]] + [(r[i] - 0.99 * r[i - 1]) / 0.01 for i in range(1, 80)]   # L of each event
    e1, e2 = sum(loss[:40]) / 40, sum(loss[40:]) / 40
    if not e2 < e1:
        raise SystemExit("%s: mean loss did not fall (%r, %r)" % (path, e1, e2))
    print("%s: finite, mean loss epoch 1 %.4f, epoch 2 %.4f" % (os.path.basename(path), e1, e2))
EOF
# Degenerate settings reproduce the existing files exactly.
$HR $REG --loss huber --huber-delta 1e300 --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 3 --output $T/h.jsonl
$C --name "huber delta 1e300 vs regression-small.momentum" $T/h.jsonl $G/regression-small.momentum.jsonl --tolerance 0
$HR $REG --clip-norm 1e300 --clip-value 1e300 --optimizer momentum --learning-rate 0.01 --momentum 0.9 --epochs 3 --output $T/h.jsonl
$C --name "clip-norm and clip-value 1e300 vs regression-small.momentum" $T/h.jsonl $G/regression-small.momentum.jsonl --tolerance 0
sed -e '2,$s/,0$/,-1/' $G/classification-small.csv > $T/minus.csv
$HR --input $T/minus.csv --label label --loss logistic --snapshot-every 1 --optimizer momentum --learning-rate 0.1 \
    --momentum 0.9 --epochs 2 --output $T/h.jsonl
$C --name "logistic with labels -1/1 vs classification-small.logistic" $T/h.jsonl $G/classification-small.logistic.jsonl --tolerance 0
$HR --input $T/minus.csv --label label --snapshot-every 1 --epochs 2 --loss hinge --optimizer nesterov --momentum 0.9 \
    --learning-rate 0.05 --output $T/h.jsonl
$C --name "hinge with labels -1/1 vs classification-small.hand-hinge" $T/h.jsonl $G/classification-small.hand-hinge.jsonl --tolerance 0
echo "all cross-checks passed"
