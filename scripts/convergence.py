#!/usr/bin/env python3
"""The driver of the convergence benchmark (issue 15), RAFT part: runs the
arms on the built-in model, evaluates versions 0, 3, 6, 9 and 12 offline, and
appends one row per run to a committed results file; `--report` reads the
rows back and prints each arm's ratios to uniform-n through
`convergence_analysis.analyse`.

Phases (`--phase`):
  lr-grid  uniform-n RAFT at learning rates 1e-4, 3e-4 and 1e-3, seeds 1-3:
           pick the learning rate for `raft` from its report (highest mean AUC
           of expected accuracy against samples).
  raft     12 paired seeds x the arms below, at `--learning-rate`.
  raft-pool128
           the one change of setting: raft's design (version 0, --learning-rate,
           12 iterations of 64 prompts, n = 8, the evaluation, seeds 1-12) on a
           128-prompt pool, the first 128 prompts of pool.jsonl (pool-128.jsonl
           in the tasks folder, written from pool.jsonl once, when absent, and
           uploaded as the dataset convergence-pool-128), so a prompt comes back
           every 128 / 64 = 2 iterations, 6 visits in 12, and the history arms'
           history has seen every prompt from iteration 2 on. Its arms, by
           default: uniform-n, uniform-n-aa (the A/A control), knapsack and
           gvm-history, as defined below; its targets come from uniform-n and
           uniform-n-aa (TARGET_ARMS). Its rows go in the same results file
           with "phase": "raft-pool128".
PHASES holds what differs by phase (default seeds and arms, the pool file and
its dataset name, the learning-rate grid); each row records its pool's size
(poolPrompts) and revisitInterval = poolPrompts / prompts per iteration.

Common settings: version 0 is docs/allocation/checkpoints/v0.weights (the
committed bytes, on every machine); the training dataset is the 512-prompt
pool (.build/mechanism/tasks/pool.jsonl, made as scripts/mechanism-checkpoints.py
makes it, seed 7, if absent; raft-pool128 takes its first 128 prompts) at 64
prompts per iteration, so a prompt recurs every 512 / 64 = 8 iterations; 12
iterations; n = 8; epochsPerIteration 1; exact gradient norms; generation at
temperature 1, 128 new tokens at most; the run's own evaluate stage shrunk to
10 test prompts (the metric is offline). The run seed fixes the prompt
batches, so the arms of one seed see the same prompts.

Arms of `raft` (all RAFT):
  uniform-n         uniform, no pre-sampling, n = 8
  uniform-n+N'      uniform, no pre-sampling, 16 per prompt (also accepted as
                    uniform-n+N on the command line)
  gvm               paper GVM: N' = 8 pre-samples, n = 8, separate accounting,
                    trainOnPresamples false, gradNormStatistic mean
  gvm-count-cap24   GVM with presampleAccounting countTowardBudget and
                    maxSamplesPerPrompt 24
  balanced          GVM with trainOnPresamples, builtin.balancePrompts and
                    gradNormStatistic rms; the report also compares it with
                    uniform-n+N'
The strategies added later ("judge the strategies"; the arms above, the
controls below and their rows are unchanged):
  knapsack          strategy knapsack: N' = 8 pre-samples where the history
                    is unsure, n = 8, separate accounting, trainOnPresamples
                    false, history statistics at their defaults (lambda 0.9,
                    s 2, sigma_max 0.15, W 2, M_s = M_h = 8) and
                    knapsackFloor 2, as the coordinator resolves a knapsack
                    run that names neither; no filters (knapsack refuses them)
  variance          strategy variance, otherwise as knapsack (no floor)
  gvm-history       gvm with `history: {}` (the defaults), otherwise as gvm
  uniform-2n-rounds uniform, 16 per prompt as a cap, in rounds of 4 that stop
                    a prompt once it has 4 accepted samples (`rounds` {size 4,
                    acceptedTarget 4}): at most the 16 per prompt that
                    uniform-n+N' spends
  gvm-history-rounds gvm-history with 16 per prompt as the budget (the caps
                    n_i), in the same rounds
The history arms' history carries across the run's iterations (decayed by
lambda each iteration): a prompt comes back every 8 iterations, so the
history spares its pre-samples only where what it saw 8 iterations ago,
decayed by 0.9^8, still pins p_i down. A rounds arm's samples are counted as
drawn: a row's samplesGenerated is the iteration summary's, every sample
generated (pre-samples included), which in rounds is what the prompts drew,
not their caps; its iteration records also keep the summary's
generationBudget and unspent.

Targets: `analyse` proposes them from the arms' mean curves; the report
takes them from the arms of the first design (TARGET_ARMS) alone, so the
targets, and with them the first arms' ratios, do not move as the later
arms' rows come in.

Controls of `raft`:
  uniform-n-aa      the A/A arm: uniform-n again with `samplerSeed` = seed +
                    AA_SAMPLER_OFFSET, so the prompt batches and minibatch
                    order are uniform-n's and only the samples differ; its
                    ratios to uniform-n must contain 1 (`aa_check`)
  uniform-2n-half   the accounting control: uniform at 2n that trains on a
                    random half of each prompt's samples
                    (`builtin.trainingFraction` 0.5); it learns as uniform-n
                    does and pays twice, so its samples to a target over
                    uniform-n's must lie in [1.6, 2.4] (`accounting_check`)

NOT here: GRPO branching runs (scripts/convergence-grpo.py) and the
docs/allocation.md tables and plots (the report prints text and
`--json-out` writes the analysis for them).

Metric, per evaluated version: `gvm-model evaluate --weights W --tasks
test.jsonl --limit 1000 --temperature 1 --samples 4 --seed 1 --json`, the
expected accuracy with k = 4 samples on common random numbers, its standard
error over tasks, and the mean gold log-likelihood per task. (Its default
--max-tokens 2048 is capped at the model's context of 128, as a run's 128
is, so the two judge alike.) Version 0 is evaluated once per machine and
settings and cached in the work folder. The evaluations of one run go two at
a time (`--eval-jobs`).

Samples: the coordinator's per-iteration samplesGenerated (pre-sampling
counted) and, from /iterations/{i}/prompts, the pre-samples alone; iteration
i trains version i + 1, so version v has the samples of iterations 0..v-1.

Rows: one per (phase, arm, seed, learningRate), appended and flushed after
each run; a rerun skips those present, so a piece can stop at any time and go
on elsewhere from the committed file. The arms are interleaved by seed (every
arm of seed s before seed s + 1), and `--max-minutes M` does not start a seed
group that its finished runs' times say would end after M minutes, so a piece
always finishes every arm of a seed. Each row records the machine: cpuModel
(/proc/cpuinfo) and openblasCore (from a tiny `gvm-model gradient-pools`
probe, the only command that prints openblas_get_corename; null if the probe
fails). The analysis pairs seeds only on the same cpuModel. A row's commit is
the tree's HEAD when it was written; binariesCommit, the tree its executables
were built from when they are a frozen copy (scripts/freeze-binaries.py and
GVM_BINARIES), null otherwise.

    python3 scripts/convergence.py --phase lr-grid [--max-minutes 55]
    python3 scripts/convergence.py --phase raft --learning-rate 3e-4 [--max-minutes 55]
    python3 scripts/convergence.py --phase raft --report
    python3 scripts/convergence.py --phase raft-pool128 --learning-rate 1e-4 [--max-minutes 55]
    python3 scripts/convergence.py --phase raft-pool128 --report
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import NamedTuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvmharness as gh  # noqa: E402

VERSION0 = os.path.join(gh.REPO_ROOT, "docs", "allocation", "checkpoints", "v0.weights")
RESULTS = os.path.join(gh.REPO_ROOT, "docs", "allocation", "convergence.jsonl")
WORK = os.path.join(gh.REPO_ROOT, ".build", "convergence")
TASKS = os.path.join(gh.REPO_ROOT, ".build", "mechanism", "tasks")
LR_GRID = (1e-4, 3e-4, 1e-3)
N, PRESAMPLES = 8, 8
BALANCED_REFERENCE = "uniform-n+N'"
# sampling until enough, RAFT's target: rounds of 4, a prompt stops at 4 accepted samples
ROUNDS = {"size": 4, "acceptedTarget": 4}

# arm -> (top-level configuration fields, builtin fields)
ARMS: dict[str, tuple[dict, dict]] = {
    "uniform-n": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": N}, {}),
    "uniform-n+N'": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": N + PRESAMPLES}, {}),
    "gvm": ({"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N, "trainOnPresamples": False,
             "presampleAccounting": "separate", "gradNormStatistic": "mean"}, {}),
    "gvm-count-cap24": ({"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N,
                         "trainOnPresamples": False, "presampleAccounting": "countTowardBudget",
                         "maxSamplesPerPrompt": 24, "gradNormStatistic": "mean"}, {}),
    "balanced": ({"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N, "trainOnPresamples": True,
                  "presampleAccounting": "separate", "gradNormStatistic": "rms"}, {"balancePrompts": True}),
    "uniform-n-aa": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": N}, {}),
    "uniform-2n-half": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 2 * N},
                        {"trainingFraction": 0.5}),
    # the strategies judged later; the arms above are as their rows ran
    "knapsack": ({"strategy": "knapsack", "presamples": PRESAMPLES, "samplesPerPrompt": N, "trainOnPresamples": False,
                  "presampleAccounting": "separate"}, {}),
    "variance": ({"strategy": "variance", "presamples": PRESAMPLES, "samplesPerPrompt": N, "trainOnPresamples": False,
                  "presampleAccounting": "separate"}, {}),
    "gvm-history": ({"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N, "trainOnPresamples": False,
                     "presampleAccounting": "separate", "gradNormStatistic": "mean", "history": {}}, {}),
    "uniform-2n-rounds": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 2 * N, "rounds": ROUNDS}, {}),
    "gvm-history-rounds": ({"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": 2 * N,
                            "trainOnPresamples": False, "presampleAccounting": "separate",
                            "gradNormStatistic": "mean", "history": {}, "rounds": ROUNDS}, {}),
}
AA_ARM, ACCOUNTING_ARM = "uniform-n-aa", "uniform-2n-half"
# the arms of the first design, whose mean curves alone set the report's targets
TARGET_ARMS = ("uniform-n", "uniform-n+N'", "gvm", "gvm-count-cap24", "balanced", AA_ARM, ACCOUNTING_ARM)
# the A/A arm's sampler seeds: far from every run seed the benchmark uses
AA_SAMPLER_OFFSET = 1_000_000
ALIASES = {"uniform-n+N": "uniform-n+N'", "uniform-n+nprime": "uniform-n+N'"}


class Phase(NamedTuple):
    seeds: str                     # default --seeds
    arms: tuple[str, ...]          # default --arms (the grid runs its one arm at every rate)
    pool: str                      # the training pool, a file in the tasks folder
    dataset: str                   # the pool's dataset name on the coordinator
    prompts: int | None = None     # a subset pool: the first this many prompts of POOL (None: POOL itself)
    learning_rates: tuple[float, ...] | None = None  # a grid; None: one rate, --learning-rate


POOL = "pool.jsonl"
# what differs by phase; everything else (version 0, n, the evaluation) is common
PHASES: dict[str, Phase] = {
    "lr-grid": Phase("1-3", ("uniform-n",), POOL, "convergence-pool", learning_rates=LR_GRID),
    "raft": Phase("1-12", tuple(ARMS), POOL, "convergence-pool"),
    # the one change of setting: a pool small enough that history knows nearly every prompt
    "raft-pool128": Phase("1-12", ("uniform-n", AA_ARM, "knapsack", "gvm-history"), "pool-128.jsonl",
                          "convergence-pool-128", prompts=128),
}



def say(line: str = "") -> None:
    print(line, flush=True)


# ---------------------------------------------------------------- settings

def parse_seeds(text: str) -> list[int]:
    """"1-12", "1,2,5" or "3"."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            seeds.extend(range(low, high + 1))
        else:
            seeds.append(int(part))
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds {text!r}: no seeds, or a seed twice")
    return seeds


