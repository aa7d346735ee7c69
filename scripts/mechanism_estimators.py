"""The analysis library of the mechanism benchmark (issue 14): how much each
allocation reduces the error of the gradient estimate at a fixed model.

Pure numpy: it reads one batch of gradient pools (the cache layout that
`gvm-model gradient-pools` writes), computes each prompt's pool quantities
and the truths in sketch space, and runs the Monte-Carlo replicates of every
arm (pre-sampling, allocation with the repo's rule in
`allocate_reference.allocate`, main-stage draws with replacement), with one
set of draws per replicate feeding every estimator. The history arms'
statistics and allocations are in `scripts/mechanism_history.py`.
The rounds arms (`Rounds`, `round_stops`, `training_counts_rounds`) take an
arm's allocation as per-prompt caps and sample in rounds until a stopping rule
is met ("sample until enough"). `scripts/mechanism.py` drives it and writes
the results and the report; the unit tests are in
`scripts/tests/test_mechanism_estimators.py`,
`scripts/tests/test_mechanism_history.py` and
`scripts/tests/test_mechanism_rounds.py`.

Notation (per batch of m prompts, pools of M samples, sketches of D dims):
r_is reward (0/1), L_is response tokens, x_is the count-sketch of the
gradient of the sequence log-likelihood (a sum over tokens), p_i the pool's
acceptance rate, mu_i the mean of x over prompt i's accepted samples.

Estimators (one per "estimand" row; the truth each is compared with):
  balancedInverseP        sum_i 1/(n_i p_i) sum_{accepted draws} x        truth balanced
  balancedSelfNormalised  sum_{i: k_i>0} 1/k_i sum_{accepted draws} x     truth balanced
  pooledTokenMean         sum_acc x / sum_acc L (the RAFT trainer)        truth pooledTokenMean
  pooledSequenceMean      sum_acc x / #accepted                           truth pooledSequenceMean
  grpoTokenMean           sum_kept A x / sum_kept L (the GRPO trainer)    truth grpoTokenMean
  grpoSequenceMean        sum_kept A x / #kept samples                    truth grpoSequenceMean
with A = (r - mean)/(std + 1e-6), std the sample std (n - 1) of the group's
rewards, and groups whose rewards are all equal dropped. The token-mean forms
are the trainer's normalisation; the sequence-mean forms are the cheap
"sequence-sum" variant the issue asks for where it is cheap.

Truths (D-vectors, float64):
  balanced            sum_{i: p_i>0} mu_i
  pooledTokenMean     sum_i p_i mu_i / sum_i p_i lambda_i   (lambda_i: mean L over accepted)
  pooledSequenceMean  sum_i p_i mu_i / sum_i p_i
  grpoTokenMean       sum_{0<p_i<1} E_i[(r - p_i)/sqrt(p_i(1-p_i)) x] / sum_{0<p_i<1} E_i[L]
  grpoSequenceMean    the same numerator / #{i: 0 < p_i < 1}
(E_i a mean over prompt i's whole pool.) The pooled and GRPO truths are the
estimators' limits under uniform allocation with large groups.
"""
from __future__ import annotations

import json
import os
import sys
import zlib
from dataclasses import dataclass, field, replace

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocate_reference  # noqa: E402  (the one numpy copy of the rule)

ALPHA = 1e-3
BETA = 2.0
GRPO_EPSILON = 1e-6
SAMPLES_PER_PROMPT = 8     # n
PRESAMPLES = 8             # N'
CAP = 24                   # maxSamplesPerPrompt of the capped countTowardBudget arm
GROUPS = ("embedding", "head", "all")

ESTIMATORS = ("balancedInverseP", "balancedSelfNormalised", "pooledTokenMean",
              "pooledSequenceMean", "grpoTokenMean", "grpoSequenceMean")
TRUTH_OF = {"balancedInverseP": "balanced", "balancedSelfNormalised": "balanced",
            "pooledTokenMean": "pooledTokenMean", "pooledSequenceMean": "pooledSequenceMean",
            "grpoTokenMean": "grpoTokenMean", "grpoSequenceMean": "grpoSequenceMean"}
TRUTHS = ("balanced", "pooledTokenMean", "pooledSequenceMean", "grpoTokenMean", "grpoSequenceMean")
BUDGETS = ("equalMain", "equalTotal")


# ---------------------------------------------------------------- loading

@dataclass
class Batch:
    """One batch of pools as the cache stores it; arrays indexed [prompt, sample]."""
    meta: dict
    rewards: np.ndarray           # (m, M) float64, 0 or 1
    tokens: np.ndarray            # (m, M) float64
    norms: dict                   # group -> (m, M) float64, exact L2 norms
    gradients: np.ndarray         # (m,) bool
    sketches: np.ndarray          # (m*M, D) float32, row prompt*M + sample


def load_batch(json_path: str) -> Batch:
    """Reads batch-<b>.json and its batch-<b>.f32 beside it, checking the sizes."""
    with open(json_path) as file:
        meta = json.load(file)
    if meta.get("format") != 1:
        raise ValueError(f"{json_path}: format {meta.get('format')!r}, expected 1")
    prompts = meta["prompts"]
    m, M, D = len(prompts), int(meta["poolSize"]), int(meta["dimensions"])

    def table(name: str, dtype=np.float64) -> np.ndarray:
        values = np.asarray([prompt[name] for prompt in prompts], dtype=dtype)
        if values.shape != (m, M):
            raise ValueError(f"{json_path}: {name} has shape {values.shape}, expected ({m}, {M})")
        return values

    sketch_path = json_path[: -len(".json")] + ".f32"
    expected = m * M * D * 4
    size = os.path.getsize(sketch_path)
    if size != expected:
        raise ValueError(f"{sketch_path}: {size} bytes, expected {m} x {M} x {D} x 4 = {expected}")
    sketches = np.fromfile(sketch_path, dtype="<f4").reshape(m * M, D)
    norms = {group: table("norm" + group.capitalize()) for group in GROUPS}
    rewards = table("rewards")
    gradients = np.asarray([bool(prompt["gradients"]) for prompt in prompts])
    # the zero rows of a prompt without gradients would pass for gradients
    lacking = np.flatnonzero(~gradients & (rewards.sum(1) > 0))
    if len(lacking):
        raise ValueError(f"{json_path}: prompts {lacking.tolist()} have accepted samples but no gradients")
    return Batch(meta=meta, rewards=rewards, tokens=table("tokens"), norms=norms, gradients=gradients,
                 sketches=sketches)


