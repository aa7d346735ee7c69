"""Checks that can fail, for the mechanism benchmark's analysis
(scripts/mechanism_estimators.py and scripts/mechanism.py), on synthetic pools
whose moments are known exactly: the pool is the population, so every
expectation is a finite sum over it.

    python3 -m unittest discover -s scripts/tests -v      (from the repo root; a few seconds)
"""
from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import sys
import tempfile
import unittest
from xml.etree import ElementTree

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import mechanism  # noqa: E402
import mechanism_estimators as me  # noqa: E402

E = len(me.ESTIMATORS)
ROWS_PER_BUDGET = sum(len(me.arm_estimands(arm)) for arm in me.ARMS)    # arm rows per (label, batch, budget)


def synthetic_arrays(seed: int = 7, accepted=(0, 1, 2, 4), M: int = 4, D: int = 3):
    """A tiny pool: prompt i has accepted[i] of M samples accepted (so p = 0,
    1/4, 1/2, 1 by default); gradients drawn with a per-prompt offset, zero
    rows where no gradient was taken (p = 0); tokens 1..9."""
    rng = np.random.default_rng(seed)
    m = len(accepted)
    rewards = np.zeros((m, M))
    for i, a in enumerate(accepted):
        rewards[i, rng.permutation(M)[:a]] = 1
    tokens = rng.integers(1, 10, size=(m, M)).astype(float)
    sketches = (rng.normal(size=(m, M, D)) + rng.normal(size=(m, 1, D))).astype(np.float32)
    sketches[rewards.sum(1) == 0] = 0
    norms = {g: np.abs(rng.normal(size=(m, M))) + 0.5 for g in me.GROUPS}
    norms["all"] = np.sqrt((sketches.astype(np.float64) ** 2).sum(2))
    return rewards, tokens, sketches.reshape(m * M, D), norms


def synthetic_pool(**kwargs) -> me.Pool:
    rewards, tokens, sketches, norms = synthetic_arrays(**kwargs)
    return me.Pool.from_arrays(rewards, tokens, sketches, norms)


def reference_estimates(rewards, tokens, x, draws: list[np.ndarray]) -> np.ndarray:
    """(O, E, D): the estimators written out literally from their definitions,
    per drawn sample, for O outcomes; draws[i] is (O, n_i) sample indices of
    prompt i. x is (m, M, D). Independent of the library's coefficient form."""
    m, M, D = x.shape
    O = len(draws[0])
    p = rewards.mean(1)
    balanced_a = np.zeros((O, D))
    balanced_b = np.zeros((O, D))
    accepted_sum = np.zeros((O, D))
    accepted_tokens = np.zeros(O)
    accepted_count = np.zeros(O)
    grpo_sum = np.zeros((O, D))
    kept_tokens = np.zeros(O)
    kept_count = np.zeros(O)
    for i in range(m):
        d = draws[i]
        n = d.shape[1]
        if n == 0:
            continue
        r = rewards[i][d]                       # (O, n)
        xs = x[i][d]                            # (O, n, D)
        L = tokens[i][d]
        acc = (r[..., None] * xs).sum(1)
        k = r.sum(1)
        if p[i] > 0:
            balanced_a += acc / (n * p[i])
        balanced_b += np.where(k[:, None] > 0, acc / np.maximum(k, 1)[:, None], 0)
        accepted_sum += acc
        accepted_tokens += (r * L).sum(1)
        accepted_count += k
        if n >= 2:
            kept = r.min(1) != r.max(1)
            std = np.std(r, axis=1, ddof=1)
            advantage = (r - r.mean(1, keepdims=True)) / (std[:, None] + 1e-6)
            grpo_sum += np.where(kept[:, None], (advantage[..., None] * xs).sum(1), 0)
            kept_tokens += np.where(kept, L.sum(1), 0)
            kept_count += np.where(kept, n, 0)

    def ratio(num, den):
        return np.where(den[:, None] > 0, num / np.where(den > 0, den, 1)[:, None], 0)

    return np.stack([balanced_a, balanced_b, ratio(accepted_sum, accepted_tokens),
                     ratio(accepted_sum, accepted_count), ratio(grpo_sum, kept_tokens),
                     ratio(grpo_sum, kept_count)], axis=1)


def enumerate_draws(M: int, counts) -> tuple[list[np.ndarray], np.ndarray]:
    """Every joint outcome of drawing counts[i] samples with replacement from
    each prompt's pool, as multisets with their multinomial probabilities."""
    per_prompt = []
    for n in counts:
        outcomes = list(itertools.combinations_with_replacement(range(M), n))
        probability = np.array([math.factorial(n) / np.prod([math.factorial(c) for c in np.bincount(o, minlength=M)])
                                for o in outcomes]) / M ** n
        per_prompt.append((np.array(outcomes, dtype=np.int64).reshape(len(outcomes), n), probability))
    grid = np.meshgrid(*[np.arange(len(o)) for o, _ in per_prompt], indexing="ij")
    draws = [o[g.ravel()] for (o, _), g in zip(per_prompt, grid)]
    probability = np.prod([pr[g.ravel()] for (_, pr), g in zip(per_prompt, grid)], axis=0)
    return draws, probability


