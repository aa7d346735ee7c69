"""Checks that can fail, for the mechanism benchmark's history arms
(scripts/mechanism_history.py): its statistics and allocations against
scripts/strategy_reference.py entered another way (whole cases through
`history_statistics`, one call of each rule per replicate), the budgets, the
refusals, the matching by task, and the driver appending only the new arms'
rows.

    python3 -m unittest discover -s scripts/tests -v      (from the repo root; a few seconds)
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import mechanism  # noqa: E402
import mechanism_estimators as me  # noqa: E402
import mechanism_history as mh  # noqa: E402
import strategy_reference as sr  # noqa: E402
from test_mechanism_estimators import synthetic_arrays, write_fake_batch  # noqa: E402

E = len(me.ESTIMATORS)
HISTORY_ARMS = [arm for arm in me.ARMS if arm.kind == "history" and arm.rounds is None]


def small_setup(seed: int, batch_tasks=(3, 4, 5), M: int = 16):
    """A dataset of 8 prompts (tasks 0..7, levels with repeats and an empty
    level) at the history version, and the current version's pool of the
    batch's prompts."""
    rng = np.random.default_rng(seed)
    P = 8
    source_rewards = (rng.random((P, M)) < rng.uniform(0.0, 1.0, (P, 1))).astype(np.float64)
    source_rewards[0] = 0                     # a hopeless-looking prompt
    source_rewards[1] = 1                     # a solved-looking one
    norms = {g: rng.uniform(0.5, 3.0, (P, M)) for g in me.GROUPS}
    source = mh.Source(label="v0", weights_sha256="ab" * 32, tasks=np.arange(P), levels=[1, 1, 2, 2, 3, 1, 4, 2],
                       rewards=source_rewards, norms=norms)
    accepted = tuple(int(a) for a in rng.integers(0, M + 1, size=len(batch_tasks)))
    rewards, tokens, sketches, pool_norms = synthetic_arrays(seed=seed, accepted=accepted, M=M, D=3)
    pool = me.Pool.from_arrays(rewards, tokens, sketches, pool_norms)
    return source, pool, list(batch_tasks)


def reference_state(source, pool, batch_tasks, own_history, presamples, seed, settings=mh.Settings()):
    """The expected statistics, per replicate, from strategy_reference's
    `history_statistics`: case [previous, nothing] gives the selection after
    the decay; case [previous, pre-samples] gives p, G and the window."""
    P, M = source.rewards.shape
    R = len(presamples.rates)
    indices = np.random.default_rng(seed).integers(0, M, size=(R, P, settings.history_draws))
    rows = [int(np.flatnonzero(source.tasks == t)[0]) for t in batch_tasks]
    group = "embedding"
    out = {name: [] for name in ("rates", "g", "presampled", "solved", "hopeless")}
    for r in range(R):
        previous = sr.iteration([0] * P, [0] * P, [0.0] * P, [0] * P)
        for j in range(P):
            if not own_history and j in rows:
                continue
            drawn = indices[r, j]
            accepted = source.rewards[j, drawn] == 1
            previous["correct"][j] = int(accepted.sum())
            previous["wrong"][j] = int(settings.history_draws - accepted.sum())
            previous["normSums"][j] = sr.sequential_sum(source.norms[group][j, drawn][accepted])
            previous["normCounts"][j] = int(accepted.sum())
        common = dict(levels=source.levels, decay=settings.decay, priorStrength=settings.prior_strength,
                      sigmaMax=settings.sigma_max, presamples=settings.presamples, historyWindow=settings.window,
                      solvedMinSamples=settings.solved_min, hopelessMinSamples=settings.hopeless_min)
        nothing = sr.iteration([0] * P, [0] * P, [0.0] * P, [0] * P)
        selected = sr.history_statistics(dict(common, iterations=[previous, nothing]))["presamples"][rows]
        current = sr.iteration([0] * P, [0] * P, [0.0] * P, [0] * P)
        for i, j in enumerate(rows):
            if selected[i] == 0:
                continue
            drawn = presamples.indices[r, i, :settings.presamples]
            accepted = pool.rewards[i, drawn] == 1
            current["correct"][j] = int(accepted.sum())
            current["wrong"][j] = int(settings.presamples - accepted.sum())
            current["normSums"][j] = sr.sequential_sum(pool.norms[group][i, drawn][accepted])
            current["normCounts"][j] = int(accepted.sum())
        stats = sr.history_statistics(dict(common, iterations=[previous, current]))
        out["rates"].append(stats["mean"][rows])
        out["g"].append(stats["gradNorms"][rows])
        out["presampled"].append(selected)
        out["solved"].append(stats["solved"][rows])
        out["hopeless"].append(stats["hopeless"][rows])
    return {k: np.array(v) for k, v in out.items()}


