"""The GRPO branching driver's pure parts: arm configurations and the
analysis of result rows (no binaries, no runs)."""
import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convergence_grpo as cg  # noqa: E402
from test_convergence_driver import coordinator_refusals  # noqa: E402

# The arms whose rows were committed first, exactly as they ran: adding arms must not change them.
FIRST_ARMS = {
    "uniform-n": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 8},
    "uniform-1.5n": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 12},
    "uniform-2n": {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 16},
    "gvm": {"strategy": "gvm", "presamples": 8, "samplesPerPrompt": 8, "presampleAccounting": "separate",
            "gradNormStatistic": "mean"},
    "gvm-count-cap24": {"strategy": "gvm", "presamples": 8, "samplesPerPrompt": 8,
                        "presampleAccounting": "countTowardBudget", "maxSamplesPerPrompt": 24,
                        "gradNormStatistic": "mean"},
}
NEW_ARMS = ("knapsack", "variance", "gvm-history", "uniform-2n-rounds", "knapsack-rounds")


class Arms(unittest.TestCase):
    def test_configurations(self):
        weights = cg.checkpoint_path("grpo-v3")
        budgets = {arm: cg.run_configuration(arm, 5, weights)["samplesPerPrompt"] for arm in cg.UNIFORM_ARMS}
        self.assertEqual(budgets, {"uniform-n": 8, "uniform-1.5n": 12, "uniform-2n": 16})
        for arm in cg.ARMS:
            c = cg.run_configuration(arm, 5, weights)
            self.assertEqual((c["algorithm"], c["iterations"], c["seed"], c["promptsPerIteration"]), ("grpo", 1, 5, 64))
            self.assertEqual(c["builtin"]["learningRate"], cg.LEARNING_RATE)
            self.assertEqual(c["builtin"]["epochsPerIteration"], 1)
            self.assertEqual(c["gradNorm"], "exact")
            self.assertEqual(cg.stored_configuration(c)["builtin"]["weights"],
                             os.path.join("docs", "allocation", "checkpoints", "grpo-v3.weights"))
        cap = cg.run_configuration("gvm-count-cap24", 5, weights)
        self.assertEqual((cap["strategy"], cap["presampleAccounting"], cap["maxSamplesPerPrompt"]),
                         ("gvm", "countTowardBudget", 24))
        self.assertNotIn(cg.CHECKPOINT_RUN_SEED, range(1, 21), "no branch may start on the checkpoint run's batches")

    def test_first_arms_are_unchanged(self):
        for arm, fields in FIRST_ARMS.items():
            self.assertEqual(cg.ARMS[arm], fields, arm)
            c = cg.run_configuration(arm, 3, cg.checkpoint_path("v0"))
            for field in ("history", "rounds", "knapsackFloor"):
                self.assertNotIn(field, c, arm)

    def test_new_arms(self):
        weights = cg.checkpoint_path("v0")
        c = {arm: cg.run_configuration(arm, 2, weights) for arm in NEW_ARMS}
        for arm in ("knapsack", "variance", "gvm-history"):
            self.assertEqual((c[arm]["presamples"], c[arm]["samplesPerPrompt"], c[arm]["presampleAccounting"]),
                             (8, 8, "separate"), arm)
            self.assertNotIn("rounds", c[arm], arm)
        self.assertEqual((c["knapsack"]["strategy"], c["variance"]["strategy"]), ("knapsack", "variance"))
        # knapsack and variance take the history defaults by naming none; gvm selects them with an empty object
        self.assertNotIn("history", c["knapsack"])
        self.assertNotIn("history", c["variance"])
        self.assertEqual((c["gvm-history"]["strategy"], c["gvm-history"]["history"]), ("gvm", {}))
        # gvm-history is gvm with history statistics and nothing else
        self.assertEqual({k: v for k, v in cg.ARMS["gvm-history"].items() if k != "history"}, cg.ARMS["gvm"])
        rounds = {"size": 4, "correctTarget": 2, "wrongTarget": 2}
        self.assertEqual({k: c["uniform-2n-rounds"][k] for k in ("strategy", "presamples", "samplesPerPrompt", "rounds")},
                         {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 16, "rounds": rounds})
        self.assertEqual({k: c["knapsack-rounds"][k] for k in ("strategy", "presamples", "samplesPerPrompt", "rounds",
                                                               "presampleAccounting")},
                         {"strategy": "knapsack", "presamples": 8, "samplesPerPrompt": 16, "rounds": rounds,
                          "presampleAccounting": "separate"})
        # uniform-2n-rounds' caps are uniform-2n's budget; knapsack-rounds differs from knapsack in n and rounds
        self.assertEqual(c["uniform-2n-rounds"]["samplesPerPrompt"], cg.ARMS["uniform-2n"]["samplesPerPrompt"])
        self.assertEqual({k: v for k, v in cg.ARMS["knapsack-rounds"].items() if k not in ("rounds", "samplesPerPrompt")},
                         {k: v for k, v in cg.ARMS["knapsack"].items() if k != "samplesPerPrompt"})

    def test_every_arm_is_one_the_coordinator_accepts(self):
        for arm in cg.ARMS:
            c = cg.run_configuration(arm, 1, cg.checkpoint_path("v0"))
            self.assertEqual(coordinator_refusals(c), [], arm)

    def test_configurations_are_copies(self):
        c = cg.run_configuration("knapsack-rounds", 1, cg.checkpoint_path("v0"))
        c["rounds"]["size"] = 99
        self.assertEqual(cg.ARMS["knapsack-rounds"]["rounds"]["size"], 4)
        self.assertEqual(cg.ARMS["uniform-2n-rounds"]["rounds"]["size"], 4)

    def test_checkpoints_and_group_durations(self):
        self.assertEqual(cg.parse_checkpoints(None), list(cg.CHECKPOINT_NAMES))
        self.assertEqual(cg.parse_checkpoints("grpo-v6,v0"), ["v0", "grpo-v6"])
        with self.assertRaises(SystemExit):
            cg.parse_checkpoints("v9")
        rows = [{"checkpoint": "v0", "seed": 1, "arm": a, "groupSeconds": 50, "date": "d1"} for a in FIRST_ARMS]
        rows += [{"checkpoint": "v0", "seed": 2, "arm": a, "groupSeconds": 90, "date": "d2"} for a in NEW_ARMS]
        self.assertEqual(cg.group_durations(rows, ["knapsack"]), [90])
        self.assertEqual(cg.group_durations(rows, ["gvm"]), [50])
        self.assertEqual(cg.group_durations(rows[:5], ["knapsack"]), [50])


