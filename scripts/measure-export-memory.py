#!/usr/bin/env python3
"""Measure the coordinator's memory while it exports a large iteration's traces.

Shows that `GET /v1/runs/{runId}/iterations/{t}/traces` streams page by page
instead of building the whole JSONL answer in memory: the coordinator's peak
resident size during an export of N traces (default 100,000, about 250 MB of
JSONL) is compared with its idle size before the export.

What it does:

1. Builds `.build/release/gvm-coordinator` with
   `swift build -c release --product gvm-coordinator` when it is missing or
   `--build` is given (several minutes on 2 cores from clean), or uses
   `--binary`. It warns, and records in the figures, when sources changed
   after the binary was built.
2. Starts `gvm-coordinator serve --db <tmp>/gvm.sqlite --port 0` and reads the
   port from its first stdout line.
3. Imports a generated dataset (`POST /v1/datasets?name=export-bench`) and
   creates a `uniform`/`grpo` run whose one iteration holds N samples in the
   sample stage (`--samples-per-prompt` per prompt), so every sample comes back
   as a trace.
4. Acts as `--workers` workers (one keep-alive connection each): lease work and
   submit every sample with a ~`--response-bytes` chain-of-thought response.
5. Lets the coordinator settle, reads its idle VmRSS from /proc/PID/status,
   then for each export resets VmHWM (`echo 5 > /proc/PID/clear_refs`) and
   samples VmRSS every 10 ms while the export runs; the peak is the larger of
   the sampled maximum and VmHWM (when the reset was permitted).
   The exports are:
     - `export-1`, `export-2`: read as fast as possible, counting lines and bytes;
     - `verify`: every line parsed and checked (count, valid JSON, unique
       (stage, promptId, sampleIndex), response and reward as submitted);
     - `stalled-client`: reads 1 MiB, stops reading for `--stall-seconds`, then
       drains; a server without backpressure would buffer the rest meanwhile.
6. Prints a summary (date UTC, machine, cores, figures) and with `--json FILE`
   writes the same figures as JSON. Stops the coordinator with SIGTERM and
   removes the temporary directory unless `--keep`.

Linux only (reads /proc). Python 3.11, standard library only.

    python3 scripts/measure-export-memory.py --build            # 100,000 traces
    python3 scripts/measure-export-memory.py --traces 20000 --json /tmp/export.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvmharness import (  # noqa: E402
    APIError, Client, Coordinator, ensure_binary, git_revision, newer_sources, reasoning_text, add_binary_options)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASET_NAME = "export-bench"
MODEL = "bench"
MIB = 1024 * 1024


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------
# /proc memory


def proc_status(pid: int) -> dict[str, int]:
    """The kB fields of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, ...)."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                values[key] = int(parts[0])
    return values


def reset_peak(pid: int) -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0); False if not permitted."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


