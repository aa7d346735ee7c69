"""The analysis library of the convergence benchmark (issue 15): each arm's
speed-up over uniform-n, with paired-bootstrap intervals over seeds, from a
few noisy points per run.

Pure numpy and the standard library, no I/O: the driver reads the committed
result rows, builds runs and calls `analyse`, which returns a JSON-ready
summary (camelCase keys) for the tables and plots. The unit tests, on
synthetic curves with a known speed-up of 1.5x, are in
`scripts/tests/test_convergence_analysis.py`:

    python3 -m unittest discover -s scripts/tests -v      (from the repo root)

A run is one (arm, seed): expected accuracy measured at a few trained
versions (0, 3, 6, 9, 12), each with the cumulative samples generated up to
that version, pre-sampling counted (0 at version 0).

Curves. Each run is fitted by least squares with the saturating curve
    y(x) = a - b exp(-c x),   b >= 0, c > 0
against linear samples (and, for the paper's measure, against versions). Why
a fitted curve and not isotonic regression with linear interpolation: with 5
points a run is concave between its points, and a chord reads every target
late, by an amount that grows with the spacing of the points measured in
units of the curve's own scale. Arms that spend more samples per iteration,
or learn faster, have wider spacing in those units, so the chord's error does
not cancel in the ratio. On the unit tests' synthetic curves (a true speed-up
of 1.5x, 12 seeds, 300 datasets) isotonic+linear reads it as 1.0x, 1.0x and
1.3x at the three targets when the faster arm spends 1024 samples per
iteration to uniform's 512, and as 1.34x to 1.43x when both spend 512; the
fitted curve reads 1.50x in both. The fitted curve has no such error when the
shape is right, is smooth, monotone by construction and is pulled by all 5
points, so one noisy point cannot make an early crossing. Its price is the
shape assumption (an exponential approach to a plateau); `fit_isotonic`
(pool-adjacent-violators, then linear interpolation) is kept as the
model-free check, and `analyse(method="isotonic")` runs everything with it.
The fit profiles c over a fixed log grid (a and b are linear given c, so each
grid point is a closed-form weighted least squares), with c * span from 0.02
(a straight line over the run) to 50 (a step at the first point): no
iteration, no starting values, no failure modes.

Endpoints, per run, all on fixed grids that lie inside every run:
  auc               mean of the fitted curve over the samples grid (trapezoid,
                    divided by the grid's span)
  samplesToTarget   the first sample count where the fitted curve reaches each
                    target; censored if not reached by the grid's end
  versionsToTarget  the same on the version axis (trained versions, pre-sampling
                    not counted): the paper's measure
A censored run is counted and enters the statistics at the censoring value,
the grid's end. That is a lower bound on its true value (its curve is below
the target everywhere it was observed), so it shrinks the ratio of the
slower arm towards 1: censoring can hide a difference, never make one. Two
censored runs of a pair count as equal.

Targets (`propose_targets`): fractions (default 1/4, 1/2, 3/4) of the way
from the arms' common start (the mean of their mean curves at the grid's
start; every arm starts from the same version 0) to the lowest final value
among the arms' mean curves. Mean fitted curves are monotone, so every arm's
mean curve reaches every target inside the grid. The rule is fixed before the
runs; only its inputs come from them.

Ratios (`paired_bootstrap`): ratio of means over the paired seeds,
    speed-up = mean(reference samples) / mean(arm samples)   (> 1: the arm needs fewer)
    ratio    = mean(arm AUC) / mean(reference AUC)
Ratio of means rather than mean of per-seed ratios: a per-seed ratio has a
heavy tail when a low target is reached almost at once. Seeds are paired by
(seed, cpu): the bootstrap resamples pair indices with replacement, the same
indices for both arms, and gives the 95% percentile interval.

What the interval leaves out, measured on the tests' synthetic curves (true
speed-up 1.5x, 12 seeds, point noise 0.75 points, 300-400 datasets): (1) a
percentile interval from 12 seeds is narrower than a 95% one should be
(roughly by sqrt(11/12) * 1.96 / t_11 = 0.85): its coverage is about 0.90
when both arms spend 512 samples per iteration. (2) Version 0 is one
measurement shared by every run (one checkpoint, common random numbers), so
its error is common to all seeds and resampling seeds cannot see it. It
matters when an arm crosses the targets between version 0 and its next
point, as an arm spending 1024 samples per iteration does: coverage falls to
0.82-0.90. Evaluating version 0 with 4x the samples (its noise halved)
brings it back to 0.88-0.91.

Controls: `aa_check` (the A/A arm's interval contains 1 and its half-width,
(high - low) / 2, is at most 0.15, else the seeds that would make it 0.15,
from half-width ~ 1/sqrt(seeds)) and `accounting_check` (uniform that
generates 2n and trains on half must need 1.6 to 2.4 times uniform-n's
samples).
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

BASELINE = "uniform-n"
TARGET_FRACTIONS = (0.25, 0.5, 0.75)
GRID_POINTS = 129
RESAMPLES = 2000
LEVEL = 0.95
AA_HALF_WIDTH = 0.15
ACCOUNTING_RANGE = (1.6, 2.4)
METHODS = ("saturating", "isotonic")
# c * span of the saturating fit, log-spaced: from a straight line over the
# run to a step at the first point after 0
RATE_GRID = np.geomspace(0.02, 50.0, 1200)


# ---------------------------------------------------------------- runs

@dataclass(frozen=True)
class Run:
    """One (arm, seed): accuracy at trained versions, with the cumulative
    samples generated up to each (pre-sampling counted)."""
    samples: np.ndarray
    accuracy: np.ndarray
    versions: np.ndarray
    seed: int | None = None
    cpu: str | None = None

    @classmethod
    def make(cls, samples, accuracy, versions, seed=None, cpu=None) -> "Run":
        samples = np.asarray(samples, dtype=np.float64)
        accuracy = np.asarray(accuracy, dtype=np.float64)
        versions = np.asarray(versions, dtype=np.float64)
        if not samples.shape == accuracy.shape == versions.shape or samples.ndim != 1:
            raise ValueError(f"samples, accuracy and versions differ in shape: "
                             f"{samples.shape}, {accuracy.shape}, {versions.shape}")
        if len(samples) < 3:
            raise ValueError(f"a run needs at least 3 points, got {len(samples)}")
        if not (np.isfinite(samples).all() and np.isfinite(accuracy).all() and np.isfinite(versions).all()):
            raise ValueError("a run has a non-finite value")
        order = np.argsort(versions, kind="stable")
        samples, accuracy, versions = samples[order], accuracy[order], versions[order]
        if np.any(np.diff(versions) <= 0) or np.any(np.diff(samples) < 0):
            raise ValueError("versions must be distinct and samples must not decrease with them")
        return cls(samples, accuracy, versions, seed, cpu)

    @classmethod
    def from_dict(cls, row: dict) -> "Run":
        """From {"samples": [...], "accuracy": [...], "versions": [...], "seed": s, "cpu": "..."}."""
        return cls.make(row["samples"], row["accuracy"], row["versions"], row.get("seed"), row.get("cpu"))

    def axis(self, name: str) -> np.ndarray:
        if name == "samples":
            return self.samples
        if name == "versions":
            return self.versions
        raise ValueError(f"unknown axis {name!r}")


def as_run(run) -> Run:
    return run if isinstance(run, Run) else Run.from_dict(run)


# ---------------------------------------------------------------- curves

def isotonic(y, weights=None) -> np.ndarray:
    """The non-decreasing least-squares fit to y (pool-adjacent-violators)."""
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for value, weight in zip(y, w):
        means.append(float(value))
        totals.append(float(weight))
        sizes.append(1)
        # merge backwards while the last block is below the one before it
        while len(means) > 1 and means[-2] > means[-1]:
            weight = totals[-2] + totals[-1]
            mean = (means[-2] * totals[-2] + means[-1] * totals[-1]) / weight
            size = sizes[-2] + sizes[-1]
            del means[-1], totals[-1], sizes[-1]
            means[-1], totals[-1], sizes[-1] = mean, weight, size
    return np.repeat(means, sizes)


@dataclass(frozen=True)
class Curve:
    """A monotone non-decreasing fitted curve over [0, span] of one axis.
    method "saturating": params (a, b, c) of a - b exp(-c x);
    method "isotonic":   knots (x, y), linear between them, flat beyond."""
    method: str
    span: float
    params: tuple[float, float, float] | None = None
    knots: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.method == "saturating":
            a, b, c = self.params
            return a - b * np.exp(-c * x)
        kx, ky = self.knots
        return np.interp(x, kx, ky)

    def reach(self, target: float, limit: float) -> float:
        """The first x in [0, limit] where the curve reaches target; inf if it
        does not. limit must lie within the fitted span."""
        if limit > self.span * (1 + 1e-12):
            raise ValueError(f"reading up to {limit} beyond the run's last point {self.span}")
        if self(0.0) >= target:
            return 0.0
        if self.method == "saturating":
            a, b, c = self.params
            if b <= 0 or a <= target:
                return math.inf
            x = -math.log((a - target) / b) / c
        else:
            kx, ky = self.knots
            above = np.flatnonzero(ky >= target)
            if len(above) == 0:
                return math.inf
            j = int(above[0])       # j >= 1: the first knot is below target
            x0, x1, y0, y1 = kx[j - 1], kx[j], ky[j - 1], ky[j]
            x = x1 if y1 == y0 else x0 + (target - y0) / (y1 - y0) * (x1 - x0)
        return float(x) if x <= limit else math.inf


def fit_isotonic(x, y) -> Curve:
    """Isotonic regression of y on x, linear between the points. Points at the
    same x are pooled first."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    unique, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=y) / counts
    return Curve("isotonic", float(unique[-1]), knots=(unique, isotonic(means, counts)))


