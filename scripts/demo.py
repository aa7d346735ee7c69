#!/usr/bin/env python3
"""`make demo`: GVM end to end on one CPU machine with the built-in model.

Generates the arithmetic tasks (train, validation and test splits),
warm-starts version 0 (stopping on the validation split), starts a coordinator
and two workers over loopback, runs GVM-RAFT for a few iterations while
showing each stage, then prints a per-iteration table and writes an SVG plot
of test accuracy against samples generated.

Resumable: tasks and version 0 are kept in the data folder and reused; a
finished run is shown again instead of being rerun (--fresh starts over).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvmharness as gh  # noqa: E402


def say(line: str = "") -> None:
    print(line, flush=True)


def prepare(data: str, args) -> tuple[str, str, str]:
    """The tasks and version 0. The warm start stops on validation.jsonl and
    never reads test.jsonl, on which the run measures test accuracy."""
    tasks = os.path.join(data, "tasks")
    train, validation, test = (os.path.join(tasks, f"{name}.jsonl") for name in ("train", "validation", "test"))
    weights = os.path.join(data, "v0.weights")
    if not all(os.path.exists(path) for path in (train, validation, test)):
        if os.path.exists(weights):
            # Made before the validation split: it stopped on test tasks.
            say("== tasks predate the validation split: writing them again and warm-starting afresh")
            os.remove(weights)
        say("== tasks: generating the arithmetic train, validation and test splits")
        say(gh.run_checked([gh.binary("gvm-model"), "tasks", "--seed", "7", "--train", "20000", "--validation", "300",
                            "--test", "1200", "--output", tasks]).rstrip())
    if not os.path.exists(weights):
        say(f"== warm start: supervised training on gold chains of thought ({args.warm_start_steps} steps at most,"
            " stopping on the validation split)")
        command = [gh.binary("gvm-model"), "warm-start", "--train", train, "--validation", validation, "--output", weights,
                   "--steps", str(args.warm_start_steps), "--target-accuracy", str(args.warm_start_accuracy),
                   "--eval-every", "250", "--eval-tasks", "300"] + args.model_shape
        process = gh.subprocess.Popen(command, stdout=gh.subprocess.PIPE, stderr=gh.subprocess.STDOUT, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            say("   " + line.rstrip())
        if process.wait() != 0:
            raise SystemExit("warm start failed")
    else:
        say(f"== warm start: reusing {weights}")
    return train, test, weights


def run_configuration(args, weights: str) -> dict:
    return {
        "dataset": "demo-train", "model": "builtin", "strategy": args.strategy, "algorithm": args.algorithm,
        "presamples": args.presamples, "samplesPerPrompt": args.samples_per_prompt,
        "promptsPerIteration": args.prompts, "iterations": args.iterations, "maxSamplesPerLease": 8,
        "trainOnPresamples": False, "prompt": {"completion": "{problem}\n"},
        "generation": {"temperature": 1.0, "maxTokens": 128}, "gradNorm": "exact", "seed": args.seed,
        "builtin": {"weights": os.path.abspath(weights), "testDataset": "demo-test", "testPrompts": args.test_prompts,
                    "stepsPerIteration": args.steps_per_iteration, "batchSize": 32,
                    "learningRate": args.learning_rate},
    }


def percent(value) -> str:
    return "-" if value is None else f"{value * 100:5.1f}%"


def iteration_rows(iterations: list[dict]) -> list[dict]:
    rows, cumulative = [], 0
    for it in iterations:
        cumulative += it.get("samplesGenerated", 0)
        after = (it.get("evaluationAfter") or {}).get("accuracy")
        before = (it.get("evaluationBefore") or {}).get("accuracy")
        acceptance = (it.get("acceptance") or {}).get("mean")
        allocation = it.get("allocation") or {}
        rows.append({"iteration": it["iteration"], "version": it.get("modelVersion"), "stage": it.get("stage"),
                     "samples": it.get("samplesGenerated", 0), "cumulativeSamples": cumulative,
                     "accuracyBefore": before, "accuracyAfter": after, "acceptance": acceptance,
                     "allocationMin": allocation.get("min"), "allocationMedian": allocation.get("median"),
                     "allocationMax": allocation.get("max")})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["iteration  version  test acc before  test acc after  samples (cum.)  acceptance  n_i min/median/max",
             "---------  -------  ---------------  --------------  --------------  ----------  ------------------"]
    for r in rows:
        alloc = "-" if r["allocationMin"] is None else f'{r["allocationMin"]}/{r["allocationMedian"]:g}/{r["allocationMax"]}'
        lines.append(f'{r["iteration"]:>9}  {r["version"]:>7}  {percent(r["accuracyBefore"]):>15}  '
                     f'{percent(r["accuracyAfter"]):>14}  {r["samples"]:>6} ({r["cumulativeSamples"]:>6})  '
                     f'{percent(r["acceptance"]):>10}  {alloc:>18}')
    return "\n".join(lines)


def accuracy_curve(rows: list[dict]) -> list[tuple[float, float]]:
    """(samples generated so far, test accuracy): version 0 at 0 samples,
    then each trained version at the samples that produced it."""
    points = []
    if rows and rows[0]["accuracyBefore"] is not None:
        points.append((0, rows[0]["accuracyBefore"] * 100))
    for r in rows:
        if r["accuracyAfter"] is not None:
            points.append((r["cumulativeSamples"], r["accuracyAfter"] * 100))
    return points


def watch(client: gh.Client, run_id: int, coordinator_url: str, timeout: float) -> None:
    say(f"== status: {coordinator_url}/v1/status   (run {run_id}: {coordinator_url}/v1/runs/{run_id}/iterations)")
    last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.json("GET", f"/v1/runs/{run_id}")
        iterations = client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"]
        current = iterations[-1] if iterations else {}
        training = current.get("training") or {}
        line = (f'iteration {current.get("iteration")} ({current.get("modelVersion")}): {current.get("stage")}'
                f' - {current.get("samplesGenerated", 0)} samples, {current.get("samplesAccepted", 0)} accepted')
        if current.get("stage") in ("train", "evaluate") and training:
            line += f', training step {training.get("stepsDone")}/{training.get("steps")}'
        after = (current.get("evaluationAfter") or {}).get("accuracy")
        if after is not None:
            line += f", test accuracy {after * 100:.1f}%"
        if line != last:
            say(time.strftime("%H:%M:%S ") + line)
            last = line
        if run.get("state") in ("completed", "cancelled"):
            return
        time.sleep(1)
    raise SystemExit(f"the run did not finish within {timeout:.0f} s; the coordinator keeps its state")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join(gh.REPO_ROOT, "data", "demo"), help="data folder")
    parser.add_argument("--fresh", action="store_true", help="start over: delete the data folder first")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--prompts", type=int, default=64, help="prompts per iteration")
    parser.add_argument("--presamples", type=int, default=8, help="N'")
    parser.add_argument("--samples-per-prompt", type=int, default=8, help="n: the budget is n x prompts")
    parser.add_argument("--strategy", default="gvm", choices=["gvm", "uniform"])
    parser.add_argument("--algorithm", default="raft", choices=["raft", "grpo"])
    parser.add_argument("--steps-per-iteration", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--test-prompts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warm-start-steps", type=int, default=1500)
    parser.add_argument("--warm-start-accuracy", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the run may take")
    args = parser.parse_args()
    args.model_shape = []  # gvm-model's default model

    data = os.path.abspath(args.data)
    if args.fresh and os.path.isdir(data):
        shutil.rmtree(data)
    os.makedirs(data, exist_ok=True)
    say(f"== data folder: {data}")
    started = time.monotonic()
    train, test, weights = prepare(data, args)

    coordinator = gh.Coordinator(os.path.join(data, "gvm.sqlite"), os.path.join(data, "coordinator.log"))
    workers: list[gh.Worker] = []
    try:
        client = coordinator.client()
        run_list = client.json("GET", "/v1/runs")["runs"]
        if run_list:
            run_id = run_list[-1]["runId"]
            say(f"== resuming run {run_id} in {os.path.join(data, 'gvm.sqlite')}")
        else:
            for name, path in (("demo-train", train), ("demo-test", test)):
                with open(path, "rb") as f:
                    client.json("POST", f"/v1/datasets?name={name}", raw=f.read(), content_type="application/x-ndjson")
            run = client.json("POST", "/v1/runs", run_configuration(args, weights))
            run_id = run["runId"]
            say(f"== run {run_id}: GVM-{args.algorithm.upper()}, {args.iterations} iterations of {args.prompts} prompts, "
                f"N' = {args.presamples}, n = {args.samples_per_prompt}")
        for index in range(args.workers):
            workers.append(gh.Worker(coordinator.url, f"demo-worker-{index + 1}",
                                     os.path.join(data, f"worker-{index + 1}.log"), ["--backend", "builtin"]))
        say(f"== {args.workers} workers started (logs in {data})")
        watch(client, run_id, coordinator.url, args.timeout)
        rows = iteration_rows(client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"])
    finally:
        for worker in workers:
            worker.stop()
        coordinator.stop()

    say()
    say(table(rows))
    points = accuracy_curve(rows)
    plot = os.path.join(data, "accuracy.svg")
    with open(plot, "w") as f:
        f.write(gh.svg_line_plot([{"label": f"GVM-{args.algorithm.upper()}", "points": points}],
                                 "Test accuracy of the built-in model", "samples generated (pre-sampling included)",
                                 "test accuracy (%)"))
    with open(os.path.join(data, "iterations.json"), "w") as f:
        json.dump(rows, f, indent=1)
    say(f"\nplot: {plot}\ntable: {os.path.join(data, 'iterations.json')}\ntotal {time.monotonic() - started:.0f} s")
    if len(points) >= 2:
        say(f"test accuracy: {points[0][1]:.1f}% -> {points[-1][1]:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
