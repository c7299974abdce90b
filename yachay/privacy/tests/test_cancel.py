"""Cancellation (the C of ARCO): a learner with a full history is cancelled; a scan of every
registered field of every table finds none of their personal data, except what the registry
keeps and says why (the certificate)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import models

from yachay.accounts.models import ApiKey, User
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.core.personal_data import OnCancel, registry
from yachay.privacy.models import Cancellation
from yachay.privacy.services import (
    CancelRefused,
    person_cancel,
    person_cancel_plan,
    person_from_email,
    person_from_user,
)
from yachay.privacy.tests.conftest import NEEDLES, History

pytestmark = pytest.mark.django_db

#: What a cancellation keeps on purpose (the registry says why): the certificate.
KEPT_ON_PURPOSE = {"certificates.Certificate.full_name", "certificates.Certificate.credential"}


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return ""
    return str(value).lower()


def scan(needles: dict[str, str]) -> set[str]:
    """Every registered field of every table (personal or not) that holds any needle:
    ``"label.field: needle-name"``."""
    found: set[str] = set()
    lowered = {k: v.lower() for k, v in needles.items()}
    for label, declaration in registry().items():
        model = declaration.model
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._default_manager.values_list(*names):
            for name, value in zip(names, row, strict=True):
                text = _text(value)
                for key, needle in lowered.items():
                    if needle in text:
                        found.add(f"{label}.{name}: {key}")
    return found


def test_before_a_cancellation_the_scan_finds_the_person_everywhere(history: History) -> None:
    found = {f.split(":")[0] for f in scan(NEEDLES)}
    assert {
        "intake.Application.dni",
        "intake.Application.email",
        "accounts.User.username",
        "accounts.User.email",
        "cohorts.Attendance.note",
        "learning.QuizAttempt.answers",
        "axes.AccessAttempt.username",
        "admin.LogEntry.object_repr",
        "otp_totp.TOTPDevice.name",
    } <= found


def test_a_cancellation_leaves_no_personal_field_of_the_person_in_any_table(
    history: History,
) -> None:
    person = person_from_email(NEEDLES["email"])
    assert history.user.pk in person.user_ids
    report = person_cancel(person=person, actor=SYSTEM, reason="ARCO caso 7")
    left = {f.split(":")[0] for f in scan(NEEDLES)}
    kept = KEPT_ON_PURPOSE if history.certificate else set()
    assert left <= kept, f"personal data left after cancellation: {sorted(left - kept)}"
    if history.certificate:
        assert any("certific" in k.what.lower() for k in report.kept)


def test_every_erased_field_of_the_persons_rows_holds_its_empty_or_anonymous_value(
    history: History,
) -> None:
    person = person_from_user(history.user)
    person_cancel(person=person, actor=SYSTEM, reason="")
    user = User.objects.get(pk=history.user.pk)
    assert user.username == f"cancelled-{user.pk}"
    assert (user.email, user.first_name, user.last_name, user.is_active) == ("", "", "", False)
    assert not user.has_usable_password()
    app = history.application
    app.refresh_from_db()
    assert app.dni.startswith("X") and app.reference.startswith("X")
    assert (app.email, app.phone, app.given_names, app.ruc, app.accessibility_needs) == (
        "", "", "", "", ""
    )  # fmt: skip
    # What the figures count is kept: department, gender, segment, and the age on closing day.
    assert (app.department, app.gender, app.ubigeo) == ("08", "female", "08")


def test_sign_in_keys_and_sessions_end(history: History) -> None:
    assert Session.objects.exists()
    assert history.client.get("/mi-cuenta/").status_code == 200
    person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="")
    assert not ApiKey.objects.filter(user=history.user, revoked_at__isnull=True).exists()
    assert not Session.objects.exists()
    response = history.client.get("/mi-cuenta/")
    assert response.status_code == 302  # signed out


def test_the_cancellation_is_logged_without_personal_data(history: History, settings: Any) -> None:
    person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="ARCO caso 7")
    entry = Cancellation.objects.get()
    assert entry.user_ids == [history.user.pk]
    text = settings.YACHAY_PRIVACY_LOG.read_text() if settings.YACHAY_PRIVACY_LOG.exists() else ""
    stored = str([entry.dni_hashes, entry.email_hashes, entry.reason, entry.actor_label]) + text
    for needle in NEEDLES.values():
        assert needle.lower() not in stored.lower()
    assert AuditEvent.objects.filter(action="privacy.cancel").count() == 1


def test_the_kept_fields_of_a_cancelled_person_are_only_those_the_registry_keeps(
    history: History,
) -> None:
    kept = {
        f"{label}.{name}"
        for label, d in registry().items()
        for name, f in d.personal.items()
        if f.on_cancel == OnCancel.KEEP
    }
    assert kept >= KEPT_ON_PURPOSE


def test_a_second_cancellation_of_the_same_person_finds_nobody(history: History) -> None:
    person = person_from_email(NEEDLES["email"])
    person_cancel(person=person, actor=SYSTEM, reason="")
    again = person_from_email(NEEDLES["email"])
    assert again.empty
    with pytest.raises(CancelRefused):
        person_cancel(person=again, actor=SYSTEM, reason="")


def test_a_staff_account_is_not_cancelled(users: dict[str, User]) -> None:
    with pytest.raises(CancelRefused) as refused:
        person_cancel(person=person_from_user(users["instructor"]), actor=SYSTEM, reason="")
    assert "staff" in refused.value.message or "personal" in refused.value.message
    assert User.objects.get(pk=users["instructor"].pk).is_active


def test_the_plan_explains_the_certificate_that_is_kept(history: History) -> None:
    plan = person_cancel_plan(person_from_user(history.user))
    if history.certificate is None:
        pytest.skip("the fixture's learner did not complete")  # pragma: no cover
    assert any("certific" in k.what.lower() for k in plan.kept)


def test_queued_messages_about_the_person_are_stopped_and_others_kept(
    history: History, users: dict[str, User], settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from yachay.accounts.tasks import send_login_link

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    send_login_link.enqueue(user_id=history.user.pk, key="k1", next_url="")
    send_login_link.enqueue(user_id=users["learner"].pk, key="k2", next_url="")
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    report = person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="")
    left = DBTaskResult.objects.filter(status="READY")
    assert report.counts["tasks_stopped"] == 1
    assert [t.args_kwargs["kwargs"]["user_id"] for t in left] == [users["learner"].pk]
