"""Completion rules: what a learner still lacks, as plain data and as a sentence.

Pure functions over plain values (no database): the service loads the learner's lessons,
best scores and attendance, and :func:`evaluate` says what is missing under the course
version's :class:`~yachay.learning.course_format.CompletionRules` (every rule present must
hold). A course without rules is complete once every activity is done: each lesson
finished and each quiz (the final included) taken at least once.

"Done", for the outline and the instructors' "stuck" column (:func:`activity_done`): a lesson
is done once finished; a quiz once its best score reaches the pass mark that applies to it
(``quizzes_min_score`` for ``kind: quiz``, ``final_min_score`` for the final), or, without such
a rule, once taken.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yachay.core.numbers import format_percent
from yachay.learning.course_format import CompletionRules

if TYPE_CHECKING:
    from yachay.learning.models import Completion

__all__ = [
    "ActivityInfo",
    "AttendanceInfo",
    "CompletionStatus",
    "Missing",
    "activity_done",
    "evaluate",
    "has_rules",
    "missing_text",
    "pass_mark",
]

LESSON, QUIZ, FINAL = "lesson", "quiz", "final"


@dataclass(frozen=True)
class ActivityInfo:
    activity_id: str
    kind: str  # lesson, quiz or final
    title: str


@dataclass(frozen=True)
class AttendanceInfo:
    """A learner's live sessions: ``has_cohort`` False when they have no cohort yet."""

    has_cohort: bool
    attended: int = 0
    total: int = 0


@dataclass(frozen=True)
class Missing:
    """One thing a learner still lacks.

    ``kind``: ``lesson`` (not finished), ``quiz`` / ``final`` (``have`` = best score or None
    if never taken, ``need`` = the pass mark or None when taking it is enough),
    ``attendance`` (``have`` sessions attended, ``need`` sessions needed), ``cohort`` (an
    attendance rule, and no cohort), ``enrollment`` (not enrolled in a track of the course).
    """

    kind: str
    activity_id: str = ""
    title: str = ""
    have: Decimal | int | None = None
    need: Decimal | int | None = None


@dataclass(frozen=True)
class CompletionStatus:
    complete: bool
    missing: list[Missing] = field(default_factory=list)
    completion: Completion | None = None

    def text(self) -> str:
        return missing_text(self)


def has_rules(rules: CompletionRules) -> bool:
    return bool(
        rules.lessons_all
        or rules.quizzes_min_score is not None
        or rules.final_min_score is not None
        or rules.attendance_min_percent is not None
    )


def pass_mark(rules: CompletionRules, kind: str) -> int | None:
    """The minimum best score a quiz of this kind needs, or None (taking it is enough)."""
    if kind == QUIZ:
        return rules.quizzes_min_score
    if kind == FINAL:
        return rules.final_min_score
    return None


def activity_done(
    rules: CompletionRules,
    kind: str,
    activity_id: str,
    done_lessons: Collection[str],
    best: Mapping[str, Decimal],
) -> bool:
    if kind == LESSON:
        return activity_id in done_lessons
    score = best.get(activity_id)
    if score is None:
        return False
    need = pass_mark(rules, kind)
    return need is None or score >= need


def evaluate(
    rules: CompletionRules,
    activities: Sequence[ActivityInfo],
    done_lessons: Collection[str],
    best: Mapping[str, Decimal],
    attendance: AttendanceInfo | None,
) -> list[Missing]:
    """What the learner still lacks, in course order (attendance last); empty = complete.

    ``activities`` are the current version's, so an activity whose id disappeared from the
    course no longer counts, and progress on an id that survived does.
    """
    missing: list[Missing] = []
    if not has_rules(rules):
        for a in activities:
            if a.kind == LESSON and a.activity_id not in done_lessons:
                missing.append(Missing(LESSON, a.activity_id, a.title))
            elif a.kind != LESSON and a.activity_id not in best:
                missing.append(Missing(a.kind, a.activity_id, a.title))
        return missing
    for a in activities:
        if a.kind == LESSON:
            if rules.lessons_all and a.activity_id not in done_lessons:
                missing.append(Missing(LESSON, a.activity_id, a.title))
            continue
        need = pass_mark(rules, a.kind)
        score = best.get(a.activity_id)
        if need is not None and (score is None or score < need):
            missing.append(Missing(a.kind, a.activity_id, a.title, have=score, need=need))
    percent = rules.attendance_min_percent
    if percent is not None:
        if attendance is None or not attendance.has_cohort:
            missing.append(Missing("cohort"))
        elif attendance.total and attendance.attended * 100 < percent * attendance.total:
            # The fewest sessions that reach the percentage, in whole numbers (no float
            # rounding: 3 of 4 sessions is exactly 75 %).
            need_sessions = -(-percent * attendance.total // 100)
            missing.append(Missing("attendance", have=attendance.attended, need=need_sessions))
    return missing


def _number(value: Decimal | int) -> str:
    return format_percent(value)


def missing_text(status: CompletionStatus | Sequence[Missing]) -> str:
    """The learner's sentence, in the active language: "You still need: the lesson “…”,
    “Quiz 3” (60 %, you need 70 %), 1 live session." Empty when nothing is missing."""
    missing = status.missing if isinstance(status, CompletionStatus) else status
    parts: list[str] = []
    lessons = [m for m in missing if m.kind == LESSON]
    if len(lessons) == 1:
        parts.append(_("the lesson “%(title)s”") % {"title": lessons[0].title})
    elif lessons:
        parts.append(ngettext("%(n)d lesson", "%(n)d lessons", len(lessons)) % {"n": len(lessons)})
    for m in missing:
        if m.kind in (QUIZ, FINAL):
            if m.have is not None and m.need is not None:
                parts.append(
                    _("“%(title)s” (%(have)s, you need %(need)s)")
                    % {"title": m.title, "have": _number(m.have), "need": _number(m.need)}
                )
            elif m.need is not None:
                parts.append(
                    _("“%(title)s” (not taken yet, you need %(need)s)")
                    % {"title": m.title, "need": _number(m.need)}
                )
            else:
                parts.append(_("“%(title)s” (not taken yet)") % {"title": m.title})
        elif m.kind == "attendance":
            n = int(m.need or 0) - int(m.have or 0)
            parts.append(ngettext("%(n)d live session", "%(n)d live sessions", n) % {"n": n})
        elif m.kind == "cohort":
            parts.append(_("a place in a cohort, to attend its live sessions"))
        elif m.kind == "enrollment":
            parts.append(_("an enrollment in a track that takes this course"))
    if not parts:
        return ""
    return _("You still need: %(items)s.") % {"items": ", ".join(parts)}
