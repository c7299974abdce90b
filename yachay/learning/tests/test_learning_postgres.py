"""On PostgreSQL, with real parallel transactions: double submits, double imports."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from yachay.core.actors import SYSTEM
from yachay.learning import services
from yachay.learning.models import Completion, Course, CourseVersion, LessonProgress, QuizAttempt
from yachay.learning.services import LearningRefused
from yachay.learning.tests.conftest import HALF, RIGHT, Learning, write_mini

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


def at_once(n: int, work: Callable[[int], str]) -> list[str]:
    """Run ``work(i)`` in n threads released together; their outcomes, sorted."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(work(i))
        except LearningRefused as refused:
            outcomes.append(refused.code)
        except BaseException as exc:  # pragma: no cover - shown by the assertion
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def submit(lr: Learning, quiz: str, answers: dict[str, Any] = HALF) -> Callable[[int], str]:
    def work(_i: int) -> str:
        attempt = services.quiz_submit(
            user=lr.learner, course=lr.course, activity_id=quiz, answers=answers, actor=lr.actor
        )
        return f"#{attempt.number}"

    return work


def test_simultaneous_submits_never_exceed_max_attempts(learning: Learning) -> None:
    outcomes = at_once(6, submit(learning, "q1"))  # q1 allows 2 attempts
    assert outcomes == ["#1", "#2"] + ["no_attempts_left"] * 4
    numbers = QuizAttempt.objects.filter(activity_id="q1").values_list("number", flat=True)
    assert sorted(numbers) == [1, 2]


def test_simultaneous_submits_of_an_unlimited_quiz_get_distinct_numbers(
    learning: Learning,
) -> None:
    outcomes = at_once(5, submit(learning, "final"))
    assert outcomes == ["#1", "#2", "#3", "#4", "#5"]
    assert QuizAttempt.objects.filter(activity_id="final").count() == 5


def test_simultaneous_last_steps_write_one_completion(learning: Learning) -> None:
    for lesson in ("l1", "l2", "l3"):
        services.lesson_complete(
            user=learning.learner, course=learning.course, activity_id=lesson, actor=SYSTEM
        )
    services.quiz_submit(
        user=learning.learner, course=learning.course, activity_id="q1", answers=RIGHT,
        actor=SYSTEM,
    )  # fmt: skip
    outcomes = at_once(4, submit(learning, "final", RIGHT))
    assert outcomes == ["#1", "#2", "#3", "#4"]
    assert Completion.objects.count() == 1


def test_a_lesson_finished_twice_at_once_is_recorded_once(learning: Learning) -> None:
    def work(_i: int) -> str:
        progress = services.lesson_complete(
            user=learning.learner, course=learning.course, activity_id="l1", actor=SYSTEM
        )
        return str(progress.pk)

    outcomes = at_once(4, work)
    assert len(set(outcomes)) == 1
    assert LessonProgress.objects.count() == 1


def test_the_same_course_imported_twice_at_once_makes_one_version(db: None, tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "doble", slug="doble")

    def work(_i: int) -> str:
        report = services.course_import(path=folder, actor=SYSTEM)
        return "unchanged" if report.unchanged else f"v{report.version.number}"  # type: ignore[union-attr]

    assert at_once(4, work) == ["unchanged"] * 3 + ["v1"]
    assert Course.objects.filter(slug="doble").count() == 1
    assert CourseVersion.objects.filter(course__slug="doble").count() == 1
