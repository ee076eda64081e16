#!/usr/bin/env python3
"""A seeded click stream in a user's own nested JSON, for the feature-spec walkthrough (standard library only).

Each line is one ad impression:

    {"id": "e1", "user": {"id": "u17", "country": "DE"},
     "ad": {"id": "a3", "campaign": "c1", "price": 0.42}, "clicked": true}

Twelve ads a1..a12 in three campaigns (a1-a4 in c1, a5-a8 in c2, a9-a12 in c3), users u1..u500 each in one of five
countries, prices from 0.05 to 3.00. An impression is clicked with probability sigmoid(z), where

    z = -1.2 + country[c] + ad[a] + 1.5 if (c, a) is one of the few pairs that click well, - 0.4 * price

so the cross of country and ad carries signal that neither feature has alone. All randomness comes from one
random.Random(seed), drawn line by line, so (rows, seed) always gives the same file.

Usage:
    python3 scripts/reference/generate_clicks.py --rows 2000 --seed 7 --output examples/clicks.jsonl
"""

import argparse
import json
import math
import random

COUNTRIES = {"DE": 0.3, "FR": 0.0, "US": 0.5, "BR": -0.3, "JP": -0.5}
ADS = {"a%d" % i: effect for i, effect in enumerate(
    [0.4, -0.2, 0.0, 0.6, -0.5, 0.2, 0.1, -0.1, 0.3, -0.4, 0.0, 0.5], start=1)}
GOOD_PAIRS = {("DE", "a2"), ("US", "a5"), ("JP", "a9"), ("BR", "a11"), ("FR", "a7")}


def campaign(ad):
    return "c%d" % ((int(ad[1:]) - 1) // 4 + 1)


def rows(n, seed):
    rng = random.Random(seed)
    countries = sorted(COUNTRIES)
    user_country = {"u%d" % u: rng.choice(countries) for u in range(1, 501)}
    for i in range(1, n + 1):
        user = "u%d" % rng.randint(1, 500)
        country = user_country[user]
        ad = "a%d" % rng.randint(1, 12)
        price = round(rng.uniform(0.05, 3.0), 2)
        z = -1.2 + COUNTRIES[country] + ADS[ad] + (1.5 if (country, ad) in GOOD_PAIRS else 0.0) - 0.4 * price
        clicked = rng.random() < 1.0 / (1.0 + math.exp(-z))
        yield {"id": "e%d" % i, "user": {"id": user, "country": country},
               "ad": {"id": ad, "campaign": campaign(ad), "price": price}, "clicked": clicked}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Seeded click stream in nested JSON")
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    with open(args.output, "w", newline="\n") as f:
        for row in rows(args.rows, args.seed):
            f.write(json.dumps(row, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
