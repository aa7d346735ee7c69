#!/usr/bin/env python3
"""Benchmark the coordinator's ingest: simulated workers lease and submit traces.

The goal (docs/benchmarks.md, Ingest): a release coordinator takes at least 5,000
traces per second from 64 concurrent workers, each lease holding 8 traces of
about 2 KB, with a p99 lease latency under 50 ms. This script measures that,
beside the rate of plain SQLite inserts of the same rows on the same machine
in the same run, and gathers the evidence for what bounds the rate.

What it does:

1. Builds `.build/release/gvm-coordinator` with
   `swift build -c release --product gvm-coordinator` when it is missing or
   `--build` is given, or uses `--binary`. It warns, and records in the
   figures, when sources changed after the binary was built.
2. Starts `gvm-coordinator serve --db <tmp>/gvm.sqlite --port 0`, imports a
   generated dataset of ceil(traces / 8) prompts and creates a
   `uniform`/`grpo` run with `samplesPerPrompt: 8`, `maxSamplesPerLease: 8`,
   so every lease is one work unit of 8 samples and all 8 come back as traces.
   A copy of the database at this point (SQLite backup API) is kept for the
   SQL replay below.
3. Acts as `--workers` workers (default 64): `--processes` processes
   (multiprocessing, default 4), each running workers/processes threads, each
   thread one keep-alive `http.client` connection looping
   lease (capacity 8) -> submit 8 traces of ~`--response-bytes` (default 2048).
   Result bodies are built once per shape and reused, so the client spends
   its CPU on HTTP, not on building JSON.
4. Stops when `--traces` traces were taken (default 200,000; the run then
   completes) or, with `--duration S`, after `--warmup` + S seconds.
5. Figures over the steady-state window: by default from 10% to 90% of the
   traces (`--warmup-fraction`, `--cooldown-fraction`), with `--duration`
   from `--warmup` seconds to the end. Traces/s, the latency of lease and of
   submit requests as the clients saw them (p50/p90/p99/max), the rate by
   decile of progress, and the CPU used over the window by the coordinator
   (/proc/PID/stat utime+stime, also per thread), by the client processes and
   by the whole machine (/proc/stat; the rest is other people's work). For
   the thread that runs GRDB's writer queue it also counts voluntary
   (nothing queued) and involuntary (preempted) context switches, and it
   reads the CPU pressure (PSI: the share of time some task waited for a CPU).
   With `--perf`, `perf record -g -p PID` samples the coordinator for
   `--perf-seconds` inside the window; the samples are split by thread and
   call stack into the SQLite writer (SQLite itself, WAL file I/O, JSON, GRDB
   and the Swift runtime), JSON of the bodies, and HTTP.
6. Checks that the coordinator counted every trace once: the sum of
   `sample.samples` over `GET /v1/runs/1/iterations/0/prompts` equals the
   traces submitted, no receipt was a duplicate, and (with `--traces`) the
   iteration is `done` and the run `completed`.
7. Baselines, measured after the coordinator stopped, with Python's `sqlite3`
   (WAL, synchronous=NORMAL like the coordinator):
     - plain inserts of the same rows (same number, same sizes) into a table
       created from the coordinator's own `trace` DDL (columns, UNIQUE and
       index as in Schema.swift), one transaction per 8 rows (one result),
       and all in one transaction;
     - the coordinator's SQL replayed: on the copy of step 2, one lease
       transaction and one result transaction per unit, with the same
       statements as `SQLiteStore.grantLeases` and `SQLiteStore.submit`
       (copied below; keep them in sync), one connection, no HTTP, no JSON
       beyond decoding the run configuration. It says how fast SQLite alone
       can do the coordinator's work at this run size. A second replay runs
       the same statements 8 units per transaction (8 grants, then their 8
       results), which says what group commit in the writer would gain.
8. Prints a summary (date UTC, machine, cores, RAM, load average, figures);
   `--json FILE` writes the same figures as JSON.

Linux only (reads /proc). Python 3.11, standard library only.

    python3 scripts/bench-ingest.py --build                 # 64 workers, 200,000 traces
    python3 scripts/bench-ingest.py --traces 40000 --response-bytes 200 --json /tmp/ingest.json
    python3 scripts/bench-ingest.py --duration 30 --perf
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvmharness import (  # noqa: E402
    APIError, Client, Coordinator, cpu_model, ensure_binary, git_revision, newer_sources, reasoning_text,
    add_binary_options)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASET_NAME = "ingest-bench"
MODEL = "bench"
SAMPLES_PER_LEASE = 8
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def log(message: str) -> None:
    print(message, flush=True)


def monotonic() -> float:
    # CLOCK_MONOTONIC is one clock for every process of the machine, so the
    # worker processes' timestamps compare with the main process's.
    return time.monotonic()


# ---------------------------------------------------------------------------
# /proc


def proc_cpu_ticks(pid: int) -> int | None:
    """utime + stime of a process (all its threads), in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    except (OSError, IndexError, ValueError):
        return None


def proc_thread_ticks(pid: int) -> dict[int, tuple]:
    """tid -> (comm, utime + stime, voluntary, involuntary context switches) per thread.

    The switches come from /proc/PID/task/TID/sched and are read only for
    the dispatch threads that run GRDB's writer ("...overcommit"); 0 elsewhere.
    """
    threads: dict[int, tuple] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1: text.rindex(")")]
        fields = text.rpartition(")")[2].split()
        voluntary = involuntary = 0
        if "overcommit" in comm:
            try:
                with open(f"/proc/{pid}/task/{tid}/sched") as sched:
                    for line in sched:
                        if line.startswith("nr_voluntary_switches"):
                            voluntary = int(line.split(":")[1])
                        elif line.startswith("nr_involuntary_switches"):
                            involuntary = int(line.split(":")[1])
            except (OSError, ValueError):
                pass
        threads[int(tid)] = (comm, int(fields[11]) + int(fields[12]), voluntary, involuntary)
    return threads