def counts_from_draws(m: int, M: int, draws: list[np.ndarray]) -> np.ndarray:
    O = len(draws[0])
    counts = np.zeros((O, m, M), dtype=np.float32)
    for i, d in enumerate(draws):
        for j in range(d.shape[1]):
            np.add.at(counts[:, i, :], (np.arange(O), d[:, j]), 1)
    return counts


def fixed_plan(counts: np.ndarray, replicates: int) -> me.Plan:
    m = len(counts)
    main = np.broadcast_to(np.asarray(counts, dtype=np.int64), (replicates, m)).copy()
    return me.Plan(main=main, reuse=np.zeros_like(main), budget=np.full(replicates, main[0].sum()),
                   refused=np.zeros(replicates, dtype=bool), presamples=0)


def library_replicates(pool: me.Pool, counts, replicates: int, seed: int = 3) -> np.ndarray:
    """(R, E, D) float64 estimates from the library's sampling and accumulation."""
    plan = fixed_plan(counts, replicates)
    rng = np.random.default_rng(seed)
    no_presamples = me.Presamples(indices=np.zeros((replicates, pool.m, 0), dtype=np.int64),
                                  rates=np.zeros((replicates, pool.m)))
    out = []
    for start in range(0, replicates, 8192):
        rows = slice(start, min(start + 8192, replicates))
        out.append(me.estimates(pool, me.training_counts(pool, plan, no_presamples, rows, rng)).astype(np.float64))
    return np.concatenate(out)


class TruthsAndEstimators(unittest.TestCase):
    def setUp(self):
        self.rewards, self.tokens, sketches, self.norms = synthetic_arrays()
        self.pool = me.Pool.from_arrays(self.rewards, self.tokens, sketches, self.norms)
        self.x = sketches.reshape(self.rewards.shape + (-1,)).astype(np.float64)

    def test_truths_match_their_definitions(self):
        r, L, x = self.rewards, self.tokens, self.x
        p = r.mean(1)
        mu = [x[i][r[i] == 1].mean(0) if p[i] > 0 else np.zeros(x.shape[2]) for i in range(len(p))]
        lam = [L[i][r[i] == 1].mean() if p[i] > 0 else 0 for i in range(len(p))]
        balanced = sum(mu)
        pooled = sum(p[i] * mu[i] for i in range(len(p)))
        grpo = [i for i in range(len(p)) if 0 < p[i] < 1]
        numerator = sum(((r[i] - p[i]) / math.sqrt(p[i] * (1 - p[i])))[:, None].__mul__(x[i]).mean(0) for i in grpo)
        expected = {"balanced": balanced,
                    "pooledTokenMean": pooled / sum(p[i] * lam[i] for i in range(len(p))),
                    "pooledSequenceMean": pooled / p.sum(),
                    "grpoTokenMean": numerator / sum(L[i].mean() for i in grpo),
                    "grpoSequenceMean": numerator / len(grpo)}
        for name, value in expected.items():
            np.testing.assert_allclose(self.pool.truths[name], value, rtol=1e-6, err_msg=name)

    def test_library_equals_the_literal_estimators_draw_by_draw(self):
        rng = np.random.default_rng(11)
        for counts in ([2, 2, 2, 2], [0, 3, 1, 5], [1, 1, 1, 1], [6, 9, 7, 3]):
            draws = [rng.integers(0, 4, size=(200, n)) for n in counts]
            expected = reference_estimates(self.rewards, self.tokens, self.x, draws)
            got = me.estimates(self.pool, counts_from_draws(4, 4, draws))
            np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5, err_msg=str(counts))


    def test_a_reused_workspace_leaves_nothing_behind(self):
        rng = np.random.default_rng(4)
        workspace = me.Workspace(self.pool, 50)
        first = counts_from_draws(4, 4, [rng.integers(0, 4, size=(50, 3)) for _ in range(4)])
        second = counts_from_draws(4, 4, [rng.integers(0, 4, size=(30, n)) for n in (3, 3, 0, 0)])
        me.estimates(self.pool, first, workspace)
        np.testing.assert_array_equal(me.estimates(self.pool, second, workspace), me.estimates(self.pool, second))


