#!/bin/sh
# Regenerate the golden files of FTRL-Proximal and the softmax models (and
# their data sets), from the repository root:
#
#     sh scripts/reference/make_breadth_golden.sh
#
# Needs Debian's /usr/bin/python3 with python3-torch and python3-sklearn
# (apt-get install -y python3-torch python3-sklearn); the FTRL reference needs
# only the standard library. Regenerating gives byte-identical files.
set -eu

R=scripts/reference
G=src/test/resources/golden
PY=${PY:-python3}
TORCH_PY=${TORCH_PY:-/usr/bin/python3}

# Data: digits (train/test split), wine, breast cancer; LogisticRegression's digits accuracy.
$TORCH_PY $R/breadth_datasets.py --output-dir $G

# PyTorch softmax references: digits (first 600 training rows, dense), wine (named features, classes by name).
D="--input $G/digits-train.csv --dense --classes 10 --rows 600 --checkpoint-every 100"
W="--input $G/wine.jsonl --class-names class_0,class_1,class_2 --classes 3 --epochs 2 --checkpoint-every 100"
$TORCH_PY $R/softmax_torch_reference.py $D --optimizer momentum --learning-rate 0.0001 --momentum 0.9 \
    --output $G/digits.torch-momentum.jsonl
$TORCH_PY $R/softmax_torch_reference.py $D --optimizer adam --learning-rate 0.001 --output $G/digits.torch-adam.jsonl
$TORCH_PY $R/softmax_torch_reference.py $D --optimizer adagrad --learning-rate 0.05 \
    --output $G/digits.torch-adagrad.jsonl
$TORCH_PY $R/softmax_torch_reference.py $W --optimizer momentum --learning-rate 0.01 --momentum 0.9 \
    --output $G/wine.torch-momentum.jsonl
$TORCH_PY $R/softmax_torch_reference.py $W --optimizer adam --learning-rate 0.01 --output $G/wine.torch-adam.jsonl
$TORCH_PY $R/softmax_torch_reference.py $W --optimizer adagrad --learning-rate 0.1 --output $G/wine.torch-adagrad.jsonl

# FTRL-Proximal, Algorithm 1 by hand (standard library), logistic loss, L1 large enough for exact zeros.
$PY $R/ftrl_reference.py --input $G/breast-cancer.csv --label label --alpha 0.1 --beta 1.0 --l1 1.0 --l2 1.0 \
    --output $G/breast-cancer.ftrl.jsonl
