"""Checks of scripts/strategy_reference.py against the hand-worked cases of
docs/allocation-strategies.md, and properties every allocation must have.

    python -m unittest scripts/tests/test_strategy_reference.py -v      (numpy needed)
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import strategy_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def knapsack(name: str) -> dict:
    inputs = dict(ref.HAND_KNAPSACK[name])
    return ref.knapsack_allocate(inputs.pop("acceptRates"), inputs.pop("budget"),
                                 inputs.get("maxSamplesPerPrompt", 0), inputs.get("knapsackFloor", 2),
                                 inputs.get("solved"), inputs.get("hopeless"))


def variance(name: str) -> dict:
    inputs = ref.HAND_VARIANCE[name]
    return ref.variance_allocate(inputs["gradNorms"], inputs["acceptRates"], inputs["budget"],
                                 inputs.get("maxSamplesPerPrompt", 0), inputs.get("filterThreshold", 0.0),
                                 inputs.get("filterInsufficient", 0.0))


class HandWorkedHistory(unittest.TestCase):
    def test_decay(self):
        r = ref.history_statistics(ref.HAND_HISTORY["hand-history-1-decay"])
        self.assertEqual(r["correct"].tolist(), [1.0])
        self.assertEqual((r["normSums"].tolist(), r["normCounts"].tolist()), ([2.0], [1.0]))
        np.testing.assert_allclose(r["priorA"], [4 / 3], rtol=1e-12)
        np.testing.assert_allclose(r["priorB"], [2 / 3], rtol=1e-12)
        np.testing.assert_allclose(r["mean"], [7 / 9], rtol=1e-12)
        np.testing.assert_allclose(r["sd"], [np.sqrt(14 / 324)], rtol=1e-12)
        self.assertAlmostEqual(float(r["sd"][0]), 0.207870, places=6)
        self.assertEqual(r["presamples"].tolist(), [8])
        self.assertEqual(r["gradNorms"].tolist(), [2.0])
        self.assertEqual((r["solved"].tolist(), r["hopeless"].tolist()), ([False], [False]))

    def test_levels(self):
        r = ref.history_statistics(ref.HAND_HISTORY["hand-history-2-levels"])
        np.testing.assert_allclose(r["priorA"], [1.4, 1.4, 2 / 3, 8 / 7], rtol=1e-12)
        np.testing.assert_allclose(r["priorB"], [0.6, 0.6, 4 / 3, 6 / 7], rtol=1e-12)
        np.testing.assert_allclose(r["a"], [7.4, 1.4, 5 / 3, 8 / 7], rtol=1e-12)
        np.testing.assert_allclose(r["b"], [2.6, 0.6, 13 / 3, 6 / 7], rtol=1e-12)
        np.testing.assert_allclose(r["mean"], [0.74, 0.7, 5 / 18, 4 / 7], rtol=1e-12)
        np.testing.assert_allclose(r["sd"], np.sqrt([19.24 / 1100, 0.07, 65 / 2268, 4 / 49]), rtol=1e-12)
        self.assertEqual(r["presamples"].tolist(), [0, 8, 8, 8])
        np.testing.assert_allclose(r["gradNorms"], [2.0, 2.0, 5.0, 17 / 7], rtol=1e-12)

    def test_no_decay_and_window(self):
        r = ref.history_statistics(ref.HAND_HISTORY["hand-history-3-no-decay-window"])
        self.assertEqual((r["correct"].tolist(), r["wrong"].tolist()), ([5.0, 0.0, 0.0], [3.0, 8.0, 0.0]))
        np.testing.assert_allclose(r["priorA"], [4 / 3] * 3, rtol=1e-12)
        np.testing.assert_allclose(r["priorB"], [8 / 3] * 3, rtol=1e-12)
        np.testing.assert_allclose(r["mean"], [19 / 36, 1 / 9, 1 / 3], rtol=1e-12)
        np.testing.assert_allclose(r["sd"], np.sqrt([323 / 16848, 128 / 16848, 32 / 720]), rtol=1e-12)
        self.assertEqual(r["presamples"].tolist(), [0, 0, 8])
        np.testing.assert_allclose(r["gradNorms"], [1.8, 1.8, 1.8], rtol=1e-12)
        self.assertEqual(r["solved"].tolist(), [False, False, False])
        self.assertEqual(r["hopeless"].tolist(), [False, True, False])


class HandWorkedKnapsack(unittest.TestCase):
    def test_greedy(self):
        r = knapsack("hand-knapsack-1-greedy")
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([4, 5, 3], 0))

    def test_solved_hopeless_cap(self):
        r = knapsack("hand-knapsack-2-solved-hopeless-cap")
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([5, 5, 0, 2], 4))
        self.assertEqual(r["ratios"].tolist(), [0.3125, 0.3125, 0.0, 0.125])

    def test_ties(self):
        r = knapsack("hand-knapsack-3-ties")
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([2, 4, 3], 0))

    def test_gains_written_in_the_doc(self):
        self.assertEqual(ref.knapsack_gain(0.5, 2), 0.03125)
        self.assertEqual(ref.knapsack_gain(0.25, 2), 0.0263671875)
        self.assertEqual(ref.knapsack_gain(0.25, 3), 0.0164794921875)
        self.assertEqual(ref.knapsack_gain(0.25, 4), 0.01153564453125)
        self.assertEqual(ref.knapsack_gain(0.25, 5), 0.00844573974609375)
        self.assertEqual(ref.knapsack_gain(0.75, 2), 0.0087890625)
        self.assertEqual((ref.knapsack_value(0.3, 0), ref.knapsack_value(0.3, 1)), (0.0, 0.0))

    def test_floors_exceed_budget(self):
        r = ref.knapsack_allocate([0.5, 0.25, 0.75, 0.5], 7)
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([2, 2, 2, 0], 1))

    def test_concave_from_one_on(self):
        for p in np.linspace(0.0, 1.0, 41):
            gains = [ref.knapsack_gain(float(p), n) for n in range(1, 40)]
            self.assertTrue(all(a >= b - 1e-15 for a, b in zip(gains, gains[1:])), p)
            self.assertEqual(ref.knapsack_gain(float(p), 0), 0.0)

    def test_refusals(self):
        for call in (lambda: ref.knapsack_allocate([0.9, 0.9], 10, excluded=[True, True]),
                     lambda: ref.knapsack_allocate([0.5], 10, floor=0),
                     lambda: ref.knapsack_allocate([0.5], 10, cap=-1),
                     lambda: ref.knapsack_allocate([1.5], 10)):
            with self.assertRaises(ref.Refused):
                call()


class HandWorkedVariance(unittest.TestCase):
    def test_plain(self):
        r = variance("hand-variance-1-plain")
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([4, 6, 2], 0))
        np.testing.assert_allclose(r["ratios"], [0.3125, 0.5, 0.1875], rtol=1e-12)

    def test_halves_and_ties(self):
        r = variance("hand-variance-2-halves-and-ties")
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([5, 3, 2, 0], 0))
        self.assertEqual(r["ratios"].tolist(), [0.5, 0.25, 0.25, 0.0])

    def test_filters_and_cap(self):
        r = variance("hand-variance-3-filters-and-cap")
        self.assertEqual((r["counts"].tolist(), r["unallocated"]), ([7, 0, 9, 0], 0))
        np.testing.assert_allclose(r["ratios"], [0.4375, 0.0, 0.5625, 0.0], rtol=1e-12)

    def test_refusals(self):
        for call in (lambda: ref.variance_allocate([0.0, 1.0], [0.5, 0.0], 8),
                     lambda: ref.variance_allocate([1.0, 1.0], [0.9, 0.95], 8, filterThreshold=0.85),
                     lambda: ref.variance_allocate([1.0], [0.5], 8, excluded=[True]),
                     lambda: ref.variance_allocate([1.0], [0.5], 8, cap=2.5)):
            with self.assertRaises(ref.Refused):
                call()


class Properties(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vectors = ref.build_vectors()

    def answered(self, kind):
        return [case for case in self.vectors[kind] if not case.get("expectError")]

    def test_counts_sum_to_budget_less_unallocated(self):
        for kind in ("knapsack", "variance"):
            for case in self.answered(kind):
                self.assertEqual(sum(case["expectedCounts"]), case["budget"] - case["expectedUnallocated"],
                                 case["name"])
                self.assertGreaterEqual(case["expectedUnallocated"], 0, case["name"])

    def test_caps_hold(self):
        for kind in ("knapsack", "variance"):
            for case in self.answered(kind):
                cap = case["maxSamplesPerPrompt"]
                if cap > 0:
                    self.assertLessEqual(max(case["expectedCounts"]), cap, case["name"])
                self.assertGreaterEqual(min(case["expectedCounts"]), 0, case["name"])

    def test_knapsack_floors_solved_hopeless(self):
        for case in self.answered("knapsack"):
            counts = case["expectedCounts"]
            cap = case["maxSamplesPerPrompt"]
            floor = min(case["knapsackFloor"], cap) if cap > 0 else case["knapsackFloor"]
            active = [i for i, s in enumerate(case["solved"]) if not s]
            fits = len(active) * floor <= case["budget"]
            for i, count in enumerate(counts):
                if case["solved"][i]:
                    self.assertEqual(count, 0, case["name"])
                elif case["hopeless"][i] and fits:
                    self.assertEqual(count, floor, case["name"])
                elif fits:
                    self.assertGreaterEqual(count, floor, case["name"])
                else:
                    self.assertIn(count, (0, floor), case["name"])
            if not fits:
                given = case["budget"] // floor
                self.assertEqual([counts[i] for i in active], [floor] * given + [0] * (len(active) - given),
                                 case["name"])

    def test_knapsack_unallocated_only_when_nobody_can_take_more(self):
        for case in self.answered("knapsack"):
            if case["expectedUnallocated"] == 0:
                continue
            cap = case["maxSamplesPerPrompt"]
            floor = min(case["knapsackFloor"], cap) if cap > 0 else case["knapsackFloor"]
            active = [i for i, s in enumerate(case["solved"]) if not s]
            if len(active) * floor > case["budget"]:
                self.assertLess(case["expectedUnallocated"], floor, case["name"])
                continue
            for i in active:
                if not case["hopeless"][i]:
                    self.assertEqual(case["expectedCounts"][i], cap, case["name"])

    def test_variance_excluded_get_nothing(self):
        for case in self.answered("variance"):
            for i, out in enumerate(case["excluded"]):
                if out:
                    self.assertEqual(case["expectedCounts"][i], 0, case["name"])

    def test_knapsack_is_optimal_on_small_cases(self):
        """Exhaustive search over every allocation with the same floors and caps."""
        import itertools
        for case in self.answered("knapsack"):
            counts = case["expectedCounts"]
            cap = case["maxSamplesPerPrompt"]
            floor = min(case["knapsackFloor"], cap) if cap > 0 else case["knapsackFloor"]
            growing = [i for i in range(len(counts)) if not case["solved"][i] and not case["hopeless"][i]]
            spend = sum(counts[i] for i in growing)
            if len(growing) > 4 or spend > 40 or not growing or min(counts[i] for i in growing) < floor:
                continue
            top = cap if cap > 0 else spend
            rates = case["acceptRates"]
            best = max(sum(ref.knapsack_value(rates[i], n) for i, n in zip(growing, choice))
                       for choice in itertools.product(range(floor, top + 1), repeat=len(growing))
                       if sum(choice) == spend)
            got = sum(ref.knapsack_value(rates[i], counts[i]) for i in growing)
            self.assertGreaterEqual(got, best - 1e-12, case["name"])

    def test_deterministic(self):
        again = ref.build_vectors()
        self.assertEqual(json.dumps(again, sort_keys=True), json.dumps(self.vectors, sort_keys=True))
        r1 = ref.knapsack_allocate([0.3, 0.6, 0.45], 20, cap=9)
        r2 = ref.knapsack_allocate([0.3, 0.6, 0.45], 20, cap=9)
        self.assertEqual(r1["counts"].tolist(), r2["counts"].tolist())

    def test_posterior_decays_by_lambda_to_the_k(self):
        c, f = np.array([5.0, 0.0, 3.0]), np.array([2.0, 7.0, 0.0])
        for decay in (0.5, 0.9, 1.0):
            for k in range(6):
                cc, ff = c.copy(), f.copy()
                for _ in range(k):
                    cc, ff = ref.posterior_update(cc, ff, [0, 0, 0], [0, 0, 0], decay)
                np.testing.assert_allclose(cc, c * decay ** k, rtol=1e-12)
                np.testing.assert_allclose(ff, f * decay ** k, rtol=1e-12)
        with self.assertRaises(ref.Refused):
            ref.posterior_update(c, f, [0, 0, 0], [0, 0, 0], 0.0)
        with self.assertRaises(ref.Refused):
            ref.posterior_update(c, f, [0, 0, 0], [0, 0, 0], 1.5)

    def test_update_is_decay_then_add(self):
        c, f = ref.posterior_update([4.0], [2.0], [3], [1], 0.5)
        self.assertEqual((c.tolist(), f.tolist()), ([5.0], [2.0]))

    def test_no_history_prior(self):
        a, b = ref.level_prior([0.0, 0.0], [0.0, 0.0], [1, None], 2.0)
        self.assertEqual((a.tolist(), b.tolist()), ([1.0, 1.0], [1.0, 1.0]))
        a, b = ref.level_prior([0.0, 0.0], [0.0, 0.0], [1, 1], 4.0)
        self.assertEqual((a.tolist(), b.tolist()), ([2.0, 2.0], [2.0, 2.0]))
        self.assertEqual(ref.gradient_estimates([0.0], [0.0], [None]).tolist(), [1.0])

    def test_presample_selection(self):
        a, b = np.array([1.0, 50.0]), np.array([1.0, 50.0])
        self.assertEqual(ref.presample_selection(a, b, 0.15, 8).tolist(), [8, 0])
        self.assertEqual(ref.presample_selection(a, b, 0.15, 0).tolist(), [0, 0])
        self.assertEqual(ref.presample_selection(a, b, 0.0, 4).tolist(), [4, 4])


class TheVectorsFile(unittest.TestCase):
    def test_file_matches_the_reference(self):
        path = os.path.join(ROOT, "Tests", "Fixtures", "strategy-vectors.json")
        with open(path) as file:
            stored = json.load(file)
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "v.json")
            argv = sys.argv
            sys.argv = ["strategy_reference.py", "--out", out]
            try:
                import contextlib
                import io
                with contextlib.redirect_stdout(io.StringIO()):
                    ref.main()
            finally:
                sys.argv = argv
            with open(out) as file:
                fresh = json.load(file)
        self.assertEqual(stored, fresh)
        for kind in ("history", "knapsack", "variance"):
            names = [case["name"] for case in stored[kind]]
            self.assertEqual(len(names), len(set(names)), kind)
            self.assertEqual(sum(name.startswith(f"{kind}-random-") for name in names), 30, kind)
            self.assertEqual(sum(name.startswith("hand-") for name in names), 3, kind)
        self.assertIn("docs/allocation-strategies.md", stored["about"])


if __name__ == "__main__":
    unittest.main()
