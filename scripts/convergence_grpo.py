#!/usr/bin/env python3
"""The convergence benchmark's GRPO part (issue 15): branching runs.

GRPO full runs would cost the RAFT phase's hours again, so GRPO is measured
by branching: from shared checkpoints, every arm trains one iteration on
the same prompt batch (the run seed fixes it), and the endpoint is its gain
in expected accuracy over the checkpoint. An arm's "uniform-equivalent
budget" is read off the line of gain against samples through the three
uniform arms (n, 1.5n, 2n); its efficiency is that budget over the samples
it generated, pre-sampling counted (`convergence_analysis.branching_analysis`).

Phases (`--phase`):
  checkpoints  the checkpoints: version 0 is docs/allocation/checkpoints/
               v0.weights; grpo-v3.weights and grpo-v6.weights are versions 3
               and 6 of a uniform-n GRPO run from it (seed 1000, outside the
               branching seeds, so no branch starts on the checkpoint run's
               own first batch), made once and committed with a record in
               checkpoints.json. A checkpoint already there is kept.
  branch       20 seeds x 3 checkpoints x the arms below, one iteration each.

Arms (all GRPO, 64 prompts, n = 8, the RAFT phase's learning rate 1e-4,
epochsPerIteration 1, exact gradient norms):
  uniform-n         uniform, 8 per prompt
  uniform-1.5n      uniform, 12 per prompt
  uniform-2n        uniform, 16 per prompt
  gvm               paper GVM: N' = 8 pre-samples, n = 8, separate accounting
  gvm-count-cap24   GVM, countTowardBudget, maxSamplesPerPrompt 24
The strategies added later ("judge the strategies"; the arms above and
their rows are unchanged):
  knapsack          strategy knapsack: N' = 8 pre-samples where the history
                    is unsure, n = 8, separate accounting, history statistics
                    at their defaults (lambda 0.9, s 2, sigma_max 0.15, W 2,
                    M_s = M_h = 8) and knapsackFloor 2, as the coordinator
                    resolves a knapsack run that names neither; no filters
                    (knapsack refuses them)
  variance          strategy variance, otherwise as knapsack (no floor)
  gvm-history       gvm with `history: {}` (the defaults): gvm's rule on the
                    history's p_i and G_i, N' = 8 where the history is
                    unsure, n = 8, separate accounting
  uniform-2n-rounds uniform, 16 per prompt as a cap, in rounds of 4 that stop
                    a prompt once it has 2 correct and 2 wrong samples
                    (`rounds` {size 4, correctTarget 2, wrongTarget 2}): at
                    most uniform-2n's budget
  knapsack-rounds   knapsack as above with 16 per prompt as the caps, in the
                    same rounds: at most N' + 16 per prompt
A branch is one iteration from a checkpoint, so the history arms start with
an empty history: every prompt's prior sd is above sigma_max, so each draws
N' pre-samples and the history's p_i is those pre-samples shrunk towards
the prior. Samples are counted as drawn: each row's samplesGenerated is the
iteration summary's (every sample generated, pre-samples included), which
for a rounds arm is what its prompts drew, not their caps; the row's
iteration record also keeps the summary's generationBudget (the caps) and
unspent (what the prompts that stopped early left of them).

Metric: as scripts/convergence.py (expected accuracy at temperature 1 on
1,000 test prompts, k = 4 samples on common random numbers), of each
checkpoint once per machine (cached in the work folder) and of each run's
version 1. Rows go to docs/allocation/convergence-grpo.jsonl, one per run,
appended as each (seed, checkpoint) group finishes; a rerun skips rows
present, and `--max-minutes` does not start a group its finished groups say
would end after the limit. The arms of one group share a coordinator and
run at once. Every row records the CPU model and OpenBLAS core; the analysis
pairs seeds only within one CPU model.

    python3 scripts/convergence_grpo.py --phase checkpoints
    python3 scripts/convergence_grpo.py --phase branch [--max-minutes 55]
    python3 scripts/convergence_grpo.py --report [--json-out F]
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convergence as cv  # noqa: E402
import gvmharness as gh  # noqa: E402

CHECKPOINTS = os.path.join(gh.REPO_ROOT, "docs", "allocation", "checkpoints")
RESULTS = os.path.join(gh.REPO_ROOT, "docs", "allocation", "convergence-grpo.jsonl")
WORK = os.path.join(gh.REPO_ROOT, ".build", "convergence-grpo")
CHECKPOINT_NAMES = ("v0", "grpo-v3", "grpo-v6")
CHECKPOINT_RUN_SEED = 1000
LEARNING_RATE = 1e-4
N, PRESAMPLES, PROMPTS = 8, 8, 64
SEEDS = "1-20"
# sampling until enough, GRPO's targets: rounds of 4, a prompt stops at 2 correct and 2 wrong
ROUNDS = {"size": 4, "correctTarget": 2, "wrongTarget": 2}

ARMS: dict[str, dict] = {
    "uniform-n": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": N},
    "uniform-1.5n": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": N * 3 // 2},
    "uniform-2n": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 2 * N},
    "gvm": {"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N, "presampleAccounting": "separate",
            "gradNormStatistic": "mean"},
    "gvm-count-cap24": {"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N,
                        "presampleAccounting": "countTowardBudget", "maxSamplesPerPrompt": 24,
                        "gradNormStatistic": "mean"},
    # the strategies judged later; the arms above are as their rows ran
    "knapsack": {"strategy": "knapsack", "presamples": PRESAMPLES, "samplesPerPrompt": N,
                 "presampleAccounting": "separate"},
    "variance": {"strategy": "variance", "presamples": PRESAMPLES, "samplesPerPrompt": N,
                 "presampleAccounting": "separate"},
    "gvm-history": {"strategy": "gvm", "presamples": PRESAMPLES, "samplesPerPrompt": N,
                    "presampleAccounting": "separate", "gradNormStatistic": "mean", "history": {}},
    "uniform-2n-rounds": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 2 * N, "rounds": ROUNDS},
    "knapsack-rounds": {"strategy": "knapsack", "presamples": PRESAMPLES, "samplesPerPrompt": 2 * N,
                        "presampleAccounting": "separate", "rounds": ROUNDS},
}
UNIFORM_ARMS = ("uniform-n", "uniform-1.5n", "uniform-2n")


def say(line: str = "") -> None:
    print(line, flush=True)


def checkpoint_path(name: str) -> str:
    return os.path.join(CHECKPOINTS, f"{name}.weights")


def run_configuration(arm: str, seed: int, weights: str, iterations: int = 1) -> dict:
    return {
        "dataset": "convergence-pool", "model": "builtin", "algorithm": "grpo",
        "promptsPerIteration": PROMPTS, "iterations": iterations, "maxSamplesPerLease": 8, "trainOnPresamples": False,
        "prompt": {"completion": "{problem}\n"}, "generation": {"temperature": 1.0, "maxTokens": 128},
        "gradNorm": "exact", "seed": seed, **copy.deepcopy(ARMS[arm]),
        "builtin": {"weights": os.path.abspath(weights), "testDataset": "convergence-test", "testPrompts": 10,
                    "epochsPerIteration": 1, "batchSize": 32, "learningRate": LEARNING_RATE},
    }


def stored_configuration(configuration: dict) -> dict:
    weights = os.path.relpath(configuration["builtin"]["weights"], gh.REPO_ROOT)
    return {**configuration, "builtin": {**configuration["builtin"], "weights": weights}}


class Session:
    """A coordinator with the benchmark's datasets and two built-in workers."""

    def __init__(self, folder: str, tasks: str, workers: int):
        self.folder = folder
        self.coordinator = gh.Coordinator(os.path.join(folder, "gvm.sqlite"), os.path.join(folder, "coordinator.log"))
        self.workers: list[gh.Worker] = []
        try:
            self.client = self.coordinator.client()
            for name, path in (("convergence-pool", "pool.jsonl"), ("convergence-test", "test.jsonl")):
                with open(os.path.join(tasks, path), "rb") as f:
                    self.client.json("POST", f"/v1/datasets?name={name}", raw=f.read(),
                                     content_type="application/x-ndjson")
            for index in range(workers):
                self.workers.append(gh.Worker(self.coordinator.url, f"grpo-{index + 1}",
                                              os.path.join(folder, f"worker-{index + 1}.log"), ["--backend", "builtin"]))
        except BaseException:
            self.close()
            raise

    def wait(self, run_ids: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = set(run_ids)
        while pending:
            for run_id in sorted(pending):
                state = self.client.json("GET", f"/v1/runs/{run_id}")["state"]
                if state == "completed":
                    pending.discard(run_id)
                elif state in ("cancelled", "failed"):
                    raise SystemExit(f"run {run_id} ended {state} (logs in {self.folder})")
            if pending and time.monotonic() > deadline:
                raise SystemExit(f"runs {sorted(pending)} not done in {timeout} s (logs in {self.folder})")
            if pending:
                time.sleep(1)

    def weights(self, run_id: int, version: int, path: str) -> str:
        status, body = self.client.request("GET", f"/v1/runs/{run_id}/weights/{version}")
        if status != 200:
            raise SystemExit(f"GET /v1/runs/{run_id}/weights/{version} answered {status}")
        with open(path + ".partial", "wb") as f:
            f.write(body)
        os.replace(path + ".partial", path)
        return path

    def iteration_statistics(self, run_id: int) -> list[dict]:
        out = []
        for it in self.client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"]:
            prompts = self.client.json("GET", f"/v1/runs/{run_id}/iterations/{it['iteration']}/prompts")["prompts"]
            out.append({
                "iteration": it["iteration"], "samplesGenerated": it["samplesGenerated"],
                "presamplesGenerated": sum(p["presample"]["samples"] for p in prompts),
                "samplesAccepted": it["samplesAccepted"], "samplesFailed": it.get("samplesFailed", 0),
                "trainingSteps": (it.get("training") or {}).get("steps"),
                "acceptanceMean": (it.get("acceptance") or {}).get("mean"),
                "allocation": {k: (it.get("allocation") or {}).get(k) for k in ("min", "median", "max")},
                **cv.rounds_statistics(it)})
        return out

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.coordinator.stop()


# ---------------------------------------------------------------- checkpoints

def make_checkpoints(args) -> int:
    record_path = os.path.join(CHECKPOINTS, "checkpoints.json")
    with open(record_path) as f:
        record = json.load(f)
    missing = [name for name in ("grpo-v3", "grpo-v6") if not os.path.exists(checkpoint_path(name))]
    if missing:
        cv.ensure_tasks(args.tasks)
        folder = os.path.join(args.work, "checkpoint-run")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        configuration = run_configuration("uniform-n", CHECKPOINT_RUN_SEED, cv.VERSION0, iterations=6)
        say(f"== uniform-n GRPO from v0, 6 iterations, seed {CHECKPOINT_RUN_SEED}, lr {LEARNING_RATE:g}")
        session = Session(folder, args.tasks, args.workers)
        try:
            run_id = session.client.json("POST", "/v1/runs", configuration)["runId"]
            session.wait([run_id], args.run_timeout)
            iterations = session.iteration_statistics(run_id)
            made = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": gh.git_revision(),
                    "cpuModel": gh.cpu_model(), "configuration": stored_configuration(configuration),
                    "iterations": iterations}
            for name, version in (("grpo-v3", 3), ("grpo-v6", 6)):
                if name in missing:
                    session.weights(run_id, version, checkpoint_path(name))
                    record[name] = {**made, "version": version}
        finally:
            session.close()
    for name in ("grpo-v3", "grpo-v6"):
        record[name]["sha256"] = cv.sha256(checkpoint_path(name))
        say(f"{name}: sha256 {record[name]['sha256']}")
    with open(record_path, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return 0


# ---------------------------------------------------------------- branching

def row_key(row: dict) -> tuple:
    return (row["checkpoint"], row["arm"], int(row["seed"]))


def evaluate_checkpoint(args, name: str, machine: dict) -> dict:
    """A checkpoint is one file for every branch: evaluated once per machine and settings."""
    path = checkpoint_path(name)
    key = hashlib.sha256(json.dumps([cv.sha256(path), cv.sha256(os.path.join(args.tasks, "test.jsonl")),
                                     args.eval_limit, args.eval_samples, args.eval_seed, machine["cpuModel"],
                                     machine["openblasCore"]]).encode()).hexdigest()[:16]
    cache = os.path.join(args.work, f"{name}-evaluation-{key}.json")
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    result = cv.evaluate(path, os.path.join(args.tasks, "test.jsonl"), args.eval_limit, args.eval_samples,
                         args.eval_seed)
    with open(cache + ".partial", "w") as f:
        json.dump(result, f)
    os.replace(cache + ".partial", cache)
    return result


def run_group(args, checkpoint: str, seed: int, arms: list[str], machine: dict) -> list[dict]:
    """Every arm of (checkpoint, seed) at once on one coordinator, then their evaluations."""
    started = time.monotonic()
    folder = os.path.join(args.work, "branch", f"{checkpoint}-seed{seed}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    configurations = {arm: run_configuration(arm, seed, checkpoint_path(checkpoint)) for arm in arms}
    session = Session(folder, args.tasks, args.workers)
    try:
        run_ids = {arm: session.client.json("POST", "/v1/runs", configurations[arm])["runId"] for arm in arms}
        session.wait(list(run_ids.values()), args.run_timeout)
        statistics = {arm: session.iteration_statistics(run_id)[0] for arm, run_id in run_ids.items()}
        weights = {arm: session.weights(run_id, 1, os.path.join(folder, f"{arm}-v1.weights"))
                   for arm, run_id in run_ids.items()}
    finally:
        session.close()
    run_seconds = time.monotonic() - started
    test = os.path.join(args.tasks, "test.jsonl")
    with ThreadPoolExecutor(max_workers=max(1, args.eval_jobs)) as pool:
        futures = {arm: pool.submit(cv.evaluate, weights[arm], test, args.eval_limit, args.eval_samples,
                                    args.eval_seed) for arm in arms}
        after = {arm: future.result() for arm, future in futures.items()}
    before = machine["checkpointEvaluations"][checkpoint]
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    seconds = round(time.monotonic() - started, 1)
    rows = []
    for arm in arms:
        if after[arm]["modelVersion"] not in (None, 1):
            raise SystemExit(f"{weights[arm]} holds version {after[arm]['modelVersion']}")
        rows.append({
            "phase": "grpo-branch", "checkpoint": checkpoint, "arm": arm, "seed": seed, "learningRate": LEARNING_RATE,
            "checkpointSHA256": cv.sha256(checkpoint_path(checkpoint)),
            "samplesGenerated": statistics[arm]["samplesGenerated"],
            "presamplesGenerated": statistics[arm]["presamplesGenerated"], "iteration": statistics[arm],
            "before": {k: before[k] for k in ("expectedAccuracy", "expectedAccuracyStandardError", "goldLogLikelihood")},
            "after": {k: after[arm][k] for k in ("expectedAccuracy", "expectedAccuracyStandardError",
                                                 "goldLogLikelihood")},
            "gain": after[arm]["expectedAccuracy"] - before["expectedAccuracy"],
            "configuration": stored_configuration(configurations[arm]),
            "evaluation": {"tasks": after[arm]["tasks"], "limit": args.eval_limit, "samplesPerTask": args.eval_samples,
                           "seed": args.eval_seed, "temperature": 1, "maxTokens": after[arm]["maxTokens"],
                           "testFile": "test.jsonl"},
            "groupSeconds": seconds, "groupRunSeconds": round(run_seconds, 1), "date": date,
            "commit": gh.git_revision(), "binariesCommit": gh.binaries_commit(), "cpuModel": machine["cpuModel"], "openblasCore": machine["openblasCore"],
            "workers": args.workers})
    if not args.keep_weights:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def parse_checkpoints(text: str | None) -> list[str]:
    """--checkpoints: comma-separated names, in CHECKPOINT_NAMES order (default all)."""
    if not text:
        return list(CHECKPOINT_NAMES)
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(CHECKPOINT_NAMES))
    if unknown or not names:
        raise SystemExit(f"unknown checkpoints {unknown}: the checkpoints are {', '.join(CHECKPOINT_NAMES)}")
    return [name for name in CHECKPOINT_NAMES if name in names]


def group_durations(rows: list[dict], arms: list[str]) -> list[float]:
    """Seconds of the finished groups, one per (checkpoint, seed, date), for
    `--max-minutes`: those that ran any of these arms if there are some (a
    group's time grows with its arms' samples), else every group."""
    def durations(selected):
        seen = {}
        for r in selected:
            if r.get("groupSeconds"):
                seen.setdefault((r["checkpoint"], int(r["seed"]), r.get("date")), r["groupSeconds"])
        return list(seen.values())
    return durations([r for r in rows if r["arm"] in arms]) or durations(rows)


def drive(args) -> int:
    missing = [name for name in CHECKPOINT_NAMES if not os.path.exists(checkpoint_path(name))]
    if missing:
        raise SystemExit(f"checkpoints {missing} are missing: run --phase checkpoints first")
    cv.ensure_tasks(args.tasks)
    os.makedirs(args.work, exist_ok=True)
    rows = cv.read_rows(args.results)
    done = {row_key(r) for r in rows}
    seeds = cv.parse_seeds(args.seeds)
    arms = list(ARMS) if not args.arms else [a.strip() for a in args.arms.split(",")]
    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        raise SystemExit(f"unknown arms {unknown}: the arms are {', '.join(ARMS)}")
    checkpoints = parse_checkpoints(args.checkpoints)
    groups = [(c, s) for s in seeds for c in checkpoints]
    todo = [(c, s) for c, s in groups if any((c, a, s) not in done for a in arms)]
    say(f"== grpo-branch: {len(groups)} groups (seed x checkpoint), {len(groups) - len(todo)} already in "
        f"{os.path.relpath(args.results, gh.REPO_ROOT)}")
    if not todo:
        return 0
    machine = {"cpuModel": gh.cpu_model(), "openblasCore": cv.openblas_core(args.tasks)}
    machine["checkpointEvaluations"] = {name: evaluate_checkpoint(args, name, machine) for name in checkpoints}
    say(f"cpu {machine['cpuModel']}, OpenBLAS {machine['openblasCore']}; checkpoints: " + ", ".join(
        f"{n} {100 * e['expectedAccuracy']:.1f}%" for n, e in machine["checkpointEvaluations"].items()))
    start, durations = time.monotonic(), group_durations(rows, arms)
    for checkpoint, seed in todo:
        if args.max_minutes is not None and durations:
            estimate = sum(durations) / len(durations)
            if time.monotonic() - start + estimate > args.max_minutes * 60:
                say(f"stopping before {checkpoint} seed {seed}: a group takes about {estimate:.0f} s; rerun to go on")
                return 0
        pending = [a for a in arms if (checkpoint, a, seed) not in done]
        say(f"== {checkpoint} seed {seed}: {', '.join(pending)}")
        new = run_group(args, checkpoint, seed, pending, machine)
        for row in new:
            cv.append_row(args.results, row)
            done.add(row_key(row))
        durations.append(new[0]["groupSeconds"])
        say("   " + "  ".join(f"{r['arm']} {r['samplesGenerated']} {100 * r['gain']:+.2f}" for r in new)
            + f"  ({new[0]['groupSeconds']:.0f} s)")
    return 0


# ---------------------------------------------------------------- report

def arm_order(names) -> list[str]:
    """The arms of ARMS in its order, then any others (rows of arms this
    driver no longer or not yet names) by name."""
    names = set(names)
    return [a for a in ARMS if a in names] + sorted(names - set(ARMS))


def analyse(rows: list[dict], resamples: int) -> dict:
    """branching_analysis per checkpoint, on the CPU model with the most rows.

    uniform's line is fitted on the seeds all three uniform arms have. Every
    other arm present (whatever its name) is paired with uniform on the
    seeds it has among those: the arms that have all of them are analysed
    together with that line; an arm with fewer (a phase still running) is
    analysed on its own seeds, with uniform's line refitted on them, and its
    entry says how many seeds it has (`seeds`) and holds that line (`line`).
    An arm with fewer than 2 seeds is listed in `tooFewSeeds`. Adding arms
    changes no other arm's figures: the bootstrap's resampled seeds depend
    only on the number of seeds and the checkpoint."""
    import convergence_analysis as ca  # numpy: only the report needs it
    cpus = {}
    for r in rows:
        cpus[r.get("cpuModel")] = cpus.get(r.get("cpuModel"), 0) + 1
    cpu = max(cpus, key=cpus.get)
    out = {"cpuModel": cpu, "otherCpuRows": sum(n for c, n in cpus.items() if c != cpu), "checkpoints": {}}
    # every arm with rows on this CPU, at any checkpoint: one with none at a checkpoint is listed with 0 seeds
    names = arm_order({r["arm"] for r in rows if r.get("cpuModel") == cpu} | set(UNIFORM_ARMS))
    for checkpoint in CHECKPOINT_NAMES:
        mine = [r for r in rows if r["checkpoint"] == checkpoint and r.get("cpuModel") == cpu]
        by_arm = {arm: {int(r["seed"]): r for r in mine if r["arm"] == arm} for arm in names}
        seeds = sorted(set.intersection(*(set(by_arm[arm]) for arm in UNIFORM_ARMS)))
        if len(seeds) < 2:
            out["checkpoints"][checkpoint] = {"error": f"{len(seeds)} seeds with every uniform arm"}
            continue
        subsets: dict[tuple, list[str]] = {}
        too_few = {}
        for arm in names:
            if arm in UNIFORM_ARMS:
                continue
            have = tuple(s for s in seeds if s in by_arm[arm])
            if len(have) < 2:
                too_few[arm] = len(have)
            else:
                subsets.setdefault(have, []).append(arm)

        def analysis(on: tuple, arms: list[str]) -> dict:
            uniform = {arm: (by_arm[arm][on[0]]["samplesGenerated"], [by_arm[arm][s]["gain"] for s in on])
                       for arm in UNIFORM_ARMS}
            others = {arm: ([by_arm[arm][s]["samplesGenerated"] for s in on], [by_arm[arm][s]["gain"] for s in on])
                      for arm in arms}
            return ca.branching_analysis(uniform, others, resamples=resamples, seed=ca.seed_for(0, checkpoint))

        every = tuple(seeds)
        result = analysis(every, subsets.pop(every, []))
        for entry in result["arms"].values():
            entry["seeds"] = len(every)
        for on, arms in subsets.items():
            partial = analysis(on, arms)
            for arm in arms:
                result["arms"][arm] = {**partial["arms"][arm], "seeds": len(on), "seedList": list(on),
                                       "line": partial["line"]}
        result["arms"] = {arm: result["arms"][arm] for arm in names if arm in result["arms"]}
        result["tooFewSeeds"] = too_few
        result["before"] = by_arm["uniform-n"][seeds[0]]["before"]["expectedAccuracy"]
        result["seedList"] = seeds
        out["checkpoints"][checkpoint] = result
    return out


def report(args) -> int:
    rows = cv.read_rows(args.results)
    if not rows:
        say(f"no rows in {args.results}")
        return 1
    summary = analyse(rows, args.resamples)
    say(f"== grpo-branch: {len(rows)} runs; cpu {summary['cpuModel']} ({summary['otherCpuRows']} rows on others); "
        f"commits {sorted({str(r.get('commit')) for r in rows})}")

    def show(value):
        return "inf" if value is None else f"{value:.2f}"

    for checkpoint, result in summary["checkpoints"].items():
        if "error" in result:
            say(f"-- {checkpoint}: {result['error']}")
            continue
        line = result["line"]
        say(f"-- {checkpoint} (expected accuracy {100 * result['before']:.1f}%, {result['seeds']} seeds): uniform line "
            f"gain = {100 * line['intercept']:.2f} + {100 * line['slope'] * 1000:.3f} per 1000 samples (points), "
            f"slope 95% [{100 * line['slopeLow'] * 1000:.3f}, {100 * line['slopeHigh'] * 1000:.3f}], "
            f"{line['nonPositiveSlopeReplicates']} of {result['resamples']} replicates flat or falling")
        for arm, a in result["arms"].items():
            e, d, d2 = a["efficiency"], a["gainOverSmallestUniform"], a["gainOverLargestUniform"]
            efficiency = (f"{show(e['estimate'])} [{show(e['low'])}, {show(e['high'])}]" if e["identified"]
                          else "not identified")
            say(f"   {arm:<17} seeds {a['seeds']:2}  samples {a['meanSamples']:7.1f}  "
                f"gain {100 * a['meanGain']:+.2f} points  "
                f"efficiency {efficiency}  "
                f"gain - uniform-n {100 * d['estimate']:+.2f} [{100 * d['low']:+.2f}, {100 * d['high']:+.2f}]  "
                f"gain - uniform-2n {100 * d2['estimate']:+.2f} [{100 * d2['low']:+.2f}, {100 * d2['high']:+.2f}]")
        for arm, count in result["tooFewSeeds"].items():
            say(f"   {arm:<17} {count} seed(s) paired with uniform: not analysed")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(summary, f, indent=1)
        say(f"analysis written to {args.json_out}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=("checkpoints", "branch"))
    parser.add_argument("--report", action="store_true", help="print the analysis of the results file")
    parser.add_argument("--seeds", default=SEEDS)
    parser.add_argument("--arms", help=f"comma-separated (default all: {', '.join(ARMS)})")
    parser.add_argument("--checkpoints", help=f"comma-separated (default all: {', '.join(CHECKPOINT_NAMES)})")
    parser.add_argument("--eval-limit", type=int, default=1000)
    parser.add_argument("--eval-samples", type=int, default=4)
    parser.add_argument("--eval-seed", type=int, default=1)
    parser.add_argument("--eval-jobs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-minutes", type=float)
    parser.add_argument("--run-timeout", type=float, default=3600)
    parser.add_argument("--results", default=RESULTS)
    parser.add_argument("--work", default=WORK)
    parser.add_argument("--tasks", default=cv.TASKS)
    parser.add_argument("--keep-weights", action="store_true")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    args.results, args.work, args.tasks = (os.path.abspath(p) for p in (args.results, args.work, args.tasks))
    if args.report:
        return report(args)
    if args.phase is None:
        parser.error("give --phase or --report")
    os.makedirs(args.work, exist_ok=True)
    return make_checkpoints(args) if args.phase == "checkpoints" else drive(args)


if __name__ == "__main__":
    sys.exit(main())