def parse_arms(text: str | None, default=tuple(ARMS)) -> list[str]:
    if not text:
        return list(default)
    arms = []
    for name in text.split(","):
        name = ALIASES.get(name.strip(), name.strip())
        if name not in ARMS:
            raise ValueError(f"unknown arm {name!r}: the arms are {', '.join(ARMS)}")
        arms.append(name)
    return arms


def evaluated_versions(iterations: int, every: int = 3) -> list[int]:
    """0, every, 2 every, ... up to the last version, and the last one."""
    versions = list(range(0, iterations + 1, every))
    if versions[-1] != iterations:
        versions.append(iterations)
    return versions


def cumulative(per_iteration: list[int], versions: list[int]) -> list[int]:
    """Samples up to each version: version v has those of iterations 0..v-1."""
    return [sum(per_iteration[:v]) for v in versions]


def plan(phase: str, arms: list[str], seeds: list[int], learning_rate: float | None) -> list[list[tuple]]:
    """Seed groups of (arm, seed, learningRate), every arm of a seed together."""
    grid = PHASES[phase].learning_rates
    if grid is not None:
        return [[(arm, s, lr) for arm in PHASES[phase].arms for lr in grid] for s in seeds]
    return [[(arm, s, learning_rate) for arm in arms] for s in seeds]


