"""On PostgreSQL, with real parallel transactions: one phone sending its check-in twice."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance
from yachay.cohorts.services import CheckinRefused, attendance_check_in
from yachay.cohorts.tests.conftest import Live

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


def test_simultaneous_check_ins_of_one_learner_are_recorded_once(live: Live) -> None:
    code = checkin.code_for(live.session.checkin_secret, checkin.period_of(time.time()))
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            attendance_check_in(session=live.session, user=live.learners[0], code=code)
            outcomes.append("recorded")
        except CheckinRefused as refused:
            outcomes.append(refused.code)
        except BaseException as exc:  # pragma: no cover - shown by the assertion
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["already_recorded"] * 3 + ["recorded"]
    assert Attendance.objects.count() == 1
