#!/usr/bin/env python3
"""Measure the coordinator's memory and lease-grant latency during a large dataset import.

Shows that `POST /v1/datasets` streams the body to a temporary file and then
stores it batch by batch: the coordinator's resident size grows by far less
than the body (the goal: at most 64 MiB for a 500 MiB import), and lease
grants issued meanwhile are barely delayed (the goal: about 100 ms at most).
It also checks that a body over the 512 MiB limit gets 413.

What it does:

1. Uses `.build/release/gvm-coordinator`, built with
   `swift build -c release --product gvm-coordinator` when it is missing or
   `--build` is given, or `--binary`. It warns, and records in the figures,
   when sources changed after the binary was built.
2. Writes a `--mib` MiB (default 500) JSONL file into a temporary directory:
   long synthetic problems (~`--problem-bytes` of chain-of-thought text each),
   a short answer and a level per line.
3. Starts `gvm-coordinator serve --db <tmp>/gvm.sqlite --port 0`, imports a
   small dataset and creates a `uniform`/`grpo` run with one sample per work
   unit, so that lease grants have work for the whole measurement.
4. `--lease-threads` threads (one keep-alive connection each) ask for a lease
   of one sample every `--lease-interval` seconds and time each grant.
5. Samples VmRSS of the coordinator (/proc/PID/status) every 50 ms. Baseline:
   the median over the second before the import. Lease grants for
   `--quiet-seconds` before the import are the "without import" figures.
6. Posts the file (Content-Length set, read from disk as it is sent) as
   `POST /v1/datasets?name=import-bench`; times it and checks the answer
   (201, the prompt count). Grants issued while it runs are the "during
   import" figures; peak RSS is the largest sample (or VmHWM after a reset,
   when /proc/PID/clear_refs is writable), growth = peak - baseline.
7. Sends a 600 MiB body twice, over a raw socket while reading the answer:
   once with `Content-Length` (413 before the body is read) and once chunked
   (413 once 512 MiB have arrived); records status, bytes sent before the
   answer and the peak RSS meanwhile. The 600 MiB are the generated file and
   its first 100 MiB again, so no second file is written.
8. Prints a summary (date UTC, machine, commit, figures) and with `--json FILE`
   writes the same figures as JSON. Stops the coordinator and deletes the
   temporary directory (the generated file with it) unless `--keep`.

Linux only (reads /proc). Python 3.11, standard library only.

    python3 scripts/measure-import-memory.py            # 500 MiB
    python3 scripts/measure-import-memory.py --mib 50 --json /tmp/import.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvmharness import (  # noqa: E402
    Client, Coordinator, add_binary_options, cpu_model, ensure_binary, git_revision, newer_sources, reasoning_text)

MIB = 1 << 20
LIMIT_MIB = 512
DATASET = "import-bench"
MODEL = "bench"


def rss_kib(pid: int, field: str = "VmRSS") -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def write_dataset(path: str, mib: int, problem_bytes: int) -> tuple[int, int]:
    """A JSONL file of about `mib` MiB; returns (bytes, lines)."""
    rng = random.Random(12)
    texts = [reasoning_text(rng, problem_bytes) for _ in range(64)]
    target = mib * MIB
    written = lines = 0
    with open(path, "wb", buffering=4 * MIB) as out:
        while written < target:
            line = json.dumps({
                "problem": f"Problem {lines}: {texts[lines % len(texts)]}",
                "answer": str(lines % 97),
                "level": lines % 5 + 1,
            }).encode() + b"\n"
            out.write(line)
            written += len(line)
            lines += 1
    return written, lines


class RSSSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            value = rss_kib(self.pid)
            if value is not None:
                self.samples.append((time.monotonic(), value))
            self.stopped.wait(self.interval)

    def between(self, start: float, end: float) -> list[int]:
        return [value for t, value in self.samples if start <= t <= end]


class LeaseProbe(threading.Thread):
    """Asks for one-sample leases at a steady pace and times each grant."""

    def __init__(self, host: str, port: int, number: int, interval: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.client = Client(host, port)
        self.body = json.dumps({"workerName": f"probe-{number}", "model": MODEL, "capacity": 1}).encode()
        self.interval, self.stop = interval, stop
        self.grants: list[tuple[float, float, int]] = []  # (start, seconds, leases)
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                status, data = self.client.request("POST", "/v1/leases", self.body)
                elapsed = time.monotonic() - started
                if status != 200:
                    raise RuntimeError(f"POST /v1/leases -> {status}: {data[:200]!r}")
                self.grants.append((started, elapsed, len(json.loads(data)["leases"])))
                self.stop.wait(self.interval)
        except Exception as error:  # noqa: BLE001 - reported in the figures
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.client.close()


def latency_figures(grants: list[tuple[float, float, int]], start: float, end: float) -> dict:
    window = sorted(seconds for t, seconds, _ in grants if start <= t <= end)
    if not window:
        return {"grants": 0}

    def quantile(q: float) -> float:
        return window[min(len(window) - 1, int(q * len(window)))] * 1000

    return {"grants": len(window), "emptyGrants": sum(1 for t, _, n in grants if start <= t <= end and n == 0),
            "p50Ms": round(quantile(0.5), 2), "p99Ms": round(quantile(0.99), 2), "maxMs": round(window[-1] * 1000, 2)}


def body_chunks(path: str, total: int, chunk: int = MIB):
    """`total` bytes: the file, then the file again from its start."""
    sent = 0
    while sent < total:
        with open(path, "rb") as source:
            while sent < total:
                data = source.read(min(chunk, total - sent))
                if not data:
                    break
                sent += len(data)
                yield data


def oversized(host: str, port: int, path: str, total: int, chunked: bool, pid: int) -> dict:
    """Sends `total` bytes while a thread reads the answer; stops sending once it comes."""
    sock = socket.create_connection((host, port))
    head = f"POST /v1/datasets?name=too-large HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-ndjson\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {total}\r\n\r\n"
    answer = bytearray()
    answered = threading.Event()

    def read() -> None:
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer.extend(data)
                if b"\r\n\r\n" in answer:
                    answered.set()
        except OSError:
            pass
        answered.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sampler = RSSSampler(pid)
    sampler.start()
    started = time.monotonic()
    sent = 0
    try:
        sock.sendall(head.encode())
        for data in body_chunks(path, total):
            if answered.is_set():
                break
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
            sent += len(data)
        else:
            if chunked and not answered.is_set():
                sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server closed the connection after answering
    answered.wait(60)
    elapsed = time.monotonic() - started
    sampler.stopped.set()
    sampler.join()
    sock.close()
    status_line = bytes(answer).split(b"\r\n", 1)[0].decode(errors="replace")
    body = bytes(answer).partition(b"\r\n\r\n")[2][:300].decode(errors="replace")
    return {"framing": "chunked" if chunked else "Content-Length", "status": status_line,
            "bodyStart": body, "sentMiB": round(sent / MIB, 1), "seconds": round(elapsed, 2),
            "peakRSSMiB": round(max(sampler.between(started, time.monotonic()), default=0) / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_binary_options(parser)
    parser.add_argument("--mib", type=int, default=500, help="size of the imported file (default 500)")
    parser.add_argument("--problem-bytes", type=int, default=4000, help="bytes of each problem's text (default 4000)")
    parser.add_argument("--lease-threads", type=int, default=4)
    parser.add_argument("--lease-interval", type=float, default=0.02, help="pause between a probe's grants (s)")
    parser.add_argument("--quiet-seconds", type=float, default=10, help="lease grants measured before the import")
    parser.add_argument("--dir", help="where the temporary directory goes (default: the system's)")
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--skip-oversized", action="store_true", help="skip the 600 MiB refusals")
    args = parser.parse_args()

    binary_path = ensure_binary(args.binary, args.build)
    stale = newer_sources(binary_path)
    if stale:
        print(f"warning: {len(stale)} source files are newer than {binary_path}: {', '.join(stale[:5])}")
    work = tempfile.mkdtemp(prefix="gvm-import-bench-", dir=args.dir)
    coordinator = None
    figures: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": cpu_model(),
        "cores": os.cpu_count(), "commit": git_revision(), "binary": os.path.relpath(binary_path),
        "sourcesNewerThanBinary": stale, "loadAverageBefore": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        data_path = os.path.join(work, "import.jsonl")
        started = time.monotonic()
        size, lines = write_dataset(data_path, args.mib, args.problem_bytes)
        figures["file"] = {"MiB": round(size / MIB, 1), "lines": lines}
        print(f"wrote {size / MIB:.1f} MiB, {lines} lines in {time.monotonic() - started:.1f} s")

        coordinator = Coordinator(os.path.join(work, "gvm.sqlite"), os.path.join(work, "coordinator.log"),
                                  binary_path=binary_path)
        client = coordinator.client()
        small = "\n".join(json.dumps({"problem": f"Lease problem {i}", "answer": "1"}) for i in range(500)).encode()
        client.json("POST", "/v1/datasets?name=lease-bench", raw=small, content_type="application/x-ndjson")
        client.json("POST", "/v1/runs", {
            "dataset": "lease-bench", "model": MODEL, "strategy": "uniform", "algorithm": "grpo",
            "samplesPerPrompt": 128, "maxSamplesPerLease": 1, "promptsPerIteration": 500,
            "iterations": 1, "leaseSeconds": 3600})

        sampler = RSSSampler(coordinator.pid)
        sampler.start()
        stop = threading.Event()
        probes = [LeaseProbe(coordinator.host, coordinator.port, n, args.lease_interval, stop)
                  for n in range(args.lease_threads)]
        for probe in probes:
            probe.start()
        quiet_start = time.monotonic()
        time.sleep(args.quiet_seconds)
        quiet_end = time.monotonic()
        baseline = statistics.median(sampler.between(quiet_end - 1, quiet_end))
        hwm_reset = False
        try:
            with open(f"/proc/{coordinator.pid}/clear_refs", "w") as clear:
                clear.write("5")
            hwm_reset = True
        except OSError:
            pass

        import_start = time.monotonic()
        with open(data_path, "rb") as body:
            connection = client._connection()
            connection.request("POST", f"/v1/datasets?name={DATASET}", body=body,
                               headers={"Content-Type": "application/x-ndjson", "Content-Length": str(size)})
            response = connection.getresponse()
            answer = response.read()
        import_end = time.monotonic()
        hwm = rss_kib(coordinator.pid, "VmHWM") if hwm_reset else None
        time.sleep(1)
        stop.set()
        for probe in probes:
            probe.join()
        summary = json.loads(answer) if response.status in (200, 201) else None
        if response.status != 201 or summary["promptCount"] != lines:
            raise SystemExit(f"import failed: {response.status} {answer[:300]!r}")
        listed = client.json("GET", "/v1/datasets")["datasets"]
        during = sampler.between(import_start, import_end)
        peak = max(during + ([hwm] if hwm else []))
        grants = [grant for probe in probes for grant in probe.grants]
        figures["import"] = {
            "status": response.status, "prompts": summary["promptCount"],
            "listed": [d["name"] for d in listed], "seconds": round(import_end - import_start, 2),
            "MiBPerSecond": round(size / MIB / (import_end - import_start), 1),
            "baselineRSSMiB": round(baseline / 1024, 1), "peakRSSMiB": round(peak / 1024, 1),
            "growthMiB": round((peak - baseline) / 1024, 1), "peakFrom": "VmHWM" if hwm and hwm >= max(during) else "VmRSS samples",
            "rssSamples": len(during),
        }
        figures["leaseGrants"] = {
            "threads": args.lease_threads, "intervalSeconds": args.lease_interval,
            "withoutImport": latency_figures(grants, quiet_start + 1, quiet_end),
            "duringImport": latency_figures(grants, import_start, import_end),
            "errors": [e for probe in probes for e in probe.errors],
        }
        sampler.stopped.set()

        if not args.skip_oversized:
            total = 600 * MIB
            figures["oversized"] = [
                oversized(coordinator.host, coordinator.port, data_path, total, chunked, coordinator.pid)
                for chunked in (False, True)]
            figures["oversizedStored"] = "too-large" in [d["name"] for d in client.json("GET", "/v1/datasets")["datasets"]]
            figures["healthAfter"] = client.request("GET", "/healthz")[0]
        client.close()
    finally:
        if coordinator is not None:
            coordinator.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    imported = figures["import"]
    print(f"\n{imported['prompts']} prompts, {figures['file']['MiB']} MiB in {imported['seconds']} s; "
          f"RSS {imported['baselineRSSMiB']} -> {imported['peakRSSMiB']} MiB (+{imported['growthMiB']} MiB)")
    print(f"lease grants p99/max: {figures['leaseGrants']['withoutImport'].get('p99Ms')}/"
          f"{figures['leaseGrants']['withoutImport'].get('maxMs')} ms without import, "
          f"{figures['leaseGrants']['duringImport'].get('p99Ms')}/{figures['leaseGrants']['duringImport'].get('maxMs')} ms during")
    for refused in figures.get("oversized", []):
        print(f"600 MiB ({refused['framing']}): {refused['status']} after {refused['sentMiB']} MiB sent")


if __name__ == "__main__":
    main()
