"""The intake's emails go through core.services.email_send_once: a task run twice (a worker
killed after sending, a retry) sends each email once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from yachay.conftest import bearer, valid_api_payload
from yachay.core.models import SentEmail
from yachay.intake import tasks
from yachay.intake.models import Application
from yachay.programs.models import Call

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(client: Any, call: Call, partner_key: Any) -> Application:
    _key, raw = partner_key
    response = client.post(
        f"/api/v1/calls/{call.slug}/applications",
        valid_api_payload(),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201, response.content
    return Application.objects.get(reference=response.json()["reference"])


def test_the_confirmation_goes_once_however_often_its_task_runs(application: Application) -> None:
    mail.outbox.clear()
    assert tasks.send_confirmation.call(application_id=application.pk) is True
    assert tasks.send_confirmation.call(application_id=application.pk) is False
    assert [m.to for m in mail.outbox] == [[application.email]]
    assert application.reference in mail.outbox[0].body
    assert SentEmail.objects.filter(key=f"application:{application.pk}:confirmation").exists()


def test_the_reference_again_goes_once_per_hour_it_was_asked_in(
    application: Application, settings: Any
) -> None:
    mail.outbox.clear()
    run = tasks.send_reference_again.call
    assert run(application_id=application.pk, hour="2026120110") is True
    assert run(application_id=application.pk, hour="2026120110") is False
    assert run(application_id=application.pk, hour="2026120111") is True
    assert len(mail.outbox) == 2 and all(m.to == [application.email] for m in mail.outbox)
