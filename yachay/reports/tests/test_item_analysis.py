"""Item analysis, pure: difficulty, upper–lower 27 %, point-biserial, flags."""

from __future__ import annotations

import pytest

from yachay.reports.item_analysis import (
    MIN_RESPONSES,
    Response,
    analyse,
    point_biserial,
    upper_lower,
)


def _responses(rows: list[dict[str, bool]]) -> list[Response]:
    return [
        Response(correct=r, points={q: 1.0 if ok else 0.0 for q, ok in r.items()}) for r in rows
    ]


def test_difficulty_is_the_share_right_on_the_first_attempt() -> None:
    rows = [{"a": i < 3, "b": True} for i in range(4)]
    (a, b) = analyse(["a", "b"], _responses(rows))
    assert a.difficulty == pytest.approx(0.75)
    assert b.difficulty == 1.0
    assert a.responses == 4


def test_a_question_the_strong_miss_and_the_weak_get_discriminates_negatively() -> None:
    # 20 learners: the strong (high "rest" score on q1..q3) miss "bad"; the weak get it.
    rows = []
    for i in range(20):
        strong = i >= 10
        rows.append({"q1": strong, "q2": strong, "q3": strong or i % 3 == 0, "bad": not strong})
    stats = {s.question: s for s in analyse(["q1", "q2", "q3", "bad"], _responses(rows))}
    assert stats["bad"].point_biserial is not None and stats["bad"].point_biserial < 0
    assert stats["bad"].upper_lower == pytest.approx(-1.0)
    assert "negative" in stats["bad"].flags
    assert stats["q1"].point_biserial is not None and stats["q1"].point_biserial > 0.5
    assert "negative" not in stats["q1"].flags


def test_too_easy_and_too_hard_are_flagged_with_enough_answers() -> None:
    rows = [{"easy": True, "hard": i == 0, "mid": i % 2 == 0} for i in range(MIN_RESPONSES)]
    stats = {s.question: s for s in analyse(["easy", "hard", "mid"], _responses(rows))}
    assert "too_easy" in stats["easy"].flags
    assert "too_hard" in stats["hard"].flags
    assert stats["mid"].flags == []


def test_few_answers_give_figures_but_no_flags() -> None:
    rows = [{"q": True} for _ in range(MIN_RESPONSES - 1)]
    (q,) = analyse(["q"], _responses(rows))
    assert q.difficulty == 1.0 and q.flags == []


def test_nothing_to_say_without_answers_or_variation() -> None:
    (q,) = analyse(["q"], [])
    assert (q.responses, q.difficulty, q.point_biserial, q.upper_lower) == (0, None, None, None)
    assert point_biserial([True, True], [1.0, 2.0]) is None
    assert upper_lower([True], [1.0]) is None
