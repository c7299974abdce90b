"""The demo stays consistent when the admin guide's selection steps are followed on it."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from yachay.cohorts.models import Cohort, Session
from yachay.core.choices import SLOT_HOURS
from yachay.demo.applicants import CALL_SLUG
from yachay.demo.classroom import slot_at
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection.models import Decision, SelectionPolicy, default_weights

LIMA = ZoneInfo("America/Lima")


@pytest.fixture
def var_dir(tmp_path: Path, settings: Any) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("hour", "slot"), [(7, "morning"), (11, "morning"), (12, "morning"), (14, "afternoon"),
                       (17, "afternoon"), (18, "afternoon"), (19, "evening"), (23, "evening"),
                       (2, "evening")],
)  # fmt: skip
def test_a_session_belongs_to_the_slot_of_its_hour_in_lima(hour: int, slot: str) -> None:
    assert slot_at(dt.datetime(2027, 3, 2, hour, 30, tzinfo=LIMA)) == slot


@pytest.mark.django_db
def test_the_demo_is_consistent_after_the_guides_selection_steps(
    var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    call_command("load_demo", "--applicants", "400", stdout=StringIO())
    # Cohorts: their sessions meet at their slot, and their names do not repeat the track.
    for cohort in Cohort.objects.filter(call__slug=CALL_SLUG).select_related("track"):
        assert cohort.track.name not in cohort.name, cohort.name
        sessions = list(Session.objects.filter(cohort=cohort).order_by("starts_at"))
        assert sessions[0].starts_at <= timezone.now() < sessions[0].ends_at  # check-in now
        slot_start = SLOT_HOURS[cohort.slot][0]
        for session in sessions[1:]:
            assert timezone.localtime(session.starts_at).time() == slot_start, session
    learner_name = json.loads((var_dir / "demo-credentials.json").read_text())["learner"]
    learner_app = Application.objects.get(enrollment__user__username=learner_name)
    assert learner_app.status == "enrolled"

    # The guide: close the call, set its policy, dry run, publish (with fewer seats than
    # applicants, so that there is a waiting list).
    call = Call.objects.get(slug=CALL_SLUG)
    Call.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1), seats=120
    )
    SelectionPolicy.objects.create(call=call, seed="sorteo-demo", weights=default_weights())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("selection_run", call.slug, "--publish", stdout=StringIO())
    assert Decision.objects.filter(outcome="waitlisted").exists()

    # Everyone already in a cohort keeps their place: admitted, no offer email, "enrolled".
    enrolled = Application.objects.filter(enrollment__isnull=False)
    assert enrolled.count() > 0
    for app in enrolled.select_related("decision__offer"):
        assert app.status == "enrolled"
        assert app.decision.outcome == "admitted" and app.decision.offer.state == "accepted"
    recipients = {m.to[0] for m in mail.outbox}
    assert not recipients & set(enrolled.values_list("email", flat=True))
    page = Client().post(
        f"/convocatorias/{call.slug}/estado/",
        {"dni": learner_app.dni, "reference": learner_app.reference},
    )
    html = page.content.decode()
    assert 'data-outcome="enrolled"' in html and "lista de espera" not in html