def fit_saturating(x, y) -> Curve:
    """Least squares a - b exp(-c x) with b >= 0, c profiled over RATE_GRID
    (scaled by the span of x); ties go to the smallest c."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    span = float(x.max())
    if span <= 0:
        raise ValueError("a curve needs points beyond x = 0")
    z = np.exp(-RATE_GRID[:, None] * (x / span)[None, :])          # (K, n)
    zc = z - z.mean(1, keepdims=True)
    yc = y - y.mean()
    szz = (zc ** 2).sum(1)
    b = np.where(szz > 0, -(zc @ yc) / np.where(szz > 0, szz, 1.0), 0.0)
    b = np.maximum(b, 0.0)          # increasing only; b = 0 is the flat line at mean(y)
    a = y.mean() + b * z.mean(1)
    rss = ((y[None, :] - (a[:, None] - b[:, None] * z)) ** 2).sum(1)
    k = int(np.argmin(rss))
    return Curve("saturating", span, params=(float(a[k]), float(b[k]), float(RATE_GRID[k] / span)))


def fit_curve(x, y, method: str = "saturating") -> Curve:
    if method == "saturating":
        return fit_saturating(x, y)
    if method == "isotonic":
        return fit_isotonic(x, y)
    raise ValueError(f"unknown method {method!r}; one of {METHODS}")


def make_grid(runs, axis: str = "samples", points: int = GRID_POINTS) -> np.ndarray:
    """A grid from 0 to the shortest run's last point on this axis, so that
    it lies inside every run and nothing is extrapolated."""
    end = min(float(as_run(run).axis(axis)[-1]) for run in runs)
    if end <= 0:
        raise ValueError(f"a run ends at {axis} 0")
    return np.linspace(0.0, end, points)


def area(curve: Curve, grid: np.ndarray) -> float:
    """Mean of the curve over the grid: trapezoid area divided by the span."""
    values = curve(grid)
    return float(np.sum((values[1:] + values[:-1]) * np.diff(grid)) / 2 / (grid[-1] - grid[0]))


# ---------------------------------------------------------------- endpoints

@dataclass(frozen=True)
class Endpoints:
    """One run's endpoints. Censored values hold the grid's end."""
    auc: float
    samples: np.ndarray              # (targets,)
    samples_censored: np.ndarray     # (targets,) bool
    versions: np.ndarray
    versions_censored: np.ndarray
    samples_curve: Curve
    versions_curve: Curve


def reach_targets(curve: Curve, targets, end: float) -> tuple[np.ndarray, np.ndarray]:
    """(values, censored) per target; a target not reached by end is censored
    and takes the value end."""
    values = np.array([curve.reach(t, end) for t in targets], dtype=np.float64)
    censored = ~np.isfinite(values)
    return np.where(censored, end, values), censored


def run_endpoints(run, targets, samples_grid, versions_grid, method: str = "saturating",
                  curves: tuple[Curve, Curve] | None = None) -> Endpoints:
    """One run's endpoints; curves, if given, are its fits on (samples, versions)."""
    run = as_run(run)
    samples_grid = np.asarray(samples_grid, dtype=np.float64)
    versions_grid = np.asarray(versions_grid, dtype=np.float64)
    for grid, axis in ((samples_grid, "samples"), (versions_grid, "versions")):
        last = run.axis(axis)[-1]
        if grid[0] < run.axis(axis)[0] or grid[-1] > last * (1 + 1e-12):
            raise ValueError(f"the {axis} grid [{grid[0]}, {grid[-1]}] is not inside the run "
                             f"(seed {run.seed}): [{run.axis(axis)[0]}, {last}]")
    if curves is None:
        curves = fit_curve(run.samples, run.accuracy, method), fit_curve(run.versions, run.accuracy, method)
    on_samples, on_versions = curves
    samples, samples_censored = reach_targets(on_samples, targets, float(samples_grid[-1]))
    versions, versions_censored = reach_targets(on_versions, targets, float(versions_grid[-1]))
    return Endpoints(area(on_samples, samples_grid), samples, samples_censored, versions, versions_censored,
                     on_samples, on_versions)


