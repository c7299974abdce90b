"""The public verification page: valid, revoked or unknown; never a 500, never the DNI."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from yachay.certificates.models import Certificate
from yachay.learning.tests.conftest import learning, live  # noqa: F401


@pytest.fixture
def client(client: Any) -> Any:
    """English pages (the tests read the English words; Spanish is tested on its own)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_valid_certificate_shows_who_what_when_and_by_whom(client: Any, issued: Any) -> None:
    response = client.get(f"/verificar/{issued.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This certificate is valid" in page
    assert issued.full_name in page and issued.track.name in page
    assert "Ministerio de la Producción" in page
    assert issued.enrollment.application.dni not in page
    assert "<script" not in page and "style=" not in page
    assert len(response.content) < 15_000


def test_the_page_speaks_spanish(client: Any, issued: Any) -> None:
    response = client.get(f"/verificar/{issued.code}/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Este certificado es válido" in response.content.decode()


@pytest.mark.parametrize(
    "mangle", [str.lower, lambda c: c.replace("-", ""), lambda c: " ".join(c.split("-"))]
)
def test_the_code_is_read_as_people_type_it(client: Any, issued: Any, mangle: Any) -> None:
    response = client.get("/verificar/", {"codigo": mangle(issued.code)})
    assert response.status_code == 200
    assert "This certificate is valid" in response.content.decode()


def test_confusable_letters_are_read_as_digits(client: Any, issued: Any) -> None:
    Certificate.objects.filter(pk=issued.pk).update(code="0111-ABCD-EF")
    response = client.get("/verificar/OIL1-abcd-ef/")
    assert "This certificate is valid" in response.content.decode()


def test_a_revoked_certificate_says_since_when(client: Any, issued: Any) -> None:
    Certificate.objects.filter(pk=issued.pk).update(revoked_at=timezone.now())
    page = client.get(f"/verificar/{issued.code}/").content.decode()
    assert "This certificate was revoked on" in page and "is valid" not in page


@pytest.mark.parametrize(
    "junk", ["ZZZZ-ZZZZ-ZZ", "x", "A" * 500, "%F0%9F%98%80", "'; drop table--", "ÑÑÑ"]
)
def test_unknown_and_junk_codes_get_the_unknown_answer(client: Any, issued: Any, junk: str) -> None:
    by_path = client.get(f"/verificar/{junk}/")
    for response in (by_path, client.get("/verificar/", {"codigo": junk})):
        assert response.status_code == 404
        assert "No certificate has this code" in response.content.decode()


def test_the_empty_form(client: Any, db: None) -> None:
    response = client.get("/verificar/")
    assert response.status_code == 200 and 'name="codigo"' in response.content.decode()
    assert client.post("/verificar/").status_code == 405


def test_verification_is_rate_limited(client: Any, issued: Any, settings: Any) -> None:
    settings.YACHAY_RATELIMIT_VERIFY = "3/60"
    codes = [client.get(f"/verificar/{issued.code}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
