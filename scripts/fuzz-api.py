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

With tokens (issue 21), two more modes; each starts the coordinator with
`serve --tokens` and a tokens file of fresh random tokens
(gvmharness.write_tokens_file): an operator (fuzz-operator) and a worker
(fuzz-worker). The setup creates the dataset and runs with the operator's
token; the worker takes the `fuzz-model` leases and returns the result, and
the operator takes the `fuzz-grpo` ones, so the lease ids offered hold both
the fuzzer's own leases and another identity's (403). schemathesis reads the
description from a file the setup fetched, with `--url` the coordinator,
and records the HAR unsanitized (`--output-sanitize false`: the tokens are
the run's own), so that the checks see which credential each request
presented.

- `--tokens`: schemathesis presents the operator's token on every request
  (`--header "Authorization: Bearer ..."`); the checks and the failures are
  the ones above (not one 5xx). schemathesis also sends each operation once
  without the header: those must be refused as in `--no-token`.
- `--no-token`: schemathesis is given no token. It sends each operation once
  without an Authorization header, and otherwise a credential it generates
  from the description's bearer scheme, never a listed one. Every answer to
  either must be 401, except on the open route (/healthz, any method: it
  needs no token), a 404 for a method and path the description does not
  have (no route matches, so there is nothing to authorize), and a 415 for
  a POST whose Content-Type its route does not take (the request's shape is
  checked before its token). Anything else fails the run, as do 5xx, a
  stopped coordinator or too few requests; the status counts and the first
  offenders are printed.

    python3 scripts/fuzz-api.py                      # 150 examples per operation
    python3 scripts/fuzz-api.py --json /tmp/fuzz.json --keep
    python3 scripts/fuzz-api.py --tokens             # the operator's token on every request
    python3 scripts/fuzz-api.py --no-token           # no token: 401 everywhere but /healthz

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
from gvmharness import REPO_ROOT, Coordinator, bearer, git_revision, write_tokens_file  # noqa: E402

DEFAULT_BINARY = os.path.join(".build", "debug", "gvm-coordinator")
DEFAULT_SCHEMATHESIS = os.path.join(".build", "venv-schemathesis", "bin", "schemathesis")
FIXTURE = os.path.join(REPO_ROOT, "Tests", "Fixtures", "math500-20.jsonl")
MODEL = "fuzz-model"
GRPO_MODEL = "fuzz-grpo"
# The identities of --tokens and --no-token.
OPERATOR, WORKER = "fuzz-operator", "fuzz-worker"
TOKEN_ROLES = {OPERATOR: "operator", WORKER: "worker"}
# Routes that need no token (--no-token lets them answer as they like, bar 5xx).
OPEN_PATHS = {"/healthz"}


def setup(coordinator: Coordinator, tokens: dict[str, str] | None = None) -> dict:
    """Real objects for the generated requests; returns the ids to offer them.
    With `tokens` (identity -> token) the operator's token creates them, and
    the leases of MODEL go to the worker's identity, GRPO_MODEL's to the
    operator's (the fuzzer's own)."""
    tokens = tokens or {}
    client = coordinator.client(tokens.get(OPERATOR))
    worker = coordinator.client(tokens.get(WORKER))
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
    for model, taker in ((MODEL, worker), (GRPO_MODEL, client)):
        grant = taker.json("POST", "/v1/leases", {"workerName": "fuzz-setup", "model": model, "capacity": 12})
        leases += grant["leases"]
    if not leases:
        raise SystemExit("setup: no lease was granted")
    # One finished lease, so that run 1's iteration 0 has a trace to export.
    first = leases[0]
    samples = [{"sampleIndex": first["firstSampleIndex"] + k, "response": "\\boxed{1}", "reward": 0,
                "completionTokens": 3, "finishReason": "stop"} for k in range(first["sampleCount"])]
    worker.json("POST", f"/v1/leases/{first['leaseId']}/result",
                {"generated": first["sampleCount"], "samples": samples})
    client.close()
    worker.close()
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


def authorization(request: dict) -> str | None:
    """The Authorization header of a HAR request, if it has one."""
    return next((h["value"] for h in request.get("headers", []) if h["name"].lower() == "authorization"), None)


def unauthenticated_offence(path: str, status: int, body: str, described: bool) -> str | None:
    """Why this answer to a request without a token, to a coordinator with
    tokens, breaks the access rules, or None. It must be 401, except: an open
    route (/healthz) answers anyone; a method and path the description lacks
    (`described` false) match no route, so their 404 comes before any token
    is looked at; and the request's shape is checked before its token
    (RequestShapeMiddleware), so a POST with a Content-Type its route does not
    take gets 415 whoever sends it."""
    if path in OPEN_PATHS or status == 401:
        return None
    if status == 404 and not described:
        return None
    if status == 415 and "Content-Type" in body:
        return None
    return f"{status}, not 401, without a token"


def summarize(har_path: str, description: dict, listed: frozenset[str] = frozenset(),
              given: str | None = None) -> dict:
    """Counts of the HAR file's requests (recorded unsanitized). `listed`:
    the Authorization values of the coordinator's tokens (none: it has no
    tokens); `given`: the one schemathesis was told to present. A request
    that presents no listed token, with no header or with a credential
    schemathesis generated from the description's security scheme, must be
    answered as unauthenticated_offence says; one that presents a listed
    token other than `given` breaks the rules too."""
    with open(har_path) as f:
        entries = json.load(f)["log"]["entries"]
    matchers = operation_matchers(description)
    statuses = collections.Counter()
    operations = collections.Counter()
    server_errors = []
    access_errors = []
    # With tokens configured: the statuses of the requests without a valid token, by what they presented.
    anonymous = {"no header": collections.Counter(), "a generated credential": collections.Counter()}
    for entry in entries:
        request, response = entry["request"], entry["response"]
        status = response["status"]
        statuses[status] += 1
        path = urlsplit(request["url"]).path
        operation = next((f"{m} {t}" for m, t, p in matchers if m == request["method"] and p.match(path)), None)
        operations[operation or "undescribed method or path"] += 1
        text = (response.get("content") or {}).get("text") or ""
        if status >= 500 or status == 0:
            server_errors.append({"method": request["method"], "url": request["url"], "status": status,
                                  "body": text[:300]})
            continue
        presented = authorization(request)
        problem = None
        if presented in listed and presented != given:
            problem = "presented a token schemathesis was not given"
        elif listed and presented not in listed:
            anonymous["no header" if presented is None else "a generated credential"][status] += 1
            problem = unauthenticated_offence(path, status, text, described=operation is not None)
        if problem:
            access_errors.append({"method": request["method"], "url": request["url"], "status": status,
                                  "problem": problem, "body": text[:300]})
    described = sum(1 for name in operations if name != "undescribed method or path")
    return {"requests": len(entries), "statuses": dict(sorted(statuses.items())),
            "operationsDescribed": len(matchers), "operationsRequested": described,
            "requestsByOperation": dict(sorted(operations.items())), "serverErrors": server_errors,
            "withoutToken": {kind: dict(sorted(c.items())) for kind, c in anonymous.items()},
            "accessErrors": access_errors}


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
    access = parser.add_mutually_exclusive_group()
    access.add_argument("--tokens", action="store_true",
                        help="the coordinator has tokens; schemathesis presents the operator's on every request")
    access.add_argument("--no-token", action="store_true",
                        help="the coordinator has tokens; schemathesis presents none, and every answer but "
                             "/healthz's (bar 404 for undescribed operations, 415 for wrong media types) must be 401")
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
    tokens: dict[str, str] = {}
    tokens_file = None
    if args.tokens or args.no_token:
        tokens_file = os.path.join(work, "tokens.json")
        tokens = write_tokens_file(tokens_file, TOKEN_ROLES)
    mode = "tokens" if args.tokens else "no-token" if args.no_token else "no tokens configured"
    coordinator = Coordinator(os.path.join(work, "gvm.sqlite"), log_path, binary_path=binary,
                              tokens_file=tokens_file, token=tokens.get(OPERATOR))
    started = time.monotonic()
    try:
        ids = setup(coordinator, tokens)
        client = coordinator.client()
        description = client.json("GET", "/openapi.json")
        client.close()
        write_config(config_path, ids)
        with open(os.path.join(work, "fuzz_api_hooks.py"), "w") as f:
            f.write(HOOKS)
        location = [f"{coordinator.url}/openapi.json"]
        if tokens:
            # The description is behind a token too: schemathesis reads the setup's copy.
            schema_path = os.path.join(work, "openapi.json")
            with open(schema_path, "w") as f:
                json.dump(description, f)
            # Unsanitized, so that the HAR shows which credential each request presented.
            location = [schema_path, "--url", coordinator.url, "--output-sanitize", "false"]
        command = [
            schemathesis, "--config-file", config_path, "run", *location,
            "--checks", args.checks, "--max-examples", str(args.max_examples), "--seed", str(args.seed),
            "--workers", args.workers, "--request-timeout", "30", "--suppress-health-check", "all",
            "--report", "har", "--report-har-path", har_path, "--report-dir", work,
        ]
        shown = list(command)
        if args.tokens:
            (name, value), = bearer(tokens[OPERATOR]).items()
            command += ["--header", f"{name}: {value}"]
            shown += ["--header", "'Authorization: Bearer (the operator's token)'"]
        if tokens:
            print(f"access: {mode}")
        print("$ " + " ".join(os.path.relpath(c, REPO_ROOT) if c.startswith(REPO_ROOT) else c for c in shown), flush=True)
        schemathesis_rc = subprocess.run(command, cwd=work, env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": work}).returncode
        alive = coordinator.process.poll() is None
    finally:
        exit_code = coordinator.stop()
    given = bearer(tokens[OPERATOR])["Authorization"] if args.tokens else None
    summary = summarize(har_path, description, frozenset(bearer(t)["Authorization"] for t in tokens.values()), given)
    with open(log_path, errors="replace") as f:
        logged_failures = sum(1 for line in f if "request failed" in line)
    summary.update({
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_revision(), "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs)",
        "binary": os.path.relpath(binary, REPO_ROOT), "maxExamples": args.max_examples, "seed": args.seed,
        "seconds": round(time.monotonic() - started, 1), "schemathesisExit": schemathesis_rc,
        "coordinatorAlive": alive, "coordinatorExit": exit_code, "loggedInternalErrors": logged_failures,
        "access": mode,
    })
    five = len(summary["serverErrors"])
    refused = len(summary["accessErrors"])
    print(f"\n{summary['requests']} requests to {summary['operationsRequested']} of the {summary['operationsDescribed']} "
          f"described operations (and methods they lack) in {summary['seconds']} s; "
          f"statuses {summary['statuses']}; 5xx: {five}; coordinator "
          f"{'still running' if alive else 'STOPPED'} at the end; schemathesis exit {schemathesis_rc}")
    for error in summary["serverErrors"][:20]:
        print(f"  {error['status']} {error['method']} {error['url']} {error['body']!r}")
    if args.tokens or args.no_token:
        for kind, statuses in summary["withoutToken"].items():
            print(f"access ({mode}): {sum(statuses.values())} requests with {kind} (no valid token), "
                  f"statuses {statuses}")
        print(f"access ({mode}): {refused} requests break the access rules")
        for error in summary["accessErrors"][:20]:
            print(f"  {error['status']} {error['method']} {error['url']}: {error['problem']} {error['body'][:120]!r}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    schemathesis_failed = schemathesis_rc != 0 and args.checks == "not_a_server_error"
    failed = five > 0 or refused > 0 or summary["requests"] < args.min_requests or not alive or schemathesis_failed
    if summary["requests"] < args.min_requests:
        print(f"FAIL: {summary['requests']} requests, fewer than {args.min_requests}; raise --max-examples")
    passed = "PASS: zero 5xx" + (", 401 without a token" if args.no_token else "")
    print("FAIL" if failed else passed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
