"""The task worker (`manage.py worker`) as a real process on PostgreSQL, with a real SMTP
server: it rides out a lost database connection, and after a kill -9 in the middle of a
batch of offer emails every offer still gets exactly one email and no task stays RUNNING."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yachay.core.actors import SYSTEM
from yachay.core.models import SentEmail
from yachay.intake.tests.test_email_smtp import free_port
from yachay.programs.models import Call
from yachay.selection.models import Offer
from yachay.selection.services import offer_decline, selection_dry_run, selection_publish
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _postgres_only(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")
    # Tasks go to the queue table, where the worker process finds them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


class Inbox:
    """A local SMTP server's handler. ``hold_at``: the n-th message waits at RCPT (nothing
    of it delivered yet) until ``release`` is set, so a test can kill the sender right there."""

    def __init__(self, hold_at: int | None = None) -> None:
        self.messages: list[Any] = []
        self.rcpts = 0
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.rcpts += 1
        if self.rcpts == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def recipients(self) -> Counter[str]:
        return Counter(str(m["To"]) for m in self.messages)


@pytest.fixture
def smtp() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    controllers: list[Controller] = []

    def start(hold_at: int | None = None) -> tuple[Inbox, int]:
        inbox = Inbox(hold_at)
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return inbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


class WorkerProcess:
    """`manage.py worker` on the test database, its output in a file."""

    def __init__(self, smtp_port: int, **env: str) -> None:
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.1", "--no-startup-delay"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": url,
                "YACHAY_TASKS": "db",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "EMAIL_TIMEOUT": "30",
                "YACHAY_SITE_URL": django_settings.YACHAY_SITE_URL,
                "LOG_LEVEL": "INFO",
                **env,
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            self.process.send_signal(sig)
        self.process.wait(timeout=30)


@pytest.fixture
def workers() -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(smtp_port: int, **env: str) -> WorkerProcess:
        w = WorkerProcess(smtp_port, **env)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop(signal.SIGKILL)
        Path(w.log.name).unlink(missing_ok=True)


def wait_for(
    condition: Callable[[], bool], what: str, worker: WorkerProcess, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker output:\n{worker.output()}")


def forget_confirmations() -> None:
    """The applications of ``closed_call`` queued their confirmation emails: this test is
    about the offers' emails, so those are not its business."""
    DBTaskResult.objects.filter(task_path="yachay.intake.tasks.send_confirmation").delete()


def unfinished() -> int:
    """Tasks still to do: ready now, or running (the next expiry job waits in the future)."""
    return DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count()


def test_the_worker_rides_out_a_lost_database_connection(
    closed_call: Call,  # noqa: F811
    smtp: Callable[..., tuple[Inbox, int]],
    workers: Callable[..., WorkerProcess],
) -> None:
    forget_confirmations()
    inbox, port = smtp()
    worker = workers(port)
    run = selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    wait_for(lambda: len(inbox.messages) == len(run.admitted_ids), "the offer emails", worker)

    # What a PostgreSQL restart does to every open connection.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.rowcount >= 1

    # The next task: a decline promotes the first on the waiting list, who gets an offer email.
    offer_decline(offer=Offer.objects.order_by("pk")[0], actor=SYSTEM)
    wait_for(lambda: len(inbox.messages) == len(run.admitted_ids) + 1, "the promoted offer", worker)
    wait_for(lambda: unfinished() == 0, "an empty queue", worker)
    assert worker.alive()
    assert "Database unavailable" in worker.output()
    promoted = Offer.objects.get(promoted=True)
    assert inbox.recipients()[promoted.decision.application.email] == 1
    # The "restart" above also ended this process's idle pooled connections (settings' pool):
    # give the pool back, so the next test starts on live connections.
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()


def test_a_worker_killed_mid_batch_leaves_every_offer_exactly_one_email(
    closed_call: Call,  # noqa: F811
    smtp: Callable[..., tuple[Inbox, int]],
    workers: Callable[..., WorkerProcess],
) -> None:
    forget_confirmations()
    inbox, port = smtp(hold_at=3)  # the third offer email is in flight when the worker dies
    first = workers(port, YACHAY_TASK_STALE_MINUTES="1")
    run = selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    assert len(run.admitted_ids) == 6
    wait_for(inbox.holding.is_set, "the third email", first)
    first.stop(signal.SIGKILL)
    inbox.release.set()
    assert len(inbox.messages) == 2
    stuck = DBTaskResult.objects.running().get()
    assert stuck.task_path == "yachay.selection.tasks.send_offer_email"

    # The task is RUNNING and no worker runs it: once YACHAY_TASK_STALE_MINUTES have passed,
    # the next worker gives it back to the queue.
    DBTaskResult.objects.filter(pk=stuck.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=2)
    )
    second = workers(port, YACHAY_TASK_STALE_MINUTES="1")
    wait_for(lambda: unfinished() == 0 and len(inbox.messages) >= 6, "the rest", second)
    second.stop()

    offers = Offer.objects.select_related("decision__application")
    assert inbox.recipients() == Counter({o.decision.application.email: 1 for o in offers})
    assert set(SentEmail.objects.values_list("key", flat=True)) == {f"offer:{o.pk}" for o in offers}
    assert not DBTaskResult.objects.running().exists()
    retried = DBTaskResult.objects.get(pk=stuck.pk)
    assert retried.status == "SUCCESSFUL" and len(retried.worker_ids) == 2
    # The expiry job is armed, once.
    assert (
        DBTaskResult.objects.filter(
            task_path="yachay.selection.tasks.expire_offers", status="READY"
        ).count()
        == 1
    )