# ---------------------------------------------------------------- the pool

class Pool:
    """Per-prompt pool quantities and the truths. The pool is the population:
    every expectation here is an exact mean over it."""

    def __init__(self, batch: Batch):
        rewards = (np.asarray(batch.rewards) > 0.5).astype(np.float64)
        self.m, self.M = rewards.shape
        self.D = batch.sketches.shape[1]
        self.rewards = rewards
        self.tokens = np.asarray(batch.tokens, dtype=np.float64)
        self.norms = {g: np.asarray(v, dtype=np.float64) for g, v in batch.norms.items()}
        m, M, D = self.m, self.M, self.D
        self.accepted = rewards.sum(1).astype(np.int64)
        self.p = self.accepted / M
        # Accepted samples first in each prompt's block (stable), so that the
        # accumulation multiplies contiguous accepted and rejected blocks.
        self.order = np.argsort(-rewards, axis=1, kind="stable")
        rows = (np.arange(m)[:, None] * M + self.order).ravel()
        self.X = np.ascontiguousarray(np.asarray(batch.sketches, dtype=np.float32)[rows])

        sum_accepted = np.zeros((m, D))
        sum_rejected = np.zeros((m, D))
        self.square_norms = np.zeros((m, M))     # ||x||^2 of the sketches, original sample order
        for i in range(m):
            block = self.X[i * M:(i + 1) * M].astype(np.float64)
            a = self.accepted[i]
            sum_accepted[i] = block[:a].sum(0)
            sum_rejected[i] = block[a:].sum(0)
            self.square_norms[i, self.order[i]] = np.einsum("sd,sd->s", block, block)
        has = self.accepted > 0
        safe = np.maximum(self.accepted, 1)
        self.mu = sum_accepted / safe[:, None]
        # mean over accepted samples: ||x||^2 (sketch and exact), tokens lambda_i
        self.second_moment = (self.square_norms * rewards).sum(1) / safe
        self.second_moment_exact = (self.norms["all"] ** 2 * rewards).sum(1) / safe
        self.lam = (self.tokens * rewards).sum(1) / safe
        self.mean_tokens = self.tokens.mean(1)
        self.grpo = (self.p > 0) & (self.p < 1)
        # E_i[(r - p)/sqrt(p(1-p)) x] = ((1-p) sum_acc - p sum_rej) / (M sqrt(p(1-p)))
        spread = np.sqrt(np.where(self.grpo, self.p * (1 - self.p), 1.0))
        grpo_term = ((1 - self.p)[:, None] * sum_accepted - self.p[:, None] * sum_rejected) / (M * spread)[:, None]
        grpo_term[~self.grpo] = 0

        pooled = self.p[:, None] * self.mu
        self.contributions = {
            "balanced": np.where(has[:, None], self.mu, 0.0),
            "pooledTokenMean": pooled / max((self.p * self.lam).sum(), 1e-300),
            "pooledSequenceMean": pooled / max(self.p.sum(), 1e-300),
            "grpoTokenMean": grpo_term / max(self.mean_tokens[self.grpo].sum(), 1e-300),
            "grpoSequenceMean": grpo_term / max(int(self.grpo.sum()), 1),
        }
        self.truths = {name: c.sum(0) for name, c in self.contributions.items()}
        self.grams = {name: c @ c.T for name, c in self.contributions.items()}
        # Var of the one-draw term r x / p_i of the 1/(n p) estimator:
        # E||r x / p||^2 - ||mu||^2 = E_acc||x||^2 / p - ||mu||^2.
        self.variance_inverse_p = np.where(
            has, self.second_moment / np.where(has, self.p, 1.0) - np.einsum("id,id->i", self.mu, self.mu), 0.0)

    @classmethod
    def from_arrays(cls, rewards, tokens, sketches, norms=None) -> "Pool":
        """A pool from arrays ([prompt, sample] and rows prompt*M + sample); the
        tests build synthetic pools this way. Missing norms are taken as the
        sketch norms."""
        rewards = np.asarray(rewards, dtype=np.float64)
        sketches = np.asarray(sketches, dtype=np.float32)
        if norms is None:
            own = np.sqrt(np.einsum("sd,sd->s", sketches, sketches, dtype=np.float64)).reshape(rewards.shape)
            norms = {g: own for g in GROUPS}
        return cls(Batch(meta={}, rewards=rewards, tokens=np.asarray(tokens, dtype=np.float64), norms=norms,
                         gradients=rewards.sum(1) > 0, sketches=sketches))

    def truth_matrix(self) -> np.ndarray:
        """(E, D) float64: the truth each estimator is compared with."""
        return np.stack([self.truths[TRUTH_OF[e]] for e in ESTIMATORS])


# ---------------------------------------------------------------- estimators

