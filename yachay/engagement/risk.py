"""The at-risk signal: who may not complete, and why (docs/engagement.md, "En riesgo").

Three parts, each standing alone:

* :func:`features_as_of` reads, for a set of enrollments and one moment ``as_of``, what the
  platform knew *before* that moment (lessons, quiz attempts, sessions held and attended,
  the offer's answer, the cohort's modality): a few set-based queries whatever the number
  of learners, and nothing stamped at or after ``as_of`` (no leakage from the future).
* :func:`evaluate` trains an interpretable model (scikit-learn's logistic regression on
  standardised features) on the earlier learners of finished cohorts and measures it on
  the later ones: ROC AUC over 10 bootstrap runs of the later block, calibration (reliability
  bins, Brier score), and AUC by gender and by Lima vs regions. :func:`verdict` applies the
  published bar.
* :func:`rule_points` is the documented simple rule used while no model clears the bar.

Gender and region are never features: a model must not score a woman or a learner from
Puno as riskier *because* she is a woman or from Puno (a protected trait, and a proxy for
the program's own targets); they are read only to show, and check, how well the model does
for each group.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Avg, Count, Max, QuerySet
from django.utils import timezone

from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.core import ubigeo
from yachay.learning.models import LessonProgress, QuizAttempt

#: The features, in the model's order. Never gender, never region (see the module).
FEATURES = (
    "days_inactive",  # days since the last lesson, attempt or attended session (or the start)
    "lessons_vs_median",  # lessons done minus the cohort's median (negative: behind)
    "attendance_share",  # sessions attended / sessions held (1 when none was held yet)
    "sessions_missed",  # sessions held minus attended
    "quiz_score",  # mean score of the attempts, 0..1 (1 when no quiz was tried yet)
    "quiz_retries",  # attempts per quiz tried, minus one
    "accept_days",  # days from the offer to its acceptance
    "virtual",  # 1 for a virtual cohort, 0 in person or hybrid
)

# The published bar (docs/engagement.md): like Moodle's analytics, a model is used only if
# its mean ROC AUC over 10 evaluation runs is at least 0.70 with a standard deviation of at
# most 0.05, it is better calibrated than the base rate, and it was measured on enough
# learners of both outcomes.
AUC_MIN = 0.70
AUC_SD_MAX = 0.05
RUNS = 10
EVAL_SHARE = 0.3  # the latest 30 % of learners (by time) are the evaluation block
MIN_EVAL_LEARNERS = 30
MIN_EACH_OUTCOME = 5
# A group (a gender, Lima or the regions) gets the model only if, in the evaluation block,
# its AUC is at least AUC_MIN and not more than GROUP_GAP below the overall AUC, measured on
# at least MIN_GROUP learners with MIN_EACH_OUTCOME of each outcome; otherwise the rule.
GROUP_GAP = 0.10
MIN_GROUP = 20
BINS = 5
SEED = 15

# Bands shown to staff.
HIGH, MEDIUM, LOW = "high", "medium", "low"
MODEL_HIGH, MODEL_MEDIUM = 0.6, 0.35
RULE_HIGH, RULE_MEDIUM = 4, 2

# The rule's points (docs/engagement.md, "La regla simple").
RULE_INACTIVE_DAYS = 7
RULE_LONG_INACTIVE_DAYS = 14
RULE_ATTENDANCE = 0.5
RULE_BEHIND_LESSONS = 3
RULE_QUIZ = 0.7


@dataclass
class Row:
    """One learner as of one moment: the features, the groups (for fairness only) and, in
    training, the outcome."""

    enrollment_id: int
    cohort_id: int
    program_id: int
    email: str
    gender: str
    place: str  # "lima" or "regions"
    started: dt.date  # the cohort's first day
    enrolled_at: dt.datetime
    status: str = ""  # the enrollment's status now (scoring keeps the active ones)
    values: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # the raw numbers reasons quote
    outcome: int | None = None  # 1: did not complete

    def vector(self) -> list[float]:
        return [self.values[f] for f in FEATURES]


def _days(delta: dt.timedelta) -> float:
    return max(0.0, delta.total_seconds() / 86400)


def _place(code: str) -> str:
    return "lima" if ubigeo.department_group(code or "") == ubigeo.LIMA_CALLAO else "regions"


def features_as_of(enrollments: QuerySet[Enrollment], as_of: dt.datetime) -> list[Row]:
    """The features of ``enrollments`` (placed in a cohort) from what happened strictly
    before ``as_of`` (a session counts as held once it has ended). Five queries, whatever
    their number: the enrollments, then one aggregate per kind of event, each filtered by
    time in the database."""
    base = enrollments.filter(cohort__isnull=False)
    people = list(
        base.values(
            "id",
            "user_id",
            "status",
            "cohort_id",
            "cohort__call__program_id",
            "created_at",
            "cohort__starts_on",
            "cohort__modality",
            "application__email",
            "application__gender",
            "application__ubigeo",
            "application__decision__offer__created_at",
            "application__decision__offer__responded_at",
        )
    )
    if not people:
        return []
    users = base.values("user_id")
    lessons = {
        r["user_id"]: r
        for r in LessonProgress.objects.filter(user_id__in=users, completed_at__lt=as_of)
        .values("user_id")
        .annotate(n=Count("id"), last=Max("completed_at"))
        .order_by()
    }
    attempts = {
        r["user_id"]: r
        for r in QuizAttempt.objects.filter(user_id__in=users, submitted_at__lt=as_of)
        .values("user_id")
        .annotate(
            n=Count("id"),
            quizzes=Count("activity_id", distinct=True),
            score=Avg("score_percent"),
            last=Max("submitted_at"),
        )
        .order_by()
    }
    held = dict(
        Session.objects.filter(cohort_id__in=base.values("cohort_id"), ends_at__lt=as_of)
        .values("cohort_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("cohort_id", "n")
    )
    attended = {
        r["enrollment_id"]: r
        for r in Attendance.objects.filter(
            enrollment_id__in=base.values("id"),
            session__ends_at__lt=as_of,
            status__in=Attendance.ATTENDED,
        )
        .values("enrollment_id")
        .annotate(n=Count("id"), last=Max("session__starts_at"))
        .order_by()
    }
    done_by_cohort: dict[int, list[int]] = defaultdict(list)
    for p in people:
        done_by_cohort[p["cohort_id"]].append(int(lessons.get(p["user_id"], {}).get("n", 0)))
    medians = {c: statistics.median(v) for c, v in done_by_cohort.items()}
    zone = timezone.get_current_timezone()  # a cohort's day starts at midnight in Lima
    rows = []
    for p in people:
        start = timezone.make_aware(dt.datetime.combine(p["cohort__starts_on"], dt.time(0)), zone)
        lesson = lessons.get(p["user_id"], {})
        attempt = attempts.get(p["user_id"], {})
        went = attended.get(p["id"], {})
        last = max(
            [t for t in (lesson.get("last"), attempt.get("last"), went.get("last")) if t]
            + [min(start, as_of)]
        )
        done = int(lesson.get("n", 0))
        n_held = int(held.get(p["cohort_id"], 0))
        n_went = min(int(went.get("n", 0)), n_held)
        quizzes = int(attempt.get("quizzes", 0))
        score = float(attempt["score"]) / 100 if attempt.get("score") is not None else 1.0
        offered = p["application__decision__offer__created_at"]
        answered = p["application__decision__offer__responded_at"]
        accept = _days(answered - offered) if offered and answered and answered < as_of else 0.0
        median = medians[p["cohort_id"]]
        row = Row(
            enrollment_id=p["id"],
            cohort_id=p["cohort_id"],
            program_id=p["cohort__call__program_id"],
            email=p["application__email"] or "",
            gender=p["application__gender"] or "",
            place=_place(p["application__ubigeo"]),
            started=p["cohort__starts_on"],
            enrolled_at=p["created_at"],
            status=p["status"],
        )
        row.values = {
            "days_inactive": round(_days(as_of - last), 2),
            "lessons_vs_median": float(done - median),
            "attendance_share": n_went / n_held if n_held else 1.0,
            "sessions_missed": float(n_held - n_went),
            "quiz_score": round(score, 4),
            "quiz_retries": (int(attempt.get("n", 0)) / quizzes - 1) if quizzes else 0.0,
            "accept_days": round(accept, 2),
            "virtual": 1.0 if p["cohort__modality"] == Cohort.Modality.VIRTUAL else 0.0,
        }
        row.facts = {
            "days": int(_days(as_of - last)),
            "done": done,
            "median": median,
            "held": n_held,
            "attended": n_went,
            "score": round(score * 100) if quizzes else None,
            "attempts": int(attempt.get("n", 0)),
            "quizzes": quizzes,
            "accept_days": int(accept),
        }
        rows.append(row)
    return rows


# --- the simple rule --------------------------------------------------------------------


def rule_points(row: Row) -> tuple[int, list[dict[str, Any]]]:
    """The rule's points and its reasons (codes with numbers), most points first:
    inactivity ≥ 7 days 2 points (≥ 14 days 3), attendance under 50 % of at least two
    sessions held 2, three or more lessons behind the cohort's median 1, a quiz average under
    70 % 1."""
    v, f = row.values, row.facts
    out: list[tuple[int, dict[str, Any]]] = []
    if v["days_inactive"] >= RULE_LONG_INACTIVE_DAYS:
        out.append((3, {"code": "inactive", "days": f["days"]}))
    elif v["days_inactive"] >= RULE_INACTIVE_DAYS:
        out.append((2, {"code": "inactive", "days": f["days"]}))
    if f["held"] >= 2 and v["attendance_share"] < RULE_ATTENDANCE:
        out.append((2, _missed(f)))
    if -v["lessons_vs_median"] >= RULE_BEHIND_LESSONS:
        out.append((1, _behind(f)))
    if f["quizzes"] and v["quiz_score"] < RULE_QUIZ:
        out.append((1, {"code": "quiz_low", "score": f["score"]}))
    out.sort(key=lambda x: -x[0])
    return sum(p for p, _ in out), [r for _, r in out]


def _missed(f: dict[str, Any]) -> dict[str, Any]:
    return {"code": "missed", "missed": f["held"] - f["attended"], "held": f["held"]}


def _behind(f: dict[str, Any]) -> dict[str, Any]:
    median = f["median"]
    return {
        "code": "behind",
        "done": f["done"],
        "median": int(median) if float(median).is_integer() else round(float(median), 1),
    }


def rule_band(points: int) -> str:
    return HIGH if points >= RULE_HIGH else MEDIUM if points >= RULE_MEDIUM else LOW


def model_band(probability: float) -> str:
    return HIGH if probability >= MODEL_HIGH else MEDIUM if probability >= MODEL_MEDIUM else LOW


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    """A logistic regression on standardised features, as plain numbers (what is stored)."""

    intercept: float
    coefficients: list[float]
    mean: list[float]
    scale: list[float]

    def z(self, x: np.ndarray) -> np.ndarray:
        return (x - np.array(self.mean)) / np.array(self.scale)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        logit = self.z(x) @ np.array(self.coefficients) + self.intercept
        return np.asarray(1 / (1 + np.exp(-logit)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's push on the log-odds, against an average learner (z = 0)."""
        return np.asarray(self.z(x) * np.array(self.coefficients))


