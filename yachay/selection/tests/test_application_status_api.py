"""The API answers a new application (intake) in the same words as its status (selection)."""

from __future__ import annotations

import json

from django.test import Client
from django.utils import translation

from yachay.accounts.models import ApiKey
from yachay.conftest import bearer, valid_api_payload
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection.selectors import explain

URL = "/api/v1/calls/2027-i/applications"


def test_the_201_of_a_new_application_says_what_its_status_says(
    client: Client, call: Call, partner_key: tuple[ApiKey, str]
) -> None:
    _, raw = partner_key
    for language in ("es", "en"):
        body = valid_api_payload(dni="4567890" + ("1" if language == "es" else "2"))
        created = client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
            **bearer(raw),
        )
        assert created.status_code == 201, created.json()
        read = client.get(
            f"{URL}/{created.json()['reference']}", HTTP_ACCEPT_LANGUAGE=language, **bearer(raw)
        )
        assert read.status_code == 200
        # The 201 leaves out empty fields (exclude_none); the read shows them as null.
        assert created.json() == {k: v for k, v in read.json().items() if v is not None}
        app = Application.objects.get(reference=created.json()["reference"])
        with translation.override(language):
            assert created.json()["explanation"] == explain(app).text
        assert created.json()["decision"] == "pending"