def coefficients(pool: Pool, counts: np.ndarray) -> np.ndarray:
    """(R, E, 2m) weights of each estimator on prompt i's sum of accepted draws
    (column i) and of rejected draws (column m + i), given the training counts
    (R, m, M) of every pool sample. Every estimator is linear in these 2m sums."""
    r = pool.rewards
    n = counts.sum(2, dtype=np.float64)
    k = np.einsum("rim,im->ri", counts, r, dtype=np.float64)
    tokens_accepted = np.einsum("rim,im->ri", counts, r * pool.tokens, dtype=np.float64)
    tokens_all = np.einsum("rim,im->ri", counts, pool.tokens, dtype=np.float64)
    R, m = n.shape
    out = np.zeros((R, len(ESTIMATORS), 2 * m))

    def inverse(x):
        return np.divide(1.0, x, out=np.zeros_like(x), where=x > 0)

    # p_i > 0 wherever a prompt has an accepted draw
    out[:, 0, :m] = inverse(n * pool.p[None, :])
    out[:, 1, :m] = inverse(k)
    out[:, 2, :m] = inverse(tokens_accepted.sum(1))[:, None]
    out[:, 3, :m] = inverse(k.sum(1))[:, None]
    kept = (k > 0) & (k < n)
    mean = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
    std = np.sqrt(np.divide(n * mean * (1 - mean), n - 1, out=np.zeros_like(n), where=kept))
    advantage_accepted = np.where(kept, (1 - mean) / (std + GRPO_EPSILON), 0.0)
    advantage_rejected = np.where(kept, -mean / (std + GRPO_EPSILON), 0.0)
    by_tokens = inverse((tokens_all * kept).sum(1))[:, None]
    by_samples = inverse((n * kept).sum(1))[:, None]
    out[:, 4, :m], out[:, 4, m:] = advantage_accepted * by_tokens, advantage_rejected * by_tokens
    out[:, 5, :m], out[:, 5, m:] = advantage_accepted * by_samples, advantage_rejected * by_samples
    return out


class Workspace:
    """Buffers reused across chunks, so the loop allocates nothing large."""

    def __init__(self, pool: Pool, chunk: int):
        self.sums = np.zeros((2 * pool.m, chunk, pool.D), dtype=np.float32)


def estimates(pool: Pool, counts: np.ndarray, workspace: Workspace | None = None) -> np.ndarray:
    """(R, E, D) float32: every estimator for R replicates, from their
    training counts (R, m, M) (how often each pool sample was drawn and
    trained on). One dense product per prompt gives the sums of accepted and
    of rejected draws for all replicates at once; the estimators are then one
    small product with their coefficients."""
    R, m, M = counts.shape
    workspace = workspace or Workspace(pool, R)
    sums = workspace.sums[:, :R]
    ordered = np.take_along_axis(counts, pool.order[None], axis=2).astype(np.float32, copy=False)
    for i in range(m):
        a = pool.accepted[i]
        block = pool.X[i * M:(i + 1) * M]
        # prompts with p = 0 have zero rows, prompts with p = 1 no rejected
        # ones: their sums stay zero (the buffer is never written there)
        if a == 0:
            continue
        for row, counts_block, rows in ((i, ordered[:, i, :a], block[:a]), (m + i, ordered[:, i, a:], block[a:])):
            if len(rows) == 0:
                continue
            if counts_block.any():
                np.matmul(counts_block, rows, out=sums[row])
            else:
                sums[row] = 0       # no replicate of the chunk drew here (an arm gave it nothing)
    weights = coefficients(pool, counts).astype(np.float32)
    return np.matmul(weights, sums.transpose(1, 0, 2))


# ---------------------------------------------------------------- metrics

class Metrics:
    """Accumulates, over replicates, what the rows report for each estimator.
    Norms and means in float64."""

    def __init__(self, pool: Pool):
        self.truth = pool.truth_matrix()
        self.balanced = pool.truths["balanced"]
        self.scale = np.einsum("ed,ed->e", self.truth, self.truth)
        self.grams = np.stack([pool.grams[TRUTH_OF[e]] for e in ESTIMATORS])
        E = len(ESTIMATORS)
        self.count = 0
        self.sum_estimate = np.zeros_like(self.truth)
        self.sum_error = np.zeros(E)
        self.sum_error_squared = np.zeros(E)
        self.sum_cos = np.zeros(E)
        self.zero_estimates = np.zeros(E, dtype=np.int64)
        self.sum_zero_share = np.zeros(E)

    def add(self, estimate: np.ndarray, zero_prompts: np.ndarray) -> None:
        """estimate (R, E, D); zero_prompts (R, m) bool: prompts given nothing."""
        estimate = estimate.astype(np.float64)
        self.count += len(estimate)
        self.sum_estimate += estimate.sum(0)
        difference = estimate - self.truth[None]
        error = np.einsum("red,red->re", difference, difference)
        self.sum_error += error.sum(0)
        self.sum_error_squared += (error ** 2).sum(0)
        norm = np.sqrt(np.einsum("red,red->re", estimate, estimate))
        dot = np.einsum("red,ed->re", estimate, self.truth)
        denominator = norm * np.sqrt(self.scale)[None]
        self.sum_cos += np.divide(dot, denominator, out=np.zeros_like(dot), where=denominator > 0).sum(0)
        self.zero_estimates += (norm == 0).sum(0)
        z = zero_prompts.astype(np.float64)
        self.sum_zero_share += np.einsum("ri,eij,rj->e", z, self.grams, z)

    def results(self) -> dict:
        """Per estimator: nMSE = bias2 + variance (all over ||g||^2), the Monte-
        Carlo standard error of nMSE, E[cos(g_hat, g)], cos(E g_hat, g) and
        cos(E g_hat, g_balanced), the zero share, and how many estimates were 0
        (their cosine counts as 0)."""
        R = self.count
        out = {}
        for e, name in enumerate(ESTIMATORS):
            scale = self.scale[e]
            mean = self.sum_estimate[e] / R
            row = {"truthNormSquared": float(scale), "zeroEstimates": int(self.zero_estimates[e])}
            if scale > 0:
                nmse = self.sum_error[e] / R / scale
                bias2 = float(np.sum((mean - self.truth[e]) ** 2) / scale)
                spread = max(self.sum_error_squared[e] / R - (self.sum_error[e] / R) ** 2, 0.0)
                row.update(nMSE=float(nmse), bias2=bias2, variance=float(nmse - bias2),
                           nMSEStandardError=float(np.sqrt(spread / max(R - 1, 1)) / scale),
                           cosMean=float(self.sum_cos[e] / R),
                           cosOfMean=cosine(mean, self.truth[e]),
                           cosOfMeanWithBalanced=cosine(mean, self.balanced),
                           zeroShare=float(self.sum_zero_share[e] / R / scale))
            else:
                row.update(nMSE=None, bias2=None, variance=None, nMSEStandardError=None, cosMean=None,
                           cosOfMean=None, cosOfMeanWithBalanced=cosine(mean, self.balanced), zeroShare=None)
            out[name] = row
        return out


