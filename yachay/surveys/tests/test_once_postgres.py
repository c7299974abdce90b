"""On PostgreSQL, with real parallel transactions: two submissions of the same survey at the
same moment (a double click, two tabs) record it once; a page saved while it is submitted
waits and then writes nothing; two inviters make one invitation and one message."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from yachay.engagement.models import Message
from yachay.surveys import services
from yachay.surveys.models import Answer, Invitation
from yachay.surveys.tests.conftest import NOON, Live, invited

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ANSWERS = {"satisfaction": 5, "useful": 4, "pace": "adecuado", "recommend": 5,
           "will_apply": ["ventas"]}  # fmt: skip


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
        except BaseException as exc:
            out.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def test_two_submissions_at_once_record_the_survey_once(live: Live, surveys: Any) -> None:
    invitation, token = invited(live, "fin-de-curso")
    # The page: everything but the last page saved, then 4 clicks on "Send" at once.
    client = Client()
    first_page = {"page": 0, "action": "next", "q-satisfaction": "5", "q-useful": "4",
                  "q-pace": "adecuado", "q-recommend": "5"}  # fmt: skip
    client.post(f"/encuestas/{token}/", first_page)
    statuses = _together(
        4,
        lambda i: (
            Client()
            .post(
                f"/encuestas/{token}/",
                {
                    "page": 1,
                    "action": "submit",
                    "q-will_apply": ["ventas"],
                    "q-first_step": f"paso {i}",
                },
            )
            .status_code
        ),
    )
    assert sorted(statuses) == [200, 409, 409, 409], statuses  # type: ignore[type-var]
    invitation.refresh_from_db()
    assert invitation.submitted_at is not None
    assert Answer.objects.filter(invitation=invitation, question="first_step").count() == 1


def test_the_service_submits_once_under_a_race(live: Live, surveys: Any) -> None:
    invitation, _token = invited(live, "fin-de-curso")

    def submit(i: int) -> str:
        try:
            services.answer_submit(Invitation.objects.get(pk=invitation.pk), ANSWERS)
        except services.AnswerRefused as refused:
            return refused.code
        return "ok"

    results = _together(3, submit)
    assert sorted(results) == ["ok", "submitted", "submitted"], results  # type: ignore[type-var]
    assert Answer.objects.filter(invitation=invitation).count() == len(ANSWERS)


def test_two_inviters_at_once_make_one_invitation_and_one_message(live: Live, surveys: Any) -> None:
    application = live.enrollments[0].application
    results = _together(3, lambda i: services.invite(application, "linea-base", now=NOON).pk)
    assert len(set(results)) == 1, results
    assert Invitation.objects.count() == 1
    assert Message.objects.filter(rule="survey:linea-base").count() == 1
