"""A NUL byte (or another control character) in an address, a query or a form field is
refused in words, on SQLite and PostgreSQL alike: a 400 page, or in the API a 404 for a path
and a 422 for a query or a body. PostgreSQL cannot hold a NUL, and these requests answered
500 there (issue #10, item 4). Run on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from yachay.conftest import bearer, valid_api_payload, valid_form_data
from yachay.core.models import AuditEvent
from yachay.intake.models import Application

pytestmark = pytest.mark.django_db

SPANISH = "carácter de control invisible"


def _refused_in_spanish(r: Any) -> None:
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html")
    body = r.content.decode()
    assert SPANISH in body and "Nada se guardó" in body


def _refused_as_json(r: Any, where: str) -> None:
    if where == "path":  # an address that names nothing: the API's 404, in words
        assert r.status_code == 404
        assert SPANISH in r.json()["detail"]
    else:
        assert r.status_code == 422
        assert SPANISH in r.json()["errors"][where][0]


def test_the_status_page_refuses_a_nul_in_the_dni(client: Client, call: Any) -> None:
    r = client.post(
        f"/convocatorias/{call.slug}/estado/",
        "dni=1234%005678&reference=YCH-ABCDEF",
        content_type="application/x-www-form-urlencoded",
    )
    _refused_in_spanish(r)


def test_the_status_page_refuses_a_nul_in_the_query(client: Client, call: Any) -> None:
    _refused_in_spanish(client.get(f"/convocatorias/{call.slug}/estado/?dni=1234%005678"))


def test_the_api_refuses_a_nul_in_a_reference(client: Client, call: Any, partner_key: Any) -> None:
    r = client.get(f"/api/v1/calls/{call.slug}/applications/YCH-%00", **bearer(partner_key[1]))
    _refused_as_json(r, "path")


@pytest.mark.parametrize("char", ["%00", "%01", "%1b", "%7f", "%0a"])
def test_every_address_refuses_control_characters(client: Client, call: Any, char: str) -> None:
    _refused_in_spanish(client.get(f"/convocatorias/{call.slug}{char}/"))
    _refused_in_spanish(client.get(f"/ayuda/?q=a{char}b"))
    _refused_in_spanish(client.get(f"/ayuda/?a{char}=1"))
    _refused_as_json(client.get(f"/api/v1/calls/{call.slug}{char}"), "path")
    _refused_as_json(client.get(f"/api/v1/calls?x={char}"), "query")


def test_the_api_refuses_a_nul_escape_in_a_json_body(
    client: Client, call: Any, partner_key: Any
) -> None:
    body = json.dumps(valid_api_payload(consent_version="2026-1\x00"))
    assert "\\u0000" in body
    r = client.post(
        f"/api/v1/calls/{call.slug}/applications",
        body,
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    _refused_as_json(r, "body")
    assert not Application.objects.exists()
    assert not AuditEvent.objects.filter(action="application.submit").exists()


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(
    client: Client, call: Any, partner_key: Any
) -> None:
    # The name holds the six characters \u0000 (a backslash and "u0000"): no NUL; the form
    # refuses it as a name, in words, as a 422.
    body = json.dumps(valid_api_payload(given_names="Amaru\\u0000"))
    assert "\\\\u0000" in body
    r = client.post(
        f"/api/v1/calls/{call.slug}/applications",
        body,
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    assert r.status_code == 422
    assert "given_names" in r.json()["errors"]


def test_the_web_form_refuses_a_nul_and_stores_nothing(client: Client, call: Any) -> None:
    r = client.post(f"/convocatorias/{call.slug}/postular/", valid_form_data(dni="4567\x008912"))
    _refused_in_spanish(r)
    assert not Application.objects.exists()


def test_the_web_form_keeps_other_control_characters_next_to_their_field(
    client: Client, call: Any
) -> None:
    # Not a NUL: the form answers next to the field, with everything typed kept.
    r = client.post(
        f"/convocatorias/{call.slug}/postular/",
        valid_form_data(business_name="Bodega\x01Ñusta"),
    )
    assert r.status_code == 422
    assert "Este texto tiene caracteres invisibles" in r.content.decode()
    assert "Bodega\x01Ñusta" in r.content.decode()
    assert not Application.objects.exists()


def test_a_text_area_may_hold_tabs_and_line_breaks(client: Client, call: Any) -> None:
    r = client.post(
        f"/convocatorias/{call.slug}/postular/",
        valid_form_data(accessibility_needs="Intérprete\r\n\tde señas"),
    )
    assert r.status_code == 302
    assert Application.objects.get().accessibility_needs == "Intérprete de señas"
