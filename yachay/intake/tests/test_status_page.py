from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from yachay.conftest import valid_form_data
from yachay.intake.models import Application
from yachay.programs.models import Call

URL = "/convocatorias/2027-i/estado/"


def apply(client: Client) -> Application:
    client.post(
        "/convocatorias/2027-i/postular/", valid_form_data(submission_key=str(uuid.uuid4()))
    )
    return Application.objects.get()


def test_it_shows_the_status_for_the_right_dni_and_reference(client: Client, call: Call) -> None:
    app = apply(client)
    r = client.post(URL, {"dni": app.dni, "reference": app.reference.lower()})
    assert r.status_code == 200
    assert r.context["app"] == app
    assert app.reference in r.content.decode()


def test_it_finds_nothing_when_either_part_is_wrong(client: Client, call: Call) -> None:
    app = apply(client)
    for dni, ref in (
        (app.dni, "YCH-222222"),
        ("11111111", app.reference),
        ("", ""),
        ("x" * 5000, "<script>"),
    ):
        r = client.post(URL, {"dni": dni, "reference": ref})
        assert r.status_code == 200 and r.context.get("app") is None
        assert "<script>" not in r.content.decode().split("<main>")[1]


def test_it_never_puts_the_dni_in_the_address(client: Client, call: Call) -> None:
    html = client.get(URL).content.decode()
    assert 'method="post"' in html


def test_it_rate_limits_guessing(client: Client, call: Call, settings: Any) -> None:
    settings.YACHAY_RATELIMIT_STATUS = "3/60"
    codes = [
        client.post(URL, {"dni": "12345678", "reference": "YCH-222222"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
