"""What makes the intake API cheap (issue #10, item 17) without changing what it answers:
the key and the call kept a few seconds in the process, the email sent by the task worker,
no query for a new application's decision, the form's fields built once per call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from yachay.accounts.services import api_key_revoke
from yachay.conftest import bearer, valid_api_payload
from yachay.core import inserts, memo
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.intake import services
from yachay.intake.models import Application

pytestmark = pytest.mark.django_db


def _submit(client: Client, call: Any, raw: str, dni: str) -> Any:
    return client.post(
        f"/api/v1/calls/{call.slug}/applications",
        json.dumps(valid_api_payload(dni=dni)),
        content_type="application/json",
        **bearer(raw),
    )


def test_a_submission_costs_one_statement_on_postgresql_once_key_and_call_are_known(
    client: Client,
    call: Any,
    partner_key: Any,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert _submit(client, call, partner_key[1], "11111111").status_code == 201
    # Nothing read. On PostgreSQL one statement writes the application, its audit row and
    # (with the database queue) the email's task row; on SQLite the ORM writes them in one
    # transaction (4 statements here: the tests' queue is not a table). Inside this test's
    # transaction PostgreSQL's statement is wrapped in a savepoint (3); in autocommit, as in
    # production, it is alone (test_intake_insert_postgres.py). After commit: the email task
    # is queued (the tests' immediate backend) and `application_submitted` is sent. The
    # task's own work (rendering, email_send_once) is the worker's, not counted here.
    statements = 3 if connection.vendor == "postgresql" else 4
    with (
        django_assert_num_queries(statements) as queries,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        r = _submit(client, call, partner_key[1], "22222222")
    assert r.status_code == 201 and len(callbacks) == 2
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(inserts) == 1 and '"core_auditevent"' in inserts[0]
    assert r.json()["decision"] == "pending"


def test_a_revoked_key_is_refused_at_once_in_the_process_that_revoked_it(
    client: Client, call: Any, partner_key: Any
) -> None:
    key, raw = partner_key
    assert _submit(client, call, raw, "11111111").status_code == 201
    api_key_revoke(key=key, actor=SYSTEM)
    assert _submit(client, call, raw, "22222222").status_code == 401


def test_a_key_revoked_elsewhere_is_refused_within_the_bound(
    client: Client, call: Any, partner_key: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.YACHAY_HOT_CACHE_SECONDS = 5
    key, raw = partner_key
    clock = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    assert _submit(client, call, raw, "11111111").status_code == 201
    # Another process revokes it: an UPDATE this process's signals never see.
    type(key).objects.filter(pk=key.pk).update(revoked_at="2026-01-01T00:00:00Z")
    clock[0] += 4.9
    assert _submit(client, call, raw, "22222222").status_code == 201  # within the bound
    clock[0] += 0.2
    assert _submit(client, call, raw, "33333333").status_code == 401


def test_with_the_memo_off_every_request_reads_the_key(
    client: Client, call: Any, partner_key: Any, settings: Any
) -> None:
    settings.YACHAY_HOT_CACHE_SECONDS = 0
    key, raw = partner_key
    assert _submit(client, call, raw, "11111111").status_code == 201
    type(key).objects.filter(pk=key.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert _submit(client, call, raw, "22222222").status_code == 401


def test_an_edited_call_is_read_again(client: Client, call: Any, partner_key: Any) -> None:
    assert _submit(client, call, partner_key[1], "11111111").status_code == 201
    call.modalities = ["virtual"]  # the payload asks for in_person
    call.save()
    r = _submit(client, call, partner_key[1], "22222222")
    assert r.status_code == 422 and "modality" in r.json()["errors"]


def test_the_email_is_queued_after_commit_and_sent_by_the_worker(
    client: Client,
    call: Any,
    partner_key: Any,
    settings: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    with django_capture_on_commit_callbacks(execute=True):
        r = _submit(client, call, partner_key[1], "11111111")
    assert r.status_code == 201
    assert mailoutbox == []  # not in the request
    task = DBTaskResult.objects.get()
    assert task.task_path == "yachay.intake.tasks.send_confirmation"
    app = Application.objects.get()
    assert task.args_kwargs["kwargs"] == {"application_id": app.pk}
    from yachay.intake import tasks

    tasks.send_confirmation.call(application_id=app.pk)  # what the worker runs
    assert len(mailoutbox) == 1 and app.reference in mailoutbox[0].subject


def test_the_postgresql_statement_keeps_within_psycopgs_cached_parse() -> None:
    # Past this many parameters psycopg parses the statement's placeholders on every execute
    # (~8 % of the API's CPU per application): trim parameters (see services.AUDIT_OF_NEW).
    sql, _fields = inserts._plan(
        "default",
        (Application, AuditEvent, DBTaskResult),
        (
            (),
            tuple(sorted(services.AUDIT_OF_NEW.items())),
            tuple(sorted(services.TASK_OF_NEW.items())),
        ),
    )
    assert sql.count("%s") <= inserts.PSYCOPG_CACHED_PARAMS