class RSSSampler:
    """Samples VmRSS (and RssAnon) every `interval` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.01):
        self.pid = pid
        self.interval = interval
        self.max_rss_kb = 0
        self.max_anon_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = proc_status(self.pid)
            except OSError:
                return
            self.max_rss_kb = max(self.max_rss_kb, status.get("VmRSS", 0))
            self.max_anon_kb = max(self.max_anon_kb, status.get("RssAnon", 0))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "RSSSampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------
# Generated data



def make_response_pool(size: int, target_bytes: int, seed: int = 7) -> list[str]:
    """`size` chain-of-thought texts of about `target_bytes`, without the final box."""
    rng = random.Random(seed)
    return [reasoning_text(rng, max(target_bytes - 60, 0)) for _ in range(size)]


def expected_response(pool: list[str], prompt_id: int, sample_index: int) -> tuple[str, float]:
    """The response and reward a (prompt, sample) gets; deterministic, so the export can be checked."""
    key = prompt_id * 1_000_003 + sample_index
    body = pool[key % len(pool)]
    correct = (key * 2654435761) % 5 != 0  # about 80% correct
    answer = "1" if correct else "2"
    text = f"{body}\n\nTherefore, for prompt {prompt_id} sample {sample_index}, the final answer is \\boxed{{{answer}}}."
    return text, (1.0 if correct else 0.0)


def make_dataset(prompts: int) -> bytes:
    lines = []
    for i in range(prompts):
        lines.append(json.dumps({
            "problem": f"Benchmark problem {i}: let x be the smallest positive integer root of "
                       f"x^2 - {i % 89 + 3}x + {i % 89 + 2} = 0. Find x.",
            "answer": "1",
        }))
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------------------
# Coordinator process



# ---------------------------------------------------------------------------
# Ingest: act as workers


class Ingest:
    def __init__(self, host: str, port: int, total: int, pool: list[str], workers: int, capacity: int):
        self.host, self.port = host, port
        self.total, self.pool, self.workers, self.capacity = total, pool, workers, capacity
        self.lock = threading.Lock()
        self.recorded = 0
        self.leases = 0
        self.bytes_sent = 0
        self.errors: list[str] = []
        self.done = threading.Event()

    def _worker(self, number: int) -> None:
        client = Client(self.host, self.port)
        request = {"workerName": f"bench-{number}", "model": MODEL, "capacity": self.capacity}
        try:
            while not self.done.is_set():
                grant = client.json("POST", "/v1/leases", request)
                leases = grant.get("leases") or []
                if not leases:
                    time.sleep(min(float(grant.get("retryAfterSeconds") or 0.2), 0.2))
                    continue
                for lease in leases:
                    samples = []
                    for k in range(lease["sampleCount"]):
                        index = lease["firstSampleIndex"] + k
                        response, reward = expected_response(self.pool, lease["promptId"], index)
                        sample = {"sampleIndex": index, "response": response, "reward": reward,
                                  "completionTokens": 500, "finishReason": "stop"}
                        if reward > 0:
                            sample["gradNorm"] = 1.0
                        samples.append(sample)
                    body = json.dumps({"generated": lease["sampleCount"], "samples": samples}).encode()
                    receipt = client.json("POST", f"/v1/leases/{lease['leaseId']}/result", raw=body)
                    with self.lock:
                        self.recorded += receipt["recordedSamples"]
                        self.leases += 1
                        self.bytes_sent += len(body)
                        if self.recorded >= self.total:
                            self.done.set()
        except Exception as error:  # noqa: BLE001 - reported, and stops the ingest
            with self.lock:
                self.errors.append(f"worker {number}: {error}")
            self.done.set()
        finally:
            client.close()

    def run(self, coordinator: "Coordinator", stuck_seconds: float = 120.0) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=self._worker, args=(n,), daemon=True) for n in range(self.workers)]
        for thread in threads:
            thread.start()
        last = 0.0
        progress_at, progress = started, 0
        while not self.done.wait(0.5):
            now = time.monotonic()
            with self.lock:
                recorded = self.recorded
            if recorded != progress:
                progress_at, progress = now, recorded
            problem = None
            if coordinator.process.poll() is not None:
                problem = f"the coordinator exited with status {coordinator.process.returncode}"
            elif now - progress_at > stuck_seconds:
                problem = f"no result was taken for {stuck_seconds:.0f} s ({recorded}/{self.total} traces)"
            if problem:
                with self.lock:
                    self.errors.append(problem)
                self.done.set()
                break
            if now - last >= 5:
                last = now
                elapsed = now - started
                rss = proc_status(coordinator.pid).get("VmRSS", 0)
                log(f"  ingest: {recorded:>7}/{self.total} traces, {elapsed:5.0f} s, "
                    f"{recorded / max(elapsed, 1e-9):6.0f} traces/s, coordinator RSS {rss / 1024:.1f} MiB")
        for thread in threads:
            thread.join()
        if self.errors:
            raise RuntimeError("ingest failed: " + "; ".join(self.errors))
        return time.monotonic() - started


# ---------------------------------------------------------------------------
# Export


def export(host: str, port: int, path: str, pid: int, *, verify: dict | None = None,
           stall_seconds: float = 0.0) -> dict:
    """Streams one export, measuring the coordinator's memory meanwhile."""
    hwm_reset = reset_peak(pid)
    before = proc_status(pid)
    result: dict = {"path": path}
    connection = http.client.HTTPConnection(host, port, timeout=300)
    lines = 0
    size = 0
    rest = b""
    seen: set[tuple] = set()
    problems: list[str] = []
    first_byte = None
    stall_rss_kb = None
    with RSSSampler(pid) as sampler:
        started = time.monotonic()
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            raise APIError(f"GET {path} -> {response.status}: {response.read()[:500]!r}")
        result["contentType"] = response.getheader("Content-Type")
        result["transferEncoding"] = response.getheader("Transfer-Encoding")
        result["contentLength"] = response.getheader("Content-Length")
        stalled = stall_seconds <= 0
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            if first_byte is None:
                first_byte = time.monotonic() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
            if verify is not None:
                parts = (rest + chunk).split(b"\n")
                rest = parts.pop()
                for line in parts:
                    _check_line(line, verify, seen, problems)
            if not stalled:
                stalled = True
                time.sleep(stall_seconds)
                stall_rss_kb = proc_status(pid).get("VmRSS", 0)
        elapsed = time.monotonic() - started
    connection.close()
    after = proc_status(pid)
    if rest:
        problems.append(f"the export ends without a newline ({len(rest)} bytes after the last one)")
        if verify is not None:
            _check_line(rest, verify, seen, problems)
    peak_kb = max(sampler.max_rss_kb, after.get("VmHWM", 0) if hwm_reset else 0)
    result.update({
        "traces": lines, "bytes": size, "seconds": round(elapsed, 3),
        "firstByteSeconds": round(first_byte or 0.0, 3),
        "tracesPerSecond": round(lines / elapsed) if elapsed > 0 else None,
        "mibPerSecond": round(size / MIB / elapsed, 1) if elapsed > 0 else None,
        "rssBeforeKiB": before.get("VmRSS"), "rssAfterKiB": after.get("VmRSS"),
        "peakRssKiB": peak_kb, "sampledPeakRssKiB": sampler.max_rss_kb,
        "sampledPeakRssAnonKiB": sampler.max_anon_kb, "rssSamples": sampler.samples,
        "vmHWMKiB": after.get("VmHWM") if hwm_reset else None, "hwmReset": hwm_reset,
    })
    if stall_seconds > 0:
        result["stallSeconds"] = stall_seconds
        result["rssAfterStallKiB"] = stall_rss_kb
    if verify is not None:
        if lines != verify["expected"]:
            problems.insert(0, f"{lines} lines, expected {verify['expected']}")
        result["verified"] = not problems
        result["problems"] = problems[:20]
        result["problemCount"] = len(problems)
        result["uniqueKeys"] = len(seen)
    return result


