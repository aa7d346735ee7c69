#!/usr/bin/env python3
"""Writes Tests/Fixtures/databases/schema-v7.gvmdb: a database made for real
by the gvm of commit 7ee3d11 (schema v7), the last commit before runs could
name strategies other than `gvm` and `uniform` or use history statistics.
`SchemaV7FixtureTests` opens a copy with today's gvm and checks that each
run keeps the strategy and parameters it resolved when it was created.

    git worktree add ../gvm-7ee3d11 7ee3d11 && (cd ../gvm-7ee3d11 && swift build)
    scripts/make-schema-v7-fixture.py --binaries ../gvm-7ee3d11/.build/debug --output FILE

Dataset `math20` (`Tests/Fixtures/math500-20.jsonl`, with levels). Run 1: gvm
with parameters away from every default (N' 4, alpha 0.01, beta 1.5, rms,
countTowardBudget, cap 10, GRPO), played by a simulated worker over HTTP
through every iteration (its allocations fit in its pre-samples, so it
completes). Run 2: gvm with every
default, its pre-sample stage queued and untouched. Run 3: uniform under
GRPO, created only. The coordinator then stops (SIGTERM), and the WAL is
checkpointed so that the database is one file.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile

import gvmharness as h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binaries", required=True, help="folder with gvm-coordinator")
    parser.add_argument("--output", required=True, help="the database to write (replaced)")
    parser.add_argument("--with-history", action="store_true",
                        help="also a knapsack GRPO run and a gvm run with history (needs a gvm of schema v8 or later; "
                        "this makes schema-v8.gvmdb)")
    args = parser.parse_args()
    coordinator = os.path.join(os.path.abspath(args.binaries), "gvm-coordinator")
    output = os.path.abspath(args.output)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(output + suffix):
            os.remove(output + suffix)
    with tempfile.TemporaryDirectory(prefix="gvm-fixture-") as work:
        database = os.path.join(work, "fixture.gvmdb")
        shutil.copy(os.path.join(h.REPO_ROOT, "Tests", "Fixtures", "math500-20.jsonl"), os.path.join(work, "math20.jsonl"))
        server = subprocess.Popen([coordinator, "serve", "--db", "fixture.gvmdb", "--port", "0"], cwd=work,
                                  stdout=subprocess.PIPE, stderr=open(os.path.join(work, "coordinator.log"), "ab"))
        assert server.stdout is not None
        url = server.stdout.readline().decode().strip().removeprefix("listening on ").rstrip("/")
        host, _, port = url.removeprefix("http://").rpartition(":")
        client = h.Client(host, int(port))
        try:
            subprocess.run([coordinator, "import-dataset", "--url", url, "--name", "math20", "math20.jsonl"],
                           check=True, cwd=work, stdout=subprocess.DEVNULL)
            tuned = client.json("POST", "/v1/runs", {
                "dataset": "math20", "model": "sim", "strategy": "gvm", "algorithm": "grpo", "presamples": 4,
                "samplesPerPrompt": 4, "alpha": 0.01, "beta": 1.5, "gradNormStatistic": "rms",
                "presampleAccounting": "countTowardBudget", "maxSamplesPerPrompt": 10,
                "promptsPerIteration": 6, "iterations": 3, "maxSamplesPerLease": 2, "seed": 11,
            })["runId"]
            client.json("POST", "/v1/runs", {
                "dataset": "math20", "model": "sim-default", "promptsPerIteration": 5, "iterations": 2, "seed": 12,
            })
            client.json("POST", "/v1/runs", {
                "dataset": "math20", "model": "sim-uniform", "strategy": "uniform", "algorithm": "grpo",
                "samplesPerPrompt": 4, "promptsPerIteration": 4, "iterations": 2, "seed": 13,
            })
            play(client, tuned)
            if args.with_history:
                knapsack = client.json("POST", "/v1/runs", {
                    "dataset": "math20", "model": "sim-knapsack", "strategy": "knapsack", "algorithm": "grpo",
                    "presamples": 4, "samplesPerPrompt": 4, "promptsPerIteration": 5, "iterations": 3,
                    "maxSamplesPerLease": 2, "seed": 14, "history": {"decay": 0.8},
                })["runId"]
                client.json("POST", "/v1/runs", {
                    "dataset": "math20", "model": "sim-history", "strategy": "gvm", "presamples": 4,
                    "promptsPerIteration": 5, "iterations": 2, "seed": 15, "history": {},
                })
                play(client, knapsack, model="sim-knapsack")
        finally:
            h.stop_process(server)
        subprocess.run(["sqlite3", database, "PRAGMA wal_checkpoint(TRUNCATE)"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["sqlite3", database, "VACUUM"], check=True)
        shutil.move(database, output)
    print(f"wrote {output} ({os.path.getsize(output)} bytes)")


def status(client: h.Client, run_id: int) -> dict:
    return next(r for r in client.json("GET", "/v1/status")["runs"] if r["runId"] == run_id)


def play(client: h.Client, run_id: int, model: str = "sim") -> None:
    """The pre-sample stage, then two sample leases: a third of the samples
    are wrong, and every accepted one has a norm."""
    def result(lease: dict) -> dict:
        samples = []
        for k in range(lease["sampleCount"]):
            index = lease["firstSampleIndex"] + k
            correct = (lease["promptId"] + index) % 3 != 0
            samples.append({"sampleIndex": index, "response": f"so \\boxed{{{index}}}",
                            "reward": 1.0 if correct else 0.0, "gradNorm": 1 + index / 10,
                            "completionTokens": 5, "finishReason": "stop"})
        return {"generated": lease["sampleCount"], "samples": samples, "generatedTokens": 5 * lease["sampleCount"]}

    def lease(capacity: int) -> list[dict]:
        request = {"workerName": "fixture-sim", "model": model, "capacity": capacity}
        return client.json("POST", "/v1/leases", request)["leases"]

    while status(client, run_id)["stage"] == "presample":
        for granted in lease(4):
            client.json("POST", f"/v1/leases/{granted['leaseId']}/result", result(granted))
    for _ in range(2):
        for granted in lease(1):
            client.json("POST", f"/v1/leases/{granted['leaseId']}/result", result(granted))
    print("run", run_id, "now:", status(client, run_id))


if __name__ == "__main__":
    main()