class MonteCarloAgainstExactVariance(unittest.TestCase):
    """The library's Monte-Carlo variance of every estimator equals its exact
    variance within Monte-Carlo error.

    The exact mean and variance come from enumerating every joint outcome of
    the draws (multisets with their multinomial probabilities) and evaluating
    the literal estimator on each: exact for all six estimators, including
    the ratio (pooled, GRPO) and self-normalised ones that have no closed
    form. For the 1/(n p) estimator the closed form sum_i Var_i / n_i is also
    checked against the enumeration. The Monte-Carlo side is the library's
    own sampling (training_counts) and accumulation (estimates, Metrics).
    The tolerance is 4 Monte-Carlo standard errors, estimated from the
    replicates; a variance wrong by 15% must fail it."""

    R = 40000

    def setUp(self):
        self.rewards, self.tokens, sketches, self.norms = synthetic_arrays(accepted=(0, 1, 2, 3, 4), M=4)
        self.pool = me.Pool.from_arrays(self.rewards, self.tokens, sketches, self.norms)
        self.x = sketches.reshape(self.rewards.shape + (-1,)).astype(np.float64)

    def exact(self, counts):
        draws, probability = enumerate_draws(4, counts)
        values = reference_estimates(self.rewards, self.tokens, self.x, draws)
        mean = np.einsum("o,oed->ed", probability, values)
        variance = np.einsum("o,oe->e", probability, ((values - mean) ** 2).sum(2))
        return mean, variance

    def check(self, counts):
        mean, variance = self.exact(counts)
        samples = library_replicates(self.pool, counts, self.R)
        sample_mean = samples.mean(0)
        deviation = ((samples - sample_mean) ** 2).sum(2)
        measured = deviation.mean(0)
        error = deviation.std(0) / math.sqrt(self.R)
        for e, name in enumerate(me.ESTIMATORS):
            with self.subTest(counts=counts, estimator=name):
                self.assertLessEqual(abs(measured[e] - variance[e]), 4 * error[e] + 1e-12,
                                     f"measured {measured[e]:.5g} exact {variance[e]:.5g} se {error[e]:.3g}")
                # power: a 15% wrong variance is outside the band
                if variance[e] > 0:
                    self.assertGreater(abs(measured[e] - 1.15 * variance[e]), 4 * error[e])
                coordinate_error = samples[:, e].std(0) / math.sqrt(self.R)
                np.testing.assert_array_less(np.abs(sample_mean[e] - mean[e]), 4 * coordinate_error + 1e-9)
        return mean, variance, samples

    def test_uniform(self):
        mean, variance, _ = self.check([2, 2, 2, 2, 2])
        closed = (self.pool.variance_inverse_p[self.pool.p > 0] / 2).sum()
        self.assertAlmostEqual(variance[0], closed, places=9)
        scale = self.pool.truths["balanced"] @ self.pool.truths["balanced"]
        self.assertAlmostEqual(me.analytic_balanced_nmse(self.pool, np.full((1, 5), 2))[0] * scale, closed, places=9)

    def test_unequal_counts_with_prompts_given_one_and_none(self):
        counts = [1, 0, 3, 1, 2]
        mean, variance, _ = self.check(counts)
        has = (self.pool.p > 0) & (np.array(counts) > 0)
        closed = (self.pool.variance_inverse_p[has] / np.array(counts)[has]).sum()
        self.assertAlmostEqual(variance[0], closed, places=9)
        # the 1/(n p) estimator misses exactly the prompts given nothing
        np.testing.assert_allclose(mean[0], self.pool.mu[has].sum(0), atol=1e-9)

    def test_metrics_accumulate_what_the_replicates_say(self):
        counts = [1, 0, 3, 1, 2]
        samples = library_replicates(self.pool, counts, 3000)
        metrics = me.Metrics(self.pool)
        zero = np.broadcast_to(np.array(counts) == 0, (len(samples), 5))
        for start in range(0, 3000, 700):
            metrics.add(samples[start:start + 700].astype(np.float32), zero[start:start + 700])
        results = metrics.results()
        truth = self.pool.truth_matrix()
        for e, name in enumerate(me.ESTIMATORS):
            scale = truth[e] @ truth[e]
            error = ((samples[:, e] - truth[e]) ** 2).sum(1) / scale
            mean = samples[:, e].mean(0)
            row = results[name]
            self.assertAlmostEqual(row["nMSE"], error.mean(), places=6)
            self.assertAlmostEqual(row["bias2"], ((mean - truth[e]) ** 2).sum() / scale, places=6)
            self.assertAlmostEqual(row["variance"], ((samples[:, e] - mean) ** 2).sum(1).mean() / scale, places=6)
            self.assertAlmostEqual(row["nMSE"], row["bias2"] + row["variance"], places=9)
            norms = np.linalg.norm(samples[:, e], axis=1)
            cos = np.where(norms > 0, samples[:, e] @ truth[e] / np.maximum(norms, 1e-300) / math.sqrt(scale), 0)
            self.assertAlmostEqual(row["cosMean"], cos.mean(), places=5)
            missed = self.pool.contributions[me.TRUTH_OF[name]][1].copy()   # prompt 1 gets nothing
            self.assertAlmostEqual(row["zeroShare"], missed @ missed / scale, places=9)

    def test_large_groups_reach_the_pooled_and_grpo_limits(self):
        samples = library_replicates(self.pool, [400] * 5, 400)
        mean = samples.mean(0)
        truth = self.pool.truth_matrix()
        for e in range(2, E):
            self.assertLess(np.linalg.norm(mean[e] - truth[e]) / np.linalg.norm(truth[e]), 0.02, me.ESTIMATORS[e])


