"""``intake.signals.application_submitted``: what an app above intake connects to, to follow
new applications (on PostgreSQL the row is not written by ``save()``, so ``post_save`` is no
promise). Sent once per new application, after the commit, from the web form and the API;
never for a duplicate. On both databases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from yachay.conftest import bearer, valid_api_payload, valid_form_data
from yachay.intake.models import Application
from yachay.intake.signals import application_submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent() -> Iterator[list[Application]]:
    received: list[Application] = []

    def receiver(sender: Any, application: Application, **kwargs: Any) -> None:
        assert sender is Application
        received.append(application)

    application_submitted.connect(receiver)
    yield received
    application_submitted.disconnect(receiver)


def test_it_is_sent_after_commit_for_an_api_application_and_not_for_a_duplicate(
    client: Client,
    call: Any,
    partner_key: Any,
    sent: list[Application],
    django_capture_on_commit_callbacks: Any,
) -> None:
    def submit() -> Any:
        return client.post(
            f"/api/v1/calls/{call.slug}/applications",
            json.dumps(valid_api_payload()),
            content_type="application/json",
            **bearer(partner_key[1]),
        )

    with django_capture_on_commit_callbacks() as callbacks:
        r = submit()
        assert r.status_code == 201 and sent == []  # not before the commit
    for callback in callbacks:
        callback()
    app = Application.objects.get()
    assert [(a.pk, a.reference) for a in sent] == [(app.pk, r.json()["reference"])]
    with django_capture_on_commit_callbacks(execute=True):
        assert submit().status_code == 409
    assert len(sent) == 1


def test_it_is_sent_once_for_a_web_application_sent_twice(
    client: Client, call: Any, sent: list[Application], django_capture_on_commit_callbacks: Any
) -> None:
    data = valid_form_data(submission_key=str(uuid.uuid4()))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/convocatorias/{call.slug}/postular/", data).status_code == 302
        assert Client().post(f"/convocatorias/{call.slug}/postular/", data).status_code == 302
    assert [a.pk for a in sent] == [Application.objects.get().pk]
