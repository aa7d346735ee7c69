"""Checks that can fail, for the mechanism benchmark's rounds arms (sampling
in rounds until enough, scripts/mechanism_estimators.py): the stopping rule on
hand cases and against a literal loop, that a rounds arm whose rule can never
be met is its plain arm draw for draw, that the kept draws are the first d_i
of the plain arm's and are weighted with n_i = d_i, the draw accounting, and
the driver appending only the rounds arms' rows.

    python3 -m unittest discover -s scripts/tests -v      (from the repo root; a few seconds)
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import unittest
from dataclasses import replace
from unittest import mock

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import mechanism  # noqa: E402
import mechanism_estimators as me  # noqa: E402
import mechanism_history as mh  # noqa: E402
from test_mechanism_estimators import reference_estimates, synthetic_arrays  # noqa: E402
from test_mechanism_history import driver_setup, small_setup  # noqa: E402

ROUNDS_ARMS = [arm for arm in me.ARMS if arm.rounds is not None]
RAFT, GRPO = me.RAFT_ROUNDS, me.GRPO_ROUNDS


def stop(rewards, cap, rounds) -> int:
    """One prompt's drawn count, from the first `cap` of `rewards`."""
    return int(me.round_stops(np.asarray(rewards[:cap]), [cap], rounds)[0])


def literal_stop(rewards, cap, rounds) -> int:
    """The rule written out as a loop: draw a round (at most what is left of
    the cap), then check."""
    drawn = correct = 0
    while drawn < cap:
        take = min(rounds.size, cap - drawn)
        correct += int(sum(rewards[drawn:drawn + take]))
        drawn += take
        wrong = drawn - correct
        if rounds.stop == "raft" and correct >= rounds.accepted:
            break
        if rounds.stop == "grpo" and correct >= rounds.correct and wrong >= rounds.wrong:
            break
    return drawn


class RoundRule(unittest.TestCase):
    def test_raft_stops_at_k_accepted_at_a_round_boundary(self):
        self.assertEqual(stop([1, 1, 1, 1] + [0] * 12, 16, RAFT), 4)
        # the 4th accepted sample comes in the middle of round 2: round 2 is drawn whole
        self.assertEqual(stop([0, 1, 1, 1, 1, 0, 0, 0] + [1] * 8, 16, RAFT), 8)
        self.assertEqual(stop([1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], 16, RAFT), 12)
        # 3 accepted then nothing: the cap
        self.assertEqual(stop([1, 1, 1] + [0] * 13, 16, RAFT), 16)
        # wrong samples do not count towards K
        self.assertEqual(stop([1, 1, 0, 0, 0, 0, 0, 0], 8, RAFT), 8)

    def test_grpo_needs_both_correct_and_wrong(self):
        self.assertEqual(stop([1, 0, 1, 0] + [1] * 12, 16, GRPO), 4)
        self.assertEqual(stop([1] * 8 + [0, 0, 1, 1] + [0] * 4, 16, GRPO), 12)       # wrong ones come late
        self.assertEqual(stop([0] * 7 + [1] + [0, 0, 1, 0] + [0] * 4, 16, GRPO), 12)  # the 2nd correct comes late
        self.assertEqual(stop([1] * 16, 16, GRPO), 16)
        self.assertEqual(stop([0] * 16, 16, GRPO), 16)
        # 4 accepted is enough for RAFT but not for GRPO
        self.assertEqual(stop([1] * 4 + [0, 1, 0, 1], 8, RAFT), 4)
        self.assertEqual(stop([1] * 4 + [0, 1, 0, 1], 8, GRPO), 8)

    def test_the_cap_binds(self):
        self.assertEqual(stop([0] * 7, 7, RAFT), 7)
        self.assertEqual(stop([1, 1, 1, 0, 0, 1, 1, 1], 6, RAFT), 6)    # met only past the cap
        self.assertEqual(stop([1] * 3, 3, RAFT), 3)                     # a cap under one round
        self.assertEqual(stop([], 0, RAFT), 0)
        self.assertEqual(stop([1, 0, 1, 0], 2, GRPO), 2)

    def test_the_last_round_is_smaller(self):
        # cap 10: rounds of 4, 4 and 2; the rule is met in the 2-draw round, at the cap, not at 12
        self.assertEqual(stop([1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1], 10, RAFT), 10)
        self.assertEqual(stop([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0], 10, GRPO), 10)
        # cap 6: the stop after the first round still happens at 4
        self.assertEqual(stop([1, 1, 1, 1, 0, 0], 6, RAFT), 4)

    def test_settings_are_honoured(self):
        self.assertEqual(stop([1, 1, 0, 0, 0, 0], 6, me.Rounds("raft", size=2, accepted=2)), 2)
        self.assertEqual(stop([1, 1, 1, 0, 0, 0], 6, me.Rounds("raft", size=3, accepted=1)), 3)
        self.assertEqual(stop([1, 0, 1, 1, 1, 1], 6, me.Rounds("grpo", size=1, correct=1, wrong=1)), 2)
        with self.assertRaises(ValueError):
            me.round_stops([1, 0], [2], me.Rounds("other"))
        with self.assertRaises(ValueError):
            me.round_stops([1, 0], [3], RAFT)                           # outcomes and caps disagree

    def test_many_prompts_at_once_equal_the_literal_loop_each_on_its_own(self):
        rng = np.random.default_rng(3)
        for rounds in (RAFT, GRPO, me.Rounds("raft", size=3, accepted=2), me.Rounds("grpo", size=5)):
            caps = rng.integers(0, 23, size=300)
            caps[:5] = 0
            p = rng.uniform(0, 1, size=300)
            sequences = [(rng.random(c) < q).astype(int) for c, q in zip(caps, p)]
            got = me.round_stops(np.concatenate(sequences), caps, rounds)
            expected = [literal_stop(s, c, rounds) for s, c in zip(sequences, caps)]
            np.testing.assert_array_equal(got, expected, str(rounds))
            self.assertTrue((got <= caps).all())
            self.assertTrue(((got % rounds.size == 0) | (got == caps)).all())


