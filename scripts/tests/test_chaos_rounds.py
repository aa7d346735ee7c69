"""Checks of the fault suite's rounds checks (scripts/chaos.py): the stopping
rule replayed from stored rewards, and what a prompt's record must agree with.

    python -m unittest scripts/tests/test_chaos_rounds.py -v      (standard library only)
"""
from __future__ import annotations

import os
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import chaos  # noqa: E402
from chaos import round_course  # noqa: E402


def rewards(pattern: str, first: int = 0) -> dict[int, float]:
    """'+' correct, '-' wrong, '.' not stored; from sample index `first`."""
    return {first + i: (1.0 if c == "+" else 0.0) for i, c in enumerate(pattern) if c != "."}


def course(cap: int, pattern: str, failed: dict[int, int] | None = None, size: int = 3):
    return round_course(cap, size, rewards(pattern), failed or {}, 2, 2)


class RoundCourseTests(unittest.TestCase):
    def test_stops_at_the_first_round_boundary_with_enough(self):
        # After round 1 (+++) only correct ones; round 2 (-+-) brings 2 wrong.
        self.assertEqual(course(9, "+++-+-"), ("enough", 6, 2, None))

    def test_enough_mid_round_still_draws_the_whole_round(self):
        # 2 correct and 2 wrong after index 3, but the decision comes at 6.
        self.assertEqual(course(9, "++--+-"), ("enough", 6, 2, None))

    def test_cap_with_a_smaller_last_round(self):
        self.assertEqual(course(7, "+++++++"), ("cap", 7, 3, None))

    def test_enough_at_the_cap_is_enough(self):
        self.assertEqual(course(4, "++--"), ("enough", 4, 2, None))

    def test_cap_zero_and_a_cap_below_the_round_size(self):
        self.assertEqual(course(0, ""), ("cap", 0, 0, None))
        self.assertEqual(course(2, "+-"), ("cap", 2, 1, None))

    def test_a_failed_round_stops_the_prompt(self):
        self.assertEqual(course(9, "+++", {3: 3}), ("failed", 6, 2, None))
        self.assertEqual(course(9, "", {0: 3}), ("failed", 3, 1, None))
        self.assertEqual(course(8, "+++++-", {6: 2}), ("failed", 8, 3, None))

    def test_a_round_neither_stored_nor_failed_is_a_problem(self):
        stop, drawn, _, problem = course(9, "+++-.-")
        self.assertIsNone(stop)
        self.assertEqual(drawn, 3)
        self.assertIn("round 3..5", problem)
        # A failed unit that is not a whole round is no round.
        self.assertIsNotNone(course(9, "+++", {3: 2})[3])

    def test_rounds_of_one(self):
        self.assertEqual(course(10, "+-+-", size=1), ("enough", 4, 4, None))


class CheckRoundsTests(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch.object(chaos, "log", lambda message: None)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.suite = object.__new__(chaos.Chaos)
        self.suite.ledger = chaos.Ledger()
        self.suite.rounds_run_id = 2
        self.suite.round_poison = {}

    def check(self, cap, pattern, stop, unspent, failed=(), done=True):
        stored = [{"sampleIndex": i, "reward": r} for i, r in rewards(pattern).items()]
        record = {"promptId": 5, "allocatedCount": cap, "roundStop": stop, "unspent": unspent,
                  "failedUnits": [{"stage": "sample", "firstSampleIndex": f, "sampleCount": n} for f, n in failed]}
        returned = self.suite.check_rounds(0, record, stored, done)
        return returned, self.suite.ledger.violations

    def test_a_prompt_that_followed_the_rule(self):
        self.assertEqual(self.check(9, "+++-+-", "enough", 3), (3, []))
        self.assertEqual(self.check(7, "+++++++", "cap", 0), (0, []))
        self.assertEqual(self.check(9, "+++", "failed", 3, failed=[(3, 3)]), (3, []))

    def test_a_prompt_that_drew_past_enough(self):
        _, violations = self.check(9, "++--+-+++", "cap", 0)
        self.assertEqual(len(violations), 1)
        self.assertIn("the rule stops it 'enough' after 6", violations[0])

    def test_a_prompt_that_stopped_too_soon(self):
        _, violations = self.check(9, "+++", "enough", 6)
        self.assertEqual(len(violations), 1)

    def test_unspent_that_does_not_make_the_cap(self):
        _, violations = self.check(9, "+++-+-", "enough", 2)
        self.assertTrue(any("!= cap 9" in v for v in violations))

    def test_a_finished_iteration_with_a_prompt_still_drawing(self):
        _, violations = self.check(9, "+++", None, None)
        self.assertTrue(any("never stopped" in v for v in violations))
        self.suite.ledger.violations.clear()
        self.assertEqual(self.check(9, "+++", None, None, done=False), (0, []))

    def test_more_drawn_than_the_cap(self):
        _, violations = self.check(3, "+-+-", "cap", 0)
        self.assertTrue(any("of a cap of 3" in v for v in violations))


if __name__ == "__main__":
    unittest.main()
