"""scripts/convergence_report.py's RAFT sections from synthetic rows (no
runs): the raft-pool128 subsection appears only once it has rows, after the
full runs and before GRPO, and leaves the full runs' section as it was."""
import json
import math
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convergence as cv  # noqa: E402
import convergence_grpo as cg  # noqa: E402
import convergence_report as cr  # noqa: E402

VERSIONS = (0, 3, 6, 9, 12)
POOL128 = "### RAFT with a 128-prompt pool: the one change of setting"


def rows_for(phase, arm, speedup, per_iteration=512, seeds=4, pool=512):
    """Complete rows of one arm: accuracy after x samples is uniform-n's after
    speedup * x, with a small seeded wobble per seed (no randomness)."""
    rows = []
    for seed in range(1, seeds + 1):
        wobble = 0.002 * ((seed * 7919 + len(arm)) % 5 - 2)
        points = [{"version": v, "cumulativeSamples": v * per_iteration, "cumulativeSamplesWithoutPresamples": v * 512,
                   "expectedAccuracy": 0.28 + 0.08 * (1 - math.exp(-speedup * v * per_iteration / 3000))
                   + (wobble if v else 0.0), "expectedAccuracyStandardError": 0.01,
                   "goldLogLikelihood": -6.5 + 0.03 * v}
                  for v in VERSIONS]
        rows.append({"phase": phase, "arm": arm, "seed": seed, "learningRate": cr.RAFT_LEARNING_RATE,
                     "points": points, "configuration": {"strategy": "uniform"}, "poolPrompts": pool,
                     "revisitInterval": pool / 64, "date": f"2026-12-08T0{seed}:00:00Z", "commit": "abc1234",
                     "cpuModel": "test cpu", "openblasCore": "Haswell", "seconds": 50.0})
    return rows


def raft_rows():
    return (rows_for("raft", "uniform-n", 1.0) + rows_for("raft", "uniform-n-aa", 1.02)
            + rows_for("raft", "gvm", 0.5, 1024) + rows_for("raft", "knapsack", 0.7, 700))


def pool_rows(seeds=4):
    return [r for arm, speedup, per in (("uniform-n", 1.0, 512), ("uniform-n-aa", 0.98, 512),
                                        ("knapsack", 1.1, 560), ("gvm-history", 0.9, 600))
            for r in rows_for("raft-pool128", arm, speedup, per, seeds, pool=128)]


class Sections(unittest.TestCase):
    def section(self, rows) -> str:
        with tempfile.TemporaryDirectory() as folder:
            results, grpo = os.path.join(folder, "convergence.jsonl"), os.path.join(folder, "grpo.jsonl")
            with open(results, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            open(grpo, "w").close()
            with mock.patch.object(cv, "RESULTS", results), mock.patch.object(cg, "RESULTS", grpo):
                lines, summary, _, _ = cr.section(100)
        self.assertIsNotNone(summary)
        return "\n".join(lines)

    @staticmethod
    def raft_part(text: str) -> str:
        start = text.index("### RAFT: full runs")
        end = text.index("### ", start + 4)
        return text[start:end]

    def test_the_pool_section_appears_only_with_its_rows(self):
        without = self.section(raft_rows())
        self.assertNotIn(POOL128, without)
        self.assertNotIn("128-prompt", without)
        # rows of another learning rate are not the benchmark's: still no section
        other_rate = [dict(r, learningRate=3e-4) for r in pool_rows()]
        self.assertEqual(self.section(raft_rows() + other_rate), without)

        text = self.section(raft_rows() + pool_rows())
        # after the full runs, before GRPO, the full runs' section unchanged byte for byte
        self.assertLess(text.index("### RAFT: full runs"), text.index(POOL128))
        self.assertLess(text.index(POOL128), text.index("### GRPO: branching runs"))
        self.assertEqual(self.raft_part(text), self.raft_part(without))
        self.assertIn("![RAFT: expected accuracy", self.raft_part(text))

        mine = text[text.index(POOL128):text.index("### GRPO: branching runs")]
        self.assertIn("16 runs from", mine)
        self.assertIn("64 prompts from a 128-prompt pool, the first 128 prompts of the 512 (each prompt comes back "
                      "every 2 iterations)", mine)
        for arm in ("uniform-n", "uniform-n-aa", "knapsack", "gvm-history"):
            self.assertIn(f"| {arm} | {cr.ARM_TEXT[arm]} | 4 |", mine)
        # the ratio table at the phase's own targets, the model-free check, the A/A control
        self.assertIn("of any arm of the first design (not knapsack, gvm-history, the arms judged here)", mine)
        for arm in ("uniform-n-aa", "knapsack", "gvm-history"):
            self.assertIn(f"| {arm} | uniform-n | 4 |", mine)
        self.assertIn("Model-free check (isotonic fit", mine)
        self.assertIn("**A/A control** (uniform-n-aa, 4 seeds)", mine)
        # no accounting arm in this phase, and no plot
        self.assertNotIn("Accounting control", mine)
        self.assertNotIn("![", mine)
        self.assertNotIn("\n\n\n", mine)

    def test_the_targets_are_the_phases_own(self):
        _, raft = cr.raft_section(raft_rows() + pool_rows(), 100)
        lines, pool = cr.raft_section(raft_rows() + pool_rows(), 100, cr.RAFT_PHASES[1])
        self.assertEqual(pool["targetArms"], ["uniform-n", "uniform-n-aa"])
        self.assertEqual(sorted(pool["arms"]), ["gvm-history", "knapsack", "uniform-n", "uniform-n-aa"])
        self.assertNotEqual(pool["targets"], raft["targets"])
        self.assertIn(", ".join(f"{100 * t:.1f}%" for t in pool["targets"]), "\n".join(lines))

    def test_one_seed_gives_the_table_and_no_ratios(self):
        lines, summary = cr.raft_section(raft_rows() + pool_rows(seeds=1), 100, cr.RAFT_PHASES[1])
        text = "\n".join(lines)
        self.assertIsNone(summary)
        self.assertIn("| knapsack |", text)
        self.assertIn("No ratios yet:", text)
        self.assertEqual(lines[-1], "")


if __name__ == "__main__":
    unittest.main()