class Analysis(unittest.TestCase):
    SAMPLES = {"uniform-n": 512, "uniform-1.5n": 768, "uniform-2n": 1024, "gvm": 1024, "gvm-count-cap24": 800}

    @classmethod
    def rows(cls, cpu="cpu A", seeds=range(1, 9), samples=None, effective=None):
        out = []
        samples = samples or cls.SAMPLES
        effective = effective or {"gvm": 2048}
        for checkpoint in cg.CHECKPOINT_NAMES:
            for seed in seeds:
                for arm, n in samples.items():
                    # gain linear in samples, seed noise shared by the arms of a seed; gvm gains what 2048 would
                    out.append({"checkpoint": checkpoint, "arm": arm, "seed": seed, "samplesGenerated": n,
                                "gain": 1e-5 * effective.get(arm, n) + 1e-3 * ((seed * 7) % 5),
                                "before": {"expectedAccuracy": 0.3}, "cpuModel": cpu,
                                "configuration": {"strategy": "uniform", "samplesPerPrompt": n // 64}})
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
            self.assertEqual({a["seeds"] for a in result["arms"].values()}, {8})

    def test_an_arm_without_rows_at_a_checkpoint_is_listed_not_fatal(self):
        rows = [r for r in self.rows() if not (r["checkpoint"] == "grpo-v6" and r["arm"] == "gvm")]
        result = cg.analyse(rows, resamples=100)["checkpoints"]["grpo-v6"]
        self.assertNotIn("gvm", result["arms"])
        self.assertEqual(result["tooFewSeeds"], {"gvm": 0})
        self.assertIn("gvm-count-cap24", result["arms"])

    def test_a_checkpoint_without_every_uniform_arm_says_so(self):
        rows = [r for r in self.rows() if not (r["checkpoint"] == "grpo-v6" and r["arm"] == "uniform-1.5n")]
        self.assertIn("error", cg.analyse(rows, resamples=100)["checkpoints"]["grpo-v6"])

    def test_new_and_unknown_arms_on_fewer_seeds_leave_the_first_arms_alone(self):
        first = cg.analyse(self.rows(), resamples=300)
        # a later arm on seeds 1-5 of 8, one no driver names on 1-8, and one with a single seed
        later = self.rows(seeds=range(1, 6), samples={"knapsack": 1024}, effective={"knapsack": 1536})
        mystery = self.rows(samples={"mystery": 600}, effective={"mystery": 1200})
        single = self.rows(seeds=[3], samples={"variance": 1024})
        summary = cg.analyse(self.rows() + later + mystery + single, resamples=300)
        for checkpoint in cg.CHECKPOINT_NAMES:
            before, result = first["checkpoints"][checkpoint], summary["checkpoints"][checkpoint]
            self.assertEqual(result["line"], before["line"])
            for arm in self.SAMPLES:
                self.assertEqual(result["arms"][arm], before["arms"][arm], arm)
            self.assertEqual(list(result["arms"]), list(self.SAMPLES) + ["knapsack", "mystery"])
            knapsack = result["arms"]["knapsack"]
            self.assertEqual((knapsack["seeds"], knapsack["seedList"]), (5, [1, 2, 3, 4, 5]))
            self.assertIn("line", knapsack)
            self.assertAlmostEqual(knapsack["efficiency"]["estimate"], 1.5, places=6)
            self.assertAlmostEqual(knapsack["gainOverSmallestUniform"]["estimate"], 1e-5 * (1536 - 512), places=9)
            self.assertAlmostEqual(knapsack["gainOverLargestUniform"]["estimate"], 1e-5 * (1536 - 1024), places=9)
            self.assertEqual(result["arms"]["mystery"]["seeds"], 8)
            self.assertNotIn("line", result["arms"]["mystery"])
            self.assertAlmostEqual(result["arms"]["mystery"]["efficiency"]["estimate"], 2.0, places=6)
            self.assertEqual(result["tooFewSeeds"], {"variance": 1})

    def test_rounds_arms_are_read_at_the_samples_they_drew(self):
        # a rounds arm whose samples differ by seed: its mean samples are what it drew
        rows = self.rows()
        for seed in range(1, 9):
            for checkpoint in cg.CHECKPOINT_NAMES:
                rows.append({"checkpoint": checkpoint, "arm": "uniform-2n-rounds", "seed": seed,
                             "samplesGenerated": 600 + 10 * seed, "gain": 1e-5 * 1024 + 1e-3 * ((seed * 7) % 5),
                             "before": {"expectedAccuracy": 0.3}, "cpuModel": "cpu A"})
        arm = cg.analyse(rows, resamples=100)["checkpoints"]["v0"]["arms"]["uniform-2n-rounds"]
        self.assertAlmostEqual(arm["meanSamples"], 645.0)
        self.assertAlmostEqual(arm["efficiency"]["estimate"], 1024 / 645, places=6)


class Report(unittest.TestCase):
    def test_the_report_lists_every_arm_with_its_seeds(self):
        import convergence_report as cr
        rows = Analysis.rows()
        for r in rows:
            r.update(date="2026-01-01T00:00:00Z", commit="abc", openblasCore="X",
                     iteration={"trainingSteps": 4})
        extra = Analysis.rows(seeds=range(1, 4), samples={"knapsack-rounds": 900, "mystery": 700})
        for r in extra:
            r.update(date="2026-01-02T00:00:00Z", commit="def", openblasCore="X", iteration={"trainingSteps": 5})
            if r["arm"] == "mystery":
                r["configuration"] = {"strategy": "variance", "presamples": 4, "samplesPerPrompt": 8, "history": {},
                                      "rounds": {"size": 4, "correctTarget": 1, "wrongTarget": 1}}
        lines, summary = cr.grpo_section(rows + extra, 100)
        text = "\n".join(lines)
        for arm in list(Analysis.SAMPLES) + ["knapsack-rounds", "mystery"]:
            self.assertIn(f"| {arm} |", text)
        self.assertIn("| knapsack-rounds | 3 |", text)
        self.assertIn("| gvm | 8 |", text)
        self.assertIn("`mystery`: variance, 4 pre-samples (separate), budget 8 per prompt, history statistics "
                      "(defaults), rounds size 4, correctTarget 1, wrongTarget 1", text)
        self.assertIn("knapsack-rounds, on its 3 seeds", text)
        svg = cr.grpo_plot(summary, rows + extra)
        self.assertTrue(svg.startswith("<svg") and svg.rstrip().endswith("</svg>"))
        self.assertEqual(svg.count('<svg x="0"'), 3)
        self.assertIn("mystery", svg)


if __name__ == "__main__":
    unittest.main()
