"""Grading questions and quiz attempts, on plain data: no database."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yachay.learning.course_format import Option, Question, Quiz
from yachay.learning.grading import (
    MESSAGES,
    InvalidAnswer,
    QuestionResult,
    grade_question,
    grade_quiz,
    parse_number,
)

SINGLE = Question(
    id="q1",
    type="single",
    prompt="¿Buen uso de la IA en una bodega?",
    explanation="La IA encuentra patrones en datos.",
    options=(
        Option("a", "Predecir la demanda", correct=True, feedback="Sí, con tu historial."),
        Option("b", "Decidir a quién fiarle", feedback="No, esa decisión es tuya."),
        Option("c", "Contar chistes"),
    ),
)
MULTIPLE = Question(
    id="q2",
    type="multiple",
    prompt="¿Qué datos ya tiene una bodega?",
    explanation="Ventas e inventario.",
    points=2,
    options=(
        Option("ventas", "Ventas", correct=True, feedback="Tu cuaderno."),
        Option("marte", "Clima de Marte", feedback="No tanto."),
        Option("inventario", "Inventario", correct=True),
    ),
)
TRUE_FALSE = Question(
    id="q3",
    type="true_false",
    prompt="La IA entiende por qué pasan las cosas.",
    explanation="Solo ve patrones.",
    answer=False,
    feedback_true="No: solo ve números que se repiten juntos.",
    feedback_false="Correcto.",
)
NUMERIC = Question(
    id="q4",
    type="numeric",
    prompt="¿Cuánto es 25 / 2?",
    explanation="12,5 soles.",
    answer=12.5,
    tolerance=0.1,
    unit="soles",
)
TEXT = Question(
    id="q5",
    type="text",
    prompt="¿Capital del Perú?",
    explanation="Lima.",
    accept=("Lima", "Ciudad de los Reyes"),
    patterns=(r"(la )?ciudad de lima", r"allinllachu( kanki)?", r"per[uú] \d{4}"),
)
ORDERING = Question(
    id="q6",
    type="ordering",
    prompt="Ordena los pasos.",
    explanation="Datos, patrones, casos nuevos.",
    items=(Option("datos", "Datos"), Option("patrones", "Patrones"), Option("aplica", "Aplica")),
)
ALL = (SINGLE, MULTIPLE, TRUE_FALSE, NUMERIC, TEXT, ORDERING)
QUIZ = Quiz(
    id="m1-quiz",
    title="Repaso",
    kind="quiz",
    max_attempts=3,
    questions=ALL,
    source_path="quizzes/01.yaml",
)


def invalid(question: Question, answer: object) -> str:
    with pytest.raises(InvalidAnswer) as caught:
        grade_question(question, answer)
    assert caught.value.question_id == question.id
    return caught.value.code


# --- Each type --------------------------------------------------------------------------------


def test_a_single_question_is_right_with_the_correct_option_and_shows_its_feedback() -> None:
    assert grade_question(SINGLE, "a") == QuestionResult(
        correct=True,
        points_earned=1.0,
        points_possible=1,
        feedback=("Sí, con tu historial.",),
        explanation="La IA encuentra patrones en datos.",
    )
    wrong = grade_question(SINGLE, "b")
    assert (wrong.correct, wrong.points_earned, wrong.feedback) == (
        False,
        0.0,
        ("No, esa decisión es tuya.",),
    )
    assert grade_question(SINGLE, "c").feedback == ()


def test_a_single_question_refuses_unknown_options_and_other_shapes() -> None:
    assert invalid(SINGLE, "z") == "unknown_option"
    assert invalid(SINGLE, ["a"]) == "wrong_type"
    assert invalid(SINGLE, 1) == "wrong_type"


def test_a_multiple_question_needs_exactly_the_correct_options() -> None:
    right = grade_question(MULTIPLE, ["inventario", "ventas"])
    assert (right.correct, right.points_earned, right.points_possible) == (True, 2.0, 2)
    assert right.feedback == ("Tu cuaderno.",)  # in the question's order, empty ones left out

    for answer in (["ventas"], ["ventas", "inventario", "marte"], []):
        result = grade_question(MULTIPLE, answer)
        assert (result.correct, result.points_earned) == (False, 0.0), answer
    assert grade_question(MULTIPLE, ("ventas", "marte")).feedback == ("Tu cuaderno.", "No tanto.")
    assert grade_question(MULTIPLE, {"ventas", "inventario"}).correct  # any collection


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("ventas", "wrong_type"),  # a string is not a list of ids
        ({"ventas": True}, "wrong_type"),
        ([1], "wrong_type"),
        (["ventas", "ventas"], "duplicate_option"),
        (["pluton"], "unknown_option"),
        (["ventas"] * 10_000, "duplicate_option"),
    ],
)
def test_a_multiple_question_refuses_tampered_answers(answer: object, code: str) -> None:
    assert invalid(MULTIPLE, answer) == code


def test_a_true_false_question_compares_and_gives_the_feedback_of_the_choice() -> None:
    right = grade_question(TRUE_FALSE, False)
    wrong = grade_question(TRUE_FALSE, True)

    assert (right.correct, right.feedback) == (True, ("Correcto.",))
    assert (wrong.correct, wrong.feedback) == (
        False,
        ("No: solo ve números que se repiten juntos.",),
    )
    assert invalid(TRUE_FALSE, "false") == "wrong_type"
    assert invalid(TRUE_FALSE, 0) == "wrong_type"


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (12.5, True),
        (12, False),
        ("12,5", True),
        (" 12.5 ", True),
        ("12,6", True),  # the tolerance, exactly: 0.1 away
        ("12.4", True),
        ("12.61", False),
        ("+12.5", True),
        ("-12.5", False),
        (",5", False),
        ("12,", False),
    ],
)
def test_a_numeric_question_accepts_answers_within_the_tolerance(
    answer: object, correct: bool
) -> None:
    assert grade_question(NUMERIC, answer).correct is correct


def test_a_numeric_tolerance_is_exact_in_decimals() -> None:
    question = Question(
        id="q", type="numeric", prompt="?", explanation=".", answer=0.3, tolerance=0.1
    )

    # In binary floats 0.4 - 0.3 is 0.10000000000000003, just outside the tolerance.
    assert grade_question(question, 0.4).correct
    assert grade_question(question, "0,2").correct
    assert not grade_question(question, "0.41").correct


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("doce", "not_a_number"),
        ("12.5.1", "not_a_number"),
        ("1 234", "not_a_number"),
        ("1e3", "not_a_number"),
        ("", "not_a_number"),
        ("nan", "not_a_number"),
        (math.nan, "not_a_number"),
        (math.inf, "not_a_number"),
        (True, "wrong_type"),
        ([12.5], "wrong_type"),
        ("1" * 1001, "too_long"),
    ],
)
def test_a_numeric_question_refuses_what_is_not_a_number(answer: object, code: str) -> None:
    assert invalid(NUMERIC, answer) == code


def test_huge_numbers_are_just_wrong() -> None:
    assert not grade_question(NUMERIC, 10**400).correct
    assert not grade_question(NUMERIC, "9" * 999).correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("Lima", True),
        ("  lIMA  ", True),
        ("ciudad   de los reyes", True),
        ("Ciudad de Lima", True),  # a pattern
        ("la ciudad de lima", True),
        ("ciudad de lima, claro", False),  # patterns match in full
        ("ALLINLLACHU", True),
        ("Allinllachu kanki", True),
        ("Perú 2027", True),
        ("peru 2027", True),
        ("Cusco", False),
        ("", False),
        ("   ", False),
    ],
)
def test_a_text_question_ignores_case_accents_and_spacing(answer: str, correct: bool) -> None:
    assert grade_question(TEXT, answer).correct is correct


def test_accepted_answers_with_accents_and_quechua_apostrophes_match_plain_ones() -> None:
    question = Question(
        id="q",
        type="text",
        prompt="?",
        explanation=".",
        accept=("Perú", "Ch’aska", "Ñuñoa"),
    )

    assert grade_question(question, "PERU").correct
    assert grade_question(question, "ch'aska").correct
    assert grade_question(question, "nunoa").correct
    assert not grade_question(question, "chaska").correct


def test_a_text_question_refuses_other_shapes_and_huge_strings() -> None:
    assert invalid(TEXT, ["Lima"]) == "wrong_type"
    assert invalid(TEXT, 5) == "wrong_type"
    assert invalid(TEXT, "a" * 1001) == "too_long"
    assert not grade_question(TEXT, "a" * 1000).correct


def test_an_ordering_question_needs_the_exact_order() -> None:
    assert grade_question(ORDERING, ["datos", "patrones", "aplica"]).correct
    assert grade_question(ORDERING, ("datos", "patrones", "aplica")).correct
    assert not grade_question(ORDERING, ["patrones", "datos", "aplica"]).correct


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (["datos", "patrones"], "not_a_permutation"),
        ([], "not_a_permutation"),
        (["datos", "datos", "aplica"], "duplicate_option"),
        (["datos", "patrones", "aplica", "extra"], "unknown_option"),
        ({"datos", "patrones", "aplica"}, "wrong_type"),  # a set has no order
        ("datos,patrones,aplica", "wrong_type"),
    ],
)
def test_an_ordering_question_refuses_what_is_not_a_permutation(answer: object, code: str) -> None:
    assert invalid(ORDERING, answer) == code


@pytest.mark.parametrize("question", ALL, ids=lambda q: q.type)
def test_no_answer_is_unanswered_not_an_error(question: Question) -> None:
    result = grade_question(question, None)

    assert (result.correct, result.answered, result.points_earned) == (False, False, 0.0)
    assert result.explanation == question.explanation


def test_an_invalid_answer_is_a_value_error_with_a_code_and_a_message() -> None:
    with pytest.raises(ValueError, match="q1: This answer names an option"):
        grade_question(SINGLE, "z")
    error = InvalidAnswer("q1", "too_long")
    assert (error.code, error.message) == ("too_long", MESSAGES["too_long"])


def test_parse_number_reads_commas_as_decimal_points() -> None:
    assert str(parse_number("12,50")) == "12.50"
    assert str(parse_number(-3)) == "-3"
    assert str(parse_number(0.1)) == "0.1"


# --- Quizzes ----------------------------------------------------------------------------------


RIGHT: dict[str, object] = {
    "q1": "a",
    "q2": ["ventas", "inventario"],
    "q3": False,
    "q4": "12,5",
    "q5": "Lima",
    "q6": ["datos", "patrones", "aplica"],
}


def test_a_quiz_scores_points_earned_over_points_possible() -> None:
    result = grade_quiz(QUIZ, RIGHT)

    assert result.score_percent == 100.0
    assert (result.points_earned, result.points_possible) == (7.0, 7)
    assert list(result.results) == ["q1", "q2", "q3", "q4", "q5", "q6"]


def test_unanswered_questions_earn_nothing() -> None:
    result = grade_quiz(QUIZ, {"q2": ["ventas", "inventario"]})

    assert result.score_percent == 28.6  # 2 / 7 = 28.57…, to the nearest tenth
    assert not result.results["q1"].answered


def test_the_score_is_rounded_to_a_tenth_but_never_up_to_a_mark_it_missed() -> None:
    questions = tuple(
        Question(id=f"q{i}", type="true_false", prompt="?", explanation=".", answer=True)
        for i in range(3)
    )
    quiz = Quiz("x", "X", "quiz", 0, questions, "quizzes/x.yaml")

    assert grade_quiz(quiz, {"q0": True, "q1": True}).score_percent == 66.7  # 2 of 3
    assert grade_quiz(quiz, {}).score_percent == 0.0

    many = tuple(
        Question(id=f"q{i}", type="true_false", prompt="?", explanation=".", answer=True)
        for i in range(2000)
    )
    big = Quiz("y", "Y", "quiz", 0, many, "quizzes/y.yaml")
    answers = {f"q{i}": True for i in range(1399)}
    assert grade_quiz(big, answers).score_percent == 69.9  # 69.95 %


def test_points_weigh_questions() -> None:
    result = grade_quiz(QUIZ, {**RIGHT, "q2": ["ventas"]})

    assert result.score_percent == 71.4  # 5 / 7


def test_an_answer_to_a_question_the_quiz_does_not_have_is_refused() -> None:
    with pytest.raises(InvalidAnswer) as caught:
        grade_quiz(QUIZ, {**RIGHT, "q99": "a"})

    assert (caught.value.question_id, caught.value.code) == ("q99", "unknown_question")


def test_a_tampered_answer_in_a_quiz_is_refused() -> None:
    with pytest.raises(InvalidAnswer) as caught:
        grade_quiz(QUIZ, {**RIGHT, "q6": ["datos"]})

    assert (caught.value.question_id, caught.value.code) == ("q6", "not_a_permutation")


# --- Robustness -------------------------------------------------------------------------------

json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["a", "b", "ventas", "inventario", "datos", "patrones", "aplica", "12,5"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.tuples(children, children)
        | st.frozensets(st.text(max_size=3), max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(question=st.sampled_from(ALL), answer=json_like)
def test_grading_any_answer_gives_a_result_or_invalid_answer(
    question: Question, answer: object
) -> None:
    try:
        result = grade_question(question, answer)
    except InvalidAnswer as exc:
        assert exc.code in MESSAGES and exc.question_id == question.id
    else:
        assert result.points_earned in (0.0, float(question.points))
        assert result.points_possible == question.points


@settings(max_examples=200, deadline=None)
@given(answers=st.dictionaries(st.sampled_from([*RIGHT, "zz"]) | st.text(max_size=4), json_like))
def test_grading_any_attempt_gives_a_score_or_invalid_answer(answers: dict[str, Any]) -> None:
    try:
        result = grade_quiz(QUIZ, answers)
    except InvalidAnswer as exc:
        assert exc.code in MESSAGES
    else:
        assert 0.0 <= result.score_percent <= 100.0


def test_grading_a_long_answer_against_patterns_is_fast() -> None:
    started = time.perf_counter()

    grade_question(TEXT, "ciudad de " + "lima " * 198)

    # A guard against catastrophic backtracking (that takes minutes), not a benchmark.
    assert time.perf_counter() - started < 5
