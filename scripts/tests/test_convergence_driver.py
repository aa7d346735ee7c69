"""Fast checks of scripts/convergence.py's pure pieces (no processes)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convergence as cv  # noqa: E402


class DriverTests(unittest.TestCase):
    def test_evaluated_versions(self):
        self.assertEqual(cv.evaluated_versions(12), [0, 3, 6, 9, 12])
        self.assertEqual(cv.evaluated_versions(3), [0, 3])
        self.assertEqual(cv.evaluated_versions(7), [0, 3, 6, 7])

    def test_cumulative_counts_iterations_before_each_version(self):
        self.assertEqual(cv.cumulative([10, 20, 30, 40], [0, 1, 3, 4]), [0, 10, 60, 100])

    def test_plan_interleaves_arms_by_seed(self):
        groups = cv.plan("raft", ["uniform-n", "gvm"], [1, 2], 3e-4)
        self.assertEqual(groups, [[("uniform-n", 1, 3e-4), ("gvm", 1, 3e-4)], [("uniform-n", 2, 3e-4), ("gvm", 2, 3e-4)]])
        self.assertEqual([g[0][2] for g in cv.plan("lr-grid", [], [1], None)[:1]], [1e-4])
        self.assertEqual(len(cv.plan("lr-grid", [], [1, 2, 3], None)[0]), 3)

    def test_seeds_and_arms(self):
        self.assertEqual(cv.parse_seeds("1-3,7"), [1, 2, 3, 7])
        self.assertEqual(cv.parse_arms("uniform-n,uniform-n+N"), ["uniform-n", "uniform-n+N'"])
        with self.assertRaises(ValueError):
            cv.parse_arms("aa")

    def test_arm_configurations(self):
        balanced = cv.run_configuration("balanced", 4, 3e-4, 12, 64, 10)
        self.assertEqual((balanced["strategy"], balanced["trainOnPresamples"], balanced["gradNormStatistic"]),
                         ("gvm", True, "rms"))
        self.assertTrue(balanced["builtin"]["balancePrompts"])
        self.assertEqual(balanced["builtin"]["epochsPerIteration"], 1)
        self.assertEqual(balanced["builtin"]["learningRate"], 3e-4)
        cap = cv.run_configuration("gvm-count-cap24", 4, 3e-4, 12, 64, 10)
        self.assertEqual((cap["presampleAccounting"], cap["maxSamplesPerPrompt"], cap["trainOnPresamples"]),
                         ("countTowardBudget", 24, False))
        wide = cv.run_configuration("uniform-n+N'", 4, 3e-4, 12, 64, 10)
        self.assertEqual((wide["strategy"], wide["presamples"], wide["samplesPerPrompt"]), ("uniform", 0, 16))
        plain = cv.run_configuration("uniform-n", 4, 3e-4, 12, 64, 10)
        aa = cv.run_configuration("uniform-n-aa", 4, 3e-4, 12, 64, 10)
        # the A/A arm differs from uniform-n in its sampler seed alone
        self.assertEqual(aa.pop("samplerSeed"), 4 + cv.AA_SAMPLER_OFFSET)
        self.assertEqual(aa, plain)
        half = cv.run_configuration("uniform-2n-half", 4, 3e-4, 12, 64, 10)
        self.assertEqual((half["strategy"], half["samplesPerPrompt"], half["builtin"]["trainingFraction"]),
                         ("uniform", 16, 0.5))
        self.assertNotIn("samplerSeed", half)

    def test_parse_evaluation(self):
        text = ('{"expectedAccuracy":{"mean":0.3,"standardError":0.1,"tasks":20,"samplesPerTask":1,"maxTokens":2048},'
                '"goldLogLikelihood":{"meanPerTask":-5.1,"meanPerToken":-0.11},"seconds":0.1,'
                '"weights":{"modelVersion":3}}')
        e = cv.parse_evaluation(text)
        self.assertEqual((e["expectedAccuracy"], e["expectedAccuracyStandardError"], e["goldLogLikelihood"],
                          e["modelVersion"]), (0.3, 0.1, -5.1, 3))

    def test_group_estimate(self):
        rows = [{"phase": "raft", "arm": "uniform-n", "learningRate": 1e-4, "seconds": 10},
                {"phase": "raft", "arm": "gvm", "learningRate": 1e-4, "seconds": 30}]
        self.assertEqual(cv.group_estimate([("uniform-n", 2, 1e-4), ("gvm", 2, 1e-4)], rows, "raft"), 40)
        self.assertIsNone(cv.group_estimate([("balanced", 2, 1e-4)], rows, "raft"))


if __name__ == "__main__":
    unittest.main()