class Checks(unittest.TestCase):
    def setUp(self):
        self.pool = synthetic_pool(accepted=(0, 3, 5, 8, 12, 16), M=16, D=8)
        self.presamples = me.draw_presamples(self.pool, 1500, np.random.default_rng(5))

    def run_uniform(self, name):
        return me.run_arm(self.pool, me.ARM_BY_NAME[name], "equalMain", self.presamples,
                          me.seed_for(1, 0, name), chunk=512)["estimators"]["balancedInverseP"]

    def test_budget_scaling_passes_on_uniform_and_fails_on_a_wrong_pair(self):
        single, double = self.run_uniform("uniform-n"), self.run_uniform("uniform-2n")
        check = me.check_budget_scaling(double["variance"], single["variance"])
        self.assertTrue(check["pass"], check)
        self.assertFalse(me.check_budget_scaling(single["variance"], single["variance"])["pass"])
        self.assertFalse(me.check_budget_scaling(0.4 * single["variance"], single["variance"])["pass"])

    def test_analytic_variance_passes_and_fails_on_a_wrong_variance(self):
        single = self.run_uniform("uniform-n")
        check = me.check_analytic_variance(single["nMSE"], single["nMSEStandardError"], single["analyticNMSE"])
        self.assertTrue(check["pass"], check)
        wrong = me.check_analytic_variance(single["nMSE"], single["nMSEStandardError"], 1.2 * single["analyticNMSE"])
        self.assertFalse(wrong["pass"], wrong)

    def test_gvm_arm_matches_its_conditional_analytic_mse(self):
        """Paper GVM draws its main samples after, and independently of, the
        allocation, so E||g_hat - g||^2 of the 1/(n p) estimator is the mean
        over replicates of sum Var_i / n_i plus the part the prompts given
        nothing carry: a check of pre-sampling, allocation and drawing."""
        result = me.run_arm(self.pool, me.ARM_BY_NAME["gvm"], "equalMain", self.presamples, [1, 2, 3], chunk=512)
        row = result["estimators"]["balancedInverseP"]
        self.assertTrue(me.check_analytic_variance(row["nMSE"], row["nMSEStandardError"], row["analyticNMSE"])["pass"], row)


class VersionChecks(unittest.TestCase):
    """The report's checks on a version's whole estimator add its batches'
    absolute variances (nMSE times that batch's ||g||^2)."""

    @staticmethod
    def rows(arm, batch, variance, norm, analytic=None, error=0.1):
        return {"kind": "arm", "arm": arm, "budget": "equalMain", "estimand": "balancedInverseP", "batch": batch,
                "variance": variance, "nMSE": variance, "analyticNMSE": analytic if analytic is not None else variance,
                "nMSEStandardError": error, "truthNormSquared": norm}

    def test_ratio_of_summed_absolute_variances(self):
        rs = [self.rows("uniform-n", 0, 10.0, 1.0), self.rows("uniform-2n", 0, 6.0, 1.0),
              self.rows("uniform-n", 1, 2.0, 4.0), self.rows("uniform-2n", 1, 0.8, 4.0)]
        whole = mechanism.version_checks(rs)
        self.assertEqual(whole["batches"], 2)
        self.assertAlmostEqual(whole["budgetScaling"]["ratio"], (6.0 + 3.2) / (10.0 + 8.0))
        self.assertTrue(whole["budgetScaling"]["pass"])
        self.assertTrue(whole["analyticVariance"]["pass"])

    def test_fails_when_the_sum_is_off(self):
        rs = [self.rows("uniform-n", 0, 10.0, 1.0, analytic=14.0), self.rows("uniform-2n", 0, 8.0, 1.0)]
        whole = mechanism.version_checks(rs)
        self.assertFalse(whole["budgetScaling"]["pass"])
        self.assertFalse(whole["analyticVariance"]["pass"])

    def test_no_uniform_rows_no_check(self):
        self.assertIsNone(mechanism.version_checks([self.rows("uniform-n", 0, 1.0, 1.0)]))


