"""An application's status follows its fate, and the applicant is told the truth about it."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from yachay.accounts.services import api_key_create
from yachay.cohorts.models import Cohort
from yachay.cohorts.services import cohorts_assign
from yachay.conftest import bearer
from yachay.core.actors import SYSTEM
from yachay.core.dates import hm
from yachay.core.models import AuditEvent
from yachay.intake.models import Application
from yachay.programs.models import Call, Track
from yachay.selection.models import Offer
from yachay.selection.services import (
    offer_accept,
    offer_decline,
    offers_expire,
    selection_dry_run,
    selection_publish,
    waitlist_promote,
)
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)


@pytest.fixture
def published(closed_call: Call, django_capture_on_commit_callbacks: Any) -> Call:  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    return closed_call


def first_offer() -> Offer:
    offer = Offer.objects.select_related("decision__application").order_by("pk").first()
    assert offer is not None
    return offer


def status_page(client: Client, app: Application) -> str:
    r = client.post(
        f"/convocatorias/{app.call.slug}/estado/", {"dni": app.dni, "reference": app.reference}
    )
    assert r.status_code == 200
    return r.content.decode()


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Application.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_publishing_moves_every_application_to_its_decision(published: Call) -> None:
    assert statuses() == {"admitted": 6, "waitlisted": 6}
    event = AuditEvent.objects.get(action="application.status", changes__status=[None, "admitted"])
    assert event.changes["applications"] == 6


def test_declining_is_declined_everywhere_and_never_a_place(
    client: Client, published: Call
) -> None:
    offer = first_offer()
    app = offer.decision.application
    offer_decline(offer=offer, actor=SYSTEM)
    app.refresh_from_db()
    assert app.status == "declined"
    html = status_page(client, app)
    assert "Rechazaste tu vacante" in html and "Obtuviste una vacante" not in html
    assert 'data-outcome="declined"' in html and 'id="offer-link"' not in html
    event = AuditEvent.objects.get(action="application.status", object_id=str(app.pk))
    assert event.changes["status"] == ["admitted", "declined"]


def test_an_expired_offer_is_expired_on_the_page_and_in_the_api(
    client: Client, published: Call, users: dict[str, Any]
) -> None:
    offer = first_offer()
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    app = offer.decision.application
    # Before the worker comes by, the page already reads the deadline.
    assert 'data-outcome="expired"' in status_page(client, app)
    assert offers_expire(actor=SYSTEM) == 1
    app.refresh_from_db()
    assert app.status == "expired"
    html = status_page(client, app)
    assert "Tu oferta venció" in html and "Obtuviste una vacante" not in html
    _key, raw = api_key_create(name="admin key", user=users["admin"], actor=SYSTEM)
    r = client.get(f"/api/v1/calls/{app.call.slug}/applications/{app.reference}", **bearer(raw))
    assert r.status_code == 200, r.content
    assert r.json()["decision"] == "expired" and r.json()["status"] == "expired"


def test_an_admitted_applicant_sees_the_offer_its_deadline_and_where_to_answer(
    client: Client, published: Call
) -> None:
    offer = first_offer()
    app = offer.decision.application
    html = status_page(client, app)
    assert "Obtuviste una vacante" in html
    deadline = timezone.localtime(offer.expires_at)
    # The house clock ("9:00", no leading zero: core.dates.hm), whatever the hour in Lima.
    assert f"a las {hm(deadline)} (hora de Lima)" in html and "diciembre" in html
    link = html.split('id="offer-link" href="')[1].split('"')[0]
    offer_page = client.get(link).content.decode()
    assert 'data-state="pending"' in offer_page
    # Declining is asked twice; the first press changes nothing.
    asked = client.post(link, {"answer": "decline"}).content.decode()
    assert 'id="confirm-decline"' in asked and 'value="decline_confirmed"' in asked
    offer.refresh_from_db()
    assert offer.state == "pending"
    client.post(link, {"answer": "decline_confirmed"})
    offer.refresh_from_db()
    assert offer.state == "declined"


def test_a_waitlisted_applicant_reads_their_position(client: Client, published: Call) -> None:
    app = Application.objects.filter(status="waitlisted").first()
    assert app is not None
    html = status_page(client, app)
    assert 'data-outcome="waitlisted"' in html and "posición" in html


def test_accepting_then_placement_makes_the_application_enrolled(published: Call) -> None:
    offer = first_offer()
    app = offer.decision.application
    offer_accept(offer=offer, actor=SYSTEM)
    app.refresh_from_db()
    assert app.status == "accepted"
    track = Track.objects.create(program=published.program, name="IA", slug="ia")
    Cohort.objects.create(
        call=published, track=track, name="Virtual · noche 1", modality="virtual",
        slot="evening", capacity=30, starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 5, 1),
    )  # fmt: skip
    cohorts_assign(call=published, actor=SYSTEM)
    app.refresh_from_db()
    assert app.status == "enrolled"


def test_a_promotion_admits_from_the_waiting_list(published: Call) -> None:
    offer_decline(offer=first_offer(), actor=SYSTEM)  # promotion runs after commit
    promoted = waitlist_promote(call=published, actor=SYSTEM)
    assert len(promoted) == 1
    app = promoted[0].decision.application
    app.refresh_from_db()
    assert app.status == "admitted"


def test_the_admin_lists_and_filters_applications_by_status(
    client: Client, published: Call, users: dict[str, Any]
) -> None:
    offer_decline(offer=first_offer(), actor=SYSTEM)
    client.force_login(users["admin"])
    page = client.get("/admin/intake/application/?status__exact=declined")
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "rechazó la vacante" in html  # in the list column and the filter, in words
    assert "Nombre completo" in html and "Full name" not in html


def test_existing_decisions_are_backfilled_by_the_migration(published: Call) -> None:
    offer_decline(offer=first_offer(), actor=SYSTEM)
    expected = statuses()
    Application.objects.update(status="submitted")
    migration = importlib.import_module(
        "yachay.cohorts.migrations.0004_application_status_backfill"
    )
    migration.backfill(apps, None)
    assert statuses() == expected
