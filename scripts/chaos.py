#!/usr/bin/env python3
"""The fault suite (`make chaos`): a real coordinator, simulated workers over
loopback, and every fault the worker protocol promises to survive.

Two runs (gvm, GRPO) share one dataset and take the faults side by side: the
plain run draws each prompt's whole allocation at once; the rounds run draws
its sample stage in rounds ("sample until enough": rounds of 3 samples, a
prompt stops once it has 2 correct and 2 wrong samples, or at its cap n_i, or
when a round's unit fails). Each run serves a model of its own, and every
lease request names one of the two at random, so the workers, their deaths,
the poison prompts, the killer's leases and the rest hit both.

What runs, at once, for as long as the size asks:

- a killer that SIGKILLs the coordinator at random moments and restarts it
  on the same file and port. Before each kill it takes a lease of its own;
  after the restart it heartbeats that lease (it must still be there while
  its expiry has not passed) and delivers its result;
- simulated workers (threads, one keep-alive connection each) that lease
  work and then, by a seeded draw per lease: deliver a result (sometimes
  after a heartbeat); die mid-lease (the lease is abandoned, and sometimes
  delivered later, late); repeat a delivered result with the same body and
  with a different one; deliver a result for another worker's lease or for
  a lease that does not exist; send a result that breaks the rules (400);
  release the lease with each `kind` (and none); stall past the lease's
  expiry and deliver late. Some prompts are poison: every worker releases
  them with a kind that uses an attempt, so their units exhaust
  `maxAttemptsPerUnit` and fail, and late results for them are refused.
  A failed pre-sample leaves a prompt no allocation, so other prompts are
  poison only in the rounds run's sample stage, from its first round or from
  its second: there a failed round stops the prompt ("failed");
- a prodder that opens raw connections and stalls in the middle of a
  request, or cuts them: a body cut short, or a whole request whose answer
  is never read;
- a disk that fills up and is freed again: as root, the database lives on a
  small tmpfs mounted for the test, and a filler file takes the free space;
  otherwise (or with --disk-ceiling) the coordinator is restarted with
  `--max-database-mib 1`, which SQLite answers with the same SQLITE_FULL.
  Results get 503 and must store nothing; then the filler goes (or the
  coordinator is restarted without the ceiling) and results are taken again.

When the minimums are reached the faults stop, the workers finish the
iteration in progress, the run is paused, and the checks run from the
outside, over the HTTP API (one more SIGKILL and restart first, so that
everything acknowledged must have survived it):

- every acknowledged result is stored exactly once, with the content sent
  (the exported traces of its lease are that body's samples, and no lease
  was acknowledged as new twice or with two different bodies);
- nothing refused is stored (a lease's traces are only ever a body that was
  acknowledged or whose answer was lost, and no trace belongs to a lease
  the suite never delivered);
- per-prompt statistics (samples, accepted, gradNormSum) equal the stored
  traces; in finished iterations each prompt's traces plus its failed
  units' samples make its allocation (or the pre-samples);
- each allocation's counts sum to its budget less `unallocated`;
- the plain run reports no rounds (no `roundStop`, `unspent` or
  `unspentCounts`). In the rounds run, where the check above would ask for the
  whole allocation, each prompt's traces plus its failed units' samples are
  what it drew, and drawn plus `unspent` is its cap (its `allocatedCount`);
  every prompt of a finished iteration has stopped (`roundStop` set), and the
  stopping rule, replayed from the stored rewards in sample-index order round
  by round, says where and why each stopped prompt stopped: at the first round
  boundary with 2 correct and 2 wrong samples ("enough"), at its cap ("cap"),
  or right after a round whose unit failed ("failed", that unit its last
  round). The iteration's `unspent` is the sum of its prompts', the allocation
  export's `unspentCounts` and `unspent` agree with them, and the status entry
  reports the current iteration's `unspent`;
- leases survive restarts (the killer's heartbeats), and no unit is leased
  again before the expiry the coordinator gave its last lease, across kills;
- after the coordinator stops, `PRAGMA integrity_check` says ok.

With `--tokens` the coordinator serves with a tokens file (`serve --tokens`,
fresh random tokens written by gvmharness.write_tokens_file) and every
request carries the token of whoever sends it: the simulated workers take
turns between two worker identities (chaos-worker-a and -b, so half of the
forged results cross identities), the killer has a worker identity of its
own (chaos-survivor), the run's setup and the final pause an operator token,
and the checks read everything with a reader token. Late results, the
prodder's raw requests and the heartbeats to dead workers' leases present
the token of the lease's owner. Everything above must still hold, and so
must the access rules, checked cheaply after each restart and among the
workers' faults:

- a request without a token, or with an unknown one, gets 401 (a lease,
  a heartbeat, a result, a pause, the status, /openapi.json), and a refused
  result stores nothing; /healthz answers without one;
- a token outside its role gets 403 (a worker reading the status, a reader
  asking for a lease);
- one worker identity's heartbeat, result or release for another identity's
  lease gets 403, and changes nothing (a refused result is never stored).

It prints the counts reached, fails below the minimums of the size, and its
last line is `N invariant violations`. Exit status 0 only when N is 0 and the
minimums were met; with `--expect-violations` (the self-check, against a
debug coordinator started with GVM_FAULT_DOUBLE_COUNT) 0 only when N > 0.

    python3 scripts/chaos.py --full                      # release build
    python3 scripts/chaos.py --short --binary .build/debug/gvm-coordinator
    python3 scripts/chaos.py --short --tokens --binary .build/debug/gvm-coordinator
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvmharness import (Client, Coordinator, add_binary_options, bearer, ensure_binary,  # noqa: E402
                        git_revision, write_tokens_file)

MODEL = "chaos"                # the plain run's model
ROUNDS_MODEL = "chaos-rounds"  # the rounds run's
# The rounds run: rounds of 3 from maxSamplesPerLease 4 and samplesPerPrompt 8,
# so that most caps (about 6 to 12) take several rounds and end in a smaller one.
ROUNDS = {"size": 3, "correctTarget": 2, "wrongTarget": 2}
ROUNDS_SAMPLES_PER_PROMPT = 8
ROUNDS_MAX_SAMPLES_PER_LEASE = 4
KINDS = ["shutdown", "engine-error", "timeout", "version-unavailable", "invalid-prompt", "other"]
COUNTED_KINDS = ["timeout", "invalid-prompt", "other"]  # kinds that use an attempt (docs/limits.md)

SIZES = {
    # kills, worker deaths, disk-full phases, workers, prompts per iteration
    "full": dict(kills=100, deaths=1000, disk_phases=2, workers=16, prompts=200, kill_gap=(1.5, 5.0)),
    "short": dict(kills=10, deaths=100, disk_phases=1, workers=6, prompts=40, kill_gap=(0.8, 2.5)),
    # the self-check: only long enough for the planted double count to be stored
    "tiny": dict(kills=3, deaths=20, disk_phases=0, workers=4, prompts=20, kill_gap=(0.8, 2.0)),
}
LEASE_SECONDS = 3
MAX_ATTEMPTS = 5
# The identities of --tokens: the workers alternate between two, so that
# leases of one are forged by the other; the killer has its own.
WORKER_IDENTITIES = ("chaos-worker-a", "chaos-worker-b")
SURVIVOR = "chaos-survivor"
OPERATOR = "chaos-operator"
READER = "chaos-reader"
TOKEN_ROLES = {**{name: "worker" for name in WORKER_IDENTITIES}, SURVIVOR: "worker",
               OPERATOR: "operator", READER: "reader"}


def log(message: str) -> None:
    print(message, flush=True)


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def content_key(samples: list[dict]) -> str:
    """What identifies a result's stored content: its samples as the traces keep them."""
    rows = sorted((s["sampleIndex"], s["response"], float(s["reward"]), s.get("gradNorm"),
                   s["completionTokens"], s["finishReason"]) for s in samples)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def round_course(cap: int, size: int, rewards: dict[int, float], failed: dict[int, int],
                 correct_target: int, wrong_target: int) -> tuple[str | None, int, int, str | None]:
    """The course the rules of rounds give a prompt in the sample stage,
    replayed from what was stored: `rewards` maps each stored sample index
    to its reward (accepted, that is correct, when > 0; every GRPO result
    carries every sample), `failed` each failed unit's firstSampleIndex to
    its sampleCount. Rounds of `size` from index 0 (the last one smaller, at
    the cap); after each the prompt stops with 2 correct and 2 wrong (the
    targets) so far ("enough"), else at its cap ("cap"); a round whose unit
    failed stops it ("failed"). Returns (roundStop, drawn, rounds, problem):
    problem is set, and roundStop None, when a round is neither stored whole
    nor a failed unit."""
    drawn = correct = wrong = rounds = 0
    if cap <= 0:
        return "cap", 0, 0, None
    while True:
        first, count = drawn, min(size, cap - drawn)
        drawn += count
        rounds += 1
        if failed.get(first) == count:
            return "failed", drawn, rounds, None
        missing = [i for i in range(first, drawn) if i not in rewards]
        if missing:
            return None, first, rounds, (f"round {first}..{drawn - 1} is neither stored whole (missing sample "
                                         f"{missing}) nor a failed unit")
        for index in range(first, drawn):
            if rewards[index] > 0:
                correct += 1
            else:
                wrong += 1
        if correct >= correct_target and wrong >= wrong_target:
            return "enough", drawn, rounds, None
        if drawn >= cap:
            return "cap", drawn, rounds, None