def cosine(a: np.ndarray, b: np.ndarray) -> float | None:
    scale = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / scale) if scale > 0 else None


# ---------------------------------------------------------------- arms

ROUND_SIZE = 4             # r: fresh samples per round of the rounds arms
ROUND_ACCEPTED = 4         # K: the RAFT stopping rule's accepted samples
ROUND_CORRECT = 2          # the GRPO stopping rule: at least this many correct
ROUND_WRONG = 2            # and at least this many wrong
RAFT_ESTIMATORS = ("balancedInverseP", "balancedSelfNormalised", "pooledTokenMean", "pooledSequenceMean")
GRPO_ESTIMATORS = ("grpoTokenMean", "grpoSequenceMean")


@dataclass(frozen=True)
class Rounds:
    """Sequential sampling in rounds ("sample until enough"): the arm's
    allocation n_i is prompt i's cap; its fresh samples come in rounds of
    `size` (the last one smaller where the cap is not a multiple), and after
    each round the prompt stops when its rule is met (RAFT: `accepted`
    accepted samples; GRPO: at least `correct` correct and `wrong` wrong,
    counting only this stage's fresh samples) or at the cap. What stopping
    saves stays unspent."""
    stop: str                      # "raft" or "grpo"
    size: int = ROUND_SIZE
    accepted: int = ROUND_ACCEPTED
    correct: int = ROUND_CORRECT
    wrong: int = ROUND_WRONG

    @property
    def key(self) -> str:
        if self.stop == "raft":
            return f"raft/r={self.size}/K={self.accepted}"
        if self.stop == "grpo":
            return f"grpo/r={self.size}/correct={self.correct}/wrong={self.wrong}"
        raise ValueError(f"unknown stopping rule {self.stop!r}")


RAFT_ROUNDS = Rounds("raft")
GRPO_ROUNDS = Rounds("grpo")


@dataclass(frozen=True)
class Arm:
    name: str
    kind: str                      # "uniform", "gvm", "history" or "oracle"
    g: str = "mean-embedding"      # "<mean|rms>-<group>" or "constant"
    accounting: str = "discard"    # or "countTowardBudget"
    cap: int = 0
    samples: int = SAMPLES_PER_PROMPT   # uniform: per prompt
    rule: str = ""                 # history: "gvm", "knapsack" or "variance" (scripts/mechanism_history.py)
    rounds: Rounds | None = None   # sample in rounds up to the allocation (discard accounting only)


ARMS = (
    Arm("uniform-n", "uniform"),
    Arm("uniform-2n", "uniform", samples=2 * SAMPLES_PER_PROMPT),
    Arm("gvm", "gvm"),
    Arm("gvm-count", "gvm", accounting="countTowardBudget"),
    Arm("gvm-count-cap24", "gvm", accounting="countTowardBudget", cap=CAP),
    Arm("gvm-rms-embedding", "gvm", g="rms-embedding"),
    Arm("gvm-mean-head", "gvm", g="mean-head"),
    Arm("gvm-rms-head", "gvm", g="rms-head"),
    Arm("gvm-mean-all", "gvm", g="mean-all"),
    Arm("gvm-rms-all", "gvm", g="rms-all"),
    Arm("gvm-constant", "gvm", g="constant"),
    # p_i and G_i from the history statistics, pre-samples only where the
    # posterior is unsure (scripts/mechanism_history.py)
    Arm("gvm-history", "history", rule="gvm"),
    Arm("knapsack", "history", rule="knapsack"),
    Arm("variance", "history", rule="variance"),
    Arm("oracle", "oracle"),
    # the same allocations as caps, sampled in rounds until the RAFT rule (rows
    # of the RAFT estimators) or the GRPO rule (rows of the GRPO estimators)
    Arm("uniform-n-rounds-raft", "uniform", rounds=RAFT_ROUNDS),
    Arm("uniform-n-rounds-grpo", "uniform", rounds=GRPO_ROUNDS),
    Arm("gvm-rounds-raft", "gvm", rounds=RAFT_ROUNDS),
    Arm("gvm-rounds-grpo", "gvm", rounds=GRPO_ROUNDS),
    Arm("gvm-history-rounds-raft", "history", rule="gvm", rounds=RAFT_ROUNDS),
    Arm("gvm-history-rounds-grpo", "history", rule="gvm", rounds=GRPO_ROUNDS),
)
ARM_BY_NAME = {arm.name: arm for arm in ARMS}


