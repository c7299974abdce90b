"""On PostgreSQL, with real parallel transactions: two workers evaluating the same rules at
the same moment make each message once, and two senders of the same batch send each once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections

from yachay.cohorts.models import Session
from yachay.engagement import services
from yachay.engagement.models import Message
from yachay.engagement.rules import load_rules
from yachay.engagement.tests.conftest import Learning, lima

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RULES = [
    r
    for r in load_rules(Path(settings.BASE_DIR) / "content" / "nudges")
    if r.id == "session-reminder-24h"
]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


def _together(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    out: list[object] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            out.append(work(i))
        except BaseException as exc:  # pragma: no cover - shown by the assertion
            out.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def test_two_workers_evaluating_at_once_make_each_message_once_and_send_it_once(
    learning: Learning,
) -> None:
    now = lima(10)
    Session.objects.create(
        cohort=learning.live.cohort, topic="Datos", starts_at=now + dt.timedelta(hours=20),
        ends_at=now + dt.timedelta(hours=22), place="Aula 3",
    )  # fmt: skip
    # Two workers, each a moment apart (their runs' stamps differ), at the same time.
    results = _together(
        2,
        lambda i: (
            services.messages_evaluate(
                now=now + dt.timedelta(microseconds=i), rules=RULES
            ).queued_ids
        ),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Message.objects.count() == 3
    ids = sorted(i for r in results for i in r)  # type: ignore[attr-defined]
    assert ids == sorted(Message.objects.values_list("pk", flat=True))  # each queued by one
    mail.outbox.clear()  # the fixtures' own emails (applications received)
    sent = _together(3, lambda i: services.messages_send(message_ids=ids))
    assert not [r for r in sent if isinstance(r, BaseException)], sent
    assert len(mail.outbox) == 3
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
