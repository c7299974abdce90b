"""The at-risk signal is profiling of a person: it is in their access export, and a
cancellation deletes it with the notes staff wrote about them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Enrollment
from yachay.cohorts.tests.conftest import Live, live  # noqa: F401  (a fixture)
from yachay.core.actors import SYSTEM, Actor
from yachay.engagement.models import RiskAction, RiskScore
from yachay.engagement.services import risk_action_record, risk_score
from yachay.privacy.services import person_access_export, person_cancel, person_from_user

pytestmark = pytest.mark.django_db


def test_scores_and_actions_are_exported_and_cancelled(
    live: Live,  # noqa: F811
    users: dict[str, User],
) -> None:
    risk_score(actor=SYSTEM, now=timezone.now())
    e: Enrollment = live.enrollments[0]
    risk_action_record(
        enrollment=e, kind="call", note="Dice que vuelve", actor=Actor.of_user(users["admin"])
    )
    person = person_from_user(e.user)
    export = person_access_export(person=person, actor=SYSTEM)
    tables = {t["model"]: t for t in export["tables"]}
    assert len(tables["engagement.RiskScore"]["rows"]) == 1
    assert "Dice que vuelve" in str(tables["engagement.RiskAction"]["rows"])
    person_cancel(person=person, actor=SYSTEM, reason="ARCO-1")
    assert not RiskScore.objects.filter(enrollment=e).exists()
    assert not RiskAction.objects.filter(enrollment=e).exists()
    assert RiskScore.objects.count() == 3  # the others'