class Ledger:
    """What the suite sent and what it was told, per lease; the checks compare
    it with what the coordinator stored."""

    def __init__(self):
        self.lock = threading.Lock()
        self.leases: dict[str, dict] = {}        # leaseId -> lease as granted
        self.acked: dict[str, str] = {}          # leaseId -> content key acknowledged
        self.fresh_acks: Counter = Counter()     # leaseId -> receipts with duplicate false
        self.possible: dict[str, set] = defaultdict(set)  # leaseId -> keys whose answer was lost
        self.held: dict[tuple, dict] = {}        # unit key -> {leaseId, expires} the suite still holds
        self.abandoned: set[str] = set()          # leases of workers that died
        self.run_names: dict[int, str] = {}       # runId -> "plain run" or "rounds run"
        self.owners: dict[str, str | None] = {}   # leaseId -> the identity it was granted to (--tokens)
        self.counts: Counter = Counter()
        self.violations: list[str] = []

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)
        log(f"VIOLATION: {text}")

    def count(self, name: str, by: int = 1) -> None:
        with self.lock:
            self.counts[name] += by

    def outcome(self, name: str, status: int | None) -> None:
        """One fault tried: counted in all and by the status it got (None: answer lost)."""
        with self.lock:
            self.counts[name] += 1
            self.counts[f"{name}, {status or 'no answer'}"] += 1

    @staticmethod
    def unit_key(lease: dict) -> tuple:
        return (lease["runId"], lease["iteration"], lease["stage"], lease["promptId"], lease["firstSampleIndex"])

    def granted(self, lease: dict, asked_at: float, owner: str | None = None) -> None:
        key = self.unit_key(lease)
        with self.lock:
            before = self.held.get(key)
            self.leases[lease["leaseId"]] = lease
            self.owners[lease["leaseId"]] = owner
            self.held[key] = {"leaseId": lease["leaseId"], "expires": parse_time(lease["expiresAt"]),
                              "kills": self.counts["kills"], "at": asked_at}
            self.counts[f"leases granted ({self.run_names.get(lease['runId'], lease['runId'])})"] += 1
        # The coordinator's expiry is at least the one it reported (whole
        # seconds, rounded down); a grant asked for before that is too early.
        if before is not None and before["kills"] != self.counts["kills"]:
            with self.lock:
                self.counts["expiries checked across a restart"] += 1
        if before is not None and asked_at < before["expires"] - 0.25:
            self.violation(f"unit {key} leased again ({lease['leaseId']}) {before['expires'] - asked_at:.2f} s "
                           f"before lease {before['leaseId']} expired (that lease was asked for "
                           f"{asked_at - before['at']:.2f} s earlier; kills since: {self.counts['kills'] - before['kills']})")

    def extended(self, lease_id: str, expires_at: str) -> None:
        with self.lock:
            lease = self.leases.get(lease_id)
            if lease is not None:
                held = self.held.get(self.unit_key(lease))
                if held is not None and held["leaseId"] == lease_id:
                    held["expires"] = max(held["expires"], parse_time(expires_at))

    def let_go(self, lease_id: str) -> None:
        """The suite no longer knows when the unit may be leased again (released,
        delivered, or a request whose answer was lost)."""
        with self.lock:
            lease = self.leases.get(lease_id)
            if lease is not None:
                key = self.unit_key(lease)
                if self.held.get(key, {}).get("leaseId") == lease_id:
                    del self.held[key]

    def result_answer(self, lease_id: str, samples: list[dict], status: int | None, receipt: dict | None) -> None:
        key = content_key(samples)
        # No answer, or a 503 for a storage failure (not a full disk), leaves
        # it open whether the body was stored; a full disk's 503 says not.
        uncertain = status == 503 and "nothing was stored" not in json.dumps(receipt)
        if status is None or uncertain:
            with self.lock:
                self.possible[lease_id].add(key)
            if uncertain:
                self.count("503 storage failures")
            self.let_go(lease_id)
            return
        if status == 200:
            assert receipt is not None
            with self.lock:
                previous = self.acked.get(lease_id)
                self.acked.setdefault(lease_id, key)
                if not receipt.get("duplicate"):
                    self.fresh_acks[lease_id] += 1
                fresh = self.fresh_acks[lease_id]
            if previous is not None and previous != key:
                self.violation(f"lease {lease_id}: two different bodies were both acknowledged")
            if fresh > 1 and not receipt.get("duplicate"):
                self.violation(f"lease {lease_id}: acknowledged as new {fresh} times")
            if receipt.get("recordedSamples") != len(samples):
                self.violation(f"lease {lease_id}: receipt records {receipt.get('recordedSamples')} of {len(samples)} samples")
            self.let_go(lease_id)
        elif status in (409, 404):
            self.let_go(lease_id)


