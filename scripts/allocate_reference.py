#!/usr/bin/env python3
"""The allocation rule of docs/allocation-rule.md ("The practical algorithm", step 3) in
numpy: the baseline `make bench-allocate` times `gvm-coordinator allocate`
against.

It reads the same JSON document as `gvm-coordinator allocate` on stdin, with
the standard library's `json`, and prints the same
{"counts": [...], "ratios": [...], "unallocated": U}. It is what a Python
user would write: vectorised numpy for the weights, the filters and the cap's
water-filling, `np.rint` (half to even) for rounding, and an `argpartition`
(expected O(m), no full sort) for the repair of the total.

The arithmetic is done in the same order as gvm's library (sums left to
right, via cumsum), so the counts agree exactly, not only up to near-ties.

    python3 scripts/allocate_reference.py < input.json
    python3 scripts/allocate_reference.py --check-vectors Tests/Fixtures/allocation-vectors.json
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np


class Refused(Exception):
    """Input the rule does not answer: a bad field, or nothing allocatable."""


def whole(document: dict, field: str, default=None) -> int:
    value = document.get(field, default)
    if value is None:
        raise Refused(f"{field}: is required")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise Refused(f"{field}: must be a whole number >= 0, got {value!r}")
    return int(value)


def sequential_sum(values: np.ndarray) -> float:
    """Left-to-right sum, as gvm's loop adds (np.sum is pairwise)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def smallest(keys: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest keys, ties to the lower index: argpartition
    finds the k-th key, then all keys below it and the lowest-indexed ones
    equal to it."""
    if k >= len(keys):
        return np.arange(len(keys))
    kth = keys[np.argpartition(keys, k - 1)[k - 1]]
    below = np.flatnonzero(keys < kth)
    equal = np.flatnonzero(keys == kth)[: k - len(below)]
    return np.concatenate([below, equal])


def round_and_repair(scaled: np.ndarray, total: int) -> np.ndarray:
    """Steps 6 and 7: round half to even, then move the total to exactly
    `total` by the largest (short) or smallest (over) residuals."""
    rounded = np.rint(scaled)
    counts = rounded.astype(np.int64)
    residuals = scaled - rounded
    missing = total - int(counts.sum())
    while missing != 0:
        adjust = min(abs(missing), len(counts))
        step = 1 if missing > 0 else -1
        chosen = smallest(-residuals if step > 0 else residuals, adjust)
        counts[chosen] += step
        residuals[chosen] -= step
        missing -= step * adjust
    return counts


def water_fill(ratios: np.ndarray, budget: int, cap: int) -> tuple[np.ndarray, int]:
    """Step 5: scaled_i, and U, the budget the cap leaves unallocated."""
    total = float(budget)
    if cap <= 0 or budget <= 0:
        return ratios * total, 0
    allocatable = np.flatnonzero(ratios > 0)
    scaled = np.zeros_like(ratios)
    if len(allocatable) * cap <= budget:
        scaled[allocatable] = cap
        return scaled, budget - len(allocatable) * cap
    uncapped = allocatable
    capped = 0
    while True:
        remaining = total - float(cap) * capped
        ratio_sum = sequential_sum(ratios[uncapped])
        shares = ratios[uncapped] * remaining / ratio_sum
        over = shares > cap
        scaled[uncapped] = np.where(over, float(cap), shares)
        if not over.any():
            return scaled, 0
        capped += int(over.sum())
        uncapped = uncapped[~over]


def normalised(values: np.ndarray, what: str) -> np.ndarray:
    total = sequential_sum(values)
    if not total > 0:
        raise Refused(f"nothing allocatable: {what}")
    return values / total


def allocate(document: dict) -> dict:
    strategy = document.get("strategy") or "gvm"
    norms = np.asarray(document["gradNorms"], dtype=np.float64)
    rates = np.asarray(document["acceptRates"], dtype=np.float64)
    if len(norms) != len(rates) or len(rates) == 0:
        raise Refused("gradNorms: must have as many entries as acceptRates (at least one)")
    budget = whole(document, "budget")
    cap = whole(document, "maxSamplesPerPrompt", 0)
    alpha = 1e-3 if document.get("alpha") is None else float(document["alpha"])
    beta = 2.0 if document.get("beta") is None else float(document["beta"])
    threshold = float(document.get("filterThreshold") or 0)
    insufficient = float(document.get("filterInsufficient") or 0)

    if strategy == "uniform":
        count = len(rates)
        if cap > 0 and count * cap <= budget:
            counts = np.full(count, cap, dtype=np.int64)
            return output(counts, counts / budget, budget - count * cap)
        counts = np.full(count, budget // count, dtype=np.int64)
        counts[: budget % count] += 1
        return output(counts, counts / budget if budget > 0 else np.zeros(count), 0)
    if strategy != "gvm":
        raise Refused(f"strategy: unknown strategy {strategy!r}")

    # Step 1: w_i = G_i / sqrt(p_i + alpha / p_i^(beta - 1)), 0 without an
    # accepted pre-sample or a gradient.
    usable = (norms > 0) & (rates > 0)
    safe_rates = np.where(usable, rates, 1.0)
    weights = np.where(usable, norms / np.sqrt(safe_rates + alpha / safe_rates ** (beta - 1)), 0.0)
    ratios = normalised(weights, "every prompt has zero weight")
    # Steps 2 and 3: both filters on the ratios before renormalising.
    if threshold > 0:
        ratios[rates > threshold] = 0
    if insufficient > 0:
        ratios[rates * ratios * float(budget) < insufficient] = 0
    ratios = normalised(ratios, "the filters removed every prompt")
    # Steps 5 to 8.
    scaled, unallocated = water_fill(ratios, budget, cap)
    counts = round_and_repair(scaled, budget - unallocated)
    if cap > 0 and budget > 0:
        ratios = scaled / float(budget)
    return output(counts, ratios, unallocated)


def output(counts: np.ndarray, ratios: np.ndarray, unallocated: int) -> dict:
    return {"counts": counts.tolist(), "ratios": ratios.tolist(), "unallocated": int(unallocated)}


def check_vectors(path: str) -> int:
    """Every case of allocation-vectors.json: counts and U exact, ratios to
    1e-9 relative (exactly 0 where expected 0), errors refused."""
    with open(path) as file:
        cases = json.load(file)["cases"]
    failures = 0
    for case in cases:
        name = case["name"]
        try:
            result = allocate(case)
        except Refused as refusal:
            if not case.get("expectError"):
                failures += 1
                print(f"FAIL {name}: refused: {refusal}")
            continue
        if case.get("expectError"):
            failures += 1
            print(f"FAIL {name}: answered, but must be refused")
            continue
        problems = []
        if result["counts"] != case["expectedCounts"]:
            problems.append(f"counts {result['counts']} != {case['expectedCounts']}")
        if result["unallocated"] != (case.get("expectedUnallocated") or 0):
            problems.append(f"unallocated {result['unallocated']} != {case.get('expectedUnallocated')}")
        for got, want in zip(result["ratios"], case["expectedRatios"]):
            if (got != 0) if want == 0 else abs(got - want) > 1e-9 * abs(want):
                problems.append(f"ratio {got} != {want}")
                break
        if len(result["ratios"]) != len(case["expectedRatios"]):
            problems.append("ratios have the wrong length")
        if problems:
            failures += 1
            print(f"FAIL {name}: " + "; ".join(problems))
    print(f"{len(cases) - failures} of {len(cases)} vectors pass")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check-vectors", metavar="FILE", help="check every case of an allocation-vectors.json")
    arguments = parser.parse_args()
    if arguments.check_vectors:
        return check_vectors(arguments.check_vectors)
    # One read and one write: json.load/json.dump on the text streams take
    # twice as long on 10^6 prompts, and the baseline should be a fair one.
    document = json.loads(sys.stdin.buffer.read())
    try:
        result = allocate(document)
    except Refused as refusal:
        print(f"allocate_reference: {refusal}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(json.dumps(result, separators=(",", ":")).encode() + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
