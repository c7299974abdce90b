"""Completion: each rule, the learner's "you still need" sentence, written exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from yachay.cohorts.models import Attendance, Enrollment, Session
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.learning import services
from yachay.learning.completion import (
    ActivityInfo,
    AttendanceInfo,
    CompletionStatus,
    Missing,
    activity_done,
    evaluate,
    missing_text,
)
from yachay.learning.course_format import CompletionRules
from yachay.learning.models import Completion
from yachay.learning.tests.conftest import (
    HALF,
    RIGHT,
    RULES,
    WRONG,
    Learning,
    import_,
    lesson_md,
    mini_files,
    write_course,
    write_mini,
)

ACTIVITIES = [
    ActivityInfo("l1", "lesson", "Qué es la IA"),
    ActivityInfo("q1", "quiz", "Quiz 1"),
    ActivityInfo("q2", "quiz", "Quiz 2"),
    ActivityInfo("final", "final", "Evaluación final"),
]
SEVENTY = Decimal(70)


# --- The rules, on plain data -------------------------------------------------------------------


def test_without_rules_every_lesson_finished_and_every_quiz_taken_is_complete() -> None:
    rules = CompletionRules()
    zero = Decimal(0)
    assert evaluate(rules, ACTIVITIES, {"l1"}, {"q1": zero, "q2": zero, "final": zero}, None) == []
    missing = evaluate(rules, ACTIVITIES, set(), {"q1": zero}, None)
    assert [(m.kind, m.activity_id) for m in missing] == [
        ("lesson", "l1"), ("quiz", "q2"), ("final", "final"),
    ]  # fmt: skip


def test_lessons_all_asks_only_for_lessons() -> None:
    rules = CompletionRules(lessons_all=True)
    assert evaluate(rules, ACTIVITIES, {"l1"}, {}, None) == []
    assert evaluate(rules, ACTIVITIES, set(), {}, None) == [Missing("lesson", "l1", "Qué es la IA")]


def test_quizzes_min_score_reads_each_quizs_best_score_and_not_the_final() -> None:
    rules = CompletionRules(quizzes_min_score=70)
    best = {"q1": Decimal("69.9"), "final": Decimal(0)}
    assert evaluate(rules, ACTIVITIES, set(), best, None) == [
        Missing("quiz", "q1", "Quiz 1", have=Decimal("69.9"), need=70),
        Missing("quiz", "q2", "Quiz 2", have=None, need=70),
    ]
    assert evaluate(rules, ACTIVITIES, set(), {"q1": SEVENTY, "q2": Decimal(100)}, None) == []


def test_final_min_score_reads_only_the_final() -> None:
    rules = CompletionRules(final_min_score=80)
    assert evaluate(rules, ACTIVITIES, set(), {"final": Decimal(80)}, None) == []
    assert evaluate(rules, ACTIVITIES, set(), {"final": Decimal("79.9")}, None) == [
        Missing("final", "final", "Evaluación final", have=Decimal("79.9"), need=80)
    ]


@pytest.mark.parametrize(
    ("attendance", "missing"),
    [
        (AttendanceInfo(True, 3, 4), []),  # exactly 75 %
        (AttendanceInfo(True, 2, 4), [Missing("attendance", have=2, need=3)]),
        (AttendanceInfo(True, 0, 3), [Missing("attendance", have=0, need=3)]),  # 75 % of 3: 3
        (AttendanceInfo(True, 0, 0), []),  # a cohort with no sessions
        (AttendanceInfo(False), [Missing("cohort")]),
        (None, [Missing("cohort")]),
    ],
)
def test_attendance_min_percent_counts_sessions_of_the_cohort(
    attendance: AttendanceInfo | None, missing: list[Missing]
) -> None:
    rules = CompletionRules(attendance_min_percent=75)
    assert evaluate(rules, ACTIVITIES, set(), {}, attendance) == missing


def test_a_quiz_is_done_once_it_reaches_its_pass_mark_or_once_taken_without_one() -> None:
    rules = CompletionRules(quizzes_min_score=70)
    assert not activity_done(rules, "quiz", "q1", set(), {"q1": Decimal(60)})
    assert activity_done(rules, "quiz", "q1", set(), {"q1": SEVENTY})
    assert activity_done(rules, "final", "final", set(), {"final": Decimal(0)})
    assert not activity_done(rules, "final", "final", set(), {})
    assert activity_done(rules, "lesson", "l1", {"l1"}, {})


def test_the_missing_text_names_each_thing_left() -> None:
    missing = [
        Missing("lesson", "l1", "Qué es la IA"),
        Missing("quiz", "q3", "Quiz 3", have=Decimal("60.0"), need=70),
        Missing("quiz", "q4", "Quiz 4", have=Decimal("66.6"), need=70),
        Missing("final", "final", "Evaluación final", have=None, need=70),
        Missing("attendance", have=2, need=3),
    ]
    with translation.override("en"):
        assert missing_text(CompletionStatus(False, missing)) == (
            "You still need: the lesson “Qué es la IA”, “Quiz 3” (60 %, you need 70 %), "
            "“Quiz 4” (66.6 %, you need 70 %), “Evaluación final” (not taken yet, you need "
            "70 %), 1 live session."
        )
        two = [Missing("lesson", "a", "A"), Missing("lesson", "b", "B"), Missing("cohort")]
        assert missing_text(two) == (
            "You still need: 2 lessons, a place in a cohort, to attend its live sessions."
        )
        assert missing_text([Missing("quiz", "q", "Q")]) == "You still need: “Q” (not taken yet)."
        assert missing_text(CompletionStatus(True)) == ""


# --- In the database --------------------------------------------------------------------------


def finish_everything(lr: Learning, answers: dict[str, object] = RIGHT) -> None:
    args: dict[str, Any] = {"user": lr.learner, "course": lr.course, "actor": lr.actor}
    for lesson in ("l1", "l2", "l3"):
        services.lesson_complete(activity_id=lesson, **args)
    for quiz in ("q1", "final"):
        services.quiz_submit(activity_id=quiz, answers=answers, **args)


def with_attendance_rule(lr: Learning, tmp_path: Path) -> None:
    write_mini(lr.folder, completion=RULES + "  attendance_min_percent: 75\n")
    lr.course = import_(lr.folder)


def attend(lr: Learning, session: Session, status: str = "present") -> None:
    Attendance.objects.create(
        enrollment=lr.enrollment, session=session, status=status, method="manual",
        recorded_at=timezone.now(),
    )  # fmt: skip


def test_finishing_the_last_activity_completes_the_course_and_the_enrollment_once(
    learning: Learning,
) -> None:
    finish_everything(learning)
    completion = Completion.objects.get()
    assert (completion.user, completion.course) == (learning.learner, learning.course)
    assert completion.version_id == learning.course.current_version_id
    assert completion.details["best_scores"] == {"q1": "100.0", "final": "100.0"}
    enrollment = Enrollment.objects.get(pk=learning.enrollment.pk)
    assert enrollment.status == "completed" and enrollment.status_changed_at is not None
    for _ in range(3):
        status = services.completion_evaluate(
            user=learning.learner, course=learning.course, actor=SYSTEM
        )
        assert status.complete and status.completion == completion
    assert Completion.objects.count() == 1
    assert AuditEvent.objects.filter(action="completion.create").count() == 1
    event = AuditEvent.objects.get(action="enrollment.complete")
    assert event.changes == {"status": ["active", "completed"]}


def test_a_low_score_leaves_the_course_incomplete_and_says_what_is_missing(
    learning: Learning,
) -> None:
    finish_everything(learning, HALF)
    status = services.completion_evaluate(
        user=learning.learner, course=learning.course, actor=SYSTEM
    )
    assert not status.complete and Completion.objects.count() == 0
    with translation.override("en"):
        assert status.text() == (
            "You still need: “Quiz 1” (50 %, you need 70 %), “Final” (50 %, you need 70 %)."
        )
    assert Enrollment.objects.get(pk=learning.enrollment.pk).status == "active"


def test_the_attendance_rule_waits_for_live_sessions_then_completes(
    learning: Learning, tmp_path: Path
) -> None:
    with_attendance_rule(learning, tmp_path)
    cohort = learning.live.cohort
    now = timezone.now()
    for days in (1, 2, 3):  # four sessions in all, with the one under way
        starts = now + dt.timedelta(days=days)
        Session.objects.create(
            cohort=cohort,
            topic=f"S{days}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
        )
    finish_everything(learning)
    status = services.completion_evaluate(
        user=learning.learner, course=learning.course, actor=SYSTEM
    )
    assert status.missing == [Missing("attendance", have=0, need=3)]
    sessions = list(cohort.sessions.order_by("starts_at"))
    attend(learning, sessions[0], "late")
    attend(learning, sessions[1], "absent")  # does not count
    attend(learning, sessions[2])
    status = services.completion_evaluate(
        user=learning.learner, course=learning.course, actor=SYSTEM
    )
    with translation.override("en"):
        assert status.text() == "You still need: 1 live session."
    attend(learning, sessions[3])
    status = services.completion_evaluate(
        user=learning.learner, course=learning.course, actor=SYSTEM
    )
    assert status.complete and status.completion is not None
    assert status.completion.details["attendance"] == {"attended": 3, "total": 4}
    assert Enrollment.objects.get(pk=learning.enrollment.pk).status == "completed"


def test_the_cohorts_code_can_evaluate_every_course_of_an_enrollment(
    learning: Learning, tmp_path: Path
) -> None:
    with_attendance_rule(learning, tmp_path)
    finish_everything(learning)
    assert Completion.objects.count() == 0
    attend(learning, learning.live.session)
    statuses = services.completions_evaluate(enrollment=learning.enrollment, actor=SYSTEM)
    assert [s.complete for s in statuses] == [True]


def test_a_learner_without_a_cohort_does_not_meet_an_attendance_rule(
    learning: Learning, tmp_path: Path
) -> None:
    with_attendance_rule(learning, tmp_path)
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(cohort=None, status="waiting")
    finish_everything(learning)
    status = services.completion_evaluate(
        user=learning.learner, course=learning.course, actor=SYSTEM
    )
    assert status.missing == [Missing("cohort")]


def test_a_cohort_without_sessions_meets_the_attendance_rule(
    learning: Learning, tmp_path: Path
) -> None:
    with_attendance_rule(learning, tmp_path)
    learning.live.cohort.sessions.all().delete()
    finish_everything(learning)
    assert Completion.objects.filter(user=learning.learner).exists()


def test_a_course_without_rules_completes_when_everything_is_done_even_with_low_scores(
    learning: Learning,
) -> None:
    write_mini(learning.folder, completion="")
    learning.course = import_(learning.folder)
    finish_everything(learning, WRONG)
    assert Completion.objects.count() == 1


def test_a_completion_is_never_revoked_by_a_later_version(learning: Learning) -> None:
    finish_everything(learning)
    completion = Completion.objects.get()
    files = mini_files()
    files["lessons/l9.md"] = lesson_md("l9")
    modules = [("m1", ["lessons/l1.md", "lessons/l2.md", "quizzes/q1.yaml", "lessons/l9.md"]),
               ("m2", ["lessons/l3.md", "quizzes/final.yaml"])]  # fmt: skip
    write_course(learning.folder, modules, files, completion=RULES)
    course = import_(learning.folder)
    status = services.completion_evaluate(user=learning.learner, course=course, actor=SYSTEM)
    assert status.complete and status.completion == completion
    assert Completion.objects.count() == 1


def test_the_enrollment_completes_only_with_every_course_of_its_track(
    learning: Learning, tmp_path: Path
) -> None:
    second = import_(write_mini(tmp_path / "segundo", slug="segundo", completion=""))
    finish_everything(learning)
    assert Completion.objects.count() == 1
    assert Enrollment.objects.get(pk=learning.enrollment.pk).status == "active"
    args: dict[str, Any] = {"user": learning.learner, "course": second, "actor": learning.actor}
    for lesson in ("l1", "l2", "l3"):
        services.lesson_complete(activity_id=lesson, **args)
    for quiz in ("q1", "final"):
        services.quiz_submit(activity_id=quiz, answers=WRONG, **args)
    assert Completion.objects.count() == 2
    assert Enrollment.objects.get(pk=learning.enrollment.pk).status == "completed"


def test_a_learner_who_may_not_take_the_course_is_told_so(learning: Learning) -> None:
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(status="dropped")
    status = services.completion_evaluate(
        user=learning.learner, course=learning.course, actor=SYSTEM
    )
    assert status.missing == [Missing("enrollment")]
    with translation.override("en"):
        assert status.text() == ("You still need: an enrollment in a track that takes this course.")


def test_the_instructors_last_mark_completes_the_course_on_its_own(
    learning: Learning, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """Attendance feeds completion: no lesson or quiz event is needed after the last mark."""
    from yachay.cohorts.services import Mark, attendance_mark

    with_attendance_rule(learning, tmp_path)
    finish_everything(learning)
    assert not Completion.objects.exists()  # the session under way is not attended yet
    with django_capture_on_commit_callbacks(execute=True):
        attendance_mark(
            session=learning.live.session,
            marks=[Mark(learning.enrollment.pk, "present")],
            actor=learning.actor,
        )
    assert Completion.objects.filter(user=learning.learner).count() == 1
    assert Enrollment.objects.get(pk=learning.enrollment.pk).status == "completed"
