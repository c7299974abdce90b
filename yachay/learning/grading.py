"""Grading of questions and quiz attempts: pure functions over :mod:`course_format` data.

Scoring is **all or nothing per question**: a question earns its ``points`` when the answer is
correct and nothing otherwise (a multiple-choice question with one wrong tick earns 0). A quiz's
score is points earned over points possible, in percent, to one decimal by
:func:`yachay.core.numbers.percent`: half up (4 of 6 → 66.7), but never up to a whole number,
so that a score never reaches a pass mark it did not reach (69.96 → 69.9, not 70.0).

Answer shapes, by question type:

=============  ==============================================================================
``single``     the chosen option's id (``str``)
``multiple``   the chosen option ids (a list, tuple or set of ``str``; may be empty)
``true_false`` ``bool``
``numeric``    ``int``/``float``, or a ``str`` such as ``"12.5"``, ``"12,5"``, ``" -3 "``
``text``       ``str``, compared after :func:`~yachay.learning.course_format.normalize_text`
``ordering``   every item id, in the learner's order (a list or tuple of ``str``)
=============  ==============================================================================

``None`` means "not answered": it earns 0 points and is not an error.

An answer that cannot come from the learning page — an option the question does not have, the
same option twice, a number that is not a number, a list where a string belongs, text longer
than :data:`~yachay.learning.course_format.MAX_ANSWER_LENGTH` — raises :class:`InvalidAnswer`
and nothing else. Its ``code`` says what was wrong, so the caller can show a translated
message; ``message`` is a plain English fallback. The codes:

========================  ========================================================
``unknown_question``      the quiz has no question with that id
``wrong_type``            the answer has the wrong shape for the question type
``unknown_option``        an option or item id the question does not have
``duplicate_option``      the same option or item id more than once
``not_a_permutation``     an ordering that leaves out some items
``not_a_number``          a numeric answer that is not a finite number
``too_long``              text (or a list) longer than allowed
========================  ========================================================
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from yachay.core.numbers import percent
from yachay.learning.course_format import (
    MAX_ANSWER_LENGTH,
    Question,
    Quiz,
    compile_pattern,
    normalize_text,
)

__all__ = [
    "MESSAGES",
    "InvalidAnswer",
    "QuestionResult",
    "QuizResult",
    "grade_question",
    "grade_quiz",
    "parse_number",
]

MESSAGES = {
    "unknown_question": "This quiz has no such question.",
    "wrong_type": "This answer does not fit the question.",
    "unknown_option": "This answer names an option the question does not have.",
    "duplicate_option": "This answer names the same option more than once.",
    "not_a_permutation": "Put every item in order, each exactly once.",
    "not_a_number": "Write a number, for example 12.5 or 12,5.",
    "too_long": f"This answer is too long (at most {MAX_ANSWER_LENGTH} characters).",
}

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


class InvalidAnswer(ValueError):
    """An answer that is not a possible answer to the question (tampered or malformed)."""

    def __init__(self, question_id: str, code: str) -> None:
        self.question_id = question_id
        self.code = code
        self.message = MESSAGES[code]
        super().__init__(f"{question_id}: {self.message}")


@dataclass(frozen=True)
class QuestionResult:
    correct: bool
    points_earned: float
    points_possible: int
    feedback: tuple[str, ...] = ()
    explanation: str = ""
    answered: bool = True


@dataclass(frozen=True)
class QuizResult:
    score_percent: float
    results: dict[str, QuestionResult] = field(default_factory=dict)
    points_earned: float = 0.0
    points_possible: int = 0


def parse_number(value: object, question_id: str = "") -> Decimal:
    """A learner's number as an exact decimal; a comma may be the decimal separator.

    Exact decimals make ``0.4`` within ``0.3 ± 0.1`` as a person expects, where binary floats
    would say ``0.10000000000000003 > 0.1``.
    """
    if isinstance(value, bool):
        raise InvalidAnswer(question_id, "wrong_type")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidAnswer(question_id, "not_a_number")
        number = Decimal(repr(value))
    elif isinstance(value, str):
        if len(value) > MAX_ANSWER_LENGTH:
            raise InvalidAnswer(question_id, "too_long")
        text = value.strip()
        if not _NUMBER_RE.fullmatch(text):
            raise InvalidAnswer(question_id, "not_a_number")
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise InvalidAnswer(question_id, "not_a_number") from exc
    else:
        raise InvalidAnswer(question_id, "wrong_type")
    return number


def _option_ids(question: Question, value: object, *, ordered: bool) -> list[str]:
    """The ids in a multiple/ordering answer, checked against the question's."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Collection):
        raise InvalidAnswer(question.id, "wrong_type")
    if ordered and not isinstance(value, Sequence):
        raise InvalidAnswer(question.id, "wrong_type")  # a set has no order
    choices = question.items if ordered else question.options
    if len(value) > len(choices):
        # Too many entries can only be unknown or repeated ids; say which without
        # walking a huge list.
        value = list(value)[: len(choices) + 1]
    known = {choice.id for choice in choices}
    ids: list[str] = []
    for entry in value:
        if not isinstance(entry, str):
            raise InvalidAnswer(question.id, "wrong_type")
        if entry not in known:
            raise InvalidAnswer(question.id, "unknown_option")
        if entry in ids:
            raise InvalidAnswer(question.id, "duplicate_option")
        ids.append(entry)
    return ids


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return compile_pattern(pattern)


