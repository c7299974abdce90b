from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from yachay.conftest import bearer, valid_api_payload, valid_form_data
from yachay.core.http import parse_rate
from yachay.intake.models import Application
from yachay.programs.models import Call


def test_the_form_answers_429_with_a_clear_message_past_the_limit(
    client: Client, call: Call, settings: Any
) -> None:
    settings.YACHAY_RATELIMIT_FORM = "2/60"
    codes = []
    for i in range(3):
        data = valid_form_data(submission_key=str(uuid.uuid4()), dni=f"1000000{i}")
        codes.append(client.post("/convocatorias/2027-i/postular/", data).status_code)
    assert codes == [302, 302, 429]
    r = client.post("/convocatorias/2027-i/postular/", valid_form_data(dni="10000009"))
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert Application.objects.count() == 2
    assert (
        client.get("/convocatorias/2027-i/postular/").status_code == 200
    )  # reading is not limited


def test_the_limit_is_per_client_address(client: Client, call: Call, settings: Any) -> None:
    settings.YACHAY_RATELIMIT_FORM = "1/60"
    a = client.post("/convocatorias/2027-i/postular/", valid_form_data(), REMOTE_ADDR="10.0.0.1")
    b = client.post(
        "/convocatorias/2027-i/postular/", valid_form_data(dni="87654321"), REMOTE_ADDR="10.0.0.2"
    )
    assert (a.status_code, b.status_code) == (302, 302)


def test_the_api_answers_429_in_json(
    client: Client, call: Call, partner_key: Any, settings: Any
) -> None:
    settings.YACHAY_RATELIMIT_API = "1/60"
    url = "/api/v1/calls/2027-i/applications"
    body = json.dumps(valid_api_payload())
    first = client.post(url, body, content_type="application/json", **bearer(partner_key[1]))
    second = client.post(url, body, content_type="application/json", **bearer(partner_key[1]))
    assert first.status_code == 201
    assert second.status_code == 429 and second.json()["detail"]


@pytest.mark.parametrize("bad", ["ten/60", "10", "10/0", "-1/60", "1/2/3"])
def test_a_malformed_rate_setting_fails_loudly(bad: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_rate(bad)


def test_a_zero_rate_switches_the_limit_off() -> None:
    assert parse_rate("0") == (0, 0)
