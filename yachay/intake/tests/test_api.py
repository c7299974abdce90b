"""The partner API: /api/v1/calls/{slug}/applications."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.accounts.models import ApiKey
from yachay.accounts.services import api_key_create, api_key_revoke
from yachay.conftest import bearer, valid_api_payload
from yachay.core.actors import SYSTEM
from yachay.intake.models import Application
from yachay.programs.models import Call

URL = "/api/v1/calls/2027-i/applications"


def submit(client: Client, key: str, body: Any, **extra: Any) -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, raw, content_type="application/json", **bearer(key), **extra)


def test_it_creates_an_application_and_answers_201(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    key, raw = partner_key
    r = submit(client, raw, valid_api_payload())
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "submitted" and body["call"] == "2027-i"
    app = Application.objects.get(reference=body["reference"])
    assert app.source == "api" and app.api_key == key
    assert app.phone == "+51912345678" and app.department == "05"


def test_it_lists_every_invalid_field_at_once(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    payload = valid_api_payload(
        dni="1234567", ruc="20100070971", phone="01 456 7890", ubigeo="999999",
        birth_date="2999-01-01", consent=False, gender="robot", email="x",
    )  # fmt: skip
    r = submit(client, partner_key[1], payload)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert set(errors) == {
        "dni", "ruc", "phone", "ubigeo", "birth_date", "consent", "gender", "email",
    }  # fmt: skip
    assert all(isinstance(m, str) and m for msgs in errors.values() for m in msgs)
    assert Application.objects.count() == 0


def test_it_refuses_wrong_json_types_instead_of_coercing_them(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    payload = valid_api_payload(
        dni=45678912, digital_level="3", consent="true", schedules="morning", woman_led="yes",
        given_names=["Amaru"],
    )  # fmt: skip
    r = submit(client, partner_key[1], payload)
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {
        "dni", "digital_level", "consent", "schedules", "woman_led", "given_names",
    }  # fmt: skip


def test_it_reports_missing_and_unknown_fields(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    payload = valid_api_payload(ubigueo="050101")
    del payload["ubigeo"], payload["email"]
    r = submit(client, partner_key[1], payload)
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"ubigeo", "email", "ubigueo"}


@pytest.mark.parametrize("body", ["{not json", b"\xff\xfe", "", "[1, 2]", "null", '"text"'])
def test_it_answers_a_body_that_is_not_a_json_object_without_a_500(
    client: Client, call: Call, partner_key: tuple[ApiKey, str], body: Any
) -> None:
    r = submit(client, partner_key[1], body)
    assert r.status_code in (400, 422)
    assert "body" in r.json()["errors"]


def test_a_dni_that_already_applied_gets_409_with_the_existing_reference(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    first = submit(client, partner_key[1], valid_api_payload()).json()
    r = submit(client, partner_key[1], valid_api_payload(email="otro@example.pe"))
    assert r.status_code == 409
    assert r.json()["reference"] == first["reference"]
    assert Application.objects.count() == 1


def test_another_key_gets_the_409_without_the_reference_of_someone_elses_application(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    first = submit(client, partner_key[1], valid_api_payload()).json()
    _other, raw = api_key_create(name="Otro socio", actor=SYSTEM)
    r = submit(client, raw, valid_api_payload(email="otro@example.pe"))
    assert r.status_code == 409
    assert "reference" not in r.json() and first["reference"] not in r.content.decode()
    assert r.json()["detail"]  # still says why, in words
    assert Application.objects.count() == 1


def test_a_key_gets_no_reference_of_an_application_sent_through_the_web_form(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    from yachay.conftest import valid_form_data

    client.post(f"/convocatorias/{call.slug}/postular/", valid_form_data(dni="45678912"))
    web = Application.objects.get()
    r = submit(client, partner_key[1], valid_api_payload(dni="45678912"))
    assert r.status_code == 409
    assert "reference" not in r.json() and web.reference not in r.content.decode()


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer ych_00000000_fake", "Basic abc"])
def test_it_answers_401_without_a_valid_key(client: Client, call: Call, header: str | None) -> None:
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": header} if header else {}
    r = client.post(URL, json.dumps(valid_api_payload()), content_type="application/json", **extra)
    assert r.status_code == 401 and r["WWW-Authenticate"] == 'Bearer realm="yachay"'
    assert "detail" in r.json()


def test_a_revoked_key_is_refused(client: Client, call: Call) -> None:
    key, raw = api_key_create(name="old", actor=SYSTEM)
    api_key_revoke(key=key, actor=SYSTEM)
    assert submit(client, raw, valid_api_payload()).status_code == 401


def test_it_answers_404_for_an_unknown_call(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    r = client.post(
        "/api/v1/calls/no-existe/applications",
        json.dumps(valid_api_payload()),
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    assert r.status_code == 404


def test_it_answers_409_for_a_closed_call(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    call.closes_at = timezone.now() - dt.timedelta(minutes=1)
    call.opens_at = call.closes_at - dt.timedelta(days=10)
    call.save()
    r = submit(client, partner_key[1], valid_api_payload())
    assert r.status_code == 409
    assert r.json()["state"] == "closed" and r.json()["detail"]


def test_it_refuses_an_old_consent_version(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    r = submit(client, partner_key[1], valid_api_payload(consent_version="2019-0"))
    assert r.status_code == 422 and "consent_version" in r.json()["errors"]


def test_it_asks_for_the_province_when_the_ubigeo_is_just_lima(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    r = submit(client, partner_key[1], valid_api_payload(ubigeo="15"))
    assert r.status_code == 422 and "ubigeo" in r.json()["errors"]
    assert submit(client, partner_key[1], valid_api_payload(ubigeo="0801")).status_code == 201


def test_messages_follow_accept_language(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    en = submit(client, partner_key[1], valid_api_payload(dni="12"), HTTP_ACCEPT_LANGUAGE="en")
    es = submit(client, partner_key[1], valid_api_payload(dni="12"), HTTP_ACCEPT_LANGUAGE="es")
    assert en.json()["errors"]["dni"] == ["The DNI has 8 digits (you wrote 2)."]
    assert es.json()["errors"]["dni"] == ["El DNI tiene 8 dígitos (escribiste 2)."]


def test_it_reads_the_status_of_an_application_it_submitted(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    ref = submit(client, partner_key[1], valid_api_payload()).json()["reference"]
    r = client.get(f"{URL}/{ref}", **bearer(partner_key[1]))
    assert r.status_code == 200
    assert r.json()["reference"] == ref and r.json()["status"] == "submitted"
    assert "dni" not in r.json()


def test_a_partner_key_cannot_read_another_keys_application(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    ref = submit(client, partner_key[1], valid_api_payload()).json()["reference"]
    _other, other_raw = api_key_create(name="Otro socio", actor=SYSTEM)
    assert client.get(f"{URL}/{ref}", **bearer(other_raw)).status_code == 404
    assert client.get(f"{URL}", **bearer(other_raw)).json()["count"] == 0


def test_the_openapi_document_describes_the_endpoints(client: Client, db: None) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    post = doc["paths"]["/api/v1/calls/{call_slug}/applications"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"dni", "ubigeo", "consent", "schedules"} <= set(schema["properties"])
    assert {"201", "401", "404", "409", "422"} <= set(post["responses"])
    assert client.get("/api/v1/docs").status_code == 200


def test_an_unknown_query_parameter_is_refused_in_the_house_format(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    r = client.get(f"{URL}?limt=5", **bearer(partner_key[1]))
    assert r.status_code == 422 and set(r.json()["errors"]) == {"limt"}
    r = client.get(f"{URL}?offset=99999999999999999999", **bearer(partner_key[1]))
    assert r.status_code == 422 and "offset" in r.json()["errors"]


def test_the_api_docs_load_nothing_from_other_hosts(client: Client, db: None) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html
    assert "cdn." not in html and "https://" not in html.split("<body")[0]