def grade_question(question: Question, answer: object) -> QuestionResult:
    """Grade one answer to one question (all or nothing); ``None`` is "not answered".

    Raises :class:`InvalidAnswer` for an answer that does not fit the question.
    """
    if answer is None:
        return QuestionResult(
            correct=False,
            points_earned=0.0,
            points_possible=question.points,
            explanation=question.explanation,
            answered=False,
        )
    feedback: tuple[str, ...] = ()
    if question.type == "single":
        if not isinstance(answer, str):
            raise InvalidAnswer(question.id, "wrong_type")
        chosen = next((option for option in question.options if option.id == answer), None)
        if chosen is None:
            raise InvalidAnswer(question.id, "unknown_option")
        correct = chosen.correct
        feedback = (chosen.feedback,) if chosen.feedback else ()
    elif question.type == "multiple":
        ids = set(_option_ids(question, answer, ordered=False))
        correct = ids == {option.id for option in question.options if option.correct}
        feedback = tuple(
            option.feedback for option in question.options if option.id in ids and option.feedback
        )
    elif question.type == "true_false":
        if not isinstance(answer, bool):
            raise InvalidAnswer(question.id, "wrong_type")
        correct = answer == question.answer
        chosen_feedback = question.feedback_true if answer else question.feedback_false
        feedback = (chosen_feedback,) if chosen_feedback else ()
    elif question.type == "numeric":
        number = parse_number(answer, question.id)
        expected = Decimal(repr(float(question.answer or 0)))
        tolerance = Decimal(repr(float(question.tolerance)))
        correct = abs(number - expected) <= tolerance
    elif question.type == "text":
        if not isinstance(answer, str):
            raise InvalidAnswer(question.id, "wrong_type")
        if len(answer) > MAX_ANSWER_LENGTH:
            raise InvalidAnswer(question.id, "too_long")
        given = normalize_text(answer)
        correct = bool(given) and (
            any(given == normalize_text(accepted) for accepted in question.accept)
            or any(_compiled(pattern).fullmatch(given) for pattern in question.patterns)
        )
    elif question.type == "ordering":
        order = _option_ids(question, answer, ordered=True)
        if len(order) != len(question.items):
            raise InvalidAnswer(question.id, "not_a_permutation")
        correct = order == [item.id for item in question.items]
    else:  # pragma: no cover - course_format admits only the types above
        raise InvalidAnswer(question.id, "wrong_type")
    return QuestionResult(
        correct=correct,
        points_earned=float(question.points) if correct else 0.0,
        points_possible=question.points,
        feedback=feedback,
        explanation=question.explanation,
    )


def grade_quiz(quiz: Quiz, answers: Mapping[str, object]) -> QuizResult:
    """Grade an attempt: ``answers`` maps question ids to answers.

    A question without an answer earns 0 points; an answer to a question the quiz does not
    have raises :class:`InvalidAnswer` (code ``unknown_question``), as does any answer that
    does not fit its question.
    """
    if not isinstance(answers, Mapping):
        raise InvalidAnswer("", "wrong_type")
    questions = {question.id: question for question in quiz.questions}
    for question_id in answers:
        if not isinstance(question_id, str) or question_id not in questions:
            raise InvalidAnswer(str(question_id)[:60], "unknown_question")
    results = {
        question.id: grade_question(question, answers.get(question.id))
        for question in quiz.questions
    }
    earned = sum(result.points_earned for result in results.values())
    possible = sum(result.points_possible for result in results.values())
    score = float(percent(earned, possible))
    return QuizResult(
        score_percent=score,
        results=results,
        points_earned=earned,
        points_possible=possible,
    )
