"""Cancelling an applicant who holds a pending offer: the offer is declined (its seat goes to
the waiting list), and the applicant's data is anonymised; bad reasons are refused."""

from __future__ import annotations

from typing import Any

import pytest

from yachay.core.actors import SYSTEM
from yachay.intake.models import Application
from yachay.privacy.services import (
    CancelRefused,
    person_cancel,
    person_cancel_plan,
    person_from_application,
)
from yachay.programs.models import Call
from yachay.selection.models import Offer
from yachay.selection.services import selection_dry_run, selection_publish
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(closed_call: Call, django_capture_on_commit_callbacks: Any) -> Offer:  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    offer = Offer.objects.filter(state="pending").select_related("decision__application").first()
    assert offer is not None
    return offer


def test_the_plan_says_the_pending_offer_is_declined(pending: Offer) -> None:
    plan = person_cancel_plan(person_from_application(pending.decision.application))
    assert any("oferta" in line.lower() for line in plan.done)


def test_cancelling_declines_the_pending_offer_and_anonymises_the_application(
    pending: Offer,
) -> None:
    app = pending.decision.application
    report = person_cancel(person=person_from_application(app), actor=SYSTEM, reason="caso 3")
    pending.refresh_from_db()
    app.refresh_from_db()
    assert pending.state == Offer.State.DECLINED
    assert app.status == Application.Status.DECLINED
    assert app.dni.startswith("X") and app.email == ""
    assert report.counts["offers_declined"] == 1


@pytest.mark.parametrize("reason", ["a\x00b", None, 42])
def test_a_reason_that_is_not_text_is_refused_and_nothing_changes(
    pending: Offer, reason: object
) -> None:
    app = pending.decision.application
    with pytest.raises(CancelRefused):
        person_cancel(person=person_from_application(app), actor=SYSTEM, reason=reason)  # type: ignore[arg-type]
    pending.refresh_from_db()
    assert pending.state == Offer.State.PENDING