def cpu_pressure_us() -> int | None:
    """Total microseconds during which some runnable task waited for a CPU (PSI)."""
    try:
        with open("/proc/pressure/cpu") as pressure:
            for line in pressure:
                if line.startswith("some"):
                    return int(line.rsplit("total=", 1)[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def system_cpu() -> tuple[int, int]:
    """(busy, total) ticks of the whole machine from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already in user
    return total - idle, total


def loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def meminfo_total_kib() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------
# Generated data (chain-of-thought texts from gvmharness.reasoning_text)

ANSWER_SUFFIX = "\n\nTherefore, the final answer is \\boxed{%s}."


def make_responses(size: int, target_bytes: int, seed: int = 7) -> list[str]:
    """`size` chain-of-thought responses of `target_bytes` bytes each (ASCII), ending in a box."""
    rng = random.Random(seed)
    body_bytes = max(target_bytes - len(ANSWER_SUFFIX % "1"), 0)
    # About 80% correct.
    return [reasoning_text(rng, body_bytes) + ANSWER_SUFFIX % ("1" if number % 5 else "2") for number in range(size)]


def make_dataset(prompts: int) -> bytes:
    lines = []
    for i in range(prompts):
        lines.append(json.dumps({
            "problem": f"Benchmark problem {i}: let x be the smallest positive integer root of "
                       f"x^2 - {i % 89 + 3}x + {i % 89 + 2} = 0. Find x.",
            "answer": "1",
        }))
    return ("\n".join(lines) + "\n").encode()


def sample_fields(responses: list[str], variant: int, index: int) -> dict:
    """The sample a simulated worker returns; the SQL baselines store the same values."""
    response = responses[(variant * 7 + index) % len(responses)]
    correct = response.endswith("{1}.")
    sample = {"sampleIndex": index, "response": response, "reward": 1.0 if correct else 0.0,
              "completionTokens": 500, "finishReason": "stop"}
    if correct:
        sample["gradNorm"] = 1.0
    return sample


# ---------------------------------------------------------------------------
# Coordinator process (as in measure-export-memory.py)


def worker_process(index: int, threads: int, first_worker: int, host: str, port: int,
                   response_bytes: int, total: int, deadline: mp.Value, counter: mp.Value,
                   stop: mp.Event, go: mp.Event, out: mp.Queue) -> None:
    """`threads` simulated workers; puts their timings on `out` when done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    responses = make_responses(64, response_bytes)
    bodies: dict[tuple[int, int, int], bytes] = {}
    bodies_lock = threading.Lock()
    lock = threading.Lock()
    figures = {"leaseEnd": [], "leaseLatency": [], "leaseGranted": [],
               "submitEnd": [], "submitLatency": [], "submitTraces": [],
               "bytesSent": 0, "samplesSent": 0, "duplicates": 0, "emptyLeases": 0,
               "reconnects": 0, "errors": []}

    def body_for(lease: dict) -> bytes:
        key = (lease["firstSampleIndex"], lease["sampleCount"], lease["promptId"] % 16)
        body = bodies.get(key)
        if body is None:
            first, count, variant = key
            samples = [sample_fields(responses, variant, first + k) for k in range(count)]
            body = json.dumps({"generated": count, "generatedTokens": 500 * count, "samples": samples}).encode()
            with bodies_lock:
                bodies[key] = body
        return body

    def run(number: int) -> None:
        client = Client(host, port)
        lease_body = json.dumps({"workerName": f"bench-{number}", "model": MODEL,
                                 "capacity": SAMPLES_PER_LEASE}).encode()
        lease_end, lease_latency, lease_granted = [], [], []
        submit_end, submit_latency, submit_traces = [], [], []
        sent = samples = duplicates = empty = 0
        errors: list[str] = []
        try:
            client._connection().connect()
            go.wait()
            while not stop.is_set():
                started = monotonic()
                status, data = client.request("POST", "/v1/leases", lease_body)
                ended = monotonic()
                if status != 200:
                    raise APIError(f"POST /v1/leases -> {status}: {data[:300]!r}")
                leases = json.loads(data)["leases"]
                lease_end.append(ended)
                lease_latency.append(ended - started)
                lease_granted.append(len(leases))
                if not leases:
                    empty += 1
                    stop.wait(0.05)
                    continue
                for lease in leases:
                    body = body_for(lease)
                    started = monotonic()
                    status, data = client.request("POST", f"/v1/leases/{lease['leaseId']}/result", body)
                    ended = monotonic()
                    if status != 200:
                        raise APIError(f"POST /v1/leases/{lease['leaseId']}/result -> {status}: {data[:300]!r}")
                    receipt = json.loads(data)
                    recorded = receipt["recordedSamples"]
                    duplicates += bool(receipt.get("duplicate"))
                    submit_end.append(ended)
                    submit_latency.append(ended - started)
                    submit_traces.append(recorded)
                    sent += len(body)
                    samples += lease["sampleCount"]
                    with counter.get_lock():
                        counter.value += recorded
                        done = counter.value
                    if done >= total or (deadline.value and ended >= deadline.value):
                        stop.set()
        except Exception as error:  # noqa: BLE001 - reported, and stops the benchmark
            errors.append(f"worker {number}: {type(error).__name__}: {error}")
            stop.set()
        finally:
            client.close()
        with lock:
            figures["leaseEnd"] += lease_end
            figures["leaseLatency"] += lease_latency
            figures["leaseGranted"] += lease_granted
            figures["submitEnd"] += submit_end
            figures["submitLatency"] += submit_latency
            figures["submitTraces"] += submit_traces
            figures["bytesSent"] += sent
            figures["samplesSent"] += samples
            figures["duplicates"] += duplicates
            figures["emptyLeases"] += empty
            figures["reconnects"] += client.reconnects
            figures["errors"] += errors

    pool = [threading.Thread(target=run, args=(first_worker + n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((index, figures))


# ---------------------------------------------------------------------------
# Statistics


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-int(round(fraction * 1_000_000)) * len(sorted_values) // 1_000_000))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_figures(values: list[float]) -> dict:
    ordered = sorted(values)
    ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
    return {"count": len(ordered),
            "meanMs": ms(sum(ordered) / len(ordered)) if ordered else None,
            "p50Ms": ms(percentile(ordered, 0.50)), "p90Ms": ms(percentile(ordered, 0.90)),
            "p99Ms": ms(percentile(ordered, 0.99)), "maxMs": ms(ordered[-1] if ordered else None)}


def at_time(timeline: list[dict], t: float, after: bool) -> dict:
    """The first monitor sample at or after t (after=True), or the last at or before t."""
    if after:
        return next((s for s in timeline if s["t"] >= t), timeline[-1])
    return next((s for s in reversed(timeline) if s["t"] <= t), timeline[0])


# ---------------------------------------------------------------------------
# perf


def perf_usable() -> str | None:
    """None when `perf record` works here, else why not."""
    if shutil.which("perf") is None:
        return "perf is not installed (apt-get install linux-perf)"
    try:
        probe = subprocess.run(["perf", "record", "-F", "99", "-o", "/dev/null", "--", "true"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"perf record failed: {error}"
    if probe.returncode != 0:
        return "perf record failed: " + (probe.stderr.strip().splitlines() or ["?"])[-1]
    return None


WRITER_FRAME = re.compile(r"DatabaseWriter|SerializedDatabase|inTransaction")
JSON_FRAME = re.compile(r"JSONDecoder|JSONEncoder|JSONResponses|JSONInput|WireJSON|JSONSerialization|JSONMap|"
                        r"JSONWriter|JSONScanner|ISO8601|DateFormat|icu_")
HTTP_FRAME = re.compile(r"NIO|Hummingbird|HTTP|llhttp|tcp_|sock_|sk_|skb|inet|ip_|__sys_send|__sys_recv|"
                        r"epoll|ep_poll|sendmsg|recvmsg|writev|readv|loopback|net_rx|netif")


def perf_summary(perf_data: str) -> dict:
    """Where the coordinator's CPU samples went, from `perf script` call stacks.

    libsqlite3 has no frame pointers, so a sample inside SQLite often lacks the
    frames above it; its thread tells where it belongs. A thread is the SQLite
    writer when most of its samples run inside GRDB's writer
    (DatabaseWriter.write / SerializedDatabase) or SQLite. Its samples split into SQLite
    itself (leaf in libsqlite3), JSON (the run configuration decoded inside the
    transaction, receipts encoded) and the rest (GRDB, Swift runtime, malloc).
    Samples of other threads split into JSON (request and response bodies),
    HTTP (NIO, Hummingbird, the kernel's socket paths) and other.
    """
    script = subprocess.run(["perf", "script", "-i", perf_data, "-F", "tid,ip,sym,dso"],
                            capture_output=True, text=True, timeout=600)
    samples: list[tuple[int, list[str]]] = []
    tid, frames = None, []
    for line in script.stdout.splitlines():
        if not line.strip():
            if tid is not None:
                samples.append((tid, frames))
            tid, frames = None, []
        elif not line.startswith("\t") and tid is None:
            try:
                tid = int(line.split()[0])
            except (ValueError, IndexError):
                tid = None
        else:
            frames.append(line.strip())
    if tid is not None:
        samples.append((tid, frames))
    writer_hits: dict[int, list[int]] = {}
    for t, fr in samples:
        counts = writer_hits.setdefault(t, [0, 0])
        counts[1] += 1
        counts[0] += any(WRITER_FRAME.search(f) or "libsqlite3" in f for f in fr)
    writers = {t for t, (hits, n) in writer_hits.items() if n >= 20 and hits / n >= 0.5}
    buckets: dict[str, int] = {}
    writer_frames: dict[str, int] = {}
    for t, fr in samples:
        text = "\n".join(fr)
        leaf = fr[0] if fr else ""
        if t in writers or WRITER_FRAME.search(text):
            owner = next((f for f in fr if "libc.so" not in f and "[kernel.kallsyms]" not in f), "")
            if "[kernel.kallsyms]" in leaf and re.search(r"pwrite|pread|fsync|fdatasync|ext4|vfs_|filemap", text):
                name = "writer: kernel file I/O (WAL)"
            elif "libsqlite3" in owner:
                name = "writer: SQLite engine"
            elif JSON_FRAME.search(text):
                name = "writer: JSON (run configuration, receipt)"
            else:
                name = "writer: GRDB, Swift runtime, malloc"
            if name != "writer: SQLite engine":
                # The innermost frame of the coordinator's own code (GRDB included).
                own = next((f.split()[1] for f in fr if "gvm-coordinator" in f and len(f.split()) > 1), None)
                if own:
                    writer_frames[own] = writer_frames.get(own, 0) + 1
        elif JSON_FRAME.search(text):
            name = "JSON (request and response bodies)"
        elif HTTP_FRAME.search(text):
            name = "HTTP (NIO, Hummingbird, sockets)"
        else:
            name = "other (scheduling, runtime, routing)"
        buckets[name] = buckets.get(name, 0) + 1
    total = max(len(samples), 1)
    self_report = subprocess.run(
        ["perf", "report", "-i", perf_data, "--stdio", "--no-children", "--sort", "dso,symbol",
         "-g", "none", "--percent-limit", "0.5"], capture_output=True, text=True, timeout=600)
    rows = []
    for line in self_report.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)$", line)
        if m:
            rows.append((float(m.group(1)), f"{os.path.basename(m.group(2))} {m.group(3).strip()}"))
    top = sorted(rows, reverse=True)[:15]
    demangled = _demangle([t for _, t in top])
    writer_samples = sum(n for k, n in buckets.items() if k.startswith("writer"))
    top_writer = sorted(writer_frames.items(), key=lambda kv: -kv[1])[:10]
    writer_names = _demangle([name for name, _ in top_writer])
    return {"samples": len(samples), "writerThreads": sorted(writers),
            "writerOutsideSQLiteTopFrames": [{"percent": round(100 * n / total, 1), "frame": d[:140]}
                                             for (_, n), d in zip(top_writer, writer_names)],
            "writerShare": round(100 * writer_samples / total, 1),
            "buckets": {k: round(100 * v / total, 1) for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])},
            "topSelfSymbols": [{"percent": s, "symbol": d[:140]} for (s, _), d in zip(top, demangled)]}


def _demangle(texts: list[str]) -> list[str]:
    tool = shutil.which("swift-demangle")
    command = [tool, "--simplified"] if tool else (["swift", "demangle", "--simplified"] if shutil.which("swift") else None)
    if command is None:
        return texts
    try:
        result = subprocess.run(command, input="\n".join(texts), capture_output=True, text=True, timeout=60)
        lines = result.stdout.splitlines()
        return lines if len(lines) == len(texts) else texts
    except (OSError, subprocess.TimeoutExpired):
        return texts


# ---------------------------------------------------------------------------
# Baselines in Python's sqlite3


def open_like_coordinator(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def grdb_date(t: float) -> str:
    """A date as GRDB stores it: 'YYYY-MM-DD HH:MM:SS.SSS' in UTC."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def trace_ddl(coordinator_db: str | None) -> list[str]:
    """The coordinator's own DDL of the trace table and its indexes."""
    if coordinator_db and os.path.exists(coordinator_db):
        db = sqlite3.connect(f"file:{coordinator_db}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'trace' AND sql IS NOT NULL "
                              "ORDER BY type DESC").fetchall()
        finally:
            db.close()
        if rows:
            return [r[0] for r in rows]
    return ["""CREATE TABLE trace (
        id INTEGER PRIMARY KEY, runId INTEGER NOT NULL, iteration INTEGER NOT NULL, stage TEXT NOT NULL,
        promptId INTEGER NOT NULL, sampleIndex INTEGER NOT NULL, modelVersion TEXT NOT NULL,
        response TEXT NOT NULL, reward REAL NOT NULL, gradNorm REAL, completionTokens INTEGER NOT NULL,
        finishReason TEXT NOT NULL, tokenLogprobs TEXT, leaseId TEXT NOT NULL, workerName TEXT NOT NULL,
        createdAt DATETIME NOT NULL, UNIQUE (runId, iteration, stage, promptId, sampleIndex))""",
            "CREATE INDEX traceByIteration ON trace(runId, iteration, stage, id)"]


TRACE_INSERT = """
    INSERT INTO trace (runId, iteration, stage, promptId, sampleIndex, modelVersion, response, reward,
                       gradNorm, completionTokens, finishReason, tokenLogprobs, leaseId, workerName, createdAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def plain_inserts(workdir: str, ddl: list[str], rows: int, responses: list[str], per_transaction: int) -> dict:
    """Inserts `rows` trace rows, `per_transaction` per transaction (0: all in one)."""
    path = os.path.join(workdir, f"plain-{per_transaction}.sqlite")
    db = open_like_coordinator(path)
    for statement in ddl:
        db.execute(statement)
    units = -(-rows // SAMPLES_PER_LEASE)
    now = grdb_date(time.time())
    written = 0
    payload = 0
    started = time.perf_counter()
    if per_transaction == 0:
        db.execute("BEGIN IMMEDIATE")
    for unit in range(units):
        lease_id = str(uuid.uuid4())
        worker = f"bench-{unit % 64}"
        batch = []
        for k in range(min(SAMPLES_PER_LEASE, rows - written)):
            s = sample_fields(responses, unit % 16, k)
            batch.append((1, 0, "sample", unit, k, "0", s["response"], s["reward"], s.get("gradNorm"),
                          s["completionTokens"], s["finishReason"], None, lease_id, worker, now))
            payload += len(s["response"])
        if per_transaction:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(TRACE_INSERT, batch)
            db.execute("COMMIT")
        else:
            db.executemany(TRACE_INSERT, batch)
        written += len(batch)
    if per_transaction == 0:
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return {"rows": written, "rowsPerTransaction": per_transaction or written, "seconds": round(seconds, 3),
            "rowsPerSecond": round(written / seconds), "responseBytesMean": round(payload / max(written, 1)),
            "fileBytes": size}


# The coordinator's statements, copied from SQLiteStore+Leases.swift
# (grantLeases, expireOverdueLeases, issueLease, currentLease),
# SQLiteStore+Submissions.swift (submit) and SQLiteStore+Iterations.swift
# (advanceIfStageComplete). Keep them in sync.
SQL_WORKER_UPSERT = """
    INSERT INTO worker (name, model, firstSeen, lastSeen) VALUES (?, ?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET model = excluded.model, lastSeen = excluded.lastSeen"""
SQL_EXPIRE_UNITS = """
    UPDATE workUnit SET state = 'queued'
    WHERE state = 'leased' AND leaseId IN (SELECT id FROM lease WHERE state = 'active' AND expiresAt < ?)"""
SQL_EXPIRE_LEASES = "UPDATE lease SET state = 'expired' WHERE state = 'active' AND expiresAt < ?"
# SQLiteStore.queuedUnits: never-leased units first, then expired ones.
SQL_CANDIDATES = """
    SELECT w.* FROM workUnit w JOIN run r ON r.id = w.runId
    WHERE w.state = 'queued' AND w.leaseId IS %s AND r.state = 'active' AND r.model = ?
    ORDER BY w.runId, w.id LIMIT ?"""
SQL_RUN = "SELECT * FROM run WHERE id = ?"
SQL_SUPERSEDE = "UPDATE lease SET state = 'superseded' WHERE id = ?"
SQL_LEASE_INSERT = ("INSERT INTO lease (id, workUnitId, workerName, issuedAt, expiresAt, state) "
                    "VALUES (?, ?, ?, ?, ?, 'active')")
SQL_UNIT_LEASED = "UPDATE workUnit SET state = 'leased', leaseId = ? WHERE id = ?"
SQL_PROMPT = "SELECT problem, answer FROM prompt WHERE datasetId = ? AND position = ?"
SQL_MODEL_VERSION = "SELECT modelVersion FROM iteration WHERE runId = ? AND number = ?"
SQL_RECEIPT = "SELECT receipt FROM lease WHERE id = ? AND state = 'completed'"
SQL_LEASE = "SELECT * FROM lease WHERE id = ?"
SQL_UNIT = "SELECT * FROM workUnit WHERE id = ?"
SQL_STATISTICS = """
    INSERT INTO promptStatistics (runId, iteration, stage, promptId, samples, accepted, gradNormSum, gradNormSquareSum)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(runId, iteration, stage, promptId) DO UPDATE SET
        samples = samples + excluded.samples,
        accepted = accepted + excluded.accepted,
        gradNormSum = gradNormSum + excluded.gradNormSum,
        gradNormSquareSum = gradNormSquareSum + excluded.gradNormSquareSum"""
SQL_UNIT_DONE = "UPDATE workUnit SET state = 'done' WHERE id = ?"
SQL_LEASE_DONE = ("UPDATE lease SET state = 'completed', receipt = ?, completedAt = ?, samples = ?, tokens = ? "
                  "WHERE id = ?")
SQL_WORKER_DONE = "UPDATE worker SET lastSeen = ?, samplesSubmitted = samplesSubmitted + ? WHERE name = ?"
SQL_STAGE = "SELECT stage FROM iteration WHERE runId = ? AND number = ?"
# advanceIfStageComplete: every state but 'done', listed, so the
# (runId, iteration, stage, state) index answers with a lookup.
SQL_OPEN_UNITS = ("SELECT EXISTS (SELECT 1 FROM workUnit WHERE runId = ? AND iteration = ? AND stage = ? "
                  "AND state IN ('queued', 'leased', 'cancelled'))")


def queued_units(db: sqlite3.Connection, limit: int) -> list:
    units = db.execute(SQL_CANDIDATES % "NULL", (MODEL, limit)).fetchall()
    if len(units) < limit:
        units += db.execute(SQL_CANDIDATES % "NOT NULL", (MODEL, limit - len(units))).fetchall()
    return units


def replay_coordinator_sql(path: str, units: int, responses: list[str], workers: int,
                           time_limit: float, batch: int = 1) -> dict:
    """Replays the coordinator's lease and result transactions on a copy of its database.

    batch=1 is what the coordinator does: one write transaction per lease
    grant and one per result. batch=k puts k grants in one transaction and
    then their k results in another, like a writer that group-commits what
    is waiting; the statements are the same.
    """
    db = open_like_coordinator(path)
    db.row_factory = sqlite3.Row
    plans = {name: [tuple(r)[-1] for r in db.execute("EXPLAIN QUERY PLAN " + sql, args)]
             for name, sql, args in [("candidates", SQL_CANDIDATES % "NULL", (MODEL, 8)),
                                     ("openUnits", SQL_OPEN_UNITS, (1, 0, "sample"))]}
    queued_before = db.execute("SELECT COUNT(*) FROM workUnit WHERE state = 'queued'").fetchone()[0]
    timings = {"grant": 0.0, "submit": 0.0, "candidates": 0.0, "openUnits": 0.0, "commit": 0.0}
    done = 0
    exhausted = False
    started = time.perf_counter()
    deadline = started + time_limit

    def commit() -> None:
        c0 = time.perf_counter()
        db.execute("COMMIT")
        timings["commit"] += time.perf_counter() - c0

    while done < units and not exhausted and time.perf_counter() < deadline:
        leases = []
        # grantLeases, capacity 8 (one unit)
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        for k in range(min(batch, units - done)):
            worker = f"bench-{(done + k) % workers}"
            now_t = time.time()
            now = grdb_date(now_t)
            db.execute(SQL_WORKER_UPSERT, (worker, MODEL, now, now))
            db.execute(SQL_EXPIRE_UNITS, (now,))
            db.execute(SQL_EXPIRE_LEASES, (now,))
            c0 = time.perf_counter()
            candidates = queued_units(db, SAMPLES_PER_LEASE)
            timings["candidates"] += time.perf_counter() - c0
            if not candidates:
                exhausted = True
                break
            unit = candidates[0]
            run = db.execute(SQL_RUN, (unit["runId"],)).fetchone()
            configuration = json.loads(run["configuration"])
            lease_id = str(uuid.uuid4())
            if unit["leaseId"] is not None:
                db.execute(SQL_SUPERSEDE, (unit["leaseId"],))
            db.execute(SQL_LEASE_INSERT, (lease_id, unit["id"], worker, now,
                                          grdb_date(now_t + configuration.get("leaseSeconds", 300))))
            db.execute(SQL_UNIT_LEASED, (lease_id, unit["id"]))
            db.execute(SQL_PROMPT, (run["datasetId"], unit["promptId"])).fetchone()
            db.execute(SQL_MODEL_VERSION, (run["id"], unit["iteration"])).fetchone()
            leases.append(lease_id)
        commit()
        t1 = time.perf_counter()
        timings["grant"] += t1 - t0
        # submit
        db.execute("BEGIN IMMEDIATE")
        for lease_id in leases:
            now = grdb_date(time.time())
            db.execute(SQL_RECEIPT, (lease_id,)).fetchone()
            lease = db.execute(SQL_LEASE, (lease_id,)).fetchone()
            unit = db.execute(SQL_UNIT, (lease["workUnitId"],)).fetchone()
            run = db.execute(SQL_RUN, (unit["runId"],)).fetchone()
            json.loads(run["configuration"])
            version = db.execute(SQL_MODEL_VERSION, (unit["runId"], unit["iteration"])).fetchone()[0]
            accepted = 0
            rows = []
            for k in range(unit["sampleCount"]):
                s = sample_fields(responses, unit["promptId"] % 16, unit["firstSampleIndex"] + k)
                accepted += s["reward"] > 0
                rows.append((unit["runId"], unit["iteration"], unit["stage"], unit["promptId"], s["sampleIndex"],
                             version, s["response"], s["reward"], s.get("gradNorm"), s["completionTokens"],
                             s["finishReason"], None, lease_id, lease["workerName"], now))
            db.executemany(TRACE_INSERT, rows)
            db.execute(SQL_STATISTICS, (unit["runId"], unit["iteration"], unit["stage"], unit["promptId"],
                                        len(rows), accepted, float(accepted), float(accepted)))
            db.execute(SQL_UNIT_DONE, (unit["id"],))
            receipt = json.dumps({"leaseId": lease_id, "recordedSamples": len(rows), "acceptedSamples": accepted,
                                  "duplicate": False})
            db.execute(SQL_LEASE_DONE, (receipt, now, len(rows), 500 * len(rows), lease_id))
            db.execute(SQL_WORKER_DONE, (now, len(rows), lease["workerName"]))
            db.execute(SQL_STAGE, (unit["runId"], unit["iteration"])).fetchone()
            c0 = time.perf_counter()
            db.execute(SQL_OPEN_UNITS, (unit["runId"], unit["iteration"], unit["stage"])).fetchone()
            timings["openUnits"] += time.perf_counter() - c0
        commit()
        timings["submit"] += time.perf_counter() - t1
        done += len(leases)
    seconds = time.perf_counter() - started
    db.close()
    per = lambda key: round(timings[key] / max(done, 1) * 1e6)  # noqa: E731
    return {"variant": "as the coordinator, 1 unit per transaction" if batch == 1
                       else f"{batch} units per transaction",
            "unitsPerTransaction": batch,
            "units": done, "traces": done * SAMPLES_PER_LEASE, "queuedUnitsAtStart": queued_before,
            "seconds": round(seconds, 3), "complete": done >= units,
            "resultsPerSecond": round(done / seconds) if seconds else None,
            "tracesPerSecond": round(done * SAMPLES_PER_LEASE / seconds) if seconds else None,
            "grantMicroseconds": per("grant"), "submitMicroseconds": per("submit"),
            "candidateQueryMicroseconds": per("candidates"), "openUnitCheckMicroseconds": per("openUnits"),
            "commitMicroseconds": per("commit"), "queryPlans": plans}


# ---------------------------------------------------------------------------
# The benchmark


def wait_latency(host: str, port: int, samples: int) -> dict:
    """How long after the result that completes an iteration a held
    `GET .../iterations/{i}/wait` answers done: a small run of `samples`
    one-unit iterations (auto-advance), a wait held open on each before its
    only unit is leased and submitted. Latency = the wait's done answer minus
    the submit's reply, both on this process's monotonic clock; it can be a
    little negative, since the change feed signals at commit, before the
    submitter's own reply is written."""
    client = Client(host, port)
    run_id = client.json("POST", "/v1/runs", {
        "dataset": DATASET_NAME, "model": MODEL + "-wait", "strategy": "uniform", "algorithm": "grpo",
        "samplesPerPrompt": SAMPLES_PER_LEASE, "maxSamplesPerLease": SAMPLES_PER_LEASE, "promptsPerIteration": 1,
        "iterations": samples, "leaseSeconds": 600, "advance": "auto"})["runId"]
    responses = make_responses(8, 256)
    latencies, requests = [], 0
    for iteration in range(samples):
        answer: dict = {}

        def hold() -> None:
            nonlocal requests
            waiter = Client(host, port)
            try:
                while True:
                    requests += 1
                    reply = waiter.json("GET", f"/v1/runs/{run_id}/iterations/{iteration}/wait?timeoutSeconds=20")
                    if reply["done"]:
                        answer["end"] = monotonic()
                        return
            finally:
                waiter.close()

        thread = threading.Thread(target=hold, daemon=True)
        thread.start()
        time.sleep(0.05)  # the wait is held before the unit is leased
        leases = client.json("POST", "/v1/leases", {"workerName": "bench-wait", "model": MODEL + "-wait",
                                                    "capacity": SAMPLES_PER_LEASE})["leases"]
        if len(leases) != 1:
            raise APIError(f"wait phase, iteration {iteration}: {len(leases)} leases granted, expected 1")
        lease = leases[0]
        body = {"generated": lease["sampleCount"], "generatedTokens": 500 * lease["sampleCount"],
                "samples": [sample_fields(responses, 0, lease["firstSampleIndex"] + k)
                            for k in range(lease["sampleCount"])]}
        client.json("POST", f"/v1/leases/{lease['leaseId']}/result", body)
        submitted = monotonic()
        thread.join(timeout=30)
        if "end" not in answer:
            raise APIError(f"wait phase, iteration {iteration}: the wait did not answer done within 30 s")
        latencies.append(answer["end"] - submitted)
    client.close()
    return {**latency_figures(latencies), "waitRequests": requests}


def run_benchmark(args, binary: str, workdir: str) -> dict:
    db_path = os.path.join(workdir, "gvm.sqlite")
    log_path = os.path.join(workdir, "coordinator.log")
    prompts = -(-args.traces // SAMPLES_PER_LEASE)
    total = prompts * SAMPLES_PER_LEASE
    coordinator = Coordinator(db_path, log_path, binary_path=binary)
    report: dict = {"coordinatorLog": log_path}
    processes: list[mp.Process] = []
    perf_process = None
    try:
        pid = coordinator.pid
        log(f"coordinator pid {pid} on http://{coordinator.host}:{coordinator.port}, db {db_path}")
        client = Client(coordinator.host, coordinator.port)
        info = client.json("POST", f"/v1/datasets?name={DATASET_NAME}", raw=make_dataset(prompts),
                           content_type="application/x-ndjson")
        run = client.json("POST", "/v1/runs", {
            "dataset": DATASET_NAME, "model": MODEL, "strategy": "uniform", "algorithm": "grpo",
            "samplesPerPrompt": SAMPLES_PER_LEASE, "maxSamplesPerLease": SAMPLES_PER_LEASE,
            "promptsPerIteration": prompts, "iterations": 1, "leaseSeconds": 600,
        })
        run_id = run["runId"]
        log(f"run {run_id}: {info['promptCount']} prompts x {SAMPLES_PER_LEASE} samples = {total} traces, "
            f"~{args.response_bytes} B responses, {args.workers} workers in {args.processes} processes")
        if not args.no_replay:
            # The coordinator is idle now; the backup API copies a consistent snapshot.
            source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            for name in ("replay-1.sqlite", "replay-8.sqlite"):
                target = sqlite3.connect(os.path.join(workdir, name))
                source.backup(target)
                target.close()
            source.close()

        counter = mp.Value("q", 0)
        deadline = mp.Value("d", 0.0)
        stop, go = mp.Event(), mp.Event()
        out: mp.Queue = mp.Queue()
        per_process = [args.workers // args.processes + (1 if i < args.workers % args.processes else 0)
                       for i in range(args.processes)]
        first = 0
        for index, threads in enumerate(per_process):
            if threads == 0:
                continue
            process = mp.Process(target=worker_process, daemon=True, args=(
                index, threads, first, coordinator.host, coordinator.port, args.response_bytes,
                total, deadline, counter, stop, go, out))
            first += threads
            process.start()
            processes.append(process)
        time.sleep(1.5)  # processes import, build their texts and connect
        client.close()

        timeline: list[dict] = []
        perf_window = None

        def sample() -> dict:
            busy, all_ticks = system_cpu()
            entry = {"t": monotonic(), "traces": counter.value, "coordinatorTicks": proc_cpu_ticks(pid) or 0,
                     "clientTicks": sum(proc_cpu_ticks(p.pid) or 0 for p in processes),
                     "systemBusy": busy, "systemTotal": all_ticks,
                     "threads": proc_thread_ticks(pid), "cpuPressureUs": cpu_pressure_us()}
            timeline.append(entry)
            return entry

        load_before = loadavg()
        sample()
        started = monotonic()
        if args.duration is not None:
            deadline.value = started + args.warmup + args.duration
        go.set()
        last_log = started
        progress_at, progress = started, 0
        perf_reason = None
        if args.perf:
            perf_reason = perf_usable()
            if perf_reason:
                log(f"--perf: {perf_reason}; continuing without it")
        perf_start_at = (args.warmup_fraction + 0.1) * total
        while not stop.is_set():
            stop.wait(0.25)
            entry = sample()
            now = entry["t"]
            if entry["traces"] != progress:
                progress_at, progress = now, entry["traces"]
            if coordinator.process.poll() is not None:
                report["failure"] = f"the coordinator exited with status {coordinator.process.returncode}"
                stop.set()
            elif now - progress_at > args.stuck_seconds:
                report["failure"] = f"no result was taken for {args.stuck_seconds:.0f} s"
                stop.set()
            if (args.perf and not perf_reason and perf_process is None and
                    (entry["traces"] >= perf_start_at if args.duration is None else now >= started + args.warmup)):
                perf_data = os.path.join(workdir, "perf.data")
                perf_process = subprocess.Popen(
                    ["perf", "record", "-F", str(args.perf_frequency), "-g", "-p", str(pid), "-o", perf_data,
                     "--", "sleep", str(args.perf_seconds)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                perf_window = [now, now + args.perf_seconds]
            if now - last_log >= 5:
                last_log = now
                log(f"  ingest: {entry['traces']:>7}/{total} traces, {now - started:5.0f} s, "
                    f"{entry['traces'] / (now - started):6.0f} traces/s overall, load {loadavg()[0]:.2f}")
        ended = monotonic()
        sample()
        load_after = loadavg()

        results: dict[int, dict] = {}
        while len(results) < len(processes):
            try:
                index, figures = out.get(timeout=60)
            except Exception:  # noqa: BLE001 - queue.Empty
                report.setdefault("failure", "a worker process did not report")
                break
            results[index] = figures
        for process in processes:
            process.join(timeout=10)
        if perf_process is not None:
            _, perf_err = perf_process.communicate(timeout=args.perf_seconds + 120)
            report["perfStderr"] = perf_err.decode(errors="replace")[-500:]

        merged: dict = {"leaseEnd": [], "leaseLatency": [], "leaseGranted": [], "submitEnd": [],
                        "submitLatency": [], "submitTraces": [], "bytesSent": 0, "samplesSent": 0,
                        "duplicates": 0, "emptyLeases": 0, "reconnects": 0, "errors": []}
        for figures in results.values():
            for key, value in figures.items():
                merged[key] += value
        if merged["errors"]:
            report["failure"] = "; ".join(merged["errors"][:5])

        # Check the coordinator's count before stopping it.
        client = Client(coordinator.host, coordinator.port)
        records = client.json("GET", f"/v1/runs/{run_id}/iterations/0/prompts")["prompts"]
        counted = sum(r["sample"]["samples"] for r in records)
        iteration = client.json("GET", f"/v1/runs/{run_id}/iterations/0")
        run_state = client.json("GET", f"/v1/runs/{run_id}")["state"]
        metrics = client.request("GET", "/metrics")[1].decode(errors="replace")
        client.close()
        submitted = sum(merged["submitTraces"])

        # The steady-state window.
        events = sorted(zip(merged["submitEnd"], merged["submitTraces"]))
        if args.duration is None:
            low, high = args.warmup_fraction * submitted, (1 - args.cooldown_fraction) * submitted
            cumulative, t_a, t_b = 0, None, None
            for t, n in events:
                cumulative += n
                if t_a is None and cumulative >= low:
                    t_a = t
                if t_b is None and cumulative >= high:
                    t_b = t
            t_a, t_b = t_a or started, t_b or ended
        else:
            t_a, t_b = started + args.warmup, min(ended, deadline.value)
        window = max(t_b - t_a, 1e-9)
        in_window = lambda t: t_a < t <= t_b  # noqa: E731
        window_traces = sum(n for t, n in events if in_window(t))
        lease_in = [lat for t, lat, g in zip(merged["leaseEnd"], merged["leaseLatency"], merged["leaseGranted"])
                    if in_window(t)]
        lease_granted_in = [lat for t, lat, g in zip(merged["leaseEnd"], merged["leaseLatency"],
                                                     merged["leaseGranted"]) if in_window(t) and g]
        submit_in = [lat for t, lat in zip(merged["submitEnd"], merged["submitLatency"]) if in_window(t)]

        # Rate by decile of progress (whole run).
        deciles = []
        cumulative, mark, previous_t, previous_n = 0, 1, started, 0
        for t, n in events:
            cumulative += n
            while mark <= 10 and cumulative >= mark * submitted / 10:
                deciles.append(round((cumulative - previous_n) / max(t - previous_t, 1e-9)))
                previous_t, previous_n = t, cumulative
                mark += 1

        # CPU over the window.
        a, b = at_time(timeline, t_a, after=True), at_time(timeline, t_b, after=False)
        span = max(b["t"] - a["t"], 1e-9)
        cores = len(os.sched_getaffinity(0))
        coordinator_cores = (b["coordinatorTicks"] - a["coordinatorTicks"]) / CLK_TCK / span
        client_cores = (b["clientTicks"] - a["clientTicks"]) / CLK_TCK / span
        system_share = (b["systemBusy"] - a["systemBusy"]) / max(b["systemTotal"] - a["systemTotal"], 1)
        machine_cores = system_share * os.cpu_count()
        threads = []
        for tid, (comm, ticks, voluntary, involuntary) in b["threads"].items():
            _, before, voluntary_before, involuntary_before = a["threads"].get(tid, (comm, 0, 0, 0))
            share = (ticks - before) / CLK_TCK / span
            if share >= 0.01:
                threads.append({"tid": tid, "name": comm, "cores": round(share, 3),
                                "voluntarySwitchesPerSecond": round((voluntary - voluntary_before) / span),
                                "involuntarySwitchesPerSecond": round((involuntary - involuntary_before) / span)})
        threads.sort(key=lambda x: -x["cores"])
        # GRDB's writer is a serial dispatch queue; libdispatch runs it on an
        # overcommit root-queue thread ("com.apple.root.default-qos.overcommit",
        # cut to 15 characters in /proc), now and then on a fresh one. The route
        # handlers run on the Swift concurrency pool ("...root.default-qos"),
        # HTTP on NIO's event loops.
        writers = [t for t in threads if "overcommit" in t["name"]]
        pressure = None
        if a.get("cpuPressureUs") is not None and b.get("cpuPressureUs") is not None:
            pressure = round((b["cpuPressureUs"] - a["cpuPressureUs"]) / 1e6 / span, 3)

        report.update({
            "traces": total, "prompts": prompts, "tracesSubmitted": submitted,
            "samplesSent": merged["samplesSent"], "resultMiB": round(merged["bytesSent"] / MIB, 1),
            "resultBytesMean": round(merged["bytesSent"] / max(len(merged["submitEnd"]), 1)),
            "results": len(merged["submitEnd"]), "leaseRequests": len(merged["leaseEnd"]),
            "emptyLeases": merged["emptyLeases"], "duplicates": merged["duplicates"],
            "reconnects": merged["reconnects"],
            "elapsedSeconds": round(ended - started, 2),
            "overallTracesPerSecond": round(submitted / (ended - started)),
            "window": {"fromSeconds": round(t_a - started, 2), "toSeconds": round(t_b - started, 2),
                       "seconds": round(window, 2), "traces": window_traces,
                       "definition": (f"{args.warmup_fraction:.0%}..{1 - args.cooldown_fraction:.0%} of the traces"
                                      if args.duration is None else f"{args.warmup:g} s warm-up, then "
                                                                    f"{args.duration:g} s")},
            "tracesPerSecond": round(window_traces / window),
            "resultsPerSecond": round(len(submit_in) / window),
            "leaseLatency": latency_figures(lease_in),
            "grantedLeaseLatency": latency_figures(lease_granted_in),
            "submitLatency": latency_figures(submit_in),
            "tracesPerSecondByDecile": deciles,
            "cpu": {"cores": cores, "coordinatorCores": round(coordinator_cores, 3),
                    "clientCores": round(client_cores, 3), "machineBusyCores": round(machine_cores, 3),
                    "otherCores": round(max(machine_cores - coordinator_cores - client_cores, 0.0), 3),
                    "coordinatorMicrosecondsPerResult":
                        round(coordinator_cores * span / max(len(submit_in), 1) * 1e6),
                    "writerThreadCores": round(sum(t["cores"] for t in writers), 3) if writers else None,
                    "writerVoluntarySwitchesPerSecond": sum(t["voluntarySwitchesPerSecond"] for t in writers),
                    "writerInvoluntarySwitchesPerSecond": sum(t["involuntarySwitchesPerSecond"] for t in writers),
                    "cpuPressureSome": pressure,
                    "coordinatorThreads": threads[:12]},
            "loadBefore": load_before, "loadAfter": load_after,
            "check": {"coordinatorSamples": counted, "tracesSubmitted": submitted,
                      "iterationStage": iteration.get("stage"), "runState": run_state,
                      "leasesGrantedMetric": _metric(metrics, "gvm_leases_granted_total"),
                      "samplesGeneratedMetric": _metric(metrics, "gvm_samples_generated_total")},
        })
        ok = (counted == submitted and merged["duplicates"] == 0 and "failure" not in report
              and (args.duration is not None or (submitted == total and iteration.get("stage") == "done"
                                                  and run_state == "completed")))
        report["check"]["ok"] = ok
        if perf_window is not None:
            report["perfWindowSeconds"] = [round(perf_window[0] - started, 1), round(perf_window[1] - started, 1)]
        report["sqliteBytes"] = sum(os.path.getsize(p) for p in (db_path, db_path + "-wal") if os.path.exists(p))
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        if perf_process is not None and perf_process.poll() is None:
            perf_process.send_signal(signal.SIGINT)
            perf_process.wait(timeout=60)
        if args.wait_samples and "failure" not in report:
            log(f"wait latency: {args.wait_samples} one-unit iterations, a wait held on each...")
            try:
                report["waitLatency"] = wait_latency(coordinator.host, coordinator.port, args.wait_samples)
            except (APIError, OSError) as error:
                report["failure"] = f"wait phase: {error}"
        report["coordinatorExitCode"] = coordinator.stop()
    if perf_process is not None and os.path.exists(os.path.join(workdir, "perf.data")):
        try:
            report["perf"] = perf_summary(os.path.join(workdir, "perf.data"))
        except (OSError, subprocess.SubprocessError) as error:
            report["perf"] = {"error": str(error)}
    return report


def _metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            try:
                return float(line.split()[-1])
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------------------


def fmt_latency(figures: dict) -> str:
    return (f"p50 {figures['p50Ms']} ms, p90 {figures['p90Ms']} ms, p99 {figures['p99Ms']} ms, "
            f"max {figures['maxMs']} ms (mean {figures['meanMs']} ms, n={figures['count']})")


def print_summary(r: dict) -> None:
    cpu = r["cpu"]
    window = r["window"]
    lines = [
        "",
        "== gvm ingest benchmark ==",
        f"date {r['date']}, {r['machine']} ({r['cpuModel']}), {r['nproc']} cores, "
        f"{(r['memTotalKiB'] or 0) / MIB:.1f} GiB RAM, kernel {r['kernel']}, SQLite {r['sqliteVersion']}",
        f"gvm {r['gitRevision']} ({r['binary']} built {r['binaryBuilt']}"
        f"{', OLDER THAN ITS SOURCES' if r['sourcesNewerThanBinary'] else ''})",
        f"load average before {r['loadBefore'][0]:.2f} {r['loadBefore'][1]:.2f} {r['loadBefore'][2]:.2f}, "
        f"after {r['loadAfter'][0]:.2f} {r['loadAfter'][1]:.2f} {r['loadAfter'][2]:.2f}",
        f"setup: {r['workers']} workers ({r['processes']} processes x threads, keep-alive http.client), "
        f"capacity {SAMPLES_PER_LEASE}, {r['traces']} traces in {r['prompts']} units of {SAMPLES_PER_LEASE}, "
        f"responses {r['responseBytes']} B, result bodies {r['resultBytesMean']} B",
        f"ingest: {r['tracesSubmitted']} traces, {r['results']} results, {r['leaseRequests']} lease requests "
        f"({r['emptyLeases']} empty) in {r['elapsedSeconds']} s; overall {r['overallTracesPerSecond']} traces/s",
        f"steady state ({window['definition']}: {window['fromSeconds']}..{window['toSeconds']} s, "
        f"{window['traces']} traces): {r['tracesPerSecond']} traces/s, {r['resultsPerSecond']} results/s",
        f"lease latency:  {fmt_latency(r['leaseLatency'])}",
        f"submit latency: {fmt_latency(r['submitLatency'])}",
        *([f"wait latency:   {fmt_latency(r['waitLatency'])} ({r['waitLatency']['waitRequests']} wait requests)"]
          if r.get("waitLatency") else []),
        f"traces/s by tenth of the run: {' '.join(str(d) for d in r['tracesPerSecondByDecile'])}",
        f"CPU over the window (cores of {cpu['cores']}): coordinator {cpu['coordinatorCores']:.2f} "
        f"({cpu['coordinatorMicrosecondsPerResult']} us per result), clients {cpu['clientCores']:.2f}, "
        f"machine busy {cpu['machineBusyCores']:.2f}, others {cpu['otherCores']:.2f}",
        f"SQLite writer queue (overcommit threads): {cpu['writerThreadCores']} cores, "
        f"{cpu['writerVoluntarySwitchesPerSecond']} voluntary (queue empty) and "
        f"{cpu['writerInvoluntarySwitchesPerSecond']} involuntary (preempted) switches/s; "
        f"some task waited for a CPU {(cpu['cpuPressureSome'] or 0):.0%} of the time (PSI)",
        "coordinator threads: " + ", ".join(f"{t['name']}/{t['tid']} {t['cores']:.2f}"
                                            for t in cpu["coordinatorThreads"][:8]),
    ]
    perf = r.get("perf")
    if perf and "buckets" in perf:
        lines.append(f"perf (coordinator CPU samples, {perf['samples']} in {r['perfWindowSeconds'][0]}.."
                     f"{r['perfWindowSeconds'][1]} s): " + ", ".join(f"{k} {v}%" for k, v in perf["buckets"].items()))
        lines.append("  top self symbols:")
        for entry in perf["topSelfSymbols"][:8]:
            lines.append(f"    {entry['percent']:5.1f}%  {entry['symbol'].rstrip()}")
        lines.append("  writer samples outside SQLite, by innermost frame of gvm-coordinator (GRDB included):")
        for entry in perf["writerOutsideSQLiteTopFrames"][:8]:
            lines.append(f"    {entry['percent']:5.1f}%  {entry['frame'].rstrip()}")
    elif perf:
        lines.append(f"perf: {perf}")
    for b in r.get("plainInserts", []):
        lines.append(f"plain SQLite inserts, {b['rowsPerTransaction']} rows per transaction: {b['rows']} rows "
                     f"in {b['seconds']} s = {b['rowsPerSecond']} rows/s; coordinator / this = "
                     f"{r['tracesPerSecond'] / b['rowsPerSecond']:.3f}")
    for replay in r.get("replay", []):
        lines.append(
            f"coordinator SQL replayed in Python sqlite3, {replay['variant']} (no HTTP, no JSON): "
            f"{replay['units']}{'' if replay['complete'] else ' (time limit)'} units in {replay['seconds']} s = "
            f"{replay['tracesPerSecond']} traces/s; per unit: lease {replay['grantMicroseconds']} us "
            f"(candidates {replay['candidateQueryMicroseconds']} us), result {replay['submitMicroseconds']} us "
            f"(open-unit check {replay['openUnitCheckMicroseconds']} us), commits {replay['commitMicroseconds']} us; "
            f"coordinator / this = {r['tracesPerSecond'] / max(replay['tracesPerSecond'] or 1, 1):.2f}")
    check = r["check"]
    lines.append(
        f"check: coordinator counted {check['coordinatorSamples']} samples, clients submitted "
        f"{check['tracesSubmitted']}, duplicates {r['duplicates']}, iteration {check['iterationStage']}, "
        f"run {check['runState']}: {'OK' if check['ok'] else 'FAILED'}"
        + (f" ({r['failure']})" if r.get("failure") else ""))
    goal_rate = r["tracesPerSecond"] >= 5000
    goal_latency = (r["leaseLatency"]["p99Ms"] or 1e9) < 50
    lines.append(f"goal (>= 5000 traces/s, p99 lease < 50 ms): rate {'met' if goal_rate else 'NOT met'}, "
                 f"latency {'met' if goal_latency else 'NOT met'}")
    log("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=64, help="simulated workers (default 64)")
    parser.add_argument("--processes", type=int, default=4,
                        help="client processes the workers are spread over (default 4)")
    parser.add_argument("--traces", type=int, default=160_000,
                        help="traces in the run, at most 20,000 prompts x 8; without --duration, ingest them all (default 160000)")
    parser.add_argument("--duration", type=float,
                        help="measure for this many seconds after --warmup instead of ingesting every trace")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds with --duration (default 5)")
    parser.add_argument("--warmup-fraction", type=float, default=0.1,
                        help="without --duration: the first fraction of traces left out (default 0.1)")
    parser.add_argument("--cooldown-fraction", type=float, default=0.1,
                        help="without --duration: the last fraction of traces left out (default 0.1)")
    parser.add_argument("--response-bytes", type=int, default=2048, help="size of each response (default 2048)")
    parser.add_argument("--perf", action="store_true", help="sample the coordinator with perf record in the window")
    parser.add_argument("--perf-seconds", type=float, default=10.0, help="perf record duration (default 10)")
    parser.add_argument("--perf-frequency", type=int, default=499, help="perf sampling frequency (default 499)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain-insert baselines")
    parser.add_argument("--no-replay", action="store_true", help="skip the coordinator SQL replay")
    parser.add_argument("--replay-seconds", type=float, default=300.0,
                        help="stop the SQL replay after this long (default 300)")
    parser.add_argument("--wait-samples", type=int, default=50,
                        help="after the ingest, iterations whose wait latency is measured (0: none; default 50)")
    parser.add_argument("--stuck-seconds", type=float, default=60.0,
                        help="fail when no result is taken for this long (default 60)")
    add_binary_options(parser)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (databases, log, perf)")
    args = parser.parse_args()
    if not os.path.exists("/proc/self/stat"):
        sys.exit("this script reads /proc and needs Linux")
    if args.traces < SAMPLES_PER_LEASE or args.workers < 1 or args.processes < 1 or args.response_bytes < 100:
        sys.exit(f"--traces must be >= {SAMPLES_PER_LEASE}, --workers and --processes >= 1, --response-bytes >= 100")
    if not (0 <= args.warmup_fraction < 1 - args.cooldown_fraction <= 1):
        sys.exit("--warmup-fraction and --cooldown-fraction must leave a window")
    args.processes = min(args.processes, args.workers)

    binary = ensure_binary(args.binary, args.build)
    stale = newer_sources(binary)
    if stale:
        log(f"warning: {len(stale)} source file(s) changed after {os.path.relpath(binary, REPO_ROOT)} was built "
            f"(e.g. {stale[0]}); pass --build to rebuild first")
    workdir = tempfile.mkdtemp(prefix="gvm-ingest-bench-")
    uname = os.uname()
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": uname.machine, "kernel": uname.release, "cpuModel": cpu_model(),
        "nproc": len(os.sched_getaffinity(0)), "memTotalKiB": meminfo_total_kib(),
        "sqliteVersion": sqlite3.sqlite_version, "python": sys.version.split()[0],
        "gitRevision": git_revision(), "binary": os.path.relpath(binary, REPO_ROOT),
        "binaryBuilt": datetime.fromtimestamp(os.path.getmtime(binary), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sourcesNewerThanBinary": stale,
        "workers": args.workers, "processes": args.processes, "responseBytes": args.response_bytes,
        "duration": args.duration,
    }
    try:
        report.update(run_benchmark(args, binary, workdir))
        responses = make_responses(64, args.response_bytes)
        if not args.no_baseline:
            ddl = trace_ddl(os.path.join(workdir, "gvm.sqlite"))
            rows = report["tracesSubmitted"]
            report["plainInserts"] = []
            for per_transaction in (SAMPLES_PER_LEASE, 0):
                log(f"baseline: {rows} plain inserts, "
                    f"{per_transaction or 'all'} rows per transaction...")
                report["plainInserts"].append(plain_inserts(workdir, ddl, rows, responses, per_transaction))
            report["traceDDL"] = ddl
        if not args.no_replay:
            units = report["results"]
            log(f"replay: the coordinator's SQL for {units} leases and results (at most {args.replay_seconds:g} s)...")
            report["replay"] = []
            for batch in (1, 8):
                report["replay"].append(replay_coordinator_sql(
                    os.path.join(workdir, f"replay-{batch}.sqlite"), units, responses, args.workers,
                    args.replay_seconds, batch))
        print_summary(report)
        if args.json:
            with open(args.json, "w") as out:
                json.dump(report, out, indent=2, default=str)
                out.write("\n")
            log(f"wrote {args.json}")
        return 0 if report["check"]["ok"] else 1
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
