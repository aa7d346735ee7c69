#!/usr/bin/env python3
"""`make demo`: uniform-n and the best allocation strategy side by side, end
to end on one CPU machine with the built-in model.

Generates the arithmetic tasks (train, validation and test splits, and the
convergence benchmark's 512-prompt training pool), warm-starts version 0
(stopping on the validation split), starts one coordinator and two workers
over loopback, and runs two RAFT runs on it at once: uniform-n and the
strategy with the highest samples speed-up over uniform-n in the committed
convergence benchmark (docs/allocation/convergence.jsonl, read at start by
scripts/convergence_analysis.py; `--strategy ARM` picks another arm of
scripts/convergence.py). Both runs start from the same version 0 with the
same seed (the same prompt batches), the same budget n = 8 per prompt and the
benchmark's arm configurations and trainer settings, and the same two workers
serve both. Every 4th version of each run is evaluated offline as the
benchmark does (expected accuracy, k = 4 samples at temperature 1 on common
random numbers, here on the 300 validation prompts). It ends with both curves
on one SVG plot (expected accuracy against samples generated, pre-sampling
counted), a table of the samples each run needed to reach the same accuracy,
and the benchmark's 12-seed interval beside the demo's one-seed figure.

Resumable: tasks, version 0, the runs (the coordinator's database) and the
evaluations are kept in the data folder; an interrupted demo goes on and a
finished one is shown again (--fresh starts over).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convergence as cv  # noqa: E402
import gvmharness as gh  # noqa: E402

try:
    import convergence_analysis as ca  # numpy
except ImportError:  # no numpy: main() re-runs the demo in the analysis venv, or falls back
    ca = None

BASELINE = "uniform-n"
# the benchmark's RAFT learning rate (convergence_report.RAFT_LEARNING_RATE; a test keeps them equal)
LEARNING_RATE = 1e-4
# the arm shown when the benchmark cannot be read (no numpy, no rows): the best
# by the rows of docs/allocation.md when this was written
FALLBACK_ARM = "gvm-count-cap24"
PROMPTS, POOL, TEST_PROMPTS = 64, 512, 10      # the benchmark's batch, pool and shrunk evaluate stage
# 24 iterations (3 passes over the pool): both runs and their evaluations take about 4 minutes on
# 2 cores, so that `make demo` stays near 10 minutes after the build with the warm start
ITERATIONS = 24
EVAL_EVERY, EVAL_PROMPTS, EVAL_SAMPLES, EVAL_SEED = 4, 300, 4, 1
LEVEL_FRACTIONS = (1 / 3, 2 / 3, 1.0)
RESAMPLES = 2000                                # the report's, so the intervals are docs/allocation.md's
ANALYSIS_PYTHON = os.path.join(gh.REPO_ROOT, ".build", "venv-analysis", "bin", "python")


def say(line: str = "") -> None:
    print(line, flush=True)


# ---------------------------------------------------------------- the arm

def excluded_arms() -> set[str]:
    """The arms the best strategy is not chosen from: every uniform arm
    (uniform-n, uniform-n+N', the rounds one) and the two controls."""
    return {arm for arm, (top, _) in cv.ARMS.items() if top.get("strategy") == "uniform"} | {cv.AA_ARM,
                                                                                           cv.ACCOUNTING_ARM}


def raft_arms(rows: list[dict]) -> dict[str, list[dict]]:
    """The benchmark's RAFT rows at its learning rate, by arm."""
    arms: dict[str, list[dict]] = {}
    for r in rows:
        if r.get("phase") == "raft" and float(r["learningRate"]) == LEARNING_RATE:
            arms.setdefault(r["arm"], []).append(r)
    return arms


def benchmark_summary(rows: list[dict], resamples: int = RESAMPLES) -> dict:
    """analyse() over the RAFT rows as scripts/convergence_report.py calls it
    (the targets from the first design's arms, the report's resamples and
    seed), so each arm's ratio to uniform-n is the one docs/allocation.md shows."""
    arms = raft_arms(rows)
    if BASELINE not in arms:
        raise ValueError(f"no {BASELINE} rows")
    return ca.analyse({a: cv.runs_of(rs) for a, rs in arms.items()}, resamples=resamples,
                      target_arms=cv.target_arms(arms))


def middle_result(summary: dict, arm: str) -> dict | None:
    """The arm's samples speed-up over uniform-n at the middle target (with
    the target), or None when the benchmark has no such comparison."""
    ratio = ((summary["arms"].get(arm) or {}).get("ratios") or {}).get(BASELINE)
    if not ratio or "error" in ratio:
        return None
    return ratio["samplesToTarget"][len(summary["targets"]) // 2]


def best_arm(summary: dict) -> str | None:
    """The arm, other than the uniform arms and the controls and among those
    the demo can run, with the highest samples speed-up point estimate over
    uniform-n at the middle target; None if there is none. An infinite
    speed-up (written as None) counts as the highest."""
    excluded = excluded_arms()
    best, best_value = None, -math.inf
    for arm in summary["arms"]:
        if arm in excluded or arm not in cv.ARMS:
            continue
        result = middle_result(summary, arm)
        if result is None:
            continue
        value = math.inf if result["estimate"] is None else result["estimate"]
        if value > best_value:
            best, best_value = arm, value
    return best


def inverse(value) -> float:
    """1 / a speed-up as analyse writes it (None for infinite)."""
    if value is None:
        return 0.0
    return math.inf if value == 0 else 1 / value


def times(value: float) -> str:
    return "∞" if not math.isfinite(value) else f"{value:.2f}×"


def benchmark_line(arm: str, result: dict, seeds: int) -> str:
    """The benchmark's figure for an arm, as samples over uniform-n's, with
    the speed-up as docs/allocation.md reports it."""
    number = cv.number
    return (f"benchmark, {seeds} seeds: {arm} needs {times(inverse(result['estimate']))} the samples of "
            f"{BASELINE} [{times(inverse(result['high']))}, {times(inverse(result['low']))}] to "
            f"{100 * result['target']:.1f}% expected accuracy on 1,000 test prompts (samples speed-up "
            f"{number(result['estimate'])} [{number(result['low'])}, {number(result['high'])}], 95% paired "
            f"bootstrap; docs/allocation.md)")


def read_benchmark() -> tuple[dict | None, str]:
    """The benchmark's summary, or None with the reason it cannot be read."""
    if ca is None:
        return None, "numpy is not available to this Python (`make demo` runs the demo in .build/venv-analysis)"
    rows = cv.read_rows(cv.RESULTS)
    try:
        return benchmark_summary(rows), ""
    except ValueError as error:
        return None, f"{os.path.relpath(cv.RESULTS, gh.REPO_ROOT)}: {error}"


# ---------------------------------------------------------------- curves and the table

class LinearCurve:
    """The fallback without numpy: the measured points' running maximum,
    linear between them (the shape of convergence_analysis's isotonic
    check). The same interface as convergence_analysis.Curve."""

    def __init__(self, xs, ys):
        pairs = sorted(zip(map(float, xs), map(float, ys)))
        self.xs = [x for x, _ in pairs]
        self.ys, top = [], -math.inf
        for _, y in pairs:
            top = max(top, y)
            self.ys.append(top)
        self.span = self.xs[-1]

    def __call__(self, x: float) -> float:
        if x <= self.xs[0]:
            return self.ys[0]
        for (x0, y0), (x1, y1) in zip(zip(self.xs, self.ys), zip(self.xs[1:], self.ys[1:])):
            if x <= x1:
                return y0 if x1 == x0 else y0 + (x - x0) / (x1 - x0) * (y1 - y0)
        return self.ys[-1]

    def reach(self, target: float, limit: float) -> float:
        if self.ys[0] >= target:
            return 0.0
        for (x0, y0), (x1, y1) in zip(zip(self.xs, self.ys), zip(self.xs[1:], self.ys[1:])):
            if y1 >= target:
                x = x1 if y1 == y0 else x0 + (target - y0) / (y1 - y0) * (x1 - x0)
                return x if x <= limit else math.inf
        return math.inf


def fit(points: list[dict]):
    """One run's curve of expected accuracy against samples: the benchmark's
    saturating fit (convergence_analysis.fit_curve) when numpy is there."""
    xs = [p["cumulativeSamples"] for p in points]
    ys = [p["expectedAccuracy"] for p in points]
    if ca is not None:
        return ca.fit_curve(xs, ys, "saturating")
    return LinearCurve(xs, ys)


def comparison_levels(curves: list, fractions=LEVEL_FRACTIONS) -> list[float]:
    """Accuracy levels every curve reaches within its run: fractions of the
    way from the curves' mean start to the lowest curve's end (the highest
    level both reach), rounded down to 0.1 point; empty if no curve rises."""
    start = sum(float(c(0.0)) for c in curves) / len(curves)
    top = min(float(c(c.span)) for c in curves)
    if not top > start:
        return []
    levels = {math.floor(1000 * (start + f * (top - start))) / 1000 for f in fractions}
    return sorted(level for level in levels if level > start)


def samples_table(curves: dict, levels: list[float], baseline: str = BASELINE) -> list[dict]:
    """Per level: the samples each arm's curve needs to reach it (inf if it
    does not within its run) and each arm's over the baseline's."""
    rows = []
    for level in levels:
        samples = {arm: float(curve.reach(level, curve.span)) for arm, curve in curves.items()}
        base = samples[baseline]
        ratios = {arm: (value / base if base > 0 and math.isfinite(base) else math.nan)
                  for arm, value in samples.items() if arm != baseline}
        rows.append({"level": level, "samples": samples, "ratios": ratios})
    return rows


def json_ready(value):
    """inf and nan (a level not reached, a ratio without a reference) as null."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_samples(value: float) -> str:
    return "not reached" if not math.isfinite(value) else f"{value:,.0f}"


def format_ratio(value: float) -> str:
    return "-" if math.isnan(value) else times(value)


# ---------------------------------------------------------------- tasks and version 0

def prepare(data: str, args) -> dict:
    """The tasks and version 0. The warm start stops on validation.jsonl and
    never reads test.jsonl or the pool."""
    tasks = os.path.join(data, "tasks")
    files = {name: os.path.join(tasks, f"{name}.jsonl") for name in ("train", "validation", "test", "pool")}
    weights = os.path.join(data, "v0.weights")
    if not all(os.path.exists(files[name]) for name in ("train", "validation", "test")) and os.path.exists(weights):
        # Made before the validation split: it stopped on test tasks.
        say("== tasks predate the validation split: writing them again and warm-starting afresh")
        os.remove(weights)
    if not all(os.path.exists(path) for path in files.values()):
        # The same seed writes the same train, validation and test files with or without the pool.
        say(f"== tasks: generating the arithmetic train, validation and test splits and a {POOL}-prompt training pool")
        say(gh.run_checked([gh.binary("gvm-model"), "tasks", "--seed", "7", "--train", "20000", "--validation", "300",
                            "--test", "1200", "--pool", str(POOL), "--output", tasks]).rstrip())
    if not os.path.exists(weights):
        say(f"== warm start: supervised training on gold chains of thought ({args.warm_start_steps} steps at most,"
            " stopping on the validation split)")
        command = [gh.binary("gvm-model"), "warm-start", "--train", files["train"], "--validation",
                   files["validation"], "--output", weights + ".partial", "--steps", str(args.warm_start_steps),
                   "--target-accuracy", str(args.warm_start_accuracy), "--eval-every", "250", "--eval-tasks", "300"]
        process = gh.subprocess.Popen(command, stdout=gh.subprocess.PIPE, stderr=gh.subprocess.STDOUT, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            say("   " + line.rstrip())
        if process.wait() != 0:
            raise SystemExit("warm start failed")
        os.replace(weights + ".partial", weights)
    else:
        say(f"== warm start: reusing {weights}")
    same = cv.sha256(weights) == cv.sha256(cv.VERSION0)
    say(f"   version 0 {'is' if same else 'is not'} the benchmark's version 0 byte for byte "
        f"({os.path.relpath(cv.VERSION0, gh.REPO_ROOT)}{'' if same else ': OpenBLAS rounds differently on this CPU'})")
    return {**files, "weights": weights}


# ---------------------------------------------------------------- runs

def run_configuration(arm: str, plan: dict, weights: str) -> dict:
    """The benchmark's configuration of the arm (scripts/convergence.py),
    on the demo's pool, version 0 and test split."""
    configuration = cv.run_configuration(arm, plan["seed"], LEARNING_RATE, plan["iterations"], PROMPTS, TEST_PROMPTS)
    configuration["dataset"] = "demo-pool"
    configuration["builtin"].update(weights=os.path.abspath(weights), testDataset="demo-test")
    return configuration


def safe_name(arm: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "", arm.replace("+", "plus").replace("'", "prime"))


def evaluation_path(data: str, arm: str, version: int) -> str:
    # version 0 is one file for both runs: evaluated once
    name = "v0.json" if version == 0 else f"{safe_name(arm)}-v{version}.json"
    return os.path.join(data, "evaluations", name)


def read_evaluation(data: str, arm: str, version: int) -> dict | None:
    path = evaluation_path(data, arm, version)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def evaluate_version(coordinator: gh.Coordinator, data: str, files: dict, arm: str, run_id: int,
                     version: int) -> dict:
    """Expected accuracy of one version, as the benchmark measures it, on the
    validation prompts; fetched from the coordinator and kept in the data folder."""
    path = evaluation_path(data, arm, version)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    weights = files["weights"]
    if version != 0:
        client = coordinator.client()
        try:
            status, body = client.request("GET", f"/v1/runs/{run_id}/weights/{version}")
        finally:
            client.close()
        if status != 200:
            raise SystemExit(f"GET /v1/runs/{run_id}/weights/{version} answered {status}")
        weights = os.path.join(os.path.dirname(path), f"{safe_name(arm)}-v{version}.weights")
        with open(weights, "wb") as f:
            f.write(body)
    try:
        result = cv.evaluate(weights, files["validation"], EVAL_PROMPTS, EVAL_SAMPLES, EVAL_SEED)
    finally:
        if version != 0:
            os.remove(weights)
    if result["modelVersion"] not in (None, version):
        raise SystemExit(f"run {run_id}'s version {version} holds version {result['modelVersion']}")
    with open(path + ".partial", "w") as f:
        json.dump(result, f)
    os.replace(path + ".partial", path)
    return result


def stage_line(arm: str, width: int, current: dict) -> str:
    training = current.get("training") or {}
    line = (f'{arm:<{width}} iteration {current.get("iteration")} (v{current.get("modelVersion")}): '
            f'{current.get("stage")} - {current.get("samplesGenerated", 0)} samples, '
            f'{current.get("samplesAccepted", 0)} accepted')
    if current.get("stage") in ("train", "evaluate") and training:
        line += f', training step {training.get("stepsDone")}/{training.get("steps")}'
    return line


def drive(coordinator: gh.Coordinator, runs: dict[str, int], plan: dict, data: str, files: dict,
          workers_wanted: int, timeout: float) -> dict[str, list[dict]]:
    """Shows each run's stages as they happen, evaluates every EVAL_EVERY-th
    version as it appears (one evaluation at a time, beside the runs), and
    returns each run's iterations once both runs are done and evaluated."""
    client = coordinator.client()
    versions = cv.evaluated_versions(plan["iterations"], EVAL_EVERY)
    width = max(len(arm) for arm in runs)
    workers: list[gh.Worker] = []
    states = {arm: client.json("GET", f"/v1/runs/{run_id}")["state"] for arm, run_id in runs.items()}
    if all(state == "completed" for state in states.values()):
        say("== both runs finished earlier: shown again, not rerun")
    else:
        say(f"== status: {coordinator.url}/v1/status   (runs " + ", ".join(
            f"{arm} {coordinator.url}/v1/runs/{run_id}/iterations" for arm, run_id in runs.items()) + ")")
        for index in range(workers_wanted):
            workers.append(gh.Worker(coordinator.url, f"demo-worker-{index + 1}",
                                     os.path.join(data, f"worker-{index + 1}.log"), ["--backend", "builtin"]))
        say(f"== {workers_wanted} workers started, serving both runs (logs in {data})")
    pool = ThreadPoolExecutor(max_workers=1)
    futures: dict[tuple[str, int], object] = {}
    last: dict[str, str] = {}
    iterations: dict[str, list[dict]] = {}
    deadline = time.monotonic() + timeout
    try:
        while True:
            for arm, run_id in runs.items():
                states[arm] = client.json("GET", f"/v1/runs/{run_id}")["state"]
                if states[arm] in ("cancelled", "failed"):
                    raise SystemExit(f"the {arm} run ({run_id}) ended {states[arm]} (logs in {data})")
                iterations[arm] = client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"]
                if iterations[arm]:
                    line = stage_line(arm, width, iterations[arm][-1])
                    if line != last.get(arm):
                        say(time.strftime("%H:%M:%S ") + line)
                        last[arm] = line
                # version v is there once iteration v has started (it samples with it), the last one at the end
                for version in versions:
                    key = ("", 0) if version == 0 else (arm, version)
                    there = version < len(iterations[arm]) or states[arm] == "completed"
                    if there and key not in futures and read_evaluation(data, arm, version) is None:
                        futures[key] = pool.submit(evaluate_version, coordinator, data, files, arm, run_id, version)
            for key, future in list(futures.items()):
                if future is not None and future.done():
                    result = future.result()
                    arm, version = key
                    say(time.strftime("%H:%M:%S ") + f"{(arm or 'version 0'):<{width}} v{version}: expected accuracy "
                        f"{100 * result['expectedAccuracy']:.1f}% ± {100 * result['expectedAccuracyStandardError']:.1f} "
                        f"(k = {EVAL_SAMPLES}, {result['tasks']} validation prompts)")
                    futures[key] = None
            if workers and all(state == "completed" for state in states.values()):
                for worker in workers:
                    worker.stop()
                workers = []
            if all(state == "completed" for state in states.values()) and all(f is None for f in futures.values()):
                return iterations
            if time.monotonic() > deadline:
                raise SystemExit(f"the runs did not finish within {timeout:.0f} s; the coordinator keeps their state "
                                 "(run the demo again to go on)")
            time.sleep(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for worker in workers:
            worker.stop()
        client.close()


# ---------------------------------------------------------------- output

def iteration_rows(iterations: list[dict]) -> list[dict]:
    rows, total = [], 0
    for it in iterations:
        total += it.get("samplesGenerated", 0)
        allocation = it.get("allocation") or {}
        rows.append({"iteration": it["iteration"], "samples": it.get("samplesGenerated", 0), "cumulativeSamples": total,
                     "accepted": it.get("samplesAccepted", 0), "steps": (it.get("training") or {}).get("steps"),
                     "acceptance": (it.get("acceptance") or {}).get("mean"),
                     "allocation": [allocation.get(k) for k in ("min", "median", "max")]})
    return rows


def iteration_table(rows: dict[str, list[dict]]) -> str:
    arms = list(rows)
    head = "iteration  " + "  ".join(f"{arm + ': samples (cum.)':>30}  accepted  steps  n_i min/median/max"
                                     for arm in arms)
    lines = [head, "-" * len(head)]
    for index in range(max(len(r) for r in rows.values())):
        cells = []
        for arm in arms:
            if index >= len(rows[arm]):
                cells.append(" " * 67)
                continue
            r = rows[arm][index]
            low, median, high = r["allocation"]
            allocation = "-" if low is None else f"{low}/{median:g}/{high}"
            cells.append(f'{r["samples"]:>21} ({r["cumulativeSamples"]:>6})  {r["accepted"]:>8}  '
                         f'{"-" if r["steps"] is None else r["steps"]:>5}  {allocation:>18}')
        lines.append(f"{index:>9}  " + "  ".join(cells))
    return "\n".join(lines)


def points_table(points: dict[str, list[dict]]) -> str:
    arms = list(points)
    head = "version  " + "  ".join(f"{arm + ': samples':>26}  expected accuracy" for arm in arms)
    lines = [head, "-" * len(head)]
    for index, p in enumerate(points[arms[0]]):
        cells = [f'{q["cumulativeSamples"]:>26,}  {100 * q["expectedAccuracy"]:>11.1f}% ± {100 * q["standardError"]:.1f}'
                 for q in (points[arm][index] for arm in arms)]
        lines.append(f'{p["version"]:>7}  ' + "  ".join(cells))
    return "\n".join(lines)


def level_table(table: list[dict], arms: list[str]) -> str:
    other = arms[1]
    head = f"accuracy  {BASELINE + ' samples':>18}  {other + ' samples':>26}  {other} / {BASELINE}"
    lines = [head, "-" * len(head)]
    for row in table:
        lines.append(f'{100 * row["level"]:>7.1f}%  {format_samples(row["samples"][BASELINE]):>18}  '
                     f'{format_samples(row["samples"][other]):>26}  {format_ratio(row["ratios"][other]):>{len(other) + 3 + len(BASELINE)}}')
    return "\n".join(lines)


def plot(points: dict[str, list[dict]], curves: dict, levels: list[float], seed: int) -> str:
    series = []   # x in thousands of samples, so that the axis reads 4, 8, 12 and not 1.2e+04
    for arm, arm_points in points.items():
        series.append({"label": arm, "points": [(p["cumulativeSamples"] / 1000, 100 * p["expectedAccuracy"])
                                                for p in arm_points]})
    for arm, curve in curves.items():
        span = curve.span
        series.append({"label": arm, "markers": False, "dash": "5,4",
                       "points": [(span * i / 60 / 1000, 100 * float(curve(span * i / 60))) for i in range(61)]})
    end = max(curve.span for curve in curves.values()) / 1000
    for level in levels:
        series.append({"label": "levels of the table", "color": "#999", "dash": "2,3", "markers": False,
                       "points": [(0, 100 * level), (end, 100 * level)]})
    fitted = "fitted curves" if ca is not None else "running maxima"
    return gh.svg_line_plot(series, f"Expected accuracy (k = {EVAL_SAMPLES}, {EVAL_PROMPTS} validation prompts), "
                                    f"seed {seed}",
                            f"thousands of samples generated (pre-sampling counted); dots measured, dashed the {fitted}",
                            "expected accuracy (%)", width=860)


# ---------------------------------------------------------------- main

def choose(args, summary: dict | None, why: str) -> tuple[str, str]:
    """The second arm and how it was chosen."""
    if args.strategy:
        return args.strategy, "--strategy"
    if summary is None:
        return FALLBACK_ARM, f"the named default ({why})"
    arm = best_arm(summary)
    if arm is None:
        return FALLBACK_ARM, "the named default (no strategy arm in the benchmark's rows)"
    result = middle_result(summary, arm)
    return arm, (f"the benchmark's best strategy: the highest samples speed-up over {BASELINE} at the middle target "
                 f"({100 * result['target']:.1f}%) among the arms that are neither uniform nor a control")


def plan_of(args, data: str, summary: dict | None, why: str) -> dict:
    """The pair this data folder runs: recorded at its first start (demo.json),
    so that a resumed demo goes on with the same arm and settings."""
    path = os.path.join(data, "demo.json")
    if os.path.exists(path):
        with open(path) as f:
            plan = json.load(f)
        asked = {"arm": args.strategy, "iterations": args.iterations, "seed": args.seed}
        recorded = {"arm": plan["arms"][1], "iterations": plan["iterations"], "seed": plan["seed"]}
        clash = [k for k, v in asked.items() if v is not None and v != recorded[k]]
        if clash:
            raise SystemExit(f"{data} holds a demo with " + ", ".join(f"{k} {recorded[k]}" for k in clash)
                             + ": --fresh starts over with " + ", ".join(f"{k} {asked[k]}" for k in clash))
        say(f"== resuming the pair recorded in {path}")
        return plan
    database = os.path.join(data, "gvm.sqlite")
    if os.path.exists(database):
        # an earlier demo's single run, from before the pair: kept aside, not deleted
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.replace(database + suffix, os.path.join(data, "gvm-earlier-demo.sqlite" + suffix))
        say(f"== {database} held an earlier demo's run: moved to gvm-earlier-demo.sqlite")
    arm, chosen = choose(args, summary, why)
    plan = {"arms": [BASELINE, arm], "chosen": chosen, "seed": args.seed if args.seed is not None else 1,
            "iterations": args.iterations if args.iterations is not None else ITERATIONS}
    with open(path + ".partial", "w") as f:
        json.dump(plan, f, indent=1)
    os.replace(path + ".partial", path)
    return plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(gh.REPO_ROOT, "data", "demo"), help="data folder")
    parser.add_argument("--fresh", action="store_true", help="start over: delete the data folder first")
    parser.add_argument("--strategy", metavar="ARM",
                        help="the arm beside uniform-n, any RAFT arm of scripts/convergence.py (default: the "
                             f"benchmark's best; {FALLBACK_ARM} when the benchmark cannot be read): "
                             + ", ".join(a for a in cv.ARMS if a != BASELINE))
    parser.add_argument("--iterations", type=int, help=f"iterations of each run (default {ITERATIONS})")
    parser.add_argument("--seed", type=int, help="the runs' seed: prompt batches, minibatches, samples (default 1)")
    parser.add_argument("--warm-start-steps", type=int, default=1500)
    parser.add_argument("--warm-start-accuracy", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds the runs may take")
    args = parser.parse_args()
    if args.strategy is not None:
        args.strategy = cv.ALIASES.get(args.strategy, args.strategy)
        if args.strategy not in cv.ARMS or args.strategy == BASELINE:
            parser.error(f"--strategy {args.strategy}: one of " + ", ".join(a for a in cv.ARMS if a != BASELINE))
    if args.iterations is not None and args.iterations < EVAL_EVERY * 2:
        parser.error(f"--iterations: at least {EVAL_EVERY * 2}, so that each run has 3 evaluated versions")
    if ca is None and os.access(ANALYSIS_PYTHON, os.X_OK) and not os.environ.get("GVM_DEMO_NO_VENV"):
        # the benchmark's analysis needs numpy: go on in the analysis venv, which has it
        os.environ["GVM_DEMO_NO_VENV"] = "1"
        os.execv(ANALYSIS_PYTHON, [ANALYSIS_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])

    # stopped by SIGTERM as by Ctrl-C: the workers and the coordinator stop too, and a rerun goes on
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data = os.path.abspath(args.data)
    if args.fresh and os.path.isdir(data):
        shutil.rmtree(data)
    os.makedirs(data, exist_ok=True)
    say(f"== data folder: {data}")
    started = time.monotonic()

    summary, why = read_benchmark()
    plan = plan_of(args, data, summary, why)
    arms = plan["arms"]
    arm = arms[1]
    benchmark = middle_result(summary, arm) if summary is not None else None
    seeds = summary["arms"][arm]["runs"] if benchmark is not None else 0
    say(f"== {BASELINE} beside {arm}: {plan['chosen']}")
    if benchmark is not None:
        say("   " + benchmark_line(arm, benchmark, seeds))
        best = best_arm(summary)
        if best not in (None, arm) and plan["chosen"] != "--strategy":
            say(f"   (the benchmark's best is now {best}; this data folder's pair was chosen earlier: --fresh to rerun)")
    elif summary is not None:
        say(f"   the benchmark has no {arm} rows yet")
    else:
        say(f"   the benchmark's figures are not available: {why}")

    files = prepare(data, args)
    prepared = time.monotonic()
    coordinator = gh.Coordinator(os.path.join(data, "gvm.sqlite"), os.path.join(data, "coordinator.log"))
    try:
        client = coordinator.client()
        existing = sorted(client.json("GET", "/v1/runs")["runs"], key=lambda r: r["runId"])
        if len(existing) > len(arms):
            raise SystemExit(f"{data}/gvm.sqlite holds {len(existing)} runs, not this demo's pair: --fresh starts over")
        runs = {}
        for index, name in enumerate(arms):
            if index < len(existing):
                run = client.json("GET", f"/v1/runs/{existing[index]['runId']}")
                if run["configuration"].get("strategy") != cv.ARMS[name][0]["strategy"]:
                    raise SystemExit(f"run {run['runId']} is not the demo's {name} run: --fresh starts over")
                runs[name] = run["runId"]
                say(f"== {name}: resuming run {runs[name]} ({run['state']})")
                continue
            for dataset, path in (("demo-pool", files["pool"]), ("demo-test", files["test"])):
                with open(path, "rb") as f:
                    client.json("POST", f"/v1/datasets?name={dataset}", raw=f.read(),
                                content_type="application/x-ndjson")
            runs[name] = client.json("POST", "/v1/runs", run_configuration(name, plan, files["weights"]))["runId"]
            say(f"== {name}: run {runs[name]}, RAFT, {plan['iterations']} iterations of {PROMPTS} prompts from the "
                f"{POOL}-prompt pool, seed {plan['seed']}, learning rate {LEARNING_RATE:g}, one epoch per iteration; "
                + json.dumps(cv.ARMS[name][0]) + (f" builtin {json.dumps(cv.ARMS[name][1])}" if cv.ARMS[name][1] else ""))
        client.close()
        iterations = drive(coordinator, runs, plan, data, files, args.workers, args.timeout)
    finally:
        coordinator.stop()
    finished = time.monotonic()

    rows = {name: iteration_rows(iterations[name]) for name in arms}
    versions = cv.evaluated_versions(plan["iterations"], EVAL_EVERY)
    points = {}
    for name in arms:
        cumulative = cv.cumulative([r["samples"] for r in rows[name]], versions)
        points[name] = []
        for version, samples in zip(versions, cumulative):
            evaluation = read_evaluation(data, name, version)
            points[name].append({"version": version, "cumulativeSamples": samples,
                                 "expectedAccuracy": evaluation["expectedAccuracy"],
                                 "standardError": evaluation["expectedAccuracyStandardError"]})
    curves = {name: fit(points[name]) for name in arms}
    levels = comparison_levels(list(curves.values()))
    table = samples_table(curves, levels)

    say()
    say(iteration_table(rows))
    say()
    say(f"expected accuracy, k = {EVAL_SAMPLES} samples at temperature 1 on the {EVAL_PROMPTS} validation prompts "
        f"(common random numbers, seed {EVAL_SEED}), ± its standard error over prompts:")
    say(points_table(points))
    say()
    method = ("the benchmark's fitted curve a - b exp(-c x) through each run's points" if ca is not None else
              "straight lines between each run's measured points (their running maximum; without numpy, not the "
              "benchmark's fit)")
    if table:
        say(f"samples generated (pre-sampling counted) to reach the same expected accuracy, read off {method}:")
        say(level_table(table, arms))
        middle = table[len(table) // 2]
        say()
        say(f"this demo, 1 seed: {arm} needs {format_ratio(middle['ratios'][arm])} the samples of {BASELINE} to "
            f"{100 * middle['level']:.1f}% expected accuracy on {EVAL_PROMPTS} validation prompts")
    else:
        say(f"no accuracy level to compare: a run's curve ({method}) does not rise above version 0")
    if benchmark is not None:
        say(benchmark_line(arm, benchmark, seeds))
        say("One seed is one draw: the benchmark's interval is over its paired seeds, and a single seed may fall "
            "outside it.")

    svg = os.path.join(data, "accuracy.svg")
    with open(svg, "w") as f:
        f.write(plot(points, curves, levels, plan["seed"]))
    result = os.path.join(data, "result.json")
    with open(result, "w") as f:
        json.dump(json_ready({"plan": plan, "iterations": rows, "points": points, "levels": table,
                              "benchmark": benchmark and {**benchmark, "seeds": seeds}}), f, indent=1)
    say(f"\nplot: {svg}\ntables: {result}")
    say(f"total {time.monotonic() - started:.0f} s: tasks and version 0 {prepared - started:.0f} s, "
        f"the two runs and their evaluations {finished - prepared:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