class Statistics(unittest.TestCase):
    def test_state_equals_the_reference_history_statistics(self):
        for seed in (1, 2, 3):
            for own_history in (True, False):
                source, pool, tasks = small_setup(seed)
                presamples = me.draw_presamples(pool, 25, np.random.default_rng(seed + 100))
                state = mh.history_state(source, pool, tasks, own_history, presamples,
                                         np.random.default_rng(seed + 200))
                expected = reference_state(source, pool, tasks, own_history, presamples, seed + 200)
                # the same arithmetic in the same order: equal to the last bit
                np.testing.assert_array_equal(state.rates, expected["rates"])
                np.testing.assert_array_equal(state.g, expected["g"])
                np.testing.assert_array_equal(state.presampled, expected["presampled"])
                np.testing.assert_array_equal(state.solved, expected["solved"])
                np.testing.assert_array_equal(state.hopeless, expected["hopeless"])

    def test_the_cases_are_not_trivial(self):
        """Across replicates the small cases select some prompts and spare
        others, and flag some prompts solved and hopeless."""
        seen = {"selected": False, "spared": False, "solved": False, "hopeless": False}
        for seed in (1, 2, 3):
            source, pool, tasks = small_setup(seed, batch_tasks=(0, 1, 5))
            presamples = me.draw_presamples(pool, 40, np.random.default_rng(seed))
            state = mh.history_state(source, pool, tasks, True, presamples, np.random.default_rng(seed))
            seen["selected"] |= bool((state.presampled == 8).any())
            seen["spared"] |= bool((state.presampled == 0).any())
            seen["solved"] |= bool(state.solved.any())
            seen["hopeless"] |= bool(state.hopeless.any())
        self.assertTrue(all(seen.values()), seen)

    def test_without_own_history_the_batch_starts_from_its_level_prior(self):
        source, pool, tasks = small_setup(4, batch_tasks=(2, 3))
        previous = mh.previous_iteration(source, "embedding", source.rows(tasks), False, 10,
                                         np.random.default_rng(0))
        for name in ("correct", "wrong", "normSums", "normCounts"):
            self.assertTrue((previous[name][:, [2, 3]] == 0).all(), name)
        self.assertTrue((previous["correct"][:, [0, 4]] + previous["wrong"][:, [0, 4]] == 8).all())
        # the other prompts' draws do not depend on whether the batch has history
        with_own = mh.previous_iteration(source, "embedding", source.rows(tasks), True, 10, np.random.default_rng(0))
        np.testing.assert_array_equal(with_own["correct"][:, [0, 1, 4]], previous["correct"][:, [0, 1, 4]])

    def test_tasks_are_matched_by_identity(self):
        source, pool, _ = small_setup(5)
        shuffled = mh.Source(label="v0", weights_sha256=None, tasks=source.tasks[::-1].copy(),
                             levels=source.levels[::-1], rewards=source.rewards[::-1].copy(),
                             norms={g: v[::-1].copy() for g, v in source.norms.items()})
        np.testing.assert_array_equal(shuffled.rows([3, 4, 5]), [4, 3, 2])
        with self.assertRaises(ValueError):
            source.rows([3, 99])
        with self.assertRaises(ValueError):
            mh.group_of("rms-embedding")


