"""Cache-Control: no-store on answers that may hold personal data."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from yachay.core.caching import NoStoreForPersonalData, personal_data


class _SignedIn:
    is_authenticated = True


def _through_middleware(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    return NoStoreForPersonalData(lambda _r: response)(request)  # type: ignore[return-value]


def test_a_view_marked_personal_data_is_never_stored() -> None:
    view = personal_data(lambda request: HttpResponse("DNI 45678912"))
    r = view(RequestFactory().get("/x/"))
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]


def test_an_answer_to_a_signed_in_person_is_not_stored() -> None:
    request = RequestFactory().get("/mi-cuenta/")
    request.user = _SignedIn()  # type: ignore[assignment]
    r = _through_middleware(request, HttpResponse("hola"))
    assert "no-store" in r["Cache-Control"]
    assert "Cookie" in r["Vary"]


def test_an_answer_to_a_request_with_a_key_is_not_stored() -> None:
    request = RequestFactory().get("/x/", HTTP_AUTHORIZATION="Bearer ych_x")
    request.user = AnonymousUser()
    assert "no-store" in _through_middleware(request, HttpResponse())["Cache-Control"]


def test_every_api_answer_is_not_stored() -> None:
    request = RequestFactory().post("/api/v1/offers/abc/accept")
    request.user = AnonymousUser()
    assert "no-store" in _through_middleware(request, HttpResponse())["Cache-Control"]


def test_an_anonymous_public_page_keeps_its_own_caching() -> None:
    request = RequestFactory().get("/ayuda/")
    request.user = AnonymousUser()
    assert not _through_middleware(request, HttpResponse()).has_header("Cache-Control")


def test_a_view_that_chose_its_caching_keeps_it() -> None:
    request = RequestFactory().get("/aprender/curso/recursos/1/img.png")
    request.user = _SignedIn()  # type: ignore[assignment]
    response = HttpResponse()
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    assert _through_middleware(request, response)["Cache-Control"] == (
        "private, max-age=31536000, immutable"
    )
