#!/usr/bin/env python3
"""`make bench-convergence`: does variance-optimal allocation reach a test
accuracy in fewer iterations than uniform allocation?

Arms, each from the same version 0 and for each seed (the run seed fixes the
prompt batches, so arms with the same seed see the same prompts):
  uniform-n      uniform, n samples per prompt, no pre-sampling
  uniform-n+N'   uniform, n + N' per prompt: the samples GVM spends with its pre-sampling
  gvm            N' pre-samples, then a budget of n per prompt allocated by GVM,
                 training on sample-stage traces only (trainOnPresamples false)

Each arm is a real coordinator and two workers with the built-in model.
Tasks and version 0 come from make demo's data folder: version 0 is
warm-started with the validation split as its stopping set, and every arm
measures test accuracy on the test split, which nothing trained or stopped on.
Results are appended to a JSON-lines file, one line per finished arm and
seed; a rerun skips what is there, so the benchmark resumes where it
stopped. The report (table and SVG plots) is rebuilt from that file.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvmharness as gh  # noqa: E402
import demo  # noqa: E402


ARM_ORDER = ["uniform-n", "uniform-n+N'", "gvm", "gvm-G1"]


def arms(n: int, presamples: int, constant_g: bool) -> list[dict]:
    chosen = [
        {"arm": "uniform-n", "strategy": "uniform", "presamples": 0, "samplesPerPrompt": n},
        {"arm": "uniform-n+N'", "strategy": "uniform", "presamples": 0, "samplesPerPrompt": n + presamples},
        {"arm": "gvm", "strategy": "gvm", "presamples": presamples, "samplesPerPrompt": n},
    ]
    if constant_g:
        # GVM with G_i = 1: the allocation follows acceptance rates alone.
        chosen.append({"arm": "gvm-G1", "strategy": "gvm", "presamples": presamples, "samplesPerPrompt": n,
                       "gradNorm": "constant"})
    return chosen


def run_arm(args, arm: dict, seed: int, train: str, test: str, weights: str) -> dict:
    folder = os.path.join(args.data, f'{args.label}-{arm["arm"].replace("+", "plus").replace(chr(39), "")}-seed{seed}')
    os.makedirs(folder, exist_ok=True)
    db = os.path.join(folder, "gvm.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    options = argparse.Namespace(**vars(args))
    options.strategy, options.presamples = arm["strategy"], arm["presamples"]
    options.samples_per_prompt, options.seed = arm["samplesPerPrompt"], seed
    configuration = demo.run_configuration(options, weights)
    if "gradNorm" in arm:
        configuration["gradNorm"] = arm["gradNorm"]
    if args.balance_prompts:
        configuration["builtin"]["balancePrompts"] = True
    started = time.monotonic()
    coordinator = gh.Coordinator(db, os.path.join(folder, "coordinator.log"))
    workers = []
    try:
        client = coordinator.client()
        for name, path in (("demo-train", train), ("demo-test", test)):
            with open(path, "rb") as f:
                client.json("POST", f"/v1/datasets?name={name}", raw=f.read(), content_type="application/x-ndjson")
        run_id = client.json("POST", "/v1/runs", configuration)["runId"]
        for index in range(args.workers):
            workers.append(gh.Worker(coordinator.url, f"{arm['arm']}-{index + 1}",
                                     os.path.join(folder, f"worker-{index + 1}.log"), ["--backend", "builtin"]))
        deadline = time.monotonic() + args.arm_timeout
        while client.json("GET", f"/v1/runs/{run_id}")["state"] not in ("completed", "cancelled"):
            if time.monotonic() > deadline:
                raise SystemExit(f"{arm['arm']} seed {seed} did not finish in {args.arm_timeout} s (logs in {folder})")
            time.sleep(1)
        rows = demo.iteration_rows(client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"])
    finally:
        for worker in workers:
            worker.stop()
        coordinator.stop()
    return {"algorithm": args.label, "arm": arm["arm"], "seed": seed, "configuration": configuration,
            "rows": rows, "seconds": round(time.monotonic() - started, 1),
            "finishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def curve(result: dict) -> list[tuple[int, int, float]]:
    """(iteration count, samples, accuracy): version 0 first, then after each iteration."""
    rows = result["rows"]
    points = [(0, 0, rows[0]["accuracyBefore"])]
    for r in rows:
        if r["accuracyAfter"] is not None:
            points.append((r["iteration"] + 1, r["cumulativeSamples"], r["accuracyAfter"]))
    return points


def reach(points, target: float):
    for iterations, samples, accuracy in points:
        if accuracy >= target:
            return iterations, samples
    return None, None


def spread(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "not reached"
    if len(values) == 1:
        return f"{values[0]:.3g}"
    return f"{statistics.mean(values):.3g} ± {statistics.stdev(values):.2g} (min {min(values):.3g}, max {max(values):.3g})"


def report(results: list[dict], algorithm: str, target: float | None, out_prefix: str) -> str:
    mine = [r for r in results if r["algorithm"] == algorithm]
    if not mine:
        return f"no {algorithm} results yet"
    start = statistics.mean(r["rows"][0]["accuracyBefore"] for r in mine)
    finals: dict[str, list[float]] = {}
    for r in mine:
        finals.setdefault(r["arm"], []).append(curve(r)[-1][2])
    if target is None:
        # Three quarters of the way from version 0 to the weakest arm's mean
        # final accuracy: high enough to be past the first noisy iterations,
        # low enough that most runs of every arm reach it.
        weakest = min(statistics.mean(v) for v in finals.values())
        target = start + 0.75 * (weakest - start)
    lines = [f"{algorithm.upper()}: target test accuracy {target * 100:.1f}% (version 0: {start * 100:.1f}%)", "",
             "| arm | seeds | iterations to target | samples to target | final accuracy | iterations ratio to GVM | samples ratio to GVM |",
             "|---|---|---|---|---|---|---|"]
    by_arm: dict[str, dict[int, tuple]] = {}
    for r in mine:
        by_arm.setdefault(r["arm"], {})[r["seed"]] = (reach(curve(r), target), curve(r)[-1][2])
    gvm = by_arm.get("gvm", {})
    for arm in ARM_ORDER:
        if arm not in by_arm:
            continue
        seeds = sorted(by_arm[arm])
        iterations = [by_arm[arm][s][0][0] for s in seeds]
        samples = [by_arm[arm][s][0][1] for s in seeds]
        final = [by_arm[arm][s][1] * 100 for s in seeds]
        iteration_ratios, sample_ratios = [], []
        for s in seeds:
            if s in gvm and gvm[s][0][0] and by_arm[arm][s][0][0]:
                iteration_ratios.append(by_arm[arm][s][0][0] / gvm[s][0][0])
                sample_ratios.append(by_arm[arm][s][0][1] / gvm[s][0][1])
        lines.append(f"| {arm} | {len(seeds)} | {spread(iterations)} | {spread(samples)} | {spread(final)}% | "
                     f"{spread(iteration_ratios)} | {spread(sample_ratios)} |")
    not_reached = [f'{r["arm"]} seed {r["seed"]}' for r in mine if reach(curve(r), target)[0] is None]
    if not_reached:
        lines += ["", "Not reached within the run (counted as missing above): " + ", ".join(not_reached)]
    for axis, index, label in (("iterations", 0, "iterations"), ("samples", 1, "samples generated (pre-sampling included)")):
        series = [{"label": r["arm"], "points": [(p[index], p[2] * 100) for p in curve(r)]} for r in
                  sorted(mine, key=lambda r: (r["arm"], r["seed"]))]
        series.append({"label": f"target {target * 100:.1f}%", "color": "#999", "dash": "4 3",
                       "points": [(0, target * 100), (max(p[0] for s in series for p in s["points"]), target * 100)]})
        with open(f"{out_prefix}-{algorithm}-{axis}.svg", "w") as f:
            f.write(gh.svg_line_plot(series, f"{algorithm.upper()}: test accuracy by arm (each line one seed)",
                                     label, "test accuracy (%)"))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithm", default="raft", choices=["raft", "grpo"])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--presamples", type=int, default=8, help="N'")
    parser.add_argument("--n", type=int, default=8, help="n: samples per prompt of the budget")
    parser.add_argument("--steps-per-iteration", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--test-prompts", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--target", type=float, default=None, help="target test accuracy (0-1); default: see the report")
    parser.add_argument("--data", default=os.path.join(gh.REPO_ROOT, "data", "convergence"))
    parser.add_argument("--demo-data", default=os.path.join(gh.REPO_ROOT, "data", "demo"),
                        help="where the tasks and version 0 come from (made as make demo makes them)")
    parser.add_argument("--arm-timeout", type=float, default=900)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--balance-prompts", action="store_true",
                        help="raft: train with builtin.balancePrompts (results filed as raft-balanced)")
    parser.add_argument("--constant-g-arm", action="store_true",
                        help="also run GVM with G_i = 1 (gradNorm constant), to separate the effect of the gradient norms")
    args = parser.parse_args()
    args.data = os.path.abspath(args.data)
    # Results and reports are filed under this label: the algorithm, and the trainer variant.
    args.label = args.algorithm + ("-balanced" if args.balance_prompts else "")
    os.makedirs(args.data, exist_ok=True)
    results_path = os.path.join(args.data, "results.jsonl")
    results = []
    if os.path.exists(results_path):
        with open(results_path) as f:
            results = [json.loads(line) for line in f if line.strip()]

    if not args.report_only:
        demo_args = argparse.Namespace(warm_start_steps=1500, warm_start_accuracy=0.3,
                                       model_shape=[])
        os.makedirs(args.demo_data, exist_ok=True)
        train, test, weights = demo.prepare(os.path.abspath(args.demo_data), demo_args)
        for seed in [int(s) for s in args.seeds.split(",")]:
            for arm in arms(args.n, args.presamples, args.constant_g_arm):
                if any(r["algorithm"] == args.label and r["arm"] == arm["arm"] and r["seed"] == seed for r in results):
                    continue
                print(f"== {args.label} {arm['arm']} seed {seed}", flush=True)
                result = run_arm(args, arm, seed, train, test, weights)
                points = curve(result)
                print(f"   {result['seconds']:.0f} s; test accuracy " +
                      " ".join(f"{p[2] * 100:.1f}" for p in points), flush=True)
                results.append(result)
                with open(results_path, "a") as f:
                    f.write(json.dumps(result) + "\n")

    text = report(results, args.label, args.target, os.path.join(args.data, "convergence"))
    with open(os.path.join(args.data, f"report-{args.label}.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
