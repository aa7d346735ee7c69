"""Checks that can fail, for the convergence benchmark's analysis
(scripts/convergence_analysis.py), on synthetic curves with a known speed-up.

The synthetic benchmark: uniform-n's expected accuracy after x samples is
a - (a - 0.35) exp(-x / 3000), with a per-seed asymptote a = 0.55 + u + v
(u shared by the arms of a seed, sd 1 point; v the arm's own, sd 0.5 point);
the faster arm's is the same at 1.5 x, so it needs exactly 1/1.5 of the
samples to any level. Runs are read at versions 0, 3, 6, 9 and 12 with 512
samples per iteration for uniform-n and the arm's own count (1024 for paper
GVM with n = N' = 8, 512 for GVM counting pre-samples towards the budget),
plus 0.75 points of measurement noise per point (expected accuracy on 1,000
prompts x 4 samples). Version 0 is one checkpoint evaluated on common random
numbers, so its one noisy value is shared by every run. 12 seeds.

Every random stream has a fixed seed, so no check can flake; the tolerances
of the coverage checks are set from coverage measured over 300-400 datasets
(see the class) so that they would also hold, with high probability, for
other seeds.

    python3 -m unittest discover -s scripts/tests -v      (from the repo root; a few seconds)
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import convergence_analysis as ca  # noqa: E402

ASYMPTOTE, START, SCALE = 0.55, 0.35, 3000.0
VERSIONS = np.array([0, 3, 6, 9, 12], dtype=np.float64)
UNIFORM_PER_ITERATION = 512


def truth(x, asymptote=ASYMPTOTE, start=START):
    return asymptote - (asymptote - start) * np.exp(-np.asarray(x, dtype=np.float64) / SCALE)


def synthetic_arms(rng, speedup=1.5, per_iteration=1024, seeds=12, noise=0.0075, shared=0.01, own=0.005,
                   start_noise=None, arm="gvm") -> dict:
    """{"uniform-n": runs, arm: runs}, seed-aligned dict rows as the driver
    will pass them."""
    start_noise = noise if start_noise is None else start_noise
    version_zero = START + rng.normal(0, start_noise)
    arms = {"uniform-n": [], arm: []}
    for seed in range(seeds):
        u = rng.normal(0, shared)
        for name, per, k in (("uniform-n", UNIFORM_PER_ITERATION, 1.0), (arm, per_iteration, speedup)):
            asymptote = ASYMPTOTE + u + rng.normal(0, own)
            samples = VERSIONS * per
            accuracy = truth(k * samples, asymptote) + rng.normal(0, noise, len(VERSIONS))
            accuracy[0] = version_zero
            arms[name].append({"seed": seed, "samples": samples.tolist(), "accuracy": accuracy.tolist(),
                               "versions": VERSIONS.tolist()})
    return arms


def noise_free_run(speedup=1.0, per_iteration=UNIFORM_PER_ITERATION, seed=0) -> dict:
    samples = VERSIONS * per_iteration
    return {"seed": seed, "samples": samples, "accuracy": truth(speedup * samples), "versions": VERSIONS}


def true_auc_ratio(speedup: float, end: float) -> float:
    grid = np.linspace(0, end, 4097)
    return float(np.trapezoid(truth(speedup * grid), grid) / np.trapezoid(truth(grid), grid))


def contains(row: dict, value: float) -> bool:
    return row["low"] <= value <= row["high"]


class Smoothing(unittest.TestCase):
    def test_isotonic_pools_adjacent_violators(self):
        np.testing.assert_allclose(ca.isotonic([1, 3, 2, 4]), [1, 2.5, 2.5, 4])
        np.testing.assert_allclose(ca.isotonic([5, 4, 3]), [4, 4, 4])
        np.testing.assert_allclose(ca.isotonic([1, 3, 2], weights=[1, 1, 3]), [1, 2.25, 2.25])

    def test_isotonic_is_monotone_keeps_the_mean_and_reproduces_a_monotone_curve(self):
        rng = np.random.default_rng(11)
        for _ in range(200):
            y = rng.normal(size=5)
            fitted = ca.isotonic(y)
            self.assertTrue(np.all(np.diff(fitted) >= 0), (y, fitted))
            self.assertAlmostEqual(fitted.sum(), y.sum())
            monotone = np.sort(y)
            np.testing.assert_array_equal(ca.isotonic(monotone), monotone)
        x = VERSIONS * 512
        y = truth(x)
        curve = ca.fit_isotonic(x, y)
        np.testing.assert_allclose(curve(x), y)
        self.assertAlmostEqual(float(curve((x[1] + x[2]) / 2)), (y[1] + y[2]) / 2)

    def test_saturating_fit_recovers_a_noise_free_curve_and_is_monotone(self):
        for per, k in ((512, 1.0), (1024, 1.5), (640, 0.4)):
            x = VERSIONS * per
            curve = ca.fit_saturating(x, truth(k * x))
            a, b, c = curve.params
            self.assertAlmostEqual(a, ASYMPTOTE, delta=1e-3)
            self.assertAlmostEqual(b, ASYMPTOTE - START, delta=1e-3)
            self.assertAlmostEqual(c, k / SCALE, delta=0.01 * k / SCALE)
            target = 0.45
            self.assertAlmostEqual(curve.reach(target, x[-1]), -SCALE / k * math.log((ASYMPTOTE - target) / 0.2),
                                   delta=5)
        noisy = ca.fit_saturating(VERSIONS, [0.35, 0.50, 0.44, 0.52, 0.51])
        grid = np.linspace(0, 12, 200)
        self.assertTrue(np.all(np.diff(noisy(grid)) >= 0))
        # falling data: the flat line at the mean, never a decreasing curve
        flat = ca.fit_saturating(VERSIONS, [0.50, 0.48, 0.46, 0.44, 0.42])
        np.testing.assert_allclose(flat(grid), 0.46)

    def test_a_target_is_read_off_the_smoothed_curve_not_the_first_noisy_crossing(self):
        # version 3 is 3 points high (above the target) and version 6 is 3
        # points low (back below it): the raw curve crosses at ~1,470
        # samples, the true one at ~2,230
        x = VERSIONS * 512
        target = 0.455
        true_crossing = -SCALE * math.log((ASYMPTOTE - target) / (ASYMPTOTE - START))
        y = truth(x) + np.array([0, 0.03, -0.03, 0, 0])
        first_raw = int(np.flatnonzero(y >= target)[0])
        raw = x[first_raw - 1] + (target - y[first_raw - 1]) / (y[first_raw] - y[first_raw - 1]) * 512 * 3
        self.assertLess(raw, x[1])
        saturating = ca.fit_saturating(x, y).reach(target, x[-1])
        isotonic = ca.fit_isotonic(x, y).reach(target, x[-1])
        self.assertGreater(saturating, x[1])
        self.assertGreater(isotonic, x[1])
        self.assertLess(abs(saturating - true_crossing), 0.25 * true_crossing, (saturating, true_crossing))
        self.assertLess(abs(saturating - true_crossing), abs(raw - true_crossing))

    def test_the_chord_reads_a_faster_arm_late_where_the_fit_does_not(self):
        # why the fit is the default: noise-free curves, true speed-up 1.5
        base = ca.Run.from_dict(noise_free_run())
        fast = ca.Run.from_dict(noise_free_run(1.5, 1024))
        samples_grid = ca.make_grid([base, fast], "samples")
        versions_grid = ca.make_grid([base, fast], "versions")
        targets = [0.40, 0.44, 0.48]
        speedups = {}
        for method in ca.METHODS:
            b = ca.run_endpoints(base, targets, samples_grid, versions_grid, method)
            f = ca.run_endpoints(fast, targets, samples_grid, versions_grid, method)
            speedups[method] = b.samples / f.samples
        np.testing.assert_allclose(speedups["saturating"], 1.5, atol=0.01)
        self.assertTrue(np.all(speedups["isotonic"] < 1.35), speedups)

    def test_curve_on_a_grid_and_area(self):
        flat = ca.Curve("isotonic", 10.0, knots=(np.array([0.0, 10.0]), np.array([0.4, 0.4])))
        line = ca.Curve("isotonic", 10.0, knots=(np.array([0.0, 10.0]), np.array([0.2, 0.6])))
        grid = np.linspace(0, 10, 11)
        self.assertAlmostEqual(ca.area(flat, grid), 0.4)
        self.assertAlmostEqual(ca.area(line, grid), 0.4)
        self.assertAlmostEqual(ca.area(line, np.linspace(0, 5, 33)), 0.3)


class Endpoints(unittest.TestCase):
    def test_grid_lies_inside_every_run(self):
        runs = [noise_free_run(), noise_free_run(1.5, 1024)]
        grid = ca.make_grid(runs, "samples", 5)
        np.testing.assert_allclose(grid, [0, 1536, 3072, 4608, 6144])
        with self.assertRaisesRegex(ValueError, "not inside the run"):
            ca.run_endpoints(runs[0], [0.45], np.linspace(0, 8000, 5), np.linspace(0, 12, 5))

    def test_a_run_that_never_reaches_a_target_is_censored_and_counted(self):
        run = {"seed": 0, "samples": VERSIONS * 512, "accuracy": [0.35, 0.38, 0.40, 0.40, 0.41],
               "versions": VERSIONS}
        grid = np.linspace(0, 6144, 65)
        e = ca.run_endpoints(run, [0.37, 0.45], grid, np.linspace(0, 12, 65))
        self.assertFalse(e.samples_censored[0])
        self.assertTrue(e.samples_censored[1])
        self.assertEqual(e.samples[1], 6144)                # counted at the censoring value
        self.assertTrue(e.versions_censored[1])
        self.assertEqual(e.versions[1], 12)

        rng = np.random.default_rng(3)
        arms = synthetic_arms(rng, per_iteration=512)
        stalled = [0, 4, 7]
        for seed in stalled:                                 # these seeds of the arm stop learning
            arms["gvm"][seed]["accuracy"] = [arms["gvm"][seed]["accuracy"][0]] + [0.36] * 4
        targets = [0.40, 0.45]
        summary = ca.analyse(arms, targets=targets, resamples=200)
        self.assertEqual(summary["arms"]["gvm"]["censoredSamples"], [3, 3])
        self.assertEqual(summary["arms"]["uniform-n"]["censoredSamples"], [0, 0])
        rows = summary["arms"]["gvm"]["ratios"]["uniform-n"]["samplesToTarget"]
        self.assertEqual([r["censoredArm"] for r in rows], [3, 3])
        self.assertEqual([r["censoredReference"] for r in rows], [0, 0])
        # censored seeds count at 6,144 samples, a lower bound: the mean is at least that share of it
        self.assertGreaterEqual(rows[1]["armMean"], 3 / 12 * 6144)

    def test_targets_lie_between_the_common_start_and_the_lowest_final_value(self):
        grid = np.linspace(0, 6144, 65)
        curves = {"uniform-n": truth(grid), "gvm": truth(1.5 * grid), "slow": truth(0.5 * grid)}
        targets = ca.propose_targets(curves)
        lowest = truth(0.5 * 6144)
        np.testing.assert_allclose(targets, [START + f * (lowest - START) for f in (0.25, 0.5, 0.75)])
        for curve in curves.values():
            self.assertTrue(all(curve[-1] > t for t in targets))
        with self.assertRaisesRegex(ValueError, "not above the start"):
            ca.propose_targets({"uniform-n": truth(grid), "stuck": np.full_like(grid, START)})


class Bootstrap(unittest.TestCase):
    def test_a_known_speedup_of_one_and_a_half_is_recovered_and_wrong_ones_are_not(self):
        for per in (1024, 512):
            with self.subTest(arm_samples_per_iteration=per):
                summary = ca.analyse(synthetic_arms(np.random.default_rng([15, per]), per_iteration=per), seed=1)
                result = summary["arms"]["gvm"]["ratios"]["uniform-n"]
                self.assertEqual(result["pairs"], 12)
                for row in result["samplesToTarget"]:
                    self.assertTrue(contains(row, 1.5), row)
                    self.assertFalse(contains(row, 1.0), row)
                    self.assertFalse(contains(row, 2.25), row)
                    self.assertEqual(row["censoredArm"] + row["censoredReference"], 0)
                # the paper's measure: per version the arm is 1.5 x per / 512 faster
                versions_speedup = 1.5 * per / UNIFORM_PER_ITERATION
                for row in result["versionsToTarget"]:
                    self.assertTrue(contains(row, versions_speedup), row)
                    self.assertFalse(contains(row, versions_speedup / 1.5), row)
                    self.assertFalse(contains(row, versions_speedup * 1.5), row)
                # AUC moves up, by what the noise-free curves give
                auc = result["auc"]
                self.assertGreater(auc["low"], 1.0, auc)
                self.assertTrue(contains(auc, true_auc_ratio(1.5, summary["grid"]["samples"][-1])), auc)

    def check_coverage(self, per_iteration, start_noise, datasets=30):
        estimates, covered, auc_covered = [], [], []
        for d in range(datasets):
            arms = synthetic_arms(np.random.default_rng([7, per_iteration, d]), per_iteration=per_iteration,
                                  start_noise=start_noise)
            summary = ca.analyse(arms, resamples=1000, seed=d)
            result = summary["arms"]["gvm"]["ratios"]["uniform-n"]
            estimates.append([row["estimate"] for row in result["samplesToTarget"]])
            covered.append([contains(row, 1.5) for row in result["samplesToTarget"]])
            auc_covered.append(contains(result["auc"], true_auc_ratio(1.5, summary["grid"]["samples"][-1])))
        estimates, covered = np.array(estimates), np.array(covered)
        # unbiased: the sd of one estimate is 0.05-0.08, so of the mean over 30 about 0.012
        np.testing.assert_allclose(estimates.mean(0), 1.5, atol=0.04)
        self.assertGreaterEqual(covered.mean(), 0.8, covered.mean(0))
        self.assertGreaterEqual(np.mean(auc_covered), 0.8)
        return covered.mean()

    def test_coverage_over_independent_datasets_with_equal_samples_per_iteration(self):
        # 30 datasets x 3 targets, at least 80% of intervals contain 1.5.
        # Measured over 400 datasets: 0.90, 0.91, 0.92 per target (a 12-seed
        # percentile interval is narrower than a 95% one should be); with
        # the targets' intervals correlated within a dataset, a fresh set of
        # 30 falls below 0.8 with a probability of a few percent, and these
        # 30 are fixed.
        self.check_coverage(512, start_noise=None)

    def test_coverage_with_a_faster_arm_spending_twice_the_samples(self):
        # An arm spending 1024 per iteration crosses the targets between
        # version 0 and its version 3, so the shared version-0 value weighs
        # on its reading and not on uniform's; the seed bootstrap cannot see
        # it (coverage 0.82-0.90 at 0.75 points). With version 0 evaluated
        # on 4x the samples (0.375 points), as the report recommends,
        # coverage is 0.88-0.91 over 300 datasets.
        self.check_coverage(1024, start_noise=0.00375)

    def test_ratios_point_the_right_way(self):
        reference = np.array([1000.0, 2000, 3000, 4000])
        half = reference / 2
        speedup = ca.paired_bootstrap(reference, half, "speedup", resamples=500)
        self.assertAlmostEqual(speedup["estimate"], 2.0)
        self.assertAlmostEqual(speedup["low"], 2.0)
        self.assertAlmostEqual(speedup["high"], 2.0)
        ratio = ca.paired_bootstrap(reference, half, "ratio", resamples=500)
        self.assertAlmostEqual(ratio["estimate"], 0.5)
        # both at the start is a tie, an arm at 0 against a reference above it is infinitely faster
        np.testing.assert_array_equal(ca.ratio_of_means(np.array([[0.0, 0.0], [1.0, 0.0]]), np.zeros((2, 2))),
                                      [1.0, np.inf])

    def test_seeded_and_paired(self):
        rng = np.random.default_rng(21)
        effect = rng.lognormal(0, 0.4, 12)                   # a strong per-seed effect, shared by both arms
        reference = 3000 * effect * rng.lognormal(0, 0.05, 12)
        arm = 2000 * effect * rng.lognormal(0, 0.05, 12)
        one = ca.paired_bootstrap(reference, arm, seed=5)
        self.assertEqual(one, ca.paired_bootstrap(reference, arm, seed=5))
        self.assertNotEqual(one, ca.paired_bootstrap(reference, arm, seed=6))
        unpaired = ca.paired_bootstrap(reference, np.roll(arm, 5), seed=5)
        self.assertLess(one["halfWidth"], 0.5 * unpaired["halfWidth"], (one, unpaired))

    def test_runs_pair_by_seed_and_cpu(self):
        arms = synthetic_arms(np.random.default_rng(4), per_iteration=512)
        summary = ca.analyse(arms, targets=[0.42], resamples=300)
        shuffled = {"uniform-n": arms["uniform-n"], "gvm": arms["gvm"][::-1]}
        again = ca.analyse(shuffled, targets=[0.42], resamples=300)
        self.assertEqual(summary["arms"]["gvm"]["ratios"], again["arms"]["gvm"]["ratios"])
        for run in arms["uniform-n"]:
            run["cpu"] = "A"
        for i, run in enumerate(arms["gvm"]):
            run["cpu"] = "A" if i < 9 else "B"
        del arms["gvm"][2]
        result = ca.analyse(arms, targets=[0.42], resamples=300)["arms"]["gvm"]["ratios"]["uniform-n"]
        self.assertEqual(result["seeds"], [0, 1, 3, 4, 5, 6, 7, 8])
        arms["gvm"].append(dict(arms["gvm"][0]))
        with self.assertRaisesRegex(ValueError, "share seed"):
            ca.analyse(arms, targets=[0.42], resamples=300)


class Controls(unittest.TestCase):
    def test_aa_identical_arms(self):
        arms = synthetic_arms(np.random.default_rng(8), per_iteration=512)
        arms["uniform-n-aa"] = [dict(run) for run in arms["uniform-n"]]
        controls = ca.analyse(arms, aa_arm="uniform-n-aa", resamples=300)["controls"]["aa"]
        for row in [controls["auc"]] + controls["samplesToTarget"] + controls["versionsToTarget"]:
            self.assertEqual((row["low"], row["estimate"], row["high"]), (1.0, 1.0, 1.0))
            self.assertTrue(row["pass"])
            self.assertIsNone(row["seedsNeeded"])

    def test_aa_same_curve_other_noise_contains_one(self):
        rng = np.random.default_rng(9)
        arms = synthetic_arms(rng, speedup=1.0, per_iteration=512, arm="uniform-n-aa")
        controls = ca.analyse(arms, aa_arm="uniform-n-aa", seed=2)["controls"]["aa"]
        for row in [controls["auc"]] + controls["samplesToTarget"]:
            self.assertTrue(row["containsOne"], row)
            self.assertEqual(row["narrowEnough"], row["halfWidth"] <= 0.15)
            self.assertEqual(row["seedsNeeded"] is None, row["narrowEnough"])

    def test_seeds_needed_from_the_half_width(self):
        self.assertIsNone(ca.seeds_needed(float("inf"), 2))   # an endpoint never reached: no count would do
        self.assertEqual(ca.seeds_needed(0.30, 12), 48)
        self.assertEqual(ca.seeds_needed(0.15, 12), 12)
        self.assertEqual(ca.seeds_needed(0.20, 12), 22)     # 12 x (4/3)^2 = 21.3
        wide = ca.aa_check({"estimate": 1.05, "low": 0.80, "high": 1.40, "seeds": 12})
        self.assertTrue(wide["containsOne"])
        self.assertFalse(wide["pass"])
        self.assertEqual(wide["seedsNeeded"], 48)
        off = ca.aa_check({"estimate": 1.2, "low": 1.1, "high": 1.3, "seeds": 12})
        self.assertFalse(off["containsOne"])
        self.assertFalse(off["pass"])

    def test_seeds_needed_from_a_constructed_spread(self):
        # the arm's samples are the reference's times (1 + e), e with mean 0
        # and sd sigma over 12 seeds: the speed-up's sd is about sigma /
        # sqrt(12), and the half-width 1.96 of that, so 0.15 needs
        # (1.96 sigma / 0.15)^2 seeds
        sigma = 0.35
        e = np.linspace(-1, 1, 12)
        e = sigma * (e - e.mean()) / e.std()
        reference = np.full(12, 2000.0)
        interval = ca.paired_bootstrap(reference, reference * (1 + e), seed=3)
        check = ca.aa_check(interval)
        expected = (1.96 * sigma / 0.15) ** 2                # 20.9
        self.assertFalse(check["narrowEnough"])
        self.assertLess(abs(check["seedsNeeded"] - expected) / expected, 0.2, (check, expected))

    def test_accounting_check_bounds(self):
        self.assertTrue(ca.accounting_check(2.0)["pass"])
        self.assertTrue(ca.accounting_check(1.6)["pass"])
        self.assertTrue(ca.accounting_check(2.4)["pass"])
        self.assertFalse(ca.accounting_check(1.5)["pass"])
        self.assertFalse(ca.accounting_check(2.5)["pass"])
        self.assertEqual(ca.accounting_check(2.0)["samplesRatio"], 2.0)

    def test_accounting_control_end_to_end(self):
        # uniform generating 2n and training on half: uniform-n's curve per
        # version, at twice the samples. Counted right it needs 2x the
        # samples; counting only what it trained on, the bookkeeping error
        # the control exists to catch, it comes out at 1x.
        rng = np.random.default_rng(12)
        arms = synthetic_arms(rng, speedup=0.5, per_iteration=1024, arm="uniform-2n-half")
        check = ca.analyse(arms, accounting_arm="uniform-2n-half", seed=4)["controls"]["accounting"]
        self.assertTrue(check["pass"], check)
        for row in check["samplesToTarget"]:
            self.assertTrue(1.6 <= row["samplesRatio"] <= 2.4, row)
            self.assertLessEqual(row["low"], row["samplesRatio"])
            self.assertLessEqual(row["samplesRatio"], row["high"])
        for run in arms["uniform-2n-half"]:
            run["samples"] = [s / 2 for s in run["samples"]]
        wrong = ca.analyse(arms, accounting_arm="uniform-2n-half", seed=4)["controls"]["accounting"]
        self.assertFalse(wrong["pass"], wrong)


class Summary(unittest.TestCase):
    def test_summary_is_json_with_camel_case_keys(self):
        arms = synthetic_arms(np.random.default_rng(13), per_iteration=1024)
        arms["uniform-n+N'"] = synthetic_arms(np.random.default_rng(14), speedup=0.5, per_iteration=1024,
                                              arm="x")["x"]
        summary = ca.analyse(arms, comparisons=[("gvm", "uniform-n+N'")], resamples=200)
        text = json.dumps(summary, allow_nan=False)
        keys = set(re.findall(r'"([A-Za-z_]+)":', text))
        self.assertFalse([k for k in keys if "_" in k], keys)
        self.assertEqual(set(summary["arms"]["gvm"]["ratios"]), {"uniform-n", "uniform-n+N'"})
        self.assertEqual(summary["arms"]["uniform-n"]["ratios"], {})
        self.assertEqual(len(summary["targets"]), 3)
        self.assertEqual(summary["targetFractions"], [0.25, 0.5, 0.75])
        self.assertEqual(len(summary["curves"]["gvm"]["samples"]["mean"]), ca.GRID_POINTS)
        for arm, curve in summary["curves"].items():
            self.assertTrue(all(curve["samples"]["mean"][-1] > t for t in summary["targets"]), arm)

    def test_isotonic_method_runs_end_to_end(self):
        arms = synthetic_arms(np.random.default_rng(16), per_iteration=512)
        summary = ca.analyse(arms, method="isotonic", resamples=200)
        self.assertEqual(summary["method"], "isotonic")
        json.dumps(summary, allow_nan=False)
        with self.assertRaisesRegex(ValueError, "unknown method"):
            ca.analyse(arms, method="spline")


if __name__ == "__main__":
    unittest.main()


class Branching(unittest.TestCase):
    """GRPO's endpoint: an arm's uniform-equivalent budget over its samples."""

    @staticmethod
    def synthetic(seed: int, efficiency: float, seeds: int = 20, noise: float = 0.002):
        """Gains linear in budget (0.01 + 1e-5 per sample) with per-seed
        noise shared by every arm of a seed (the same prompt batch) plus arm noise."""
        rng = np.random.default_rng(seed)
        shared = rng.normal(0, noise, seeds)

        def gains(budget):
            return 0.01 + 1e-5 * budget + shared + rng.normal(0, noise / 2, seeds)

        uniform = {f"uniform-{b}": (b, gains(b)) for b in (512, 768, 1024)}
        arms = {"better": (np.full(seeds, 1024.0), gains(efficiency * 1024)),
                "same": (np.full(seeds, 768.0), gains(768))}
        return uniform, arms

    def test_recovers_a_known_efficiency_of_one_and_a_half(self):
        covered, estimates = 0, []
        for dataset in range(60):
            uniform, arms = self.synthetic(dataset, 1.5)
            result = ca.branching_analysis(uniform, arms, resamples=500, seed=dataset)
            better = result["arms"]["better"]["efficiency"]
            estimates.append(better["estimate"])
            covered += better["low"] <= 1.5 <= better["high"]
        self.assertAlmostEqual(float(np.median(estimates)), 1.5, delta=0.1)
        self.assertGreaterEqual(covered / 60, 0.85)

    def test_an_arm_like_uniform_comes_out_near_one_and_uniform_itself_exactly_on_its_line(self):
        uniform, arms = self.synthetic(3, 1.5)
        result = ca.branching_analysis(uniform, arms, resamples=500)
        same = result["arms"]["same"]["efficiency"]
        self.assertLessEqual(same["low"], 1.0)
        self.assertGreaterEqual(same["high"], 1.0)
        self.assertEqual(result["arms"]["uniform-512"]["gainOverSmallestUniform"]["estimate"], 0.0)
        self.assertGreater(result["line"]["slope"], 0)
        self.assertTrue(result["line"]["identified"])

    def test_a_flat_line_gives_infinite_bounds_not_a_division_by_zero(self):
        flat = np.full(4, 0.02)
        result = ca.branching_analysis({"a": (512, flat), "b": (1024, flat + np.array([0, 1e-9, 0, -1e-9]))},
                                       {"x": (np.full(4, 600.0), flat + 0.01)}, resamples=200)
        self.assertEqual(result["arms"]["x"]["efficiency"]["high"], None)  # +inf is written as None
        self.assertFalse(result["line"]["identified"])
        self.assertFalse(result["arms"]["x"]["efficiency"]["identified"])
        self.assertAlmostEqual(result["arms"]["x"]["gainOverLargestUniform"]["estimate"], 0.01, places=6)
        self.assertTrue(json.dumps(result))

    def test_refuses_one_budget_and_unpaired_arms(self):
        with self.assertRaises(ValueError):
            ca.branching_analysis({"a": (512, np.zeros(3)), "b": (512, np.zeros(3))}, {})
        with self.assertRaises(ValueError):
            ca.branching_analysis({"a": (512, np.zeros(3)), "b": (1024, np.zeros(3))}, {"x": (np.zeros(2), np.zeros(2))})