def fit(x: np.ndarray, y: np.ndarray) -> Fitted:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - scaler.mean_) / scale, y)
    return Fitted(
        intercept=float(model.intercept_[0]),
        coefficients=[float(c) for c in model.coef_[0]],
        mean=[float(m) for m in scaler.mean_],
        scale=[float(s) for s in scale],
    )


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, p))


@dataclass
class Evaluation:
    fitted: Fitted | None
    runs: list[float]
    auc: float | None  # on the whole evaluation block
    auc_mean: float | None
    auc_sd: float | None
    brier: float | None
    brier_base: float | None
    bins: list[dict[str, Any]]
    fairness: list[dict[str, Any]]
    data: dict[str, Any]


def split_by_time(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """Earlier learners train, later ones evaluate: learners ordered by their cohort's start,
    then by when they enrolled (then by id, for ties), the last ``EVAL_SHARE`` of them form
    the evaluation block. All snapshots of one learner fall on the same side."""
    order = sorted(
        {(r.started, r.enrolled_at, r.enrollment_id) for r in rows},
    )
    cut = len(order) - max(1, round(len(order) * EVAL_SHARE)) if order else 0
    later = {e for _, _, e in order[cut:]}
    return (
        [r for r in rows if r.enrollment_id not in later],
        [r for r in rows if r.enrollment_id in later],
    )


def evaluate(rows: Sequence[Row]) -> Evaluation:
    """Train on the earlier block, measure on the later one (see :func:`split_by_time`).

    The 10 runs are bootstrap resamples of the later block *by learner* (all of a learner's
    weekly snapshots together, seeded): their AUCs' mean and standard deviation say how much
    the figure would move with another set of later learners of the same size."""
    train, test = split_by_time(rows)
    data = {
        "rows": len(rows),
        "learners": len({r.enrollment_id for r in rows}),
        "cohorts": len({r.cohort_id for r in rows}),
        "train_learners": len({r.enrollment_id for r in train}),
        "eval_learners": len({r.enrollment_id for r in test}),
        "eval_not_completed": len({r.enrollment_id for r in test if r.outcome}),
        "train_rows": len(train),
        "eval_rows": len(test),
        "first_start": min((r.started for r in rows), default=None),
        "last_start": max((r.started for r in rows), default=None),
    }
    empty = Evaluation(None, [], None, None, None, None, None, [], [], data)
    y_train = np.array([r.outcome for r in train], dtype=int)
    if len(train) < 2 or len(set(y_train.tolist())) < 2 or not test:
        return empty
    fitted = fit(np.array([r.vector() for r in train]), y_train)
    x_test = np.array([r.vector() for r in test])
    y_test = np.array([r.outcome for r in test], dtype=int)
    p_test = fitted.probabilities(x_test)
    by_learner: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(test):
        by_learner[r.enrollment_id].append(i)
    learners = sorted(by_learner)
    runs = []
    for run in range(RUNS):
        rng = np.random.default_rng(SEED + run)
        picked = rng.choice(len(learners), size=len(learners), replace=True)
        idx = [i for k in picked for i in by_learner[learners[k]]]
        auc = _auc(y_test[idx], p_test[idx])
        if auc is not None:
            runs.append(auc)
    brier = float(np.mean((p_test - y_test) ** 2))
    base = float(np.mean(y_train))
    brier_base = float(np.mean((base - y_test) ** 2))
    auc_all = _auc(y_test, p_test)
    return Evaluation(
        fitted=fitted,
        runs=runs,
        auc=auc_all,
        auc_mean=float(np.mean(runs)) if runs else None,
        auc_sd=float(np.std(runs, ddof=1)) if len(runs) > 1 else None,
        brier=brier,
        brier_base=brier_base,
        bins=reliability(y_test, p_test),
        fairness=fairness(test, y_test, p_test, auc_all),
        data=data,
    )


def reliability(y: np.ndarray, p: np.ndarray) -> list[dict[str, Any]]:
    """Predicted vs observed share of not completing, in ``BINS`` equal-width bins."""
    out = []
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        inside = (p >= low) & ((p < high) if b < BINS - 1 else (p <= high))
        n = int(inside.sum())
        out.append(
            {
                "low": low,
                "high": high,
                "n": n,
                "predicted": float(p[inside].mean()) if n else None,
                "observed": float(y[inside].mean()) if n else None,
            }
        )
    return out


def fairness(
    rows: Sequence[Row], y: np.ndarray, p: np.ndarray, overall: float | None
) -> list[dict[str, Any]]:
    """AUC per gender and per place (Lima vs regions) in the evaluation block, and whether
    the model is used for the group (the rule in :data:`GROUP_GAP`)."""
    out = []
    for kind, key in (("gender", lambda r: r.gender), ("place", lambda r: r.place)):
        groups: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            groups[key(r) or "unknown"].append(i)
        for group in sorted(groups):
            idx = groups[group]
            learners = len({rows[i].enrollment_id for i in idx})
            positives = len({rows[i].enrollment_id for i in idx if rows[i].outcome})
            auc = _auc(y[idx], p[idx])
            enough = (
                learners >= MIN_GROUP
                and positives >= MIN_EACH_OUTCOME
                and learners - positives >= MIN_EACH_OUTCOME
            )
            if not enough or auc is None:
                used, why = False, "too_few"
            elif auc < AUC_MIN:
                used, why = False, "below_bar"
            elif overall is not None and auc < overall - GROUP_GAP:
                used, why = False, "gap"
            else:
                used, why = True, ""
            out.append(
                {
                    "kind": kind,
                    "group": group,
                    "learners": learners,
                    "not_completed": positives,
                    "auc": auc,
                    "used": used,
                    "why": why,
                }
            )
    return out


def verdict(ev: Evaluation) -> tuple[bool, list[str]]:
    """Whether the model clears the bar, and the codes of what it missed (empty if none)."""
    missed = []
    d = ev.data
    if ev.fitted is None:
        return False, ["no_data"]
    if (
        d["eval_learners"] < MIN_EVAL_LEARNERS
        or d["eval_not_completed"] < MIN_EACH_OUTCOME
        or d["eval_learners"] - d["eval_not_completed"] < MIN_EACH_OUTCOME
    ):
        missed.append("too_few")
    if ev.auc_mean is None or ev.auc_mean < AUC_MIN:
        missed.append("auc")
    if ev.auc_sd is None or ev.auc_sd > AUC_SD_MAX:
        missed.append("sd")
    if ev.brier is None or ev.brier_base is None or ev.brier >= ev.brier_base:
        missed.append("calibration")
    return not missed, missed


def model_reasons(fitted: Fitted, row: Row, top: int = 3) -> list[dict[str, Any]]:
    """The features that push this learner's risk up the most, as reason codes with the
    numbers to quote (only those that push up, at most ``top``)."""
    contributions = fitted.contributions(np.array([row.vector()]))[0]
    order = sorted(range(len(FEATURES)), key=lambda j: -contributions[j])
    out: list[dict[str, Any]] = []
    for j in order:
        if contributions[j] <= 0.05 or len(out) >= top:
            break
        reason = reason_for(FEATURES[j], row)
        if reason is not None and reason not in out:
            out.append(reason)
    return out


def reason_for(feature: str, row: Row) -> dict[str, Any] | None:
    f = row.facts
    if feature == "days_inactive":
        return {"code": "inactive", "days": f["days"]}
    if feature in ("attendance_share", "sessions_missed"):
        return _missed(f) if f["held"] and f["attended"] < f["held"] else None
    if feature == "lessons_vs_median":
        return _behind(f) if f["done"] < f["median"] else None
    if feature == "quiz_score":
        return {"code": "quiz_low", "score": f["score"]} if f["quizzes"] else None
    if feature == "quiz_retries":
        return (
            {"code": "retries", "attempts": f["attempts"], "quizzes": f["quizzes"]}
            if f["attempts"] > f["quizzes"]
            else None
        )
    if feature == "accept_days":
        return {"code": "accepted_late", "days": f["accept_days"]} if f["accept_days"] else None
    if feature == "virtual":
        return {"code": "virtual"} if row.values["virtual"] else None
    return None


def suggested_action(reasons: Iterable[dict[str, Any]]) -> str:
    """Call someone who has gone quiet, write to someone who misses sessions, offer help to
    someone who struggles with the content."""
    codes = [r.get("code") for r in reasons]
    if "inactive" in codes[:1]:
        return "call"
    if "missed" in codes[:1]:
        return "message"
    if codes and codes[0] in ("behind", "quiz_low", "retries"):
        return "help"
    return "call" if "inactive" in codes else "message"


def clean(value: float | None) -> float | None:
    """A float that JSON can hold (no NaN)."""
    return None if value is None or math.isnan(value) else value


__all__ = [
    "FEATURES",
    "Row",
    "evaluate",
    "features_as_of",
    "fit",
    "model_band",
    "rule_band",
    "rule_points",
    "verdict",
]