def arm_estimands(arm: Arm) -> tuple[str, ...]:
    """The estimands an arm has rows for: every one, except that a rounds arm
    has the rows of the estimators its stopping rule is made for."""
    if arm.rounds is None:
        return ESTIMATORS
    return RAFT_ESTIMATORS if arm.rounds.stop == "raft" else GRPO_ESTIMATORS


def plain(arm: Arm) -> Arm:
    """The arm without rounds, whose allocation a rounds arm takes as its caps:
    the arm of ARMS that differs from it by the rounds (and the name) alone."""
    bare = replace(arm, rounds=None, name="")
    return next((other for other in ARMS if replace(other, name="") == bare), replace(arm, rounds=None))


def draw_key(arm: Arm, budget: str, m: int) -> str:
    """The key that seeds an (arm, budget)'s fresh draws: its computation's,
    except that a rounds arm takes its plain arm's, so that its draws are the
    first d_i of the plain arm's draws of each prompt (common random numbers)."""
    return computation(plain(arm), budget, m)


def computation(arm: Arm, budget: str, m: int) -> str:
    """The key of the simulation an (arm, budget) row comes from: rows that are
    the same experiment share one (uniform-n at equal total draws is
    uniform-2n; paper GVM spends N' m + n m at both budgets)."""
    if arm.rounds is not None:
        return f"rounds/{arm.rounds.key}/{computation(plain(arm), budget, m)}"
    main, total = SAMPLES_PER_PROMPT * m, 2 * SAMPLES_PER_PROMPT * m
    if arm.kind == "uniform":
        return f"uniform/N={arm.samples * m if budget == 'equalMain' else max(arm.samples * m, total)}"
    if arm.kind == "oracle":
        return f"oracle/N={main if budget == 'equalMain' else total}"
    if arm.kind == "history":
        # at equal total draws N is 2 n m less the replicate's pre-sample draws
        return f"history/{arm.rule}/{arm.g}/N={main if budget == 'equalMain' else f'{total}-presamples'}"
    if arm.accounting == "discard":
        return f"gvm/{arm.g}/N={main}"
    return f"gvm-count/{arm.g}/cap={arm.cap}/{budget}"


@dataclass
class Presamples:
    """N' pre-samples per prompt and replicate, shared by every arm of a batch
    (common random numbers: arms differ by their rule, not their luck)."""
    indices: np.ndarray            # (R, m, N') sample indices, in draw order
    rates: np.ndarray              # (R, m) p-hat
    g: dict = field(default_factory=dict)   # "<mean|rms>-<group>" -> (R, m)


def draw_presamples(pool: Pool, replicates: int, rng: np.random.Generator,
                    count: int = PRESAMPLES) -> Presamples:
    indices = rng.integers(0, pool.M, size=(replicates, pool.m, count))
    prompt = np.arange(pool.m)[None, :, None]
    accepted = pool.rewards[prompt, indices]
    k = accepted.sum(2)
    safe = np.maximum(k, 1)
    g = {}
    for group in GROUPS:
        values = pool.norms[group][prompt, indices]
        g[f"mean-{group}"] = np.where(k > 0, (accepted * values).sum(2) / safe, 0.0)
        g[f"rms-{group}"] = np.where(k > 0, np.sqrt((accepted * values ** 2).sum(2) / safe), 0.0)
    return Presamples(indices=indices, rates=k / count, g=g)


def allocate_counts(norms, rates, budget: int, cap: int = 0, strategy: str = "gvm") -> np.ndarray | None:
    """Counts from the repo's rule, or None when it refuses with "nothing
    allocatable" (every weight zero); any other refusal is a bug and raises."""
    document = {"strategy": strategy, "gradNorms": norms, "acceptRates": rates, "alpha": ALPHA,
                "beta": BETA, "budget": int(budget)}
    if cap:
        document["maxSamplesPerPrompt"] = int(cap)
    try:
        return np.asarray(allocate_reference.allocate(document)["counts"], dtype=np.int64)
    except allocate_reference.Refused as refusal:
        if str(refusal).startswith("nothing allocatable"):
            return None
        raise


@dataclass
class Plan:
    """What an arm does in each replicate: fresh main draws per prompt, how
    many of the first pre-samples it trains on, the budget N it allocated,
    and whether the rule refused (then the arm allocates nothing). An arm
    that pre-samples only some prompts gives its pre-sample draws per
    replicate; `notes` are extra numbers for its rows."""
    main: np.ndarray               # (R, m) fresh draws
    reuse: np.ndarray              # (R, m) first pre-samples trained on
    budget: np.ndarray             # (R,) N handed to the rule
    refused: np.ndarray            # (R,) bool
    presamples: int                # pre-sample draws per prompt (0 without pre-sampling)
    presample_draws: np.ndarray | None = None   # (R,) when not presamples * m
    notes: dict = field(default_factory=dict)

    @property
    def trained(self) -> np.ndarray:
        return self.main + self.reuse

    @property
    def drawn_presamples(self) -> np.ndarray:
        """(R,) pre-sample draws of each replicate."""
        if self.presample_draws is not None:
            return np.asarray(self.presample_draws)
        return np.full(len(self.main), self.presamples * self.main.shape[1])

    @property
    def total_draws(self) -> np.ndarray:
        return self.main.sum(1) + self.drawn_presamples


def count_new(counts: np.ndarray, presamples: int) -> int:
    """countTowardBudget: fresh draws, max(n_i - N', 0) per prompt."""
    return int(np.maximum(counts - presamples, 0).sum())