def row_key(row: dict) -> tuple:
    return (row["phase"], row["arm"], int(row["seed"]), float(row["learningRate"]))


def run_configuration(arm: str, seed: int, learning_rate: float, iterations: int, prompts: int,
                      test_prompts: int, dataset: str = "convergence-pool") -> dict:
    top, builtin = ARMS[arm]
    configuration = {
        "dataset": dataset, "model": "builtin", "algorithm": "raft",
        "presamples": 0, "samplesPerPrompt": N, "promptsPerIteration": prompts, "iterations": iterations,
        "maxSamplesPerLease": 8, "trainOnPresamples": False, "prompt": {"completion": "{problem}\n"},
        "generation": {"temperature": 1.0, "maxTokens": 128}, "gradNorm": "exact", "seed": seed,
        **({"samplerSeed": seed + AA_SAMPLER_OFFSET} if arm == AA_ARM else {}),
        **copy.deepcopy(top),
        "builtin": {"weights": os.path.abspath(VERSION0), "testDataset": "convergence-test",
                    "testPrompts": test_prompts, "epochsPerIteration": 1, "batchSize": 32,
                    "learningRate": learning_rate, **builtin},
    }
    return configuration


def stored_configuration(configuration: dict) -> dict:
    """The configuration as a row keeps it: version 0 named relative to the repository."""
    return {**configuration, "builtin": {**configuration["builtin"],
                                         "weights": os.path.relpath(VERSION0, gh.REPO_ROOT)}}


# ---------------------------------------------------------------- machine

