"""The queue's upkeep and the worker's loop, in-process (the real process on PostgreSQL is
tried in selection/tests/test_worker_postgres.py)."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import OperationalError
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from yachay.core import queue
from yachay.core.management.commands import worker as worker_command
from yachay.core.models import SentEmail
from yachay.core.services import email_send_once

RAN: list[str] = []


@task()
def tick() -> None:
    RAN.append("tick")


@task()
def mail_server_away() -> None:
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@task()
def broken() -> None:
    raise ValueError("a bug")


@pytest.fixture
def db_queue(settings: Any, transactional_db: None) -> None:
    # Transactional: the worker closes a connection it finds inside a transaction, as it
    # would be after a crash; a test's own transaction would go with it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    RAN.clear()


def make_worker(**kwargs: Any) -> worker_command.Worker:
    options: dict[str, Any] = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "test-worker",
        "excluded_queue_names": [],
        "stale_after": dt.timedelta(minutes=15),
    }
    return worker_command.Worker(**{**options, **kwargs})


def running(*, minutes_ago: float, attempts: int = 1) -> DBTaskResult:
    result = tick.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.status, row.worker_ids = "RUNNING", [f"w{i}" for i in range(attempts)]
    row.started_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    row.save()
    return row


def test_the_same_key_sends_one_email_however_often_it_is_tried(db: None) -> None:
    def message() -> EmailMessage:
        return EmailMessage("Asunto", "Cuerpo", to=["luz@example.pe"])

    assert email_send_once(key="offer:1", message=message()) is True
    assert email_send_once(key="offer:1", message=message()) is False
    assert email_send_once(key="offer:2", message=message()) is True
    assert len(mail.outbox) == 2
    assert set(SentEmail.objects.values_list("key", flat=True)) == {"offer:1", "offer:2"}


def test_a_failed_send_keeps_no_record_so_a_retry_sends(db: None, monkeypatch: Any) -> None:
    def refuse(self: EmailMessage, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as m:
        m.setattr(EmailMessage, "send", refuse)
        with pytest.raises(smtplib.SMTPException):
            email_send_once(key="offer:1", message=EmailMessage("A", "B", to=["x@example.pe"]))
    assert not SentEmail.objects.exists()
    assert email_send_once(key="offer:1", message=EmailMessage("A", "B", to=["x@example.pe"]))
    assert len(mail.outbox) == 1


def test_arming_a_periodic_job_twice_queues_it_once(db_queue: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(queue, "_PERIODIC", {})
    queue.periodic(every=dt.timedelta(minutes=10))(tick)
    assert queue.arm_periodic() == ["tick"]
    assert queue.arm_periodic() == []
    assert queue.arm(tick, run_after=timezone.now() + dt.timedelta(minutes=10)) is False
    assert DBTaskResult.objects.filter(task_path=tick.module_path).count() == 1


def test_arming_does_nothing_without_a_queue(db: None) -> None:
    # The immediate backend (tests, YACHAY_TASKS=immediate) has no queue for a job to wait in.
    assert queue.arm(tick) is False
    assert not DBTaskResult.objects.exists()


def test_stale_running_tasks_are_given_back_and_fresh_ones_left_alone(db_queue: None) -> None:
    stale = running(minutes_ago=20)
    fresh = running(minutes_ago=1)
    hopeless = running(minutes_ago=20, attempts=queue.MAX_ATTEMPTS)
    assert queue.tasks_reclaim(older_than=dt.timedelta(minutes=15)) == (1, 1)
    assert DBTaskResult.objects.get(pk=stale.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=fresh.pk).status == "RUNNING"
    given_up = DBTaskResult.objects.get(pk=hopeless.pk)
    assert given_up.status == "FAILED" and "TaskAbandoned" in given_up.exception_class_path
    assert given_up.task_result.errors  # readable as an error by django-tasks


def test_a_restarted_worker_runs_a_reclaimed_task(db_queue: None) -> None:
    stale = running(minutes_ago=20)
    make_worker().run()
    row = DBTaskResult.objects.get(pk=stale.pk)
    assert row.status == "SUCCESSFUL" and row.worker_ids == ["w0", "test-worker"]
    assert RAN == ["tick"]


def test_a_task_the_mail_server_failed_runs_again_later(db_queue: None) -> None:
    result = mail_server_away.enqueue()
    make_worker().run()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY" and row.run_after > timezone.now() + dt.timedelta(seconds=20)
    # Its own bug is not retried.
    result = broken.enqueue()
    make_worker().run()
    assert DBTaskResult.objects.get(pk=result.id).status == "FAILED"


def test_retries_back_off_and_stop(db_queue: None) -> None:
    assert queue.retry_delay(1) == dt.timedelta(seconds=30)
    assert queue.retry_delay(2) == dt.timedelta(seconds=60)
    assert queue.retry_delay(20) == dt.timedelta(minutes=30)
    result = mail_server_away.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        worker_ids=[f"w{i}" for i in range(queue.MAX_ATTEMPTS - 1)]
    )
    make_worker().run()
    assert DBTaskResult.objects.get(pk=result.id).status == "FAILED"


def test_the_worker_waits_for_the_database_and_goes_on(db_queue: None, monkeypatch: Any) -> None:
    result = tick.enqueue()
    monkeypatch.setattr(worker_command, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(worker_command.time, "sleep", lambda seconds: None)
    failures = iter([OperationalError("the database system is shutting down")] * 3)
    real_step = worker_command.Worker.step

    def step(self: worker_command.Worker) -> bool | None:
        error = next(failures, None)
        if error is not None:
            raise error
        return real_step(self)

    monkeypatch.setattr(worker_command.Worker, "step", step)
    w = make_worker()
    backoffs: list[float] = []
    real_wait = w.wait_for_database

    def wait(exc: Exception) -> None:
        backoffs.append(w.backoff)
        real_wait(exc)

    monkeypatch.setattr(w, "wait_for_database", wait)
    w.run()
    assert backoffs == [0.01, 0.02, 0.04]  # doubling
    assert w.backoff == 0.01  # and back to the start once the database answers
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


def test_a_task_cut_off_by_the_database_is_given_back_by_its_worker(db_queue: None) -> None:
    row = running(minutes_ago=0)
    row.worker_ids = ["test-worker"]
    row.save()
    other = running(minutes_ago=0)
    assert queue.tasks_release(worker_id="test-worker") == 1
    assert DBTaskResult.objects.get(pk=row.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=other.pk).status == "RUNNING"


# --- A task asked for by a write commits, or rolls back, with it --------------------------------


def test_a_task_enqueued_with_the_transaction_rolls_back_with_it(db_queue: None) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue_with_transaction(tick)
        assert DBTaskResult.objects.count() == 1  # written in the transaction
        raise RuntimeError("the write failed after asking for the task")
    assert DBTaskResult.objects.count() == 0
    with transaction.atomic():
        queue.enqueue_with_transaction(tick)
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_with_another_backend_the_task_is_enqueued_after_the_commit(
    settings: Any, django_capture_on_commit_callbacks: Any, db: None
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
    RAN.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue.enqueue_with_transaction(tick)
        assert not RAN
    assert len(callbacks) == 1
    callbacks[0]()
    assert RAN