class Arms(unittest.TestCase):
    def setUp(self):
        self.pool = synthetic_pool(accepted=(0, 1, 4, 9, 16), M=16, D=4)
        self.presamples = me.draw_presamples(self.pool, 300, np.random.default_rng(2))
        self.m = self.pool.m

    def test_presample_estimates(self):
        pre = self.presamples
        r, i = 7, 3
        drawn = pre.indices[r, i]
        accepted = self.pool.rewards[i, drawn] == 1
        self.assertAlmostEqual(pre.rates[r, i], accepted.mean())
        values = self.pool.norms["head"][i, drawn][accepted]
        self.assertAlmostEqual(pre.g["mean-head"][r, i], values.mean())
        self.assertAlmostEqual(pre.g["rms-head"][r, i], math.sqrt((values ** 2).mean()))
        self.assertTrue((pre.g["mean-all"][:, 0] == 0).all())     # p = 0: G = 0

    def test_paper_gvm_spends_n_m_fresh_draws(self):
        plan = me.make_plan(self.pool, me.ARM_BY_NAME["gvm"], "equalMain", self.presamples)
        ok = ~plan.refused
        self.assertTrue((plan.main[ok].sum(1) == 8 * self.m).all())
        self.assertTrue((plan.reuse == 0).all())
        self.assertTrue((plan.total_draws[ok] == 16 * self.m).all())

    def test_count_toward_budget_reuses_the_first_presamples(self):
        arm = me.ARM_BY_NAME["gvm-count-cap24"]
        plan = me.make_plan(self.pool, arm, "equalMain", self.presamples)
        for r in range(len(plan.main)):
            counts = me.allocate_counts(self.presamples.g["mean-embedding"][r], self.presamples.rates[r], 8 * self.m, 24)
            if counts is None:
                self.assertTrue(plan.refused[r])
                continue
            self.assertTrue((counts <= 24).all())
            np.testing.assert_array_equal(plan.main[r], np.maximum(counts - 8, 0))
            np.testing.assert_array_equal(plan.reuse[r], np.minimum(counts, 8))
        # the trained-on pre-samples are the first ones, in draw order
        one = slice(0, 1)
        plan.main[one] = 0
        plan.reuse[one] = np.array([0, 3, 8, 1, 0])
        counts = me.training_counts(self.pool, plan, self.presamples, one, np.random.default_rng(0))
        for i, k in enumerate(plan.reuse[0]):
            expected = np.bincount(self.presamples.indices[0, i, :k], minlength=self.pool.M)
            np.testing.assert_array_equal(counts[0, i], expected)

    def test_count_toward_budget_at_equal_total_takes_the_largest_budget_that_fits(self):
        for name in ("gvm-count", "gvm-count-cap24"):
            arm = me.ARM_BY_NAME[name]
            plan = me.make_plan(self.pool, arm, "equalTotal", self.presamples)
            for r in range(0, len(plan.main), 15):
                if plan.refused[r]:
                    continue
                self.assertLessEqual(plan.total_draws[r], 16 * self.m)
                N = int(plan.budget[r])
                norms, rates = self.presamples.g["mean-embedding"][r], self.presamples.rates[r]
                # no larger N up to the total fits
                for larger in range(N + 1, 16 * self.m + 1):
                    counts = me.allocate_counts(norms, rates, larger, arm.cap)
                    self.assertGreater(8 * self.m + me.count_new(counts, 8), 16 * self.m, (name, r, N, larger))

    def test_refusal_allocates_nothing_and_is_counted(self):
        none_accepted = me.Presamples(indices=self.presamples.indices[:40], rates=np.zeros((40, self.m)),
                                      g={k: np.zeros((40, self.m)) for k in self.presamples.g})
        result = me.run_arm(self.pool, me.ARM_BY_NAME["gvm"], "equalMain", none_accepted, [4])
        self.assertEqual(result["refusals"], 40)
        self.assertEqual(result["meanTrained"], 0)
        for name, row in result["estimators"].items():
            self.assertEqual(row["zeroEstimates"], 40, name)
        self.assertAlmostEqual(result["estimators"]["balancedInverseP"]["nMSE"], 1.0)
        self.assertAlmostEqual(result["estimators"]["balancedInverseP"]["zeroShare"], 1.0)

    def test_oracle_and_uniform_budgets(self):
        for name, budget, total in (("uniform-n", "equalMain", 8), ("uniform-n", "equalTotal", 16),
                                    ("uniform-2n", "equalMain", 16), ("oracle", "equalMain", 8),
                                    ("oracle", "equalTotal", 16)):
            plan = me.make_plan(self.pool, me.ARM_BY_NAME[name], budget, self.presamples)
            self.assertTrue((plan.total_draws == total * self.m).all(), (name, budget))
        plan = me.make_plan(self.pool, me.ARM_BY_NAME["oracle"], "equalMain", self.presamples)
        self.assertEqual(plan.main[0, 0], 0)     # p = 0 gets nothing


