#!/usr/bin/python3
"""Write the data sets of the FTRL and softmax golden files, from the copies
that ship inside scikit-learn (no download), and scikit-learn's own
LogisticRegression accuracy on the digits split.

Run with Debian's interpreter, which has python3-sklearn:

    /usr/bin/python3 scripts/reference/breadth_datasets.py --output-dir src/test/resources/golden

Every file is written in row order of one fixed permutation
(numpy.random.RandomState(0).permutation), so that an online learner does not
see one class after the other, and with numbers that parse back to the same
doubles in Python and Java (integers, or repr of a value rounded to a few
decimals):

  digits-train.csv, digits-test.csv
      load_digits: 1797 images of 8x8 pixels with values 0..16 (as integers),
      columns label, p00..p63 (row-major pixel order). The first
      round(0.7 * 1797) = 1258 permuted rows are the training split, the other
      539 the test split.
  digits-logistic-regression.json
      {"accuracy": A, ...}: the test accuracy of
      sklearn.linear_model.LogisticRegression(max_iter=5000) (L2, C = 1,
      lbfgs) fitted on the training split, pixels as given (0..16).
  wine.jsonl
      load_wine: 178 rows, each {"features": {name: x}, "label": "class_k"}
      with every feature standardized, (x - mean) / std over the 178 rows
      (population std), rounded to 6 decimals; the label is the class name.
  breast-cancer.csv
      load_breast_cancer: 569 rows, columns label (0 malignant, 1 benign) and
      the 30 features (spaces in their names replaced by _), each standardized
      as above and rounded to 4 decimals.
"""

import argparse
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score


def permutation(n):
    return np.random.RandomState(0).permutation(n)


def standardized(data, decimals):
    mean = data.mean(axis=0)
    std = data.std(axis=0)
    return np.round((data - mean) / std, decimals)


def number(x):
    # repr of a Python float: the shortest text that reads back as the same double.
    value = float(x)
    return "0.0" if value == 0 else repr(value)


def write_digits(out):
    digits = load_digits()
    order = permutation(len(digits.target))
    pixels = digits.data[order].astype(int)
    labels = digits.target[order].astype(int)
    train = int(round(0.7 * len(labels)))
    header = "label," + ",".join("p%02d" % i for i in range(pixels.shape[1]))
    for name, rows in (("digits-train.csv", range(0, train)), ("digits-test.csv", range(train, len(labels)))):
        with open(os.path.join(out, name), "w") as f:
            f.write(header + "\n")
            for i in rows:
                f.write(str(labels[i]) + "," + ",".join(str(p) for p in pixels[i]) + "\n")
    model = LogisticRegression(max_iter=5000)
    model.fit(pixels[:train], labels[:train])
    accuracy = accuracy_score(labels[train:], model.predict(pixels[train:]))
    with open(os.path.join(out, "digits-logistic-regression.json"), "w") as f:
        json.dump({"accuracy": float(accuracy), "train": train, "test": len(labels) - train,
                   "model": "sklearn.linear_model.LogisticRegression(max_iter=5000)"}, f)
        f.write("\n")
    return accuracy


def write_wine(out):
    wine = load_wine()
    order = permutation(len(wine.target))
    data = standardized(wine.data, 6)[order]
    labels = wine.target[order]
    with open(os.path.join(out, "wine.jsonl"), "w") as f:
        for i in range(len(labels)):
            features = {name: float(data[i, j]) for j, name in enumerate(wine.feature_names)}
            f.write(json.dumps({"features": features, "label": str(wine.target_names[labels[i]])}) + "\n")


def write_breast_cancer(out):
    cancer = load_breast_cancer()
    order = permutation(len(cancer.target))
    data = standardized(cancer.data, 4)[order]
    labels = cancer.target[order]
    names = [name.replace(" ", "_") for name in cancer.feature_names]
    with open(os.path.join(out, "breast-cancer.csv"), "w") as f:
        f.write("label," + ",".join(names) + "\n")
        for i in range(len(labels)):
            f.write(str(int(labels[i])) + "," + ",".join(number(x) for x in data[i]) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", required=True)
    args = parser.parse_args()
    accuracy = write_digits(args.output_dir)
    write_wine(args.output_dir)
    write_breast_cancer(args.output_dir)
    print("digits: LogisticRegression test accuracy %.6f" % accuracy)


if __name__ == "__main__":
    main()
