#!/usr/bin/env python3
"""Benchmark `gvm-coordinator allocate` against the numpy baseline
(scripts/allocate_reference.py) on the same 10^6-prompt input, JSON in and out.

What it does:

1. Writes the input once to a temporary file: the allocation benchmark's
   `AllocationInputs.realistic(promptCount:)` (Benchmarks/, the input of
   `make bench-allocation`), reproduced draw for draw: SplitMix64 seeded
   2505_02391, then per prompt `Int.random(in: 0...8)` / 8 and
   `Double.random(in: 0.05...6)` exactly as Swift's standard library draws
   them (Lemire's multiply-and-reject for the bounded integers), budget
   8 per prompt, alpha 0.001, beta 2. `--dump-draws` prints the raw bits, to
   compare with Swift's on a new toolchain.
2. Times `gvm-coordinator allocate < file > out` (the release build, built
   when missing or with --build) and `python3 scripts/allocate_reference.py
   < file > out`, `--runs` times each (default 5), interleaved, in the same
   run, after one untimed warm-up of each (page cache, numpy's import).
3. Checks that both printed identical counts and unallocated, and ratios to
   1e-9 relative; exits 1 if not.
4. Prints both medians and gvm's median over the baseline's. The goal is at
   most 2/3. Nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import gvmharness

MASK64 = (1 << 64) - 1
SEED = 2505_02391


class SplitMix64:
    """Shared/Support/SplitMix64.swift."""

    def __init__(self, seed: int):
        self.state = seed

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, bound: int) -> int:
        """RandomNumberGenerator.next(upperBound:): Lemire's nearly divisionless method."""
        product = self.next() * bound
        if product & MASK64 < bound:
            threshold = ((-bound) & MASK64) % bound
            while product & MASK64 < threshold:
                product = self.next() * bound
        return product >> 64

    def integer(self, low: int, high: int) -> int:
        """Int.random(in: low...high, using:)."""
        return low + self.below(high - low + 1)

    def double(self, low: float, high: float) -> float:
        """Double.random(in: low...high, using:): a 53-bit significand draw in [0, 2^53]."""
        draw = self.below((1 << 53) + 1)
        if draw == 1 << 53:
            return high
        return (high - low) * (float(draw) * (sys.float_info.epsilon / 2)) + low


def realistic(prompt_count: int) -> tuple[list[float], list[float]]:
    """AllocationInputs.realistic: (gradNorms, acceptRates)."""
    generator = SplitMix64(SEED)
    norms, rates = [], []
    for _ in range(prompt_count):
        rates.append(generator.integer(0, 8) / 8)
        norms.append(generator.double(0.05, 6))
    return norms, rates


def write_input(path: str, prompt_count: int, extra: dict) -> None:
    norms, rates = realistic(prompt_count)
    document = {"gradNorms": norms, "acceptRates": rates, "alpha": 1e-3, "beta": 2, "budget": 8 * prompt_count}
    document.update(extra)
    with open(path, "w") as file:
        json.dump(document, file, separators=(",", ":"))


def timed(arguments: list[str], input_path: str, output_path: str) -> float:
    with open(input_path, "rb") as stdin, open(output_path, "wb") as stdout:
        start = time.perf_counter()
        completed = subprocess.run(arguments, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"{' '.join(arguments)} exited {completed.returncode}: {completed.stderr.decode()[-2000:]}")
    return elapsed


def compare(gvm_path: str, reference_path: str) -> str | None:
    """None when the outputs agree; otherwise what differs."""
    with open(gvm_path) as file:
        gvm = json.load(file)
    with open(reference_path) as file:
        reference = json.load(file)
    if sorted(gvm) != ["counts", "ratios", "unallocated"]:
        return f"gvm's keys are {sorted(gvm)}"
    if gvm["counts"] != reference["counts"]:
        differing = sum(a != b for a, b in zip(gvm["counts"], reference["counts"]))
        return f"counts differ at {differing} prompts"
    if gvm["unallocated"] != reference["unallocated"]:
        return f"unallocated {gvm['unallocated']} != {reference['unallocated']}"
    for index, (got, want) in enumerate(zip(gvm["ratios"], reference["ratios"])):
        if abs(got - want) > 1e-9 * abs(want):
            return f"ratios[{index}]: {got} != {want}"
    return None


