"""The history arms of the mechanism benchmark: `gvm-history`, `knapsack` and
`variance`, which allocate with the history statistics of
docs/allocation-strategies.md in place of the paper's fresh pre-samples.

The rules are not written a second time here: every statistic and every
allocation comes from `strategy_reference` (posterior_update, gradient_update,
level_prior, posterior, presample_selection, gradient_estimates, window_flags,
knapsack_allocate, variance_allocate), called once per replicate, and the GVM
rule from `mechanism_estimators.allocate_counts`. This module only builds the
iterations those functions see.

What "history" means at a fixed model version (issue 14's definition):
- The dataset is the prompts of every batch of the benchmark (4 x 64). Each
  has, as its one previous iteration, `HISTORY_DRAWS` = 8 draws with
  replacement from the pool of the *history version* (v0) of the same prompt,
  drawn per replicate with a seeded generator. Their rewards give the correct
  and wrong counts; the norms of their accepted samples, in the norm group the
  arm's G uses, give the norm sums and counts.
- At a later version (v6) every prompt, the batch's own included, has that
  history. At the history version itself (v0) the batch's own prompts have
  none (their rows of the previous iteration are zero): the prior of their
  level, pooled over the other batches' prompts, is all they start from.
- Then the current iteration, on the batch's prompts at the current version:
  one decay of every prompt's statistics; pre-sample selection (posterior sd
  > sigma_max); the selected prompts take the first N' of the replicate's
  shared pre-samples (`mechanism_estimators.draw_presamples`, so the arms share
  their luck with the paper's GVM arms), which are added to the history; then
  p_i (posterior mean), G_i and the solved and hopeless window (W = 2: the
  previous iteration and this one's pre-samples) on those statistics.
- The pre-samples are not trained on (the `gvm` arm's "discard" accounting).
  At equal main N the rule gets N = n m; at equal total draws N = 2 n m minus
  the pre-sample draws of the replicate.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mechanism_estimators as me  # noqa: E402
import strategy_reference as sr  # noqa: E402

HISTORY_DRAWS = 8          # draws per prompt in the previous iteration
RULES = ("gvm", "knapsack", "variance")


@dataclass(frozen=True)
class Settings:
    """The parameters of docs/allocation-strategies.md, at their defaults."""
    decay: float = sr.DEFAULTS["decay"]
    prior_strength: float = sr.DEFAULTS["priorStrength"]
    sigma_max: float = sr.DEFAULTS["sigmaMax"]
    presamples: int = sr.DEFAULTS["presamples"]
    window: int = sr.DEFAULTS["historyWindow"]
    solved_min: int = sr.DEFAULTS["solvedMinSamples"]
    hopeless_min: int = sr.DEFAULTS["hopelessMinSamples"]
    floor: int = sr.DEFAULTS["knapsackFloor"]
    history_draws: int = HISTORY_DRAWS


# ---------------------------------------------------------------- the dataset at the history version

@dataclass
class Source:
    """Every prompt of the dataset at the history version, in batch order:
    task ids, levels, and the pool's rewards and norms ([prompt, sample],
    the samples in the pool's order)."""
    label: str
    weights_sha256: str | None
    tasks: np.ndarray              # (P,) int
    levels: list                   # (P,) int or None
    rewards: np.ndarray            # (P, M) float64, 0 or 1
    norms: dict                    # group -> (P, M) float64

    def __post_init__(self):
        self.index = {int(task): row for row, task in enumerate(self.tasks)}
        if len(self.index) != len(self.tasks):
            raise ValueError(f"history source {self.label}: a task appears twice")

    def rows(self, tasks) -> np.ndarray:
        """The rows of the given tasks, matched by task id (not by position)."""
        missing = [int(t) for t in tasks if int(t) not in self.index]
        if missing:
            raise ValueError(f"history source {self.label}: tasks {missing[:5]} are not in its batches")
        return np.array([self.index[int(t)] for t in tasks], dtype=np.int64)


def load_source(cache: str, label: str, batches: int) -> Source:
    """The batches' json files of the history version (the sketches are not read)."""
    tasks, levels, rewards, weights = [], [], [], set()
    norms = {group: [] for group in me.GROUPS}
    for batch in range(batches):
        path = os.path.join(cache, label, f"batch-{batch}.json")
        with open(path) as file:
            meta = json.load(file)
        weights.add(meta.get("weightsSHA256"))
        for prompt in meta["prompts"]:
            tasks.append(int(prompt["taskIndex"]))
            levels.append(prompt.get("level"))
            rewards.append(prompt["rewards"])
            for group in me.GROUPS:
                norms[group].append(prompt["norm" + group.capitalize()])
    if len(weights) != 1:
        raise ValueError(f"{cache}/{label}: batches from different weights")
    return Source(label=label, weights_sha256=weights.pop(), tasks=np.asarray(tasks), levels=levels,
                  rewards=(np.asarray(rewards, dtype=np.float64) > 0.5).astype(np.float64),
                  norms={g: np.asarray(v, dtype=np.float64) for g, v in norms.items()})


