"""Fast checks of scripts/convergence.py's pure pieces (no processes)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import convergence as cv  # noqa: E402

STRATEGIES = ("gvm", "uniform", "knapsack", "variance")
HISTORY_FIELDS = ("decay", "priorStrength", "sigmaMax", "historyWindow", "solvedMinSamples", "hopelessMinSamples")


def coordinator_refusals(c: dict) -> list[str]:
    """The fields the coordinator would refuse in a run configuration, for
    the rules the benchmark's arms touch (Sources/Shared/Runs/RunConfiguration.swift,
    SampleRounds.swift and the strategies' validate; docs/configuration.md)."""
    problems = []
    strategy = c.get("strategy", "gvm")
    accounting = c.get("presampleAccounting", "separate")
    if strategy not in STRATEGIES:
        problems.append("strategy")
    history = c.get("history")
    if history is not None:
        if strategy == "uniform":
            problems.append("history: uniform does not use history statistics")
        if not isinstance(history, dict) or set(history) - set(HISTORY_FIELDS):
            problems.append("history: unknown field")
    if strategy == "gvm" and history is None and c.get("presamples", 8) < 1:
        problems.append("presamples: gvm without history needs >= 1")
    if "knapsackFloor" in c and strategy != "knapsack":
        problems.append("knapsackFloor: knapsack only")
    if strategy == "knapsack" and (c.get("filterThreshold", 0) != 0 or c.get("filterInsufficient", 0) != 0):
        problems.append("filters: knapsack takes none")
    if strategy == "uniform" and accounting == "countTowardBudget":
        problems.append("presampleAccounting: uniform draws no pre-samples")
    if accounting == "countTowardBudget" and c.get("trainOnPresamples", False):
        problems.append("presampleAccounting: countTowardBudget with trainOnPresamples")
    rounds = c.get("rounds")
    if rounds is not None:
        if accounting == "countTowardBudget":
            problems.append("rounds: refused with countTowardBudget")
        if set(rounds) - {"size", "acceptedTarget", "correctTarget", "wrongTarget"}:
            problems.append("rounds: unknown field")
        if not 1 <= rounds.get("size", 4) <= c.get("maxSamplesPerLease", 1):
            problems.append("rounds.size: 1 to maxSamplesPerLease")
        if any(rounds.get(k, 1) < 1 for k in ("acceptedTarget", "correctTarget", "wrongTarget")):
            problems.append("rounds: a target below 1")
        other = ("correctTarget", "wrongTarget") if c["algorithm"] == "raft" else ("acceptedTarget",)
        if any(k in rounds for k in other):
            problems.append("rounds: the other algorithm's target")
    if c.get("builtin") and c.get("gradNorm") not in ("exact", "constant"):
        problems.append("gradNorm: exact or constant for a built-in run")
    if c.get("promptsPerIteration", 1) * (c.get("presamples", 8) + c.get("samplesPerPrompt", 8)) \
            / c.get("maxSamplesPerLease", 1) > 100_000:
        problems.append("maxSamplesPerLease: too many work units")
    return problems


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

    def test_first_arms_are_unchanged(self):
        first = {
            "uniform-n": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 8}, {}),
            "uniform-n+N'": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 16}, {}),
            "gvm": ({"strategy": "gvm", "presamples": 8, "samplesPerPrompt": 8, "trainOnPresamples": False,
                     "presampleAccounting": "separate", "gradNormStatistic": "mean"}, {}),
            "gvm-count-cap24": ({"strategy": "gvm", "presamples": 8, "samplesPerPrompt": 8, "trainOnPresamples": False,
                                 "presampleAccounting": "countTowardBudget", "maxSamplesPerPrompt": 24,
                                 "gradNormStatistic": "mean"}, {}),
            "balanced": ({"strategy": "gvm", "presamples": 8, "samplesPerPrompt": 8, "trainOnPresamples": True,
                          "presampleAccounting": "separate", "gradNormStatistic": "rms"}, {"balancePrompts": True}),
            "uniform-n-aa": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 8}, {}),
            "uniform-2n-half": ({"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 16},
                                {"trainingFraction": 0.5}),
        }
        for arm, fields in first.items():
            self.assertEqual(cv.ARMS[arm], fields, arm)
        self.assertEqual(set(cv.TARGET_ARMS), set(first))

    def test_new_arms(self):
        c = {arm: cv.run_configuration(arm, 4, 1e-4, 12, 64, 10)
             for arm in ("knapsack", "variance", "gvm-history", "uniform-2n-rounds", "gvm-history-rounds")}
        gvm = cv.run_configuration("gvm", 4, 1e-4, 12, 64, 10)
        for arm, configuration in c.items():
            # everything but the allocation is the first arms': learning rate, epochs, prompts, iterations
            self.assertEqual(configuration["builtin"], gvm["builtin"], arm)
            for field in ("algorithm", "promptsPerIteration", "iterations", "maxSamplesPerLease", "gradNorm",
                          "generation", "prompt", "seed", "trainOnPresamples"):
                self.assertEqual(configuration[field], gvm[field], (arm, field))
            self.assertNotIn("samplerSeed", configuration)
        for arm in ("knapsack", "variance"):
            self.assertEqual((c[arm]["strategy"], c[arm]["presamples"], c[arm]["samplesPerPrompt"],
                              c[arm]["presampleAccounting"]), (arm, 8, 8, "separate"))
            self.assertNotIn("history", c[arm])     # the coordinator resolves the defaults
            self.assertNotIn("rounds", c[arm])
        self.assertEqual({k: v for k, v in c["gvm-history"].items() if k != "history"}, gvm)
        self.assertEqual(c["gvm-history"]["history"], {})
        rounds = {"size": 4, "acceptedTarget": 4}
        self.assertEqual({k: c["uniform-2n-rounds"][k] for k in ("strategy", "presamples", "samplesPerPrompt", "rounds")},
                         {"strategy": "uniform", "presamples": 0, "samplesPerPrompt": 16, "rounds": rounds})
        self.assertEqual({k: v for k, v in c["gvm-history-rounds"].items() if k not in ("rounds", "samplesPerPrompt")},
                         {k: v for k, v in c["gvm-history"].items() if k != "samplesPerPrompt"})
        self.assertEqual((c["gvm-history-rounds"]["samplesPerPrompt"], c["gvm-history-rounds"]["rounds"]), (16, rounds))

    def test_every_arm_is_one_the_coordinator_accepts(self):
        for arm in cv.ARMS:
            self.assertEqual(coordinator_refusals(cv.run_configuration(arm, 4, 1e-4, 12, 64, 10)), [], arm)
        # and the mirror refuses what the coordinator refuses
        knapsack = cv.run_configuration("knapsack", 4, 1e-4, 12, 64, 10)
        self.assertTrue(coordinator_refusals({**knapsack, "filterThreshold": 0.9}))
        rounds = cv.run_configuration("uniform-2n-rounds", 4, 1e-4, 12, 64, 10)
        self.assertTrue(coordinator_refusals({**rounds, "rounds": {"size": 16, "acceptedTarget": 4}}))
        self.assertTrue(coordinator_refusals({**rounds, "rounds": {"size": 4, "correctTarget": 2}}))
        self.assertTrue(coordinator_refusals({**rounds, "history": {}}))
        cap = cv.run_configuration("gvm-count-cap24", 4, 1e-4, 12, 64, 10)
        self.assertTrue(coordinator_refusals({**cap, "rounds": {"size": 4, "acceptedTarget": 4}}))

    def test_configurations_are_copies(self):
        c = cv.run_configuration("gvm-history-rounds", 4, 1e-4, 12, 64, 10)
        c["rounds"]["size"] = 99
        c["history"]["decay"] = 0.5
        self.assertEqual(cv.ARMS["gvm-history-rounds"][0]["rounds"], {"size": 4, "acceptedTarget": 4})
        self.assertEqual(cv.ARMS["gvm-history"][0]["history"], {})

    def test_targets_come_from_the_first_design(self):
        self.assertEqual(cv.target_arms(["uniform-n", "gvm", "knapsack", "uniform-2n-rounds"]), ["uniform-n", "gvm"])
        self.assertIsNone(cv.target_arms(["knapsack"]))

    def test_rounds_statistics(self):
        self.assertEqual(cv.rounds_statistics({"samplesGenerated": 512}), {})
        self.assertEqual(cv.rounds_statistics({"samplesGenerated": 800, "generationBudget": 1024, "unspent": 224}),
                         {"generationBudget": 1024, "unspent": 224})

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
