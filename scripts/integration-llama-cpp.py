#!/usr/bin/env python3
"""One full gvm iteration with real workers against llama.cpp's OpenAI server.

`make integration` runs this after `make release`. It needs
`pip install 'llama-cpp-python[server]' gguf` (llama-cpp-python compiles
llama.cpp: about 9 minutes on 2 cores) and downloads nothing: the model is a
tiny random-weight GGUF written by scripts/make_tiny_gguf.py.

What it does:

1. Uses `.build/release/gvm-coordinator` and `.build/release/gvm-worker`,
   building them (`swift build -c release --product ...`) when either is
   missing or older than its sources; `--no-build` uses them as they are.
2. Writes the tiny GGUF into a temporary directory and starts
   `python3 -m llama_cpp.server --model tiny.gguf --model_alias tiny-gvm
   --port <free port>`; waits for `GET /v1/models`.
3. Sends requests straight to llama.cpp, shaped as a worker sends them, and
   prints them with the answers: how it answers `n = 2`, and in which layout
   it reports logprobs on `/v1/completions` and `/v1/chat/completions`.
4. Starts `gvm-coordinator serve --db <tmp>/gvm.sqlite --port 0`, imports 4
   prompts with known gold answers (42, 41, 7, 9), and starts two
   `gvm-worker run --backend openai` processes against the server.
5. Creates a `gvm` run: 4 pre-samples and 4 samples per prompt, completion
   template `Q: {problem}\\nA:`, and `generation.extra` carrying a GBNF grammar
   that forces ` The answer is \\boxed{42}.`, `...{41}.` or `...{7}.`.
   Sampling between the three is close to uniform (random weights), so the
   prompts' acceptance rates differ, except for the prompt whose gold (9) the
   grammar never allows. Waits until `/v1/status` shows the iteration `done`.
6. Prints the per-prompt history, the allocation, some exported traces and
   how many requests llama.cpp served. Checks every response against the
   grammar (all samples come back: the run uses `algorithm: grpo`).

Exits 0 on success; 1 when the iteration does not finish within `--timeout`
seconds, nothing was accepted, or a check fails; 2 when a prerequisite is
missing. Every process it started is stopped on exit, also on Ctrl-C.

    python3 scripts/integration-llama-cpp.py [--no-build] [--timeout 300] [--keep]
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE_DIR = os.path.join(REPO_ROOT, ".build", "release")
PRODUCTS = ("gvm-coordinator", "gvm-worker")
MODEL_ALIAS = "tiny-gvm"
DATASET_NAME = "integration"

# The forced answers. GBNF: `\\` inside a string literal is one backslash.
ANSWERS = ("42", "41", "7")
GRAMMAR = 'root ::= " The answer is \\\\boxed{" ("42" | "41" | "7") "}."'
RESPONSE_PATTERN = re.compile(r"^ The answer is \\boxed\{(42|41|7)\}\.$")

PROBLEMS = [
    ("What is 6 times 7?", "42"),
    ("What is 6 times 7, minus 1?", "41"),
    ("What is 3 plus 4?", "7"),
    ("What is 3 times 3?", "9"),  # never offered by the grammar: p = 0
]


def log(message: str = "") -> None:
    print(message, flush=True)


def section(title: str) -> None:
    log()
    log(f"== {title}")


class Failure(RuntimeError):
    """A check failed; exit status 1."""


class Missing(RuntimeError):
    """A prerequisite is missing; exit status 2."""


# ---------------------------------------------------------------------------
# Processes


class Processes:
    """Every child process, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.lock = threading.Lock()

    def start(self, name: str, argv: list[str], log_path: str, **kwargs) -> subprocess.Popen:
        log_file = open(log_path, "wb")
        process = subprocess.Popen(argv, stderr=log_file, stdout=kwargs.pop("stdout", log_file),
                                   cwd=kwargs.pop("cwd", REPO_ROOT), start_new_session=True, **kwargs)
        with self.lock:
            self.children.append((name, process))
        return process

    def stop_all(self) -> None:
        with self.lock:
            children = list(reversed(self.children))
            self.children.clear()
        for _, process in children:
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for name, process in children:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log(f"{name} (pid {process.pid}) did not stop on SIGTERM; sending SIGKILL")
                process.kill()
                process.wait()


