"""Graceful overload: past capacity a fast 503 "estamos con mucha demanda", never a 500, and a
shed request stores nothing (core/overload.py, core/serving.py)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from yachay.accounts.models import ApiKey
from yachay.conftest import bearer, valid_api_payload, valid_form_data
from yachay.core import overload
from yachay.core.overload import OverloadMiddleware, busy, mark_queued, queued_for
from yachay.intake.models import Application
from yachay.programs.models import Call


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("served")


def middleware(
    settings: Any, *, active: int = 1, wait_ms: int = 50, queue: int = 8, view: Any = ok
) -> Any:
    settings.YACHAY_OVERLOAD_ACTIVE = active
    settings.YACHAY_OVERLOAD_WAIT_MS = wait_ms
    settings.YACHAY_OVERLOAD_QUEUE = queue
    return OverloadMiddleware(view)


@pytest.fixture(autouse=True)
def _no_stamp() -> Any:
    mark_queued(None)
    yield
    mark_queued(None)


def test_a_request_that_finds_a_free_slot_is_served(settings: Any) -> None:
    mw = middleware(settings)
    for _ in range(3):  # the slot is given back each time
        assert mw(RequestFactory().get("/aprender/")).content == b"served"


def test_a_page_that_finds_every_slot_busy_gets_the_spanish_busy_page(settings: Any) -> None:
    mw = middleware(settings)
    assert mw.slots.acquire(blocking=False)  # another request holds the only slot
    r = mw(RequestFactory().get("/aprender/", HTTP_ACCEPT_LANGUAGE="es"))
    assert r.status_code == 503
    assert r["Retry-After"] == "60" and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    assert "Estamos con mucha demanda" in page and "en un minuto" in page
    assert "Traceback" not in page


def test_the_api_gets_json_503_with_retry_after(settings: Any) -> None:
    mw = middleware(settings)
    mw.slots.acquire(blocking=False)
    r = mw(RequestFactory().post("/api/v1/calls/2027-i/applications", HTTP_ACCEPT_LANGUAGE="es"))
    assert r.status_code == 503 and r["Retry-After"] == "60"
    assert r["Content-Type"].startswith("application/json")
    assert "mucha demanda" in json.loads(r.content)["detail"]


def test_the_busy_answer_speaks_the_language_asked_for(settings: Any) -> None:
    mw = middleware(settings)
    mw.slots.acquire(blocking=False)
    r = mw(RequestFactory().get("/api/v1/calls", HTTP_ACCEPT_LANGUAGE="en"))
    assert "a lot of demand" in json.loads(r.content)["detail"]


def test_the_busy_page_asks_nothing_of_the_database(
    django_assert_num_queries: Any, db: None
) -> None:
    with django_assert_num_queries(0):
        r = busy(RequestFactory().get("/aprender/"))
    assert r.status_code == 503 and b"Yachay" in r.content


def test_a_request_waits_for_a_slot_freed_within_its_budget(settings: Any) -> None:
    entered, leave = threading.Event(), threading.Event()

    def slow(request: HttpRequest) -> HttpResponse:
        entered.set()
        leave.wait(10)
        return HttpResponse("slow")

    mw = middleware(settings, wait_ms=10_000, view=slow)
    first = threading.Thread(target=mw, args=(RequestFactory().get("/a/"),))
    first.start()
    assert entered.wait(10)
    answers: list[HttpResponse] = []
    second = threading.Thread(target=lambda: answers.append(mw(RequestFactory().get("/b/"))))
    second.start()
    time.sleep(0.05)
    assert not answers  # still waiting for the slot, not shed
    leave.set()
    first.join(10)
    second.join(10)
    assert answers[0].status_code == 200 and answers[0].content == b"slow"


def test_a_request_is_shed_once_its_budget_is_spent_while_the_slot_stays_busy(
    settings: Any,
) -> None:
    mw = middleware(settings, wait_ms=30)
    mw.slots.acquire(blocking=False)
    start = time.monotonic()
    assert mw(RequestFactory().get("/aprender/")).status_code == 503
    assert time.monotonic() - start < 5  # a blow-up guard: it waited ~30 ms, not for ever


def test_a_request_that_already_waited_in_the_servers_queue_is_shed_without_waiting(
    settings: Any,
) -> None:
    mw = middleware(settings, wait_ms=60_000)
    mw.slots.acquire(blocking=False)
    mark_queued(61.0)  # the gunicorn worker's stamp: a minute in its thread pool's queue
    start = time.monotonic()
    assert mw(RequestFactory().get("/aprender/")).status_code == 503
    assert time.monotonic() - start < 5  # it did not wait its 60 s budget


def test_when_the_line_is_full_a_newcomer_is_shed_at_once_without_waiting(
    settings: Any,
) -> None:
    mw = middleware(settings, wait_ms=60_000, queue=2)
    mw.slots.acquire(blocking=False)
    mw.waiting = 2  # two others already wait for the slot
    start = time.monotonic()
    assert mw(RequestFactory().get("/aprender/")).status_code == 503
    assert time.monotonic() - start < 5  # a blow-up guard: it did not wait its 60 s
    assert mw.waiting == 2  # it never joined the line


def test_the_line_is_counted_back_down_after_waiting(settings: Any) -> None:
    mw = middleware(settings, wait_ms=20, queue=1)
    mw.slots.acquire(blocking=False)
    for _ in range(3):  # each waits its 20 ms alone, is shed, and leaves the line
        assert mw(RequestFactory().get("/")).status_code == 503
    assert mw.waiting == 0


def test_a_request_that_waited_in_the_queue_is_still_served_when_a_slot_is_free(
    settings: Any,
) -> None:
    mw = middleware(settings, wait_ms=10)
    mark_queued(5.0)
    assert mw(RequestFactory().get("/aprender/")).status_code == 200


def test_the_slot_is_given_back_when_the_view_fails(settings: Any) -> None:
    def broken(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("a bug")

    mw = middleware(settings, view=broken)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            mw(RequestFactory().get("/"))
    assert mw.slots.acquire(blocking=False)


def test_no_limit_when_turned_off(settings: Any) -> None:
    mw = middleware(settings, active=0)
    assert mw.slots is None
    assert mw(RequestFactory().get("/")).status_code == 200


@pytest.mark.parametrize(
    ("header", "at_least", "below"),
    [
        ("t={:.3f}", 1.5, 10),  # seconds (nginx's ${msec})
        ("t={:.0f}000", 0.5, 10),  # milliseconds
        ("t={:.0f}000000", 0.5, 10),  # microseconds
        ("nonsense", 0, 0.001),
        ("t=", 0, 0.001),
        ("t=" + "9" * 40, 0, 0.001),
        ("t=nan", 0, 0.001),
    ],
)
def test_the_proxys_request_start_counts_only_when_trusted(
    settings: Any, header: str, at_least: float, below: float
) -> None:
    value = header.format(time.time() - 2) if "{" in header else header
    request = RequestFactory().get("/", HTTP_X_REQUEST_START=value)
    settings.YACHAY_OVERLOAD_TRUST_REQUEST_START = False
    assert queued_for(request) == 0
    settings.YACHAY_OVERLOAD_TRUST_REQUEST_START = True
    assert at_least <= queued_for(request) < below


def test_a_request_start_in_the_future_counts_as_no_wait(settings: Any) -> None:
    settings.YACHAY_OVERLOAD_TRUST_REQUEST_START = True
    request = RequestFactory().get("/", HTTP_X_REQUEST_START=f"t={time.time() + 60:.3f}")
    assert queued_for(request) == 0


def test_the_gunicorn_worker_tells_the_thread_how_long_the_request_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker

    from yachay.core.serving import ThreadWorker

    seen: list[float] = []
    monkeypatch.setattr(GunicornThreadWorker, "enqueue_req", lambda self, conn: None)
    monkeypatch.setattr(
        GunicornThreadWorker,
        "handle",
        lambda self, conn: seen.append(queued_for(RequestFactory().get("/"))),
    )
    worker = object.__new__(ThreadWorker)  # no arbiter, sockets or config needed
    conn = mock.Mock(spec=[])
    worker.enqueue_req(conn)
    conn.yachay_enqueued_at -= 2.0  # as if it sat two seconds in the thread pool's queue
    worker.handle(conn)
    assert 2.0 <= seen[0] < 10
    assert queued_for(RequestFactory().get("/")) == 0  # cleared for the thread's next request


# --- Through the whole stack: a shed write stores nothing -----------------------------------


def shedding() -> Any:
    return mock.patch.object(OverloadMiddleware, "_admit", return_value=False)


def test_a_shed_application_form_stores_nothing_and_can_be_sent_again(call: Call) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    data = valid_form_data()
    with shedding():
        r = client.post(f"/convocatorias/{call.slug}/postular/", data)
    assert r.status_code == 503 and "mucha demanda" in r.content.decode()
    assert Application.objects.count() == 0
    again = client.post(f"/convocatorias/{call.slug}/postular/", data)
    assert again.status_code in (200, 302)
    assert Application.objects.count() == 1


def test_a_shed_api_write_stores_nothing(call: Call, partner_key: tuple[ApiKey, str]) -> None:
    client = Client(**bearer(partner_key[1]))
    with shedding():
        r = client.post(
            f"/api/v1/calls/{call.slug}/applications",
            valid_api_payload(),
            content_type="application/json",
        )
    assert r.status_code == 503 and r["Retry-After"] == "60" and "detail" in r.json()
    assert Application.objects.count() == 0


def test_static_files_never_wait_and_a_shed_request_reads_no_session(settings: Any) -> None:
    # WhiteNoise answers static files before the limiter; the limiter answers before the
    # session, the user or the database are read.
    names = settings.MIDDLEWARE
    assert names.index("whitenoise.middleware.WhiteNoiseMiddleware") < names.index(
        "yachay.core.overload.OverloadMiddleware"
    )
    assert names.index("yachay.core.overload.OverloadMiddleware") < names.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    assert overload.RETRY_AFTER == 60