def never(rounds: me.Rounds) -> me.Rounds:
    """The same rule with targets no prompt reaches: nothing stops early."""
    return replace(rounds, accepted=10 ** 6, correct=10 ** 6, wrong=10 ** 6)


class RoundsArms(unittest.TestCase):
    def setUp(self):
        rewards, tokens, sketches, norms = synthetic_arrays(seed=4, accepted=(0, 1, 4, 9, 16, 2, 12, 15), M=16, D=4)
        self.pool = me.Pool.from_arrays(rewards, tokens, sketches, norms)
        self.presamples = me.draw_presamples(self.pool, 40, np.random.default_rng(5))
        source, pool, tasks = small_setup(6, batch_tasks=(0, 1, 2, 3, 4, 5))
        self.history_pool = pool
        self.history_presamples = me.draw_presamples(pool, 40, np.random.default_rng(6))
        self.history = mh.history_state(source, pool, tasks, True, self.history_presamples, np.random.default_rng(7))

    def setting(self, arm):
        if arm.kind == "history":
            return self.history_pool, self.history_presamples, self.history
        return self.pool, self.presamples, None

    def test_rounds_that_never_stop_are_the_plain_arm(self):
        for arm in ROUNDS_ARMS:
            pool, presamples, history = self.setting(arm)
            unreachable = replace(arm, rounds=never(arm.rounds))
            for budget in me.BUDGETS:
                plan = me.make_plan(pool, arm, budget, presamples, history)
                rows = slice(0, len(plan.main))
                seed = [1, 2, 3]
                plain = me.training_counts(pool, plan, presamples, rows, np.random.default_rng(seed))
                counts, drawn = me.training_counts_rounds(pool, plan, rows, np.random.default_rng(seed),
                                                          unreachable.rounds)
                np.testing.assert_array_equal(counts, plain, (arm.name, budget))
                np.testing.assert_array_equal(drawn, plan.main)
                # and so are the arms' rows, number for number
                key = me.seed_for(1, 0, me.draw_key(arm, budget, pool.m))
                a = me.run_arm(pool, unreachable, budget, presamples, key, 16, history=history)
                b = me.run_arm(pool, me.plain(arm), budget, presamples, key, 16, history=history)
                for estimand in me.ESTIMATORS:
                    self.assertEqual(a["estimators"][estimand]["nMSE"], b["estimators"][estimand]["nMSE"])
                for field in ("refusals", "meanBudget", "meanTotalDraws", "meanTrained", "meanPresamples",
                              "meanZeroPrompts"):
                    self.assertEqual(a[field], b[field], (arm.name, budget, field))
                self.assertEqual(a["meanUnspent"], 0.0)
                self.assertEqual(a["meanDrawn"], a["meanCaps"])

    def test_kept_draws_are_a_prefix_of_the_plain_draws(self):
        for arm in ROUNDS_ARMS:
            pool, presamples, history = self.setting(arm)
            plan = me.make_plan(pool, arm, "equalTotal", presamples, history)
            rows = slice(0, len(plan.main))
            plain = me.training_counts(pool, plan, presamples, rows, np.random.default_rng(8))
            counts, drawn = me.training_counts_rounds(pool, plan, rows, np.random.default_rng(8), arm.rounds)
            self.assertTrue((counts <= plain).all())
            np.testing.assert_array_equal(counts.sum(2), drawn)
            self.assertTrue((drawn <= plan.main).all())
            self.assertTrue(((drawn % 4 == 0) | (drawn == plan.main)).all())
            self.assertTrue((drawn < plan.main).any(), arm.name)      # the rule does stop some prompts

    def test_each_replicate_follows_the_rule_on_its_own_draws(self):
        """The kept draws, re-made from the generator, give literal_stop's d_i,
        and the estimators weigh them as the literal estimators with n_i = d_i."""
        pool = self.pool
        rewards, tokens, sketches, _ = synthetic_arrays(seed=4, accepted=(0, 1, 4, 9, 16, 2, 12, 15), M=16, D=4)
        x = sketches.reshape(rewards.shape + (-1,)).astype(np.float64)
        caps = np.array([8, 16, 5, 10, 12, 0, 16, 9])
        plan = me.Plan(main=caps[None].copy(), reuse=np.zeros((1, 8), dtype=np.int64), budget=np.array([caps.sum()]),
                       refused=np.zeros(1, dtype=bool), presamples=0)
        for rounds in (RAFT, GRPO):
            for seed in range(20):
                counts, drawn = me.training_counts_rounds(pool, plan, slice(0, 1), np.random.default_rng(seed), rounds)
                indices = np.random.default_rng(seed).integers(0, pool.M, size=caps.sum())
                sequences = np.split(indices, np.cumsum(caps)[:-1])
                expected = [literal_stop(pool.rewards[i, s], caps[i], rounds) for i, s in enumerate(sequences)]
                np.testing.assert_array_equal(drawn[0], expected)
                kept = [s[:d][None] for s, d in zip(sequences, expected)]
                np.testing.assert_allclose(me.estimates(pool, counts), reference_estimates(pool.rewards, tokens, x, kept),
                                           rtol=2e-5, atol=2e-5)

    def test_draw_accounting(self):
        for arm in ROUNDS_ARMS:
            pool, presamples, history = self.setting(arm)
            for budget in me.BUDGETS:
                result = me.run_arm(pool, arm, budget, presamples, [4], 16, history=history)
                plan = me.make_plan(pool, arm, budget, presamples, history)
                self.assertAlmostEqual(result["meanCaps"], float(plan.main.sum(1).mean()))
                self.assertAlmostEqual(result["meanDrawn"] + result["meanUnspent"], result["meanCaps"])
                self.assertAlmostEqual(result["meanTotalDraws"], result["meanPresamples"] + result["meanDrawn"])
                self.assertAlmostEqual(result["meanTrained"], result["meanDrawn"])
                self.assertGreater(result["meanUnspent"], 0)
                self.assertNotIn("analyticNMSE", result["estimators"]["balancedInverseP"])
                self.assertEqual(result["roundStop"], arm.rounds.stop)

    def test_a_solved_pool_stops_after_one_round_under_raft(self):
        rewards = np.ones((3, 8))
        pool = me.Pool.from_arrays(rewards, np.ones((3, 8)), np.ones((24, 2), dtype=np.float32))
        presamples = me.draw_presamples(pool, 5, np.random.default_rng(0))
        result = me.run_arm(pool, me.ARM_BY_NAME["uniform-n-rounds-raft"], "equalTotal", presamples, [1])
        self.assertEqual(result["meanCaps"], 48.0)
        self.assertEqual(result["meanDrawn"], 12.0)
        self.assertEqual(result["meanStoppedEarly"], 3.0)
        grpo = me.run_arm(pool, me.ARM_BY_NAME["uniform-n-rounds-grpo"], "equalTotal", presamples, [1])
        self.assertEqual(grpo["meanDrawn"], 48.0)        # never 2 wrong: every prompt draws its cap

    def test_arms_keys_and_estimands(self):
        self.assertEqual({arm.name for arm in ROUNDS_ARMS},
                         {f"{base}-rounds-{rule}" for base in ("uniform-n", "gvm", "gvm-history")
                          for rule in ("raft", "grpo")})
        for arm in ROUNDS_ARMS:
            self.assertEqual(me.plain(arm).name, arm.name.split("-rounds-")[0])
            self.assertIn(me.plain(arm), me.ARMS)
            wanted = me.RAFT_ESTIMATORS if arm.rounds.stop == "raft" else me.GRPO_ESTIMATORS
            self.assertEqual(me.arm_estimands(arm), wanted)
            for budget in me.BUDGETS:
                name = me.computation(arm, budget, 64)
                self.assertEqual(me.draw_key(arm, budget, 64), me.computation(me.plain(arm), budget, 64))
                self.assertNotEqual(name, me.draw_key(arm, budget, 64))
        # the plain arms keep their keys
        for arm in me.ARMS:
            if arm.rounds is None:
                self.assertEqual(me.draw_key(arm, "equalMain", 64), me.computation(arm, "equalMain", 64))
        self.assertEqual(sorted(me.RAFT_ESTIMATORS + me.GRPO_ESTIMATORS), sorted(me.ESTIMATORS))
        with self.assertRaises(ValueError):
            me.run_arm(self.pool, me.Arm("x", "gvm", accounting="countTowardBudget", rounds=RAFT), "equalMain",
                       self.presamples, [1])