PROCESSES = Processes()


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------------------
# HTTP


def request(port: int, method: str, path: str, body=None, *, raw: bytes | None = None,
            content_type: str = "application/json", timeout: float = 60.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Content-Type": content_type} if data is not None else {}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def api(port: int, method: str, path: str, body=None, expect=(200, 201), **kwargs):
    status, data = request(port, method, path, body, **kwargs)
    if status not in expect:
        raise Failure(f"{method} {path} -> HTTP {status}: {data[:1000].decode(errors='replace')}")
    return data


def api_json(port: int, method: str, path: str, body=None, **kwargs):
    return json.loads(api(port, method, path, body, **kwargs))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# Steps


def check_python_modules(python: str) -> str:
    """The llama-cpp-python version, or Missing."""
    probe = ("import importlib.metadata as m, llama_cpp, llama_cpp.server, gguf, numpy, uvicorn;"
             "print(m.version('llama_cpp_python'))")
    result = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    if result.returncode != 0:
        raise Missing(
            f"{python} cannot import llama_cpp.server, gguf and numpy:\n{result.stderr.strip()}\n"
            "install them with: pip install 'llama-cpp-python[server]' gguf")
    return result.stdout.strip()


# The source directories each product is built from.
PRODUCT_SOURCES = {
    "gvm-coordinator": ("Sources/Coordinator", "Sources/Shared", "Sources/MathVerifier", "Sources/Policy",
                        "Sources/CurlHTTP", "Sources/CCurl"),
    "gvm-worker": ("Sources/Worker", "Sources/Shared", "Sources/MathVerifier", "Sources/Policy",
                   "Sources/CurlHTTP", "Sources/CCurl"),
}


def newer_sources(product: str, binary: str) -> list[str]:
    """Sources of `product` changed after `binary` was built."""
    built = os.path.getmtime(binary)
    newer = []
    for top in PRODUCT_SOURCES[product] + ("Package.swift", "Package.resolved"):
        root = os.path.join(REPO_ROOT, top)
        paths = [root] if os.path.isfile(root) else [
            os.path.join(d, f) for d, _, files in os.walk(root) for f in files]
        newer += [os.path.relpath(p, REPO_ROOT) for p in paths if os.path.getmtime(p) > built]
    return sorted(newer)


def ensure_binaries(build: bool) -> dict[str, str]:
    """The release binaries, built when missing or stale unless `build` is False
    (then stale ones are used with a warning)."""
    binaries = {}
    for product in PRODUCTS:
        path = os.path.join(RELEASE_DIR, product)
        if not os.access(path, os.X_OK):
            if not build:
                raise Missing(f"{os.path.relpath(path, REPO_ROOT)} is missing; run `make release` or drop --no-build")
            log(f"{product} is missing: swift build -c release --product {product}")
            subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=REPO_ROOT, check=True)
        else:
            stale = newer_sources(product, path)
            if stale and build:
                log(f"{product}: {len(stale)} source file(s) changed since it was built (e.g. {stale[0]}); "
                    f"swift build -c release --product {product}")
                subprocess.run(["swift", "build", "-c", "release", "--product", product],
                               cwd=REPO_ROOT, check=True)
            elif stale:
                log(f"warning: {product} is older than {len(stale)} of its source file(s) "
                    f"(e.g. {stale[0]}); using it anyway (--no-build)")
        built = datetime.fromtimestamp(os.path.getmtime(path), timezone.utc)
        log(f"{product}: {os.path.relpath(path, REPO_ROOT)}, built {built:%Y-%m-%d %H:%M:%S} UTC")
        binaries[product] = path
    return binaries


