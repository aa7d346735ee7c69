"""Fast checks of scripts/demo.py's pure pieces (no processes): which arm it
puts beside uniform-n, the benchmark's figure it prints, and its table of
samples to the same accuracy."""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convergence as cv  # noqa: E402
import convergence_report as cr  # noqa: E402
import demo  # noqa: E402

VERSIONS = (0, 3, 6, 9, 12)


def curve(x, start=0.28, rise=0.08, scale=3000.0):
    return start + rise * (1 - math.exp(-x / scale))


def rows_for(arm, speedup, per_iteration=512, seeds=6, cpu="test cpu"):
    """Benchmark rows of one arm: accuracy after x samples is uniform-n's after
    speedup * x, with a small seeded wobble per seed (no randomness)."""
    rows = []
    for seed in range(1, seeds + 1):
        wobble = 0.002 * ((seed * 7919 + len(arm)) % 5 - 2)
        points = [{"version": v, "cumulativeSamples": v * per_iteration,
                   "expectedAccuracy": curve(speedup * v * per_iteration) + (wobble if v else 0.0)}
                  for v in VERSIONS]
        rows.append({"phase": "raft", "arm": arm, "seed": seed, "learningRate": 1e-4, "cpuModel": cpu,
                     "points": points})
    return rows


class ChoosingTheArm(unittest.TestCase):
    def test_learning_rate_is_the_benchmarks(self):
        self.assertEqual(demo.LEARNING_RATE, cr.RAFT_LEARNING_RATE)

    def test_uniform_arms_and_controls_are_never_chosen(self):
        excluded = demo.excluded_arms()
        for arm in ("uniform-n", "uniform-n+N'", "uniform-n-aa", "uniform-2n-half", "uniform-2n-rounds"):
            self.assertIn(arm, excluded)
        for arm in ("gvm", "gvm-count-cap24", "balanced", "knapsack", "variance", "gvm-history",
                    "gvm-history-rounds"):
            self.assertNotIn(arm, excluded)
        self.assertIn(demo.FALLBACK_ARM, cv.ARMS)
        self.assertNotIn(demo.FALLBACK_ARM, excluded)

    def test_best_arm_is_the_highest_speedup_at_the_middle_target(self):
        rows = (rows_for("uniform-n", 1.0) + rows_for("gvm", 0.5, 1024) + rows_for("gvm-count-cap24", 0.8, 830)
                + rows_for("knapsack", 1.2, 700)
                # faster still, but a uniform arm, a control, and an arm the demo cannot run
                + rows_for("uniform-n+N'", 1.6, 1024) + rows_for("uniform-n-aa", 1.5)
                + rows_for("not-an-arm", 2.0)
                # rows of another phase or learning rate do not count
                + [dict(r, phase="lr-grid") for r in rows_for("gvm-history", 3.0)])
        summary = demo.benchmark_summary(rows, resamples=200)
        self.assertEqual(demo.best_arm(summary), "knapsack")
        middle = demo.middle_result(summary, "knapsack")
        self.assertEqual(middle["target"], summary["targets"][1])
        self.assertAlmostEqual(middle["estimate"], 1.2, delta=0.1)
        self.assertLessEqual(middle["low"], middle["estimate"])
        self.assertGreaterEqual(middle["high"], middle["estimate"])
        self.assertIsNone(demo.middle_result(summary, "variance"))

    def test_no_best_arm_among_uniform_arms_alone(self):
        summary = demo.benchmark_summary(rows_for("uniform-n", 1.0) + rows_for("uniform-n+N'", 1.5, 1024),
                                         resamples=100)
        self.assertIsNone(demo.best_arm(summary))
        with self.assertRaises(ValueError):
            demo.benchmark_summary(rows_for("gvm", 1.0))

    def test_benchmark_line_inverts_the_speedup(self):
        line = demo.benchmark_line("gvm", {"target": 0.307, "estimate": 0.8, "low": 0.5, "high": 1.0}, 12)
        self.assertIn("benchmark, 12 seeds: gvm needs 1.25× the samples of uniform-n [1.00×, 2.00×] to 30.7%", line)
        self.assertIn("samples speed-up 0.80 [0.50, 1.00]", line)
        self.assertEqual(demo.inverse(None), 0.0)
        self.assertEqual(demo.inverse(0.0), math.inf)