class ExistingArmsUnchanged(unittest.TestCase):
    """The arms that have committed rows must give the same numbers after any
    change to the library: adding arms must not move their draws or their
    plans. The values were computed before the history arms were added
    (refusals, mean trained, mean total draws, then nMSE per estimator); the
    tolerance only allows for a different BLAS summing the float32 products
    in another order."""

    GOLDEN = {
        "uniform-n/equalMain": [0, 64.0, 64.0, 0.37506663572449117, 0.17945663825609665, 0.08427832458816939, 0.0665134266126446, 1.6848490256644444, 1.8926420387336058],
        "uniform-n/equalTotal": [0, 128.0, 128.0, 0.2089512472226504, 0.09056426693369202, 0.036021154112636164, 0.032620311258571906, 0.878872967851591, 0.9031996757367338],
        "uniform-2n/equalMain": [0, 128.0, 128.0, 0.2089512472226504, 0.09056426693369202, 0.036021154112636164, 0.032620311258571906, 0.878872967851591, 0.9031996757367338],
        "uniform-2n/equalTotal": [0, 128.0, 128.0, 0.2089512472226504, 0.09056426693369202, 0.036021154112636164, 0.032620311258571906, 0.878872967851591, 0.9031996757367338],
        "gvm/equalMain": [0, 64.0, 128.0, 0.22822612985357169, 0.15936398194265908, 0.24046325963606494, 0.2222286501442535, 1.3775177044112619, 1.2603443301811164],
        "gvm/equalTotal": [0, 64.0, 128.0, 0.22822612985357169, 0.15936398194265908, 0.24046325963606494, 0.2222286501442535, 1.3775177044112619, 1.2603443301811164],
        "gvm-count/equalMain": [0, 64.0, 90.625, 0.3241640617718372, 0.1539136747244514, 0.24338535831939215, 0.22733220663069414, 1.2740683598750886, 1.249482689652369],
        "gvm-count/equalTotal": [0, 104.375, 127.975, 0.18346202918604781, 0.11871075816381857, 0.17955734387004613, 0.17150037598281537, 0.6687414085988423, 0.6558462774775526],
        "gvm-count-cap24/equalMain": [0, 64.0, 89.9, 0.29379446360157824, 0.15003665938961738, 0.1777669101280366, 0.16818285552042647, 1.2954114656770035, 1.3056136564803933],
        "gvm-count-cap24/equalTotal": [0, 104.2, 127.6, 0.25356983602222144, 0.13248465836504433, 0.08303695001978961, 0.07824101747756436, 1.1582447328408871, 1.1939588483888062],
        "gvm-rms-embedding/equalMain": [0, 64.0, 128.0, 0.24056627226450492, 0.153120031829155, 0.19584530126729774, 0.1907294753480275, 1.210511349486255, 1.1483390970805665],
        "gvm-rms-embedding/equalTotal": [0, 64.0, 128.0, 0.24056627226450492, 0.153120031829155, 0.19584530126729774, 0.1907294753480275, 1.210511349486255, 1.1483390970805665],
        "gvm-mean-head/equalMain": [0, 64.0, 128.0, 0.284925689500351, 0.1738721243668583, 0.16870340399491704, 0.16029061506232375, 1.7532812627371845, 1.792862339329187],
        "gvm-mean-head/equalTotal": [0, 64.0, 128.0, 0.284925689500351, 0.1738721243668583, 0.16870340399491704, 0.16029061506232375, 1.7532812627371845, 1.792862339329187],
        "gvm-rms-head/equalMain": [0, 64.0, 128.0, 0.2974837634581025, 0.168448174496328, 0.13125017644502554, 0.1208722229336342, 1.5322188720393153, 1.54084103532899],
        "gvm-rms-head/equalTotal": [0, 64.0, 128.0, 0.2974837634581025, 0.168448174496328, 0.13125017644502554, 0.1208722229336342, 1.5322188720393153, 1.54084103532899],
        "gvm-mean-all/equalMain": [0, 64.0, 128.0, 0.22948007867943812, 0.16890264307191158, 0.1299459528370987, 0.11171853634600253, 1.7375282197317716, 1.6879077123457522],
        "gvm-mean-all/equalTotal": [0, 64.0, 128.0, 0.22948007867943812, 0.16890264307191158, 0.1299459528370987, 0.11171853634600253, 1.7375282197317716, 1.6879077123457522],
        "gvm-rms-all/equalMain": [0, 64.0, 128.0, 0.23363543380838717, 0.18015680660565592, 0.12116248198821679, 0.10720629030080149, 1.357311532099792, 1.3443504738459868],
        "gvm-rms-all/equalTotal": [0, 64.0, 128.0, 0.23363543380838717, 0.18015680660565592, 0.12116248198821679, 0.10720629030080149, 1.357311532099792, 1.3443504738459868],
        "gvm-constant/equalMain": [0, 64.0, 128.0, 0.20477333584682358, 0.15148703047435283, 0.1185782492464745, 0.10389314550134628, 1.3941487591606168, 1.4365026325030923],
        "gvm-constant/equalTotal": [0, 64.0, 128.0, 0.20477333584682358, 0.15148703047435283, 0.1185782492464745, 0.10389314550134628, 1.3941487591606168, 1.4365026325030923],
        "oracle/equalMain": [0, 64.0, 64.0, 0.25689282843792893, 0.13646725127839412, 0.13706572710548462, 0.12849223445704525, 1.7001942318385648, 1.660084915693838],
        "oracle/equalTotal": [0, 128.0, 128.0, 0.11379279716408496, 0.049187442365397474, 0.0822273792440343, 0.07231569666175035, 0.5697535920651372, 0.5508598813297145],
    }

    def test_existing_arms_give_the_numbers_they_gave(self):
        pool = synthetic_pool(accepted=(0, 1, 4, 9, 16, 2, 12, 0), M=16, D=4)
        presamples = me.draw_presamples(pool, 40, np.random.default_rng(5))
        for key, expected in self.GOLDEN.items():
            name, budget = key.split("/")
            arm = me.ARM_BY_NAME[name]
            result = me.run_arm(pool, arm, budget, presamples, me.seed_for(3, 0, me.computation(arm, budget, pool.m)),
                                16)
            got = [result["refusals"], result["meanTrained"], result["meanTotalDraws"]] + [
                result["estimators"][e]["nMSE"] for e in me.ESTIMATORS]
            np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=key)
        self.assertEqual({key.split("/")[0] for key in self.GOLDEN},
                         {arm.name for arm in me.ARMS if arm.kind != "history" and arm.rounds is None})