def propose_targets(mean_curves: dict, fractions=TARGET_FRACTIONS) -> list[float]:
    """Targets at the given fractions of the way from the arms' common start
    (the mean of their curves' first values) to the lowest arm's final value,
    given each arm's mean fitted curve on the same grid."""
    curves = [np.asarray(c, dtype=np.float64) for c in mean_curves.values()]
    if not curves:
        raise ValueError("no curves")
    start = float(np.mean([c[0] for c in curves]))
    lowest = float(min(c[-1] for c in curves))
    if not lowest > start:
        raise ValueError(f"an arm's mean curve ends at {lowest:.4f}, not above the start {start:.4f}: no target "
                         "that every arm reaches")
    if any(not 0 < f < 1 for f in fractions):
        raise ValueError(f"fractions must lie in (0, 1): {fractions}")
    return [start + f * (lowest - start) for f in fractions]


# ---------------------------------------------------------------- bootstrap

def ratio_of_means(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator.mean(-1) / denominator.mean(-1); 0/0 counts as 1 (both at the
    start) and x/0 as inf."""
    num = np.mean(numerator, axis=-1)
    den = np.mean(denominator, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den == 0, np.where(num == 0, 1.0, np.inf), out)


def bootstrap_indices(pairs: int, resamples: int = RESAMPLES, seed=0) -> np.ndarray:
    """(resamples, pairs) pair indices drawn with replacement."""
    if pairs < 2:
        raise ValueError(f"a bootstrap needs at least 2 paired seeds, got {pairs}")
    return np.random.default_rng(seed).integers(0, pairs, size=(resamples, pairs))


def paired_bootstrap(reference, arm, statistic: str = "speedup", resamples: int = RESAMPLES, seed=0,
                     level: float = LEVEL, indices: np.ndarray | None = None) -> dict:
    """The ratio of the arm to the reference over paired seeds and its
    percentile interval. statistic "speedup": mean(reference) / mean(arm) (for
    samples or versions to a target); "ratio": mean(arm) / mean(reference)
    (for AUC). Element i of both arrays must be the same seed."""
    reference = np.asarray(reference, dtype=np.float64)
    arm = np.asarray(arm, dtype=np.float64)
    if reference.shape != arm.shape or reference.ndim != 1:
        raise ValueError(f"paired values differ in shape: {reference.shape}, {arm.shape}")
    if indices is None:
        indices = bootstrap_indices(len(arm), resamples, seed)
    if statistic == "speedup":
        num, den = reference, arm
    elif statistic == "ratio":
        num, den = arm, reference
    else:
        raise ValueError(f"unknown statistic {statistic!r}")
    estimate = float(ratio_of_means(num, den))
    replicates = ratio_of_means(num[indices], den[indices])
    # no interpolation between order statistics: an infinite replicate stays a bound
    low, high = np.quantile(replicates, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return {"estimate": estimate, "low": float(low), "high": float(high), "halfWidth": float((high - low) / 2),
            "level": level, "seeds": int(len(arm)), "resamples": int(len(indices))}


# ---------------------------------------------------------------- controls

def seeds_needed(half_width: float, seeds: int, target: float = AA_HALF_WIDTH) -> int | None:
    """Seeds that would bring a half-width measured with `seeds` seeds to
    target, with half-width ~ 1/sqrt(seeds); None when the half-width is not
    finite (a ratio with an endpoint never reached), where no count would do."""
    if not half_width > 0:
        return int(seeds)
    if not math.isfinite(half_width):
        return None
    return int(math.ceil(seeds * (half_width / target) ** 2 - 1e-9))


def aa_check(interval: dict, max_half_width: float = AA_HALF_WIDTH) -> dict:
    """The A/A arm's interval (from paired_bootstrap) must contain 1 and be at
    most max_half_width wide on each side on average; if it is wider, the
    seeds that would make it so."""
    low, high = interval["low"], interval["high"]
    half_width = (high - low) / 2
    contains = bool(low <= 1 <= high)
    narrow = bool(half_width <= max_half_width)
    return {"estimate": interval["estimate"], "low": low, "high": high, "halfWidth": half_width,
            "maxHalfWidth": max_half_width, "containsOne": contains, "narrowEnough": narrow,
            "seeds": interval["seeds"],
            "seedsNeeded": None if narrow else seeds_needed(half_width, interval["seeds"], max_half_width),
            "pass": contains and narrow}


def accounting_check(samples_ratio: float, low: float = ACCOUNTING_RANGE[0], high: float = ACCOUNTING_RANGE[1]) -> dict:
    """The control arm (uniform generating 2n, training on a random half) over
    uniform-n in samples to a target: must lie within [low, high]."""
    value = float(samples_ratio)
    return {"samplesRatio": value, "range": [low, high], "pass": bool(low <= value <= high)}


# ---------------------------------------------------------------- everything

def pair_key(run: Run, position: int):
    return (position if run.seed is None else run.seed, run.cpu)


def paired(arm_runs: list[Run], reference_runs: list[Run]) -> list[tuple[int, int]]:
    """(arm position, reference position) of every (seed, cpu) that both have,
    in the reference's order. Without seeds, runs pair by position."""
    keys = {}
    for i, run in enumerate(arm_runs):
        key = pair_key(run, i)
        if key in keys:
            raise ValueError(f"two runs of one arm share seed {key[0]} on cpu {key[1]!r}")
        keys[key] = i
    return [(keys[pair_key(run, j)], j) for j, run in enumerate(reference_runs) if pair_key(run, j) in keys]


def seed_for(seed: int, *names: str) -> list[int]:
    """A Generator seed from the analysis seed and stable names."""
    return [int(seed)] + [zlib.crc32(name.encode()) for name in names]


def json_number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def json_ready(value):
    """Non-finite floats become None, numpy scalars and arrays Python ones."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return json_number(value)
    return value


def mean_band(values: np.ndarray, z: float = 1.96) -> dict:
    """Mean over seeds (axis 0) and mean +- z standard errors."""
    mean = values.mean(0)
    se = values.std(0, ddof=1) / math.sqrt(len(values)) if len(values) > 1 else np.zeros_like(mean)
    return {"mean": mean, "low": mean - z * se, "high": mean + z * se}


def compare(arm: str, reference: str, runs: dict, endpoints: dict, targets, resamples: int, seed: int,
            level: float) -> dict:
    pairs = paired(runs[arm], runs[reference])
    a = [endpoints[arm][i] for i, _ in pairs]
    r = [endpoints[reference][j] for _, j in pairs]
    seeds = [runs[reference][j].seed for _, j in pairs]
    out = {"arm": arm, "reference": reference, "seeds": seeds, "pairs": len(pairs)}
    if len(pairs) < 2:
        out["error"] = f"{len(pairs)} paired seeds; a bootstrap needs 2"
        return out
    # one set of resampled seeds for every endpoint of this pair of arms
    indices = bootstrap_indices(len(pairs), resamples, seed_for(seed, arm, reference))

    def boot(ref_values, arm_values, statistic):
        return paired_bootstrap(ref_values, arm_values, statistic, level=level, indices=indices)

    auc = boot([e.auc for e in r], [e.auc for e in a], "ratio")
    auc.update(armMean=float(np.mean([e.auc for e in a])), referenceMean=float(np.mean([e.auc for e in r])))
    out["auc"] = auc
    for name, value, censored in (("samplesToTarget", "samples", "samples_censored"),
                                  ("versionsToTarget", "versions", "versions_censored")):
        rows = []
        for t, target in enumerate(targets):
            arm_values = np.array([getattr(e, value)[t] for e in a])
            ref_values = np.array([getattr(e, value)[t] for e in r])
            row = {"target": target, **boot(ref_values, arm_values, "speedup"),
                   "armMean": float(arm_values.mean()), "referenceMean": float(ref_values.mean()),
                   "censoredArm": int(sum(getattr(e, censored)[t] for e in a)),
                   "censoredReference": int(sum(getattr(e, censored)[t] for e in r))}
            rows.append(row)
        out[name] = rows
    return out


def analyse(arms: dict, baseline: str = BASELINE, targets=None, fractions=TARGET_FRACTIONS,
            target_arms=None, method: str = "saturating", grid_points: int = GRID_POINTS,
            resamples: int = RESAMPLES, seed: int = 0, level: float = LEVEL, comparisons=(),
            aa_arm: str | None = None, accounting_arm: str | None = None) -> dict:
    """Everything, for {arm: [runs]} (Run objects or dicts with samples,
    accuracy, versions and seed, optionally cpu). Every arm is compared with
    the baseline; `comparisons` adds (arm, reference) pairs (the balanced
    variant against uniform-(n+N')). Targets default to propose_targets over
    the mean curves of target_arms (default: every arm). Returns a
    JSON-serialisable summary."""
    if baseline not in arms:
        raise ValueError(f"no baseline arm {baseline!r} among {sorted(arms)}")
    runs = {name: [as_run(run) for run in arm_runs] for name, arm_runs in arms.items()}
    empty = [name for name, arm_runs in runs.items() if not arm_runs]
    if empty:
        raise ValueError(f"arms without runs: {empty}")
    every = [run for arm_runs in runs.values() for run in arm_runs]
    samples_grid = make_grid(every, "samples", grid_points)
    versions_grid = make_grid(every, "versions", grid_points)

    fitted = {name: [(fit_curve(r.samples, r.accuracy, method), fit_curve(r.versions, r.accuracy, method))
                     for r in arm_runs] for name, arm_runs in runs.items()}
    curves = {name: {"samples": mean_band(np.array([s(samples_grid) for s, _ in fits])),
                     "versions": mean_band(np.array([v(versions_grid) for _, v in fits]))}
              for name, fits in fitted.items()}
    proposed = targets is None
    if proposed:
        chosen = list(runs) if target_arms is None else list(target_arms)
        if any(name not in runs for name in chosen):
            raise ValueError(f"target arms {chosen} are not all among {sorted(runs)}")
        targets = propose_targets({name: curves[name]["samples"]["mean"] for name in chosen}, fractions)
    targets = [float(t) for t in targets]

    endpoints = {name: [run_endpoints(r, targets, samples_grid, versions_grid, method, fits)
                        for r, fits in zip(arm_runs, fitted[name])]
                 for name, arm_runs in runs.items()}
    summary_arms = {}
    for name, arm_runs in runs.items():
        summary_arms[name] = {
            "seeds": [r.seed for r in arm_runs], "runs": len(arm_runs),
            "censoredSamples": [int(sum(e.samples_censored[t] for e in endpoints[name])) for t in range(len(targets))],
            "censoredVersions": [int(sum(e.versions_censored[t] for e in endpoints[name]))
                                 for t in range(len(targets))],
            "ratios": {}}
    pairs = [(name, baseline) for name in runs if name != baseline] + [tuple(p) for p in comparisons]
    for arm, reference in pairs:
        if arm not in runs or reference not in runs:
            raise ValueError(f"comparison {arm!r} against {reference!r}: no such arm")
        summary_arms[arm]["ratios"][reference] = compare(arm, reference, runs, endpoints, targets, resamples, seed,
                                                         level)

    controls = {}
    for role, name in (("aa", aa_arm), ("accounting", accounting_arm)):
        if name is None:
            continue
        if name not in runs or name == baseline:
            raise ValueError(f"{role} control: no arm {name!r} besides the baseline")
        if "error" in summary_arms[name]["ratios"][baseline]:
            raise ValueError(f"{role} control {name!r}: {summary_arms[name]['ratios'][baseline]['error']}")
    if aa_arm is not None:
        result = summary_arms[aa_arm]["ratios"][baseline]
        controls["aa"] = {"arm": aa_arm, "auc": aa_check(result["auc"]),
                          "samplesToTarget": [dict(aa_check(row), target=row["target"])
                                              for row in result["samplesToTarget"]],
                          "versionsToTarget": [dict(aa_check(row), target=row["target"])
                                               for row in result["versionsToTarget"]]}
    if accounting_arm is not None:
        rows = []
        for row in summary_arms[accounting_arm]["ratios"][baseline]["samplesToTarget"]:
            # speed-up = baseline / arm, so the arm's samples over uniform-n's is its inverse
            check = accounting_check(1 / row["estimate"] if row["estimate"] else math.inf)
            check.update(target=row["target"], low=1 / row["high"] if row["high"] else math.inf,
                         high=1 / row["low"] if row["low"] else math.inf,
                         censoredArm=row["censoredArm"], censoredReference=row["censoredReference"])
            rows.append(check)
        controls["accounting"] = {"arm": accounting_arm, "samplesToTarget": rows,
                                  "pass": all(row["pass"] for row in rows)}

    return json_ready({
        "method": method, "baseline": baseline, "level": level, "resamples": resamples, "seed": seed,
        "grid": {"samples": samples_grid, "versions": versions_grid},
        "targets": targets, "targetFractions": list(fractions) if proposed else None,
        "targetArms": chosen if proposed else None,
        "curves": curves, "arms": summary_arms, "controls": controls})


# ---------------------------------------------------------------- GRPO branching

def uniform_line(budgets, gains) -> tuple[float, float]:
    """Least-squares line gain = intercept + slope * budget through the
    uniform arms' mean gains (one point per budget)."""
    budgets = np.asarray(budgets, dtype=np.float64)
    gains = np.asarray(gains, dtype=np.float64)
    slope, intercept = np.polyfit(budgets, gains, 1)
    return float(intercept), float(slope)


def equivalent_efficiency(intercept: float, slope: float, arm_gain: float, arm_samples: float,
                          uniform_mean_gain: float) -> float:
    """The uniform-equivalent budget of an arm's gain, read off uniform's
    line, over the samples the arm generated (> 1: the arm gains what uniform
    would need more samples for). A line that does not rise says nothing
    about budgets: an arm above uniform's mean gain then counts as +inf, one
    below as -inf, so such replicates widen the interval instead of vanishing."""
    if slope <= 0:
        return math.inf if arm_gain > uniform_mean_gain else -math.inf
    return (arm_gain - intercept) / slope / arm_samples


def branching_analysis(uniform: dict, arms: dict, resamples: int = RESAMPLES, seed=0, level: float = LEVEL) -> dict:
    """The GRPO branching endpoint for one checkpoint.

    uniform: {name: (budget, gains)}, the uniform arms (at least two budgets;
    budget = samples generated per iteration, gains = per-seed gain in
    expected accuracy over the checkpoint). arms: {name: (samples, gains)}
    for the other arms, samples per seed (pre-samples counted). Element i of
    every gains array is the same seed (the same prompt batch).

    Per arm: its mean gain, its mean samples, the uniform-equivalent budget
    read off uniform's line and its ratio to the samples spent (the
    efficiency), with a paired-bootstrap percentile interval that resamples
    seeds for the line and the arm together; `identified` is false when the
    line's slope interval reaches 0 (no budget can be read off a flat line).
    Also each arm's gain minus the smallest and the largest uniform arm's,
    paired (the largest: uniform at the samples paper GVM spends)."""
    names = sorted(uniform, key=lambda name: uniform[name][0])
    budgets = np.array([uniform[name][0] for name in names], dtype=np.float64)
    if len(set(budgets)) < 2:
        raise ValueError("uniform's line needs at least two budgets")
    uniform_gains = np.array([np.asarray(uniform[name][1], dtype=np.float64) for name in names])
    seeds = uniform_gains.shape[1]
    for name, (samples, gains) in arms.items():
        if len(gains) != seeds or np.size(samples) != seeds:
            raise ValueError(f"arm {name!r} has {len(gains)} seeds, uniform {seeds}")
    indices = bootstrap_indices(seeds, resamples, seed)
    intercept, slope = uniform_line(budgets, uniform_gains.mean(axis=1))
    line_replicates = [uniform_line(budgets, uniform_gains[:, row].mean(axis=1)) for row in indices]
    base = uniform_gains[0]
    quantiles = [(1 - level) / 2, (1 + level) / 2]
    out = {"uniform": {name: {"budget": float(b), "meanGain": float(g.mean()), "gainStandardError":
                              float(g.std(ddof=1) / math.sqrt(seeds))}
                       for name, b, g in zip(names, budgets, uniform_gains)},
           "line": {"intercept": intercept, "slope": slope,
                    "slopeLow": float(np.quantile([s for _, s in line_replicates], quantiles[0], method="inverted_cdf")),
                    "slopeHigh": float(np.quantile([s for _, s in line_replicates], quantiles[1],
                                                   method="inverted_cdf")),
                    "nonPositiveSlopeReplicates": int(sum(s <= 0 for _, s in line_replicates))},
           "seeds": seeds, "resamples": int(len(indices)), "level": level, "arms": {}}
    # Budgets can be read off the line only where it rises in (nearly) every resample;
    # a line flat within noise makes every efficiency unbounded, so it is reported as not identified.
    out["line"]["identified"] = bool(out["line"]["slopeLow"] > 0)
    for name, (samples, gains) in {**{n: (np.full(seeds, b), g) for n, b, g in zip(names, budgets, uniform_gains)},
                                   **arms}.items():
        samples = np.asarray(samples, dtype=np.float64)
        gains = np.asarray(gains, dtype=np.float64)
        estimate = equivalent_efficiency(intercept, slope, gains.mean(), samples.mean(), uniform_gains.mean())
        replicates = np.array([
            equivalent_efficiency(a, b, gains[row].mean(), samples[row].mean(), uniform_gains[:, row].mean())
            for (a, b), row in zip(line_replicates, indices)])
        low, high = np.quantile(replicates, quantiles, method="inverted_cdf")
        out["arms"][name] = {
            "meanGain": float(gains.mean()), "meanSamples": float(samples.mean()),
            "equivalentBudget": float(estimate * samples.mean()) if math.isfinite(estimate) else estimate,
            "efficiency": {"estimate": float(estimate), "low": float(low), "high": float(high),
                           "identified": out["line"]["identified"]},
            "gainOverSmallestUniform": paired_difference(gains, uniform_gains[0], names[0], indices, quantiles),
            "gainOverLargestUniform": paired_difference(gains, uniform_gains[-1], names[-1], indices, quantiles)}
    return json_ready(out)


def paired_difference(gains, reference_gains, reference: str, indices, quantiles) -> dict:
    """Mean of gains - reference gains over the paired seeds, with a percentile interval."""
    difference = np.asarray(gains, dtype=np.float64) - np.asarray(reference_gains, dtype=np.float64)
    low, high = np.quantile(difference[indices].mean(axis=1), quantiles, method="inverted_cdf")
    return {"reference": reference, "estimate": float(difference.mean()), "low": float(low), "high": float(high)}
