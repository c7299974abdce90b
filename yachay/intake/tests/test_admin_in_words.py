"""An application's admin page shows words, not codes or JSON."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from yachay.accounts.models import User
from yachay.conftest import bearer, valid_api_payload
from yachay.intake.models import Application
from yachay.programs.models import Call


def test_the_application_page_names_the_place_and_slots_in_words(
    client: Client, users: dict[str, User], call: Call, partner_key: Any
) -> None:
    payload = valid_api_payload(ubigeo="080101", schedules=["evening", "weekend"])
    r = client.post(
        "/api/v1/calls/2027-i/applications", json.dumps(payload),
        content_type="application/json", **bearer(partner_key[1]),
    )  # fmt: skip
    assert r.status_code == 201
    app = Application.objects.get()
    client.force_login(users["admin"])
    html = client.get(f"/admin/intake/application/{app.pk}/change/").content.decode()
    assert "Cusco / Cusco / Cusco (080101)" in html
    assert "noche, 19:00–22:00" in html and "sábados" in html
    assert '["evening"' not in html and "&quot;evening&quot;" not in html
    assert "Lo que lee la persona en su página de estado" in html
