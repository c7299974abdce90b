"""While the database is unreachable: 503 and "try again in a minute", never a 500 page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory

from yachay.accounts.models import ApiKey, User
from yachay.conftest import bearer, valid_api_payload
from yachay.core.outage import server_error, unavailable
from yachay.programs.models import Call


@contextmanager
def database_down(error: type[Exception] = OperationalError) -> Iterator[None]:
    """Every query fails as it does while PostgreSQL restarts."""

    def refuse(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        raise error("the database system is shutting down")

    with connection.execute_wrapper(refuse):
        yield


def test_the_api_answers_json_503_with_retry_after(call: Call) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    assert client.get("/api/v1/calls/2027-i").status_code == 200
    with database_down():
        r = client.get("/api/v1/calls/2027-i")
    assert r.status_code == 503
    assert r["Content-Type"].startswith("application/json")
    assert r["Retry-After"] == "60"
    assert "minuto" in r.json()["detail"]


def test_an_api_write_answers_503_too_and_can_be_sent_again(
    call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    client = Client(**bearer(partner_key[1]))
    body = valid_api_payload()
    with database_down(InterfaceError):
        r = client.post("/api/v1/calls/2027-i/applications", body, content_type="application/json")
    assert r.status_code == 503 and r["Retry-After"] == "60"
    assert "detail" in r.json()
    again = client.post("/api/v1/calls/2027-i/applications", body, content_type="application/json")
    assert again.status_code == 201


def test_a_public_page_answers_the_spanish_try_again_page(call: Call) -> None:
    client = Client()
    with database_down():
        r = client.get("/convocatorias/2027-i/postular/")
    assert r.status_code == 503
    assert r["Retry-After"] == "60"
    page = r.content.decode()
    assert "Volvemos en un minuto" in page
    assert "Inténtalo de nuevo en un minuto" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_signed_in_page_answers_503_when_the_session_cannot_be_read(
    users: dict[str, User],
) -> None:
    # The session is read by a middleware (the second-factor check), before any view: the
    # error reaches Django's handler500, ours, as it does in production (the test client
    # would re-raise it otherwise).
    client = Client(raise_request_exception=False)
    client.force_login(users["learner"])
    with database_down():
        r = client.get("/mi-cuenta/")
    assert r.status_code == 503
    assert "Volvemos en un minuto" in r.content.decode()


def test_the_page_is_rendered_without_asking_the_database(
    django_assert_num_queries: Any, db: None
) -> None:
    request = RequestFactory().get("/convocatorias/")
    with django_assert_num_queries(0):
        r = unavailable(request)
    assert r.status_code == 503 and b"Yachay" in r.content


def test_an_outage_outside_a_view_is_a_503_too(db: None) -> None:
    request = RequestFactory().get("/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        r = server_error(request)
    assert r.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_both_kinds_of_lost_connection_are_an_outage(call: Call, error: type[Exception]) -> None:
    with database_down(error):
        assert Client().get("/api/v1/calls").status_code == 503