class SamplesToTheSameAccuracy(unittest.TestCase):
    def test_linear_curve(self):
        c = demo.LinearCurve([0, 1000, 2000, 3000], [0.30, 0.34, 0.33, 0.38])
        self.assertEqual(c.ys, [0.30, 0.34, 0.34, 0.38])     # the running maximum
        self.assertEqual(c.span, 3000)
        self.assertAlmostEqual(c(500), 0.32)
        self.assertAlmostEqual(c.reach(0.32, c.span), 500)
        self.assertAlmostEqual(c.reach(0.36, c.span), 2500)
        self.assertEqual(c.reach(0.30, c.span), 0.0)
        self.assertEqual(c.reach(0.39, c.span), math.inf)
        self.assertEqual(c.reach(0.36, 2000), math.inf)

    def test_levels_are_reached_by_every_curve(self):
        fast = demo.LinearCurve([0, 1000, 2000], [0.30, 0.36, 0.40])
        slow = demo.LinearCurve([0, 2000, 4000], [0.30, 0.33, 0.37])
        levels = demo.comparison_levels([fast, slow])
        self.assertEqual(len(levels), 3)
        self.assertAlmostEqual(levels[-1], 0.37)                # the highest level both reach
        self.assertAlmostEqual(levels[0], 0.323)               # a third of the way, rounded down to 0.1 point
        for level in levels:
            self.assertTrue(math.isfinite(fast.reach(level, fast.span)))
            self.assertTrue(math.isfinite(slow.reach(level, slow.span)))
        flat = demo.LinearCurve([0, 1000, 2000], [0.30, 0.29, 0.30])
        self.assertEqual(demo.comparison_levels([fast, flat]), [])

    def test_table_ratios(self):
        curves = {"uniform-n": demo.LinearCurve([0, 1000, 2000], [0.30, 0.34, 0.36]),
                  "gvm": demo.LinearCurve([0, 1000, 2000], [0.30, 0.32, 0.34])}
        table = demo.samples_table(curves, [0.32, 0.34, 0.35])
        for row, uniform, arm, ratio in zip(table, [500, 1000, 1500], [1000, 2000, math.inf], [2.0, 2.0, math.inf]):
            self.assertAlmostEqual(row["samples"]["uniform-n"], uniform)
            self.assertAlmostEqual(row["samples"]["gvm"], arm)
            self.assertAlmostEqual(row["ratios"]["gvm"], ratio)
        self.assertTrue(math.isnan(demo.samples_table(curves, [0.30])[0]["ratios"]["gvm"]))
        self.assertEqual(demo.json_ready({"a": [math.inf, 1.0, math.nan]}), {"a": [None, 1.0, None]})

    def test_the_benchmarks_fit_reads_a_known_cost(self):
        # the arm pays twice uniform-n's samples for the same accuracy: the fitted curves read 2x at every level
        uniform = [{"cumulativeSamples": v * 512, "expectedAccuracy": curve(v * 512)} for v in range(0, 25, 4)]
        arm = [{"cumulativeSamples": v * 1024, "expectedAccuracy": curve(v * 512)} for v in range(0, 25, 4)]
        curves = {"uniform-n": demo.fit(uniform), "gvm": demo.fit(arm)}
        levels = demo.comparison_levels(list(curves.values()))
        self.assertEqual(len(levels), 3)
        for row in demo.samples_table(curves, levels):
            self.assertAlmostEqual(row["ratios"]["gvm"], 2.0, delta=0.05)


class Runs(unittest.TestCase):
    def test_the_arm_is_the_benchmarks(self):
        plan = {"seed": 1, "iterations": 24}
        for arm in ("uniform-n", "gvm-count-cap24", "knapsack", "gvm-history-rounds"):
            c = demo.run_configuration(arm, plan, "v0.weights")
            benchmark = cv.run_configuration(arm, 1, 1e-4, 24, 64, 10)
            self.assertEqual(c["dataset"], "demo-pool")
            self.assertEqual((c["builtin"].pop("weights"), c["builtin"].pop("testDataset")),
                             (os.path.abspath("v0.weights"), "demo-test"))
            for key in ("dataset",):
                c.pop(key), benchmark.pop(key)
            for key in ("weights", "testDataset"):
                benchmark["builtin"].pop(key)
            self.assertEqual(c, benchmark, arm)

    def test_version_zero_is_evaluated_once(self):
        self.assertEqual(demo.evaluation_path("d", "uniform-n", 0), demo.evaluation_path("d", "gvm", 0))
        self.assertNotEqual(demo.evaluation_path("d", "uniform-n", 4), demo.evaluation_path("d", "gvm", 4))
        self.assertEqual(os.path.basename(demo.evaluation_path("d", "uniform-n+N'", 8)), "uniform-nplusNprime-v8.json")


if __name__ == "__main__":
    unittest.main()