def group_of(g: str) -> str:
    """The norm group of a G name; history G is a mean of norms (S / V)."""
    stat, _, group = g.partition("-")
    if stat != "mean" or group not in me.GROUPS:
        raise ValueError(f"history arms need a mean-<group> G, got {g!r}")
    return group


# ---------------------------------------------------------------- the statistics per replicate

@dataclass
class History:
    """Per replicate, what the history arms allocate with, for the batch's
    prompts (step 4 of the rules), and which prompts were pre-sampled."""
    rates: np.ndarray              # (R, m) posterior mean p_i
    g: np.ndarray                  # (R, m) G_i
    presampled: np.ndarray         # (R, m) pre-samples drawn (N' or 0)
    solved: np.ndarray             # (R, m) bool
    hopeless: np.ndarray           # (R, m) bool
    settings: Settings

    def plan(self, pool: me.Pool, arm: me.Arm, budget: str) -> me.Plan:
        """The arm's allocation in every replicate (pre-samples not trained on)."""
        return plan(self, arm, budget, pool.m)


def draw_order_sum(values: np.ndarray) -> np.ndarray:
    """Sum over the last axis left to right, in draw order (np.sum is
    pairwise); the rejected draws' zeros add nothing."""
    total = np.zeros(values.shape[:-1])
    for k in range(values.shape[-1]):
        total = total + values[..., k]
    return total


def previous_iteration(source: Source, group: str, batch_rows: np.ndarray, own_history: bool,
                       replicates: int, rng: np.random.Generator, draws: int = HISTORY_DRAWS) -> dict:
    """(R, P) correct, wrong, norm sums and norm counts of the previous
    iteration: `draws` draws with replacement from each prompt's pool at the
    history version. Without own history the batch's prompts' rows are zero
    (their draws are made all the same, so the other prompts' draws do not
    depend on it)."""
    P, M = source.rewards.shape
    indices = rng.integers(0, M, size=(replicates, P, draws))
    prompt = np.arange(P)[None, :, None]
    accepted = source.rewards[prompt, indices]
    correct = accepted.sum(2)
    wrong = draws - correct
    norm_sums = draw_order_sum(accepted * source.norms[group][prompt, indices])
    if not own_history:
        for array in (correct, wrong, norm_sums):
            array[:, batch_rows] = 0
    return {"correct": correct, "wrong": wrong, "normSums": norm_sums,
            "normCounts": correct.copy()}       # every accepted sample has a measured norm


