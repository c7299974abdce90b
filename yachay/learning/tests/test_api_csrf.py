"""Who answers for a write to the API that acts as a person (issue 10, item 14).

A key made for a user is not subject to CSRF (a browser never sends it on its own); a
signed-in session still is; an anonymous POST is a 401, never a CSRF 403. Checked on the
real writes: a check-in and a quiz attempt, with a client that enforces CSRF as a browser's
request would meet it (Django's test client skips the check unless told).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from yachay.accounts.services import api_key_create
from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance
from yachay.cohorts.tests.test_cohorts_api import session_client
from yachay.conftest import bearer
from yachay.core.actors import SYSTEM
from yachay.learning.models import QuizAttempt
from yachay.learning.tests.conftest import RIGHT, Learning

pytestmark = pytest.mark.django_db

ATTEMPTS = "/api/v1/courses/mini/quizzes/q1/attempts"


def checkin_url(learning: Learning) -> str:
    return f"/api/v1/sessions/{learning.live.session.pk}/check-in"


def checkin_body(learning: Learning) -> str:
    secret = learning.live.session.checkin_secret
    return json.dumps({"code": checkin.code_for(secret, checkin.period_of(time.time()))})


def post(client: Client, url: str, body: str, **headers: Any) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def strict() -> Client:
    """A client that meets Django's CSRF check, as a real request does."""
    return Client(enforce_csrf_checks=True)


def test_a_key_acting_as_the_learner_checks_in_without_a_csrf_token(learning: Learning) -> None:
    _key, raw = api_key_create(name="App móvil", user=learning.learner, actor=SYSTEM)
    response = post(strict(), checkin_url(learning), checkin_body(learning), **bearer(raw))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "present"
    assert Attendance.objects.filter(enrollment=learning.enrollment).count() == 1


def test_a_key_acting_as_the_learner_submits_a_quiz_attempt(learning: Learning) -> None:
    _key, raw = api_key_create(name="App móvil", user=learning.learner, actor=SYSTEM)
    body = json.dumps({"answers": RIGHT})
    response = post(strict(), ATTEMPTS, body, **bearer(raw))
    assert response.status_code == 201, response.content
    assert response.json()["passed"] is True
    assert QuizAttempt.objects.filter(user=learning.learner).count() == 1


def test_a_key_wins_over_a_signed_in_session_on_the_same_request(learning: Learning) -> None:
    # A session cookie alongside the key changes nothing: the key answers, without CSRF.
    client, _token = session_client(learning.learner)
    client.cookies.pop("csrftoken")
    _key, raw = api_key_create(name="App móvil", user=learning.learner, actor=SYSTEM)
    response = post(client, ATTEMPTS, json.dumps({"answers": RIGHT}), **bearer(raw))
    assert response.status_code == 201, response.content


def test_a_wrong_key_beside_a_signed_in_session_is_a_401_not_the_session(
    learning: Learning,
) -> None:
    client, token = session_client(learning.learner)
    response = post(
        client, checkin_url(learning), checkin_body(learning),
        HTTP_X_CSRFTOKEN=token, **bearer("yk_not-a-key"),
    )  # fmt: skip
    assert response.status_code == 401
    assert not Attendance.objects.exists()


def test_a_signed_in_session_still_needs_its_csrf_token(learning: Learning) -> None:
    client, token = session_client(learning.learner)
    refused = [
        post(client, checkin_url(learning), checkin_body(learning)),
        post(client, ATTEMPTS, json.dumps({"answers": RIGHT})),
        # HTTP Basic (a proxy's password, which browsers resend on their own) is not a key.
        post(client, ATTEMPTS, json.dumps({"answers": RIGHT}), HTTP_AUTHORIZATION="Basic eDp5"),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert not Attendance.objects.exists() and not QuizAttempt.objects.exists()
    accepted = [
        post(client, checkin_url(learning), checkin_body(learning), HTTP_X_CSRFTOKEN=token),
        post(client, ATTEMPTS, json.dumps({"answers": RIGHT}), HTTP_X_CSRFTOKEN=token),
    ]
    assert [r.status_code for r in accepted] == [201, 201]


def test_an_anonymous_post_is_a_401_with_a_message_not_a_csrf_403(learning: Learning) -> None:
    for url, body in [(checkin_url(learning), checkin_body(learning)),
                      (ATTEMPTS, json.dumps({"answers": RIGHT}))]:  # fmt: skip
        response = post(strict(), url, body)
        assert response.status_code == 401, (url, response.content)
        assert "API" in response.json()["detail"]
    assert not Attendance.objects.exists() and not QuizAttempt.objects.exists()


def test_a_key_posting_a_body_that_is_not_json_gets_a_400_in_words(learning: Learning) -> None:
    # Reachable by key now: ninja's own English refusal comes in the house format, in Spanish.
    _key, raw = api_key_create(name="App móvil", user=learning.learner, actor=SYSTEM)
    for url in (checkin_url(learning), ATTEMPTS):
        response = post(strict(), url, "{no es JSON", **bearer(raw))
        assert response.status_code == 400
        message = "El cuerpo de la solicitud no es un JSON válido."
        assert response.json() == {"errors": {"body": [message]}}
