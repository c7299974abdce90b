"""The cohorts API: a learner's cohort, check-in, an instructor's rosters, scoped by object."""

from __future__ import annotations

import json
import time
from typing import Any

from django.test import Client

from yachay.accounts.models import User
from yachay.accounts.services import api_key_create
from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance
from yachay.cohorts.tests.conftest import Live
from yachay.conftest import bearer
from yachay.core.actors import SYSTEM


def code(live: Live) -> str:
    return checkin.code_for(live.session.checkin_secret, checkin.period_of(time.time()))


def session_client(user: User) -> tuple[Client, str]:
    """A browser-like client: signed in, holding its CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/entrar/")  # any page with a form sets the CSRF cookie
    return client, client.cookies["csrftoken"].value


def test_a_learner_reads_their_cohort_and_sessions(live: Live) -> None:
    client, _ = session_client(live.learners[0])
    body = client.get("/api/v1/me/enrollments").json()
    assert len(body) == 1
    assert body[0]["cohort"]["name"] == "Cusco tarde"
    assert [s["topic"] for s in body[0]["sessions"]] == ["Qué es la IA"]
    assert body[0]["sessions_attended"] == 0


def test_a_learner_checks_in_through_the_api_once(live: Live) -> None:
    client, token = session_client(live.learners[0])
    url = f"/api/v1/sessions/{live.session.pk}/check-in"
    first = client.post(url, json.dumps({"code": code(live)}), content_type="application/json",
                        HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "present"
    second = client.post(url, json.dumps({"code": code(live)}), content_type="application/json",
                         HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert second.status_code == 409 and second.json()["code"] == "already_recorded"
    assert Attendance.objects.count() == 1


def test_a_session_post_without_its_csrf_token_is_refused(live: Live) -> None:
    client, _ = session_client(live.learners[0])
    response = client.post(
        f"/api/v1/sessions/{live.session.pk}/check-in",
        json.dumps({"code": code(live)}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_bad_check_in_bodies_are_answered_in_words(live: Live) -> None:
    client, token = session_client(live.learners[0])
    url = f"/api/v1/sessions/{live.session.pk}/check-in"
    for body in [
        '{"code": 123456}',
        '{"code": "1"}',
        "{}",
        "[]",
        "no json",
        '{"code": "' + "9" * 100 + '"}',
    ]:
        response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert response.status_code in (400, 422), (body, response.status_code)
        assert response.json()
    assert not Attendance.objects.exists()


def test_another_cohorts_session_is_not_found(live: Live) -> None:
    client, token = session_client(live.outsider)
    response = client.post(
        f"/api/v1/sessions/{live.session.pk}/check-in",
        json.dumps({"code": code(live)}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_an_instructor_reads_only_their_rosters(live: Live, users: dict[str, User]) -> None:
    client, _ = session_client(users["instructor"])
    assert [c["name"] for c in client.get("/api/v1/cohorts").json()] == ["Cusco tarde"]
    roster = client.get(f"/api/v1/cohorts/{live.cohort.pk}/roster").json()
    assert len(roster["learners"]) == 3
    assert "dni" not in json.dumps(roster)  # the roster never carries identity numbers
    assert client.get(f"/api/v1/cohorts/{live.other.pk}/roster").status_code == 404
    assert client.get("/api/v1/cohorts/999999/roster").status_code == 404


def test_a_coordinator_sees_only_their_departments_learners(
    live: Live, users: dict[str, User]
) -> None:
    # The coordinator follows Cusco and Puno; a Lima learner sits in the Cusco cohort too,
    # and the cohort is in Cusco, so they see the whole cohort there.
    _key, raw = api_key_create(name="coord", user=users["coordinator"], actor=SYSTEM)
    client = Client()
    names = [
        row["name"]
        for row in client.get(f"/api/v1/cohorts/{live.cohort.pk}/roster", **bearer(raw)).json()[
            "learners"
        ]
    ]
    assert len(names) == 3
    # A Puno learner moved into the virtual cohort makes it visible, with only that learner.
    puno = live.enrollments[2]
    puno.cohort = live.other
    puno.save()
    roster = client.get(f"/api/v1/cohorts/{live.other.pk}/roster", **bearer(raw)).json()
    assert [r["enrollment_id"] for r in roster["learners"]] == [puno.pk]


def test_a_partner_key_without_a_user_reads_no_cohorts(live: Live, partner_key: Any) -> None:
    _key, raw = partner_key
    assert Client().get("/api/v1/cohorts", **bearer(raw)).status_code == 403
    assert Client().get("/api/v1/cohorts").status_code == 401
