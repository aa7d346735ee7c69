#!/usr/bin/env python3
"""Benchmark how long creating the largest run the limits allow delays a lease grant.

gvm issue 12: a run's work units used to be written in the transaction that
created the run, and every lease grant waited behind it (10^6 units: 6.6 s).
Now that transaction writes one batch (WorkQueueing.unitsPerBatch) and the
coordinator's WorkQueuer writes the rest, one short write per batch. The goal
is a lease grant delayed by about 100 ms at most.

What it does:

1. Uses `.build/release/gvm-coordinator` (built with `swift build -c release
   --product gvm-coordinator` when missing or with `--build`), or `--binary`;
   warns when sources changed after it was built.
2. Starts `gvm-coordinator serve --db <tmp>/gvm.sqlite --port 0` and imports
   a generated dataset of `--prompts` prompts (default 10,000).
3. Creates a small uniform run for the model `bench-grants` (1,000 prompts x
   `--grant-samples` samples in leases of one) whose queued units the grants
   hand out, and waits until all of them are queued.
4. One thread asks for leases of `bench-grants` in a loop (capacity 1, one
   keep-alive connection), recording each grant's latency as it saw it.
5. After `--baseline` seconds (default 5) of grants alone, it creates the
   largest run the limits allow for the model `bench-big`: gvm, `--prompts`
   prompts x `presamples` pre-samples in leases of one, samplesPerPrompt 1,
   so that RunLimits.workUnitsBound is exactly 1,000,000 (10,000 x 98 =
   980,000 pre-sample units in its first stage). It times the POST, then
   polls the database (read-only, beside the coordinator) until the run's
   plan is gone from `workQueueing`, and checks the unit count.
6. Grants go on for `--tail` seconds (default 2) after that, then stop.
7. Reports, for grants before the creation (baseline) and between the POST
   and the last unit queued (during creation): count, p50, p99 and max
   latency, and the ratios; the POST's own latency; the time until every
   unit was queued; and the coordinator's peak resident memory (VmHWM) before
   and after the creation.
8. With `--allocate-prompts P`, it then measures the allocate step, which
   still writes every prompt's n_i in one transaction: a gvm run of P
   prompts x 1 pre-sample, whose pre-samples 4 threads complete while the
   grant loop runs again, on a fresh coordinator and database. The result
   that completes the stage carries the allocation; the script reports the
   slowest results and the slowest grant.

Linux only (reads /proc). Python 3.11, standard library only.

    python3 scripts/bench-run-creation.py            # 10,000 prompts x 98 pre-samples
    python3 scripts/bench-run-creation.py --json /tmp/run-creation.json
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvmharness import (REPO_ROOT, Client, Coordinator, add_binary_options, cpu_model, ensure_binary,  # noqa: E402
                        git_revision, newer_sources)

DATASET = "run-creation-bench"
MAX_WORK_UNITS = 1_000_000  # RunLimits.maxWorkUnitsPerIteration
GRANT_PROMPTS = 1_000


def log(message: str) -> None:
    print(f"[bench-run-creation] {message}", file=sys.stderr, flush=True)


def peak_rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def make_dataset(prompts: int) -> bytes:
    lines = [json.dumps({"problem": f"Benchmark problem {i}: find x with x - {i} = 1.", "answer": str(i + 1)})
             for i in range(prompts)]
    return ("\n".join(lines) + "\n").encode()


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def figures(latencies: list[float]) -> dict:
    values = sorted(latencies)
    return {"grants": len(values), "p50Ms": ms(percentile(values, 0.5)), "p99Ms": ms(percentile(values, 0.99)),
            "maxMs": ms(values[-1] if values else None)}


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def unqueued(db_path: str, run_id: int) -> tuple[int, int]:
    """Plans left for the run, and the units it has so far."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        plans = connection.execute("SELECT COUNT(*) FROM workQueueing WHERE runId = ?", (run_id,)).fetchone()[0]
        units = connection.execute("SELECT COUNT(*) FROM workUnit WHERE runId = ?", (run_id,)).fetchone()[0]
        return plans, units
    finally:
        connection.close()


def wait_until_queued(db_path: str, run_id: int, timeout: float) -> tuple[float, int]:
    """Seconds until the run has no plan left, and its unit count then."""
    started = time.perf_counter()
    while True:
        plans, units = unqueued(db_path, run_id)
        if plans == 0:
            return time.perf_counter() - started, units
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"run {run_id}: units still being queued after {timeout:.0f} s ({units} so far)")
        time.sleep(0.02)


