"""Who may take a course, lessons, quiz attempts, and the outline and cohort views of progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from yachay.accounts.models import Role
from yachay.accounts.services import user_create
from yachay.cohorts.models import Cohort, Enrollment
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.learning import selectors, services
from yachay.learning.models import Course, LessonProgress, QuizAttempt
from yachay.learning.services import LearningRefused
from yachay.learning.tests.conftest import (
    HALF,
    RIGHT,
    WRONG,
    Learning,
    import_,
    many_modules,
    write_course,
    write_mini,
)
from yachay.programs.models import Track
from yachay.selection.tests.test_selection_runs import submit

pytestmark = pytest.mark.django_db


def submit_quiz(lr: Learning, answers: dict[str, Any], quiz: str = "q1") -> QuizAttempt:
    return services.quiz_submit(
        user=lr.learner, course=lr.course, activity_id=quiz, answers=answers, actor=lr.actor
    )


def refused(call: Any, **kwargs: Any) -> LearningRefused:
    with pytest.raises(LearningRefused) as info:
        call(**kwargs)
    return info.value


# --- Who may take a course ----------------------------------------------------------------


def test_a_learner_takes_the_courses_of_their_cohorts_track(learning: Learning) -> None:
    assert selectors.may_take(learning.learner, learning.course) == learning.enrollment
    assert list(selectors.courses_for(learning.learner)) == [learning.course]
    assert selectors.enrollment_track(learning.enrollment) == learning.live.cohort.track


def test_without_a_cohort_the_track_is_the_programs_first_open_to_their_segment(
    learning: Learning,
) -> None:
    call = learning.live.cohort.call
    # "ia" (order 0, everyone) is first; a track for another segment comes before it.
    Track.objects.filter(pk=learning.live.cohort.track_id).update(order=5)
    Track.objects.create(program=call.program, name="Expertos", slug="exp", order=1,
                         audience=["sme_expert"])  # fmt: skip
    user = user_create(username="espera", role=Role.LEARNER, actor=SYSTEM)
    app = submit(call, 50, "female", "080101", "entrepreneur", None)
    enrollment = Enrollment.objects.create(application=app, user=user)  # waiting, no cohort
    assert selectors.enrollment_track(enrollment) == learning.live.cohort.track
    assert selectors.may_take(user, learning.course) == enrollment
    expert = submit(call, 51, "female", "080101", "sme_expert", None)
    other = user_create(username="experta", role=Role.LEARNER, actor=SYSTEM)
    e2 = Enrollment.objects.create(application=expert, user=other)
    assert selectors.enrollment_track(e2).slug == "exp"  # type: ignore[union-attr]
    assert selectors.may_take(other, learning.course) is None
    assert list(selectors.courses_for(other)) == []


def test_dropped_learners_strangers_and_anonymous_users_may_not_take_it(
    learning: Learning,
) -> None:
    from django.contrib.auth.models import AnonymousUser

    Enrollment.objects.filter(pk=learning.enrollment.pk).update(status="dropped")
    assert selectors.may_take(learning.learner, learning.course) is None
    stranger = user_create(username="nadie", role=Role.LEARNER, actor=SYSTEM)
    assert selectors.may_take(stranger, learning.course) is None
    assert selectors.may_take(AnonymousUser(), learning.course) is None  # type: ignore[arg-type]
    assert list(selectors.courses_for(AnonymousUser())) == []  # type: ignore[arg-type]


# --- Lessons --------------------------------------------------------------------------------


def test_finishing_a_lesson_is_recorded_once_and_audited_once(learning: Learning) -> None:
    args: dict[str, Any] = {
        "user": learning.learner,
        "course": learning.course,
        "actor": learning.actor,
    }
    first = services.lesson_complete(activity_id="l1", **args)
    again = services.lesson_complete(activity_id="l1", **args)
    assert first.pk == again.pk
    assert LessonProgress.objects.count() == 1
    assert AuditEvent.objects.filter(action="lesson.complete").count() == 1


@pytest.mark.parametrize(
    ("activity_id", "status"), [("q1", 404), ("nope", 404), ("", 404), (None, 404)]
)
def test_only_a_lesson_of_the_current_version_can_be_finished(
    learning: Learning, activity_id: Any, status: int
) -> None:
    error = refused(
        services.lesson_complete,
        user=learning.learner,
        course=learning.course,
        activity_id=activity_id,
        actor=learning.actor,
    )
    assert (error.code, error.status) == ("not_found", status)
    assert LessonProgress.objects.count() == 0


def test_a_learner_of_another_track_cannot_finish_a_lesson(learning: Learning) -> None:
    stranger = user_create(username="nadie", role=Role.LEARNER, actor=SYSTEM)
    error = refused(
        services.lesson_complete,
        user=stranger,
        course=learning.course,
        activity_id="l1",
        actor=SYSTEM,
    )
    assert (error.code, error.status) == ("not_enrolled", 403)
    assert LessonProgress.objects.count() == 0


# --- Quizzes ----------------------------------------------------------------------------------


def test_a_submitted_quiz_is_graded_numbered_and_audited(learning: Learning) -> None:
    attempt = submit_quiz(learning, HALF)
    assert (attempt.number, attempt.score_percent) == (1, Decimal("50.0"))
    assert attempt.answers == {"s1": "a", "t1": False}
    assert attempt.results["s1"] == {
        "correct": True, "points": 1.0, "points_possible": 1, "answered": True,
        "feedback": ["Bien."], "explanation": "Porque sí.",
    }  # fmt: skip
    assert attempt.results["t1"]["correct"] is False
    assert attempt.version_id == learning.course.current_version_id
    event = AuditEvent.objects.get(action="quiz.submit")
    assert event.changes == {"course": "mini", "quiz": "q1", "number": 1, "score": "50.0"}


@pytest.mark.parametrize(
    "answers",
    [{}, {"s1": "a"}, {"s1": "a", "t1": None}, {"s1": "  ", "t1": True}, {"s1": [], "t1": True}],
)
def test_an_attempt_with_a_question_unanswered_is_refused_and_uses_no_attempt(
    learning: Learning, answers: dict[str, object]
) -> None:
    error = refused(submit_quiz, lr=learning, answers=answers)
    assert (error.code, error.status) == ("unanswered", 422)
    assert error.question == ("t1" if answers.get("s1") == "a" else "s1")
    assert (
        QuizAttempt.objects.count() == 0
        and AuditEvent.objects.filter(action="quiz.submit").count() == 0
    )
    assert submit_quiz(learning, RIGHT).number == 1  # the attempt was not spent


@pytest.mark.parametrize(
    "answers",
    [
        {"s1": "z"},  # an option the question does not have
        {"s1": ["a"]},  # a list for a single choice
        {"t1": "true"},  # text for true/false
        {"zz": "a"},  # a question the quiz does not have
        {"s1": "a" * 5000},
        {"s1": {"a": 1}},
    ],
)
def test_tampered_answers_are_refused_with_422_and_nothing_is_recorded(
    learning: Learning, answers: dict[str, Any]
) -> None:
    error = refused(submit_quiz, lr=learning, answers=answers)
    assert (error.code, error.status) == ("invalid_answer", 422)
    assert error.message
    assert QuizAttempt.objects.count() == 0
    assert not AuditEvent.objects.filter(action="quiz.submit").exists()


def test_a_tampered_answer_message_is_in_the_learners_language(learning: Learning) -> None:
    from django.utils import translation

    with translation.override("en"):
        error = refused(submit_quiz, lr=learning, answers={"s1": "z"})
    assert error.message == "This answer names an option the question does not have."
    assert error.question == "s1"


def test_answers_that_json_cannot_hold_are_refused_not_crashed(
    learning: Learning, tmp_path: Path
) -> None:
    course = write_course(
        tmp_path / "numeros",
        [("m1", ["quizzes/n.yaml"])],
        {"quizzes/n.yaml": (
            "id: n\ntitle: Números\nquestions:\n  - id: x\n    type: numeric\n"
            "    prompt: ¿Cuánto?\n    answer: 3\n    explanation: Tres.\n"
        )},
        slug="numeros",
    )  # fmt: skip
    lr_course = import_(course)
    error = refused(
        services.quiz_submit, user=learning.learner, course=lr_course, activity_id="n",
        answers={"x": 10**5000}, actor=learning.actor,
    )  # fmt: skip
    assert (error.code, error.status) == ("invalid_answer", 422)
    assert QuizAttempt.objects.count() == 0


def test_a_quiz_of_another_course_or_a_lesson_is_not_found(
    learning: Learning, tmp_path: Path
) -> None:
    write_mini(tmp_path / "otro", slug="otro")
    with_other_ids = write_course(
        tmp_path / "tercero",
        [("m1", ["quizzes/solo.yaml"])],
        {"quizzes/solo.yaml": (tmp_path / "otro/quizzes/q1.yaml").read_text().replace(
            "id: q1", "id: solo")},
        slug="tercero",
    )  # fmt: skip
    import_(with_other_ids)
    for activity_id in ("solo", "l1"):
        error = refused(submit_quiz, lr=learning, answers=RIGHT, quiz=activity_id)
        assert (error.code, error.status) == ("not_found", 404)
    assert QuizAttempt.objects.count() == 0


def test_a_learner_not_enrolled_cannot_submit(learning: Learning) -> None:
    stranger = user_create(username="nadie", role=Role.LEARNER, actor=SYSTEM)
    error = refused(
        services.quiz_submit, user=stranger, course=learning.course, activity_id="q1",
        answers=RIGHT, actor=Actor.of_user(stranger),
    )  # fmt: skip
    assert (error.code, error.status) == ("not_enrolled", 403)
    assert QuizAttempt.objects.count() == 0


def test_after_the_attempt_limit_a_submit_is_refused_and_nothing_is_recorded(
    learning: Learning,
) -> None:
    submit_quiz(learning, WRONG)
    submit_quiz(learning, HALF)
    error = refused(submit_quiz, lr=learning, answers=RIGHT)
    assert (error.code, error.status) == ("no_attempts_left", 409)
    assert QuizAttempt.objects.count() == 2
    assert AuditEvent.objects.filter(action="quiz.submit").count() == 2


def test_a_quiz_with_no_limit_takes_any_number_of_attempts(learning: Learning) -> None:
    numbers = [submit_quiz(learning, WRONG, quiz="final").number for _ in range(5)]
    assert numbers == [1, 2, 3, 4, 5]


def test_the_best_attempt_counts_not_the_last(learning: Learning) -> None:
    submit_quiz(learning, RIGHT, quiz="final")
    submit_quiz(learning, HALF, quiz="final")
    submit_quiz(learning, HALF)
    assert selectors.quiz_best_scores(learning.learner, learning.course) == {
        "final": Decimal("100.0"),
        "q1": Decimal("50.0"),
    }


def test_quiz_for_display_hides_answers_and_never_shows_the_right_order(
    learning: Learning, tmp_path: Path
) -> None:
    folder = write_course(
        tmp_path / "orden",
        [("m1", ["quizzes/o.yaml"])],
        {"quizzes/o.yaml": (
            "id: o\ntitle: Orden\nquestions:\n  - id: x\n    type: ordering\n"
            "    prompt: Ordena\n    explanation: Así.\n    items:\n"
            "      - {id: a, text: Uno}\n      - {id: b, text: Dos}\n"
        )},
        slug="orden",
    )  # fmt: skip
    course = import_(folder)
    activity = selectors.current_activity(course, "o")
    assert activity is not None
    for seed in range(20):
        shown = selectors.quiz_for_display(activity, seed=str(seed))
        assert [i["id"] for i in shown[0]["items"]] == ["b", "a"]
    q1 = selectors.current_activity(learning.course, "q1")
    assert q1 is not None
    shown = selectors.quiz_for_display(q1, seed="1")
    assert shown[0]["options"] == [{"id": "a", "text": "Esta"}, {"id": "b", "text": "Aquella"}]
    assert {key for q in shown for key in q} == {"id", "type", "prompt", "points", "options"}
    assert "Bien." not in repr(shown) and "Porque sí." not in repr(shown)


# --- The learner's outline ----------------------------------------------------------------------


def test_the_outline_shows_each_activitys_state_and_where_to_continue(
    learning: Learning,
) -> None:
    args: dict[str, Any] = {
        "user": learning.learner,
        "course": learning.course,
        "actor": learning.actor,
    }
    services.lesson_complete(activity_id="l1", **args)
    submit_quiz(learning, HALF)
    outline = selectors.learner_outline(learning.learner, learning.course)
    assert outline is not None
    assert [m.id for m in outline.modules] == ["m1", "m2"]
    states = {a.activity_id: a for a in outline.activities}
    assert states["l1"].done and not states["l2"].done
    q1 = states["q1"]
    assert (q1.done, q1.best_score, q1.attempts_used, q1.attempts_left, q1.pass_mark) == (
        False, Decimal("50.0"), 1, 1, 70,
    )  # fmt: skip
    assert states["final"].attempts_left is None  # unlimited
    assert (outline.done, outline.total, outline.percent_done) == (1, 5, 20)
    assert outline.next is not None and outline.next.activity_id == "l2"


def test_continue_skips_a_failed_quiz_with_no_attempts_left(learning: Learning) -> None:
    args: dict[str, Any] = {
        "user": learning.learner,
        "course": learning.course,
        "actor": learning.actor,
    }
    for lesson in ("l1", "l2"):
        services.lesson_complete(activity_id=lesson, **args)
    submit_quiz(learning, WRONG)
    submit_quiz(learning, WRONG)
    outline = selectors.learner_outline(learning.learner, learning.course)
    assert outline is not None and outline.next is not None
    assert outline.next.activity_id == "l3"
    assert not outline.modules[0].done


def test_the_outline_takes_the_same_queries_for_2_or_20_modules(
    live: Any, tmp_path: Path, django_assert_num_queries: Any
) -> None:
    learner = live.learners[0]
    for n, slug in ((2, "corto"), (20, "largo")):
        course = import_(many_modules(tmp_path / slug, n, slug=slug))
        for i in range(n):
            services.lesson_complete(user=learner, course=course, activity_id=f"l{i}", actor=SYSTEM)
            services.quiz_submit(user=learner, course=course, activity_id=f"q{i}", answers=HALF,
                                 actor=SYSTEM)  # fmt: skip
        course = Course.objects.get(pk=course.pk)
        selectors.course_shape(course.slug)  # the process reads the course's shape once
        # Lessons done, attempts (with the extra ones granted), completion.
        with django_assert_num_queries(3):
            outline = selectors.learner_outline(learner, course)
        assert outline is not None and outline.total == 2 * n


# --- A cohort's progress ------------------------------------------------------------------------


def test_cohort_progress_gives_each_learners_figures_and_where_they_stopped(
    learning: Learning,
) -> None:
    first, second, third = learning.live.learners
    course = learning.course
    services.lesson_complete(user=first, course=course, activity_id="l1", actor=SYSTEM)
    services.lesson_complete(user=first, course=course, activity_id="l2", actor=SYSTEM)
    services.quiz_submit(user=first, course=course, activity_id="q1", answers=RIGHT, actor=SYSTEM)
    services.lesson_complete(user=second, course=course, activity_id="l1", actor=SYSTEM)
    progress = selectors.cohort_progress(learning.live.cohort)
    assert progress is not None and progress.course == course
    rows = {row.user: row for row in progress.learners}
    assert set(rows) == {first, second, third}
    a = rows[first]
    assert (a.percent_done, a.lessons_done, a.lessons_total) == (60, 2, 3)
    assert a.quiz_scores == {"q1": Decimal("100.0"), "final": None}
    assert a.stuck is not None and a.stuck.activity_id == "l3"
    assert a.last_activity_at is not None and a.completed_at is None
    stuck = {row.user: row.stuck.activity_id if row.stuck else None for row in rows.values()}
    assert (stuck[second], stuck[third]) == ("l2", "l1")
    assert rows[third].last_activity_at is None and rows[third].percent_done == 0

    summary = selectors.stuck_summary(learning.live.cohort)
    assert summary is not None
    assert [(r.activity.activity_id, r.learners) for r in summary.rows] == [
        ("l1", 1), ("l2", 1), ("q1", 0), ("l3", 1), ("final", 0),
    ]  # fmt: skip
    assert (summary.finished, summary.learners) == (0, 3)


def test_a_cohort_whose_track_has_no_course_has_no_progress(learning: Learning) -> None:
    assert selectors.cohort_progress(learning.live.other) is not None  # same track "ia"
    track = Track.objects.create(program=learning.live.cohort.call.program, name="X", slug="x")
    Cohort.objects.filter(pk=learning.live.other.pk).update(track=track)
    learning.live.other.refresh_from_db()
    assert selectors.cohort_progress(learning.live.other) is None
    assert selectors.stuck_summary(learning.live.other) is None


def test_cohort_progress_takes_the_same_queries_for_3_or_30_learners(
    learning: Learning, django_assert_num_queries: Any
) -> None:
    cohort, course = learning.live.cohort, learning.course
    call = cohort.call
    learners = list(learning.live.learners)
    now = timezone.now()
    for n, i in enumerate(range(100, 127)):
        user = user_create(username=f"extra{i}", role=Role.LEARNER, actor=SYSTEM)
        app = submit(call, i, "female", "080101", "entrepreneur", None)
        Enrollment.objects.create(application=app, user=user, cohort=cohort, status="active")
        learners.append(user)
        LessonProgress.objects.create(
            user=user, course=course, activity_id="l1", completed_at=now - dt.timedelta(hours=n)
        )
    for user in learners[:10]:
        services.quiz_submit(user=user, course=course, activity_id="q1", answers=HALF,
                             actor=SYSTEM)  # fmt: skip
    # Course, activities, lessons, attempts, extra attempts, completions (+ the learners when
    # not given).
    with django_assert_num_queries(6):
        few = selectors.cohort_progress(cohort, learners[:3])
    with django_assert_num_queries(6):
        many = selectors.cohort_progress(cohort, learners)
    with django_assert_num_queries(7):
        everyone = selectors.cohort_progress(cohort)
    with django_assert_num_queries(7):
        summary = selectors.stuck_summary(cohort)
    assert few is not None and len(few.learners) == 3
    assert many is not None and len(many.learners) == 30
    assert everyone is not None and len(everyone.learners) == 30
    assert summary is not None and sum(r.learners for r in summary.rows) == 30
