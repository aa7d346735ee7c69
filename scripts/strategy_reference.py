#!/usr/bin/env python3
"""The history statistics and the `knapsack` and `variance` strategies of
docs/allocation-strategies.md, written a second time in numpy from that page's
text, and the generator of their conformance vectors.

It is written from the page, not from gvm's Swift code, so that the Swift tests
check the code against an independent reading of the rules. Every sum is taken
left to right in prompt order, and every power p^n is a left-to-right product,
as the page asks, so that results agree to the last bit where the page says
they must (gains are compared exactly; rounding ties are real ties).

    python3 scripts/strategy_reference.py                # writes Tests/Fixtures/strategy-vectors.json
    python3 scripts/strategy_reference.py --out FILE
"""
from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

DEFAULTS = {
    "decay": 0.9,
    "priorStrength": 2.0,
    "sigmaMax": 0.15,
    "presamples": 8,
    "historyWindow": 2,
    "solvedMinSamples": 8,
    "hopelessMinSamples": 8,
    "knapsackFloor": 2,
}


class Refused(Exception):
    """Input the rules do not answer: a bad field, or nothing allocatable."""


# ---------------------------------------------------------------- checks

def whole(value, field: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Refused(f"{field}: must be a whole number >= {minimum}, got {value!r}")
    if not math.isfinite(float(value)) or value < minimum or value != int(value):
        raise Refused(f"{field}: must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def finite_array(values, field: str, low: float = 0.0, high: float = math.inf) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or not np.all(np.isfinite(array)) or np.any(array < low) or np.any(array > high):
        raise Refused(f"{field}: every entry must be a finite number in [{low}, {high}]")
    return array


def mask(values, count: int, field: str) -> np.ndarray:
    if values is None:
        return np.zeros(count, dtype=bool)
    array = np.asarray(values, dtype=bool)
    if array.shape != (count,):
        raise Refused(f"{field}: must have one entry per prompt")
    return array


def sequential_sum(values) -> float:
    """Left to right, in prompt order (np.sum is pairwise; Python 3.12's sum is compensated)."""
    total = 0.0
    for value in values:
        total = total + float(value)
    return total


# ---------------------------------------------------------------- history statistics

def posterior_update(correct, wrong, newCorrect, newWrong, decay: float):
    """One iteration: c <- decay*c + k, f <- decay*f + w, for every prompt
    (a prompt without samples this iteration has k = w = 0 and only decays)."""
    if not (0.0 < decay <= 1.0):
        raise Refused(f"decay: must be in (0, 1], got {decay!r}")
    c = finite_array(correct, "correct")
    f = finite_array(wrong, "wrong")
    k = finite_array(newCorrect, "correct")
    w = finite_array(newWrong, "wrong")
    for field, array in (("correct", k), ("wrong", w)):
        if np.any(array != np.floor(array)):
            raise Refused(f"{field}: sample counts must be whole numbers")
    return decay * c + k, decay * f + w


def gradient_update(normSums, normCounts, newSums, newCounts, decay: float):
    """S <- decay*S + (sum of this iteration's measured accepted norms),
    W <- decay*W + (how many were measured)."""
    if not (0.0 < decay <= 1.0):
        raise Refused(f"decay: must be in (0, 1], got {decay!r}")
    s = finite_array(newSums, "normSums")
    n = finite_array(newCounts, "normCounts")
    if np.any(n != np.floor(n)) or np.any((n == 0) & (s > 0)):
        raise Refused("normCounts: must be whole, and > 0 wherever normSums > 0")
    return decay * np.asarray(normSums, dtype=np.float64) + s, decay * np.asarray(normCounts, dtype=np.float64) + n


def groups(levels, count: int):
    """Prompt indices per level, in prompt order; None (no level) is its own key."""
    if levels is None:
        levels = [None] * count
    if len(levels) != count:
        raise Refused("levels: must have one entry per prompt")
    out: dict = {}
    for index, level in enumerate(levels):
        out.setdefault(level, []).append(index)
    return levels, out


def level_prior(correct, wrong, levels, priorStrength: float):
    """(priorA_i, priorB_i): s*(C+1)/(H+2) and s*(F+1)/(H+2) with C, F, H = C+F
    pooled over the prompt's level if H > 0 there, else over the dataset."""
    s = float(priorStrength)
    if not (math.isfinite(s) and s > 0):
        raise Refused(f"priorStrength: must be a finite number > 0, got {priorStrength!r}")
    c = np.asarray(correct, dtype=np.float64)
    f = np.asarray(wrong, dtype=np.float64)
    levels, members = groups(levels, len(c))
    data_c, data_f = sequential_sum(c), sequential_sum(f)
    pooled = {}
    for level, indices in members.items():
        level_c, level_f = sequential_sum(c[indices]), sequential_sum(f[indices])
        if level is None or not (level_c + level_f > 0):
            level_c, level_f = data_c, data_f
        h = level_c + level_f
        pooled[level] = (s * ((level_c + 1.0) / (h + 2.0)), s * ((level_f + 1.0) / (h + 2.0)))
    prior_a = np.array([pooled[level][0] for level in levels])
    prior_b = np.array([pooled[level][1] for level in levels])
    return prior_a, prior_b


def posterior(correct, wrong, priorA, priorB):
    """a, b, mean a/(a+b), sd sqrt(a*b / ((n*n)*(n+1))) with n = a+b."""
    a = np.asarray(priorA, dtype=np.float64) + np.asarray(correct, dtype=np.float64)
    b = np.asarray(priorB, dtype=np.float64) + np.asarray(wrong, dtype=np.float64)
    n = a + b
    return a, b, a / n, np.sqrt((a * b) / ((n * n) * (n + 1.0)))


def gradient_estimates(normSums, normCounts, levels):
    """G_i = S_i/W_i; else the level's pooled sum S/W; else the dataset's; else 1."""
    s = np.asarray(normSums, dtype=np.float64)
    w = np.asarray(normCounts, dtype=np.float64)
    levels, members = groups(levels, len(s))
    data_s, data_w = sequential_sum(s), sequential_sum(w)
    data = data_s / data_w if data_w > 0 else 1.0
    fallback = {}
    for level, indices in members.items():
        level_s, level_w = sequential_sum(s[indices]), sequential_sum(w[indices])
        fallback[level] = level_s / level_w if (level is not None and level_w > 0) else data
    return np.array([s[i] / w[i] if w[i] > 0 else fallback[levels[i]] for i in range(len(s))])


def presample_selection(a, b, sigmaMax: float, presamples: int) -> np.ndarray:
    """N' pre-samples where the posterior sd is strictly above sigmaMax, else 0."""
    if not (math.isfinite(float(sigmaMax)) and sigmaMax >= 0):
        raise Refused(f"sigmaMax: must be a finite number >= 0, got {sigmaMax!r}")
    count = whole(presamples, "presamples")
    _, _, _, sd = posterior(np.zeros(len(a)), np.zeros(len(a)), a, b)
    return np.where(sd > sigmaMax, count, 0).astype(np.int64) if count > 0 else np.zeros(len(a), dtype=np.int64)


def window_flags(iterations, historyWindow: int, solvedMinSamples: int, hopelessMinSamples: int, count: int):
    """Raw (undecayed) samples of the last W iterations, the current one's
    pre-samples included: solved = at least solvedMin samples, none wrong;
    hopeless = at least hopelessMin samples, none correct."""
    window = whole(historyWindow, "historyWindow", 1)
    solved_min = whole(solvedMinSamples, "solvedMinSamples", 1)
    hopeless_min = whole(hopelessMinSamples, "hopelessMinSamples", 1)
    right = np.zeros(count, dtype=np.int64)
    wrong = np.zeros(count, dtype=np.int64)
    for iteration in iterations[-window:]:
        right += np.asarray(iteration["correct"], dtype=np.int64)
        wrong += np.asarray(iteration["wrong"], dtype=np.int64)
    total = right + wrong
    return (total >= solved_min) & (wrong == 0), (total >= hopeless_min) & (right == 0)


def history_statistics(case: dict) -> dict:
    """Run a case's iterations from no history and report every statistic."""
    levels = case["levels"]
    count = len(levels)
    decay = float(case.get("decay", DEFAULTS["decay"]))
    c = np.zeros(count)
    f = np.zeros(count)
    s = np.zeros(count)
    w = np.zeros(count)
    for iteration in case["iterations"]:
        c, f = posterior_update(c, f, iteration["correct"], iteration["wrong"], decay)
        s, w = gradient_update(s, w, iteration["normSums"], iteration["normCounts"], decay)
    prior_a, prior_b = level_prior(c, f, levels, case.get("priorStrength", DEFAULTS["priorStrength"]))
    a, b, mean, sd = posterior(c, f, prior_a, prior_b)
    solved, hopeless = window_flags(
        case["iterations"], case.get("historyWindow", DEFAULTS["historyWindow"]),
        case.get("solvedMinSamples", DEFAULTS["solvedMinSamples"]),
        case.get("hopelessMinSamples", DEFAULTS["hopelessMinSamples"]), count)
    return {
        "correct": c, "wrong": f, "normSums": s, "normCounts": w,
        "priorA": prior_a, "priorB": prior_b, "a": a, "b": b, "mean": mean, "sd": sd,
        "gradNorms": gradient_estimates(s, w, levels),
        "presamples": presample_selection(a, b, case.get("sigmaMax", DEFAULTS["sigmaMax"]),
                                          case.get("presamples", DEFAULTS["presamples"])),
        "solved": solved, "hopeless": hopeless,
    }


# ---------------------------------------------------------------- knapsack

def power(x: float, n: int) -> float:
    """x^n as a left-to-right product of n factors; x^0 = 1."""
    result = 1.0
    for _ in range(n):
        result = result * x
    return result


def knapsack_value(p: float, n: int) -> float:
    """((1 - p^n) - q^n) * ((p*q)*q), q = 1 - p; 0 at n = 0."""
    if n == 0:
        return 0.0
    q = 1.0 - p
    return ((1.0 - power(p, n)) - power(q, n)) * ((p * q) * q)


def knapsack_gain(p: float, n: int) -> float:
    return knapsack_value(p, n + 1) - knapsack_value(p, n)


def knapsack_allocate(p, budget, cap=0, floor=2, excluded=None, hopeless=None, trace=None) -> dict:
    """Floors, then one sample at a time to the largest marginal gain below the
    cap (ties to the lower index). `excluded` are the solved prompts (0 each);
    `hopeless` prompts keep exactly the floor. `trace`, a list, receives
    (prompt, gain, best other gain) per greedy step."""
    rates = finite_array(p, "acceptRates", 0.0, 1.0)
    count = len(rates)
    if count == 0:
        raise Refused("acceptRates: needs at least one prompt")
    budget = whole(budget, "budget")
    cap = whole(cap, "maxSamplesPerPrompt")
    floor = whole(floor, "knapsackFloor", 1)
    solved = mask(excluded, count, "solved")
    stuck = mask(hopeless, count, "hopeless")
    if np.any(solved & stuck):
        raise Refused("hopeless: a prompt cannot be both solved and hopeless")
    active = np.flatnonzero(~solved)
    if len(active) == 0:
        raise Refused("nothing allocatable: every prompt is solved")
    least = min(floor, cap) if cap > 0 else floor
    counts = np.zeros(count, dtype=np.int64)
    if len(active) * least > budget:
        given = budget // least
        counts[active[:given]] = least
        return knapsack_output(counts, budget, budget - given * least)
    counts[active] = least
    remaining = budget - len(active) * least
    growing = ~solved & ~stuck
    gains = np.array([knapsack_gain(float(rates[i]), int(counts[i])) if growing[i] else 0.0 for i in range(count)])
    while remaining > 0:
        open_ = growing & ((counts < cap) if cap > 0 else True)
        if not open_.any():
            break
        keyed = np.where(open_, gains, -np.inf)
        chosen = int(np.argmax(keyed))  # first maximum: ties to the lower index
        if trace is not None:
            others = keyed.copy()
            others[chosen] = -np.inf
            trace.append((chosen, float(keyed[chosen]), float(others.max()) if open_.sum() > 1 else None))
        counts[chosen] += 1
        remaining -= 1
        gains[chosen] = knapsack_gain(float(rates[chosen]), int(counts[chosen]))
    return knapsack_output(counts, budget, remaining)


def knapsack_output(counts: np.ndarray, budget: int, unallocated: int) -> dict:
    ratios = counts / float(budget) if budget > 0 else np.zeros(len(counts))
    return {"counts": counts, "ratios": ratios, "unallocated": int(unallocated)}


# ---------------------------------------------------------------- variance

def variance_allocate(gradNorms, p, budget, cap=0, filterThreshold=0.0, filterInsufficient=0.0,
                      excluded=None, scaled_out=None) -> dict:
    """w_i = G_i * sqrt(p_i * (1 - p_i)), 0 for excluded (solved or hopeless)
    prompts, then GVM's steps 3.1 to 3.8 of docs/allocation-rule.md."""
    norms = finite_array(gradNorms, "gradNorms")
    rates = finite_array(p, "acceptRates", 0.0, 1.0)
    count = len(rates)
    if count == 0 or len(norms) != count:
        raise Refused("gradNorms: must have as many entries as acceptRates (at least one)")
    budget = whole(budget, "budget")
    cap = whole(cap, "maxSamplesPerPrompt")
    threshold = float(filterThreshold or 0.0)
    insufficient = float(filterInsufficient or 0.0)
    if not (math.isfinite(threshold) and threshold >= 0):
        raise Refused("filterThreshold: must be a finite number >= 0")
    if not (math.isfinite(insufficient) and insufficient >= 0):
        raise Refused("filterInsufficient: must be a finite number >= 0")
    out = mask(excluded, count, "excluded")
    weights = np.where(out, 0.0, norms * np.sqrt(rates * (1.0 - rates)))
    # 3.1
    total = sequential_sum(weights)
    if not total > 0:
        raise Refused("nothing allocatable: every prompt has zero weight")
    ratios = weights / total
    # 3.2, 3.3 (on the ratios before renormalising)
    if threshold > 0:
        ratios[rates > threshold] = 0.0
    if insufficient > 0:
        ratios[(rates * ratios) * float(budget) < insufficient] = 0.0
    # 3.4
    total = sequential_sum(ratios)
    if not total > 0:
        raise Refused("nothing allocatable: the filters removed every prompt")
    ratios = ratios / total
    # 3.5
    scaled, unallocated = water_fill(ratios, budget, cap)
    if scaled_out is not None:
        scaled_out.append(scaled.copy())
    # 3.6, 3.7
    counts = round_and_repair(scaled, budget - unallocated)
    # 3.8
    if cap > 0 and budget > 0:
        ratios = scaled / float(budget)
    return {"counts": counts, "ratios": ratios, "unallocated": int(unallocated)}


def water_fill(ratios: np.ndarray, budget: int, cap: int):
    n = float(budget)
    if cap == 0:
        return ratios * n, 0
    members = np.flatnonzero(ratios > 0)
    scaled = np.zeros(len(ratios))
    if len(members) * cap <= budget:
        scaled[members] = float(cap)
        return scaled, budget - len(members) * cap
    capped = np.zeros(len(ratios), dtype=bool)
    while True:
        free = members[~capped[members]]
        rest = n - float(cap) * float(capped.sum())
        t = sequential_sum(ratios[free])
        shares = (ratios[free] * rest) / t
        over = shares > cap
        if not over.any():
            scaled[free] = shares
            scaled[capped] = float(cap)
            return scaled, 0
        capped[free[over]] = True


def round_and_repair(scaled: np.ndarray, total: int) -> np.ndarray:
    rounded = np.rint(scaled)  # half to even
    counts = rounded.astype(np.int64)
    residuals = scaled - rounded
    order = np.arange(len(scaled))
    missing = total - int(counts.sum())
    while missing != 0:
        k = min(abs(missing), len(scaled))
        if missing > 0:
            chosen = np.lexsort((order, -residuals))[:k]  # largest residuals, lower index first
            counts[chosen] += 1
            residuals[chosen] -= 1.0
            missing -= k
        else:
            chosen = np.lexsort((order, residuals))[:k]  # smallest residuals, lower index first
            counts[chosen] -= 1
            residuals[chosen] += 1.0
            missing += k
    return counts


# ---------------------------------------------------------------- vectors

def listed(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def history_case(name: str, **inputs) -> dict:
    case = {"name": name, **inputs}
    try:
        result = history_statistics(case)
    except Refused as refusal:
        case["expectError"] = True
        case["error"] = str(refusal)
        return case
    for key in ("correct", "wrong", "normSums", "normCounts", "priorA", "priorB", "a", "b", "mean", "sd",
                "gradNorms", "presamples", "solved", "hopeless"):
        case["expected" + key[0].upper() + key[1:]] = listed(result[key])
    return case


def knapsack_case(name: str, acceptRates, budget, maxSamplesPerPrompt=0, knapsackFloor=2,
                  solved=None, hopeless=None) -> dict:
    count = len(acceptRates)
    case = {"name": name, "acceptRates": list(map(float, acceptRates)), "budget": budget,
            "maxSamplesPerPrompt": maxSamplesPerPrompt, "knapsackFloor": knapsackFloor,
            "solved": listed(np.asarray(solved if solved is not None else [False] * count, dtype=bool)),
            "hopeless": listed(np.asarray(hopeless if hopeless is not None else [False] * count, dtype=bool))}
    try:
        result = knapsack_allocate(acceptRates, budget, maxSamplesPerPrompt, knapsackFloor, solved, hopeless)
    except Refused as refusal:
        case["expectError"] = True
        case["error"] = str(refusal)
        return case
    case.update(expectedCounts=listed(result["counts"]), expectedRatios=listed(result["ratios"]),
                expectedUnallocated=result["unallocated"])
    return case


def variance_case(name: str, gradNorms, acceptRates, budget, maxSamplesPerPrompt=0, filterThreshold=0.0,
                  filterInsufficient=0.0, excluded=None) -> dict:
    count = len(acceptRates)
    case = {"name": name, "gradNorms": list(map(float, gradNorms)), "acceptRates": list(map(float, acceptRates)),
            "budget": budget, "maxSamplesPerPrompt": maxSamplesPerPrompt,
            "filterThreshold": float(filterThreshold), "filterInsufficient": float(filterInsufficient),
            "excluded": listed(np.asarray(excluded if excluded is not None else [False] * count, dtype=bool))}
    try:
        result = variance_allocate(gradNorms, acceptRates, budget, maxSamplesPerPrompt, filterThreshold,
                                   filterInsufficient, excluded)
    except Refused as refusal:
        case["expectError"] = True
        case["error"] = str(refusal)
        return case
    case.update(expectedCounts=listed(result["counts"]), expectedRatios=listed(result["ratios"]),
                expectedUnallocated=result["unallocated"])
    return case


def iteration(correct, wrong, normSums, normCounts) -> dict:
    return {"correct": list(correct), "wrong": list(wrong),
            "normSums": list(map(float, normSums)), "normCounts": list(normCounts)}


# The hand-worked cases of docs/allocation-strategies.md, by name.
HAND_HISTORY = {
    "hand-history-1-decay": dict(
        levels=[None], decay=0.5, priorStrength=2.0, sigmaMax=0.15, presamples=8, historyWindow=2,
        solvedMinSamples=8, hopelessMinSamples=8,
        iterations=[iteration([4], [0], [8.0], [4]), iteration([0], [0], [0.0], [0]),
                    iteration([0], [0], [0.0], [0])]),
    "hand-history-2-levels": dict(
        levels=[1, 1, 2, 3], decay=0.9, priorStrength=2.0, sigmaMax=0.15, presamples=8, historyWindow=2,
        solvedMinSamples=8, hopelessMinSamples=8,
        iterations=[iteration([6, 0, 1, 0], [2, 0, 3, 0], [12.0, 0.0, 5.0, 0.0], [6, 0, 1, 0])]),
    "hand-history-3-no-decay-window": dict(
        levels=[None, None, None], decay=1.0, priorStrength=4.0, sigmaMax=0.15, presamples=8, historyWindow=2,
        solvedMinSamples=8, hopelessMinSamples=8,
        iterations=[iteration([2, 0, 0], [2, 4, 0], [3.0, 0.0, 0.0], [2, 0, 0]),
                    iteration([3, 0, 0], [1, 4, 0], [6.0, 0.0, 0.0], [3, 0, 0])]),
}

HAND_KNAPSACK = {
    "hand-knapsack-1-greedy": dict(acceptRates=[0.5, 0.25, 0.75], budget=12),
    "hand-knapsack-2-solved-hopeless-cap": dict(
        acceptRates=[0.5, 0.25, 0.875, 0.125], budget=16, maxSamplesPerPrompt=5,
        solved=[False, False, True, False], hopeless=[False, False, False, True]),
    "hand-knapsack-3-ties": dict(acceptRates=[0.75, 0.25, 0.25], budget=9),
}

HAND_VARIANCE = {
    "hand-variance-1-plain": dict(gradNorms=[1.0, 2.0, 1.0], acceptRates=[0.5, 0.2, 0.9], budget=12),
    "hand-variance-2-halves-and-ties": dict(gradNorms=[2.0, 1.0, 1.0, 0.0], acceptRates=[0.5, 0.5, 0.5, 0.5],
                                            budget=10),
    "hand-variance-3-filters-and-cap": dict(gradNorms=[1.0, 1.0, 2.0, 1.0], acceptRates=[0.5, 0.9, 0.5, 0.2],
                                            budget=16, maxSamplesPerPrompt=9, filterThreshold=0.85,
                                            filterInsufficient=1.0),
}


def far_from_ties(scaled: np.ndarray) -> bool:
    """No residual near a half, and no two residuals near each other (random cases only)."""
    residuals = scaled - np.floor(scaled)
    if np.any(np.abs(residuals - 0.5) < 1e-6):
        return False
    positive = np.sort(residuals[residuals > 1e-9])
    return not np.any(np.diff(positive) < 1e-6)


def random_history(rng: np.random.Generator, index: int) -> dict:
    count = int(rng.integers(2, 7))
    level_pool = [1, 2, 3, None]
    levels = [level_pool[int(rng.integers(0, 4))] for _ in range(count)]
    iterations = []
    for _ in range(int(rng.integers(1, 5))):
        seen = rng.random(count) < 0.7
        total = np.where(seen, rng.integers(0, 13, count), 0)
        right = np.array([int(rng.integers(0, t + 1)) for t in total])
        if rng.random() < 0.3:  # some all-correct or all-wrong rows for the window rule
            right = np.where(rng.random(count) < 0.5, total, 0)
        measured = np.array([int(rng.integers(0, r + 1)) for r in right])
        sums = np.round(measured * rng.uniform(0.5, 4.0, count), 6)
        iterations.append(iteration(right.tolist(), (total - right).tolist(), sums.tolist(), measured.tolist()))
    return dict(levels=levels, decay=float(rng.choice([0.5, 0.8, 0.9, 0.95, 1.0])),
                priorStrength=float(rng.choice([0.5, 1.0, 2.0, 4.0])),
                sigmaMax=float(rng.choice([0.05, 0.1, 0.15, 0.2])), presamples=int(rng.choice([0, 4, 8])),
                historyWindow=int(rng.integers(1, 4)), solvedMinSamples=int(rng.choice([4, 8])),
                hopelessMinSamples=int(rng.choice([4, 8])), iterations=iterations)


def build_vectors() -> dict:
    history = [history_case(name, **inputs) for name, inputs in HAND_HISTORY.items()]
    history += [
        history_case("history-no-history-at-all", levels=[None, 2, 2], decay=0.9, priorStrength=2.0,
                     sigmaMax=0.15, presamples=8, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0])]),
        history_case("history-no-iterations", levels=[1, 2], decay=0.9, priorStrength=2.0, sigmaMax=0.15,
                     presamples=8, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8, iterations=[]),
        history_case("history-decay-only-three-iterations", levels=[1, 1], decay=0.9, priorStrength=2.0,
                     sigmaMax=0.15, presamples=8, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([5, 2], [3, 6], [10.0, 3.0], [5, 2])]
                     + [iteration([0, 0], [0, 0], [0.0, 0.0], [0, 0])] * 3),
        history_case("history-lambda-one-sums", levels=[1, 1], decay=1.0, priorStrength=2.0, sigmaMax=0.15,
                     presamples=8, historyWindow=3, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([4, 0], [0, 4], [4.0, 0.0], [4, 0]),
                                 iteration([4, 0], [0, 4], [8.0, 0.0], [4, 0])]),
        history_case("history-solved-window-expires", levels=[1, 1], decay=0.9, priorStrength=2.0,
                     sigmaMax=0.15, presamples=8, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([8, 0], [0, 8], [8.0, 0.0], [8, 0]),
                                 iteration([0, 0], [0, 0], [0.0, 0.0], [0, 0]),
                                 iteration([0, 0], [0, 0], [0.0, 0.0], [0, 0])]),
        history_case("history-presamples-zero", levels=[None, None], decay=0.9, priorStrength=2.0, sigmaMax=0.15,
                     presamples=0, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([1, 0], [0, 0], [1.0, 0.0], [1, 0])]),
        history_case("history-sigma-max-zero-selects-all", levels=[1, 1], decay=0.9, priorStrength=2.0,
                     sigmaMax=0.0, presamples=4, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([40, 0], [0, 40], [40.0, 0.0], [40, 0])]),
        history_case("history-refused-decay-zero", levels=[1], decay=0.0, priorStrength=2.0, sigmaMax=0.15,
                     presamples=8, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([1], [1], [1.0], [1])]),
        history_case("history-refused-strength-zero", levels=[1], decay=0.9, priorStrength=0.0, sigmaMax=0.15,
                     presamples=8, historyWindow=2, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([1], [1], [1.0], [1])]),
        history_case("history-refused-window-zero", levels=[1], decay=0.9, priorStrength=2.0, sigmaMax=0.15,
                     presamples=8, historyWindow=0, solvedMinSamples=8, hopelessMinSamples=8,
                     iterations=[iteration([1], [1], [1.0], [1])]),
    ]
    rng = np.random.default_rng(20260301)
    made = 0
    while made < 30:
        inputs = random_history(rng, made)
        result = history_statistics(inputs)
        if np.any(np.abs(result["sd"] - inputs["sigmaMax"]) < 1e-9):
            continue
        history.append(history_case(f"history-random-{made:02d}", **inputs))
        made += 1

    knapsack = [knapsack_case(name, **inputs) for name, inputs in HAND_KNAPSACK.items()]
    knapsack += [
        knapsack_case("knapsack-floors-exceed-budget", [0.5, 0.25, 0.75, 0.5], 7),
        knapsack_case("knapsack-floors-exceed-budget-skips-solved", [0.5, 0.9, 0.25, 0.75], 5,
                      solved=[False, True, False, False]),
        knapsack_case("knapsack-budget-zero", [0.5, 0.25], 0),
        knapsack_case("knapsack-floors-exactly-budget", [0.5, 0.25, 0.75], 6),
        knapsack_case("knapsack-all-solved", [0.9, 0.95], 10, solved=[True, True]),
        knapsack_case("knapsack-all-hopeless", [0.05, 0.1], 10, hopeless=[True, True]),
        knapsack_case("knapsack-cap-binds-everywhere", [0.5, 0.25, 0.75], 30, maxSamplesPerPrompt=6),
        knapsack_case("knapsack-cap-below-floor", [0.5, 0.25, 0.75], 10, maxSamplesPerPrompt=1),
        knapsack_case("knapsack-equal-rates-tie-to-lower-index", [0.5, 0.5, 0.5], 11),
        knapsack_case("knapsack-p-zero-and-one", [0.0, 1.0, 0.5], 10),
        knapsack_case("knapsack-floor-one", [0.5, 0.25, 0.75], 7, knapsackFloor=1),
        knapsack_case("knapsack-floor-three", [0.5, 0.25, 0.75], 14, knapsackFloor=3),
        knapsack_case("knapsack-large-budget", [0.5, 0.3, 0.7, 0.1], 200),
        knapsack_case("knapsack-refused-floor-zero", [0.5, 0.25], 10, knapsackFloor=0),
        knapsack_case("knapsack-refused-negative-cap", [0.5, 0.25], 10, maxSamplesPerPrompt=-1),
        knapsack_case("knapsack-refused-fractional-cap", [0.5, 0.25], 10, maxSamplesPerPrompt=2.5),
        knapsack_case("knapsack-refused-rate-above-one", [0.5, 1.25], 10),
        knapsack_case("knapsack-refused-solved-and-hopeless", [0.5, 0.25], 10, solved=[True, False],
                      hopeless=[True, False]),
    ]
    made = 0
    while made < 30:
        count = int(rng.integers(2, 9))
        rates = np.round(rng.uniform(0.02, 0.98, count), 4)
        budget = int(rng.integers(0, 12 * count))
        cap = int(rng.choice([0, 0, 3, 6, 10, 16]))
        floor = int(rng.choice([2, 2, 2, 1, 3]))
        solved = rng.random(count) < 0.15
        hopeless = (~solved) & (rng.random(count) < 0.15)
        if solved.all():
            continue
        trace: list = []
        knapsack_allocate(rates, budget, cap, floor, solved, hopeless, trace)
        if any(other is not None and abs(best - other) <= 1e-12 * abs(best) for _, best, other in trace):
            continue  # random cases keep their gains apart; exact ties are tested by name
        knapsack.append(knapsack_case(f"knapsack-random-{made:02d}", rates.tolist(), budget, cap, floor,
                                      solved.tolist(), hopeless.tolist()))
        made += 1

    variance = [variance_case(name, **inputs) for name, inputs in HAND_VARIANCE.items()]
    variance += [
        variance_case("variance-all-weights-zero", [1.0, 0.0], [0.0, 0.5], 8),
        variance_case("variance-rates-zero-and-one", [1.0, 1.0, 1.0], [0.0, 1.0, 0.5], 8),
        variance_case("variance-filters-remove-all", [1.0, 1.0], [0.9, 0.95], 8, filterThreshold=0.85),
        variance_case("variance-excluded-get-nothing", [1.0, 2.0, 1.0], [0.5, 0.5, 0.5], 12,
                      excluded=[False, True, False]),
        variance_case("variance-all-excluded", [1.0, 2.0], [0.5, 0.5], 12, excluded=[True, True]),
        variance_case("variance-cap-every-prompt", [1.0, 2.0, 3.0], [0.5, 0.2, 0.9], 30, maxSamplesPerPrompt=6),
        variance_case("variance-cap-two-rounds", [10.0, 9.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5], 20,
                      maxSamplesPerPrompt=7),
        variance_case("variance-threshold-strictly-greater", [1.0, 1.0], [0.5, 0.5], 8, filterThreshold=0.5),
        variance_case("variance-over-by-repair", [1.0, 1.0, 1.0], [0.5, 0.5, 0.5], 8),
        variance_case("variance-budget-zero", [1.0, 2.0], [0.5, 0.2], 0),
        variance_case("variance-refused-negative-norm", [1.0, -2.0], [0.5, 0.2], 8),
        variance_case("variance-refused-fractional-cap", [1.0, 2.0], [0.5, 0.2], 8, maxSamplesPerPrompt=2.5),
    ]
    made = 0
    while made < 30:
        count = int(rng.integers(2, 9))
        norms = np.round(rng.uniform(0.0, 5.0, count), 4)
        rates = np.round(rng.uniform(0.0, 1.0, count), 4)
        rates[rng.random(count) < 0.1] = 0.0
        budget = int(rng.integers(1, 16 * count))
        cap = int(rng.choice([0, 0, 4, 8, 16]))
        threshold = float(rng.choice([0.0, 0.0, 0.9, 0.8]))
        insufficient = float(rng.choice([0.0, 0.0, 1.0, 2.0]))
        excluded = rng.random(count) < 0.15
        scaled: list = []
        try:
            variance_allocate(norms, rates, budget, cap, threshold, insufficient, excluded, scaled)
        except Refused:
            continue
        if not far_from_ties(scaled[0]):
            continue
        variance.append(variance_case(f"variance-random-{made:02d}", norms.tolist(), rates.tolist(), budget, cap,
                                      threshold, insufficient, excluded.tolist()))
        made += 1

    return {
        "about": "Expected history statistics and knapsack and variance allocations, computed by "
                 "scripts/strategy_reference.py from the rules of docs/allocation-strategies.md.",
        "history": history,
        "knapsack": knapsack,
        "variance": variance,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="Tests/Fixtures/strategy-vectors.json", help="where to write the vectors")
    arguments = parser.parse_args()
    vectors = build_vectors()
    with open(arguments.out, "w") as file:
        json.dump(vectors, file, indent=1)
        file.write("\n")
    counts = {key: len(vectors[key]) for key in ("history", "knapsack", "variance")}
    print(f"wrote {arguments.out}: " + ", ".join(f"{n} {key}" for key, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
