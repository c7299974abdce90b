"""Small course folders written on the fly, and a learner enrolled in a cohort that takes them.

The cohorts fixture ``live`` gives a cohort (track slug ``ia``) with one session under way
and three learners; the mini course below names that track.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from yachay.accounts.models import User
from yachay.cohorts.models import Enrollment
from yachay.cohorts.tests.conftest import Live, live  # noqa: F401 - the fixture, for our tests
from yachay.core.actors import SYSTEM, Actor
from yachay.learning.models import Course
from yachay.learning.services import course_import

DEMO = Path(__file__).resolve().parents[3] / "content" / "courses" / "ia-para-tu-negocio"

RULES = """\
completion:
  lessons: all
  quizzes_min_score: 70
  final_min_score: 70
"""

# Right, half right and wrong answers to every quiz written by quiz_yaml().
RIGHT = {"s1": "a", "t1": True}
HALF = {"s1": "a", "t1": False}  # 50 %
WRONG = {"s1": "b", "t1": False}  # 0 %


def some_answers(course: Course, quiz_id: str) -> dict[str, object]:
    """An answer to every question of a quiz of the course's current version (the first
    option, true, 1, a word, the items in order): every question must be answered."""
    from yachay.learning.selectors import current_activity

    activity = current_activity(course, quiz_id)
    assert activity is not None
    answers: dict[str, object] = {}
    for q in activity.as_quiz().questions:
        answers[q.id] = {
            "single": q.options[0].id if q.options else None,
            "multiple": [q.options[0].id] if q.options else None,
            "true_false": True,
            "numeric": 1,
            "text": "algo",
            "ordering": [i.id for i in q.items],
        }[q.type]
    return answers


def lesson_md(lesson_id: str, title: str | None = None, body: str = "Texto de la lección.") -> str:
    return (
        f"---\nid: {lesson_id}\ntitle: {title or 'Lección ' + lesson_id}\nminutes: 5\n---\n{body}\n"
    )


def quiz_yaml(
    quiz_id: str, *, kind: str = "quiz", max_attempts: int = 3, title: str | None = None
) -> str:
    return textwrap.dedent(
        f"""\
        id: {quiz_id}
        title: {title or "Repaso " + quiz_id}
        kind: {kind}
        max_attempts: {max_attempts}
        questions:
          - id: s1
            type: single
            prompt: ¿Cuál es correcta?
            options:
              - id: a
                text: Esta
                correct: true
                feedback: Bien.
              - id: b
                text: Aquella
                feedback: No.
            explanation: Porque sí.
          - id: t1
            type: true_false
            prompt: ¿Es verdad?
            answer: true
            explanation: Es verdad.
        """
    )


def write_course(
    root: Path,
    modules: Sequence[tuple[str, Sequence[str]]],
    files: dict[str, str],
    *,
    slug: str = "mini",
    tracks: Sequence[str] = ("ia",),
    version: str = "1.0",
    completion: str = "",
) -> Path:
    """Write a course folder: ``modules`` are (id, item paths); ``files`` path -> text."""
    root.mkdir(parents=True, exist_ok=True)
    lines = [
        f"slug: {slug}",
        f"title: Curso {slug}",
        f'version: "{version}"',
        "language: es",
        "summary: Un curso corto.",
        f"tracks: [{', '.join(tracks)}]",
        "modules:",
    ]
    for module_id, items in modules:
        lines += [f"  - id: {module_id}", f"    title: Módulo {module_id}", "    items:"]
        lines += [f"      - {item}" for item in items]
    (root / "course.yaml").write_text("\n".join(lines) + "\n" + completion, encoding="utf-8")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


MINI_MODULES: list[tuple[str, list[str]]] = [
    ("m1", ["lessons/l1.md", "lessons/l2.md", "quizzes/q1.yaml"]),
    ("m2", ["lessons/l3.md", "quizzes/final.yaml"]),
]


def mini_files(*, q1_attempts: int = 2) -> dict[str, str]:
    return {
        "lessons/l1.md": lesson_md("l1"),
        "lessons/l2.md": lesson_md("l2"),
        "lessons/l3.md": lesson_md("l3"),
        "quizzes/q1.yaml": quiz_yaml("q1", max_attempts=q1_attempts, title="Quiz 1"),
        "quizzes/final.yaml": quiz_yaml("final", kind="final", max_attempts=0, title="Final"),
    }


def write_mini(root: Path, **options: Any) -> Path:
    """l1, l2, q1 (2 attempts) | l3, final (unlimited); lessons all, quizzes and final 70."""
    options.setdefault("completion", RULES)
    return write_course(root, MINI_MODULES, mini_files(), **options)


def many_modules(root: Path, n: int, *, slug: str = "mini") -> Path:
    """A course of ``n`` modules of one lesson and one quiz each."""
    modules = []
    files: dict[str, str] = {}
    for i in range(n):
        modules.append((f"m{i}", [f"lessons/l{i}.md", f"quizzes/q{i}.yaml"]))
        files[f"lessons/l{i}.md"] = lesson_md(f"l{i}")
        files[f"quizzes/q{i}.yaml"] = quiz_yaml(f"q{i}")
    return write_course(root, modules, files, slug=slug)


def import_(path: Path, actor: Actor = SYSTEM) -> Course:
    report = course_import(path=path, actor=actor)
    assert report.course is not None
    return Course.objects.get(pk=report.course.pk)


@dataclass
class Learning:
    live: Live
    course: Course
    learner: User  # active in live.cohort, whose track takes the course
    enrollment: Enrollment
    actor: Actor
    folder: Path


@pytest.fixture
def learning(live: Live, tmp_path: Path) -> Learning:  # noqa: F811 - the imported fixture
    folder = write_mini(tmp_path / "mini")
    course = import_(folder)
    learner = live.learners[0]
    return Learning(
        live=live,
        course=course,
        learner=learner,
        enrollment=live.enrollments[0],
        actor=Actor.of_user(learner),
        folder=folder,
    )
