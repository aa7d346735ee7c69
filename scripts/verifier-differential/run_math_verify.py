#!/usr/bin/env python3
"""Run HuggingFace math-verify over the differential-test cases.

For every case this does what math-verify's README recommends:

    from math_verify import parse, verify
    gold = parse("$" + gold + "$")      # LaTeX must sit in a math environment
    answer = parse(response)
    verify(gold, answer)                  # gold first: the order matters

with the library's default extraction configuration and timeouts, and writes
one JSON line `{"id": ..., "correct": true|false}` per case. Parsing or
comparison errors and timeouts count as "false"; math-verify itself turns them
into an empty parse / a False comparison, and this script counts them by
listening to math-verify's own log records during the verdict pass.

Timing: after the verdict pass (which doubles as the warm-up), the whole case
list is verified again `--repeat` times in this single process, pinned to one
CPU core where the OS allows it, with math-verify's expression caches cleared
before each pass; the rate is cases x repeats / wall time.

Usage:
    python3 run_math_verify.py [--cases FILE] [--out FILE] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CASES = REPO_ROOT / "Tests" / "Fixtures" / "verifier-differential" / "cases.jsonl"
DEFAULT_OUT = Path("math-verify-verdicts.jsonl")


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            cpus = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {cpus[0]})
            return f"pinned to CPU {cpus[0]}"
        except OSError as exc:  # pragma: no cover - depends on the host
            return f"not pinned ({exc})"
    return "not pinned (no sched_setaffinity on this OS)"


def gold_string(gold) -> str:
    """The gold as text: JSON numbers (amc23's 27.0) as Python writes them."""
    if isinstance(gold, str):
        return gold
    if isinstance(gold, bool):
        raise ValueError(f"unexpected gold {gold!r}")
    return repr(gold)


class ProblemCounter(logging.Handler):
    """Counts math-verify's records about timeouts and errors."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.timeouts = 0
        self.errors = 0

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "Timeout" in msg or "timed out" in msg:
            self.timeouts += 1
        elif record.levelno >= logging.DEBUG and ("Error" in msg or record.exc_info):
            self.errors += 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--repeat", type=int, default=1, help="timed passes after the verdict/warm-up pass (0: no timing)")
    args = ap.parse_args(argv)

    pinning = pin_to_one_core()
    import math_verify
    from math_verify import parse, verify
    from math_verify import parser as mv_parser

    try:
        from importlib.metadata import version

        mv_version = version("math-verify")
    except Exception:  # noqa: BLE001
        mv_version = getattr(math_verify, "__version__", "unknown")

    with args.cases.open(encoding="utf-8") as fh:
        cases = [json.loads(line) for line in fh if line.strip()]
    work = [(c["id"], "$" + gold_string(c["gold"]) + "$", c["response"]) for c in cases]

    def clear_caches():
        for name in ("parse_latex_cached", "parse_expr_cached", "extract_latex"):
            fn = getattr(mv_parser, name, None)
            if fn is not None and hasattr(fn, "cache_clear"):
                fn.cache_clear()

    def judge(gold_text: str, response: str) -> tuple[bool, bool]:
        """(verdict, raised): anything escaping math-verify counts as false."""
        try:
            return bool(verify(parse(gold_text), parse(response))), False
        except BaseException as exc:  # noqa: BLE001 - TimeoutException is a BaseException
            if isinstance(exc, KeyboardInterrupt):
                raise
            return False, True

    # ---- verdict pass (also the warm-up) --------------------------------
    mv_logger = logging.getLogger("math_verify")
    counter = ProblemCounter()
    old_level, old_propagate = mv_logger.level, mv_logger.propagate
    mv_logger.addHandler(counter)
    mv_logger.setLevel(logging.DEBUG)
    mv_logger.propagate = False
    verdicts = {}
    escaped = 0
    clear_caches()
    for cid, gold_text, response in work:
        ok, raised = judge(gold_text, response)
        verdicts[cid] = ok
        escaped += raised
    mv_logger.removeHandler(counter)
    mv_logger.setLevel(old_level)
    mv_logger.propagate = old_propagate

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for cid, _, _ in work:
            fh.write(json.dumps({"id": cid, "correct": verdicts[cid]}) + "\n")

    # ---- accuracy against the intended labels ------------------------------
    right = sum(verdicts[c["id"]] == c["expected"] for c in cases)
    by_kind = Counter(c["kind"] for c in cases if verdicts[c["id"]] != c["expected"])
    print(f"math-verify {mv_version}: {len(cases)} cases -> {args.out}")
    print(f"accuracy vs expected: {right}/{len(cases)} = {100.0 * right / len(cases):.1f}%")
    print(f"verdicts true: {sum(verdicts.values())}, false: {len(cases) - sum(verdicts.values())}")
    print(
        f"problems (counted as false): timeouts={counter.timeouts} "
        f"errors={counter.errors} escaped_exceptions={escaped}"
    )
    if by_kind:
        print("wrong by kind: " + ", ".join(f"{k}={n}" for k, n in sorted(by_kind.items())))

    # ---- timing --------------------------------------------------------------
    if args.repeat > 0:
        logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # keep warnings out of the timing
        total = 0.0
        for _ in range(args.repeat):
            clear_caches()
            t0 = time.perf_counter()
            for _cid, gold_text, response in work:
                judge(gold_text, response)
            total += time.perf_counter() - t0
        n = len(work) * args.repeat
        print(
            f"rate: {n / total:.1f} verdicts/s ({n} verdicts in {total:.2f} s wall, "
            f"single process, {pinning}, after a warm-up pass)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