def largest_budget(norms, rates, cap: int, m: int, presamples: int, total: int):
    """countTowardBudget at equal total draws: the largest N in [n m, total]
    whose pre-samples plus fresh draws fit in `total`. Bisection, then a few
    steps beyond it, since largest-remainder rounding can make the fresh draws
    non-monotone in N by a draw or two. Returns (N, counts) or None if refused."""
    low = SAMPLES_PER_PROMPT * m
    counts = allocate_counts(norms, rates, low, cap)
    if counts is None:
        return None
    fixed = presamples * m

    def fits(budget):
        c = allocate_counts(norms, rates, budget, cap)
        return c if fixed + count_new(c, presamples) <= total else None

    best, best_counts, high = low, counts, total
    while best < high:
        middle = (best + high + 1) // 2
        c = fits(middle)
        if c is not None:
            best, best_counts = middle, c
        else:
            high = middle - 1
    for budget in range(best + 1, min(best + 8, total) + 1):
        c = fits(budget)
        if c is not None:
            best, best_counts = budget, c
    return best, best_counts


def make_plan(pool: Pool, arm: Arm, budget: str, presamples: Presamples, history=None) -> Plan:
    """`history` (a mechanism_history.History) plans the history arms."""
    if arm.kind == "history":
        if history is None:
            raise ValueError(f"arm {arm.name} needs the history statistics")
        return history.plan(pool, arm, budget)
    R = len(presamples.rates)
    m = pool.m
    main_budget, total = SAMPLES_PER_PROMPT * m, 2 * SAMPLES_PER_PROMPT * m
    zeros = np.zeros((R, m), dtype=np.int64)
    if arm.kind in ("uniform", "oracle"):
        if arm.kind == "uniform":
            N = arm.samples * m if budget == "equalMain" else max(arm.samples * m, total)
            counts = allocate_counts(np.ones(m), np.ones(m), N, strategy="uniform")
        else:
            N = main_budget if budget == "equalMain" else total
            counts = allocate_counts(np.sqrt(pool.second_moment_exact), pool.p, N)
        refused = counts is None
        main = zeros if refused else np.broadcast_to(counts, (R, m)).copy()
        return Plan(main=main, reuse=zeros, budget=np.full(R, N), refused=np.full(R, refused), presamples=0)

    count = presamples.indices.shape[2]
    g_all = np.ones((R, m)) if arm.g == "constant" else presamples.g[arm.g]
    main, reuse = zeros.copy(), zeros.copy()
    budgets = np.zeros(R, dtype=np.int64)
    refused = np.zeros(R, dtype=bool)
    for r in range(R):
        norms, rates = g_all[r], presamples.rates[r]
        if arm.accounting == "countTowardBudget" and budget == "equalTotal":
            found = largest_budget(norms, rates, arm.cap, m, count, total)
            N, counts = found if found is not None else (main_budget, None)
        else:
            N = main_budget
            counts = allocate_counts(norms, rates, N, arm.cap)
        budgets[r] = N
        if counts is None:
            refused[r] = True
            continue
        if arm.accounting == "countTowardBudget":
            # n_i counts the pre-samples: max(n_i - N', 0) fresh draws, then the
            # first n_i - fresh pre-samples
            main[r] = np.maximum(counts - count, 0)
            reuse[r] = counts - main[r]
        else:
            main[r] = counts
    return Plan(main=main, reuse=reuse, budget=budgets, refused=refused, presamples=count)


def training_counts(pool: Pool, plan: Plan, presamples: Presamples, rows: slice,
                    rng: np.random.Generator) -> np.ndarray:
    """(R, m, M) how often each pool sample is trained on in replicates `rows`:
    fresh draws with replacement, plus the reused first pre-samples."""
    main = plan.main[rows]
    R, m, M = main.shape[0], pool.m, pool.M
    group = np.repeat(np.arange(R * m), main.ravel())
    keys = group * M + rng.integers(0, M, size=len(group))
    reuse = plan.reuse[rows]
    if reuse.any():
        indices = presamples.indices[rows]
        taken = np.arange(indices.shape[2])[None, None, :] < reuse[:, :, None]
        keys = np.concatenate([keys, ((np.arange(R * m).reshape(R, m, 1) * M + indices)[taken])])
    return np.bincount(keys, minlength=R * m * M).reshape(R, m, M).astype(np.float32)


def round_stops(accepted: np.ndarray, caps: np.ndarray, rounds: Rounds) -> np.ndarray:
    """(G,) the fresh samples each of G prompts draws in rounds: `accepted`
    holds the 0/1 outcomes of their cap_g draws, concatenated in prompt order
    and in draw order within a prompt. A prompt stops at the first round
    boundary (every `size` draws, and at its cap) where its rule is met, else
    at its cap; a prompt's count depends on its own draws only."""
    caps = np.asarray(caps, dtype=np.int64).ravel()
    accepted = np.asarray(accepted, dtype=np.int64).ravel()
    if len(accepted) != caps.sum():
        raise ValueError(f"{len(accepted)} outcomes for caps summing to {caps.sum()}")
    if rounds.size < 1:
        raise ValueError(f"round size {rounds.size}")
    group = np.repeat(np.arange(len(caps)), caps)
    starts = np.cumsum(caps) - caps
    drawn = np.arange(len(accepted)) - starts[group] + 1        # draws so far, 1-based
    running = np.concatenate([[0], np.cumsum(accepted)])
    correct = running[1:] - running[starts][group]
    wrong = drawn - correct
    boundary = (drawn % rounds.size == 0) | (drawn == caps[group])
    if rounds.stop == "raft":
        met = correct >= rounds.accepted
    elif rounds.stop == "grpo":
        met = (correct >= rounds.correct) & (wrong >= rounds.wrong)
    else:
        raise ValueError(f"unknown stopping rule {rounds.stop!r}")
    stops = np.flatnonzero(boundary & met)
    out = caps.copy()
    groups, first = np.unique(group[stops], return_index=True)     # stops are in draw order
    out[groups] = drawn[stops[first]]
    return out


