"""On PostgreSQL: many simultaneous submissions with one DNI leave exactly one application."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django_tasks_db.models import DBTaskResult

from yachay.conftest import bearer, valid_api_payload
from yachay.core.models import AuditEvent
from yachay.intake.models import Application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


@pytest.mark.parametrize("queue", ["immediate", "database"])
def test_simultaneous_submissions_with_one_dni_store_exactly_one(
    call: Any, partner_key: Any, settings: Any, queue: str
) -> None:
    # With the database queue one statement writes the application, its audit row and its
    # email's task row (core.inserts): the losers must leave none of the three.
    if queue == "database":
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    n = 12
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    references: list[str] = []
    lock = threading.Lock()

    def submit(i: int) -> None:
        try:
            client = Client()
            body = json.dumps(valid_api_payload(email=f"p{i}@example.pe"))
            barrier.wait(timeout=10)
            r = client.post(
                f"/api/v1/calls/{call.slug}/applications",
                body,
                content_type="application/json",
                **bearer(partner_key[1]),
            )
            with lock:
                statuses.append(r.status_code)
                references.append(r.json().get("reference", ""))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * (n - 1)
    assert Application.objects.count() == 1
    only = Application.objects.get().reference
    assert set(references) == {only}  # the 409s name the one that won
    assert AuditEvent.objects.filter(action="application.submit").count() == 1
    tasks = DBTaskResult.objects.filter(task_path="yachay.intake.tasks.send_confirmation")
    assert tasks.count() == (1 if queue == "database" else 0)


def test_simultaneous_double_clicks_on_the_web_form_make_one_application(call: Any) -> None:
    import uuid

    from yachay.conftest import valid_form_data

    n = 6
    data = valid_form_data(submission_key=str(uuid.uuid4()))
    barrier = threading.Barrier(n)
    locations: list[str] = []
    lock = threading.Lock()

    def click() -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            r = client.post(f"/convocatorias/{call.slug}/postular/", data)
            with lock:
                locations.append(r.get("Location", str(r.status_code)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Application.objects.count() == 1
    assert len(set(locations)) == 1 and "enviada" in locations[0]
