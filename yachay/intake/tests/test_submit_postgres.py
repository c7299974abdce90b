"""On PostgreSQL an application, its audit row and its confirmation email's task row are
written by one statement (core.inserts; issue #10, item 17): the same rows as the ORM wrote,
all or none, and the task run by the real worker (one per DNI however many submit at once:
test_concurrency_postgres.py). In autocommit (transactional tests), as a web process runs it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult, get_date_max

from yachay.conftest import bearer, valid_api_payload, valid_form_data
from yachay.core import queue
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.core.tests.test_queue import make_worker
from yachay.intake import services
from yachay.intake.models import Application
from yachay.intake.signals import application_submitted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_with_the_database_queue(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def _submit(client: Client, call: Any, raw: str, **overrides: Any) -> Any:
    return client.post(
        f"/api/v1/calls/{call.slug}/applications",
        json.dumps(valid_api_payload(**overrides)),
        content_type="application/json",
        **bearer(raw),
    )


def _rows() -> tuple[int, int, int]:
    return (
        Application.objects.count(),
        AuditEvent.objects.filter(action="application.submit").count(),
        DBTaskResult.objects.filter(task_path="yachay.intake.tasks.send_confirmation").count(),
    )


def test_one_statement_writes_the_application_its_audit_row_and_its_task(
    call: Any, partner_key: Any
) -> None:
    client = Client()
    assert _submit(client, call, partner_key[1], dni="11111111").status_code == 201
    with CaptureQueriesContext(connection) as queries:  # key and call now known
        r = _submit(client, call, partner_key[1], dni="22222222", email="b@example.pe")
    assert r.status_code == 201
    assert len(queries.captured_queries) == 1  # no BEGIN, no COMMIT: one statement
    app = Application.objects.get(reference=r.json()["reference"])
    assert (app.dni, app.email, app.api_key_id, app.source) == (
        "22222222",
        "b@example.pe",
        partner_key[0].pk,
        "api",
    )
    event = AuditEvent.objects.get(action="application.submit", object_id=str(app.pk))
    assert event.object_type == "intake.application"
    assert event.actor_label == f"api-key:{partner_key[0].prefix}"
    assert event.changes == {"status": [None, "submitted"], "reference": app.reference}
    assert event.created_at == app.created_at
    task = DBTaskResult.objects.get(args_kwargs__kwargs__application_id=app.pk)
    assert task.args_kwargs == {"args": [], "kwargs": {"application_id": app.pk}}
    assert (task.status, task.run_after, task.enqueued_at) == (
        "READY",
        get_date_max(),
        app.created_at,
    )
    assert _rows() == (2, 2, 2)

    mail.outbox.clear()
    make_worker().run()  # the worker finds both rows and sends each email once
    assert sorted(m.to[0] for m in mail.outbox) == ["amaru.huaman@example.pe", "b@example.pe"]
    sent = DBTaskResult.objects.filter(task_path="yachay.intake.tasks.send_confirmation")
    assert set(sent.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_dni_already_in_the_call_adds_no_row_anywhere(call: Any, partner_key: Any) -> None:
    client = Client()
    first = _submit(client, call, partner_key[1])
    assert first.status_code == 201
    again = _submit(client, call, partner_key[1], email="otra@example.pe")
    # The same key, retrying: its reference again; another key: no reference.
    assert again.status_code == 409 and again.json()["reference"] == first.json()["reference"]
    other = _other_key()
    third = _submit(client, call, other, email="otra@example.pe")
    assert third.status_code == 409 and "reference" not in third.json()
    assert _rows() == (1, 1, 1)


def _other_key() -> str:
    from yachay.accounts.services import api_key_create

    return api_key_create(name="Otro socio", actor=SYSTEM)[1]


def test_the_web_forms_double_submit_finds_the_first_application(call: Any) -> None:
    client = Client()
    data = valid_form_data(submission_key=str(uuid.uuid4()))
    first = client.post(f"/convocatorias/{call.slug}/postular/", data)
    again = Client().post(f"/convocatorias/{call.slug}/postular/", data)  # lost cookie
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert _rows() == (1, 1, 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("given_names", "Ama\x00ru"),
        ("business_name", "Bodega\x00"),
        ("given_names", "A" * 100_000),
        ("accessibility_needs", "ñ" * 20_000),
        ("email", "a\x00@example.pe"),
    ],
)
def test_nul_and_huge_values_are_refused_and_store_nothing(
    call: Any, partner_key: Any, field: str, value: str
) -> None:
    r = _submit(Client(), call, partner_key[1], **{field: value})
    assert 400 <= r.status_code < 500 and r.status_code != 409
    assert _rows() == (0, 0, 0)


def test_a_failing_row_rolls_back_the_whole_statement(
    call: Any, partner_key: Any, monkeypatch: Any
) -> None:
    # The task row breaks a check (priority within -100..100): the application and the
    # audit row written before it in the same statement must go with it.
    real_task_row = queue.task_row

    def bad_task_row(*args: Any, **kwargs: Any) -> DBTaskResult | None:
        row = real_task_row(*args, **kwargs)
        assert row is not None
        row.priority = 1_000
        return row

    monkeypatch.setattr(services, "task_row", bad_task_row)
    with pytest.raises(IntegrityError):
        services.application_submit(
            call=call,
            data=_cleaned(call),
            consent_ip="203.0.113.9",
            actor=Actor.of_api_key(partner_key[0]),
            source=Application.Source.API,
        )
    assert _rows() == (0, 0, 0)


def test_inside_a_callers_transaction_a_duplicate_leaves_it_usable(call: Any) -> None:
    data = _cleaned(call)
    kwargs = {"call": call, "consent_ip": "203.0.113.9", "actor": SYSTEM, "source": "web"}
    sent: list[Application] = []

    def receiver(sender: Any, application: Application, **kwargs: Any) -> None:
        sent.append(application)

    application_submitted.connect(receiver)
    try:
        with transaction.atomic():
            first = services.application_submit(data=data, **kwargs)
            with pytest.raises(services.DuplicateApplication):
                services.application_submit(data=data, **kwargs)  # a savepoint rolls back
            assert Application.objects.count() == 1  # the transaction goes on
            assert sent == []  # not before the commit
        assert [a.pk for a in sent] == [first.pk]  # once, after it
    finally:
        application_submitted.disconnect(receiver)
    assert _rows() == (1, 1, 1)


def _cleaned(call: Any) -> dict[str, Any]:
    from yachay.intake.forms import ApplicationApiForm

    form = ApplicationApiForm(valid_api_payload(), call=call)
    assert form.is_valid(), form.errors
    return form.cleaned_data
