"""A partner's keyed API request skips the middleware only pages need (core/lanes.py); pages
and the API used from a signed-in browser do not."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from yachay.accounts.models import ApiKey, User
from yachay.conftest import bearer
from yachay.core.lanes import MessageMiddleware, OTPMiddleware, partner_api_request
from yachay.programs.models import Call

seen: list[HttpRequest] = []


def view(request: HttpRequest) -> HttpResponse:
    seen.append(request)
    return HttpResponse("ok")


KEY = {"HTTP_AUTHORIZATION": "Bearer k"}
API = "/api/v1/calls/x/applications"


@pytest.mark.parametrize(
    ("path", "headers", "cookies", "partner"),
    [
        (API, KEY, {}, True),
        (API, KEY, {"sessionid": "s"}, False),
        (API, {}, {}, False),
        ("/aprender/", KEY, {}, False),
    ],
)
def test_only_a_keyed_api_request_without_a_session_is_a_partners(
    path: str, headers: dict[str, str], cookies: dict[str, str], partner: bool
) -> None:
    request = RequestFactory().post(path)
    request.META.update(headers)
    request.COOKIES.update(cookies)
    assert partner_api_request(request) is partner


def test_the_page_middleware_pass_a_partners_request_straight_on(settings: Any) -> None:
    request = RequestFactory().post("/api/v1/x", HTTP_AUTHORIZATION="Bearer k")
    for middleware in (OTPMiddleware, MessageMiddleware):
        assert middleware(view)(request).status_code == 200
    assert not hasattr(request, "_messages")  # no message storage set up


def test_a_page_still_gets_messages_and_the_second_factor_state(users: dict[str, User]) -> None:
    request = RequestFactory().get("/aprender/")
    request.user = users["learner"]
    request.session = {}  # type: ignore[assignment]
    MessageMiddleware(OTPMiddleware(view))(request)
    assert hasattr(request, "_messages")
    assert hasattr(request.user, "is_verified")


def test_the_keyed_api_still_answers_through_the_whole_stack(
    call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    r = Client(**bearer(partner_key[1])).get(f"/api/v1/calls/{call.slug}/applications")
    assert r.status_code == 200
    assert r["Cache-Control"].startswith("no-store") or "no-store" in r["Cache-Control"]
