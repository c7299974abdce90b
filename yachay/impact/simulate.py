"""Simulated programs with a known effect, to validate the estimators (pure numpy).

One simulated program: a band of ``n`` applicants in a few strata whose chances of
admission differ (as the blocks of a real run do), the lottery admitting a fixed number in
each stratum; a baseline outcome; take-up (completing the course) by 75 % of the admitted
and 8 % of the waitlisted (promoted later); follow-up answered by 70 % of the admitted and
60 % of the waitlisted, missing at random within arm; and an outcome

    y = stratum level + 0.6 * baseline + effect * completed + noise * (1 + completed)

(heteroskedastic: the spread differs by take-up, which is what robust errors are for).
The intent-to-treat effect is then ``effect * (0.75 - 0.08)`` exactly, and the 2SLS
estimand (the effect on compliers) is ``effect``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yachay.impact import estimate

TAKE_UP_TREATED = 0.75
TAKE_UP_CONTROL = 0.08


@dataclass(frozen=True)
class Program:
    y: np.ndarray  # NaN where the follow-up went unanswered
    z: np.ndarray
    d: np.ndarray
    strata: np.ndarray
    baseline: np.ndarray


def simulate_program(
    rng: np.random.Generator,
    effect: float,
    *,
    n: int = 400,
    shares: tuple[float, ...] = (0.2, 0.35, 0.5, 0.8),
) -> Program:
    k = len(shares)
    strata = np.sort(rng.integers(0, k, n))
    z = np.zeros(n)
    for s, share in enumerate(shares):
        members = np.flatnonzero(strata == s)
        admitted = round(share * len(members))
        z[rng.choice(members, admitted, replace=False)] = 1
    baseline = rng.normal(10, 3, n)
    d = np.where(z == 1, rng.random(n) < TAKE_UP_TREATED, rng.random(n) < TAKE_UP_CONTROL)
    d = d.astype(float)
    level = np.array([0.0, 1.0, -0.5, 2.0] * (k // 4 + 1))[:k]
    y = level[strata] + 0.6 * baseline + effect * d + rng.normal(0, 2, n) * (1 + d)
    answered = rng.random(n) < np.where(z == 1, 0.7, 0.6)
    y = np.where(answered, y, np.nan)
    return Program(y=y, z=z, d=d, strata=strata, baseline=baseline)


@dataclass(frozen=True)
class Coverage:
    """How often the 95 % interval covered the truth, and the bias, over many programs."""

    programs: int
    truth: float
    coverage: float
    coverage_se: float  # Monte-Carlo standard error of the coverage
    mean_estimate: float
    bias: float
    bias_se: float  # Monte-Carlo standard error of the mean estimate
    mean_se: float  # average reported standard error
    sd_estimate: float  # spread of the estimates: what mean_se should match


def _summary(truth: float, estimates: list[estimate.Estimate]) -> Coverage:
    eff = np.array([e.effect for e in estimates])
    cov = np.array([e.covers(truth) for e in estimates], dtype=float)
    r = len(estimates)
    p = float(cov.mean())
    return Coverage(
        programs=r,
        truth=truth,
        coverage=p,
        coverage_se=float(np.sqrt(p * (1 - p) / r)),
        mean_estimate=float(eff.mean()),
        bias=float(eff.mean() - truth),
        bias_se=float(eff.std(ddof=1) / np.sqrt(r)),
        mean_se=float(np.mean([e.se for e in estimates])),
        sd_estimate=float(eff.std(ddof=1)),
    )


def coverage(
    effect: float, *, programs: int = 1000, seed: int = 2026, n: int = 400, covariate: bool = True
) -> tuple[Coverage, Coverage]:
    """(ITT, 2SLS) coverage over ``programs`` simulated programs with a known effect."""
    rng = np.random.default_rng(seed)
    itts: list[estimate.Estimate] = []
    ivs: list[estimate.Estimate] = []
    for _ in range(programs):
        p = simulate_program(rng, effect, n=n)
        w = p.baseline[:, None] if covariate else None
        itts.append(estimate.itt(p.y, p.z, p.strata, w))
        ivs.append(estimate.iv(p.y, p.d, p.z, p.strata, w))
    itt_truth = effect * (TAKE_UP_TREATED - TAKE_UP_CONTROL)
    return _summary(itt_truth, itts), _summary(effect, ivs)
