"""Every page and answer holding personal data says Cache-Control: no-store (issue #10).

Lives in the top floor because it visits pages of every app: the public status result,
the application form, a learner's account and check-in, staff pages, and the API.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from yachay.accounts.models import User
from yachay.accounts.services import api_key_create
from yachay.cohorts.models import Enrollment
from yachay.cohorts.tests.conftest import Live
from yachay.conftest import bearer, valid_form_data
from yachay.core.actors import SYSTEM
from yachay.intake.models import Application
from yachay.programs.models import Call


def no_store(response: object) -> bool:
    return "no-store" in response["Cache-Control"]  # type: ignore[index]


def test_the_public_status_result_and_the_form_are_never_stored(client: Client, call: Call) -> None:
    apply = f"/convocatorias/{call.slug}/postular/"
    assert no_store(client.get(apply))
    sent = client.post(apply, valid_form_data(submission_key=str(uuid.uuid4())))
    assert no_store(sent)
    assert no_store(client.get(sent["Location"]))  # the "application sent" page
    bad = client.post(apply, valid_form_data(dni="1"))  # echoes what was typed
    assert bad.status_code == 422 and no_store(bad)
    app = Application.objects.get()
    result = client.post(
        f"/convocatorias/{call.slug}/estado/", {"dni": app.dni, "reference": app.reference}
    )
    assert result.context["app"] == app and no_store(result)


def test_a_learners_pages_are_never_stored(client: Client, live: Live) -> None:
    client.force_login(live.learners[0])
    enrollment = Enrollment.objects.get(user=live.learners[0], cohort=live.cohort)
    for url in (
        "/mi-cuenta/",
        f"/asistencia/{live.session.pk}/",
        f"/mi-cuenta/cohorte-{enrollment.pk}.ics",  # the enrollment's id (its cohort's on SQLite)
        "/aprender/",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert no_store(r), url


@pytest.mark.parametrize("role", ["instructor", "coordinator", "admin"])
def test_staff_pages_are_never_stored(
    client: Client, live: Live, users: dict[str, User], role: str
) -> None:
    client.force_login(users[role])
    for url in ("/personal/", f"/cohortes/{live.cohort.pk}/"):
        r = client.get(url)
        assert r.status_code in (200, 403), url
        assert no_store(r), url


def test_api_answers_with_a_key_or_a_session_are_never_stored(
    client: Client, live: Live, users: dict[str, User]
) -> None:
    _key, raw = api_key_create(name="admin", user=users["admin"], actor=SYSTEM)
    r = client.get(f"/api/v1/calls/{live.cohort.call.slug}/applications", **bearer(raw))
    assert r.status_code == 200 and no_store(r)
    client.force_login(live.learners[0])
    r = client.get("/api/v1/me/enrollments")
    assert r.status_code == 200 and no_store(r)


def test_a_public_page_for_anyone_keeps_its_caching(client: Client, call: Call) -> None:
    r = client.get("/ayuda/")
    assert r.status_code == 200 and "no-store" not in r.get("Cache-Control", "")
