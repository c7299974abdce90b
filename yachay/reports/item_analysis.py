"""Classical item analysis of quiz questions, pure (no Django): difficulty and
discrimination from learners' first attempts.

- **difficulty** ``p``: the share of first attempts that answered the question right.
- **upper–lower index** ``D``: ``p`` among the top 27 % of learners by their score on the
  *rest* of the quiz minus ``p`` among the bottom 27 % (Kelley's 27 %).
- **point-biserial** ``r``: the correlation between answering right (0/1) and the score on
  the rest of the quiz (the corrected item–total correlation, so a question does not
  correlate with itself).

A question is flagged *too easy* when ``p > 0.90``, *too hard* when ``p < 0.20`` and
*discriminates negatively* when ``r < 0`` (stronger learners miss it more often than
weaker ones: often a wrong key or an ambiguous prompt). Fewer than ``MIN_RESPONSES``
answers give no flags: too few to tell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

TOO_EASY = 0.90
TOO_HARD = 0.20
UPPER_LOWER = 0.27
MIN_RESPONSES = 10


@dataclass(frozen=True)
class Response:
    """One learner's first attempt: per question id, whether right and the points earned."""

    correct: dict[str, bool]
    points: dict[str, float]


@dataclass(frozen=True)
class ItemStats:
    question: str
    responses: int
    difficulty: float | None
    upper_lower: float | None
    point_biserial: float | None
    flags: list[str] = field(default_factory=list)  # "too_easy", "too_hard", "negative"


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs)


def point_biserial(correct: Sequence[bool], rest: Sequence[float]) -> float | None:
    """Pearson's r between 0/1 and a score; None when either does not vary."""
    n = len(correct)
    if n < 2:
        return None
    ys = [1.0 if c else 0.0 for c in correct]
    mx, my = _mean(rest), _mean(ys)
    sxx = sum((x - mx) ** 2 for x in rest)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(rest, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def upper_lower(correct: Sequence[bool], rest: Sequence[float]) -> float | None:
    """p(upper 27 %) − p(lower 27 %), ranking by the rest score (ties kept in input order)."""
    n = len(correct)
    k = round(n * UPPER_LOWER)
    if k < 1:
        return None
    order = sorted(range(n), key=lambda i: rest[i])
    lower, upper = order[:k], order[-k:]
    return _mean([1.0 if correct[i] else 0.0 for i in upper]) - _mean(
        [1.0 if correct[i] else 0.0 for i in lower]
    )


def analyse(questions: Sequence[str], responses: Sequence[Response]) -> list[ItemStats]:
    """The statistics of each question, in the order given. A response that did not answer
    a question counts for the others only."""
    out: list[ItemStats] = []
    totals = [sum(r.points.values()) for r in responses]
    for q in questions:
        correct: list[bool] = []
        rest: list[float] = []
        for r, total in zip(responses, totals, strict=True):
            if q not in r.correct:
                continue
            correct.append(bool(r.correct[q]))
            rest.append(total - r.points.get(q, 0.0))
        n = len(correct)
        p = _mean([1.0 if c else 0.0 for c in correct]) if n else None
        d = upper_lower(correct, rest)
        rpb = point_biserial(correct, rest)
        flags: list[str] = []
        if n >= MIN_RESPONSES and p is not None:
            if p > TOO_EASY:
                flags.append("too_easy")
            if p < TOO_HARD:
                flags.append("too_hard")
            if rpb is not None and rpb < 0:
                flags.append("negative")
        out.append(ItemStats(q, n, p, d, rpb, flags))
    return out