def _check_line(line: bytes, verify: dict, seen: set, problems: list[str]) -> None:
    try:
        trace = json.loads(line)
    except ValueError as error:
        problems.append(f"invalid JSON ({error}): {line[:120]!r}")
        return
    try:
        key = (trace["stage"], trace["promptId"], trace["sampleIndex"])
        if key in seen:
            problems.append(f"duplicate trace {key}")
        seen.add(key)
        if trace["runId"] != verify["runId"] or trace["iteration"] != 0 or trace["stage"] != "sample":
            problems.append(f"trace {key} has runId {trace['runId']} iteration {trace['iteration']}")
        response, reward = expected_response(verify["pool"], trace["promptId"], trace["sampleIndex"])
        if trace["response"] != response or trace["reward"] != reward:
            problems.append(f"trace {key}: response or reward differs from what was submitted")
    except (KeyError, TypeError) as error:
        problems.append(f"trace lacks a field ({error}): {line[:120]!r}")


# ---------------------------------------------------------------------------


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--traces", type=int, default=100_000, help="traces to ingest and export (default 100000)")
    parser.add_argument("--samples-per-prompt", type=int, default=100,
                        help="samples per prompt; prompts = ceil(traces / this) (default 100)")
    parser.add_argument("--response-bytes", type=int, default=2048, help="size of each response (default 2048)")
    parser.add_argument("--workers", type=int, default=4, help="worker threads during ingest (default 4)")
    parser.add_argument("--capacity", type=int, default=512, help="capacity each worker asks for (default 512)")
    parser.add_argument("--settle-seconds", type=float, default=5.0,
                        help="wait after ingest before taking the idle size (default 5)")
    parser.add_argument("--stall-seconds", type=float, default=5.0,
                        help="how long the stalled-client export stops reading; 0 skips it (default 5)")
    add_binary_options(parser)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database and log)")
    args = parser.parse_args()
    if not os.path.exists("/proc/self/status"):
        sys.exit("this script reads /proc/PID/status and needs Linux")
    if args.traces < 1 or args.samples_per_prompt < 1 or args.workers < 1 or args.response_bytes < 100:
        sys.exit("--traces, --samples-per-prompt and --workers must be >= 1, --response-bytes >= 100")

    binary = ensure_binary(args.binary, args.build)
    stale = newer_sources(binary)
    if stale:
        log(f"warning: {len(stale)} source file(s) changed after {os.path.relpath(binary, REPO_ROOT)} was built "
            f"(e.g. {stale[0]}); pass --build to rebuild first")
    prompts = -(-args.traces // args.samples_per_prompt)
    total = prompts * args.samples_per_prompt
    pool = make_response_pool(256, args.response_bytes)

    workdir = tempfile.mkdtemp(prefix="gvm-export-bench-")
    db_path = os.path.join(workdir, "gvm.sqlite")
    log_path = os.path.join(workdir, "coordinator.log")
    coordinator = None
    report: dict = {}
    try:
        coordinator = Coordinator(db_path, log_path, binary_path=binary)
        pid = coordinator.pid
        log(f"coordinator pid {pid} on http://{coordinator.host}:{coordinator.port}, db {db_path}")
        time.sleep(1.0)
        startup_kb = proc_status(pid).get("VmRSS")
        client = Client(coordinator.host, coordinator.port)

        dataset = make_dataset(prompts)
        info = client.json("POST", f"/v1/datasets?name={DATASET_NAME}", raw=dataset,
                           content_type="application/x-ndjson")
        log(f"imported dataset {info['name']}: {info['promptCount']} prompts")
        run = client.json("POST", "/v1/runs", {
            "dataset": DATASET_NAME, "model": MODEL, "strategy": "uniform", "algorithm": "grpo",
            "samplesPerPrompt": args.samples_per_prompt, "promptsPerIteration": prompts, "iterations": 1,
            "maxSamplesPerLease": 64, "leaseSeconds": 600,
        })
        run_id = run["runId"]
        log(f"run {run_id}: {prompts} prompts x {args.samples_per_prompt} samples = {total} traces, "
            f"~{args.response_bytes} B responses, {args.workers} workers")

        ingest = Ingest(coordinator.host, coordinator.port, total, pool, args.workers, args.capacity)
        ingest_seconds = ingest.run(coordinator)
        log(f"ingested {ingest.recorded} traces in {ingest.leases} leases, {ingest_seconds:.1f} s "
            f"({ingest.recorded / ingest_seconds:.0f} traces/s, {ingest.bytes_sent / MIB:.0f} MiB of results)")
        after_ingest_kb = proc_status(pid).get("VmRSS")
        run = client.json("GET", f"/v1/runs/{run_id}")
        client.close()

        time.sleep(args.settle_seconds)
        idle = proc_status(pid)
        idle_kb = idle.get("VmRSS", 0)
        db_bytes = file_size(db_path)
        wal_bytes = file_size(db_path + "-wal")
        log(f"idle: VmRSS {mib(idle_kb)} (RssAnon {mib(idle.get('RssAnon'))}, RssFile {mib(idle.get('RssFile'))}); "
            f"SQLite {db_bytes / MIB:.1f} MiB + WAL {wal_bytes / MIB:.1f} MiB; run state {run['state']}, "
            f"stage {run['stage']}")

        path = f"/v1/runs/{run_id}/iterations/0/traces?stage=sample"
        exports = []
        for name, kwargs in [
            ("export-1", {}),
            ("export-2", {}),
            ("verify", {"verify": {"expected": total, "runId": run_id, "pool": pool}}),
            ("stalled-client", {"stall_seconds": args.stall_seconds}),
        ]:
            if name == "stalled-client" and args.stall_seconds <= 0:
                continue
            figures = export(coordinator.host, coordinator.port, path, pid, **kwargs)
            figures["name"] = name
            figures["peakOverIdleKiB"] = figures["peakRssKiB"] - idle_kb
            exports.append(figures)
            extra = ""
            if "verified" in figures:
                extra = f", verified {figures['verified']} ({figures['uniqueKeys']} unique keys)"
            if "rssAfterStallKiB" in figures:
                extra = f", RSS after {args.stall_seconds:g} s stall {mib(figures['rssAfterStallKiB'])}"
            log(f"{name}: {figures['traces']} traces, {figures['bytes'] / MIB:.1f} MiB in {figures['seconds']:.2f} s; "
                f"peak RSS {mib(figures['peakRssKiB'])} (+{mib(figures['peakOverIdleKiB'])} over idle){extra}")
            for problem in figures.get("problems", []):
                log(f"  problem: {problem}")

        final = proc_status(pid)
        exit_code = coordinator.stop()
        coordinator = None
        uname = os.uname()
        report = {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": uname.machine, "kernel": uname.release,
            "nproc": len(os.sched_getaffinity(0)),
            "memTotalKiB": _meminfo_total(),
            "gitRevision": git_revision(),
            "binary": os.path.relpath(binary, REPO_ROOT),
            "binaryBuilt": datetime.fromtimestamp(os.path.getmtime(binary), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sourcesNewerThanBinary": stale,
            "traces": total, "prompts": prompts, "samplesPerPrompt": args.samples_per_prompt,
            "responseBytes": args.response_bytes, "workers": args.workers,
            "ingestSeconds": round(ingest_seconds, 1),
            "ingestTracesPerSecond": round(ingest.recorded / ingest_seconds),
            "ingestResultMiB": round(ingest.bytes_sent / MIB, 1),
            "sqliteBytes": db_bytes, "walBytes": wal_bytes,
            "startupRssKiB": startup_kb, "afterIngestRssKiB": after_ingest_kb,
            "idleRssKiB": idle_kb, "idleRssAnonKiB": idle.get("RssAnon"), "idleRssFileKiB": idle.get("RssFile"),
            "finalRssKiB": final.get("VmRSS"),
            "exports": exports,
            "coordinatorExitCode": exit_code,
        }
        ok = all(e["traces"] == total for e in exports) and all(e.get("verified", True) for e in exports)
        report["ok"] = ok
        print_summary(report)
        if args.json:
            with open(args.json, "w") as out:
                json.dump(report, out, indent=2)
                out.write("\n")
            log(f"wrote {args.json}")
        return 0 if ok else 1
    finally:
        if coordinator is not None:
            coordinator.stop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            for name in os.listdir(workdir):
                os.remove(os.path.join(workdir, name))
            os.rmdir(workdir)


def _meminfo_total() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def print_summary(report: dict) -> None:
    idle = report["idleRssKiB"]
    lines = [
        "",
        "== gvm export memory ==",
        f"date {report['date']}, {report['machine']}, {report['nproc']} cores, "
        f"{(report['memTotalKiB'] or 0) / MIB:.1f} GiB RAM, kernel {report['kernel']}, "
        f"gvm {report['gitRevision']} ({report['binary']} built {report['binaryBuilt']}"
        f"{', OLDER THAN ITS SOURCES' if report['sourcesNewerThanBinary'] else ''})",
        f"traces {report['traces']} ({report['prompts']} prompts x {report['samplesPerPrompt']}), "
        f"responses ~{report['responseBytes']} B; ingest {report['ingestSeconds']} s "
        f"({report['ingestTracesPerSecond']} traces/s, {report['workers']} workers)",
        f"SQLite file {report['sqliteBytes'] / MIB:.1f} MiB (+ WAL {report['walBytes'] / MIB:.1f} MiB)",
        f"coordinator RSS: at start {mib(report['startupRssKiB'])}, right after ingest "
        f"{mib(report['afterIngestRssKiB'])}, idle {mib(idle)}",
        f"{'export':<15}{'traces':>8}{'MiB':>8}{'seconds':>9}{'traces/s':>10}{'MiB/s':>7}"
        f"{'peak RSS':>12}{'over idle':>11}",
    ]
    for e in report["exports"]:
        lines.append(
            f"{e['name']:<15}{e['traces']:>8}{e['bytes'] / MIB:>8.1f}{e['seconds']:>9.2f}"
            f"{e['tracesPerSecond'] or 0:>10}{e['mibPerSecond'] or 0:>7}"
            f"{e['peakRssKiB'] / 1024:>8.1f} MiB{e['peakOverIdleKiB'] / 1024:>+7.1f} MiB")
    verify = next((e for e in report["exports"] if "verified" in e), None)
    if verify is not None:
        lines.append(f"verify: {verify['traces']} lines, {verify['uniqueKeys']} unique (stage, promptId, sampleIndex), "
                     f"all valid JSON and as submitted: {verify['verified']}")
    hwm = all(e["hwmReset"] for e in report["exports"])
    lines.append(f"peak = max(VmRSS sampled every 10 ms, VmHWM after reset via clear_refs: "
                 f"{'yes' if hwm else 'not permitted'}); coordinator exit code {report['coordinatorExitCode']}; "
                 f"{'OK' if report['ok'] else 'FAILED'}")
    log("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
