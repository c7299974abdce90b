"""Offers, answers, expiry and the quota-aware promotion of the waiting list."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM
from yachay.programs.models import Call
from yachay.selection.models import Decision, Offer
from yachay.selection.services import (
    _seat_holders,
    offer_decline,
    offer_token,
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


def offer_of(outcome: str = "admitted", **filters: Any) -> Offer:
    offer = (
        Offer.objects.select_related("decision__application")
        .filter(decision__outcome=outcome, **filters)
        .order_by("pk")
        .first()
    )
    assert offer is not None
    return offer


def test_publishing_offers_every_admitted_a_place_by_email(published: Call) -> None:
    assert Offer.objects.filter(state="pending").count() == 6
    assert len(mail.outbox) == 6
    message = mail.outbox[0]
    link = re.search(r"http://\S+/ofertas/(\S+)/", str(message.body))
    assert link and "Tienes una vacante" in message.subject


def test_accepting_creates_an_enrollment_and_a_learner_who_signs_in_by_link(
    client: Client, published: Call, django_capture_on_commit_callbacks: Any
) -> None:
    offer = offer_of()
    url = f"/ofertas/{offer_token(offer)}/"
    page = client.get(url)
    assert 'data-state="pending"' in page.content.decode()
    assert "no-store" in page["Cache-Control"]  # a name and a place: never cached
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"answer": "accept"})
    assert 'data-state="accepted"' in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    enrollment = Enrollment.objects.get(application=offer.decision.application)
    assert enrollment.status == "waiting" and enrollment.user.role == "learner"
    link = re.search(r"(/entrar/\S+/\S+/)", str(mail.outbox[0].body))
    assert link
    assert client.get(link.group(1)).status_code == 200  # a confirm page: GET does not sign in
    assert client.get("/mi-cuenta/").status_code == 302
    assert client.post(link.group(1)).status_code == 302
    me = client.get("/mi-cuenta/")
    assert offer.decision.application.reference in me.content.decode()
    client.logout()
    assert client.post(link.group(1)).status_code == 404  # the link works once


def test_answering_twice_or_declining_after_accepting_changes_nothing(
    client: Client, published: Call
) -> None:
    offer = offer_of()
    url = f"/ofertas/{offer_token(offer)}/"
    client.post(url, {"answer": "accept"})
    again = client.post(url, {"answer": "accept"})
    decline = client.post(url, {"answer": "decline"})
    assert again.status_code == decline.status_code == 409
    offer.refresh_from_db()
    assert offer.state == "accepted" and Enrollment.objects.count() == 1


@pytest.mark.parametrize("token", ["forged", "eyJvZmZlciI6MX0:1abc:zzz", "x" * 2000])
def test_a_forged_token_is_refused(client: Client, published: Call, token: str) -> None:
    r = client.post(f"/ofertas/{token}/", {"answer": "accept"})
    assert r.status_code == 404
    assert Enrollment.objects.count() == 0


def test_an_expired_offer_cannot_be_accepted(client: Client, published: Call) -> None:
    offer = offer_of()
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    r = client.post(f"/ofertas/{offer_token(offer)}/", {"answer": "accept"})
    assert r.status_code == 409 and Enrollment.objects.count() == 0


def test_an_offer_belongs_to_its_applicant(client: Client, published: Call) -> None:
    other = User.objects.create_user("otra", email="otra@example.pe", role="learner")
    client.force_login(other)
    offer = offer_of()
    r = client.post(f"/ofertas/{offer_token(offer)}/", {"answer": "accept"})
    assert r.status_code == 409 and Enrollment.objects.count() == 0


def test_a_declined_seat_goes_to_the_first_waitlisted_who_keeps_the_targets(
    published: Call, django_capture_on_commit_callbacks: Any
) -> None:
    # The admitted hold exactly the women floor (3 of 6) or more; a woman declining must be
    # replaced by a woman if the floor would break, even if a man is first on the list.
    admitted_women = Decision.objects.filter(outcome="admitted", gender="female")
    woman_offer = Offer.objects.get(decision=admitted_women.first())
    with django_capture_on_commit_callbacks(execute=True):
        offer_decline(offer=woman_offer, actor=SYSTEM)
    promoted = Offer.objects.get(promoted=True)
    assert _seat_holders(woman_offer.decision.run).count() == 6
    women_holding = _seat_holders(woman_offer.decision.run).filter(gender="female").count()
    rest_holding = _seat_holders(woman_offer.decision.run).filter(department_group="rest").count()
    assert women_holding >= 3 and rest_holding >= 3
    firsts = Decision.objects.filter(outcome="waitlisted").order_by("position")
    # nobody still waiting who comes earlier would have kept the targets as well
    assert promoted.decision.position is None
    assert all(d.position is not None for d in firsts)


def test_expiry_frees_the_seat_and_promotes(
    published: Call, django_capture_on_commit_callbacks: Any
) -> None:
    offer = offer_of()
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("offers_expire")
    offer.refresh_from_db()
    assert offer.state == "expired"
    assert Offer.objects.filter(promoted=True).count() == 1


def test_promotion_with_no_freed_seat_does_nothing(published: Call) -> None:
    assert waitlist_promote(call=published, actor=SYSTEM) == []


def test_the_api_accepts_and_declines_by_token(client: Client, published: Call) -> None:
    first, second = list(Offer.objects.order_by("pk")[:2])
    r = client.post(f"/api/v1/offers/{offer_token(first)}/accept")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = client.post(f"/api/v1/offers/{offer_token(second)}/decline")
    assert r.status_code == 200 and r.json()["state"] == "declined"
    assert client.post(f"/api/v1/offers/{offer_token(second)}/accept").status_code == 409
    assert client.post("/api/v1/offers/forged/accept").status_code == 404


def test_the_api_summarises_the_published_selection(
    client: Client, published: Call, partner_key: Any
) -> None:
    from yachay.conftest import bearer

    body = client.get(f"/api/v1/calls/{published.slug}/selection", **bearer(partner_key[1])).json()
    assert body["admitted"] == 6 and body["waitlisted"] == 6
    assert body["status"] == "optimal" and len(body["targets"]) == 2
    assert all(t["met"] for t in body["targets"])


@pytest.mark.parametrize(
    "path",
    ["selection/offer/", "selection/decision/?outcome__exact=waitlisted", "cohorts/enrollment/"],
)
def test_the_admin_lists_offers_the_waiting_list_and_enrollments(
    client: Client, published: Call, users: dict[str, Any], path: str
) -> None:
    client.force_login(users["admin"])
    assert client.get(f"/admin/{path}").status_code == 200
    client.force_login(users["coordinator"])
    assert client.get(f"/admin/{path}").status_code == 403


@pytest.mark.parametrize("head", [1, 500])
def test_promotion_matches_the_rule_over_the_whole_waiting_list(
    published: Call, monkeypatch: pytest.MonkeyPatch, head: int
) -> None:
    from yachay.selection import allocation, services

    monkeypatch.setattr(services, "WAITLIST_HEAD", head)
    run = Decision.objects.first().run  # type: ignore[union-attr]
    for offer in Offer.objects.filter(decision__gender="female").order_by("pk")[:2]:
        Offer.objects.filter(pk=offer.pk).update(state="declined")
        dims = services.TARGET_DIMENSIONS
        holders = [{d: getattr(h, d) for d in dims} for h in services._seat_holders(run)]
        waitlist = [
            allocation.Candidate(w.position or 0, 0.0, {d: getattr(w, d) for d in dims})
            for w in Decision.objects.filter(outcome="waitlisted").order_by("position")
        ]
        targets = [
            allocation.Target(
                id=t["target_id"], kind=t["kind"], measure=t["measure"],
                dimension=t["dimension"], value=t["value"], amount=t["amount"],
            )
            for t in run.targets
        ]  # fmt: skip
        expected = allocation.choose_promotion(
            admitted=holders, waitlist=waitlist, targets=targets, admit_count=run.admit_count
        )
        assert expected is not None
        promoted_app = Decision.objects.get(
            outcome="waitlisted", position=expected.candidate_id
        ).application_id
        waitlist_promote(call=published, actor=SYSTEM)
        assert Decision.objects.get(application_id=promoted_app).outcome == "admitted"


def test_the_offer_email_has_an_accept_and_a_decline_link(client: Client, published: Call) -> None:
    body = str(mail.outbox[0].body)
    accept = re.search(r"(/ofertas/\S+/\?respuesta=aceptar)", body)
    decline = re.search(r"(/ofertas/\S+/\?respuesta=rechazar)", body)
    assert accept and decline
    page = client.get(decline.group(1)).content.decode()
    # the decline link asks to confirm, with a way back that answers nothing
    assert 'value="decline_confirmed"' in page and 'value="accept"' not in page
    assert 'value="accept"' in client.get(accept.group(1)).content.decode()
    assert Offer.objects.filter(state="pending").count() == 6  # opening a link answers nothing


def test_two_people_sharing_an_email_get_two_accounts(client: Client, published: Call) -> None:
    first, second = list(Offer.objects.order_by("pk")[:2])
    from yachay.intake.models import Application

    Application.objects.filter(pk=second.decision.application_id).update(
        email=first.decision.application.email
    )
    second.refresh_from_db()
    client.post(f"/ofertas/{offer_token(first)}/", {"answer": "accept"})
    client.post(f"/ofertas/{offer_token(second)}/", {"answer": "accept"})
    users = set(Enrollment.objects.values_list("user_id", flat=True))
    assert Enrollment.objects.count() == 2 and len(users) == 2


def test_an_offer_email_goes_once_however_often_its_task_runs(published: Call) -> None:
    from yachay.core.models import SentEmail
    from yachay.selection.tasks import send_offer_email, send_run_offers

    assert len(mail.outbox) == 6
    offer = offer_of()
    # A worker killed after sending, before recording the task as done, runs it again.
    send_offer_email.call(offer_id=offer.pk)
    send_run_offers.call(run_id=offer.decision.run_id)
    assert len(mail.outbox) == 6
    assert SentEmail.objects.filter(key=f"offer:{offer.pk}").count() == 1


def test_the_expiry_job_keeps_one_next_run_however_often_it_runs(
    published: Call, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from yachay.selection.tasks import expire_offers

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    offer = offer_of()
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert expire_offers.call() == 1
    assert expire_offers.call() == 0  # run again after a crash: nothing twice
    waiting = DBTaskResult.objects.filter(task_path=expire_offers.module_path, status="READY")
    assert waiting.count() == 1
    assert waiting.get().run_after > timezone.now() + dt.timedelta(minutes=9)
    out = StringIO()
    call_command("offers_expire", "--schedule", stdout=out)
    assert "already waiting" in out.getvalue() and waiting.count() == 1