def training_counts_rounds(pool: Pool, plan: Plan, rows: slice, rng: np.random.Generator,
                           rounds: Rounds) -> tuple[np.ndarray, np.ndarray]:
    """Sampling in rounds: ((R, m, M) training counts, (R, m) fresh draws d_i)
    for replicates `rows`. Draws every prompt's cap n_i as `training_counts`
    does (the same generator calls, so with no early stop the counts are the
    plain arm's), then keeps each prompt's first d_i draws (`round_stops`)."""
    if plan.reuse[rows].any():
        raise ValueError("sampling in rounds takes no reused pre-samples")
    main = plan.main[rows]
    R, m, M = main.shape[0], pool.m, pool.M
    group = np.repeat(np.arange(R * m), main.ravel())
    indices = rng.integers(0, M, size=len(group))
    outcomes = pool.rewards[group % m, indices]
    drawn = round_stops(outcomes, main.ravel(), rounds)
    starts = np.cumsum(main.ravel()) - main.ravel()
    keep = np.arange(len(group)) - starts[group] < drawn[group]
    keys = (group * M + indices)[keep]
    counts = np.bincount(keys, minlength=R * m * M).reshape(R, m, M).astype(np.float32)
    return counts, drawn.reshape(R, m)


def analytic_balanced_nmse(pool: Pool, trained: np.ndarray) -> np.ndarray:
    """Per replicate, the exact normalised MSE of balancedInverseP given its
    counts (R, m), for draws independent of the allocation: sum over prompts
    with n_i > 0 of Var_i / n_i, plus ||sum of mu_i over prompts with n_i = 0||^2.
    Under uniform-n this is sum_i Var_i / n_i."""
    has = pool.p > 0
    trained = np.asarray(trained, dtype=np.float64)
    variance = np.divide(pool.variance_inverse_p[None], trained, out=np.zeros_like(trained),
                         where=(trained > 0) & has[None]).sum(1)
    zero = ((trained == 0) & has[None]).astype(np.float64)
    missed = np.einsum("ri,ij,rj->r", zero, pool.grams["balanced"], zero)
    scale = float(pool.truths["balanced"] @ pool.truths["balanced"])
    return (variance + missed) / scale if scale > 0 else np.full(len(trained), np.nan)


def seed_for(seed: int, batch: int, key: str) -> list[int]:
    """A Generator seed from the run seed, the batch and a stable key."""
    return [int(seed), int(batch), zlib.crc32(key.encode())]


def run_arm(pool: Pool, arm: Arm, budget: str, presamples: Presamples, seed: list[int],
            chunk: int = 64, history=None) -> dict:
    """All replicates of one (arm, budget): per-estimator metrics plus what the
    arm did (refusals, budgets, draws, pre-sample draws)."""
    plan = make_plan(pool, arm, budget, presamples, history)
    R = len(plan.main)
    rng = np.random.default_rng(seed)
    metrics = Metrics(pool)
    workspace = Workspace(pool, min(chunk, R))
    if arm.rounds is not None and arm.accounting != "discard":
        raise ValueError(f"arm {arm.name}: sampling in rounds needs the discard accounting")
    trained = plan.trained.copy()         # rounds: the fresh draws d_i actually made
    for start in range(0, R, chunk):
        rows = slice(start, min(start + chunk, R))
        if arm.rounds is None:
            counts = training_counts(pool, plan, presamples, rows, rng)
        else:
            counts, trained[rows] = training_counts_rounds(pool, plan, rows, rng, arm.rounds)
        metrics.add(estimates(pool, counts, workspace), trained[rows] == 0)
    results = metrics.results()
    if arm.accounting == "discard" and arm.rounds is None:
        # exact for draws independent of the allocation, which countTowardBudget's
        # and the rounds arms' are not
        results["balancedInverseP"]["analyticNMSE"] = float(np.mean(analytic_balanced_nmse(pool, plan.trained)))
    extra = {}
    if arm.rounds is not None:
        caps, drawn = plan.main.sum(1), trained.sum(1)
        extra = {"roundStop": arm.rounds.stop, "roundSize": arm.rounds.size,
                 "roundAccepted": arm.rounds.accepted if arm.rounds.stop == "raft" else None,
                 "roundCorrect": arm.rounds.correct if arm.rounds.stop == "grpo" else None,
                 "roundWrong": arm.rounds.wrong if arm.rounds.stop == "grpo" else None,
                 "meanCaps": float(caps.mean()), "meanDrawn": float(drawn.mean()),
                 "meanUnspent": float((caps - drawn).mean()),
                 "meanStoppedEarly": float(((trained < plan.main) & (plan.main > 0)).sum(1).mean())}
    # rounds: no reuse, so the fresh draws are the trained ones
    total = plan.total_draws if arm.rounds is None else trained.sum(1) + plan.drawn_presamples
    return {"estimators": results, "refusals": int(plan.refused.sum()),
            "meanBudget": float(plan.budget.mean()), "meanTotalDraws": float(total.mean()),
            "meanTrained": float(trained.sum(1).mean()),
            "meanZeroPrompts": float(((trained == 0) & (pool.p > 0)[None]).sum(1).mean()),
            "meanPresamples": float(plan.drawn_presamples.mean()), **plan.notes, **extra}


# ---------------------------------------------------------------- checks