def openblas_core(tasks: str) -> str | None:
    """OpenBLAS's kernel set, from the first line of a one-sample
    `gvm-model gradient-pools` (no other command prints it); None if that fails."""
    folder = tempfile.mkdtemp(prefix="gvm-openblas-probe-")
    try:
        result = subprocess.run(
            [gh.binary("gvm-model"), "gradient-pools", "--weights", VERSION0, "--tasks", os.path.join(tasks, "pool.jsonl"),
             "--label", "probe", "--cache", folder, "--batches", "1", "--batch-size", "1", "--pool", "1",
             "--dimensions", "1", "--max-tokens", "1"], capture_output=True, text=True, timeout=120)
        match = re.search(r"OpenBLAS (\S+)", result.stdout + result.stderr)
        return match.group(1) if match else None
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def ensure_tasks(tasks: str) -> None:
    if os.path.exists(os.path.join(tasks, "pool.jsonl")) and os.path.exists(os.path.join(tasks, "test.jsonl")):
        return
    # the same tasks as scripts/mechanism-checkpoints.py (seed 7), without touching its checkpoint record
    spec = importlib.util.spec_from_file_location(
        "mechanism_checkpoints", os.path.join(os.path.dirname(os.path.abspath(__file__)), "mechanism-checkpoints.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.make_tasks(os.path.dirname(os.path.abspath(tasks)))
    if os.path.abspath(made) != os.path.abspath(tasks):
        raise SystemExit(f"--tasks {tasks} must be a folder named tasks (made {made})")


def pool_lines(path: str) -> list[bytes]:
    """A pool's prompts, one JSON line each (blank lines are not prompts)."""
    with open(path, "rb") as f:
        return [line if line.endswith(b"\n") else line + b"\n" for line in f if line.strip()]


def phase_pool(tasks: str, phase: str) -> str:
    """The phase's training pool in the tasks folder. A subset pool, the
    first `prompts` prompts of pool.jsonl, is written once, when absent; one
    that is present must hold exactly those prompts."""
    spec = PHASES[phase]
    path = os.path.join(tasks, spec.pool)
    if spec.prompts is None:
        return path
    lines = pool_lines(os.path.join(tasks, POOL))
    if len(lines) < spec.prompts:
        raise SystemExit(f"{os.path.join(tasks, POOL)} has {len(lines)} prompts; {phase} needs {spec.prompts}")
    wanted = b"".join(lines[:spec.prompts])
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() != wanted:
                raise SystemExit(f"{path} is not the first {spec.prompts} prompts of {POOL}: remove it to remake it")
        return path
    with open(path + ".partial", "wb") as f:
        f.write(wanted)
    os.replace(path + ".partial", path)
    return path


# ---------------------------------------------------------------- evaluation

def evaluate_command(weights: str, test: str, limit: int, samples: int, seed: int) -> list[str]:
    return [gh.binary("gvm-model"), "evaluate", "--weights", weights, "--tasks", test, "--limit", str(limit),
            "--temperature", "1", "--samples", str(samples), "--seed", str(seed), "--json"]


def parse_evaluation(text: str) -> dict:
    data = json.loads(text)
    expected, gold = data["expectedAccuracy"], data["goldLogLikelihood"]
    return {"expectedAccuracy": expected["mean"], "expectedAccuracyStandardError": expected["standardError"],
            "goldLogLikelihood": gold["meanPerTask"], "goldLogLikelihoodPerToken": gold["meanPerToken"],
            "tasks": expected["tasks"], "samplesPerTask": expected["samplesPerTask"],
            "maxTokens": expected.get("maxTokens"), "modelVersion": (data.get("weights") or {}).get("modelVersion"),
            "evaluateSeconds": data.get("seconds")}


def evaluate(weights: str, test: str, limit: int, samples: int, seed: int) -> dict:
    return parse_evaluation(gh.run_checked(evaluate_command(weights, test, limit, samples, seed)))


def evaluate_version0(work: str, test: str, args, cpu: str | None, core: str | None) -> dict:
    """Version 0 is one file on every run: evaluated once per machine and settings."""
    key = hashlib.sha256(json.dumps([sha256(VERSION0), sha256(test), args.eval_limit, args.eval_samples,
                                     args.eval_seed, cpu, core]).encode()).hexdigest()[:16]
    path = os.path.join(work, f"v0-evaluation-{key}.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    result = evaluate(VERSION0, test, args.eval_limit, args.eval_samples, args.eval_seed)
    with open(path + ".partial", "w") as f:
        json.dump(result, f)
    os.replace(path + ".partial", path)
    return result


# ---------------------------------------------------------------- one run

def rounds_statistics(iteration: dict) -> dict:
    """For an iteration in rounds: its generationBudget (pre-samples and
    the caps n_i) and what the prompts that stopped early left unspent.
    samplesGenerated, not these, is what a row counts: the samples drawn.
    Empty for an iteration without rounds (the rows of the first arms have
    neither field)."""
    if iteration.get("unspent") is None:
        return {}
    return {"generationBudget": iteration.get("generationBudget"), "unspent": iteration["unspent"]}


def target_arms(arms) -> list[str] | None:
    """The arms whose mean curves set the targets: those of TARGET_ARMS
    present, or every arm (None) if none is."""
    chosen = [a for a in TARGET_ARMS if a in arms]
    return chosen or None


def run_one(args, phase: str, arm: str, seed: int, learning_rate: float, machine: dict) -> dict:
    started = time.monotonic()
    safe = re.sub(r"[^A-Za-z0-9.-]+", "", arm.replace("+", "plus").replace("'", "prime"))
    folder = os.path.join(args.work, phase, f"{safe}-lr{learning_rate:g}-seed{seed}")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    versions = evaluated_versions(args.iterations, args.eval_every)
    spec = PHASES[phase]
    configuration = run_configuration(arm, seed, learning_rate, args.iterations, args.prompts_per_iteration,
                                      args.test_prompts, spec.dataset)
    coordinator = gh.Coordinator(os.path.join(folder, "gvm.sqlite"), os.path.join(folder, "coordinator.log"))
    workers: list[gh.Worker] = []
    weights = {0: VERSION0}
    try:
        client = coordinator.client()
        for name, path in ((spec.dataset, spec.pool), ("convergence-test", "test.jsonl")):
            with open(os.path.join(args.tasks, path), "rb") as f:
                client.json("POST", f"/v1/datasets?name={name}", raw=f.read(), content_type="application/x-ndjson")
        run_id = client.json("POST", "/v1/runs", configuration)["runId"]
        for index in range(args.workers):
            workers.append(gh.Worker(coordinator.url, f"convergence-{index + 1}",
                                     os.path.join(folder, f"worker-{index + 1}.log"), ["--backend", "builtin"]))
        deadline = time.monotonic() + args.run_timeout
        while True:
            state = client.json("GET", f"/v1/runs/{run_id}")["state"]
            if state == "completed":
                break
            if state in ("cancelled", "failed"):
                raise SystemExit(f"{phase} {arm} seed {seed}: the run ended {state} (logs in {folder})")
            if time.monotonic() > deadline:
                raise SystemExit(f"{phase} {arm} seed {seed}: not done in {args.run_timeout} s (logs in {folder})")
            time.sleep(1)
        iterations = client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"]
        per_iteration = []
        for it in iterations:
            prompts = client.json("GET", f"/v1/runs/{run_id}/iterations/{it['iteration']}/prompts")["prompts"]
            per_iteration.append({
                "iteration": it["iteration"], "samplesGenerated": it["samplesGenerated"],
                "presamplesGenerated": sum(p["presample"]["samples"] for p in prompts),
                "samplesAccepted": it["samplesAccepted"], "samplesFailed": it.get("samplesFailed", 0),
                "trainingSteps": (it.get("training") or {}).get("steps"),
                "acceptanceMean": (it.get("acceptance") or {}).get("mean"),
                "allocation": {k: (it.get("allocation") or {}).get(k) for k in ("min", "median", "max")},
                **rounds_statistics(it)})
        if len(per_iteration) != args.iterations:
            raise SystemExit(f"{phase} {arm} seed {seed}: {len(per_iteration)} iterations, expected {args.iterations}")
        for version in versions:
            status, body = client.request("GET", f"/v1/runs/{run_id}/weights/{version}")
            if status != 200:
                raise SystemExit(f"GET /v1/runs/{run_id}/weights/{version} answered {status}")
            if version == 0:
                if hashlib.sha256(body).hexdigest() != machine["version0SHA256"]:
                    raise SystemExit(f"run {run_id}'s version 0 differs from {VERSION0}")
                continue
            path = os.path.join(folder, f"v{version}.weights")
            with open(path, "wb") as f:
                f.write(body)
            weights[version] = path
    finally:
        for worker in workers:
            worker.stop()
        coordinator.stop()
    run_seconds = time.monotonic() - started

    test = os.path.join(args.tasks, "test.jsonl")
    evaluations = {0: machine["version0Evaluation"]}
    with ThreadPoolExecutor(max_workers=max(1, args.eval_jobs)) as pool:
        futures = {v: pool.submit(evaluate, weights[v], test, args.eval_limit, args.eval_samples, args.eval_seed)
                   for v in versions if v != 0}
        for version, future in futures.items():
            evaluations[version] = future.result()
            if evaluations[version]["modelVersion"] not in (None, version):
                raise SystemExit(f"{weights[version]} holds version {evaluations[version]['modelVersion']}")
    generated = [it["samplesGenerated"] for it in per_iteration]
    without = [it["samplesGenerated"] - it["presamplesGenerated"] for it in per_iteration]
    points = [{"version": v, "cumulativeSamples": s, "cumulativeSamplesWithoutPresamples": w,
               "expectedAccuracy": evaluations[v]["expectedAccuracy"],
               "expectedAccuracyStandardError": evaluations[v]["expectedAccuracyStandardError"],
               "goldLogLikelihood": evaluations[v]["goldLogLikelihood"]}
              for v, s, w in zip(versions, cumulative(generated, versions), cumulative(without, versions))]
    if not args.keep_weights:
        for version, path in weights.items():
            if version != 0:
                os.remove(path)
        for name in ("gvm.sqlite", "gvm.sqlite-wal", "gvm.sqlite-shm"):
            if os.path.exists(os.path.join(folder, name)):
                os.remove(os.path.join(folder, name))
    return {
        "phase": phase, "arm": arm, "seed": seed, "learningRate": learning_rate, "points": points,
        "iterations": per_iteration, "configuration": stored_configuration(configuration),
        "evaluation": {"tasks": evaluations[versions[-1]]["tasks"], "limit": args.eval_limit,
                       "samplesPerTask": args.eval_samples, "seed": args.eval_seed, "temperature": 1,
                       "maxTokens": evaluations[versions[-1]]["maxTokens"], "testFile": "test.jsonl"},
        "poolPrompts": machine["poolPrompts"], "revisitInterval": machine["poolPrompts"] / args.prompts_per_iteration,
        "seconds": round(time.monotonic() - started, 1), "runSeconds": round(run_seconds, 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": gh.git_revision(), "binariesCommit": gh.binaries_commit(),
        "cpuModel": machine["cpuModel"], "openblasCore": machine["openblasCore"],
        "version0SHA256": machine["version0SHA256"], "workers": args.workers,
    }


# ---------------------------------------------------------------- results

def read_rows(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                # a piece killed mid-write leaves at most a torn last line
                say(f"warning: {path}:{number} is not JSON; ignored")
    return rows


def append_row(path: str, row: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(row, separators=(",", ":")) + "\n")
        f.flush()
        os.fsync(f.fileno())


def settings_of(row: dict) -> tuple:
    """What must match for rows of one phase to be read together (rows of
    another phase are never compared: `clashes`)."""
    c = row["configuration"]
    return (c["iterations"], c["promptsPerIteration"], row["evaluation"]["limit"], row["evaluation"]["samplesPerTask"],
            row["evaluation"]["seed"], tuple(p["version"] for p in row["points"]), c["dataset"])


def settings_probe(phase: str, args) -> dict:
    """A row-shaped stand-in for the settings a piece of `phase` would run with."""
    return {"phase": phase,
            "configuration": {"iterations": args.iterations, "promptsPerIteration": args.prompts_per_iteration,
                              "dataset": PHASES[phase].dataset},
            "evaluation": {"limit": args.eval_limit, "samplesPerTask": args.eval_samples, "seed": args.eval_seed},
            "points": [{"version": v} for v in evaluated_versions(args.iterations, args.eval_every)]}


def clashes(rows: list[dict], probe: dict) -> list[dict]:
    """The rows of the probe's phase whose settings differ from it."""
    return [r for r in rows if r["phase"] == probe["phase"] and settings_of(r) != settings_of(probe)]


def group_estimate(group: list[tuple], rows: list[dict], phase: str) -> float | None:
    """Seconds a seed group should take, from the finished runs of its arms
    (per learning rate for the grid); None when an arm has none yet."""
    total = 0.0
    for arm, _, learning_rate in group:
        done = [r["seconds"] for r in rows if r["phase"] == phase and r["arm"] == arm
                and (PHASES[phase].learning_rates is None or float(r["learningRate"]) == float(learning_rate))]
        if not done:
            return None
        total += sum(done) / len(done)
    return total


def drive(args) -> int:
    spec = PHASES[args.phase]
    seeds = parse_seeds(args.seeds or spec.seeds)
    arms = parse_arms(args.arms, spec.arms)
    if spec.learning_rates is None and args.learning_rate is None:
        raise SystemExit(f"--phase {args.phase} needs --learning-rate (the lr-grid's report says which)")
    groups = plan(args.phase, arms, seeds, args.learning_rate)
    ensure_tasks(args.tasks)
    pool = phase_pool(args.tasks, args.phase)
    os.makedirs(args.work, exist_ok=True)
    rows = read_rows(args.results)
    probe = settings_probe(args.phase, args)
    clash = clashes(rows, probe)
    if clash:
        raise SystemExit(f"{args.results} holds {args.phase} rows with other settings "
                         f"({settings_of(clash[0])} against {settings_of(probe)}): use another --results")
    done = {row_key(r) for r in rows}
    todo = [g for g in groups if any((args.phase, a, s, float(lr)) not in done for a, s, lr in g)]
    say(f"== {args.phase}: {len(groups)} seed groups, {len(groups) - len(todo)} already in "
        f"{os.path.relpath(args.results, gh.REPO_ROOT) if args.results.startswith(gh.REPO_ROOT) else args.results}")
    if not todo:
        return 0
    machine = {"cpuModel": gh.cpu_model(), "openblasCore": openblas_core(args.tasks), "version0SHA256": sha256(VERSION0),
               "poolPrompts": len(pool_lines(pool))}
    say(f"cpu {machine['cpuModel']}, OpenBLAS {machine['openblasCore']}, version 0 {machine['version0SHA256'][:12]}; "
        f"pool {spec.pool}, {machine['poolPrompts']} prompts")
    machine["version0Evaluation"] = evaluate_version0(args.work, os.path.join(args.tasks, "test.jsonl"), args,
                                                      machine["cpuModel"], machine["openblasCore"])
    v0 = machine["version0Evaluation"]
    say(f"version 0: expected accuracy {v0['expectedAccuracy']:.4f} +- {v0['expectedAccuracyStandardError']:.4f}, "
        f"gold log-likelihood {v0['goldLogLikelihood']:.3f}")
    start = time.monotonic()
    for group in todo:
        if args.max_minutes is not None:
            estimate = group_estimate(group, rows, args.phase)
            elapsed = time.monotonic() - start
            if estimate is not None and elapsed + estimate > args.max_minutes * 60:
                say(f"stopping: seed {group[0][1]}'s group needs about {estimate / 60:.1f} min and "
                    f"{elapsed / 60:.1f} of {args.max_minutes} min are gone; rerun to go on")
                return 0
        for arm, seed, learning_rate in group:
            if (args.phase, arm, seed, float(learning_rate)) in done:
                continue
            say(f"== {args.phase} {arm} seed {seed} lr {learning_rate:g}")
            row = run_one(args, args.phase, arm, seed, learning_rate, machine)
            append_row(args.results, row)
            rows.append(row)
            done.add(row_key(row))
            say("   " + "  ".join(f"v{p['version']}: {p['cumulativeSamples']} samples "
                                  f"{100 * p['expectedAccuracy']:.1f}%" for p in row["points"])
                + f"  ({row['seconds']:.0f} s, run {row['runSeconds']:.0f} s)")
    return 0


# ---------------------------------------------------------------- report

def runs_of(rows: list[dict]) -> list[dict]:
    return [{"samples": [p["cumulativeSamples"] for p in r["points"]],
             "accuracy": [p["expectedAccuracy"] for p in r["points"]],
             "versions": [p["version"] for p in r["points"]], "seed": r["seed"], "cpu": r.get("cpuModel")}
            for r in sorted(rows, key=lambda r: r["seed"])]


def number(value) -> str:
    return "inf" if value is None else f"{value:.2f}"  # analyse writes a non-finite ratio as None


def interval(result: dict) -> str:
    return f"{number(result['estimate'])} [{number(result['low'])}, {number(result['high'])}]"


def points_table(rows: list[dict], label) -> list[str]:
    lines = []
    for r in sorted(rows, key=lambda r: (label(r), r["seed"])):
        lines.append(f"  {label(r):<18} seed {r['seed']:>2}: " + "  ".join(
            f"v{p['version']} {p['cumulativeSamples']:>6} {100 * p['expectedAccuracy']:5.1f}%" for p in r["points"])
            + f"  ({r['seconds']:.0f} s, {r.get('cpuModel')})")
    return lines


def report(args) -> int:
    grid = PHASES[args.phase].learning_rates is not None
    rows = [r for r in read_rows(args.results) if r["phase"] == args.phase]
    if not grid and args.learning_rate is not None:
        rows = [r for r in rows if float(r["learningRate"]) == float(args.learning_rate)]
    if not rows:
        say(f"no {args.phase} rows in {args.results}")
        return 1
    rates = sorted({float(r["learningRate"]) for r in rows})
    if not grid and len(rates) > 1:
        say(f"{args.phase} rows at several learning rates {rates}: pass --learning-rate")
        return 1
    label = (lambda r: f"lr {float(r['learningRate']):g}") if grid else (lambda r: r["arm"])
    arms: dict[str, list[dict]] = {}
    for r in rows:
        arms.setdefault(label(r), []).append(r)
    say(f"== {args.phase}: {len(rows)} runs, " + ", ".join(f"{a} {len(rs)}" for a, rs in arms.items())
        + f"; cpu {sorted({str(r.get('cpuModel')) for r in rows})}, OpenBLAS "
        f"{sorted({str(r.get('openblasCore')) for r in rows})}, commits {sorted({str(r.get('commit')) for r in rows})}")
    say(f"pool prompts: {sorted({r.get('poolPrompts') for r in rows}, key=str)}, revisit interval: "
        f"{sorted({r.get('revisitInterval') for r in rows}, key=str)} iterations")
    say("points (version, cumulative samples, expected accuracy):")
    for line in points_table(rows, label):
        say(line)

    import convergence_analysis as ca  # numpy: only the report needs it
    short = [a for a, rs in arms.items() if any(len(r["points"]) < 3 for r in rs)]
    if short:
        say(f"no analysis: runs of {short} have fewer than 3 evaluated versions (the fit needs 3)")
        return 0
    if grid:
        baseline = label({"learningRate": rates[0]})
        comparisons = ()
    else:
        baseline = ca.BASELINE
        comparisons = (("balanced", BALANCED_REFERENCE),) if "balanced" in arms and BALANCED_REFERENCE in arms else ()
        if baseline not in arms:
            say(f"no analysis: no {baseline} runs")
            return 0
    if grid:
        means = {}
        for name, rs in arms.items():
            fits = [ca.fit_curve(r["samples"], r["accuracy"]) for r in runs_of(rs)]
            grid = ca.make_grid([ca.as_run(r) for a in arms.values() for r in runs_of(a)], "samples")
            means[name] = sum(ca.area(f, grid) for f in fits) / len(fits)
        best = max(means, key=means.get)
        say("mean AUC (fitted expected accuracy averaged over the samples grid) per learning rate: "
            + ", ".join(f"{k} {v:.4f}" for k, v in means.items()) + f"; highest: {best}")
    try:
        controls = {} if grid else {
            "aa_arm": AA_ARM if AA_ARM in arms else None,
            "accounting_arm": ACCOUNTING_ARM if ACCOUNTING_ARM in arms else None}
        summary = ca.analyse({a: runs_of(rs) for a, rs in arms.items()}, baseline=baseline, comparisons=comparisons,
                             resamples=args.resamples,
                             target_arms=None if grid else target_arms(arms), **controls)
    except ValueError as error:
        # e.g. an arm whose mean curve falls (a diverging learning rate): no target every arm reaches
        say(f"no ratios: {error}")
        return 0
    targets = summary["targets"]
    say(f"targets (expected accuracy, fractions {summary['targetFractions']} of the way from the common start to the "
        f"lowest final mean): " + ", ".join(f"{100 * t:.1f}%" for t in targets))
    for name, arm in summary["arms"].items():
        say(f"-- {name}: {arm['runs']} runs; censored (samples) {arm['censoredSamples']}, "
            f"(versions) {arm['censoredVersions']}")
        for reference, result in arm["ratios"].items():
            if "error" in result:
                say(f"   vs {reference}: {result['error']}")
                continue
            say(f"   vs {reference} ({result['pairs']} pairs): AUC ratio {interval(result['auc'])} "
                f"(means {result['auc']['armMean']:.4f} / {result['auc']['referenceMean']:.4f})")
            for key, title in (("samplesToTarget", "samples speed-up"), ("versionsToTarget", "versions speed-up")):
                say(f"     {title}: " + "; ".join(
                    f"{100 * row['target']:.1f}% {interval(row)} (censored {row['censoredArm']}/{row['censoredReference']})"
                    for row in result[key]))
    aa = summary["controls"].get("aa")
    if aa:
        say(f"A/A control ({aa['arm']}): AUC {interval(aa['auc'])} half-width {aa['auc']['halfWidth']:.3f}")
        for key in ("samplesToTarget", "versionsToTarget"):
            say(f"   {key}: " + "; ".join(
                f"{100 * c['target']:.1f}% {interval(c)} half-width {c['halfWidth']:.3f} contains 1: {c['containsOne']}"
                + ("" if c["narrowEnough"] else f", seeds for 0.15: {c['seedsNeeded'] if c['seedsNeeded'] is not None else 'none would do'}")
                for c in aa[key]))
    accounting = summary["controls"].get("accounting")
    if accounting:
        say(f"accounting control ({accounting['arm']}): samples over uniform-n's, want "
            f"{accounting['samplesToTarget'][0]['range']}: " + "; ".join(
                f"{100 * c['target']:.1f}% {c['samplesRatio']:.2f} [{c['low']:.2f}, {c['high']:.2f}] "
                f"{'pass' if c['pass'] else 'FAIL'}" for c in accounting["samplesToTarget"]))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(summary, f, indent=1)
        say(f"analysis written to {args.json_out}")
    return 0


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=tuple(PHASES), required=True)
    parser.add_argument("--learning-rate", type=float,
                        help="builtin.learningRate of every arm (required for every phase but lr-grid)")
    parser.add_argument("--report", action="store_true", help="print the phase's analysis from the results file")
    parser.add_argument("--seeds", help="e.g. 1-12 or 1,2,5 (default " + ", ".join(
        f"{spec.seeds} for {name}" for name, spec in PHASES.items()) + ")")
    defaults = "; ".join(f"{name} {'every arm' if spec.arms == tuple(ARMS) else ','.join(spec.arms)}"
                         for name, spec in PHASES.items() if spec.learning_rates is None)
    parser.add_argument("--arms", help=f"arms, comma-separated, of {', '.join(ARMS)} (default: the phase's, {defaults})")
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--prompts-per-iteration", type=int, default=64)
    parser.add_argument("--test-prompts", type=int, default=10, help="the run's own evaluate stage (builtin.testPrompts)")
    parser.add_argument("--eval-every", type=int, default=3, help="evaluate every this many versions, and the last")
    parser.add_argument("--eval-limit", type=int, default=1000)
    parser.add_argument("--eval-samples", type=int, default=4)
    parser.add_argument("--eval-seed", type=int, default=1)
    parser.add_argument("--eval-jobs", type=int, default=2, help="evaluations at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, help="do not start a seed group that would end after this")
    parser.add_argument("--run-timeout", type=float, default=3600)
    parser.add_argument("--results", default=RESULTS)
    parser.add_argument("--work", default=WORK, help="run folders and the version-0 evaluation cache (not committed)")
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--keep-weights", action="store_true", help="keep the fetched weights and databases")
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples of --report")
    parser.add_argument("--json-out", help="--report: also write analyse's summary here")
    args = parser.parse_args(argv)
    args.results, args.work, args.tasks = (os.path.abspath(p) for p in (args.results, args.work, args.tasks))
    if args.iterations < 1 or args.prompts_per_iteration < 1 or args.eval_every < 1:
        parser.error("--iterations, --prompts-per-iteration and --eval-every must be at least 1")
    if PHASES[args.phase].learning_rates is not None and args.arms:
        parser.error(f"--arms is not for --phase {args.phase}; the grid runs {', '.join(PHASES[args.phase].arms)}")
    return report(args) if args.report else drive(args)


if __name__ == "__main__":
    sys.exit(main())
