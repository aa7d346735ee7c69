#!/usr/bin/env python3
"""The two model versions the mechanism benchmark measures, made once and
committed under docs/allocation/checkpoints/ so that every later run and
every machine starts from the same bytes:

- v0.weights: version 0, the warm start that `make demo` makes (tasks with
  seed 7, supervised training on gold chains of thought, stopped on the
  validation split);
- v6.weights: version 6 of a uniform-n GVM-free RAFT run with seed 1 on the
  512-prompt training pool: 64 prompts per iteration (so the pool recurs
  every 8 iterations), n = 8 samples per prompt, no pre-sampling,
  `epochsPerIteration` 1, the default learning rate. Its evaluate stage is
  shrunk to 50 test prompts: only the weights matter here.

It also writes the tasks (with pool.jsonl, the prompts the benchmark's
batches come from) to the work folder, and a JSON record of how each file
was made (commit, date, SHA-256, the run's configuration and its per-iteration
acceptance) beside the checkpoints. A checkpoint already there is kept.

    python3 scripts/mechanism-checkpoints.py --work .build/mechanism
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvmharness as gh  # noqa: E402

CHECKPOINTS = os.path.join(gh.REPO_ROOT, "docs", "allocation", "checkpoints")
TASK_SEED, POOL = 7, 512


def say(line: str = "") -> None:
    print(line, flush=True)


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_tasks(work: str) -> str:
    tasks = os.path.join(work, "tasks")
    if not os.path.exists(os.path.join(tasks, "pool.jsonl")):
        say("== tasks: train, validation, test and a 512-prompt training pool (seed 7)")
        say(gh.run_checked([gh.binary("gvm-model"), "tasks", "--seed", str(TASK_SEED), "--train", "20000",
                            "--validation", "300", "--test", "1200", "--pool", str(POOL), "--output", tasks]).rstrip())
    return tasks


def make_version0(tasks: str, target: str) -> None:
    """The demo's warm start (scripts/demo.py's settings)."""
    say("== version 0: warm start, stopping on the validation split")
    say(gh.run_checked([gh.binary("gvm-model"), "warm-start", "--train", os.path.join(tasks, "train.jsonl"),
                        "--validation", os.path.join(tasks, "validation.jsonl"), "--output", target,
                        "--steps", "1500", "--target-accuracy", "0.3", "--eval-every", "250",
                        "--eval-tasks", "300"]).rstrip())


def run_configuration(version0: str, iterations: int) -> dict:
    return {
        "dataset": "mechanism-pool", "model": "builtin", "strategy": "uniform", "algorithm": "raft",
        "presamples": 0, "samplesPerPrompt": 8, "promptsPerIteration": 64, "iterations": iterations,
        "maxSamplesPerLease": 8, "trainOnPresamples": False, "prompt": {"completion": "{problem}\n"},
        "generation": {"temperature": 1.0, "maxTokens": 128}, "gradNorm": "exact", "seed": 1,
        "builtin": {"weights": os.path.abspath(version0), "testDataset": "mechanism-test", "testPrompts": 50,
                    "epochsPerIteration": 1, "batchSize": 32},
    }


def make_version6(work: str, tasks: str, version0: str, target: str) -> dict:
    folder = os.path.join(work, "raft-uniform-seed1")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    coordinator = gh.Coordinator(os.path.join(folder, "gvm.sqlite"), os.path.join(folder, "coordinator.log"))
    workers: list[gh.Worker] = []
    try:
        client = coordinator.client()
        for name, path in (("mechanism-pool", "pool.jsonl"), ("mechanism-test", "test.jsonl")):
            with open(os.path.join(tasks, path), "rb") as f:
                client.json("POST", f"/v1/datasets?name={name}", raw=f.read(), content_type="application/x-ndjson")
        configuration = run_configuration(version0, 6)
        run_id = client.json("POST", "/v1/runs", configuration)["runId"]
        say(f"== version 6: uniform-n RAFT, run {run_id}, 6 iterations of 64 pool prompts, n = 8, seed 1")
        for index in range(2):
            workers.append(gh.Worker(coordinator.url, f"mechanism-worker-{index + 1}",
                                     os.path.join(folder, f"worker-{index + 1}.log"), ["--backend", "builtin"]))
        deadline = time.monotonic() + 3600
        while client.json("GET", f"/v1/runs/{run_id}")["state"] != "completed":
            if time.monotonic() > deadline:
                raise SystemExit("the run did not finish within an hour")
            time.sleep(2)
        iterations = client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"]
        status, body = client.request("GET", f"/v1/runs/{run_id}/weights/6")
        if status != 200:
            raise SystemExit(f"GET /v1/runs/{run_id}/weights/6 answered {status}")
        with open(target + ".partial", "wb") as f:
            f.write(body)
        os.replace(target + ".partial", target)
    finally:
        for worker in workers:
            worker.stop()
        coordinator.stop()
    return {"configuration": {**configuration, "builtin": {**configuration["builtin"], "weights": "v0.weights"}},
            "iterations": [{"iteration": it["iteration"], "modelVersion": it.get("modelVersion"),
                            "samplesGenerated": it.get("samplesGenerated"), "samplesAccepted": it.get("samplesAccepted"),
                            "trainingSteps": (it.get("training") or {}).get("steps")} for it in iterations]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=os.path.join(gh.REPO_ROOT, ".build", "mechanism"),
                        help="work folder for the tasks and the run (not committed)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(CHECKPOINTS, exist_ok=True)
    tasks = make_tasks(args.work)
    record_path = os.path.join(CHECKPOINTS, "checkpoints.json")
    record = json.load(open(record_path)) if os.path.exists(record_path) else {}
    v0, v6 = os.path.join(CHECKPOINTS, "v0.weights"), os.path.join(CHECKPOINTS, "v6.weights")
    made = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": gh.git_revision()}
    if not os.path.exists(v0):
        make_version0(tasks, v0)
        record["v0"] = {**made, "how": "gvm-model warm-start as make demo (tasks seed 7, 1500 steps at most, "
                                       "target 0.3 on 300 validation tasks)"}
    if not os.path.exists(v6):
        record["v6"] = {**made, **make_version6(args.work, tasks, v0, v6)}
    for name, path in (("v0", v0), ("v6", v6)):
        record[name]["sha256"] = sha256(path)
        say(f"{name}: {os.path.relpath(path, gh.REPO_ROOT)} sha256 {record[name]['sha256']}")
    with open(record_path, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
