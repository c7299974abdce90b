"""Roles and scopes: a coordinator sees only their departments, in the admin and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from yachay.accounts.models import User
from yachay.accounts.services import api_key_create
from yachay.conftest import bearer, valid_api_payload
from yachay.core.actors import SYSTEM
from yachay.intake.models import Application
from yachay.programs.models import Call

CUSCO, LIMA = "080101", "150101"


@pytest.fixture
def two_apps(client: Client, call: Call, partner_key: Any) -> dict[str, Application]:
    """One application from Cusco (in the coordinator's scope), one from Lima (outside it)."""
    for dni, ubigeo in (("11111111", CUSCO), ("22222222", LIMA)):
        r = client.post(
            "/api/v1/calls/2027-i/applications",
            json.dumps(valid_api_payload(dni=dni, ubigeo=ubigeo)),
            content_type="application/json",
            **bearer(partner_key[1]),
        )
        assert r.status_code == 201
    return {a.department: a for a in Application.objects.all()}


def test_the_coordinator_sees_only_their_departments_in_the_admin_list(
    client: Client, users: dict[str, User], two_apps: dict[str, Application]
) -> None:
    client.force_login(users["coordinator"])
    html = client.get("/admin/intake/application/").content.decode()
    assert two_apps["08"].reference in html
    assert two_apps["15"].reference not in html


def test_guessing_another_departments_record_url_shows_no_data(
    client: Client, users: dict[str, User], two_apps: dict[str, Application]
) -> None:
    client.force_login(users["coordinator"])
    lima = two_apps["15"]
    r = client.get(f"/admin/intake/application/{lima.pk}/change/", follow=True)
    html = r.content.decode()
    assert lima.reference not in html and lima.dni not in html and lima.email not in html
    own = client.get(f"/admin/intake/application/{two_apps['08'].pk}/change/")
    assert own.status_code == 200 and two_apps["08"].reference in own.content.decode()


def test_the_program_admin_sees_every_application(
    client: Client, users: dict[str, User], two_apps: dict[str, Application]
) -> None:
    client.force_login(users["admin"])
    html = client.get("/admin/intake/application/").content.decode()
    assert all(a.reference in html for a in two_apps.values())


@pytest.mark.parametrize("role", ["instructor", "learner"])
def test_instructors_and_learners_see_no_applications_in_the_admin(
    client: Client, users: dict[str, User], two_apps: dict[str, Application], role: str
) -> None:
    client.force_login(users[role])
    r = client.get("/admin/intake/application/")
    assert r.status_code in (302, 403)
    assert two_apps["08"].reference not in r.content.decode()


def test_the_coordinator_cannot_reach_configuration_screens(
    client: Client, users: dict[str, User], call: Call
) -> None:
    client.force_login(users["coordinator"])
    assert client.get("/admin/programs/call/").status_code == 403
    assert client.get(f"/admin/programs/call/{call.pk}/change/").status_code == 403
    assert client.get("/admin/accounts/apikey/").status_code == 403


def test_a_coordinators_key_reads_only_their_departments_in_the_api(
    client: Client, users: dict[str, User], two_apps: dict[str, Application]
) -> None:
    _key, raw = api_key_create(name="coord", user=users["coordinator"], actor=SYSTEM)
    base = "/api/v1/calls/2027-i/applications"
    listing = client.get(base, **bearer(raw)).json()
    assert [row["reference"] for row in listing["items"]] == [two_apps["08"].reference]
    assert client.get(f"{base}/{two_apps['08'].reference}", **bearer(raw)).status_code == 200
    assert client.get(f"{base}/{two_apps['15'].reference}", **bearer(raw)).status_code == 404


def test_an_admins_key_reads_every_application(
    client: Client, users: dict[str, User], two_apps: dict[str, Application]
) -> None:
    _key, raw = api_key_create(name="admin", user=users["admin"], actor=SYSTEM)
    listing = client.get("/api/v1/calls/2027-i/applications", **bearer(raw)).json()
    assert listing["count"] == 2


def test_the_admin_list_query_count_does_not_grow_with_rows(
    client: Client, users: dict[str, User], call: Call, partner_key: Any,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    for i in range(20):
        client.post(
            "/api/v1/calls/2027-i/applications",
            json.dumps(valid_api_payload(dni=f"3000{i:04d}")),
            content_type="application/json",
            **bearer(partner_key[1]),
        )
    client.force_login(users["admin"])
    with django_assert_max_num_queries(12):
        assert client.get("/admin/intake/application/").status_code == 200


def test_markup_in_names_is_escaped_in_the_admin(
    client: Client, users: dict[str, User], call: Call, partner_key: Any
) -> None:
    r = client.post(
        "/api/v1/calls/2027-i/applications",
        json.dumps(valid_api_payload(business_name="<img src=x onerror=alert(1)>")),
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    assert r.status_code == 201
    client.force_login(users["admin"])
    app = Application.objects.get()
    html = client.get(f"/admin/intake/application/{app.pk}/change/").content.decode()
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_coordinator_filtering_by_another_department_still_sees_nothing_of_it(
    client: Client, users: dict[str, User], two_apps: dict[str, Application]
) -> None:
    client.force_login(users["coordinator"])
    html = client.get("/admin/intake/application/?department=15").content.decode()
    assert two_apps["15"].reference not in html
    offered = client.get("/admin/intake/application/").content.decode()
    assert "Cusco" in offered and "Puno" in offered and "Arequipa" not in offered
