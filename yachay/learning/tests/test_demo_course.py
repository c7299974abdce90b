"""The demo course shipped in content/ loads cleanly and every quiz can be passed."""

from __future__ import annotations

from pathlib import Path

from yachay.learning.course_format import Question, load_course
from yachay.learning.grading import grade_quiz

DEMO = Path(__file__).resolve().parents[3] / "content" / "courses" / "ia-para-tu-negocio"


def correct_answer(q: Question) -> object:
    if q.type == "single":
        return next(o.id for o in q.options if o.correct)
    if q.type == "multiple":
        return [o.id for o in q.options if o.correct]
    if q.type in ("true_false", "numeric"):
        return q.answer
    if q.type == "text":
        return q.accept[0]
    return [item.id for item in q.items]


def test_the_demo_course_loads_with_six_modules_and_a_final() -> None:
    course = load_course(DEMO)
    assert course.language == "es"
    assert len(course.modules) >= 7  # six teaching modules and the final assessment
    assert course.final_quiz() is not None
    assert all(len(q.questions) >= 5 for q in course.quizzes())
    types = {q.type for quiz in course.quizzes() for q in quiz.questions}
    assert types == {"single", "multiple", "true_false", "numeric", "text", "ordering"}


def test_every_demo_quiz_is_passed_by_its_own_answers() -> None:
    for quiz in load_course(DEMO).quizzes():
        answers = {q.id: correct_answer(q) for q in quiz.questions}
        assert grade_quiz(quiz, answers).score_percent == 100.0, quiz.id
