"""The at-risk model's algorithm, without the database: a model that learns a real signal
clears the published bar; one trained on random labels does not (so the rule stays in
force); a group the model does badly for is excluded."""

from __future__ import annotations

import datetime as dt
from random import Random

import numpy as np

from yachay.engagement import risk

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _rows(n: int, *, signal: bool, seed: int = 1, weeks: int = 3) -> list[risk.Row]:
    """``n`` learners, ``weeks`` snapshots each. With a signal, a hidden engagement drives
    both the features and the outcome; without, the outcome is a coin toss."""
    rng = Random(seed)
    out = []
    for i in range(n):
        engagement = rng.random()
        outcome = int(rng.random() > engagement) if signal else int(rng.random() < 0.5)
        for week in range(weeks):
            row = risk.Row(
                enrollment_id=i,
                cohort_id=i // 40,
                program_id=1,
                email=f"p{i}@example.pe",
                gender="female" if i % 2 else "male",
                place="lima" if i % 3 == 0 else "regions",
                started=dt.date(2026, 1, 1) + dt.timedelta(days=7 * (i // 40)),
                enrolled_at=T0 + dt.timedelta(hours=i),
                outcome=outcome,
            )
            noise = rng.gauss(0, 0.15)
            row.values = {
                "days_inactive": max(0.0, 14 * (1 - engagement) + 3 * noise + week),
                "lessons_vs_median": 6 * (engagement - 0.5) + 2 * noise,
                "attendance_share": min(1.0, max(0.0, engagement + noise)),
                "sessions_missed": round((1 - engagement) * (week + 1)),
                "quiz_score": min(1.0, max(0.0, 0.4 + 0.6 * engagement + noise)),
                "quiz_retries": max(0.0, 1 - engagement + noise),
                "accept_days": float(rng.randrange(0, 7)),
                "virtual": float(i % 2),
            }
            row.facts = {"days": 0, "done": 0, "median": 0, "held": 0, "attended": 0,
                         "score": None, "attempts": 0, "quizzes": 0, "accept_days": 0}  # fmt: skip
            out.append(row)
    return out


def test_a_model_that_learns_a_real_signal_clears_the_bar() -> None:
    ev = risk.evaluate(_rows(400, signal=True))
    ok, missed = risk.verdict(ev)
    assert ok, missed
    assert ev.auc_mean is not None and ev.auc_mean >= risk.AUC_MIN
    assert ev.auc_sd is not None and ev.auc_sd <= risk.AUC_SD_MAX
    assert len(ev.runs) == risk.RUNS
    assert ev.brier is not None and ev.brier_base is not None and ev.brier < ev.brier_base
    assert sum(b["n"] for b in ev.bins) == ev.data["eval_rows"]
    assert all(g["used"] for g in ev.fairness), ev.fairness


def test_a_model_trained_on_random_labels_does_not_clear_the_bar() -> None:
    ev = risk.evaluate(_rows(400, signal=False))
    ok, missed = risk.verdict(ev)
    assert not ok
    assert "auc" in missed


def test_the_split_is_by_time_and_keeps_a_learners_weeks_together() -> None:
    rows = _rows(100, signal=True)
    train, test = risk.split_by_time(rows)
    assert {r.enrollment_id for r in train}.isdisjoint({r.enrollment_id for r in test})
    assert max(r.enrolled_at for r in train) < min(r.enrolled_at for r in test)
    assert len({r.enrollment_id for r in test}) == 30


def test_too_few_learners_do_not_clear_the_bar_however_good() -> None:
    ev = risk.evaluate(_rows(40, signal=True))
    ok, missed = risk.verdict(ev)
    assert not ok and "too_few" in missed


def test_a_group_the_model_does_badly_for_is_excluded() -> None:
    rows = _rows(600, signal=True)
    rng = Random(7)
    # For Lima, the outcome has nothing to do with the features.
    by_learner: dict[int, int] = {}
    for r in rows:
        if r.place == "lima":
            r.outcome = by_learner.setdefault(r.enrollment_id, int(rng.random() < 0.5))
    ev = risk.evaluate(rows)
    groups = {(g["kind"], g["group"]): g for g in ev.fairness}
    assert not groups[("place", "lima")]["used"]
    assert groups[("place", "lima")]["why"] in ("below_bar", "gap")
    assert groups[("place", "regions")]["used"]


def test_gender_and_region_are_not_features() -> None:
    assert not {"gender", "place", "region", "department"} & set(risk.FEATURES)


def test_reasons_name_what_pushes_the_risk_up_once_each() -> None:
    fitted = risk.Fitted(
        intercept=0.0,
        coefficients=[1.0, -0.5, -1.0, 1.0, -0.2, 0.1, 0.0, 0.0],
        mean=[3, 0, 0.8, 1, 0.8, 0.2, 2, 0.5],
        scale=[2, 2, 0.2, 1, 0.1, 0.3, 1, 0.5],
    )
    row = _rows(1, signal=True)[0]
    row.values.update(days_inactive=12, attendance_share=0.33, sessions_missed=2)
    row.facts.update(days=12, held=3, attended=1)
    reasons = risk.model_reasons(fitted, row)
    codes = [r["code"] for r in reasons]
    assert codes[0] == "inactive" and codes.count("missed") == 1
    assert {"code": "missed", "missed": 2, "held": 3} in reasons
    assert risk.suggested_action(reasons) == "call"
    assert float(fitted.probabilities(np.array([row.vector()]))[0]) > 0.5


def test_the_rule_adds_points_with_its_reasons() -> None:
    row = _rows(1, signal=True)[0]
    row.values.update(days_inactive=15, attendance_share=0.25, lessons_vs_median=-4, quiz_score=0.5)
    row.facts.update(days=15, held=4, attended=1, done=2, median=6, quizzes=1, score=50)
    points, reasons = risk.rule_points(row)
    assert points == 3 + 2 + 1 + 1
    assert risk.rule_band(points) == "high"
    assert [r["code"] for r in reasons] == ["inactive", "missed", "behind", "quiz_low"]
    row.values.update(days_inactive=1, attendance_share=1.0, lessons_vs_median=0, quiz_score=0.9)
    assert risk.rule_points(row) == (0, [])
