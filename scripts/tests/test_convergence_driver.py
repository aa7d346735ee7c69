"""Fast checks of scripts/convergence.py's pure pieces (no processes)."""
import contextlib
import io
import os
import sys
import tempfile
import unittest
from types import SimpleNamespace

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


def settings_args(**changes) -> SimpleNamespace:
    """The driver's default settings, as its parser would give them."""
    return SimpleNamespace(**{"iterations": 12, "prompts_per_iteration": 64, "eval_limit": 1000, "eval_samples": 4,
                              "eval_seed": 1, "eval_every": 3, **changes})


def row_like(phase: str, **changes) -> dict:
    """A results row as far as the clash check reads it."""
    probe = cv.settings_probe(phase, settings_args(**changes))
    return {**probe, "arm": "uniform-n", "seed": 1, "learningRate": 1e-4}


class Pool128Phase(unittest.TestCase):
    def write_pool(self, folder: str, prompts: int = 200) -> list[str]:
        lines = [f'{{"problem":"{i}+1=?","answer":"{i + 1}"}}\n' for i in range(prompts)]
        with open(os.path.join(folder, "pool.jsonl"), "w") as f:
            f.write("".join(lines[:3]) + "\n" + "".join(lines[3:]))     # a blank line is not a prompt
        return lines

    def test_the_pool_is_the_first_128_prompts_written_once(self):
        with tempfile.TemporaryDirectory() as folder:
            lines = self.write_pool(folder)
            path = cv.phase_pool(folder, "raft-pool128")
            self.assertEqual(path, os.path.join(folder, "pool-128.jsonl"))
            with open(path) as f:
                self.assertEqual(f.read(), "".join(lines[:128]))
            self.assertEqual(len(cv.pool_lines(path)), 128)
            self.assertEqual(len(cv.pool_lines(path)) / 64, 2.0)     # the rows' revisitInterval at 64 per iteration
            made = os.stat(path)
            self.assertEqual(cv.phase_pool(folder, "raft-pool128"), path)
            again = os.stat(path)
            self.assertEqual((again.st_ino, again.st_mtime_ns), (made.st_ino, made.st_mtime_ns), "written twice")
            self.assertFalse(os.path.exists(path + ".partial"))
            # a pool-128.jsonl that is not the prefix is refused, not used or overwritten
            with open(path, "a") as f:
                f.write(lines[150])
            with self.assertRaises(SystemExit):
                cv.phase_pool(folder, "raft-pool128")
            # the other phases train on pool.jsonl itself and write nothing
            os.remove(path)
            for phase in ("raft", "lr-grid"):
                self.assertEqual(cv.phase_pool(folder, phase), os.path.join(folder, "pool.jsonl"))
            self.assertFalse(os.path.exists(path))

    def test_a_pool_too_small_is_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            self.write_pool(folder, prompts=100)
            with self.assertRaises(SystemExit):
                cv.phase_pool(folder, "raft-pool128")
            self.assertFalse(os.path.exists(os.path.join(folder, "pool-128.jsonl")))

    def test_the_phases_defaults(self):
        spec = cv.PHASES["raft-pool128"]
        self.assertEqual(cv.parse_arms(None, spec.arms), ["uniform-n", "uniform-n-aa", "knapsack", "gvm-history"])
        self.assertEqual(cv.parse_seeds(spec.seeds), list(range(1, 13)))
        self.assertEqual((spec.pool, spec.prompts, spec.learning_rates), ("pool-128.jsonl", 128, None))
        self.assertNotEqual(spec.dataset, cv.PHASES["raft"].dataset)
        # raft's defaults are as before: every arm, seeds 1-12, pool.jsonl
        self.assertEqual(cv.parse_arms(None, cv.PHASES["raft"].arms), list(cv.ARMS))
        self.assertEqual(cv.parse_arms(None), list(cv.ARMS))
        self.assertEqual((cv.PHASES["raft"].seeds, cv.PHASES["lr-grid"].seeds), ("1-12", "1-3"))
        self.assertEqual({cv.PHASES[p].pool for p in ("raft", "lr-grid")}, {"pool.jsonl"})
        self.assertEqual({cv.PHASES[p].dataset for p in ("raft", "lr-grid")}, {"convergence-pool"})
        # its targets come from the first design's arms present: uniform-n and the A/A arm
        self.assertEqual(cv.target_arms(spec.arms), ["uniform-n", cv.AA_ARM])
        self.assertEqual(cv.plan("raft-pool128", list(spec.arms), [1, 2], 1e-4)[1],
                         [(arm, 2, 1e-4) for arm in spec.arms])

    def test_the_arms_are_raft_s_on_another_dataset(self):
        for arm in cv.PHASES["raft-pool128"].arms:
            mine = cv.run_configuration(arm, 3, 1e-4, 12, 64, 10, cv.PHASES["raft-pool128"].dataset)
            raft = cv.run_configuration(arm, 3, 1e-4, 12, 64, 10, cv.PHASES["raft"].dataset)
            self.assertEqual(mine.pop("dataset"), "convergence-pool-128")
            self.assertEqual(raft.pop("dataset"), "convergence-pool")
            self.assertEqual(mine, raft, arm)
        self.assertEqual(cv.run_configuration("uniform-n", 3, 1e-4, 12, 64, 10)["dataset"], "convergence-pool")

    def test_the_parser_knows_the_phase(self):
        with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()) as out, \
                contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(cv.main(["--phase", "raft-pool128", "--report",
                                      "--results", os.path.join(folder, "none.jsonl")]), 1)
            self.assertIn("no raft-pool128 rows", out.getvalue())
            with self.assertRaises(SystemExit):
                cv.main(["--phase", "raft-pool-128", "--report"])
            with self.assertRaises(SystemExit):     # the grid alone refuses --arms
                cv.main(["--phase", "lr-grid", "--arms", "gvm"])

    def test_the_clash_check_keeps_the_phases_apart(self):
        raft = [row_like("raft"), row_like("raft", eval_limit=20)]     # raft rows, one at other settings
        lr_grid = [row_like("lr-grid")]
        pool = cv.settings_probe("raft-pool128", settings_args())
        # raft rows, at any settings, never clash with a raft-pool128 piece
        self.assertEqual(cv.clashes(raft + lr_grid, pool), [])
        # raft-pool128 rows at its settings do not clash; at others they do
        same, other = row_like("raft-pool128"), row_like("raft-pool128", iterations=2, eval_every=1)
        self.assertEqual(cv.clashes(raft + [same], pool), [])
        self.assertEqual(cv.clashes(raft + [same, other], pool), [other])
        # and raft-pool128 rows never clash with a raft piece: only raft's own row at other settings does
        self.assertEqual(cv.clashes(raft + [same, other], cv.settings_probe("raft", settings_args())), [raft[1]])
        # the pool's dataset is one of the settings: a raft row on the small pool would clash within raft
        self.assertNotEqual(cv.settings_of(row_like("raft")), cv.settings_of(same))
        moved = row_like("raft")
        moved["configuration"] = {**moved["configuration"], "dataset": "convergence-pool-128"}
        self.assertEqual(cv.clashes([moved], cv.settings_probe("raft", settings_args())), [moved])

    def test_estimates_and_keys_are_per_phase(self):
        rows = [{"phase": "raft", "arm": "uniform-n", "learningRate": 1e-4, "seconds": 10},
                {"phase": "raft-pool128", "arm": "uniform-n", "learningRate": 1e-4, "seconds": 30}]
        self.assertEqual(cv.group_estimate([("uniform-n", 2, 1e-4)], rows, "raft-pool128"), 30)
        self.assertEqual(cv.group_estimate([("uniform-n", 2, 1e-4)], rows, "raft"), 10)
        self.assertNotEqual(cv.row_key(rows[0] | {"seed": 1}), cv.row_key(rows[1] | {"seed": 1}))


if __name__ == "__main__":
    unittest.main()
