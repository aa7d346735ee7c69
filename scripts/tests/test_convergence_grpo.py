"""The GRPO branching driver's pure parts: arm configurations and the
analysis of result rows (no binaries, no runs)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convergence_grpo as cg  # noqa: E402


class Arms(unittest.TestCase):
    def test_configurations(self):
        weights = cg.checkpoint_path("grpo-v3")
        budgets = {arm: cg.run_configuration(arm, 5, weights)["samplesPerPrompt"] for arm in cg.UNIFORM_ARMS}
        self.assertEqual(budgets, {"uniform-n": 8, "uniform-1.5n": 12, "uniform-2n": 16})
        for arm in cg.ARMS:
            c = cg.run_configuration(arm, 5, weights)
            self.assertEqual((c["algorithm"], c["iterations"], c["seed"], c["promptsPerIteration"]), ("grpo", 1, 5, 64))
            self.assertEqual(c["builtin"]["learningRate"], cg.LEARNING_RATE)
            self.assertEqual(cg.stored_configuration(c)["builtin"]["weights"],
                             os.path.join("docs", "allocation", "checkpoints", "grpo-v3.weights"))
        cap = cg.run_configuration("gvm-count-cap24", 5, weights)
        self.assertEqual((cap["strategy"], cap["presampleAccounting"], cap["maxSamplesPerPrompt"]),
                         ("gvm", "countTowardBudget", 24))
        self.assertNotIn(cg.CHECKPOINT_RUN_SEED, range(1, 21), "no branch may start on the checkpoint run's batches")


class Analysis(unittest.TestCase):
    @staticmethod
    def rows(cpu="cpu A", seeds=range(1, 9)):
        out = []
        samples = {"uniform-n": 512, "uniform-1.5n": 768, "uniform-2n": 1024, "gvm": 1024, "gvm-count-cap24": 800}
        for checkpoint in cg.CHECKPOINT_NAMES:
            for seed in seeds:
                for arm, n in samples.items():
                    # gain linear in samples, seed noise shared by the arms of a seed; gvm gains what 2048 would
                    effective = 2048 if arm == "gvm" else n
                    out.append({"checkpoint": checkpoint, "arm": arm, "seed": seed, "samplesGenerated": n,
                                "gain": 1e-5 * effective + 1e-3 * ((seed * 7) % 5),
                                "before": {"expectedAccuracy": 0.3}, "cpuModel": cpu})
        return out

    def test_reads_efficiency_per_checkpoint_and_pairs_within_one_cpu(self):
        rows = self.rows() + self.rows(cpu="cpu B", seeds=range(1, 3))
        summary = cg.analyse(rows, resamples=200)
        self.assertEqual((summary["cpuModel"], summary["otherCpuRows"]), ("cpu A", 30))
        for checkpoint in cg.CHECKPOINT_NAMES:
            result = summary["checkpoints"][checkpoint]
            self.assertEqual(result["seeds"], 8)
            self.assertAlmostEqual(result["arms"]["gvm"]["efficiency"]["estimate"], 2.0, places=6)
            self.assertAlmostEqual(result["arms"]["gvm-count-cap24"]["efficiency"]["estimate"], 1.0, places=6)

    def test_a_checkpoint_without_every_arm_says_so(self):
        rows = [r for r in self.rows() if not (r["checkpoint"] == "grpo-v6" and r["arm"] == "gvm")]
        self.assertIn("error", cg.analyse(rows, resamples=100)["checkpoints"]["grpo-v6"])


if __name__ == "__main__":
    unittest.main()
