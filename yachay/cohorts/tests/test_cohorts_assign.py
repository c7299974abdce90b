"""Assignment on the database: waiting enrollments placed in cohorts, reasons in words."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from yachay.cohorts.models import Cohort, Enrollment
from yachay.cohorts.services import cohorts_assign
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.programs.models import Call


def test_it_places_who_it_can_and_says_why_not_for_the_rest(
    enrolled: list[Enrollment], cohorts: dict[str, Cohort], call: Call
) -> None:
    report = cohorts_assign(call=call, actor=SYSTEM)
    assert report.placed == 3
    by_ref = {
        e.application.reference: e
        for e in Enrollment.objects.select_related("application", "cohort")
    }
    cusco = [e for e in by_ref.values() if e.cohort == cohorts["cusco"]]
    assert len(cusco) == 2 and all(e.status == "active" for e in cusco)
    reasons = {e.application.ubigeo: why for e, why in report.unplaced}
    assert "No hay cohorte presencial en Apurímac" in reasons["030101"]
    assert "fin de semana" in reasons["150101"]
    assert AuditEvent.objects.filter(action="enrollment.assign").count() == 3


def test_a_second_run_keeps_placements_unless_asked_to_reoptimise(
    enrolled: list[Enrollment], cohorts: dict[str, Cohort], call: Call
) -> None:
    cohorts_assign(call=call, actor=SYSTEM)
    again = cohorts_assign(call=call, actor=SYSTEM)
    assert again.moved == 0 and again.figures.kept == 3
    assert cohorts_assign(call=call, actor=SYSTEM, reoptimise=True).placed == 3


def test_lowering_a_cohorts_capacity_below_its_learners_is_refused(
    enrolled: list[Enrollment], cohorts: dict[str, Cohort], call: Call
) -> None:
    cohorts_assign(call=call, actor=SYSTEM)
    cohort = cohorts["cusco"]
    cohort.capacity = 1
    with pytest.raises(ValidationError, match="2"):
        cohort.full_clean()


def test_the_command_prints_placed_and_unplaced_with_reasons(
    enrolled: list[Enrollment], cohorts: dict[str, Cohort], call: Call
) -> None:
    out = StringIO()
    call_command("cohorts_assign", call.slug, stdout=out)
    text = out.getvalue()
    assert "placed 3 of 5" in text and text.count("unplaced") == 2


def test_the_admin_shows_cohorts_to_program_admins_only(
    client: Client, cohorts: dict[str, Cohort], users: dict[str, Any]
) -> None:
    client.force_login(users["admin"])
    assert client.get("/admin/cohorts/cohort/").status_code == 200
    assert client.get(f"/admin/cohorts/cohort/{cohorts['cusco'].pk}/change/").status_code == 200
    client.force_login(users["coordinator"])
    assert client.get("/admin/cohorts/cohort/").status_code == 403


def test_each_placed_learner_is_told_their_cohort_with_a_calendar(
    enrolled: list[Enrollment],
    cohorts: dict[str, Cohort],
    call: Call,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.utils import timezone

    from yachay.cohorts.models import Session

    start = timezone.now() + dt.timedelta(days=3)
    Session.objects.create(
        cohort=cohorts["cusco"], topic="Qué es la IA", starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        report = cohorts_assign(call=call, actor=SYSTEM)
    assert len(mailoutbox) == report.placed == 3
    cusco = [m for m in mailoutbox if "Cusco noche" in m.subject]
    assert len(cusco) == 2
    assert "Qué es la IA" in cusco[0].body
    _name, ics, mime = cusco[0].attachments[0]
    assert mime == "text/calendar" and "BEGIN:VEVENT" in str(ics)
    # A second run that moves no one writes no new emails.
    with django_capture_on_commit_callbacks(execute=True):
        cohorts_assign(call=call, actor=SYSTEM)
    assert len(mailoutbox) == 3


def test_the_cohort_email_goes_once_per_placement_however_often_its_task_runs(
    enrolled: list[Enrollment],
    cohorts: dict[str, Cohort],
    call: Call,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from yachay.cohorts.services import enrollment_send_cohort_email
    from yachay.cohorts.tasks import send_cohort_email, send_cohort_emails

    with django_capture_on_commit_callbacks(execute=True):
        report = cohorts_assign(call=call, actor=SYSTEM)
    assert len(mailoutbox) == report.placed == 3
    placed = list(Enrollment.objects.filter(cohort__isnull=False).values_list("pk", flat=True))
    # The worker was killed after sending, before recording the task as done: it runs again.
    send_cohort_emails.call(enrollment_ids=placed)
    send_cohort_email.call(enrollment_id=placed[0])
    assert len(mailoutbox) == 3
    # Moved to another cohort: a new placement, a new email.
    e = Enrollment.objects.get(pk=placed[0])
    other = next(c for c in cohorts.values() if c.pk != e.cohort_id)
    Enrollment.objects.filter(pk=e.pk).update(cohort=other, status_changed_at=timezone.now())
    assert enrollment_send_cohort_email(enrollment_id=e.pk) is True
    assert enrollment_send_cohort_email(enrollment_id=e.pk) is False
    assert len(mailoutbox) == 4