class Granter(threading.Thread):
    """Asks for one lease at a time, recording (start, latency, leases)."""

    def __init__(self, host: str, port: int):
        super().__init__(daemon=True)
        self.client = Client(host, port)
        self.body = json.dumps({"workerName": "bench-granter", "model": "bench-grants", "capacity": 1}).encode()
        self.samples: list[tuple[float, float, int]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                status, data = self.client.request("POST", "/v1/leases", self.body)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise RuntimeError(f"POST /v1/leases -> {status}: {data[:300]!r}")
                self.samples.append((started, elapsed, len(json.loads(data)["leases"])))
        except BaseException as error:  # reported by the main thread
            self.error = error
        finally:
            self.client.close()

    def between(self, start: float, end: float) -> list[float]:
        """Latencies of grants that were waiting at some point in [start, end]."""
        return [latency for began, latency, _ in self.samples if began <= end and began + latency >= start]


def complete_presamples(host: str, port: int, model: str, threads: int = 4) -> list[tuple[float, float]]:
    """Leases and completes every pre-sample unit of `model`'s run from
    `threads` connections; (start, latency) of each result."""
    results: list[tuple[float, float]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(number: int) -> None:
        client = Client(host, port)
        try:
            while True:
                leases = client.json("POST", "/v1/leases", {"workerName": f"bench-presampler-{number}", "model": model,
                                                            "capacity": 512})["leases"]
                presamples = [lease for lease in leases if lease["stage"] == "presample"]
                for lease in presamples:
                    accepted = lease["promptId"] % 3 != 0
                    body = {"generated": 1, "samples": [{
                        "sampleIndex": lease["firstSampleIndex"], "response": "\\boxed{1}", "reward": 1.0,
                        "gradNorm": 1.0 + lease["promptId"] % 7, "completionTokens": 3, "finishReason": "stop",
                    }] if accepted else []}
                    started = time.perf_counter()
                    client.json("POST", f"/v1/leases/{lease['leaseId']}/result", body)
                    with lock:
                        results.append((started, time.perf_counter() - started))
                if len(presamples) < len(leases) or not leases:
                    return
        except BaseException as error:
            errors.append(error)
        finally:
            client.close()

    workers = [threading.Thread(target=work, args=(number,), daemon=True) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise SystemExit(f"completing the pre-samples failed: {errors[0]}")
    return results


def allocate_step(args, binary: str, workdir: str) -> dict:
    """The allocate step of a gvm run of --allocate-prompts prompts, beside the
    grant loop, on a coordinator and database of its own: the large run's
    queued units would slow every grant for another model (the grant query
    walks the queue in run order)."""
    db_path = os.path.join(workdir, "allocate.sqlite")
    coordinator = Coordinator(db_path, os.path.join(workdir, "allocate.log"), binary_path=binary)
    try:
        return measure_allocate_step(args, coordinator, db_path)
    finally:
        coordinator.stop()


def measure_allocate_step(args, coordinator, db_path: str) -> dict:
    client = coordinator.client()
    prompts = args.allocate_prompts
    client.json("POST", f"/v1/datasets?name={DATASET}", raw=make_dataset(max(prompts, GRANT_PROMPTS)),
                content_type="application/x-ndjson")
    grants_run = client.json("POST", "/v1/runs", {
        "dataset": DATASET, "model": "bench-grants", "strategy": "uniform", "samplesPerPrompt": args.grant_samples,
        "promptsPerIteration": GRANT_PROMPTS, "maxSamplesPerLease": 1, "iterations": 1, "leaseSeconds": 3600,
    })
    wait_until_queued(db_path, grants_run["runId"], args.timeout)
    run = client.json("POST", "/v1/runs", {
        "dataset": DATASET, "model": "bench-allocate", "strategy": "gvm", "presamples": 1, "samplesPerPrompt": 1,
        "promptsPerIteration": prompts, "maxSamplesPerLease": 1, "iterations": 1,
    })
    wait_until_queued(db_path, run["runId"], args.timeout)
    log(f"allocate step: completing {prompts} pre-samples of run {run['runId']}")
    granter = Granter(coordinator.host, coordinator.port)
    granter.start()
    try:
        started = time.perf_counter()
        results = complete_presamples(coordinator.host, coordinator.port, "bench-allocate")
        ended = time.perf_counter()
    finally:
        granter.stop.set()
        granter.join(timeout=60)
    stage = client.json("GET", f"/v1/runs/{run['runId']}")["stage"]
    slowest = sorted(results, key=lambda result: -result[1])[:5]
    return {
        "prompts": prompts, "results": len(results), "stageAfter": stage,
        "slowestResultsMs": [ms(latency) for _, latency in slowest],
        "grants": figures(granter.between(started, ended)),
    }


def run_benchmark(args, binary: str, workdir: str) -> dict:
    db_path = os.path.join(workdir, "gvm.sqlite")
    log_path = os.path.join(workdir, "coordinator.log")
    coordinator = Coordinator(db_path, log_path, binary_path=binary)
    report: dict = {}
    granter: Granter | None = None
    try:
        pid = coordinator.pid
        client = coordinator.client()
        log(f"coordinator pid {pid} on {coordinator.url}; importing {args.prompts} prompts")
        client.json("POST", f"/v1/datasets?name={DATASET}", raw=make_dataset(args.prompts),
                    content_type="application/x-ndjson")

        grants_run = client.json("POST", "/v1/runs", {
            "dataset": DATASET, "model": "bench-grants", "strategy": "uniform", "samplesPerPrompt": args.grant_samples,
            "promptsPerIteration": GRANT_PROMPTS, "maxSamplesPerLease": 1, "iterations": 1, "leaseSeconds": 3600,
        })
        _, grant_units = wait_until_queued(db_path, grants_run["runId"], args.timeout)
        log(f"run {grants_run['runId']} (bench-grants): {grant_units} units for the grants")

        # promptsPerIteration x (presamples + samplesPerPrompt + 1) units at most, in leases of one.
        presamples = MAX_WORK_UNITS // args.prompts - 2
        big = {
            "dataset": DATASET, "model": "bench-big", "strategy": "gvm", "presamples": presamples,
            "samplesPerPrompt": 1, "promptsPerIteration": args.prompts, "maxSamplesPerLease": 1, "iterations": 1,
        }
        expected_units = args.prompts * presamples

        granter = Granter(coordinator.host, coordinator.port)
        granter.start()
        time.sleep(args.baseline)
        rss_before = peak_rss_kib(pid)
        log(f"creating the large run: {args.prompts} prompts x {presamples} pre-samples = {expected_units} units")
        created_at = time.perf_counter()
        big_run = client.json("POST", "/v1/runs", big)
        post_seconds = time.perf_counter() - created_at
        queued_seconds, units = wait_until_queued(db_path, big_run["runId"], args.timeout)
        queued_seconds += post_seconds
        queued_at = created_at + queued_seconds
        time.sleep(args.tail)
        granter.stop.set()
        granter.join(timeout=60)
        if granter.error:
            raise SystemExit(f"the grant loop failed: {granter.error}")
        rss_after = peak_rss_kib(pid)

        baseline = [latency for began, latency, _ in granter.samples if began + latency < created_at]
        during = granter.between(created_at, queued_at)
        empty = sum(1 for began, _, leases in granter.samples if leases == 0 and began <= queued_at)
        # Where the slowest grants fell, in seconds after the POST.
        slowest = sorted(granter.samples, key=lambda sample: -sample[1])[:5]
        report.update({
            "prompts": args.prompts, "presamples": presamples, "maxSamplesPerLease": 1,
            "unitsExpected": expected_units, "unitsQueued": units,
            "createRequestMs": ms(post_seconds), "allUnitsQueuedSeconds": round(queued_seconds, 3),
            "unitsPerSecond": round(units / queued_seconds) if queued_seconds > 0 else None,
            "baseline": figures(baseline), "duringCreation": figures(during),
            "emptyGrants": empty,
            "slowestGrants": [{"atSeconds": round(began - created_at, 3), "ms": ms(latency)}
                              for began, latency, _ in slowest],
            "peakRssKiBBeforeCreation": rss_before, "peakRssKiB": rss_after,
        })
        b, d = report["baseline"], report["duringCreation"]
        for key in ("p99Ms", "maxMs"):
            if b[key] and d[key]:
                report[f"{key.removesuffix('Ms')}Ratio"] = round(d[key] / b[key], 2)
        if units != expected_units:
            raise SystemExit(f"the large run has {units} units, expected {expected_units}")
        if empty:
            log(f"warning: {empty} grants found no unit (raise --grant-samples)")
        return report
    finally:
        if granter is not None:
            granter.stop.set()
        coordinator.stop()


def print_summary(r: dict) -> None:
    b, d = r["baseline"], r["duringCreation"]
    print(f"date {r['date']}  machine {r['cpuModel']} ({r['nproc']} CPUs)  commit {r['gitRevision']}")
    print(f"run: {r['prompts']} prompts x {r['presamples']} pre-samples, leases of 1 -> "
          f"{r['unitsQueued']} units in the first stage (bound {MAX_WORK_UNITS})")
    print(f"create request {r['createRequestMs']} ms; all units queued after {r['allUnitsQueuedSeconds']} s "
          f"({r['unitsPerSecond']} units/s)")
    print(f"grant latency, baseline:       {b['grants']} grants, p50 {b['p50Ms']} ms, p99 {b['p99Ms']} ms, "
          f"max {b['maxMs']} ms")
    print(f"grant latency, during creation: {d['grants']} grants, p50 {d['p50Ms']} ms, p99 {d['p99Ms']} ms, "
          f"max {d['maxMs']} ms")
    print(f"ratio during/baseline: p99 {r.get('p99Ratio')}, max {r.get('maxRatio')}")
    print("slowest grants (s after the POST: ms): "
          + ", ".join(f"{g['atSeconds']}: {g['ms']}" for g in r["slowestGrants"]))
    print(f"coordinator peak RSS: {r['peakRssKiBBeforeCreation'] / 1024:.1f} MiB before, "
          f"{r['peakRssKiB'] / 1024:.1f} MiB after")
    if "allocateStep" in r:
        a = r["allocateStep"]
        print(f"allocate step of {a['prompts']} prompts ({a['results']} pre-sample results, stage then {a['stageAfter']}): "
              f"slowest results {a['slowestResultsMs']} ms; grants meanwhile p99 {a['grants']['p99Ms']} ms, "
              f"max {a['grants']['maxMs']} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=10_000,
                        help="prompts of the large run (and of the dataset); default 10000")
    parser.add_argument("--grant-samples", type=int, default=99,
                        help="samples per prompt of the run the grants lease from (x 1,000 prompts); default 99")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of grants before the creation (default 5)")
    parser.add_argument("--tail", type=float, default=2.0, help="seconds of grants after the last unit (default 2)")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up queueing after this long (default 600)")
    parser.add_argument("--allocate-prompts", type=int, default=0, metavar="P",
                        help="also time the allocate step of a gvm run of P prompts x 1 pre-sample (default: skip)")
    add_binary_options(parser)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    args = parser.parse_args()
    if not os.path.exists("/proc/self/status"):
        sys.exit("this script reads /proc and needs Linux")
    if not (GRANT_PROMPTS <= args.prompts <= MAX_WORK_UNITS // 3):
        sys.exit(f"--prompts must be {GRANT_PROMPTS} to {MAX_WORK_UNITS // 3}")
    if not (args.allocate_prompts == 0 or 1 <= args.allocate_prompts <= MAX_WORK_UNITS // 3):
        sys.exit(f"--allocate-prompts must be 0 (skip) or 1 to {MAX_WORK_UNITS // 3}")

    binary = ensure_binary(args.binary, args.build, log=log)
    stale = newer_sources(binary)
    if stale:
        log(f"warning: {len(stale)} source file(s) changed after {os.path.relpath(binary, REPO_ROOT)} was built "
            f"(e.g. {stale[0]}); pass --build to rebuild first")
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "cpuModel": cpu_model(),
        "nproc": len(os.sched_getaffinity(0)), "sqliteVersion": sqlite3.sqlite_version,
        "gitRevision": git_revision(), "binary": os.path.relpath(binary, REPO_ROOT), "sourcesNewerThanBinary": stale,
    }
    with tempfile.TemporaryDirectory(prefix="gvm-run-creation-") as workdir:
        report.update(run_benchmark(args, binary, workdir))
        if args.allocate_prompts:
            report["allocateStep"] = allocate_step(args, binary, workdir)
    print_summary(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
