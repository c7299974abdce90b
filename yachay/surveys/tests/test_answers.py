"""Every question type's rules (one set, for the web form and for services), and a whole
survey recorded by the service."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import override

from yachay.surveys.answers import EMPTY, clean, parse_number
from yachay.surveys.models import Answer, Invitation
from yachay.surveys.services import AnswerRefused, answer_submit
from yachay.surveys.survey_format import Option, Question, Text
from yachay.surveys.tests.conftest import Live, invited

SINGLE = Question(
    "q", "single", Text("¿?"), options=(Option("si", Text("Sí")), Option("no", Text("No")))
)
MULTI = Question(
    "m", "multiple", Text("¿?"), options=(Option("a", Text("A")), Option("b", Text("B")))
)
SCALE = Question("s", "scale", Text("¿?"), min=1, max=5, integer=True)
SALES = Question("v", "number", Text("¿?"), unit=Text("soles"), min=0, max=10_000_000)
COUNT = Question("c", "number", Text("¿?"), min=0, max=50, integer=True)
TEXT = Question("t", "text", Text("¿?"), max_length=20)


@pytest.mark.parametrize(
    ("question", "raw", "value"),
    [
        (SINGLE, "si", "si"), (SINGLE, ["no"], "no"), (SINGLE, "", EMPTY), (SINGLE, None, EMPTY),
        (MULTI, ["b", "a", "a"], ["a", "b"]), (MULTI, [], EMPTY),
        (SCALE, "3", 3.0), (SCALE, 5, 5.0),
        (SALES, "1500", 1500.0), (SALES, "1 500", 1500.0), (SALES, "1,500", 1500.0),
        (SALES, "S/ 2,000.50", 2000.5), (SALES, "1.500,50", 1500.5), (SALES, "12,5", 12.5),
        (SALES, 0, 0.0), (COUNT, "7", 7.0), (TEXT, "  Ñuqa  ", "Ñuqa"),
    ],
)  # fmt: skip
def test_it_accepts_what_people_type(question: Question, raw: Any, value: Any) -> None:
    assert clean(question, raw) == (value, "")


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        (SINGLE, "tal-vez", "Choose one of the options shown."),
        (SINGLE, ["si", "no"], "Give one answer only."),
        (MULTI, ["a", "zz"], "Choose among the options shown."),
        (SCALE, "0", "Choose a value from 1 to 5."), (SCALE, "6", "Choose a value from 1 to 5."),
        (SCALE, "2.5", "Choose a value from 1 to 5."),
        (SALES, "-1", "Write a number from 0 to 10 000 000."),
        (SALES, "1e9", "Write a number, using digits only (for example 1500)."),
        (SALES, "nan", "Write a number, using digits only (for example 1500)."),
        (SALES, "mil", "Write a number, using digits only (for example 1500)."),
        (SALES, "9" * 40, "Write a number, using digits only (for example 1500)."),
        (COUNT, "2.5", "Write a whole number, without decimals."),
        (COUNT, True, "This answer is not of the right kind."),
        (TEXT, "x" * 21, "Write at most 20 characters (you wrote 21)."),
        (TEXT, "a\x00b", "This answer contains characters that are not allowed."),
        (TEXT, "a\x1bb", "This answer contains characters that are not allowed."),
        (TEXT, "x" * 5000, "This answer is too long."),
        (MULTI, ["a"] * 101, "This answer is too long."),
    ],
)  # fmt: skip
def test_it_refuses_wrong_answers_in_words(question: Question, raw: Any, message: str) -> None:
    with override("en"):
        value, error = clean(question, raw)
    assert value is EMPTY and error == message


def test_numbers_as_people_write_them() -> None:
    assert parse_number("1.500.000") == 1_500_000
    assert parse_number("S/1500") == 1500
    assert parse_number("1'500") == 1500
    assert parse_number("") is None and parse_number("--1") is None


def test_the_service_records_a_whole_survey_once_with_the_same_rules(
    live: Live, surveys: Any
) -> None:
    invitation, _token = invited(live, "fin-de-curso")
    with pytest.raises(AnswerRefused) as refused:
        answer_submit(invitation, {"satisfaction": 9, "pace": "adecuado", "unknown": 1})
    assert set(refused.value.errors) == {
        "satisfaction",
        "useful",
        "recommend",
        "will_apply",
        "unknown",
    }
    assert not Answer.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).submitted_at is None
    good = {
        "satisfaction": 5,
        "useful": 4,
        "pace": "adecuado",
        "recommend": 5,
        "will_apply": ["ventas"],
    }
    answer_submit(invitation, good)
    assert Answer.objects.filter(invitation=invitation).count() == 5
    with pytest.raises(AnswerRefused) as again:
        answer_submit(invitation, good)
    assert again.value.code == "submitted"
    assert Answer.objects.filter(invitation=invitation).count() == 5
