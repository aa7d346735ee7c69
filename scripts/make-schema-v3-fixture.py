#!/usr/bin/env python3
"""Writes Tests/Fixtures/databases/schema-v3.gvmdb: a database made for real
by the gvm of commit 9212cf6 (schema v3), for the tests that today's gvm
opens and resumes it unchanged.

    git worktree add ../gvm-9212cf6 9212cf6 && (cd ../gvm-9212cf6 && swift build)
    scripts/make-schema-v3-fixture.py --binaries ../gvm-9212cf6/.build/debug --output FILE

Run 1: a built-in run (uniform, RAFT, 3 iterations of 6 prompts x 4 samples,
one sample a lease, no stepsPerIteration given) whose iteration 0 is trained
and evaluated and whose iteration 1 is part-way through its sample stage;
a real `gvm-worker --backend builtin` does the sampling and is stopped with
SIGTERM once iteration 1 has some results. Run 2: a plain gvm run on
math500-20, played by a simulated worker over HTTP: its pre-sample stage
done, two sample leases done and one released. The coordinator then stops
(SIGTERM), and the WAL is checkpointed so that the database is one file.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import gvmharness as h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binaries", required=True, help="folder with gvm-coordinator, gvm-worker and gvm-model")
    parser.add_argument("--output", required=True, help="the database to write (replaced)")
    args = parser.parse_args()
    binaries = os.path.abspath(args.binaries)
    output = os.path.abspath(args.output)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(output + suffix):
            os.remove(output + suffix)

    # Stopping the worker part-way through a stage is a race; a try that
    # stopped it too late is made again from the start.
    for attempt in range(1, 6):
        with tempfile.TemporaryDirectory(prefix="gvm-fixture-") as work:
            # Relative paths only, from `work`: the database stores the
            # weights path of the built-in run as given.
            database = os.path.join(work, "fixture.gvmdb")
            if make(binaries, work, database):
                finish(database, output)
                return
        print(f"try {attempt}: the worker was stopped too late; again")
    sys.exit("the worker could not be stopped part-way through iteration 1 in 5 tries")


def finish(database: str, output: str) -> None:
    """One file: the WAL checkpointed into the database, then compacted."""
    subprocess.run(["sqlite3", database, "PRAGMA wal_checkpoint(TRUNCATE)"], check=True)
    subprocess.run(["sqlite3", database, "VACUUM"], check=True)
    shutil.move(database, output)
    print(f"wrote {output} ({os.path.getsize(output)} bytes)")


def make(binaries: str, work: str, database: str) -> bool:
    """Whether the built-in run stopped part-way through iteration 1."""
    def run(*arguments: str) -> None:
        subprocess.run(list(arguments), check=True, cwd=work, stdout=subprocess.DEVNULL)

    model = os.path.join(binaries, "gvm-model")
    coordinator = os.path.join(binaries, "gvm-coordinator")
    run(model, "tasks", "--seed", "5", "--train", "200", "--test", "20", "--levels", "1", "--output", "tasks")
    # About a third right after the warm start, so RAFT has samples to train on.
    run(model, "warm-start", "--train", "tasks/train.jsonl", "--test", "tasks/test.jsonl", "--output", "v0.weights",
        "--width", "16", "--layers", "1", "--heads", "2", "--context", "48", "--steps", "300", "--eval-every", "100",
        "--eval-tasks", "20", "--batch-size", "16", "--learning-rate", "0.01")
    for name, count in (("train", 12), ("test", 4)):
        with open(os.path.join(work, "tasks", f"{name}.jsonl")) as source:
            lines = source.readlines()[:count]
        with open(os.path.join(work, "tasks", f"{name}-small.jsonl"), "w") as target:
            target.writelines(lines)
    with open(os.path.join(h.REPO_ROOT, "Tests", "Fixtures", "math500-20.jsonl"), "rb") as source:
        with open(os.path.join(work, "math20.jsonl"), "wb") as target:
            target.write(source.read())

    server = subprocess.Popen([coordinator, "serve", "--db", os.path.basename(database), "--port", "0"], cwd=work,
                              stdout=subprocess.PIPE, stderr=open(os.path.join(work, "coordinator.log"), "ab"))
    assert server.stdout is not None
    url = server.stdout.readline().decode().strip().removeprefix("listening on ").rstrip("/")
    host, _, port = url.removeprefix("http://").rpartition(":")
    client = h.Client(host, int(port))
    try:
        run(coordinator, "import-dataset", "--url", url, "--name", "tasks", "tasks/train-small.jsonl")
        run(coordinator, "import-dataset", "--url", url, "--name", "tasks-test", "tasks/test-small.jsonl")
        run(coordinator, "import-dataset", "--url", url, "--name", "math20", "math20.jsonl")
        builtin_run = client.json("POST", "/v1/runs", {
            "dataset": "tasks", "model": "builtin", "strategy": "uniform", "algorithm": "raft",
            "samplesPerPrompt": 4, "promptsPerIteration": 6, "iterations": 3, "maxSamplesPerLease": 1,
            "prompt": {"completion": "{problem}\n"}, "generation": {"maxTokens": 24}, "seed": 7,
            "builtin": {"weights": "v0.weights", "testDataset": "tasks-test", "testPrompts": 4, "batchSize": 4,
                        "learningRate": 0.01},
        })["runId"]
        plain_run = client.json("POST", "/v1/runs", {
            "dataset": "math20", "model": "sim", "strategy": "gvm", "algorithm": "raft", "presamples": 4,
            "samplesPerPrompt": 4, "promptsPerIteration": 6, "iterations": 2, "maxSamplesPerLease": 2, "seed": 11,
        })["runId"]
        if not builtin_part(binaries, work, url, client, builtin_run):
            return False
        plain_part(client, plain_run)
        return True
    finally:
        h.stop_process(server)


def status(client: h.Client, run_id: int) -> dict:
    return next(r for r in client.json("GET", "/v1/status")["runs"] if r["runId"] == run_id)


def builtin_part(binaries: str, work: str, url: str, client: h.Client, run_id: int) -> bool:
    worker = subprocess.Popen(
        [os.path.join(binaries, "gvm-worker"), "run", "--coordinator", url, "--backend", "builtin", "--model", "builtin",
         "--name", "fixture-builtin", "--concurrency", "1"],
        cwd=work, stdout=open(os.path.join(work, "worker.log"), "ab"), stderr=subprocess.STDOUT)
    # Pausing stops new leases at once; the worker then stops with SIGTERM.
    while True:
        s = status(client, run_id)
        if s["iteration"] == 1 and s["stage"] == "sample" and s["progress"]["samplesDone"] >= 1:
            client.json("POST", f"/v1/runs/{run_id}/pause")
            break
        if s["iteration"] > 1 or (s["iteration"] == 1 and s["stage"] != "sample"):
            break
        time.sleep(0.005)
    h.stop_process(worker)
    s = status(client, run_id)
    if s["state"] != "paused" or s["iteration"] != 1 or s["progress"]["samplesDone"] >= s["progress"]["samplesTotal"]:
        return False
    client.json("POST", f"/v1/runs/{run_id}/resume")
    print("built-in run:", json.dumps(status(client, run_id)["progress"]))
    return True


def plain_part(client: h.Client, run_id: int) -> None:
    def result(lease: dict) -> dict:
        samples = []
        for k in range(lease["sampleCount"]):
            index = lease["firstSampleIndex"] + k
            if (lease["promptId"] + index) % 3 != 0:
                samples.append({"sampleIndex": index, "response": f"so \\boxed{{{index}}}", "reward": 1.0,
                                "gradNorm": 1 + index / 10, "completionTokens": 5, "finishReason": "stop"})
        return {"generated": lease["sampleCount"], "samples": samples, "generatedTokens": 5 * lease["sampleCount"]}

    def lease(capacity: int) -> list[dict]:
        request = {"workerName": "fixture-sim", "model": "sim", "capacity": capacity}
        return client.json("POST", "/v1/leases", request)["leases"]

    while status(client, run_id)["stage"] == "presample":
        for granted in lease(4):
            client.json("POST", f"/v1/leases/{granted['leaseId']}/result", result(granted))
    for _ in range(2):
        granted = lease(1)[0]
        client.json("POST", f"/v1/leases/{granted['leaseId']}/result", result(granted))
    granted = lease(1)[0]
    client.json("POST", f"/v1/leases/{granted['leaseId']}/release", {"reason": "fixture"})
    print("plain run:", json.dumps(status(client, run_id)["progress"]))


if __name__ == "__main__":
    main()
