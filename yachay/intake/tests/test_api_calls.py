"""The public call API: GET /api/v1/calls and /api/v1/calls/{slug}."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.conftest import valid_api_payload
from yachay.programs.models import Call, Track


@pytest.fixture
def track(call: Call) -> Track:
    return Track.objects.create(
        program=call.program, name="IA para tu negocio", slug="ia-negocio",
        description="Ventas y atención con IA.", audience=["sme_owner"],
    )  # fmt: skip


def test_a_call_reads_without_a_key_with_every_fact_the_call_page_shows(
    client: Client, call: Call, track: Track
) -> None:
    r = client.get("/api/v1/calls/2027-i")
    assert r.status_code == 200
    body = r.json()
    assert body["slug"] == "2027-i" and body["state"] == "open"
    assert body["url"] == "/convocatorias/2027-i/"
    assert (body["seats"], body["min_age"], body["max_age"]) == (1000, 18, 70)
    # Dates in ISO 8601 with Lima's offset, the same instant as stored.
    closes = dt.datetime.fromisoformat(body["closes_at"])
    assert closes.utcoffset() == dt.timedelta(hours=-5)
    assert abs(closes - call.closes_at) < dt.timedelta(milliseconds=1)  # JSON keeps ms
    assert body["ages_on"] == timezone.localtime(call.closes_at).date().isoformat()
    assert [s["code"] for s in body["segments"]] == [
        "sme_expert",
        "entrepreneur",
        "sme_owner",
        "other",
    ]
    assert body["ruc_required_segments"] == [{"code": "sme_owner", "label": "dueño/a de MYPE"}]
    assert [m["code"] for m in body["modalities"]] == ["virtual", "in_person"]
    assert body["slots"][0] == {
        "code": "morning", "label": "mañana, 9:00–12:00", "starts": "09:00", "ends": "12:00",
        "days": "weekdays",
    }  # fmt: skip
    assert body["slots"][3]["days"] == "saturday"
    assert body["tracks"] == [
        {"slug": "ia-negocio", "name": "IA para tu negocio",
         "description": "Ventas y atención con IA.", "audience": ["sme_owner"]}
    ]  # fmt: skip
    assert body["partners"] == ["Presidencia del Consejo de Ministros", "Socio tecnológico"]
    assert body["consent"] == {
        "version": "2026-1",
        "text": "Autorizo el tratamiento de mis datos personales (Ley 29733).",
    }
    assert (body["length_weeks"], body["hours_per_week"], body["free"]) == (6, 3, True)


def test_labels_follow_accept_language(client: Client, call: Call) -> None:
    body = client.get("/api/v1/calls/2027-i", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["slots"][0]["label"] == "morning, 9:00–12:00"
    assert body["slots"][3]["label"] == "weekend, Saturdays 9:00–13:00"
    assert body["modalities"][1] == {"code": "in_person", "label": "in person"}


def test_the_consent_version_read_is_the_one_an_application_must_send(
    client: Client, call: Call, partner_key: Any
) -> None:
    from yachay.conftest import bearer

    call.consent_version = "2027-2"
    call.save()
    version = client.get("/api/v1/calls/2027-i").json()["consent"]["version"]
    r = client.post(
        "/api/v1/calls/2027-i/applications",
        valid_api_payload(consent_version=version),
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    assert r.status_code == 201, r.content


def test_the_list_has_every_state_newest_first_in_fixed_queries(
    client: Client, call: Call, track: Track, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    for i, (opens, closes) in enumerate([(10, 20), (-40, -30), (-80, -70)]):
        Call.objects.create(
            program=call.program, title=f"C{i}", slug=f"c{i}", seats=10, consent_text="x",
            opens_at=now + dt.timedelta(days=opens), closes_at=now + dt.timedelta(days=closes),
        )  # fmt: skip
    with django_assert_num_queries(2):  # calls with programs; the programs' tracks
        r = client.get("/api/v1/calls")
    body = r.json()
    assert [c["slug"] for c in body] == ["c0", "2027-i", "c1", "c2"]
    assert [c["state"] for c in body] == ["upcoming", "open", "closed", "closed"]
    assert all(c["tracks"][0]["slug"] == "ia-negocio" for c in body)


def test_an_unknown_call_is_a_404_and_an_unknown_parameter_a_422(
    client: Client, call: Call
) -> None:
    r = client.get("/api/v1/calls/no-existe")
    assert r.status_code == 404 and r.json()["detail"]
    assert client.get("/api/v1/calls?state=open").status_code == 422
    assert client.get("/api/v1/calls/2027-i?x=1").status_code == 422


def test_the_call_endpoints_are_rate_limited_per_address(
    client: Client, call: Call, settings: Any
) -> None:
    settings.YACHAY_RATELIMIT_API = "2/60"
    assert client.get("/api/v1/calls").status_code == 200
    assert client.get("/api/v1/calls/2027-i").status_code == 200
    r = client.get("/api/v1/calls/2027-i")
    assert r.status_code == 429 and "intenta" in r.json()["detail"].lower()


def test_the_openapi_document_says_the_call_endpoints_need_no_key(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/calls", "/api/v1/calls/{call_slug}"):
        assert "security" not in doc["paths"][path]["get"], path
    assert doc["paths"]["/api/v1/calls/{call_slug}/applications"]["post"]["security"]


def test_an_application_may_only_choose_a_modality_the_call_offers(
    client: Client, call: Call, partner_key: Any
) -> None:
    from yachay.conftest import bearer

    call.modalities = ["virtual"]
    call.save()
    offered = [m["code"] for m in client.get("/api/v1/calls/2027-i").json()["modalities"]]
    assert offered == ["virtual"]
    r = client.post(
        "/api/v1/calls/2027-i/applications",
        valid_api_payload(modality="in_person"),
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    assert r.status_code == 422 and list(r.json()["errors"]) == ["modality"]