class Diagnostics(unittest.TestCase):
    def test_spearman_with_ties(self):
        a, b = np.array([1.0, 2, 2, 3, 0]), np.array([1.0, 3, 2, 4, 1])
        ra, rb = np.array([2, 3.5, 3.5, 5, 1]), np.array([1.5, 4, 3, 5, 1.5])
        expected = np.corrcoef(ra, rb)[0, 1]
        self.assertAlmostEqual(float(me.spearman(a, b)), expected, places=12)
        self.assertTrue(np.isnan(me.spearman(np.ones(4), np.arange(4.0))))

    def test_ceiling_and_all_equal_fractions(self):
        pool = synthetic_pool(accepted=(0, 4, 8, 16), M=16, D=4)
        d = me.diagnostics(pool, me.draw_presamples(pool, 20, np.random.default_rng(0)))
        has = pool.p > 0
        w = np.sqrt(pool.second_moment_exact[has] / pool.p[has])
        self.assertAlmostEqual(d["ceiling"], 1 + w.var() / w.mean() ** 2)
        self.assertAlmostEqual(d["allEqualFraction8"], np.mean(pool.p ** 8 + (1 - pool.p) ** 8))
        self.assertAlmostEqual(d["spearman"]["pool/rms-all"], 1.0)
        # a pool where G / sqrt(p) is the same for every prompt: no allocation helps
        rewards = np.zeros((2, 4))
        rewards[0, :1] = 1
        rewards[1, :] = 1
        sketches = np.zeros((8, 2), dtype=np.float32)
        sketches[0] = [1, 0]                         # G / sqrt(p) = 1 / 0.5 = 2
        sketches[4:] = [[2, 0], [0, 2], [2, 0], [0, 2]]   # G / sqrt(p) = 2 / 1 = 2
        flat = me.Pool.from_arrays(rewards, np.ones((2, 4)), sketches)
        self.assertAlmostEqual(me.diagnostics(flat, me.draw_presamples(flat, 5, np.random.default_rng(0)))["ceiling"], 1.0)

    def test_noise_scale_of_identical_gradients_is_zero(self):
        rewards = np.ones((3, 4))
        sketches = np.tile(np.array([[1.0, 2.0]], dtype=np.float32), (12, 1))
        pool = me.Pool.from_arrays(rewards, np.ones((3, 4)), sketches)
        d = me.diagnostics(pool, me.draw_presamples(pool, 5, np.random.default_rng(0)))
        self.assertAlmostEqual(d["noiseScaleAccepted"], 0.0, places=6)


def write_fake_batch(folder: str, label: str, batch: int, m: int, M: int, D: int, seed: int,
                     weights_sha256: str = "ab" * 32) -> None:
    """A batch in the cache layout the Swift side writes (json last)."""
    rewards, tokens, sketches, norms = synthetic_arrays(seed=seed, accepted=tuple(
        np.random.default_rng(seed).integers(0, M + 1, size=m)), M=M, D=D)
    os.makedirs(os.path.join(folder, label), exist_ok=True)
    sketches.astype("<f4").tofile(os.path.join(folder, label, f"batch-{batch}.f32"))
    meta = {"format": 1, "label": label, "weightsSHA256": weights_sha256, "tasksFile": "pool.jsonl", "batch": batch,
        "poolSize": M, "dimensions": D, "sketchSeed": 1, "samplingSeed": 1, "temperature": 1.0,
        "maxTokens": 128, "parameterCount": 1000, "cpuModel": "test cpu", "openblasCore": "test core",
        "seconds": 1.5,
        "prompts": [{"taskIndex": batch * m + i, "level": 1, "gradients": bool(rewards[i].sum() > 0),
                         "rewards": rewards[i].astype(int).tolist(), "tokens": tokens[i].astype(int).tolist(),
                         "normEmbedding": norms["embedding"][i].tolist(), "normHead": norms["head"][i].tolist(),
                         "normAll": norms["all"][i].tolist()} for i in range(m)]}
    path = os.path.join(folder, label, f"batch-{batch}.json")
    with open(path + ".tmp", "w") as file:
        json.dump(meta, file)
    os.replace(path + ".tmp", path)