class Chaos:
    def __init__(self, args, binary: str, workdir: str, size: dict):
        self.args, self.binary, self.workdir, self.size = args, binary, workdir, size
        self.rng = random.Random(args.seed)
        self.ledger = Ledger()
        self.db_dir = os.path.join(workdir, "db")
        os.makedirs(self.db_dir)
        self.mounted = False              # the database is on the test's tmpfs
        self.disk_mode: str | None = None  # "tmpfs" or "ceiling": how the disk fills up
        self.db_path = os.path.join(self.db_dir, "gvm.sqlite")
        self.log_path = os.path.join(workdir, "coordinator.log")
        self.coordinator: Coordinator | None = None
        self.port = 0
        self.up = threading.Event()
        self.calm = threading.Event()     # faults stop
        self.stop = threading.Event()     # workers stop
        self.disk_full = threading.Event()
        self.coordinator_lock = threading.Lock()
        self.late_pool: list[tuple[dict, list[dict]]] = []
        self.others: list[str] = []       # leases held by some worker, for forged results
        self.pool_lock = threading.Lock()
        self.poison: set[int] = set()
        self.round_poison: dict[int, int] = {}  # promptId -> the first sample index poisoned in the rounds run
        self.run_id = 0                   # the plain run
        self.rounds_run_id = 0            # the run in rounds
        self.models = [MODEL, ROUNDS_MODEL]
        # --tokens: identity -> token, and the file the coordinator reads; empty and None without.
        self.tokens: dict[str, str] = {}
        self.tokens_file: str | None = None
        if args.tokens:
            self.tokens_file = os.path.join(workdir, "tokens.json")
            self.tokens = write_tokens_file(self.tokens_file, TOKEN_ROLES)
        self.started = time.monotonic()

    # -- the coordinator ---------------------------------------------------

    def start_coordinator(self, serve_args: list[str] | None = None) -> None:
        self.coordinator = Coordinator(self.db_path, self.log_path, port=self.port, binary_path=self.binary,
                                       serve_args=serve_args, tokens_file=self.tokens_file)
        self.port = self.coordinator.port
        self.up.set()

    def kill_coordinator(self) -> None:
        self.up.clear()
        assert self.coordinator is not None
        self.coordinator.process.send_signal(signal.SIGKILL)
        self.coordinator.process.wait()
        self.coordinator.log_file.close()
        self.ledger.count("kills")

    def restart(self, serve_args: list[str] | None = None) -> None:
        for attempt in range(50):
            try:
                self.start_coordinator(serve_args)
                self.ledger.count("restarts")
                return
            except RuntimeError as error:  # the port may still be held for a moment
                if attempt == 49:
                    raise
                log(f"restart failed ({error}); again")
                time.sleep(0.2)

    def client(self, identity: str | None = OPERATOR, timeout: float = 10) -> Client:
        """A connection presenting `identity`'s token (with --tokens; None: no token)."""
        return Client("127.0.0.1", self.port, timeout=timeout, token=self.tokens.get(identity or ""))

    def worker_identity(self, number: int) -> str | None:
        return WORKER_IDENTITIES[number % len(WORKER_IDENTITIES)] if self.tokens else None

    def owner_token(self, lease_id: str) -> str | None:
        """The token of the identity a lease was granted to (None without --tokens)."""
        return self.tokens.get(self.ledger.owners.get(lease_id) or "")

    def call(self, client: Client, method: str, path: str, payload=None, token: str | None = None):
        """(status, decoded body) or (None, None) when the answer was lost.
        `token` presents another token than the client's."""
        body = None if payload is None else json.dumps(payload).encode()
        try:
            status, data = client.request(method, path, body, token=token)
        except (OSError, http.client.HTTPException):
            client.close()
            return None, None
        if status == 503:
            self.ledger.count("503")
        self.ledger.count(f"HTTP {status} answers")
        try:
            return status, (json.loads(data) if data else None)
        except ValueError:
            return status, None

    def wait_up(self) -> None:
        while not self.up.wait(0.05):
            if self.stop.is_set():
                return

    # -- setup --------------------------------------------------------------

    def mount_disk(self) -> None:
        if self.args.no_disk_full:
            log("disk-full phase: skipped (--no-disk-full)")
            return
        self.disk_mode = "ceiling"
        if self.args.disk_ceiling:
            log("disk-full phase: a database size ceiling (--disk-ceiling)")
            return
        if os.geteuid() != 0:
            log("disk-full phase: a database size ceiling (mounting a tmpfs needs root)")
            return
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.args.tmpfs_mib}m", "tmpfs", self.db_dir],
                                capture_output=True, text=True)
        if result.returncode != 0:
            log(f"disk-full phase: a database size ceiling (mount refused: {result.stderr.strip()})")
            return
        self.mounted, self.disk_mode = True, "tmpfs"
        log(f"database on a {self.args.tmpfs_mib} MiB tmpfs at {self.db_dir}")

    def unmount_disk(self) -> None:
        if self.mounted:
            if self.args.keep or self.ledger.violations:
                shutil.copytree(self.db_dir, os.path.join(self.workdir, "db-copy"), dirs_exist_ok=True)
            subprocess.run(["umount", self.db_dir], check=False)
            self.mounted = False

    def create_run(self) -> None:
        client = self.client(OPERATOR)
        prompts = self.size["prompts"]
        dataset = prompts * 4
        lines = [json.dumps({"problem": f"Chaos problem {i}: what is {i} + 1 - {i}?", "answer": "1"})
                 for i in range(dataset)]
        client.json("POST", "/v1/datasets?name=chaos", raw=("\n".join(lines) + "\n").encode(),
                    content_type="application/x-ndjson")
        run = client.json("POST", "/v1/runs", {
            "dataset": "chaos", "model": MODEL, "strategy": "gvm", "algorithm": "grpo",
            "presamples": 2, "samplesPerPrompt": 4, "maxSamplesPerLease": 2,
            "promptsPerIteration": prompts, "iterations": 100000, "leaseSeconds": LEASE_SECONDS,
            "maxAttemptsPerUnit": MAX_ATTEMPTS, "seed": self.args.seed,
        })
        self.run_id = run["runId"]
        rounds_run = client.json("POST", "/v1/runs", {
            "dataset": "chaos", "model": ROUNDS_MODEL, "strategy": "gvm", "algorithm": "grpo",
            "presamples": 2, "samplesPerPrompt": ROUNDS_SAMPLES_PER_PROMPT,
            "maxSamplesPerLease": ROUNDS_MAX_SAMPLES_PER_LEASE, "rounds": ROUNDS,
            "promptsPerIteration": prompts, "iterations": 100000, "leaseSeconds": LEASE_SECONDS,
            "maxAttemptsPerUnit": MAX_ATTEMPTS, "seed": self.args.seed + 1,
        })
        self.rounds_run_id = rounds_run["runId"]
        if rounds_run["configuration"].get("rounds") != ROUNDS:
            self.ledger.violation(f"the rounds run stored rounds {rounds_run['configuration'].get('rounds')}, "
                                  f"not {ROUNDS}")
        self.ledger.run_names.update({self.run_id: "plain run", self.rounds_run_id: "rounds run"})
        if self.disk_mode == "ceiling":
            # The ceiling (at least 1 MiB) only freezes a file already past it.
            ballast = [json.dumps({"problem": f"Ballast {i}: " + "x" * 32768, "answer": "1"}) for i in range(64)]
            client.json("POST", "/v1/datasets?name=ballast", raw=("\n".join(ballast) + "\n").encode(),
                        content_type="application/x-ndjson")
            log(f"ballast: the database is {os.path.getsize(self.db_path) / 2**20:.1f} MiB before the WAL is copied back")
        self.poison = set(self.rng.sample(range(dataset), max(2, dataset // 50)))
        # Poison in the rounds run's sample stage alone, from the first round (index 0) or the second.
        rest = sorted(set(range(dataset)) - self.poison)
        self.round_poison = {prompt: self.rng.choice([0, ROUNDS["size"]])
                             for prompt in self.rng.sample(rest, max(2, dataset // 16))}
        client.close()
        log(f"run {self.run_id} (plain, model {MODEL}): gvm/grpo, {prompts} prompts per iteration of {dataset}, "
            f"presamples 2, 4 samples per prompt, leases of at most 2 samples for {LEASE_SECONDS} s, "
            f"{len(self.poison)} poison prompts")
        log(f"run {self.rounds_run_id} (rounds, model {ROUNDS_MODEL}): the same, but {ROUNDS_SAMPLES_PER_PROMPT} "
            f"samples per prompt drawn in rounds {json.dumps(ROUNDS)}, leases of at most "
            f"{ROUNDS_MAX_SAMPLES_PER_LEASE} samples, {len(self.round_poison)} more prompts poison in its "
            f"sample stage")

    # -- simulated workers ----------------------------------------------------

    def samples_for(self, lease: dict, rng: random.Random, variant: str) -> list[dict]:
        samples = []
        for index in range(lease["firstSampleIndex"], lease["firstSampleIndex"] + lease["sampleCount"]):
            correct = rng.random() < 0.6
            sample = {"sampleIndex": index,
                      "response": f"{variant} {lease['leaseId'][:8]} #{index}: "
                                  f"{rng.randint(0, 10**9)} so the answer is \\boxed{{{1 if correct else 2}}}.",
                      "reward": 1.0 if correct else 0.0, "completionTokens": rng.randint(5, 400),
                      "finishReason": rng.choice(["stop", "stop", "length"])}
            if correct:
                sample["gradNorm"] = round(rng.uniform(0.1, 3.0), 6)
            samples.append(sample)
        return samples

    def deliver(self, client: Client, lease: dict, samples: list[dict], retry: bool = True,
                allowed=(200, 409, 404, 503), token: str | None = None) -> int | None:
        """Posts a result; while the coordinator is down or the disk full,
        tries again (as a worker does) when `retry`. Its final status.
        `token` presents another token than the client's (the lease owner's)."""
        lease_id = lease["leaseId"]
        payload = {"generated": len(samples), "generatedTokens": sum(s["completionTokens"] for s in samples),
                   "samples": samples}
        self.ledger.let_go(lease_id)
        while True:
            status, body = self.call(client, "POST", f"/v1/leases/{lease_id}/result", payload, token=token)
            self.ledger.result_answer(lease_id, samples, status, body)
            if status in (None, 503) and retry and not self.stop.is_set():
                time.sleep(0.1 + 0.2 * random.random())
                self.wait_up()
                continue
            if status is not None and status not in allowed:
                self.ledger.violation(f"result for {lease_id}: unexpected {status}: {body}")
            return status

    def release(self, client: Client, lease: dict, kind: str | None) -> int | None:
        # From here the unit may be leased again at any moment.
        self.ledger.let_go(lease["leaseId"])
        payload = {"reason": f"chaos {kind or 'no kind'}"}
        if kind is not None:
            payload["kind"] = kind
        while True:
            status, body = self.call(client, "POST", f"/v1/leases/{lease['leaseId']}/release", payload)
            if status in (None, 503) and not self.stop.is_set():
                self.ledger.let_go(lease["leaseId"])
                time.sleep(0.1 + 0.2 * random.random())
                self.wait_up()
                continue
            if status == 200 or status == 204:
                self.ledger.count(f"release {kind or 'none'}")
            elif status not in (409, 404):
                self.ledger.violation(f"release of {lease['leaseId']}: unexpected {status}: {body}")
            self.ledger.let_go(lease["leaseId"])
            return status

    def worker(self, number: int) -> None:
        rng = random.Random(self.args.seed * 1000 + number)
        generation = 0
        identity = self.worker_identity(number)
        client = self.client(identity)
        while not self.stop.is_set():
            self.wait_up()
            name = f"chaos-{number}-{generation}"
            asked = time.time()
            # Each request names one run's model: the workers serve both runs.
            status, body = self.call(client, "POST", "/v1/leases",
                                     {"workerName": name, "model": rng.choice(self.models),
                                      "capacity": rng.randint(1, 4)})
            if status != 200:
                time.sleep(0.1 + 0.1 * rng.random())
                continue
            leases = body["leases"]
            for lease in leases:
                self.ledger.granted(lease, asked, identity)
            if not leases:
                time.sleep(0.05)
                continue
            with self.pool_lock:
                self.others = (self.others + [lease["leaseId"] for lease in leases])[-64:]
            calm = self.calm.is_set()
            if not calm and rng.random() < 0.12:
                # The worker dies holding these leases; one may come back late.
                self.ledger.count("worker deaths")
                self.ledger.count("leases abandoned", len(leases))
                self.ledger.count(f"leases abandoned ({self.ledger.run_names.get(leases[0]['runId'])})", len(leases))
                with self.ledger.lock:
                    self.ledger.abandoned.update(lease["leaseId"] for lease in leases)
                if rng.random() < 0.5:
                    lease = rng.choice(leases)
                    with self.pool_lock:
                        self.late_pool.append((lease, self.samples_for(lease, rng, "late")))
                generation += 1
                client.close()
                client = self.client(identity)
                continue
            for lease in leases:
                self.handle(client, lease, rng, calm)
            if not calm:
                self.side_faults(client, rng, identity)
        client.close()

    def handle(self, client: Client, lease: dict, rng: random.Random, calm: bool) -> None:
        round_poison = (lease["runId"] == self.rounds_run_id and lease["stage"] == "sample"
                        and lease["firstSampleIndex"] >= self.round_poison.get(lease["promptId"], 1 << 62))
        if (lease["promptId"] in self.poison or round_poison) and not calm:
            self.release(client, lease, rng.choice(COUNTED_KINDS))
            self.ledger.count("poison releases")
            self.ledger.count(f"poison releases ({self.ledger.run_names.get(lease['runId'])})")
            if rng.random() < 0.1:
                with self.pool_lock:
                    self.late_pool.append((lease, self.samples_for(lease, rng, "late")))
            return
        draw = rng.random() if not calm else 1.0
        if draw < 0.06:
            self.release(client, lease, rng.choice(KINDS + [None]))
            return
        if draw < 0.08:
            # A result that breaks the rules: nothing may be stored.
            samples = self.samples_for(lease, rng, "bad")
            bad = samples + [dict(samples[0], sampleIndex=lease["firstSampleIndex"] + lease["sampleCount"])]
            # (409 or 404 when the lease was lost first: that is checked before the body.)
            status = self.deliver(client, lease, bad, retry=False, allowed=(400, 404, 409, 503))
            self.ledger.outcome("invalid results", status)
        elif draw < 0.10:
            # A stall past the expiry; then the result, late.
            time.sleep(LEASE_SECONDS + rng.uniform(0.2, 1.5))
            self.ledger.count("stalled workers")
        elif draw < 0.30:
            status, body = self.call(client, "POST", f"/v1/leases/{lease['leaseId']}/heartbeat")
            if status == 200:
                self.ledger.extended(lease["leaseId"], body["expiresAt"])
                self.ledger.count("heartbeats")
        samples = self.samples_for(lease, rng, "ok")
        status = self.deliver(client, lease, samples)
        if status == 200 and not calm:
            draw = rng.random()
            if draw < 0.05:
                again = self.deliver(client, lease, samples, retry=False)
                self.ledger.outcome("repeats same body", again)
            elif draw < 0.08:
                again = self.deliver(client, lease, self.samples_for(lease, rng, "other"), retry=False)
                self.ledger.outcome("repeats different body", again)
                if again not in (409, None, 503):
                    self.ledger.violation(f"a different repeat for {lease['leaseId']} got {again}")

    def side_faults(self, client: Client, rng: random.Random, identity: str | None = None) -> None:
        draw = rng.random()
        if draw < 0.05:
            with self.pool_lock:
                late = self.late_pool.pop(rng.randrange(len(self.late_pool))) if self.late_pool else None
            if late is not None:
                # A dead worker's result comes back late under its own identity.
                status = self.deliver(client, late[0], late[1], retry=False,
                                      token=self.owner_token(late[0]["leaseId"]))
                self.ledger.outcome("late results", status)
        elif draw < 0.08:
            with self.pool_lock:
                target = rng.choice(self.others) if self.others else None
            lease = self.ledger.leases.get(target) if target else None
            if lease is not None and self.tokens and self.ledger.owners.get(target) != identity:
                self.other_identity(client, lease, rng, rng.choice(["result", "heartbeat", "release"]))
            elif lease is not None:
                status = self.deliver(client, lease, self.samples_for(lease, rng, "forged"), retry=False)
                self.ledger.outcome("results for another worker's lease", status)
        elif draw < 0.09:
            fake = {"leaseId": f"00000000-0000-4000-8000-{rng.randrange(16**12):012x}",
                    "runId": rng.choice([self.run_id, self.rounds_run_id]),
                    "iteration": 0, "stage": "sample", "promptId": 0, "firstSampleIndex": 0, "sampleCount": 1}
            status = self.deliver(client, fake, self.samples_for(fake, rng, "unknown"), retry=False)
            self.ledger.outcome("results for unknown leases", status)
            if status not in (404, None, 503):
                self.ledger.violation(f"a result for the unknown lease {fake['leaseId']} got {status}")

    # -- raw connections: stalls and cuts -------------------------------------

    def prodder(self) -> None:
        rng = random.Random(self.args.seed + 7)
        while not self.calm.is_set():
            time.sleep(rng.uniform(0.2, 1.0))
            if not self.up.is_set():
                continue
            with self.pool_lock:
                target = rng.choice(self.others) if self.others else None
            lease = self.ledger.leases.get(target) if target else None
            if lease is None:
                continue
            body = json.dumps({"generated": lease["sampleCount"],
                               "samples": self.samples_for(lease, rng, "cut")}).encode()
            # With --tokens, the owner's: a whole request may be stored.
            authorization = "".join(f"{k}: {v}\r\n" for k, v in bearer(self.owner_token(lease["leaseId"])).items())
            head = (f"POST /v1/leases/{lease['leaseId']}/result HTTP/1.1\r\nHost: 127.0.0.1\r\n{authorization}"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            draw = rng.random()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
                    if draw < 0.35:
                        raw.sendall(head[: rng.randrange(1, len(head))])
                        time.sleep(rng.uniform(0.5, 3.0))
                        self.ledger.count("stalled connections")
                    elif draw < 0.7:
                        raw.sendall(head + body[: rng.randrange(1, len(body))])
                        self.ledger.count("cut connections (body cut short)")
                    else:
                        # A whole result whose answer is never read: it may be stored.
                        samples = json.loads(body)["samples"]
                        self.ledger.result_answer(lease["leaseId"], samples, None, None)
                        raw.sendall(head + body)
                        self.ledger.count("cut connections (answer unread)")
            except OSError:
                pass

    # -- access (--tokens) ---------------------------------------------------------

    def refused(self, name: str, wanted: int, status: int | None, body, what: str) -> None:
        """An access invariant: `wanted` (401 or 403) is the only acceptable
        answer; a lost answer, or a 503 (storage, not access), proves nothing."""
        if status == wanted:
            self.ledger.count(f"{name} refused ({wanted})")
        elif status in (None, 503):
            self.ledger.count(f"{name} unchecked ({status or 'no answer'})")
        else:
            self.ledger.violation(f"{what}: {status}, not {wanted}: {json.dumps(body)[:200]}")

    def other_identity(self, client: Client, lease: dict, rng: random.Random, action: str) -> None:
        """`client`'s identity heartbeats, delivers or releases a lease granted
        to another identity: 403, and nothing changes (a refused result is
        never recorded as possible, so the checks find it if it was stored)."""
        lease_id = lease["leaseId"]
        what = f"{action} for lease {lease_id} of {self.ledger.owners.get(lease_id)} by another identity"
        if action == "result":
            samples = self.samples_for(lease, rng, "forged")
            status, body = self.call(client, "POST", f"/v1/leases/{lease_id}/result",
                                     {"generated": len(samples), "samples": samples})
            self.ledger.outcome("results for another worker's lease", status)
        elif action == "heartbeat":
            status, body = self.call(client, "POST", f"/v1/leases/{lease_id}/heartbeat")
        else:
            status, body = self.call(client, "POST", f"/v1/leases/{lease_id}/release",
                                     {"reason": "chaos: another identity's release", "kind": rng.choice(COUNTED_KINDS)})
        self.refused(f"{action}s for another identity's lease", 403, status, body, what)

    def check_access(self, client: Client) -> None:
        """After a restart, with --tokens: requests without a token or with an
        unknown one get 401, tokens outside their role 403, /healthz answers
        anyone, and the killer's identity (`client`) cannot touch a worker's lease."""
        with self.pool_lock:
            target = self.others[-1] if self.others else None
        lease = self.ledger.leases.get(target) if target else None
        routes = [("POST", "/v1/leases", {"workerName": "chaos-anonymous", "model": MODEL, "capacity": 1}),
                  ("GET", "/v1/status", None), ("GET", "/openapi.json", None),
                  ("POST", f"/v1/runs/{self.run_id}/pause", None)]
        if lease is not None:
            samples = self.samples_for(lease, self.rng, "anonymous")
            routes += [("POST", f"/v1/leases/{target}/heartbeat", None),
                       ("POST", f"/v1/leases/{target}/result", {"generated": len(samples), "samples": samples})]
        anonymous = self.client(None)
        for method, path, payload in routes:
            status, body = self.call(anonymous, method, path, payload)
            self.refused("requests without a token", 401, status, body, f"{method} {path} without a token")
        status, body = self.call(anonymous, "GET", "/v1/status", token=secrets.token_hex(32))
        self.refused("requests with an unknown token", 401, status, body, "GET /v1/status with an unknown token")
        status, body = self.call(client, "GET", "/v1/status")
        self.refused("requests outside the token's role", 403, status, body, "GET /v1/status with a worker token")
        status, body = self.call(anonymous, "POST", "/v1/leases", {"workerName": "chaos-reader", "model": MODEL,
                                                                   "capacity": 1}, token=self.tokens[READER])
        self.refused("requests outside the token's role", 403, status, body, "POST /v1/leases with a reader token")
        status, body = self.call(anonymous, "GET", "/healthz")
        if status == 200:
            self.ledger.count("health checks without a token (200)")
        elif status is not None:
            self.ledger.violation(f"GET /healthz without a token: {status}, not 200")
        anonymous.close()
        if lease is not None:
            for action in ("heartbeat", "result"):
                self.other_identity(client, lease, self.rng, action)

    # -- the killer -------------------------------------------------------------

    def survival_lease(self, client: Client) -> dict | None:
        # Between stages, or while the other workers hold every unit, there
        # is nothing to lease for a while: wait up to 3 s for one.
        deadline = time.monotonic() + 3
        models = self.rng.sample(self.models, len(self.models))  # either run's, first one at random
        while time.monotonic() < deadline:
            asked = time.time()
            models.append(models.pop(0))
            status, body = self.call(client, "POST", "/v1/leases", {"workerName": "chaos-survivor", "model": models[-1],
                                                                     "capacity": 1})
            if status == 200 and body["leases"]:
                lease = body["leases"][0]
                self.ledger.granted(lease, asked, SURVIVOR if self.tokens else None)
                return lease
            time.sleep(0.05)
        return None

    def killer(self) -> None:
        low, high = self.size["kill_gap"]
        client = self.client(SURVIVOR)
        while not self.calm.is_set():
            time.sleep(self.rng.uniform(low, high))
            if self.disk_full.is_set() or self.calm.is_set():
                continue
            # The check holds the lock too: the disk-full phase may restart
            # the coordinator, and the heartbeat must reach the one restarted here.
            with self.coordinator_lock:
                lease = self.survival_lease(client)
                self.kill_coordinator()
                client.close()
                self.restart()
                if lease is not None:
                    status, body = self.call(client, "POST", f"/v1/leases/{lease['leaseId']}/heartbeat")
                    if status == 200:
                        self.ledger.count("leases alive after a restart")
                        self.ledger.extended(lease["leaseId"], body["expiresAt"])
                    elif time.time() < parse_time(lease["expiresAt"]) - 0.25:
                        self.ledger.violation(f"lease {lease['leaseId']} was lost in a restart: heartbeat {status} {body}")
                    else:
                        self.ledger.count("survival checks skipped (expired during the restart)")
                if self.tokens:
                    self.check_access(client)
            if lease is not None:
                self.deliver(client, lease, self.samples_for(lease, self.rng, "survivor"))
            else:
                self.ledger.count("survival checks skipped (nothing to lease)")
            self.check_abandoned(client)
        client.close()

    def check_abandoned(self, client: Client) -> None:
        """Dead workers' leases whose expiry has not passed must still be there."""
        ledger = self.ledger
        with ledger.lock:
            alive = [dict(h) for h in ledger.held.values()
                     if h["leaseId"] in ledger.abandoned and h["expires"] > time.time() + 0.5]
        for held in alive[:3]:
            status, body = self.call(client, "POST", f"/v1/leases/{held['leaseId']}/heartbeat",
                                     token=self.owner_token(held["leaseId"]))
            if status == 200:
                ledger.count("dead workers' leases alive after a restart")
                ledger.extended(held["leaseId"], body["expiresAt"])
                continue
            with ledger.lock:
                still = any(h["leaseId"] == held["leaseId"] for h in ledger.held.values())
            if status is not None and still and time.time() < held["expires"] - 0.25:
                ledger.violation(f"lease {held['leaseId']} of a dead worker was lost in a restart: "
                                 f"heartbeat {status} {body}")

    # -- the disk ----------------------------------------------------------------

    def fill_disk(self) -> None:
        filler = os.path.join(self.db_dir, "filler")
        with self.coordinator_lock:
            self.disk_full.set()
            if self.disk_mode == "ceiling":
                # SQLite never lowers the ceiling below the file's size: it freezes there.
                self.kill_coordinator()
                self.restart(["--max-database-mib", "1"])
                log("disk full: the coordinator restarted with --max-database-mib 1")
            else:
                written = 0
                with open(filler, "wb", buffering=0) as f:
                    for block in (1 << 20, 1 << 12, 1):
                        chunk = b"\0" * block
                        while True:
                            try:
                                written += f.write(chunk)
                            except OSError as error:
                                if error.errno != errno.ENOSPC:
                                    raise
                                break
                log(f"disk full: {written / 2**20:.1f} MiB of filler")
        before = self.ledger.counts["503"]
        # The log may have room left in its file, so writes can go on for a
        # while on a full disk; the first 503s come when it must grow.
        deadline = time.monotonic() + 90
        while self.ledger.counts["503"] - before < 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        seen = self.ledger.counts["503"] - before
        acks_before = sum(self.ledger.fresh_acks.values())
        if self.disk_mode == "ceiling":
            with self.coordinator_lock:
                self.kill_coordinator()
                self.restart()
        else:
            os.remove(filler)
        self.disk_full.clear()
        self.ledger.count("disk-full phases")
        deadline = time.monotonic() + 30
        while sum(self.ledger.fresh_acks.values()) == acks_before and time.monotonic() < deadline:
            time.sleep(0.2)
        resumed = sum(self.ledger.fresh_acks.values()) - acks_before
        log(f"disk freed: {seen} 503s while full; results taken again: {resumed > 0}")
        if seen == 0:
            self.ledger.violation("the full disk produced no 503")
        if resumed == 0:
            self.ledger.violation("no result was taken after the disk was freed")

    # -- the whole run --------------------------------------------------------------

    def reached(self) -> bool:
        c = self.ledger.counts
        return c["kills"] >= self.size["kills"] and c["worker deaths"] >= self.size["deaths"]

    def run(self) -> int:
        self.mount_disk()
        self.start_coordinator()
        log(f"coordinator {self.binary} on 127.0.0.1:{self.port}, database {self.db_path}")
        self.create_run()
        threads = [threading.Thread(target=self.worker, args=(n,), daemon=True) for n in range(self.size["workers"])]
        threads += [threading.Thread(target=self.prodder, daemon=True)]
        killer = threading.Thread(target=self.killer, daemon=True)
        for thread in threads + [killer]:
            thread.start()
        phases = self.size["disk_phases"] if self.disk_mode else 0
        next_report = time.monotonic() + 30
        while not self.reached():
            time.sleep(0.5)
            elapsed = time.monotonic() - self.started
            if phases and self.ledger.counts["kills"] >= (self.ledger.counts["disk-full phases"] + 1) * self.size["kills"] / (phases + 1):
                if self.ledger.counts["disk-full phases"] < phases:
                    self.fill_disk()
            if time.monotonic() > next_report:
                c = self.ledger.counts
                log(f"{elapsed:.0f} s: {c['kills']} kills, {c['worker deaths']} worker deaths, "
                    f"{sum(self.ledger.fresh_acks.values())} results taken, {c['503']} 503s")
                next_report += 30
            if elapsed > self.args.max_seconds:
                log(f"stopping after {elapsed:.0f} s without reaching the minimums")
                break
        while self.ledger.counts["disk-full phases"] < phases:
            self.fill_disk()
        log("faults stop; the workers finish the iteration in progress")
        self.calm.set()
        killer.join()
        self.finish_iteration()
        self.stop.set()
        for thread in threads:
            thread.join(timeout=LEASE_SECONDS + 15)
        # Everything acknowledged must survive one more SIGKILL.
        with self.coordinator_lock:
            self.kill_coordinator()
            self.restart()
        self.check()
        assert self.coordinator is not None
        self.coordinator.stop()
        self.up.clear()
        self.check_integrity()
        self.unmount_disk()
        return self.report()

    def finish_iteration(self) -> None:
        """Each run finishes the iteration in progress and is paused."""
        client = self.client(OPERATOR)
        for run_id in (self.run_id, self.rounds_run_id):
            status, run = self.call(client, "GET", f"/v1/runs/{run_id}")
            current = run["iteration"] if status == 200 else 0
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                status, body = self.call(client, "GET", f"/v1/runs/{run_id}/iterations/{current}/wait?timeoutSeconds=5")
                if status == 200 and body.get("done"):
                    break
            else:
                self.ledger.violation(f"run {run_id}: iteration {current} did not finish within 120 s of calm")
            self.call(client, "POST", f"/v1/runs/{run_id}/pause")
        client.close()

    # -- the checks -------------------------------------------------------------------

    def fetch_jsonl(self, client: Client, path: str) -> list[dict]:
        status, data = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}")
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]

    def check(self) -> None:
        ledger = self.ledger
        client = self.client(READER, timeout=120)  # with --tokens, a reader reads it all
        by_lease: dict[str, list[dict]] = defaultdict(list)
        for run_id in (self.run_id, self.rounds_run_id):
            self.check_run(client, run_id, by_lease)
        client.close()
        for lease_id, key in ledger.acked.items():
            stored = by_lease.get(lease_id)
            if not stored:
                ledger.violation(f"acknowledged result of lease {lease_id} is not stored")
            elif content_key(stored) != key:
                ledger.violation(f"lease {lease_id}: stored traces differ from the acknowledged body")
        for lease_id, stored in by_lease.items():
            if lease_id in ledger.acked:
                continue
            if content_key(stored) not in ledger.possible.get(lease_id, set()):
                ledger.violation(f"lease {lease_id}: traces stored that no acknowledged or unanswered result sent")
        ledger.count("acknowledged results checked", len(ledger.acked))

    def check_run(self, client: Client, run_id: int, by_lease: dict[str, list[dict]]) -> None:
        ledger = self.ledger
        rounds = run_id == self.rounds_run_id
        name = ledger.run_names[run_id]
        iterations = client.json("GET", f"/v1/runs/{run_id}/iterations")["iterations"]
        seen_samples: set = set()
        finished = 0
        for summary in iterations:
            t = summary["iteration"]
            traces = self.fetch_jsonl(client, f"/v1/runs/{run_id}/iterations/{t}/traces")
            per_prompt: dict[tuple, list[dict]] = defaultdict(list)
            for trace in traces:
                key = (t, trace["stage"], trace["promptId"], trace["sampleIndex"])
                if key in seen_samples:
                    ledger.violation(f"run {run_id}: sample {key} is stored twice")
                seen_samples.add(key)
                by_lease[trace["leaseId"]].append(trace)
                per_prompt[(trace["stage"], trace["promptId"])].append(trace)
            records = client.json("GET", f"/v1/runs/{run_id}/iterations/{t}/prompts")["prompts"]
            done = summary["stage"] == "done"
            finished += done
            unspent: dict[int, int] = {}
            for record in records:
                prompt = record["promptId"]
                for stage in ("presample", "sample"):
                    stats = record.get(stage) or {"samples": 0, "accepted": 0, "gradNormSum": 0}
                    stored = per_prompt.get((stage, prompt), [])
                    accepted = [s for s in stored if s["reward"] > 0]
                    norm = sum(s["gradNorm"] or 0 for s in accepted)
                    if (stats["samples"], stats["accepted"]) != (len(stored), len(accepted)) or \
                            abs(stats["gradNormSum"] - norm) > 1e-6 * max(1, norm):
                        ledger.violation(f"run {run_id} iteration {t} prompt {prompt} {stage}: statistics "
                                         f"{stats['samples']}/{stats['accepted']}/{stats['gradNormSum']:.6f} but traces "
                                         f"{len(stored)}/{len(accepted)}/{norm:.6f}")
                    # In rounds the sample stage draws only what it needs: checked below.
                    if done and not (rounds and stage == "sample"):
                        failed = sum(u["sampleCount"] for u in record.get("failedUnits", []) if u["stage"] == stage)
                        expected = 2 if stage == "presample" else record.get("allocatedCount") or 0
                        if len(stored) + failed != expected:
                            ledger.violation(f"run {run_id} iteration {t} prompt {prompt} {stage}: {len(stored)} "
                                             f"traces + {failed} failed samples, expected {expected}")
                ledger.count("failed units", len(record.get("failedUnits", [])))
                if prompt in self.poison or (rounds and prompt in self.round_poison):
                    ledger.count("poison units failed", len(record.get("failedUnits", [])))
                    ledger.count(f"poison units failed ({name})", len(record.get("failedUnits", [])))
                if rounds:
                    unspent[prompt] = self.check_rounds(t, record, per_prompt.get(("sample", prompt), []), done)
                elif record.get("roundStop") is not None or record.get("unspent") is not None:
                    ledger.violation(f"run {run_id} (no rounds) iteration {t} prompt {prompt}: roundStop "
                                     f"{record.get('roundStop')}, unspent {record.get('unspent')}")
            if rounds:
                alone = client.json("GET", f"/v1/runs/{run_id}/iterations/{t}")
                if summary.get("unspent") != sum(unspent.values()) or alone.get("unspent") != summary.get("unspent"):
                    ledger.violation(f"run {run_id} iteration {t}: unspent {summary.get('unspent')} in the list, "
                                     f"{alone.get('unspent')} alone, but its prompts' sum to {sum(unspent.values())}")
            elif summary.get("unspent") is not None:
                ledger.violation(f"run {run_id} (no rounds) iteration {t}: unspent {summary['unspent']}")
            if summary["stage"] in ("sample", "done"):
                allocation = client.json("GET", f"/v1/runs/{run_id}/iterations/{t}/allocation")
                if sum(allocation["counts"]) != allocation["budget"] - allocation["unallocated"]:
                    ledger.violation(f"run {run_id} iteration {t}: allocations sum to {sum(allocation['counts'])}, "
                                     f"budget {allocation['budget']} less unallocated {allocation['unallocated']}")
                if rounds:
                    exported = allocation.get("unspentCounts") or []
                    wrong = [p for p in range(len(allocation["counts"]))
                             if (exported[p] if p < len(exported) else None) != unspent.get(p, 0)]
                    if len(exported) != len(allocation["counts"]) or wrong:
                        ledger.violation(f"run {run_id} iteration {t}: the export's unspentCounts ({len(exported)} "
                                         f"entries) disagree with the prompts' unspent at {wrong[:5]}")
                    if allocation.get("unspent") != summary.get("unspent"):
                        ledger.violation(f"run {run_id} iteration {t}: the export's unspent "
                                         f"{allocation.get('unspent')}, the summary's {summary.get('unspent')}")
                elif "unspentCounts" in allocation or "unspent" in allocation:
                    ledger.violation(f"run {run_id} (no rounds) iteration {t}: the export has unspent figures")
                ledger.count("allocations checked")
        # The status entry reports the current iteration's unspent.
        entry = next((r for r in client.json("GET", "/v1/status")["runs"] if r["runId"] == run_id), None)
        current = next((s for s in iterations if entry and s["iteration"] == entry["iteration"]), None)
        if entry is None or current is None:
            ledger.violation(f"run {run_id}: missing from the status, or its current iteration from the list")
        elif entry.get("unspent") != current.get("unspent"):
            ledger.violation(f"run {run_id}: the status reports unspent {entry.get('unspent')}, its iteration "
                             f"{current['iteration']} {current.get('unspent')}")
        ledger.count("iterations finished", finished)
        ledger.count(f"iterations finished ({name})", finished)
        ledger.count("traces stored", len(seen_samples))

    def check_rounds(self, t: int, record: dict, stored: list[dict], done: bool) -> int:
        """A prompt's sample stage in the rounds run; returns its unspent (0 while drawing)."""
        ledger = self.ledger
        where = f"rounds run {self.rounds_run_id} iteration {t} prompt {record['promptId']}"
        cap, stop, unspent = record.get("allocatedCount"), record.get("roundStop"), record.get("unspent")
        failed = {u["firstSampleIndex"]: u["sampleCount"]
                  for u in record.get("failedUnits", []) if u["stage"] == "sample"}
        drawn = len(stored) + sum(failed.values())
        if cap is None:  # not allocated yet
            if drawn or stop is not None or unspent is not None:
                ledger.violation(f"{where}: not allocated, but drew {drawn}, roundStop {stop}, unspent {unspent}")
            return 0
        if drawn > cap:
            ledger.violation(f"{where}: drew {drawn} ({len(stored)} traces + {sum(failed.values())} failed) "
                             f"of a cap of {cap}")
        if (stop is None) != (unspent is None):
            ledger.violation(f"{where}: roundStop {stop} but unspent {unspent}")
        if stop is None:
            if done:
                ledger.violation(f"{where}: the iteration is finished but the prompt never stopped "
                                 f"(drew {drawn} of {cap})")
            return 0
        unspent = unspent or 0
        if drawn + unspent != cap:
            ledger.violation(f"{where}: {len(stored)} traces + {sum(failed.values())} failed samples + unspent "
                             f"{unspent} != cap {cap} (roundStop {stop})")
        course, course_drawn, rounds, problem = round_course(
            cap, ROUNDS["size"], {s["sampleIndex"]: s["reward"] for s in stored}, failed,
            ROUNDS["correctTarget"], ROUNDS["wrongTarget"])
        if problem is not None:
            ledger.violation(f"{where} (cap {cap}, roundStop {stop}, drew {drawn}): {problem}")
        elif (course, course_drawn) != (stop, drawn):
            rewards = "".join("+" if s["reward"] > 0 else "-" for s in sorted(stored, key=lambda s: s["sampleIndex"]))
            ledger.violation(f"{where}: stopped '{stop}' after {drawn} of {cap}, but the rule stops it '{course}' "
                             f"after {course_drawn} (rewards in index order {rewards}, failed units {failed})")
        ledger.count(f"rounds run: prompts stopped ({stop})")
        ledger.count("rounds run: rounds", rounds)
        ledger.count("rounds run: second and later rounds", max(rounds - 1, 0))
        ledger.count("rounds run: unspent samples", unspent)
        if stop == "enough" and unspent > 0:
            ledger.count("rounds run: prompts stopped early")
        if stop == "failed" and failed and record["promptId"] in self.round_poison:
            first = max(failed)
            ledger.count(f"rounds run: poison prompts stopped (failed) in round {first // ROUNDS['size'] + 1}")
        return unspent

    def check_integrity(self) -> None:
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        answer = [row[0] for row in db.execute("PRAGMA integrity_check")]
        db.close()
        if answer != ["ok"]:
            self.ledger.violation(f"PRAGMA integrity_check: {answer[:5]}")
        log(f"PRAGMA integrity_check: {answer[0]}")

    def report(self) -> int:
        c = self.ledger.counts
        c["results acknowledged (new)"] = sum(self.ledger.fresh_acks.values())
        elapsed = time.monotonic() - self.started
        log(f"\nseed {self.args.seed}, size {self.args.size}{', with tokens' if self.tokens else ''}, "
            f"{elapsed:.0f} s, binary {self.binary}, "
            f"commit {git_revision()}")
        for name in sorted(c):
            log(f"  {name}: {c[name]}")
        short = []
        for name, need in (("kills", self.size["kills"]), ("restarts", self.size["kills"]),
                           ("worker deaths", self.size["deaths"])):
            if c[name] < need:
                short.append(f"{name} {c[name]} < {need}")
        wanted = ["late results", "results for another worker's lease", "results for unknown leases",
                  "poison units failed", "stalled workers", "stalled connections", "cut connections (body cut short)",
                  "cut connections (answer unread)", "repeats same body", "repeats different body",
                  "invalid results", "leases alive after a restart", "dead workers' leases alive after a restart",
                  "expiries checked across a restart"] + [f"release {k}" for k in KINDS + ["none"]]
        # Both runs did real work, and the rounds run stopped prompts early.
        wanted += ["leases granted (plain run)", "leases granted (rounds run)", "iterations finished (plain run)",
                   "iterations finished (rounds run)", "rounds run: second and later rounds",
                   "rounds run: prompts stopped (enough)", "rounds run: prompts stopped early",
                   "rounds run: prompts stopped (failed)", "rounds run: unspent samples"]
        if self.disk_mode:
            wanted += ["503", "disk-full phases"]
        if self.tokens:
            wanted += ["requests without a token refused (401)", "requests with an unknown token refused (401)",
                       "requests outside the token's role refused (403)", "health checks without a token (200)",
                       "heartbeats for another identity's lease refused (403)",
                       "results for another identity's lease refused (403)"]
        short += [f"{name} 0" for name in wanted if c[name] == 0]
        if short and not self.args.expect_violations:
            log("minimums not reached: " + ", ".join(short))
        violations = len(self.ledger.violations)
        for text in self.ledger.violations[:20]:
            log(f"  violation: {text}")
        log(f"{violations} invariant violations")
        if self.args.expect_violations:
            return 0 if violations > 0 else 1
        return 0 if violations == 0 and not short else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", dest="size", action="store_const", const="full", help="full size (the default)")
    size.add_argument("--short", dest="size", action="store_const", const="short", help="about 10 kills, 100 deaths")
    size.add_argument("--tiny", dest="size", action="store_const", const="tiny",
                      help="3 kills, 20 deaths: for the self-check (--expect-violations)")
    parser.set_defaults(size="full")
    parser.add_argument("--seed", type=int, default=None, help="seed of every draw (default: from the clock)")
    parser.add_argument("--expect-violations", action="store_true",
                        help="self-check: exit 0 only if violations were found (GVM_FAULT_DOUBLE_COUNT on a debug build)")
    parser.add_argument("--max-seconds", type=float, default=None, help="give up on the minimums after this long")
    parser.add_argument("--tmpfs-mib", type=int, default=256, help="size of the database's tmpfs")
    parser.add_argument("--no-disk-full", action="store_true", help="skip the disk-full phase")
    parser.add_argument("--disk-ceiling", action="store_true",
                        help="fill the disk with a database size ceiling (--max-database-mib), even as root")
    parser.add_argument("--tokens", action="store_true",
                        help="serve with a tokens file: workers, killer, operator and checks present tokens of "
                             "their roles, and the access rules (401, 403, lease identity) are checked too")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    add_binary_options(parser)
    args = parser.parse_args()
    if args.seed is None:
        args.seed = int(time.time()) % 100000
    if args.max_seconds is None:
        args.max_seconds = 1500 if args.size == "full" else 240
    binary = ensure_binary(args.binary, args.build, log)
    log(f"chaos: size {args.size}, seed {args.seed}, {'with tokens, ' if args.tokens else ''}"
        f"started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
    workdir = tempfile.mkdtemp(prefix="gvm-chaos-")
    chaos = Chaos(args, binary, workdir, SIZES[args.size])
    try:
        code = chaos.run()
    finally:
        chaos.stop.set()
        chaos.calm.set()
        if chaos.coordinator is not None and chaos.coordinator.process.poll() is None:
            chaos.coordinator.process.kill()
            chaos.coordinator.process.wait()
        chaos.unmount_disk()
        if args.keep or (not args.expect_violations and chaos.ledger.violations):
            log(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
