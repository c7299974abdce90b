"""The demo's surveys: every applicant of both calls has a baseline invitation, the history
call's learners who completed an end-of-course one, most have answered, by the service's
rules; loading twice changes nothing."""

from __future__ import annotations

import pytest

from yachay.demo.surveys import baseline_answers, demo_surveys_load, end_answers
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.surveys.selectors import response_counts
from yachay.surveys.tests.conftest import Live, live  # noqa: F401 - the fixture


@pytest.mark.django_db
def test_the_demo_invites_every_applicant_and_most_answer(live: Live) -> None:  # noqa: F811
    calls = list(Call.objects.all())
    first = demo_surveys_load(calls=calls)
    assert first.surveys == 4
    baseline = response_counts("baseline")
    assert baseline["invited"] == Application.objects.count()
    assert 0 < baseline["submitted"] <= baseline["invited"]
    again = demo_surveys_load(calls=calls)
    assert again.answered == 0 and response_counts("baseline") == baseline


def test_the_synthetic_answers_follow_the_survey_rules() -> None:
    from random import Random

    rng = Random(1)
    person = Application(digital_level=4)
    for _ in range(200):
        answers = baseline_answers(rng, person)
        assert answers["uses_ai"] in ("si", "no")
        assert ("ai_uses" in answers) == (answers["uses_ai"] == "si")
        assert 1 <= answers["confidence_ai"] <= 5 and 0 <= answers["digital_tools"] <= 50
        assert 0 <= answers.get("monthly_sales_pen", 0) <= 10_000_000
        assert 1 <= end_answers(rng)["recommend"] <= 5