class EndToEnd(unittest.TestCase):
    """The driver on a fake cache: rows, resumption and the report."""

    def test_driver_writes_rows_resumes_and_reports(self):
        with tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "cache")
            weights = []
            for label, seed in (("v0", 1), ("v6", 2)):
                weights.append(os.path.join(tmp, f"{label}.weights"))
                with open(weights[-1], "wb") as file:
                    file.write(label.encode() * 100)
                for b in range(2):
                    write_fake_batch(cache, label, b, m=4, M=16, D=8, seed=seed * 10 + b,
                                     weights_sha256=mechanism.sha256(weights[-1]))
            results = os.path.join(tmp, "docs", "allocation", "mechanism.jsonl")
            report = os.path.join(tmp, "docs", "allocation.md")
            argv = ["--cache", cache, "--labels", "v0,v6", "--results", results, "--report", report,
                    "--replicates", "30", "--batches", "2", "--weights", ",".join(weights)]
            # a cache built from other weights is refused, not analysed
            with self.assertRaises(SystemExit), contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv[:-1] + [",".join(reversed(weights))])
            self.assertFalse(os.path.exists(results))
            with contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv)
            rows = mechanism.read_rows(results)
            arm_rows = [r for r in rows if r["kind"] == "arm"]
            self.assertEqual(len(arm_rows), 2 * 2 * ROWS_PER_BUDGET * len(me.BUDGETS))
            self.assertEqual(len([r for r in rows if r["kind"] == "diagnostics"]), 4)
            self.assertEqual(len({mechanism.row_key(r) for r in rows}), len(rows))
            for field in ("date", "commit", "cpuModel", "openblasCore", "numpyVersion", "seconds", "cpuSeconds", "nMSE"):
                self.assertIn(field, arm_rows[0])
            self.assertEqual(arm_rows[0]["cpuModel"], "test cpu")
            # a rerun adds nothing; a lost tail is recomputed, with the same numbers
            with contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv)
            self.assertEqual(len(mechanism.read_rows(results)), len(rows))
            with open(results) as file:
                lines = file.readlines()
            with open(results, "w") as file:
                file.writelines(lines[:-20])
                file.write(lines[-20][:15])           # a line cut by an interruption
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                mechanism.main(argv)
            with open(results) as file:
                self.assertTrue(all(json.loads(line) for line in file))    # the cut line is gone
            again = {mechanism.row_key(r): r for r in mechanism.read_rows(results)}
            self.assertEqual(set(again), {mechanism.row_key(r) for r in rows})
            self.assertEqual(len(mechanism.read_rows(results)), len(rows))
            for r in rows[-20:]:
                self.assertEqual(again[mechanism.row_key(r)].get("nMSE"), r.get("nMSE"))
            with open(report) as file:
                text = file.read()
            self.assertIn(mechanism.BEGIN, text)
            self.assertIn(mechanism.READING, text)
            self.assertIn("| uniform-n | equal main N |", text)
            for estimand in me.ESTIMATORS:
                plot = os.path.join(tmp, "docs", "allocation", f"mechanism-{estimand}.svg")
                ElementTree.parse(plot)          # well-formed SVG text
            # the reading a person wrote survives a report rebuild
            with open(report, "w") as file:
                file.write(text.replace("_TODO_", "written by hand", 1))
            with contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(argv + ["--report-only"])
            with open(report) as file:
                rebuilt = file.read()
            self.assertIn("written by hand", rebuilt)
            self.assertEqual(rebuilt.count(mechanism.READING), 1)

    def test_absent_pools_are_built_with_gvm_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            weights, tasks = os.path.join(tmp, "v0.weights"), os.path.join(tmp, "pool.jsonl")
            for path in (weights, tasks):
                with open(path, "w") as file:
                    file.write("x")
            prepared, cache = os.path.join(tmp, "prepared"), os.path.join(tmp, "cache")
            write_fake_batch(prepared, "v0", 0, m=3, M=8, D=4, seed=1, weights_sha256=mechanism.sha256(weights))
            # a stand-in for the Swift command: records its arguments, "builds" the batch
            fake = os.path.join(tmp, "gvm-model")
            with open(fake, "w") as file:
                file.write(f"#!/bin/sh\necho \"$@\" > {tmp}/arguments\nmkdir -p {cache}\ncp -r {prepared}/v0 {cache}/\n")
            os.chmod(fake, 0o755)
            with contextlib.redirect_stdout(io.StringIO()):
                mechanism.main(["--cache", cache, "--labels", "v0", "--weights", weights, "--tasks", tasks,
                                "--gvm-model", fake, "--batches", "1", "--replicates", "10",
                                "--results", os.path.join(tmp, "r.jsonl"), "--report", os.path.join(tmp, "a.md")])
            with open(os.path.join(tmp, "arguments")) as file:
                arguments = file.read().split()
            self.assertEqual(arguments, ["gradient-pools", "--weights", weights, "--tasks", tasks, "--label", "v0",
                                         "--cache", cache, "--batches", "1", "--batch-size", "64", "--pool", "256",
                                         "--dimensions", "4096", "--sketch-seed", "1", "--seed", "1",
                                         "--max-tokens", "128"])
            self.assertEqual(len(mechanism.read_rows(os.path.join(tmp, "r.jsonl"))), 1 + ROWS_PER_BUDGET * 2)

    def test_loader_refuses_inconsistent_batches(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_fake_batch(tmp, "v0", 0, m=3, M=8, D=4, seed=1)
            batch = me.load_batch(os.path.join(tmp, "v0", "batch-0.json"))
            self.assertEqual(batch.sketches.shape, (24, 4))
            path = os.path.join(tmp, "v0", "batch-0.json")
            with open(path) as file:
                meta = json.load(file)
            accepted = next(i for i, prompt in enumerate(meta["prompts"]) if sum(prompt["rewards"]) > 0)
            meta["prompts"][accepted]["gradients"] = False
            with open(path, "w") as file:
                json.dump(meta, file)
            with self.assertRaises(ValueError):
                me.load_batch(path)
            meta["prompts"][accepted]["gradients"] = True
            with open(path, "w") as file:
                json.dump(meta, file)
            with open(os.path.join(tmp, "v0", "batch-0.f32"), "ab") as file:
                file.write(b"\0\0\0\0")
            with self.assertRaises(ValueError):
                me.load_batch(os.path.join(tmp, "v0", "batch-0.json"))


if __name__ == "__main__":
    unittest.main()