def start_llama_server(python: str, model_path: str, workdir: str) -> tuple[int, str]:
    port = free_port()
    log_path = os.path.join(workdir, "llama-server.log")
    argv = [python, "-m", "llama_cpp.server", "--model", model_path, "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "512", "--n_threads", "1"]
    log("$ " + " ".join(os.path.basename(a) if a == model_path else a for a in argv))
    process = PROCESSES.start("llama.cpp server", argv, log_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failure(f"llama.cpp server exited with {process.returncode}:\n{tail(log_path)}")
        try:
            status, data = request(port, "GET", "/v1/models", timeout=2)
            if status == 200:
                models = [m.get("id") for m in json.loads(data).get("data", [])]
                log(f"llama.cpp server ready on 127.0.0.1:{port}, serving {models}")
                return port, log_path
        except OSError:
            pass
        time.sleep(0.25)
    raise Failure(f"llama.cpp server did not answer /v1/models within 120 s:\n{tail(log_path)}")


def probe_llama(port: int) -> None:
    """Two requests as a worker sends them, printed with the answers."""
    body = {"grammar": GRAMMAR, "model": MODEL_ALIAS, "prompt": "Q: What is 6 times 7?\nA:",
            "logprobs": 1, "n": 2, "seed": 12345, "max_tokens": 40, "temperature": 1.0,
            "top_p": 1.0}
    status, data = request(port, "POST", "/v1/completions", body)
    log(f"POST /v1/completions {json.dumps(body)}")
    log(f"-> HTTP {status}")
    if status != 200:
        log(f"   {data[:1000].decode(errors='replace')}")
        return
    reply = json.loads(data)
    choices = reply.get("choices", [])
    log(f"   {len(choices)} choice(s) for n=2 (a worker then asks again with seed+1)")
    for choice in choices:
        logprobs = choice.get("logprobs") or {}
        log(f"   text={choice.get('text')!r} finish_reason={choice.get('finish_reason')!r}")
        log(f"   logprobs keys={sorted(logprobs)} (completions layout)")
        tokens = logprobs.get("tokens") or []
        values = logprobs.get("token_logprobs") or []
        top = logprobs.get("top_logprobs") or []
        log(f"   first tokens={tokens[:6]} token_logprobs={[round(v, 3) for v in values[:6]]}")
        if top:
            log(f"   top_logprobs[0]={ {k: round(v, 3) for k, v in top[0].items()} }")
    log(f"   usage={reply.get('usage')}")
    chat = {"grammar": GRAMMAR, "model": MODEL_ALIAS, "logprobs": True, "n": 2, "seed": 12345,
            "max_tokens": 40, "temperature": 1.0, "top_p": 1.0,
            "messages": [{"role": "user", "content": "What is 6 times 7?"}]}
    for extra in ({}, {"top_logprobs": 0}):
        body = {**chat, **extra}
        status, data = request(port, "POST", "/v1/chat/completions", body)
        log(f"POST /v1/chat/completions {json.dumps({k: v for k, v in body.items() if k != 'grammar'})}")
        log(f"-> HTTP {status}")
        if status != 200:
            log(f"   {data[:300].decode(errors='replace')}")
            continue
        reply = json.loads(data)
        for choice in reply.get("choices", []):
            logprobs = choice.get("logprobs")
            log(f"   {len(reply.get('choices', []))} choice(s); "
                f"content={(choice.get('message') or {}).get('content')!r}")
            if logprobs is None:
                log("   logprobs: null")
            else:
                content = logprobs.get("content") or []
                log(f"   logprobs keys={sorted(logprobs)} (chat layout), {len(content)} entries"
                    + (f"; content[0]={json.dumps(content[0])}" if content else ""))


def start_coordinator(binary: str, workdir: str) -> int:
    log_path = os.path.join(workdir, "coordinator.log")
    argv = [binary, "serve", "--db", os.path.join(workdir, "gvm.sqlite"), "--port", "0"]
    log("$ gvm-coordinator serve --db <tmp>/gvm.sqlite --port 0")
    process = PROCESSES.start("coordinator", argv, log_path, stdout=subprocess.PIPE)
    assert process.stdout is not None
    first = process.stdout.readline().decode().strip()
    if not first.startswith("listening on http://"):
        raise Failure(f"unexpected first line from the coordinator: {first!r}\n{tail(log_path)}")

    def drain() -> None:
        with open(log_path, "ab") as out:
            for line in process.stdout:
                out.write(line)

    threading.Thread(target=drain, daemon=True).start()
    port = int(first.rsplit(":", 1)[1].rstrip("/"))
    log(first)
    return port


def dataset_jsonl() -> bytes:
    return "".join(json.dumps({"problem": p, "answer": a}) + "\n" for p, a in PROBLEMS).encode()


def run_configuration() -> dict:
    return {
        "dataset": DATASET_NAME,
        "model": MODEL_ALIAS,
        "strategy": "gvm",
        "algorithm": "grpo",
        "presamples": 4,
        "samplesPerPrompt": 4,
        "promptsPerIteration": len(PROBLEMS),
        "iterations": 1,
        "maxSamplesPerLease": 2,
        "seed": 7,
        "leaseSeconds": 60,
        "prompt": {"completion": "Q: {problem}\nA:"},
        "generation": {
            "maxTokens": 40,
            "temperature": 1.0,
            "topP": 1.0,
            "extra": {"grammar": GRAMMAR, "top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0},
        },
    }


def start_workers(binary: str, coordinator_port: int, llama_port: int, workdir: str) -> list[subprocess.Popen]:
    workers = []
    for name in ("worker-a", "worker-b"):
        argv = [binary, "run", "--coordinator", f"http://127.0.0.1:{coordinator_port}",
                "--backend", "openai", "--endpoint", f"http://127.0.0.1:{llama_port}/v1",
                "--model", MODEL_ALIAS, "--concurrency", "2", "--name", name]
        log("$ gvm-worker " + " ".join(argv[1:]))
        workers.append(PROCESSES.start(name, argv, os.path.join(workdir, f"{name}.log")))
    return workers


def wait_for_iteration(port: int, workers: list[subprocess.Popen], timeout: float, workdir: str) -> dict:
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    last = None
    while True:
        status = api_json(port, "GET", "/v1/status")
        run = next((r for r in status["runs"] if r["runId"] == 1), None)
        if run is None:
            raise Failure("run 1 is missing from /v1/status")
        progress = run["progress"]
        line = (f"state={run['state']} iteration={run['iteration']} stage={run['stage']} "
                f"{progress['stage']} {progress['samplesDone']}/{progress['samplesTotal']}")
        if line != last:
            log(f"[{time.monotonic() - started:6.1f} s] {line}")
            last = line
        iteration = api_json(port, "GET", "/v1/runs/1/iterations/0")
        if iteration.get("stage") == "done":
            return status
        for index, worker in enumerate(workers):
            if worker.poll() is not None:
                name = "worker-a" if index == 0 else "worker-b"
                raise Failure(f"{name} exited with {worker.returncode}:\n"
                              f"{tail(os.path.join(workdir, name + '.log'))}")
        if time.monotonic() > deadline:
            raise Failure(f"iteration 0 not done after {timeout:.0f} s (last: {line})")
        time.sleep(0.5)


def tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as error:
        return f"(no log: {error})"


def llama_requests(log_path: str) -> dict[str, int]:
    """Requests in llama.cpp's (uvicorn's) access log, by route and status."""
    counts: dict[str, int] = {}
    pattern = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3})')
    with open(log_path, errors="replace") as f:
        for line in f:
            match = pattern.search(line)
            if match:
                key = f"{match.group(1)} {match.group(2)} {match.group(3)}"
                counts[key] = counts.get(key, 0) + 1
    return counts


def report(port: int, llama_log: str, probe_requests: int) -> None:
    iteration = api_json(port, "GET", "/v1/runs/1/iterations/0")
    section("iteration 0")
    for key in ("stage", "promptCount", "budget", "samplesGenerated", "samplesAccepted",
                "fellBackToUniform", "fallbackReason", "acceptance", "allocation"):
        log(f"{key}: {json.dumps(iteration.get(key))}")

    section("per-prompt history (GET /v1/runs/1/iterations/0/prompts)")
    prompts = api_json(port, "GET", "/v1/runs/1/iterations/0/prompts")["prompts"]
    golds = [gold for _, gold in PROBLEMS]
    log(f"{'prompt':>6} {'gold':>5} {'presample acc/n':>16} {'acceptRate':>10} "
        f"{'n_i':>4} {'ratio':>6} {'sample acc/n':>13}")
    for record in sorted(prompts, key=lambda r: r["promptId"]):
        pre, sample = record["presample"], record["sample"]
        rate = record.get("acceptRate")
        ratio = record.get("allocatedRatio")
        log(f"{record['promptId']:>6} {golds[record['promptId']]:>5} "
            f"{pre['accepted']:>8}/{pre['samples']:<7} "
            f"{'null' if rate is None else f'{rate:.3f}':>10} "
            f"{record.get('allocatedCount')!s:>4} {'null' if ratio is None else f'{ratio:.3f}':>6} "
            f"{sample['accepted']:>7}/{sample['samples']:<5}")

    section("allocation (GET /v1/runs/1/iterations/0/allocation)")
    log(api(port, "GET", "/v1/runs/1/iterations/0/allocation").decode().strip())

    section("traces (GET /v1/runs/1/iterations/0/traces)")
    lines = api(port, "GET", "/v1/runs/1/iterations/0/traces").decode().splitlines()
    traces = [json.loads(line) for line in lines if line.strip()]
    by_stage: dict[str, list[dict]] = {}
    for trace in traces:
        by_stage.setdefault(trace["stage"], []).append(trace)
    workers = sorted({t["workerName"] for t in traces})
    log(f"{len(traces)} traces: " + ", ".join(
        f"{stage} {len(items)} ({sum(1 for t in items if t['reward'] > 0)} accepted)"
        for stage, items in sorted(by_stage.items())) + f"; workers {workers}")
    shown = 0
    for trace in traces:
        if shown >= 4 or not (trace["stage"] == "sample" or shown < 2):
            continue
        lp = trace.get("tokenLogprobs") or []
        summary = {k: trace.get(k) for k in ("stage", "promptId", "sampleIndex", "response", "reward",
                                             "gradNorm", "completionTokens", "finishReason",
                                             "workerName", "modelVersion")}
        summary["tokenLogprobs"] = f"{len(lp)} values, first {[round(v, 3) for v in lp[:4]]}"
        log(json.dumps(summary, ensure_ascii=False))
        shown += 1

    section("checks")
    failures = []
    bad = [t for t in traces if not RESPONSE_PATTERN.match(t["response"])]
    log(f"responses matching the grammar: {len(traces) - len(bad)}/{len(traces)}")
    if bad:
        failures.append(f"{len(bad)} responses ignore the grammar, e.g. {bad[0]['response']!r}")
    def answered_gold(trace: dict) -> bool:
        match = RESPONSE_PATTERN.match(trace["response"])
        return match is not None and match.group(1) == golds[trace["promptId"]]

    wrong_reward = [t for t in traces if (t["reward"] > 0) != answered_gold(t)]
    log(f"rewards agreeing with the gold answers: {len(traces) - len(wrong_reward)}/{len(traces)}")
    if wrong_reward:
        failures.append(f"{len(wrong_reward)} rewards disagree with the gold, e.g. {wrong_reward[0]}")
    with_logprobs = sum(1 for t in traces if t.get("tokenLogprobs"))
    log(f"traces with token logprobs: {with_logprobs}/{len(traces)}")
    if iteration["samplesGenerated"] != len(traces):
        failures.append(f"samplesGenerated {iteration['samplesGenerated']} != {len(traces)} exported traces (grpo)")
    presample = by_stage.get("presample", [])
    if len(presample) != 4 * len(PROBLEMS):
        failures.append(f"{len(presample)} presample traces, expected {4 * len(PROBLEMS)}")
    if iteration["samplesAccepted"] <= 0:
        failures.append("nothing was accepted")
    rejected = iteration["samplesGenerated"] - iteration["samplesAccepted"]
    log(f"accepted {iteration['samplesAccepted']}, rejected {rejected}")
    if rejected <= 0:
        failures.append("nothing was rejected: the grammar should make some answers wrong")

    section("llama.cpp")
    counts = llama_requests(llama_log)
    for key, count in sorted(counts.items()):
        log(f"{key}: {count}")
    completions = sum(c for k, c in counts.items() if k.startswith("POST /v1/completions 200"))
    log(f"completion requests served for the workers: {completions - probe_requests} "
        f"(+{probe_requests} probe) for {len(traces)} samples")
    if completions - probe_requests < len(traces):
        failures.append("llama.cpp served fewer completion requests than there are samples")
    if failures:
        raise Failure("; ".join(failures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true",
                        help="never build: use the release binaries as they are, warning when they are "
                             "older than their sources")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter with llama_cpp and gguf (default: this one)")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds the iteration may take (default 300)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and its logs")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    atexit.register(PROCESSES.stop_all)
    workdir = tempfile.mkdtemp(prefix="gvm-integration-")
    ok = False
    try:
        log(f"gvm integration against llama.cpp, {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
        log(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
        version = check_python_modules(args.python)
        log(f"llama-cpp-python {version}, python {platform.python_version()}")
        binaries = ensure_binaries(build=not args.no_build)

        section("model")
        model_path = os.path.join(workdir, "tiny.gguf")
        subprocess.run([args.python, os.path.join(REPO_ROOT, "scripts", "make_tiny_gguf.py"), model_path],
                       check=True)

        section("llama.cpp server")
        llama_port, llama_log = start_llama_server(args.python, model_path, workdir)
        probe_llama(llama_port)
        probe_requests = 1

        section("coordinator")
        port = start_coordinator(binaries["gvm-coordinator"], workdir)
        imported = api_json(port, "POST", f"/v1/datasets?name={DATASET_NAME}", raw=dataset_jsonl(),
                            content_type="application/x-ndjson")
        log(f"imported {imported['promptCount']} prompts as {imported['name']!r}: "
            + ", ".join(f"{p!r} -> {a}" for p, a in PROBLEMS))
        section("workers")
        workers = start_workers(binaries["gvm-worker"], port, llama_port, workdir)
        time.sleep(1)  # both poll for leases before there is work
        configuration = run_configuration()
        run = api_json(port, "POST", "/v1/runs", configuration)
        log(f"created run {run['runId']}: {json.dumps(configuration)}")
        t0 = time.monotonic()
        wait_for_iteration(port, workers, args.timeout, workdir)
        log(f"iteration 0 done in {time.monotonic() - t0:.1f} s")

        report(port, llama_log, probe_requests)
        for name in ("worker-a", "worker-b"):
            notices = [line.rstrip() for line in tail(os.path.join(workdir, f"{name}.log"), 400).splitlines()
                       if re.search(r" (notice|warning|error|critical) ", line) and "worker started" not in line]
            log(f"{name} log: {len(notices)} notice(s), warning(s) or error(s) besides 'worker started'")
            for line in notices[-5:]:
                log(f"  {line}")
        ok = True
        log()
        log("OK")
        return 0
    except Missing as error:
        log(f"missing: {error}")
        return 2
    except (Failure, subprocess.CalledProcessError) as error:
        log(f"FAILED: {error}")
        log(f"logs in {workdir}")
        args.keep = True
        return 1
    except SystemExit:
        log("interrupted; stopping every process started")
        raise
    finally:
        PROCESSES.stop_all()
        if args.keep or not ok:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