class Driver(unittest.TestCase):
    def test_only_the_rounds_arms_rows_are_appended(self):
        with tempfile.TemporaryDirectory() as tmp:
            results, report, argv = driver_setup(tmp)
            plain_arms = tuple(arm for arm in me.ARMS if arm.rounds is None)
            with mock.patch.object(me, "ARMS", plain_arms), contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv)
            with open(results) as file:
                before = file.readlines()
            with contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv)
            with open(results) as file:
                after = file.readlines()
            self.assertEqual(after[:len(before)], before)
            new = mechanism.read_rows(results)[len(before):]
            self.assertEqual({r["arm"] for r in new}, {arm.name for arm in ROUNDS_ARMS})
            self.assertEqual(len(new), 2 * 2 * len(me.BUDGETS) * 3 * (4 + 2))
            old = {(r["label"], r["batch"], r["arm"], r["budget"], r["estimand"]): r
                   for r in mechanism.read_rows(results)[:len(before)] if r["kind"] == "arm"}
            for r in new:
                arm = me.ARM_BY_NAME[r["arm"]]
                self.assertIn(r["estimand"], me.arm_estimands(arm))
                self.assertEqual(r["seedComputation"], me.draw_key(arm, r["budget"], 4))
                self.assertAlmostEqual(r["meanTotalDraws"], r["meanPresamples"] + r["meanDrawn"])
                self.assertLessEqual(r["meanDrawn"], r["meanCaps"])
                plain = old[(r["label"], r["batch"], me.plain(arm).name, r["budget"], r["estimand"])]
                self.assertAlmostEqual(r["meanCaps"], plain["meanTrained"])
                self.assertLessEqual(r["meanTotalDraws"], plain["meanTotalDraws"])
            with open(report) as file:
                text = file.read()
            self.assertIn("### Sampling in rounds: what it spent, and its error per draw", text)
            self.assertIn("| `v6` | gvm-history-rounds-grpo | equal total draws |", text)
            self.assertIn("| gvm-rounds-raft | equal main N |", text)
            self.assertIn("- Rounds arms", text)


if __name__ == "__main__":
    unittest.main()