def cpu_model() -> str:
    """The CPU's model name, as lscpu prints it, for the figures."""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description="gvm-coordinator allocate against the numpy baseline")
    gvmharness.add_binary_options(parser)
    parser.add_argument("--prompts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-samples-per-prompt", type=int, metavar="C",
                        help="add the cap to the input (the benchmark's figures are without one)")
    parser.add_argument("--filters", action="store_true",
                        help="add filterThreshold 0.99 and filterInsufficient 0.5, as bench-allocation's filtered case")
    parser.add_argument("--dump-draws", type=int, metavar="N",
                        help="print the first N prompts' (rate, norm) bit patterns and exit")
    arguments = parser.parse_args()

    if arguments.dump_draws:
        norms, rates = realistic(arguments.dump_draws)
        for rate, norm in zip(rates, norms):
            print(*(struct.unpack("<Q", struct.pack("<d", value))[0] for value in (rate, norm)))
        return 0

    binary = gvmharness.ensure_binary(arguments.binary, arguments.build)
    stale = gvmharness.newer_sources(binary)
    if stale:
        print(f"warning: {len(stale)} source files changed after {binary} was built, e.g. {stale[0]}")
    reference = os.path.join(gvmharness.REPO_ROOT, "scripts", "allocate_reference.py")
    commands = {
        "gvm": [binary, "allocate"],
        "numpy": [sys.executable, reference],
    }

    with tempfile.TemporaryDirectory(prefix="gvm-bench-allocate-") as directory:
        input_path = os.path.join(directory, "input.json")
        started = time.perf_counter()
        extra = {}
        if arguments.max_samples_per_prompt is not None:
            extra["maxSamplesPerPrompt"] = arguments.max_samples_per_prompt
        if arguments.filters:
            extra.update(filterThreshold=0.99, filterInsufficient=0.5)
        write_input(input_path, arguments.prompts, extra)
        print(f"input: {arguments.prompts} prompts{''.join(f', {k} {v}' for k, v in extra.items())}, "
              f"{os.path.getsize(input_path) / 1e6:.1f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")
        outputs = {name: os.path.join(directory, f"{name}.json") for name in commands}
        for name, command in commands.items():  # warm-up, untimed
            timed(command, input_path, outputs[name])
        problem = compare(outputs["gvm"], outputs["numpy"])
        if problem:
            print(f"FAIL: gvm and the baseline disagree: {problem}")
            return 1
        print("outputs agree: counts and unallocated identical, ratios within 1e-9")

        times: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(arguments.runs):
            for name, command in commands.items():
                times[name].append(timed(command, input_path, outputs[name]))
            print(f"run {run + 1}: " + ", ".join(f"{name} {times[name][-1]:.3f} s" for name in commands))
        problem = compare(outputs["gvm"], outputs["numpy"])
        if problem:
            print(f"FAIL: gvm and the baseline disagree after the timed runs: {problem}")
            return 1

    gvm_median = statistics.median(times["gvm"])
    numpy_median = statistics.median(times["numpy"])
    ratio = gvm_median / numpy_median
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; "
          f"commit {gvmharness.git_revision()}; numpy {__import__('numpy').__version__}")
    verdict = "met" if ratio <= 2 / 3 else "NOT met"
    print(f"median of {arguments.runs}: gvm {gvm_median:.3f} s, numpy baseline {numpy_median:.3f} s, "
          f"gvm / baseline {ratio:.2f} (goal <= 0.67: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