def check_budget_scaling(variance_double: float, variance_single: float,
                         target: float = 0.5, tolerance: float = 0.08) -> dict:
    """Uniform-2n's variance of the balanced estimator over uniform-n's must be
    target +- tolerance."""
    ratio = variance_double / variance_single if variance_single else float("nan")
    return {"ratio": ratio, "target": target, "tolerance": tolerance,
            "pass": bool(abs(ratio - target) <= tolerance)}


def check_analytic_variance(measured: float, standard_error: float, analytic: float, z: float = 3.0) -> dict:
    """The measured variance must be within z Monte-Carlo standard errors of
    the analytic one."""
    score = (measured - analytic) / standard_error if standard_error > 0 else float("inf")
    return {"measured": measured, "analytic": analytic, "standardError": standard_error,
            "zScore": score, "z": z, "pass": bool(abs(score) <= z)}


# ---------------------------------------------------------------- diagnostics

def ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean rank) along the last axis."""
    less = (values[..., None, :] < values[..., :, None]).sum(-1)
    equal = (values[..., None, :] == values[..., :, None]).sum(-1)
    return less + (equal + 1) / 2


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's rho along the last axis; nan where either side is constant."""
    ra, rb = ranks(a), ranks(np.broadcast_to(b, a.shape))
    ra = ra - ra.mean(-1, keepdims=True)
    rb = rb - rb.mean(-1, keepdims=True)
    scale = np.sqrt((ra ** 2).sum(-1) * (rb ** 2).sum(-1))
    return np.divide((ra * rb).sum(-1), scale, out=np.full(scale.shape, np.nan), where=scale > 0)


def diagnostics(pool: Pool, presamples: Presamples) -> dict:
    """The per-batch numbers the report shows besides the arms."""
    has = pool.p > 0
    out: dict = {"prompts": pool.m, "promptsWithAccepted": int(has.sum()),
                 "promptsGRPO": int(pool.grpo.sum()), "meanAcceptRate": float(pool.p.mean())}
    # ceiling 1 + CV^2(G/sqrt(p)) over p > 0, population variance, alpha = 0
    w = np.sqrt(pool.second_moment_exact[has]) / np.sqrt(pool.p[has])
    out["ceiling"] = float(1 + w.var() / w.mean() ** 2) if len(w) and w.mean() > 0 else None
    # the same ratio when uniform also spends on the p = 0 prompts
    out["ceilingCountingZeroPrompts"] = (float(pool.m * (w ** 2).sum() / w.sum() ** 2)
                                         if len(w) and w.sum() > 0 else None)
    for n in (8, 16):
        out[f"allEqualFraction{n}"] = float(np.mean(pool.p ** n + (1 - pool.p) ** n))
    # Spearman of each G estimate with the true second moment E||x||^2 (exact norms)
    truth = pool.second_moment_exact[has]
    rho = {}
    for group in GROUPS:
        norms = pool.norms[group]
        k = np.maximum(pool.accepted, 1)
        full = {"mean": (norms * pool.rewards).sum(1) / k, "rms": np.sqrt((norms ** 2 * pool.rewards).sum(1) / k)}
        for stat in ("mean", "rms"):
            name = f"{stat}-{group}"
            rho[f"pool/{name}"] = nan_free(spearman(full[stat][has], truth))
            values = spearman(presamples.g[name][:, has], truth)
            rho[f"presample/{name}"] = nan_free(np.nanmean(values)) if np.isfinite(values).any() else None
            # Only the prompts with an accepted pre-sample: the G the rule
            # actually weighs (the others get G = 0 and tie), so this one
            # measures G's quality apart from p-hat's zeros.
            seen = presamples.rates[:, has] > 0
            per_replicate = [spearman(row[mask], truth[mask]) for row, mask in zip(presamples.g[name][:, has], seen)
                             if mask.sum() >= 3]
            finite = [v for v in per_replicate if np.isfinite(v)]
            rho[f"presampleAccepted/{name}"] = nan_free(np.mean(finite)) if finite else None
    out["spearman"] = rho
    out["spearmanPresampleReplicates"] = len(presamples.rates)
    # simple noise scale B = tr(Sigma) / ||E x||^2 of the per-sequence gradient
    # of pooled RAFT: over accepted sequences (prompt i with weight p_i), and
    # over drawn sequences z = r x (prompts uniform)
    total_p = pool.p.sum()
    if total_p > 0:
        mean_accepted = (pool.p[:, None] * pool.mu).sum(0) / total_p
        mean_square = float(mean_accepted @ mean_accepted)
        for suffix, moment in (("", pool.second_moment), ("ExactNorms", pool.second_moment_exact)):
            second = float((pool.p * moment).sum() / total_p)
            out["noiseScaleAccepted" + suffix] = (second - mean_square) / mean_square if mean_square > 0 else None
            drawn_mean_square = mean_square * (total_p / pool.m) ** 2
            drawn_second = float((pool.p * moment).sum() / pool.m)
            out["noiseScaleDrawn" + suffix] = ((drawn_second - drawn_mean_square) / drawn_mean_square
                                               if drawn_mean_square > 0 else None)
    out["acceptedPerIteration"] = float(SAMPLES_PER_PROMPT * total_p)
    out["drawnPerIteration"] = SAMPLES_PER_PROMPT * pool.m
    out["truthNormsSquared"] = {name: float(g @ g) for name, g in pool.truths.items()}
    out["cosPooledWithBalanced"] = cosine(pool.truths["pooledTokenMean"], pool.truths["balanced"])
    out["cosGRPOWithBalanced"] = cosine(pool.truths["grpoTokenMean"], pool.truths["balanced"])
    return out


def nan_free(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