class Allocation(unittest.TestCase):
    def setUp(self):
        self.source, self.pool, self.tasks = small_setup(6, batch_tasks=(0, 1, 2, 3, 4, 5))
        self.presamples = me.draw_presamples(self.pool, 30, np.random.default_rng(6))
        self.state = mh.history_state(self.source, self.pool, self.tasks, True, self.presamples,
                                      np.random.default_rng(7))
        self.m = self.pool.m

    def test_each_rule_is_the_reference_rule_on_the_state(self):
        s = self.state
        for arm in HISTORY_ARMS:
            for budget in me.BUDGETS:
                plan = me.make_plan(self.pool, arm, budget, self.presamples, history=s)
                drawn = s.presampled.sum(1)
                expected_budget = 8 * self.m if budget == "equalMain" else 16 * self.m - drawn
                np.testing.assert_array_equal(plan.budget, expected_budget)
                np.testing.assert_array_equal(plan.total_draws, plan.main.sum(1) + drawn)
                self.assertTrue((plan.reuse == 0).all())
                for r in range(len(plan.main)):
                    N = int(plan.budget[r])
                    try:
                        if arm.rule == "gvm":
                            counts = me.allocate_counts(s.g[r], s.rates[r], N)
                        elif arm.rule == "knapsack":
                            counts = sr.knapsack_allocate(s.rates[r], N, 0, 2, s.solved[r], s.hopeless[r])["counts"]
                        else:
                            counts = sr.variance_allocate(s.g[r], s.rates[r], N,
                                                          excluded=s.solved[r] | s.hopeless[r])["counts"]
                    except sr.Refused:
                        counts = None
                    if counts is None:
                        self.assertTrue(plan.refused[r])
                        self.assertTrue((plan.main[r] == 0).all())
                    else:
                        self.assertFalse(plan.refused[r])
                        np.testing.assert_array_equal(plan.main[r], counts, (arm.name, budget, r))
                if arm.rule == "variance":
                    # solved and hopeless prompts get nothing
                    self.assertTrue((plan.main[s.solved | s.hopeless] == 0).all())
                if arm.rule == "knapsack":
                    self.assertTrue((plan.main[s.solved] == 0).all())

    def test_refusals_are_counted(self):
        s = self.state
        solved = np.ones_like(s.solved)
        everything = mh.History(rates=s.rates, g=s.g, presampled=s.presampled, solved=solved,
                                hopeless=np.zeros_like(solved), settings=s.settings)
        for arm in HISTORY_ARMS:
            result = me.run_arm(self.pool, arm, "equalMain", self.presamples, [1], history=everything)
            expected = 0 if arm.rule == "gvm" else len(s.rates)     # gvm ignores the window
            self.assertEqual(result["refusals"], expected, arm.name)
            self.assertAlmostEqual(result["meanPresamples"], float(s.presampled.sum(1).mean()))

    def test_run_arm_reports_what_history_spared(self):
        arm = me.ARM_BY_NAME["knapsack"]
        result = me.run_arm(self.pool, arm, "equalTotal", self.presamples, [2], history=self.state)
        self.assertAlmostEqual(result["meanPresamples"], float(self.state.presampled.sum(1).mean()))
        self.assertAlmostEqual(result["meanPresampledPrompts"], float((self.state.presampled > 0).sum(1).mean()))
        self.assertAlmostEqual(result["meanSolved"], float(self.state.solved.sum(1).mean()))
        self.assertAlmostEqual(result["meanTotalDraws"], 16 * self.m - result["meanUnallocated"])
        with self.assertRaises(ValueError):
            me.make_plan(self.pool, arm, "equalMain", self.presamples)     # no history given


def driver_setup(tmp: str) -> tuple[str, str, list[str]]:
    """Fake pools of two batches at v0 and v6 in `tmp`, and the driver's
    arguments for them: (results file, report, argv)."""
    cache = os.path.join(tmp, "cache")
    for label, seed in (("v0", 1), ("v6", 2)):
        for b in range(2):
            write_fake_batch(cache, label, b, m=4, M=16, D=8, seed=seed * 10 + b)
    results, report = os.path.join(tmp, "r.jsonl"), os.path.join(tmp, "docs", "a.md")
    return results, report, ["--cache", cache, "--labels", "v0,v6", "--results", results, "--report", report,
                            "--replicates", "20", "--batches", "2", "--weights", ","]


class Driver(unittest.TestCase):
    def test_only_the_history_arms_rows_are_appended(self):
        """Rows of the other arms, already there, are neither recomputed nor
        changed; the history arms' rows are added, for both versions."""
        with tempfile.TemporaryDirectory() as tmp:
            results, report, argv = driver_setup(tmp)
            old_arms = tuple(arm for arm in me.ARMS if arm.kind != "history")
            with mock.patch.object(me, "ARMS", old_arms), contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv)
            with open(results) as file:
                before = file.readlines()
            plain_arms = tuple(arm for arm in me.ARMS if arm.rounds is None)
            with mock.patch.object(me, "ARMS", plain_arms), contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv)
            with open(results) as file:
                after = file.readlines()
            self.assertEqual(after[:len(before)], before)
            new = mechanism.read_rows(results)[len(before):]
            self.assertEqual({r["arm"] for r in new}, {arm.name for arm in HISTORY_ARMS})
            self.assertEqual(len(new), 2 * 2 * len(HISTORY_ARMS) * len(me.BUDGETS) * E)
            for r in new:
                self.assertEqual(r["historyFrom"], "v0")
                self.assertEqual(r["historyOwnPrompts"], r["label"] == "v6")
                self.assertIn("meanPresamples", r)
            with open(report) as file:
                text = file.read()
            self.assertIn("### History arms: what history spared", text)
            self.assertIn("| `v6` | knapsack | equal total draws |", text)
            self.assertIn("| variance | equal main N |", text)


if __name__ == "__main__":
    unittest.main()
