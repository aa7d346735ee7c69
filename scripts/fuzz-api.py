#!/usr/bin/env python3
"""Fuzz the coordinator's HTTP API with schemathesis, from its own /openapi.json.

gvm issue 13: at least 2,000 generated requests against a real coordinator,
and not one 5xx answer.

What it does:

1. Uses `.build/debug/gvm-coordinator` (a debug build is enough: the fuzzer,
   not the server, is the slow part), or `--binary`; `make fuzz-api` builds it.
2. Starts `gvm-coordinator serve` on 127.0.0.1, a free port and a fresh
   database in a temporary folder.
3. Gives the generated requests real objects to hit: imports the MATH-500
   fixture as `math500`, creates three gvm runs (manual advance) and three
   uniform grpo runs, grants leases of both models and returns one result, so
   that run 1's iteration 0 has traces and statistics.
4. Writes a schemathesis configuration whose dictionaries hold those ids
   (run ids, iterations, prompt ids, lease ids, the weights version "0", the
   dataset name). Each path parameter takes a dictionary value half of the
   time and a generated one otherwise.
5. Runs schemathesis (`--schemathesis`, default the venv `make fuzz-api`
   makes) against http://127.0.0.1:PORT/openapi.json in all its phases, with
   the check `not_a_server_error` (or `--checks`), `--max-examples` per
   operation and one worker, and records every exchange in a HAR file.
6. Counts the requests, operations and statuses in the HAR file, and fails
   (exit 1) on any 5xx answer, on fewer than `--min-requests` requests, on a
   coordinator that stopped, or on schemathesis failing.

    python3 scripts/fuzz-api.py                      # 150 examples per operation
    python3 scripts/fuzz-api.py --json /tmp/fuzz.json --keep

Python 3.11, standard library only (schemathesis runs as its own process).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvmharness import REPO_ROOT, Coordinator, git_revision  # noqa: E402

DEFAULT_BINARY = os.path.join(".build", "debug", "gvm-coordinator")
DEFAULT_SCHEMATHESIS = os.path.join(".build", "venv-schemathesis", "bin", "schemathesis")
FIXTURE = os.path.join(REPO_ROOT, "Tests", "Fixtures", "math500-20.jsonl")
MODEL = "fuzz-model"
GRPO_MODEL = "fuzz-grpo"


def setup(coordinator: Coordinator) -> dict:
    """Real objects for the generated requests; returns the ids to offer them."""
    client = coordinator.client()
    with open(FIXTURE, "rb") as f:
        client.json("POST", "/v1/datasets?name=math500", raw=f.read(), content_type="application/x-ndjson")
    # Several of each, since the fuzzer pauses and cancels the runs it finds.
    runs = []
    for seed in range(3):
        runs.append(client.json("POST", "/v1/runs", {
            "dataset": "math500", "model": MODEL, "promptsPerIteration": 4, "iterations": 2,
            "presamples": 4, "samplesPerPrompt": 4, "maxSamplesPerLease": 2, "advance": "manual", "seed": seed}))
        runs.append(client.json("POST", "/v1/runs", {
            "dataset": "math500", "model": GRPO_MODEL, "strategy": "uniform", "algorithm": "grpo",
            "presamples": 0, "promptsPerIteration": 2, "samplesPerPrompt": 2, "maxSamplesPerLease": 2, "seed": seed}))
    leases = []
    for model in (MODEL, GRPO_MODEL):
        grant = client.json("POST", "/v1/leases", {"workerName": "fuzz-setup", "model": model, "capacity": 12})
        leases += grant["leases"]
    if not leases:
        raise SystemExit("setup: no lease was granted")
    # One finished lease, so that run 1's iteration 0 has a trace to export.
    first = leases[0]
    samples = [{"sampleIndex": first["firstSampleIndex"] + k, "response": "\\boxed{1}", "reward": 0,
                "completionTokens": 3, "finishReason": "stop"} for k in range(first["sampleCount"])]
    client.json("POST", f"/v1/leases/{first['leaseId']}/result",
                {"generated": first["sampleCount"], "samples": samples})
    client.close()
    return {
        "runIds": [run["runId"] for run in runs],
        "iterations": [0, 1],
        "promptIds": sorted({lease["promptId"] for lease in leases})[:8],
        "leaseIds": [lease["leaseId"] for lease in leases],
        "versions": ["0"],
        "datasets": ["math500"],
    }


def toml_list(values: list) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


# The dataset import's body is JSON Lines, which schemathesis has no
# serializer for: a generated string goes as its UTF-8 bytes, anything else
# (negative mode) as JSON.
HOOKS = """import json
import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()
"""


def write_config(path: str, ids: dict) -> None:
    """Dictionaries of real ids, each parameter drawing from one half of the time."""
    dictionaries = {"runs": ids["runIds"], "iterations": ids["iterations"], "prompts": ids["promptIds"],
                    "leases": ids["leaseIds"], "versions": ids["versions"], "datasets": ids["datasets"]}
    bindings = {"path.runId": "runs", "path.iteration": "iterations", "path.promptId": "prompts",
                "path.leaseId": "leases", "path.version": "versions", "query.name": "datasets",
                "body.dataset": "datasets"}
    lines = ['hooks = "fuzz_api_hooks"', ""]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {toml_list(values)}", ""]
    lines.append("[parameters]")
    for key, name in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}')
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def operation_matchers(description: dict) -> list[tuple[str, str, re.Pattern]]:
    """(method, template, regex) of each described operation."""
    matchers = []
    for template, item in description["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
        for method in item:
            matchers.append((method.upper(), template, pattern))
    return matchers


def summarize(har_path: str, description: dict) -> dict:
    with open(har_path) as f:
        entries = json.load(f)["log"]["entries"]
    matchers = operation_matchers(description)
    statuses = collections.Counter()
    operations = collections.Counter()
    server_errors = []
    for entry in entries:
        request, response = entry["request"], entry["response"]
        status = response["status"]
        statuses[status] += 1
        path = urlsplit(request["url"]).path
        operation = next((f"{m} {t}" for m, t, p in matchers if m == request["method"] and p.match(path)), None)
        operations[operation or "undescribed method or path"] += 1
        if status >= 500 or status == 0:
            text = (response.get("content") or {}).get("text") or ""
            server_errors.append({"method": request["method"], "url": request["url"], "status": status,
                                  "body": text[:300]})
    described = sum(1 for name in operations if name != "undescribed method or path")
    return {"requests": len(entries), "statuses": dict(sorted(statuses.items())),
            "operationsDescribed": len(matchers), "operationsRequested": described,
            "requestsByOperation": dict(sorted(operations.items())), "serverErrors": server_errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=DEFAULT_BINARY, help=f"coordinator binary (default {DEFAULT_BINARY})")
    parser.add_argument("--schemathesis", default=DEFAULT_SCHEMATHESIS, help=f"(default {DEFAULT_SCHEMATHESIS})")
    parser.add_argument("--max-examples", type=int, default=150, help="generated test cases per operation and phase")
    parser.add_argument("--min-requests", type=int, default=2000, help="fewer requests than this fails the run")
    parser.add_argument("--seed", type=int, default=13, help="schemathesis's random seed")
    # One: with two, hypothesis's lambda descriptions (ast.parse) raced under
    # CPython 3.11 and schemathesis reported a RuntimeError of its own.
    parser.add_argument("--workers", default="1", help="schemathesis's concurrent workers")
    parser.add_argument("--checks", default="not_a_server_error",
                        help="schemathesis checks; with others than not_a_server_error their failures are reported "
                             "and only 5xx, a stopped coordinator or too few requests fail the run")
    parser.add_argument("--json", help="also write the summary here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log, HAR)")
    args = parser.parse_args()

    binary = args.binary if os.path.isabs(args.binary) else os.path.join(REPO_ROOT, args.binary)
    schemathesis = args.schemathesis if os.path.isabs(args.schemathesis) else os.path.join(REPO_ROOT, args.schemathesis)
    for path, hint in ((binary, "swift build --product gvm-coordinator"), (schemathesis, "make fuzz-api")):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: {hint}")

    work = tempfile.mkdtemp(prefix="gvm-fuzz-api-")
    log_path = os.path.join(work, "coordinator.log")
    har_path = os.path.join(work, "schemathesis.har")
    config_path = os.path.join(work, "schemathesis.toml")
    coordinator = Coordinator(os.path.join(work, "gvm.sqlite"), log_path, binary_path=binary)
    started = time.monotonic()
    try:
        ids = setup(coordinator)
        client = coordinator.client()
        description = client.json("GET", "/openapi.json")
        client.close()
        write_config(config_path, ids)
        with open(os.path.join(work, "fuzz_api_hooks.py"), "w") as f:
            f.write(HOOKS)
        command = [
            schemathesis, "--config-file", config_path, "run", f"{coordinator.url}/openapi.json",
            "--checks", args.checks, "--max-examples", str(args.max_examples), "--seed", str(args.seed),
            "--workers", args.workers, "--request-timeout", "30", "--suppress-health-check", "all",
            "--report", "har", "--report-har-path", har_path, "--report-dir", work,
        ]
        print("$ " + " ".join(os.path.relpath(c, REPO_ROOT) if c.startswith(REPO_ROOT) else c for c in command), flush=True)
        schemathesis_rc = subprocess.run(command, cwd=work, env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": work}).returncode
        alive = coordinator.process.poll() is None
    finally:
        exit_code = coordinator.stop()
    summary = summarize(har_path, description)
    with open(log_path, errors="replace") as f:
        logged_failures = sum(1 for line in f if "request failed" in line)
    summary.update({
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_revision(), "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs)",
        "binary": os.path.relpath(binary, REPO_ROOT), "maxExamples": args.max_examples, "seed": args.seed,
        "seconds": round(time.monotonic() - started, 1), "schemathesisExit": schemathesis_rc,
        "coordinatorAlive": alive, "coordinatorExit": exit_code, "loggedInternalErrors": logged_failures,
    })
    five = len(summary["serverErrors"])
    print(f"\n{summary['requests']} requests to {summary['operationsRequested']} of the {summary['operationsDescribed']} "
          f"described operations (and methods they lack) in {summary['seconds']} s; "
          f"statuses {summary['statuses']}; 5xx: {five}; coordinator "
          f"{'still running' if alive else 'STOPPED'} at the end; schemathesis exit {schemathesis_rc}")
    for error in summary["serverErrors"][:20]:
        print(f"  {error['status']} {error['method']} {error['url']} {error['body']!r}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    schemathesis_failed = schemathesis_rc != 0 and args.checks == "not_a_server_error"
    failed = five > 0 or summary["requests"] < args.min_requests or not alive or schemathesis_failed
    if summary["requests"] < args.min_requests:
        print(f"FAIL: {summary['requests']} requests, fewer than {args.min_requests}; raise --max-examples")
    print("FAIL" if failed else "PASS: zero 5xx")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