def history_state(source: Source, pool: me.Pool, batch_tasks, own_history: bool, presamples: me.Presamples,
                  rng: np.random.Generator, g: str = "mean-embedding", settings: Settings = Settings()) -> History:
    """The statistics of every replicate: the previous iteration (above), then
    the current one's steps 1 to 4 with the strategy reference's functions."""
    group = group_of(g)
    rows = source.rows(batch_tasks)
    if len(rows) != pool.m:
        raise ValueError(f"{len(rows)} batch tasks for a pool of {pool.m} prompts")
    R = len(presamples.rates)
    count = settings.presamples
    if presamples.indices.shape[2] < count:
        raise ValueError(f"{presamples.indices.shape[2]} shared pre-samples per prompt, {count} needed")
    previous = previous_iteration(source, group, rows, own_history, R, rng, settings.history_draws)
    # the current iteration's pre-samples, where a prompt is selected: the
    # first N' of the shared ones, from the current version's pool
    prompt = np.arange(pool.m)[None, :, None]
    drawn = presamples.indices[:, :, :count]
    accepted = pool.rewards[prompt, drawn]
    pre_correct = accepted.sum(2)
    pre_norms = draw_order_sum(accepted * pool.norms[group][prompt, drawn])

    P, m = len(source.tasks), pool.m
    out = {name: np.zeros((R, m)) for name in ("rates", "g")}
    presampled = np.zeros((R, m), dtype=np.int64)
    solved = np.zeros((R, m), dtype=bool)
    hopeless = np.zeros((R, m), dtype=bool)
    zeros = np.zeros(P)
    for r in range(R):
        # the previous iteration, from no history
        c, f = sr.posterior_update(zeros, zeros, previous["correct"][r], previous["wrong"][r], settings.decay)
        s, v = sr.gradient_update(zeros, zeros, previous["normSums"][r], previous["normCounts"][r], settings.decay)
        # step 1: one decay of every prompt
        c, f = sr.posterior_update(c, f, zeros, zeros, settings.decay)
        s, v = sr.gradient_update(s, v, zeros, zeros, settings.decay)
        # step 2: selection, on the batch's prompts (the iteration's prompts)
        prior_a, prior_b = sr.level_prior(c, f, source.levels, settings.prior_strength)
        a, b, _, _ = sr.posterior(c, f, prior_a, prior_b)
        selected = sr.presample_selection(a, b, settings.sigma_max, count)[rows]
        # step 3: add the selected prompts' pre-samples, without a decay
        new = {name: np.zeros(P) for name in ("correct", "wrong", "normSums", "normCounts")}
        taken = selected > 0
        new["correct"][rows] = np.where(taken, pre_correct[r], 0)
        new["wrong"][rows] = np.where(taken, count - pre_correct[r], 0)
        new["normSums"][rows] = np.where(taken, pre_norms[r], 0)
        new["normCounts"][rows] = new["correct"][rows]
        c, f = sr.posterior_update(c, f, new["correct"], new["wrong"], 1.0)
        s, v = sr.gradient_update(s, v, new["normSums"], new["normCounts"], 1.0)
        # step 4: prior, p, G and the window, after the pre-samples
        prior_a, prior_b = sr.level_prior(c, f, source.levels, settings.prior_strength)
        _, _, mean, _ = sr.posterior(c, f, prior_a, prior_b)
        norms = sr.gradient_estimates(s, v, source.levels)
        window = [{"correct": previous["correct"][r][rows], "wrong": previous["wrong"][r][rows]},
                  {"correct": new["correct"][rows], "wrong": new["wrong"][rows]}]
        solved[r], hopeless[r] = sr.window_flags(window, settings.window, settings.solved_min,
                                                 settings.hopeless_min, m)
        out["rates"][r], out["g"][r] = mean[rows], norms[rows]
        presampled[r] = selected
    return History(rates=out["rates"], g=out["g"], presampled=presampled, solved=solved, hopeless=hopeless,
                   settings=settings)


# ---------------------------------------------------------------- allocation

def allocate(rule: str, history: History, r: int, budget: int, settings: Settings):
    """(counts, unallocated) of one replicate, or None where the rule finds
    nothing allocatable (a refusal); any other refusal is a bug and raises.
    gvm: the paper's rule, no flags (RAFT). knapsack: floor f, no cap, solved
    get 0 and hopeless the floor (GRPO). variance: solved and hopeless weigh 0."""
    rates, g = history.rates[r], history.g[r]
    try:
        if rule == "gvm":
            counts = me.allocate_counts(g, rates, budget)
            return None if counts is None else (counts, 0)
        if rule == "knapsack":
            result = sr.knapsack_allocate(rates, budget, 0, settings.floor, history.solved[r], history.hopeless[r])
        elif rule == "variance":
            result = sr.variance_allocate(g, rates, budget, excluded=history.solved[r] | history.hopeless[r])
        else:
            raise ValueError(f"unknown history rule {rule!r}")
    except sr.Refused as refusal:
        if str(refusal).startswith("nothing allocatable"):
            return None
        raise
    return np.asarray(result["counts"], dtype=np.int64), int(result["unallocated"])


def plan(history: History, arm: me.Arm, budget: str, m: int) -> me.Plan:
    R = len(history.rates)
    drawn = history.presampled.sum(1)
    if budget == "equalMain":
        budgets = np.full(R, me.SAMPLES_PER_PROMPT * m, dtype=np.int64)
    elif budget == "equalTotal":
        budgets = 2 * me.SAMPLES_PER_PROMPT * m - drawn
    else:
        raise ValueError(f"unknown budget {budget!r}")
    main = np.zeros((R, m), dtype=np.int64)
    refused = np.zeros(R, dtype=bool)
    unallocated = np.zeros(R, dtype=np.int64)
    for r in range(R):
        found = allocate(arm.rule, history, r, int(budgets[r]), history.settings)
        if found is None:
            refused[r] = True
            continue
        main[r], unallocated[r] = found
    flags = arm.rule != "gvm"
    notes = {"meanPresampledPrompts": float((history.presampled > 0).sum(1).mean()),
             "meanSolved": float(history.solved.sum(1).mean()) if flags else None,
             "meanHopeless": float(history.hopeless.sum(1).mean()) if flags else None,
             "meanUnallocated": float(unallocated.mean())}
    return me.Plan(main=main, reuse=np.zeros_like(main), budget=budgets, refused=refused,
                   presamples=history.settings.presamples, presample_draws=drawn, notes=notes)
